import Foundation

/// Boolean figures: the attractor table (nodes × attractor states) and the trajectory raster
/// (nodes × steps). A node that is on is a filled cell, off an empty one, so the figure reads
/// the same in grey and to colour-blind readers.
enum BooleanPlot {
  static let on = "#0072B2", off = "#F2F2F2", free = "#B9B9B9"

  /// `names` restricted to `select` (in its order), or all of them.
  static func rows(_ names: [String], select: [String]?, file: String) throws(PathwayError) -> [Int] {
    guard let select, !select.isEmpty else { return Array(names.indices) }
    var rows: [Int] = []
    for name in select {
      guard let i = names.firstIndex(of: name) else {
        var notes = didYouMean(name, among: names).map { [$0] } ?? []
        notes.append("the nodes of \(file) are: " + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : ""))
        throw PathwayError(.usage, "--select \(name): no such node in \(file)", notes: notes)
      }
      rows.append(i)
    }
    return rows
  }

  // MARK: - Attractors

  /// The most state columns drawn per panel: whole attractors in the file's order until this
  /// many states (at least one attractor); the rest are counted in the legend and a warning.
  static let maximumStateColumns = 300

  static func attractors(
    _ inputs: [AttractorInput], options: PlotOptions, warnings: inout [Diagnostic]
  ) throws(PathwayError) -> String {
    var figure = Figure(title: options.title, panels: [])
    let cellWidth = 22.0, cellHeight = 16.0
    var widest = 0
    var tallest = 0
    var omitted: [Int] = []
    let tables = inputs.map { input -> AttractorInput in
      var table = input
      var columns = 0
      var kept = 0
      for attractor in input.attractors {
        if kept > 0 && columns + attractor.states.count > Self.maximumStateColumns { break }
        columns += attractor.states.count
        kept += 1
      }
      table.attractors = Array(input.attractors.prefix(kept))
      omitted.append(input.attractors.count - kept)
      if kept < input.attractors.count {
        warnings.append(Diagnostic(
          .warning, at: nil,
          "\(input.file): drawing the first \(kept) of \(input.attractors.count) attractors (at most \(Self.maximumStateColumns) states side by side)",
          notes: ["pin inputs with --knockout/--overexpress on `simulate attractors` to draw fewer"]))
      }
      return table
    }
    for table in tables where table.attractors.isEmpty {
      warnings.append(Diagnostic(.warning, at: nil, "\(table.file): no attractors to draw (a sampled search whose samples all stayed unresolved?)"))
    }
    for table in tables {
      let rows = try rows(table.nodes, select: options.select, file: table.file)
      let columns = table.attractors.enumerated().flatMap { a, attractor in attractor.states.indices.map { (a, $0) } }
      widest = max(widest, columns.count)
      tallest = max(tallest, rows.count)
      // The attractor number under its first state; a separator between attractors.
      let labels = columns.map { $0.1 == 0 ? String($0.0 + 1) : "" }
      let attractors = table.attractors
      let nodes = table.nodes
      figure.panels.append(
        FigurePanel(
          title: tables.count > 1 ? Paths.lastComponent(of: table.file) : nil,
          x: .categories(labels, label: "attractor"),
          y: .categories(rows.map { nodes[$0] }, label: nil),
          draw: { svg, g in
            for (c, (a, s)) in columns.enumerated() {
              let state = attractors[a].states[s]
              let left = g.x(Double(c) - 0.5)
              svg.open([("class", "state"), ("data-attractor", String(a + 1)), ("data-state", String(s + 1))])
              for (r, node) in rows.enumerated() {
                let top = g.y(Double(r) - 0.5)
                let value = state[node]
                let (fill, name) = value == 1 ? (on, "on") : value == 0 ? (off, "off") : (free, "free")
                svg.rect(
                  left + 1, top + 1, cellWidth - 2, cellHeight - 2, [("class", "cell " + name), ("fill", fill)],
                  tooltip: "\(nodes[node]) = \(value == -1 ? "free" : String(value)) (attractor \(a + 1), state \(s + 1))")
              }
              svg.close()
              if s == 0 && c > 0 {
                svg.line(left, g.top, left, g.bottom, [("class", "separator"), ("stroke", "#222222"), ("stroke-width", "1.5")])
              }
            }
          }))
    }
    figure.plotWidth = max(120, Double(widest) * cellWidth)
    figure.plotHeight = max(48, Double(tallest) * cellHeight)
    figure.columns = tables.count
    figure.legend = [
      LegendEntry(label: "on (1)", color: on, mark: .box),
      LegendEntry(label: "off (0)", color: off, mark: .box),
    ]
    if tables.contains(where: { $0.attractors.contains { $0.states.contains { $0.contains(-1) } } }) {
      figure.legend.append(LegendEntry(label: "free (complex attractor)", color: free, mark: .box))
    }
    // One line per attractor: its type, size and basin.
    for table in tables {
      if tables.count > 1 { figure.legend.append(LegendEntry(label: Paths.lastComponent(of: table.file) + ":", color: "none", mark: .none)) }
      for (a, attractor) in table.attractors.enumerated() {
        var text = "\(a + 1): \(attractor.type)"
        if attractor.type == "cycle" { text += " of \(attractor.states.count)" }
        if let basin = attractor.basin {
          text += ", basin \(formatNumber(basin))"
        } else if let fraction = attractor.basinFraction {
          text += ", basin ≈ \(TickFormat.label(fraction * 100)) %"
        }
        figure.legend.append(LegendEntry(label: text, color: "none", mark: .none))
      }
      if let index = tables.firstIndex(where: { $0.file == table.file }), omitted[index] > 0 {
        figure.legend.append(LegendEntry(label: "… and \(omitted[index]) more, not drawn", color: "none", mark: .none))
      }
    }
    if let update = tables.first?.update { figure.legendTitle = update == "async" ? "asynchronous" : update == "sync" ? "synchronous" : update }
    return figure.render()
  }

  // MARK: - Raster

  static func raster(_ trajectory: BooleanTrajectoryInput, options: PlotOptions) throws(PathwayError) -> String {
    let rows = try rows(trajectory.nodes, select: options.select, file: trajectory.file)
    guard let first = trajectory.steps.first, let last = trajectory.steps.last else {
      throw PathwayError(.invalidInput, at: SourceLocation(file: trajectory.file, line: 1, column: 1), "the trajectory has no steps")
    }
    let steps = trajectory.steps
    let values = trajectory.values
    let nodes = trajectory.nodes
    var figure = Figure(title: options.title, panels: [])
    figure.plotWidth = min(900, max(300, Double(steps.count) * 10))
    figure.plotHeight = max(48, Double(rows.count) * 16)
    figure.panels.append(
      FigurePanel(
        title: nil,
        x: .value(ValueAxis(label: "step", domain: (first - 0.5)...(last + 0.5))),
        y: .categories(rows.map { nodes[$0] }, label: nil),
        draw: { svg, g in
          for (r, node) in rows.enumerated() {
            let top = g.y(Double(r) - 0.5) + 1, height = g.y(Double(r) + 0.5) - g.y(Double(r) - 0.5) - 2
            svg.open([("class", "row"), ("data-node", nodes[node])])
            svg.rect(g.left, top, g.width, height, [("class", "cell off"), ("fill", off)])
            // Runs of consecutive on-steps as one rectangle each.
            var start: Int? = nil
            for i in 0...steps.count {
              let isOn = i < steps.count && values[node][i]
              if isOn && start == nil { start = i }
              if !isOn, let s = start {
                let left = g.x(steps[s] - 0.5), right = g.x(steps[i - 1] + 0.5)
                svg.rect(
                  left, top, right - left, height, [("class", "cell on"), ("fill", on)],
                  tooltip: "\(nodes[node]) on, steps \(formatNumber(steps[s]))–\(formatNumber(steps[i - 1]))")
                start = nil
              }
            }
            svg.close()
          }
        }))
    figure.legend = [
      LegendEntry(label: "on (1)", color: on, mark: .box),
      LegendEntry(label: "off (0)", color: off, mark: .box),
    ]
    return figure.render()
  }
}
