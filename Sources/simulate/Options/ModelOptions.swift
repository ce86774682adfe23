import ArgumentParser
import Foundation
import PathwayModel

/// The model, its scenarios and `--set` overrides: the part every command shares.
struct ModelOptions: ParsableArguments {
  @Argument(help: "The model file: native .yaml, SBML .xml, .bnet or BoolNet .txt.")
  var model: String

  @Option(name: .customLong("scenario"), help: "A scenario file; repeat to layer several, in order.")
  var scenarios: [String] = []

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Override after all scenarios: a parameter, an input's dose, a node's initial value (an SBML species' concentration unless it has only substance units), or NODE.tau/.n/.k.",
      valueName: "id=value"))
  var settings: [String] = []

  @Option(
    name: .customLong("knockout"),
    help: ArgumentHelp("Pin a node at 0, after the scenarios' perturbations; repeat for several.", valueName: "node"))
  var knockouts: [String] = []

  @Option(
    name: .customLong("overexpress"),
    help: ArgumentHelp("Pin a node at 1, after the scenarios' perturbations; repeat for several.", valueName: "node"))
  var overexpressions: [String] = []

  @Option(
    name: .customLong("perturbation"),
    help: ArgumentHelp(
      "Apply a perturbation the model names (for example DAPT; `simulate info` lists them); repeat for several.",
      valueName: "name"))
  var perturbations: [String] = []

  @Flag(name: .customLong("undeclared-inputs"), help: undeclaredInputsHelp)
  var undeclaredInputs = false

  /// The model file, read with this group's reader options; its warnings on stderr unless `quiet`.
  func load(quiet: Bool = false) throws(PathwayError) -> Model {
    try loadModel(model, quiet: quiet, undeclaredInputs: undeclaredInputs)
  }

  /// Reads the scenario files and layers them, then the command line's perturbations and `--set`.
  /// Without a scenario file (or a name from `extra`) the run is named after the model file.
  func scenario(extra: Scenario? = nil) throws(PathwayError) -> Scenario {
    try Self.layered(
      scenarios: scenarios, settings: settings, extra: extra, knockouts: knockouts, overexpressions: overexpressions,
      perturbations: perturbations, unnamed: Paths.stem(of: model))
  }

  /// Scenario files layered in order, then `extra`, then the command line: named perturbations,
  /// knockouts and over-expressions (in that order, after every scenario's), and `--set id=value`
  /// settings. The result keeps the last named layer's name, else the last file's stem, else
  /// `unnamed`.
  static func layered(
    scenarios: [String], settings: [String], extra: Scenario? = nil, knockouts: [String] = [],
    overexpressions: [String] = [], perturbations: [String] = [], unnamed: String = "default"
  ) throws(PathwayError) -> Scenario {
    var layers: [Scenario] = []
    for path in scenarios { layers.append(try ScenarioReader.read(path: path)) }
    if let extra { layers.append(extra) }
    if let both = knockouts.first(where: { overexpressions.contains($0) }) {
      throw PathwayError(.usage, "'\(both)' is given to both --knockout and --overexpress")
    }
    var commandLine = Scenario()
    for (i, name) in perturbations.enumerated() {
      commandLine.perturbations.append(
        .named(name, SourceLocation(file: Scenario.commandLine, line: 1, column: i + 1)))
    }
    for (level, nodes) in [(0.0, knockouts), (1.0, overexpressions)] {
      for (i, node) in nodes.enumerated() {
        let location = SourceLocation(file: Scenario.commandLine, line: 1, column: i + 1)
        commandLine.perturbations.append(
          .actions([LocatedAction(action: .pin(node: node, level: level), location: location)], location))
      }
    }
    for (i, text) in settings.enumerated() {
      let location = SourceLocation(file: Scenario.commandLine, line: 1, column: i + 1)
      guard let equals = text.firstIndex(of: "=") else {
        throw PathwayError(.usage, "--set takes id=value, found '\(text)'")
      }
      let target = text[..<equals].trimmingCharacters(in: .whitespaces)
      let valueText = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
      guard let value = Double(valueText), value.isFinite else {
        throw PathwayError(.usage, "--set \(target): '\(valueText)' is not a finite number")
      }
      commandLine.settings.append(Scenario.Setting(target: target, value: value, section: .any, location: location))
    }
    layers.append(commandLine)
    var layered = Scenario.layering(layers)
    if layered.name.isEmpty {
      layered.name = scenarios.last.map { Paths.stem(of: $0) } ?? unnamed
    }
    return layered
  }
}
