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

  /// rtol 1e-6 and atol 1e-8 are the values `BIOLOGY.md` §3.3 asks for (relative errors around
  /// 1e-6 on activities in [0, 1]); a million steps is beyond any sane signalling run.
  public init(method: Stepper = .default, rtol: Double = 1e-6, atol: Double = 1e-8, hMax: Double? = nil,
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

/// Work done by a solve, as GSL's evolve object and our counters report it.
public struct SolverStatistics: Sendable, Hashable, Codable {
  public var steps = 0
  public var failedSteps = 0
  public var rhsEvaluations = 0
  public var jacobianEvaluations = 0
  /// Integration segments (one more than the breakpoints crossed).
  public var segments = 0
  public var wallSeconds = 0.0
  public init() {}
}

/// Why a solve stopped early. The message says when, with which step size, and which species.
public struct SolverFailure: Error, Sendable, CustomStringConvertible {
  public enum Reason: Sendable, Hashable {
    /// The derivative of `species` was NaN or infinite.
    case nonFiniteDerivative(species: String)
    /// `maxSteps` steps were taken before reaching the end.
    case maxStepsReached(Int)
    /// The step size fell below what the time resolution allows.
    case stepSizeUnderflow
    /// GSL reported a failure.
    case stepperFailed(String)
    /// The run was cancelled (Ctrl-C or a sweep's fail-fast).
    case cancelled
  }

  public var reason: Reason
  /// The time reached with a valid state.
  public var time: Double
  /// The step size at the failure.
  public var stepSize: Double
  /// Where a non-finite derivative was seen (a trial point inside the failed step).
  public var evaluationTime: Double?

  public var description: String {
    let at = "at t = \(formatNumber(time)), h = \(formatNumber(stepSize))"
    switch reason {
    case .nonFiniteDerivative(let species):
      let when = evaluationTime.map { "at t = \(formatNumber($0))" } ?? ""
      return "the derivative of '\(species)' is not finite \(when) (last good state \(at))"
    case .maxStepsReached(let n):
      return "\(n) steps taken before reaching the end \(at); raise --max-steps or check for stiffness (try --method msbdf)"
    case .stepSizeUnderflow:
      return "the step size fell below the time resolution \(at); the model may be singular or discontinuous there"
    case .stepperFailed(let status):
      return "the \(status) \(at)"
    case .cancelled:
      return "cancelled \(at)"
    }
  }

  /// A short machine-readable reason for sweep records: `nonfinite:X`, `max_steps`, ….
  public var code: String {
    switch reason {
    case .nonFiniteDerivative(let species): return "nonfinite:\(species)"
    case .maxStepsReached: return "max_steps"
    case .stepSizeUnderflow: return "step_underflow"
    case .stepperFailed: return "stepper"
    case .cancelled: return "cancelled"
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
}

/// Integrates an `ODEModel` with a GSL stepper. Owns one workspace and one GSL driver; reuse it
/// across the runs of one worker thread (`solve` resets everything a run changes).
public final class ODESolver {
  public let ode: ODEModel
  public let options: SolverOptions
  public let workspace: ODEWorkspace
  let driver: GSLDriver
  private let y: UnsafeMutablePointer<Double>
  private var assignmentScratch: [Double] = []

  public init(_ ode: ODEModel, options: SolverOptions = SolverOptions()) throws(PathwayError) {
    self.ode = ode
    self.options = options
    self.workspace = ODEWorkspace(ode)
    self.driver = try GSLDriver(
      workspace: workspace, stepper: options.method, rtol: options.rtol, atol: options.atol,
      hInitial: options.hInitial ?? 1e-6)
    self.y = .allocate(capacity: max(1, ode.stateCount))
    self.y.initialize(repeating: 0, count: max(1, ode.stateCount))
  }

  deinit { y.deallocate() }

  /// Output columns: every node in model order (inputs show their dose), then every assignment.
  public var outputNames: [String] { ode.model.nodes.map(\.id) + ode.assignmentNames }

  /// The initial state of a run: `initial` values (per state), pinned states at their level.
  public func initialState(_ parameters: RunParameters, _ initial: [Double]) -> [Double] {
    var state = initial
    for i in 0..<ode.stateCount { if let level = parameters.statePins[i] { state[i] = level } }
    return state
  }

  /// Integrates from `start` to `end`, writing a row at each of `times` (sorted, within
  /// [start, end]). Every discontinuity of an input ends a segment; the driver is reset there.
  ///
  /// - Parameters:
  ///   - initial: the state at `start`, one value per state variable (pins are applied on top).
  /// - Returns: the solution; on a failure its trajectory holds the rows before the failure.
  public func solve(
    _ parameters: RunParameters, initial: [Double], start: Double, end: Double, times: [Double]
  ) -> Solution {
    let clock = ContinuousClock.now
    workspace.load(parameters)
    let n = ode.stateCount
    let state = initialState(parameters, initial)
    for i in 0..<n { y[i] = state[i] }
    var trajectory = Trajectory(names: outputNames)
    trajectory.times.reserveCapacity(times.count)
    trajectory.values.reserveCapacity(times.count * trajectory.names.count)
    var statistics = SolverStatistics()
    var t = start
    var outputIndex = 0
    var failure: SolverFailure? = nil

    // Breakpoints of the inputs that are not pinned.
    var breakpoints = Set<Double>()
    for u in 0..<ode.inputCount where parameters.inputPins[u] == nil {
      for b in parameters.stimuli[u].breakpoints(from: start, to: end) { breakpoints.insert(b) }
    }
    let boundaries = [start] + breakpoints.sorted() + [end]

    while outputIndex < times.count && times[outputIndex] <= start {
      record(&trajectory, times[outputIndex], parameters)
      outputIndex += 1
    }
    var totalSteps = 0, totalFailed = 0
    var h = 0.0
    segments: for segment in 0..<(boundaries.count - 1) where boundaries[segment + 1] > boundaries[segment] {
      let segmentEnd = boundaries[segment + 1]
      workspace.setSegment(at: boundaries[segment])
      driver.reset()
      statistics.segments += 1
      h = options.hInitial ?? max(1e-12, (segmentEnd - t) * 1e-6)
      if let hMax = options.hMax { h = min(h, hMax) }
      var targets: [Double] = []
      while outputIndex + targets.count < times.count && times[outputIndex + targets.count] <= segmentEnd {
        targets.append(times[outputIndex + targets.count])
      }
      targets.append(segmentEnd)
      for target in targets {
        while t < target {
          if totalSteps + driver.counts.steps + driver.counts.failed >= options.maxSteps {
            failure = SolverFailure(reason: .maxStepsReached(options.maxSteps), time: t, stepSize: h)
            break segments
          }
          if let hMax = options.hMax, h > hMax { h = hMax }
          let status = driver.step(t: &t, t1: target, h: &h, y: y)
          if status != .success {
            failure = diagnose(status, t: t, h: h)
            break segments
          }
          if t < target && t + h == t {
            failure = SolverFailure(reason: .stepSizeUnderflow, time: t, stepSize: h)
            break segments
          }
        }
        if outputIndex < times.count && times[outputIndex] == target {
          record(&trajectory, target, parameters)
          outputIndex += 1
        }
      }
      let counts = driver.counts
      totalSteps += counts.steps
      totalFailed += counts.failed
    }
    if failure != nil {
      let counts = driver.counts
      totalSteps += counts.steps
      totalFailed += counts.failed
    }
    statistics.steps = totalSteps
    statistics.failedSteps = totalFailed
    statistics.rhsEvaluations = workspace.rhsEvaluations
    statistics.jacobianEvaluations = workspace.jacobianEvaluations
    let elapsed = ContinuousClock.now - clock
    statistics.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return Solution(
      trajectory: trajectory, statistics: statistics, failure: failure,
      finalState: (0..<n).map { y[$0] }, finalTime: t)
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

  private func diagnose(_ status: GSLStatus, t: Double, h: Double) -> SolverFailure {
    if workspace.cancelled { return SolverFailure(reason: .cancelled, time: t, stepSize: h) }
    if status == .badFunction, let state = workspace.nonFiniteState {
      return SolverFailure(
        reason: .nonFiniteDerivative(species: ode.stateNames[state]), time: t, stepSize: h,
        evaluationTime: workspace.nonFiniteTime)
    }
    if status == .failure {
      return SolverFailure(reason: .stepperFailed("\(driver.stepper.rawValue) step failed (\(status))"), time: t, stepSize: h)
    }
    return SolverFailure(reason: .stepperFailed("\(driver.stepper.rawValue) stepper returned \(status)"), time: t, stepSize: h)
  }

  private func record(_ trajectory: inout Trajectory, _ t: Double, _ parameters: RunParameters) {
    trajectory.times.append(t)
    for node in 0..<ode.model.nodes.count {
      let s = ode.stateIndex[node]
      trajectory.values.append(s >= 0 ? y[s] : parameters.dose(ode.inputIndex[node], at: t))
    }
    if !ode.assignmentNames.isEmpty {
      // Assignments see the inputs of the segment that starts at t.
      workspace.setSegment(at: t)
      workspace.assignmentValues(t, y, into: &assignmentScratch)
      trajectory.values.append(contentsOf: assignmentScratch)
    }
  }
}
