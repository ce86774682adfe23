import Foundation

/// Figures from a sweep's runs.csv: a metric against one swept quantity (dose–response) or over
/// two (heat map). Failed runs are drawn as × and counted in the legend; runs not run are left
/// out with a warning.
enum SweepPlot {
  /// One run read for plotting.
  struct Point {
    var row: Int
    var x: Double
    var y: Double
    /// The metric, nil when the run failed or wrote no value.
    var value: Double?
    var status: SweepRunsInput.Status
    /// The values of the other swept quantities (that vary), for grouping.
    var group: String
  }

  // MARK: - Dose–response

  static func doseResponse(
    _ runs: SweepRunsInput, metadata: PlotMetadata, options: PlotOptions, warnings: inout [Diagnostic]
  ) throws(PathwayError) -> String {
    let xName: String
    if let x = options.x {
      xName = x
    } else if runs.swept.count == 1 {
      xName = runs.swept[0]
    } else {
      throw PathwayError(
        .usage, "\(runs.table.file) sweeps \(runs.swept.count) quantities; choose the x axis with --x",
        notes: ["the swept quantities are: " + runs.swept.joined(separator: ", ")])
    }
    let xColumn = try runs.sweptColumn(xName, option: "--x")
    let metric = try runs.metricColumn(options.metric)
    let (points, others) = try read(runs, xColumn: xColumn, yColumn: nil, metric: metric, warnings: &warnings)
    let groups = orderedGroups(points)
    if groups.count > 12 {
      throw PathwayError(
        .usage,
        "--x \(xName) leaves \(groups.count) combinations of the other swept quantities (\(others.joined(separator: ", "))), too many lines for one figure",
        notes: ["draw a heat map over two of them: --kind heatmap --x \(xName) --y \(others[0])"])
    }
    let logX = options.logX, logY = options.logY
    var dropped = 0
    let drawn = points.filter { p in
      let keep = (!logX || p.x > 0) && (!logY || p.value.map { $0 > 0 } ?? true)
      if !keep { dropped += 1 }
      return keep
    }
    if dropped > 0 { warnings.append(Diagnostic(.warning, at: nil, "\(dropped) run(s) with values ≤ 0 left out: a log axis cannot show them")) }
    let values = drawn.compactMap(\.value).filter(\.isFinite)
    guard !drawn.isEmpty else {
      throw PathwayError(.invalidInput, at: SourceLocation(file: runs.table.file, line: 1, column: 1), "no runs to draw")
    }
    var figure = Figure(title: options.title, panels: [])
    let xDomain = padded(drawn.map(\.x), log: logX)
    let yDomain =
      values.isEmpty ? (logY ? 1...10 : 0...1) : AxisTicks.dataDomain(values, log: logY, nice: true, count: figure.yTickCount)
    let metricName = runs.table.header[metric]
    let failed = drawn.filter { if case .failed = $0.status { return true } else { return false } }
    figure.panels.append(
      FigurePanel(
        title: nil,
        x: .value(ValueAxis(label: withUnit(xName, metadata.parameterUnits[xName]), domain: xDomain, isLog: logX)),
        y: .value(ValueAxis(label: metricName, domain: yDomain, isLog: logY)),
        draw: { svg, g in
          for (index, group) in groups.enumerated() {
            let members = drawn.filter { $0.group == group && $0.value.map(\.isFinite) == true }
            let color = Palette.color(index)
            svg.open([("class", "series"), ("data-label", group.isEmpty ? metricName : group)])
            // The line joins the mean of each x (replicates share an x).
            var means: [(Double, Double)] = []
            for x in Set(members.map(\.x)).sorted() {
              let at = members.filter { $0.x == x }.compactMap(\.value)
              means.append((x, at.reduce(0, +) / Double(at.count)))
            }
            var stroke: [(String, String)] = [("class", "line"), ("stroke", color), ("stroke-width", "1.5")]
            if let dash = Palette.dash(index) { stroke.append(("stroke-dasharray", dash)) }
            if means.count > 1 { svg.polyline(means.map { (g.x($0.0), g.y($0.1)) }, stroke) }
            for p in members {
              svg.circle(
                g.x(p.x), g.y(p.value!), 3, [("class", "point"), ("fill", color), ("data-row", String(runs.table.rows[p.row].line))],
                tooltip: "run \(runs.table.rows[p.row].fields[0]): \(xName) = \(formatNumber(p.x)), \(metricName) = \(formatNumber(p.value!))")
            }
            svg.close()
          }
          if !failed.isEmpty {
            svg.open([("class", "failed")])
            for p in failed {
              var reason = ""
              if case .failed(let r) = p.status { reason = r }
              // A dashed line through the whole height: this x has no value.
              svg.line(
                g.x(p.x), g.top, g.x(p.x), g.bottom - 14,
                [("stroke", "#777777"), ("stroke-width", "1"), ("stroke-dasharray", "3 3")])
              Figure.cross(
                g.x(p.x), g.bottom - 8, 4, color: "#000000",
                tooltip: "run \(runs.table.rows[p.row].fields[0]) failed: \(reason)", into: &svg)
            }
            svg.close()
          }
        }))
    for (index, group) in groups.enumerated() where !(groups.count == 1 && group.isEmpty) {
      figure.legend.append(
        LegendEntry(label: group, color: Palette.color(index), dash: Palette.dash(index), mark: .lineAndPoint))
    }
    if !failed.isEmpty {
      figure.legend.append(LegendEntry(label: "failed run (\(failed.count))", color: "#000000", mark: .cross))
    }
    return figure.render()
  }

