import Foundation
import Testing

/// The bad-input corpus: every malformed or hostile file of `Tests/BadInputs/files`, with the
/// exact exit code and the start of the message it must produce (`Tests/BadInputs/cases.tsv`),
/// and hostile inputs generated here because they are too big to commit.
@Suite("Bad inputs")
struct BadInputTests {
  static let folder = packageRoot + "/Tests/BadInputs/files"

  struct Case: Sendable, CustomStringConvertible {
    var file: String
    var command: [String]
    var exit: Int32
    var message: String
    var description: String { file }
  }

  static let cases: [Case] = {
    guard let text = try? String(contentsOfFile: packageRoot + "/Tests/BadInputs/cases.tsv", encoding: .utf8) else {
      return []
    }
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      let output = NSTemporaryDirectory() + "bad-input-out.\(fields[0].hasSuffix(".csv") ? "svg" : "csv")"
      let command = fields[1].split(separator: " ").map { word -> String in
        word == "FILE" ? fields[0] : word == "OUT" ? output : String(word)
      }
      return Case(file: fields[0], command: command, exit: Int32(fields[2]) ?? -1, message: fields[3])
    }
  }()

  @Test("the committed corpus has at least 60 cases")
  func corpusSize() {
    #expect(Self.cases.count >= 60)
  }

  @Test("each committed case: exact exit code and message", arguments: cases)
  func committed(_ c: Case) throws {
    let result = try simulate(c.command, in: Self.folder)
    #expect(result.status == c.exit, "\(c.file): exit \(result.status), stderr: \(result.stderr)")
    let first = result.stderr.split(separator: "\n").first { !$0.hasPrefix("ok:") }.map(String.init) ?? ""
    #expect(first.hasPrefix(c.message), "\(c.file): got '\(first)'")
  }

  func generated(_ name: String, _ contents: String) throws -> String {
    let dir = NSTemporaryDirectory() + "bad-inputs-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try contents.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8)
    return dir
  }

  @Test("a 100 MB line: a bounded error, fast")
  func hugeLine() throws {
    let rule = String(repeating: "A | ", count: 25_000_000) + "A"
    let dir = try generated("huge.yaml", "nodes:\n  A:\n    rule: \(rule)\n")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let start = Date()
    let result = try simulate(["check", "huge.yaml"], in: dir)
    #expect(result.status == 65)
    #expect(result.stderr.contains("huge.yaml:3:"))
    #expect(result.stderr.contains("more than 20000 operators"))
    // PATHWAY_TEST_TIME_FACTOR stretches the bound for sanitized builds (scripts/sanitize.sh).
    let factor = Double(ProcessInfo.processInfo.environment["PATHWAY_TEST_TIME_FACTOR"] ?? "") ?? 1
    #expect(Date().timeIntervalSince(start) < 300 * factor, "linear time: a quadratic step would take hours")
  }

  @Test("100,000 nodes: validated without trouble")
  func manyNodes() throws {
    var text = "nodes:\n  N0: {kind: input}\n"
    for i in 1..<100_000 { text += "  N\(i): {rule: N\(i - 1)}\n" }
    let dir = try generated("many.yaml", text)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try simulate(["check", "many.yaml"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("ok: many: 100000 nodes"))
  }

  @Test("deep nesting in YAML, in XML and in an expression: errors, no crash")
  func deepNesting() throws {
    let yaml = try generated("deep.yaml", "nodes: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n")
    defer { try? FileManager.default.removeItem(atPath: yaml) }
    let y = try simulate(["check", "deep.yaml"], in: yaml)
    #expect(y.status == 65)
    #expect(y.stderr.hasPrefix("deep.yaml:1:"))
    #expect(y.stderr.contains("nested deeper than 200 levels"))

    let xmlBody = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
    let xml = try generated(
      "deep.xml",
      "<?xml version=\"1.0\"?>\n<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\"><model id=\"m\">\(xmlBody)</model></sbml>\n")
    defer { try? FileManager.default.removeItem(atPath: xml) }
    let x = try simulate(["check", "deep.xml"], in: xml)
    #expect(x.status == 65)
    #expect(x.stderr.hasPrefix("deep.xml:2:"))

    let parens = String(repeating: "(", count: 50_000) + "x" + String(repeating: ")", count: 50_000)
    let expr = try generated("parens.yaml", "nodes:\n  x: {rate: \"-\(parens)\"}\n")
    defer { try? FileManager.default.removeItem(atPath: expr) }
    let e = try simulate(["check", "parens.yaml"], in: expr)
    #expect(e.status == 65)
    #expect(e.stderr.contains("nests deeper than 500 levels"))
  }

  @Test("expressions at the parser's operator limit read, convert and simulate (tree walks do not run out of stack)")
  func operatorLimit() throws {
    // 19,999 operators in one chain: a left-leaning tree 19,999 levels deep.
    let terms = (0..<20_000).map { "x\($0 % 5)" }.joined(separator: " | ")
    var bnet = "A, \(terms)\n"
    for i in 0..<5 { bnet += "x\(i), x\(i)\n" }
    let dir = try generated("chain.bnet", bnet)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for arguments in [["check", "chain.bnet"], ["convert", "chain.bnet", "-o", "chain.xml"],
                      ["convert", "chain.bnet", "--to", "sbml-qual", "-o", "qual.xml"],
                      ["convert", "qual.xml", "-o", "back.bnet"],
                      ["run", "chain.xml", "--t-end", "1", "-o", "chain.csv"],
                      ["attractors", "back.bnet", "-o", "chain.json"]] {
      let result = try simulate(arguments, in: dir)
      #expect(result.status == 0, "\(arguments): \(result.stderr.prefix(300))")
    }
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/chain.json"))) as! [String: Any]
    #expect((json["attractors"] as! [Any]).count == 32)

    let sum = (0..<19_999).map { _ in "x" }.joined(separator: " + ")
    let rate = try generated("sum.yaml", "nodes:\n  x: {initial: 1, rate: \"\(sum) - 20000 * x\"}\n")
    defer { try? FileManager.default.removeItem(atPath: rate) }
    let run = try simulate(["run", "sum.yaml", "--t-end", "1", "--steps", "1", "-o", "sum.csv"], in: rate)
    #expect(run.status == 0, "\(run.stderr.prefix(300))")
    let last = try String(contentsOfFile: rate + "/sum.csv", encoding: .utf8).split(separator: "\n").last!
    // dx/dt = 19999 x - 20000 x = -x.
    #expect(abs(Double(last.split(separator: ",")[1])! - exp(-1)) < 1e-5)
  }

  @Test("a path that is a directory, and a missing file: exit 66")
  func paths() throws {
    let directory = try simulate(["run", ".", "--t-end", "1", "-o", "-"], in: Self.folder)
    #expect(directory.status == 66)
    #expect(directory.stderr.hasPrefix("simulate: error: .: is a directory"))
    let missing = try simulate(["check", "nothing-here.yaml"], in: Self.folder)
    #expect(missing.status == 66)
    #expect(missing.stderr.hasPrefix("simulate: error: nothing-here.yaml: no such file"))
  }
}
