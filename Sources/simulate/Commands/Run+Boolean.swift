import ArgumentParser
import Foundation
import PathwayModel

/// How `simulate run --boolean` updates the network.
enum BooleanRunScheme: String, ExpressibleByArgument, CaseIterable {
  /// Every node at once, step by step.
  case sync
  /// One uniformly random node per step.
  case async
  /// Continuous-time asynchronous updates at rate 1/τ per node (MaBoSS's), in model time.
  case continuous

  var updateScheme: UpdateScheme? {
    switch self {
    case .sync: return .synchronous
    case .async: return .asynchronous
    case .continuous: return nil
    }
  }
}

/// The flags of `simulate run --boolean`: the model's Boolean network instead of its ODEs.
struct BooleanRunOptions: ParsableArguments {
  @Option(
    name: .customLong("boolean"),
    help: ArgumentHelp(
      "Run the Boolean network instead of the ODEs. sync, async: --steps N updates, a 0/1 CSV (step,<nodes>). continuous: a node that disagrees with its rule flips at rate 1/τ (MaBoSS's continuous-time asynchronous update), on the --t-end and --steps/--dt grid (time,<nodes>).",
      valueName: "sync|async|continuous"))
  var scheme: BooleanRunScheme?

  @Option(
    name: .customLong("runs"),
    help: "With --boolean: N seeded runs (run 0 is the single run of --seed); each row then holds the share of runs with each node ON (default 1).")
  var runs: Int?

  @Option(name: .customLong("seed"), help: "With --boolean: seed of the asynchronous node choices and of --initial random (default 1).")
  var seed: UInt64?

  @Option(
    name: .customLong("initial"),
    help: ArgumentHelp(
      "With --boolean: the initial state (default: the model's initial values ≥ 0.5; reference: the first state of the synchronous attractor reached from them with inputs at baseline), then the scenario's inputs at step 0 and initial values.",
      valueName: "FILE|reference|all-zero|random"))
  var initial: String?
}

