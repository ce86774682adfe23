import Foundation
import Testing

/// `simulate attractors` and `simulate run --boolean`, run as a user runs them.
@Suite("Boolean commands")
struct BooleanCLITests {
  let cellcycle = """
    targets, factors
    CycD, CycD
    Rb, (! CycA & ! CycB & ! CycD & ! CycE) | (p27 & ! CycB & ! CycD)
    E2F, (! Rb & ! CycA & ! CycB) | (p27 & ! Rb & ! CycB)
    CycE, (E2F & ! Rb)
    CycA, (E2F & ! Rb & ! Cdc20 & ! (Cdh1 & UbcH10)) | (CycA & ! Rb & ! Cdc20 & ! (Cdh1 & UbcH10))
    p27, (! CycD & ! CycE & ! CycA & ! CycB) | (p27 & ! (CycE & CycA) & ! CycB &! CycD)
    Cdc20, CycB
    Cdh1,(! CycA & ! CycB) | (Cdc20) | (p27 & ! CycB)
    UbcH10, ! Cdh1 | (Cdh1 & UbcH10 & (Cdc20 | CycA | CycB))
    CycB, ! Cdc20 & ! Cdh1

    """

  func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
  }

  @Test("attractors as JSON: nodes, update, attractors with type, states and basin")
  func attractorsJSON() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(cellcycle, to: dir + "/cellcycle.txt")
    let result = try simulate(["attractors", "cellcycle.txt", "-o", "out.json"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let out = try json(dir + "/out.json")
    #expect((out["nodes"] as? [String])?.first == "CycD")
    #expect(out["update"] as? String == "sync")
    let attractors = try #require(out["attractors"] as? [[String: Any]])
    #expect(attractors.count == 2)
    #expect(attractors.map { $0["type"] as? String } == ["fixed", "cycle"])
    #expect(attractors.map { $0["basin"] as? Int } == [512, 512])
    #expect((attractors[1]["states"] as? [String])?.count == 7)
    #expect(FileManager.default.fileExists(atPath: dir + "/manifest.json"))

    let asynchronous = try simulate(["attractors", "cellcycle.txt", "--update", "async", "-o", "async.json"], in: dir)
    #expect(asynchronous.status == 0, "\(asynchronous.stderr)")
    let types = (try json(dir + "/async.json")["attractors"] as? [[String: Any]])?.map { $0["type"] as? String }
    #expect(types == ["fixed", "complex"])
  }

  @Test("attractors as CSV: one row per state with attractor, type, basin and a column per node")
  func attractorsCSV() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(cellcycle, to: dir + "/cellcycle.bnet")
    let result = try simulate(["attractors", "cellcycle.bnet", "--knockout", "CycD", "-o", "out.csv"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "attractor,type,basin,CycD,Rb,E2F,CycE,CycA,p27,Cdc20,Cdh1,UbcH10,CycB")
    #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 13 })
    #expect(lines[1].hasPrefix("1,fixed,1024,0,"))
  }

  @Test("sampling: --samples with --seed, repeatable")
  func sampling() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(cellcycle, to: dir + "/cellcycle.bnet")
    for name in ["a.json", "b.json"] {
      let result = try simulate(["attractors", "cellcycle.bnet", "--samples", "300", "--seed", "5", "-o", name], in: dir)
      #expect(result.status == 0, "\(result.stderr)")
    }
    let a = try json(dir + "/a.json")
    #expect(a["complete"] as? Bool == false && a["seed"] as? Int == 5)
    let first = try String(contentsOfFile: dir + "/a.json", encoding: .utf8)
    #expect(try String(contentsOfFile: dir + "/b.json", encoding: .utf8) == first)
  }

  @Test("attractors --perturbation applies a named perturbation's pins, as --knockout does")
  func namedPerturbation() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(
      """
      nodes:
        A: {rule: "!B"}
        B: {rule: A}
        C: {rule: A & B}
      perturbations:
        A-KO: {knockout: A}
      """, to: dir + "/net.yaml")
    let model = "net.yaml"
    let named = try simulate(["attractors", model, "--perturbation", "A-KO", "-o", "named.json"], in: dir)
    #expect(named.status == 0, "\(named.stderr)")
    let pinned = try simulate(["attractors", model, "--knockout", "A", "-o", "pinned.json"], in: dir)
    #expect(pinned.status == 0, "\(pinned.stderr)")
    let a = try json(dir + "/named.json")["attractors"] as? [[String: Any]]
    let b = try json(dir + "/pinned.json")["attractors"] as? [[String: Any]]
    #expect(a.map { $0.map { $0["states"] as? [String] } } == b.map { $0.map { $0["states"] as? [String] } })
    let plain = try simulate(["attractors", model, "-o", "plain.json"], in: dir)
    #expect(plain.status == 0)
    let c = try json(dir + "/plain.json")["attractors"] as? [[String: Any]]
    #expect(a.map { $0.map { $0["states"] as? [String] } } != c.map { $0.map { $0["states"] as? [String] } })
    let typo = try simulate(["attractors", model, "--perturbation", "AKO", "-o", "typo.json"], in: dir)
    #expect(typo.status == 64)
    #expect(typo.stderr.contains("did you mean 'A-KO'"), "\(typo.stderr)")
  }

  @Test(
    "command-line mistakes exit 64",
    arguments: [
      ["attractors", "cellcycle.bnet", "--knockout", "CycX", "-o", "o.json"],
      ["attractors", "cellcycle.bnet", "--exhaustive", "--samples", "5", "-o", "o.json"],
      ["attractors", "cellcycle.bnet", "--seed", "5", "-o", "o.json"],
      ["attractors", "cellcycle.bnet", "--update", "sideways", "-o", "o.json"],
      ["run", "cellcycle.bnet", "--boolean", "sync", "-o", "o.csv"],
      ["run", "cellcycle.bnet", "--boolean", "sync", "--steps", "3", "--t-end", "2", "-o", "o.csv"],
    ])
  func usageErrors(arguments: [String]) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(cellcycle, to: dir + "/cellcycle.bnet")
    let result = try simulate(arguments, in: dir)
    #expect(result.status == 64, "\(arguments): \(result.stderr)")
    if arguments.contains("CycX") { #expect(result.stderr.contains("unknown node 'CycX'")) }
  }

  @Test("a network too large for --exhaustive: exit 64 and a suggestion to sample, at once")
  func tooLarge() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let text = (0..<40).map { "x\($0), !x\(($0 + 1) % 40) | x\(($0 + 7) % 40)" }.joined(separator: "\n")
    try write(text, to: dir + "/ring.bnet")
    let started = Date()
    let result = try simulate(["attractors", "ring.bnet", "--exhaustive", "-o", "o.json"], in: dir)
    #expect(result.status == 64)
    #expect(result.stderr.contains("--samples"))
    #expect(Date().timeIntervalSince(started) < 10)
  }

  @Test("bad models exit 65 with file:line:column; missing ones 66")
  func badModels() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("A, B\nB, !A & C\n", to: dir + "/bad.bnet")
    let bad = try simulate(["attractors", "bad.bnet", "-o", "o.json"], in: dir)
    #expect(bad.status == 65)
    #expect(bad.stderr.contains("bad.bnet:2:9: error: unknown identifier 'C'"), "\(bad.stderr)")
    let missing = try simulate(["attractors", "nothing.bnet", "-o", "o.json"], in: dir)
    #expect(missing.status == 66)
  }

  @Test("--undeclared-inputs reads a regulator without a line as an input, as BoolNet does")
  func undeclaredInputs() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // C has no line: BoolNet appends it as an input; A = B, B = !A & C.
    try write("A, B\nB, !A & C\n", to: dir + "/net.bnet")
    let refused = try simulate(["attractors", "net.bnet", "-o", "o.json"], in: dir)
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("--undeclared-inputs"), "\(refused.stderr)")
    let result = try simulate(["attractors", "net.bnet", "--undeclared-inputs", "-o", "o.json"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("net.bnet:2:9: warning: 1 regulator(s) without a rule of their own read as inputs: C (2:9)"), "\(result.stderr)")
    let out = try json(dir + "/o.json")
    #expect(out["nodes"] as? [String] == ["A", "B", "C"])
    // C = 0: the fixed point 000 (basin 4); C = 1: the 4-cycle 001 → 011 → 111 → 101 (basin 4).
    let attractors = try #require(out["attractors"] as? [[String: Any]])
    #expect(attractors.map { $0["states"] as? [String] ?? [] }.sorted { $0.count < $1.count }
      == [["000"], ["001", "011", "111", "101"]])
    #expect(attractors.map { $0["basin"] as? Int } == [4, 4])
    let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"undeclared_inputs\""))
    // run --boolean takes the option too.
    let run = try simulate(["run", "net.bnet", "--undeclared-inputs", "--boolean", "sync", "--steps", "3", "-o", "t.csv"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try String(contentsOfFile: dir + "/t.csv", encoding: .utf8).hasPrefix("step,A,B,C\n"))
  }

  @Test("run --boolean writes a 0/1 trajectory: step,<nodes>; asynchronous runs repeat per seed")
  func runBoolean() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(cellcycle, to: dir + "/cellcycle.bnet")
    let sync = try simulate(["run", "cellcycle.bnet", "--boolean", "sync", "--steps", "20", "--initial", "all-zero", "-o", "s.csv"], in: dir)
    #expect(sync.status == 0, "\(sync.stderr)")
    let rows = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 22)
    #expect(rows[0] == "step,CycD,Rb,E2F,CycE,CycA,p27,Cdc20,Cdh1,UbcH10,CycB")
    #expect(rows[1] == "0,0,0,0,0,0,0,0,0,0,0")
    #expect(rows[21] == "20,0,1,0,0,0,1,0,1,0,0", "all-zero reaches the fixed point")

    var outputs: [String] = []
    for name in ["a.csv", "b.csv"] {
      let run = try simulate(
        ["run", "cellcycle.bnet", "--boolean", "async", "--steps", "50", "--seed", "7", "--initial", "random", "-o", name], in: dir)
      #expect(run.status == 0, "\(run.stderr)")
      outputs.append(try String(contentsOfFile: dir + "/" + name, encoding: .utf8))
    }
    #expect(outputs[0] == outputs[1])
    let toStdout = try simulate(["run", "cellcycle.bnet", "--boolean", "sync", "--steps", "1", "--select", "CycD,Rb", "-o", "-"], in: dir)
    #expect(toStdout.stdout == "step,CycD,Rb\n0,0,0\n1,0,1\n")
  }

  @Test("run --boolean: every --initial gets the scenario's doses and initial values on top; --set replaces a stimulus")
  func initialWithScenario() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  u: {kind: input}\n  v: {kind: input}\n  A: {rule: u}\n  B: {rule: B | v}\n", to: dir + "/m.yaml")
    try write("inputs:\n  u: 1\nboolean:\n  inputs:\n    v: {dose: 1, from: 2}\ninitial:\n  A: 1\n", to: dir + "/s.yaml")
    for initial in ["all-zero", "random", "reference"] {
      let run = try simulate(
        ["run", "m.yaml", "--scenario", "s.yaml", "--boolean", "sync", "--steps", "1", "--initial", initial, "--seed", "3", "--select", "u,A", "-o", "-"],
        in: dir)
      #expect(run.stdout.hasPrefix("step,u,A\n0,1,1\n"), "--initial \(initial): \(run.stdout) \(run.stderr)")
    }
    // v switches on at step 2 and B latches it; --set v=0 keeps v off throughout.
    let stimulus = try simulate(["run", "m.yaml", "--scenario", "s.yaml", "--boolean", "sync", "--steps", "3", "--select", "v,B", "-o", "-"], in: dir)
    #expect(stimulus.stdout == "step,v,B\n0,0,0\n1,0,0\n2,1,0\n3,1,1\n", "\(stimulus.stderr)")
    let set = try simulate(
      ["run", "m.yaml", "--scenario", "s.yaml", "--boolean", "sync", "--steps", "3", "--select", "v,B", "--set", "v=0", "-o", "-"], in: dir)
    #expect(set.stdout == "step,v,B\n0,0,0\n1,0,0\n2,0,0\n3,0,0\n", "\(set.stderr)")
  }

  @Test("run --boolean continuous --runs N: shares of runs ON over model time, reproducible per seed, with the scenario's doses and pins")
  func continuousEnsemble() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  u: {kind: input}\n  B: {rule: u, tau: 2}\n  C: {rule: B}\n  R: {rule: R}\n", to: dir + "/m.yaml")
    try write("inputs:\n  u: {dose: 1, pulse: [1, 3]}\n", to: dir + "/pulse.yaml")
    let args = ["run", "m.yaml", "--scenario", "pulse.yaml", "--boolean", "continuous", "--t-end", "5", "--steps", "10", "--runs", "4000"]
    let first = try simulate(args + ["--seed", "9", "-o", "a.csv"], in: dir)
    #expect(first.status == 0, "\(first.stderr)")
    let text = try String(contentsOfFile: dir + "/a.csv", encoding: .utf8)
    let rows = text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    #expect(rows.first == ["time", "u", "B", "C", "R"])
    #expect(rows.count == 12)
    // u follows the pulse exactly; B rises with rate 1/2 on [1, 3) and decays after.
    #expect(rows.dropFirst().map { $0[1] } == ["0", "0", "1", "1", "1", "1", "0", "0", "0", "0", "0"])
    let b3 = Double(rows[7][2])!, exact = 1 - exp(-1.0)
    #expect(abs(b3 - exact) <= 5 * (exact * (1 - exact) / 4000).squareRoot(), "B at t = 3: \(b3), exact \(exact)")
    let manifest = try json(dir + "/manifest.json")
    let entry = try #require((manifest["outputs"] as? [String: Any])?["a.csv"] as? [String: Any])
    #expect(entry["update"] as? String == "continuous" && entry["runs"] as? Int == 4000)
    // The same seed gives the same bytes; a knockout pins B, and C with it.
    let again = try simulate(args + ["--seed", "9", "-o", "-"], in: dir)
    #expect(again.stdout == text)
    let knocked = try simulate(args + ["--knockout", "B", "--select", "B,C", "-o", "-"], in: dir)
    #expect(knocked.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(",0,0") }, "\(knocked.stdout)")
    // Random initial states per run: R keeps its own, about half of the runs ON.
    let random = try simulate(args + ["--initial", "random", "--select", "R", "-o", "-"], in: dir)
    let shares = random.stdout.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
    #expect(Set(shares).count == 1 && abs(shares[0] - 0.5) < 5 * (0.25 / 4000).squareRoot(), "\(random.stdout)")
  }

  @Test("run --boolean --states: the probability of each joint state, against independent switching 1 − exp(−t/τ) within 5σ; phenotype columns count the same runs")
  func stateProbabilities() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // x and y follow u independently at rates 1 and 1/2, both OFF at t = 0 with u ON.
    try write("nodes:\n  u: {kind: input}\n  x: {rule: u, initial: 0, tau: 1}\n  y: {rule: u, initial: 0, tau: 2}\n", to: dir + "/two.yaml")
    let runs = 4000
    let result = try simulate(
      ["run", "two.yaml", "--boolean", "continuous", "--runs", String(runs), "--t-end", "1", "--steps", "2", "--set", "u=1",
       "--select", "x,y", "--seed", "3", "--states", "states.csv", "-o", "nodes.csv"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOfFile: dir + "/states.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    #expect(lines.first == ["time", "state", "probability"])
    var byTime: [Double: [String: Double]] = [:]
    for line in lines.dropFirst() { byTime[Double(line[0])!, default: [:]][line[1]] = Double(line[2])! }
    #expect(byTime[0] == ["<nil>": 1])
    for t in [0.5, 1.0] {
      let states = try #require(byTime[t])
      #expect(abs(states.values.reduce(0, +) - 1) < 1e-12)
      let x = 1 - exp(-t), y = 1 - exp(-t / 2)
      for (label, p) in [("<nil>", (1 - x) * (1 - y)), ("x", x * (1 - y)), ("y", (1 - x) * y), ("x -- y", x * y)] {
        let observed = states[label] ?? 0
        #expect(abs(observed - p) <= 5 * (p * (1 - p) / Double(runs)).squareRoot(), "t=\(t) \(label): \(observed) vs \(p)")
      }
      // Rows listed most probable first.
      let listed = lines.dropFirst().filter { Double($0[0])! == t }.map { Double($0[2])! }
      #expect(listed == listed.sorted(by: >))
    }
    // Phenotype columns from the same seed count the same runs: x & y is the state "x -- y", and
    // !x & !y the state "<nil>".
    let phenotypes = try simulate(
      ["run", "two.yaml", "--boolean", "continuous", "--runs", String(runs), "--t-end", "1", "--steps", "2", "--set", "u=1",
       "--select", "x,x & y,!x & !y", "--seed", "3", "-o", "-"], in: dir)
    #expect(phenotypes.status == 0, "\(phenotypes.stderr)")
    let phenotypeRows = phenotypes.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    #expect(phenotypeRows.first == ["time", "x", "x & y", "!x & !y"])
    for row in phenotypeRows.dropFirst() {
      let states = byTime[Double(row[0])!] ?? [:]
      #expect(Double(row[2])! == states["x -- y"] ?? 0 && Double(row[3])! == states["<nil>"] ?? 0, "\(row) vs \(states)")
    }
    let unknownPhenotype = try simulate(
      ["run", "two.yaml", "--boolean", "sync", "--steps", "1", "--select", "x & q", "-o", "-"], in: dir)
    #expect(unknownPhenotype.status == 64 && unknownPhenotype.stderr.contains("--select: unknown node 'q' in 'x & q'"))
    let manifest = try json(dir + "/manifest.json")
    let entry = try #require((manifest["outputs"] as? [String: Any])?["states.csv"] as? [String: Any])
    #expect(entry["watched"] as? [String] == ["x", "y"])
    // A synchronous run tallies its single trajectory; an ODE run has no states.
    let sync = try simulate(["run", "two.yaml", "--boolean", "sync", "--steps", "1", "--set", "u=1", "--select", "x", "--states", "-", "-o", "n.csv"], in: dir)
    #expect(sync.stdout == "step,state,probability\n0,<nil>,1\n1,x,1\n", "\(sync.stderr)")
    let ode = try simulate(["run", "two.yaml", "--t-end", "1", "--states", "s.csv", "-o", "o.csv"], in: dir)
    #expect(ode.status == 64 && ode.stderr.contains("--states applies to Boolean runs"), "\(ode.stderr)")
  }

  @Test("a MaBoSS model (.bnd with its .cfg) is a model to every command: check, run, convert")
  func mabossModel() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("Node S { logic = S; rate_up = 0; rate_down = 0; }\nNode A { logic = S; rate_up = @logic ? $u_A : 0; rate_down = @logic ? 0 : 1; }\n",
              to: dir + "/toy.bnd")
    try write("$u_A = 2;\nS.istate = 1;\nA.istate = 0;\n", to: dir + "/toy.cfg")
    let check = try simulate(["check", "toy.bnd"], in: dir)
    #expect(check.status == 0 && check.stdout.hasPrefix("ok: toy: 2 nodes (1 inputs)"), "\(check.stdout)\(check.stderr)")
    let run = try simulate(["run", "toy.bnd", "--boolean", "continuous", "--t-end", "1", "--steps", "1", "--runs", "4000", "-o", "-"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    // A turns ON at rate 2: 1 − e^(−2) at t = 1.
    let share = Double(run.stdout.split(separator: "\n").last!.split(separator: ",")[2])!
    let p = 1 - exp(-2.0)
    #expect(abs(share - p) <= 5 * (p * (1 - p) / 4000).squareRoot(), "\(share) vs \(p)")
    let convert = try simulate(["convert", "toy.bnd", "-o", "toy.yaml"], in: dir)
    #expect(convert.status == 0, "\(convert.stderr)")
    #expect(try String(contentsOfFile: dir + "/toy.yaml", encoding: .utf8).contains("rate_up: 2"))
  }

  @Test("Boolean runs write the long layout too: step or time, variable, value")
  func booleanLongLayout() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  u: {kind: input, initial: 1}\n  B: {rule: u}\n", to: dir + "/m.yaml")
    let sync = try simulate(["run", "m.yaml", "--boolean", "sync", "--steps", "1", "--layout", "long", "-o", "-"], in: dir)
    #expect(sync.stdout == "step,variable,value\n0,u,1\n0,B,0\n1,u,1\n1,B,1\n", "\(sync.stderr)")
    let shares = try simulate(
      ["run", "m.yaml", "--boolean", "continuous", "--t-end", "1e-300", "--steps", "1", "--runs", "3", "--layout", "long", "--select", "u,B", "-o", "-"],
      in: dir)
    #expect(shares.stdout == "time,variable,value\n0,u,1\n0,B,0\n1e-300,u,1\n1e-300,B,0\n", "\(shares.stderr)")
  }

  @Test("Boolean runs refuse flags of the other modes")
  func booleanFlagMismatch() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("nodes:\n  u: {kind: input}\n  B: {rule: u}\n", to: dir + "/m.yaml")
    let sync = try simulate(["run", "m.yaml", "--boolean", "sync", "--steps", "3", "--t-end", "3", "-o", "-"], in: dir)
    #expect(sync.status == 64 && sync.stderr.contains("--t-end applies to ODE runs and --boolean continuous"), "\(sync.stderr)")
    let ode = try simulate(["run", "m.yaml", "--t-end", "3", "--runs", "5", "-o", "-"], in: dir)
    #expect(ode.status == 64 && ode.stderr.contains("--runs applies to Boolean runs"), "\(ode.stderr)")
    let zero = try simulate(["run", "m.yaml", "--boolean", "async", "--steps", "3", "--runs", "0", "-o", "-"], in: dir)
    #expect(zero.status == 64 && zero.stderr.contains("--runs must be at least 1"), "\(zero.stderr)")
    let method = try simulate(["run", "m.yaml", "--boolean", "continuous", "--t-end", "3", "--method", "rk4", "-o", "-"], in: dir)
    #expect(method.status == 64 && method.stderr.contains("--method applies to ODE runs"), "\(method.stderr)")
  }
}
