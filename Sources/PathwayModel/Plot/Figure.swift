import Foundation

/// A continuous axis: its label (with the unit when known), its domain and whether it is
/// logarithmic.
struct ValueAxis {
  var label: String
  var domain: ClosedRange<Double>
  var isLog = false
}

/// What a panel's axis shows: values, named categories (one per row or column, the first at the
/// top of a y axis), or nothing.
enum PanelAxis {
  case value(ValueAxis)
  case categories([String], label: String?)
}

/// A panel's geometry, handed to its drawing code: the plot area and the two scales. A category
/// axis maps category i to the centre of its band (domain −0.5 … count − 0.5).
struct PanelGeometry {
  var left: Double, top: Double, width: Double, height: Double
  var x: AxisScale
  var y: AxisScale
  var bottom: Double { top + height }
  var right: Double { left + width }
}

/// One plot area with its axes.
struct FigurePanel {
  var title: String?
  var x: PanelAxis
  var y: PanelAxis
  /// Draws the data inside `geometry` (called inside the panel's group).
  var draw: (inout SVGWriter, PanelGeometry) -> Void
}

/// An entry of the figure's legend.
struct LegendEntry {
  enum Mark { case line, point, lineAndPoint, cross, box, errorBar, none }
  var label: String
  var color: String
  var dash: String? = nil
  var mark: Mark = .line
}

/// A colour bar for a sequential colour scale.
struct ColorBar {
  var label: String
  var domain: ClosedRange<Double>
  var color: (Double) -> String
}

/// A figure: a title, a grid of panels of one size, and a legend or a colour bar on the right.
/// All layout (margins, label widths, legend size) is computed from the text it holds, so that
/// nothing overlaps and the text stays at its readable size (12–16 px).
struct Figure {
  var title: String?
  var panels: [FigurePanel]
  var columns = 1
  /// Plot-area size of every panel, in pixels.
  var plotWidth = 480.0
  var plotHeight = 300.0
  var legend: [LegendEntry] = []
  var legendTitle: String?
  var colorBar: ColorBar?
  /// Text under the panels (for example how many runs failed).
  var note: String?

  static let tickSize = 12.0, labelSize = 13.0, panelTitleSize = 13.0, titleSize = 16.0, legendSize = 12.0
  static let tickLength = 5.0
  /// About one tick every this many pixels along x, along y.
  static let xTickSpacing = 80.0, yTickSpacing = 40.0
  static let gridColor = "#E6E6E6", axisColor = "#444444"
  /// The widest legend label before it is shortened with an ellipsis.
  static let legendLabelLimit = 340.0

  /// Tick intervals of the panels' y axis and x axis (for domains that end on ticks).
  var yTickCount: Int { AxisTicks.tickCount(length: plotHeight, spacing: Self.yTickSpacing) }
  var xTickCount: Int { AxisTicks.tickCount(length: plotWidth, spacing: Self.xTickSpacing) }

  func render() -> String {
    let rows = (panels.count + columns - 1) / max(1, columns)
    let leftMargin = panels.map(leftMargin).max() ?? 40
    let bottomMargin = panels.map(Self.bottomMargin).max() ?? 40
    let panelTitle = panels.contains { $0.title != nil } ? 22.0 : 0
    let rightPad = 18.0
    let cellWidth = leftMargin + plotWidth + rightPad
    let cellHeight = panelTitle + plotHeight + bottomMargin + 10
    let titleHeight = title == nil ? 20.0 : 40
    let gridWidth = Double(columns) * cellWidth
    let gridHeight = Double(rows) * cellHeight
    let legendWidth = legend.isEmpty ? 0 : legendSize().width + 12
    let barWidth = colorBar.map(colorBarWidth) ?? 0
    let noteHeight = note == nil ? 0.0 : 20
    let width = ceil(12 + gridWidth + legendWidth + barWidth + 8)
    let height = ceil(titleHeight + max(gridHeight, legend.isEmpty ? 0 : legendSize().height + 8) + noteHeight + 4)

    var svg = SVGWriter(width: width, height: height)
    if let title {
      svg.text(
        title, width / 2, 24, anchor: "middle", size: Self.titleSize, weight: "bold", [("class", "title")])
    }
    for (index, panel) in panels.enumerated() {
      let column = index % columns, row = index / columns
      let left = 12 + Double(column) * cellWidth + leftMargin
      let top = titleHeight + Double(row) * cellHeight + panelTitle
      draw(panel, index: index, left: left, top: top, into: &svg)
    }
    if !legend.isEmpty {
      drawLegend(left: 12 + gridWidth + barWidth + 4, top: titleHeight + 4, into: &svg)
    }
    if let colorBar {
      drawColorBar(colorBar, left: 12 + gridWidth + 4, top: titleHeight + panelTitle, into: &svg)
    }
    if let note {
      svg.text(note, 12 + 4, titleHeight + gridHeight + 12, size: Self.legendSize, [("class", "note")])
    }
    return svg.document(title: title)
  }

