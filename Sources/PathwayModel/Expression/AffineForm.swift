/// Expressions affine in one variable, for solving an equation 0 = f for that variable.
extension Expr {
  /// `(a, b)` with `self` ≡ a·`name` + b, neither of them containing `name`; nil when `name`
  /// occurs anywhere else than in sums, differences, negations, products with factors free of it
  /// and quotients by divisors free of it (inside a function call, a power, a condition or a
  /// piecewise branch it counts as non-linear, even where the function happens to be linear).
  /// The decomposition is exact: no expansion by derivatives, which would miss `floor(x)`.
  func affine(in name: String) -> (coefficient: Expr, constant: Expr)? {
    switch self {
    case .number: return (.zero, self)
    case .variable(let v): return v == name ? (.one, .zero) : (.zero, self)
    case .unary(.negate, let a):
      guard let (ca, ka) = a.affine(in: name) else { return nil }
      return (.negate(ca), .negate(ka))
    case .binary(.add, let a, let b), .binary(.subtract, let a, let b):
      guard let (ca, ka) = a.affine(in: name), let (cb, kb) = b.affine(in: name) else { return nil }
      if case .binary(.add, _, _) = self { return (.add(ca, cb), .add(ka, kb)) }
      return (.subtract(ca, cb), .subtract(ka, kb))
    case .binary(.multiply, let a, let b):
      guard let (ca, ka) = a.affine(in: name), let (cb, kb) = b.affine(in: name) else { return nil }
      if ca == .zero { return (.multiply(a, cb), .multiply(a, kb)) }
      if cb == .zero { return (.multiply(ca, b), .multiply(ka, b)) }
      return nil
    case .binary(.divide, let a, let b):
      guard !b.variables.contains(name), let (ca, ka) = a.affine(in: name) else { return nil }
      return (.divide(ca, b), .divide(ka, b))
    default:
      return variables.contains(name) ? nil : (.zero, self)
    }
  }

  /// The value of `name` that makes `self` zero, when `self` is affine in it with a coefficient
  /// that is not identically zero: −b / a.
  func solvedForZero(_ name: String) -> Expr? {
    guard let (a, b) = affine(in: name), a != .zero else { return nil }
    return a == .number(-1) ? b : .divide(.negate(b), a)
  }
}
