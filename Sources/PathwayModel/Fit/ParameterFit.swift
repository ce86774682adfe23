import Foundation

/// A quantity a fit estimates: anything `--set` takes (a parameter, an input's constant dose, a
/// node's initial value `NODE.initial`, a logic-derived node's `NODE.tau`, `NODE.n`, `NODE.k`).
public struct FitQuantity: Sendable, Hashable {
  public enum Scale: String, Sendable, Hashable {
    /// Searched and reported on ln p (p > 0): steps are relative, intervals multiplicative.
    case log
    case linear
  }

  public var name: String
  public var scale: Scale
  public var lower: Double?
  public var upper: Double?
  /// Where the first start begins: the value in the first experiment's run unless given.
  public var start: Double
  /// For an observation scale `scale(X)` or `scale(X@EXPERIMENT)`: the measured variable X (in
  /// every experiment, or in that experiment only) whose simulated values it multiplies (data in
  /// arbitrary units); nil for a quantity of the model.
  public var scaledVariable: String?

  public init(name: String, scale: Scale, lower: Double? = nil, upper: Double? = nil, start: Double, scaledVariable: String? = nil) {
    self.name = name
    self.scale = scale
    self.lower = lower
    self.upper = upper
    self.start = start
    self.scaledVariable = scaledVariable
  }

  /// u: ln p on the log scale, p on the linear one.
  func u(_ p: Double) -> Double { scale == .log ? Foundation.log(p) : p }
  func p(_ u: Double) -> Double { scale == .log ? Foundation.exp(u) : u }

  /// The optimizer's coordinate θ: u itself without bounds; with bounds u = a + (b − a)·σ(θ)
  /// (σ the logistic function), so that every θ is inside them.
  func theta(_ p: Double) -> Double {
    guard let lower, let upper else { return u(p) }
    let a = u(lower), b = u(upper)
    let s = min(max((u(p) - a) / (b - a), 1e-12), 1 - 1e-12)
    return Foundation.log(s / (1 - s))
  }

  func value(_ theta: Double) -> Double {
    guard let lower, let upper else { return p(theta) }
    let a = u(lower), b = u(upper)
    return p(a + (b - a) / (1 + Foundation.exp(-theta)))
  }

  /// dp/dθ.
  func derivative(_ theta: Double) -> Double {
    let value = value(theta)
    let dpdu = scale == .log ? value : 1
    guard let lower, let upper else { return dpdu }
    let s = 1 / (1 + Foundation.exp(-theta))
    return dpdu * (u(upper) - u(lower)) * s * (1 - s)
  }
}

/// One experiment: a scenario (the layers every experiment shares, then its own) and its data.
public struct FitExperiment: Sendable {
  public var name: String
  public var scenario: Scenario
  public var data: ObservedData

  public init(name: String, scenario: Scenario, data: ObservedData) {
    self.name = name
    self.scenario = scenario
    self.data = data
  }
}

public struct FitOptions: Sendable {
  public var maximumIterations = 200
  /// Converged when a step changes every θ by less than xtol·(|θ| + xtol) …
  public var xtol = 1e-8
  /// … or the scaled gradient falls below gtol.
  public var gtol = 1e-8
  /// Optimizations from different starting points: the first from the quantities' starts, the
  /// others drawn uniformly (on each quantity's scale) inside the bounds, from `seed`.
  public var starts = 1
  public var seed: UInt64 = 0
  /// Threads the starts are spread over (the results do not depend on it).
  public var jobs = 1

  public init() {}
}

/// What a fit found.
public struct FitResult: Sendable {
  public struct Estimate: Sendable {
    public var quantity: FitQuantity
    public var value: Double
    /// Standard error on the quantity's scale (of ln p on the log scale); infinite when the
    /// data do not determine it.
    public var standardError: Double
    /// Approximate 95 % interval: exp(ln p ± 1.96·SE) on the log scale, p ± 1.96·SE on the linear.
    public var lower95: Double
    public var upper95: Double
    /// Whether the estimate sits at one of its bounds (its interval then means little).
    public var atBound: Bool
  }

  public struct Residual: Sendable {
    public var experiment: String
    public var time: Double
    public var variable: String
    public var observed: Double
    public var sd: Double
    public var simulated: Double
    /// (simulated − observed) / sd.
    public var residual: Double
  }

  public struct Start: Sendable {
    public var start: [Double]
    public var estimate: [Double]?
    public var cost: Double?
    public var iterations: Int
    public var status: String
  }

