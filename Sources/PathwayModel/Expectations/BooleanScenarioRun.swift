/// A scenario run as a synchronous Boolean network, with the semantics of `BIOLOGY.md` §0:
///
/// 1. The **reference attractor**: from the model's initial values (inputs at their baseline,
///    `initial ≥ 0.5`), iterate synchronously until a state repeats; the run starts from the
///    first state of that attractor (its fixed point, or its cycle in update order).
/// 2. The scenario: its initial values set nodes in that first state (≥ 0.5 is ON); its
///    perturbations pin nodes; each input follows its stimulus with time counted
///    in **synchronous steps** (a dose ≥ 0.5 is ON; `boolean: {inputs: …}` in the scenario file
///    overrides the ODE doses and timings for this mode). The input bits of state k are the
///    stimulus at step k, and state k + 1 is the update of state k.
/// 3. After the last change of any stimulus, iterate until a state repeats: the cycle is the
///    scenario's attractor, and a readout is a node's average over it. A dose repeated without
///    a count forces the network forever: the attractor is then the cycle in which a state
///    recurs at the same phase of the doses (their periods, in whole steps, set the phase).
///    A stimulus that changes after `maxSteps` is an error, never cut silently.
public struct BooleanScenarioResult: Sendable {
  public var names: [String]
  /// Time average of each node over the attractor cycle.
  public var averages: [Double]
  /// The attractor's states in update order.
  public var cycle: [BooleanState]
  /// The step at which the attractor was first entered.
  public var entryStep: Int

  public func average(of name: String) -> Double? {
    names.firstIndex(of: name).map { averages[$0] }
  }
}

public enum BooleanScenarioRun {
  /// Runs `scenario` on `model`'s logical rules. Throws for unknown names (exit 65 located in the
  /// scenario file, 64 from the command line) and when no attractor is found in `maxSteps` steps.
  public static func run(
    model: Model, network base: BooleanNetwork? = nil, scenario: Scenario, maxSteps: Int = 1_000_000
  ) throws(PathwayError) -> BooleanScenarioResult {
    let network: BooleanNetwork
    if let base { network = base } else { network = try BooleanNetwork(model: model) }
    let n = network.count
    // 1. The reference attractor.
    let reference = try attractor(from: network.initialState, network: network, inputs: { _, state in state }, maxSteps: maxSteps)
    // From its first state, with the scenario's initial values (`initial:`, `--set X=1`) on top,
    // as `simulate run --boolean sync --initial reference` starts.
    var state = try BooleanSetup.initialState(model: model, scenario: scenario, base: reference.cycle[0])

    // 2. Pins and stimuli.
    let (pins, _) = try BooleanSetup.pins(knockout: [], overexpress: [], scenario: scenario, model: model)
    let pinned = network.pinned(pins)
    var bag = DiagnosticBag()
    for entry in scenario.inputs + (scenario.boolean?.inputs ?? []) {
      if let i = model.nodeIndex(entry.input), model.nodes[i].isInput { continue }
      bag.error(
        entry.location, "unknown input '\(entry.input)'",
        notes: didYouMean(entry.input, among: model.nodes.filter(\.isInput).map(\.id)).map { [$0] } ?? [])
    }
    try bag.throwIfErrors()
    // A setting on an input (`--set u=0`) is a constant stimulus there, as in ODE runs.
    let stimuli = BooleanSetup.inputStimuli(model: model, scenario: scenario)
    let freeInputs = stimuli.keys.filter { pins[$0] == nil }.sorted()
    func applyInputs(_ step: Int, _ s: BooleanState) -> BooleanState {
      var out = s
      for i in freeInputs { out[i] = stimuli[i]!.stimulus.value(at: Double(step)) >= 0.5 }
      return out
    }
    state = applyInputs(0, state)
    for (i, value) in pins { state[i] = value }
    // The protocol: until the last change of a stimulus, or until every endless repeated dose
    // has started; those go on as a forcing of whole-step period.
    var lastChange = 0
    var forcingPeriod = 1
    for i in freeInputs {
      let (stimulus, location) = stimuli[i]!
      if case .repeated(let start, let period, _, nil, _, _) = stimulus {
        guard period == period.rounded(), period >= 1, period <= 1_000_000 else {
          throw PathwayError(
            .invalidInput, at: location,
            "a Boolean dose repeated without a count needs a whole number of steps as its period, found \(formatNumber(period))")
        }
        forcingPeriod = lcm(forcingPeriod, Int(period))
        lastChange = max(lastChange, Int(max(0, start).rounded(.up)))
        guard forcingPeriod <= 1_000_000 else {
          throw PathwayError(.invalidInput, at: location, "the repeated Boolean doses together repeat only every \(forcingPeriod) steps (at most 10^6)")
        }
        continue
      }
      if let last = stimulus.breakpoints(from: -1, to: .infinity).last {
        let change = Int(min(last.rounded(.up), Double(Int.max / 2)))
        guard change <= maxSteps else {
          throw PathwayError(
            .invalidInput, at: location,
            "'\(model.nodes[i].id)' changes at step \(formatNumber(last)), after the \(maxSteps) steps of boolean.max_steps",
            notes: ["raise boolean.max_steps, or end the protocol earlier"])
        }
        lastChange = max(lastChange, change)
      }
    }
    var step = 0
    while step < lastChange {
      state = applyInputs(step + 1, pinned.successor(of: state))
      step += 1
    }
    // 3. The attractor: under constant inputs, or under the repeated doses (a state and the
    //    forcing's phase repeat together).
    let protocolEnd = step
    let result = try attractor(
      from: state, network: pinned, period: forcingPeriod,
      inputs: { k, s in forcingPeriod == 1 ? s : applyInputs(protocolEnd + k, s) }, maxSteps: maxSteps)
    var averages = [Double](repeating: 0, count: n)
    for s in result.cycle {
      for i in 0..<n where s[i] { averages[i] += 1 }
    }
    for i in 0..<n { averages[i] /= Double(result.cycle.count) }
    return BooleanScenarioResult(names: network.names, averages: averages, cycle: result.cycle, entryStep: step + result.entry)
  }

