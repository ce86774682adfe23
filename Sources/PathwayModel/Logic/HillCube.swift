import Foundation

/// The normalised HillCube of Wittmann et al. (2009, BMC Syst Biol 3:98), as `BIOLOGY.md` §3.3
/// defines it: the multilinear interpolation of a truth table B over regulator values y ∈ [0,1]ᵏ,
///
///     B̂(y) = Σ_{s ∈ {0,1}ᵏ} B(s) · Π_j y_j^{s_j} (1 − y_j)^{1 − s_j}.
///
/// It is evaluated by reducing one regulator at a time: level j replaces each pair of entries
/// that differ only in bit j by `a·(1 − y_j) + b·y_j`. That is 2ᵏ − 1 multiply-adds in all
/// (4,095 for 12 regulators), over a caller-owned scratch buffer: no allocation.
public enum HillCube {
  /// B̂(y) for a table whose 2ᵏ entries are stored as 0/1 doubles at `table`.
  ///
  /// - Parameters:
  ///   - table: 2ᵏ values, entry s at `table[s]` (bit j of s is regulator j).
  ///   - y: k regulator values.
  ///   - k: number of regulators (0 gives the constant `table[0]`).
  ///   - scratch: at least 2^(k−1) doubles.
  @inline(__always)
  public static func value(
    table: UnsafePointer<Double>, y: UnsafePointer<Double>, k: Int, scratch: UnsafeMutablePointer<Double>
  ) -> Double {
    if k == 0 { return table[0] }
    // Level 0 reads the table directly.
    var half = 1 << (k - 1)
    let y0 = y[0], w0 = 1 - y0
    for m in 0..<half {
      scratch[m] = table[2 * m] * w0 + table[2 * m + 1] * y0
    }
    var j = 1
    while j < k {
      half >>= 1
      let yj = y[j], wj = 1 - yj
      for m in 0..<half {
        scratch[m] = scratch[2 * m] * wj + scratch[2 * m + 1] * yj
      }
      j += 1
    }
    return scratch[0]
  }

  /// B̂(y) and its gradient ∂B̂/∂y_j, by the same reduction and one reverse sweep (about 3·2ᵏ
  /// operations for all k partial derivatives together).
  ///
  /// - Parameters:
  ///   - levels: at least 2ᵏ doubles (every reduction level is kept for the reverse sweep).
  ///   - adjoint: at least 2ᵏ doubles.
  ///   - gradient: k doubles, overwritten.
  public static func valueAndGradient(
    table: UnsafePointer<Double>, y: UnsafePointer<Double>, k: Int,
    levels: UnsafeMutablePointer<Double>, adjoint: UnsafeMutablePointer<Double>,
    gradient: UnsafeMutablePointer<Double>
  ) -> Double {
    if k == 0 { return table[0] }
    // Forward: level j occupies levels[offset_j ..< offset_j + 2^(k-1-j)].
    var offset = 0
    var size = 1 << (k - 1)
    var input = table
    for j in 0..<k {
      let yj = y[j], wj = 1 - yj
      let out = levels + offset
      for m in 0..<size { out[m] = input[2 * m] * wj + input[2 * m + 1] * yj }
      input = UnsafePointer(out)
      offset += size
      size >>= 1
    }
    let value = levels[offset - 1]
    // Reverse: adjoint of the last level is 1.
    adjoint[0] = 1
    size = 1
    var levelStart = offset - 1
    for j in stride(from: k - 1, through: 0, by: -1) {
      let inputStart = levelStart - 2 * size  // start of level j-1 (or the table when j == 0)
      let source: UnsafePointer<Double> = j == 0 ? table : UnsafePointer(levels + inputStart)
      let yj = y[j], wj = 1 - yj
      var g = 0.0
      // Walk backwards so the adjoint buffer can be expanded in place.
      var m = size - 1
      while m >= 0 {
        let a = adjoint[m]
        g += a * (source[2 * m + 1] - source[2 * m])
        adjoint[2 * m + 1] = a * yj
        adjoint[2 * m] = a * wj
        m -= 1
      }
      gradient[j] = g
      levelStart = inputStart
      size <<= 1
      if j == 0 { break }
    }
    return value
  }
}

/// The normalised Hill function of `BIOLOGY.md` §3.3: h(x) = xⁿ/(xⁿ + kⁿ)·(1 + kⁿ), with x
/// clipped to [0, 1] first, so h(0) = 0 and h(1) = 1.
public enum NormalizedHill {
  /// h(x) for exponent `n` and `kn` = kⁿ (precomputed).
  @inline(__always)
  public static func value(_ x: Double, n: Double, kn: Double) -> Double {
    let c = x < 0 ? 0 : (x > 1 ? 1 : x)
    let xn = power(c, n)
    return xn / (xn + kn) * (1 + kn)
  }

  /// h(x) and h'(x) (zero outside (0, 1), where x is clipped).
  @inline(__always)
  public static func valueAndDerivative(_ x: Double, n: Double, kn: Double) -> (Double, Double) {
    if x <= 0 { return (0, 0) }
    if x >= 1 { return (1, 0) }
    let xn = power(x, n)
    let denominator = xn + kn
    let value = xn / denominator * (1 + kn)
    // d/dx xⁿ/(xⁿ+kⁿ) = n·xⁿ⁻¹·kⁿ/(xⁿ+kⁿ)²
    let derivative = n * (xn / x) * kn / (denominator * denominator) * (1 + kn)
    return (value, derivative)
  }

  /// xⁿ with fast paths for the small integer exponents models use.
  @inline(__always)
  static func power(_ x: Double, _ n: Double) -> Double {
    switch n {
    case 1: return x
    case 2: return x * x
    case 3: return x * x * x
    case 4: let x2 = x * x; return x2 * x2
    default: return Foundation.pow(x, n)
    }
  }
}
