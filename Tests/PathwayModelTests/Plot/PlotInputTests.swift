import Foundation
import Testing

@testable import PathwayModel

@Suite("Plot inputs and axes")
struct PlotInputTests {
  // MARK: - CSV

  @Test("CSV: quotes, doubled quotes, CRLF, a byte-order mark and blank lines")
  func dialect() throws {
    let text = "\u{FEFF}time,\"a,b\",\"say \"\"hi\"\"\"\r\n0,1,2\r\n\r\n1,\"3\",4\r\n"
    let table = try CSVTable.parse(text: text, file: "t.csv")
    #expect(table.header == ["time", "a,b", "say \"hi\""])
    #expect(table.rows.map(\.fields) == [["0", "1", "2"], ["1", "3", "4"]])
    #expect(table.rows.map(\.line) == [2, 4])
    #expect(table.rows[1].columns == [1, 3, 7])
    #expect(try table.numbers(column: 1) == [1, 3])
  }

  @Test("TSV: the same dialect with tabs; commas are then plain text; the writer quotes only what needs it")
  func tabSeparated() throws {
    let table = try CSVTable.parse(text: "time\ta,b\t\"c\td\"\n0\t1\t2\n", file: "t.tsv", separator: "\t")
    #expect(table.header == ["time", "a,b", "c\td"])
    #expect(table.rows[0].fields == ["0", "1", "2"] && table.rows[0].columns == [1, 3, 5])
    #expect(CSVWriter.separator(forPath: "out/x.TSV") == "\t" && CSVWriter.separator(forPath: "x.tsv.csv") == ",")
    #expect(CSVWriter.field("a,b", separator: "\t") == "a,b" && CSVWriter.field("a\tb", separator: "\t") == "\"a\tb\"")
    // A short row is located as in CSV.
    let short = pathwayError { _ = try CSVTable.parse(text: "time\tx\n0\n", file: "s.tsv", separator: "\t") }
    #expect(short?.exitCode == 65 && short?.diagnostics.first?.location?.line == 2)
  }

  /// The error `text` (as file `bad.csv`) gives when drawn as a time course.
  func timeCourseError(_ text: String) -> PathwayError? {
    pathwayError {
      let table = try CSVTable.parse(text: text, file: "bad.csv")
      _ = try TimeCourseInput(table: table, metadata: PlotMetadata())
    }
  }

  @Test("Boolean ensembles: shares over steps are a time course counted in steps; a 0/1 trajectory is a raster; state probabilities are one series per state, 0 where absent")
  func booleanEnsembles() throws {
    let shares = try CSVTable.parse(text: "step,x,y\n0,0,1\n1,0.25,1\n2,0.5,0\n", file: "e.csv")
    #expect(try Plotter.kind(of: PlotInputFile(csv: shares), options: PlotOptions()) == .timecourse)
    let course = try TimeCourseInput(table: shares, metadata: PlotMetadata())
    #expect(course.axis == "step" && course.series.map(\.variable) == ["x", "y"] && course.series[0].values == [0, 0.25, 0.5])
    let binary = try CSVTable.parse(text: "step,x,y\n0,0,1\n1,1,1\n", file: "t.csv")
    #expect(try Plotter.kind(of: PlotInputFile(csv: binary), options: PlotOptions()) == .raster)
    let long = try CSVTable.parse(text: "step,variable,value\n0,x,0\n1,x,0.5\n", file: "l.csv")
    #expect(try Plotter.kind(of: PlotInputFile(csv: long), options: PlotOptions()) == .timecourse)
    #expect(try TimeCourseInput(table: long, metadata: PlotMetadata()).series[0].values == [0, 0.5])

    let states = try CSVTable.parse(
      text: "time,state,probability\n0,<nil>,1\n0.5,<nil>,0.75\n0.5,x -- y,0.25\n1,x -- y,1\n", file: "s.csv")
    #expect(try Plotter.kind(of: PlotInputFile(csv: states), options: PlotOptions()) == .timecourse)
    let probabilities = try TimeCourseInput(table: states, metadata: PlotMetadata())
    #expect(probabilities.axis == "time" && probabilities.quantity == "probability" && course.quantity == "value")
    #expect(probabilities.series.map(\.variable) == ["<nil>", "x -- y"])
    #expect(probabilities.series.allSatisfy { $0.times == [0, 0.5, 1] })
    #expect(probabilities.series.map(\.values) == [[1, 0.75, 0], [0, 0.25, 1]])
  }

