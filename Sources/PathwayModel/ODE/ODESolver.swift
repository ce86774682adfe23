import Foundation

/// Step control and limits of one continuous run.
public struct SolverOptions: Sendable, Hashable, Codable {
  public var method: Stepper
  /// Relative tolerance: each step keeps the local error below atol + rtol·|y| per component.
  public var rtol: Double
  /// Absolute tolerance (model units).
  public var atol: Double
  /// Largest step allowed; nil means no limit.
  public var hMax: Double?
  /// First trial step of each segment; nil means 1e-6 of the segment (at most `hMax`).
  public var hInitial: Double?
  /// The run fails after this many steps (accepted and rejected) in all.
  public var maxSteps: Int
  /// How the rate laws are evaluated (the numbers are the same either way).
  public var kernel: KernelMode = .default
  /// Whether atol is scaled per state (`ODEModel.absoluteToleranceScales`: by the compartment's
  /// size for SBML species reported as concentrations) or applies to every state as stored.
  public var atolScale: AbsoluteToleranceScale = .compartment
  /// Whether events after the start add two rows at their time, the state just before them and
  /// just after (the second left out when an output time falls on the event, whose row shows
  /// it). Off: rows lie on the output grid only.
  public var eventRows = false

  /// Defaults: rtol 1e-8, atol 1e-12. The absolute floor must sit far below the smallest
  /// quantity of interest (SBML models often carry amounts around 1e-6, where an atol of 1e-8
  /// is a 1 % error). GSL's msbdf controls only the local error, and its global error grows to
  /// 10–100 × rtol on problems that do not decay (measured: 2.4e-4 relative on exponential
  /// growth over 5 time constants at rtol 1e-6, 1.6e-6 at rtol 1e-8), so the default rtol is
  /// 1e-8, which gives global errors near 1e-6, like CVODE at 1e-6. A million steps is beyond
  /// any sane signalling run.
  public init(method: Stepper = .default, rtol: Double = 1e-8, atol: Double = 1e-12, hMax: Double? = nil,
              hInitial: Double? = nil, maxSteps: Int = 1_000_000) {
    self.method = method
    self.rtol = rtol
    self.atol = atol
    self.hMax = hMax
    self.hInitial = hInitial
    self.maxSteps = maxSteps
  }
}

extension Stepper: Codable {}

/// How the absolute tolerance applies to the states (see `SolverOptions.atolScale`).
public enum AbsoluteToleranceScale: String, Sendable, Hashable, Codable, CaseIterable {
  /// atol × the compartment's initial size for a species reported as a concentration.
  case compartment
  /// atol for every state as stored (amounts), as GSL's and CVODE's plain drivers apply it.
  case none
}

/// Work done by a solve, as GSL's evolve object and our counters report it.
public struct SolverStatistics: Sendable, Hashable, Codable {
  public var steps = 0
  public var failedSteps = 0
  public var rhsEvaluations = 0
  public var jacobianEvaluations = 0
  /// Integration segments (one more than the breakpoints crossed).
  public var segments = 0
  /// Times at which events executed.
  public var events = 0
  /// Stretches of time in which the state slid along a switch (`Solution.slidingIntervals`).
  public var slidingIntervals = 0
  public var wallSeconds = 0.0
  /// How the rate laws were evaluated: `interpreted` or `native`.
  public var kernel = KernelMode.interpreted.rawValue
  /// dopri5 only: the first time its stiffness test fired (`DormandPrinceEngine.stiffFrom`), nil
  /// when it never did.
  public var stiffFrom: Double? = nil
  public init() {}
}

/// Why a solve stopped early. The message says when, with which step size, and which species.
public struct SolverFailure: Error, Sendable, CustomStringConvertible {
  public enum Reason: Sendable, Hashable {
    /// The derivative of `species` was NaN or infinite.
    case nonFiniteDerivative(species: String)
    /// The value of `species` itself was NaN or infinite (an initial value, or an event's assignment).
    case nonFiniteState(species: String, value: Double)
    /// The Jacobian entry ∂(d`species`/dt)/∂`of` was NaN or infinite (the rates were finite).
    case nonFiniteJacobian(species: String, of: String)
    /// `maxSteps` steps were taken before reaching the end.
    case maxStepsReached(Int)
    /// The step size fell below what the time resolution allows.
    case stepSizeUnderflow
    /// GSL reported a failure.
    case stepperFailed(String)
    /// The run was cancelled (Ctrl-C or a sweep's fail-fast).
    case cancelled
    /// An event's delay evaluated to a negative number or NaN when it was triggered (SBML asks
    /// for a non-negative delay: an event cannot execute before its trigger).
    case invalidEventDelay(event: String, delay: Double)
    /// The state began to slide along the switch whose root function is `root` (both sides'
    /// flows point into it) while forward sensitivities were integrated: they have no
    /// definition through a sliding mode.
    case slidingSensitivities(root: String)
    /// The state began to slide along the switch whose root function is `root` while it already
    /// slid along `capacity` others, the most handled at once.
    case slidingCapacity(Int, root: String)
  }

  public var reason: Reason
  /// The time reached with a valid state.
  public var time: Double
  /// The step size at the failure.
  public var stepSize: Double
  /// Where a non-finite derivative was seen (a trial point inside the failed step).
  public var evaluationTime: Double?
  /// For a step limit or a step-size underflow: the state whose weighted error estimate was
  /// largest in the last step tried, the one that holds the step size down.
  public var limitingState: String?

  /// ` (the largest weighted error estimate is in 'X')`, or nothing.
  private var limiting: String {
    limitingState.map { "; the step size is held down by '\($0)' (the largest weighted error estimate in the last step tried)" } ?? ""
  }

  public var description: String {
    let at = "at t = \(formatNumber(time)), h = \(formatNumber(stepSize))"
    switch reason {
    case .nonFiniteDerivative(let species):
      let when = evaluationTime.map { "at t = \(formatNumber($0))" } ?? ""
      return "the derivative of '\(species)' is not finite \(when) (last good state \(at))"
    case .nonFiniteState(let species, let value):
      return "the value of '\(species)' is \(formatNumber(value)) at t = \(formatNumber(time)); an initial value or an event's assignment is not a finite number"
    case .nonFiniteJacobian(let species, let of):
      let when = evaluationTime.map { "at t = \(formatNumber($0))" } ?? ""
      return "the Jacobian entry ∂(d\(species)/dt)/∂\(of) is not finite \(when), although the rates are (last good state \(at)); "
        + "a rate law may have a singular derivative there (a square root or power at 0)"
    case .maxStepsReached(let n):
      return "\(n) steps taken before reaching the end \(at)\(limiting); raise the limit (--max-steps, or 'solver: {max_steps: N}' in a scenario); if the model is stiff, an implicit method (rodas5p, msbdf) takes far fewer steps"
    case .stepSizeUnderflow:
      return "the step size fell below the time resolution \(at)\(limiting); the model may be singular or discontinuous there"
    case .stepperFailed(let status):
      return "the \(status) \(at)\(limiting)"
    case .cancelled:
      return "cancelled \(at)"
    case .invalidEventDelay(let event, let delay):
      return "event '\(event)' was triggered at t = \(formatNumber(time)) with delay \(formatNumber(delay)); a delay must be zero or positive"
    case .slidingSensitivities(let root):
      return "at t = \(formatNumber(time)) the state begins to slide along the switch \(root) = 0 (the rates on both sides "
        + "drive it into the switch); sensitivities through a sliding mode are not computed"
    case .slidingCapacity(let capacity, let root):
      return "at t = \(formatNumber(time)) the state begins to slide along the switch \(root) = 0 while it already slides "
        + "along \(capacity) others, the most simulate holds at once"
    }
  }