  // MARK: - Margins

  private static func tickLabels(_ axis: PanelAxis, length: Double, spacing: Double) -> [String] {
    switch axis {
    case .value(let v):
      return labeledTicks(v, scale: AxisScale(domain: v.domain, start: 0, end: length, isLog: v.isLog), spacing: spacing)
        .map(\.1)
    case .categories(let names, _): return names
    }
  }

  private func leftMargin(_ panel: FigurePanel) -> Double {
    let labels = Self.tickLabels(panel.y, length: plotHeight, spacing: Self.yTickSpacing)
    let widest = labels.map { TextMetrics.width($0, size: Self.tickSize) }.max() ?? 0
    let hasLabel: Bool
    switch panel.y {
    case .value(let axis): hasLabel = !axis.label.isEmpty
    case .categories(_, let label): hasLabel = label != nil
    }
    return widest + Self.tickLength + 6 + (hasLabel ? Self.labelSize + 12 : 4)
  }

  private static func bottomMargin(_ panel: FigurePanel) -> Double {
    var hasLabel = true
    if case .categories(_, let label) = panel.x { hasLabel = label != nil }
    return tickLength + tickSize + 8 + (hasLabel ? labelSize + 8 : 0)
  }

  /// The ticks of a value axis with their labels.
  static func labeledTicks(_ axis: ValueAxis, scale: AxisScale, spacing: Double) -> [(Double, String)] {
    if axis.isLog {
      let values = scale.ticks(spacing: spacing)
      return Array(zip(values, TickFormat.logLabels(values)))
    }
    let count = AxisTicks.tickCount(length: scale.end - scale.start, spacing: spacing)
    let (values, step) = AxisTicks.linear(axis.domain, count: count)
    return Array(zip(values, TickFormat.labels(values, step: step)))
  }

  // MARK: - Panels

  private func scale(_ axis: PanelAxis, start: Double, end: Double, categoriesTopDown: Bool) -> AxisScale {
    switch axis {
    case .value(let v): return AxisScale(domain: v.domain, start: start, end: end, isLog: v.isLog)
    case .categories(let names, _):
      let domain = -0.5...(Double(max(1, names.count)) - 0.5)
      return categoriesTopDown ? AxisScale(domain: domain, start: end, end: start) : AxisScale(domain: domain, start: start, end: end)
    }
  }

  private func draw(_ panel: FigurePanel, index: Int, left: Double, top: Double, into svg: inout SVGWriter) {
    let xs = scale(panel.x, start: left, end: left + plotWidth, categoriesTopDown: false)
    let ys = scale(panel.y, start: top + plotHeight, end: top, categoriesTopDown: true)
    let geometry = PanelGeometry(left: left, top: top, width: plotWidth, height: plotHeight, x: xs, y: ys)
    var attributes: [(String, String)] = [("class", "panel"), ("data-index", String(index))]
    if let title = panel.title { attributes.append(("data-title", title)) }
    svg.open(attributes)
    if let title = panel.title {
      svg.text(
        TextMetrics.truncate(title, toWidth: plotWidth, size: Self.panelTitleSize), left + plotWidth / 2, top - 8,
        anchor: "middle", size: Self.panelTitleSize, weight: "bold", [("class", "panel-title")])
    }
    svg.rect(left, top, plotWidth, plotHeight, [("class", "plot-area"), ("fill", "none"), ("stroke", "none")])
    drawXAxis(panel.x, geometry, into: &svg)
    drawYAxis(panel.y, geometry, into: &svg)
    svg.open([("class", "data")])
    panel.draw(&svg, geometry)
    svg.close()
    svg.rect(left, top, plotWidth, plotHeight, [("class", "frame"), ("fill", "none"), ("stroke", Self.axisColor)])
    svg.close()
  }

