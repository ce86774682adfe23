import Foundation
import Testing

@Suite("simulate sensitivity")
struct SensitivityCommandTests {
  static let decay = """
    model: decay
    parameters: {k: {value: 0.5}}
    nodes:
      x: {initial: 2, rate: -k * x}
    """

  @Test("long and wide layouts, relative sensitivities, and the manifest")
  func layouts() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let long = try simulate(
      ["sensitivity", "decay.yaml", "--param", "k", "--param", "x.initial", "--t-end", "2", "--steps", "2", "--rtol", "1e-10", "-o", "out/s.csv"],
      in: dir)
    #expect(long.status == 0, "\(long.stderr)")
    let lines = try String(contentsOfFile: dir + "/out/s.csv", encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "time,variable,parameter,value,sensitivity")
    #expect(lines.count == 1 + 3 * 2)
    // x = 2e^{−kt}: at t = 2, ∂x/∂k = −2t·e^{−kt} = −4/e, ∂x/∂x₀ = 1/e.
    let last = lines.suffix(2).map { $0.split(separator: ",").map(String.init) }
    #expect(last[0][0] == "2" && last[0][1] == "x" && last[0][2] == "k")
    #expect(abs(Double(last[0][4])! + 4 / M_E) < 1e-7)
    #expect(last[1][2] == "x.initial" && abs(Double(last[1][4])! - 1 / M_E) < 1e-8)
    let manifest = try String(contentsOfFile: dir + "/out/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"command\" : \"sensitivity\"") || manifest.contains("\"command\": \"sensitivity\""))
    #expect(manifest.contains("forward sensitivity equations"))

    let wide = try simulate(
      ["sensitivity", "decay.yaml", "--param", "k", "--relative", "--layout", "wide", "--t-end", "2", "--steps", "2", "--rtol", "1e-10", "-o", "-"],
      in: dir)
    #expect(wide.status == 0, "\(wide.stderr)")
    let rows = wide.stdout.split(separator: "\n")
    #expect(rows.first == "time,x,d(x)/d(k)")
    // Relative: (k/x)·∂x/∂k = −k·t.
    let end = rows.last!.split(separator: ",").map { Double($0)! }
    #expect(abs(end[2] + 1) < 1e-8)
  }

  @Test("bad requests: 64 for the command line, 65 for models the equations do not cover; a switch is crossed")
  func failures() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let missing = try simulate(["sensitivity", "decay.yaml", "--t-end", "1", "-o", "s.csv"], in: dir)
    #expect(missing.status == 64 && missing.stderr.contains("--param"), "\(missing.stderr)")
    let unknown = try simulate(["sensitivity", "decay.yaml", "--param", "kk", "--t-end", "1", "-o", "s.csv"], in: dir)
    #expect(unknown.status == 64 && unknown.stderr.contains("unknown identifier 'kk'") && unknown.stderr.contains("'k'"), "\(unknown.stderr)")
    try write("""
      parameters: {k: 1}
      nodes:
        x: {initial: 1, rate: -k * floor(x)}
      """, to: dir + "/floor.yaml")
    let floor = try simulate(["sensitivity", "floor.yaml", "--param", "k", "--t-end", "1", "-o", "s.csv"], in: dir)
    #expect(floor.status == 65 && floor.stderr.contains("rate law of 'x'"), "\(floor.stderr)")
    try write("""
      parameters: {a: 3}
      nodes:
        x: {initial: 0, rate: "if(x < 1, a, 0.1)"}
      """, to: dir + "/switch.yaml")
    let switched = try simulate(["sensitivity", "switch.yaml", "--param", "a", "--t-end", "1", "--dt", "0.1", "-o", "out/s.csv"], in: dir)
    #expect(switched.status == 0, "\(switched.stderr)")
    let rows = try String(contentsOfFile: dir + "/out/s.csv", encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 1 + 11)
    // After the switch at t = 1/3: ∂x/∂a = 0.1/a².
    #expect(abs(Double(rows.last!.split(separator: ",")[4])! - 0.1 / 9) < 1e-9)
    let manifest = try String(contentsOfFile: dir + "/out/manifest.json", encoding: .utf8)
    #expect(manifest.contains("jumps_at_switches"))
  }
}