  public var estimates: [Estimate]
  /// Correlations of the estimates (on their scales).
  public var correlation: [[Double]]
  public var residuals: [Residual]
  /// Σ residual²: the weighted sum of squares (χ² when the data give standard deviations).
  public var sumOfSquares: Double
  public var observations: Int
  public var weighted: Bool
  /// n·ln(SS/n) + 2k without standard deviations (Gaussian errors of unknown variance), SS + 2k with them.
  public var aic: Double
  public var bic: Double
  public var iterations: Int
  public var evaluations: Int
  public var jacobianEvaluations: Int
  /// Why the best start stopped: small step, small gradient, no progress, or the iteration limit.
  public var stop: String
  public var converged: Bool
  /// How ∂r/∂p was computed.
  public var jacobianMethod: String
  public var starts: [Start]
  public var best: Int
}

/// Fits quantities of a model to measured time courses by weighted non-linear least squares:
/// minimizes Σ ((y_sim − y_obs)/σ)² over every measured value of every experiment with GSL's
/// trust-region Levenberg–Marquardt (`gsl_multifit_nlinear`).
///
/// ∂y/∂p comes from the forward sensitivity equations (`ForwardSensitivity`), exact to the
/// integrator's tolerance; for models they do not cover (events, delays) from central
/// differences of whole runs, and the result says which. Bounded quantities are searched
/// through a logistic map, so that no step leaves the bounds. Standard errors come from
/// (JᵀJ)⁻¹ at the optimum, scaled by SS/(n − k) when the data give no standard deviations.
public final class ParameterFit: @unchecked Sendable {
  public let ode: ODEModel
  public private(set) var experiments: [FitExperiment]
  public private(set) var quantities: [FitQuantity]
  /// Why the sensitivity equations are not used (nil when they are).
  public let sensitivityRefusal: String?
  /// Every measured value (experiment order, then the data's order) and 1/σ of each: the data
  /// do not change during a fit (a profile's held values change the scenarios only).
  private let observed: [Double]
  private let weights: [Double]
  private var observationCount: Int { observed.count }
  /// Each experiment's sensitivity system, built once and rebased on every run.
  private var sensitivityCache: [Int: ForwardSensitivity] = [:]
  /// Jacobians computed by central differences because the sensitivities failed there.
  private var finiteDifferenceFallbacks = 0

