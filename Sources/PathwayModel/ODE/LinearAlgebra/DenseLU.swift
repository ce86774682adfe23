/// LU factorization with partial pivoting of the iteration matrix E = σI − J of a small system,
/// in place over preallocated row-major storage (LINPACK's `dgefa`/`dgesl` in row-major form:
/// the elimination's inner loop runs along a contiguous row).
///
/// No allocation after `init`. Not thread-safe: one per engine.
final class DenseLU {
  let n: Int
  /// The factors: U on and above the diagonal, the multipliers of L (unit diagonal) below it.
  private let lu: UnsafeMutablePointer<Double>
  /// The row exchanged with row k at step k.
  private let pivots: UnsafeMutablePointer<Int>

  init(n: Int) {
    self.n = n
    lu = .allocate(capacity: max(1, n * n))
    lu.initialize(repeating: 0, count: max(1, n * n))
    pivots = .allocate(capacity: max(1, n))
    pivots.initialize(repeating: 0, count: max(1, n))
  }

  deinit {
    lu.deallocate()
    pivots.deallocate()
  }

  /// Factors σI − J, J row-major n × n. Returns false when a pivot is zero or not finite (the
  /// matrix is singular to working precision, or J held a non-finite entry).
  func factor(sigma: Double, jacobian j: UnsafePointer<Double>) -> Bool {
    let n = self.n
    for i in 0..<(n * n) { lu[i] = -j[i] }
    for i in 0..<n { lu[i * n + i] += sigma }
    for k in 0..<n {
      // The largest entry of column k on or below the diagonal.
      var p = k
      var largest = abs(lu[k * n + k])
      for i in (k + 1)..<max(k + 1, n) {
        let v = abs(lu[i * n + k])
        if v > largest {
          largest = v
          p = i
        }
      }
      pivots[k] = p
      guard largest != 0, largest.isFinite else { return false }
      if p != k {
        let a = lu + k * n, b = lu + p * n
        for c in 0..<n { swap(&a[c], &b[c]) }
      }
      let rowK = lu + k * n
      let inverse = 1 / rowK[k]
      for i in (k + 1)..<max(k + 1, n) {
        let rowI = lu + i * n
        let m = rowI[k] * inverse
        rowI[k] = m
        if m != 0 {
          for c in (k + 1)..<n { rowI[c] -= m * rowK[c] }
        }
      }
    }
    return true
  }

  /// Solves (σI − J) x = b in place with the last successful factorization.
  func solve(_ b: UnsafeMutablePointer<Double>) {
    let n = self.n
    // Forward: L y = P b, applying the exchanges as they were made.
    for k in 0..<n {
      let p = pivots[k]
      if p != k { swap(&b[k], &b[p]) }
    }
    for i in 1..<max(1, n) {
      let row = lu + i * n
      var s = b[i]
      for c in 0..<i { s -= row[c] * b[c] }
      b[i] = s
    }
    // Backward: U x = y.
    var i = n - 1
    while i >= 0 {
      let row = lu + i * n
      var s = b[i]
      for c in (i + 1)..<n { s -= row[c] * b[c] }
      b[i] = s / row[i]
      i -= 1
    }
  }
}
