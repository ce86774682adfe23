import Foundation
import Testing

@testable import PathwayModel

@Suite("Native model reader")
struct NativeModelReaderTests {
  func firstError(_ yaml: String) -> Diagnostic? {
    pathwayError { _ = try model(yaml) }?.diagnostics.first
  }

  func location(_ line: Int, _ column: Int) -> PathwayModel.SourceLocation {
    PathwayModel.SourceLocation(file: "test.yaml", line: line, column: column)
  }

  @Test("a complete model reads back with its fields")
  func complete() throws {
    let m = try model("""
      model: demo
      time_unit: h
      defaults: {tau: 2, n: 3, k: 0.4, equilibrate: 100}
      parameters:
        k1: {value: 0.5, unit: 1/h, description: a rate}
        k2: 2
      nodes:
        L: {kind: input, initial: 1, description: ligand}
        A:
          rule: L & !B
          tau: 0.5
          edges:
            L: {sign: +, reference: "Doe 2001", confidence: H, n: 4}
            B: {sign: -, references: ["Roe 2005", "Poe 2006"]}
          modulators:
            - {from: P, sign: +, weight: 0.3, reference: Moe 2010}
        B: {kind: output, rule: A}
        P: {rate: k1 * A - k2 * P, initial: 0.1}
      assignments:
        total: A + B
      perturbations:
        block: {pin: {A: 0.2}, description: an inhibitor}
        both: {knockout: [A, B]}
      """)
    #expect(m.name == "demo")
    #expect(m.defaults.tau == 2 && m.defaults.hillN == 3 && m.defaults.hillK == 0.4 && m.defaults.equilibrate == 100)
    #expect(m.parameters.map(\.id) == ["k1", "k2"])
    #expect(m.parameters[0].unit == "1/h")
    #expect(m.nodes.map(\.id) == ["L", "A", "B", "P"])
    #expect(m.nodes[0].kind == .input && m.nodes[2].kind == .output)
    #expect(m.nodes[1].edges.count == 2 && m.nodes[1].edges[0].hillN == 4)
    #expect(m.nodes[1].edges[1].references == ["Roe 2005", "Poe 2006"])
    #expect(m.nodes[1].modulators.first?.weight == 0.3)
    #expect(m.perturbations.map(\.name) == ["block", "both"])
    #expect(m.perturbations[1].actions == [.pin(node: "A", level: 0), .pin(node: "B", level: 0)])
  }

  @Test("an unknown name in a rule is located, with the nearest names")
  func unknownInRule() {
    let d = firstError("""
      nodes:
        Runx2: {rule: Runx2}
        Osx:
          rule: Runx & !Mature
        Mature: {rule: Osx}
      """)
    #expect(d?.location == location(4, 11))
    #expect(d?.message == "unknown identifier 'Runx' in the rule of 'Osx'")
    #expect(d?.notes.first?.contains("'Runx2'") == true)
  }

  @Test("an unknown name in a rate law, in a quoted scalar and in a folded block scalar")
  func unknownInRate() {
    let quoted = firstError("""
      parameters: {k: 1}
      nodes:
        x: {rate: "-kk * x"}
      """)
    #expect(quoted?.location == location(3, 15))
    let folded = firstError("""
      parameters: {k: 1}
      nodes:
        x:
          rate: >
            -k * x
            + zz
      """)
    #expect(folded?.location == location(6, 9))
  }

  @Test("duplicates, reserved names, cycles and wrong types are located")
  func semanticErrors() {
    let duplicate = firstError("""
      parameters: {A: 1}
      nodes:
        A: {rule: A}
      """)
    #expect(duplicate?.message.contains("duplicate definition of 'A'") == true)
    #expect(duplicate?.location?.line == 3)
    let yamlDuplicate = firstError("""
      nodes:
        A: {rule: A}
        B: {rule: A}
        A: {rule: B}
      """)
    #expect(yamlDuplicate?.message == "duplicate definition of 'A'")
    #expect(yamlDuplicate?.location?.line == 4)
    let cycle = firstError("""
      nodes:
        x: {rate: -a}
      assignments:
        a: b + 1
        b: 2 * a
      """)
    #expect(cycle?.message.contains("cycle") == true)
    let wrongType = firstError("""
      nodes:
        x: {rate: -x, tau: fast}
      """)
    #expect(wrongType?.message == "tau of 'x' must be a number, found 'fast'")
    #expect(wrongType?.location == location(2, 22))
    let reserved = firstError("nodes:\n  time: {rate: 1}\n")
    #expect(reserved?.message.contains("reserved") == true)
    let parameterInRule = firstError("parameters: {k: 1}\nnodes:\n  x: {rule: k}\n")
    #expect(parameterInRule?.message.contains("not a node") == true)
    let edgeNotInRule = firstError("""
      nodes:
        A: {rule: A}
        B:
          rule: A
          edges:
            C: {sign: +}
      """)
    #expect(edgeNotInRule?.message == "edge C → B is not in the rule of 'B'")
    #expect(edgeNotInRule?.location == location(6, 7))
    let unknownKey = firstError("nodes:\n  A: {rule: A, tua: 1}\n")
    #expect(unknownKey?.message == "unknown key 'tua' in node 'A'")
    #expect(unknownKey?.notes.first?.contains("'tau'") == true)
    let noRule = firstError("nodes:\n  A: {initial: 1}\n")
    #expect(noRule?.message.contains("neither a rule nor a rate law") == true)
    let syntax = firstError("nodes:\n  A: {rule: A\n  B: x\n")
    #expect(syntax?.message.hasPrefix("YAML syntax error") == true)
    let badPerturbation = firstError("nodes:\n  A: {rule: A}\nperturbations:\n  P: {knockout: Q}\n")
    #expect(badPerturbation?.location == location(4, 17))
  }

  @Test("missing files and directories exit 66, invalid UTF-8 exits 65")
  func files() throws {
    #expect(pathwayError { _ = try NativeModelReader.read(path: "/nonexistent/model.yaml") }?.exitCode == 66)
    #expect(pathwayError { _ = try NativeModelReader.read(path: NSTemporaryDirectory()) }?.exitCode == 66)
    let path = NSTemporaryDirectory() + "bad-utf8-\(UUID().uuidString).yaml"
    try Data([0x6e, 0x6f, 0x64, 0x65, 0x73, 0x3a, 0x0a, 0x20, 0xff, 0xfe]).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = pathwayError { _ = try NativeModelReader.read(path: path) }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.location?.line == 2)
  }
}
