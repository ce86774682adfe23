import Foundation

/// Symbolic differentiation of `Expr`, for Jacobians of rate laws.
///
/// The result is simplified as it is built (0 and 1 folded, constants evaluated), so that the
/// compiled Jacobian stays small. Comparisons, logical operators, `floor`, `ceil`, `sign`,
/// `rem` and `quotient` are piecewise constant and differentiate to 0 (almost everywhere);
/// `piecewise`/`if` differentiate branch by branch under the same conditions.
/// `factorial` has no elementary derivative: `derivative` returns nil, and the caller falls
/// back to a finite difference for that entry and says so.
extension Expr {
  /// ∂self/∂`name`, or nil when some part of the tree has no symbolic derivative.
  public func derivative(withRespectTo name: String) -> Expr? {
    switch self {
    case .number: return .zero
    case .variable(let v): return v == name ? .one : .zero
    case .unary(.negate, let a):
      guard let da = a.derivative(withRespectTo: name) else { return nil }
      return .negate(da)
    case .unary(.not, _): return .zero
    case .binary(let op, let a, let b):
      if op.isComparison || op.isLogical { return .zero }
      guard let da = a.derivative(withRespectTo: name), let db = b.derivative(withRespectTo: name) else {
        return nil
      }
      switch op {
      case .add: return .add(da, db)
      case .subtract: return .subtract(da, db)
      case .multiply: return .add(.multiply(da, b), .multiply(a, db))
      case .divide:
        // (a/b)' = a'/b − a·b'/b²
        return .subtract(.divide(da, b), .divide(.multiply(a, db), .power(b, .number(2))))
      case .power:
        return Expr.powerDerivative(a, b, da, db)
      default: return .zero
      }
    case .call(let f, let args):
      return Expr.callDerivative(f, args, name)
    }
  }

  private static func powerDerivative(_ a: Expr, _ b: Expr, _ da: Expr, _ db: Expr) -> Expr {
    // (aᵇ)' = b·aᵇ⁻¹·a' + aᵇ·ln a·b'. The second term is 0 where a = 0 (its limit for b > 0, and
    // aᵇ = 0 there): written as it stands it would be 0·(−∞) = NaN in the Jacobian of a model
    // whose exponent is a state (a non-constant parameter) at a base of zero.
    let baseTerm: Expr = .multiply(.multiply(b, .power(a, .subtract(b, .one))), da)
    if db == .zero { return baseTerm }
    let exponentTerm: Expr = .call(
      .piecewise, [.zero, .binary(.equal, a, .zero), .multiply(.multiply(.power(a, b), .call(.log, [a])), db)])
    if da == .zero { return exponentTerm }
    return .add(baseTerm, exponentTerm)
  }

  private static func callDerivative(_ f: Builtin, _ args: [Expr], _ name: String) -> Expr? {
    switch f {
    case .piecewise:
      var out: [Expr] = []
      for (i, arg) in args.enumerated() {
        if i % 2 == 1 {
          out.append(arg)  // a condition stays as it is
        } else {
          guard let d = arg.derivative(withRespectTo: name) else { return nil }
          out.append(d)
        }
      }
      if out.enumerated().allSatisfy({ ($0.offset % 2 == 1) || $0.element == .zero }) { return .zero }
      return .call(.piecewise, out)
    case .ifThenElse:
      guard let d1 = args[1].derivative(withRespectTo: name), let d2 = args[2].derivative(withRespectTo: name)
      else { return nil }
      if d1 == .zero && d2 == .zero { return .zero }
      return .call(.ifThenElse, [args[0], d1, d2])
    case .min, .max:
      if args.count == 1 { return args[0].derivative(withRespectTo: name) }
      // min(a, b, c…) = min(a, min(b, c…)); derivative follows the selected branch.
      let a = args[0]
      let rest: Expr = args.count == 2 ? args[1] : .call(f, Array(args.dropFirst()))
      guard let da = a.derivative(withRespectTo: name), let dr = rest.derivative(withRespectTo: name) else {
        return nil
      }
      if da == .zero && dr == .zero { return .zero }
      let takeFirst: Expr = .binary(f == .min ? .lessEqual : .greaterEqual, a, rest)
      return .call(.ifThenElse, [takeFirst, da, dr])
    case .hill, .hillr:
      // Expand to elementary form, then differentiate.
      let (x, k, n) = (args[0], args[1], args[2])
      let xn = Expr.power(x, n), kn = Expr.power(k, n)
      let body: Expr = f == .hill ? .divide(xn, .add(kn, xn)) : .divide(kn, .add(kn, xn))
      return body.derivative(withRespectTo: name)
    case .pow:
      return Expr.binary(.power, args[0], args[1]).derivative(withRespectTo: name)
    case .logBase:
      return Expr.divide(.call(.log, [args[1]]), .call(.log, [args[0]])).derivative(withRespectTo: name)
    case .root:
      return Expr.power(args[1], .divide(.one, args[0])).derivative(withRespectTo: name)
    case .atan2:
      // atan2(y, x)' = (x·y' − y·x') / (x² + y²)
      let (y, x) = (args[0], args[1])
      guard let dy = y.derivative(withRespectTo: name), let dx = x.derivative(withRespectTo: name) else {
        return nil
      }
      if dy == .zero && dx == .zero { return .zero }
      return .divide(
        .subtract(.multiply(x, dy), .multiply(y, dx)), .add(.power(x, .number(2)), .power(y, .number(2))))
    case .floor, .ceil, .sign, .rem, .quotient, .implies:
      return .zero
    case .factorial:
      guard let da = args[0].derivative(withRespectTo: name) else { return nil }
      return da == .zero ? .zero : nil
    default:
      guard args.count == 1 else { return nil }
      let x = args[0]
      guard let dx = x.derivative(withRespectTo: name) else { return nil }
      if dx == .zero { return .zero }
      guard let outer = Expr.outerDerivative(f, x) else { return nil }
      return .multiply(outer, dx)
    }
  }

