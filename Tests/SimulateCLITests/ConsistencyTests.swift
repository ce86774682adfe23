import Foundation
import Testing

/// The same request means the same thing in every command and mode, and what the docs promise
/// about outputs holds (found by reading the docs against the tool).
@Suite("Consistency across commands")
struct ConsistencyTests {
  let model = """
    nodes:
      u: {kind: input}
      v: {kind: input}
      A: {rule: u}
      B: {rule: A | v}
      x: {rate: A - x}
    assignments:
      tot: A + x
    """
  let logic = """
    nodes:
      u: {kind: input}
      v: {kind: input}
      A: {rule: u}
      B: {rule: A | v}
    """

  @Test("a node pinned at two levels is an error in ODE runs as in Boolean ones, naming both")
  func conflictingPins() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(logic, to: dir + "/m.yaml")
    try write("perturbations:\n  - knockout: A\n  - overexpress: A\n", to: dir + "/s.yaml")
    for mode in [[], ["--boolean", "sync", "--steps", "2"]] {
      let run = try simulate(["run", "m.yaml", "--scenario", "s.yaml", "-o", "-"] + (mode.isEmpty ? ["--t-end", "1"] : mode), in: dir)
      #expect(run.status == 65, "\(mode): \(run.stderr)")
      #expect(run.stderr.contains("s.yaml:3:"), "\(mode): \(run.stderr)")
      #expect(run.stderr.contains("'A' is pinned at 0 by the perturbation at s.yaml:2:"), "\(mode): \(run.stderr)")
    }
    try write("perturbations:\n  - knockout: A\n", to: dir + "/ko.yaml")
    let both = try simulate(["run", "m.yaml", "--scenario", "ko.yaml", "--overexpress", "A", "--t-end", "1", "-o", "-"], in: dir)
    #expect(both.status == 64, "\(both.stderr)")
  }

  @Test("settings that cannot apply say why: an assignment, τ of a rate law or an input, baseline of a constant dose")
  func settingsMessages() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(model, to: dir + "/m.yaml")
    let cases: [([String], String)] = [
      (["--set", "tot=3"], "'tot' is an assignment"),
      (["--set", "x.tau=3"], "'x' has no logic-derived ODE, so no τ"),
      (["--set", "u.tau=3"], "an input's settings are u (its dose)"),
      (["--initial", "all-zero"], "--initial applies to Boolean runs"),
      (["--seed", "3"], "--seed applies to Boolean runs"),
    ]
    for (arguments, message) in cases {
      let run = try simulate(["run", "m.yaml", "--t-end", "1", "-o", "-"] + arguments, in: dir)
      #expect(run.status == 64, "\(arguments): \(run.stderr)")
      #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
    }
    try write("inputs:\n  u: {dose: 1, baseline: 2}\n", to: dir + "/b.yaml")
    let baseline = try simulate(["run", "m.yaml", "--scenario", "b.yaml", "--t-end", "1", "-o", "-"], in: dir)
    #expect(baseline.status == 65 && baseline.stderr.hasPrefix("b.yaml:2:16: error: 'baseline' does not apply"), "\(baseline.stderr)")
    try write("output:\n  select: [A, Zz]\n", to: dir + "/sel.yaml")
    let select = try simulate(["run", "m.yaml", "--scenario", "sel.yaml", "--t-end", "1", "-o", "-"], in: dir)
    #expect(select.status == 65 && select.stderr.hasPrefix("sel.yaml:2:"), "\(select.stderr)")
    try write("initial:\n  A.tau: 3\n", to: dir + "/init.yaml")
    let initial = try simulate(["run", "m.yaml", "--scenario", "init.yaml", "--t-end", "1", "-o", "-"], in: dir)
    #expect(initial.status == 65 && initial.stderr.contains("set it under 'parameters:'"), "\(initial.stderr)")
  }

  @Test("the manifest records the stimulus that ran after --set replaced it")
  func manifestStimulus() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(model, to: dir + "/m.yaml")
    try write("inputs:\n  u: {dose: 1, pulse: [0, 2]}\n", to: dir + "/p.yaml")
    let dump = try simulate(["run", "m.yaml", "--scenario", "p.yaml", "--set", "u=0.5", "--t-end", "1", "--dump-config"], in: dir)
    let record = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
    #expect((record?["inputs"] as? [String: String])?["u"] == "0.5", "\(dump.stdout)")
  }

  @Test("outputs: .tsv is tab-separated for attractors and Boolean runs; devices get no manifest; a full stdout exits 74")
  func outputs() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("A, A\nB, A & !B\n", to: dir + "/n.bnet")
    let attractors = try simulate(["attractors", "n.bnet", "-o", "a.tsv"], in: dir)
    #expect(attractors.status == 0, "\(attractors.stderr)")
    let table = try String(contentsOfFile: dir + "/a.tsv", encoding: .utf8)
    #expect(table.hasPrefix("attractor\ttype\tbasin\tA\tB\n"), "\(table)")
    let plot = try simulate(["plot", "a.tsv", "-o", "a.svg"], in: dir)
    #expect(plot.status == 0, "\(plot.stderr)")
    let run = try simulate(["run", "n.bnet", "--boolean", "sync", "--steps", "1", "--select", "?", "-o", "r.tsv"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try String(contentsOfFile: dir + "/r.tsv", encoding: .utf8).hasPrefix("step\tA\tB\n"))

    // A device is not a result folder: no manifest beside it. (A FIFO stands in for /dev/null,
    // whose folder the test must not touch.)
    let fifo = dir + "/pipe"
    #expect(mkfifo(fifo, 0o600) == 0)
    let reader = try execute("/bin/sh", ["-c", "cat pipe > /dev/null & \"$0\" run n.bnet --boolean sync --steps 1 -o pipe; wait", simulateBinary], in: dir)
    #expect(reader.status == 0, "\(reader.stderr)")
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any]
    #expect((manifest?["outputs"] as? [String: Any])?["pipe"] == nil)

    if FileManager.default.fileExists(atPath: "/dev/full") {
      let full = try execute("/bin/sh", ["-c", "\"$0\" info n.bnet > /dev/full", simulateBinary], in: dir)
      #expect(full.status == 74, "\(full.stderr)")
      #expect(full.stderr.contains("cannot write to standard output"))
    }
  }

  @Test("attractors under a scenario fix the inputs it doses; a perturbation of an input wins")
  func attractorsWithDoses() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(logic, to: dir + "/m.yaml")
    let free = try simulate(["attractors", "m.yaml", "-o", "free.csv"], in: dir)
    #expect(free.status == 0, "\(free.stderr)")
    let dosedScenario = "inputs:\n  u: 1\nboolean:\n  inputs:\n    v: {dose: 1, pulse: [0, 3]}\n"
    try write(dosedScenario, to: dir + "/d.yaml")
    let dosed = try simulate(["attractors", "m.yaml", "--scenario", "d.yaml", "-o", "d.csv"], in: dir)
    #expect(dosed.status == 0, "\(dosed.stderr)")
    #expect(dosed.stderr.contains("'v' follows a time course"), "\(dosed.stderr)")
    let rows = try String(contentsOfFile: dir + "/d.csv", encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 2, "\(rows)")
    #expect(rows.last?.hasSuffix(",1,0,1,1") == true, "u on, v off after the pulse, A and B on: \(rows)")
    let knocked = try simulate(["attractors", "m.yaml", "--scenario", "d.yaml", "--knockout", "u", "-o", "k.csv"], in: dir)
    #expect(knocked.status == 0, "\(knocked.stderr)")
    #expect(try String(contentsOfFile: dir + "/k.csv", encoding: .utf8).split(separator: "\n").last?.hasSuffix(",0,0,0,0") == true)
  }
}