  /// Sets the fit up: checks every quantity and data column against the model.
  ///
  /// - Parameters:
  ///   - quantities: name, scale (nil: log when the start is positive and no bound is ≤ 0),
  ///     bounds and start (nil: the value in the first experiment's run).
  public init(
    ode: ODEModel, experiments: [FitExperiment],
    quantities specs: [(name: String, scale: FitQuantity.Scale?, lower: Double?, upper: Double?, start: Double?)],
    scales: [String] = []
  ) throws(PathwayError) {
    self.ode = ode
    self.experiments = experiments
    guard !specs.isEmpty || !scales.isEmpty else { throw PathwayError(.usage, "name at least one quantity to fit (--fit)") }
    guard !experiments.isEmpty else { throw PathwayError(.usage, "give at least one data file (--data)") }

    // The experiments: every data column an output, every time inside the run.
    for experiment in experiments {
      let data = experiment.data
      for (v, variable) in data.variables.enumerated() {
        var probe = Self.scenario(experiment, names: [], values: [])
        probe.output.select = [variable]
        do throws(PathwayError) {
          _ = try ode.compileOutputs(try probe.resolve(for: ode).columns)
        } catch {
          throw PathwayError(
            .invalidInput, at: data.variableLocations[v],
            "data column '\(variable)' is not an output of the model: \(error.diagnostics.first?.message ?? "\(error)")",
            notes: error.diagnostics.first?.notes ?? [])
        }
      }
      let run = try Self.scenario(experiment, names: [], values: []).resolve(for: ode)
      if let early = data.times.first, early < run.start {
        let where_ = data.observations.first { data.times[$0.time] == early }?.location
        throw PathwayError(
          .invalidInput, at: where_, "data at t = \(formatNumber(early)) is before the run starts (t = \(formatNumber(run.start)))")
      }
      guard let last = data.times.last, last > run.start else {
        throw PathwayError(.invalidInput, at: data.variableLocations.first, "the data file has no time after the start of the run")
      }
    }

    // The quantities, with their values in the first experiment's run.
    let reference = try Self.scenario(experiments[0], names: [], values: []).resolve(for: ode)
    var quantities: [FitQuantity] = []
    var seen: [SettingTarget: String] = [:]
    for spec in specs {
      let target: SettingTarget
      switch ode.settingTarget(spec.name) {
      case .failure(let problem): throw PathwayError(.usage, "--fit \(spec.name): \(problem.message)", notes: problem.notes)
      case .success(let t): target = t
      }
      if let twin = seen[target] { throw PathwayError(.usage, "--fit \(spec.name) names the same quantity as \(twin)") }
      seen[target] = spec.name
      var start: Double
      if let given = spec.start {
        start = given
      } else {
        switch target.baseValue(in: reference, ode: ode) {
        case .failure(let problem): throw PathwayError(.usage, "cannot fit '\(spec.name)': \(problem.message)", notes: problem.notes)
        case .success(let v): start = v
        }
      }
      if let lower = spec.lower, let upper = spec.upper, !(lower < upper) {
        throw PathwayError(.usage, "--fit \(spec.name): the lower bound \(formatNumber(lower)) is not below the upper \(formatNumber(upper))")
      }
      if (spec.lower == nil) != (spec.upper == nil) {
        throw PathwayError(.usage, "--fit \(spec.name): give both bounds (name=lower:upper) or none")
      }
      let positive = start > 0 && (spec.lower.map { $0 > 0 } ?? true)
      let scale = spec.scale ?? (positive ? .log : .linear)
      if scale == .log && !positive {
        throw PathwayError(
          .usage, "--fit \(spec.name): a log scale needs a positive start and bounds (start \(formatNumber(start)))",
          notes: ["--linear \(spec.name) searches it on a linear scale"])
      }
      if let lower = spec.lower, let upper = spec.upper, !(start > lower && start < upper) {
        start = scale == .log ? (lower * upper).squareRoot() : (lower + upper) / 2
      }
      guard start.isFinite else { throw PathwayError(.usage, "--fit \(spec.name): its start is not finite") }
      quantities.append(FitQuantity(name: spec.name, scale: scale, lower: spec.lower, upper: spec.upper, start: start))
    }
    // Observation scales: one factor per measured variable, shared by the experiments; each
    // starts from its best value for the starting quantities (`fit`).
    // `X@EXPERIMENT`: a factor of X in that experiment only (it wins over a shared `X` there).
    let measured = Set(experiments.flatMap(\.data.variables))
    for key in scales {
      var variable = key
      if let at = key.lastIndex(of: "@") {
        variable = String(key[..<at])
        let name = String(key[key.index(after: at)...])
        guard let experiment = experiments.first(where: { $0.name == name }) else {
          throw PathwayError(
            .usage, "--scale \(key): no experiment '\(name)'", notes: ["experiments: " + experiments.map(\.name).joined(separator: ", ")])
        }
        guard experiment.data.variables.contains(variable) else {
          throw PathwayError(.usage, "--scale \(key): experiment '\(name)' does not measure '\(variable)'")
        }
      }
      guard measured.contains(variable) else {
        throw PathwayError(
          .usage, "--scale \(key): no data file measures '\(variable)'",
          notes: ["measured: " + measured.sorted().joined(separator: ", ")])
      }
      if quantities.contains(where: { $0.scaledVariable == key }) {
        throw PathwayError(.usage, "--scale \(key) is given twice")
      }
      quantities.append(FitQuantity(name: "scale(\(key))", scale: .log, start: 1, scaledVariable: key))
    }
    self.quantities = quantities
    observed = experiments.flatMap { $0.data.observations.map(\.value) }
    weights = experiments.flatMap { $0.data.observations.map { 1 / $0.sd } }
    guard observed.count >= quantities.count else {
      throw PathwayError(.usage, "\(observed.count) measured value(s) cannot determine \(quantities.count) quantities")
    }

    // Sensitivity equations where they apply.
    var refusal: String? = nil
    var built: ForwardSensitivity? = nil
    do throws(PathwayError) {
      let names = quantities.filter { $0.scaledVariable == nil }.map(\.name)
      if !names.isEmpty { built = try ForwardSensitivity(ode: ode, run: reference, parameters: names) }
    } catch {
      guard error.kind == .invalidInput else { throw error }
      refusal = error.diagnostics.first?.message ?? "\(error)"
    }
    sensitivityRefusal = refusal
    // The first experiment's system, for its first Jacobian (the columns are the data's).
    if let built, built.variables == experiments[0].data.variables { sensitivityCache[0] = built }
    updateScaleSources()
  }

  /// Where each observation's scale comes from: a fitted `scale(X)`, a value held by a profile,
  /// or none (1).
  private enum ScaleSource {
    case none
    case quantity(Int)
    case fixed(Double)
  }
  private var scaleSources: [ScaleSource] = []
  /// Observation scales held at a value (a profile of one).
  private var fixedScales: [String: Double] = [:]

  private func updateScaleSources() {
    var byVariable: [String: Int] = [:]
    for (j, q) in quantities.enumerated() { if let v = q.scaledVariable { byVariable[v] = j } }
    scaleSources = experiments.flatMap { e in
      e.data.observations.map { o -> ScaleSource in
        let v = e.data.variables[o.variable]
        for key in ["\(v)@\(e.name)", v] {
          if let j = byVariable[key] { return .quantity(j) }
          if let f = fixedScales[key] { return .fixed(f) }
        }
        return .none
      }
    }
  }

