import Foundation

extension Builtin {
  /// The value of a one-argument function (the compiler and the constant folder share this).
  @inline(__always)
  static func evaluate1(_ f: Builtin, _ x: Double) -> Double {
    switch f {
    case .exp: return Foundation.exp(x)
    case .log: return Foundation.log(x)
    case .log10: return Foundation.log10(x)
    case .log2: return Foundation.log2(x)
    case .sqrt: return x.squareRoot()
    case .abs: return Swift.abs(x)
    case .floor: return x.rounded(.down)
    case .ceil: return x.rounded(.up)
    case .sign: return x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .sin: return Foundation.sin(x)
    case .cos: return Foundation.cos(x)
    case .tan: return Foundation.tan(x)
    case .sec: return 1 / Foundation.cos(x)
    case .csc: return 1 / Foundation.sin(x)
    case .cot: return 1 / Foundation.tan(x)
    case .sinh: return Foundation.sinh(x)
    case .cosh: return Foundation.cosh(x)
    case .tanh: return Foundation.tanh(x)
    case .sech: return 1 / Foundation.cosh(x)
    case .csch: return 1 / Foundation.sinh(x)
    case .coth: return 1 / Foundation.tanh(x)
    case .asin: return Foundation.asin(x)
    case .acos: return Foundation.acos(x)
    case .atan: return Foundation.atan(x)
    case .asec: return Foundation.acos(1 / x)
    case .acsc: return Foundation.asin(1 / x)
    case .acot: return Foundation.atan(1 / x)
    case .asinh: return Foundation.asinh(x)
    case .acosh: return Foundation.acosh(x)
    case .atanh: return Foundation.atanh(x)
    case .asech: return Foundation.acosh(1 / x)
    case .acsch: return Foundation.asinh(1 / x)
    case .acoth: return Foundation.atanh(1 / x)
    case .factorial: return Foundation.tgamma(x + 1)
    case .min, .max, .piecewise: return x
    default: return .nan
    }
  }

  /// The value of a two-argument function.
  @inline(__always)
  static func evaluate2(_ f: Builtin, _ a: Double, _ b: Double) -> Double {
    switch f {
    case .pow: return Foundation.pow(a, b)
    case .logBase: return Foundation.log(b) / Foundation.log(a)
    case .root: return Foundation.pow(b, 1 / a)
    case .rem: return Foundation.fmod(a, b)
    case .quotient: return (a / b).rounded(.towardZero)
    case .atan2: return Foundation.atan2(a, b)
    case .min: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
    case .max: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
    case .implies: return (a == 0 || b != 0) ? 1 : 0
    case .delay: return a  // without a history: the value now (see `Builtin.delay`)
    default: return .nan
    }
  }

  /// hill(x, k, n) = xⁿ / (kⁿ + xⁿ).
  @inline(__always)
  static func hillValue(_ x: Double, _ k: Double, _ n: Double) -> Double {
    let xn = Foundation.pow(x, n)
    return xn / (Foundation.pow(k, n) + xn)
  }

  /// hillr(x, k, n) = kⁿ / (kⁿ + xⁿ).
  @inline(__always)
  static func hillrValue(_ x: Double, _ k: Double, _ n: Double) -> Double {
    let kn = Foundation.pow(k, n)
    return kn / (kn + Foundation.pow(x, n))
  }
}

extension BinaryOperator {
  @inline(__always)
  func evaluate(_ a: Double, _ b: Double) -> Double {
    switch self {
    case .add: return a + b
    case .subtract: return a - b
    case .multiply: return a * b
    case .divide: return a / b
    case .power: return Foundation.pow(a, b)
    case .less: return a < b ? 1 : 0
    case .lessEqual: return a <= b ? 1 : 0
    case .greater: return a > b ? 1 : 0
    case .greaterEqual: return a >= b ? 1 : 0
    case .equal: return a == b ? 1 : 0
    case .notEqual: return a != b ? 1 : 0
    case .and: return (a != 0 && b != 0) ? 1 : 0
    case .or: return (a != 0 || b != 0) ? 1 : 0
    case .xor: return ((a != 0) != (b != 0)) ? 1 : 0
    }
  }
}

extension Expr {
  /// Evaluates the tree directly, reading variables from `value`. Slow; for constant folding,
  /// truth-table construction and tests. Unknown variables evaluate to NaN.
  public func evaluate(_ value: (String) -> Double?) -> Double {
    switch self {
    case .number(let v): return v
    case .variable(let name): return value(name) ?? .nan
    case .unary(.negate, let a): return -a.evaluate(value)
    case .unary(.not, let a): return a.evaluate(value) == 0 ? 1 : 0
    case .binary(let op, let a, let b): return op.evaluate(a.evaluate(value), b.evaluate(value))
    case .call(let f, let args):
      switch f {
      case .piecewise:
        var i = 0
        while i + 1 < args.count {
          if args[i + 1].evaluate(value) != 0 { return args[i].evaluate(value) }
          i += 2
        }
        return args.count % 2 == 1 ? args[args.count - 1].evaluate(value) : .nan
      case .ifThenElse:
        return args[0].evaluate(value) != 0 ? args[1].evaluate(value) : args[2].evaluate(value)
      case .hill:
        return Builtin.hillValue(args[0].evaluate(value), args[1].evaluate(value), args[2].evaluate(value))
      case .hillr:
        return Builtin.hillrValue(args[0].evaluate(value), args[1].evaluate(value), args[2].evaluate(value))
      case .min, .max:
        var result = args[0].evaluate(value)
        for a in args.dropFirst() { result = Builtin.evaluate2(f, result, a.evaluate(value)) }
        return result
      default:
        if args.count == 1 { return Builtin.evaluate1(f, args[0].evaluate(value)) }
        return Builtin.evaluate2(f, args[0].evaluate(value), args[1].evaluate(value))
      }
    }
  }
}
