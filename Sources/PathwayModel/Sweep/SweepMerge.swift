import Foundation

/// Joins the folders of a sharded sweep (`simulate merge DIR... -o OUT`) into one: `runs.csv`
/// sorted by run id with every run of the sweep exactly once, `trajectories.csv` when every
/// shard saved them, `sensitivity.csv` for morris and saltelli sweeps, and `manifest.json`.
///
/// The shards must come from one sweep (the same model, scenario, design, metrics and options:
/// their manifests' `sweep_fingerprint` agree) and be all of its shards, each once. A run id
/// missing or present in two shards is an error (exit 65); nothing is written then.
public enum SweepMerge {
  public struct Outcome: Sendable {
    public var counts: SweepExecution.Counts
    public var runs: Int
    public var shards: Int
    public var wroteSensitivity: Bool
    public var wroteTrajectories: Bool
    /// 0 when every run is ok, 1 when some failed or did not run.
    public var exitCode: Int32 { counts.failed > 0 || counts.notRun > 0 ? 1 : 0 }
  }

  public static func merge(_ directories: [String], into output: String) throws(PathwayError) -> Outcome {
    guard !directories.isEmpty else { throw PathwayError(.usage, "merge needs at least one shard folder") }
    func normalized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
    if directories.map(normalized).contains(normalized(output)) {
      throw PathwayError(.usage, "the output folder \(output) is one of the shards; write the merge elsewhere")
    }
    // Read and check the manifests.
    var entries: [[String: JSONValue]] = []
    for directory in directories {
      guard FileManager.default.fileExists(atPath: directory + "/runs.csv") else {
        throw PathwayError(.missingInput, "\(directory)/runs.csv does not exist", notes: ["give the folders the shards wrote (-o of each shard)"])
      }
      guard let entry = SweepSession.manifestEntry(in: directory), case .string? = entry["sweep_fingerprint"] else {
        throw PathwayError(.invalidInput, "\(directory)/manifest.json does not describe a sweep shard")
      }
      entries.append(entry)
    }
    let fingerprint = entries[0]["sweep_fingerprint"]!
    var shardOfDirectory: [Int] = []
    var shardCount = 0
    for (directory, entry) in zip(directories, entries) {
      guard entry["sweep_fingerprint"] == fingerprint else {
        throw PathwayError(
          .invalidInput, "\(directory) holds a shard of a different sweep than \(directories[0])",
          notes: ["shards must share the model, scenario, swept quantities, sampling, seed, metrics and output options"])
      }
      guard case .object(let shard)? = entry["shard"], case .number(let i)? = shard["index"], case .number(let n)? = shard["count"] else {
        throw PathwayError(.invalidInput, "\(directory)/manifest.json has no shard record")
      }
      if shardCount == 0 { shardCount = Int(n) }
      guard Int(n) == shardCount else {
        throw PathwayError(.invalidInput, "\(directory) is shard \(Int(i))/\(Int(n)), the others are of \(shardCount)")
      }
      if let other = shardOfDirectory.firstIndex(of: Int(i)) {
        throw PathwayError(.invalidInput, "\(directory) and \(directories[other]) are both shard \(Int(i))/\(shardCount)")
      }
      shardOfDirectory.append(Int(i))
    }
    let missingShards = (0..<shardCount).filter { !shardOfDirectory.contains($0) }
    if !missingShards.isEmpty {
      throw PathwayError(
        .invalidInput, "shard(s) \(missingShards.map(String.init).joined(separator: ", ")) of \(shardCount) are missing",
        notes: ["give every shard's folder"])
    }
    // A folder that already holds results: only an earlier merge of this sweep is replaced.
    if FileManager.default.fileExists(atPath: output + "/runs.csv"),
      SweepSession.manifestEntry(in: output)?["sweep_fingerprint"] != fingerprint
    {
      throw PathwayError(
        .cannotCreateOutput, "\(output)/runs.csv already exists and holds another sweep's results",
        notes: ["write the merge to another folder (merging again into a folder holding this sweep's merge replaces it)"])
    }
    guard let spec = entries[0]["sweep"].flatMap(SweepSpec.init(record:)) else {
      throw PathwayError(.invalidInput, "\(directories[0])/manifest.json: the sweep record cannot be read")
    }
    let plan = SweepPlan(spec)
    let table = RunsTable(spec)

    // runs.csv: every segment of every shard, merged by run id.
    var sources: [(path: String, range: Range<UInt64>)] = []
    var shardOfSource: [Int] = []
    for (s, directory) in directories.enumerated() {
      let path = directory + "/runs.csv"
      guard let layout = try RecordFile.scan(path, grouping: .line), layout.header == table.header else {
        throw PathwayError(.invalidInput, at: SourceLocation(file: path, line: 1, column: 1), "the header is not this sweep's")
      }
      for range in layout.segments {
        sources.append((path, range))
        shardOfSource.append(s)
      }
    }
    try SweepSession.createDirectory(output)
    let runsPath = output + "/runs.csv"
    let file = try OutputFile(path: runsPath)
    try file.write(table.header)
    var counts = SweepExecution.Counts()
    var expected = 0
    var missing: [Int] = []
    try RecordFile.merge(sources, grouping: .line) { (id, group) throws(PathwayError) in
      let shards = Set(group.map { shardOfSource[$0.segment] })
      if shards.count > 1 {
        throw PathwayError(
          .invalidInput, "run \(id) is in more than one shard: " + shards.sorted().map { directories[$0] }.joined(separator: ", "))
      }
      guard id >= 0, id < plan.runCount else {
        throw PathwayError(.invalidInput, "run id \(id) is outside the sweep's \(plan.runCount) runs")
      }
      if id > expected { missing.append(contentsOf: (expected..<min(id, expected + 10))) }
      expected = id + 1
      // A shard keeps a run's not_run row when a resumed session finished it, but it never
      // finishes a run twice: two different results are a damaged or edited file.
      let finished = Set(group.filter { table.statusKind($0.bytes).map { $0 != .notRun } == true }.map(\.bytes))
      if finished.count > 1 {
        throw PathwayError(
          .invalidInput, "run \(id) has \(finished.count) different results in \(directories[shardOfSource[group[0].segment]])/runs.csv",
          notes: ["a sweep finishes each run once; rerun that shard, or remove the wrong row"])
      }
      guard let row = SweepSession.preferred(group, table: table) else { return }
      switch table.statusKind(row) {
      case .ok?: counts.ok += 1
      case .failed?: counts.failed += 1
      default: counts.notRun += 1
      }
      try file.write(bytes: row)
    }
    if expected < plan.runCount { missing.append(contentsOf: expected..<min(plan.runCount, expected + 10)) }
    if !missing.isEmpty {
      throw PathwayError(
        .invalidInput, "run ids are missing from the shards, e.g. " + missing.prefix(10).map(String.init).joined(separator: ", "),
        notes: ["a shard was killed before it wrote its runs; rerun it with --resume, then merge again"])
    }
    try file.commit()

    // trajectories.csv, when every shard has one.
    let trajectoryPaths = directories.map { $0 + "/trajectories.csv" }
    var wroteTrajectories = false
    if trajectoryPaths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
      var trajectorySources: [(path: String, range: Range<UInt64>)] = []
      for path in trajectoryPaths {
        if let layout = try RecordFile.scan(path, grouping: .run) { trajectorySources += layout.segments.map { (path, $0) } }
      }
      let trajectories = try OutputFile(path: output + "/trajectories.csv")
      try trajectories.write(RunsTable.trajectoryHeader)
      try RecordFile.merge(trajectorySources, grouping: .run) { (_, group) throws(PathwayError) in
        if let last = group.last { try trajectories.write(bytes: last.bytes) }
      }
      try trajectories.commit()
      wroteTrajectories = true
    }

