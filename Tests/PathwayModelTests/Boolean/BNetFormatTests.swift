import Foundation
import Testing

@testable import PathwayModel

@Suite("BoolNet and .bnet files")
struct BNetFormatTests {
  func read(_ text: String) throws -> Model { try BNetReader.read(text: text, file: "net.bnet") }

  func firstError(_ text: String) -> (PathwayError, Diagnostic)? {
    guard let error = pathwayError({ _ = try read(text) }), let first = error.diagnostics.first else { return nil }
    return (error, first)
  }

  @Test("header, comments, constants, and names with dots, underscores and digits")
  func readsTheFormat() throws {
    let m = try read("""
      # a comment line
        # an indented comment

      targets, factors
      Stat3.p,   Stat3.p             # an input, with a trailing comment
      x_1,       !Stat3.p & (y2 | TRUE)
      y2,        x_1 | FALSE
      on,        1
      off,       0
      """)
    #expect(m.nodes.map(\.id) == ["Stat3.p", "x_1", "y2", "on", "off"])
    #expect(m.nodes.map(\.kind) == [.input, .internal, .internal, .internal, .internal])
    #expect(m.nodes[0].rule == nil)
    #expect(m.nodes[3].rule?.expr == .number(1) && m.nodes[4].rule?.expr == .number(0))
    #expect(m.nodes[1].location == PathwayModel.SourceLocation(file: "net.bnet", line: 6, column: 1))
    #expect(m.nodes[1].rule?.references.first?.location == PathwayModel.SourceLocation(file: "net.bnet", line: 6, column: 13))
    let network = try BooleanNetwork(model: m)
    #expect(network.functions[3].constantValue == true && network.functions[4].constantValue == false)
    #expect(network.functions[0].isIdentity(of: 0))
  }

  @Test("the header is optional in .bnet and may follow comments; CRLF line ends are read")
  func optionalHeader() throws {
    let m = try read("a, b\r\nb, !a\r\n")
    #expect(m.nodes.map(\.id) == ["a", "b"])
  }

  @Test(
    "bad input is located and exits 65",
    arguments: [
      ("a, b\nb, !c\n", 2, 5, "unknown identifier 'c'"),
      ("a, b\nb, a\na, !b\n", 3, 1, "duplicate target 'a'"),
      ("a, b\nb a\n", 2, 1, "no comma"),
      ("a, b\nb, \n", 2, 3, "is empty"),
      ("a, b\n1b, a\n", 2, 1, "not a valid node name"),
      ("a, True\nTrue, a\n", 2, 1, "'True' is not a valid node name: it is a reserved word"),
      ("a, (((b)))\nb, " + String(repeating: "(", count: 501) + "a" + String(repeating: ")", count: 501) + "\n", 2, 503,
       "nests deeper than 500 levels"),
      ("a, b\nb, a & \n", 2, 7, "ends where an operand was expected"),
      ("a, b\nb, a + 1\n", 2, 4, "not a Boolean expression"),
      ("a, a\nb, a[-1]\n", 2, 5, "temporal"),
      ("a, a\nb, sumgt(a, 1)\n", 2, 4, "sumgt"),
      ("a, a\ntargets, factors\n", 2, 1, "before the first rule"),
      ("targets, factors, probabilities\na, a, 1\n", 1, 1, "probabilistic"),
    ])
  func badInput(text: String, line: Int, column: Int, message: String) throws {
    let (error, diagnostic) = try #require(firstError(text))
    #expect(error.exitCode == 65)
    #expect(diagnostic.location?.line == line, "\(diagnostic)")
    #expect(diagnostic.location?.column == column, "\(diagnostic)")
    #expect(diagnostic.message.contains(message), "\(diagnostic)")
  }

  @Test("a duplicate target names where it was first defined")
  func duplicateNote() throws {
    let (_, diagnostic) = try #require(firstError("a, b\nb, a\na, !b\n"))
    #expect(diagnostic.notes.contains { $0.contains("net.bnet:1:1") })
  }

  @Test("an unknown name suggests the nearest nodes")
  func didYouMean() throws {
    let (_, diagnostic) = try #require(firstError("CycD, CycD\nRb, !CycE\nCycE, Rb\nE2F, !Rbb\n"))
    #expect(diagnostic.message.contains("'Rbb'"))
    #expect(diagnostic.notes.contains { $0.contains("'Rb'") })
  }

  @Test("with undeclaredInputs, regulators without a line are inputs after the targets, in order of first use")
  func undeclaredInputs() throws {
    let text = "# inputs EGF and PTEN have no line\nAkt, PI3K & !PTEN\nPI3K, EGF | Akt\nErk, EGF & !PTEN\n"
    let error = try #require(pathwayError { _ = try BNetReader.read(text: text, file: "net.bnet") })
    #expect(error.exitCode == 65)
    #expect(error.diagnostics.filter { $0.severity == .error }.map(\.message).allSatisfy { $0.hasPrefix("unknown identifier") })
    #expect(error.diagnostics.contains { $0.severity == .note && $0.message.contains("--undeclared-inputs") })

    let model = try BNetReader.read(text: text, file: "net.bnet", undeclaredInputs: true)
    #expect(model.nodes.map(\.id) == ["Akt", "PI3K", "Erk", "PTEN", "EGF"])
    #expect(model.nodes.suffix(2).allSatisfy { $0.kind == .input && $0.rule == nil })
    #expect(model.nodes[3].location == PathwayModel.SourceLocation(file: "net.bnet", line: 2, column: 14))
    let warning = try #require(model.warnings.first)
    #expect(model.warnings.count == 1)
    #expect(warning.severity == .warning)
    #expect(warning.message.contains("2 regulator(s)") && warning.message.contains("PTEN (2:14), EGF (3:7)"))
    // The same network as with the inputs written as 'X, X' lines.
    let declared = try BNetReader.read(text: text + "PTEN, PTEN\nEGF, EGF\n", file: "net.bnet")
    let implicit = try BooleanNetwork(model: model), explicit = try BooleanNetwork(model: declared)
    #expect(implicit.names == explicit.names)
    #expect(implicit.functions == explicit.functions)
    #expect(implicit.inputNodes == [3, 4])
    #expect(declared.warnings.isEmpty)
    // A file with every regulator declared reads the same with or without the option.
    #expect(try BNetReader.read(text: "a, b\nb, !a\n", file: "x.bnet", undeclaredInputs: true).warnings.isEmpty)
    // Other errors are not excused by the option.
    #expect(pathwayError { _ = try BNetReader.read(text: "a, b\na, c\n", file: "x.bnet", undeclaredInputs: true) } != nil)
  }

