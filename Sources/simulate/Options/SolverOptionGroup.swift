import ArgumentParser
import PathwayModel

/// Time span, output grid and solver flags of a continuous run.
struct SolverOptionGroup: ParsableArguments {
  @Option(name: .customLong("t-start"), help: "Start time (model time units; default 0 or the scenario's).")
  var tStart: Double?

  @Option(name: .customLong("t-end"), help: "End time (model time units; required unless a scenario gives it).")
  var tEnd: Double?

  @Option(help: "Output grid: N intervals, N + 1 rows, both ends included.")
  var steps: Int?

  @Option(help: "Output grid: N rows evenly spaced, both ends included (the same as --steps N-1).")
  var points: Int?

  @Option(help: "Output grid: one row every D time units from the start; the end is included.")
  var dt: Double?

  @Option(name: .customLong("times"), help: "Output grid: a file with one output time per line.")
  var timesFile: String?

  @Option(help: ArgumentHelp("The integration method (GSL's steppers; the Swift methods rodas4, rodas5p, dopri5, and auto, which switches between rodas5p and dopri5 by stiffness).", valueName: Stepper.allCases.map(\.rawValue).joined(separator: "|")))
  var method: String?

  @Option(help: ArgumentHelp(
    "How rate laws are evaluated: the interpreter, native code compiled by the system C compiler (cached; same numbers, faster), or native when a compiler is found (default $PATHWAY_KERNEL, else interpreted for run and steady-state, auto for sweep and fit).",
    valueName: KernelMode.allCases.map(\.rawValue).joined(separator: "|")))
  var kernel: String?

  @Option(help: "Relative tolerance (default 1e-8; see README).")
  var rtol: Double?

  @Option(help: "Absolute tolerance (default 1e-12).")
  var atol: Double?

  @Option(name: .customLong("atol-scale"), help: ArgumentHelp(
    "compartment (default): --atol bounds the concentration of an SBML species reported as one (the amount's tolerance is atol × the compartment's size); none: --atol applies to every state as stored.",
    valueName: "compartment|none"))
  var atolScale: String?

  @Option(name: .customLong("max-steps"), help: "Fail after this many steps (default 1000000).")
  var maxSteps: Int?

  @Option(name: .customLong("h-max"), help: "Largest step size.")
  var hMax: Double?

  @Option(name: .customLong("h-init"), help: "First trial step of each segment.")
  var hInit: Double?

  func validate() throws {
    let grids = [steps != nil, points != nil, dt != nil, timesFile != nil].filter { $0 }.count
    if grids > 1 { throw ValidationError("give one of --steps, --points, --dt and --times") }
    if let points, points < 2 { throw ValidationError("--points must be at least 2 (both ends are rows)") }
    if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (the number of intervals)") }
    if let dt, !(dt > 0) { throw ValidationError("--dt must be positive") }
    for (name, value) in [("--rtol", rtol), ("--atol", atol), ("--h-max", hMax), ("--h-init", hInit)] {
      if let value, !(value > 0) { throw ValidationError("\(name) must be positive") }
    }
    if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1") }
    if let method, Stepper(rawValue: method) == nil {
      throw ValidationError(
        "unknown method '\(method)'; methods: " + Stepper.allCases.map(\.rawValue).joined(separator: ", "))
    }
    if let atolScale, AbsoluteToleranceScale(rawValue: atolScale) == nil {
      throw ValidationError("unknown --atol-scale '\(atolScale)'; use compartment or none")
    }
    if let kernel, KernelMode(rawValue: kernel) == nil {
      throw ValidationError(
        "unknown kernel '\(kernel)'; kernels: " + KernelMode.allCases.map(\.rawValue).joined(separator: ", "))
    }
    do { try KernelMode.validateEnvironment() } catch { throw ValidationError(error.diagnostics.map(\.message).joined(separator: "; ")) }
    if let tStart, !tStart.isFinite { throw ValidationError("--t-start must be finite") }
    if let tEnd, !tEnd.isFinite { throw ValidationError("--t-end must be finite") }
    if let tStart, let tEnd, tEnd <= tStart {
      throw ValidationError("--t-end (\(tEnd)) must be after --t-start (\(tStart))")
    }
  }

  /// The flags as a scenario layer (applied after the scenario files).
  /// The first flag given that a Boolean run has no use for: the solver's, and in discrete
  /// modes the time grid's (a discrete run counts --steps updates); nil when there is none.
  func flagWithoutBooleanMeaning(continuous: Bool) -> String? {
    let solverOnly: [(String, Bool)] = [
      ("--method", method != nil), ("--kernel", kernel != nil), ("--rtol", rtol != nil), ("--atol", atol != nil),
      ("--atol-scale", atolScale != nil), ("--max-steps", maxSteps != nil), ("--h-max", hMax != nil), ("--h-init", hInit != nil),
    ]
    let gridOnly: [(String, Bool)] = [
      ("--t-start", tStart != nil), ("--t-end", tEnd != nil), ("--dt", dt != nil), ("--times", timesFile != nil),
      ("--points", points != nil),
    ]
    return (solverOnly + (continuous ? [] : gridOnly)).first(where: \.1)?.0
  }

  func layer() throws(PathwayError) -> Scenario {
    var layer = Scenario()
    layer.time.start = tStart
    layer.time.end = tEnd
    if tStart != nil || tEnd != nil {
      layer.time.location = SourceLocation(file: Scenario.commandLine, line: 1, column: 1)
    }
    if let steps { layer.time.grid = .steps(steps) }
    if let points { layer.time.grid = .steps(points - 1) }
    if let dt { layer.time.grid = .dt(dt) }
    if let timesFile {
      let text = try InputFile.readText(timesFile)
      var times: [Double] = []
      for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let field = line.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if field.isEmpty || field.hasPrefix("#") || (i == 0 && field.lowercased() == "time") { continue }
        guard let t = Double(field), t.isFinite else {
          throw PathwayError(
            .invalidInput, at: SourceLocation(file: timesFile, line: i + 1, column: 1), "'\(field)' is not a time")
        }
        if let last = times.last, t <= last {
          throw PathwayError(
            .invalidInput, at: SourceLocation(file: timesFile, line: i + 1, column: 1), "output times must increase")
        }
        times.append(t)
      }
      if times.isEmpty {
        throw PathwayError(.invalidInput, at: SourceLocation(file: timesFile, line: 1, column: 1), "no output times")
      }
      layer.time.grid = .times(times)
      layer.time.gridLocation = SourceLocation(file: timesFile, line: 1, column: 1)
    }
    layer.solver.method = method
    layer.solver.kernel = kernel
    layer.solver.atolScale = atolScale
    layer.solver.rtol = rtol
    layer.solver.atol = atol
    layer.solver.maxSteps = maxSteps
    layer.solver.hMax = hMax
    layer.solver.hInitial = hInit
    return layer
  }
}