  /// f'(x) for the one-argument elementary functions.
  private static func outerDerivative(_ f: Builtin, _ x: Expr) -> Expr? {
    let two = Expr.number(2)
    let one = Expr.one
    func call(_ g: Builtin) -> Expr { .call(g, [x]) }
    switch f {
    case .exp: return call(.exp)
    case .log: return .divide(one, x)
    case .log10: return .divide(one, .multiply(x, .number(Foundation.log(10))))
    case .log2: return .divide(one, .multiply(x, .number(Foundation.log(2))))
    case .sqrt: return .divide(one, .multiply(two, call(.sqrt)))
    case .abs: return call(.sign)
    case .sin: return call(.cos)
    case .cos: return .negate(call(.sin))
    case .tan: return .power(call(.sec), two)
    case .sec: return .multiply(call(.sec), call(.tan))
    case .csc: return .negate(.multiply(call(.csc), call(.cot)))
    case .cot: return .negate(.power(call(.csc), two))
    case .sinh: return call(.cosh)
    case .cosh: return call(.sinh)
    case .tanh: return .power(call(.sech), two)
    case .sech: return .negate(.multiply(call(.sech), call(.tanh)))
    case .csch: return .negate(.multiply(call(.csch), call(.coth)))
    case .coth: return .negate(.power(call(.csch), two))
    case .asin: return .divide(one, .call(.sqrt, [.subtract(one, .power(x, two))]))
    case .acos: return .negate(.divide(one, .call(.sqrt, [.subtract(one, .power(x, two))])))
    case .atan: return .divide(one, .add(one, .power(x, two)))
    case .asinh: return .divide(one, .call(.sqrt, [.add(.power(x, two), one)]))
    case .acosh: return .divide(one, .call(.sqrt, [.subtract(.power(x, two), one)]))
    case .atanh: return .divide(one, .subtract(one, .power(x, two)))
    case .acot: return .negate(.divide(one, .add(one, .power(x, two))))
    case .asec:
      return .divide(one, .multiply(.call(.abs, [x]), .call(.sqrt, [.subtract(.power(x, two), one)])))
    case .acsc:
      return .negate(.divide(one, .multiply(.call(.abs, [x]), .call(.sqrt, [.subtract(.power(x, two), one)]))))
    case .asech:
      return .negate(.divide(one, .multiply(x, .call(.sqrt, [.subtract(one, .power(x, two))]))))
    case .acsch:
      return .negate(.divide(one, .multiply(.call(.abs, [x]), .call(.sqrt, [.add(one, .power(x, two))]))))
    case .acoth: return .divide(one, .subtract(one, .power(x, two)))
    default: return nil
    }
  }
}

// MARK: - Simplifying constructors

extension Expr {
  var constantValue: Double? {
    if case .number(let v) = self { return v }
    return nil
  }

  static func add(_ a: Expr, _ b: Expr) -> Expr {
    if let x = a.constantValue, let y = b.constantValue { return .number(x + y) }
    if a == .zero { return b }
    if b == .zero { return a }
    return .binary(.add, a, b)
  }

  static func subtract(_ a: Expr, _ b: Expr) -> Expr {
    if let x = a.constantValue, let y = b.constantValue { return .number(x - y) }
    if b == .zero { return a }
    if a == .zero { return .negate(b) }
    if a == b { return .zero }
    return .binary(.subtract, a, b)
  }

  static func multiply(_ a: Expr, _ b: Expr) -> Expr {
    if let x = a.constantValue, let y = b.constantValue { return .number(x * y) }
    if a == .zero || b == .zero { return .zero }
    if a == .one { return b }
    if b == .one { return a }
    if a == .number(-1) { return .negate(b) }
    if b == .number(-1) { return .negate(a) }
    return .binary(.multiply, a, b)
  }

  static func divide(_ a: Expr, _ b: Expr) -> Expr {
    if let x = a.constantValue, let y = b.constantValue, y != 0 { return .number(x / y) }
    if a == .zero { return .zero }
    if b == .one { return a }
    return .binary(.divide, a, b)
  }

  static func power(_ a: Expr, _ b: Expr) -> Expr {
    if let x = a.constantValue, let y = b.constantValue { return .number(Foundation.pow(x, y)) }
    if b == .zero { return .one }
    if b == .one { return a }
    return .binary(.power, a, b)
  }

  static func negate(_ a: Expr) -> Expr {
    if let x = a.constantValue { return .number(-x) }
    if case .unary(.negate, let inner) = a { return inner }
    return .unary(.negate, a)
  }
}
