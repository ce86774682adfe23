import Foundation

/// Sensitivity indices as horizontal bars, one pair per swept quantity (μ* and σ for Morris,
/// S1 and ST for Sobol), with confidence intervals as error bars; one panel per metric. The
/// quantities are sorted by their total effect (ST, or μ*), largest on top, unless `--select`
/// orders them.
enum SensitivityPlot {
  static func render(_ table: SensitivityInput, options: PlotOptions) throws(PathwayError) -> String {
    let metrics = try chosenMetrics(table.entries.map(\.metric), options: options, file: table.file)
    let indices = table.indices
    var panels: [(metric: String?, entries: [SensitivityInput.Entry])] = []
    for metric in metrics {
      var entries = table.entries.filter { $0.metric == metric }
      if let select = options.select, !select.isEmpty {
        var chosen: [SensitivityInput.Entry] = []
        for name in select {
          guard let entry = entries.first(where: { $0.factor == name }) else {
            let names = entries.map(\.factor)
            var notes = didYouMean(name, among: names).map { [$0] } ?? []
            notes.append("the quantities are: " + names.joined(separator: ", "))
            throw PathwayError(.usage, "--select \(name): no such quantity in \(table.file)", notes: notes)
          }
          chosen.append(entry)
        }
        entries = chosen
      } else {
        // The total effect orders the quantities: ST (Sobol) or μ* (Morris).
        let key = indices.contains("ST") ? "ST" : indices[0]
        entries.sort { ($0.values[key]?.value ?? -.infinity) > ($1.values[key]?.value ?? -.infinity) }
      }
      panels.append((metric, entries))
    }

    // The value axis runs from 0 (or below, for a negative index or interval) to the largest end.
    // Sobol indices are fractions of variance and share one axis; Morris effects are in each
    // metric's own units, so each panel gets its own.
    func extent(_ entries: [SensitivityInput.Entry]) -> [Double] {
      var low = 0.0, high = 0.0
      for entry in entries {
        for (_, item) in entry.values where item.value.isFinite {
          low = min(low, item.value, item.interval?.lowerBound ?? item.value)
          high = max(high, item.value, item.interval?.upperBound ?? item.value)
        }
      }
      return [low, high]
    }
    let shared = extent(panels.flatMap(\.entries))
    let label = table.method == .morris ? "elementary effect" : "Sobol index"
    let most = panels.map(\.entries.count).max() ?? 1

    var figure = Figure(title: options.title, panels: [])
    figure.plotWidth = 360
    figure.plotHeight = max(60, Double(most) * Double(indices.count) * 13 + Double(most) * 8)
    figure.columns = min(panels.count, 3)
    for panel in panels {
      let entries = panel.entries
      let domain = AxisTicks.dataDomain(
        table.method == .sobol ? shared : extent(entries), log: false, nice: true, count: figure.xTickCount)
      figure.panels.append(
        FigurePanel(
          title: panel.metric,
          x: .value(ValueAxis(label: label, domain: domain)),
          y: .categories(entries.map(\.factor), label: nil),
          draw: { svg, g in
            let band = abs(g.y(1) - g.y(0))
            let barHeight = band * 0.8 / Double(indices.count)
            for (row, entry) in entries.enumerated() {
              let top = g.y(Double(row)) - band * 0.4
              for (k, index) in indices.enumerated() {
                guard let item = entry.values[index], item.value.isFinite else { continue }
                let y = top + Double(k) * barHeight
                let x0 = g.x(0), x1 = g.x(item.value)
                var tip = "\(entry.factor): \(SensitivityInput.display(index)) = \(formatNumber(item.value))"
                if let ci = item.interval { tip += " [\(formatNumber(ci.lowerBound)), \(formatNumber(ci.upperBound))]" }
                svg.open([("class", "bar"), ("data-factor", entry.factor), ("data-index", index)])
                svg.rect(
                  min(x0, x1), y + 1, abs(x1 - x0), barHeight - 2, [("fill", Palette.color(k))], tooltip: tip)
                if let ci = item.interval {
                  let a = g.x(ci.lowerBound), b = g.x(ci.upperBound), mid = y + barHeight / 2
                  let stroke: [(String, String)] = [("class", "interval"), ("stroke", "#222222"), ("stroke-width", "1.2")]
                  svg.line(a, mid, b, mid, stroke)
                  svg.line(a, mid - 3, a, mid + 3, stroke)
                  svg.line(b, mid - 3, b, mid + 3, stroke)
                }
                svg.close()
              }
            }
            svg.line(g.x(0), g.top, g.x(0), g.bottom, [("class", "zero"), ("stroke", "#444444")])
          }))
    }
    let hasIntervals = table.entries.contains { $0.values.values.contains { $0.interval != nil } }
    figure.legend = indices.enumerated().map { k, index in
      LegendEntry(label: SensitivityInput.display(index), color: Palette.color(k), mark: hasIntervals ? .errorBar : .box)
    }
    if hasIntervals { figure.note = "error bars: confidence intervals as given in \(Paths.lastComponent(of: table.file))" }
    figure.legendTitle = table.method == .morris ? "Morris" : "Sobol"
    return figure.render()
  }

