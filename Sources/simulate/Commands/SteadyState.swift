import ArgumentParser
import Foundation
import PathwayModel

struct SteadyStateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "steady-state",
    abstract: "Find a steady state of a model under a scenario, with its stability.",
    discussion: """
      The stimuli are held at their values at --at (default: the scenario's start); knockouts, \
      pins, scales and --set apply as in run. A state is steady when every |dy/dt| ≤ atol + \
      rtol·|y| (per model time unit). --method auto (default) tries damped Newton from the \
      initial state, then integrates forward over growing horizons (1, 10, 100, … up to \
      --max-time), checking the criterion and trying Newton again after each; newton and \
      integrate use one method only. Conserved moieties, constant and pinned states are found \
      from the Jacobian and held at their initial totals. Stderr tells which attempt succeeded; \
      the stability comes from the eigenvalues of the Jacobian reduced by the conservation laws.

      Writes OUT like run (wide: time,<ids>, one row at --at; long: time,variable,value) and \
      manifest.json beside it: the attempts, the residual, dy/dt per state, the conservation \
      laws, the eigenvalues and the stability. Exit 1 when no steady state is found (nothing is \
      written but the manifest); 65 for a model with events or rates that depend on time \
      explicitly.
      """)

  @OptionGroup var model: ModelOptions

  @Option(help: ArgumentHelp("auto (Newton, then integration), newton, or integrate.", valueName: "auto|newton|integrate"))
  var method: SteadyStateMethod = .auto

  @Option(help: "Time at which the stimuli are read (default: the scenario's start).")
  var at: Double?

  @Option(help: "Criterion: relative tolerance on the rates (default 1e-9).")
  var rtol: Double?

  @Option(help: "Criterion: absolute tolerance on the rates (default 1e-12).")
  var atol: Double?

  @Option(name: .customLong("max-time"), help: "The longest forward integration, in model time units (default 1e10).")
  var maxTime: Double?

  @Option(name: .customLong("max-iterations"), help: "Newton iterations per attempt (default 100).")
  var maxIterations: Int?

  @Flag(name: .customLong("allow-negative"), help: "Accept a steady state with negative values.")
  var allowNegative = false

  @Option(help: ArgumentHelp("The integrator for the forward integration (default: the scenario's, or rodas5p).", valueName: Stepper.allCases.map(\.rawValue).joined(separator: "|")))
  var integrator: String?

  @Option(help: ArgumentHelp("How rate laws are evaluated (see run).", valueName: KernelMode.allCases.map(\.rawValue).joined(separator: "|")))
  var kernel: String?

  @OptionGroup var out: OutputOptionGroup

  @Flag(name: .customLong("dump-config"), help: "Print the fully resolved configuration as JSON on stdout and exit without running.")
  var dumpConfig = false

  func validate() throws {
    if out.outputPath == nil && !dumpConfig { throw OutputOptionGroup.missingOutput }
    for (name, value) in [("--rtol", rtol), ("--atol", atol), ("--max-time", maxTime)] {
      if let value, !(value > 0) || !value.isFinite { throw ValidationError("\(name) must be positive and finite") }
    }
    if let at, !at.isFinite { throw ValidationError("--at must be finite") }
    if let maxIterations, maxIterations < 1 { throw ValidationError("--max-iterations must be at least 1") }
    if let integrator, Stepper(rawValue: integrator) == nil {
      throw ValidationError("unknown integrator '\(integrator)'; methods: " + Stepper.allCases.map(\.rawValue).joined(separator: ", "))
    }
    if let kernel, KernelMode(rawValue: kernel) == nil {
      throw ValidationError("unknown kernel '\(kernel)'; kernels: " + KernelMode.allCases.map(\.rawValue).joined(separator: ", "))
    }
    do { try KernelMode.validateEnvironment() } catch { throw ValidationError(error.diagnostics.map(\.message).joined(separator: "; ")) }
  }

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let loaded = try model.load()
      var cliLayer = Scenario()
      out.apply(to: &cliLayer)
      cliLayer.solver.method = integrator
      cliLayer.solver.kernel = kernel
      var scenario = try model.scenario(extra: cliLayer)
      // The time span only matters to a scenario's stimuli; steady state needs none.
      if scenario.time.end == nil { scenario.time.end = (scenario.time.start ?? 0) + 1 }
      let ode = try ODEModel(model: loaded)
      if let reason = SteadyStateFinder.unsupportedReason(ode) {
        throw PathwayError(.invalidInput, "\(model.model): steady state: \(reason)")
      }
      let run = try scenario.resolve(for: ode)
      var options = SteadyStateOptions()
      options.method = method
      if let rtol { options.rtol = rtol }
      if let atol { options.atol = atol }
      if let maxTime { options.maxTime = maxTime }
      if let maxIterations { options.maxIterations = maxIterations }
      options.allowNegative = allowNegative
      let time = at ?? run.start
      if dumpConfig {
        // The run's resolved scenario and, apart, the search's own settings (its rtol and atol
        // are the convergence criterion, not the integrator's).
        var record = run.record
        record["steady_state"] = .object([
          "method": .string(options.method.rawValue), "at": .number(time), "rtol": .number(options.rtol),
          "atol": .number(options.atol), "max_time": .number(options.maxTime),
          "max_iterations": .number(Double(options.maxIterations)), "allow_negative": .bool(options.allowNegative),
        ])
        return print(JSONValue.object(record).rendered())
      }
      let solver = try ODESolver(ode, options: run.options, outputs: try ode.compileOutputs(run.columns))
      let (parameters, initial) = try run.startingPoint(with: solver)
      let clock = ContinuousClock.now
      let result = try SteadyStateFinder(solver: solver).find(parameters, initial: initial, at: time, options: options)
      let seconds = (ContinuousClock.now - clock) / .seconds(1)
      for attempt in result.attempts {
        printError("\(attempt.method): \(attempt.succeeded ? "" : "failed: ")\(attempt.detail)")
      }
      let names = ode.stateNames
      let largest = result.eigenvalues.first
      if result.converged {
        var line = "steady state (\(result.method ?? "")): \(result.stability)"
        if let largest {
          line += "; largest eigenvalue real part \(formatNumber(largest.re))"
          if largest.im != 0 { line += " (±\(formatNumber(abs(largest.im)))i)" }
        }
        if !result.conservationLaws.isEmpty {
          line += "; \(result.conservationLaws.count) conservation law\(result.conservationLaws.count == 1 ? "" : "s") held"
        }
        printError(line)
        if result.stability == "unstable" && method != .integrate {
          printError("note: this steady state is unstable; --method integrate follows the dynamics from the initial state instead")
        }
        if result.stability == "marginal" && method != .integrate {
          printError(
            "note: a zero eigenvalue: this steady state may not be isolated (a continuum of them), and Newton's point is one of "
              + "many; --method integrate gives the one the dynamics reach from the initial state")
        }
        var trajectory = Trajectory(names: solver.outputNames)
        trajectory.times = [time]
        result.state.withUnsafeBufferPointer { solver.workspace.appendOutputs(time, $0.baseAddress!, to: &trajectory.values) }
        let file = try OutputFile(path: out.output)
        try CSVWriter.write(trajectory, layout: run.layout, to: file, separator: CSVWriter.separator(forPath: out.output))
        try file.commit()
      }
      if out.output != "-" {
        let laws: [JSONValue] = result.conservationLaws.map { row in
          .string(Self.describe(row, names: names))
        }
        var rates: [String: JSONValue] = [:]
        for (name, rate) in zip(names, result.rates) { rates[name] = .number(rate) }
        let entry: [String: JSONValue] = [
          "command": .string("steady-state"),
          "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
          "scenario": .object(run.record),
          "status": .string(result.converged ? "ok" : "failed:no_steady_state"),
          "steady_state": .object([
            "method_requested": .string(method.rawValue),
            "method": result.method.map(JSONValue.string) ?? .null,
            "at": .number(time),
            "criterion": .string("|dy/dt| <= \(formatNumber(options.atol)) + \(formatNumber(options.rtol))*|y|"),
            "residual": .number(result.residual),
            "worst_state": .string(names.isEmpty ? "" : names[result.worstState]),
            "integrated_time": .number(result.integratedTime),
            "attempts": .array(result.attempts.map {
              .object(["method": .string($0.method), "succeeded": .bool($0.succeeded), "detail": .string($0.detail)])
            }),
            "conservation_laws": .array(laws),
            "eigenvalues": .array(result.eigenvalues.map { .array([.number($0.re), .number($0.im)]) }),
            "stability": .string(result.stability),
            "rates": .object(rates),
            "wall_seconds": .number(seconds),
          ]),
        ]
        try RunManifest.record(entry, for: Paths.lastComponent(of: out.output), in: Paths.directory(of: out.output))
      }
      if !result.converged {
        let worst = names.isEmpty ? "" : names[result.worstState]
        let rate = "d\(worst)/dt = \(formatNumber(result.rates.isEmpty ? 0 : result.rates[result.worstState])) (\(formatNumber(result.residual)) × the tolerance)"
        if method == .newton {
          // Newton alone: say how it ended (the attempts above), not what integration would mean.
          let rejected = result.attempts.contains { $0.detail.contains("< 0; rejected") }
          throw PathwayError(
            .simulationFailed, "\(model.model): Newton found no steady state (the lines above say how it ended); at the initial state \(rate)",
            notes: [rejected
              ? "it converged to a state with a negative value; --allow-negative accepts it"
              : "--method auto (the default) integrates when Newton fails; --max-iterations allows more iterations"])
        }
        throw PathwayError(
          .simulationFailed,
          "\(model.model): no steady state found; the largest rate is \(rate) after integrating \(formatNumber(result.integratedTime)) time units",
          notes: ["the model may oscillate or grow without bound, or the integrator's noise may keep the rates above the tolerance; "
            + "`simulate run` shows its time course, and a looser --rtol/--atol"
            + (run.options.method.isImplicit
              ? " may settle it (the integration used \(run.options.method.rawValue), a stiff method already)"
              : " or a stiff integrator (--integrator rodas5p; it used \(run.options.method.rawValue)) may settle it")])
      }
    }
  }

  /// A conservation law as text: `A + B + 2 C` (coefficients scaled so the largest is 1).
  static func describe(_ row: [Double], names: [String]) -> String {
    var text = ""
    for (j, c) in row.enumerated() where c != 0 {
      let magnitude = abs(c)
      let term = (abs(magnitude - 1) < 1e-12 ? "" : formatNumber(magnitude) + "*") + names[j]
      if text.isEmpty { text = (c < 0 ? "-" : "") + term } else { text += (c < 0 ? " - " : " + ") + term }
    }
    return text
  }
}

extension SteadyStateMethod: ExpressibleByArgument {}
