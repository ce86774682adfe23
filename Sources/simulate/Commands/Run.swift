import ArgumentParser
import Foundation
import PathwayModel

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Integrate a model under a scenario and write the time course as CSV.",
    discussion: """
      Writes OUT (wide: time,<ids>; long: time,variable,value) atomically, and records the run in \
      manifest.json beside it (tool and GSL versions, the model's SHA-256, the resolved scenario, \
      options and solver statistics). With -o - the CSV goes to standard output and no manifest is \
      written. If the solver fails, the rows before the failure are written and the exit code is 1.
      """)

  @OptionGroup var model: ModelOptions
  @OptionGroup var solver: SolverOptionGroup
  // Boolean mode (--boolean, --seed, --initial): see Run+Boolean.swift.
  @OptionGroup var booleanMode: BooleanRunOptions

  @OptionGroup var out: OutputOptionGroup

  @Flag(name: .customLong("dump-config"), help: "Print the fully resolved configuration as JSON on stdout and exit without running.")
  var dumpConfig = false

  @Flag(
    name: .customLong("include-event-rows"),
    help: "Add two rows at each event time after the start: the state just before the events and just after (off: rows lie on the output grid only).")
  var includeEventRows = false

  func validate() throws {
    if out.outputPath == nil && !dumpConfig { throw OutputOptionGroup.missingOutput }
    if dumpConfig && booleanMode.scheme != nil {
      throw ValidationError("--dump-config shows the resolved ODE run; a Boolean run (--boolean) has none to show")
    }
    if booleanMode.scheme == nil {
      if booleanMode.initial != nil {
        throw ValidationError("--initial applies to Boolean runs (--boolean sync|async|continuous); an ODE run takes initial values from the scenario ('initial:') or --set X=value")
      }
      if booleanMode.seed != nil {
        throw ValidationError("--seed applies to Boolean runs (--boolean sync|async|continuous); an ODE run has no random choice")
      }
      if booleanMode.states != nil {
        throw ValidationError("--states applies to Boolean runs (--boolean sync|async|continuous): the probability of each network state over the runs")
      }
      if booleanMode.runs != nil {
        throw ValidationError("--runs applies to Boolean runs (--boolean sync|async|continuous); an ODE run is deterministic (sweep parameters with simulate sweep)")
      }
    }
  }

  func run() throws {
    if let scheme = booleanMode.scheme { return try runBoolean(scheme) }  // Boolean mode: Run+Boolean.swift
    try reportingErrors { () throws(PathwayError) in
      let loaded = try model.load()
      var cliLayer = try solver.layer()
      out.apply(to: &cliLayer)
      if includeEventRows { cliLayer.output.eventRows = true }
      let scenario = try model.scenario(extra: cliLayer)
      let ode = try ODEModel(model: loaded)
      let run = try scenario.resolve(for: ode)
      if dumpConfig { return print(JSONValue.object(run.record).rendered()) }
      let solution = try run.simulate(ode)

      let file = try OutputFile(path: out.output)
      try CSVWriter.write(solution.trajectory, layout: run.layout, to: file, separator: CSVWriter.separator(forPath: out.output))
      try file.commit()
      if out.output != "-" {
        var entry: [String: JSONValue] = [
          "command": .string("run"),
          "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
          "scenario": .object(run.record),
          "statistics": RunManifest.statisticsRecord(solution.statistics),
          "rows": .number(Double(solution.trajectory.rowCount)),
          "status": .string(solution.failure == nil ? "ok" : "failed:\(solution.failure!.code)"),
          "layout": .string(run.layout.rawValue),
        ]
        if let failure = solution.failure { entry["failure"] = .string(failure.description) }
        if !solution.slidingIntervals.isEmpty {
          entry["sliding"] = .array(solution.slidingIntervals.map { slide in
            .object([
              "switch": .string("\(ode.switchRootExpressions[slide.root]) = 0"),
              "start": .number(slide.start), "end": .number(slide.end),
            ])
          })
        }
        let directory = Paths.directory(of: out.output)
        try RunManifest.record(entry, for: Paths.lastComponent(of: out.output), in: directory)
      }
      // Sliding is the solution, not a failure; say where it happened (the manifest lists them all).
      for slide in solution.slidingIntervals.prefix(5) {
        printError(
          "note: from t = \(formatNumber(slide.start)) to \(formatNumber(slide.end)) the state slides along the switch "
            + "\(ode.switchRootExpressions[slide.root]) = 0: the rates on both sides drive it into the switch, and it stays "
            + "there with the combination of the two that keeps it on the switch (Filippov)")
      }
      if solution.slidingIntervals.count > 5 {
        printError("note: \(solution.slidingIntervals.count - 5) more sliding intervals (listed in the manifest)")
      }
      if let stiff = solution.statistics.stiffFrom {
        printError(
          "note: the model looks stiff from t = \(formatNumber(stiff)): dopri5's steps are held at its stability limit "
            + "(\(solution.statistics.steps) steps); --method auto or rodas5p takes far fewer")
      }
      if let failure = solution.failure {
        throw PathwayError(
          .simulationFailed, "\(run.name): \(failure)",
          notes: ["\(solution.trajectory.rowCount) rows before the failure were written to \(out.output)"])
      }
    }
  }
}