extension Run {
  /// `simulate run MODEL --boolean sync|async --steps N [--seed S] [--initial …] -o OUT.csv`.
  ///
  /// Pins come from the scenario's perturbations (a knockout holds 0, an over-expression 1, from
  /// step 0 on); inputs follow the scenario's stimuli with time counted in steps (its
  /// `boolean: inputs:` entries override the ODE doses and timings). The ODE flags have no meaning here and are refused.
  func runBoolean(_ mode: BooleanRunScheme) throws {
    try reportingErrors { () throws(PathwayError) in
      let continuous = mode == .continuous
      let solverOnly: [(String, Bool)] = [
        ("--method", solver.method != nil), ("--kernel", solver.kernel != nil), ("--rtol", solver.rtol != nil),
        ("--atol", solver.atol != nil), ("--max-steps", solver.maxSteps != nil), ("--h-max", solver.hMax != nil),
        ("--h-init", solver.hInit != nil), ("--include-event-rows", includeEventRows),
      ]
      let gridOnly: [(String, Bool)] = [
        ("--t-start", solver.tStart != nil), ("--t-end", solver.tEnd != nil), ("--dt", solver.dt != nil),
        ("--times", solver.timesFile != nil), ("--points", solver.points != nil),
      ]
      if let flag = (solverOnly + (continuous ? [] : gridOnly)).first(where: { $0.1 })?.0 {
        throw PathwayError(
          .usage, "\(flag) applies to ODE runs\(continuous ? "" : " and --boolean continuous"); a Boolean run takes \(continuous ? "the time grid, " : "--steps, ")--seed, --runs, --initial, --select and the scenario options")
      }
      let runs = booleanMode.runs ?? 1
      guard runs >= 1 else { throw PathwayError(.usage, "--runs must be at least 1") }
      guard continuous || solver.steps != nil else {
        throw PathwayError(.usage, "--boolean needs --steps N: the number of updates (N + 1 rows)")
      }
      let steps = solver.steps ?? 0
      let seed = booleanMode.seed ?? 1
      let loaded = try model.load()
      let scenario = try model.scenario()
      let (pins, warnings) = try BooleanSetup.pins(knockout: [], overexpress: [], scenario: scenario, model: loaded)
      for warning in warnings { printError(warning.description) }
      let network = try BooleanNetwork(model: loaded).pinned(pins)

      var start: BooleanState
      var randomInitial: (@Sendable (UInt64) -> BooleanState)? = nil
      /// Each run draws its initial state (stream 1 of its seed): every node at 1/2 (`random`),
      /// or the nodes the model gives an `initial_probability`; then the bits the scenario sets
      /// (those it sets on any base) and the pins.
      func drawing(all: Bool) throws(PathwayError) -> @Sendable (UInt64) -> BooleanState {
        let on = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: BooleanState(count: network.count))
        let off = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: BooleanState([Bool](repeating: true, count: network.count)))
        let probabilities = loaded.nodes.map(\.initialProbability)
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
      switch booleanMode.initial {
      case nil where loaded.nodes.contains(where: { $0.initialProbability != nil }):
        randomInitial = try drawing(all: false)
        start = randomInitial!(seed)
      case nil:
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario)
      case "reference":
        let unpinned = try BooleanNetwork(model: loaded)
        let reference = try BooleanScenarioRun.referenceAttractor(of: unpinned)
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: reference[0])
      case "all-zero":
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: BooleanState(count: network.count))
      case "random":
        randomInitial = try drawing(all: true)
        start = randomInitial!(seed)
      case let path?:
        let keywords = ["reference", "all-zero", "random"]
        if !FileManager.default.fileExists(atPath: path), let near = didYouMean(path, among: keywords) {
          throw PathwayError(
            .usage, "--initial \(path): no such file, and not one of \(keywords.joined(separator: ", "))", notes: [near])
        }
        let fromFile = try BooleanSetup.initialState(file: path, names: network.names, base: network.initialState)
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: fromFile)
      }
      start = network.applyingPins(to: start)
      let fixedStart = start
      let initial = randomInitial ?? { _ in fixedStart }

      var columns = Array(0..<network.count)
      if let select = out.select {
        let requested = select.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let (names, unmatched) = Scenario.expandSelection(requested, among: network.names)
        if let pattern = unmatched.first {
          throw PathwayError(.usage, "--select: no node matches '\(pattern)'")
        }
        columns = []
        for name in names {
          guard let i = network.index(of: name) else {
            throw PathwayError(
              .usage, "--select: unknown node '\(name)'",
              notes: network.names.nearest(to: name).map { "did you mean '\($0)'?" })
          }
          columns.append(i)
        }
      }
      let started = Date()
      let file = try OutputFile(path: out.output)
      let separator = CSVWriter.separator(forPath: out.output)
      let layout = out.layout ?? .wide
      var record: [String: JSONValue] = [:]
      let rows: Int
      if continuous {
        // The ODE run's grid, τ and doses (in model time), with the Boolean pins.
        var layer = try solver.layer()
        out.apply(to: &layer)
        let ode = try ODEModel(model: loaded)
        let resolved = try model.scenario(extra: layer).resolve(for: ode)
        let tau = loaded.nodes.indices.map { i in ode.stateIndex[i] >= 0 ? resolved.parameters.tau[ode.stateIndex[i]] : 1 }
        let rates = ContinuousTimeBoolean.rates(of: loaded, tau: tau)
        if let bad = network.names.indices.first(where: { !(rates.up[$0] >= 0 && rates.up[$0].isFinite && rates.down[$0] >= 0 && rates.down[$0].isFinite) }) {
          throw PathwayError(.usage, "τ of '\(network.names[bad])' is \(formatNumber(tau[bad])); a continuous-time run needs τ > 0 or rate_up and rate_down")
        }
        let dosed = BooleanSetup.inputStimuli(model: loaded, scenario: scenario, continuousTime: true)
        let inputs = dosed.keys.sorted().filter { pins[$0] == nil }.map { (node: $0, stimulus: dosed[$0]!.stimulus) }
        let ensemble = ContinuousTimeBoolean.ensemble(
          network, rates: rates, start: resolved.start, times: resolved.times, runs: runs, seed: seed, initial: initial,
          inputs: inputs)
        try BooleanEnsembleCSV.write(ensemble, columns: columns, rowHeader: "time", layout: layout, to: file, separator: separator)
        rows = ensemble.times.count
        record["t_start"] = .number(resolved.start)
        record["t_end"] = .number(resolved.end)
        record["rates"] = .string("rate_up and rate_down per node, else 1/tau")
        if let unit = loaded.timeUnit { record["time_unit"] = .string(unit) }
      } else {
        let scheme = mode.updateScheme!
        let inputs = BooleanSetup.inputProtocol(model: loaded, scenario: scenario, pins: pins)
        if runs == 1 {
          let trajectory = BooleanSimulator.run(network, scheme: scheme, steps: steps, from: start, seed: seed, inputs: inputs)
          try BooleanTrajectoryCSV.write(trajectory, columns: columns, layout: layout, to: file, separator: separator)
          rows = trajectory.rowCount
        } else {
          let ensemble = BooleanSimulator.ensemble(
            network, scheme: scheme, steps: steps, runs: runs, seed: seed, initial: initial, inputs: inputs)
          try BooleanEnsembleCSV.write(ensemble, columns: columns, rowHeader: "step", layout: layout, to: file, separator: separator)
          rows = ensemble.times.count
        }
        record["steps"] = .number(Double(steps))
      }
      try file.commit()
      if out.output != "-" {
        var entry: [String: JSONValue] = [
          "command": .string("run"),
          "mode": .string("boolean"),
          "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
          "update": .string(mode.rawValue),
          "runs": .number(Double(runs)),
          "values": .string(runs == 1 ? "0/1 per node" : "share of runs with the node ON"),
          "seed": .number(Double(seed)),
          "initial": .string(booleanMode.initial ?? "model"),
          "initial_state": .string(randomInitial == nil ? start.description : "drawn per run"),
          "knockout": .array(pins.filter { !$0.value }.keys.sorted().map { .string(network.names[$0]) }),
          "overexpress": .array(pins.filter { $0.value }.keys.sorted().map { .string(network.names[$0]) }),
          "scenarios": .array(model.scenarios.map(JSONValue.string)),
          "rows": .number(Double(rows)),
          "wall_seconds": .number(Date().timeIntervalSince(started)),
          "status": .string("ok"),
        ]
        entry.merge(record) { _, new in new }
        try RunManifest.record(entry, for: Paths.lastComponent(of: out.output), in: Paths.directory(of: out.output))
      }
    }
  }
}
