/// `Expr` to content MathML as SBML Level 3 Version 2 reads it; `MathMLConverter` reads the
/// result back to an expression with the same value.
///
/// - Numbers are `<cn>` in their shortest round-trip form (`<infinity/>`, `<notanumber/>` for
///   the non-finite ones); a logical constant where a truth value is expected is `<true/>`/`<false/>`.
/// - The expression language treats any non-zero number as true and writes truth values as 1
///   and 0; MathML types them. A number where a truth value is expected becomes `x ≠ 0`, a
///   truth value where a number is expected becomes `piecewise(1, c, 0)`.
/// - Left-nested chains of `+`, `*`, `&`, `|` are written as one n-ary `<apply>` (read back as
///   the same left fold).
/// - Every `Builtin` is covered. Those MathML lacks are written out: `log2(x)` as `log` with
///   `<logbase>` 2, `sign` and `if` as `<piecewise>`, `atan2(y, x)` as the quadrant cases of
///   `arctan(y/x)`, `hill(x, k, n)` as `xⁿ/(kⁿ + xⁿ)` and `hillr(x, k, n)` as `kⁿ/(kⁿ + xⁿ)`
///   (the operations the engine performs, so values agree to the last bit).
struct MathMLWriter {
  static let namespace = "http://www.w3.org/1998/Math/MathML"

  /// The SBML id of a model name (identity unless the writer renamed ids).
  var name: (String) -> String = { $0 }

  typealias Element = XMLElementBuilder

  /// `<math xmlns="…">` around the expression, as a number.
  func math(_ e: Expr) -> Element {
    Element("math", [("xmlns", Self.namespace)], children: [number(e)])
  }

  /// `<math>` around the expression, as a truth value (triggers).
  func mathBoolean(_ e: Expr) -> Element {
    Element("math", [("xmlns", Self.namespace)], children: [boolean(e)])
  }

  /// A `<math>` holding `<lambda>` with the given bound variables (a function definition).
  func lambda(_ parameters: [String], _ body: Expr) -> Element {
    var lambda = Element("lambda")
    for p in parameters { lambda.add(Element("bvar", children: [Element("ci", text: " \(p) ")])) }
    lambda.add(number(body))
    return Element("math", [("xmlns", Self.namespace)], children: [lambda])
  }

  // MARK: - Typing

  /// True when the expression yields a truth value (comparisons, logical operators).
  static func isBoolean(_ e: Expr) -> Bool {
    switch e {
    case .unary(.not, _): return true
    case .binary(let op, _, _): return op.isComparison || op.isLogical
    case .call(.implies, _): return true
    default: return false
    }
  }

  /// The expression in a context that expects a number.
  func number(_ e: Expr) -> Element {
    if Self.isBoolean(e) {
      return piecewise([(Self.cn(1), boolean(e))], otherwise: Self.cn(0))
    }
    return numeric(e)
  }

  /// The expression in a context that expects a truth value.
  func boolean(_ e: Expr) -> Element {
    switch e {
    case .number(let v) where !v.isNaN:
      return Element(v != 0 ? "true" : "false")
    case .unary(.not, let a):
      return apply("not", [boolean(a)])
    case .binary(let op, let a, let b) where op.isLogical:
      let tag = op == .and ? "and" : op == .or ? "or" : "xor"
      return apply(tag, flatten(op, a, b).map(boolean))
    case .binary(let op, let a, let b) where op.isComparison:
      let tag: String
      switch op {
      case .less: tag = "lt"
      case .lessEqual: tag = "leq"
      case .greater: tag = "gt"
      case .greaterEqual: tag = "geq"
      case .equal: tag = "eq"
      default: tag = "neq"
      }
      return apply(tag, [number(a), number(b)])
    case .call(.implies, let args):
      return apply("implies", args.map(boolean))
    default:
      return apply("neq", [number(e), Self.cn(0)])
    }
  }

  /// Operands of a left-nested chain of `op` (`(a op b) op c` gives [a, b, c]).
  private func flatten(_ op: BinaryOperator, _ a: Expr, _ b: Expr) -> [Expr] {
    var operands = [b]
    var left = a
    while case .binary(let inner, let x, let y) = left, inner == op {
      operands.append(y)
      left = x
    }
    operands.append(left)
    return operands.reversed()
  }

  private func apply(_ head: String, _ args: [Element], qualifiers: [Element] = []) -> Element {
    Element("apply", children: [Element(head)] + qualifiers + args)
  }

  static func cn(_ v: Double) -> Element {
    if v.isSubnormal { return cn(0) }  // libSBML refuses numbers that underflow
    if v.isNaN { return Element("notanumber") }
    if v.isInfinite {
      return v > 0 ? Element("infinity") : Element("apply", children: [Element("minus"), Element("infinity")])
    }
    if v == v.rounded(), Swift.abs(v) < 1e15 {
      return Element("cn", [("type", "integer")], text: " \(formatNumber(v)) ")
    }
    return Element("cn", text: " \(v.description) ")
  }

  private func piecewise(_ pieces: [(Element, Element)], otherwise: Element?) -> Element {
    var p = Element("piecewise")
    for (value, condition) in pieces { p.add(Element("piece", children: [value, condition])) }
    if let otherwise { p.add(Element("otherwise", children: [otherwise])) }
    return p
  }

