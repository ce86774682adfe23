import ArgumentParser
import Foundation
import PathwayModel

extension BooleanRunMode: ExpressibleByArgument {}

/// The flags of `simulate run --boolean`: the model's Boolean network instead of its ODEs.
struct BooleanRunOptions: ParsableArguments {
  @Option(
    name: .customLong("boolean"),
    help: ArgumentHelp(
      "Run the Boolean network instead of the ODEs. sync, async: --steps N updates, a 0/1 CSV (step,<nodes>). continuous: a node that disagrees with its rule flips at rate 1/τ (MaBoSS's continuous-time asynchronous update), on the --t-end and --steps/--dt grid (time,<nodes>).",
      valueName: "sync|async|continuous"))
  var scheme: BooleanRunMode?

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

  @Option(
    name: .customLong("states"),
    help: ArgumentHelp(
      "With --boolean: also write the probability of each state of the --select nodes (at most 64; all nodes by default) at each row, as MaBoSS's state trajectories: step or time, state (its ON nodes joined by ' -- ', <nil> for none), probability.",
      valueName: "FILE"))
  var states: String?
}

extension Run {
  /// `simulate run MODEL --boolean sync|async --steps N [--seed S] [--initial …] -o OUT.csv`.
  ///
  /// Pins come from the scenario's perturbations (a knockout holds 0, an over-expression 1, from
  /// step 0 on); inputs follow the scenario's stimuli with time counted in steps (its
  /// `boolean: inputs:` entries override the ODE doses and timings). The ODE flags have no meaning here and are refused.
  func runBoolean(_ mode: BooleanRunMode) throws {
    try reportingErrors { () throws(PathwayError) in
      let continuous = mode == .continuous
      if let flag = solver.flagWithoutBooleanMeaning(continuous: continuous) ?? (includeEventRows ? "--include-event-rows" : nil) {
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
      var scenario = try model.scenario()
      let unpinned = try BooleanNetwork(model: loaded)
      var ode: ODEModel? = nil
      if continuous {
        // The ODE run's grid, τ and doses (in model time).
        var layer = try solver.layer()
        out.apply(to: &layer)
        // Phenotypes in --select are the ensemble's columns, not the ODE run's.
        let nodesSelected = layer.output.select?.filter { !BooleanFunction.looksLikePhenotype($0) }
        layer.output.select = nodesSelected?.isEmpty == true ? nil : nodesSelected
        scenario = try model.scenario(extra: layer)
        ode = try ODEModel(model: loaded)
      }
      let choice = try Self.initialChoice(booleanMode.initial, model: loaded, network: unpinned)
      let design = try BooleanRunDesign(
        model: loaded, network: unpinned, ode: ode, scenario: scenario, mode: mode, steps: steps, initial: choice)
      for warning in design.warnings { printError(warning.description) }
      let network = design.network
      let pins = design.pins

      var columns = Array(0..<network.count)
      // Phenotypes among the selection (Boolean expressions of nodes): the share of runs in
      // which each holds, as columns after the nodes'.
      var phenotypes: [(name: String, function: BooleanFunction)] = []
      if let select = out.select {
        var requested = select.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for text in requested where BooleanFunction.looksLikePhenotype(text) {
          switch BooleanFunction.phenotype(text, names: network.names) {
          case .success(let function): phenotypes.append((text, function))
          case .failure(let problem): throw PathwayError(.usage, "--select: \(problem.message)", notes: problem.notes)
          }
        }
        requested.removeAll(where: BooleanFunction.looksLikePhenotype)
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
      var watched: [Int] = []
      if let path = booleanMode.states {
        guard columns.count <= BooleanEnsemble.maximumWatched else {
          throw PathwayError(
            .usage, "--states tallies the joint states of at most \(BooleanEnsemble.maximumWatched) nodes; \(columns.count) are selected",
            notes: ["choose the nodes with --select"])
        }
        guard !(path == "-" && out.output == "-") else {
          throw PathwayError(.usage, "--states - and -o - would both write to standard output; give one of them a file")
        }
        watched = columns
      }
      let started = Date()
      let file = try OutputFile(path: out.output)
      let separator = CSVWriter.separator(forPath: out.output)
      let layout = out.layout ?? .wide
      let statesFile = try booleanMode.states.map { path throws(PathwayError) in try OutputFile(path: path) }
      let rows: Int
      if runs == 1 && !continuous && statesFile == nil && phenotypes.isEmpty {
        let trajectory = design.trajectory(seed: seed)
        try BooleanTrajectoryCSV.write(trajectory, columns: columns, layout: layout, to: file, separator: separator)
        rows = trajectory.rowCount
      } else {
        let ensemble = design.ensemble(runs: runs, seed: seed, watched: watched, readouts: phenotypes.map(\.function))
        try BooleanEnsembleCSV.write(
          ensemble, columns: columns, readoutNames: phenotypes.map(\.name), rowHeader: continuous ? "time" : "step", layout: layout,
          to: file, separator: separator)
        rows = ensemble.times.count
        if let statesFile, let path = booleanMode.states {
          try BooleanStatesCSV.write(
            ensemble, rowHeader: continuous ? "time" : "step", to: statesFile, separator: CSVWriter.separator(forPath: path))
        }
      }
      try file.commit()
      try statesFile?.commit()
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
          "initial_state": .string(design.fixedStart?.description ?? "drawn per run"),
          "knockout": .array(pins.filter { !$0.value }.keys.sorted().map { .string(network.names[$0]) }),
          "overexpress": .array(pins.filter { $0.value }.keys.sorted().map { .string(network.names[$0]) }),
          "scenarios": .array(model.scenarios.map(JSONValue.string)),
          "rows": .number(Double(rows)),
          "wall_seconds": .number(Date().timeIntervalSince(started)),
          "status": .string("ok"),
        ]
        entry.merge(design.record) { _, new in new }
        if let path = booleanMode.states { entry["states"] = .string(Paths.lastComponent(of: path)) }
        try RunManifest.record(entry, for: Paths.lastComponent(of: out.output), in: Paths.directory(of: out.output))
      }
      if let path = booleanMode.states, path != "-" {
        var entry: [String: JSONValue] = [
          "command": .string("run"), "mode": .string("boolean"), "update": .string(mode.rawValue), "runs": .number(Double(runs)),
          "seed": .number(Double(seed)), "values": .string("share of runs in each state of the watched nodes"),
          "watched": .array(watched.map { .string(network.names[$0]) }),
          "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
          "trajectory": .string(Paths.lastComponent(of: out.output)),
        ]
        entry.merge(design.record) { _, new in new }
        try RunManifest.record(entry, for: Paths.lastComponent(of: path), in: Paths.directory(of: path))
      }
    }
  }

  /// The starting point `--initial` names: the model's, the reference attractor's first state,
  /// all OFF, drawn at random, or a state read from a file.
  static func initialChoice(_ text: String?, model: Model, network: BooleanNetwork) throws(PathwayError) -> BooleanInitialChoice {
    switch text {
    case nil: return .model
    case "reference": return .state(try BooleanScenarioRun.referenceAttractor(of: network)[0])
    case "all-zero": return .allZero
    case "random": return .random
    case let path?:
      let keywords = ["reference", "all-zero", "random"]
      if !FileManager.default.fileExists(atPath: path), let near = didYouMean(path, among: keywords) {
        throw PathwayError(.usage, "--initial \(path): no such file, and not one of \(keywords.joined(separator: ", "))", notes: [near])
      }
      return .state(try BooleanSetup.initialState(file: path, names: network.names, base: network.initialState))
    }
  }
}