  // MARK: - Heat map

  static func heatmap(
    _ runs: SweepRunsInput, metadata: PlotMetadata, options: PlotOptions, warnings: inout [Diagnostic]
  ) throws(PathwayError) -> String {
    let xName: String, yName: String
    if let x = options.x, let y = options.y {
      (xName, yName) = (x, y)
    } else if runs.swept.count == 2 {
      (xName, yName) = (runs.swept[0], runs.swept[1])
    } else {
      throw PathwayError(
        .usage, "\(runs.table.file) sweeps \(runs.swept.count) quantities; choose the axes with --x and --y",
        notes: ["the swept quantities are: " + runs.swept.joined(separator: ", ")])
    }
    if xName == yName { throw PathwayError(.usage, "--x and --y name the same quantity '\(xName)'") }
    let xColumn = try runs.sweptColumn(xName, option: "--x")
    let yColumn = try runs.sweptColumn(yName, option: "--y")
    let metric = try runs.metricColumn(options.metric)
    let (points, others) = try read(runs, xColumn: xColumn, yColumn: yColumn, metric: metric, warnings: &warnings)
    if Set(points.map(\.group)).count > 1 {
      throw PathwayError(
        .usage,
        "the runs also vary \(others.joined(separator: ", ")); a heat map over \(xName) and \(yName) would mix them",
        notes: ["filter runs.csv to one value of the others first"])
    }
    let logX = options.logX, logY = options.logY
    let drawn = points.filter { (!logX || $0.x > 0) && (!logY || $0.y > 0) }
    if drawn.count < points.count {
      warnings.append(Diagnostic(.warning, at: nil, "\(points.count - drawn.count) run(s) at values ≤ 0 left out: a log axis cannot show them"))
    }
    guard !drawn.isEmpty else {
      throw PathwayError(.invalidInput, at: SourceLocation(file: runs.table.file, line: 1, column: 1), "no runs to draw")
    }

    // Cells: the mean over the runs at each (x, y).
    struct Cell {
      var x: Double, y: Double
      var values: [Double] = []
      var failed = 0
      var rows: [Int] = []
    }
    var cells: [Cell] = []
    var index: [String: Int] = [:]
    for p in drawn {
      let key = "\(p.x.bitPattern),\(p.y.bitPattern)"
      let i = index[key] ?? {
        index[key] = cells.count
        cells.append(Cell(x: p.x, y: p.y))
        return cells.count - 1
      }()
      cells[i].rows.append(p.row)
      if case .failed = p.status { cells[i].failed += 1 } else if let v = p.value, v.isFinite { cells[i].values.append(v) }
    }
    let xs = Set(cells.map(\.x)).sorted(), ys = Set(cells.map(\.y)).sorted()
    let isGrid = xs.count * ys.count <= 2 * cells.count
    let means = cells.map { $0.values.isEmpty ? nil : $0.values.reduce(0, +) / Double($0.values.count) }
    let finiteMeans = means.compactMap { $0 }
    var figure = Figure(title: options.title, panels: [], plotWidth: 420, plotHeight: 340)
    // The colour bar is as tall as the plot: its domain ends on its ticks.
    let colorDomain =
      finiteMeans.isEmpty ? 0...1 : AxisTicks.dataDomain(finiteMeans, log: false, nice: true, count: figure.yTickCount)
    let color = { (v: Double) -> String in
      Palette.sequential((v - colorDomain.lowerBound) / (colorDomain.upperBound - colorDomain.lowerBound))
    }
    let xEdges = isGrid ? edges(xs, log: logX) : []
    let yEdges = isGrid ? edges(ys, log: logY) : []
    let xDomain = isGrid ? xEdges.first!...xEdges.last! : padded(xs, log: logX)
    let yDomain = isGrid ? yEdges.first!...yEdges.last! : padded(ys, log: logY)
    let metricName = runs.table.header[metric]
    let anyFailed = cells.contains { $0.failed > 0 }

    figure.panels.append(
      FigurePanel(
        title: nil,
        x: .value(ValueAxis(label: withUnit(xName, metadata.parameterUnits[xName]), domain: xDomain, isLog: logX)),
        y: .value(ValueAxis(label: withUnit(yName, metadata.parameterUnits[yName]), domain: yDomain, isLog: logY)),
        draw: { svg, g in
          svg.open([("class", "cells"), ("data-label", metricName)])
          for (i, cell) in cells.enumerated() {
            var tip = "\(xName) = \(formatNumber(cell.x)), \(yName) = \(formatNumber(cell.y)): "
            tip += means[i].map { "\(metricName) = \(formatNumber($0))" } ?? "no value"
            tip += " (\(cell.rows.count) run\(cell.rows.count == 1 ? "" : "s")\(cell.failed > 0 ? ", \(cell.failed) failed" : ""))"
            let fill = means[i].map(color) ?? "#BBBBBB"
            if isGrid {
              let xi = xs.firstIndex(of: cell.x)!, yi = ys.firstIndex(of: cell.y)!
              let left = g.x(xEdges[xi]), right = g.x(xEdges[xi + 1])
              let top = g.y(yEdges[yi + 1]), bottom = g.y(yEdges[yi])
              svg.rect(
                left, top, right - left, bottom - top, [("class", "cell"), ("fill", fill), ("stroke", fill), ("stroke-width", "0.5")],
                tooltip: tip)
            } else {
              svg.circle(g.x(cell.x), g.y(cell.y), 5, [("class", "cell"), ("fill", fill)], tooltip: tip)
            }
          }
          svg.close()
          if anyFailed {
            svg.open([("class", "failed")])
            for cell in cells where cell.failed > 0 {
              Figure.cross(
                g.x(cell.x), g.y(cell.y), 4, color: cell.values.isEmpty ? "#000000" : "#FFFFFF",
                tooltip: "\(cell.failed) of \(cell.rows.count) run(s) failed", into: &svg)
            }
            svg.close()
          }
        }))
    figure.colorBar = ColorBar(label: metricName, domain: colorDomain, color: color)
    if anyFailed {
      let count = cells.reduce(0) { $0 + $1.failed }
      figure.legend = [LegendEntry(label: "failed run (\(count))", color: "#000000", mark: .cross)]
    }
    return figure.render()
  }

