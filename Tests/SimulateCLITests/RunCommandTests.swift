import Foundation
import Testing

@Suite("simulate run", .serialized)
struct RunCommandTests {
  static let decay = """
    model: decay
    parameters: {k: {value: 0.5, unit: 1/h}}
    nodes:
      x: {initial: 1, rate: -k * x}
    assignments:
      twice: 2 * x
    """

  @Test("a state that slides along a switch: exit 0, a note on stderr naming the switch and times, the manifest's sliding list")
  func slidingNote() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  x: {initial: 0, rate: \"if(x < 1, 1, 0) - x / 2\"}\n", to: dir + "/threshold.yaml")
    let result = try simulate(["run", "threshold.yaml", "--t-end", "10", "--steps", "5", "-o", "threshold.csv"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("the state slides along the switch x - 1 = 0"), "\(result.stderr)")
    let lines = try String(contentsOfFile: dir + "/threshold.csv", encoding: .utf8).split(separator: "\n")
    #expect(abs(Double(lines.last!.split(separator: ",")[1])! - 1) < 1e-9)
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as! [String: Any]
    let entry = (manifest["outputs"] as! [String: Any])["threshold.csv"] as! [String: Any]
    let sliding = try #require(entry["sliding"] as? [[String: Any]])
    #expect(sliding.count == 1 && sliding[0]["switch"] as? String == "x - 1 = 0")
    #expect(abs((sliding[0]["start"] as? Double ?? 0) - 2 * log(2.0)) < 1e-7 && sliding[0]["end"] as? Double == 10)
    // info lists the switch.
    let info = try simulate(["info", "threshold.yaml"], in: dir)
    #expect(info.status == 0 && info.stdout.contains("SWITCHES") && info.stdout.contains("\nx - 1 = 0\n"), "\(info.stdout)")
  }

  @Test("writes N + 1 rows with both ends, and a manifest with versions, hash and statistics")
  func csvAndManifest() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let result = try simulate(["run", "decay.yaml", "--t-end", "5", "--steps", "10", "-o", "out/decay.csv"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let csv = try String(contentsOfFile: dir + "/out/decay.csv", encoding: .utf8)
    let lines = csv.split(separator: "\n")
    #expect(lines.first == "time,x,twice")
    #expect(lines.count == 12)
    #expect(lines[1] == "0,1,2")
    let last = lines.last!.split(separator: ",")
    #expect(last[0] == "5")
    #expect(abs(Double(last[1])! - exp(-2.5)) < 1e-5)
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/manifest.json"))) as! [String: Any]
    #expect(manifest["version"] as? String != nil)
    #expect((manifest["gsl_version"] as? String)?.hasPrefix("2.") == true)
    let entry = (manifest["outputs"] as! [String: Any])["decay.csv"] as! [String: Any]
    let model = entry["model"] as! [String: Any]
    #expect((model["sha256"] as? String)?.count == 64)
    let statistics = entry["statistics"] as! [String: Any]
    #expect((statistics["steps"] as? Double ?? 0) > 0)
    #expect((statistics["rhs_evaluations"] as? Double ?? 0) > 0)
    #expect(entry["status"] as? String == "ok")
    // Each column's kind and unit (x is a node, twice an assignment; the model gives no units).
    let columns = (entry["scenario"] as! [String: Any])["columns"] as! [[String: Any]]
    #expect(columns.map { $0["name"] as? String } == ["x", "twice"])
    #expect(columns.map { $0["kind"] as? String } == ["node", "assignment"])
    // The command line that wrote it.
    #expect(entry["arguments"] as? [String] == ["run", "decay.yaml", "--t-end", "5", "--steps", "10", "-o", "out/decay.csv"])
  }

  @Test("--kernel native writes the interpreter's CSV byte for byte; no compiler: exit 69, and auto falls back")
  func nativeKernel() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let cache = ["PATHWAY_KERNEL_CACHE": dir + "/kernels"]
    let common = ["run", "decay.yaml", "--t-end", "5", "--steps", "10", "--method", "rodas5p", "-o", "-"]
    let interpreted = try simulate(common + ["--kernel", "interpreted"], in: dir, environment: cache)
    #expect(interpreted.status == 0, "\(interpreted.stderr)")
    let hasCompiler = ["cc", "clang", "gcc"].contains { name in
      (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
      }
    }
    if hasCompiler {
      let native = try simulate(common + ["--kernel", "native"], in: dir, environment: cache)
      #expect(native.status == 0, "\(native.stderr)")
      #expect(native.stdout == interpreted.stdout)
    }
    var missing = cache
    missing["PATHWAY_CC"] = dir + "/no-such-cc"
    let refused = try simulate(common + ["--kernel", "native"], in: dir, environment: missing)
    #expect(refused.status == 69)
    #expect(refused.stderr.contains("--kernel native: cannot run \(dir)/no-such-cc"), "\(refused.stderr)")
    let fallback = try simulate(common + ["--kernel", "auto"], in: dir, environment: missing)
    #expect(fallback.status == 0, "\(fallback.stderr)")
    #expect(fallback.stdout == interpreted.stdout)
    let bad = try simulate(common + ["--kernel", "jit"], in: dir)
    #expect(bad.status == 64)
    // An unknown PATHWAY_KERNEL is refused, never silently replaced by the default.
    let badEnvironment = try simulate(common, in: dir, environment: ["PATHWAY_KERNEL": "jit"])
    #expect(badEnvironment.status == 64)
    #expect(badEnvironment.stderr.contains("PATHWAY_KERNEL='jit' is not a kernel"), "\(badEnvironment.stderr)")
  }

