import Foundation
import Testing

@testable import PathwayModel

/// Draws every kind of figure from small CSVs, parses the SVG back and checks what a reader
/// would: the axes and their 1-2-5 tick labels, the units, the number of series, and that
/// every drawn point sits within a pixel of where its CSV value belongs on the labelled axes.
@Suite("Plot figures")
struct PlotFigureTests {
  static let model = """
    model: decay
    time_unit: min
    parameters: {k: {value: 0.5, unit: 1/min}}
    nodes:
      x: {initial: 1, rate: -k * x}
    """

  /// Three variables over 0…10 min, with values crossing zero.
  static let wide = """
    time,x,y,z
    0,1,0,0.5
    1,0.8,0.25,0.5
    2.5,0.6,0.5,-0.25
    4,0.45,0.65,-0.5
    7,0.3,0.75,0.125
    10,0.2,0.8,1.25
    """

  static func manifest(_ entries: [String: String], model: String) -> String {
    let outputs = entries.map { name, scenario in
      #""\#(name)": {"model": {"path": "\#(model)"}, "scenario": {"name": "\#(scenario)"}}"#
    }
    return "{\"outputs\": {" + outputs.joined(separator: ", ") + "}}"
  }

  /// A folder with the model, `files` and a manifest naming each CSV's scenario.
  static func folder(_ files: [String: String], scenarios: [String: String]) throws -> String {
    let directory = try writeFixtures(files.merging(["decay.yaml": model]) { a, _ in a })
    try manifest(scenarios, model: directory + "/decay.yaml")
      .write(toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
    return directory
  }

  /// The rows of a wide CSV: time and one value per column.
  static func rows(_ csv: String) -> (names: [String], time: [Double], columns: [[Double]]) {
    let lines = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    let names = Array(lines[0].dropFirst())
    let data = lines.dropFirst().map { $0.map { Double($0)! } }
    return (names, data.map { $0[0] }, names.indices.map { c in data.map { $0[c + 1] } })
  }

  /// Checks that the polyline of every series maps back to the CSV's values within a pixel.
  func expectSeriesMatch(
    _ panel: SVGNode, names: [String], time: [Double], columns: [[Double]],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let x = try readAxis(panel, "x", sourceLocation: sourceLocation)
    let y = try readAxis(panel, "y", sourceLocation: sourceLocation)
    let series = panel.all(class: "series")
    #expect(series.map { $0.attributes["data-variable"] ?? "" } == names, sourceLocation: sourceLocation)
    for (s, values) in zip(series, columns) {
      let drawn = s.all(name: "polyline").flatMap(points)
      let expected = Array(zip(time, values))
      #expect(drawn.count == expected.count, "\(s.attributes["data-label"] ?? "")", sourceLocation: sourceLocation)
      for ((px, py), (t, v)) in zip(drawn, expected) {
        #expect(abs(px - x.pixel(t)) <= 1, "x of \(t): \(px) vs \(x.pixel(t))", sourceLocation: sourceLocation)
        #expect(abs(py - y.pixel(v)) <= 1, "y of \(v): \(py) vs \(y.pixel(v))", sourceLocation: sourceLocation)
      }
    }
  }

  @Test("a wide time course: labelled axes with 1-2-5 ticks and units, one series per column, points on their values")
  func wideOverlay() throws {
    let directory = try Self.folder(["run.csv": Self.wide], scenarios: ["run.csv": "pulse"])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/run.csv"], options: PlotOptions())
    #expect(result.kind == .timecourse)
    let svg = try parseSVG(result.svg)
    let panels = svg.all(class: "panel")
    #expect(panels.count == 1)
    let x = try readAxis(panels[0], "x"), y = try readAxis(panels[0], "y")
    #expect(x.label == "time (min)")
    #expect(y.label == "value")
    expectOneTwoFive(x)
    expectOneTwoFive(y)
    #expect(x.values.first == 0 && x.values.last == 10)
    #expect(y.values.first! <= -0.5 && y.values.last! >= 1.25, "the axis ends on ticks beyond the data")
    #expect(y.labels.contains { $0.hasPrefix("\u{2212}") }, "negative labels use a minus sign: \(y.labels)")
    let (names, time, columns) = Self.rows(Self.wide)
    try expectSeriesMatch(panels[0], names: names, time: time, columns: columns)
    #expect(svg.all(class: "legend-entry").map { $0.attributes["data-label"] ?? "" } == ["x", "y", "z"])
    #expect(svg.all(class: "title").first?.allText == "pulse", "a single input is titled by its scenario")
    // Self-contained: no scripts, no external references, a generic font family.
    #expect(svg.all(name: "script").isEmpty)
    #expect(!result.svg.contains("href"))
    #expect(svg.attributes["font-family"] == "sans-serif")
  }

  @Test("the long layout draws the same figure as the wide one")
  func longLayout() throws {
    let (names, time, columns) = Self.rows(Self.wide)
    var long = "time,variable,value\n"
    for (i, t) in time.enumerated() {
      for (c, name) in names.enumerated() { long += "\(formatNumber(t)),\(name),\(formatNumber(columns[c][i]))\n" }
    }
    let directory = try writeFixtures(["wide.csv": Self.wide, "long.csv": long])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fromWide = try Plotter.plot([directory + "/wide.csv"], options: PlotOptions(title: "t"))
    let fromLong = try Plotter.plot([directory + "/long.csv"], options: PlotOptions(title: "t"))
    #expect(fromLong.svg == fromWide.svg)
    let panel = try parseSVG(fromLong.svg).all(class: "panel")[0]
    try expectSeriesMatch(panel, names: names, time: time, columns: columns)
    #expect(try readAxis(panel, "x").label == "time", "no manifest: no unit")
  }

  @Test("simulate sensitivity's long layout draws one series d(variable)/d(parameter) from its sensitivity column")
  func sensitivityLayout() throws {
    let (names, time, columns) = Self.rows(Self.wide)
    var long = "time,variable,parameter,value,sensitivity\n"
    var wide = "time," + names.map { "\"d(\($0))/d(k)\"" }.joined(separator: ",") + "\n"
    for (i, t) in time.enumerated() {
      for (c, name) in names.enumerated() { long += "\(formatNumber(t)),\(name),k,1,\(formatNumber(columns[c][i]))\n" }
      wide += formatNumber(t) + "," + columns.map { formatNumber($0[i]) }.joined(separator: ",") + "\n"
    }
    let directory = try writeFixtures(["wide.csv": wide, "long.csv": long])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fromWide = try Plotter.plot([directory + "/wide.csv"], options: PlotOptions(title: "t"))
    let fromLong = try Plotter.plot([directory + "/long.csv"], options: PlotOptions(title: "t"))
    #expect(fromLong.svg == fromWide.svg)
    let panel = try parseSVG(fromLong.svg).all(class: "panel")[0]
    try expectSeriesMatch(panel, names: names.map { "d(\($0))/d(k)" }, time: time, columns: columns)
  }

  @Test("several CSVs: one line per scenario, labelled by the scenario names of the manifest; panels per variable")
  func scenarios() throws {
    let treated = Self.wide.replacingOccurrences(of: "0.8,", with: "0.9,")
    let directory = try Self.folder(
      ["a.csv": Self.wide, "b.csv": treated], scenarios: ["a.csv": "control", "b.csv": "treated"])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let inputs = [directory + "/a.csv", directory + "/b.csv"]

    let overlay = try parseSVG(Plotter.plot(inputs, options: PlotOptions(select: ["y"])).svg)
    #expect(overlay.all(class: "panel").count == 1)
    #expect(overlay.all(class: "series").map { $0.attributes["data-label"] ?? "" } == ["control", "treated"])
    #expect(try readAxis(overlay.all(class: "panel")[0], "y").label == "y")
    for (file, s) in zip([Self.wide, treated], overlay.all(class: "series")) {
      let (names, time, columns) = Self.rows(file)
      let c = names.firstIndex(of: "y")!
      let panel = overlay.all(class: "panel")[0]
      let x = try readAxis(panel, "x"), y = try readAxis(panel, "y")
      for ((px, py), (t, v)) in zip(s.all(name: "polyline").flatMap(points), zip(time, columns[c])) {
        #expect(abs(px - x.pixel(t)) <= 1 && abs(py - y.pixel(v)) <= 1)
      }
    }

    let panels = try parseSVG(Plotter.plot(inputs, options: PlotOptions(select: ["x", "z"], layout: .panels)).svg)
    let drawn = panels.all(class: "panel")
    #expect(drawn.map { $0.attributes["data-title"] ?? "" } == ["x", "z"])
    for panel in drawn {
      #expect(panel.all(class: "series").map { $0.attributes["data-label"] ?? "" } == ["control", "treated"])
    }
    #expect(panels.all(class: "legend-entry").count == 2)
    // Every panel has the same time ticks (the third of a row once lost one to rounding).
    let three = try parseSVG(Plotter.plot(inputs, options: PlotOptions(select: ["x", "y", "z"], layout: .panels)).svg)
    let timeTicks = try three.all(class: "panel").map { try readAxis($0, "x").values }
    #expect(timeTicks.count == 3 && Set(timeTicks.map(\.description)).count == 1, "\(timeTicks)")

    let side = try parseSVG(Plotter.plot(inputs, options: PlotOptions(select: ["x", "z"], layout: .scenarios)).svg)
    #expect(side.all(class: "panel").map { $0.attributes["data-title"] ?? "" } == ["control", "treated"])
    let axes = try side.all(class: "panel").map { try readAxis($0, "y").values }
    #expect(axes[0] == axes[1], "side by side panels share the value axis")
  }

  @Test("log axes: decade ticks, points on their values, values ≤ 0 left out with a warning")
  func logAxis() throws {
    let csv = """
      time,a
      0,1e-6
      1,1e-4
      2,0.01
      3,0
      4,3
      """
    let directory = try writeFixtures(["log.csv": csv])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/log.csv"], options: PlotOptions(logY: true))
    #expect(result.warnings.contains { $0.message.contains("1 value(s) ≤ 0") })
    let panel = try parseSVG(result.svg).all(class: "panel")[0]
    let y = try readAxis(panel, "y")
    #expect(y.isLog)
    #expect(y.values.first! <= 1e-6 && y.values.last! >= 3)
    for v in y.values { #expect(abs(log10(v) - log10(v).rounded()) < 1e-9, "\(v) is not a decade") }
    // The line breaks at the value left out; every kept value has its marker on its value.
    let x = try readAxis(panel, "x")
    #expect(panel.all(name: "polyline").map { points($0).count } == [3])
    let markers = panel.all(class: "point")
    let kept: [(Double, Double)] = [(0, 1e-6), (1, 1e-4), (2, 0.01), (4, 3)]
    #expect(markers.count == kept.count)
    for (marker, (t, v)) in zip(markers, kept) {
      #expect(abs(marker.number("cx")! - x.pixel(t)) <= 1 && abs(marker.number("cy")! - y.pixel(v)) <= 1)
    }
  }

  static let runs = """
    run_id,shard,seed,k,status,final(x),auc(x),steps,rhs_evals,wall_ms
    0,0,11,0.01,ok,0.951229424500714,4.88,20,140,
    1,0,12,0.1,ok,0.6065306597126334,3.93,23,161,
    2,0,13,1,failed:max_steps,,,100000,600012,
    3,0,14,10,ok,1.9287498479639178e-22,0.1,40,280,
    4,0,15,100,not_run,,,,,
    5,0,16,0.1,ok,0.62,3.9,23,161,
    """

  @Test("dose-response: a point per run on its values, failed runs marked ×, log x axis with the unit")
  func doseResponse() throws {
    let directory = try writeFixtures(["runs.csv": Self.runs, "decay.yaml": Self.model])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try #"{"outputs": {"runs.csv": {"model": {"path": "\#(directory)/decay.yaml"}}}}"#
      .write(toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
    let result = try Plotter.plot(
      [directory + "/runs.csv"], options: PlotOptions(metric: "final(x)", logX: true))
    #expect(result.kind == .doseResponse)
    #expect(result.warnings.contains { $0.message.contains("1 run(s) not run") })
    let svg = try parseSVG(result.svg)
    let panel = svg.all(class: "panel")[0]
    let x = try readAxis(panel, "x"), y = try readAxis(panel, "y")
    #expect(x.label == "k (1/min)")
    #expect(y.label == "final(x)")
    #expect(x.isLog)
    expectOneTwoFive(y)
    let circles = panel.all(class: "point")
    let expected: [(Double, Double)] = [(0.01, 0.951229424500714), (0.1, 0.6065306597126334), (10, 1.9287498479639178e-22), (0.1, 0.62)]
    #expect(circles.count == expected.count)
    for (circle, (k, v)) in zip(circles, expected) {
      #expect(abs(circle.number("cx")! - x.pixel(k)) <= 1)
      #expect(abs(circle.number("cy")! - y.pixel(v)) <= 1)
    }
    // The line joins the mean of the replicates at k = 0.1.
    let line = points(try #require(panel.all(name: "polyline").first))
    #expect(line.count == 3)
    #expect(abs(line[1].1 - y.pixel((0.6065306597126334 + 0.62) / 2)) <= 1)
    let failed = panel.all(class: "cross")
    #expect(failed.count == 1)
    #expect(svg.all(class: "legend-entry").contains { $0.attributes["data-label"] == "failed run (1)" })
    #expect(failed[0].all(name: "title").first?.allText.contains("max_steps") == true)
  }

  static let grid = """
    run_id,shard,seed,k,x0,status,final(x),steps,rhs_evals,wall_ms
    0,0,1,0.1,1,ok,0.6,1,1,
    1,0,2,1,1,ok,0.1,1,1,
    2,0,3,10,1,ok,0.0,1,1,
    3,0,4,0.1,2,ok,1.2,1,1,
    4,0,5,1,2,failed:nan,,1,1,
    5,0,6,10,2,ok,0.05,1,1,
    """

  @Test("heat map: one cell per pair of swept values, centred on them, coloured by the colour bar")
  func heatmap() throws {
    let directory = try writeFixtures(["runs.csv": Self.grid])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/runs.csv"], options: PlotOptions(kind: .heatmap, logX: true))
    let svg = try parseSVG(result.svg)
    let panel = svg.all(class: "panel")[0]
    let x = try readAxis(panel, "x"), y = try readAxis(panel, "y")
    #expect(x.label == "k" && y.label == "x0")
    let cells = panel.all(class: "cell")
    #expect(cells.count == 6)
    let bar = try readAxis(svg, "z")
    #expect(bar.label == "final(x)")
    let (low, high) = (bar.values.first!, bar.values.last!)
    let table = Self.grid.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    for (cell, row) in zip(cells, table) {
      let cx = cell.number("x")! + cell.number("width")! / 2, cy = cell.number("y")! + cell.number("height")! / 2
      #expect(abs(cx - x.pixel(Double(row[3])!)) <= 1)
      #expect(abs(cy - y.pixel(Double(row[4])!)) <= 1)
      if let value = Double(row[6]) {
        #expect(cell.attributes["fill"] == Palette.sequential((value - low) / (high - low)))
      } else {
        #expect(cell.attributes["fill"] == "#BBBBBB", "a cell whose runs all failed is grey")
      }
    }
    #expect(panel.all(class: "cross").count == 1)
    // Both swept quantities are needed, and named ones must exist.
    #expect(throws: PathwayError.self) { try Plotter.plot([directory + "/runs.csv"], options: PlotOptions(kind: .heatmap, x: "k")) }
    let error = pathwayError { _ = try Plotter.plot([directory + "/runs.csv"], options: PlotOptions(x: "k", y: "kk")) }
    #expect(error?.kind == .usage)
  }

  @Test("attractor table: a column per attractor state, a row per node, filled where the node is on")
  func attractors() throws {
    let json = """
      {"nodes": ["A", "B", "C"], "update": "sync",
       "attractors": [{"type": "fixed", "states": ["101"], "basin": 3},
                      {"type": "cycle", "states": ["010", "011"], "basin": 5}]}
      """
    let csv = "attractor,type,basin,A,B,C\n1,fixed,3,1,0,1\n2,cycle,5,0,1,0\n2,cycle,5,0,1,1\n"
    let directory = try writeFixtures(["a.json": json, "a.csv": csv])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for input in ["a.json", "a.csv"] {
      let result = try Plotter.plot([directory + "/" + input], options: PlotOptions())
      #expect(result.kind == .attractors)
      let svg = try parseSVG(result.svg)
      let states = svg.all(class: "state")
      #expect(states.count == 3)
      let read = states.map { state in state.all(class: "cell").map { $0.classes.contains("on") ? "1" : "0" }.joined() }
      #expect(read == ["101", "010", "011"])
      let nodes = svg.all(classes: ["axis", "y"]).first?.all(class: "tick").map { $0.allText.trimmingCharacters(in: .whitespacesAndNewlines) }
      #expect(nodes == ["A", "B", "C"])
      #expect(svg.all(class: "legend-entry").contains { $0.attributes["data-label"] == "2: cycle of 2, basin 5" })
    }
    let selected = try parseSVG(Plotter.plot([directory + "/a.json"], options: PlotOptions(select: ["C", "A"])).svg)
    #expect(selected.all(class: "state").map { $0.all(class: "cell").map { $0.classes.contains("on") ? "1" : "0" }.joined() } == ["11", "00", "10"])
  }

  @Test("an attractor table draws at most 300 state columns and says how many attractors it left out")
  func manyAttractors() throws {
    // 1,000 fixed points over 10 nodes: the first 300 are drawn.
    let states = (0..<1000).map { i in "{\"type\": \"fixed\", \"states\": [\"" + String((0..<10).map { i >> $0 & 1 == 1 ? "1" : "0" }) + "\"]}" }
    let json = "{\"nodes\": [" + (0..<10).map { "\"n\($0)\"" }.joined(separator: ", ") + "], \"update\": \"sync\", \"attractors\": ["
      + states.joined(separator: ", ") + "]}"
    let directory = try writeFixtures(["many.json": json])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/many.json"], options: PlotOptions())
    let svg = try parseSVG(result.svg)
    #expect(svg.all(class: "state").count == 300)
    #expect(svg.all(class: "legend-entry").contains { $0.attributes["data-label"] == "… and 700 more, not drawn" })
    #expect(result.warnings.contains { $0.message.contains("drawing the first 300 of 1000 attractors") })
  }

  @Test("raster: each node's on-steps are the filled spans")
  func raster() throws {
    let csv = "step,A,B\n0,1,0\n1,1,1\n2,0,1\n3,1,0\n4,1,0\n"
    let directory = try writeFixtures(["t.csv": csv])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/t.csv"], options: PlotOptions())
    #expect(result.kind == .raster)
    let panel = try parseSVG(result.svg).all(class: "panel")[0]
    let x = try readAxis(panel, "x")
    #expect(x.label == "step")
    let rows = panel.all(class: "row")
    #expect(rows.map { $0.attributes["data-node"] ?? "" } == ["A", "B"])
    var spans: [[ClosedRange<Int>]] = []
    for row in rows {
      spans.append(
        row.all(classes: ["cell", "on"]).map { cell in
          let start = x.value(at: cell.number("x")!) + 0.5, end = x.value(at: cell.number("x")! + cell.number("width")!) - 0.5
          return Int(start.rounded())...Int(end.rounded())
        })
    }
    #expect(spans == [[0...1, 3...4], [1...2]])
  }

  @Test("sensitivity: bars end at their index, error bars at their interval, largest total effect on top")
  func sensitivity() throws {
    let csv = """
      metric,parameter,S1,S1_conf,ST,ST_conf,samples
      f,x1,0.3139,0.021,0.5576,0.018,100
      f,x2,0.4424,0.019,0.4424,0.016,100
      f,x3,0,0.012,0.2437,0.009,100
      """
    let directory = try writeFixtures(["sensitivity.csv": csv])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/sensitivity.csv"], options: PlotOptions())
    #expect(result.kind == .sensitivity)
    let svg = try parseSVG(result.svg)
    let panel = svg.all(class: "panel")[0]
    let x = try readAxis(panel, "x")
    expectOneTwoFive(x)
    #expect(x.label == "Sobol index")
    let bars = panel.all(class: "bar")
    #expect(bars.count == 6)
    #expect(bars.map { $0.attributes["data-factor"] ?? "" } == ["x1", "x1", "x2", "x2", "x3", "x3"])
    let expected: [String: (Double, Double)] = [
      "x1/S1": (0.3139, 0.021), "x1/ST": (0.5576, 0.018), "x2/S1": (0.4424, 0.019), "x2/ST": (0.4424, 0.016),
      "x3/S1": (0, 0.012), "x3/ST": (0.2437, 0.009),
    ]
    for bar in bars {
      let key = (bar.attributes["data-factor"] ?? "") + "/" + (bar.attributes["data-index"] ?? "")
      let (value, conf) = try #require(expected[key])
      let rect = try #require(bar.all(name: "rect").first)
      #expect(abs(rect.number("x")! + rect.number("width")! - x.pixel(value)) <= 1, "\(key)")
      let interval = try #require(bar.all(class: "interval").first)
      #expect(abs(interval.number("x1")! - x.pixel(value - conf)) <= 1)
      #expect(abs(interval.number("x2")! - x.pixel(value + conf)) <= 1)
    }
    #expect(svg.all(class: "legend-entry").map { $0.attributes["data-label"] ?? "" } == ["S1 (first order)", "ST (total)"])
  }

  @Test("one at a time: a tornado, each bar ending at its relative change, the largest swing on top")
  func tornado() throws {
    let csv = "metric,parameter,base,value,fold,metric_base,metric_value,change,relative_change,elasticity\n"
      + "y,k,1,0.5,0.5,2,2.5,0.5,0.25,-0.5\ny,k,1,2,2,2,1.2,-0.8,-0.4,-0.4\n"
      + "y,s,3,1.5,0.5,2,1.9,-0.1,-0.05,0.1\ny,s,3,6,2,2,2.2,0.2,0.1,0.1\n"
    let directory = try writeFixtures(["sensitivity.csv": csv])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/sensitivity.csv"], options: PlotOptions())
    #expect(result.kind == .sensitivity)
    let panel = try parseSVG(result.svg).all(class: "panel")[0]
    let x = try readAxis(panel, "x")
    expectOneTwoFive(x)
    #expect(x.label == "relative change (%)")
    let expected: [String: Double] = ["k/0.5": 25, "k/2": -40, "s/1.5": -5, "s/6": 10]
    let bars = panel.all(class: "bar")
    #expect(bars.count == 4)
    for bar in bars {
      let key = (bar.attributes["data-factor"] ?? "") + "/" + (bar.attributes["data-value"] ?? "")
      let value = try #require(expected[key], "\(key)")
      let rect = try #require(bar.all(name: "rect").first)
      let left = rect.number("x")!, right = left + rect.number("width")!
      let end = value < 0 ? left : right, start = value < 0 ? right : left
      #expect(abs(end - x.pixel(value)) <= 1, "\(key)")
      #expect(abs(start - x.pixel(0)) <= 1, "\(key)")
    }
    // k swings by 40 %, s by 10 %: k's row is on top.
    func top(_ factor: String) -> Double {
      bars.filter { $0.attributes["data-factor"] == factor }.compactMap { $0.all(name: "rect").first?.number("y") }.min() ?? .nan
    }
    #expect(top("k") < top("s"))
  }

  @Test("Morris effects of two metrics: a panel each, on its own axis (they have different units)")
  func morrisPanels() throws {
    let csv = "metric,parameter,mu,mu_star,sigma,mu_star_conf,trajectories\n"
      + "small,a,0,0.01,0.02,0.001,10\nsmall,b,0,0.03,0.01,0.002,10\nlarge,a,0,40,10,5,10\nlarge,b,0,12,30,2,10\n"
    let directory = try writeFixtures(["sensitivity.csv": csv])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let svg = try parseSVG(Plotter.plot([directory + "/sensitivity.csv"], options: PlotOptions()).svg)
    let panels = svg.all(class: "panel")
    #expect(panels.map { $0.attributes["data-title"] ?? "" } == ["small", "large"])
    let axes = try panels.map { try readAxis($0, "x") }
    #expect(axes[0].values.last! >= 0.032 && axes[0].values.last! < 0.1)
    #expect(axes[1].values.last! >= 45 && axes[1].values.last! <= 60)
    for (panel, axis) in zip(panels, axes) {
      for bar in panel.all(class: "bar") {
        let rect = try #require(bar.all(name: "rect").first)
        let end = axis.value(at: rect.number("x")! + rect.number("width")!)
        let expected: [String: Double] = [
          "small/a/mu_star": 0.01, "small/b/mu_star": 0.03, "small/a/sigma": 0.02, "small/b/sigma": 0.01,
          "large/a/mu_star": 40, "large/b/mu_star": 12, "large/a/sigma": 10, "large/b/sigma": 30,
        ]
        let key = [panel.attributes["data-title"]!, bar.attributes["data-factor"]!, bar.attributes["data-index"]!].joined(separator: "/")
        let value = try #require(expected[key])
        #expect(abs(axis.pixel(end) - axis.pixel(value)) <= 1, "\(key)")
      }
    }
    let one = try parseSVG(Plotter.plot([directory + "/sensitivity.csv"], options: PlotOptions(metric: "large")).svg)
    #expect(one.all(class: "panel").count == 1)
  }

  @Test("Morris indices and the kind of each input are recognised")
  func inference() throws {
    let morris = "metric,parameter,mu,mu_star,sigma,mu_star_conf,trajectories\nm,a,0.1,0.5,0.2,0.05,10\nm,b,0,0.1,0.3,0.02,10\n"
    let two = Self.grid
    let directory = try writeFixtures(["morris.csv": morris, "two.csv": two])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/morris.csv"], options: PlotOptions())
    let svg = try parseSVG(result.svg)
    #expect(svg.all(class: "legend-entry").map { $0.attributes["data-label"] ?? "" } == ["μ*", "σ"])
    #expect(svg.all(class: "bar").compactMap { $0.attributes["data-factor"] } == ["a", "a", "b", "b"])
    // Two swept quantities and no --x/--y: which figure is ambiguous.
    let ambiguous = pathwayError { _ = try Plotter.plot([directory + "/two.csv"], options: PlotOptions()) }
    #expect(ambiguous?.kind == .usage)
    #expect(try Plotter.plot([directory + "/two.csv"], options: PlotOptions(x: "k", y: "x0")).kind == .heatmap)
    #expect(try Plotter.plot([directory + "/two.csv"], options: PlotOptions(x: "k")).kind == .doseResponse)
    // Options that mean nothing for the kind are refused, not ignored.
    let unused = pathwayError { _ = try Plotter.plot([directory + "/morris.csv"], options: PlotOptions(logY: true)) }
    #expect(unused?.kind == .usage)
  }

  @Test("a fit: one panel per measured variable, each experiment's points (± sd) where their values belong and its fitted line")
  func fitFigure() throws {
    let residuals = """
      experiment,time,variable,observed,sd,simulated,residual
      control,1,x,0.6,0.05,0.61,0.2
      control,2,x,0.35,0.05,0.37,0.4
      treated,1,x,0.4,0.05,0.37,-0.6
      treated,2,x,0.15,0.05,0.14,-0.2
      control,2,y,0.2,0.05,0.2,0
      """
    let trajectories = "experiment,time,variable,value\n"
      + [("control", 0.5), ("treated", 1.0)].flatMap { name, k in
        stride(from: 0.0, through: 2, by: 0.5).flatMap { t in
          ["\(name),\(t),x,\(exp(-k * t))", "\(name),\(t),y,\(0.2 * t / 2)"]
        }
      }.joined(separator: "\n") + "\n"
    let directory = try writeFixtures(["residuals.csv": residuals, "trajectories.csv": trajectories])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/residuals.csv"], options: PlotOptions())
    #expect(result.kind == .fit)
    #expect(result.warnings.isEmpty)
    let svg = try parseSVG(result.svg)
    let panels = svg.all(class: "panel")
    #expect(panels.count == 2)
    let x = panels[0]
    let xAxis = try readAxis(x, "x"), yAxis = try readAxis(x, "y")
    let series = x.all(class: "series")
    #expect(series.map { $0.attributes["data-label"] } == ["control", "treated"])
    // Points on their observed values; lines through the trajectories.
    let control = series[0].all(class: "point").map { ($0.number("cx")!, $0.number("cy")!) }
    #expect(control.count == 2)
    #expect(abs(control[0].0 - xAxis.pixel(1)) < 0.5 && abs(control[0].1 - yAxis.pixel(0.6)) < 0.5)
    let line = points(try #require(series[1].all(class: "line").first))
    #expect(line.count == 5)
    #expect(abs(line[4].1 - yAxis.pixel(exp(-2))) < 0.5)
    // Error bars: one per measured point, ± sd.
    #expect(series[0].all(name: "line").count == 2)
    #expect(panels[1].all(class: "point").count == 1)
  }

  @Test("profiles: a panel per quantity, the points where their Δ belongs, the 3.84 threshold, log axes for log-scale quantities")
  func profileFigure() throws {
    let profiles = """
      quantity,value,sum_of_squares,delta,status
      k,0.5,10,5,converged
      k,0.6,6,1,converged
      k,0.7,5,0,optimum
      k,0.8,7,2,converged
      k,0.9,11,6,converged
      c,2,9,4,converged
      c,3,5,0,optimum
      c,4,,,failed: the simulation failed
      """
    let estimates = "name,scale\nk,log\nc,linear\n"
    let directory = try writeFixtures(["profiles.csv": profiles, "estimates.csv": estimates])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Plotter.plot([directory + "/profiles.csv"], options: PlotOptions())
    #expect(result.kind == .profile)
    #expect(result.warnings.count == 1)  // the failed refit
    let svg = try parseSVG(result.svg)
    let panels = svg.all(class: "panel")
    #expect(panels.count == 2)
    let x = try readAxis(panels[0], "x"), y = try readAxis(panels[0], "y")
    #expect(x.isLog)
    #expect(try !readAxis(panels[1], "x").isLog)
    let threshold = try #require(panels[0].all(class: "threshold").first)
    #expect(abs(threshold.number("y1")! - y.pixel(3.841458820694124)) < 0.5)
    let optimum = try #require(panels[0].all(class: "optimum").first)
    #expect(abs(optimum.number("cx")! - x.pixel(0.7)) < 0.5 && abs(optimum.number("cy")! - y.pixel(0)) < 0.5)
    #expect(panels[0].all(class: "point").count == 4)
    #expect(panels[1].all(class: "point").count == 1)
  }
}
