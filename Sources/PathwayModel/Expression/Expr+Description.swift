extension Expr: CustomStringConvertible {
  /// Infix text that `ExpressionParser` reads back to an equal tree (numbers in shortest round-trip form).
  public var description: String { render(parentPrecedence: 0) }

  private static func precedence(_ op: BinaryOperator) -> Int {
    switch op {
    case .or, .xor: return 1
    case .and: return 2
    case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: return 3
    case .add, .subtract: return 4
    case .multiply, .divide: return 5
    case .power: return 7
    }
  }

  private func render(parentPrecedence: Int) -> String {
    switch self {
    case .number(let v):
      let text = formatNumber(v)
      return v < 0 && parentPrecedence > 0 ? "(\(text))" : text
    case .variable(let name):
      return name == Expr.timeName ? "time" : name
    case .unary(let op, let a):
      let inner = a.render(parentPrecedence: 6)
      let text = op == .negate ? "-\(inner)" : "!\(inner)"
      return parentPrecedence > 6 ? "(\(text))" : text
    case .binary(let op, let a, let b):
      let p = Self.precedence(op)
      let left: String, right: String
      if op == .power {
        left = a.render(parentPrecedence: p + 1)
        right = b.render(parentPrecedence: 6)
      } else {
        left = a.render(parentPrecedence: op.isComparison ? p + 1 : p)
        right = b.render(parentPrecedence: p + 1)
      }
      let symbol = op == .xor ? " xor " : op == .power ? "^" : " \(op.rawValue) "
      let text = left + symbol + right
      return p < parentPrecedence ? "(\(text))" : text
    case .call(let f, let args):
      return f.rawValue + "(" + args.map { $0.render(parentPrecedence: 0) }.joined(separator: ", ") + ")"
    }
  }
}

/// Shortest text that reads back to exactly `value` (Swift's round-trip formatting),
/// written as an integer when the value is integral and small: `1`, `0.5`, `1e-05`, `inf`, `nan`.
public func formatNumber(_ value: Double) -> String {
  if value.isNaN { return "nan" }
  if value.isInfinite { return value < 0 ? "-inf" : "inf" }
  if value == value.rounded(), Swift.abs(value) < 1e15 {
    if value == 0 { return "0" }
    return String(Int64(value))
  }
  return value.description
}
