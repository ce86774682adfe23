import Foundation
import Testing

@testable import PathwayModel

@Suite("Failure modes")
struct FailureModeTests {
  @Test("a NaN in a time window names the species and the time, and keeps the rows before it",
        arguments: [Stepper.msbdf, .rkf45, .bsimp, .rodas4, .rodas5p])
  func nonFinite(stepper: Stepper) throws {
    let m = try model("""
      nodes:
        a: {initial: 1, rate: -a}
        bad: {initial: 1, rate: "piecewise(sqrt(-1), time > 5.5 & time < 6, -bad)"}
      """)
    let times = (0...10).map(Double.init)
    let s = try integrate(m, to: 10, method: stepper, rtol: 1e-6, atol: 1e-8, times: times)
    let failure = try #require(s.failure)
    #expect(failure.reason == .nonFiniteDerivative(species: "bad"))
    #expect(failure.time <= 5.5)
    #expect(failure.evaluationTime.map { $0 >= 5.5 && $0 < 6 } == true)
    #expect(failure.description.contains("'bad'"))
    #expect(s.trajectory.rowCount == 6, "rows for t = 0…5")
    expectClose(s.trajectory.value(row: 5, column: 0), exp(-5), relative: 1e-4, "a(5) before the failure")
  }

  @Test("a rate that leaves its domain as the state moves names the species, with every stepper",
        arguments: [Stepper.msbdf, .rkf45, .bsimp, .rodas4, .rodas5p])
  func leavesDomain(stepper: Stepper) throws {
    // x = 1 − t reaches 0 at t = 1, where √x stops being real: a step cannot get past it.
    let m = try model("""
      nodes:
        x: {initial: 1, rate: -1}
        y: {initial: 0, rate: sqrt(x)}
      """)
    let s = try integrate(m, to: 3, method: stepper, rtol: 1e-6, atol: 1e-8, times: [0, 0.5, 2, 3])
    let failure = try #require(s.failure)
    #expect(failure.reason == .nonFiniteDerivative(species: "y"), "\(failure)")
    #expect(failure.time <= 1 + 1e-9, "the last good state is before the domain ends")
    #expect(failure.evaluationTime.map { $0 > 0.5 } == true)
    #expect(s.trajectory.rowCount == 2)
  }

