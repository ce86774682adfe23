import Foundation
import PathwayModel
import Testing

/// `simulate sweep` and `simulate merge` end to end, on the real binary.
@Suite("simulate sweep and merge", .serialized)
struct SweepCommandTests {
  /// dx/dt = −k·x, x(0) = 1: x(t) = exp(−k t).
  static let decay = """
    model: decay
    parameters:
      k: 1
    nodes:
      x:
        initial: 1
        rate: -k * x
    """

  /// dx/dt = −√k·x: the derivative is NaN for k < 0.
  static let sqrtDecay = """
    model: sqrt decay
    parameters:
      k: 1
    nodes:
      x:
        initial: 1
        rate: -sqrt(k) * x
    """

  struct Folder {
    let path: String
    init() throws { path = try temporaryDirectory() }
    func file(_ name: String) -> String { path + "/" + name }
    func text(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
  }

  /// runs.csv as a header and rows of fields.
  static func table(_ text: String) -> (header: [String], rows: [[String]]) {
    let lines = text.split(separator: "\n")
    return (RunsTable.fields(lines[0]), lines.dropFirst().map { RunsTable.fields($0) })
  }

  /// The text with one column (by name) removed from every line.
  static func dropping(_ column: String, from text: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let index = RunsTable.fields(lines[0]).firstIndex(of: column)!
    return lines.map { line -> String in
      guard !line.isEmpty else { return "" }
      var fields = RunsTable.fields(line)
      fields.remove(at: index)
      return fields.map(CSVWriter.field).joined(separator: ",")
    }.joined(separator: "\n")
  }

