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

  @Test("osteogenesis.bnet and osteogenesis.qual.xml hold the rules of osteogenesis.yaml: the same successor of every state tried")
  func logicalFormsAgree() throws {
    let native = try BooleanNetwork(model: try load())
    for file in ["osteogenesis.bnet", "osteogenesis.qual.xml"] {
      let other = try BooleanNetwork(model: try ModelLoader.load(Self.folder + "/" + file))
      #expect(other.names == native.names, "\(file): nodes")
      guard other.names == native.names else { continue }
      var generator = Xoshiro256StarStar(seed: 2026)
      for _ in 0..<20_000 {
        let state = BooleanState.random(count: native.count, using: &generator)
        let expected = native.successor(of: state)
        let found = other.successor(of: state)
        #expect(found == expected, "\(file): from \(state)")
        if found != expected { break }
      }
    }
  }

  @Test("osteogenesis.xml (SBML) integrates to the native model's trajectory under BMP9 and Shh, 1e-6 relative")
  func sbmlFormAgrees() throws {
    func trajectory(_ path: String) throws -> Trajectory {
      let model = try ModelLoader.load(path)
      let ode = try ODEModel(model: model)
      var scenario = Scenario()
      scenario.time.end = 504
      scenario.time.grid = .dt(24)
      scenario.solver.rtol = 1e-10
      scenario.solver.atol = 1e-13
      // Away from the reference state: BMP9 and Shh on from the start (SBML: constant parameters).
      scenario.settings = [Scenario.Setting(target: "BMP9", value: 0.5), Scenario.Setting(target: "Shh", value: 1)]
      let solution = try scenario.resolve(for: ode).simulate(ode)
      #expect(solution.failure == nil, "\(path)")
      return solution.trajectory
    }
    let native = try trajectory(Self.folder + "/osteogenesis.yaml")
    let sbml = try trajectory(Self.folder + "/osteogenesis.xml")
    let nodes = try load().nodes.filter { !$0.isInput }.map(\.id)
    #expect(nodes.count == 34)
    for node in nodes {
      let a = try #require(native.column(node), "\(node) in the native run")
      let b = try #require(sbml.column(node), "\(node) in the SBML run")
      for (x, y) in zip(a, b) where Swift.abs(x - y) > 1e-12 {
        #expect(Swift.abs(x - y) <= 1e-6 * Swift.max(Swift.abs(x), Swift.abs(y)), "\(node): \(x) vs \(y)")
      }
    }
  }

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