  /// A short machine-readable reason for sweep records: `nonfinite:X`, `max_steps`, ….
  public var code: String {
    switch reason {
    case .nonFiniteDerivative(let species): return "nonfinite:\(species)"
    case .nonFiniteState(let species, _): return "nonfinite_state:\(species)"
    case .nonFiniteJacobian(let species, _): return "nonfinite_jacobian:\(species)"
    case .maxStepsReached: return "max_steps"
    case .stepSizeUnderflow: return "step_underflow"
    case .stepperFailed: return "stepper"
    case .cancelled: return "cancelled"
    case .invalidEventDelay(let event, _): return "event_delay:\(event)"
    case .slidingSensitivities: return "sliding_sensitivities"
    case .slidingCapacity: return "sliding_capacity"
    }
  }
}

/// A time course: one row per output time, one column per variable.
public struct Trajectory: Sendable {
  public var names: [String]
  public var times: [Double]
  /// Row-major values: `values[row * names.count + column]`.
  public var values: [Double]

  public init(names: [String], times: [Double] = [], values: [Double] = []) {
    self.names = names
    self.times = times
    self.values = values
  }

  public var rowCount: Int { times.count }

  public func value(row: Int, column: Int) -> Double { values[row * names.count + column] }

  /// The column of `name`, if present.
  public func column(_ name: String) -> [Double]? {
    guard let c = names.firstIndex(of: name) else { return nil }
    return (0..<rowCount).map { values[$0 * names.count + c] }
  }

  /// The value of `name` at the output time closest to t.
  public func value(of name: String, at t: Double) -> Double? {
    guard let c = names.firstIndex(of: name), !times.isEmpty else { return nil }
    var best = 0
    for (i, time) in times.enumerated() where abs(time - t) < abs(times[best] - t) { best = i }
    return values[best * names.count + c]
  }
}

/// The result of a continuous run: the time course so far, statistics, and the failure if the
/// run stopped early (the rows before it are valid).
public struct Solution: Sendable {
  public var trajectory: Trajectory
  public var statistics: SolverStatistics
  public var failure: SolverFailure?
  /// The state at the last time reached.
  public var finalState: [Double]
  public var finalTime: Double
  /// Where a root function of the rate laws (`ODEModel.switchRootExpressions`) changed sign, in
  /// time order: the integration stopped and restarted there.
  public var switchCrossings: [SwitchCrossing] = []
  /// Where the state slid along a switch (both sides' flows pointing into it), in time order.
  public var slidingIntervals: [SlidingInterval] = []
}

/// A stretch of time in which the state slid along a rate-law switch: its root function
/// (`ODEModel.switchRootExpressions[root]`) stayed at zero, the rates being Filippov's convex
/// combination of the two sides'.
public struct SlidingInterval: Sendable, Hashable {
  public var root: Int
  public var start: Double
  public var end: Double
}

/// A rate-law switch crossed during a run: the time and the index of its root function.
public struct SwitchCrossing: Sendable, Hashable {
  public var time: Double
  public var root: Int
}

/// The engine for `options.method`: a Rosenbrock engine for the Swift methods, GSL's driver otherwise.
///
/// `atolScales` multiplies atol per state (`ODEModel.absoluteToleranceScales`); nil means 1.
func makeEngine(
  workspace: ODEWorkspace, options: SolverOptions, atolScales: [Double]? = nil
) throws(PathwayError) -> any IntegratorEngine {
  switch options.method {
  case .rodas4:
    return RosenbrockEngine(
      workspace: workspace, stepper: .rodas4, tableau: .rodas4, rtol: options.rtol, atol: options.atol,
      atolScales: atolScales, automaticInitialStep: options.hInitial == nil)
  case .rodas5p:
    return RosenbrockEngine(
      workspace: workspace, stepper: .rodas5p, tableau: .rodas5p, rtol: options.rtol, atol: options.atol,
      atolScales: atolScales, automaticInitialStep: options.hInitial == nil)
  case .dopri5:
    return DormandPrinceEngine(
      workspace: workspace, rtol: options.rtol, atol: options.atol, atolScales: atolScales,
      automaticInitialStep: options.hInitial == nil)
  case .auto:
    return AutoSwitchEngine(
      implicit: RosenbrockEngine(
        workspace: workspace, stepper: .rodas5p, tableau: .rodas5p, rtol: options.rtol, atol: options.atol,
        atolScales: atolScales, automaticInitialStep: options.hInitial == nil),
      explicit: DormandPrinceEngine(
        workspace: workspace, rtol: options.rtol, atol: options.atol, atolScales: atolScales,
        automaticInitialStep: options.hInitial == nil))
  default:
    return try GSLDriver(
      workspace: workspace, stepper: options.method, rtol: options.rtol, atol: options.atol,
      atolScales: atolScales, hInitial: options.hInitial ?? 1e-6)
  }
}

