import Foundation
import Testing

@testable import PathwayModel

/// SBML-qual in and out: the reference networks survive .bnet → SBML-qual → .bnet with the same
/// Boolean functions and attractors; documents in the styles GINsim, CellNOpt and CellCollective
/// write read to the rules they mean; multi-valued models are refused.
@Suite("SBML-qual")
struct SBMLQualTests {
  /// .bnet → SBML-qual → model → .bnet → model.
  static func roundTrip(_ model: Model) throws -> Model {
    let qual = try SBMLQualWriter.text(model)
    let read = try SBMLQualReader.read(data: Data(qual.utf8), file: "net.xml")
    let bnet = try BNetWriter.text(read, dialect: .bnet)
    return try BNetReader.read(text: bnet, file: "back.bnet")
  }

  /// Every node's truth table, over the regulators in a fixed order.
  static func functions(_ model: Model) throws -> [String: [Bool]] {
    var out: [String: [Bool]] = [:]
    for node in model.nodes {
      guard let rule = node.rule, !node.isInput else {
        out[node.id] = []  // an input
        continue
      }
      let regulators = rule.names.sorted()
      let k = regulators.count
      out[node.id] = (0..<(1 << k)).map { s in
        rule.expr.evaluate { name in regulators.firstIndex(of: name).map { Double(s >> $0 & 1) } } != 0
      }
      out[node.id]!.insert(contentsOf: regulators.map { _ in true }, at: 0)  // the arity, as a prefix
    }
    return out
  }

  static func canonical(_ set: AttractorSet) -> Set<[String]> {
    Set(set.attractors.map { attractor in
      let states = attractor.states.map(\.description)
      guard let smallest = states.indices.min(by: { states[$0] < states[$1] }) else { return [] }
      return Array(states[smallest...] + states[..<smallest]) + ["basin \(attractor.basin.map(String.init) ?? "-")"]
    })
  }