  /// The model's quantities (not the observation scales): their indices and names.
  private var modelIndices: [Int] { quantities.indices.filter { quantities[$0].scaledVariable == nil } }
  private var modelNames: [String] { modelIndices.map { quantities[$0].name } }

  /// The scale of each observation at `values` (of all quantities).
  private func observationScales(_ values: [Double]) -> [Double] {
    scaleSources.map { source in
      switch source {
      case .none: return 1
      case .quantity(let j): return values[j]
      case .fixed(let f): return f
      }
    }
  }

  /// (s·y − observed)/σ for every observation, at `values` of all quantities.
  private func residuals(_ values: [Double]) -> [Double]? {
    guard let e = simulate(values, sensitivities: false) else { return nil }
    let w = weights, y = observed, scales = observationScales(values)
    return (0..<observationCount).map { (scales[$0] * e.simulated[$0] - y[$0]) * w[$0] }
  }

  /// Each observation scale's best value for the model at `values` (Σ y·obs/σ² / Σ y²/σ²), or 1.
  private func bestScales(_ values: [Double]) -> [Double] {
    var result = values
    guard quantities.contains(where: { $0.scaledVariable != nil }), let e = simulate(values, sensitivities: false) else { return result }
    let w = weights, y = observed
    for (j, _) in quantities.enumerated() where quantities[j].scaledVariable != nil {
      var numerator = 0.0, denominator = 0.0
      for (i, source) in scaleSources.enumerated() {
        guard case .quantity(let q) = source, q == j else { continue }
        numerator += e.simulated[i] * y[i] * w[i] * w[i]
        denominator += e.simulated[i] * e.simulated[i] * w[i] * w[i]
      }
      let best = numerator / denominator
      result[j] = best.isFinite && best > 0 ? best : 1
    }
    return result
  }

  /// The experiment's scenario with the quantities set, its output grid the data's times.
  static func scenario(_ experiment: FitExperiment, names: [String], values: [Double]) -> Scenario {
    var s = experiment.scenario
    for (name, value) in zip(names, values) { s.settings.append(Scenario.Setting(target: name, value: value)) }
    s.time.end = experiment.data.times.last
    s.time.grid = .times(experiment.data.times)
    s.output.select = experiment.data.variables
    s.expectations = []
    return s
  }

  /// The experiment's scenario at `values` with a grid of `points` times over its data's span
  /// (for drawing the fitted curves).
  public func scenario(_ e: Int, values: [Double], points: Int) -> Scenario {
    var s = Self.scenario(experiments[e], names: modelNames, values: modelIndices.map { values[$0] })
    s.time.grid = .steps(max(1, points - 1))
    return s
  }

  private struct Evaluation {
    var simulated: [Double]
    /// Row-major observations × the model's quantities: ∂y/∂p.
    var sensitivities: [Double]?
  }

  /// The simulated value of every observation (experiment order, then the data's order) at p.
  private func simulate(_ all: [Double], sensitivities: Bool) -> Evaluation? {
    let names = modelNames
    let values = modelIndices.map { all[$0] }
    var simulated: [Double] = []
    var derivatives: [Double] = []
    for (e, experiment) in experiments.enumerated() {
      let data = experiment.data
      guard let run = try? Self.scenario(experiment, names: names, values: values).resolve(for: ode) else { return nil }
      if sensitivities {
        let analysis: ForwardSensitivity
        do throws(PathwayError) {
          if let cached = sensitivityCache[e] {
            analysis = try cached.rebased(on: run)
          } else {
            analysis = try ForwardSensitivity(ode: ode, run: run, parameters: names)
          }
        } catch {
          return nil
        }
        sensitivityCache[e] = analysis
        guard let result = try? analysis.solve(), result.failure == nil, result.jump == nil else { return nil }
        guard let rows = Self.rows(of: data.times, in: result.trajectory.times) else { return nil }
        for o in data.observations {
          simulated.append(result.value(row: rows[o.time], variable: o.variable))
          for j in names.indices { derivatives.append(result.sensitivity(row: rows[o.time], variable: o.variable, parameter: j)) }
        }
      } else {
        guard let solution = try? run.simulate(ode), solution.failure == nil,
          let rows = Self.rows(of: data.times, in: solution.trajectory.times)
        else { return nil }
        for o in data.observations { simulated.append(solution.trajectory.value(row: rows[o.time], column: o.variable)) }
      }
    }
    return Evaluation(simulated: simulated, sensitivities: sensitivities ? derivatives : nil)
  }

