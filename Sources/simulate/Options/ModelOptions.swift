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
      "Override after all scenarios: a parameter, an input's dose, a node's initial value, or NODE.tau/.n/.k.",
      valueName: "id=value"))
  var settings: [String] = []

  /// Reads the scenario files and layers them, `--set` last.
  func scenario(extra: Scenario? = nil) throws(PathwayError) -> Scenario {
    try Self.layered(scenarios: scenarios, settings: settings, extra: extra)
  }

  /// Scenario files layered in order, then `extra`, then `--set id=value` settings.
  static func layered(scenarios: [String], settings: [String], extra: Scenario? = nil) throws(PathwayError) -> Scenario {
    var layers: [Scenario] = []
    for path in scenarios { layers.append(try ScenarioReader.read(path: path)) }
    if let extra { layers.append(extra) }
    var commandLine = Scenario()
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
      layered.name = scenarios.last.map { Paths.stem(of: $0) } ?? "default"
    }
    return layered
  }
}
