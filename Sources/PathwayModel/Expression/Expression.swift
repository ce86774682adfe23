/// The abstract syntax tree shared by logical rules, rate laws and SBML MathML.
///
/// Values are real numbers; Boolean results are 1 (true) and 0 (false), and any non-zero value
/// counts as true. Source locations are kept beside the tree (see `ParsedExpression`) so that
/// structurally equal subtrees compare equal, which the compiler uses to share them.
public indirect enum Expr: Hashable, Sendable {
  case number(Double)
  case variable(String)
  case unary(UnaryOperator, Expr)
  case binary(BinaryOperator, Expr, Expr)
  /// A call of a built-in function; `piecewise(v1, c1, v2, c2, …, otherwise)` included.
  case call(Builtin, [Expr])

  public static let zero = Expr.number(0)
  public static let one = Expr.number(1)

  /// The internal name of the simulation time. No file format can spell it as an identifier,
  /// so a model may have a symbol of its own called `time` (SBML allows that); the native
  /// language's `time` and SBML's time csymbol both become this.
  public static let timeName = "@time"
  public static let time = Expr.variable(timeName)
}

public enum UnaryOperator: String, Sendable, Hashable {
  case negate = "-"
  case not = "!"
}

public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
  case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
  case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
  case equal = "==", notEqual = "!="
  case and = "&", or = "|", xor = "xor"

  var isComparison: Bool {
    switch self {
    case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: return true
    default: return false
    }
  }

  var isLogical: Bool { self == .and || self == .or || self == .xor }
}

/// The built-in functions, with their arity. `minArity`/`maxArity` bound variadic ones.
public enum Builtin: String, Sendable, Hashable, CaseIterable {
  case exp, log, log10, log2, sqrt, abs, floor, ceil, sign
  case min, max, pow
  case sin, cos, tan, sec, csc, cot
  case sinh, cosh, tanh, sech, csch, coth
  case asin, acos, atan, asec, acsc, acot
  case asinh, acosh, atanh, asech, acsch, acoth
  case factorial
  case logBase = "log_base"     // log_base(b, x): logarithm of x to base b
  case root                      // root(n, x): n-th root of x
  case rem, quotient
  case atan2
  /// hill(x, k, n) = xⁿ / (kⁿ + xⁿ): an activating Hill function with half-saturation k.
  case hill
  /// hillr(x, k, n) = kⁿ / (kⁿ + xⁿ): a repressing Hill function, 1 − hill(x, k, n).
  case hillr
  /// piecewise(v1, c1, v2, c2, …, [otherwise]): the first vᵢ whose cᵢ holds.
  case piecewise
  /// if(c, a, b): a when c holds, else b.
  case ifThenElse = "if"
  case implies
  /// delay(x, d): x as it was d time units earlier (SBML's `delay` csymbol), before the start
  /// its value at the start. An ODE run reads it from the run's history; where there is no
  /// history (initial values, steady states) it is x now, which is what it equals there.
  case delay

  /// Names the parser accepts for each builtin (the first is canonical).
  static let byName: [String: Builtin] = {
    var table: [String: Builtin] = [:]
    for builtin in Builtin.allCases { table[builtin.rawValue] = builtin }
    table["ln"] = .log
    table["ceiling"] = .ceil
    table["arcsin"] = .asin
    table["arccos"] = .acos
    table["arctan"] = .atan
    table["arcsinh"] = .asinh
    table["arccosh"] = .acosh
    table["arctanh"] = .atanh
    table["arcsec"] = .asec
    table["arccsc"] = .acsc
    table["arccot"] = .acot
    table["arcsech"] = .asech
    table["arccsch"] = .acsch
    table["arccoth"] = .acoth
    return table
  }()

  public var arity: ClosedRange<Int> {
    switch self {
    case .min, .max: return 1...Int.max
    case .pow, .logBase, .root, .rem, .quotient, .atan2, .implies, .delay: return 2...2
    case .hill, .hillr, .ifThenElse: return 3...3
    case .piecewise: return 1...Int.max
    default: return 1...1
    }
  }

  /// True for functions whose result is a truth value (0 or 1).
  var isLogical: Bool { self == .implies }
}

/// An expression together with where it came from and where each name in it appears.
public struct ParsedExpression: Sendable, Hashable {
  public var expr: Expr
  /// The text as written, for messages and writers.
  public var text: String
  /// Where the text starts, when it came from a file.
  public var origin: SourceLocation?
  /// Every identifier occurrence, in order, with its location.
  public var references: [Reference]

  public struct Reference: Sendable, Hashable {
    public var name: String
    public var location: SourceLocation?
  }

  public init(expr: Expr, text: String, origin: SourceLocation?, references: [Reference]) {
    self.expr = expr
    self.text = text
    self.origin = origin
    self.references = references
  }

  /// The distinct names referenced, in order of first appearance.
  public var names: [String] {
    var seen = Set<String>()
    return references.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
  }
}

extension Expr {
  /// Distinct variable names in the tree, in order of first appearance (depth first, left to right).
  public var variables: [String] {
    var seen = Set<String>()
    var order: [String] = []
    func walk(_ e: Expr) {
      switch e {
      case .number: break
      case .variable(let name): if seen.insert(name).inserted { order.append(name) }
      case .unary(_, let a): walk(a)
      case .binary(_, let a, let b): walk(a); walk(b)
      case .call(_, let args): args.forEach(walk)
      }
    }
    walk(self)
    return order
  }

  /// The tree with every variable `name` for which `replacement` returns a tree replaced by it.
  public func substituting(_ replacement: (String) -> Expr?) -> Expr {
    switch self {
    case .number: return self
    case .variable(let name): return replacement(name) ?? self
    case .unary(let op, let a): return .unary(op, a.substituting(replacement))
    case .binary(let op, let a, let b):
      return .binary(op, a.substituting(replacement), b.substituting(replacement))
    case .call(let f, let args): return .call(f, args.map { $0.substituting(replacement) })
    }
  }
}

extension Expr {
  /// The operands of every comparison in the tree (`a < b` gives `(a, b)`), outermost first.
  public var comparisons: [(Expr, Expr)] {
    var out: [(Expr, Expr)] = []
    func walk(_ e: Expr) {
      switch e {
      case .number, .variable: break
      case .unary(_, let a): walk(a)
      case .binary(let op, let a, let b):
        if op.isComparison { out.append((a, b)) }
        walk(a)
        walk(b)
      case .call(_, let args): args.forEach(walk)
      }
    }
    walk(self)
    return out
  }
}
