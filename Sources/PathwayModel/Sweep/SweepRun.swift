import Foundation

/// Everything the runs of a continuous sweep share, resolved once: the compiled model, the
/// scenario resolved against it, the swept targets, the metrics and the output grid. Read-only
/// after construction, so every worker thread uses the same instance.
public final class SweepSetup: SweepSource {
  public let ode: ODEModel
  public let plan: SweepPlan
  /// The layered scenario resolved once; each run starts from its parameters.
  public let base: ResolvedRun
  /// One resolved target per swept dimension.
  public let targets: [SettingTarget]
  public let metrics: [Metric]
  /// The trajectory column of each metric's variable.
  public let metricColumns: [Int]
  /// The scenario's output grid plus every `value(X,t)` time.
  public let times: [Double]
  /// The scenario's output times, when `value(X,t)` metrics added others (nil otherwise). Rows at
  /// the added times serve `value(X,t)` only: the other metrics and saved trajectories see the
  /// grid alone, so that adding a `value` metric never changes `auc`, `tcross`, `max` or `tmax`.
  public let gridTimes: Set<Double>?
  /// Trajectory columns written by `--save-trajectories` (the scenario's selection, or all).
  public let trajectoryColumns: [Int]
  public let trajectoryNames: [String]
  /// The compiled output columns of every run: the selection, then the metrics' variables.
  public let outputPlan: OutputPlan
  /// Swept parameters: initial assignments leave them at their swept value.
  public let sweptParameters: Set<String>