  // MARK: - Numbers

  private func numeric(_ e: Expr) -> Element {
    switch e {
    case .number(let v):
      return Self.cn(v)
    case .variable(let v):
      if v == Expr.timeName {
        return Element("csymbol", [("encoding", "text"), ("definitionURL", MathMLConverter.timeURL)], text: " time ")
      }
      return Element("ci", text: " \(name(v)) ")
    case .unary(.negate, let a):
      return apply("minus", [number(a)])
    case .unary(.not, _):
      return number(e)  // typed as a truth value: handled by `number`
    case .binary(let op, let a, let b):
      switch op {
      case .add: return apply("plus", flatten(.add, a, b).map(number))
      case .multiply: return apply("times", flatten(.multiply, a, b).map(number))
      case .subtract: return apply("minus", [number(a), number(b)])
      case .divide: return apply("divide", [number(a), number(b)])
      case .power: return apply("power", [number(a), number(b)])
      default: return number(e)
      }
    case .call(let f, let args):
      return call(f, args)
    }
  }

  private static let direct: [Builtin: String] = [
    .exp: "exp", .log: "ln", .log10: "log", .abs: "abs", .floor: "floor", .ceil: "ceiling",
    .sin: "sin", .cos: "cos", .tan: "tan", .sec: "sec", .csc: "csc", .cot: "cot",
    .sinh: "sinh", .cosh: "cosh", .tanh: "tanh", .sech: "sech", .csch: "csch", .coth: "coth",
    .asin: "arcsin", .acos: "arccos", .atan: "arctan", .asec: "arcsec", .acsc: "arccsc", .acot: "arccot",
    .asinh: "arcsinh", .acosh: "arccosh", .atanh: "arctanh", .asech: "arcsech", .acsch: "arccsch",
    .acoth: "arccoth", .factorial: "factorial", .min: "min", .max: "max", .rem: "rem", .quotient: "quotient",
    .pow: "power",
  ]

  private func call(_ f: Builtin, _ args: [Expr]) -> Element {
    if let tag = Self.direct[f] { return apply(tag, args.map(number)) }
    switch f {
    case .sqrt:
      return apply("root", [number(args[0])])
    case .log2:
      return apply("log", [number(args[0])], qualifiers: [Element("logbase", children: [Self.cn(2)])])
    case .logBase:
      return apply("log", [number(args[1])], qualifiers: [Element("logbase", children: [number(args[0])])])
    case .root:
      return apply("root", [number(args[1])], qualifiers: [Element("degree", children: [number(args[0])])])
    case .sign:
      let x = args[0]
      return piecewise(
        [(Self.cn(1), boolean(.binary(.greater, x, .zero))), (Self.cn(-1), boolean(.binary(.less, x, .zero)))],
        otherwise: Self.cn(0))
    case .atan2:
      let y = args[0], x = args[1]
      let ratio = Expr.call(.atan, [.binary(.divide, y, x)])
      let pi = Expr.number(Double.pi)
      return piecewise(
        [
          (number(ratio), boolean(.binary(.greater, x, .zero))),
          (number(.binary(.add, ratio, pi)),
           boolean(.binary(.and, .binary(.less, x, .zero), .binary(.greaterEqual, y, .zero)))),
          (number(.binary(.subtract, ratio, pi)),
           boolean(.binary(.and, .binary(.less, x, .zero), .binary(.less, y, .zero)))),
          (Self.cn(Double.pi / 2), boolean(.binary(.and, .binary(.equal, x, .zero), .binary(.greater, y, .zero)))),
          (Self.cn(-Double.pi / 2), boolean(.binary(.and, .binary(.equal, x, .zero), .binary(.less, y, .zero)))),
        ], otherwise: Self.cn(0))
    case .hill, .hillr:
      // hill(x, k, n) = xⁿ / (kⁿ + xⁿ); hillr(x, k, n) = kⁿ / (kⁿ + xⁿ).
      let xn = Expr.binary(.power, args[0], args[2]), kn = Expr.binary(.power, args[1], args[2])
      return numeric(.binary(.divide, f == .hill ? xn : kn, .binary(.add, kn, xn)))
    case .piecewise:
      var pieces: [(Element, Element)] = []
      var i = 0
      while i + 1 < args.count {
        pieces.append((number(args[i]), boolean(args[i + 1])))
        i += 2
      }
      let otherwise = args.count % 2 == 1 ? number(args[args.count - 1]) : nil
      if pieces.isEmpty, let otherwise { return otherwise }
      return piecewise(pieces, otherwise: otherwise ?? Self.cn(.nan))
    case .ifThenElse:
      return piecewise([(number(args[1]), boolean(args[0]))], otherwise: number(args[2]))
    case .implies:
      return number(.call(.implies, args))
    case .delay:
      let head = Element("csymbol", [("encoding", "text"), ("definitionURL", MathMLConverter.delayURL)], text: " delay ")
      return Element("apply", children: [head] + args.map(number))
    default:
      // Every builtin is handled above; a new one must be added here.
      return apply(f.rawValue, args.map(number))
    }
  }
}