  @Test("BoolNet .txt files are recognised by their header; other .txt files are refused")
  func loaderSniffsHeader() throws {
    let boolnet = try temporaryFile("net.txt", "# from BoolNet\n\ntargets, factors\nA, B\nB, !A\n")
    #expect(try ModelLoader.load(boolnet).nodes.map(\.id) == ["A", "B"])
    let other = try temporaryFile("notes.txt", "A, B\nB, !A\n")
    let error = try #require(pathwayError { _ = try ModelLoader.load(other) })
    #expect(error.exitCode == 65)
    // A probabilistic BoolNet file is BoolNet text the reader refuses by name, not "not BoolNet".
    let probabilistic = try temporaryFile("pbn.txt", "targets, factors, probabilities\nA, B, 0.5\nA, !B, 0.5\nB, A, 1\n")
    let refusal = try #require(pathwayError { _ = try ModelLoader.load(probabilistic) })
    #expect(refusal.exitCode == 65)
    #expect(refusal.diagnostics.first?.message.contains("probabilistic Boolean networks") == true, "\(refusal)")
    let missing = pathwayError { _ = try ModelLoader.load("/nonexistent/net.bnet") }
    #expect(missing?.exitCode == 66)
  }

  @Test("a native model and its .bnet transcription give the same Boolean network")
  func nativeEqualsBnet() throws {
    let native = try model("""
      nodes:
        L: {kind: input, initial: 1}
        A: {rule: L and not B}
        B: {rule: A or (C xor L)}
        C: {rule: "true"}
      """)
    let bnet = try read("L, L\nA, L & !B\nB, A | (C & !L) | (!C & L)\nC, 1\n")
    #expect(native.nodes.map(\.id) == bnet.nodes.map(\.id))
    #expect(native.nodes.map(\.kind) == bnet.nodes.map(\.kind))
    let a = try BooleanNetwork(model: native), b = try BooleanNetwork(model: bnet)
    for s in 0..<16 {
      let state = BooleanState((0..<4).map { s >> $0 & 1 == 1 })
      #expect(a.successor(of: state) == b.successor(of: state))
    }
  }

  @Test("written files read back to the same network, in both dialects", arguments: BNetWriter.Dialect.allCases)
  func roundTrip(dialect: BNetWriter.Dialect) throws {
    var generator = Xoshiro256StarStar(seed: 7)
    for name in BooleanReference.names {
      let original = try BNetReader.read(path: BooleanReference.modelPath(name))
      let text = try BNetWriter.text(original, dialect: dialect)
      let copy = try BNetReader.read(text: text, file: "copy.bnet")
      #expect(copy.nodes.map(\.id) == original.nodes.map(\.id), "\(name)")
      #expect(copy.nodes.map(\.kind) == original.nodes.map(\.kind), "\(name)")
      let a = try BooleanNetwork(model: original), b = try BooleanNetwork(model: copy)
      for _ in 0..<200 {
        let state = BooleanState.random(count: a.count, using: &generator)
        #expect(a.successor(of: state) == b.successor(of: state), "\(name)")
      }
      if dialect == .boolnet { #expect(text.hasPrefix("targets, factors\n")) }
    }
  }

  @Test("rules that are not pure logic are written as a sum of products of their truth table")
  func nonLogicalRules() throws {
    let native = try model("""
      nodes:
        A: {kind: input}
        B: {kind: input}
        C: {rule: "A + B >= 1 & !(A == B)"}
        P: {rate: 1 - P}
      """)
    #expect(pathwayError { _ = try BNetWriter.text(native, dialect: .bnet) }?.exitCode == 65)
    var logical = native
    logical.nodes.removeLast()
    let text = try BNetWriter.text(logical, dialect: .bnet)
    let copy = try BNetReader.read(text: text, file: "c.bnet")
    let a = try BooleanNetwork(model: logical), b = try BooleanNetwork(model: copy)
    for s in 0..<8 {
      let state = BooleanState((0..<3).map { s >> $0 & 1 == 1 })
      #expect(a.successor(of: state) == b.successor(of: state), "\(text)")
    }
  }

  @Test("every reference network reads with its nodes in file order")
  func referenceModelsRead() throws {
    #expect(!BooleanReference.names.isEmpty, "no reference networks in \(BooleanReference.directory)")
    for name in BooleanReference.names {
      let m = try ModelLoader.load(BooleanReference.modelPath(name))
      let expected = try BooleanReference.expected(name)["nodes"] as? [String]
      #expect(m.nodes.map(\.id) == expected, "\(name)")
    }
  }
}