  /// Resolves `scenario` and the spec's targets and metrics against `ode`. Unknown names and
  /// out-of-range values are usage errors (exit 64) when they come from the command line, and
  /// located errors (exit 65) when a sweep or scenario file wrote them.
  public init(ode: ODEModel, scenario: Scenario, spec: SweepSpec) throws(PathwayError) {
    self.ode = ode
    // The output columns: the scenario's selection (or every node and assignment), then the
    // variables metrics need that it leaves out; resolved as `run` resolves its columns.
    let selection = try scenario.resolve(for: ode)
    let selected = selection.columns.map(\.name)
    var measured = scenario
    let known = Set(ode.selectableNames)
    var extra: [String] = []
    for text in spec.metrics {
      if case .success(let metric) = Metric.parse(text), known.contains(metric.variable), !selected.contains(metric.variable),
        !extra.contains(metric.variable)
      {
        extra.append(metric.variable)
      }
    }
    let outputs = selected + extra
    measured.output.select = outputs
    var base = extra.isEmpty ? selection : try measured.resolve(for: ode)
    base.record = selection.record
    self.base = base
    let base0 = base
    self.outputPlan = try ode.compileOutputs(base.columns)
    var usage = DiagnosticBag()
    var located = DiagnosticBag()
    func report(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
      if let location { located.error(location, message, notes: notes) } else { usage.error(nil, message, notes: notes) }
    }
    for problem in spec.validate() { report(spec.location(of: problem), problem.message, notes: problem.notes) }
    var targets: [SettingTarget] = []
    var sweptAs: [SettingTarget: String] = [:]
    // Each quantity's value in the scenario, when the design needs it (oat, fold:).
    let needsBase = spec.sampling.needsBaseValues || spec.dimensions.contains(where: \.isRelative)
    var baseValues: [Double] = []
    for dimension in spec.dimensions {
      switch ode.settingTarget(dimension.target) {
      case .failure(let problem):
        report(dimension.location, problem.message, notes: problem.notes)
      case .success(let target):
        var base: Double? = nil
        if needsBase {
          switch target.baseValue(in: base0, ode: ode) {
          case .success(let value): base = value
          case .failure(let problem):
            let why = dimension.isRelative ? "for fold: to multiply" : "for one-at-a-time sampling to vary it around"
            report(dimension.location, "\(dimension.target) has no single value in the scenario \(why) (\(problem.message))",
                   notes: ["give its values with lin:, log: or list:, or set it with --set \(dimension.target)=VALUE"])
          }
        }
        baseValues.append(base ?? .nan)
        let values = dimension.values(base: base) ?? [dimension.bounds.0, dimension.bounds.1]
        for value in [values.min() ?? 0, values.max() ?? 0] + (base.map { [$0] } ?? []) {
          if let problem = target.problem(with: value) {
            report(dimension.location, "\(dimension.target)=\(dimension.rangeText): \(problem)")
            break
          }
        }
        if let other = sweptAs[target], other != dimension.target {
          report(
            dimension.location, "'\(dimension.target)' and '\(other)' name the same quantity; sweep it once",
            notes: ["its runs would apply only one of the two values"])
        }
        sweptAs[target] = sweptAs[target] ?? dimension.target
        targets.append(target)
      }
    }
    var spec = spec
    if needsBase { spec.baseValues = baseValues }
    var metrics: [Metric] = []
    var columns: [Int] = []
    var extraTimes: [Double] = []
    for text in spec.metrics {
      guard case .success(let metric) = Metric.parse(text) else { continue }  // reported by validate()
      guard let column = outputs.firstIndex(of: metric.variable) else {
        report(
          spec.locations["metrics"], "unknown variable '\(metric.variable)' in the metric '\(text)'",
          notes: (didYouMean(metric.variable, among: outputs).map { [$0] } ?? []) + ["metrics take nodes, assignments and parameters"])
        continue
      }
      if let t = metric.requiredTime {
        if t < base.start || t > base.end {
          report(spec.locations["metrics"], "the metric '\(text)' asks for t = \(formatNumber(t)), outside [\(formatNumber(base.start)), \(formatNumber(base.end))]")
        }
        extraTimes.append(t)
      }
      metrics.append(metric)
      columns.append(column)
    }
    if metrics.contains(where: \.needsSteadyState), let reason = SteadyStateFinder.unsupportedReason(ode) {
      // A property of the model, as for `simulate steady-state` (exit 65), not of the command line.
      located.error(nil, "steady(X) metrics: \(reason)")
    }
    try located.throwIfErrors()
    try usage.throwIfErrors(.usage)
    self.plan = SweepPlan(spec)
    self.targets = targets
    self.sweptParameters = Set(zip(spec.dimensions, targets).compactMap { d, t in
      if case .parameter = t { return d.target } else { return nil }
    })
    self.metrics = metrics
    self.metricColumns = columns
    self.times = Array(Set(base.times + extraTimes)).sorted()
    let grid = Set(base.times)
    self.gridTimes = extraTimes.allSatisfy(grid.contains) ? nil : grid
    self.trajectoryNames = selected
    self.trajectoryColumns = Array(selected.indices)
  }

  /// The resolved scenario, with the kernel the workers evaluate rate laws with (`auto` resolved).
  public var record: [String: JSONValue] {
    var record = base.record
    let native: Bool
    switch base.options.kernel {
    case .interpreted: native = false
    case .native: native = true
    case .auto: native = (try? ode.nativeKernel(automatic: true)) != nil
    }
    record["kernel"] = .string(native ? KernelMode.native.rawValue : KernelMode.interpreted.rawValue)
    return record
  }

  public func makeWorker() throws(PathwayError) -> any SweepRunner { try SweepWorker(self) }

  /// The metrics a sweep measures when none are given: `final(X)` of each selected output, or
  /// of every node that is not an input.
  public static func defaultMetrics(ode: ODEModel, scenario: Scenario) -> [String] {
    let names = scenario.output.select.map { Scenario.expandSelection($0, among: ode.selectableNames).names } ?? ode.stateNames
    return names.map { "final(\($0))" }
  }
}

