import Foundation
import PathwayModel

/// Per-simulation time on a published SBML model, as `../shared/bench/ode` measures the peers:
/// rtol 1e-6, atol 1e-10, `nout` output points over [0, T], median of repeated simulations, and the
/// final state's largest relative error against a tight reference (bsimp at rtol 1e-12).
func runSBMLBenchmark(arguments: [String]) throws {
  guard arguments.count >= 3, let end = Double(arguments[1]), let points = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: pathway-bench sbml MODEL T NOUT [METHOD...]\n".utf8))
    exit(64)
  }
  let model = try ModelLoader.load(arguments[0])
  let ode = try ODEModel(model: model)
  // METHOD, or METHOD:dense / METHOD:sparse for a Rosenbrock method with a forced linear solver.
  let methods: [(Stepper, LinearSolverKind?)] = arguments.count > 3
    ? arguments[3...].compactMap { text in
      let parts = text.split(separator: ":").map(String.init)
      guard let stepper = Stepper(rawValue: parts[0]) else { return nil }
      return (stepper, parts.count > 1 ? LinearSolverKind(rawValue: parts[1]) : nil)
    }
    : [(.msbdf, nil), (.bsimp, nil), (.rk4imp, nil)]
  var firstMedian: Double? = nil
  var scenario = Scenario(name: "bench")
  scenario.time.end = end
  scenario.time.grid = .steps(points - 1)
  scenario.solver.rtol = 1e-12
  scenario.solver.atol = 1e-14
  scenario.solver.method = Stepper.bsimp.rawValue
  let referenceRun = try scenario.resolve(for: ode)
  let reference = try referenceRun.simulate(ode).finalState
  if ProcessInfo.processInfo.environment["PATHWAY_BENCH_JSON"] != "1" {
    print("model: \(model.name) (\(ode.stateCount) state variables); T = \(formatNumber(end)), \(points) points")
  }
  for (method, linearSolver) in methods {
    LinearSolverKind.forced = linearSolver
    defer { LinearSolverKind.forced = nil }
    scenario.solver.method = method.rawValue
    // PATHWAY_BENCH_RTOL / PATHWAY_BENCH_ATOL: a work–precision point other than the peers' 1e-6 / 1e-10.
    let environment = ProcessInfo.processInfo.environment
    scenario.solver.rtol = environment["PATHWAY_BENCH_RTOL"].flatMap(Double.init) ?? 1e-6
    scenario.solver.atol = environment["PATHWAY_BENCH_ATOL"].flatMap(Double.init) ?? 1e-10
    // PATHWAY_BENCH_ATOL_SCALE=none: atol on every state as stored, as the C driver applies it.
    scenario.solver.atolScale = environment["PATHWAY_BENCH_ATOL_SCALE"]
    let run = try scenario.resolve(for: ode)
    let solver = try ODESolver(ode, options: run.options, outputs: try ode.compileOutputs(run.columns))
    var last: Solution? = nil
    // Repeat for about a second, at least 5 times.
    var samples: [Double] = []
    let budget = ContinuousClock.now + .seconds(1)
    while samples.count < 5 || (ContinuousClock.now < budget && samples.count < 2000) {
      let start = ContinuousClock.now
      last = try run.simulate(with: solver)
      let elapsed = ContinuousClock.now - start
      samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    samples.sort()
    guard let solution = last else { continue }
    var worst = 0.0
    for (a, b) in zip(solution.finalState, reference) { worst = max(worst, abs(a - b) / max(abs(b), 1e-9)) }
    let s = solution.statistics
    let median = samples[samples.count / 2]
    firstMedian = firstMedian ?? median
    let name = method.rawValue + (linearSolver.map { ":" + $0.rawValue } ?? "")
    if environment["PATHWAY_BENCH_JSON"] == "1" {
      // One JSON line per method, for Benchmarks/performance.py.
      let final = Dictionary(uniqueKeysWithValues: zip(ode.stateNames, solution.finalState.map { $0 as Any }))
      let referenceFinal = Dictionary(uniqueKeysWithValues: zip(ode.stateNames, reference.map { $0 as Any }))
      let object: [String: Any] = [
        "method": name, "kernel": run.options.kernel.rawValue, "rtol": scenario.solver.rtol!, "atol": scenario.solver.atol!,
        "median_s": median, "samples": samples.count, "steps": s.steps, "failed": s.failedSteps,
        "rhs": s.rhsEvaluations, "jac": s.jacobianEvaluations, "err": worst, "final": final, "reference": referenceFinal,
        "ok": solution.failure == nil,
      ]
      let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      continue
    }
    print(String(
      format: "%-14@ %9.3f ms/sim (median of %d, %.2fx the first)  steps %d, failed %d, rhs %d, jac %d  final rel. err %.1e%@",
      name as NSString, median * 1e3, samples.count, median / firstMedian!, s.steps, s.failedSteps,
      s.rhsEvaluations, s.jacobianEvaluations, worst, (solution.failure.map { "  FAILED: \($0)" } ?? "") as NSString))
  }
}
