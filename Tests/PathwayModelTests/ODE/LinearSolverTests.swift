import Foundation
import Testing

@testable import PathwayModel

/// The LU factorizations of the Rosenbrock engine on E = σI − J: solutions checked by their
/// residual, ‖E x − b‖∞ ≤ c · n · ε · ‖E‖∞ · ‖x‖∞ (the backward-error bound of partial pivoting,
/// with a modest growth allowance c).
@Suite("Linear solvers")
struct LinearSolverTests {
  /// A random sparse pattern (about `perRow` entries a row) and values, reproducibly.
  static func randomJacobian(n: Int, perRow: Int, seed: UInt64, zeroDiagonal: Bool = false) -> (rows: [[Int]], j: [Double]) {
    var random = SplitMix64(seed: seed)
    var rows = [[Int]](repeating: [], count: n)
    var j = [Double](repeating: 0, count: n * n)
    for r in 0..<n {
      for _ in 0..<perRow {
        let c = Int(random.next() % UInt64(n))
        if zeroDiagonal && c == r { continue }
        rows[r].append(c)
        j[r * n + c] = Double(Int64(random.next() % 2001) - 1000) / 100
      }
    }
    return (rows, j)
  }

  static func residual(n: Int, sigma: Double, j: [Double], x: [Double], b: [Double]) -> (residual: Double, bound: Double) {
    var worst = 0.0, norm = 0.0
    for r in 0..<n {
      var s = sigma * x[r], rowNorm = abs(sigma)
      for c in 0..<n {
        s -= j[r * n + c] * x[c]
        rowNorm += abs(j[r * n + c])
      }
      worst = max(worst, abs(s - b[r]))
      norm = max(norm, rowNorm)
    }
    let xNorm = x.map(abs).max() ?? 0
    return (worst, 100 * Double(n) * Double.ulpOfOne * norm * xNorm)
  }

  @Test("dense and sparse LU solve σI − J to backward-error accuracy", arguments: [1, 2, 7, 40, 120])
  func solves(n: Int) throws {
    for (seed, sigma) in [(UInt64(1), 1e3), (2, 1.0), (3, 1e-3), (4, 0.0)] {
      let (rows, j) = Self.randomJacobian(n: n, perRow: 4, seed: seed)
      let b = (0..<n).map { Double($0 % 7) - 3 }
      let dense = DenseLU(n: n)
      let sparse = SparseLU(n: n, rows: rows)
      let denseOK = j.withUnsafeBufferPointer { dense.factor(sigma: sigma, jacobian: $0.baseAddress!) }
      let sparseOK = j.withUnsafeBufferPointer { sparse.factor(sigma: sigma, jacobian: $0.baseAddress!) }
      // With σ = 0 a random sparse J may well be singular; then both must say so.
      #expect(denseOK == sparseOK || sigma == 0, "n \(n) σ \(sigma): dense \(denseOK), sparse \(sparseOK)")
      for (name, ok, solver) in [("dense", denseOK, { (x: UnsafeMutablePointer<Double>) in dense.solve(x) }),
                                 ("sparse", sparseOK, { (x: UnsafeMutablePointer<Double>) in sparse.solve(x) })] where ok {
        var x = b
        x.withUnsafeMutableBufferPointer { solver($0.baseAddress!) }
        let (residual, bound) = Self.residual(n: n, sigma: sigma, j: j, x: x, b: b)
        #expect(residual <= bound, "\(name) n \(n) σ \(sigma): residual \(residual) > \(bound)")
      }
    }
  }

  /// A zero diagonal forces off-diagonal pivots; σ then changes by 10⁶ and the stored pivots are
  /// reused or chosen again; every solve stays accurate.
  @Test("the sparse LU pivots off the diagonal and refactors as σ changes")
  func refactor() throws {
    let n = 60
    let (rows, j) = Self.randomJacobian(n: n, perRow: 5, seed: 11, zeroDiagonal: true)
    let sparse = SparseLU(n: n, rows: rows)
    let b = (0..<n).map { sin(Double($0)) }
    for sigma in [1e-6, 1e-3, 1.0, 1e3, 1.0, 1e-6] {
      let ok = j.withUnsafeBufferPointer { sparse.factor(sigma: sigma, jacobian: $0.baseAddress!) }
      guard ok else { continue }  // a structurally or numerically singular draw at σ ≈ 0
      var x = b
      x.withUnsafeMutableBufferPointer { sparse.solve($0.baseAddress!) }
      let (residual, bound) = Self.residual(n: n, sigma: sigma, j: j, x: x, b: b)
      #expect(residual <= bound, "σ \(sigma): residual \(residual) > \(bound)")
    }
    #expect(sparse.pivotings >= 1)
  }

  @Test("a singular matrix is reported, and the next regular one factors")
  func singular() throws {
    // J = [[1, 1], [1, 1]]: σI − J is singular at σ = 0 and σ = 2.
    let j: [Double] = [1, 1, 1, 1]
    let dense = DenseLU(n: 2)
    let sparse = SparseLU(n: 2, rows: [[0, 1], [0, 1]])
    for sigma in [0.0, 2.0] {
      #expect(!j.withUnsafeBufferPointer { dense.factor(sigma: sigma, jacobian: $0.baseAddress!) }, "dense σ \(sigma)")
      #expect(!j.withUnsafeBufferPointer { sparse.factor(sigma: sigma, jacobian: $0.baseAddress!) }, "sparse σ \(sigma)")
    }
    #expect(j.withUnsafeBufferPointer { sparse.factor(sigma: 3, jacobian: $0.baseAddress!) })
    var x: [Double] = [1, 2]
    x.withUnsafeMutableBufferPointer { sparse.solve($0.baseAddress!) }
    // [[2, −1], [−1, 2]] x = (1, 2): x = (4/3, 5/3).
    expectClose(x[0], 4.0 / 3, absolute: 1e-15, "x0")
    expectClose(x[1], 5.0 / 3, absolute: 1e-15, "x1")
  }

  @Test("minimum degree orders an arrow matrix's hub last (no fill)")
  func minimumDegree() {
    // Vertex 0 is joined to every other vertex: eliminating it first would fill in everything.
    let n = 10
    var neighbours = [[Int]](repeating: [], count: n)
    for v in 1..<n {
      neighbours[0].append(v)
      neighbours[v].append(0)
    }
    let order = SparseLU.minimumDegreeOrder(n: n, neighbours: neighbours)
    #expect(Set(order) == Set(0..<n))
    #expect(order.last == 0)
    let sparse = SparseLU(n: n, rows: neighbours)
    var j = [Double](repeating: 0, count: n * n)
    for v in 1..<n {
      j[v] = 1
      j[v * n] = 1
    }
    #expect(j.withUnsafeBufferPointer { sparse.factor(sigma: 20, jacobian: $0.baseAddress!) })
    #expect(sparse.factorEntries == 2 * (n - 1), "L and U hold only the arrow: \(sparse.factorEntries)")
  }
}