/// The outcome of one run, as a `runs.csv` row holds it.
public struct RunRecord: Sendable {
  public enum Status: Sendable, Hashable {
    case ok
    /// The solver (or the equilibration before it) failed: a short reason such as `nonfinite:x`.
    case failed(String)
    /// Never attempted, or stopped by an interruption before it finished.
    case notRun

    /// `ok`, `failed:<reason>` or `not_run`.
    public var text: String {
      switch self {
      case .ok: return "ok"
      case .failed(let reason): return "failed:" + reason
      case .notRun: return "not_run"
      }
    }

    public init?(text: String) {
      if text == "ok" {
        self = .ok
      } else if text == "not_run" {
        self = .notRun
      } else if text.hasPrefix("failed:") {
        self = .failed(String(text.dropFirst("failed:".count)))
      } else {
        return nil
      }
    }

    /// Ok and failed runs are finished; `--resume` recomputes only the others.
    public var isFinished: Bool { self != .notRun }
  }

  public var run: Int
  public var values: [Double]
  /// The swept columns as text, for sweeps whose quantities are not numbers (knockout sets).
  public var labels: [String] = []
  public var seed: UInt64
  public var status: Status
  /// One per metric; NaN where there is no value (written empty).
  public var metrics: [Double]
  public var statistics: SolverStatistics?
  /// Wall time of the run, equilibration included.
  public var wallSeconds: Double?
  /// The time course, kept only when trajectories are saved.
  public var trajectory: Trajectory?
  /// The record's output text, when the sweep formats it on the worker thread.
  public var text: String?
}

/// A worker's reusable state: one `ODESolver` (one GSL driver and workspace), used by one
/// thread only, and a small cache of equilibrated reference states (a sweep that varies only
/// doses equilibrates once per worker, not once per run).
public final class SweepWorker: SweepRunner {
  public let setup: SweepSetup
  public let solver: ODESolver
  /// For `steady(X)` metrics: built on first use, on this worker's solver.
  private lazy var steadyStates = SteadyStateFinder(solver: solver)
  private var steadyOutputs: [Double] = []
  private var cache: [(key: [Double], state: [Double])] = []
  private static let cacheSize = 8

  public init(_ setup: SweepSetup) throws(PathwayError) {
    self.setup = setup
    self.solver = try ODESolver(setup.ode, options: setup.base.options, outputs: setup.outputPlan)
  }

  public func install(cancellation: @escaping @Sendable () -> Bool) {
    solver.workspace.cancellation = cancellation
  }

  /// The steady state the dynamics reach from the end of a run, so that a multistable model
  /// reports the branch its protocol led to: forward integration from the run's end into that
  /// branch, then Newton from there to polish it (kept when it stays put and is not unstable).
  /// Newton from the run's end alone can jump to another branch. When the integration stalls
  /// (a tolerance floor), Newton's own answer is taken if it is not unstable.
  private func steadyStateReached(_ parameters: RunParameters, from state: [Double], at time: Double) -> SteadyStateResult? {
    var integrate = SteadyStateOptions()
    integrate.method = .integrate
    var newton = SteadyStateOptions()
    newton.method = .newton
    if let reached = try? steadyStates.find(parameters, initial: state, at: time, options: integrate), reached.converged {
      if let polished = try? steadyStates.find(parameters, initial: reached.state, at: time, options: newton), polished.converged,
        polished.stability != "unstable",
        zip(polished.state, reached.state).allSatisfy({ abs($0 - $1) <= 1e-3 * max(abs($0), abs($1)) + 1e-12 })
      {
        return polished
      }
      return reached
    }
    guard let found = try? steadyStates.find(parameters, initial: state, at: time, options: SteadyStateOptions()),
      found.converged, found.stability != "unstable"
    else { return nil }
    return found
  }

