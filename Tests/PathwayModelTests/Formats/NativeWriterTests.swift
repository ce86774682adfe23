import Foundation
import Testing

@testable import PathwayModel

/// Native → YAML → native gives the same model; what a target cannot express is refused by name.
@Suite("Native writer and conversion limits")
struct NativeWriterTests {
  /// Everything a model says, without source locations and formula texts.
  struct Summary: Equatable {
    var head: [String]
    var defaults: Model.Defaults
    var parameters: [[String]]
    var nodes: [[String]]
    var edges: [[String]]
    var modulators: [[String]]
    var assignments: [[String]]
    var perturbations: [[String]]
  }

  static func summary(_ m: Model) -> Summary {
    func o(_ v: Double?) -> String { v.map { "\($0)" } ?? "-" }
    return Summary(
      head: [m.name, m.description, m.timeUnit ?? "-"] + m.references,
      defaults: m.defaults,
      parameters: m.parameters.map { [$0.id, "\($0.value)", $0.unit ?? "-", $0.description] },
      nodes: m.nodes.map { n in
        [n.id, n.kind.rawValue, n.description, n.role, "\(n.initial)", n.rule.map { "\($0.expr)" } ?? "-",
         n.rate.map { "\($0.expr)" } ?? "-", o(n.tau), o(n.hillN), o(n.hillK), n.unit ?? "-", n.notes]
          + n.references
      },
      edges: m.nodes.flatMap { n in
        n.edges.map { e in
          [n.id, e.source, e.sign?.rawValue ?? "-", o(e.hillN), o(e.hillK), e.mechanism, e.stage ?? "-",
           e.confidence ?? "-"] + e.references
        }
      },
      modulators: m.nodes.flatMap { n in
        n.modulators.map { [n.id, $0.source, $0.sign.rawValue, "\($0.weight)", $0.mechanism, $0.confidence ?? "-"] + $0.references }
      },
      assignments: m.assignments.map { [$0.id, "\($0.expression.expr)", $0.unit ?? "-", $0.description] },
      perturbations: m.perturbations.map { p in
        [p.name, p.description] + p.actions.map { "\($0)" } + p.references
      })
  }

  @Test("the osteogenesis model: native → YAML → native is the same model")
  func osteogenesis() throws {
    let path = SBMLExportTests.osteogenesis
    let original = try NativeModelReader.read(path: path)
    let text = try NativeModelWriter.text(original)
    let back = try NativeModelReader.read(text: text, file: "back.yaml")
    #expect(Self.summary(back) == Self.summary(original))
    // Written twice, the text is the same (nothing depends on where the model came from but the header).
    let again = try NativeModelWriter.text(back)
    #expect(again.split(separator: "\n").dropFirst(2) == text.split(separator: "\n").dropFirst(2))
  }

  @Test("awkward text survives: quotes, backslashes, colons, newlines, keywords as names")
  func quoting() throws {
    var m = try NativeModelReader.read(text: SBMLExportTests.toy, file: "toy.yaml")
    m.description = "line one\nline \"two\": a\\b # not a comment"
    m.nodes[2].description = "- starts like a list item: yes"
    m.nodes[2].edges[0].references = ["O'Brien et al.: \"quoted\"", "tab\there"]
    m.nodes[2].notes = "ümlaut, β-catenin, ⊣"
    m.perturbations.append(NamedPerturbation(name: "on", description: "null", actions: [.pin(node: "R", level: 0.25), .pin(node: "I", level: 1)]))
    m.perturbations.append(NamedPerturbation(name: "R KO: strong", actions: [.pin(node: "R", level: 0), .scale(node: "I", factor: 2)]))
    let back = try NativeModelReader.read(text: try NativeModelWriter.text(m), file: "q.yaml")
    #expect(Self.summary(back) == Self.summary(m))
  }

  @Test("models read from SBML: initial assignments are evaluated, events are refused")
  func fromSBML() throws {
    let plain = try SBMLReader.read(path: SBMLTestSuite.modelPath("00001"))
    let written = try NativeModelWriter.export(plain)
    let back = try NativeModelReader.read(text: written.text, file: "s.yaml")
    #expect(back.nodes.map(\.id) == plain.nodes.map(\.id))
    #expect(written.notes.contains { $0.contains("amounts") })
    let withEvents = try SBMLReader.read(path: SBMLTestSuite.modelPath("00400"))
    #expect(!withEvents.events.isEmpty)
    let error = try #require(pathwayError { _ = try NativeModelWriter.text(withEvents) })
    #expect(error.exitCode == 65)
    #expect(error.diagnostics[0].message.contains("cannot express events"))
  }

  @Test("logical formats refuse rate laws, modulators, assignments and events by name; --logic-only drops them")
  func logicalLimits() throws {
    let toy = try NativeModelReader.read(text: SBMLExportTests.toy, file: "toy.yaml")
    let (errors, dropped) = LogicalFormat.check(toy, format: ".bnet")
    let messages = errors.map(\.message)
    #expect(messages.contains { $0.contains("cannot express modulators") && $0.contains("R") })
    #expect(messages.contains { $0.contains("rate law and no logical rule") && $0.contains("P") && $0.contains("Q") })
    #expect(messages.contains { $0.contains("cannot express assignments (flux)") })
    #expect(dropped.contains { $0.contains("parameter") })
    // Reduced to its logic, the rate-only nodes still cannot be written.
    let logic = LogicalFormat.logicOnly(toy)
    #expect(logic.nodes.allSatisfy(\.modulators.isEmpty) && logic.assignments.isEmpty && logic.parameters.isEmpty)
    #expect(pathwayError { _ = try BNetWriter.text(logic, dialect: .bnet) }?.exitCode == 65)
    // The osteogenesis model: modulators are refused, then dropped on request.
    let osteogenesis = try NativeModelReader.read(path: SBMLExportTests.osteogenesis)
    #expect(LogicalFormat.check(osteogenesis, format: "SBML-qual").errors.contains { $0.message.contains("modulators") })
    let reduced = LogicalFormat.logicOnly(osteogenesis)
    #expect(LogicalFormat.check(reduced, format: "SBML-qual").errors.isEmpty)
    let back = try SBMLQualReader.read(data: Data(try SBMLQualWriter.text(reduced).utf8), file: "o.xml")
    #expect(try SBMLQualTests.functions(back) == SBMLQualTests.functions(reduced))
  }
}
