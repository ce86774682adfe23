import Foundation

/// A sweep whose runs are Boolean ensembles (MaBoSS-style parameter scans): each run applies its
/// swept values as settings on top of the scenario, simulates `replicates` seeded Boolean runs
/// (synchronous, asynchronous or continuous-time) and measures the metrics on the share of
/// replicates with each node ON over the output rows (steps, or model time in continuous time).
///
/// A metric reads a node (`final(Runx2)`) or a Boolean expression of nodes, a phenotype
/// (`final(Runx2 & !OCN)`: the share of replicates in which it holds).
///
/// What can be swept: an input's dose (ON at ≥ 0.5), a node's initial value (ON at ≥ 0.5) and,
/// in continuous time, a node's τ (its rates of turning ON and OFF are 1/τ unless the model
/// gives `rate_up` and `rate_down`). Run r's ensemble seed is the plan's seed of r, the seed
/// column of runs.csv: `simulate run --boolean MODE --runs R --seed SEED --set target=value`
/// reproduces the row.
public final class BooleanEnsembleSweepSetup: SweepSource {
  public let plan: SweepPlan
  public let model: Model
  public let scenario: Scenario
  public let mode: BooleanRunMode
  public let steps: Int
  /// Boolean runs per sweep run.
  public let replicates: Int
  public let metrics: [Metric]
  /// The trajectory column of each metric's node.
  public let metricColumns: [Int]
  /// The nodes of each run's trajectory: the selection (or every node), then the metrics' nodes.
  public let outputNodes: [Int]
  /// The metrics' phenotypes (Boolean expressions of nodes), after the nodes in each trajectory.
  public let readouts: [BooleanFunction]
  public let readoutNames: [String]
  public let trajectoryColumns: [Int]
  public let trajectoryNames: [String]
  public let record: [String: JSONValue]
  /// What the runs ignore (production scalings have no Boolean meaning).
  public let warnings: [Diagnostic]
  let network: BooleanNetwork
  let ode: ODEModel?
  let initial: BooleanInitialChoice
  let targets: [String]

