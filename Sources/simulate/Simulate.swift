import ArgumentParser
import PathwayModel

/// `simulate`: signalling-pathway networks as Boolean networks and ODEs.
@main
struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Simulate signalling-pathway networks as ODEs (GSL) and Boolean networks.",
    discussion: """
      Exit codes: 0 success; 1 a simulation failed; 64 bad command line; 65 invalid model, \
      scenario or input file; 66 an input file is missing; 73/74 an output cannot be created or \
      written; 130 interrupted.
      """,
    version: PathwayModelVersion.current,
    subcommands: [Run.self, SteadyStateCommand.self, Attractors.self, Info.self, Check.self, Convert.self, Plot.self, Sweep.self, Merge.self]
  )
}