  /// The row of each time (its first occurrence).
  private static func rows(of times: [Double], in trajectory: [Double]) -> [Int]? {
    var index: [Double: Int] = [:]
    for (i, t) in trajectory.enumerated() where index[t] == nil { index[t] = i }
    var rows: [Int] = []
    for t in times {
      guard let r = index[t] else { return nil }
      rows.append(r)
    }
    return rows
  }


  /// ∂r/∂p (row-major observations × quantities) at p: sensitivity equations, else central
  /// differences of whole runs on each quantity's scale; an observation scale's column is y/σ.
  private func jacobian(_ values: [Double]) -> [Double]? {
    let k = quantities.count
    let w = weights
    let scales = observationScales(values)
    let model = modelIndices
    var J = [Double](repeating: 0, count: observationCount * k)
    var y: [Double]? = nil
    var done = model.isEmpty
    if !done && sensitivityRefusal == nil {
      if let e = simulate(values, sensitivities: true), let s = e.sensitivities {
        for i in 0..<observationCount {
          for (m, j) in model.enumerated() { J[i * k + j] = scales[i] * s[i * model.count + m] * w[i] }
        }
        y = e.simulated
        done = true
      } else {
        // The sensitivities failed here (a switch the trajectory grazes, a solver failure in the
        // larger system): central differences of whole runs instead.
        finiteDifferenceFallbacks += 1
      }
    }
    if !done {
      for j in model {
        let q = quantities[j]
        let u = q.u(values[j])
        let h = 1e-4 * max(abs(u), q.scale == .log ? 1 : 1e-3)
        var up = values, down = values
        up[j] = q.p(u + h)
        down[j] = q.p(u - h)
        guard let a = simulate(up, sensitivities: false), let b = simulate(down, sensitivities: false) else { return nil }
        let dpdu = q.scale == .log ? values[j] : 1
        for i in 0..<observationCount { J[i * k + j] = scales[i] * (a.simulated[i] - b.simulated[i]) / (2 * h) / dpdu * w[i] }
      }
    }
    for (i, source) in scaleSources.enumerated() {
      guard case .quantity(let j) = source else { continue }
      if y == nil { y = simulate(values, sensitivities: false)?.simulated }
      guard let y else { return nil }
      J[i * k + j] = y[i] * w[i]
    }
    return J
  }

  /// A copy of the problem with its own caches (for another thread).
  private init(copying other: ParameterFit) {
    ode = other.ode
    experiments = other.experiments
    quantities = other.quantities
    sensitivityRefusal = other.sensitivityRefusal
    observed = other.observed
    weights = other.weights
    fixedScales = other.fixedScales
    updateScaleSources()
  }

  /// One Levenberg–Marquardt minimization from `start` (values of the quantities); `progress`
  /// sees each iteration's number and Σr².
  private func optimize(
    _ start: [Double], options: FitOptions, progress: (Int, Double) -> Void
  ) throws(PathwayError) -> GSLLeastSquares.Outcome {
    let k = quantities.count, n = observationCount
    let quantities = self.quantities
    func values(_ theta: [Double]) -> [Double] { zip(quantities, theta).map { $0.value($1) } }
    let residuals: ([Double]) -> [Double]? = { theta in self.residuals(values(theta)) }
    let thetaJacobian: ([Double]) -> [Double]? = { theta in
      let p = values(theta)
      guard let J = self.jacobian(p) else { return nil }
      let chain = zip(quantities, theta).map { $0.derivative($1) }
      return J.indices.map { J[$0] * chain[$0 % k] }
    }
    do throws(PathwayError) {
      return try GSLLeastSquares.minimize(
        n: n, start: zip(quantities, start).map { $0.theta($1) }, maximumIterations: options.maximumIterations,
        xtol: options.xtol, gtol: options.gtol, ftol: 0, residuals: residuals, jacobian: thetaJacobian,
        progress: { iteration, _, cost in progress(iteration, 2 * cost) })
    } catch {
      guard error.diagnostics.first?.message == GSLLeastSquares.startFailure, let reason = failureReason(start) else { throw error }
      throw PathwayError(.simulationFailed, GSLLeastSquares.startFailure + ": " + reason)
    }
  }

  /// Why the runs fail at `all` (values of every quantity): the first experiment's setup error
  /// or solver failure (time, step size and state), nil when they do not.
  private func failureReason(_ all: [Double]) -> String? {
    let names = modelNames
    let values = modelIndices.map { all[$0] }
    for experiment in experiments {
      do throws(PathwayError) {
        let solution = try Self.scenario(experiment, names: names, values: values).resolve(for: ode).simulate(ode)
        if let failure = solution.failure { return "\(experiment.name): \(failure)" }
      } catch {
        return "\(experiment.name): \(error.diagnostics.first?.message ?? "\(error)")"
      }
    }
    return nil
  }