  /// Checks the swept targets, the metrics and the scenario (one trial design). Problems with
  /// what the command line gave are usage errors (exit 64); with what a file gave, located
  /// errors (exit 65).
  public init(
    model: Model, scenario: Scenario, spec: SweepSpec, mode: BooleanRunMode, steps: Int, replicates: Int,
    initial: BooleanInitialChoice
  ) throws(PathwayError) {
    var usage = DiagnosticBag()
    var located = DiagnosticBag()
    func report(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
      if let location { located.error(location, message, notes: notes) } else { usage.error(nil, message, notes: notes) }
    }
    if replicates < 1 { usage.error(nil, "--runs must be at least 1") }
    for problem in spec.validate(timeCourseMetrics: true) { report(spec.location(of: problem), problem.message, notes: problem.notes) }
    if spec.sampling.needsBaseValues {
      report(
        spec.locations["sampling"], "one-at-a-time sampling varies quantities around their ODE values; a Boolean sweep has none",
        notes: ["use grid, list, lhs, sobol, random, morris or saltelli"])
    }
    let network = try BooleanNetwork(model: model)
    let ode = try ODEModel(model: model)
    let names = model.nodes.map(\.id)
    let what = mode == .continuous ? "input doses, initial values and τ" : "input doses and initial values"
    for dimension in spec.dimensions {
      if dimension.isRelative {
        report(
          dimension.location, "\(dimension.target)=\(dimension.rangeText): fold: multiplies an ODE value; a Boolean sweep gives its values",
          notes: ["use lin:, log: or list:"])
        continue
      }
      switch ode.settingTarget(dimension.target) {
      case .failure(let problem):
        report(dimension.location, problem.message, notes: problem.notes)
      case .success(let target):
        switch target {
        case .inputDose, .initial:
          break
        case .tau(let state) where mode == .continuous:
          let node = model.nodes[ode.stateNodes[state]]
          if node.rateUp != nil && node.rateDown != nil {
            report(dimension.location, "'\(dimension.target)': \(node.id) has rate_up and rate_down, which replace 1/τ", notes: [])
          }
          let (a, b) = dimension.bounds
          if let problem = target.problem(with: min(a, b)) { report(dimension.location, "\(dimension.target)=\(dimension.rangeText): \(problem)") }
        default:
          report(
            dimension.location, "'\(dimension.target)' has no meaning in a \(mode.rawValue) Boolean run",
            notes: ["a Boolean sweep varies \(what)"])
        }
      }
    }
    // A knockout sweep's sets: every node named must exist.
    for name in Set((spec.perturbationSets?.knockout ?? []) + (spec.perturbationSets?.overexpress ?? [])).sorted()
    where model.nodeIndex(name) == nil {
      usage.error(nil, "unknown node '\(name)' in the knockout sweep", notes: didYouMean(name, among: names).map { [$0] } ?? [])
    }
    // Each metric reads a node, or a phenotype (a Boolean expression of nodes) counted once
    // however many metrics read it.
    enum Source { case node(Int), readout(Int) }
    var metrics: [Metric] = []
    var sources: [Source] = []
    var readouts: [BooleanFunction] = []
    var readoutNames: [String] = []
    for text in spec.metrics {
      guard case .success(let metric) = Metric.parse(text) else { continue }  // reported by validate()
      if metric.needsSteadyState {
        report(spec.locations["metrics"], "steady(\(metric.variable)) needs ODEs; a Boolean sweep measures its rows", notes: ["use final(X) over enough steps"])
        continue
      }
      if let node = model.nodeIndex(metric.variable) {
        sources.append(.node(node))
      } else if let known = readoutNames.firstIndex(of: metric.variable) {
        sources.append(.readout(known))
      } else {
        switch BooleanFunction.phenotype(metric.variable, names: names) {
        case .success(let function):
          sources.append(.readout(readouts.count))
          readouts.append(function)
          readoutNames.append(metric.variable)
        case .failure(let problem):
          report(spec.locations["metrics"], "the metric '\(text)': \(problem.message)", notes: problem.notes)
          continue
        }
      }
      metrics.append(metric)
    }
    try located.throwIfErrors()
    try usage.throwIfErrors(.usage)

    // One trial design: the scenario's own errors once, and the output rows.
    let trial = try BooleanRunDesign(
      model: model, network: network, ode: mode == .continuous ? ode : nil, scenario: scenario, mode: mode, steps: steps,
      initial: initial)
    for metric in metrics {
      if let t = metric.requiredTime, !trial.times.contains(t) {
        let unit = mode == .continuous ? "time" : "step"
        report(
          spec.locations["metrics"], "the metric '\(metric.text)' asks for \(unit) \(formatNumber(t)), not an output row",
          notes: ["a Boolean sweep measures on its rows: \(formatNumber(trial.times.first ?? 0)) to \(formatNumber(trial.times.last ?? 0))"])
      }
    }
    try located.throwIfErrors()
    try usage.throwIfErrors(.usage)

    var selected = Array(names.indices)
    if let select = scenario.output.select {
      let (chosen, unmatched) = Scenario.expandSelection(select, among: names)
      if let pattern = unmatched.first { throw PathwayError(.usage, "--select: no node matches '\(pattern)'") }
      selected = chosen.compactMap { model.nodeIndex($0) }
    }
    var outputs = selected
    for case .node(let node) in sources where !outputs.contains(node) { outputs.append(node) }

    self.model = model
    self.scenario = scenario
    self.mode = mode
    self.steps = steps
    self.replicates = replicates
    self.initial = initial
    self.network = network
    self.ode = mode == .continuous ? ode : nil
    self.targets = spec.dimensions.map(\.target)
    self.plan = SweepPlan(spec)
    self.metrics = metrics
    self.metricColumns = sources.map { source in
      switch source {
      case .node(let node): return outputs.firstIndex(of: node)!
      case .readout(let r): return outputs.count + r
      }
    }
    self.outputNodes = outputs
    self.readouts = readouts
    self.readoutNames = readoutNames
    // Saved trajectories: the selected nodes, then the phenotypes.
    self.trajectoryColumns = Array(selected.indices) + (0..<readouts.count).map { outputs.count + $0 }
    self.trajectoryNames = selected.map { names[$0] } + readoutNames
    var record = trial.record
    record["mode"] = .string("boolean")
    record["update"] = .string(mode.rawValue)
    record["replicates"] = .number(Double(replicates))
    record["values"] = .string("share of replicates with the node ON")
    record["initial_state"] = .string(trial.fixedStart?.description ?? "drawn per replicate")
    record["knockout"] = .array(trial.pins.filter { !$0.value }.keys.sorted().map { .string(names[$0]) })
    record["overexpress"] = .array(trial.pins.filter { $0.value }.keys.sorted().map { .string(names[$0]) })
    record["scenario"] = .string(scenario.name)
    self.record = record
    self.warnings = trial.warnings
  }

