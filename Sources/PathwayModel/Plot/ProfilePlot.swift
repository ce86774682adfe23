import Foundation

/// Profile likelihoods from `simulate fit --profile`: one panel per quantity, Δχ² (or
/// n·ln(SS/SSmin)) against its value, the 95 % threshold (3.84) as a dashed line and the
/// optimum marked. A quantity searched on a log scale (as the `estimates.csv` beside the file
/// says) gets a log value axis.
enum ProfilePlot {
  static let header = ["quantity", "value", "sum_of_squares", "delta", "status"]

  static func matches(_ header: [String]) -> Bool { header == Self.header }

  static func render(_ table: CSVTable, options: PlotOptions, warnings: inout [Diagnostic]) throws(PathwayError) -> String {
    var quantities: [String] = []
    var points: [String: [(value: Double, delta: Double, optimum: Bool)]] = [:]
    for row in table.rows.indices {
      let name = table.rows[row].fields[0]
      guard let value = try table.number(row: row, column: 1) else {
        throw PathwayError(.invalidInput, at: table.location(row: row, column: 1), "a value is missing")
      }
      let delta = try table.number(row: row, column: 3, allowEmpty: true) ?? .nan
      if !quantities.contains(name) { quantities.append(name) }
      points[name, default: []].append((value, delta, table.rows[row].fields[4] == "optimum"))
    }
    guard !quantities.isEmpty else {
      throw PathwayError(.invalidInput, at: SourceLocation(file: table.file, line: 1, column: 1), "no profile points to draw")
    }
    if let select = options.select {
      for name in select where !quantities.contains(name) {
        throw PathwayError(.usage, "--select \(name): no profile of that name", notes: ["profiled: " + quantities.joined(separator: ", ")])
      }
      quantities = select
    }
    // The scales the fit searched on, from the estimates.csv beside the profiles.
    var logScale = Set<String>()
    if let estimates = try? CSVTable.read(path: Paths.sibling("estimates.csv", of: table.file)), let scale = estimates.index(of: "scale") {
      for row in estimates.rows where row.fields[scale] == "log" { logScale.insert(row.fields[0]) }
    }
    let threshold = 3.841458820694124
    var figure = Figure(title: options.title, panels: [])
    figure.columns = min(quantities.count, 2)
    var skipped = 0
    for name in quantities {
      let isLog = logScale.contains(name) || options.logX
      let drawn = points[name]!.filter { $0.delta.isFinite && (!isLog || $0.value > 0) }.sorted { $0.value < $1.value }
      skipped += points[name]!.count - drawn.count
      guard !drawn.isEmpty else { continue }
      let xDomain = AxisTicks.dataDomain(drawn.map(\.value), log: isLog, nice: false, count: figure.xTickCount)
      let yValues = drawn.map(\.delta) + [0, threshold * 1.25]
      let yDomain = AxisTicks.dataDomain(yValues, log: false, nice: true, count: figure.yTickCount)
      figure.panels.append(
        FigurePanel(
          title: quantities.count > 1 ? name : nil,
          x: .value(ValueAxis(label: name, domain: xDomain, isLog: isLog)),
          y: .value(ValueAxis(label: "−2·Δ log-likelihood", domain: yDomain)),
          draw: { svg, g in
            svg.line(
              g.left, g.y(threshold), g.right, g.y(threshold),
              [("class", "threshold"), ("stroke", "#777777"), ("stroke-width", "1"), ("stroke-dasharray", "5 4")])
            svg.open([("class", "series"), ("data-label", name)])
            if drawn.count > 1 {
              svg.polyline(drawn.map { (g.x($0.value), g.y($0.delta)) }, [("class", "line"), ("stroke", Palette.color(0)), ("stroke-width", "1.5")])
            }
            for p in drawn {
              svg.circle(
                g.x(p.value), g.y(p.delta), p.optimum ? 4.5 : 3, [("class", p.optimum ? "optimum" : "point"), ("fill", p.optimum ? "#000000" : Palette.color(0))],
                tooltip: "\(name) = \(formatNumber(p.value)): Δχ² \(formatNumber(p.delta))")
            }
            svg.close()
          }))
    }
    if skipped > 0 {
      warnings.append(Diagnostic(.warning, at: nil, "\(skipped) profile point(s) without a value (a failed refit) left out"))
    }
    figure.legend = [
      LegendEntry(label: "profile", color: Palette.color(0), mark: .lineAndPoint),
      LegendEntry(label: "optimum", color: "#000000", mark: .point),
      LegendEntry(label: "95 % threshold (3.84)", color: "#777777", dash: "5 4", mark: .line),
    ]
    return figure.render()
  }
}