  /// The rows of `trajectory` on the scenario's grid (all of them unless `value(X,t)` metrics
  /// added times).
  private func gridRows(of trajectory: Trajectory) -> Trajectory {
    guard let grid = setup.gridTimes else { return trajectory }
    var kept = Trajectory(names: trajectory.names)
    let width = trajectory.names.count
    for row in 0..<trajectory.rowCount where grid.contains(trajectory.times[row]) {
      kept.times.append(trajectory.times[row])
      kept.values.append(contentsOf: trajectory.values[(row * width)..<((row + 1) * width)])
    }
    return kept
  }

  /// Runs `run`. `keepTrajectory` keeps the time course in the record. Solver failures become
  /// `failed:<reason>`; a run stopped by `solver.workspace.cancellation` becomes `not_run`.
  public func execute(_ run: Int, keepTrajectory: Bool) -> RunRecord {
    let clock = ContinuousClock.now
    let plan = setup.plan
    let values = plan.values(of: run)
    var record = RunRecord(
      run: run, values: values, seed: plan.seed(of: run), status: .ok,
      metrics: [Double](repeating: .nan, count: setup.metrics.count))
    var run = setup.base
    run.times = setup.times
    run.explicitlySet.formUnion(setup.sweptParameters)
    for (target, value) in zip(setup.targets, values) {
      target.apply(value, to: &run.parameters, initialOverrides: &run.initialOverrides, in: setup.ode)
    }
    let solution: Solution
    let parameters: RunParameters
    do {
      let start = try run.startingPoint(with: solver) { (parameters, state, duration) throws(PathwayError) in
        try self.equilibrated(parameters, initial: state, duration: duration)
      }
      parameters = start.parameters
      solution = solver.solve(start.parameters, initial: start.state, start: run.start, end: run.end, times: run.times)
    } catch {
      let equilibrating = error.diagnostics.first?.message.hasPrefix("equilibrating") == true
      record.status = solver.workspace.cancelled ? .notRun : .failed(equilibrating ? "equilibration" : "setup")
      record.wallSeconds = seconds(since: clock)
      return record
    }
    record.statistics = solution.statistics
    if let failure = solution.failure {
      record.status = failure.reason == .cancelled ? .notRun : .failed(failure.code)
    } else {
      let onGrid = gridRows(of: solution.trajectory)
      for (m, metric) in setup.metrics.enumerated() {
        let rows = metric.requiredTime == nil ? onGrid : solution.trajectory
        record.metrics[m] = metric.evaluate(rows, column: setup.metricColumns[m])
      }
      if setup.metrics.contains(where: \.needsSteadyState) {
        if let steady = steadyStateReached(parameters, from: solution.finalState, at: run.end) {
          steadyOutputs.removeAll(keepingCapacity: true)
          steady.state.withUnsafeBufferPointer { solver.workspace.appendOutputs(run.end, $0.baseAddress!, to: &steadyOutputs) }
          for (m, metric) in setup.metrics.enumerated() where metric.needsSteadyState {
            record.metrics[m] = steadyOutputs[setup.metricColumns[m]]
          }
        }
        if solver.workspace.cancelled { record.status = .notRun }
      }
    }
    if keepTrajectory && record.status != .notRun { record.trajectory = gridRows(of: solution.trajectory) }
    record.wallSeconds = seconds(since: clock)
    return record
  }

  /// The equilibrated state, from the cache when a run with the same reference context (all
  /// parameters, τ, n and k; doses and perturbations do not enter it) was equilibrated before.
  private func equilibrated(_ parameters: RunParameters, initial: [Double], duration: Double) throws(PathwayError) -> [Double] {
    let key =
      parameters.parameters + parameters.tau + parameters.regulatorN + parameters.regulatorK + parameters.modulatorN
      + parameters.modulatorK + initial
    if let hit = cache.firstIndex(where: { $0.key == key }) {
      let entry = cache.remove(at: hit)
      cache.append(entry)
      return entry.state
    }
    let state = try solver.equilibrate(parameters, initial: initial, duration: duration)
    if cache.count == Self.cacheSize { cache.removeFirst() }
    cache.append((key, state))
    return state
  }

  private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }
}
