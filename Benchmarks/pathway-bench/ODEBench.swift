import Foundation
import PathwayModel

/// Wall-clock seconds of `body`, the median of `repeats` runs.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
  var samples: [Double] = []
  for _ in 0..<repeats {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
  }
  samples.sort()
  return samples[samples.count / 2]
}

/// The ODE benchmarks: one right-hand-side and Jacobian evaluation of a HillCube network, and a
/// full 21-day scenario of it, with the default stiff method and with rkf45.
func runODEBenchmarks(modelPath: String) throws {
  let model = try ModelLoader.load(modelPath)
  let ode = try ODEModel(model: model)
  let n = ode.stateCount
  print("model: \(model.name) (\(model.nodes.count) nodes, \(n) state variables, \(ode.inputCount) inputs)")

  // One RHS / Jacobian call, at states that vary so that nothing is hoisted out of the loop.
  let workspace = ODEWorkspace(ode)
  var y = [Double](repeating: 0.3, count: n)
  var f = [Double](repeating: 0, count: n)
  var dfdy = [Double](repeating: 0, count: n * n)
  var dfdt = [Double](repeating: 0, count: n)
  let calls = Int(ProcessInfo.processInfo.environment["BENCH_CALLS"] ?? "200000")!
  var sink = 0.0
  let rhsSeconds = medianSeconds(repeats: 7) {
    for i in 0..<calls {
      y[i % n] = Double(i % 97) / 97
      workspace.rhs(0, y, &f)
      sink += f[i % n]
    }
  }
  let jacobianCalls = 20_000
  let jacobianSeconds = medianSeconds(repeats: 5) {
    for i in 0..<jacobianCalls {
      y[i % n] = Double(i % 89) / 89
      _ = workspace.jacobian(0, y, &dfdy, &dfdt)
      sink += dfdy[i % (n * n)]
    }
  }
  print(String(format: "rhs evaluation:      %8.1f ns per call (median of 7 × %d calls)", rhsSeconds / Double(calls) * 1e9, calls))
  print(String(format: "jacobian evaluation: %8.1f ns per call (median of 5 × %d calls)", jacobianSeconds / Double(jacobianCalls) * 1e9, jacobianCalls))

  // A full 21-day run: BMP9 0.5 in the reference context, output every 24 h, from the reference
  // steady state (equilibration timed separately).
  var scenario = Scenario(name: "bench")
  if model.node(named: "BMP9") != nil {
    scenario.inputs.append(.init(input: "BMP9", stimulus: .constant(0.5), location: nil))
  }
  scenario.time.end = 504
  scenario.time.grid = .dt(24)
  for method in [Stepper.msbdf, .rkf45] {
    var s = scenario
    s.solver.method = method.rawValue
    if method == .rkf45 { s.solver.hMax = 2 }
    let run = try s.resolve(for: ode)
    let solver = try ODESolver(ode, options: run.options)
    let start = try solver.equilibrate(run.parameters, initial: run.initial, duration: run.equilibrate ?? 0)
    var statistics = SolverStatistics()
    let seconds = medianSeconds(repeats: 21) {
      let solution = solver.solve(run.parameters, initial: start, start: run.start, end: run.end, times: run.times)
      statistics = solution.statistics
    }
    let equilibrateSeconds = try medianSeconds(repeats: 5) {
      _ = try solver.equilibrate(run.parameters, initial: run.initial, duration: run.equilibrate ?? 2000)
    }
    print(
      String(
        format: "21-day run, %-6@ %8.3f ms (median of 21; %d steps, %d rhs, %d jacobians); equilibration 2000 h: %.3f ms",
        method.rawValue as NSString, seconds * 1e3, statistics.steps, statistics.rhsEvaluations,
        statistics.jacobianEvaluations, equilibrateSeconds * 1e3))
  }
  if sink.isNaN { print("") }
}
