import ArgumentParser
import Foundation
import PathwayModel

/// The flags of `simulate run --boolean`: the model's Boolean network instead of its ODEs.
struct BooleanRunOptions: ParsableArguments {
  @Option(
    name: .customLong("boolean"),
    help: ArgumentHelp(
      "Run the Boolean network instead of the ODEs: --steps N updates, written as a 0/1 CSV (step,<nodes>).",
      valueName: "sync|async"))
  var scheme: UpdateScheme?

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
  func runBoolean(_ scheme: UpdateScheme) throws {
    try reportingErrors { () throws(PathwayError) in
      let odeOnly: [(String, Bool)] = [
        ("--t-start", solver.tStart != nil), ("--t-end", solver.tEnd != nil), ("--dt", solver.dt != nil),
        ("--times", solver.timesFile != nil), ("--method", solver.method != nil), ("--kernel", solver.kernel != nil),
        ("--rtol", solver.rtol != nil),
        ("--atol", solver.atol != nil), ("--max-steps", solver.maxSteps != nil), ("--h-max", solver.hMax != nil),
        ("--h-init", solver.hInit != nil), ("--layout", out.layout != nil),
        ("--points", solver.points != nil), ("--include-event-rows", includeEventRows),
      ]
      if let flag = odeOnly.first(where: { $0.1 })?.0 {
        throw PathwayError(.usage, "\(flag) applies to ODE runs; a Boolean run takes --steps, --seed and --initial")
      }
      guard let steps = solver.steps else {
        throw PathwayError(.usage, "--boolean needs --steps N: the number of updates (N + 1 rows)")
      }
      let seed = booleanMode.seed ?? 1
      let loaded = try model.load()
      let scenario = try model.scenario()
      let (pins, warnings) = try BooleanSetup.pins(knockout: [], overexpress: [], scenario: scenario, model: loaded)
      for warning in warnings { printError(warning.description) }
      let network = try BooleanNetwork(model: loaded).pinned(pins)

      var start: BooleanState
      switch booleanMode.initial {
      case nil:
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario)
      case "reference":
        let unpinned = try BooleanNetwork(model: loaded)
        let reference = try BooleanScenarioRun.referenceAttractor(of: unpinned)
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: reference[0])
      case "all-zero":
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: BooleanState(count: network.count))
      case "random":
        var generator = Xoshiro256StarStar(seed: seed, stream: 1)
        let random = BooleanState.random(count: network.count, using: &generator)
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: random)
      case let path?:
        let fromFile = try BooleanSetup.initialState(file: path, names: network.names, base: network.initialState)
        start = try BooleanSetup.initialState(model: loaded, scenario: scenario, base: fromFile)
      }
      start = network.applyingPins(to: start)

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
      let inputs = BooleanSetup.inputProtocol(model: loaded, scenario: scenario, pins: pins)
      let trajectory = BooleanSimulator.run(network, scheme: scheme, steps: steps, from: start, seed: seed, inputs: inputs)
      let file = try OutputFile(path: out.output)
      try BooleanTrajectoryCSV.write(trajectory, columns: columns, to: file, separator: CSVWriter.separator(forPath: out.output))
      try file.commit()
      if out.output != "-" {
        let entry: [String: JSONValue] = [
          "command": .string("run"),
          "mode": .string("boolean"),
          "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
          "update": .string(scheme.rawValue),
          "steps": .number(Double(steps)),
          "seed": .number(Double(seed)),
          "initial": .string(booleanMode.initial ?? "model"),
          "initial_state": .string(start.description),
          "knockout": .array(pins.filter { !$0.value }.keys.sorted().map { .string(network.names[$0]) }),
          "overexpress": .array(pins.filter { $0.value }.keys.sorted().map { .string(network.names[$0]) }),
          "scenarios": .array(model.scenarios.map(JSONValue.string)),
          "rows": .number(Double(trajectory.rowCount)),
          "wall_seconds": .number(Date().timeIntervalSince(started)),
          "status": .string("ok"),
        ]
        try RunManifest.record(entry, for: Paths.lastComponent(of: out.output), in: Paths.directory(of: out.output))
      }
    }
  }
}