    var wroteSensitivity = false
    if spec.sampling.isSensitivityAnalysis && counts.notRun == 0 {
      try SensitivityAnalysis.write(runs: runsPath, plan: plan, table: table, to: output + "/sensitivity.csv")
      wroteSensitivity = true
    }

    var entry = entries[0]
    entry["command"] = .string("merge")
    entry["shards"] = .array(directories.map(JSONValue.string))
    entry["shard"] = .object(["index": .number(0), "count": .number(1)])
    entry["shard_runs"] = .number(Double(plan.runCount))
    entry["counts"] = .object([
      "ok": .number(Double(counts.ok)), "failed": .number(Double(counts.failed)), "not_run": .number(Double(counts.notRun)),
    ])
    entry["status"] = .string(counts.notRun == 0 ? "complete" : "incomplete")
    entry["shard_status"] = .array(entries.map { $0["status"] ?? .null })
    for key in ["fingerprint", "started", "wall_seconds", "jobs", "resumed_finished_runs", "arguments"] { entry[key] = nil }
    try RunManifest.record(entry, for: "runs.csv", in: output)
    if wroteSensitivity {
      try RunManifest.record(
        SensitivityAnalysis.manifestEntry(command: "merge", sampling: spec.sampling), for: "sensitivity.csv", in: output)
    }
    return Outcome(
      counts: counts, runs: plan.runCount, shards: shardCount, wroteSensitivity: wroteSensitivity,
      wroteTrajectories: wroteTrajectories)
  }
}
