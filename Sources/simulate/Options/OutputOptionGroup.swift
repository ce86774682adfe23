import ArgumentParser
import PathwayModel

/// The output flags of a continuous run (`run`, `steady-state`): columns, units, layout, file.
struct OutputOptionGroup: ParsableArguments {
  @Option(help: "Columns to write, comma-separated; * and ? match any run or one character ('Smad*'; default: every node, then every assignment).")
  var select: String?

  @Option(help: ArgumentHelp("Species to write as amounts, comma-separated (SBML models; may be empty).", valueName: "ids"))
  var amount: String?

  @Option(help: ArgumentHelp("Species to write as concentrations, comma-separated (may be empty).", valueName: "ids"))
  var concentration: String?

  @Option(help: "CSV layout: wide or long.")
  var layout: OutputLayout?

  @Option(name: [.customShort("o"), .customLong("output")], help: "Output CSV file, or - for standard output (required unless --dump-config).")
  var outputPath: String?

  /// The output path (validated present by the command unless it only dumps its configuration).
  var output: String { outputPath ?? "-" }

  /// The error for a missing -o, as swift-argument-parser words it for a required option.
  static let missingOutput = ValidationError("Missing expected argument '--output <output>'")

  /// Writes the column, unit and layout choices into a scenario layer.
  func apply(to layer: inout Scenario) {
    if let select { layer.output.select = commaList(select) }
    if let layout { layer.output.layout = layout.rawValue }
    layer.output.amount = amount.map { commaList($0) }
    layer.output.concentration = concentration.map { commaList($0) }
  }
}

/// The names of options given comma-separated, repeated, or both (`--fit a,b --fit c`), blanks
/// dropped.
func commaList(_ texts: String...) -> [String] { commaList(texts) }

func commaList(_ texts: [String]) -> [String] {
  texts.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
}

extension OutputLayout: ExpressibleByArgument {}
