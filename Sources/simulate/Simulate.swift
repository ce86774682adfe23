import ArgumentParser
@preconcurrency import Glibc
import Foundation
import PathwayModel

/// `simulate`: signalling-pathway networks as Boolean networks and ODEs.
@main
struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Simulate signalling-pathway networks as ODEs (GSL) and Boolean networks.",
    discussion: """
      Exit codes: 0 success; 1 a simulation failed; 64 bad command line; 65 invalid model, \
      scenario or input file; 66 an input file is missing; 69 a needed program (C compiler, \
      sbatch) is missing or fails; 73/74 an output cannot be created or written (standard \
      output included); 130 interrupted.
      """,
    version: PathwayModelVersion.current,
    subcommands: [Run.self, SensitivityCommand.self, SteadyStateCommand.self, Attractors.self, Info.self, Check.self, Convert.self, Plot.self, Sweep.self, Merge.self]
  )

  /// ArgumentParser's entry point, and then a check that standard output took everything: a
  /// report printed into a full disk or a closed pipe is an output error (exit 74), not a success.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
    if fflush(stdout) != 0 || ferror(stdout) != 0 {
      printError("simulate: error: cannot write to standard output: \(String(cString: strerror(errno)))")
      Foundation.exit(74)
    }
  }
}