  /// A tornado: per metric, one row per swept quantity (largest change on top, unless `--select`
  /// orders them), a bar from 0 to the relative change of the metric for each value tried, in
  /// one colour for values below the base and another above.
  static func tornado(_ table: TornadoInput, options: PlotOptions) throws(PathwayError) -> String {
    let metrics = try chosenMetrics(table.entries.map(\.metric), options: options, file: table.file)
    var panels: [(metric: String?, factors: [String], entries: [TornadoInput.Entry])] = []
    for metric in metrics {
      let entries = table.entries.filter { $0.metric == metric && $0.relativeChange.isFinite }
      var factors: [String] = []
      for entry in entries where !factors.contains(entry.factor) { factors.append(entry.factor) }
      if let select = options.select, !select.isEmpty {
        for name in select where !factors.contains(name) {
          var notes = didYouMean(name, among: factors).map { [$0] } ?? []
          notes.append("the quantities are: " + factors.joined(separator: ", "))
          throw PathwayError(.usage, "--select \(name): no such quantity in \(table.file)", notes: notes)
        }
        factors = select
      } else {
        func swing(_ factor: String) -> Double {
          entries.filter { $0.factor == factor }.map { abs($0.relativeChange) }.max() ?? 0
        }
        factors = factors.enumerated().sorted { a, b in
          swing(a.element) != swing(b.element) ? swing(a.element) > swing(b.element) : a.offset < b.offset
        }.map(\.element)
      }
      panels.append((metric, factors, entries.filter { factors.contains($0.factor) }))
    }
    let most = panels.map(\.factors.count).max() ?? 1
    var figure = Figure(title: options.title, panels: [])
    figure.plotWidth = 360
    figure.plotHeight = max(60, Double(most) * 22)
    figure.columns = min(panels.count, 3)
    for panel in panels {
      var low = 0.0, high = 0.0
      for entry in panel.entries {
        low = min(low, 100 * entry.relativeChange)
        high = max(high, 100 * entry.relativeChange)
      }
      let domain = AxisTicks.dataDomain([low, high], log: false, nice: true, count: figure.xTickCount)
      let factors = panel.factors, entries = panel.entries
      figure.panels.append(
        FigurePanel(
          title: panel.metric,
          x: .value(ValueAxis(label: "relative change (%)", domain: domain)),
          y: .categories(factors, label: nil),
          draw: { svg, g in
            let band = abs(g.y(1) - g.y(0))
            for (row, factor) in factors.enumerated() {
              // Values below the base above the row's centre line, values above it below.
              let group = entries.filter { $0.factor == factor }
              let lower = group.filter { $0.fold < 1 }, upper = group.filter { !($0.fold < 1) }
              for (side, items) in [(0, lower), (1, upper)] {
                // Largest change drawn first, so smaller ones stay visible on top of it.
                let ordered = items.sorted { abs($0.relativeChange) > abs($1.relativeChange) }
                for entry in ordered {
                  let height = band * 0.38
                  let y = g.y(Double(row)) - band * 0.4 + Double(side) * band * 0.4
                  let x0 = g.x(0), x1 = g.x(100 * entry.relativeChange)
                  let fold = entry.fold.isFinite ? " (× \(formatNumber(entry.fold)))" : ""
                  let tip = "\(factor) = \(formatNumber(entry.value))\(fold): \(formatNumber(100 * entry.relativeChange)) %"
                  svg.open([("class", "bar"), ("data-factor", factor), ("data-value", formatNumber(entry.value))])
                  svg.rect(min(x0, x1), y + 1, abs(x1 - x0), height - 2, [("fill", Palette.color(side))], tooltip: tip)
                  svg.close()
                }
              }
            }
            svg.line(g.x(0), g.top, g.x(0), g.bottom, [("class", "zero"), ("stroke", "#444444")])
          }))
    }
    figure.legend = [
      LegendEntry(label: "below the base value", color: Palette.color(0), mark: .box),
      LegendEntry(label: "above the base value", color: Palette.color(1), mark: .box),
    ]
    figure.legendTitle = "one at a time"
    return figure.render()
  }

  /// The metrics to draw, in file order: all of them, or the one `--metric` names.
  private static func chosenMetrics(_ all: [String?], options: PlotOptions, file: String) throws(PathwayError) -> [String?] {
    var metrics: [String?] = []
    for metric in all where !metrics.contains(metric) { metrics.append(metric) }
    guard let wanted = options.metric else { return metrics }
    guard metrics.contains(wanted) else {
      let names = metrics.compactMap { $0 }
      var notes = didYouMean(wanted, among: names).map { [$0] } ?? []
      notes.append(names.isEmpty ? "\(file) has no metric column" : "the metrics are: " + names.joined(separator: ", "))
      throw PathwayError(.usage, "--metric \(wanted): no such metric in \(file)", notes: notes)
    }
    return [wanted]
  }
}