  @Test("a non-numeric value names file, line and column (exit 65)")
  func nonNumeric() throws {
    let error = try #require(timeCourseError("time,x,y\n0,1,2\n1,abc,3\n"))
    #expect(error.kind == .invalidInput)
    #expect(error.exitCode == 65)
    #expect(error.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 3, column: 3))
    #expect(error.description.contains("'abc' is not a number (column 'x')"))
    // An empty field is not a number either.
    let empty = try #require(timeCourseError("time,x\n0,1\n1,\n"))
    #expect(empty.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 3, column: 3))
    // Columns count characters, not bytes.
    #expect(try CSVTable.parse(text: "a,b\n\"é\",x\n", file: "t.csv").rows[0].columns == [1, 5])
  }

  @Test("a missing column: a short row, or no 'time' column (exit 65)")
  func missingColumn() throws {
    let short = try #require(timeCourseError("time,x,y\n0,1,2\n1,2\n"))
    #expect(short.exitCode == 65)
    #expect(short.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 3, column: 4))
    #expect(short.description.contains("missing column"))
    #expect(short.description.contains("'y'"))
    let noTime = try #require(timeCourseError("t,x\n0,1\n"))
    #expect(noTime.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 1, column: 1))
    #expect(noTime.description.contains("missing column 'time'"))
    let long = try #require(timeCourseError("time,x\n0,1,2\n"))
    #expect(long.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 2, column: 5))
    let quote = try #require(timeCourseError("time,x\n0,\"1\n"))
    #expect(quote.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 2, column: 3))
    let twice = try #require(timeCourseError("time,x,x\n0,1,2\n"))
    #expect(twice.diagnostics[0].location == SourceLocation(file: "bad.csv", line: 1, column: 8))
  }