  @Test("a NaN initial value that no rate reads is named at the start, not left to a failed step",
        arguments: [Stepper.msbdf, .rkf45, .bsimp, .rodas5p])
  func nonFiniteInitialValue(stepper: Stepper) throws {
    // dx/dt = 0 is finite whatever x holds: only the state itself shows the NaN.
    let m = try model("""
      nodes:
        a: {initial: 1, rate: -a}
        x: {initial: 0, rate: 0}
      """)
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: stepper, rtol: 1e-6, atol: 1e-8))
    let s = solver.solve(RunParameters(ode), initial: [1, .nan], start: 0, end: 2, times: [0, 1, 2])
    let failure = try #require(s.failure)
    #expect(failure.code == "nonfinite_state:x", "\(failure)")
    #expect(failure.time == 0)
    #expect(failure.description.contains("the value of 'x'"))
    #expect(s.trajectory.rowCount == 1, "the row at t = 0 shows the NaN")
  }

  @Test("a short span late in time integrates: the first step is not below t's resolution",
        arguments: [Stepper.msbdf, .rkf45, .bsimp, .rodas5p])
  func shortSpanLateInTime(stepper: Stepper) throws {
    let m = try model("nodes:\n  x: {initial: 1, rate: -2 * x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: stepper, rtol: 1e-10, atol: 1e-14))
    let start = 1e6, end = 1e6 + 1e-6
    let s = solver.solve(RunParameters(ode), initial: [1], start: start, end: end, times: [start, end])
    #expect(s.failure == nil, "\(String(describing: s.failure))")
    expectClose(s.trajectory.value(row: 1, column: 0), exp(-2 * (end - start)), relative: 1e-9, "x after 10⁻⁶")
  }

  @Test("bsimp integrates a logic network that starts on the corners of its cube")
  func bsimpFromCorners() throws {
    // R = (D | !Rac1) & S with S = D = 0 and Rac1 = 1 at the start: bsimp from a 10⁻⁶ first
    // step collapsed to h ≈ 10⁻¹⁴; it now starts at a thousandth of the span.
    let m = try model("""
      nodes:
        E: {kind: input, initial: 1}
        Rac1: {initial: 1, rate: 0}
        S: {rule: E}
        D: {rule: S}
        R: {rule: "(D | !Rac1) & S"}
      """)
    let bsimp = try integrate(m, to: 2, method: .bsimp, rtol: 1e-8, atol: 1e-12)
    let reference = try integrate(m, to: 2, method: .rodas5p, rtol: 1e-10, atol: 1e-14)
    #expect(bsimp.failure == nil, "\(String(describing: bsimp.failure))")
    for column in 0..<bsimp.trajectory.names.count {
      expectClose(bsimp.trajectory.value(row: 1, column: column), reference.trajectory.value(row: 1, column: column),
                  absolute: 1e-7, "\(bsimp.trajectory.names[column])(2)")
    }
  }

  @Test("max steps stops the run with the time and step size")
  func maxSteps() throws {
    let m = try model("nodes:\n  x: {initial: 1, rate: -x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rk4, rtol: 1e-12, atol: 1e-14, hMax: 1e-3, maxSteps: 50))
    let s = solver.solve(RunParameters(ode), initial: [1], start: 0, end: 100, times: [0, 100])
    let failure = try #require(s.failure)
    #expect(failure.reason == .maxStepsReached(50))
    #expect(failure.time > 0 && failure.time < 1)
    #expect(failure.description.contains("h = "))
  }

  @Test("a step limit or a collapsing step names the state that holds the step size down", arguments: [Stepper.rodas5p, .rkf45, .msbdf, .rk8pd])
  func limitingState(method: Stepper) throws {
    // x, y rotate a thousand times faster than z decays: x or y limits the step.
    let fast = try ODEModel(model: model("nodes:\n  z: {initial: 1, rate: -0.1 * z}\n  x: {initial: 1, rate: -1000 * y}\n  y: {initial: 0, rate: 1000 * x}\n"))
    let limited = try ODESolver(fast, options: SolverOptions(method: method, rtol: 1e-8, atol: 1e-12, maxSteps: 100))
    let s = limited.solve(RunParameters(fast), initial: [1, 1, 0], start: 0, end: 10, times: [0, 10])
    let failure = try #require(s.failure)
    #expect(failure.reason == .maxStepsReached(100))
    #expect(["x", "y"].contains(failure.limitingState ?? "none"), "\(method): \(failure.limitingState ?? "none")")
    #expect(failure.description.contains("held down by '\(failure.limitingState ?? "")'"))
    // x' = x² blows up at t = 1: the step collapses there, on x.
    let blow = try ODEModel(model: model("nodes:\n  z: {initial: 1, rate: -0.1 * z}\n  x: {initial: 1, rate: x^2}\n"))
    let solver = try ODESolver(blow, options: SolverOptions(method: method, rtol: 1e-8, atol: 1e-12))
    let b = solver.solve(RunParameters(blow), initial: [1, 1], start: 0, end: 2, times: [0, 2])
    let collapse = try #require(b.failure)
    #expect(abs(collapse.time - 1) < 1e-4)
    #expect(collapse.limitingState == "x", "\(method): \(collapse)")
  }

  @Test("h_max bounds every step")
  func hMax() throws {
    let m = try model("nodes:\n  x: {initial: 1, rate: -0.001 * x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rkf45, hMax: 2))
    let s = solver.solve(RunParameters(ode), initial: [1], start: 0, end: 100, times: [100])
    #expect(s.statistics.steps >= 50)
  }

  @Test("cancellation stops the run")
  func cancellation() throws {
    let m = try model("nodes:\n  x: {initial: 1, rate: -x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rkf45))
    solver.workspace.cancellation = { true }
    let s = solver.solve(RunParameters(ode), initial: [1], start: 0, end: 10, times: [10])
    #expect(s.failure?.reason == .cancelled)
  }

  @Test("a solver is reusable: a second run gives the same numbers")
  func reuse() throws {
    let m = try model("parameters: {k: 1}\nnodes:\n  x: {initial: 1, rate: -k * x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .msbdf))
    var p = RunParameters(ode)
    let first = solver.solve(p, initial: [1], start: 0, end: 5, times: [5])
    p.parameters[0] = 2
    let other = solver.solve(p, initial: [1], start: 0, end: 5, times: [5])
    p.parameters[0] = 1
    let again = solver.solve(p, initial: [1], start: 0, end: 5, times: [5])
    #expect(first.finalState == again.finalState)
    #expect(first.statistics.steps == again.statistics.steps)
    expectClose(other.finalState[0], exp(-10), absolute: 1e-6, "k = 2")
  }
}