  @Test("reference networks: .bnet → SBML-qual → .bnet keeps every function and attractor", arguments: BooleanReference.names)
  func referenceNetworks(_ name: String) throws {
    let original = try BNetReader.read(path: BooleanReference.modelPath(name))
    let back = try Self.roundTrip(original)
    #expect(back.nodes.map(\.id) == original.nodes.map(\.id))
    #expect(back.nodes.map(\.kind) == original.nodes.map(\.kind))
    #expect(try Self.functions(back) == Self.functions(original))
    guard BooleanReference.isAffordable(nodes: original.nodes.count) else {
      // Debug builds skip the full searches on the large networks (minutes each): the round-tripped
      // network has every function of the original (above), and every reference attractor is an
      // attractor of it (each synchronous cycle maps state to next state and closes; each
      // asynchronous steady state is fixed). Release builds compare the full searches below.
      let network = try BooleanNetwork(model: back)
      let expected = try BooleanReference.expected(name)
      #expect(expected["nodes"] as? [String] == back.nodes.map(\.id))
      let synchronous = try #require((expected["synchronous"] as? [String: Any])?["attractors"] as? [[String: Any]])
      #expect(!synchronous.isEmpty)
      for attractor in synchronous {
        let states = try #require(attractor["states"] as? [String]).map { BooleanState($0)! }
        for (j, state) in states.enumerated() {
          #expect(network.successor(of: state) == states[(j + 1) % states.count], "\(name): \(state) is not followed by the next state of its cycle")
        }
      }
      let steady = try #require((expected["asynchronous"] as? [String: Any])?["steady_states"] as? [String])
      for state in steady { #expect(network.isSteadyState(BooleanState(state)!), "\(name): \(state) is not a steady state") }
      return
    }
    let options = AttractorSearch.Options(strategy: original.nodes.count <= 20 ? .exhaustive : .exact)
    for scheme in [UpdateScheme.synchronous, .asynchronous] {
      let a = try AttractorSearch.find(in: try BooleanNetwork(model: original), scheme: scheme, options: options)
      let b = try AttractorSearch.find(in: try BooleanNetwork(model: back), scheme: scheme, options: options)
      #expect(a.complete && b.complete)
      #expect(Self.canonical(a) == Self.canonical(b), "\(name) \(scheme): attractors differ")
      #expect(!a.attractors.isEmpty)
    }
  }

  @Test("the writer's documents: one species and one transition per node, inputs as self-loops")
  func writerShape() throws {
    let model = try BNetReader.read(text: "targets, factors\nA, A\nB, !A & C\nC, B | A\nD, 1\n", file: "net.txt")
    var m = model
    m.nodes[2].initial = 1
    let text = try SBMLQualWriter.text(m)
    #expect(text.contains("qual:required=\"true\""))
    #expect(text.components(separatedBy: "<qual:qualitativeSpecies ").count - 1 == 4)
    #expect(text.components(separatedBy: "<qual:transition ").count - 1 == 4)
    #expect(text.contains("qual:qualitativeSpecies=\"A\" qual:transitionEffect=\"none\" qual:sign=\"negative\""))
    #expect(text.contains("qual:id=\"C\" qual:compartment=\"default\" qual:constant=\"false\" qual:initialLevel=\"1\""))
    let back = try SBMLQualReader.read(data: Data(text.utf8), file: "net.xml")
    #expect(back.nodes.map(\.kind) == [.input, .internal, .internal, .internal])
    #expect(back.nodes[1].rule?.expr == model.nodes[1].rule?.expr)
    #expect(back.nodes[3].rule?.expr == .one)
    #expect(back.nodes[2].initial == 1)
    #expect(back.nodes[1].edges.map(\.source) == ["A", "C"])
    #expect(back.nodes[1].edges.map(\.sign) == [.inhibition, .activation])
  }

  @Test("rules with comparisons or arithmetic are written as the sum of products of their truth table")
  func nonBooleanRules() throws {
    let m = try NativeModelReader.read(
      text: "model: m\nnodes:\n  A: {kind: input}\n  B: {kind: input}\n  C: {rule: \"A + B >= 1 & !(A == B)\"}\n", file: "m.yaml")
    let back = try SBMLQualReader.read(data: Data(try SBMLQualWriter.text(m).utf8), file: "m.xml")
    #expect(try Self.functions(back)["C"] == Self.functions(m)["C"])
  }

  static func document(_ species: String, _ transitions: String, extraNamespaces: String = "") -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" xmlns:qual="http://www.sbml.org/sbml/level3/version1/qual/version1" \(extraNamespaces) level="3" version="1" qual:required="true">
      <model id="test">
        <listOfCompartments><compartment id="c" constant="true"/></listOfCompartments>
        <qual:listOfQualitativeSpecies>
    \(species)
        </qual:listOfQualitativeSpecies>
        <qual:listOfTransitions>
    \(transitions)
        </qual:listOfTransitions>
      </model>
    </sbml>
    """
  }

  static func species(_ ids: [String], maxLevel: Int = 1, constant: Set<String> = []) -> String {
    ids.map {
      "<qual:qualitativeSpecies qual:id=\"\($0)\" qual:compartment=\"c\" qual:constant=\"\(constant.contains($0))\" qual:maxLevel=\"\(maxLevel)\"/>"
    }.joined(separator: "\n")
  }

  @Test("GINsim style: thresholds named by the input ids, a term for level 0 before the default 1")
  func ginsimStyle() throws {
    let transition = """
      <qual:transition qual:id="tr_C">
        <qual:listOfInputs>
          <qual:input qual:id="theta_C_A" qual:qualitativeSpecies="A" qual:thresholdLevel="1" qual:transitionEffect="none" qual:sign="positive"/>
          <qual:input qual:id="theta_C_B" qual:qualitativeSpecies="B" qual:thresholdLevel="1" qual:transitionEffect="none" qual:sign="negative"/>
        </qual:listOfInputs>
        <qual:listOfOutputs><qual:output qual:qualitativeSpecies="C" qual:transitionEffect="assignmentLevel"/></qual:listOfOutputs>
        <qual:listOfFunctionTerms>
          <qual:defaultTerm qual:resultLevel="1"/>
          <qual:functionTerm qual:resultLevel="0">
            <math xmlns="http://www.w3.org/1998/Math/MathML">
              <apply><or/>
                <apply><lt/><ci> A </ci><ci> theta_C_A </ci></apply>
                <apply><geq/><ci> B </ci><ci> theta_C_B </ci></apply>
              </apply>
            </math>
          </qual:functionTerm>
        </qual:listOfFunctionTerms>
      </qual:transition>
      """
    let text = Self.document(Self.species(["A", "B", "C"]), transition)
    let m = try SBMLQualReader.read(data: Data(text.utf8), file: "g.xml")
    let c = try #require(m.node(named: "C"))
    // C = !(A < 1 | B >= 1) = A & !B
    let rule = try #require(c.rule)
    for a in [0.0, 1] {
      for b in [0.0, 1] {
        #expect((rule.expr.evaluate { ["A": a, "B": b][$0] } != 0) == (a == 1 && b == 0), "A=\(a) B=\(b): \(rule.text)")
      }
    }
    #expect(c.edges.map(\.sign) == [.activation, .inhibition])
    #expect(m.nodes.map(\.kind) == [.input, .input, .internal])  // A and B have no transition
  }

  @Test("CellNOpt style: several transitions into one species combine by OR; CellCollective eq terms")
  func severalTransitions() throws {
    func gate(_ id: String, _ inputs: [String], _ body: String) -> String {
      """
      <qual:transition qual:id="\(id)">
        <qual:listOfInputs>\(inputs.map { "<qual:input qual:qualitativeSpecies=\"\($0)\" qual:transitionEffect=\"none\"/>" }.joined())</qual:listOfInputs>
        <qual:listOfOutputs><qual:output qual:qualitativeSpecies="D" qual:transitionEffect="assignmentLevel"/></qual:listOfOutputs>
        <qual:listOfFunctionTerms>
          <qual:defaultTerm qual:resultLevel="0"/>
          <qual:functionTerm qual:resultLevel="1"><math xmlns="http://www.w3.org/1998/Math/MathML">\(body)</math></qual:functionTerm>
        </qual:listOfFunctionTerms>
      </qual:transition>
      """
    }
    let eq = { (s: String, v: Int) in "<apply><eq/><ci>\(s)</ci><cn type=\"integer\">\(v)</cn></apply>" }
    let text = Self.document(
      Self.species(["A", "B", "C", "D"]),
      gate("t1", ["A", "B"], "<apply><and/>\(eq("A", 1))\(eq("B", 0))</apply>") + gate("t2", ["C"], eq("C", 1)))
    let m = try SBMLQualReader.read(data: Data(text.utf8), file: "cno.xml")
    let d = try #require(m.node(named: "D")?.rule)
    for s in 0..<8 {
      let a = Double(s & 1), b = Double(s >> 1 & 1), c = Double(s >> 2 & 1)
      let value = d.expr.evaluate { ["A": a, "B": b, "C": c][$0] }
      #expect((value != 0) == ((a == 1 && b == 0) || c == 1))
    }
  }

  @Test("multi-valued species are refused with the species and its line")
  func multiValued() throws {
    let text = Self.document(Self.species(["A"]) + "\n" + Self.species(["Lvl"], maxLevel: 2), "")
    let error = try #require(pathwayError { _ = try SBMLQualReader.read(data: Data(text.utf8), file: "mv.xml") })
    #expect(error.exitCode == 65)
    let diagnostic = try #require(error.diagnostics.first)
    #expect(diagnostic.message.contains("'Lvl'") && diagnostic.message.contains("maxLevel 2"))
    #expect(diagnostic.location?.line == 7)
  }

  @Test("thresholds and result levels above 1, production effects, other packages and core reactions are refused")
  func refusals() throws {
    let threshold = """
      <qual:transition qual:id="t">
        <qual:listOfInputs><qual:input qual:id="i" qual:qualitativeSpecies="A" qual:thresholdLevel="2" qual:transitionEffect="none"/></qual:listOfInputs>
        <qual:listOfOutputs><qual:output qual:qualitativeSpecies="B" qual:transitionEffect="production"/></qual:listOfOutputs>
        <qual:listOfFunctionTerms><qual:defaultTerm qual:resultLevel="2"/></qual:listOfFunctionTerms>
      </qual:transition>
      """
    let error = try #require(pathwayError { _ = try SBMLQualReader.read(data: Data(Self.document(Self.species(["A", "B"]), threshold).utf8), file: "t.xml") })
    let messages = error.diagnostics.map(\.message).joined(separator: "\n")
    #expect(messages.contains("threshold 2"))
    #expect(messages.contains("'production'"))
    #expect(error.exitCode == 65)
    let fbc = Self.document(Self.species(["A"]), "", extraNamespaces: "xmlns:fbc=\"http://www.sbml.org/sbml/level3/version1/fbc/version2\"")
      .replacingOccurrences(of: "</model>", with: "<fbc:listOfObjectives/></model>")
    let packageError = try #require(pathwayError { _ = try SBMLQualReader.read(data: Data(fbc.utf8), file: "f.xml") })
    #expect(packageError.diagnostics.contains { $0.message.contains("'fbc' package") })
  }

  @Test("ModelLoader sends documents that declare qual to the qual reader and core SBML to SBMLReader")
  func routing() throws {
    let dir = NSTemporaryDirectory() + "qual-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let net = try BNetReader.read(text: "A, A\nB, !A\n", file: "n.bnet")
    try SBMLQualWriter.write(net, to: dir + "/n.xml")
    let loaded = try ModelLoader.load(dir + "/n.xml")
    #expect(loaded.nodes.map(\.id) == ["A", "B"])
    #expect(loaded.nodes[1].rule != nil)
    // A comment and a declaration before the root do not hide it.
    let text = try String(contentsOfFile: dir + "/n.xml", encoding: .utf8)
      .replacingOccurrences(of: "?>\n", with: "?>\n<!-- exported <sbml> -->\n")
    try text.write(toFile: dir + "/c.sbml", atomically: true, encoding: .utf8)
    #expect(try ModelLoader.load(dir + "/c.sbml").nodes.count == 2)
    // Core SBML still goes to SBMLReader.
    try SBMLWriter.write(try NativeModelReader.read(text: "model: m\nnodes:\n  X: {rate: \"-X\", initial: 1}\n", file: "m.yaml"), to: dir + "/core.xml")
    let core = try ModelLoader.load(dir + "/core.xml")
    #expect(core.species.map(\.id) == ["X"])
    #expect(!SBMLQualReader.declaresQual(Data(try String(contentsOfFile: dir + "/core.xml", encoding: .utf8).utf8)))
  }
}