  @Test("--dump-config prints the resolved scenario as JSON and runs nothing")
  func dumpConfig() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let result = try simulate(["run", "decay.yaml", "--set", "k=0.25", "--t-end", "5", "--dump-config", "-o", "out.csv"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.csv"))
    let config = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    #expect((config["settings"] as? [String: Any])?["k"] as? Double == 0.25, "\(config)")
    #expect((config["time"] as? [String: Any])?["end"] as? Double == 5)
    // It needs no -o; a run does.
    let noOutput = try simulate(["run", "decay.yaml", "--t-end", "5", "--dump-config"], in: dir)
    #expect(noOutput.status == 0 && noOutput.stdout.contains("\"settings\""), "\(noOutput.stderr)")
    let missing = try simulate(["run", "decay.yaml", "--t-end", "5"], in: dir)
    #expect(missing.status == 64 && missing.stderr.contains("--output"), "\(missing.stderr)")
  }

  @Test("-o - writes the CSV to stdout; --layout long and --select")
  func stdoutAndLayouts() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let result = try simulate(
      ["run", "decay.yaml", "--t-end", "1", "--steps", "2", "--layout", "long", "--select", "x", "-o", "-"], in: dir)
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first == "time,variable,value")
    #expect(lines.count == 4)
    #expect(lines[1] == "0,x,1")
    #expect(!FileManager.default.fileExists(atPath: dir + "/manifest.json"))
    let dt = try simulate(["run", "decay.yaml", "--t-end", "1", "--dt", "0.3", "-o", "-"], in: dir)
    #expect(dt.stdout.split(separator: "\n").map { $0.split(separator: ",")[0] } == ["time", "0", "0.3", "0.6", "0.9", "1"])
    // --points N: N rows, the same grid as --steps N-1.
    let points = try simulate(["run", "decay.yaml", "--t-end", "1", "--points", "5", "-o", "-"], in: dir)
    let steps = try simulate(["run", "decay.yaml", "--t-end", "1", "--steps", "4", "-o", "-"], in: dir)
    #expect(points.status == 0 && points.stdout == steps.stdout && points.stdout.split(separator: "\n").count == 6)
    #expect(try simulate(["run", "decay.yaml", "--t-end", "1", "--points", "1", "-o", "-"], in: dir).status == 64)
    #expect(try simulate(["run", "decay.yaml", "--t-end", "1", "--points", "3", "--steps", "2", "-o", "-"], in: dir).status == 64)
    // An output named .tsv is tab-separated, in both layouts, and plot reads it back.
    for layout in ["wide", "long"] {
      let tsv = try simulate(["run", "decay.yaml", "--t-end", "1", "--steps", "2", "--layout", layout, "-o", "out-\(layout).tsv"], in: dir)
      #expect(tsv.status == 0, "\(tsv.stderr)")
      let text = try String(contentsOfFile: dir + "/out-\(layout).tsv", encoding: .utf8)
      let csv = try simulate(["run", "decay.yaml", "--t-end", "1", "--steps", "2", "--layout", layout, "-o", "-"], in: dir).stdout
      #expect(text == csv.replacingOccurrences(of: ",", with: "\t"))
      #expect(text.hasPrefix(layout == "wide" ? "time\tx" : "time\tvariable\tvalue\n"))
      let plot = try simulate(["plot", "out-\(layout).tsv", "-o", "-"], in: dir)
      #expect(plot.status == 0 && plot.stdout.contains("class=\"series\""), "\(plot.stderr)")
    }
  }

  @Test("bad command lines exit 64")
  func usage() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let backwards = try simulate(["run", "decay.yaml", "--t-start", "5", "--t-end", "1", "-o", "x.csv"], in: dir)
    #expect(backwards.status == 64)
    #expect(backwards.stderr.contains("--t-end"))
    #expect(try simulate(["run", "decay.yaml", "--t-end", "1", "--method", "rk9", "-o", "x.csv"], in: dir).status == 64)
    #expect(try simulate(["run", "decay.yaml", "-o", "x.csv"], in: dir).status == 64)
    let select = try simulate(["run", "decay.yaml", "--t-end", "1", "--select", "y", "-o", "x.csv"], in: dir)
    #expect(select.status == 64)
    #expect(select.stderr.contains("'y'"))
    let set = try simulate(["run", "decay.yaml", "--t-end", "1", "--set", "kk=2", "-o", "x.csv"], in: dir)
    #expect(set.status == 64)
    #expect(set.stderr.contains("did you mean 'k'"))
  }

  @Test("an unknown identifier in a rule exits 65 with file:line:column")
  func invalidModel() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  A: {kind: input}\n  B:\n    rule: A & !Cc\n  C: {rule: B}\n", to: dir + "/bad.yaml")
    let result = try simulate(["run", "bad.yaml", "--t-end", "1", "-o", "x.csv"], in: dir)
    #expect(result.status == 65)
    #expect(result.stderr.hasPrefix("bad.yaml:4:16: error: unknown identifier 'Cc' in the rule of 'B'"))
    #expect(result.stderr.contains("did you mean 'C'"))
  }

  @Test("a missing model exits 66; an unwritable output exits 73")
  func files() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let missing = try simulate(["run", "nope.yaml", "--t-end", "1", "-o", "x.csv"], in: dir)
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("nope.yaml: no such file"))
    try write(Self.decay, to: dir + "/decay.yaml")
    try write("a file, not a folder", to: dir + "/blocker")
    let unwritable = try simulate(["run", "decay.yaml", "--t-end", "1", "-o", "blocker/out.csv"], in: dir)
    #expect(unwritable.status == 73)
    let directory = try simulate(["run", "decay.yaml", "--t-end", "1", "-o", "."], in: dir)
    #expect(directory.status == 73)
  }

  @Test("a NaN in a window: exit 1, message with species and time, partial CSV written")
  func nonFinite() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("""
      nodes:
        a: {initial: 1, rate: -a}
        bad: {initial: 1, rate: "piecewise(sqrt(-1), time > 5.5 & time < 6, -bad)"}
      """, to: dir + "/nan.yaml")
    let result = try simulate(["run", "nan.yaml", "--t-end", "10", "--steps", "10", "-o", "nan.csv"], in: dir)
    #expect(result.status == 1)
    #expect(result.stderr.contains("the derivative of 'bad' is not finite at t = 5."))
    let csv = try String(contentsOfFile: dir + "/nan.csv", encoding: .utf8)
    #expect(csv.split(separator: "\n").count == 7, "header and t = 0…5")
    let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
    #expect(manifest.contains("failed:nonfinite:bad"))
    let steps = try simulate(["run", "nan.yaml", "--t-end", "5", "--max-steps", "3", "--method", "rk4", "-o", "m.csv"], in: dir)
    #expect(steps.status == 1)
    #expect(steps.stderr.contains("3 steps taken"))
  }

  @Test("scenario files layer and --set applies last; a pulse input resets the driver")
  func scenarios() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  u: {kind: input}\n  x: {rate: u - x}\n", to: dir + "/m.yaml")
    try write("inputs:\n  u: {dose: 1, pulse: [10, 20]}\ntime: {end: 40, steps: 40}\n", to: dir + "/pulse.yaml")
    let result = try simulate(["run", "m.yaml", "--scenario", "pulse.yaml", "--rtol", "1e-10", "--atol", "1e-12", "-o", "-"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let rows = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    for row in rows {
      let t = row[0]
      let exact = t < 10 ? 0 : t < 20 ? 1 - exp(-(t - 10)) : (1 - exp(-10)) * exp(-(t - 20))
      #expect(abs(row[2] - exact) < 1e-8, "x(\(t))")
    }
    let overridden = try simulate(["run", "m.yaml", "--scenario", "pulse.yaml", "--set", "u=0.5", "-o", "-"], in: dir)
    #expect(overridden.stdout.split(separator: "\n")[5].hasPrefix("4,0.5,"))
    let unknown = try simulate(["run", "m.yaml", "--scenario", "bad.yaml", "-o", "-"], in: dir)
    #expect(unknown.status == 66)
    try write("inputs:\n  v: 1\ntime: {end: 1}\n", to: dir + "/bad.yaml")
    let badInput = try simulate(["run", "m.yaml", "--scenario", "bad.yaml", "-o", "-"], in: dir)
    #expect(badInput.status == 65)
    #expect(badInput.stderr.hasPrefix("bad.yaml:2:3: error: unknown input 'v'"))
  }

  /// An SBML Level 3 Version 2 model `m` with one non-constant parameter `p` (0), then `body`.
  static func sbmlWithParameterP(_ body: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
      <model id="m">
        <listOfParameters><parameter id="p" value="0" constant="false"/></listOfParameters>
    \(body)
      </model>
    </sbml>
    """
  }

  @Test("what the model reader warns about reaches stderr; the run goes on")
  func readerWarnings() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.sbmlWithParameterP("""
          <listOfEvents><event id="E"/></listOfEvents>
      """), to: dir + "/m.xml")
    let result = try simulate(["run", "m.xml", "--t-end", "1", "--steps", "1", "-o", "-"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("m.xml:5:32: warning: event 'E' has no trigger; it never fires"), "\(result.stderr)")
    #expect(result.stdout == "time,p\n0,0\n1,0\n")
  }

  @Test("--include-event-rows adds the rows just before and after an event; refused in Boolean mode")
  func includeEventRows() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // p grows at rate 1; when t ≥ 0.25 it drops to 0.
    try write(Self.sbmlWithParameterP("""
          <listOfRules><rateRule variable="p"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></rateRule></listOfRules>
          <listOfEvents><event id="E" useValuesFromTriggerTime="true">
            <trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">
              <apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>0.25</cn></apply>
            </math></trigger>
            <listOfEventAssignments><eventAssignment variable="p"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>0</cn></math></eventAssignment></listOfEventAssignments>
          </event></listOfEvents>
      """), to: dir + "/m.xml")
    func table(_ text: String) -> [[Double]] {
      text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    }
    func close(_ a: [[Double]], _ b: [[Double]]) -> Bool {
      a.count == b.count && zip(a, b).allSatisfy { r, s in r.count == s.count && zip(r, s).allSatisfy { abs($0 - $1) < 1e-9 } }
    }
    let plain = try simulate(["run", "m.xml", "--t-end", "1", "--steps", "2", "-o", "-"], in: dir)
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(close(table(plain.stdout), [[0, 0], [0.5, 0.25], [1, 0.75]]), "\(plain.stdout)")
    let rows = try simulate(["run", "m.xml", "--t-end", "1", "--steps", "2", "--include-event-rows", "-o", "out.csv"], in: dir)
    #expect(rows.status == 0, "\(rows.stderr)")
    let text = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
    #expect(text.hasPrefix("time,p\n"))
    let t = table(text)
    #expect(close(t, [[0, 0], [0.25, 0.25], [0.25, 0], [0.5, 0.25], [1, 0.75]]), "\(text)")
    #expect(t.count == 5 && t[1][0] == t[2][0] && t[2][1] == 0)
    let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"event_rows\": true"))
    // Without a scenario file the run is named after the model file.
    #expect(manifest.contains("\"name\": \"m\""), "\(manifest)")
    let boolean = try simulate(["run", "m.xml", "--boolean", "sync", "--steps", "2", "--include-event-rows", "-o", "-"], in: dir)
    #expect(boolean.status == 64)
    #expect(boolean.stderr.contains("--include-event-rows applies to ODE runs"), "\(boolean.stderr)")
  }

  @Test("--knockout, --overexpress and --perturbation pin nodes after the scenarios, in both modes; unknown names exit 64")
  func commandLinePerturbations() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // x follows its input; y follows x. Exact: x(t) = 1 − e^(−t), y pinned where asked.
    try write(
      """
      nodes:
        u: {kind: input}
        x: {rule: u, tau: 1, n: 1, k: 0.5}
        y: {rule: x, tau: 1, n: 1, k: 0.5}
      perturbations:
        block-x: {knockout: x}
      """, to: dir + "/m.yaml")
    try write("inputs: {u: 1}\ntime: {end: 10, steps: 10}\n", to: dir + "/on.yaml")
    func lastRow(_ extra: [String]) throws -> [Double] {
      let result = try simulate(["run", "m.yaml", "--scenario", "on.yaml", "--select", "x,y", "-o", "-"] + extra, in: dir)
      #expect(result.status == 0, "\(result.stderr)")
      return result.stdout.split(separator: "\n").last!.split(separator: ",").map { Double($0)! }
    }
    let free = try lastRow([])
    #expect(free[1] > 0.99 && free[2] > 0.9)
    #expect(try lastRow(["--knockout", "x"])[1...] == [0, 0])
    #expect(try lastRow(["--perturbation", "block-x"])[1...] == [0, 0])
    let overexpressed = try lastRow(["--knockout", "x", "--overexpress", "y"])
    #expect(overexpressed[1...] == [0, 1])
    // Boolean mode: the same pins.
    let boolean = try simulate(
      ["run", "m.yaml", "--scenario", "on.yaml", "--boolean", "sync", "--steps", "3", "--knockout", "x", "-o", "-"], in: dir)
    #expect(boolean.status == 0, "\(boolean.stderr)")
    #expect(boolean.stdout.split(separator: "\n").last == "3,1,0,0")
    // Unknown names are command-line errors naming the option, with a suggestion.
    let typo = try simulate(["run", "m.yaml", "--scenario", "on.yaml", "--knockout", "xx", "-o", "-"], in: dir)
    #expect(typo.status == 64)
    #expect(typo.stderr.contains("unknown node 'xx' in --knockout"), "\(typo.stderr)")
    let booleanTypo = try simulate(
      ["run", "m.yaml", "--boolean", "sync", "--steps", "2", "--overexpress", "yy", "-o", "-"], in: dir)
    #expect(booleanTypo.status == 64)
    #expect(booleanTypo.stderr.contains("unknown node 'yy' in --overexpress"), "\(booleanTypo.stderr)")
    let contradictory = try simulate(["run", "m.yaml", "--scenario", "on.yaml", "--knockout", "x", "--overexpress", "x", "-o", "-"], in: dir)
    #expect(contradictory.status == 64)
    #expect(contradictory.stderr.contains("'x' is given to both --knockout and --overexpress"), "\(contradictory.stderr)")
    let unknownNamed = try simulate(["run", "m.yaml", "--scenario", "on.yaml", "--perturbation", "block", "-o", "-"], in: dir)
    #expect(unknownNamed.status == 64)
    #expect(unknownNamed.stderr.contains("did you mean 'block-x'"), "\(unknownNamed.stderr)")
  }

  @Test("info lists nodes, references and methods; check validates")
  func infoAndCheck() throws {
    let model = packageRoot + "/models/osteogenesis/osteogenesis.yaml"
    let info = try simulate(["info", model])
    #expect(info.status == 0, "\(info.stderr)")
    #expect(info.stdout.contains("Runx2 [internal]"))
    #expect(info.stdout.contains("rodas5p (default)"))
    #expect(info.stdout.contains("KERNEL (--kernel)"))
    #expect(!info.stdout.contains("(no reference)"))
    let methods = try simulate(["info", "--methods"])
    #expect(methods.status == 0, "\(methods.stderr)")
    #expect(methods.stdout.hasPrefix("METHODS (--method)\n") && methods.stdout.contains("msbdf: "))
    #expect(try simulate(["info"]).status == 64)
    let check = try simulate(["check", model])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stdout.hasPrefix("ok: "))
  }
}
