import ArgumentParser
import Foundation
import PathwayModel

struct Attractors: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Find the attractors of a model's Boolean network (steady states, cycles, complex attractors).",
    discussion: """
      By default the search is exact: every state is enumerated up to 30 nodes (synchronous, \
      with exact basin sizes) or 22 nodes (asynchronous); larger networks are split by input \
      combinations and percolated constants and searched exhaustively or on decision diagrams. \
      --exhaustive insists on enumerating all 2^n states; --samples K follows K seeded random \
      initial states instead (incomplete; basins are estimated as fractions). A search too large \
      to finish stops with exit 64 and suggests sampling.

      JSON: {"nodes": [...], "update": "sync"|"async", "attractors": [{"type": \
      "fixed"|"cycle"|"complex", "states": ["0101..."], "basin": N|null}], ...}; a state has \
      one 0/1 character per node in "nodes" order; a cycle is listed in update order. CSV: one \
      row per attractor state, attractor,type,basin,<nodes>. See docs/boolean.md.
      """)

  @Argument(help: "The model file (native .yaml, .bnet, BoolNet .txt, or SBML-qual .xml).")
  var model: String

  @Flag(name: .customLong("undeclared-inputs"), help: undeclaredInputsHelp)
  var undeclaredInputs = false

  @Option(help: ArgumentHelp("Update scheme.", valueName: "sync|async"))
  var update: UpdateScheme = .synchronous

  @Flag(help: "Enumerate all 2^n states (n ≤ 30 synchronous, n ≤ 22 asynchronous).")
  var exhaustive = false

  @Option(help: "Sample this many random initial states instead of an exact search.")
  var samples: Int?

  @Option(help: "Seed of the sampled search (default 1).")
  var seed: UInt64?

  @Option(name: .customLong("max-steps"), help: "Sampled search: the most steps per sample.")
  var maxSteps: Int = 100_000

  @Option(name: .customLong("knockout"), help: ArgumentHelp("Pin a node at 0; repeat for several.", valueName: "node"))
  var knockouts: [String] = []

  @Option(name: .customLong("overexpress"), help: ArgumentHelp("Pin a node at 1; repeat for several.", valueName: "node"))
  var overexpressions: [String] = []

  @Option(
    name: .customLong("perturbation"),
    help: ArgumentHelp("Apply a perturbation the model names (its pins; scalings act on ODEs only); repeat for several.", valueName: "name"))
  var perturbations: [String] = []

  @Option(name: .customLong("scenario"), help: "A scenario file whose perturbations apply and whose input doses fix the inputs (ON when ≥ 0.5); repeat to layer several.")
  var scenarios: [String] = []

  @Option(help: ArgumentHelp("Output format (default: csv for a .csv output, tab-separated for .tsv, else json).", valueName: "json|csv"))
  var format: AttractorReport.Format?

  @Option(name: .customLong("list-limit"), help: "The most states listed per complex attractor.")
  var listLimit: Int = 1000

  @Option(name: .shortAndLong, help: "Output file, or - for standard output.")
  var output: String

  @Flag(name: .shortAndLong, help: "No progress line on stderr.")
  var quiet = false

  func validate() throws {
    if exhaustive && samples != nil { throw ValidationError("--exhaustive and --samples exclude each other") }
    if seed != nil && samples == nil { throw ValidationError("--seed goes with --samples") }
    if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
    if maxSteps < 1 { throw ValidationError("--max-steps must be at least 1") }
    if listLimit < 1 { throw ValidationError("--list-limit must be at least 1") }
  }

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let started = Date()
      let loaded = try loadModel(model, undeclaredInputs: undeclaredInputs)
      // The scenarios' perturbations, then --perturbation's (--knockout and --overexpress go to
      // BooleanSetup directly).
      let scenario = try ModelOptions.layered(scenarios: scenarios, settings: [], perturbations: perturbations)
      let (pins, warnings) = try BooleanSetup.searchPins(
        knockout: knockouts, overexpress: overexpressions, scenario: scenario, model: loaded)
      for warning in warnings { printError(warning.description) }
      let network = try BooleanNetwork(model: loaded).pinned(pins)

      var options = AttractorSearch.Options(listLimit: listLimit, maximumSteps: maxSteps)
      if exhaustive {
        options.strategy = .exhaustive
      } else if let samples {
        options.strategy = .sampled(samples: samples, seed: seed ?? 1)
      }
      // A bar (on a terminal, after a second) or a line every 5 s while the whole space is enumerated.
      let line = ProgressLine(label: "attractors", quiet: quiet, delay: .seconds(1))
      let what = samples.map { "\($0) samples" } ?? "2^\(network.count) states"
      options.progress = { fraction in
        line.update(fraction: fraction, detail: String(format: "%.0f%% of ", 100 * fraction) + what)
      }
      options.status = { text in line.status(text) }
      // The progress line ends before anything else reaches stderr, the search's error included.
      let found = Result { () throws(PathwayError) in try AttractorSearch.find(in: network, scheme: update, options: options) }
      line.finish()
      let set = try found.get()
      let chosen = format ?? ([".csv", ".tsv"].contains { output.lowercased().hasSuffix($0) } ? .csv : .json)
      try AttractorReport.write(set, format: chosen, to: output)

      let seconds = Date().timeIntervalSince(started)
      let counts = Attractor.Kind.allCases.compactMap { kind -> String? in
        let n = set.attractors.filter { $0.kind == kind }.count
        return n == 0 ? nil : "\(n) \(kind.rawValue)"
      }
      var summary = "\(loaded.name): \(set.attractors.count) \(update.rawValue) attractor(s)"
      if !counts.isEmpty { summary += " (" + counts.joined(separator: ", ") + ")" }
      summary += ", \(set.complete ? "complete" : "sampled, possibly incomplete")"
      if set.unresolvedSamples > 0 { summary += ", \(set.unresolvedSamples) sample(s) unresolved" }
      printError(summary + String(format: " in %.3f s", seconds))
      if set.unresolvedSamples > 0 {
        printError(
          "  note: a sample is unresolved when its walk had not settled after --max-steps steps"
            + (update == .asynchronous ? " or its end could not be verified within the decision-diagram budget" : "")
            + "; the JSON's \"method\" says how the search went")
      }

      if output != "-" {
        var entry: [String: JSONValue] = [
          "command": .string("attractors"),
          "model": RunManifest.modelRecord(path: model, undeclaredInputs: undeclaredInputs),
          "update": .string(update.rawValue),
          "method": .string(set.method),
          "complete": .bool(set.complete),
          "attractors": .number(Double(set.attractors.count)),
          "knockout": .array(knockouts.map(JSONValue.string)),
          "overexpress": .array(overexpressions.map(JSONValue.string)),
          "perturbations": .array(perturbations.map(JSONValue.string)),
          "scenarios": .array(scenarios.map(JSONValue.string)),
          "format": .string(chosen.rawValue),
          "wall_seconds": .number(seconds),
        ]
        if let samples {
          entry["samples"] = .number(Double(samples))
          entry["seed"] = .number(Double(seed ?? 1))
          entry["max_steps"] = .number(Double(maxSteps))
        }
        try RunManifest.record(entry, for: Paths.lastComponent(of: output), in: Paths.directory(of: output))
      }
    }
  }
}

extension UpdateScheme: ExpressibleByArgument {}
extension AttractorReport.Format: ExpressibleByArgument {}
