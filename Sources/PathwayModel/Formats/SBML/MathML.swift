import Foundation

/// Content MathML (as SBML Level 3 Version 2 uses it) to `Expr`.
///
/// Function definitions are inlined at the call site. Relational operators with more than two
/// arguments chain (`a < b < c` is `a < b & b < c`). `delay` is the builtin `delay`; `avogadro` is
/// the constant SBML Level 3 gives it; `rateOf(x)` becomes the placeholder variable `rateOf(x)`
/// (no SBML id holds parentheses), which the reader replaces by x's rate once all rates are known.
struct MathMLConverter {
  let file: String
  var functions: [String: (parameters: [String], body: Expr)] = [:]

  static let timeURL = "http://www.sbml.org/sbml/symbols/time"
  static let avogadroURL = "http://www.sbml.org/sbml/symbols/avogadro"
  /// The value SBML Level 3 (Versions 1 and 2, section 3.4.6) gives the `avogadro` csymbol.
  static let avogadro = 6.02214179e23
  static let rateOfURL = "http://www.sbml.org/sbml/symbols/rateOf"
  static let delayURL = "http://www.sbml.org/sbml/symbols/delay"

  /// The variable standing for `rateOf(symbol)` until the reader knows the symbol's rate.
  static func rateOfPlaceholder(_ symbol: String) -> String { "rateOf(\(symbol))" }
  /// The symbol of a `rateOf` placeholder (nil for any other name).
  static func rateOfSymbol(_ name: String) -> String? {
    guard name.hasPrefix("rateOf("), name.hasSuffix(")") else { return nil }
    return String(name.dropFirst(7).dropLast())
  }

  func error(_ node: XMLNode, _ message: String) -> PathwayError {
    PathwayError(.invalidInput, at: node.location(file), message)
  }

  /// The expression of a `<math>` element (its single content child).
  func convertMath(_ math: XMLNode) throws(PathwayError) -> Expr {
    let content = math.children.filter { $0.name != "annotation" && $0.name != "annotation-xml" }
    guard let first = content.first else { throw error(math, "empty <math> element") }
    return try convert(first)
  }

  func convert(_ node: XMLNode) throws(PathwayError) -> Expr {
    switch node.name {
    case "cn": return .number(try number(node))
    case "ci":
      let name = node.text.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !name.isEmpty else { throw error(node, "empty <ci> element") }
      return .variable(name)
    case "csymbol":
      let url = node.attributes["definitionURL"] ?? ""
      if url == Self.timeURL { return .time }
      if url == Self.avogadroURL { return .number(Self.avogadro) }
      if url == Self.delayURL || url == Self.rateOfURL {
        throw error(node, "the '\(url == Self.delayURL ? "delay" : "rateOf")' csymbol is a function: it must be the first child of an <apply>")
      }
      throw error(node, "unknown csymbol '\(url)'")
    case "true": return .one
    case "false": return .zero
    case "pi": return .number(Double.pi)
    case "exponentiale": return .number(M_E)
    case "infinity": return .number(.infinity)
    case "notanumber": return .number(.nan)
    case "piecewise": return try piecewise(node)
    case "apply": return try apply(node)
    case "semantics":
      guard let first = node.children.first else { throw error(node, "empty <semantics>") }
      return try convert(first)
    default:
      throw error(node, "unsupported MathML element <\(node.name)>")
    }
  }

  private func number(_ node: XMLNode) throws(PathwayError) -> Double {
    let type = node.attributes["type"] ?? "real"
    let parts = node.segments.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    func parse(_ text: String) throws(PathwayError) -> Double {
      switch text.lowercased() {
      case "inf", "infinity": return .infinity
      case "-inf", "-infinity": return -.infinity
      case "nan", "notanumber": return .nan
      default:
        guard let v = Double(text) else { throw error(node, "malformed number '\(text)' in <cn>") }
        return v
      }
    }
    switch type {
    case "e-notation":
      guard parts.count == 2 else { throw error(node, "<cn type=\"e-notation\"> needs a mantissa and an exponent") }
      return try parse(parts[0]) * pow(10, try parse(parts[1]))
    case "rational":
      guard parts.count == 2 else { throw error(node, "<cn type=\"rational\"> needs a numerator and a denominator") }
      return try parse(parts[0]) / parse(parts[1])
    case "integer", "real", "double":
      guard parts.count == 1 else { throw error(node, "malformed <cn>") }
      return try parse(parts[0])
    default:
      throw error(node, "unsupported <cn> type '\(type)'")
    }
  }

