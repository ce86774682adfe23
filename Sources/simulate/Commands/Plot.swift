import ArgumentParser
import Foundation
import PathwayModel

struct Plot: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw an SVG figure from the CSV or JSON outputs of run, sweep and attractors.",
    discussion: """
      Kinds (inferred from the input when it is unambiguous):
        timecourse     run CSVs, wide (time,<ids>) or long (time,variable,value);
                       several CSVs compare scenarios, labelled by the scenario
                       names in manifest.json
        dose-response  a metric of a sweep's runs.csv against one swept quantity
                       (--x, --metric)
        heatmap        a metric over two swept quantities (--x, --y, --metric),
                       with a colour bar
        attractors     nodes × attractor states, from simulate attractors
                       (JSON or CSV)
        raster         a Boolean trajectory (step,<nodes>), nodes × steps
        sensitivity    Morris μ*/σ or Sobol S1/ST with confidence intervals
                       (sensitivity.csv)
        fit            measured points (± sd) against the fitted model, one
                       panel per variable (simulate fit's residuals.csv, with
                       the trajectories.csv beside it)
        profile        profile likelihoods with the 95 % threshold, one panel
                       per quantity (simulate fit --profile's profiles.csv)

      Layouts of time courses: overlay (one panel), panels (one per variable, a
      line per input), scenarios (one panel per input, side by side). Failed
      sweep runs are drawn as ×. The SVG is self-contained (no scripts, no
      external fonts) and written atomically.
      Exit codes: 65 a malformed input (file:line:column), 66 a missing input,
      64 options that do not fit the input, 73/74 the SVG cannot be written.
      """)

  @Argument(help: "Input files: run CSVs, a sweep's runs.csv or sensitivity.csv, attractors JSON/CSV, a Boolean trajectory, a fit's residuals.csv or profiles.csv.")
  var inputs: [String]

  @Option(help: ArgumentHelp("The figure (default: inferred from the input).", valueName: "kind"))
  var kind: PlotKind?

  @Option(help: ArgumentHelp("Variables, nodes or quantities to draw, in this order (time courses: * and ? patterns).", valueName: "a,b,c"))
  var select: String?

  @Option(help: ArgumentHelp("The swept quantity on the x axis.", valueName: "PARAM"))
  var x: String?

  @Option(help: ArgumentHelp("The swept quantity on the y axis (heat map).", valueName: "PARAM"))
  var y: String?

  @Option(help: ArgumentHelp("The metric column to draw (runs.csv, sensitivity.csv).", valueName: "COL"))
  var metric: String?

  @Flag(name: .customLong("log-x"), help: "Logarithmic x axis.")
  var logX = false

  @Flag(name: .customLong("log-y"), help: "Logarithmic y axis.")
  var logY = false

  @Option(help: ArgumentHelp("How time courses share panels.", valueName: "overlay|panels|scenarios"))
  var layout: PlotLayout?

  @Option(help: "The figure's title.")
  var title: String?

  @Option(name: .shortAndLong, help: "Output SVG file, or - for standard output.")
  var output: String

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let names = select?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      let options = PlotOptions(
        kind: kind, select: names, x: x, y: y, metric: metric, logX: logX, logY: logY, layout: layout, title: title)
      let result = try Plotter.plot(inputs, options: options)
      for warning in result.warnings { printError("simulate: " + warning.description) }
      try OutputFile.write(result.svg, to: output)
    }
  }
}

extension PlotKind: ExpressibleByArgument {}
extension PlotLayout: ExpressibleByArgument {}
