import Foundation

/// How a Boolean run updates the network.
public enum BooleanRunMode: String, Sendable, Hashable, CaseIterable {
  /// Every node at once, step by step.
  case sync
  /// One uniformly random node per step.
  case async
  /// Continuous-time asynchronous updates at rate 1/τ per node (MaBoSS's), in model time.
  case continuous

  /// The discrete update scheme; nil for continuous time.
  public var updateScheme: UpdateScheme? {
    switch self {
    case .sync: return .synchronous
    case .async: return .asynchronous
    case .continuous: return nil
    }
  }
}

/// Where a Boolean run starts, before the scenario's inputs at step 0 and its initial values.
public enum BooleanInitialChoice: Sendable, Hashable {
  /// The model's `initial ≥ 0.5`; drawn per run from the nodes' `initial_probability` where the
  /// model gives one.
  case model
  /// A given state (the reference attractor's first state, a state read from a file).
  case state(BooleanState)
  /// Every node OFF.
  case allZero
  /// Every node ON or OFF with probability 1/2, drawn per run.
  case random
}

/// One Boolean run (or a seeded ensemble of runs) of a model under a scenario, resolved once:
/// the pinned network, the initial state (or how each run draws it), the inputs' time course,
/// and for continuous time the rates and the output grid.
///
/// Pins come from the scenario's perturbations; inputs follow its doses (in steps for `sync`
/// and `async`, its `boolean: inputs:` entries overriding the ODE ones; in model time for
/// `continuous`); settings (`--set X=1`, `u=0`, `X.tau=2`) set initial bits, doses and τ.
public struct BooleanRunDesign: Sendable {
  public let mode: BooleanRunMode
  /// The network with the scenario's pins.
  public let network: BooleanNetwork
  public let pins: [Int: Bool]
  /// Production scalings the Boolean run ignores, and the like.
  public let warnings: [Diagnostic]
  /// The first state when every run starts from it; nil when each run draws its own.
  public let fixedStart: BooleanState?
  /// Discrete modes: the number of updates.
  public let steps: Int
  /// The output rows: steps (discrete) or model times (continuous).
  public let times: [Double]
  /// What the manifest records about the grid and rates.
  public let record: [String: JSONValue]

  private let initial: @Sendable (UInt64) -> BooleanState
  private let inputProtocol: BooleanInputProtocol?
  private let rates: (up: [Double], down: [Double])
  private let start: Double
  private let inputs: [(node: Int, stimulus: Stimulus)]

