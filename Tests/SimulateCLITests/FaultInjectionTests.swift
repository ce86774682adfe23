import Foundation
import PathwayModel
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Faults injected into the real `simulate` binary: GSL statuses and failing writes (through the
/// debug-only `PATHWAY_FAULT_GSL` and `PATHWAY_FAULT_WRITE` variables, see
/// `Sources/PathwayModel/Support/FaultInjection.swift`), a full device, and kills (SIGKILL) of
/// sweeps and runs at random moments.
@Suite("fault injection and kills", .serialized)
struct FaultInjectionTests {
  static let decay = """
    model: decay
    parameters:
      k: 1
    nodes:
      x:
        initial: 1
        rate: -k * x
    """

  /// Runs `simulate` with extra environment variables.
  static func simulateWith(_ arguments: [String], in directory: String, environment: [String: String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: simulateBinary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = directory + "/.stdout", err = directory + "/.stderr"
    FileManager.default.createFile(atPath: out, contents: nil)
    FileManager.default.createFile(atPath: err, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    process.waitUntilExit()
    defer {
      try? FileManager.default.removeItem(atPath: out)
      try? FileManager.default.removeItem(atPath: err)
    }
    return CommandResult(
      status: process.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
      stderr: try String(contentsOfFile: err, encoding: .utf8))
  }

  /// True when the binary honours the fault variables (a debug build).
  static let injectionAvailable: Bool = {
    guard let dir = try? temporaryDirectory() else { return false }
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try? write(decay, to: dir + "/decay.yaml")
    let result = try? simulateWith(
      ["run", "decay.yaml", "--t-end", "1", "--method", "msbdf", "-o", "x.csv"], in: dir, environment: ["PATHWAY_FAULT_GSL": "27"])
    return result.map { $0.status != 0 } ?? false
  }()

  /// The files of a folder, without the manifest's lock file.
  static func files(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasSuffix(".lock") }.sorted()
  }

  /// Forty decaying species: wide rows, so that a short run writes megabytes.
  static let wide = "model: wide\nparameters:\n  k: 1\nnodes:\n"
    + (0..<40).map { "  x\($0):\n    initial: \($0 + 1)\n    rate: -k * x\($0)\n" }.joined()

  @Test("an injected GSL status mid-run: exit 1, the status and time named, the rows before it kept, manifest says failed")
  func gslStatus() throws {
    try #require(Self.injectionAvailable, "needs a debug build of simulate (fault injection)")
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let args = ["run", "decay.yaml", "--t-end", "10", "--steps", "10", "--method", "rkf45", "-o", "out.csv"]
    // GSL_ENOPROG (27) from the 20th step on.
    let result = try Self.simulateWith(args, in: dir, environment: ["PATHWAY_FAULT_GSL": "27@20"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("GSL_ENOPROG"), "\(result.stderr)")
    #expect(result.stderr.contains("t = "), "\(result.stderr)")
    let csv = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
    let rows = csv.split(separator: "\n").count - 1
    #expect(rows >= 1 && rows < 11, "partial output: \(rows) rows")
    #expect(result.stderr.contains("\(rows) rows before the failure were written"), "\(result.stderr)")
    let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"status\": \"failed:"), "\(manifest)")
    // GSL_FAILURE (-1) and GSL_EMAXITER (11) at the first step: named, nothing but t = 0.
    for (status, name) in [("-1", "GSL_FAILURE"), ("11", "GSL_EMAXITER")] {
      let first = try Self.simulateWith(args, in: dir, environment: ["PATHWAY_FAULT_GSL": status])
      #expect(first.status == 1 && first.stderr.contains(name), "\(status): \(first.stderr)")
      #expect(try String(contentsOfFile: dir + "/out.csv", encoding: .utf8).split(separator: "\n").count == 2)
    }
    // The same fault in a sweep: every run is recorded as failed, with the reason; exit 1.
    let sweep = try Self.simulateWith(
      ["sweep", "decay.yaml", "--param", "k=lin:0.5:1:4", "--t-end", "1", "--method", "msbdf", "--metric", "final(x)", "--jobs", "1", "-q", "-o", "s"],
      in: dir, environment: ["PATHWAY_FAULT_GSL": "27"])
    #expect(sweep.status == 1, "\(sweep.stderr)")
    let runs = try String(contentsOfFile: dir + "/s/runs.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(runs.count == 4 && runs.allSatisfy { $0.contains("failed:") }, "\(runs)")
  }

  @Test("a write failing at a chosen byte (disk full, permission denied): exit 74, the reason named, no target, no temporary left")
  func writeFailure() throws {
    try #require(Self.injectionAvailable, "needs a debug build of simulate (fault injection)")
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let args = ["run", "decay.yaml", "--t-end", "10", "--steps", "20000", "-o", "out.csv"]
    for (fault, reason) in [("100:28", "No space left on device"), ("70000:13", "Permission denied"), ("0:5", "Input/output error")] {
      let result = try Self.simulateWith(args, in: dir, environment: ["PATHWAY_FAULT_WRITE": fault])
      #expect(result.status == 74, "\(fault): \(result.status) \(result.stderr)")
      #expect(result.stderr.contains("out.csv: write failed: \(reason)"), "\(fault): \(result.stderr)")
      #expect(Self.files(in: dir) == ["decay.yaml"], "\(fault): nothing that looks like output: \(Self.files(in: dir))")
    }
    // A previous good output is left as it was.
    let good = try Self.simulateWith(args, in: dir, environment: [:])
    #expect(good.status == 0, "\(good.stderr)")
    let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/out.csv"))
    let failed = try Self.simulateWith(args, in: dir, environment: ["PATHWAY_FAULT_WRITE": "1000:28"])
    #expect(failed.status == 74)
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.csv")) == before)
    #expect(Self.files(in: dir) == ["decay.yaml", "manifest.json", "out.csv"])
    // A sweep whose runs.csv cannot be written: exit 74, and the manifest never says complete.
    let sweep = try Self.simulateWith(
      ["sweep", "decay.yaml", "--param", "k=lin:0.5:1:2000", "--t-end", "1", "--metric", "final(x)", "-q", "-o", "s"],
      in: dir, environment: ["PATHWAY_FAULT_WRITE": "5000:28"])
    #expect(sweep.status == 74, "\(sweep.stderr)")
    #expect(sweep.stderr.contains("No space left on device"), "\(sweep.stderr)")
    let manifest = (try? String(contentsOfFile: dir + "/s/manifest.json", encoding: .utf8)) ?? ""
    #expect(!manifest.contains("\"status\": \"complete\""), "\(manifest)")
  }

  @Test("-o /dev/full and standard output on /dev/full: exit 74 with the reason; the device stays a device")
  func deviceFull() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let result = try simulate(["run", "decay.yaml", "--t-end", "10", "--steps", "100", "-o", "/dev/full"], in: dir)
    #expect(result.status == 74, "\(result.stderr)")
    #expect(result.stderr.contains("/dev/full: write failed: No space left on device"), "\(result.stderr)")
    var info = stat()
    #expect(stat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/full is still a character device")
    // -o /dev/null succeeds and leaves /dev/null a device.
    let null = try simulate(["run", "decay.yaml", "--t-end", "1", "-o", "/dev/null"], in: dir)
    #expect(null.status == 0, "\(null.stderr)")
    #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    // -o - with standard output on /dev/full.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: simulateBinary)
    process.arguments = ["run", "decay.yaml", "--t-end", "10", "--steps", "100", "-o", "-"]
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
    let errPath = dir + "/err.txt"
    FileManager.default.createFile(atPath: errPath, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    process.waitUntilExit()
    let stderr = try String(contentsOfFile: errPath, encoding: .utf8)
    #expect(process.terminationStatus == 74, "\(stderr)")
    #expect(stderr.contains("No space left on device"), "\(stderr)")
  }

  @Test("a run killed (SIGKILL) mid-write never leaves a CSV that looks complete; an older output survives")
  func runKilledMidWrite() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.wide, to: dir + "/wide.yaml")
    try write("old,content\n", to: dir + "/out.csv")
    // 40 000 rows of 41 columns: tens of megabytes written through a temporary file.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: simulateBinary)
    process.arguments = ["run", "wide.yaml", "--t-end", "10", "--steps", "40000", "--method", "rk4", "-o", "out.csv"]
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Kill as soon as the temporary file has grown past 1 MB.
    let deadline = Date().addingTimeInterval(120)
    var killedMidWrite = false
    while Date() < deadline && process.isRunning {
      let temporary = Self.files(in: dir).first { $0.hasPrefix(".out.csv.tmp.") }
      if let temporary, let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + temporary))?[.size] as? Int,
        size > 1_000_000
      {
        kill(process.processIdentifier, SIGKILL)
        killedMidWrite = true
        break
      }
      Thread.sleep(forTimeInterval: 0.01)
    }
    process.waitUntilExit()
    #expect(killedMidWrite, "the run finished before it could be killed")
    #expect(process.terminationReason == .uncaughtSignal)
    #expect(try String(contentsOfFile: dir + "/out.csv", encoding: .utf8) == "old,content\n")
    #expect(!Self.files(in: dir).contains("manifest.json"))
  }

  /// The finished (ok) run ids in the complete lines of a runs.csv.
  static func finishedRuns(_ path: String) -> Set<Int> {
    // Bytes, not Strings: this runs on tens of thousands of rows in a debug build.
    guard let data = FileManager.default.contents(atPath: path), let end = data.lastIndex(of: UInt8(ascii: "\n")) else {
      return []
    }
    var ids = Set<Int>()
    for line in data[...end].split(separator: UInt8(ascii: "\n")).dropFirst() {
      // run_id, shard, seed, k, status, …: the sweeps here have no quoted fields.
      let fields = line.split(separator: UInt8(ascii: ","), maxSplits: 5, omittingEmptySubsequences: false)
      if fields.count > 4, fields[4].elementsEqual("ok".utf8), let id = Int(String(decoding: fields[0], as: UTF8.self)) {
        ids.insert(id)
      }
    }
    return ids
  }

  @Test("a sweep killed after the header of runs.csv but before its manifest resumes from the start")
  func killedBeforeManifest() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let arguments = ["sweep", "decay.yaml", "--param", "k=lin:0.1:1:20", "--t-end", "1", "--metric", "final(x)", "--seed", "3",
      "--no-wall-time", "-q", "--resume", "-o", "s"]
    #expect(try simulate(arguments, in: dir).status == 0)
    let whole = try String(contentsOfFile: dir + "/s/runs.csv", encoding: .utf8)
    // What a kill between the two writes leaves: the header alone, no manifest.
    try write(String(whole.prefix { $0 != "\n" }) + "\n", to: dir + "/s/runs.csv")
    for name in Self.files(in: dir + "/s") where name.hasPrefix("manifest") {
      try FileManager.default.removeItem(atPath: dir + "/s/" + name)
    }
    let resumed = try simulate(arguments, in: dir)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try String(contentsOfFile: dir + "/s/runs.csv", encoding: .utf8) == whole)
  }

  @Test("a sweep killed with SIGKILL ten times at random moments, resumed each time, loses and duplicates no run")
  func sweepKilledTenTimes() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let runCount = 60_000
    let arguments = [
      "sweep", "decay.yaml", "--param", "k=lin:0.1:1:\(runCount)", "--t-end", "1", "--steps", "1", "--method", "rkf45",
      "--rtol", "1e-4", "--metric", "final(x)", "--seed", "3", "--no-wall-time", "-q",
    ]
    var random = SystemRandomNumberGenerator()
    var finished = Set<Int>()
    var kills = 0
    var attempts = 0
    while kills < 10 && attempts < 40 {
      attempts += 1
      let process = Process()
      process.executableURL = URL(fileURLWithPath: simulateBinary)
      process.arguments = arguments + ["--resume", "-o", "cut"]
      process.currentDirectoryURL = URL(fileURLWithPath: dir)
      process.standardError = FileHandle.nullDevice
      try process.run()
      // Odd attempts: a random moment in the first 0.05–0.4 s (start-up, the compaction of the
      // previous segments). Even ones: a random moment up to 0.2 s after new rows reached the disk.
      if attempts % 2 == 0 {
        // Rows are appended: wait until runs.csv has grown twice (the compaction of a resumed
        // file replaces it once, by rename).
        let deadline = Date().addingTimeInterval(60)
        var size = -1, growths = 0
        while process.isRunning && Date() < deadline && growths < 2 {
          let now = (try? FileManager.default.attributesOfItem(atPath: dir + "/cut/runs.csv"))?[.size] as? Int ?? -1
          if size >= 0 && now > size { growths += 1 }
          size = now
          Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: Double.random(in: 0...0.2, using: &random))
      } else {
        Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.4, using: &random))
      }
      guard process.isRunning else {
        process.waitUntilExit()
        break  // finished before the kill: nothing left to interrupt
      }
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      kills += 1
      let now = Self.finishedRuns(dir + "/cut/runs.csv")
      #expect(now.isSuperset(of: finished), "kill \(kills): \(finished.subtracting(now).count) finished runs lost")
      finished = now
    }
    print("sweep killed \(kills) times; \(finished.count) runs finished before the last kill")
    #expect(finished.count > 0, "some runs finished between the kills")
    #expect(kills == 10, "only \(kills) kills before the sweep finished")
    let resumed = try simulate(arguments + ["--resume", "-o", "cut"], in: dir)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let whole = try simulate(arguments + ["-o", "whole"], in: dir)
    #expect(whole.status == 0, "\(whole.stderr)")
    let cut = try String(contentsOfFile: dir + "/cut/runs.csv", encoding: .utf8)
    let ids = cut.split(separator: "\n").dropFirst().map { RunsTable.fields($0)[0] }
    #expect(ids.count == runCount && Set(ids).count == runCount, "one row per run")
    #expect(cut == (try String(contentsOfFile: dir + "/whole/runs.csv", encoding: .utf8)))
    #expect(try String(contentsOfFile: dir + "/cut/manifest.json", encoding: .utf8).contains("\"status\": \"complete\""))
  }
}
