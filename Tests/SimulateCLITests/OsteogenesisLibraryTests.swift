import Foundation
import Testing

/// The scenario library of models/osteogenesis: every expectation of BIOLOGY.md §4 runs and passes,
/// and a scenario naming something the model lacks is refused with its location.
@Suite("Osteogenesis scenario library")
struct OsteogenesisLibraryTests {
  let folder = packageRoot + "/models/osteogenesis"

  func scenarioFiles() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder + "/scenarios").filter { $0.hasSuffix(".yaml") }.sorted()
      .map { folder + "/scenarios/" + $0 }
  }

  @Test("simulate check runs every expectation of the library in both modes and all pass")
  func wholeLibrary() throws {
    let files = try scenarioFiles()
    let result = try simulate(["check"] + files)
    let lines = result.stdout.split(separator: "\n")
    let failing = lines.filter { $0.contains(" FAIL ") }
    #expect(result.status == 0, "\(failing.joined(separator: "\n"))\n\(result.stderr)")
    #expect(failing.isEmpty)
    let summary = try #require(lines.last)
    let passed = Int(summary.split(separator: " ").first ?? "") ?? 0
    #expect(summary.hasSuffix("passed, 0 failed"), "\(summary)")
    #expect(passed >= 200, "\(summary)")
    // Both modes are exercised: ODE readouts at times and Boolean attractor averages.
    #expect(lines.contains { $0.contains(" PASS ") && $0.contains(" attractor") })
    #expect(lines.contains { $0.contains(" PASS ") && $0.contains(" at 21d") })
  }

  @Test("a scenario naming an unknown node, perturbation or dose input: file:line:column, exit 65",
        arguments: [
          ("inputs:\n  ECM: 1\n  BMP10: 0.5\n", "BMP10"),
          ("inputs:\n  ECM: 1\nperturbations:\n  - DAPTT\n", "DAPTT"),
          ("inputs:\n  ECM: 1\ninitial:\n  Runx3: 1\n", "Runx3"),
          ("inputs:\n  ECM: 1\nexpect:\n  - \"OCNN at 21d > 0.5\"\n", "OCNN"),
        ])
  func unknownNames(body: String, name: String) throws {
    let dir = NSTemporaryDirectory() + "osteo-bad-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let text = "model: \(folder)/osteogenesis.yaml\ntime: {end: 24}\n" + body
    try text.write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
    let result = try simulate(["check", "bad.yaml"], in: dir)
    #expect(result.status == 65, "\(result.stderr)")
    let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.range(of: #"^bad\.yaml:\d+:\d+: error: "#, options: .regularExpression) != nil, "\(first)")
    #expect(first.contains(name), "\(first)")
  }
}
