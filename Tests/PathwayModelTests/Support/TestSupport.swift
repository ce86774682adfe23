import Foundation
import Testing

@testable import PathwayModel

/// Values reported from any thread (progress callbacks), collected in order of arrival.
final class Reports<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [Value] = []
  func add(_ value: Value) { lock.withLock { stored.append(value) } }
  var values: [Value] { lock.withLock { stored } }
}

/// Reads a model from YAML text (file name `test.yaml` in messages).
func model(_ yaml: String, file: String = "test.yaml") throws -> Model {
  try NativeModelReader.read(text: yaml, file: file)
}

/// The error a throwing call raised, as a PathwayError (fails the test when nothing was thrown).
func pathwayError(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> PathwayError? {
  do {
    try body()
    Issue.record("expected an error", sourceLocation: sourceLocation)
    return nil
  } catch let error as PathwayError {
    return error
  } catch {
    Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    return nil
  }
}

/// Integrates `model` from 0 to `end` and returns the final state per state variable.
func integrate(
  _ m: Model, to end: Double, method: Stepper, rtol: Double, atol: Double, times: [Double]? = nil,
  configure: (inout RunParameters) -> Void = { _ in }
) throws -> Solution {
  let ode = try ODEModel(model: m)
  let solver = try ODESolver(ode, options: SolverOptions(method: method, rtol: rtol, atol: atol))
  var parameters = RunParameters(ode)
  configure(&parameters)
  let initial = ode.stateNodes.map { m.nodes[$0].initial }
  return solver.solve(parameters, initial: initial, start: 0, end: end, times: times ?? [0, end])
}

/// |observed − expected|, recorded in the failure message with the bound.
@discardableResult
func expectClose(
  _ observed: Double, _ expected: Double, absolute: Double = 0, relative: Double = 0, _ context: String = "",
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Double {
  let error = abs(observed - expected)
  let bound = absolute + relative * abs(expected)
  #expect(
    error <= bound, "\(context): observed \(observed), expected \(expected), error \(error) > bound \(bound)",
    sourceLocation: sourceLocation)
  return error
}
