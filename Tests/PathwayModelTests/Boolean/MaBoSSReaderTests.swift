import Foundation
import Testing

@testable import PathwayModel

/// MaBoSS `.bnd` networks with their `.cfg`: what they map to, what is refused, and the
/// continuous-time dynamics of a read model against closed forms.
@Suite("MaBoSS reader")
struct MaBoSSReaderTests {
  static let bnd = """
    // a toy network
    Node Signal { logic = Signal; rate_up = 0; rate_down = 0; }
    Node A { logic = Signal AND NOT C; rate_up = @logic ? $u_A : 0; rate_down = @logic ? 0 : $d_A; }
    node B {
      description = "follows A";
      logic = A || (C && $leak > 0);   /* the leak is off */
      rate_up = @logic ? 2.0 : 0.0;
      rate_down = @logic ? 0.0 : 1.0;
    }
    Node C { logic = B; }
    Node Noise { rate_up = 0.5; rate_down = 1.5; }
    """
  static let cfg = """
    $u_A = 1;
    $d_A = $u_A * 3;
    $leak = 0;
    Signal.istate = 1;
    A.istate = 0;
    [B].istate = 0.3 [1], 0.7 [0];
    C.istate = 0;
    C.is_internal = 1;
    time_tick = 0.1; max_time = 5; sample_count = 1000; discrete_time = 0;
    """

  static func read(_ bnd: String, _ cfg: String? = Self.cfg) throws -> Model {
    try MaBoSSReader.read(bnd: bnd, file: "toy.bnd", cfg: cfg, cfgFile: "toy.cfg")
  }

  @Test("nodes, logic, rates, parameters and initial states map onto the model")
  func mapping() throws {
    let model = try Self.read(Self.bnd)
    #expect(model.nodes.map(\.id) == ["Signal", "A", "B", "C", "Noise"])
    let node = Dictionary(uniqueKeysWithValues: model.nodes.map { ($0.id, $0) })
    #expect(node["Signal"]!.kind == .input && node["Signal"]!.initial == 1)
    #expect(node["A"]!.rule?.expr == .binary(.and, .variable("Signal"), .unary(.not, .variable("C"))))
    #expect(node["A"]!.rateUp == 1 && node["A"]!.rateDown == 3, "$d_A = $u_A * 3")
    #expect(node["B"]!.description == "follows A" && node["B"]!.rateUp == 2 && node["B"]!.rateDown == 1)
    #expect(node["B"]!.initialProbability == 0.3 && node["B"]!.initial == 0)
    #expect(node["C"]!.rateUp == 1 && node["C"]!.rateDown == 1, "MaBoSS's default rates")
    #expect(node["Noise"]!.rule?.expr == .unary(.not, .variable("Noise")), "no logic: flips at its rates")
    #expect(node["Noise"]!.initialProbability == 0.5, "no istate: ON with probability 1/2, as in MaBoSS")
    let note = try #require(model.warnings.first { $0.message.contains("run settings") })
    #expect(note.notes.first == "run them as: simulate run MODEL --boolean continuous --dt 0.1 --t-end 5 --runs 1000")
    #expect(note.notes.last == "no equivalent here: discrete_time")
  }

  @Test("a node without logic is a telegraph process: ON with probability 1/4 + (1/2 − 1/4)·e^(−2t) at rates 0.5 and 1.5")
  func telegraph() throws {
    let model = try Self.read(Self.bnd)
    let network = try BooleanNetwork(model: model)
    let noise = try #require(network.index(of: "Noise"))
    let runs = 20_000
    let times = [0, 0.25, 0.5, 1, 2, 4]
    let probabilities = model.nodes.map(\.initialProbability)
    let base = network.initialState
    let ensemble = ContinuousTimeBoolean.ensemble(
      network, rates: ContinuousTimeBoolean.rates(of: model), times: times, runs: runs, seed: 4,
      initial: { runSeed in
        var generator = Xoshiro256StarStar(seed: runSeed, stream: 1)
        var state = base
        for (i, p) in probabilities.enumerated() { if let p { state[i] = generator.nextUnitDouble() < p } }
        return state
      })
    for (row, t) in times.enumerated() {
      let p = 0.25 + 0.25 * exp(-2 * t)
      let share = ensemble.fraction(row: row, node: noise)
      #expect(abs(share - p) <= 5 * (p * (1 - p) / Double(runs)).squareRoot(), "Noise at \(t): \(share), exact \(p)")
    }
  }

