import Foundation
import Testing

@testable import PathwayModel

/// The GSL/DETEST-style catalogue: each problem with its exact or published solution, run with
/// every applicable stepper. Tolerances follow GSL's `test.c`: the global error of an adaptive
/// method is bounded by (a safety factor) × (steps taken) × (the per-step error target).
@Suite("Reference problems")
struct ReferenceProblemTests {
  /// Per-step targets by method: low-order methods get a looser target to keep step counts sane.
  static func tolerance(_ stepper: Stepper) -> Double {
    switch stepper {
    case .rk2, .rk1imp, .rk2imp: return 1e-7
    default: return 1e-9
    }
  }

  /// GSL's global bound: factor · steps · (atol + rtol·|y|).
  static func bound(_ solution: Solution, _ stepper: Stepper, _ scale: Double, factor: Double = 10) -> Double {
    let tol = tolerance(stepper)
    return factor * Double(max(1, solution.statistics.steps)) * (tol * 1e-2 + tol * abs(scale))
  }

  @Test("exponential decay x' = -k x matches exp(-k t)", arguments: Stepper.allCases)
  func decay(stepper: Stepper) throws {
    let m = try model("""
      parameters: {k: 0.7}
      nodes:
        x: {initial: 2, rate: -k * x}
      """)
    let times = stride(from: 0.0, through: 10, by: 1).map { $0 }
    let tol = Self.tolerance(stepper)
    let s = try integrate(m, to: 10, method: stepper, rtol: tol, atol: tol * 1e-2, times: times)
    #expect(s.failure == nil)
    for (row, t) in times.enumerated() {
      let exact = 2 * exp(-0.7 * t)
      expectClose(s.trajectory.value(row: row, column: 0), exact, absolute: Self.bound(s, stepper, exact), "\(stepper) t=\(t)")
    }
  }

  @Test("logistic growth matches its closed form", arguments: Stepper.allCases)
  func logistic(stepper: Stepper) throws {
    let m = try model("""
      parameters: {r: 0.9, K: 5}
      nodes:
        x: {initial: 0.1, rate: r * x * (1 - x / K)}
      """)
    let tol = Self.tolerance(stepper)
    let s = try integrate(m, to: 12, method: stepper, rtol: tol, atol: tol * 1e-2)
    let exact = 5 / (1 + (5 / 0.1 - 1) * exp(-0.9 * 12))
    expectClose(s.finalState[0], exact, absolute: Self.bound(s, stepper, exact), "\(stepper)")
  }

  /// The stiff 2×2 of GSL's test.c: y0' = 998 y0 + 1998 y1, y1' = −999 y0 − 1999 y1,
  /// y(0) = (1, 0); y0 = 2e^{−t} − e^{−1000t}, y1 = −e^{−t} + e^{−1000t}.
  @Test("the linear stiff 2×2 matches its closed form",
        arguments: [Stepper.rk1imp, .rk2imp, .rk4imp, .bsimp, .msbdf, .rkf45, .rk8pd, .rodas4, .rodas5p])
  func stiffLinear(stepper: Stepper) throws {
    let m = try model("""
      nodes:
        a: {initial: 1, rate: 998 * a + 1998 * b}
        b: {initial: 0, rate: -999 * a - 1999 * b}
      """)
    let tol = Self.tolerance(stepper)
    let s = try integrate(m, to: 5, method: stepper, rtol: tol, atol: tol * 1e-2)
    #expect(s.failure == nil)
    let a = 2 * exp(-5.0) - exp(-5000.0), b = -exp(-5.0) + exp(-5000.0)
    expectClose(s.finalState[0], a, absolute: Self.bound(s, stepper, 1), "\(stepper) a")
    expectClose(s.finalState[1], b, absolute: Self.bound(s, stepper, 1), "\(stepper) b")
    if stepper.isImplicit && stepper != .rk1imp {
      // An implicit method is not limited by the fast eigenvalue −1000.
      #expect(s.statistics.steps < 2000, "\(stepper) took \(s.statistics.steps) steps")
    }
  }

