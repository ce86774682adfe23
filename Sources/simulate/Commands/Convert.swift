import ArgumentParser
import PathwayModel

/// `simulate convert IN -o OUT [--to FORMAT]`: between the native format, SBML, SBML-qual,
/// BoolNet and .bnet, where the target can express the model.
struct Convert: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Convert a model between the native format, SBML, SBML-qual, BoolNet and .bnet.",
    discussion: """
      The input's format follows its extension: .yaml/.yml native, .xml/.sbml SBML (SBML-qual when the document declares the qual package), .bnet, .txt BoolNet (targets, factors). The target follows --to, or the output's extension: .yaml/.yml native, .xml/.sbml SBML Level 3 Version 2 core, .bnet, .txt BoolNet, and SBML-qual for a name ending in .qual.xml (any other .xml name needs --to sbml-qual).

      What the target cannot express stops the conversion with exit 65 and an error naming it at its file:line:column, and nothing is written: rate laws, modulators, assignments, initial assignments and events in the logical formats (SBML-qual, BoolNet, .bnet; --logic-only drops them and writes the rules alone), events in the native format. What a target has no place for but does not change the dynamics (evidence; τ, n, k, rate_up and rate_down in the logical formats, rate_up and rate_down in SBML; named perturbations in SBML) is dropped with a note on stderr.

      SBML core gets each rule-only node's HillCube ODE as a rate rule, so libRoadRunner and COPASI integrate what `simulate run` integrates. With --scenario/--set, the SBML is the model as the scenario sets it up: stimuli as functions of time, knockouts, over-expressions and pins as constant species, production scales, parameter and initial values. A model that equilibrates (defaults.equilibrate) gets its equilibrated state as initial values.

      Examples:
        simulate convert model.yaml -o model.xml
        simulate convert model.yaml --scenario pulse.yaml -o pulse.xml
        simulate convert net.bnet --to sbml-qual -o net.xml
        simulate convert net.xml -o net.bnet
        simulate convert model.yaml --logic-only -o model.bnet
      See docs/formats.md for what each format holds.
      """)

  @Argument(help: ArgumentHelp("The model file: .yaml/.yml, .xml/.sbml (SBML or SBML-qual), .bnet, or BoolNet .txt.", valueName: "model"))
  var modelPath: String

  @Option(name: .customLong("scenario"), help: "A scenario file baked into SBML output; repeat to layer several, in order.")
  var scenarios: [String] = []

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Baked into SBML output after all scenarios: a parameter, an input's dose, a node's initial value, or NODE.tau/.n/.k.",
      valueName: "id=value"))
  var settings: [String] = []

  @Option(name: .shortAndLong, help: "The output file, or - for standard output (with --to).")
  var output: String

  @Option(name: .customLong("to"), help: ArgumentHelp("The target format.", valueName: "native|sbml|sbml-qual|boolnet|bnet"))
  var target: Target?

  @Flag(name: .customLong("undeclared-inputs"), help: undeclaredInputsHelp)
  var undeclaredInputs = false

  @Flag(name: .customLong("logic-only"), help: "Write the logical rules alone: drop the rate laws of nodes that also have a rule, modulators, assignments, events and parameters (a node with a rate law and no rule still cannot be written).")
  var logicOnly = false

  enum Target: String, ExpressibleByArgument, CaseIterable {
    case native, sbml
    case sbmlQual = "sbml-qual"
    case boolnet, bnet

    var label: String {
      switch self {
      case .native: return "the native format"
      case .sbml: return "SBML core"
      case .sbmlQual: return "SBML-qual"
      case .boolnet: return "BoolNet"
      case .bnet: return ".bnet"
      }
    }
  }

  /// The target: --to, or the output's extension.
  func resolvedTarget() throws(PathwayError) -> Target {
    if let target { return target }
    if output == "-" { throw PathwayError(.usage, "give --to when writing to standard output") }
    let name = Paths.lastComponent(of: output)
    let ext = name.contains(".") ? String(name.split(separator: ".").last!).lowercased() : ""
    switch ext {
    case "yaml", "yml": return .native
    case "xml", "sbml":
      let lower = name.lowercased()
      return lower.hasSuffix(".qual.xml") || lower.hasSuffix(".qual.sbml") ? .sbmlQual : .sbml
    case "bnet": return .bnet
    case "txt": return .boolnet
    default:
      throw PathwayError(
        .usage, "cannot tell the target format from '\(name)'",
        notes: ["give --to native|sbml|sbml-qual|boolnet|bnet, or an output ending in .yaml, .xml, .qual.xml, .bnet or .txt"])
    }
  }

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let target = try resolvedTarget()
      let bakesScenario = !scenarios.isEmpty || !settings.isEmpty
      if bakesScenario && target != .sbml {
        throw PathwayError(.usage, "--scenario and --set apply to SBML output only (--to sbml)")
      }
      var loaded = try loadModel(modelPath, undeclaredInputs: undeclaredInputs)
      var notes: [String] = []
      if logicOnly {
        let (stripped, dropped) = LogicalFormat.logicOnlyDropping(loaded)
        loaded = stripped
        if !dropped.isEmpty { notes.append("--logic-only dropped " + dropped.joined(separator: "; ")) }
      }
      let text: String
      switch target {
      case .native:
        let result = try NativeModelWriter.export(loaded)
        text = result.text
        notes += result.notes
      case .sbml:
        let result = try SBMLWriter.export(loaded, scenario: try ModelOptions.layered(scenarios: scenarios, settings: settings))
        text = result.text
        notes += result.notes
      case .sbmlQual, .boolnet, .bnet:
        let (errors, dropped) = LogicalFormat.check(loaded, format: target.label)
        if !errors.isEmpty { throw PathwayError(.invalidInput, errors) }
        if !dropped.isEmpty { notes.append("\(target.label) holds the logical rules only; not written: " + dropped.joined(separator: ", ")) }
        if target == .sbmlQual {
          let result = try SBMLQualWriter.export(loaded)
          text = result.text
          notes += result.notes
        } else {
          text = try BNetWriter.text(loaded, dialect: target == .bnet ? .bnet : .boolnet)
          if loaded.nodes.contains(where: { $0.initial != 0 && !$0.isInput }) {
            notes.append("\(target.label) has no initial values; they are not written")
          }
        }
      }
      try OutputFile.write(text, to: output)
      for note in notes { printError("note: \(note)") }
    }
  }
}
