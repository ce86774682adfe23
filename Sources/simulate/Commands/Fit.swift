import ArgumentParser
import Foundation
import PathwayModel

struct FitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Estimate parameters from measured time courses (weighted least squares, Levenberg–Marquardt).",
    discussion: """
      Minimizes Σ ((simulated − observed)/σ)² over every value of every data file with GSL's \
      trust-region Levenberg–Marquardt. A data file is a CSV whose first column is time and whose \
      other columns are model outputs (as run --select names them; --amount and --concentration \
      choose a species' unit); an empty field or NA is missing; a column X_sd gives the standard \
      deviation of X (without one, σ = 1 and the standard errors are scaled by the residual \
      variance). --data FILE@SCENARIO adds a scenario layer (a stimulus, a knockout) for that \
      experiment only, on top of --scenario and before --set.

      --scale X fits a factor scale(X) for data in arbitrary units (data = scale(X) · X, shared \
      by the experiments; X@EXPERIMENT, the data file's name without extension, gives that \
      experiment its own factor); each starts from its best value for the starting quantities.

      --fit NAME or NAME=LOWER:UPPER names a quantity to estimate: a parameter, an input's \
      constant dose, NODE.initial, or a logic-derived node's NODE.tau, NODE.n, NODE.k. It starts \
      from its value in the run (--set changes it) and is searched on a log scale when positive \
      (--linear NAME for a linear one), through a logistic map when bounded. ∂y/∂p comes from the \
      forward sensitivity equations, or from central differences of whole runs for models with \
      events or delays. --starts N adds N − 1 starts drawn inside the bounds from --seed.

      --profile holds each quantity at values stepping away from the optimum, fits the others \
      again at each, and reports where the profile crosses the 95 % likelihood-ratio threshold \
      (Δχ² = 3.84): an interval that needs no linearity, unbounded on a side the data do not limit.

      Writes into the folder -o: estimates.csv (estimate, standard error, approximate 95 % \
      interval, on the quantity's scale, and the profile's), residuals.csv, trajectories.csv (the \
      fitted model on 201 points per experiment, long layout), starts.csv (with --starts), \
      profiles.csv (with --profile), fit.json (all of it, with correlations, AIC, BIC and the \
      solver's statistics) and manifest.json.
      """)

  @OptionGroup var model: ModelOptions
  @OptionGroup var solver: SolverOptionGroup

  @Option(
    name: .customLong("data"),
    help: ArgumentHelp("A data file (CSV: time, then outputs); FILE@SCENARIO adds a scenario for this experiment. Repeat for several.", valueName: "file[@scenario]"))
  var data: [String] = []

  @Option(
    name: .customLong("fit"),
    help: ArgumentHelp("Quantities to estimate, comma-separated or repeated: NAME or NAME=LOWER:UPPER.", valueName: "spec"))
  var fit: [String] = []

  @Option(
    name: .customLong("scale"),
    help: ArgumentHelp("Measured variables in arbitrary units: fit a factor scale(X) with data = scale(X) · X; X@EXPERIMENT for one experiment's own factor (comma-separated or repeated).", valueName: "ids"))
  var scale: [String] = []

  @Option(name: .customLong("linear"), help: ArgumentHelp("Search these quantities on a linear scale (comma-separated or repeated).", valueName: "names"))
  var linear: [String] = []

  @Option(help: "Optimizations from different starting points (the first from the run's values, the others drawn inside the bounds).")
  var starts: Int = 1

  @Option(help: "Seed of the drawn starting points (default: drawn and recorded in fit.json).")
  var seed: UInt64?

  @Option(help: "Threads the starts are spread over (the results do not depend on it).")
  var jobs: Int = 1

  @Flag(help: "Profile each quantity (the others fitted again at each value) for likelihood-ratio 95 % intervals; writes profiles.csv.")
  var profile = false

  @Option(name: .customLong("profile-steps"), help: "Most profile points per quantity and side.")
  var profileSteps: Int = 20

  @Option(name: .customLong("max-iterations"), help: "Iterations per start.")
  var maximumIterations: Int = 200

  @Option(help: "Converged when no step changes a coordinate by more than xtol relative.")
  var xtol: Double = 1e-8

  @Option(help: "Converged when the scaled gradient falls below gtol.")
  var gtol: Double = 1e-8

  @Option(help: ArgumentHelp("Species whose data are amounts, comma-separated (SBML models).", valueName: "ids"))
  var amount: String?

  @Option(help: ArgumentHelp("Species whose data are concentrations, comma-separated.", valueName: "ids"))
  var concentration: String?

  @Option(name: [.customShort("o"), .customLong("output")], help: "Output folder.")
  var output: String

  @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress or summary on stderr.")
  var quiet = false

  func validate() throws {
    if data.isEmpty { throw ValidationError("Missing expected argument '--data <file[@scenario]>'") }
    if specs.isEmpty && scaled.isEmpty { throw ValidationError("Missing expected argument '--fit <spec>'") }
    if starts < 1 { throw ValidationError("--starts must be at least 1") }
    if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if profileSteps < 1 { throw ValidationError("--profile-steps must be at least 1") }
    if maximumIterations < 1 { throw ValidationError("--max-iterations must be at least 1") }
    if !(xtol > 0) || !(gtol > 0) { throw ValidationError("--xtol and --gtol must be positive") }
    if solver.tEnd != nil || solver.steps != nil || solver.points != nil || solver.dt != nil || solver.timesFile != nil {
      throw ValidationError("the data files give the output times: --t-end, --steps, --points, --dt and --times do not apply to fit")
    }
    if output == "-" { throw ValidationError("fit writes several files: give -o a folder") }
  }

  var scaled: [String] {
    commaList(scale)
  }

  var specs: [String] {
    commaList(fit)
  }

  /// `NAME` or `NAME=LOWER:UPPER`.
  static func parse(_ spec: String, linear: Set<String>) throws(PathwayError) -> (
    name: String, scale: FitQuantity.Scale?, lower: Double?, upper: Double?, start: Double?
  ) {
    guard let equals = spec.firstIndex(of: "=") else { return (spec, linear.contains(spec) ? .linear : nil, nil, nil, nil) }
    let name = spec[..<equals].trimmingCharacters(in: .whitespaces)
    let range = spec[spec.index(after: equals)...].split(separator: ":", omittingEmptySubsequences: false)
    guard range.count == 2, let lower = Double(range[0].trimmingCharacters(in: .whitespaces)),
      let upper = Double(range[1].trimmingCharacters(in: .whitespaces)), lower.isFinite, upper.isFinite
    else {
      throw PathwayError(.usage, "--fit \(spec): expected NAME or NAME=LOWER:UPPER with finite numbers")
    }
    return (name, linear.contains(name) ? .linear : nil, lower, upper, nil)
  }

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let loaded = try model.load(quiet: quiet)
      var cliLayer = try solver.layer()
      cliLayer.output.amount = amount.map { commaList($0) }
      cliLayer.output.concentration = concentration.map { commaList($0) }
      let ode = try ODEModel(model: loaded)

      // Experiments: the shared layers, the experiment's own scenario, then the command line.
      var experiments: [FitExperiment] = []
      var names = Set<String>()
      for entry in data {
        var file = entry
        var extra: [String] = []
        if let at = entry.lastIndex(of: "@"), !FileManager.default.fileExists(atPath: entry) {
          file = String(entry[..<at])
          extra = [String(entry[entry.index(after: at)...])]
        }
        let observed = try ObservedData.read(path: file)
        var scenario = try ModelOptions.layered(
          scenarios: model.scenarios + extra, settings: model.settings, extra: cliLayer, knockouts: model.knockouts,
          overexpressions: model.overexpressions, perturbations: model.perturbations, unnamed: Paths.stem(of: model.model))
        // A fit solves the model hundreds of times: a native kernel repays its compilation (same numbers).
        if scenario.solver.kernel == nil {
          scenario.solver.kernel = ProcessInfo.processInfo.environment["PATHWAY_KERNEL"] ?? KernelMode.auto.rawValue
        }
        var name = Paths.stem(of: file)
        var k = 2
        while names.contains(name) {
          name = "\(Paths.stem(of: file))_\(k)"
          k += 1
        }
        names.insert(name)
        experiments.append(FitExperiment(name: name, scenario: scenario, data: observed))
      }
      let linearNames = Set(commaList(linear))
      var parsed: [(name: String, scale: FitQuantity.Scale?, lower: Double?, upper: Double?, start: Double?)] = []
      for spec in specs { parsed.append(try Self.parse(spec, linear: linearNames)) }
      for name in linearNames where !parsed.contains(where: { $0.name == name }) {
        throw PathwayError(.usage, "--linear \(name): '\(name)' is not among the --fit quantities")
      }

      let problem = try ParameterFit(ode: ode, experiments: experiments, quantities: parsed, scales: scaled)
      var options = FitOptions()
      options.starts = starts
      options.jobs = jobs
      options.maximumIterations = maximumIterations
      options.xtol = xtol
      options.gtol = gtol
      let seed = self.seed ?? UInt64.random(in: 0..<(1 << 53))
      options.seed = seed
      if !quiet, let refusal = problem.sensitivityRefusal {
        printError("note: ∂y/∂p by central differences of whole runs (\(refusal))")
      }
      let clock = ContinuousClock.now
      let result = try problem.fit(options: options) { start, iteration, cost in
        if !quiet {
          printError("fit: \(starts > 1 ? "start \(start + 1) of \(starts), " : "")iteration \(iteration): sum of squares \(formatNumber(cost))")
        }
      }
      var profiles: [ParameterFit.Profile] = []
      if profile {
        profiles = problem.profiles(around: result, options: options, maximumSteps: profileSteps) { name, step, delta in
          if !quiet { printError("profile \(name): point \(step), Δ \(formatNumber(delta))") }
        }
      }
      let seconds = Self.seconds(since: clock)

      try Self.createFolder(output)
      try Self.writeEstimates(result, profiles: profiles, to: output + "/estimates.csv")
      if profile { try Self.writeProfiles(profiles, to: output + "/profiles.csv") }
      try Self.writeResiduals(result, to: output + "/residuals.csv")
      try Self.writeTrajectories(problem, result, ode: ode, to: output + "/trajectories.csv")
      if starts > 1 { try Self.writeStarts(result, quantities: problem.quantities, to: output + "/starts.csv") }
      var record = Self.record(result, experiments: experiments, seed: starts > 1 ? seed : nil, seconds: seconds)
      if profile {
        record["profiles"] = .array(
          profiles.map { p in
            .object([
              "quantity": .string(p.quantity), "points": .number(Double(p.points.count)),
              "lower_95": p.lower95.map(JSONValue.number) ?? .null, "upper_95": p.upper95.map(JSONValue.number) ?? .null,
            ])
          })
        record["profile_threshold"] = .string(
          result.weighted ? "Δχ² = 3.84 (95 %, one degree of freedom)" : "n·ln(SS/SSmin) = 3.84 (95 %, one degree of freedom)")
      }
      try OutputFile.write(JSONValue.object(record).rendered() + "\n", to: output + "/fit.json")
      var entry: [String: JSONValue] = [
        "command": .string("fit"),
        "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
        "data": .array(experiments.map { .string($0.data.file) }),
        "fit": .object(record),
      ]
      if starts > 1 { entry["seed"] = Self.seedValue(seed) }
      try RunManifest.record(entry, for: "fit.json", in: output)

      if !quiet {
        printError("fit: \(result.stop) after \(result.iterations) iteration(s); sum of squares \(formatNumber(result.sumOfSquares)) over \(result.observations) values")
        for (j, e) in result.estimates.enumerated() {
          let interval = e.standardError.isFinite
            ? "95 % \(formatNumber(e.lower95)) … \(formatNumber(e.upper95))" : "not determined by the data"
          var line = "  \(e.quantity.name) = \(formatNumber(e.value))  (\(interval))\(e.atBound ? "  at its bound" : "")"
          if j < profiles.count {
            let p = profiles[j]
            line += "; profile 95 % \(p.lower95.map(formatNumber) ?? "unbounded") … \(p.upper95.map(formatNumber) ?? "unbounded")"
          }
          printError(line)
        }
        if !result.converged {
          printError("warning: the fit stopped at --max-iterations \(maximumIterations) without converging")
        }
      }
    }
  }

  /// A seed exactly: a JSON number below 2^53, a string above.
  static func seedValue(_ seed: UInt64) -> JSONValue { seed < 1 << 53 ? .number(Double(seed)) : .string(String(seed)) }

  static func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  static func createFolder(_ path: String) throws(PathwayError) {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
      if !isDirectory.boolValue { throw PathwayError(.cannotCreateOutput, "-o \(path) is a file; fit writes into a folder") }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw PathwayError(.cannotCreateOutput, "cannot create the folder \(path): \(error.localizedDescription)")
    }
  }

  static func write(_ lines: [[String]], to path: String) throws(PathwayError) {
    let file = try OutputFile(path: path)
    for line in lines { try file.write(line.map { CSVWriter.field($0) }.joined(separator: ",") + "\n") }
    try file.commit()
  }

  static func writeEstimates(_ r: FitResult, profiles: [ParameterFit.Profile], to path: String) throws(PathwayError) {
    var lines = [[
      "name", "scale", "start", "estimate", "standard_error", "lower_95", "upper_95", "at_bound", "lower", "upper",
      "profile_lower_95", "profile_upper_95",
    ]]
    for (j, e) in r.estimates.enumerated() {
      let q = e.quantity
      // A profile that stays below the threshold on a side gives no bound there: -inf / inf.
      let profile = j < profiles.count ? profiles[j] : nil
      lines.append([
        q.name, q.scale.rawValue, formatNumber(q.start), formatNumber(e.value), formatNumber(e.standardError),
        formatNumber(e.lower95), formatNumber(e.upper95), e.atBound ? "true" : "false",
        q.lower.map(formatNumber) ?? "", q.upper.map(formatNumber) ?? "",
        profile.map { formatNumber($0.lower95 ?? -.infinity) } ?? "", profile.map { formatNumber($0.upper95 ?? .infinity) } ?? "",
      ])
    }
    try write(lines, to: path)
  }

  static func writeProfiles(_ profiles: [ParameterFit.Profile], to path: String) throws(PathwayError) {
    var lines = [["quantity", "value", "sum_of_squares", "delta", "status"]]
    for p in profiles {
      for point in p.points {
        lines.append([p.quantity, formatNumber(point.value), formatNumber(point.sumOfSquares), formatNumber(point.delta), point.status])
      }
    }
    try write(lines, to: path)
  }

  static func writeResiduals(_ r: FitResult, to path: String) throws(PathwayError) {
    var lines = [["experiment", "time", "variable", "observed", "sd", "simulated", "residual"]]
    for x in r.residuals {
      lines.append([
        x.experiment, formatNumber(x.time), x.variable, formatNumber(x.observed), formatNumber(x.sd),
        formatNumber(x.simulated), formatNumber(x.residual),
      ])
    }
    try write(lines, to: path)
  }

  static func writeTrajectories(_ problem: ParameterFit, _ r: FitResult, ode: ODEModel, to path: String) throws(PathwayError) {
    var lines = [["experiment", "time", "variable", "value"]]
    for (e, experiment) in problem.experiments.enumerated() {
      let run = try problem.scenario(e, values: r.estimates.map(\.value), points: 201).resolve(for: ode)
      let solution = try run.simulate(ode)
      let trajectory = solution.trajectory
      for row in 0..<trajectory.rowCount {
        let t = formatNumber(trajectory.times[row])
        for (c, variable) in experiment.data.variables.enumerated() {
          // In the data's units: times the variable's observation scale when one was fitted.
          let factor = (r.estimates.first { $0.quantity.scaledVariable == "\(variable)@\(experiment.name)" }
            ?? r.estimates.first { $0.quantity.scaledVariable == variable })?.value ?? 1
          lines.append([experiment.name, t, variable, formatNumber(factor * trajectory.value(row: row, column: c))])
        }
      }
    }
    try write(lines, to: path)
  }

  static func writeStarts(_ r: FitResult, quantities: [FitQuantity], to path: String) throws(PathwayError) {
    var header = ["start"]
    header += quantities.map { "\($0.name)_start" }
    header += quantities.map { "\($0.name)_estimate" }
    header += ["sum_of_squares", "iterations", "status"]
    var lines = [header]
    for (i, s) in r.starts.enumerated() {
      var line = [String(i + 1)] + s.start.map(formatNumber)
      line += s.estimate.map { $0.map(formatNumber) } ?? quantities.map { _ in "" }
      line += [s.cost.map(formatNumber) ?? "", String(s.iterations), s.status]
      lines.append(line)
    }
    try write(lines, to: path)
  }

  static func record(_ r: FitResult, experiments: [FitExperiment], seed: UInt64?, seconds: Double) -> [String: JSONValue] {
    func number(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .string(formatNumber(x)) }
    var record: [String: JSONValue] = [
      "estimates": .array(
        r.estimates.map { e in
          var o: [String: JSONValue] = [
            "name": .string(e.quantity.name), "scale": .string(e.quantity.scale.rawValue), "start": number(e.quantity.start),
            "estimate": number(e.value), "standard_error": number(e.standardError), "lower_95": number(e.lower95),
            "upper_95": number(e.upper95), "at_bound": .bool(e.atBound),
          ]
          if let l = e.quantity.lower, let u = e.quantity.upper { o["bounds"] = .array([number(l), number(u)]) }
          return .object(o)
        }),
      "correlation": .array(r.correlation.map { .array($0.map(number)) }),
      "sum_of_squares": number(r.sumOfSquares),
      "observations": .number(Double(r.observations)),
      "degrees_of_freedom": .number(Double(r.observations - r.estimates.count)),
      "weighted": .bool(r.weighted),
      "aic": number(r.aic),
      "bic": number(r.bic),
      "information_criteria": .string(
        r.weighted ? "AIC = SS + 2k, BIC = SS + k ln n (SS the weighted sum of squares, χ²)"
          : "AIC = n ln(SS/n) + 2k, BIC = n ln(SS/n) + k ln n (Gaussian errors of unknown variance)"),
      "converged": .bool(r.converged),
      "stop": .string(r.stop),
      "iterations": .number(Double(r.iterations)),
      "residual_evaluations": .number(Double(r.evaluations)),
      "jacobian_evaluations": .number(Double(r.jacobianEvaluations)),
      "jacobian": .string(r.jacobianMethod),
      "method": .string("GSL gsl_multifit_nlinear: trust region, Levenberg–Marquardt steps, Moré scaling, QR"),
      "experiments": .array(
        experiments.map { .object(["name": .string($0.name), "data": .string($0.data.file), "scenario": .string($0.scenario.name)]) }),
      "starts": .number(Double(r.starts.count)),
      "best_start": .number(Double(r.best + 1)),
      "wall_seconds": .number(seconds),
    ]
    if let seed { record["seed"] = seedValue(seed) }
    return record
  }
}