  /// The profile of one quantity: the best sum of squares with it held at each value and the
  /// others fitted again, and where that crosses the threshold of a 95 % likelihood-ratio
  /// interval (Δχ² = 3.84; n·ln(SS/SSmin) when the data give no standard deviations).
  public struct Profile: Sendable {
    public struct Point: Sendable {
      public var value: Double
      public var sumOfSquares: Double
      /// Δχ² (or n·ln(SS/SSmin)) against the optimum.
      public var delta: Double
      public var status: String
    }
    public var quantity: String
    public var points: [Point]
    /// Where the profile crosses the threshold, nil where it stays below it within the bounds
    /// or the steps (the data do not bound the quantity on that side).
    public var lower95: Double?
    public var upper95: Double?
    public static let threshold = 3.841458820694124
  }

  /// Profiles every quantity around a fit's optimum: steps outward on the quantity's scale
  /// (half a standard error at first, doubling while the profile stays flat) until the
  /// threshold is crossed, a bound is reached or `maximumSteps` points were taken per side,
  /// fitting the other quantities again at each point from the previous point's values.
  public func profiles(
    around result: FitResult, options: FitOptions, maximumSteps: Int = 20,
    progress: (String, Int, Double) -> Void = { _, _, _ in }
  ) -> [Profile] {
    let n = Double(observationCount)
    let best = result.sumOfSquares
    func delta(_ ss: Double) -> Double {
      result.weighted ? ss - best : n * Foundation.log(max(ss, .leastNonzeroMagnitude) / max(best, .leastNonzeroMagnitude))
    }
    var profiles: [Profile] = []
    for (j, estimate) in result.estimates.enumerated() {
      let q = estimate.quantity
      let u0 = q.u(estimate.value)
      let firstStep = estimate.standardError.isFinite && estimate.standardError > 0
        ? 0.5 * estimate.standardError : (q.scale == .log ? 0.1 : 0.1 * max(abs(u0), 1e-3))
      var points = [Profile.Point(value: estimate.value, sumOfSquares: best, delta: 0, status: "optimum")]
      var crossing: [Double: Double] = [:]
      for direction in [-1.0, 1.0] {
        let sub = ParameterFit(copying: self, holding: j, at: estimate.value, others: result.estimates.map(\.value))
        var u = u0
        var step = firstStep
        var previous = (u: u0, delta: 0.0)
        for i in 1...max(1, maximumSteps) {
          u += direction * step
          if let lower = q.lower, let upper = q.upper, !(u > q.u(lower) && u < q.u(upper)) { break }
          let value = q.p(u)
          guard value.isFinite, q.scale == .linear || value > 0 else { break }
          sub.hold(at: value)
          let (ss, status) = sub.refit(options: options)
          let d = ss.map(delta) ?? .nan
          points.append(Profile.Point(value: value, sumOfSquares: ss ?? .nan, delta: d, status: status))
          progress(q.name, i * Int(direction), d)
          guard d.isFinite else { continue }
          if d >= Profile.threshold {
            // The crossing, by regula falsi on the quantity's scale between the last point below
            // the threshold and this one (three refits; the profile is smooth there).
            var (a, da) = (previous.u, previous.delta), (b, db) = (u, d)
            for _ in 0..<3 {
              let at = a + (Profile.threshold - da) / (db - da) * (b - a)
              sub.hold(at: q.p(at))
              let (ss, status) = sub.refit(options: options)
              guard let ss else { break }
              let dm = delta(ss)
              points.append(Profile.Point(value: q.p(at), sumOfSquares: ss, delta: dm, status: status))
              if abs(dm - Profile.threshold) < 1e-3 { (a, da, b, db) = (at, dm, at, dm); break }
              if dm < Profile.threshold { (a, da) = (at, dm) } else { (b, db) = (at, dm) }
            }
            crossing[direction] = q.p(db == da ? a : a + (Profile.threshold - da) / (db - da) * (b - a))
            break
          }
          if d < Profile.threshold / 8 { step *= 2 }
          previous = (u, d)
        }
      }
      points.sort { $0.value < $1.value }
      profiles.append(Profile(quantity: q.name, points: points, lower95: crossing[-1], upper95: crossing[1]))
    }
    return profiles
  }

  /// The quantity of index `held` removed from the fitted ones and held at `value` in every
  /// experiment; the others start from `others` (all quantities' values).
  private var baseExperiments: [FitExperiment] = []
  private var heldName: String? = nil

  private var heldScale: String? = nil