/// Integrates an `ODEModel` with a GSL stepper. Owns one workspace and one GSL driver; reuse it
/// across the runs of one worker thread (`solve` resets everything a run changes).
///
/// Events (SBML semantics, see `Event`) are located inside steps: after each accepted step the
/// triggers are evaluated; when one has turned true, the crossing is bracketed by bisection on
/// the cubic Hermite interpolant of the step, the step is redone exactly up to the crossing, the
/// events execute, and the integrator restarts.
public final class ODESolver {
  public let ode: ODEModel
  public let options: SolverOptions
  public let workspace: ODEWorkspace
  let driver: any IntegratorEngine
  /// The driver, when it has dense output: steps then run past output times, whose rows are
  /// interpolated (used only for models without events, whose steps are redone at crossings).
  private let denseDriver: (any DenseOutputEngine)?
  private let y: UnsafeMutablePointer<Double>
  // Event bookkeeping (allocated once).
  private let ya: UnsafeMutablePointer<Double>
  private let fa: UnsafeMutablePointer<Double>
  private let fb: UnsafeMutablePointer<Double>
  private let yi: UnsafeMutablePointer<Double>
  private var triggerState: [Bool] = []
  /// Whether the last `locateEvents` found a trigger rising (rather than a rate-law switch).
  private var risingFound = false
  /// Every event's root functions at the start of the current step.
  private var rootsBefore: [Double] = []
  /// The rate-law switches crossed in this solve.
  private var crossings: [SwitchCrossing] = []
  /// The roots that crossed at the last crossing recorded, and at the stale one.
  private var lastCrossingRoots: [Int] = []
  private var staleRoots: [Int] = []
  /// Called where the integration restarts on other branches after a rate-law switch crossed:
  /// (t, the state there, the switches' root indices, a state just past the crossing whose
  /// comparisons select the new branches). The held comparisons are the old ones on entry; the
  /// handler may change the state (a sensitivity's jump) and lock the new ones to see the rates
  /// beyond. Used by `ForwardSensitivity`.
  public var switchHandler: ((Double, UnsafeMutablePointer<Double>, [Int], UnsafePointer<Double>) -> Void)?
  /// Set when a switch crossed without the solver stopping there: the held comparisons must be
  /// taken again after the step.
  private var modesStale = false
  /// Where the comparisons are to be taken when `modesStale`: just after that crossing.
  private var staleTime = 0.0
  /// Set while a step is redone for a switch that crossed at its start.
  private var redoneForSwitch = false
  private let staleState: UnsafeMutablePointer<Double>
  /// The number of the events' root functions, which come before the switches' in `rootsBefore`.
  private let eventRootCount: Int
  /// The state at the last switch crossing located, just beyond it.
  private let crossingState: UnsafeMutablePointer<Double>
  /// Per switch (an index of `ode.switchRoots`): whether the state slides along it, and since when.
  private var slidingMask: [Bool] = []
  private var slidingSince: [Double] = []
  private var slidings: [SlidingInterval] = []
  /// Set by `locateEvents` when it stopped where sliding along a switch ends: which, and whether
  /// into its side A.
  private var slidingExitSide: (root: Int, toSideA: Bool)?
  /// Whether sliding along a switch ends at the last point `evaluateRoots` evaluated: which, and
  /// into which side.
  private var exitNow: (root: Int, toSideA: Bool)?
  /// The switch the state just left after sliding along it (or -1), the sign its root function
  /// takes on the side it left into, and its size when it left.
  private var departingIndex = -1
  private var departingSign = 0.0
  private var departingLevel = 0.0
  /// The held comparisons on each side of a switch, while deciding whether the state slides.
  private let modesA: UnsafeMutablePointer<Double>
  private let modesB: UnsafeMutablePointer<Double>
  private let modesBefore: UnsafeMutablePointer<Double>
  private let modesHeld: UnsafeMutablePointer<Double>
  /// Why `enterSliding` failed when it was not a step (too many switches at once).
  private var slidingFailure: SolverFailure?
  /// The first switch along which the state began to slide while sensitivities were integrated
  /// (`switchHandler` set): they are not defined through it.
  private var slidingWithSensitivities: (time: Double, root: Int)?
  private var pending: [PendingEvent] = []
  private var sequence = 0
  /// The first event triggered with a negative (or NaN) delay in this solve, which ends it.
  private var invalidDelay: (event: String, delay: Double, time: Double)?

  struct PendingEvent {
    var time: Double
    var event: Int
    var values: [Double]?
    var sequence: Int
  }