  /// Robertson's chemical kinetics; reference y(40) from Hairer & Wanner, Solving ODEs II, §IV.1.
  @Test("Robertson matches the published values at t = 40", arguments: [Stepper.msbdf, .bsimp, .rk4imp, .rk2imp, .rodas4, .rodas5p])
  func robertson(stepper: Stepper) throws {
    let m = try model("""
      nodes:
        y1: {initial: 1, rate: -0.04 * y1 + 1e4 * y2 * y3}
        y2: {initial: 0, rate: 0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2^2}
        y3: {initial: 0, rate: 3e7 * y2^2}
      """)
    let s = try integrate(m, to: 40, method: stepper, rtol: 1e-9, atol: 1e-14)
    #expect(s.failure == nil)
    // Tolerance: the requested rtol accumulated over the steps, floored at 1e-7 relative
    // (the published values carry 10 digits).
    let reference = [0.7158270687194, 9.185534764558e-06, 0.2841637457458]
    for i in 0..<3 {
      let relative = max(1e-7, 10 * Double(s.statistics.steps) * 1e-9)
      expectClose(s.finalState[i], reference[i], relative: relative, "\(stepper) y\(i + 1)")
    }
    expectClose(s.finalState.reduce(0, +), 1, absolute: 1e-9, "\(stepper) mass conservation")
  }

  /// Van der Pol with μ = 1000, y(0) = (2, 0). References: y(1000) and y(2000) published with
  /// Radau at rtol 1e-10 (y1(1000) = −1.8636462548081643, y1(2000) = 1.7061677321708557), and the
  /// relaxation period T ≈ (3 − 2 ln 2) μ + 3α μ^(−1/3), α = 2.338 (Dorodnitsyn) ≈ 1614.4.
  @Test("van der Pol μ = 1000 matches the published solution", arguments: [Stepper.msbdf, .bsimp, .rk4imp, .rodas4, .rodas5p])
  func vanDerPol(stepper: Stepper) throws {
    let m = try model("""
      parameters: {mu: 1000}
      nodes:
        y1: {initial: 2, rate: y2}
        y2: {initial: 0, rate: mu * (1 - y1^2) * y2 - y1}
      """)
    let s = try integrate(m, to: 2000, method: stepper, rtol: 1e-10, atol: 1e-10, times: [0, 1000, 2000])
    try #require(s.failure == nil)
    expectClose(s.trajectory.value(row: 1, column: 0), -1.8636462548081643, relative: 1e-5, "\(stepper) y1(1000)")
    expectClose(s.trajectory.value(row: 2, column: 0), 1.7061677321708557, relative: 1e-5, "\(stepper) y1(2000)")
  }

  @Test("the van der Pol μ = 1000 period matches the asymptotic formula")
  func vanDerPolPeriod() throws {
    let m = try model("""
      parameters: {mu: 1000}
      nodes:
        y1: {initial: 2, rate: y2}
        y2: {initial: 0, rate: mu * (1 - y1^2) * y2 - y1}
      """)
    let times = stride(from: 0.0, through: 4000, by: 0.5).map { $0 }
    let s = try integrate(m, to: 4000, method: .msbdf, rtol: 1e-8, atol: 1e-8, times: times)
    let y1 = try #require(s.trajectory.column("y1"))
    // Downward zero crossings, linearly interpolated.
    var crossings: [Double] = []
    for i in 1..<y1.count where y1[i - 1] > 0 && y1[i] <= 0 {
      crossings.append(times[i - 1] + 0.5 * y1[i - 1] / (y1[i - 1] - y1[i]))
    }
    #expect(crossings.count >= 2)
    let period = crossings[1] - crossings[0]
    let asymptotic = (3 - 2 * log(2.0)) * 1000 + 3 * 2.338107 * pow(1000, -1.0 / 3)
    // The next term of the expansion is O(ln μ / μ) · μ ≈ 7; allow 0.5 %.
    expectClose(period, asymptotic, relative: 5e-3, "period")
  }

  /// The Brusselator of Hairer, Nørsett & Wanner I: y(20) from an arbitrary-precision solution
  /// (0.4986370712683478, 4.596780349452011).
  @Test("the Brusselator matches the published y(20)", arguments: Stepper.allCases)
  func brusselator(stepper: Stepper) throws {
    let m = try model("""
      nodes:
        y1: {initial: 1.5, rate: 1 + y1^2 * y2 - 4 * y1}
        y2: {initial: 3, rate: 3 * y1 - y1^2 * y2}
      """)
    let tol = Self.tolerance(stepper)
    let s = try integrate(m, to: 20, method: stepper, rtol: tol, atol: tol * 1e-2)
    #expect(s.failure == nil)
    expectClose(s.finalState[0], 0.4986370712683478, absolute: Self.bound(s, stepper, 1), "\(stepper) y1")
    expectClose(s.finalState[1], 4.596780349452011, absolute: Self.bound(s, stepper, 5), "\(stepper) y2")
  }
}