  @Test("runs.csv: an unknown status, a non-numeric swept value and a missing metric column are located")
  func runsErrors() throws {
    let directory = try writeFixtures([
      "status.csv": "run_id,shard,seed,k,status,m,steps,rhs_evals,wall_ms\n0,0,1,1,done,2,1,1,\n",
      "value.csv": "run_id,shard,seed,k,status,m,steps,rhs_evals,wall_ms\n0,0,1,1,ok,2,1,1,\n1,0,2,x,ok,2,1,1,\n",
      "metric.csv": "run_id,shard,seed,k,status,m,steps,rhs_evals,wall_ms\n0,0,1,1,ok,2,1,1,\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let status = pathwayError { _ = try Plotter.plot([directory + "/status.csv"], options: PlotOptions()) }
    #expect(status?.diagnostics.first?.location == SourceLocation(file: directory + "/status.csv", line: 2, column: 9))
    let value = pathwayError { _ = try Plotter.plot([directory + "/value.csv"], options: PlotOptions()) }
    #expect(value?.exitCode == 65)
    #expect(value?.diagnostics.first?.location == SourceLocation(file: directory + "/value.csv", line: 3, column: 7))
    let metric = pathwayError {
      _ = try Plotter.plot([directory + "/metric.csv"], options: PlotOptions(metric: "final(x)"))
    }
    #expect(metric?.exitCode == 65)
    #expect(metric?.description.contains("missing column 'final(x)'") == true)
    let missing = pathwayError { _ = try Plotter.plot([directory + "/nothing.csv"], options: PlotOptions()) }
    #expect(missing?.exitCode == 66)
  }

  @Test("--select: an unknown name is a usage error; one absent from one input is that file's error")
  func select() throws {
    let directory = try writeFixtures(["a.csv": "time,x,y\n0,1,2\n", "b.csv": "time,x\n0,1\n"])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let unknown = pathwayError { _ = try Plotter.plot([directory + "/a.csv"], options: PlotOptions(select: ["yy"])) }
    #expect(unknown?.kind == .usage)
    #expect(unknown?.description.contains("did you mean 'y'") == true)
    let absent = pathwayError {
      _ = try Plotter.plot([directory + "/a.csv", directory + "/b.csv"], options: PlotOptions(select: ["y"]))
    }
    #expect(absent?.kind == .invalidInput)
    #expect(absent?.diagnostics.first?.location?.file == directory + "/b.csv")
  }

  // MARK: - Ticks and labels

  @Test("1-2-5 steps, nice domains and ticks")
  func ticks() {
    #expect(AxisTicks.step(span: 1, count: 5) == 0.2)
    #expect(AxisTicks.step(span: 504, count: 6) == 100)
    #expect(abs(AxisTicks.step(span: 0.003, count: 3) - 0.001) < 1e-15)
    #expect(AxisTicks.niceDomain(0...0.84, count: 5) == 0...1)
    #expect(AxisTicks.niceDomain(-0.5...1.25, count: 5) == -0.5...1.5)
    #expect(AxisTicks.niceDomain(0...0, count: 5) == 0...1)
    #expect(AxisTicks.niceDomain(3...3, count: 5).contains(0))
    #expect(AxisTicks.linear(0...504, count: 6).values == [0, 100, 200, 300, 400, 500])
    #expect(AxisTicks.linear(0...1, count: 5).values.count == 6)
    let decades = AxisTicks.logarithmic(1e-3...1e3, count: 6)
    #expect(decades.count == 7)
    for (tick, exponent) in zip(decades, -3...3) { #expect(abs(log10(tick) - Double(exponent)) < 1e-12) }
    #expect(AxisTicks.logarithmic(1...100, count: 6) == [1, 2, 5, 10, 20, 50, 100])
    #expect(AxisTicks.logarithmic(1e-60...1, count: 6) == stride(from: -60, through: 0, by: 10).map { pow(10, Double($0)) })
  }

  @Test("labels: plain decimals, SI prefixes, powers of ten, a true minus; and back")
  func labels() {
    #expect(TickFormat.labels([0, 0.2, 0.4, 1], step: 0.2) == ["0", "0.2", "0.4", "1"])
    #expect(TickFormat.labels([-0.5, 0, 0.5], step: 0.5) == ["\u{2212}0.5", "0", "0.5"])
    #expect(TickFormat.labels([0, 5000, 10000, 15000], step: 5000) == ["0", "5k", "10k", "15k"])
    // Near-constant data: ticks 2·10⁻¹³ apart around 1 keep distinct labels.
    let close = (0...5).map { 1 + Double($0) * 2e-13 }
    let closeLabels = TickFormat.labels(close, step: 2e-13)
    #expect(Set(closeLabels).count == 6, "\(closeLabels)")
    for (label, value) in zip(closeLabels, close) { #expect(abs((TickFormat.parse(label) ?? 0) - value) <= 1e-15) }
    #expect(TickFormat.labels([0, 2e-6, 4e-6], step: 2e-6) == ["0", "2µ", "4µ"])
    #expect(TickFormat.labels([0.0001, 0.0002], step: 0.0001) == ["100µ", "200µ"])
    #expect(TickFormat.labels([0.25, 0.5], step: 0.25) == ["0.25", "0.5"])
    #expect(TickFormat.labels([1e6, 2e6], step: 1e6) == ["1M", "2M"])
    #expect(TickFormat.logLabels([0.01, 0.1, 1, 10]) == ["0.01", "0.1", "1", "10"])
    #expect(TickFormat.logLabels([1e-40, 1e-20, 1]) == ["10⁻⁴⁰", "10⁻²⁰", "10⁰"])
    #expect(TickFormat.logLabels([1e4, 1e5]) == ["10⁴", "10⁵"])
    #expect(TickFormat.label(2e5) == "200k")
    for label in ["0", "\u{2212}0.5", "15k", "2.5µ", "10⁻⁴⁰", "3×10²¹", "1M"] {
      let value = TickFormat.parse(label)
      #expect(value != nil, "\(label)")
    }
    #expect(TickFormat.parse("15k") == 15000)
    #expect(TickFormat.parse("\u{2212}0.5") == -0.5)
    #expect(abs(TickFormat.parse("10⁻⁴⁰")! / 1e-40 - 1) < 1e-12)
    #expect(abs(TickFormat.parse("3×10²¹")! / 3e21 - 1) < 1e-12)
  }

  @Test("the SVG writer escapes text and writes coordinates to a hundredth of a pixel")
  func writer() throws {
    var svg = SVGWriter(width: 100, height: 50)
    svg.text("a < b & \"c\"", 1.234, 5.678)
    svg.line(0, 0.004, -0.001, 10)
    let text = svg.document(title: "t&t")
    #expect(text.contains("a &lt; b &amp; &quot;c&quot;"))
    #expect(text.contains(#"x="1.23" y="5.68""#))
    #expect(text.contains(#"y1="0" x2="0""#))
    _ = try parseSVG(text)
  }
}
