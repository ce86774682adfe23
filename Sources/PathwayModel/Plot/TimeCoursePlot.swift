import Foundation

/// Time courses from one or more run CSVs.
///
/// Layouts: `overlay` draws every series in one panel; `panels` draws one panel per variable,
/// with one line per input file (scenario) in each; `scenarios` draws one panel per input file,
/// side by side on a shared value axis. The default is `overlay` for at most eight series (or
/// many runs of one variable), else `panels`.
enum TimeCoursePlot {
  /// One drawn line: a series, its legend label and its style (colour and dash, see `Palette`).
  struct Line {
    var series: PlotSeries
    var label: String
    var style: Int
  }

  static func render(_ inputs: [TimeCourseInput], options: PlotOptions, warnings: inout [Diagnostic]) throws(PathwayError)
    -> String
  {
    // Inputs whose scenario names (or file names) coincide are told apart by their paths.
    var files = inputs
    let labels = files.map(\.label)
    for i in files.indices where labels.filter({ $0 == labels[i] }).count > 1 { files[i].label = files[i].file }
    let variables = try selectedVariables(files, select: options.select)
    let manyRuns = files.contains { file in file.series.contains { $0.run != nil } }
    let seriesCount = files.count * variables.count
    let layout = options.layout ?? (seriesCount <= 8 || (manyRuns && variables.count == 1) ? .overlay : .panels)

    // The x axis: time with its unit (the first unit any input knows; differing units are a warning).
    let units = Set(files.compactMap(\.timeUnit))
    if units.count > 1 {
      warnings.append(Diagnostic(.warning, at: nil, "the inputs have different time units (\(units.sorted().joined(separator: ", "))); the axis shows numbers as written"))
    }
    let timeUnit = units.count == 1 ? units.first : nil
    // The unit the variables share in every input that records one, or nil.
    func unit(of names: [String]) -> String? {
      var found = Set<String>()
      for name in names {
        for file in files {
          guard let u = file.columnUnits[name] else { return nil }
          found.insert(u)
        }
      }
      return found.count == 1 ? found.first : nil
    }

    // Which lines go into which panel, and how each is labelled and styled.
    var panels: [(title: String?, lines: [Line])] = []
    let multiFile = files.count > 1
    func lines(of file: Int, variables names: [String]) -> [PlotSeries] {
      names.flatMap { name in files[file].series.filter { $0.variable == name } }
    }
    func runLabel(_ s: PlotSeries) -> String { s.run.map { " (run \($0))" } ?? "" }
    switch layout {
    case .overlay:
      var all: [Line] = []
      for f in files.indices {
        for s in lines(of: f, variables: variables) {
          let v = variables.firstIndex(of: s.variable)!
          let label: String
          let style: Int
          if !multiFile {
            label = s.variable + runLabel(s)
            style = s.run == nil ? all.count : v
          } else if variables.count == 1 {
            label = files[f].label + runLabel(s)
            style = f
          } else {
            label = files[f].label + ": " + s.variable + runLabel(s)
            style = v + Palette.okabeIto.count * f  // colour by variable, dash by file
          }
          all.append(Line(series: s, label: label, style: style))
        }
      }
      panels = [(nil, all)]
    case .panels:
      for (v, name) in variables.enumerated() {
        var panelLines: [Line] = []
        for f in files.indices {
          for s in lines(of: f, variables: [name]) {
            let label = multiFile ? files[f].label + runLabel(s) : name + runLabel(s)
            panelLines.append(Line(series: s, label: label, style: multiFile ? f : (s.run == nil ? 0 : v)))
          }
        }
        panels.append((name, panelLines))
      }
    case .scenarios:
      for f in files.indices {
        let panelLines = lines(of: f, variables: variables).map { s in
          Line(series: s, label: s.variable + runLabel(s), style: variables.firstIndex(of: s.variable)!)
        }
        panels.append((files[f].label, panelLines))
      }
    }

    // Domains: time shared by every panel; values shared in `overlay` and `scenarios`.
    let logX = options.logX, logY = options.logY
    func drawable(_ t: Double, _ y: Double) -> Bool {
      t.isFinite && y.isFinite && (!logX || t > 0) && (!logY || y > 0)
    }
    func finite(_ line: Line) -> [(Double, Double)] {
      zip(line.series.times, line.series.values).filter { drawable($0.0, $0.1) }
    }
    let allLines = panels.flatMap(\.lines)
    let allPoints = allLines.flatMap(finite)
    guard !allPoints.isEmpty else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: files[0].file, line: 1, column: 1),
        "nothing to draw: the selected series hold no \(logX || logY ? "positive " : "")finite values")
    }
    let dropped = allLines.reduce(0) { count, line in
      count + zip(line.series.times, line.series.values).filter { $0.0.isFinite && $0.1.isFinite && !drawable($0.0, $0.1) }.count
    }
    if dropped > 0 {
      warnings.append(Diagnostic(.warning, at: nil, "\(dropped) value(s) ≤ 0 left out: a log axis cannot show them"))
    }

    // Sizes: one large panel, or a grid of small ones.
    var figure = Figure(title: options.title ?? (files.count == 1 ? files[0].label : nil), panels: [])
    if panels.count > 1 {
      // Side by side for scenarios; a compact grid for variables (2 × 2, 3 × n, 4 × n).
      let count = panels.count
      figure.columns = layout == .scenarios ? min(count, 4) : count <= 3 ? count : count == 4 ? 2 : count <= 9 ? 3 : 4
      figure.plotWidth = count <= 2 ? 360 : count <= 4 ? 320 : 260
      figure.plotHeight = count <= 2 ? 260 : count <= 4 ? 200 : 170
    }
    let timeDomain = AxisTicks.dataDomain(allPoints.map(\.0), log: logX, nice: false)
    let sharedY = layout != .panels
    let sharedValueDomain = AxisTicks.dataDomain(allPoints.map(\.1), log: logY, nice: true, count: figure.yTickCount)
    // Discrete Boolean ensembles count steps, which have no unit.
    let xLabel = files.allSatisfy { $0.axis == "step" } ? "step" : withUnit("time", timeUnit)
    // Markers on the data points when there are few of them.
    let drawMarkers = allLines.allSatisfy { $0.series.times.count <= 60 } && panels.allSatisfy { $0.lines.count <= 12 }
    for panel in panels {
      let yDomain: ClosedRange<Double>
      if sharedY {
        yDomain = sharedValueDomain
      } else {
        let points = panel.lines.flatMap(finite)
        yDomain = points.isEmpty ? sharedValueDomain : AxisTicks.dataDomain(points.map(\.1), log: logY, nice: true, count: figure.yTickCount)
      }
      // In `panels` the panel title names the variable (with its unit); a value axis says the
      // unit its lines share.
      let yLabel: String
      if layout == .panels {
        yLabel = panels.count == 1 ? withUnit(variables[0], unit(of: [variables[0]])) : ""
      } else {
        let drawn = Array(Set(panel.lines.map(\.series.variable)))
        let quantity = files.allSatisfy { $0.quantity == "probability" } ? "probability" : "value"
        yLabel = variables.count == 1 ? withUnit(variables[0], unit(of: variables)) : withUnit(quantity, unit(of: drawn))
      }
      let lines = panel.lines
      figure.panels.append(
        FigurePanel(
          title: panels.count > 1 ? (layout == .panels ? panel.title.map { withUnit($0, unit(of: [$0])) } : panel.title) : nil,
          x: .value(ValueAxis(label: xLabel, domain: timeDomain, isLog: logX)),
          y: .value(ValueAxis(label: yLabel, domain: yDomain, isLog: logY)),
          draw: { svg, g in
            for line in lines {
              draw(line, in: g, logX: logX, logY: logY, markers: drawMarkers, into: &svg)
            }
          }))
    }

    // The legend: one entry per distinct label and style.
    var seen = Set<String>()
    for line in allLines {
      // With many runs of one variable, one entry per variable is enough.
      let label = manyRuns ? line.series.variable : line.label
      let key = label + "\u{1}" + String(line.style)
      guard seen.insert(key).inserted else { continue }
      figure.legend.append(
        LegendEntry(
          label: label, color: Palette.color(line.style), dash: Palette.dash(line.style),
          mark: drawMarkers ? .lineAndPoint : .line))
    }
    // One line per panel, or one line in all: the titles and labels say what it is.
    if (layout == .panels && !multiFile && !manyRuns) || figure.legend.count == 1 { figure.legend = [] }
    return figure.render()
  }

  /// The variables to draw: `select` in its order (a name in no input is a usage error, one
  /// missing from some input is that file's error), or every variable of the inputs in order.
  static func selectedVariables(_ files: [TimeCourseInput], select: [String]?) throws(PathwayError) -> [String] {
    var seen = Set<String>()
    let known = files.flatMap(\.variables).filter { seen.insert($0).inserted }
    guard let requested = select, !requested.isEmpty else { return known }
    // Glob patterns (`x*`, `Smad?`) expand to the matching columns, as in `run --select`.
    let (select, unmatched) = Scenario.expandSelection(requested, among: known)
    if let pattern = unmatched.first {
      throw PathwayError(.usage, "--select \(pattern): no variable of the input\(files.count > 1 ? "s" : "") matches")
    }
    for name in select where !known.contains(name) {
      var notes = didYouMean(name, among: Array(Set(known)).sorted()).map { [$0] } ?? []
      notes.append("the columns are: " + files[0].variables.prefix(12).joined(separator: ", ") + (files[0].variables.count > 12 ? ", …" : ""))
      throw PathwayError(.usage, "--select \(name): no such variable in the input\(files.count > 1 ? "s" : "")", notes: notes)
    }
    for file in files {
      for name in select where !file.variables.contains(name) {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: file.file, line: 1, column: 1),
          "missing column '\(name)' (selected with --select, present in other inputs)")
      }
    }
    return select
  }

  /// One series as polylines (broken at non-finite values) and, with few points, markers.
  static func draw(_ line: Line, in g: PanelGeometry, logX: Bool, logY: Bool, markers: Bool, into svg: inout SVGWriter) {
    let color = Palette.color(line.style)
    var attributes: [(String, String)] = [("class", "series"), ("data-label", line.label), ("data-variable", line.series.variable)]
    if let run = line.series.run { attributes.append(("data-run", run)) }
    svg.open(attributes)
    var stroke: [(String, String)] = [("stroke", color), ("stroke-width", "1.8"), ("stroke-linejoin", "round")]
    if let dash = Palette.dash(line.style) { stroke.append(("stroke-dasharray", dash)) }
    var segment: [(Double, Double)] = []
    var points: [(Double, Double)] = []
    func flush() {
      if segment.count > 1 { svg.polyline(segment, stroke) }
      if segment.count == 1 && !markers { points.append(segment[0]) }  // an isolated value is still shown
      segment.removeAll()
    }
    for (t, y) in zip(line.series.times, line.series.values) {
      if !t.isFinite || !y.isFinite || (logX && t <= 0) || (logY && y <= 0) {
        flush()
        continue
      }
      let p = (g.x(t), g.y(y))
      segment.append(p)
      if markers { points.append(p) }
    }
    flush()
    for p in points { svg.circle(p.0, p.1, 2.2, [("class", "point"), ("fill", color)]) }
    svg.close()
  }
}