  private func drawXAxis(_ axis: PanelAxis, _ g: PanelGeometry, into svg: inout SVGWriter) {
    switch axis {
    case .value(let v):
      svg.open([("class", "axis x"), ("data-scale", v.isLog ? "log" : "linear")])
      for (value, label) in Self.labeledTicks(v, scale: g.x, spacing: Self.xTickSpacing) {
        let x = g.x(value)
        svg.line(x, g.top, x, g.bottom, [("class", "grid"), ("stroke", Self.gridColor)])
        svg.open([("class", "tick")])
        svg.line(x, g.bottom, x, g.bottom + Self.tickLength, [("stroke", Self.axisColor)])
        svg.text(label, x, g.bottom + Self.tickLength + Self.tickSize + 1, anchor: "middle", size: Self.tickSize)
        svg.close()
      }
      svg.text(
        v.label, g.left + g.width / 2, g.bottom + Self.tickLength + Self.tickSize + Self.labelSize + 9,
        anchor: "middle", size: Self.labelSize, [("class", "label")])
      svg.close()
    case .categories(let names, let label):
      svg.open([("class", "axis x"), ("data-scale", "categories")])
      for (i, name) in names.enumerated() {
        let x = g.x(Double(i))
        svg.open([("class", "tick")])
        svg.line(x, g.bottom, x, g.bottom + Self.tickLength, [("stroke", Self.axisColor)])
        svg.text(name, x, g.bottom + Self.tickLength + Self.tickSize + 1, anchor: "middle", size: Self.tickSize)
        svg.close()
      }
      if let label {
        svg.text(
          label, g.left + g.width / 2, g.bottom + Self.tickLength + Self.tickSize + Self.labelSize + 9,
          anchor: "middle", size: Self.labelSize, [("class", "label")])
      }
      svg.close()
    }
  }

  private func drawYAxis(_ axis: PanelAxis, _ g: PanelGeometry, into svg: inout SVGWriter) {
    let labelX: Double
    switch axis {
    case .value(let v):
      svg.open([("class", "axis y"), ("data-scale", v.isLog ? "log" : "linear")])
      let ticks = Self.labeledTicks(v, scale: g.y, spacing: Self.yTickSpacing)
      for (value, label) in ticks {
        let y = g.y(value)
        svg.line(g.left, y, g.right, y, [("class", "grid"), ("stroke", Self.gridColor)])
        svg.open([("class", "tick")])
        svg.line(g.left - Self.tickLength, y, g.left, y, [("stroke", Self.axisColor)])
        svg.text(label, g.left - Self.tickLength - 3, y + Self.tickSize * 0.35, anchor: "end", size: Self.tickSize)
        svg.close()
      }
      let widest = ticks.map { TextMetrics.width($0.1, size: Self.tickSize) }.max() ?? 0
      labelX = g.left - Self.tickLength - 6 - widest - 6
      if !v.label.isEmpty {
        svg.text(
          v.label, labelX, g.top + g.height / 2, anchor: "middle", size: Self.labelSize, rotate: -90,
          [("class", "label")])
      }
      svg.close()
    case .categories(let names, let label):
      svg.open([("class", "axis y"), ("data-scale", "categories")])
      for (i, name) in names.enumerated() {
        let y = g.y(Double(i))
        svg.open([("class", "tick")])
        svg.line(g.left - Self.tickLength, y, g.left, y, [("stroke", Self.axisColor)])
        svg.text(name, g.left - Self.tickLength - 3, y + Self.tickSize * 0.35, anchor: "end", size: Self.tickSize)
        svg.close()
      }
      if let label {
        let widest = names.map { TextMetrics.width($0, size: Self.tickSize) }.max() ?? 0
        svg.text(
          label, g.left - Self.tickLength - 12 - widest, g.top + g.height / 2, anchor: "middle",
          size: Self.labelSize, rotate: -90, [("class", "label")])
      }
      svg.close()
    }
  }

  // MARK: - Legend and colour bar

  private func legendSize() -> (width: Double, height: Double) {
    let labels = legend.map { min(Self.legendLabelLimit, TextMetrics.width($0.label, size: Self.legendSize)) }
    var width = 28 + (labels.max() ?? 0) + 12
    if let legendTitle { width = max(width, TextMetrics.width(legendTitle, size: Self.legendSize) + 12) }
    let height = Double(legend.count) * 18 + (legendTitle == nil ? 8 : 26)
    return (width, height)
  }

