import Foundation

/// Simulation against data from `simulate fit`: one panel per measured variable, the measured
/// values as points (± their standard deviation where the data gave one) and the fitted model as
/// a line (from the `trajectories.csv` beside `residuals.csv`; without it, through the simulated
/// values at the measured times), one colour per experiment.
enum FitPlot {
  static let residualHeader = ["experiment", "time", "variable", "observed", "sd", "simulated", "residual"]

  static func matches(_ header: [String]) -> Bool { header == residualHeader }

  struct Measured {
    var experiment: String
    var time: Double
    var variable: String
    var observed: Double
    var sd: Double
    var simulated: Double
  }

  static func render(_ residuals: CSVTable, options: PlotOptions, warnings: inout [Diagnostic]) throws(PathwayError) -> String {
    var measured: [Measured] = []
    for row in residuals.rows.indices {
      func number(_ c: Int) throws(PathwayError) -> Double {
        guard let v = try residuals.number(row: row, column: c) else {
          throw PathwayError(.invalidInput, at: residuals.location(row: row, column: c), "a value is missing")
        }
        return v
      }
      measured.append(
        Measured(
          experiment: residuals.rows[row].fields[0], time: try number(1), variable: residuals.rows[row].fields[2],
          observed: try number(3), sd: try number(4), simulated: try number(5)))
    }
    guard !measured.isEmpty else {
      throw PathwayError(.invalidInput, at: SourceLocation(file: residuals.file, line: 1, column: 1), "no measured values to draw")
    }
    // The fitted curves, when the fit's trajectories.csv is beside the residuals.
    var curves: [String: [(Double, Double)]] = [:]
    let companion = Paths.sibling("trajectories.csv", of: residuals.file)
    if FileManager.default.fileExists(atPath: companion) {
      let table = try CSVTable.read(path: companion)
      guard table.header == ["experiment", "time", "variable", "value"] else {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: companion, line: table.headerLine, column: 1),
          "expected the header experiment,time,variable,value of simulate fit's trajectories")
      }
      for row in table.rows.indices {
        guard let t = try table.number(row: row, column: 1), let v = try table.number(row: row, column: 3) else { continue }
        curves[table.rows[row].fields[0] + "\u{0}" + table.rows[row].fields[2], default: []].append((t, v))
      }
    } else {
      warnings.append(
        Diagnostic(.warning, at: nil, "\(companion) not found: the lines join the simulated values at the measured times"))
      for m in measured { curves[m.experiment + "\u{0}" + m.variable, default: []].append((m.time, m.simulated)) }
      for key in curves.keys { curves[key]!.sort { $0.0 < $1.0 } }
    }

    var experiments: [String] = []
    var variables: [String] = []
    for m in measured {
      if !experiments.contains(m.experiment) { experiments.append(m.experiment) }
      if !variables.contains(m.variable) { variables.append(m.variable) }
    }
    if let select = options.select {
      for name in select where !variables.contains(name) {
        throw PathwayError(
          .usage, "--select \(name): no measured variable of that name", notes: ["measured: " + variables.joined(separator: ", ")])
      }
      variables = select
    }
    let weighted = measured.contains { $0.sd != 1 }
    var figure = Figure(title: options.title, panels: [])
    figure.columns = min(variables.count, 2)
    let times = measured.map(\.time) + curves.values.flatMap { $0.map(\.0) }
    let xDomain = AxisTicks.dataDomain(times, log: false, nice: true, count: figure.xTickCount)
    for variable in variables {
      let points = measured.filter { $0.variable == variable }
      var values = points.flatMap { weighted ? [$0.observed - $0.sd, $0.observed + $0.sd] : [$0.observed] }
      for e in experiments { values += curves[e + "\u{0}" + variable]?.map(\.1) ?? [] }
      let yDomain = AxisTicks.dataDomain(values.filter(\.isFinite), log: false, nice: true, count: figure.yTickCount)
      figure.panels.append(
        FigurePanel(
          title: variables.count > 1 ? variable : nil,
          x: .value(ValueAxis(label: "time", domain: xDomain)),
          y: .value(ValueAxis(label: variables.count > 1 ? "value" : variable, domain: yDomain)),
          draw: { svg, g in
            for (index, experiment) in experiments.enumerated() {
              let color = Palette.color(index)
              svg.open([("class", "series"), ("data-label", experiment)])
              if let curve = curves[experiment + "\u{0}" + variable], curve.count > 1 {
                svg.polyline(curve.map { (g.x($0.0), g.y($0.1)) }, [("class", "line"), ("stroke", color), ("stroke-width", "1.5")])
              }
              for p in points where p.experiment == experiment {
                if weighted {
                  svg.line(g.x(p.time), g.y(p.observed - p.sd), g.x(p.time), g.y(p.observed + p.sd), [("stroke", color), ("stroke-width", "1")])
                }
                svg.circle(
                  g.x(p.time), g.y(p.observed), 3.5, [("class", "point"), ("fill", color)],
                  tooltip: "\(experiment): \(variable) at t = \(formatNumber(p.time)): observed \(formatNumber(p.observed)), fitted \(formatNumber(p.simulated))")
              }
              svg.close()
            }
          }))
    }
    for (index, experiment) in experiments.enumerated() {
      figure.legend.append(LegendEntry(label: experiment, color: Palette.color(index), mark: .lineAndPoint))
    }
    figure.note = "points: measured\(weighted ? " ± sd" : ""); lines: the fitted model"
    return figure.render()
  }
}
