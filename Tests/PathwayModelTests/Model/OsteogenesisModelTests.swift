import Foundation
import Testing

@testable import PathwayModel

/// The curated osteogenesis network (models/osteogenesis): every interaction carries its evidence,
/// the named perturbations of BIOLOGY.md §3.2 exist, and every scenario of the library names the
/// model and loads.
@Suite("Osteogenesis model")
struct OsteogenesisModelTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models/osteogenesis").path

  func load() throws -> Model { try ModelLoader.load(Self.folder + "/osteogenesis.yaml") }

  @Test("every regulator of every rule is an edge with a sign, a mechanism and at least one reference")
  func everyEdgeCited() throws {
    let model = try load()
    var edges = 0
    for node in model.nodes {
      guard let rule = node.rule else { continue }
      // Inputs are self-loops in Boolean form; they carry no evidence of their own.
      let regulators = Set(rule.expr.variables).subtracting([node.id])
      let listed = Set(node.edges.map(\.source))
      #expect(regulators.subtracting(listed).isEmpty, "\(node.id): regulators without an edge entry: \(regulators.subtracting(listed).sorted())")
      for edge in node.edges {
        edges += 1
        #expect(!edge.references.isEmpty, "\(edge.source) → \(node.id) has no reference")
        #expect(edge.references.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        #expect(edge.sign != nil, "\(edge.source) → \(node.id) has no sign")
        #expect(!edge.mechanism.isEmpty, "\(edge.source) → \(node.id) has no mechanism")
      }
      for modulator in node.modulators {
        #expect(!modulator.references.isEmpty, "modulator \(modulator.source) → \(node.id) has no reference")
      }
    }
    // BIOLOGY.md §2 gives 87 edges over the 34 rules; a model that lost some of them is not the curated one.
    #expect(edges >= 80)
  }

  @Test("the network of BIOLOGY.md §1: 50 nodes, 16 inputs, 34 rules")
  func nodeCounts() throws {
    let model = try load()
    #expect(model.nodes.count == 50)
    #expect(model.nodes.filter { $0.kind == .input }.count == 16)
    #expect(model.nodes.filter { $0.kind != .input && $0.rule != nil }.count == 34)
  }

  @Test("the perturbations of BIOLOGY.md §3.2 exist by name and pin what the table says")
  func namedPerturbations() throws {
    let model = try load()
    let byName = Dictionary(model.perturbations.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let expected: [String: [PerturbationAction]] = [
      "DKK1-protein": [.pin(node: "DKK1", level: 1)],
      "DAPT": [.pin(node: "NICD", level: 0)],
      "cyclopamine": [.pin(node: "Smo", level: 0)],
      "U0126": [.pin(node: "ERK", level: 0)],
      "SB431542": [.pin(node: "TGFBR1", level: 0)],
      "LDN-193189": [.pin(node: "ALK1_2", level: 0), .pin(node: "ALK3", level: 0)],
      "SB203580": [.pin(node: "p38", level: 0)],
      "SP600125": [.pin(node: "JNK", level: 0)],
      "Runx2-KO": [.pin(node: "Runx2", level: 0)],
      "Osx-KO": [.pin(node: "Osx", level: 0)],
      "bCat-knockdown": [.pin(node: "bCat", level: 0)],
      "Hey1-knockdown": [.pin(node: "Hey1", level: 0)],
      "Smad4-KO": [.pin(node: "Smad158", level: 0), .pin(node: "Smad23", level: 0)],
      "dnALK2": [.scale(node: "ALK1_2", factor: 0.3)],
    ]
    for (name, actions) in expected {
      let p = try #require(byName[name], "missing perturbation \(name)")
      #expect(Set(p.actions) == Set(actions), "\(name): \(p.actions)")
    }
    for name in ["Tgfb1-KO", "antagomiR-433", "antagomiR-450b", "antagomiR-224"] {
      #expect(byName[name] != nil, "missing perturbation \(name)")
    }
  }

  @Test("every scenario names the model, loads, and carries expectations; every behaviour B1–B14 is covered")
  func scenarios() throws {
    let directory = Self.folder + "/scenarios"
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
    var behaviours = Set<String>()
    for file in files {
      let scenario = try ScenarioReader.read(path: directory + "/" + file)
      #expect(scenario.modelPath != nil, "\(file) names no model")
      #expect(!scenario.expectations.isEmpty, "\(file) has no expectations")
      if let b = file.split(separator: "-").first, b.hasPrefix("B") { behaviours.insert(String(b)) }
    }
    #expect(behaviours == Set((1...14).map { "B\($0)" }))
  }
}
