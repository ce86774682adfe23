import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which part of a sweep one process runs: shard `index` of `count` takes the run ids
/// `index, index + count, index + 2·count, …` (interleaved, so that every shard gets its share
/// of slow and fast regions of a grid).
public struct SweepShard: Sendable, Hashable, CustomStringConvertible {
  public var index: Int
  public var count: Int

  public init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  public static let whole = SweepShard(index: 0, count: 1)

  public var description: String { "\(index)/\(count)" }

  /// Parses `i/N` (0 ≤ i < N).
  public static func parse(_ text: String) -> Result<SweepShard, SweepSpecProblem> {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
      return .failure(SweepSpecProblem("--shard takes i/N or slurm, found '\(text)'"))
    }
    guard n >= 1 else {
      return .failure(SweepSpecProblem("--shard \(text): the number of shards N must be at least 1", notes: ["for example --shard 0/4 … 3/4"]))
    }
    guard i >= 0, i < n else {
      let example = n >= 1 && n <= 4 ? (0..<n).map { "\($0)/\(n)" }.joined(separator: ", ")
        : n > 4 ? "0/\(n), 1/\(n), …, \(n - 1)/\(n)" : "0/4, 1/4, 2/4, 3/4"
      return .failure(SweepSpecProblem("--shard \(text): shards are numbered 0 to N − 1 (\(example))"))
    }
    return .success(SweepShard(index: i, count: n))
  }

  /// The shard of a Slurm array task: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of
  /// `SLURM_ARRAY_TASK_COUNT` (so `--array=1-8` works as well as `--array=0-7`).
  public static func slurm(_ environment: [String: String]) -> Result<SweepShard, SweepSpecProblem> {
    guard let idText = environment["SLURM_ARRAY_TASK_ID"], let id = Int(idText),
      let countText = environment["SLURM_ARRAY_TASK_COUNT"], let count = Int(countText)
    else {
      return .failure(
        SweepSpecProblem(
          "--shard slurm needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT",
          notes: ["run it inside a Slurm array job (sbatch --array=0-N), or give --shard i/N"]))
    }
    let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
    guard id - minimum >= 0, id - minimum < count else {
      return .failure(SweepSpecProblem("SLURM_ARRAY_TASK_ID \(id) is outside an array of \(count) tasks from \(minimum)"))
    }
    return .success(SweepShard(index: id - minimum, count: count))
  }
}

/// How a sweep finished.
public struct SweepOutcome: Sendable {
  /// Statuses over every run of the shard (earlier sessions included).
  public var counts: SweepExecution.Counts
  /// Runs computed by this session.
  public var computed: Int
  public var stopReason: SweepExecution.StopReason?
  public var wallSeconds: Double

  /// `complete`, `interrupted` or `stopped_on_failure`.
  public var status: String {
    switch stopReason {
    case nil: return counts.notRun == 0 ? "complete" : "incomplete"
    case .interrupted?: return "interrupted"
    case .failFast?: return "stopped_on_failure"
    }
  }

  /// 130 when interrupted, 1 when a run failed or did not run, 0 otherwise.
  public var exitCode: Int32 {
    if stopReason == .interrupted { return 130 }
    return counts.failed > 0 || counts.notRun > 0 ? 1 : 0
  }
}

/// Progress of a running sweep, for a progress line.
public struct SweepProgress: Sendable {
  public var done: Int
  public var failed: Int
  public var total: Int
  public var elapsed: Double
}

/// One invocation of `simulate sweep` on an output folder: prepares `runs.csv` (fresh, or
/// resumed from what an earlier session left), runs the remaining runs, and leaves a sorted
/// `runs.csv` with a row for every run of the shard, `manifest.json`, and, when asked,
/// `trajectories.csv` and `sensitivity.csv`.
///
/// While it runs, rows are appended to `runs.csv` in run-id order and flushed as runs finish.
/// When it ends (complete, interrupted, stopped on a failure), the file is rewritten atomically
/// as one sorted table: finished rows kept, runs never finished written `not_run`. A process
/// killed outright leaves the appended rows; `--resume` reads them (and drops a partial last
/// line) and recomputes only the runs without a finished row.
public final class SweepSession {
  public struct Options: Sendable {
    public var directory: String
    public var shard: SweepShard = .whole
    public var jobs: Int = 1
    public var failFast = false
    public var saveTrajectories = false
    /// Write `wall_ms` (false leaves it empty: byte-identical files across runs).
    public var wallTime = true
    public var resume = false
    public var modelPath: String
    /// The command line, for the manifest.
    public var arguments: [String] = []

    public init(directory: String, modelPath: String) {
      self.directory = directory
      self.modelPath = modelPath
    }
  }

