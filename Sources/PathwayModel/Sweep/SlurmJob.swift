/// The two batch scripts of `simulate sweep --slurm`: an array job whose task i runs shard i of
/// the sweep into `DIR/shards/i`, and a merge job, submitted to run after the whole array
/// (`--dependency=afterany`, so that a shard with failed runs, which exits 1, still gets merged;
/// the merge itself checks that every run is there).
public struct SlurmJob: Sendable {
  /// The `simulate` executable (absolute).
  public var executable: String
  /// The sweep's arguments without output, shard, seed, jobs and Slurm options.
  public var arguments: [String]
  public var seed: UInt64
  public var shards: Int
  public var jobsPerTask: Int
  public var partition: String?
  /// The output folder of the whole sweep.
  public var directory: String
  /// The folder the jobs run in (relative paths in `arguments` are relative to it).
  public var workingDirectory: String

  public init(
    executable: String, arguments: [String], seed: UInt64, shards: Int, jobsPerTask: Int, partition: String?,
    directory: String, workingDirectory: String
  ) {
    self.executable = executable
    self.arguments = arguments
    self.seed = seed
    self.shards = shards
    self.jobsPerTask = jobsPerTask
    self.partition = partition
    self.directory = directory
    self.workingDirectory = workingDirectory
  }

  public var scriptDirectory: String { directory + "/slurm" }
  public var arrayScriptPath: String { scriptDirectory + "/sweep.sbatch" }
  public var mergeScriptPath: String { scriptDirectory + "/merge.sbatch" }

  /// The folder of shard `i`.
  public func shardDirectory(_ i: Int) -> String { directory + "/shards/\(i)" }

  private func header(name: String, output: String) -> [String] {
    var lines = [
      "#!/bin/bash",
      "#SBATCH --job-name=\(name)",
      "#SBATCH --output=\(output)",
      "#SBATCH --chdir=\(workingDirectory)",
    ]
    if let partition { lines.append("#SBATCH --partition=\(partition)") }
    return lines
  }

  /// The array job: task i runs shard i (`--shard slurm`), resuming whatever an earlier attempt
  /// of the same task finished (a requeued or restarted task does not redo finished runs).
  public var arrayScript: String {
    var lines = header(name: "simulate-sweep", output: scriptDirectory + "/shard_%A_%a.log")
    lines.append("#SBATCH --array=0-\(shards - 1)")
    lines.append("#SBATCH --cpus-per-task=\(jobsPerTask)")
    lines.append("# Written by simulate sweep --slurm: shard $SLURM_ARRAY_TASK_ID of \(shards).")
    let command =
      ([executable, "sweep"] + arguments + ["--seed", String(seed), "--jobs", String(jobsPerTask), "--shard", "slurm", "--resume"])
      .map(shellQuoted).joined(separator: " ")
    lines.append("exec \(command) -o \(shellQuoted(directory + "/shards/"))\"$SLURM_ARRAY_TASK_ID\"")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The merge job: joins every shard folder into the sweep's folder.
  public var mergeScript: String {
    var lines = header(name: "simulate-merge", output: scriptDirectory + "/merge_%j.log")
    lines.append("# Written by simulate sweep --slurm: merges the \(shards) shards once the array job has ended.")
    let command = ([executable, "merge"] + (0..<shards).map(shardDirectory) + ["-o", directory]).map(shellQuoted)
    lines.append("exec " + command.joined(separator: " "))
    return lines.joined(separator: "\n") + "\n"
  }
}

/// `text` as one shell word: unchanged when it holds only safe characters, else single-quoted.
public func shellQuoted(_ text: String) -> String {
  let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
  if !text.isEmpty && text.allSatisfy({ safe.contains($0) }) { return text }
  return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