  private init(copying other: ParameterFit, holding held: Int, at value: Double, others: [Double]) {
    ode = other.ode
    baseExperiments = other.experiments
    experiments = other.experiments
    var kept = other.quantities
    let removed = kept.remove(at: held)
    if let v = removed.scaledVariable { heldScale = v } else { heldName = removed.name }
    var starts = others
    starts.remove(at: held)
    for i in kept.indices { kept[i].start = starts[i] }
    quantities = kept
    sensitivityRefusal = other.sensitivityRefusal
    observed = other.observed
    weights = other.weights
    fixedScales = other.fixedScales
    hold(at: value)
  }

  private func hold(at value: Double) {
    if let heldScale {
      fixedScales[heldScale] = value
    } else if let heldName {
      experiments = baseExperiments.map { e in
        var e = e
        e.scenario.settings.append(Scenario.Setting(target: heldName, value: value))
        return e
      }
    }
    updateScaleSources()
  }

  /// Fits the quantities left again from where the last fit ended; Σr² (nil when it failed) and a status.
  private func refit(options: FitOptions) -> (Double?, String) {
    if quantities.isEmpty {
      guard let r = residuals([]) else { return (nil, "failed: the simulation failed") }
      return (r.reduce(0) { $0 + $1 * $1 }, "evaluated")
    }
    do throws(PathwayError) {
      let outcome = try optimize(quantities.map(\.start), options: options) { _, _ in }
      let values = zip(quantities, outcome.position).map { $0.value($1) }
      for i in quantities.indices { quantities[i].start = values[i] }
      return (outcome.residuals.reduce(0) { $0 + $1 * $1 }, Self.describe(outcome.stop))
    } catch {
      return (nil, "failed: \(error.diagnostics.first?.message ?? "\(error)")")
    }
  }