  public let setup: any SweepSource
  public let options: Options
  public let table: RunsTable
  public let execution: SweepExecution
  /// Finished runs found when resuming.
  public let resumed: Int
  public var runsPath: String { options.directory + "/runs.csv" }
  public var trajectoriesPath: String { options.directory + "/trajectories.csv" }
  public var sensitivityPath: String { options.directory + "/sensitivity.csv" }
  private let fingerprint: String
  private let sweepFingerprint: String
  private let started = Date()
  private var doneOK = 0

  /// Prepares the folder. A fresh sweep refuses a folder that already holds `runs.csv` (exit
  /// 73); `--resume` refuses one that holds a different sweep (exit 64).
  public init(setup: any SweepSource, options: Options) throws(PathwayError) {
    self.setup = setup
    self.options = options
    let spec = setup.plan.spec
    let table = RunsTable(spec)
    self.table = table
    let model = RunManifest.modelRecord(path: options.modelPath)
    // The kernel gives bit-identical numbers: shards on nodes with and without a C compiler merge.
    var record = setup.record
    record["kernel"] = nil
    if case .object(var solver)? = record["solver"] {
      solver["kernel"] = nil
      record["solver"] = .object(solver)
    }
    let sweepText = [
      model.rendered(), JSONValue.object(record).rendered(), spec.record.rendered(), table.header,
      "trajectories=\(options.saveTrajectories)", "wall_time=\(options.wallTime)",
    ].joined(separator: "\n")
    sweepFingerprint = SHA256.hex(Data(sweepText.utf8))
    fingerprint = SHA256.hex(Data((sweepText + "\nshard=\(options.shard)").utf8))

    let directory = options.directory
    let runsPath = directory + "/runs.csv"
    let trajectoriesPath = directory + "/trajectories.csv"
    let shard = options.shard
    let expected = stride(from: shard.index, to: setup.plan.runCount, by: shard.count)
    let shardRuns = setup.plan.runCount > shard.index ? (setup.plan.runCount - shard.index + shard.count - 1) / shard.count : 0
    var finished = RunSet(capacity: setup.plan.runCount)
    var exists = FileManager.default.fileExists(atPath: runsPath)
    if exists && options.resume && SweepSession.manifestEntry(in: directory) == nil,
      let layout = try? RecordFile.scan(runsPath, grouping: .line), layout.rows == 0
    {
      // Killed between writing the header of runs.csv and the manifest: nothing ran, start afresh.
      try? FileManager.default.removeItem(atPath: runsPath)
      exists = false
    }
    if exists && !options.resume {
      throw PathwayError(
        .cannotCreateOutput, "\(runsPath) already exists",
        notes: ["add --resume to finish that sweep, or write to another folder"])
    }
    if exists {
      let recorded = SweepSession.manifestEntry(in: directory)
      guard case .string(let previous)? = recorded?["fingerprint"] else {
        throw PathwayError(
          .usage, "--resume: \(directory)/manifest.json does not describe the sweep in \(runsPath)",
          notes: ["resume a folder written by simulate sweep, or start afresh in another folder"])
      }
      guard previous == fingerprint else {
        throw PathwayError(
          .usage, "--resume: \(directory) holds a different sweep",
          notes: [
            "the model, scenario, swept quantities, sampling, seed, metrics, shard and output options must be the same as when it started"
          ])
      }
      guard
        let layout = try RecordFile.scan(
          runsPath, grouping: .line,
          row: { id, bytes in
            let kind = table.statusKind(bytes)
            if kind == .ok || kind == .failed { finished.insert(id) }
          }), layout.header == table.header
      else {
        throw PathwayError(.invalidInput, at: SourceLocation(file: runsPath, line: 1, column: 1), "the header is not this sweep's")
      }
      let size = (try? FileManager.default.attributesOfItem(atPath: runsPath))?[.size] as? UInt64 ?? 0
      if layout.segments.count > 1 || layout.rows != shardRuns || size != layout.completeLength {
        // Killed before it could tidy up: sort, drop a partial last line, fill the gaps.
        let plan = setup.plan
        try RecordFile.compact(
          runsPath, layout: layout, grouping: .line, expected: expected,
          fill: { table.notRunRow($0, plan: plan, shard: shard.index) },
          choose: { _, group in SweepSession.preferred(group, table: table) })
      }
      if options.saveTrajectories, let layout = try RecordFile.scan(trajectoriesPath, grouping: .run) {
        try RecordFile.compact(
          trajectoriesPath, layout: layout, grouping: .run, expected: nil, fill: { _ in nil },
          choose: { id, group in finished.contains(id) ? group.last?.bytes : nil })
      }
    } else {
      try SweepSession.createDirectory(directory)
      try OutputFile.write(table.header, to: runsPath)
    }
    if options.saveTrajectories && !FileManager.default.fileExists(atPath: trajectoriesPath) {
      try OutputFile.write(RunsTable.trajectoryHeader, to: trajectoriesPath)
    }
    resumed = finished.count
    execution = SweepExecution(
      setup: setup, first: shard.index, step: shard.count, skip: finished.count > 0 ? finished : nil, jobs: options.jobs,
      failFast: options.failFast, keepTrajectories: options.saveTrajectories)
    try writeManifest(status: "running", counts: nil, wallSeconds: 0)
  }