  /// - Parameters:
  ///   - network: the model's unpinned Boolean network (`BooleanNetwork(model:)`), built once
  ///     by a caller that designs many runs.
  ///   - ode: the model's ODEs, for a continuous-time run's τ, time grid and doses.
  ///   - steps: the number of updates of a discrete run.
  ///   - overriding: pins (node index → ON) that replace the scenario's for the same nodes (a
  ///     knockout sweep's sets).
  public init(
    model: Model, network unpinned: BooleanNetwork, ode: ODEModel?, scenario: Scenario, mode: BooleanRunMode, steps: Int,
    initial choice: BooleanInitialChoice, overriding: [Int: Bool] = [:]
  ) throws(PathwayError) {
    self.mode = mode
    let (scenarioPins, warnings) = try BooleanSetup.pins(knockout: [], overexpress: [], scenario: scenario, model: model)
    let pins = scenarioPins.merging(overriding) { _, swept in swept }
    let network = unpinned.pinned(pins)
    self.network = network
    self.pins = pins
    self.warnings = warnings
    self.steps = steps

    /// Each run draws its initial state (stream 1 of its seed): every node at 1/2 (`random`),
    /// or the nodes the model gives an `initial_probability`; then the bits the scenario sets
    /// (those it sets on any base) and the pins.
    func drawing(all: Bool) throws(PathwayError) -> @Sendable (UInt64) -> BooleanState {
      let on = try BooleanSetup.initialState(model: model, scenario: scenario, base: BooleanState(count: network.count))
      let off = try BooleanSetup.initialState(
        model: model, scenario: scenario, base: BooleanState([Bool](repeating: true, count: network.count)))
      let probabilities = model.nodes.map(\.initialProbability)
      let base = network.initialState
      return { runSeed in
        var generator = Xoshiro256StarStar(seed: runSeed, stream: 1)
        var state: BooleanState
        if all {
          state = BooleanState.random(count: network.count, using: &generator)
        } else {
          state = base
          for (i, p) in probabilities.enumerated() { if let p { state[i] = generator.nextUnitDouble() < p } }
        }
        for i in 0..<network.count where on[i] == off[i] { state[i] = on[i] }
        return network.applyingPins(to: state)
      }
    }
    var start: BooleanState?
    var draw: (@Sendable (UInt64) -> BooleanState)?
    switch choice {
    case .model where model.nodes.contains(where: { $0.initialProbability != nil }):
      draw = try drawing(all: false)
    case .random:
      draw = try drawing(all: true)
    case .model:
      start = try BooleanSetup.initialState(model: model, scenario: scenario)
    case .state(let base):
      start = try BooleanSetup.initialState(model: model, scenario: scenario, base: base)
    case .allZero:
      start = try BooleanSetup.initialState(model: model, scenario: scenario, base: BooleanState(count: network.count))
    }
    let fixed = start.map(network.applyingPins)
    fixedStart = fixed
    initial = draw ?? { _ in fixed! }

    var record: [String: JSONValue] = [:]
    if mode == .continuous {
      // The ODE run's grid, τ and doses (in model time), with the Boolean pins.
      guard let ode else { preconditionFailure("a continuous-time Boolean run needs the model's ODEs") }
      let resolved = try scenario.resolve(for: ode)
      let tau = model.nodes.indices.map { i in ode.stateIndex[i] >= 0 ? resolved.parameters.tau[ode.stateIndex[i]] : 1 }
      let rates = ContinuousTimeBoolean.rates(of: model, tau: tau)
      if let bad = network.names.indices.first(where: {
        !(rates.up[$0] >= 0 && rates.up[$0].isFinite && rates.down[$0] >= 0 && rates.down[$0].isFinite)
      }) {
        throw PathwayError(
          .usage, "τ of '\(network.names[bad])' is \(formatNumber(tau[bad])); a continuous-time run needs τ > 0 or rate_up and rate_down")
      }
      let dosed = BooleanSetup.inputStimuli(model: model, scenario: scenario, continuousTime: true)
      self.rates = rates
      self.inputs = dosed.keys.sorted().filter { pins[$0] == nil }.map { (node: $0, stimulus: dosed[$0]!.stimulus) }
      self.start = resolved.start
      self.times = resolved.times
      self.inputProtocol = nil
      record["t_start"] = .number(resolved.start)
      record["t_end"] = .number(resolved.end)
      record["rates"] = .string("rate_up and rate_down per node, else 1/tau")
      if let unit = model.timeUnit { record["time_unit"] = .string(unit) }
    } else {
      self.rates = ([], [])
      self.inputs = []
      self.start = 0
      self.times = (0...max(0, steps)).map(Double.init)
      self.inputProtocol = BooleanSetup.inputProtocol(model: model, scenario: scenario, pins: pins)
      record["steps"] = .number(Double(steps))
    }
    self.record = record
  }

  /// The initial state of the run with seed `seed`.
  public func initialState(seed: UInt64) -> BooleanState { initial(seed) }

  /// The 0/1 trajectory of one discrete run (sync or async) with seed `seed`.
  public func trajectory(seed: UInt64) -> BooleanTrajectory {
    precondition(mode != .continuous, "a continuous-time run is an ensemble")
    return BooleanSimulator.run(
      network, scheme: mode.updateScheme!, steps: steps, from: initial(seed), seed: seed, inputs: inputProtocol)
  }

  /// `runs` seeded runs (run 0 has seed `seed`) summed as the share of runs with each node ON at
  /// each row. `parallel` splits the runs over all cores; the counts are the same either way.
  /// `watched` nodes (at most 64) also have their joint states tallied per row, and the runs in
  /// which each of `readouts` holds are counted per row. `stop` is polled before each run; once
  /// it has said true the counts are incomplete.
  public func ensemble(
    runs: Int, seed: UInt64, parallel: Bool = true, watched: [Int] = [], readouts: [BooleanFunction] = [],
    stop: (@Sendable () -> Bool)? = nil
  ) -> BooleanEnsemble {
    if mode == .continuous {
      return ContinuousTimeBoolean.ensemble(
        network, rates: rates, start: start, times: times, runs: runs, seed: seed, initial: initial, inputs: inputs,
        parallel: parallel, watched: watched, readouts: readouts, stop: stop)
    }
    return BooleanSimulator.ensemble(
      network, scheme: mode.updateScheme!, steps: steps, runs: runs, seed: seed, initial: initial, inputs: inputProtocol,
      parallel: parallel, watched: watched, readouts: readouts, stop: stop)
  }
}