  /// Runs the fit; `progress` sees (start, iteration, Σr²) as it goes.
  public func fit(options: FitOptions, progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws(PathwayError) -> FitResult {
    let k = quantities.count
    let n = observationCount
    if options.starts > 1, let unbounded = quantities.first(where: { $0.lower == nil && $0.scaledVariable == nil }) {
      throw PathwayError(
        .usage, "--starts \(options.starts) draws starting points inside the bounds, but '\(unbounded.name)' has none",
        notes: ["give every quantity bounds: --fit \(unbounded.name)=lower:upper"])
    }
    var quantities = self.quantities

    var random = Xoshiro256StarStar(seed: options.seed)
    var startPoints: [[Double]] = [quantities.map(\.start)]
    for _ in 1..<max(1, options.starts) {
      startPoints.append(
        quantities.map { q in
          guard let lower = q.lower, let upper = q.upper else { return q.start }
          let a = q.u(lower), b = q.u(upper)
          return q.p(a + (b - a) * random.nextUnitDouble())
        })
    }
    // Observation scales start from their best value for each start's model quantities.
    startPoints = startPoints.map(bestScales)
    for j in quantities.indices where quantities[j].scaledVariable != nil { quantities[j].start = startPoints[0][j] }
    self.quantities = quantities
    let fitted = quantities
    func values(_ theta: [Double]) -> [Double] { zip(fitted, theta).map { $0.value($1) } }
    // The starts, on `jobs` threads: each thread has its own copy of the problem (its own
    // sensitivity systems), and every start's result is the same whichever thread ran it.
    let workers = max(1, min(options.jobs, startPoints.count))
    var outcomes: [Result<GSLLeastSquares.Outcome, PathwayError>]
    if workers == 1 {
      outcomes = []
      for (s, start) in startPoints.enumerated() {
        do throws(PathwayError) {
          outcomes.append(.success(try optimize(start, options: options) { progress(s, $0, $1) }))
        } catch {
          outcomes.append(.failure(error))
        }
      }
    } else {
      let copies = (0..<workers).map { $0 == 0 ? self : ParameterFit(copying: self) }
      let lock = NSLock()
      let perWorker = parallelMap(workers) { w -> [(Int, Result<GSLLeastSquares.Outcome, PathwayError>)] in
        stride(from: w, to: startPoints.count, by: workers).map { s in
          do throws(PathwayError) {
            return (s, .success(try copies[w].optimize(startPoints[s], options: options) { iteration, cost in
              lock.lock()
              progress(s, iteration, cost)
              lock.unlock()
            }))
          } catch {
            return (s, .failure(error))
          }
        }
      }
      outcomes = perWorker.flatMap { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
      for copy in copies.dropFirst() { finiteDifferenceFallbacks += copy.finiteDifferenceFallbacks }
    }
    var records: [FitResult.Start] = []
    var best: (index: Int, outcome: GSLLeastSquares.Outcome)? = nil
    var firstError: PathwayError? = nil
    for (s, (start, outcome)) in zip(startPoints, outcomes).enumerated() {
      switch outcome {
      case .success(let outcome):
        let cost = outcome.residuals.reduce(0) { $0 + $1 * $1 }
        records.append(
          FitResult.Start(
            start: start, estimate: values(outcome.position), cost: cost, iterations: outcome.iterations,
            status: Self.describe(outcome.stop)))
        if best == nil || cost < best!.outcome.residuals.reduce(0, { $0 + $1 * $1 }) { best = (s, outcome) }
      case .failure(let error):
        firstError = firstError ?? error
        records.append(
          FitResult.Start(start: start, estimate: nil, cost: nil, iterations: 0, status: "failed: \(error.diagnostics.first?.message ?? "\(error)")"))
      }
    }
    guard let best else { throw firstError ?? PathwayError(.simulationFailed, "no start of the fit finished") }

    // Estimates, their uncertainty on each quantity's own scale, and the residuals.
    let theta = best.outcome.position
    let estimate = values(theta)
    let sumOfSquares = best.outcome.residuals.reduce(0) { $0 + $1 * $1 }
    let weighted = experiments.contains { $0.data.weighted }
    let dof = n - k
    let scale2 = weighted ? 1 : (dof > 0 ? sumOfSquares / Double(dof) : .nan)
    var standardErrors = [Double](repeating: .infinity, count: k)
    var correlation = [[Double]](repeating: [Double](repeating: .nan, count: k), count: k)
    if let J = jacobian(estimate) {
      let Ju = J.indices.map { J[$0] * (quantities[$0 % k].scale == .log ? estimate[$0 % k] : 1) }
      if let C = GSLLeastSquares.covariance(jacobian: Ju, n: n, p: k) {
        for j in 0..<k where C[j * k + j] > 0 { standardErrors[j] = (C[j * k + j] * scale2).squareRoot() }
        for a in 0..<k {
          for b in 0..<k where C[a * k + a] > 0 && C[b * k + b] > 0 && C[a * k + a].isFinite && C[b * k + b].isFinite {
            correlation[a][b] = C[a * k + b] / (C[a * k + a] * C[b * k + b]).squareRoot()
          }
        }
      }
    }
    var estimates: [FitResult.Estimate] = []
    for (j, q) in quantities.enumerated() {
      let se = standardErrors[j]
      let u = q.u(estimate[j])
      var atBound = false
      if q.lower != nil {
        let s = 1 / (1 + Foundation.exp(-theta[j]))
        atBound = s < 1e-6 || s > 1 - 1e-6
      }
      estimates.append(
        FitResult.Estimate(
          quantity: q, value: estimate[j], standardError: se, lower95: q.p(u - 1.96 * se), upper95: q.p(u + 1.96 * se),
          atBound: atBound))
    }
    var rows: [FitResult.Residual] = []
    var i = 0
    for experiment in experiments {
      for o in experiment.data.observations {
        let r = best.outcome.residuals[i]
        rows.append(
          FitResult.Residual(
            experiment: experiment.name, time: experiment.data.times[o.time], variable: experiment.data.variables[o.variable],
            observed: o.value, sd: o.sd, simulated: o.value + r * o.sd, residual: r))
        i += 1
      }
    }
    let nd = Double(n), kd = Double(k)
    let information = weighted ? sumOfSquares : nd * Foundation.log(max(sumOfSquares, .leastNonzeroMagnitude) / nd)
    return FitResult(
      estimates: estimates, correlation: correlation, residuals: rows, sumOfSquares: sumOfSquares, observations: n,
      weighted: weighted, aic: information + 2 * kd, bic: information + kd * Foundation.log(nd),
      iterations: best.outcome.iterations, evaluations: best.outcome.evaluations,
      jacobianEvaluations: best.outcome.jacobianEvaluations, stop: Self.describe(best.outcome.stop),
      converged: best.outcome.stop != .maximumIterations,
      jacobianMethod: sensitivityRefusal == nil
        ? "forward sensitivity equations"
          + (finiteDifferenceFallbacks > 0
            ? " (central differences of whole runs for \(finiteDifferenceFallbacks) evaluation(s) where they failed)" : "")
        : "central differences of whole runs (\(sensitivityRefusal!))",
      starts: records, best: best.index)
  }

  static func describe(_ stop: GSLLeastSquares.Stop) -> String {
    switch stop {
    case .smallStep: return "converged: the step fell below xtol"
    case .smallGradient: return "converged: the gradient fell below gtol"
    case .noProgress: return "converged: no step reduces the sum of squares further"
    case .maximumIterations: return "stopped at the iteration limit"
    }
  }
}