  @Test("what the model cannot express is refused with its place", arguments: [
    ("Node A { logic = A; rate_up = B ? 1 : 0; }\nNode B { logic = B; }", "rate_up of 'A' depends on the state of 'B'"),
    ("Node A { logic = !A; rate_up = @logic ? 1 : 0.2; }", "node 'A' turns ON while its logic says OFF (rate_up 0.2)"),
    ("Node A { logic = A & Z; }", "unknown node 'Z' in the logic of 'A'"),
    ("Node A { logic = A & $nope; }", "unknown parameter '$nope' in the logic of 'A'"),
    ("Node A { logic = !A; rate_up = -1; }", "rate_up of 'A' is -1 when @logic is 1"),
    ("Node A { logic = !A }", "expected ';' after the value of 'logic', found '}'"),
    ("Node A { logic = !A; }\nNode A { logic = A; }", "node 'A' is defined twice"),
    ("A { logic = A; }", "expected 'Node NAME { … }' or '$parameter = value;', found 'A'"),
    ("Node time { logic = !time; }", "'time' is not a valid node name: it means the simulation time"),
    ("Node A { logic = !A; rate_up = $A_up ? @max_rate : (@logic ? 1 : 0); }\n$A_up = 1;",
     "rate_up of 'A' takes @max_rate (MaBoSS's mutation idiom) with these parameter values"),
  ])
  func refused(bnd: String, message: String) {
    let error = pathwayError { _ = try Self.read(bnd, nil) }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message.hasPrefix(message) == true, "\(error?.diagnostics.first?.message ?? "no error")")
    #expect(error?.diagnostics.first?.location?.line != nil)
  }

  /// MaBoSS's mutation idiom: `rate_up = ($X_ko ? 0 : ($X_up ? R : (@logic ? u : 0)))`, with the
  /// mirror image for rate_down. With both parameters 0 the node follows its logic; knocked out,
  /// its rates no longer depend on @logic and it decays at R: P(ON) = e^(−R t).
  @Test("the mutation idiom: wild type follows its logic; a parameter knockout flips at logic-free rates, with a warning")
  func mutationIdiom() throws {
    let bnd = """
      Node S { logic = S; rate_up = 0; rate_down = 0; }
      Node A {
        logic = S;
        rate_up = ($A_ko ? 0.0 : ($A_up ? 2.0 : (@logic ? $u_A : 0)));
        rate_down = ($A_ko ? 2.0 : ($A_up ? 0.0 : (@logic ? 0 : $d_A)));
      }
      """
    let wild = try Self.read(bnd, "$A_ko = 0; $A_up = 0; $u_A = 1; $d_A = 1; S.istate = 1; A.istate = 1;")
    let a = try #require(wild.nodes.first { $0.id == "A" })
    #expect(a.rule?.expr == .variable("S") && a.rateUp == 1 && a.rateDown == 1 && wild.warnings.isEmpty)
    let knocked = try Self.read(bnd, "$A_ko = 1; $A_up = 0; $u_A = 1; $d_A = 1; S.istate = 1; A.istate = 1;")
    let k = try #require(knocked.nodes.first { $0.id == "A" })
    #expect(k.rule?.expr == .zero && k.rateUp == 0 && k.rateDown == 2)
    #expect(knocked.warnings.contains { $0.message.contains("the rates of 'A' do not depend on @logic") })
    let network = try BooleanNetwork(model: knocked)
    let runs = 4000
    let ensemble = ContinuousTimeBoolean.ensemble(
      network, rates: ContinuousTimeBoolean.rates(of: knocked), times: [0, 0.5, 1], runs: runs, seed: 7,
      initial: { _ in BooleanState([true, true]) })
    for (row, t) in [0.5, 1.0].enumerated() {
      let p = exp(-2 * t), observed = ensemble.fraction(row: row + 1, node: 1)
      #expect(abs(observed - p) <= 5 * (p * (1 - p) / Double(runs)).squareRoot(), "t=\(t): \(observed) vs \(p)")
    }
    let up = try Self.read(bnd, "$A_ko = 0; $A_up = 1; $u_A = 1; $d_A = 1; S.istate = 0; A.istate = 0;")
    let u = try #require(up.nodes.first { $0.id == "A" })
    #expect(u.rule?.expr == .one && u.rateUp == 2 && u.rateDown == 0)
  }

  @Test("deep nesting and long chains are errors at their place, not a stack overflow")
  func deepNesting() {
    // Found reading the change: without a bound the parser's recursion overflowed the stack.
    let deeper = "the expression nests deeper than 500 levels"
    for (bnd, message) in [
      ("Node A { logic = " + String(repeating: "(", count: 100_000) + "A" + String(repeating: ")", count: 100_000) + "; }", deeper),
      ("Node A { logic = " + String(repeating: "!", count: 100_000) + "A; }", deeper),
      ("Node A { logic = " + String(repeating: "A ? A : ", count: 100_000) + "A; }", deeper),
      // A long chain is a deep tree too: bounded as the expression parser bounds it.
      ("Node A { logic = " + String(repeating: "A & ", count: 100_000) + "A; }", "the expression has more than 20000 operators"),
    ] {
      let error = pathwayError { _ = try Self.read(bnd, nil) }
      #expect(error?.exitCode == 65)
      #expect(error?.diagnostics.first?.message == message)
      #expect(error?.diagnostics.first?.location?.line == 1)
    }
  }

  @Test("configuration errors: a joint istate, an istate of an unknown node, a probability above 1")
  func configurationErrors() {
    for (cfg, message) in [
      ("[A, B].istate = 0.5 [0, 1], 0.5 [1, 0];", "a joint initial state of several nodes ([A, B].istate) is not supported"),
      ("Q.istate = 1;", "istate of unknown node 'Q'"),
      ("A.istate = 2;", "istate of 'A' is 2"),
      ("A.istate = $p;", "expected a number (an expression of numbers) here"),
    ] {
      let error = pathwayError { _ = try Self.read("Node A { logic = B; }\nNode B { logic = A; }", cfg) }
      #expect(error?.diagnostics.first?.message.hasPrefix(message) == true, "\(error?.diagnostics.first?.message ?? "no error")")
      #expect(error?.diagnostics.first?.location?.file == "toy.cfg")
    }
  }
}
