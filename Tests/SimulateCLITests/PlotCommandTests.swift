import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`), when it is installed.
let chromiumBinary: String? = {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
  for name in ["chromium", "chromium-browser", "google-chrome"] {
    for directory in path.split(separator: ":") {
      let candidate = directory + "/" + name
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
  }
  return nil
}()

@Suite("simulate plot", .serialized)
struct PlotCommandTests {
  static let model = """
    model: decay
    time_unit: h
    parameters: {k: {value: 0.5, unit: 1/h}}
    nodes:
      x: {initial: 1, rate: -k * x, unit: nM}
      y: {initial: 0, rate: k * x - 0.2 * y, unit: nM}
    """

  /// Runs the model into `dir/out/decay.csv` (with its manifest).
  static func runModel(in dir: String) throws {
    try write(model, to: dir + "/decay.yaml")
    let run = try simulate(["run", "decay.yaml", "--t-end", "10", "--steps", "20", "-o", "out/decay.csv"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
  }

  @Test("draws a run's CSV: the time unit from the model, atomically written, no stdout")
  func timeCourse() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.runModel(in: dir)
    let result = try simulate(["plot", "out/decay.csv", "-o", "fig/decay.svg"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    let svg = try String(contentsOfFile: dir + "/fig/decay.svg", encoding: .utf8)
    #expect(svg.hasPrefix("<?xml"))
    #expect(svg.contains(">time (h)</text>"))
    #expect(svg.components(separatedBy: "class=\"series\"").count - 1 == 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/fig") == ["decay.svg"], "no temporary file left")
    // The value axis says the unit the lines share (from the manifest's columns).
    #expect(svg.contains(">value (nM)</text>"))
    let stdout = try simulate(["plot", "out/decay.csv", "--select", "y", "-o", "-"], in: dir)
    #expect(stdout.status == 0)
    #expect(stdout.stdout.contains(">y (nM)</text>"))
    #expect(stdout.stdout.hasPrefix("<?xml") && stdout.stdout.hasSuffix("</svg>\n"))
    // A glob selects the matching columns: '?' is x or y, 'y*' only y.
    let both = try simulate(["plot", "out/decay.csv", "--select", "?", "-o", "-"], in: dir)
    #expect(both.status == 0 && both.stdout.components(separatedBy: "class=\"series\"").count - 1 == 2)
    let onlyY = try simulate(["plot", "out/decay.csv", "--select", "y*", "-o", "-"], in: dir)
    #expect(onlyY.status == 0 && onlyY.stdout.components(separatedBy: "class=\"series\"").count - 1 == 1)
    #expect(onlyY.stdout.contains("data-variable=\"y\""))
    let help = try simulate(["--help"], in: dir)
    #expect(help.stdout.contains("plot"))
  }

  @Test("bad inputs: non-numeric value and missing column exit 65 with file:line:column, a missing file 66")
  func errors() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("time,x,y\n0,1,0\n1,0.5,oops\n", to: dir + "/text.csv")
    try write("time,x,y\n0,1,0\n1,0.5\n", to: dir + "/short.csv")
    let text = try simulate(["plot", "text.csv", "-o", "a.svg"], in: dir)
    #expect(text.status == 65)
    #expect(text.stderr.hasPrefix("text.csv:3:7: error: 'oops' is not a number (column 'y')"), "\(text.stderr)")
    let short = try simulate(["plot", "short.csv", "-o", "a.svg"], in: dir)
    #expect(short.status == 65)
    #expect(short.stderr.hasPrefix("short.csv:3:6: error: missing column"), "\(short.stderr)")
    let missing = try simulate(["plot", "nothing.csv", "-o", "a.svg"], in: dir)
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("nothing.csv: no such file"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/a.svg"), "no output after an error")
  }

  @Test("bad command lines exit 64; an unwritable output 73")
  func usage() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.runModel(in: dir)
    #expect(try simulate(["plot", "out/decay.csv", "--kind", "pie", "-o", "a.svg"], in: dir).status == 64)
    #expect(try simulate(["plot", "out/decay.csv", "--metric", "final(x)", "-o", "a.svg"], in: dir).status == 64)
    let select = try simulate(["plot", "out/decay.csv", "--select", "z", "-o", "a.svg"], in: dir)
    #expect(select.status == 64)
    #expect(select.stderr.contains("--select z"))
    let pattern = try simulate(["plot", "out/decay.csv", "--select", "z*", "-o", "a.svg"], in: dir)
    #expect(pattern.status == 64 && pattern.stderr.contains("--select z*: no variable of the input matches"), "\(pattern.stderr)")
    #expect(try simulate(["plot", "out/decay.csv"], in: dir).status == 64)
    #expect(try simulate(["plot", "out/decay.csv", "-o", "."], in: dir).status == 73)
  }

  @Test("draws what simulate sweep writes: dose-response, heat map, Morris and Sobol indices")
  func sweepOutputs() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.model, to: dir + "/decay.yaml")
    let sweeps: [[String]] = [
      ["--param", "k=log:0.01:10:7", "--metric", "final(x)", "-o", "one"],
      ["--param", "k=log:0.01:10:4", "--param", "y.initial=lin:0:1:3", "--metric", "final(y)", "-o", "two"],
      ["--param", "k=lin:0.1:2", "--param", "y.initial=lin:0:1", "--sampling", "morris", "--samples", "4",
       "--metric", "final(y)", "-o", "morris"],
    ]
    for arguments in sweeps {
      let sweep = try simulate(["sweep", "decay.yaml", "--t-end", "5", "--jobs", "1", "--quiet"] + arguments, in: dir)
      #expect(sweep.status == 0, "\(sweep.stderr)")
    }
    let plots: [(String, [String], String)] = [
      ("dose-response", ["one/runs.csv", "--log-x"], ">k (1/h)</text>"),
      ("heatmap", ["two/runs.csv", "--x", "k", "--y", "y.initial", "--log-x"], "class=\"colorbar\""),
      ("dose-response", ["two/runs.csv", "--x", "k", "--log-x"], "data-label=\"y.initial = 0.5\""),
      ("sensitivity", ["morris/sensitivity.csv"], ">elementary effect</text>"),
    ]
    for (index, (kind, arguments, expected)) in plots.enumerated() {
      let result = try simulate(["plot"] + arguments + ["-o", "\(index).svg"], in: dir)
      #expect(result.status == 0, "\(kind): \(result.stderr)")
      let svg = try String(contentsOfFile: dir + "/\(index).svg", encoding: .utf8)
      #expect(svg.contains(expected), "\(kind) \(arguments)")
    }
  }

  /// Every kind of figure, drawn by the CLI into `dir`: (kind, arguments).
  static func everyKind(in dir: String) throws -> [(String, [String])] {
    try runModel(in: dir)
    try runFit(in: dir)
    let data = packageRoot + "/docs/gallery/data/"
    return [
      ("timecourse", ["out/decay.csv", "--layout", "panels"]),
      ("dose-response", [data + "decay-k.csv", "--metric", "final(x)", "--log-x"]),
      ("heatmap", [data + "decay-k-x0.csv", "--x", "k", "--y", "x0", "--log-x"]),
      ("attractors", [data + "toy-wnt-attractors.json"]),
      ("raster", [data + "toy-wnt-trajectory.csv"]),
      ("sensitivity", [data + "ishigami-sobol.csv"]),
      ("fit", ["fit/residuals.csv"]),
      ("profile", ["fit/profiles.csv"]),
    ]
  }

  /// A fit of the decay model's k to its own run with ±3 % scatter, profiled, into `dir/fit`.
  static func runFit(in dir: String) throws {
    let noise = [0.02, -0.03, 0.01, 0.025, -0.015, -0.005, 0.03, -0.02]
    let csv = "time,x,x_sd\n" + (1...8).map { i in
      let t = Double(i), x = exp(-0.6 * t)
      return "\(t),\(x * (1 + noise[i - 1])),\(0.03 * x)"
    }.joined(separator: "\n") + "\n"
    try write(csv, to: dir + "/measured.csv")
    let fit = try simulate(["fit", "decay.yaml", "--data", "measured.csv", "--fit", "k", "--profile", "-q", "-o", "fit"], in: dir)
    #expect(fit.status == 0, "\(fit.stderr)")
  }

  @Test("the kind is inferred from each input")
  func inferred() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (kind, arguments) in try Self.everyKind(in: dir) {
      let result = try simulate(["plot"] + arguments + ["-o", kind + ".svg"], in: dir)
      #expect(result.status == 0, "\(kind): \(result.stderr)")
      let explicit = try simulate(["plot"] + arguments + ["--kind", kind, "-o", kind + "-explicit.svg"], in: dir)
      #expect(explicit.status == 0, "\(kind): \(explicit.stderr)")
      #expect(
        try String(contentsOfFile: dir + "/\(kind).svg", encoding: .utf8)
          == String(contentsOfFile: dir + "/\(kind)-explicit.svg", encoding: .utf8), "\(kind)")
    }
  }

  @Test(
    "every kind renders in headless Chromium to a PNG without console or XML errors",
    .enabled(if: chromiumBinary != nil, "chromium is not installed"))
  func chromium() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (kind, arguments) in try Self.everyKind(in: dir) {
      let result = try simulate(["plot"] + arguments + ["-o", kind + ".svg"], in: dir)
      #expect(result.status == 0, "\(kind): \(result.stderr)")
      let svg = try String(contentsOfFile: dir + "/\(kind).svg", encoding: .utf8)
      let width = Int(Double(try #require(attribute("width", of: svg)))!.rounded(.up))
      let height = Int(Double(try #require(attribute("height", of: svg)))!.rounded(.up))
      let url = URL(fileURLWithPath: dir + "/\(kind).svg").absoluteString
      let common = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
        "--no-first-run", "--user-data-dir=\(dir)/profile-\(kind)", "--enable-logging=stderr", "--v=0",
      ]
      let png = dir + "/\(kind).png"
      let shot = try execute(chromiumBinary!, common + ["--screenshot=\(png)", "--window-size=\(width),\(height)", url])
      #expect(shot.status == 0, "\(kind): \(shot.stderr)")
      let consoleErrors = shot.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }
      #expect(consoleErrors.isEmpty, "\(kind): \(consoleErrors)")
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: png)))
      #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(kind): not a PNG")
      // A blank page of this size compresses to about 2 kB; a figure holds much more.
      #expect(bytes.count > 4000, "\(kind): the PNG is only \(bytes.count) bytes")
      // An XML error does not reach the console: Chromium shows a <parsererror> in the page.
      let dom = try execute(chromiumBinary!, common + ["--dump-dom", url])
      #expect(dom.status == 0)
      #expect(!dom.stdout.contains("parsererror"), "\(kind): \(dom.stdout.prefix(400))")
      #expect(dom.stdout.contains("<svg"), "\(kind)")
    }
  }

  func attribute(_ name: String, of svg: String) -> String? {
    guard let start = svg.range(of: "<svg ") else { return nil }
    let tag = svg[start.upperBound...].prefix { $0 != ">" }
    guard let range = tag.range(of: " \(name)=\"") else { return nil }
    return String(tag[range.upperBound...].prefix { $0 != "\"" })
  }
}
