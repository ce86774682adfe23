import ArgumentParser
import Foundation
import PathwayModel

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Join the shard folders of a sweep into one runs.csv (and trajectories.csv, sensitivity.csv).",
    discussion: """
      Each DIR is the -o folder of one shard (simulate sweep --shard i/N). The shards must come \
      from the same sweep and be all N of them; every run id must be in exactly one shard, or \
      nothing is written (exit 65). OUT gets runs.csv sorted by run_id, manifest.json with the \
      counts by status, trajectories.csv when every shard saved trajectories, and \
      sensitivity.csv for morris, saltelli and oat sweeps. Exit 0 when every run is ok, 1 when some \
      failed or did not run.
      """)

  @Argument(help: "The shard folders.")
  var directories: [String]

  @Option(name: .shortAndLong, help: "Output folder.")
  var output: String

  @Flag(name: .shortAndLong, help: "No summary on stderr.")
  var quiet = false

  func run() throws {
    var exitCode: Int32 = 0
    try reportingErrors { () throws(PathwayError) in
      let outcome = try SweepMerge.merge(directories, into: output)
      exitCode = outcome.exitCode
      if !quiet {
        let c = outcome.counts
        var line = "merged \(outcome.shards) shards: \(outcome.runs) runs (\(c.ok) ok, \(c.failed) failed, \(c.notRun) not run) into \(output)/runs.csv"
        if outcome.wroteTrajectories { line += ", trajectories.csv" }
        if outcome.wroteSensitivity { line += ", sensitivity.csv" }
        printError(line)
      }
    }
    if exitCode != 0 { throw ExitCode(exitCode) }
  }
}