  /// Runs the remaining runs. `progress` is called on this thread after each batch of rows.
  public func run(progress: (SweepProgress) -> Void = { _ in }) throws(PathwayError) -> SweepOutcome {
    let clock = ContinuousClock.now
    let runs = try AppendingFile(path: runsPath)
    let trajectories = options.saveTrajectories ? try AppendingFile(path: trajectoriesPath) : nil
    let shard = options.shard.index
    let wallTime = options.wallTime
    let table = self.table
    let columns = setup.trajectoryColumns, names = setup.trajectoryNames
    var done = 0, failed = 0
    var lastProgress = ContinuousClock.now
    let total = execution.total
    func elapsed() -> Double { seconds(ContinuousClock.now - clock) }
    execution.formatter = { record in
      // The trajectory first: a row in runs.csv promises its trajectory is complete.
      let rows = columns.isEmpty || record.trajectory == nil ? "" : RunsTable.trajectoryRows(record, columns: columns, names: names)
      return rows + "\u{0}" + table.row(record, shard: shard, wallTime: wallTime)
    }
    let (_, reason) = try execution.run(
      { (record) throws(PathwayError) in
        let text = record.text ?? ""
        let split = text.firstIndex(of: "\u{0}") ?? text.startIndex
        if let trajectories { try trajectories.write(String(text[..<split])) }
        try runs.write(String(text[text.index(after: split)...]))
        done += 1
        if case .failed = record.status { failed += 1 } else { doneOK += 1 }
      },
      afterBatch: { () throws(PathwayError) in
        try trajectories?.flush()
        try runs.flush()
        if ContinuousClock.now - lastProgress > .milliseconds(200) || done == total {
          lastProgress = ContinuousClock.now
          progress(SweepProgress(done: done, failed: failed, total: total, elapsed: elapsed()))
        }
      })
    progress(SweepProgress(done: done, failed: failed, total: total, elapsed: elapsed()))
    try runs.close()
    try trajectories?.close()
    let counts = try finish(complete: resumed == 0 && done == execution.shardRunCount)
    let outcome = SweepOutcome(counts: counts, computed: done, stopReason: reason, wallSeconds: elapsed())
    if setup.plan.spec.sampling.isSensitivityAnalysis && options.shard.count == 1 && counts.notRun == 0 {
      try SensitivityAnalysis.write(runs: runsPath, plan: setup.plan, table: table, to: sensitivityPath)
    }
    try writeManifest(status: outcome.status, counts: counts, wallSeconds: outcome.wallSeconds)
    return outcome
  }

  /// Rewrites `runs.csv` (and `trajectories.csv` if it has several segments) sorted, with a
  /// `not_run` row for every run of the shard that did not finish; returns the status counts.
  private func finish(complete: Bool) throws(PathwayError) -> SweepExecution.Counts {
    let table = self.table
    let plan = setup.plan
    let shard = options.shard
    var counts = SweepExecution.Counts()
    if complete {
      // One session wrote every run, in order: the file is final already.
      counts.ok = doneOK
      counts.failed = execution.shardRunCount - doneOK
      return counts
    }
    guard let layout = try RecordFile.scan(runsPath, grouping: .line) else { return counts }
    try RecordFile.compact(
      runsPath, layout: layout, grouping: .line, expected: stride(from: shard.index, to: plan.runCount, by: shard.count),
      fill: {
        counts.notRun += 1
        return table.notRunRow($0, plan: plan, shard: shard.index)
      },
      choose: { _, group in
        let best = SweepSession.preferred(group, table: table)
        switch best.flatMap({ table.statusKind($0) }) {
        case .ok?: counts.ok += 1
        case .failed?: counts.failed += 1
        default: counts.notRun += 1
        }
        return best
      })
    if options.saveTrajectories, let layout = try RecordFile.scan(trajectoriesPath, grouping: .run), layout.segments.count > 1 {
      try RecordFile.compact(
        trajectoriesPath, layout: layout, grouping: .run, expected: nil, fill: { _ in nil }, choose: { _, group in group.last?.bytes })
    }
    return counts
  }

  /// Of several rows for one run, a finished one (the latest), else the first.
  static func preferred(_ group: RecordFile.Group, table: RunsTable) -> [UInt8]? {
    group.last { table.statusKind($0.bytes).map { $0 != .notRun } == true }?.bytes ?? group.first?.bytes
  }

