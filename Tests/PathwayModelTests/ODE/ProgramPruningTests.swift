import Foundation
import Testing

@testable import PathwayModel

/// A right-hand-side evaluation runs only the instructions the rates depend on; assignments that
/// only outputs read are computed when a row is written, and still come out right.
@Suite("Program pruning")
struct ProgramPruningTests {
  static let text = """
    parameters:
      k: {value: 0.3}
    nodes:
      x: {rate: "-flux", initial: 2}
    assignments:
      flux: k * x
      observed: "x^2 + exp(x) + log(1 + flux)"
    """

  @Test("the rate program skips an assignment only outputs read; the Jacobian and events programs are cut too")
  func prunedPrograms() throws {
    let ode = try ODEModel(model: try model(Self.text))
    #expect(ode.rateProgram.instructionCount < ode.rhsProgram.instructionCount)
    #expect(ode.fusedJacobianProgram.instructionCount < ode.rhsProgram.instructionCount + ode.jacobianProgram.instructionCount)
    #expect(ode.fusedEventProgram.instructionCount == 0, "no events, no switches: nothing to evaluate")
  }

  @Test("outputs of an assignment the rates do not read follow the state exactly",
        arguments: [Stepper.rodas5p, .msbdf, .rk8pd])
  func outputsStillComputed(stepper: Stepper) throws {
    let ode = try ODEModel(model: try model(Self.text))
    let solver = try ODESolver(ode, options: SolverOptions(method: stepper, rtol: 1e-10, atol: 1e-12))
    let times = stride(from: 0.0, through: 10, by: 1).map { $0 }
    let s = solver.solve(RunParameters(ode), initial: [2], start: 0, end: 10, times: times)
    #expect(s.failure == nil)
    let x = try #require(s.trajectory.column("x")), observed = try #require(s.trajectory.column("observed"))
    for (i, t) in times.enumerated() {
      let exact = 2 * Foundation.exp(-0.3 * t)
      expectClose(x[i], exact, relative: 1e-7, "\(stepper) x(\(t))")
      // Computed from the row's own x: exact up to rounding.
      expectClose(observed[i], x[i] * x[i] + Foundation.exp(x[i]) + Foundation.log(1 + 0.3 * x[i]), relative: 1e-14,
                  "\(stepper) observed(\(t))")
    }
  }
}
