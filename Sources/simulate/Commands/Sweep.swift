import ArgumentParser
import Dispatch
import Foundation
import PathwayModel

#if canImport(Glibc)
  import Glibc
#endif

struct Sweep: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a model many times over swept parameters, doses, initial values, τ and Hill n/k.",
    discussion: """
      Swept quantities are --set targets with a range: id=lin:a:b:n, id=log:a:b:n, \
      id=list:v1,v2,... or id=fold:f1,f2,... (the scenario's value times each factor), or a \
      --sweep FILE.

      DIR/runs.csv: run_id,shard,seed,<swept>...,status,<metrics>...,steps,rhs_evals,wall_ms, \
      one row per run; status is ok, failed:<reason> or not_run. Rows are appended as runs \
      finish; the final file is sorted by run_id and the same for any --jobs (wall_ms aside; \
      --no-wall-time leaves it empty). Metrics: final(X) max(X) min(X) tmax(X) auc(X) \
      tcross(X,level) value(X,t) steady(X).

      Ctrl-C keeps the finished runs (exit 130); --resume finishes the rest. --shard i/N runs \
      the runs i, i+N, ...; simulate merge joins shards; --slurm submits an array job and a \
      merge job. --sampling morris or saltelli also writes sensitivity.csv (global indices); \
      --sampling oat (one at a time: a base run, then each quantity alone over its values) writes \
      it with each run's change against the base, for a tornado plot. --boolean sync|async|continuous \
      --runs R makes each run R seeded Boolean runs (MaBoSS-style scans of doses, initial values \
      and τ), its metrics measured on the share of runs with each node ON. See docs/sweeps.md.

      Exit codes: 0 every run ok; 1 a run failed or did not run; 64 bad command line; 65 bad \
      model, scenario or sweep file; 66 a missing input; 69 sbatch (--slurm) or a C compiler \
      (--kernel native) missing or failing; 73/74 output problems; 130 interrupted.
      """)

  @OptionGroup var model: ModelOptions
  @OptionGroup var solver: SolverOptionGroup

  @Option(name: .customLong("sweep"), help: "A sweep file (YAML): parameters, sampling, samples, seed, metrics, scenarios.")
  var sweepFile: String?

  @Option(
    name: .customLong("param"),
    help: ArgumentHelp("A swept quantity; repeat for several.", valueName: "id=lin:a:b:n|id=log:a:b:n|id=list:v1,v2|id=fold:f1,f2"))
  var parameters: [String] = []

  @Option(help: ArgumentHelp("Knockout sweep: nodes to knock out, comma-separated, or all (every node but the inputs).", valueName: "nodes"))
  var knockouts: String?

  @Option(help: ArgumentHelp("Knockout sweep: nodes to over-express, comma-separated, or all.", valueName: "nodes"))
  var overexpressions: String?

  @Option(help: ArgumentHelp("Knockout sweep: set sizes (default 0,1,2: the unperturbed network, all singles, all pairs).", valueName: "k,..."))
  var sizes: String?

  @Option(help: ArgumentHelp("Knockout sweep: update scheme of the attractor search (default sync).", valueName: "sync|async"))
  var update: UpdateScheme?

  @Option(
    name: .customLong("boolean"),
    help: ArgumentHelp(
      "Sweep the Boolean network instead of the ODEs: each run is --runs seeded Boolean runs (sync, async: --steps N updates; continuous: MaBoSS's continuous-time update on the time grid), its metrics measured on the share of runs with each node ON. Sweeps input doses, initial values and, in continuous time, τ.",
      valueName: "sync|async|continuous"))
  var booleanMode: BooleanRunMode?

  @Option(name: .customLong("runs"), help: "With --boolean: seeded Boolean runs per sweep run (default 1000).")
  var replicates: Int?

  @Option(
    name: .customLong("initial"),
    help: ArgumentHelp("With --boolean: the initial state, as for run --boolean.", valueName: "FILE|reference|all-zero|random"))
  var initial: String?

  @Option(help: ArgumentHelp("How runs are chosen (default grid).", valueName: Sampling.allCases.map(\.rawValue).joined(separator: "|")))
  var sampling: Sampling?

  @Option(help: "Runs (lhs, sobol, random), trajectories (morris) or base points (saltelli: N·(d + 2) runs).")
  var samples: Int?

  @Option(help: "Grid levels of the Morris design (even; default 4).")
  var levels: Int?

  @Option(help: "Master seed (default: drawn at random and written to the manifest; required with --shard).")
  var seed: UInt64?

  @Option(name: .customLong("metric"), help: ArgumentHelp("A metric column; repeat for several (default: final(X) of each selected node).", valueName: "spec"))
  var metrics: [String] = []

  @Option(help: "Columns of trajectories.csv and the default metrics, comma-separated (* and ? patterns, as in run).")
  var select: String?

  @Option(help: ArgumentHelp("SBML species measured as amounts, comma-separated (may be empty).", valueName: "ids"))
  var amount: String?

  @Option(help: ArgumentHelp("SBML species measured as concentrations, comma-separated (may be empty).", valueName: "ids"))
  var concentration: String?

  @Option(help: "Worker threads (default: all cores).")
  var jobs: Int?

  @Option(help: ArgumentHelp("Run one part of the sweep: i/N (0 ≤ i < N), or slurm for the array task's.", valueName: "i/N|slurm"))
  var shard: String?

  @Flag(name: .customLong("dump-config"), help: "Print the resolved scenario and sweep design as JSON on stdout and exit without running.")
  var dumpConfig = false

  @Flag(help: "Finish the sweep in -o DIR: run only the runs without a finished row.")
  var resume = false

  @Flag(name: .customLong("save-trajectories"), help: "Also write trajectories.csv (run_id,time,variable,value).")
  var saveTrajectories = false

  @Flag(help: "After a failed run: keep going (default) or stop at once (the rest become not_run).")
  var failure: FailurePolicy = .keepGoing

  @Flag(name: .customLong("no-wall-time"), help: "Leave wall_ms empty, so that runs.csv is byte-identical between runs.")
  var noWallTime = false

  @Flag(name: .shortAndLong, help: "No progress or summary on stderr.")
  var quiet = false

  @Flag(help: "Write a Slurm array job (one task per shard) and a dependent merge job into DIR/slurm/ and submit both.")
  var slurm = false

  @Option(help: "With --slurm: the number of array tasks (shards; default min(runs, 10)).")
  var array: Int?

  @Option(help: "With --slurm: the partition.")
  var partition: String?

  @Option(name: [.customShort("o"), .customLong("output")], help: "Output folder (required unless --dump-config).")
  var outputPath: String?

  var output: String { outputPath ?? "" }

  enum FailurePolicy: String, EnumerableFlag {
    case keepGoing, failFast
    static func help(for value: FailurePolicy) -> ArgumentHelp? {
      value == .keepGoing ? "Record a failed run and go on." : "Stop at the first failed run; the rest become not_run."
    }
  }

  func validate() throws {
    if sweepFile != nil && !parameters.isEmpty { throw ValidationError("give --sweep FILE or --param, not both") }
    if isKnockoutSweep && (sweepFile != nil || !parameters.isEmpty) {
      throw ValidationError("a knockout sweep (--knockouts, --overexpressions) takes no --param or --sweep")
    }
    if booleanMode != nil && update != nil {
      throw ValidationError("--update is the attractor search's update scheme; a Boolean ensemble sweep (--boolean) updates as --boolean says")
    }
    if !isKnockoutSweep && (sizes != nil || update != nil) {
      throw ValidationError("--sizes and --update go with --knockouts or --overexpressions")
    }
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
    if slurm && shard != nil { throw ValidationError("--slurm writes the shards itself; drop --shard") }
    if slurm && resume { throw ValidationError("--slurm tasks resume by themselves; drop --resume") }
    if !slurm && (array != nil || partition != nil) { throw ValidationError("--array and --partition go with --slurm") }
    if let array, array < 1 { throw ValidationError("--array must be at least 1") }
    if outputPath == nil && !dumpConfig { throw OutputOptionGroup.missingOutput }
    if output == "-" { throw ValidationError("-o takes a folder for a sweep (runs.csv and manifest.json go there)") }
  }

  func run() throws {
    var exitCode: Int32 = 0
    try reportingErrors { () throws(PathwayError) in
      // Here rather than in validate(), so that a mistyped option (--parm) is reported as such first.
      if sweepFile == nil && parameters.isEmpty && !isKnockoutSweep {
        throw PathwayError(.usage, "nothing to sweep: give --param id=range (repeatable), --sweep FILE, or --knockouts NODES")
      }
      exitCode = try execute()
    }
    if exitCode != 0 { throw ExitCode(exitCode) }
  }

  var isKnockoutSweep: Bool { knockouts != nil || overexpressions != nil }

  private func execute() throws(PathwayError) -> Int32 {
    let file = try sweepFile.map { path throws(PathwayError) in try SweepFile.read(path: path) }
    if booleanMode == nil && file?.boolean == nil && (replicates != nil || initial != nil) {
      throw PathwayError(.usage, "--runs and --initial go with --boolean sync|async|continuous (or a sweep file's boolean section)")
    }
    var dimensions = file?.dimensions ?? []
    for text in parameters {
      switch SweepDimension.parse(text) {
      case .success(let d): dimensions.append(d)
      case .failure(let problem): throw PathwayError(.usage, "--param " + problem.message, notes: problem.notes)
      }
    }
    var shardValue = SweepShard.whole
    if let shard {
      let parsed = shard == "slurm" ? SweepShard.slurm(ProcessInfo.processInfo.environment) : SweepShard.parse(shard)
      switch parsed {
      case .success(let s): shardValue = s
      case .failure(let problem): throw PathwayError(.usage, problem.message, notes: problem.notes)
      }
    }
    var masterSeed = seed ?? file?.seed
    if masterSeed == nil && resume { masterSeed = SweepSession.recordedSeed(in: output) }
    if masterSeed == nil && shard != nil {
      throw PathwayError(.usage, "--shard needs --seed", notes: ["every shard must draw the same design; give them all the same --seed"])
    }
    let chosenSeed = masterSeed ?? UInt64.random(in: 0...UInt64.max)

    let loaded = try model.load(quiet: quiet)
    var cliLayer = try solver.layer()
    func list(_ text: String) -> [String] {
      text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    if let select { cliLayer.output.select = list(select) }
    if let amount { cliLayer.output.amount = list(amount) }
    if let concentration { cliLayer.output.concentration = list(concentration) }
    var scenarioFiles: [Scenario] = []
    for path in file?.scenarios ?? [] { scenarioFiles.append(try ScenarioReader.read(path: path)) }
    var scenario = try model.scenario(extra: cliLayer)
    if !scenarioFiles.isEmpty {
      let fromFile = Scenario.layering(scenarioFiles)
      scenario = Scenario.layering(scenarioFiles + [scenario])
      if model.scenarios.isEmpty { scenario.name = fromFile.name }
    }
    if let mode = booleanMode ?? file?.boolean?.update {
      let sets = isKnockoutSweep ? try perturbationSets(loaded) : nil
      let setup = try booleanSetup(
        loaded, mode: mode, scenario: scenario, dimensions: dimensions, sets: sets, file: file, seed: chosenSeed)
      return try execute(setup: setup, seed: chosenSeed, shard: shardValue)
    }
    // Thousands of runs repay a native kernel's one-off compilation (same numbers either way).
    if scenario.solver.kernel == nil {
      scenario.solver.kernel = ProcessInfo.processInfo.environment["PATHWAY_KERNEL"] ?? KernelMode.auto.rawValue
    }
    let setup: any SweepSource
    if isKnockoutSweep {
      setup = try knockoutSetup(loaded, scenario: scenario, seed: chosenSeed)
    } else {
      let ode = try ODEModel(model: loaded)
      let spec = sweepSpec(
        dimensions, file: file, seed: chosenSeed, defaultMetrics: SweepSetup.defaultMetrics(ode: ode, scenario: scenario))
      setup = try SweepSetup(ode: ode, scenario: scenario, spec: spec)
      if !quiet && scenario.solver.kernel == KernelMode.auto.rawValue {
        do throws(PathwayError) {
          _ = try ode.nativeKernel(automatic: true)  // built once here, reused by every worker
        } catch {
          printError("note: --kernel auto runs the interpreter (same numbers, slower rate laws): "
                     + (error.diagnostics.first?.message ?? error.description))
        }
      }
    }
    return try execute(setup: setup, seed: chosenSeed, shard: shardValue)
  }

  /// Runs (or dumps, or submits) a resolved sweep; the exit code.
  private func execute(setup: any SweepSource, seed chosenSeed: UInt64, shard shardValue: SweepShard) throws(PathwayError) -> Int32 {
    let jobCount = jobs ?? ProcessInfo.processInfo.activeProcessorCount
    if dumpConfig {
      print(JSONValue.object([
        "scenario": .object(setup.record), "sweep": setup.plan.spec.record, "runs": .number(Double(setup.plan.runCount)),
      ]).rendered())
      return 0
    }
    if slurm { return try submit(setup: setup, seed: chosenSeed) }

    var options = SweepSession.Options(directory: output, modelPath: model.model)
    options.shard = shardValue
    options.jobs = jobCount
    options.failFast = failure == .failFast
    options.saveTrajectories = saveTrajectories
    options.wallTime = !noWallTime
    options.resume = resume
    options.arguments = Array(CommandLine.arguments.dropFirst())
    let session = try SweepSession(setup: setup, options: options)
    let stopper = InterruptHandler(session.execution, quiet: quiet)
    let reporter = ProgressReporter(quiet: quiet)
    if !quiet && session.resumed > 0 {
      printError("resuming: \(session.resumed) runs already finished, \(session.execution.total) to go")
    }
    let outcome = try session.run { reporter.update($0) }
    stopper.disarm()
    reporter.finish()
    if !quiet {
      let c = outcome.counts
      let rate = outcome.wallSeconds > 0 ? Double(outcome.computed) / outcome.wallSeconds : 0
      var line = "sweep \(outcome.status): \(c.ok + c.failed + c.notRun) runs (\(c.ok) ok, \(c.failed) failed, \(c.notRun) not run)"
      line += String(format: "; %d computed in %.2f s (", outcome.computed, outcome.wallSeconds)
        + runRate(rate) + ") on \(jobCount) thread\(jobCount == 1 ? "" : "s"); "
      line += session.runsPath
      printError(line)
      if c.failed > 0 { printError("simulate: \(c.failed) runs failed; their reasons are in the status column of \(session.runsPath)") }
      if outcome.stopReason == .interrupted { printError("simulate: interrupted; finish with the same command and --resume") }
    }
    return outcome.exitCode
  }

  /// The design from the command line and the sweep file (the command line wins).
  private func sweepSpec(_ dimensions: [SweepDimension], file: SweepFile?, seed: UInt64, defaultMetrics: @autoclosure () -> [String]) -> SweepSpec {
    var spec = SweepSpec(
      dimensions: dimensions, sampling: sampling ?? file?.sampling ?? .grid, samples: samples ?? file?.samples,
      levels: levels ?? file?.levels ?? 4, seed: seed, metrics: !metrics.isEmpty ? metrics : file?.metrics ?? defaultMetrics())
    // Problems with what the sweep file set are located there; what the command line set is not.
    var locations = file?.locations ?? [:]
    if sampling != nil { locations["sampling"] = nil }
    if samples != nil { locations["samples"] = nil }
    if levels != nil { locations["levels"] = nil }
    if !metrics.isEmpty { locations["metrics"] = nil }
    spec.locations = locations
    return spec
  }

  /// The Boolean ensemble sweep: --runs seeded Boolean runs per sweep run.
  private func booleanSetup(
    _ loaded: Model, mode: BooleanRunMode, scenario: Scenario, dimensions: [SweepDimension], sets: PerturbationSets?,
    file: SweepFile?, seed: UInt64
  ) throws(PathwayError) -> BooleanEnsembleSweepSetup {
    let continuous = mode == .continuous
    let outputOnly = amount != nil ? "--amount" : concentration != nil ? "--concentration" : nil
    if let flag = solver.flagWithoutBooleanMeaning(continuous: continuous) ?? outputOnly {
      throw PathwayError(
        .usage, "\(flag) applies to ODE sweeps\(continuous ? "" : " and --boolean continuous"); a Boolean sweep takes \(continuous ? "the time grid, " : "--steps, ")--runs, --initial, --select and the scenario options")
    }
    let steps = solver.steps ?? file?.boolean?.steps
    guard continuous || steps != nil else {
      throw PathwayError(
        .usage, "--boolean \(mode.rawValue) needs --steps N: the number of updates (N + 1 rows)",
        notes: file?.boolean == nil ? [] : ["or 'steps:' in the sweep file's boolean section"])
    }
    if continuous, let location = file?.boolean?.location, file?.boolean?.steps != nil {
      throw PathwayError(
        .invalidInput, [Diagnostic(.error, at: location, "boolean: steps counts the updates of sync and async runs; a continuous-time sweep takes its output grid from --steps, --dt, --points or --times")])
    }
    let names: [String]
    if let select = scenario.output.select {
      names = Scenario.expandSelection(select, among: loaded.nodes.map(\.id)).names
    } else {
      names = loaded.nodes.filter { !$0.isInput }.map(\.id)
    }
    var spec = sweepSpec(dimensions, file: file, seed: seed, defaultMetrics: names.map { "final(\($0))" })
    spec.perturbationSets = sets
    let choice = try Run.initialChoice(initial, model: loaded, network: try BooleanNetwork(model: loaded))
    let setup = try BooleanEnsembleSweepSetup(
      model: loaded, scenario: scenario, spec: spec, mode: mode, steps: steps ?? 0, replicates: replicates ?? file?.boolean?.runs ?? 1000,
      initial: choice)
    if !quiet { for warning in setup.warnings { printError(warning.description) } }
    return setup
  }

  /// The sets of a knockout sweep: --knockouts and --overexpressions (or all nodes but the
  /// inputs) in sets of --sizes.
  private func perturbationSets(_ loaded: Model) throws(PathwayError) -> PerturbationSets {
    func nodes(_ text: String?) -> [String] {
      guard let text else { return [] }
      if text == "all" { return loaded.nodes.filter { !$0.isInput }.map(\.id) }
      return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    var setSizes: [Int] = [0, 1, 2]
    if let sizes {
      setSizes = []
      for part in sizes.split(separator: ",") {
        guard let k = Int(part.trimmingCharacters(in: .whitespaces)) else {
          throw PathwayError(.usage, "--sizes takes whole numbers such as 0,1,2, found '\(sizes)'")
        }
        setSizes.append(k)
      }
    }
    // The default sizes stop at the number of nodes listed (one node: the unperturbed network and it).
    if sizes == nil {
      let distinct = Set(nodes(knockouts) + nodes(overexpressions)).count
      setSizes = setSizes.filter { $0 <= max(1, distinct) }
    }
    return PerturbationSets(
      knockout: nodes(knockouts), overexpress: nodes(overexpressions), sizes: setSizes, update: update ?? .synchronous)
  }

  /// The knockout sweep: sets of --knockouts and --overexpressions of --sizes, one attractor
  /// search each, on the Boolean network with the scenarios' perturbations applied.
  private func knockoutSetup(_ loaded: Model, scenario: Scenario, seed: UInt64) throws(PathwayError) -> BooleanSweepSetup {
    let sets = try perturbationSets(loaded)
    let readouts = metrics.isEmpty ? loaded.nodes.filter { $0.kind == .output }.map { "on(\($0.id))" } : metrics
    var spec = SweepSpec(
      dimensions: [], sampling: sampling ?? .grid, samples: samples, seed: seed, metrics: PerturbationSets.summaryMetrics + readouts)
    spec.perturbationSets = sets
    // As in `simulate attractors`: the scenario's perturbations, and its doses fixing its inputs.
    let (pins, warnings) = try BooleanSetup.searchPins(knockout: [], overexpress: [], scenario: scenario, model: loaded)
    if !quiet { for warning in warnings { printError(warning.description) } }
    return try BooleanSweepSetup(model: loaded, pins: pins, spec: spec)
  }

  /// The shard command's arguments: everything that defines the sweep, without output, shard,
  /// seed, jobs and Slurm options (the scripts add their own).
  func shardArguments() -> [String] {
    var args = [model.model]
    for path in model.scenarios { args += ["--scenario", path] }
    for setting in model.settings { args += ["--set", setting] }
    for name in model.perturbations { args += ["--perturbation", name] }
    for node in model.knockouts { args += ["--knockout", node] }
    for node in model.overexpressions { args += ["--overexpress", node] }
    if model.undeclaredInputs { args.append("--undeclared-inputs") }
    func add(_ flag: String, _ value: Double?) { if let value { args += [flag, formatNumber(value)] } }
    add("--t-start", solver.tStart)
    add("--t-end", solver.tEnd)
    if let steps = solver.steps { args += ["--steps", String(steps)] }
    if let points = solver.points { args += ["--points", String(points)] }
    add("--dt", solver.dt)
    if let times = solver.timesFile { args += ["--times", times] }
    if let method = solver.method { args += ["--method", method] }
    if let kernel = solver.kernel { args += ["--kernel", kernel] }
    add("--rtol", solver.rtol)
    add("--atol", solver.atol)
    if let atolScale = solver.atolScale { args += ["--atol-scale", atolScale] }
    if let maxSteps = solver.maxSteps { args += ["--max-steps", String(maxSteps)] }
    add("--h-max", solver.hMax)
    add("--h-init", solver.hInit)
    if let sweepFile { args += ["--sweep", sweepFile] }
    if let knockouts { args += ["--knockouts", knockouts] }
    if let overexpressions { args += ["--overexpressions", overexpressions] }
    if let sizes { args += ["--sizes", sizes] }
    if let update { args += ["--update", update.rawValue] }
    if let booleanMode { args += ["--boolean", booleanMode.rawValue] }
    if let replicates { args += ["--runs", String(replicates)] }
    if let initial { args += ["--initial", initial] }
    for p in parameters { args += ["--param", p] }
    if let sampling { args += ["--sampling", sampling.rawValue] }
    if let samples { args += ["--samples", String(samples)] }
    if let levels { args += ["--levels", String(levels)] }
    for m in metrics { args += ["--metric", m] }
    if let select { args += ["--select", select] }
    if let amount { args += ["--amount", amount] }
    if let concentration { args += ["--concentration", concentration] }
    if saveTrajectories { args.append("--save-trajectories") }
    if failure == .failFast { args.append("--fail-fast") }
    if noWallTime { args.append("--no-wall-time") }
    if quiet { args.append("--quiet") }
    return args
  }

  /// Writes the array and merge scripts and submits them with sbatch.
  private func submit(setup: any SweepSource, seed: UInt64) throws(PathwayError) -> Int32 {
    let runs = setup.plan.runCount
    let shards = min(array ?? 10, max(1, runs))
    let cwd = FileManager.default.currentDirectoryPath
    let absoluteOutput = output.hasPrefix("/") ? output : cwd + "/" + output
    let job = SlurmJob(
      executable: executablePath(), arguments: shardArguments(), seed: seed, shards: shards, jobsPerTask: jobs ?? 1,
      partition: partition, directory: absoluteOutput, workingDirectory: cwd)
    do {
      try FileManager.default.createDirectory(atPath: job.scriptDirectory, withIntermediateDirectories: true)
    } catch {
      throw PathwayError(.cannotCreateOutput, "cannot create \(job.scriptDirectory): \((error as NSError).localizedDescription)")
    }
    try OutputFile.write(job.arrayScript, to: job.arrayScriptPath)
    try OutputFile.write(job.mergeScript, to: job.mergeScriptPath)
    guard let arrayID = try sbatch(["--parsable", job.arrayScriptPath]) else {
      throw PathwayError(
        .unavailable, "sbatch is not on PATH, so nothing was submitted",
        notes: ["the scripts are in \(job.scriptDirectory); on a Slurm login node run: jid=$(sbatch --parsable \(job.arrayScriptPath)) && sbatch --dependency=afterany:$jid \(job.mergeScriptPath)"])
    }
    guard let mergeID = try sbatch(["--parsable", "--dependency=afterany:\(arrayID)", job.mergeScriptPath]) else {
      throw PathwayError(.unavailable, "sbatch disappeared after submitting the array job \(arrayID)")
    }
    try RunManifest.record(
      [
        "command": .string("sweep --slurm"), "array_job": .string(arrayID), "merge_job": .string(mergeID),
        "shards": .number(Double(shards)), "runs": .number(Double(runs)), "seed": .string(String(seed)),
        "array_script": .string(job.arrayScriptPath), "merge_script": .string(job.mergeScriptPath),
      ], for: "slurm", in: absoluteOutput)
    if !quiet {
      printError(
        "submitted array job \(arrayID) (\(shards) shards of \(runs) runs) and merge job \(mergeID) after it; "
          + "results in \(output)/runs.csv once the merge job has run")
    }
    print(arrayID + " " + mergeID)
    return 0
  }

  /// Runs sbatch; its job id (the part before any ';cluster'), or nil when sbatch is missing.
  private func sbatch(_ arguments: [String]) throws(PathwayError) -> String? {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    guard let path = paths.map({ "\($0)/sbatch" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
      return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch { throw PathwayError(.unavailable, "cannot run sbatch: \(error)") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0, let id = text.split(separator: ";").first, !id.isEmpty else {
      throw PathwayError(
        .unavailable, "sbatch failed (exit \(process.terminationStatus)): \(errors.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
    return String(id)
  }

  private func executablePath() -> String {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
    let first = CommandLine.arguments[0]
    return first.hasPrefix("/") ? first : FileManager.default.currentDirectoryPath + "/" + first
  }
}

extension Sampling: ExpressibleByArgument {}

/// Ctrl-C (SIGINT) and SIGTERM (Slurm's time limit) stop a sweep cleanly: no new run starts,
/// runs in progress are cancelled, finished rows and the manifest are written, exit 130. A
/// second signal exits at once.
final class InterruptHandler: @unchecked Sendable {
  private var sources: [DispatchSourceSignal] = []
  private let lock = NSLock()
  private var signals = 0

  init(_ execution: SweepExecution, quiet: Bool) {
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { [self] in
        lock.lock()
        signals += 1
        let count = signals
        lock.unlock()
        if count > 1 { _exit(130) }
        if !quiet { printError("\nsimulate: stopping: writing the finished runs (signal again to quit at once)") }
        execution.requestStop(.interrupted)
      }
      source.resume()
      sources.append(source)
    }
  }

  func disarm() {
    for source in sources { source.cancel() }
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }
}

/// Sweep progress on stderr (`ProgressLine`): runs done and failed, rate, ETA.
final class ProgressReporter {
  private let line: ProgressLine

  init(quiet: Bool) { line = ProgressLine(label: "sweep", quiet: quiet) }

  func update(_ p: SweepProgress) {
    guard p.total > 0 else { return }
    let rate = p.elapsed > 0 ? Double(p.done) / p.elapsed : 0
    line.update(
      fraction: Double(p.done) / Double(p.total),
      detail: String(format: "%d/%d runs, %d failed, ", p.done, p.total, p.failed) + runRate(rate))
  }

  func finish() { line.finish() }
}

/// A throughput for people: "250 runs/s", "3.2 runs/s", or "12 s/run" when slower than one a second.
func runRate(_ runsPerSecond: Double) -> String {
  if runsPerSecond >= 10 { return String(format: "%.0f runs/s", runsPerSecond) }
  if runsPerSecond >= 1 { return String(format: "%.1f runs/s", runsPerSecond) }
  if runsPerSecond > 0 { return String(format: "%.3g s/run", 1 / runsPerSecond) }
  return "– runs/s"
}
