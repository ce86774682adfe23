import Foundation
import Testing

/// `simulate convert`: targets from --to or the extension, what each target cannot express,
/// exit codes, and round trips through the command line.
@Suite("simulate convert")
struct ConvertCommandTests {
  static let osteogenesis = packageRoot + "/models/osteogenesis/osteogenesis.yaml"
  static let scenario = packageRoot + "/models/osteogenesis/scenarios/B1-BMP9.yaml"
  static let reference = URL(fileURLWithPath: packageRoot).deletingLastPathComponent()
    .appendingPathComponent("shared/reference/boolean/models").path

  static let mechanistic = """
    model: toy
    parameters: {k: 0.5}
    nodes:
      A: {kind: input, initial: 1}
      B: {rule: A, tau: 2}
      C: {rate: "k * B - C"}
    """

  @Test("the target follows the extension; the native model round-trips through YAML and SBML")
  func extensions() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let yaml = try simulate(["convert", Self.osteogenesis, "-o", dir + "/copy.yaml"])
    #expect(yaml.status == 0, "\(yaml.stderr)")
    #expect(yaml.stdout.isEmpty)
    let sbml = try simulate(["convert", dir + "/copy.yaml", "-o", dir + "/o.xml"])
    #expect(sbml.status == 0, "\(sbml.stderr)")
    #expect(sbml.stderr.contains("note: the initial values are the reference state after equilibrating"))
    let text = try String(contentsOfFile: dir + "/o.xml", encoding: .utf8)
    #expect(text.contains("<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\">"))
    #expect(text.contains("<rateRule variable=\"Runx2\">"))
    // Both run to the same reference steady state.
    let a = try simulate(["run", Self.osteogenesis, "--t-end", "24", "--steps", "2", "--select", "Runx2,GSK3B", "-o", "-"])
    let b = try simulate(["run", dir + "/o.xml", "--t-end", "24", "--steps", "2", "--select", "Runx2,GSK3B", "-o", "-"])
    #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
    let last = { (s: String) in s.split(separator: "\n").last!.split(separator: ",").dropFirst().map { Double($0)! } }
    for (x, y) in zip(last(a.stdout), last(b.stdout)) { #expect(abs(x - y) <= 1e-8) }
  }

  @Test("a scenario is baked into the SBML: the re-imported file runs like the scenario")
  func scenarioBaked() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try simulate(["convert", Self.osteogenesis, "--scenario", Self.scenario, "--set", "BMP9=0.8", "-o", dir + "/b.sbml"])
    #expect(result.status == 0, "\(result.stderr)")
    let common = ["--t-end", "96", "--steps", "4", "--select", "OCN,Runx2,ALP", "--method", "msbdf", "--rtol", "1e-10", "--atol", "1e-14", "-o", "-"]
    let native = try simulate(["run", Self.osteogenesis, "--scenario", Self.scenario, "--set", "BMP9=0.8"] + common)
    let exported = try simulate(["run", dir + "/b.sbml"] + common)
    #expect(native.status == 0 && exported.status == 0, "\(native.stderr)\(exported.stderr)")
    let rows = { (s: String) in s.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } } }
    let x = rows(native.stdout), y = rows(exported.stdout)
    #expect(x.count == 5 && y.count == 5)
    for (r, s) in zip(x, y) {
      for (p, q) in zip(r, s) { #expect(abs(p - q) <= 1e-7 * max(1, abs(p)), "\(r) vs \(s)") }
    }
    #expect(x.last![2] > 0.5, "Runx2 rises under BMP9: the comparison covers dynamics")
  }

  @Test("bnet → SBML-qual → bnet through the command line keeps the attractors")
  func qualRoundTrip() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = Self.reference + "/faure_cellcycle.bnet"
    #expect(try simulate(["convert", source, "--to", "sbml-qual", "-o", dir + "/q.xml"]).status == 0)
    let back = try simulate(["convert", dir + "/q.xml", "-o", dir + "/back.bnet"])
    #expect(back.status == 0, "\(back.stderr)")
    let a = try simulate(["attractors", source, "--format", "json", "-o", "-"])
    let b = try simulate(["attractors", dir + "/back.bnet", "--format", "json", "-o", "-"])
    let c = try simulate(["attractors", dir + "/q.xml", "--format", "json", "-o", "-"])
    #expect(a.status == 0 && b.status == 0 && c.status == 0, "\(a.stderr)\(b.stderr)\(c.stderr)")
    func attractors(_ json: String) throws -> String {
      let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
      let list = try #require(object?["attractors"] as? [[String: Any]])
      return list.map { "\($0["type"] ?? "") \($0["states"] ?? "") \($0["basin"] ?? "")" }.sorted().joined(separator: "\n")
    }
    #expect(try attractors(a.stdout) == attractors(b.stdout))
    #expect(try attractors(a.stdout) == attractors(c.stdout))
    // BoolNet text too, to standard output.
    let boolnet = try simulate(["convert", dir + "/q.xml", "--to", "boolnet", "-o", "-"])
    #expect(boolnet.status == 0)
    #expect(boolnet.stdout.hasPrefix("targets, factors\n"))
  }

  @Test("what a target cannot express stops with exit 65 and names it; --logic-only drops it")
  func cannotExpress() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let modulated = try simulate(["convert", Self.osteogenesis, "-o", dir + "/o.bnet"])
    #expect(modulated.status == 65)
    #expect(modulated.stderr.contains(".bnet cannot express modulators"))
    #expect(modulated.stderr.contains("--logic-only"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/o.bnet"))
    let logic = try simulate(["convert", Self.osteogenesis, "--logic-only", "--to", "sbml-qual", "-o", dir + "/o.xml"])
    #expect(logic.status == 0, "\(logic.stderr)")
    #expect(logic.stderr.contains("not written"))
    try write(Self.mechanistic, to: dir + "/m.yaml")
    let rate = try simulate(["convert", dir + "/m.yaml", "-o", dir + "/m.txt"])
    #expect(rate.status == 65)
    #expect(rate.stderr.contains("BoolNet cannot express nodes that have a rate law and no logical rule (C)"))
    let stillRate = try simulate(["convert", dir + "/m.yaml", "--logic-only", "-o", dir + "/m.bnet"])
    #expect(stillRate.status == 65)
    // Events into the native format.
    let events = URL(fileURLWithPath: packageRoot).deletingLastPathComponent()
      .appendingPathComponent("shared/reference/sbml-test-suite/cases/00400/00400-sbml-l3v2.xml").path
    if FileManager.default.fileExists(atPath: events) {
      let native = try simulate(["convert", events, "-o", dir + "/e.yaml"])
      #expect(native.status == 65)
      #expect(native.stderr.contains("the native format cannot express events"))
    }
  }

  @Test("bad command lines exit 64, missing inputs 66")
  func usage() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let unknown = try simulate(["convert", Self.osteogenesis, "-o", dir + "/o.json"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr.contains("cannot tell the target format"))
    let stdout = try simulate(["convert", Self.osteogenesis, "-o", "-"])
    #expect(stdout.status == 64)
    let scenarioNotSBML = try simulate(["convert", Self.osteogenesis, "--scenario", Self.scenario, "-o", dir + "/o.yaml"])
    #expect(scenarioNotSBML.status == 64)
    let badTarget = try simulate(["convert", Self.osteogenesis, "--to", "sbml3", "-o", dir + "/o.xml"])
    #expect(badTarget.status == 64)
    let missing = try simulate(["convert", dir + "/none.yaml", "-o", dir + "/o.xml"])
    #expect(missing.status == 66)
  }
}