  /// Starts `simulate ARGUMENTS -o cut` in `folder`, sends SIGINT once `ready` holds for the text
  /// of cut/runs.csv (or after `waiting` seconds), and returns the exit status.
  static func interrupt(_ arguments: [String], in folder: Folder, waiting: Double, ready: (String) -> Bool) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: simulateBinary)
    process.arguments = arguments + ["-o", "cut"]
    process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(waiting)
    while Date() < deadline {
      if let text = try? String(contentsOfFile: folder.file("cut/runs.csv"), encoding: .utf8), ready(text) { break }
      Thread.sleep(forTimeInterval: 0.02)
    }
    process.interrupt()
    process.waitUntilExit()
    return process.terminationStatus
  }

  @Test("dx/dt = −k·x over k = log:0.01:10:1000: every final(x) is exp(−5k) to 1e-6")
  func decayAccuracy() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let result = try simulate(
      ["sweep", "decay.yaml", "--param", "k=log:0.01:10:1000", "--t-end", "5", "--metric", "final(x)", "--method", "rk8pd",
       "--rtol", "1e-10", "--atol", "1e-30", "--seed", "1", "-o", "out"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let (header, rows) = Self.table(try folder.text("out/runs.csv"))
    #expect(header == ["run_id", "shard", "seed", "k", "status", "final(x)", "steps", "rhs_evals", "wall_ms"])
    #expect(rows.count == 1000)
    var worst = 0.0
    for (i, row) in rows.enumerated() {
      #expect(row[0] == String(i))
      #expect(row[4] == "ok")
      let k = try #require(Double(row[3])), x = try #require(Double(row[5]))
      let exact = exp(-5 * k)
      worst = max(worst, abs(x - exact) / exact)
      #expect(Int(row[6])! > 0 && Int(row[7])! > 0 && Double(row[8])! >= 0)
    }
    #expect(worst <= 1e-6, "largest relative error \(worst)")
    #expect(Double(rows[0][3]) == 0.01 && Double(rows[999][3]) == 10)
    let manifest = try folder.text("out/manifest.json")
    #expect(manifest.contains("\"status\": \"complete\""))
    #expect(manifest.contains("\"ok\": 1000"))
  }

  static let quick = [
    "decay.yaml", "--param", "k=log:0.01:10:300", "--param", "x=list:1,2", "--t-end", "5", "--metric", "final(x)",
    "--metric", "auc(x)", "--metric", "tcross(x,0.5)", "--metric", "value(x,1.5)", "--metric", "tmax(x)", "--seed", "42",
  ]

  @Test("--jobs 1 and --jobs 2 give byte-identical runs.csv")
  func jobsDeterminism() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    for jobs in ["1", "2"] {
      let result = try simulate(["sweep"] + Self.quick + ["--no-wall-time", "--jobs", jobs, "-o", "j\(jobs)"], in: folder.path)
      #expect(result.status == 0, "\(result.stderr)")
      let timed = try simulate(["sweep"] + Self.quick + ["--jobs", jobs, "-q", "-o", "t\(jobs)"], in: folder.path)
      #expect(timed.status == 0 && timed.stderr.isEmpty, "\(timed.stderr)")
    }
    let one = try folder.text("j1/runs.csv"), two = try folder.text("j2/runs.csv")
    #expect(one.split(separator: "\n").count == 601)
    #expect(one == two)
    // With wall times, only wall_ms differs.
    #expect(Self.dropping("wall_ms", from: try folder.text("t1/runs.csv")) == Self.dropping("wall_ms", from: one))
    #expect(Self.dropping("wall_ms", from: try folder.text("t2/runs.csv")) == Self.dropping("wall_ms", from: one))
  }

  @Test("Four shards merged equal the unsharded run")
  func shardsMerge() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let whole = try simulate(["sweep"] + Self.quick + ["--no-wall-time", "-o", "whole"], in: folder.path)
    #expect(whole.status == 0, "\(whole.stderr)")
    for i in 0..<4 {
      let shard = try simulate(["sweep"] + Self.quick + ["--no-wall-time", "--shard", "\(i)/4", "-o", "shard\(i)"], in: folder.path)
      #expect(shard.status == 0, "\(shard.stderr)")
      let (_, rows) = Self.table(try folder.text("shard\(i)/runs.csv"))
      #expect(rows.count == 150)
      #expect(rows.allSatisfy { Int($0[0])! % 4 == i && $0[1] == String(i) })
    }
    // Missing a shard: refused, nothing written.
    let partial = try simulate(["merge", "shard0", "shard1", "shard3", "-o", "partial"], in: folder.path)
    #expect(partial.status == 65)
    #expect(partial.stderr.contains("shard(s) 2 of 4 are missing"), "\(partial.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("partial/runs.csv")))
    let merged = try simulate(["merge", "shard3", "shard1", "shard0", "shard2", "-o", "merged"], in: folder.path)
    #expect(merged.status == 0, "\(merged.stderr)")
    let expected = try folder.text("whole/runs.csv"), got = try folder.text("merged/runs.csv")
    #expect(Self.dropping("shard", from: got) == Self.dropping("shard", from: expected))
    #expect(try folder.text("merged/manifest.json").contains("\"ok\": 600"))
    // Shards of another sweep are refused.
    let other = try simulate(
      ["sweep"] + Self.quick.map { $0 == "42" ? "43" : $0 } + ["--shard", "1/4", "-o", "other1"], in: folder.path)
    #expect(other.status == 0)
    let mixed = try simulate(["merge", "shard0", "other1", "shard2", "shard3", "-o", "mixed"], in: folder.path)
    #expect(mixed.status == 65 && mixed.stderr.contains("different sweep"), "\(mixed.stderr)")
    // Merging again replaces this sweep's merge; a folder holding another sweep's results is kept.
    let again = try simulate(["merge", "shard0", "shard1", "shard2", "shard3", "-o", "merged"], in: folder.path)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try folder.text("merged/runs.csv") == got)
    let onto = try simulate(["merge", "shard0", "shard1", "shard2", "shard3", "-o", "other1"], in: folder.path)
    #expect(onto.status == 73 && onto.stderr.contains("holds another sweep's results"), "\(onto.stderr)")
    #expect(try folder.text("other1/runs.csv").split(separator: "\n").count == 151)
  }

  @Test("Runs whose derivative is NaN are recorded as failed with the reason; the others finish; exit 1")
  func failedRuns() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.sqrtDecay, to: folder.file("m.yaml"))
    let result = try simulate(
      ["sweep", "m.yaml", "--param", "k=lin:-1:1:21", "--t-end", "2", "--metric", "final(x)", "--seed", "5", "-o", "out"],
      in: folder.path)
    #expect(result.status == 1)
    #expect(result.stderr.contains("10 runs failed"), "\(result.stderr)")
    let (_, rows) = Self.table(try folder.text("out/runs.csv"))
    #expect(rows.count == 21)
    for row in rows {
      let k = Double(row[3])!
      if k < 0 {
        #expect(row[4] == "failed:nonfinite:x", "k = \(k)")
        #expect(row[5] == "")
      } else {
        #expect(row[4] == "ok", "k = \(k)")
        expectClose(Double(row[5])!, exp(-2 * k.squareRoot()), relative: 1e-3, "k = \(k)")
      }
    }
    let manifest = try folder.text("out/manifest.json")
    #expect(manifest.contains("\"failed\": 10") && manifest.contains("\"ok\": 11"))
    // --fail-fast: the first failure stops the sweep; the rest are not_run.
    let fast = try simulate(
      ["sweep", "m.yaml", "--param", "k=lin:-1:1:21", "--t-end", "2", "--seed", "5", "--jobs", "1", "--fail-fast", "-o", "fast"],
      in: folder.path)
    #expect(fast.status == 1)
    let (_, fastRows) = Self.table(try folder.text("fast/runs.csv"))
    #expect(fastRows.count == 21)
    #expect(fastRows[0][4] == "failed:nonfinite:x")
    #expect(fastRows.dropFirst().allSatisfy { $0[4] == "not_run" })
    #expect(try folder.text("fast/manifest.json").contains("stopped_on_failure"))
  }

  @Test("Ctrl-C during a 100,000-run sweep, then --resume, equals an uninterrupted run")
  func interruptAndResume() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let arguments = [
      "sweep", "decay.yaml", "--param", "k=lin:0.1:1:100000", "--t-end", "1", "--steps", "1", "--method", "rkf45",
      "--rtol", "1e-4", "--metric", "final(x)", "--seed", "3", "--no-wall-time", "-q",
    ]
    // Interrupt once some runs are on disk.
    let status = try Self.interrupt(arguments, in: folder, waiting: 120) { runs in
      runs.utf8.count > 100_000
    }
    #expect(status == 130)
    #expect(try folder.text("cut/manifest.json").contains("\"status\": \"interrupted\""))
    let (_, cutRows) = Self.table(try folder.text("cut/runs.csv"))
    #expect(cutRows.count == 100_000, "every run has a row")
    let finished = cutRows.filter { $0[4] == "ok" }.count
    #expect(finished > 1000 && finished < 100_000, "\(finished) finished before the interrupt")
    #expect(cutRows.enumerated().allSatisfy { $0.element[0] == String($0.offset) }, "sorted by run id")

    let resumed = try simulate(arguments + ["--resume", "-o", "cut"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try folder.text("cut/manifest.json").contains("\"resumed_finished_runs\": \(finished)"))
    let whole = try simulate(arguments + ["-o", "whole"], in: folder.path)
    #expect(whole.status == 0)
    #expect(try folder.text("cut/runs.csv") == folder.text("whole/runs.csv"))
  }

  @Test("Ctrl-C during a Boolean ensemble sweep (inside a run's replicates), then --resume, equals an uninterrupted run")
  func interruptBooleanEnsembles() throws {
    let folder = try Folder()
    defer { folder.remove() }
    // A 30-node cascade: each replicate flips its way down the chain.
    var model = "nodes:\n  u: {kind: input}\n  x0: {rule: u}\n"
    for i in 1..<30 { model += "  x\(i): {rule: x\(i - 1)}\n" }
    try write(model, to: folder.file("chain.yaml"))
    let arguments = [
      "sweep", "chain.yaml", "--boolean", "continuous", "--runs", "4000", "--t-end", "40", "--steps", "4",
      "--param", "u=list:0,1", "--param", "x0.tau=lin:0.5:2:6", "--metric", "final(x29)", "--seed", "3", "--jobs", "1",
      "--no-wall-time", "-q",
    ]
    // Interrupt once the first run is on disk (the header and one row).
    let status = try Self.interrupt(arguments, in: folder, waiting: 300) { runs in
      runs.split(separator: "\n").count >= 2
    }
    #expect(status == 130)
    let (_, cutRows) = Self.table(try folder.text("cut/runs.csv"))
    #expect(cutRows.count == 12, "every run has a row")
    let finished = cutRows.filter { $0[5] == "ok" }.count
    #expect(finished >= 1 && finished < 12, "\(finished) finished before the interrupt")
    #expect(cutRows.allSatisfy { $0[5] == "ok" || $0[5] == "not_run" })
    let resumed = try simulate(arguments + ["--resume", "-o", "cut"], in: folder.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let whole = try simulate(arguments + ["-o", "whole"], in: folder.path)
    #expect(whole.status == 0)
    #expect(try folder.text("cut/runs.csv") == folder.text("whole/runs.csv"))
  }

  @Test("SBML initial assignments follow a swept parameter; a swept initial value overrides them")
  func initialAssignments() throws {
    let folder = try Folder()
    defer { folder.remove() }
    // x has no reaction; its initial amount is 2·k.
    try write(
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
        <model id="ia">
          <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
          <listOfSpecies><species id="x" compartment="c" initialAmount="0" hasOnlySubstanceUnits="true"
            boundaryCondition="false" constant="false"/></listOfSpecies>
          <listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
          <listOfInitialAssignments><initialAssignment symbol="x"><math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><times/><cn>2</cn><ci>k</ci></apply></math></initialAssignment></listOfInitialAssignments>
        </model>
      </sbml>
      """, to: folder.file("ia.xml"))
    let swept = try simulate(
      ["sweep", "ia.xml", "--param", "k=list:1,2,3", "--t-end", "1", "--metric", "final(x)", "--metric", "final(k)", "--seed", "1",
       "-q", "-o", "k"], in: folder.path)
    #expect(swept.status == 0, "\(swept.stderr)")
    #expect(Self.table(try folder.text("k/runs.csv")).rows.map { [$0[3], $0[5], $0[6]] } == [["1", "2", "1"], ["2", "4", "2"], ["3", "6", "3"]])
    let initial = try simulate(
      ["sweep", "ia.xml", "--param", "x=list:5,7", "--t-end", "1", "--metric", "final(x)", "--seed", "1", "-q", "-o", "x"],
      in: folder.path)
    #expect(initial.status == 0, "\(initial.stderr)")
    #expect(Self.table(try folder.text("x/runs.csv")).rows.map { $0[5] } == ["5", "7"])
  }

  @Test("A knockout sweep: all singles and pairs, attractor counts and on(X); shards merge")
  func knockoutSweep() throws {
    let folder = try Folder()
    defer { folder.remove() }
    // A toggle switch with a readout: synchronously, fixed points 100 and 010 and the cycle
    // 110 ↔ 001, so on(C) = (0 + 0 + ½)/3. Pinning A or B leaves one fixed point.
    try write("targets, factors\nA, !B\nB, !A\nC, A & B\n", to: folder.file("toggle.bnet"))
    let arguments = [
      "sweep", "toggle.bnet", "--knockouts", "A,B", "--overexpressions", "A", "--metric", "on(C)", "--seed", "1", "--no-wall-time", "-q",
    ]
    let result = try simulate(arguments + ["-o", "ko"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let (header, rows) = Self.table(try folder.text("ko/runs.csv"))
    #expect(
      header == [
        "run_id", "shard", "seed", "knockout", "overexpress", "status", "attractors", "fixed_points", "cycles", "complex", "on(C)",
        "steps", "rhs_evals", "wall_ms",
      ])
    // Sizes 0, 1, 2; {KO A, OE A} names A twice and is left out.
    #expect(rows.map { [$0[3], $0[4]] } == [["", ""], ["A", ""], ["B", ""], ["", "A"], ["A+B", ""], ["B", "A"]])
    #expect(rows[0][5...10] == ["ok", "3", "2", "1", "0", String(1.0 / 6)])
    for row in rows.dropFirst() { #expect(row[5...10] == ["ok", "1", "1", "0", "0", "0"], "\(row)") }
    for i in 0..<2 {
      let shard = try simulate(arguments + ["--shard", "\(i)/2", "-o", "s\(i)"], in: folder.path)
      #expect(shard.status == 0, "\(shard.stderr)")
    }
    let merged = try simulate(["merge", "s0", "s1", "-o", "m"], in: folder.path)
    #expect(merged.status == 0, "\(merged.stderr)")
    #expect(Self.dropping("shard", from: try folder.text("m/runs.csv")) == Self.dropping("shard", from: try folder.text("ko/runs.csv")))
    let unknown = try simulate(["sweep", "toggle.bnet", "--knockouts", "D", "-o", "bad"], in: folder.path)
    #expect(unknown.status == 64 && unknown.stderr.contains("unknown node 'D'"), "\(unknown.stderr)")
    let tooLarge = try simulate(["sweep", "toggle.bnet", "--knockouts", "A,B", "--sizes", "3", "-o", "big"], in: folder.path)
    #expect(tooLarge.status == 64 && tooLarge.stderr.contains("only 2 node(s) are listed"), "\(tooLarge.stderr)")
    // One node listed: the default sizes stop at 1 (the network and the single knockout).
    let single = try simulate(["sweep", "toggle.bnet", "--knockouts", "A", "--seed", "1", "-q", "-o", "one"], in: folder.path)
    #expect(single.status == 0, "\(single.stderr)")
    #expect(Self.table(try folder.text("one/runs.csv")).rows.map { $0[3] } == ["", "A"])
    let repeated = try simulate(["sweep", "toggle.bnet", "--knockouts", "A,B", "--sizes", "1,1", "-o", "rep"], in: folder.path)
    #expect(repeated.status == 64 && repeated.stderr.contains("lists a size twice"), "\(repeated.stderr)")
  }

  @Test("A Boolean ensemble sweep: continuous-time switching probabilities 1 − exp(−t/τ) within 5σ; a seed column that reproduces each row; any --jobs")
  func booleanEnsembleSweep() throws {
    let folder = try Folder()
    defer { folder.remove() }
    // x follows u: with u ON and x OFF at t = 0, x turns ON at rate 1/τ, so the share of
    // replicates with x ON at t is 1 − exp(−t/τ) (binomial spread √(p(1 − p)/R)); with u OFF, 0.
    try write("nodes:\n  u: {kind: input}\n  x: {rule: u, initial: 0}\n  y: {rule: x, initial: 0}\n", to: folder.file("follow.yaml"))
    let replicates = 4000
    let arguments = [
      "sweep", "follow.yaml", "--boolean", "continuous", "--runs", String(replicates), "--t-end", "1", "--steps", "4",
      "--param", "u=list:0,1", "--param", "x.tau=list:0.5,2", "--metric", "final(x)", "--metric", "value(x,0.5)", "--seed", "5",
      "--no-wall-time", "-q",
    ]
    let result = try simulate(arguments + ["-o", "ct", "--jobs", "1"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let text = try folder.text("ct/runs.csv")
    let (header, rows) = Self.table(text)
    #expect(header == ["run_id", "shard", "seed", "u", "x.tau", "status", "final(x)", "value(x,0.5)", "steps", "rhs_evals", "wall_ms"])
    #expect(rows.count == 4)
    for row in rows {
      let u = Double(row[3])!, tau = Double(row[4])!
      #expect(row[5] == "ok")
      for (column, t) in [(6, 1.0), (7, 0.5)] {
        let p = u == 1 ? 1 - exp(-t / tau) : 0
        let sigma = (p * (1 - p) / Double(replicates)).squareRoot()
        let observed = Double(row[column])!
        #expect(abs(observed - p) <= 5 * sigma, "u=\(u) τ=\(tau) t=\(t): \(observed) vs \(p) ± \(5 * sigma)")
      }
    }
    let parallel = try simulate(arguments + ["-o", "ct2", "--jobs", "2"], in: folder.path)
    #expect(parallel.status == 0, "\(parallel.stderr)")
    #expect(try folder.text("ct2/runs.csv") == text)
    // The seed column reproduces a row with run --boolean.
    let row = rows[3]
    let single = try simulate(
      ["run", "follow.yaml", "--boolean", "continuous", "--runs", String(replicates), "--t-end", "1", "--steps", "4", "--seed", row[2],
       "--set", "u=\(row[3])", "--set", "x.tau=\(row[4])", "--select", "x", "-o", "-"], in: folder.path)
    #expect(single.status == 0, "\(single.stderr)")
    #expect(single.stdout.split(separator: "\n").last.map { String($0.split(separator: ",")[1]) } == row[6])

    // Synchronous, one replicate: deterministic. y follows u two steps later; a dose is ON at ≥ 0.5;
    // the initial value of y is swept too.
    let sync = try simulate(
      ["sweep", "follow.yaml", "--boolean", "sync", "--runs", "1", "--steps", "2", "--param", "u=list:0,0.4,0.6,1", "--param", "y=list:0,1",
       "--metric", "final(y)", "--metric", "value(y,0)", "--seed", "1", "-q", "-o", "sync"], in: folder.path)
    #expect(sync.status == 0, "\(sync.stderr)")
    let syncRows = Self.table(try folder.text("sync/runs.csv")).rows
    #expect(syncRows.map { [$0[3], $0[4], $0[6], $0[7]] } == [
      ["0", "0", "0", "0"], ["0", "1", "0", "1"], ["0.4", "0", "0", "0"], ["0.4", "1", "0", "1"],
      ["0.6", "0", "1", "0"], ["0.6", "1", "1", "1"], ["1", "0", "1", "0"], ["1", "1", "1", "1"],
    ])

    // Phenotypes: the share of replicates in which a Boolean expression of nodes holds. x and y
    // (τ 1 and 2) switch independently, so x & y holds with the product of their probabilities.
    try write("nodes:\n  u: {kind: input}\n  x: {rule: u, initial: 0, tau: 1}\n  y: {rule: u, initial: 0, tau: 2}\n", to: folder.file("two.yaml"))
    let phenotypes = try simulate(
      ["sweep", "two.yaml", "--boolean", "continuous", "--runs", String(replicates), "--t-end", "1", "--steps", "2", "--param", "u=list:1",
       "--metric", "final(x & y)", "--metric", "final(x & !y)", "--metric", "value(!x & !y,0.5)", "--seed", "4", "-q", "-o", "pheno"],
      in: folder.path)
    #expect(phenotypes.status == 0, "\(phenotypes.stderr)")
    let phenoRow = Self.table(try folder.text("pheno/runs.csv")).rows[0]
    for (column, t, p) in [
      (5, 1.0, (1 - exp(-1.0)) * (1 - exp(-0.5))), (6, 1.0, (1 - exp(-1.0)) * exp(-0.5)), (7, 0.5, exp(-0.5) * exp(-0.25)),
    ] {
      let observed = Double(phenoRow[column])!
      #expect(abs(observed - p) <= 5 * (p * (1 - p) / Double(replicates)).squareRoot(), "column \(column) at t=\(t): \(observed) vs \(p)")
    }
    let unknownPhenotype = try simulate(
      ["sweep", "two.yaml", "--boolean", "sync", "--steps", "1", "--param", "u=list:1", "--metric", "final(x & zz)", "-o", "bad"],
      in: folder.path)
    #expect(unknownPhenotype.status == 64 && unknownPhenotype.stderr.contains("the metric 'final(x & zz)': unknown node 'zz' in 'x & zz'"))

    // Knockout sets over ensembles: a knocked-out x stays OFF and y is unaffected; a swept
    // over-expression of x replaces the scenario's knockout of x.
    let knockouts = try simulate(
      ["sweep", "follow.yaml", "--boolean", "continuous", "--runs", String(replicates), "--t-end", "1", "--steps", "2", "--set", "u=1",
       "--knockout", "y", "--knockouts", "x", "--overexpressions", "y", "--metric", "final(x)", "--metric", "final(y)", "--seed", "2", "-q",
       "-o", "ko"], in: folder.path)
    #expect(knockouts.status == 0, "\(knockouts.stderr)")
    let (koHeader, koRows) = Self.table(try folder.text("ko/runs.csv"))
    #expect(koHeader[3...7] == ["knockout", "overexpress", "status", "final(x)", "final(y)"])
    #expect(koRows.map { [$0[3], $0[4]] } == [["", ""], ["x", ""], ["", "y"], ["x", "y"]])
    let px = 1 - exp(-1.0), spread = 5 * (px * (1 - px) / Double(replicates)).squareRoot()
    #expect(abs(Double(koRows[0][6])! - px) <= spread && koRows[0][7] == "0", "\(koRows[0])")
    #expect(koRows[1][6] == "0" && koRows[1][7] == "0", "\(koRows[1])")
    #expect(abs(Double(koRows[2][6])! - px) <= spread && koRows[2][7] == "1", "\(koRows[2])")
    #expect(koRows[3][6] == "0" && koRows[3][7] == "1", "\(koRows[3])")

    // The same design from a sweep file's boolean section.
    try write("parameters:\n  u: [0, 0.4, 0.6, 1]\n  y: [0, 1]\nseed: 1\nmetrics: [final(y), \"value(y,0)\"]\nboolean:\n  update: sync\n  runs: 1\n  steps: 2\n",
              to: folder.file("sync.sweep.yaml"))
    let fromFile = try simulate(["sweep", "follow.yaml", "--sweep", "sync.sweep.yaml", "-q", "-o", "syncfile"], in: folder.path)
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    #expect(Self.table(try folder.text("syncfile/runs.csv")).rows.map { [$0[3], $0[4], $0[6], $0[7]] } == syncRows.map { [$0[3], $0[4], $0[6], $0[7]] })
    try write("parameters:\n  u: [0, 1]\nboolean:\n  update: asynch\nmetrics: [final(y), value(y,0)]\n", to: folder.file("typo.sweep.yaml"))
    let typo = try simulate(["sweep", "follow.yaml", "--sweep", "typo.sweep.yaml", "-o", "typo"], in: folder.path)
    #expect(typo.status == 65 && typo.stderr.contains("typo.sweep.yaml:4:11: error: unknown Boolean update 'asynch'"), "\(typo.stderr)")
    #expect(typo.stderr.contains("a comma inside [ ] splits the list"), "\(typo.stderr)")

    // What has no Boolean meaning is refused before any run.
    for (extra, message) in [
      (["--boolean", "sync", "--steps", "3", "--param", "x.tau=list:1,2"], "'x.tau' has no meaning in a sync Boolean run"),
      (["--boolean", "continuous", "--t-end", "1", "--param", "x.n=list:1,2"], "'x.n' has no meaning in a continuous Boolean run"),
      (["--boolean", "continuous", "--t-end", "1", "--param", "u=fold:1,2"], "fold: multiplies an ODE value"),
      (["--boolean", "sync", "--param", "u=list:0,1"], "--boolean sync needs --steps N"),
      (["--boolean", "sync", "--steps", "3", "--rtol", "1e-3", "--param", "u=list:0,1"], "--rtol applies to ODE sweeps"),
      (["--boolean", "sync", "--steps", "3", "--param", "u=list:0,1", "--metric", "value(x,4)"], "asks for step 4, not an output row"),
      (["--boolean", "sync", "--steps", "3", "--param", "u=list:0,1", "--metric", "steady(x)"], "steady(x) needs ODEs"),
      (["--runs", "5", "--param", "u=list:0,1"], "--runs and --initial go with --boolean"),
      (["--boolean", "sync", "--steps", "3", "--knockouts", "x", "--update", "async"], "--update is the attractor search's update scheme"),
      (["--boolean", "sync", "--steps", "3", "--knockouts", "q"], "unknown node 'q' in the knockout sweep"),
    ] {
      let refused = try simulate(["sweep", "follow.yaml"] + extra + ["-o", "bad"], in: folder.path)
      #expect(refused.status == 64 && refused.stderr.contains(message), "\(extra): \(refused.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder.file("bad/runs.csv")))
  }

  @Test("Usage and output errors")
  func errors() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let base = ["sweep", "decay.yaml", "--t-end", "1"]
    let unknown = try simulate(base + ["--param", "kk=lin:0:1:3", "-o", "a"], in: folder.path)
    #expect(unknown.status == 64 && unknown.stderr.contains("unknown identifier 'kk'") && unknown.stderr.contains("'k'"))
    let malformed = try simulate(base + ["--param", "k=lin:0:1", "-o", "a"], in: folder.path)
    #expect(malformed.status == 64 && malformed.stderr.contains("a grid needs a count"), "\(malformed.stderr)")
    let badMetric = try simulate(base + ["--param", "k=lin:0:1:3", "--metric", "peak(x)", "-o", "a"], in: folder.path)
    #expect(badMetric.status == 64 && badMetric.stderr.contains("unknown metric 'peak'"), "\(badMetric.stderr)")
    let noSeed = try simulate(base + ["--param", "k=lin:0:1:3", "--shard", "0/2", "-o", "a"], in: folder.path)
    #expect(noSeed.status == 64 && noSeed.stderr.contains("--shard needs --seed"))
    let badShard = try simulate(base + ["--param", "k=lin:0:1:3", "--shard", "2/2", "--seed", "1", "-o", "a"], in: folder.path)
    #expect(badShard.status == 64 && badShard.stderr.contains("(0/2, 1/2)"), "\(badShard.stderr)")
    let noSamples = try simulate(base + ["--param", "k=lin:0:1", "--sampling", "lhs", "-o", "a"], in: folder.path)
    #expect(noSamples.status == 64 && noSamples.stderr.contains("needs --samples"))
    let badTau = try simulate(base + ["--param", "x.tau=lin:0:1:3", "-o", "a"], in: folder.path)
    #expect(badTau.status == 64, "\(badTau.stderr)")
    let ok = try simulate(base + ["--param", "k=lin:0:1:3", "-q", "-o", "a"], in: folder.path)
    #expect(ok.status == 0, "\(ok.stderr)")
    let again = try simulate(base + ["--param", "k=lin:0:1:3", "-o", "a"], in: folder.path)
    #expect(again.status == 73 && again.stderr.contains("--resume"), "\(again.stderr)")
    let different = try simulate(base + ["--param", "k=lin:0:2:3", "--resume", "-o", "a"], in: folder.path)
    #expect(different.status == 64 && different.stderr.contains("different sweep"), "\(different.stderr)")
    let done = try simulate(base + ["--param", "k=lin:0:1:3", "--resume", "-q", "-o", "a"], in: folder.path)
    #expect(done.status == 0, "resuming a finished sweep does nothing: \(done.stderr)")
    let noShards = try simulate(base + ["--param", "k=lin:0:1:3", "--shard", "0/0", "--seed", "1", "-o", "b"], in: folder.path)
    #expect(noShards.status == 64 && noShards.stderr.contains("must be at least 1"), "\(noShards.stderr)")
    let twice = try simulate(base + ["--param", "k=lin:0:1:3", "--metric", "final(x)", "--metric", "final(x)", "-o", "b"], in: folder.path)
    #expect(twice.status == 64 && twice.stderr.contains("asked for twice"), "\(twice.stderr)")
    // 100¹⁰ runs do not fit in 64 bits: a usage error, not an arithmetic trap.
    var huge = base
    for i in 0..<10 { huge += ["--param", "k\(i)=lin:0:1:100"] }
    try write(Self.decay.replacingOccurrences(of: "  k: 1\n", with: "  k: 1\n" + (0..<10).map { "  k\($0): 1\n" }.joined()), to: folder.file("wide.yaml"))
    huge[1] = "wide.yaml"
    let overflow = try simulate(huge + ["--dump-config"], in: folder.path)
    #expect(overflow.status == 64 && overflow.stderr.contains("more than 2⁶³ runs"), "\(overflow.stderr)")
  }

  @Test("Problems with what a sweep file sets are located in it (exit 65); the same from the command line are usage errors")
  func sweepFileLocations() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let cases: [(String, String, String)] = [
      ("parameters:\n  k: lin:0.1:1\nsampling: saltelli\nsamples: 1\n", "s.yaml:4:10:", "at least 2 samples"),
      ("parameters:\n  k: lin:0.1:1\nsampling: morris\nsamples: 4\nlevels: 3\n", "s.yaml:5:9:", "levels must be even"),
      ("parameters:\n  k: lin:0.1:1:3\nmetrics: [final(y)]\n", "s.yaml:3:10:", "unknown variable 'y'"),
      ("parameters:\n  k: lin:0.1:1\n", "s.yaml:2:3:", "a grid needs a count"),
      ("parameters:\n  k: lin:0.1:1:3\nmetrics: [\"value(x,100)\"]\n", "s.yaml:3:10:", "asks for t = 100"),
    ]
    for (text, location, message) in cases {
      try write(text, to: folder.file("s.yaml"))
      let run = try simulate(["sweep", "decay.yaml", "--sweep", "s.yaml", "--t-end", "10", "-q", "-o", "out"], in: folder.path)
      #expect(run.status == 65, "\(text): \(run.stderr)")
      #expect(run.stderr.hasPrefix(location + " error: ") && run.stderr.contains(message), "\(text): \(run.stderr)")
    }
    // The command line's --levels replaces the file's: its problem is a usage error.
    try write("parameters:\n  k: lin:0.1:1\nsampling: morris\nsamples: 4\n", to: folder.file("s.yaml"))
    let levels = try simulate(["sweep", "decay.yaml", "--sweep", "s.yaml", "--levels", "3", "--t-end", "10", "-q", "-o", "out"], in: folder.path)
    #expect(levels.status == 64 && levels.stderr.hasPrefix("simulate: error: levels must be even"), "\(levels.stderr)")
  }

  @Test("merge refuses a shard that holds two different results for one run")
  func mergeDuplicateRun() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let base = ["sweep", "decay.yaml", "--param", "k=lin:0.1:1:6", "--t-end", "1", "--seed", "5", "--no-wall-time", "-q"]
    for i in 0..<2 {
      let shard = try simulate(base + ["--shard", "\(i)/2", "-o", "s\(i)"], in: folder.path)
      #expect(shard.status == 0, "\(shard.stderr)")
    }
    let rows = try folder.text("s1/runs.csv").split(separator: "\n")
    let last = try #require(rows.last)
    var fields = last.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    fields[6] = "999"
    try (folder.text("s1/runs.csv") + fields.joined(separator: ",") + "\n").write(toFile: folder.file("s1/runs.csv"), atomically: true, encoding: .utf8)
    let merge = try simulate(["merge", "s0", "s1", "-o", "m"], in: folder.path)
    #expect(merge.status == 65 && merge.stderr.contains("has 2 different results"), "\(merge.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.file("m/runs.csv")))
  }

  @Test("A sweep file with LHS sampling and trajectories; a Morris sweep writes sensitivity.csv")
  func sweepFileAndSensitivity() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    try write(
      """
      sweep: decay rates
      parameters:
        k: log:0.1:10
        x: [1, 2]
      sampling: lhs
      samples: 40
      seed: 8
      metrics: [final(x), "tcross(x,0.5)"]
      """, to: folder.file("sweep.yaml"))
    let result = try simulate(
      ["sweep", "decay.yaml", "--sweep", "sweep.yaml", "--t-end", "2", "--steps", "4", "--save-trajectories", "-q", "-o", "lhs"],
      in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let (header, rows) = Self.table(try folder.text("lhs/runs.csv"))
    #expect(header.contains("tcross(x,0.5)"))
    #expect(rows.count == 40)
    let trajectories = try folder.text("lhs/trajectories.csv").split(separator: "\n")
    #expect(trajectories[0] == "run_id,time,variable,value")
    #expect(trajectories.count == 1 + 40 * 5)
    #expect(trajectories[1].hasPrefix("0,0,x,"))

    // Morris on y = final(x) with x(0) = a and k: μ* ranks the quantities.
    let morris = try simulate(
      ["sweep", "decay.yaml", "--param", "k=lin:0:1", "--param", "x=lin:1:2", "--sampling", "morris", "--samples", "20",
       "--seed", "1", "--t-end", "1", "--metric", "final(x)", "-q", "-o", "morris"], in: folder.path)
    #expect(morris.status == 0, "\(morris.stderr)")
    let (sensitivityHeader, sensitivity) = Self.table(try folder.text("morris/sensitivity.csv"))
    #expect(sensitivityHeader == ["metric", "parameter", "mu", "mu_star", "sigma", "mu_star_conf", "trajectories"])
    #expect(sensitivity.map { $0[1] } == ["k", "x"])
    #expect(sensitivity.allSatisfy { $0[6] == "20" })
    #expect(Double(sensitivity[0][2])! < 0 && Double(sensitivity[1][2])! > 0, "final(x) falls with k and rises with x(0)")
  }

  @Test("One at a time around the scenario's values: sensitivity.csv against the closed form; no base value: exit 64")
  func oneAtATime() throws {
    let folder = try Folder()
    defer { folder.remove() }
    // dx/dt = s − k·x, x(0) = 1: x(1) = s/k + (1 − s/k)·exp(−k).
    try write("model: production\nparameters: {k: 1, s: 2}\nnodes:\n  x: {initial: 1, rate: s - k * x}\n", to: folder.file("production.yaml"))
    let result = try simulate(
      ["sweep", "production.yaml", "--sampling", "oat", "--param", "k=fold:0.5,2", "--param", "s=list:1,3", "--t-end", "1",
       "--metric", "final(x)", "--rtol", "1e-10", "-o", "out", "--quiet"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let (runsHeader, runs) = Self.table(try folder.text("out/runs.csv"))
    #expect(Array(runsHeader[3...4]) == ["k", "s"])
    #expect(runs.map { [$0[3], $0[4]] } == [["1", "2"], ["0.5", "2"], ["2", "2"], ["1", "1"], ["1", "3"]])
    let (header, rows) = Self.table(try folder.text("out/sensitivity.csv"))
    #expect(header == ["metric", "parameter", "base", "value", "fold", "metric_base", "metric_value", "change", "relative_change", "elasticity"])
    func x(_ k: Double, _ s: Double) -> Double { s / k + (1 - s / k) * exp(-k) }
    let base = x(1, 2)
    let expected: [(String, Double, Double)] = [("k", 0.5, x(0.5, 2)), ("k", 2, x(2, 2)), ("s", 1, x(1, 1)), ("s", 3, x(1, 3))]
    #expect(rows.count == expected.count)
    for (row, (name, value, y)) in zip(rows, expected) {
      #expect(row[1] == name && Double(row[3]) == value)
      let relative = try #require(Double(row[8]))
      #expect(abs(relative - (y - base) / base) <= 1e-7, "\(name) = \(value): \(relative)")
    }
    let figure = try simulate(["plot", "out/sensitivity.csv", "-o", "tornado.svg"], in: folder.path)
    #expect(figure.status == 0, "\(figure.stderr)")
    // A dose that follows a pulse has no single base value to vary around.
    try write("""
      model: pulse
      nodes:
        u: {kind: input, initial: 0}
        x: {initial: 0, rate: u - x}
      """, to: folder.file("pulse.yaml"))
    try write("inputs:\n  u: {dose: 1, pulse: [0, 2]}\n", to: folder.file("pulse-scenario.yaml"))
    let refused = try simulate(
      ["sweep", "pulse.yaml", "--scenario", "pulse-scenario.yaml", "--sampling", "oat", "--param", "u=fold:0.5,2", "--t-end", "3",
       "-o", "pulse-out", "--quiet"], in: folder.path)
    #expect(refused.status == 64, "\(refused.stderr)")
    #expect(refused.stderr.contains("u has no single value in the scenario"), "\(refused.stderr)")
  }

  @Test("steady(X): the steady state from each run's end, s/k for dx/dt = s − k·x; refused for time-dependent rates")
  func steadyMetric() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write("model: production\nparameters: {k: 1, s: 2}\nnodes:\n  x: {initial: 1, rate: s - k * x}\n", to: folder.file("production.yaml"))
    let result = try simulate(
      ["sweep", "production.yaml", "--param", "k=list:0.5,1,4", "--t-end", "0.5", "--metric", "final(x)", "--metric", "steady(x)",
       "-o", "out", "--quiet"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let (header, rows) = Self.table(try folder.text("out/runs.csv"))
    #expect(Array(header[5...6]) == ["final(x)", "steady(x)"])
    for row in rows {
      let k = try #require(Double(row[3])), final = try #require(Double(row[5])), steady = try #require(Double(row[6]))
      #expect(abs(steady - 2 / k) <= 1e-9 * (2 / k), "k = \(k): \(steady)")
      // After 0.5 time units the run is still on its way: x(0.5) = s/k + (1 − s/k)·exp(−k/2).
      #expect(abs(final - (2 / k + (1 - 2 / k) * exp(-k / 2))) <= 1e-6)
    }
    try write("model: forced\nparameters: {k: 1}\nnodes:\n  x: {initial: 1, rate: time - k * x}\n", to: folder.file("forced.yaml"))
    let refused = try simulate(
      ["sweep", "forced.yaml", "--param", "k=list:1,2", "--t-end", "1", "--metric", "steady(x)", "-o", "forced", "--quiet"], in: folder.path)
    #expect(refused.status == 65, "a property of the model, as for steady-state: \(refused.stderr)")
    #expect(refused.stderr.contains("depends on time explicitly"), "\(refused.stderr)")
    // Bistable dx/dt = x(1 − x)(x − 0.3): from below 0.3 the run goes to 0, from above to 1,
    // never to the unstable 0.3 that Newton from the run's end finds.
    try write("model: bistable\nnodes:\n  x: {initial: 0.5, rate: x*(1-x)*(x-0.3)}\n", to: folder.file("bistable.yaml"))
    let bistable = try simulate(
      ["sweep", "bistable.yaml", "--param", "x=list:0.2,0.35,0.45,0.6", "--t-end", "1", "--metric", "steady(x)", "-o", "bi", "--quiet"],
      in: folder.path)
    #expect(bistable.status == 0, "\(bistable.stderr)")
    let branches = try Self.table(try folder.text("bi/runs.csv")).rows.map { try #require(Double($0[5])) }
    for (found, expected) in zip(branches, [0.0, 1, 1, 1]) { #expect(abs(found - expected) <= 1e-9, "\(branches)") }
  }

  @Test("value(X,t) leaves the other metrics on the scenario's grid; grid values are the decimals meant; aliases are refused")
  func metricsAndGrids() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    let base = ["sweep", "decay.yaml", "--param", "k=log:0.1:10:5", "--t-end", "4", "--steps", "4", "--metric", "auc(x)", "--quiet"]
    #expect(try simulate(base + ["-o", "a"], in: folder.path).status == 0)
    #expect(try simulate(base + ["--metric", "value(x,0.7)", "-o", "b"], in: folder.path).status == 0)
    let a = Self.table(try folder.text("a/runs.csv")).rows, b = Self.table(try folder.text("b/runs.csv")).rows
    // The interior decade is exactly 1; √10 multiples keep their full digits.
    #expect(a.map { $0[3] }.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) == ["0.1", "1", "10"])
    #expect(abs((Double(a[1][3]) ?? 0) - 0.1.squareRoot()) <= 1e-15)
    #expect(a.map { $0[5] } == b.map { $0[5] }, "auc(x) on the grid t = 0, 1, 2, 3, 4 in both")
    for row in b {
      let k = try #require(Double(row[3])), value = try #require(Double(row[6]))
      #expect(abs(value - exp(-0.7 * k)) <= 1e-6 * exp(-0.7 * k))
    }
    let alias = try simulate(
      ["sweep", "decay.yaml", "--param", "x=list:1,2", "--param", "x.initial=list:3", "--t-end", "1", "-o", "c"], in: folder.path)
    #expect(alias.status == 64 && alias.stderr.contains("'x.initial' and 'x' name the same quantity"), "\(alias.stderr)")
  }

  @Test("--slurm writes an array job and a merge job; run by hand, they equal the local sweep")
  func slurmScripts() throws {
    let folder = try Folder()
    defer { folder.remove() }
    try write(Self.decay, to: folder.file("decay.yaml"))
    // A stand-in sbatch that records its arguments and prints a job id.
    let bin = folder.file("bin")
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try write("#!/bin/sh\necho \"$@\" >> \"\(folder.path)/sbatch.log\"\necho 4242\n", to: bin + "/sbatch")
    chmod(bin + "/sbatch", 0o755)
    let arguments = ["decay.yaml", "--param", "k=log:0.01:10:50", "--t-end", "5", "--metric", "final(x)", "--no-wall-time"]
    let submit = try simulateWith(
      environment: ["PATH": bin + ":/usr/bin:/bin"], ["sweep"] + arguments + ["--slurm", "--array", "3", "--seed", "6", "-o", "cluster"],
      in: folder.path)
    #expect(submit.status == 0, "\(submit.stderr)")
    let log = try folder.text("sbatch.log")
    #expect(log.contains("--parsable \(folder.path)/cluster/slurm/sweep.sbatch"))
    #expect(log.contains("--dependency=afterany:4242 \(folder.path)/cluster/slurm/merge.sbatch"))
    let array = try folder.text("cluster/slurm/sweep.sbatch")
    #expect(array.contains("#SBATCH --array=0-2"))
    // sbatch missing, or failing: the scripts are written, exit 69 (a tool the run needs).
    let failing = folder.file("failing")
    try FileManager.default.createDirectory(atPath: failing, withIntermediateDirectories: true)
    try write("#!/bin/sh\necho 'sbatch: error: invalid partition' >&2\nexit 1\n", to: failing + "/sbatch")
    chmod(failing + "/sbatch", 0o755)
    for (path, message) in [(failing + ":/usr/bin:/bin", "sbatch failed (exit 1): sbatch: error: invalid partition"),
                            (failing + "/none", "sbatch is not on PATH")] {
      let refused = try simulateWith(
        environment: ["PATH": path], ["sweep"] + arguments + ["--slurm", "--array", "3", "--seed", "6", "-o", "refused"], in: folder.path)
      #expect(refused.status == 69 && refused.stderr.contains(message), "\(refused.stderr)")
      #expect(FileManager.default.fileExists(atPath: folder.file("refused/slurm/sweep.sbatch")))
    }
    // Runs each task of the array job in `dir` as Slurm would, then the merge job.
    func runArrayJob(_ dir: String, tasks: Int) throws {
      for task in 0..<tasks {
        let result = try run(
          "/bin/bash", [folder.file("\(dir)/slurm/sweep.sbatch")], in: folder.path,
          environment: ["SLURM_ARRAY_TASK_ID": String(task), "SLURM_ARRAY_TASK_COUNT": String(tasks), "SLURM_ARRAY_TASK_MIN": "0"])
        #expect(result.status == 0, "\(dir) task \(task): \(result.stderr)")
      }
      let merge = try run("/bin/bash", [folder.file("\(dir)/slurm/merge.sbatch")], in: folder.path, environment: [:])
      #expect(merge.status == 0, "\(dir) merge: \(merge.stderr)")
    }
    try runArrayJob("cluster", tasks: 3)
    let local = try simulate(["sweep"] + arguments + ["--seed", "6", "-q", "-o", "local"], in: folder.path)
    #expect(local.status == 0)
    #expect(
      Self.dropping("shard", from: try folder.text("cluster/runs.csv")) == Self.dropping("shard", from: try folder.text("local/runs.csv")))
    // Perturbations and solver options given on the command line reach the array job: its merged
    // result equals the local sweep with them, which differs from the sweep without them.
    try write(
      """
      parameters: {k: {value: 1}}
      nodes:
        x: {rule: "!y", tau: 1}
        y: {rule: x, tau: 1}
        z: {rate: k * (x + y) - z}
      perturbations:
        block-y: {knockout: y}
      """, to: folder.file("pert.yaml"))
    let base = ["pert.yaml", "--param", "k=lin:0.5:2:6", "--t-end", "20", "--metric", "final(z)", "--no-wall-time"]
    let shaped = ["--overexpress", "x", "--perturbation", "block-y", "--atol-scale", "none", "--amount", ""]
    let second = try simulateWith(
      environment: ["PATH": bin + ":/usr/bin:/bin"],
      ["sweep"] + base + shaped + ["--slurm", "--array", "2", "--seed", "6", "-o", "cluster2"], in: folder.path)
    #expect(second.status == 0, "\(second.stderr)")
    try runArrayJob("cluster2", tasks: 2)
    #expect(try simulate(["sweep"] + base + shaped + ["--seed", "6", "-q", "-o", "local2"], in: folder.path).status == 0)
    #expect(try simulate(["sweep"] + base + ["--seed", "6", "-q", "-o", "plain2"], in: folder.path).status == 0)
    let clustered = Self.dropping("shard", from: try folder.text("cluster2/runs.csv"))
    #expect(clustered == Self.dropping("shard", from: try folder.text("local2/runs.csv")))
    #expect(clustered != Self.dropping("shard", from: try folder.text("plain2/runs.csv")))
  }

  /// Runs `simulate` with extra environment variables.
  func simulateWith(environment: [String: String], _ arguments: [String], in directory: String) throws -> CommandResult {
    try run(simulateBinary, arguments, in: directory, environment: environment)
  }

  func run(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let base = NSTemporaryDirectory() + "sweep-run-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
      try? FileManager.default.removeItem(atPath: base + ".out")
      try? FileManager.default.removeItem(atPath: base + ".err")
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    try process.run()
    process.waitUntilExit()
    return CommandResult(
      status: process.terminationStatus, stdout: try String(contentsOfFile: base + ".out", encoding: .utf8),
      stderr: try String(contentsOfFile: base + ".err", encoding: .utf8))
  }
}

/// |observed − expected| within `relative`·|expected|, with the numbers in the message.
func expectClose(
  _ observed: Double, _ expected: Double, relative: Double, _ context: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  #expect(abs(observed - expected) <= relative * abs(expected), "\(context): \(observed) vs \(expected)", sourceLocation: sourceLocation)
}
