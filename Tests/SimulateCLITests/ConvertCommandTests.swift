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
    // An output named *.qual.xml is SBML-qual without --to.
    #expect(try simulate(["convert", source, "-o", dir + "/named.qual.xml"]).status == 0)
    #expect(try String(contentsOfFile: dir + "/named.qual.xml", encoding: .utf8).contains("qual:listOfTransitions"))
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

  @Test("what other tools must read back: SBML ids for any node name, no '!!', xor chains of polynomial size, constants kept")
  func readableOutputs() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // A name with a dot is no SBML id: renamed, with a note, and the attractors are the same.
    try write("E2F.1, !Rb\nRb, E2F.1\n", to: dir + "/dot.bnet")
    let qual = try simulate(["convert", "dot.bnet", "--to", "sbml-qual", "-o", "dot.xml"], in: dir)
    #expect(qual.status == 0 && qual.stderr.contains("E2F.1 → E2F_1"), "\(qual.stderr)")
    let text = try String(contentsOfFile: dir + "/dot.xml", encoding: .utf8)
    #expect(!text.contains("E2F.1"))
    let back = try simulate(["attractors", "dot.xml", "--format", "csv", "-o", "-", "-q"], in: dir)
    #expect(back.stdout.split(separator: "\n").count == 5, "a cycle of four states: \(back.stdout)")
    // xor of a negation: no double negation for BoolNet; a 14-operand chain reads back.
    let operands = (0..<14).map { "X\($0)" }
    var model = "nodes:\n" + operands.map { "  \($0): {kind: input}\n" }.joined()
    model += "  C: {rule: \"!X0 xor X1\"}\n  P: {rule: \"\(operands.joined(separator: " xor "))\"}\n"
    try write(model, to: dir + "/x.yaml")
    let boolnet = try simulate(["convert", "x.yaml", "-o", "x.txt"], in: dir)
    #expect(boolnet.status == 0, "\(boolnet.stderr)")
    let rules = try String(contentsOfFile: dir + "/x.txt", encoding: .utf8)
    #expect(!rules.contains("!!"), "\(rules)")
    let read = try simulate(["info", "x.txt"], in: dir)
    #expect(read.status == 0, "the written parity rule reads back: \(read.stderr)")
    // A constant SBML-qual species with an initial level keeps it (as BoolNet reads it).
    try write("""
      <?xml version="1.0" encoding="UTF-8"?>
      <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" xmlns:qual="http://www.sbml.org/sbml/level3/version1/qual/version1" level="3" version="1" qual:required="true">
        <model id="q"><listOfCompartments><compartment id="c" constant="true"/></listOfCompartments>
          <qual:listOfQualitativeSpecies>
            <qual:qualitativeSpecies qual:id="K" qual:compartment="c" qual:constant="true" qual:initialLevel="1" qual:maxLevel="1"/>
            <qual:qualitativeSpecies qual:id="A" qual:compartment="c" qual:constant="false" qual:maxLevel="1"/>
          </qual:listOfQualitativeSpecies>
          <qual:listOfTransitions><qual:transition qual:id="t">
            <qual:listOfInputs><qual:input qual:id="i" qual:qualitativeSpecies="K" qual:transitionEffect="none" qual:thresholdLevel="1"/></qual:listOfInputs>
            <qual:listOfOutputs><qual:output qual:qualitativeSpecies="A" qual:transitionEffect="assignmentLevel"/></qual:listOfOutputs>
            <qual:listOfFunctionTerms><qual:defaultTerm qual:resultLevel="0"/>
              <qual:functionTerm qual:resultLevel="1"><math xmlns="http://www.w3.org/1998/Math/MathML"><ci>i</ci></math></qual:functionTerm>
            </qual:listOfFunctionTerms>
          </qual:transition></qual:listOfTransitions>
        </model>
      </sbml>
      """, to: dir + "/k.xml")
    let constant = try simulate(["attractors", "k.xml", "--format", "csv", "-o", "-", "-q"], in: dir)
    #expect(constant.stdout == "attractor,type,basin,K,A\n1,fixed,4,1,1\n", "\(constant.stdout) \(constant.stderr)")
  }

  @Test("native cannot hold a model without nodes, infinity or NaN: refused at convert time, not written unreadable")
  func nativeRefusals() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sbml = { (body: String) in
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
        <model id="m">\(body)</model>
      </sbml>
      """
    }
    try write(sbml("<listOfParameters><parameter id=\"p\" value=\"1\" constant=\"true\"/></listOfParameters>"), to: dir + "/empty.xml")
    let empty = try simulate(["convert", "empty.xml", "-o", "empty.yaml"], in: dir)
    #expect(empty.status == 65 && empty.stderr.contains("needs at least one node"), "\(empty.stderr)")
    try write(sbml("""
      <listOfParameters><parameter id="x" value="1" constant="false"/><parameter id="c" constant="false"/></listOfParameters>
      <listOfRules>
        <rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></rateRule>
        <assignmentRule variable="c"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><min/><ci>x</ci><infinity/></apply></math></assignmentRule>
      </listOfRules>
      """), to: dir + "/inf.xml")
    let run = try simulate(["run", "inf.xml", "--t-end", "1", "-o", "-"], in: dir)
    #expect(run.status == 0, "the SBML runs: \(run.stderr)")
    let infinity = try simulate(["convert", "inf.xml", "-o", "inf.yaml"], in: dir)
    #expect(infinity.status == 65 && infinity.stderr.contains("holds infinity or NaN"), "\(infinity.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/inf.yaml"))
  }
}