  private func piecewise(_ node: XMLNode) throws(PathwayError) -> Expr {
    var arguments: [Expr] = []
    var otherwise: Expr? = nil
    for child in node.children {
      switch child.name {
      case "piece":
        guard child.children.count == 2 else { throw error(child, "<piece> needs a value and a condition") }
        arguments.append(try convert(child.children[0]))
        arguments.append(try convert(child.children[1]))
      case "otherwise":
        guard let value = child.children.first else { throw error(child, "empty <otherwise>") }
        otherwise = try convert(value)
      default:
        throw error(child, "unexpected <\(child.name)> in <piecewise>")
      }
    }
    if let otherwise { arguments.append(otherwise) }
    if arguments.isEmpty { return .number(.nan) }
    return .call(.piecewise, arguments)
  }

  private static let qualifiers: Set<String> = ["degree", "logbase", "bvar", "lowlimit", "uplimit"]

  private func apply(_ node: XMLNode) throws(PathwayError) -> Expr {
    guard let head = node.children.first else { throw error(node, "empty <apply>") }
    let rest = Array(node.children.dropFirst())
    let qualifiers = Dictionary(
      rest.filter { Self.qualifiers.contains($0.name) }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var args: [Expr] = []
    for child in rest where !Self.qualifiers.contains(child.name) { args.append(try convert(child)) }
    func arity(_ range: ClosedRange<Int>) throws(PathwayError) {
      guard range.contains(args.count) else {
        throw error(head, "<\(head.name)> takes \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)…\(range.upperBound)") argument(s), found \(args.count)")
      }
    }
    func fold(_ op: BinaryOperator, empty: Expr) -> Expr {
      guard var result = args.first else { return empty }
      for a in args.dropFirst() { result = .binary(op, result, a) }
      return result
    }
    func chain(_ op: BinaryOperator) throws(PathwayError) -> Expr {
      try arity(2...Int.max)
      var result: Expr = .binary(op, args[0], args[1])
      for i in 2..<max(2, args.count) { result = .binary(.and, result, .binary(op, args[i - 1], args[i])) }
      return result
    }
    func qualifier(_ name: String) throws(PathwayError) -> Expr? {
      guard let q = qualifiers[name] else { return nil }
      guard let content = q.children.first else { throw error(q, "empty <\(name)>") }
      return try convert(content)
    }
    switch head.name {
    case "plus": return fold(.add, empty: .zero)
    case "times": return fold(.multiply, empty: .one)
    case "minus":
      try arity(1...2)
      return args.count == 1 ? .unary(.negate, args[0]) : .binary(.subtract, args[0], args[1])
    case "divide":
      try arity(2...2)
      return .binary(.divide, args[0], args[1])
    case "power":
      try arity(2...2)
      return .binary(.power, args[0], args[1])
    case "root":
      try arity(1...1)
      let degree = try qualifier("degree") ?? .number(2)
      return .call(.root, [degree, args[0]])
    case "log":
      try arity(1...1)
      if let base = try qualifier("logbase") { return .call(.logBase, [base, args[0]]) }
      return .call(.log10, args)
    case "ln": try arity(1...1); return .call(.log, args)
    case "exp": try arity(1...1); return .call(.exp, args)
    case "abs": try arity(1...1); return .call(.abs, args)
    case "floor": try arity(1...1); return .call(.floor, args)
    case "ceiling": try arity(1...1); return .call(.ceil, args)
    case "factorial": try arity(1...1); return .call(.factorial, args)
    // With no argument, the identity of each: max() = −∞, min() = +∞ (MathML n-ary operators).
    case "max": return args.isEmpty ? .number(-.infinity) : .call(.max, args)
    case "min": return args.isEmpty ? .number(.infinity) : .call(.min, args)
    case "rem": try arity(2...2); return .call(.rem, args)
    case "quotient": try arity(2...2); return .call(.quotient, args)
    case "implies": try arity(2...2); return .call(.implies, args)
    case "eq": return try chain(.equal)
    case "neq": try arity(2...2); return .binary(.notEqual, args[0], args[1])
    case "gt": return try chain(.greater)
    case "lt": return try chain(.less)
    case "geq": return try chain(.greaterEqual)
    case "leq": return try chain(.lessEqual)
    case "and":
      if args.isEmpty { return .one }
      return args.count == 1 ? .binary(.notEqual, args[0], .zero) : fold(.and, empty: .one)
    case "or":
      if args.isEmpty { return .zero }
      return args.count == 1 ? .binary(.notEqual, args[0], .zero) : fold(.or, empty: .zero)
    case "xor":
      if args.isEmpty { return .zero }
      return args.count == 1 ? .binary(.notEqual, args[0], .zero) : fold(.xor, empty: .zero)
    case "not": try arity(1...1); return .unary(.not, args[0])
    case "ci":
      let name = head.text.trimmingCharacters(in: .whitespacesAndNewlines)
      guard let function = functions[name] else {
        throw error(head, "'\(name)' is called as a function but no function definition has that id")
      }
      guard function.parameters.count == args.count else {
        throw error(head, "function '\(name)' takes \(function.parameters.count) argument(s), found \(args.count)")
      }
      let bound = Dictionary(zip(function.parameters, args), uniquingKeysWith: { a, _ in a })
      return try Self.bind(function.body, bound, at: head, file: file)
    case "csymbol":
      let url = head.attributes["definitionURL"] ?? ""
      if url == Self.rateOfURL {
        guard args.count == 1, case .variable(let symbol) = args[0], Self.rateOfSymbol(symbol) == nil else {
          throw error(head, "rateOf takes one argument, the id of a species, compartment, parameter or species reference")
        }
        return .variable(Self.rateOfPlaceholder(symbol))
      }
      if url == Self.delayURL {
        try arity(2...2)
        return .call(.delay, args)
      }
      // http://www.sbml.org/sbml/symbols/distrib/normal: a package's function (random draws).
      if url.hasPrefix("http://www.sbml.org/sbml/symbols/"), let package = url.split(separator: "/").dropLast().last,
        package != "symbols"
      {
        throw error(head, "unsupported SBML construct: the '\(package)' package's function '\(url.split(separator: "/").last!)' (only SBML core is supported)")
      }
      throw error(head, "unknown csymbol function '\(url)'")
    default:
      let unary: [String: Builtin] = [
        "sin": .sin, "cos": .cos, "tan": .tan, "sec": .sec, "csc": .csc, "cot": .cot,
        "sinh": .sinh, "cosh": .cosh, "tanh": .tanh, "sech": .sech, "csch": .csch, "coth": .coth,
        "arcsin": .asin, "arccos": .acos, "arctan": .atan, "arcsec": .asec, "arccsc": .acsc, "arccot": .acot,
        "arcsinh": .asinh, "arccosh": .acosh, "arctanh": .atanh, "arcsech": .asech, "arccsch": .acsch,
        "arccoth": .acoth,
      ]
      if let f = unary[head.name] {
        try arity(1...1)
        return .call(f, args)
      }
      throw error(head, "unsupported MathML operator <\(head.name)>")
    }
  }

  /// A function body with its parameters bound to the call's arguments; `rateOf(p)` of a
  /// parameter p bound to a symbol becomes `rateOf` of that symbol.
  static func bind(_ body: Expr, _ bound: [String: Expr], at head: XMLNode, file: String) throws(PathwayError) -> Expr {
    var failure: PathwayError? = nil
    let result = body.substituting { name in
      if let value = bound[name] { return value }
      guard let p = rateOfSymbol(name), let argument = bound[p] else { return nil }
      guard case .variable(let symbol) = argument else {
        failure = PathwayError(
          .invalidInput, at: head.location(file), "a function applies rateOf to its parameter '\(p)', but the call passes an expression, not a symbol")
        return nil
      }
      return .variable(rateOfPlaceholder(symbol))
    }
    if let failure { throw failure }
    return result
  }

  /// A function definition: `<lambda><bvar><ci>x</ci></bvar>…<body/></lambda>`, also inside a
  /// `<semantics>` element (with its annotations), as some tools write it.
  func lambda(_ math: XMLNode) throws(PathwayError) -> (parameters: [String], body: Expr) {
    // The lambda may sit inside <semantics> (with its annotations beside it), even nested.
    var container = math
    while let semantics = container.children.first(where: { $0.name == "semantics" }) { container = semantics }
    guard let lambda = container.children.first(where: { $0.name == "lambda" }) else {
      throw error(math, "a function definition needs a <lambda>")
    }
    var parameters: [String] = []
    var body: XMLNode? = nil
    for child in lambda.children {
      if child.name == "bvar" {
        guard let ci = child.child("ci") else { throw error(child, "<bvar> needs a <ci>") }
        parameters.append(ci.text.trimmingCharacters(in: .whitespacesAndNewlines))
      } else {
        body = child
      }
    }
    guard let body else { throw error(lambda, "a <lambda> needs a body") }
    return (parameters, try convert(body))
  }
}