  public init(_ ode: ODEModel, options: SolverOptions = SolverOptions(), outputs: OutputPlan? = nil) throws(PathwayError) {
    self.ode = ode
    self.options = options
    var kernel: NativeKernel? = nil
    switch options.kernel {
    case .interpreted: break
    case .native: kernel = try ode.nativeKernel()
    case .auto: kernel = try? ode.nativeKernel(automatic: true)
    }
    self.workspace = ODEWorkspace(ode, outputs: outputs, kernel: kernel)
    let scales = options.atolScale == .compartment ? ode.absoluteToleranceScales : []
    self.driver = try makeEngine(
      workspace: workspace, options: options, atolScales: scales.allSatisfy { $0 == 1 } ? nil : scales)
    self.denseDriver = ode.monitorsRoots ? nil : driver as? any DenseOutputEngine
    let n = max(1, ode.stateCount)
    func buffer(_ count: Int = n) -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
      p.initialize(repeating: 0, count: count)
      return p
    }
    y = buffer()
    ya = buffer()
    fa = buffer()
    fb = buffer()
    yi = buffer()
    staleState = buffer()
    crossingState = buffer()
    let modeCount = max(1, ode.modeSlots.count)
    modesA = buffer(modeCount)
    modesB = buffer(modeCount)
    modesBefore = buffer(modeCount)
    modesHeld = buffer(modeCount)
    eventRootCount = ode.events.reduce(0) { $0 + $1.roots.count }
  }

  deinit {
    for p in [y, ya, fa, fb, yi, staleState, crossingState, modesA, modesB, modesBefore, modesHeld] { p.deallocate() }
  }

  /// The output columns' names.
  public var outputNames: [String] { workspace.outputs.names }

  /// The initial state of a run: `initial` values (per state), pinned states at their level.
  public func initialState(_ parameters: RunParameters, _ initial: [Double]) -> [Double] {
    var state = initial
    for i in 0..<ode.stateCount { if let level = parameters.statePins[i] { state[i] = level } }
    return state
  }

  /// Integrates from `start` to `end`, writing a row at each of `times` (sorted, within
  /// [start, end]). Every discontinuity of an input ends a segment; the driver is reset there.
  /// Rows at an event time show the state after the events that execute at that time; with
  /// `eventRows`, each event time after the start also gets a row before and after them.
  ///
  /// - Parameters:
  ///   - initial: the state at `start`, one value per state variable (pins are applied on top).
  /// - Returns: the solution; on a failure its trajectory holds the rows before the failure.
  public func solve(
    _ parameters: RunParameters, initial: [Double], start: Double, end: Double, times: [Double]
  ) -> Solution {
    let clock = ContinuousClock.now
    workspace.load(parameters)
    crossings.removeAll(keepingCapacity: true)
    modesStale = false
    redoneForSwitch = false
    slidingFailure = nil
    slidingMask = Array(repeating: false, count: ode.switchRoots.count)
    slidingSince = Array(repeating: 0, count: ode.switchRoots.count)
    departingIndex = -1
    slidings.removeAll(keepingCapacity: true)
    slidingExitSide = nil
    slidingWithSensitivities = nil
    workspace.segmentLow = -.infinity
    workspace.segmentHigh = .infinity
    driver.reset()
    let n = ode.stateCount
    let state = initialState(parameters, initial)
    for i in 0..<n { y[i] = state[i] }
    // delay(x, d): the history starts here; steps stay within the shortest lag (so x(t − d) is
    // read from accepted steps), and the first multiples of constant lags, where the solution's
    // derivatives jump, are breakpoints.
    workspace.beginHistory(start, y)
    defer { workspace.endHistory() }
    let lags = workspace.delayLags(start, y)
    let hMax = [options.hMax, lags.minimum].compactMap { $0 }.min()
    var trajectory = Trajectory(names: outputNames)
    trajectory.times.reserveCapacity(times.count)
    trajectory.values.reserveCapacity(times.count * trajectory.names.count)
    var statistics = SolverStatistics()
    var t = start
    var outputIndex = 0
    var failure: SolverFailure? = nil
    let hasEvents = ode.monitorsRoots
    pending.removeAll(keepingCapacity: true)
    sequence = 0
    invalidDelay = nil
    func delayFailure() -> SolverFailure? {
      invalidDelay.map { SolverFailure(reason: .invalidEventDelay(event: $0.event, delay: $0.delay), time: $0.time, stepSize: 0) }
    }

    // Breakpoints of the inputs that are not pinned.
    var breakpoints = Set<Double>()
    for u in 0..<ode.inputCount where parameters.inputPins[u] == nil {
      for b in parameters.stimuli[u].breakpoints(from: start, to: end) { breakpoints.insert(b) }
    }
    // Discontinuities of the rate laws in time (a dose switched on at t = 40 inside a formula).
    for b in ode.switchTimes(parameters: parameters.parameters, from: start, to: end) { breakpoints.insert(b) }
    for lag in lags.constant {
      for m in 1...3 where start + Double(m) * lag < end { breakpoints.insert(start + Double(m) * lag) }
    }
    let boundaries = [start] + breakpoints.sorted() + [end]

    // Events at the start: a trigger true at t₀ fires when its initial value is false.
    if hasEvents {
      workspace.setSegment(at: start)
      triggerState = ode.events.map(\.initialValue)
      executeEvents(at: t, due: [])
      workspace.recordHistory(t, y)
      failure = delayFailure()
    }
    while outputIndex < times.count && times[outputIndex] <= start {
      record(&trajectory, times[outputIndex])
      outputIndex += 1
    }
    if failure == nil, let bad = (0..<n).first(where: { !y[$0].isFinite }) {
      failure = SolverFailure(reason: .nonFiniteState(species: ode.stateNames[bad], value: y[bad]), time: start, stepSize: 0)
    }
    var totalSteps = 0, totalFailed = 0
    var h = 0.0
    func resetDriver(until segmentEnd: Double, relock: Bool = true) {
      let counts = driver.counts
      totalSteps += counts.steps
      totalFailed += counts.failed
      if statistics.stiffFrom == nil { statistics.stiffFrom = driver.stiffFrom }
      driver.reset()
      // The rate laws' comparisons, held at their values here until the next restart (which
      // ends sliding along a switch: if the state still slides, the next step finds it again).
      if relock {
        stopSliding(at: t)
        workspace.lockModes(t, y)
      }
      // A millionth of the segment (bsimp: a thousandth; its extrapolation cannot grow a step
      // that starts far too small, whose error estimate is rounding), but at least a few units
      // in the last place of t: at t = 10⁶ a step of 10⁻¹² would not move t at all.
      let fraction = driver.stepper == .bsimp ? 1e-3 : 1e-6
      h = options.hInitial ?? min(segmentEnd - t, max(1e-12, (segmentEnd - t) * fraction, 16 * t.ulp))
      if let hMax { h = min(h, hMax) }
    }
    func stepsTaken() -> Int { totalSteps + driver.counts.steps + driver.counts.failed }
    /// Integrates on the rates followed now (switch `r` on its side A) until its root reaches zero, at
    /// the latest at `limit`: Newton steps in time from the crossing the step's cubic
    /// interpolant located, which may lie a little early. The time reached, or nil when a step
    /// fails (`failure` set).
    func reachSwitch(_ r: Int, _ sideA: Double, _ limit: Double) -> Double? {
      let slot = ode.switchRoots[r]
      for _ in 0..<8 {
        workspace.evaluateEvents(t, y)
        let g = workspace.eventValue(slot)
        guard g * sideA > 0, workspace.currentRates(t, y, fb) else { break }
        let rate = workspace.rootRate(r, t, y, along: fb)
        let target = min(limit, t + (-g / rate) * (1 + 1e-9) + 4 * t.ulp)
        guard rate * sideA < 0, target > t else { break }
        resetDriver(until: target, relock: false)
        guard integrate(to: target) else { return nil }
      }
      return t
    }
    /// Steps the driver up to `target` on the branches held. False when a step fails or the step
    /// limit is reached (`failure` set).
    func integrate(to target: Double) -> Bool {
      while t < target {
        if stepsTaken() >= options.maxSteps {
          failure = SolverFailure(reason: .maxStepsReached(options.maxSteps), time: t, stepSize: min(h, hMax ?? h))
          failure?.limitingState = limitingState()
          return false
        }
        let status = driver.step(t: &t, t1: target, h: &h, y: y)
        if status != .success {
          failure = diagnose(status, t: t, h: h)
          return false
        }
        workspace.recordHistory(t, y)
      }
      return true
    }
    /// The next output time not yet written.
    var nextOutput: Double? { outputIndex < times.count ? times[outputIndex] : nil }

    segments: for segment in 0..<(boundaries.count - 1) where failure == nil && boundaries[segment + 1] > boundaries[segment] {
      let segmentEnd = boundaries[segment + 1]
      if t >= segmentEnd { continue }
      workspace.setSegment(at: boundaries[segment])
      if !ode.timeSwitches.isEmpty {
        workspace.segmentLow = boundaries[segment].nextUp
        workspace.segmentHigh = segmentEnd.nextDown
      }
      resetDriver(until: segmentEnd)
      statistics.segments += 1
      if hasEvents { _ = workspace.rhs(t, y, fa) }
      stepping: while t < segmentEnd {
        // The next stop: an output time, a delayed event, or the segment's end.
        var stop = segmentEnd
        if outputIndex < times.count && denseDriver == nil { stop = min(stop, times[outputIndex]) }
        if let next = pending.map(\.time).min() { stop = min(stop, max(next, t)) }
        while t < stop {
          if stepsTaken() >= options.maxSteps {
            failure = SolverFailure(reason: .maxStepsReached(options.maxSteps), time: t, stepSize: min(h, hMax ?? h))
            failure?.limitingState = limitingState()
            break segments
          }
          if let hMax, h > hMax { h = hMax }
          let ta = t
          if hasEvents { for i in 0..<n { ya[i] = y[i] } }
          let status = driver.step(t: &t, t1: stop, h: &h, y: y)
          if status != .success {
            failure = diagnose(status, t: t, h: h)
            break segments
          }
          workspace.recordHistory(t, y)
          if t < stop && t + h == t {
            failure = SolverFailure(reason: .stepSizeUnderflow, time: t, stepSize: h)
            failure?.limitingState = limitingState()
            break segments
          }
          if let denseDriver {
            while outputIndex < times.count && times[outputIndex] < t {
              denseDriver.interpolate(at: times[outputIndex], into: yi)
              record(&trajectory, times[outputIndex], state: yi)
              outputIndex += 1
            }
          }
          if hasEvents {
            if let eventTime = locateEvents(from: ta, to: t) {
              // Redo the step exactly up to the crossing, then execute. The interpolant may place
              // a crossing a hair early (or right at the start of the step, where the state
              // cannot yet resolve it): then search forward, doubling, until a trigger is true
              // with the integrated state, at the latest at the step's end.
              let stepEnd = t
              for i in 0..<n { y[i] = ya[i] }
              t = ta
              workspace.truncateHistory(after: ta)
              var target = eventTime
              var delta = 4 * Double.ulpOfOne * max(1, abs(eventTime))
              var fired = false
              for _ in 0..<64 {
                resetDriver(until: target, relock: !workspace.isSliding)
                // A switch that crossed at the very start of the step holds from there.
                if modesStale {
                  // It may start sliding along it, which holds up to the crossing found later in the step.
                  let outcome = enterSliding(staleRoots, at: t, past: staleState, limit: target, reach: reachSwitch)
                  if outcome == .failed {
                    failure = failure ?? slidingFailure
                    break segments
                  }
                  if outcome == .none { workspace.lockModes(staleTime, staleState) }
                }
                guard integrate(to: target) else { break segments }
                t = target
                fired = executeEvents(at: t, due: [], rows: &trajectory, nextOutput: nextOutput)
                if fired { workspace.recordHistory(t, y) }
                if let bad = delayFailure() {
                  failure = bad
                  break segments
                }
                if fired || !risingFound || target >= stepEnd { break }
                delta *= 4
                target = min(stepEnd, eventTime + delta)
              }
              if fired { statistics.events += 1 }
              var relock = true
              if !fired && !risingFound, let (r, side) = slidingExitSide {
                // Sliding along r ends: one side's flow no longer points into it; go on with it.
                let sign = workspace.slidingSign(of: r) * (side ? 1 : -1)
                stopSliding(r, at: t, toSideA: side)
                // Rounding may leave the state a hair on the other side: until the root function
                // takes the side's sign (or moves clearly away from it), it is not watched.
                workspace.evaluateEvents(t, y)
                departingIndex = r
                departingSign = sign
                departingLevel = abs(workspace.eventValue(ode.switchRoots[r]))
                if eventRootCount + r < rootsBefore.count { rootsBefore[eventRootCount + r] = sign }
                relock = false
              } else if !fired && !risingFound && !lastCrossingRoots.isEmpty {
                switch enterSliding(lastCrossingRoots, at: t, past: crossingState, limit: stop, reach: reachSwitch) {
                case .failed:
                  failure = failure ?? slidingFailure
                  break segments
                case .sliding: relock = false
                case .none: if let switchHandler { switchHandler(t, y, lastCrossingRoots, y) }
                }
              }
              slidingExitSide = nil
              if let refused = slidingSensitivitiesFailure(stepSize: h) {
                failure = refused
                break segments
              }
              modesStale = false
              redoneForSwitch = false
              resetDriver(until: segmentEnd, relock: relock)
              _ = workspace.rhs(t, y, fa)
              // New delayed events may now be due before `stop`: choose the next stop again
              // (at the segment's end, go on to the stop's own work: due events, output rows).
              if fired && t < segmentEnd { continue stepping }
            }
            if modesStale {
              modesStale = false
              if redoneForSwitch {
                // The redone step crossed back right at its start (the state rests on the
                // switch, within rounding): keep it, and go on with the branches it took (those
                // beyond the switch; taken again from the state, they could flip back).
                redoneForSwitch = false
                resetDriver(until: segmentEnd, relock: false)
              } else {
                // A switch crossed right at the start of the step (too near to stop there): redo
                // the step on the branch it selects just after the crossing.
                redoneForSwitch = true
                for i in 0..<n { y[i] = ya[i] }
                t = ta
                workspace.truncateHistory(after: ta)
                // Both sides' flows into the switch: the state slides along it from the crossing,
                // reached on side A's branches first (it may lie a millionth of the step ahead).
                let outcome = enterSliding(staleRoots, at: t, past: staleState, limit: stop, reach: reachSwitch)
                if outcome == .failed {
                  failure = failure ?? slidingFailure
                  break segments
                }
                if outcome == .sliding {
                  resetDriver(until: segmentEnd, relock: false)
                  redoneForSwitch = false
                  _ = workspace.rhs(t, y, fa)
                  continue stepping
                }
                if let refused = slidingSensitivitiesFailure(stepSize: h) {
                  failure = refused
                  break segments
                }
                // The comparisons held during the step are the branches before the switch.
                switchHandler?(t, y, staleRoots, staleState)
                resetDriver(until: segmentEnd)
                workspace.lockModes(staleTime, staleState)
                _ = workspace.rhs(t, y, fa)
                continue stepping
              }
            } else {
              redoneForSwitch = false
            }
            _ = workspace.rhs(t, y, fa)
          }
        }
        // At the stop: delayed events that are due, then the output row.
        if hasEvents {
          let due = pending.filter { $0.time <= t }
          if !due.isEmpty {
            pending.removeAll { $0.time <= t }
            executeEvents(at: t, due: due, rows: &trajectory, nextOutput: nextOutput)
            workspace.recordHistory(t, y)
            if let bad = delayFailure() {
              failure = bad
              break segments
            }
            resetDriver(until: segmentEnd)
            statistics.events += 1
            _ = workspace.rhs(t, y, fa)
          }
        }
        while outputIndex < times.count && times[outputIndex] <= t {
          record(&trajectory, times[outputIndex])
          outputIndex += 1
        }
      }
    }
    stopSliding(at: t)
    workspace.unlockModes()
    let counts = driver.counts
    totalSteps += counts.steps
    totalFailed += counts.failed
    if statistics.stiffFrom == nil { statistics.stiffFrom = driver.stiffFrom }
    statistics.steps = totalSteps
    statistics.failedSteps = totalFailed
    statistics.rhsEvaluations = workspace.rhsEvaluations
    statistics.slidingIntervals = slidings.count
    statistics.jacobianEvaluations = workspace.jacobianEvaluations
    statistics.kernel = workspace.kernel == nil ? KernelMode.interpreted.rawValue : KernelMode.native.rawValue
    let elapsed = ContinuousClock.now - clock
    statistics.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return Solution(
      trajectory: trajectory, statistics: statistics, failure: failure,
      finalState: (0..<n).map { y[$0] }, finalTime: t, switchCrossings: crossings, slidingIntervals: slidings)
  }

  // MARK: - Sliding along switches

  enum SlidingOutcome { case none, sliding, failed }

  /// When `solution` (the last solve's) ended sliding along switches: the sliding rates at
  /// (t, y), Filippov's combination of their sides', into `f`, and the switches (indices of
  /// `ODEModel.switchRootExpressions`). Nil when it did not end sliding.
  public func slidingRates(
    of solution: Solution, _ t: Double, _ y: UnsafePointer<Double>, into f: UnsafeMutablePointer<Double>
  ) -> [Int]? {
    let ending = solution.slidingIntervals.filter { $0.end == solution.finalTime }.map(\.root)
    guard !ending.isEmpty else { return nil }
    workspace.resumeSliding()
    defer { workspace.unlockModes() }
    guard workspace.isSliding else { return nil }
    return workspace.rhs(t, y, f) ? ending : nil
  }

  /// The failure that ends a solve with sensitivities where the state began to slide.
  private func slidingSensitivitiesFailure(stepSize h: Double) -> SolverFailure? {
    slidingWithSensitivities.map {
      SolverFailure(reason: .slidingSensitivities(root: "\(ode.switchRootExpressions[$0.root])"), time: $0.time, stepSize: h)
    }
  }

  /// Ends sliding along switch `r` (along all of them when nil) at t, recording the intervals;
  /// a switch left alone holds the comparisons of the side it leaves into.
  private func stopSliding(_ r: Int? = nil, at t: Double, toSideA side: Bool = false) {
    for root in workspace.slidingRoots where r == nil || root == r {
      if let k = slidings.lastIndex(where: { $0.root == root }), slidings[k].end == slidingSince[root] {
        slidings[k].end = t
      } else {
        slidings.append(SlidingInterval(root: root, start: slidingSince[root], end: t))
      }
      slidingMask[root] = false
    }
    if let r { workspace.removeSliding(r, toSideA: side) } else { workspace.endSliding() }
  }

  /// At a crossing of the switches `roots` at (t, y), with the comparisons before it held and
  /// `past` a state just beyond it: each crossed switch whose two sides' flows both point into
  /// it (Filippov's attractive sliding mode, where integrating either side's rates would take
  /// the state back across at once), given the switches the state already slides along, is
  /// reached (`reach` integrates up to it and returns the time there, nil on failure) and joins
  /// the sliding set; the others take their new side. `.sliding` when the state slides along
  /// some switch afterwards (the caller keeps the comparisons as they are), `.none` when not
  /// (the comparisons held on entry are held again, for the caller to restart as at any
  /// crossing), `.failed` when reaching a switch failed. With sensitivities, a switch that
  /// would be slid along is noted in `slidingWithSensitivities` instead.
  private func enterSliding(
    _ roots: [Int], at t: Double, past: UnsafePointer<Double>, limit: Double, reach: (Int, Double, Double) -> Double?
  ) -> SlidingOutcome {
    guard workspace.hasModes, workspace.slideCapacity > 0 else { return .none }
    var now = t
    workspace.currentModes(into: modesA)
    workspace.saveModes(into: modesHeld)
    workspace.modes(at: t, past, into: modesB)
    // Side A of a crossed switch: the held comparisons, unless they are already side B's (held
    // from a state exactly on the switch): then those at the state mirrored through y from `past`.
    var mirrored = false
    for r in roots where (0..<ode.modeSlots.count).allSatisfy({ ode.modeRoots[$0] != r || modesA[$0] == modesB[$0] }) {
      if !mirrored {
        for i in 0..<ode.stateCount { yi[i] = 2 * y[i] - past[i] }
        workspace.modes(at: t, yi, into: modesBefore)
        mirrored = true
      }
      for i in 0..<ode.modeSlots.count where ode.modeRoots[i] == r { modesA[i] = modesBefore[i] }
    }
    // The comparisons held for the other switches: as they were, the crossed ones' on their new side.
    workspace.setSlidingBase(modesA)
    for r in roots { workspace.setBaseComparisons(of: r, from: modesB) }
    for r in roots where ode.modeRoots.contains(r) && !slidingMask[r] {
      workspace.evaluateEvents(now, past)
      let beyond = workspace.eventValue(ode.switchRoots[r])
      guard beyond != 0, beyond.isFinite else { continue }
      let sideA: Double = beyond > 0 ? -1 : 1
      workspace.setBaseComparisons(of: r, from: modesA)
      let finiteA = workspace.currentRates(now, y, fb)
      let rateA = workspace.rootRate(r, now, y, along: fb)
      workspace.setBaseComparisons(of: r, from: modesB)
      let finiteB = workspace.currentRates(now, y, fb)
      let rateB = workspace.rootRate(r, now, y, along: fb)
      // Side A's flow takes g toward side B's sign, side B's brings it back.
      guard finiteA, finiteB, rateA * sideA < 0, rateB * sideA > 0 else { continue }
      if switchHandler != nil {
        if slidingWithSensitivities == nil { slidingWithSensitivities = (now, r) }
        continue
      }
      guard workspace.canSlide(along: r) else {
        slidingFailure = SolverFailure(
          reason: .slidingCapacity(workspace.slideCapacity, root: "\(ode.switchRootExpressions[r])"), time: now, stepSize: 0)
        return .failed
      }
      workspace.setBaseComparisons(of: r, from: modesA)
      guard let reached = reach(r, sideA, limit) else { return .failed }
      now = reached
      workspace.addSliding(r, sideA: sideA, modesA: modesA, modesB: modesB)
      slidingMask[r] = true
      slidingSince[r] = now
    }
    if workspace.isSliding { return .sliding }
    workspace.restoreModes(from: modesHeld)
    return .none
  }

  // MARK: - Events

  /// After a step from (ta, ya) to (t, y): the first time in (ta, t] where a trigger that was
  /// false turns true (by the step's interpolant), or nil when none did. Also cancels
  /// non-persistent delayed events whose trigger turned false.
  ///
  /// Crossings are taken in time order: one that starts nothing (a trigger turning false, a root
  /// function crossing without its trigger rising) moves the starting point of the search to it,
  /// with the triggers' values there, and the search goes on in the rest of the step. So a
  /// trigger rising after another falls in the same step, or one falling and rising again, is
  /// found rather than absorbed into the step.
  private func locateEvents(from ta: Double, to tb: Double) -> Double? {
    risingFound = false
    evaluateRoots(tb, y)
    var departed = false
    if departingIndex >= 0 {
      let g = workspace.eventValue(ode.switchRoots[departingIndex])
      if g * departingSign > 0 {
        departed = true
      } else if abs(g) > 2 * departingLevel + 1e-300 || !g.isFinite {
        departingIndex = -1
      }
    }
    defer { if departed { departingIndex = -1 } }
    var lo = ta
    var haveRHS = false
    var rounds = 0
    while changed() && rounds < 100_000 {
      rounds += 1
      if !haveRHS {
        // fb = f(tb, y); fa = f(ta, ya) is kept from the previous step.
        _ = workspace.rhs(tb, y, fb)
        workspace.rhsEvaluations -= 1
        haveRHS = true
      }
      // The first time in (lo, tb] where a trigger rises or a root function leaves its sign.
      var hi = tb
      bisect(&lo, &hi, from: ta, to: tb, changed)
      interpolate(at: hi, from: ta, to: tb)
      evaluateRoots(hi, yi)
      if ode.events.indices.contains(where: { workspace.eventValue(ode.events[$0].trigger) != 0 && !triggerState[$0] }) {
        risingFound = true
        return hi
      }
      // Sliding ends there: one side's flow no longer points into the switch.
      if let exit = exitNow {
        slidingExitSide = exit
        return hi
      }
      // A root function of the rate laws crossed there. A discontinuity: stop there, unless it
      // sits at the very start of the step (a root resting at zero, crossing on noise).
      let minimumProgress = 1e-9 * max(1, abs(ta)) + 1e-6 * (tb - ta)
      if switchCrossed() {
        recordCrossings(at: hi)
        if hi - ta > minimumProgress { return hi }
        if !modesStale {
          modesStale = true
          staleTime = hi
          staleRoots = lastCrossingRoots
          for i in 0..<ode.stateCount { staleState[i] = yi[i] }
        }
      }
      // Nothing starts at hi: it becomes the start of the search, with the values there.
      updateTriggers()
      if hi >= tb { return nil }
      lo = hi
      evaluateRoots(tb, y)
    }
    updateTriggers()
    return nil
  }

  /// Takes the triggers and root functions at the last evaluation as the current ones, and
  /// cancels the non-persistent delayed events whose trigger turned false.
  private func updateTriggers() {
    for (e, event) in ode.events.enumerated() {
      let now = workspace.eventValue(event.trigger) != 0
      if !now && triggerState[e] && !event.persistent { pending.removeAll { $0.event == e } }
      triggerState[e] = now
    }
    recordRoots()
  }

  /// Narrows [lo, hi] (lo: `predicate` false, hi: true) by bisection on the step's interpolant.
  private func bisect(_ lo: inout Double, _ hi: inout Double, from ta: Double, to tb: Double, _ predicate: () -> Bool) {
    for _ in 0..<200 {
      if hi - lo <= 4 * Double.ulpOfOne * max(1, abs(hi)) { break }
      let mid = lo + (hi - lo) / 2
      interpolate(at: mid, from: ta, to: tb)
      evaluateRoots(mid, yi)
      if predicate() { hi = mid } else { lo = mid }
    }
  }

  /// Notes the rate-law switches that left their sign at the last evaluation, at time t.
  private func recordCrossings(at t: Double) {
    var r = eventRootCount
    lastCrossingRoots.removeAll(keepingCapacity: true)
    for i in 0..<ode.stateCount { crossingState[i] = yi[i] }
    for (index, root) in ode.switchRoots.enumerated() {
      if switchCrossed(index, root, r) {
        crossings.append(SwitchCrossing(time: t, root: index))
        lastCrossingRoots.append(index)
      }
      r += 1
    }
  }

  /// True when, at the last evaluation, a rate-law switch has left its sign at the start of the step.
  private func switchCrossed() -> Bool {
    var r = eventRootCount
    for (index, root) in ode.switchRoots.enumerated() {
      if switchCrossed(index, root, r) { return true }
      r += 1
    }
    return false
  }

  /// True when, at the last evaluation, a trigger rose or a root function has left its sign at
  /// the start of the step.
  private func changed() -> Bool {
    var r = 0
    for (e, event) in ode.events.enumerated() {
      if workspace.eventValue(event.trigger) != 0 && !triggerState[e] { return true }
      for root in event.roots {
        if crossed(workspace.eventValue(root), rootsBefore[r]) { return true }
        r += 1
      }
    }
    for (index, root) in ode.switchRoots.enumerated() {
      if switchCrossed(index, root, r) { return true }
      r += 1
    }
    return exitNow != nil
  }

  /// Whether switch `index` (root function in `slot`, `rootsBefore[r]`) has left its sign at the
  /// last evaluation; one the state slides along, or has just left, is not watched.
  @inline(__always)
  private func switchCrossed(_ index: Int, _ slot: Int32, _ r: Int) -> Bool {
    !slidingMask[index] && index != departingIndex && crossed(workspace.eventValue(slot), rootsBefore[r])
  }

  /// Evaluates the triggers and root functions at (t, state), and whether sliding ends there
  /// (`exitNow`).
  private func evaluateRoots(_ t: Double, _ state: UnsafePointer<Double>) {
    exitNow = workspace.isSliding ? workspace.slidingExit(t, state) : nil
    workspace.evaluateEvents(t, state)
  }

  /// Records every root function at the current evaluation as the start of the next step.
  private func recordRoots() {
    rootsBefore.removeAll(keepingCapacity: true)
    for event in ode.events {
      for root in event.roots { rootsBefore.append(workspace.eventValue(root)) }
    }
    for root in ode.switchRoots { rootsBefore.append(workspace.eventValue(root)) }
  }

  @inline(__always)
  private func sign(_ x: Double) -> Int { x > 0 ? 1 : (x < 0 ? -1 : 0) }

  /// A root function has crossed when it is strictly on another side than before (reaching
  /// zero is not yet a crossing: a trigger `x > c` is still false at x = c).
  @inline(__always)
  private func crossed(_ now: Double, _ before: Double) -> Bool {
    let s = sign(now)
    return s != 0 && s != sign(before)
  }

  /// The cubic Hermite interpolant of the last step at time s, into `yi`.
  private func interpolate(at s: Double, from ta: Double, to tb: Double) {
    let h = tb - ta
    let theta = (s - ta) / h
    let t2 = theta * theta, t3 = t2 * theta
    let h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + theta
    let h01 = -2 * t3 + 3 * t2, h11 = t3 - t2
    for i in 0..<ode.stateCount {
      yi[i] = h00 * ya[i] + h10 * h * fa[i] + h01 * y[i] + h11 * h * fb[i]
    }
  }

  /// `executeEvents(at:due:)`; with `options.eventRows`, an execution (after the start) adds the
  /// rows before and after it to `rows` (the latter unless `nextOutput` is `t`, whose grid row
  /// follows).
  @discardableResult
  private func executeEvents(at t: Double, due: [PendingEvent], rows: inout Trajectory, nextOutput: Double?) -> Bool {
    let n = ode.stateCount
    if options.eventRows { for i in 0..<n { yi[i] = y[i] } }
    let (fired, executed) = executeEvents(at: t, due: due)
    if options.eventRows && executed {
      record(&rows, t, state: yi)
      if nextOutput != t { record(&rows, t) }
    }
    return fired
  }

  /// Executes, at time t, the events whose triggers rise now (true, and false in
  /// `triggerState`) and the delayed events that are `due`, in priority order, re-evaluating
  /// every trigger after each execution. Returns whether any event was triggered (now or for
  /// later) or executed (`fired`), and whether any executed.
  @discardableResult
  private func executeEvents(at t: Double, due: [PendingEvent]) -> (fired: Bool, executed: Bool) {
    var ready = due
    var triggered = false
    func schedule(_ e: Int) {
      triggered = true
      let event = ode.events[e]
      let delay = event.delay.map { workspace.eventValue($0) } ?? 0
      guard delay >= 0 else {
        if invalidDelay == nil { invalidDelay = (event.id, delay, t) }
        return
      }
      let values = event.useValuesFromTriggerTime ? event.assignments.map { workspace.eventValue($0.slot) } : nil
      sequence += 1
      if delay > 0 {
        pending.append(PendingEvent(time: t + delay, event: e, values: values, sequence: sequence))
      } else {
        ready.append(PendingEvent(time: t, event: e, values: values, sequence: sequence))
      }
    }
    workspace.evaluateEvents(t, y)
    for (e, event) in ode.events.enumerated() {
      let now = workspace.eventValue(event.trigger) != 0
      if now && !triggerState[e] { schedule(e) }
      if !now && triggerState[e] && !event.persistent { pending.removeAll { $0.event == e } }
      triggerState[e] = now
    }
    var executed = false
    var guardCount = 0
    while !ready.isEmpty && guardCount < 100_000 {
      guardCount += 1
      workspace.evaluateEvents(t, y)
      // A non-persistent event whose trigger is false now does not execute.
      ready.removeAll { !ode.events[$0.event].persistent && workspace.eventValue(ode.events[$0.event].trigger) == 0 }
      guard !ready.isEmpty else { break }
      // Highest priority first; no priority ranks below any; ties in order of triggering.
      var best = 0
      func rank(_ p: PendingEvent) -> Double {
        ode.events[p.event].priority.map { workspace.eventValue($0) } ?? -.infinity
      }
      for i in 1..<ready.count {
        let a = rank(ready[i]), b = rank(ready[best])
        if a > b || (a == b && ready[i].sequence < ready[best].sequence) { best = i }
      }
      let chosen = ready.remove(at: best)
      let event = ode.events[chosen.event]
      executed = true
      let values = chosen.values ?? event.assignments.map { workspace.eventValue($0.slot) }
      // Multipliers (a compartment's size for a concentration) are read now, before any assignment.
      let multipliers = event.assignments.map { $0.multiplier.map { workspace.eventValue($0) } ?? 1 }
      for ((assignment, value), multiplier) in zip(zip(event.assignments, values), multipliers) {
        if workspace.parameters.statePins[assignment.state] == nil { y[assignment.state] = value * multiplier }
      }
      // Re-evaluate every trigger at the new state.
      workspace.evaluateEvents(t, y)
      for (e, other) in ode.events.enumerated() {
        let now = workspace.eventValue(other.trigger) != 0
        if now && !triggerState[e] { schedule(e) }
        if !now && !other.persistent { pending.removeAll { $0.event == e } }
        triggerState[e] = now
      }
    }
    workspace.evaluateEvents(t, y)
    recordRoots()
    return (executed || triggered, executed)
  }

  /// Integrates the reference context (stimuli at baseline, no pins or scales) for `duration`
  /// from `initial`, and returns the final state: the model's steady state when `duration`
  /// is long against its slowest τ.
  public func equilibrate(_ parameters: RunParameters, initial: [Double], duration: Double) throws(PathwayError) -> [Double] {
    var reference = parameters
    reference.statePins = Array(repeating: nil, count: ode.stateCount)
    reference.inputPins = Array(repeating: nil, count: ode.inputCount)
    reference.scale = Array(repeating: 1, count: ode.stateCount)
    reference.stimuli = ode.inputNodes.map { .constant(ode.model.nodes[$0].initial) }
    let solution = solve(reference, initial: initial, start: 0, end: duration, times: [])
    if let failure = solution.failure {
      throw PathwayError(.simulationFailed, "equilibrating the reference context failed: \(failure)")
    }
    return solution.finalState
  }

  /// The name of the state that limits the step size (see `SolverFailure.limitingState`).
  private func limitingState() -> String? {
    driver.largestWeightedError(y: y).map { ode.stateNames[$0] }
  }

  private func diagnose(_ status: GSLStatus, t: Double, h: Double) -> SolverFailure {
    if workspace.cancelled { return SolverFailure(reason: .cancelled, time: t, stepSize: h) }
    if status == .badFunction, let state = workspace.nonFiniteState {
      return SolverFailure(
        reason: .nonFiniteDerivative(species: ode.stateNames[state]), time: t, stepSize: h,
        evaluationTime: workspace.nonFiniteTime)
    }
    if status == .badFunction, let entry = workspace.nonFiniteJacobianEntry {
      return SolverFailure(
        reason: .nonFiniteJacobian(species: ode.stateNames[entry.row], of: ode.stateNames[entry.column]), time: t, stepSize: h,
        evaluationTime: workspace.nonFiniteTime)
    }
    if let bad = (0..<ode.stateCount).first(where: { !y[$0].isFinite }) {
      return SolverFailure(reason: .nonFiniteState(species: ode.stateNames[bad], value: y[bad]), time: t, stepSize: h)
    }
    if status == .failure {
      var failure = SolverFailure(reason: .stepperFailed("\(driver.stepper.rawValue) step failed (\(status))"), time: t, stepSize: h)
      failure.limitingState = limitingState()
      return failure
    }
    return SolverFailure(reason: .stepperFailed("\(driver.stepper.rawValue) stepper returned \(status)"), time: t, stepSize: h)
  }

  private func record(_ trajectory: inout Trajectory, _ t: Double, state: UnsafeMutablePointer<Double>? = nil) {
    trajectory.times.append(t)
    workspace.appendOutputs(t, state ?? y, to: &trajectory.values)
  }
}