  public func makeWorker() throws(PathwayError) -> any SweepRunner { BooleanEnsembleSweepWorker(self) }
}

final class BooleanEnsembleSweepWorker: SweepRunner {
  let setup: BooleanEnsembleSweepSetup
  private var cancellation: (@Sendable () -> Bool)?

  init(_ setup: BooleanEnsembleSweepSetup) { self.setup = setup }

  func install(cancellation: @escaping @Sendable () -> Bool) { self.cancellation = cancellation }

  func execute(_ run: Int, keepTrajectory: Bool) -> RunRecord {
    let clock = ContinuousClock.now
    let plan = setup.plan
    let values = plan.values(of: run)
    let seed = plan.seed(of: run)
    var record = RunRecord(
      run: run, values: values, labels: plan.labels(of: run), seed: seed, status: .ok,
      metrics: [Double](repeating: .nan, count: setup.metrics.count))
    if cancellation?() == true {
      record.status = .notRun
      return record
    }
    var layer = Scenario()
    layer.settings = zip(setup.targets, values).map { Scenario.Setting(target: $0, value: $1) }
    // A knockout sweep's set replaces the scenario's pins of the same nodes.
    var pins: [Int: Bool] = [:]
    if plan.spec.perturbationSets != nil {
      for (node, on) in plan.perturbationSets[run] { pins[setup.model.nodeIndex(node)!] = on }
    }
    do {
      let design = try BooleanRunDesign(
        model: setup.model, network: setup.network, ode: setup.ode, scenario: layer.layered(over: setup.scenario), mode: setup.mode,
        steps: setup.steps, initial: setup.initial, overriding: pins)
      // The replicates run on this thread: the sweep's threads share the cores. An interruption
      // between replicates leaves the run not run.
      let stopped = StopFlag()
      let cancellation = self.cancellation
      let ensemble = design.ensemble(runs: setup.replicates, seed: seed, parallel: false, readouts: setup.readouts) {
        guard cancellation?() == true else { return false }
        stopped.raised = true
        return true
      }
      if stopped.raised {
        record.status = .notRun
        return record
      }
      // The nodes' shares, then the phenotypes'.
      let columns = setup.outputNodes
      let width = columns.count + setup.readouts.count
      var fractions = [Double](repeating: 0, count: ensemble.times.count * width)
      for row in ensemble.times.indices {
        for (c, node) in columns.enumerated() { fractions[row * width + c] = ensemble.fraction(row: row, node: node) }
        for r in setup.readouts.indices { fractions[row * width + columns.count + r] = ensemble.readoutFraction(row: row, readout: r) }
      }
      let trajectory = Trajectory(
        names: columns.map { ensemble.names[$0] } + setup.readoutNames, times: ensemble.times, values: fractions)
      for (m, metric) in setup.metrics.enumerated() { record.metrics[m] = metric.evaluate(trajectory, column: setup.metricColumns[m]) }
      if keepTrajectory { record.trajectory = trajectory }
    } catch {
      record.status = .failed("setup")
    }
    record.wallSeconds = seconds(ContinuousClock.now - clock)
    return record
  }
}

/// Set by the thread that runs an ensemble, read by it afterwards.
private final class StopFlag: @unchecked Sendable {
  var raised = false
}