  // MARK: - Reading

  /// The runs as points; not-run rows are left out (with a warning). Returns the other swept
  /// quantities that vary.
  static func read(
    _ runs: SweepRunsInput, xColumn: Int, yColumn: Int?, metric: Int, warnings: inout [Diagnostic]
  ) throws(PathwayError) -> ([Point], [String]) {
    let table = runs.table
    let otherColumns = runs.swept.compactMap(table.index(of:)).filter { $0 != xColumn && $0 != yColumn }
    let varying = otherColumns.filter { c in Set(table.rows.map { $0.fields[c] }).count > 1 }
    // Legend values as the axes write numbers (0.02512, 1M), with as many digits as keep them apart.
    var shown: [Int: [String: String]] = [:]
    for c in varying {
      let fields = Array(Set(table.rows.map { $0.fields[c] })).sorted()
      let numbers = fields.compactMap(Double.init)
      guard numbers.count == fields.count else { continue }
      let labels = TickFormat.distinct(numbers, from: 4) { v, significant in TickFormat.label(v, significant: significant) }
      shown[c] = Dictionary(zip(fields, labels), uniquingKeysWith: { a, _ in a })
    }
    var points: [Point] = []
    var notRun = 0, missing = 0
    for row in table.rows.indices {
      let status = runs.statuses[row]
      if status == .notRun {
        notRun += 1
        continue
      }
      let x = try table.number(row: row, column: xColumn)!
      let y = try yColumn.map { (c) throws(PathwayError) in try table.number(row: row, column: c)! } ?? 0
      var value: Double? = nil
      if status == .ok {
        value = try table.number(row: row, column: metric, allowEmpty: true)
        if value == nil || value!.isNaN { missing += 1 }
      }
      let group = varying.map { c in
        let field = table.rows[row].fields[c]
        return "\(table.header[c]) = \(shown[c]?[field] ?? field)"
      }.joined(separator: ", ")
      points.append(Point(row: row, x: x, y: y, value: value, status: status, group: group))
    }
    if notRun > 0 { warnings.append(Diagnostic(.warning, at: nil, "\(notRun) run(s) not run are left out")) }
    if missing > 0 {
      warnings.append(Diagnostic(.warning, at: nil, "\(missing) run(s) without a value of \(table.header[metric]) are left out"))
    }
    let failed = points.filter { if case .failed = $0.status { return true } else { return false } }.count
    if failed > 0 { warnings.append(Diagnostic(.warning, at: nil, "\(failed) failed run(s) are marked ×")) }
    return (points, varying.map { table.header[$0] })
  }