  /// The reference attractor (step 1 above): iterated synchronously from the network's initial
  /// state with inputs at their baseline, in update order.
  public static func referenceAttractor(of network: BooleanNetwork, maxSteps: Int = 1_000_000) throws(PathwayError) -> [BooleanState] {
    try attractor(from: network.initialState, network: network, inputs: { _, state in state }, maxSteps: maxSteps).cycle
  }

  /// Iterates from `start` until a state repeats at the same phase of a forcing of `period`
  /// steps (`inputs(k, state)` sets the input bits of step k); the cycle in update order and the
  /// step at which it was entered.
  static func attractor(
    from start: BooleanState, network: BooleanNetwork, period: Int = 1, inputs: (Int, BooleanState) -> BooleanState,
    maxSteps: Int
  ) throws(PathwayError) -> (cycle: [BooleanState], entry: Int) {
    struct Phased: Hashable {
      var state: BooleanState
      var phase: Int
    }
    var seen: [Phased: Int] = [:]
    var trajectory: [BooleanState] = []
    var state = start
    for step in 0...maxSteps {
      let key = Phased(state: state, phase: step % period)
      if let first = seen[key] {
        return (Array(trajectory[first...]), first)
      }
      seen[key] = step
      trajectory.append(state)
      state = inputs(step + 1, network.successor(of: state))
    }
    throw PathwayError(
      .simulationFailed, "no attractor reached within \(maxSteps) synchronous steps",
      notes: ["the network's transient is longer than the step limit"])
  }
}

/// The least common multiple of two positive integers.
private func lcm(_ a: Int, _ b: Int) -> Int {
  var (x, y) = (a, b)
  while y != 0 { (x, y) = (y, x % y) }
  return a / x * b
}
