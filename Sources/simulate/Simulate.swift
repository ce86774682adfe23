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
    subcommands: [Run.self, SensitivityCommand.self, FitCommand.self, SteadyStateCommand.self, Attractors.self, Info.self, Check.self, Convert.self, Plot.self, Sweep.self, Merge.self]
  )

  /// The stack of the thread that runs the command. Reading, simplifying, differentiating and
  /// compiling an expression walk its tree recursively, and a file may hold an expression
  /// 20,000 operators deep (the parser's limit): the process's 8 MiB main stack does not hold
  /// such a walk in a debug build. The reservation is virtual; only the pages used are touched.
  static let commandStackSize = 1 << 30

  /// ArgumentParser's entry point on a thread with a deep stack (`commandStackSize`); the main
  /// thread waits for it. Signals are handled on dispatch queues, never on the main thread.
  static func main() {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      runCommand()
      done.signal()
    }
    thread.stackSize = commandStackSize
    thread.start()
    done.wait()
    Foundation.exit(0)
  }

  /// The command itself, and then a check that standard output took everything: a report
  /// printed into a full disk or a closed pipe is an output error (exit 74), not a success.
  static func runCommand() {
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