  /// The distinct groups in order of first appearance.
  static func orderedGroups(_ points: [Point]) -> [String] {
    var seen = Set<String>()
    return points.map(\.group).filter { seen.insert($0).inserted }
  }

  /// The range of `values` with 4 % added on each side (in log space for a log axis).
  static func padded(_ values: [Double], log: Bool) -> ClosedRange<Double> {
    let t = values.filter { $0.isFinite && (!log || $0 > 0) }.map { log ? log10($0) : $0 }
    guard var low = t.min(), var high = t.max() else { return log ? 1...10 : 0...1 }
    if high == low {
      low -= log ? 0.5 : max(abs(low) * 0.1, 0.5)
      high += log ? 0.5 : max(abs(high) * 0.1, 0.5)
    }
    let pad = (high - low) * 0.04
    low -= pad
    high += pad
    return log ? pow(10, low)...pow(10, high) : low...high
  }

  /// Cell boundaries around sorted `values`: midpoints between neighbours (geometric on a log
  /// axis), and half a step beyond the ends.
  static func edges(_ values: [Double], log: Bool) -> [Double] {
    let t = values.map { log ? log10($0) : $0 }
    var edges: [Double] = []
    if t.count == 1 {
      let half = log ? 0.5 : max(abs(t[0]) * 0.1, 0.5)
      edges = [t[0] - half, t[0] + half]
    } else {
      edges.append(t[0] - (t[1] - t[0]) / 2)
      for i in 1..<t.count { edges.append((t[i - 1] + t[i]) / 2) }
      edges.append(t[t.count - 1] + (t[t.count - 1] - t[t.count - 2]) / 2)
    }
    return log ? edges.map { pow(10, $0) } : edges
  }
}