  private func drawLegend(left: Double, top: Double, into svg: inout SVGWriter) {
    svg.open([("class", "legend")])
    var y = top + 6
    if let legendTitle {
      svg.text(legendTitle, left + 4, y + 12, size: Self.legendSize, weight: "bold", [("class", "legend-title")])
      y += 18
    }
    for entry in legend {
      let mid = y + 9
      svg.open([("class", "legend-entry"), ("data-label", entry.label)])
      var stroke: [(String, String)] = [("stroke", entry.color), ("stroke-width", "2")]
      if let dash = entry.dash { stroke.append(("stroke-dasharray", dash)) }
      switch entry.mark {
      case .line:
        svg.line(left + 4, mid, left + 26, mid, stroke)
      case .lineAndPoint:
        svg.line(left + 4, mid, left + 26, mid, stroke)
        svg.circle(left + 15, mid, 3, [("fill", entry.color)])
      case .point:
        svg.circle(left + 15, mid, 3.5, [("fill", entry.color)])
      case .cross:
        Self.cross(left + 15, mid, 4, color: entry.color, into: &svg)
      case .box:
        svg.rect(left + 7, mid - 6, 16, 12, [("fill", entry.color), ("stroke", Self.axisColor), ("stroke-width", "0.5")])
      case .errorBar:
        svg.rect(left + 7, mid - 5, 16, 10, [("fill", entry.color)])
        svg.line(left + 15, mid - 8, left + 15, mid + 8, [("stroke", "#222222"), ("stroke-width", "1.2")])
      case .none:
        break
      }
      let label = TextMetrics.truncate(entry.label, toWidth: Self.legendLabelLimit, size: Self.legendSize)
      svg.text(label, left + (entry.mark == .none ? 4 : 32), mid + Self.legendSize * 0.35, size: Self.legendSize)
      svg.close()
      y += 18
    }
    svg.close()
  }

  /// A × marker centred on (x, y).
  static func cross(
    _ x: Double, _ y: Double, _ r: Double, color: String, tooltip: String? = nil, into svg: inout SVGWriter
  ) {
    svg.path(
      "M\(svgNumber(x - r)),\(svgNumber(y - r))L\(svgNumber(x + r)),\(svgNumber(y + r))"
        + "M\(svgNumber(x - r)),\(svgNumber(y + r))L\(svgNumber(x + r)),\(svgNumber(y - r))",
      [("class", "cross"), ("stroke", color), ("stroke-width", "2"), ("fill", "none")], tooltip: tooltip)
  }

  private func colorBarWidth(_ bar: ColorBar) -> Double {
    let axis = ValueAxis(label: bar.label, domain: bar.domain)
    let labels = Self.labeledTicks(axis, scale: AxisScale(domain: bar.domain, start: plotHeight, end: 0), spacing: Self.yTickSpacing)
    let widest = labels.map { TextMetrics.width($0.1, size: Self.tickSize) }.max() ?? 0
    return 16 + Self.tickLength + 4 + widest + 8 + Self.labelSize + 12
  }

  private func drawColorBar(_ bar: ColorBar, left: Double, top: Double, into svg: inout SVGWriter) {
    let height = plotHeight
    svg.open([("class", "colorbar")])
    // A vertical gradient through `stops` samples of the colour scale, bottom to top.
    let stops = 32
    var gradient = #"<defs><linearGradient id="colorbar" x1="0" y1="1" x2="0" y2="0">"#
    for i in 0...stops {
      let t = Double(i) / Double(stops)
      let value = bar.domain.lowerBound + t * (bar.domain.upperBound - bar.domain.lowerBound)
      gradient += #"<stop offset="\#(svgNumber(t))" stop-color="\#(bar.color(value))"/>"#
    }
    svg.raw(gradient + "</linearGradient></defs>")
    svg.rect(left, top, 16, height, [("class", "scale"), ("fill", "url(#colorbar)"), ("stroke", Self.axisColor)])
    let axis = ValueAxis(label: bar.label, domain: bar.domain)
    let scale = AxisScale(domain: bar.domain, start: top + height, end: top)
    let ticks = Self.labeledTicks(axis, scale: scale, spacing: Self.yTickSpacing)
    svg.open([("class", "axis z"), ("data-scale", "linear")])
    for (value, label) in ticks {
      let y = scale(value)
      svg.open([("class", "tick")])
      svg.line(left + 16, y, left + 16 + Self.tickLength, y, [("stroke", Self.axisColor)])
      svg.text(label, left + 16 + Self.tickLength + 3, y + Self.tickSize * 0.35, size: Self.tickSize)
      svg.close()
    }
    let widest = ticks.map { TextMetrics.width($0.1, size: Self.tickSize) }.max() ?? 0
    let labelX = left + 16 + Self.tickLength + 4 + widest + 8 + Self.labelSize / 2
    svg.text(bar.label, labelX, top + height / 2, anchor: "middle", size: Self.labelSize, rotate: -90, [("class", "label")])
    svg.close()
    svg.close()
  }
}
