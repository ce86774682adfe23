import Foundation
import PathwayModel

/// Work–precision data on the stiff test problems with published references (`ReferenceProblem`:
/// Robertson, HIRES, Pollution, van der Pol μ = 1000, E5): for rtol = 10⁻³ … 10⁻¹⁰ (atol = rtol ×
/// the problem's ratio), the median time of one solve from 0 to the end time and the final
/// state's largest error against the reference (relative, components below atol absolute).
///
///   pathway-bench precision [PROBLEM...] [METHOD...]    (default: all problems; msbdf rodas4 rodas5p)
func runPrecisionBenchmark(arguments: [String]) throws {
  let methods = arguments.compactMap(Stepper.init(rawValue:))
  let names = Set(arguments.filter { Stepper(rawValue: $0) == nil }.map { $0.lowercased() })
  let problems = ReferenceProblem.all.filter { names.isEmpty || names.contains($0.name.lowercased()) }
  let chosen = methods.isEmpty ? [Stepper.msbdf, .rodas4, .rodas5p] : methods
  let exponents = Array(3...10)
  print("work–precision: time per solve (median) and final-state error vs the published reference")
  for problem in problems {
    let model = try NativeModelReader.read(text: problem.yaml, file: problem.name)
    let ode = try ODEModel(model: model)
    let initial = ode.stateNodes.map { model.nodes[$0].initial }
    print("\n## \(problem.name) (\(ode.stateCount) variables, t = 0…\(formatNumber(problem.end))); \(problem.source)")
    print("| method | rtol | time/solve | error | steps | failed | rhs | jac |")
    print("|---|---|---|---|---|---|---|---|")
    for method in chosen {
      for e in exponents {
        let rtol = Foundation.pow(10, -Double(e))
        let atol = rtol * problem.atolRatio
        let solver = try ODESolver(ode, options: SolverOptions(method: method, rtol: rtol, atol: atol))
        let parameters = RunParameters(ode)
        var last: Solution? = nil
        var samples: [Double] = []
        let budget = ContinuousClock.now + .milliseconds(400)
        while samples.count < 3 || (ContinuousClock.now < budget && samples.count < 500) {
          let start = ContinuousClock.now
          last = solver.solve(parameters, initial: initial, start: 0, end: problem.end, times: [0, problem.end])
          let elapsed = ContinuousClock.now - start
          samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
          if last?.failure != nil { break }
        }
        samples.sort()
        guard let solution = last else { continue }
        let s = solution.statistics
        if let failure = solution.failure {
          print("| \(method.rawValue) | 1e-\(e) | failed | \(failure) | \(s.steps) | \(s.failedSteps) | \(s.rhsEvaluations) | \(s.jacobianEvaluations) |")
          continue
        }
        let error = problem.error(of: solution.finalState, floor: atol)
        print(String(
          format: "| %@ | 1e-%d | %.3f ms | %.1e | %d | %d | %d | %d |", method.rawValue as NSString, e,
          samples[samples.count / 2] * 1e3, error, s.steps, s.failedSteps, s.rhsEvaluations, s.jacobianEvaluations))
      }
    }
  }
}