  static func createDirectory(_ directory: String) throws(PathwayError) {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
      if !isDirectory.boolValue {
        throw PathwayError(.cannotCreateOutput, "\(directory) is a file; -o takes a folder for a sweep")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw PathwayError(.cannotCreateOutput, "cannot create the folder \(directory): \((error as NSError).localizedDescription)")
    }
  }

  /// The `runs.csv` entry of `directory/manifest.json`.
  public static func manifestEntry(in directory: String) -> [String: JSONValue]? {
    guard let data = FileManager.default.contents(atPath: directory + "/manifest.json"),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let outputs = object["outputs"] as? [String: Any], let entry = outputs["runs.csv"]
    else { return nil }
    guard case .object(let fields) = JSONValue(any: entry) else { return nil }
    return fields
  }

  /// The master seed recorded in `directory/manifest.json` (to resume without repeating `--seed`).
  public static func recordedSeed(in directory: String) -> UInt64? {
    guard case .object(let sweep)? = manifestEntry(in: directory)?["sweep"], case .string(let text)? = sweep["seed"] else {
      return nil
    }
    return UInt64(text)
  }

  private func writeManifest(status: String, counts: SweepExecution.Counts?, wallSeconds: Double) throws(PathwayError) {
    var entry: [String: JSONValue] = [
      "command": .string("sweep"),
      "arguments": .array(options.arguments.map(JSONValue.string)),
      "model": RunManifest.modelRecord(path: options.modelPath),
      "scenario": .object(setup.record),
      "sweep": setup.plan.spec.record,
      "columns": .array(table.columns.map(JSONValue.string)),
      "runs": .number(Double(setup.plan.runCount)),
      "shard": .object(["index": .number(Double(options.shard.index)), "count": .number(Double(options.shard.count))]),
      "shard_runs": .number(Double(execution.shardRunCount)),
      "status": .string(status),
      "jobs": .number(Double(options.jobs)),
      "fail_fast": .bool(options.failFast),
      "trajectories": .bool(options.saveTrajectories),
      "wall_time": .bool(options.wallTime),
      "fingerprint": .string(fingerprint),
      "sweep_fingerprint": .string(sweepFingerprint),
      "started": .string(ISO8601DateFormatter().string(from: started)),
      "wall_seconds": .number(wallSeconds),
      "resumed_finished_runs": .number(Double(resumed)),
    ]
    if let counts {
      entry["counts"] = .object([
        "ok": .number(Double(counts.ok)), "failed": .number(Double(counts.failed)), "not_run": .number(Double(counts.notRun)),
      ])
    }
    try RunManifest.record(entry, for: "runs.csv", in: options.directory)
    if options.saveTrajectories {
      try RunManifest.record(
        ["command": .string("sweep"), "layout": .string("long"), "columns": .array(["run_id", "time", "variable", "value"].map(JSONValue.string)),
         "variables": .array(setup.trajectoryNames.map(JSONValue.string))],
        for: "trajectories.csv", in: options.directory)
    }
    if FileManager.default.fileExists(atPath: sensitivityPath), setup.plan.spec.sampling.isSensitivityAnalysis {
      try RunManifest.record(
        SensitivityAnalysis.manifestEntry(command: "sweep", sampling: setup.plan.spec.sampling),
        for: "sensitivity.csv", in: options.directory)
    }
  }
}

extension RunsTable {
  /// The row of a run that did not run.
  func notRunRow(_ run: Int, plan: SweepPlan, shard: Int) -> String {
    let record = RunRecord(
      run: run, values: plan.values(of: run), labels: plan.labels(of: run), seed: plan.seed(of: run), status: .notRun,
      metrics: [Double](repeating: .nan, count: metricNames.count))
    return row(record, shard: shard, wallTime: false)
  }
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// A file opened for appending, buffered, flushed on request: the streamed rows of a sweep.
final class AppendingFile {
  let path: String
  private let handle: FileHandle
  private var buffer: [UInt8] = []

  init(path: String) throws(PathwayError) {
    self.path = path
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw PathwayError(.cannotCreateOutput, "\(path): cannot open for writing")
    }
    self.handle = handle
    do {
      try handle.seekToEnd()
    } catch {
      throw PathwayError(.cannotWriteOutput, "\(path): \((error as NSError).localizedDescription)")
    }
    buffer.reserveCapacity(1 << 16)
  }

  deinit { try? handle.close() }

  func write(_ text: String) throws(PathwayError) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 20 { try flush() }
  }

  /// Bytes appended by this handle (for fault injection).
  private var bytesWritten = 0

  func flush() throws(PathwayError) {
    guard !buffer.isEmpty else { return }
    try writeAll(buffer, to: handle.fileDescriptor, path: path, counting: &bytesWritten)
    buffer.removeAll(keepingCapacity: true)
  }

  func close() throws(PathwayError) {
    try flush()
  }
}
