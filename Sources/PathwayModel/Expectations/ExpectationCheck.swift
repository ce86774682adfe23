import Foundation

/// The outcome of one expectation.
public struct ExpectationResult: Sendable {
  public var id: String
  public var text: String
  public var passed: Bool
  /// Each readout with its value, in order of appearance.
  public var readouts: [(name: String, value: Double)]
  public var left: Double
  public var right: Double
  public var comparison: Expectation.Comparison
  /// The tolerance of `≈`, if any.
  public var tolerance: Double?

  /// `id PASS text | readouts | left op right`.
  public var line: String {
    // Four significant digits, unless the two sides would then read the same although they are
    // not (1 == 1 is false): then every digit.
    let short = { (v: Double) in v.isFinite ? String(format: "%.4g", v) : formatNumber(v) }
    let full = left != right && short(left) == short(right)
    let f = full ? formatNumber : short
    var bound: String
    if comparison == .approximately, let tolerance {
      bound = "|\(f(left)) − \(f(right))| = \(f(abs(left - right))) ≤ \(f(tolerance))"
    } else {
      bound = "\(f(left)) \(comparison.rawValue) \(f(right))"
    }
    if !passed { bound += left.isFinite && right.isFinite && (tolerance ?? 0).isFinite ? " is false" : " fails: a side is not a finite number" }
    let observed = readouts.map { "\($0.name) = \(f($0.value))" }.joined(separator: ", ")
    return "\(id) \(passed ? "PASS" : "FAIL") \(text) | \(observed) | \(bound)"
  }
}

/// Runs the expectations of scenario files: each scenario referenced (by an expectation's own
/// file, or `in NAME`) runs once per mode it is read in, with its output grid extended by every
/// time a readout asks for. `plan(files:)` collects those times from every file first, so that
/// checking the files one by one gives the same values in any order; `max X` and `min X` read
/// the scenario's own output grid only, never the rows added for readouts.
public final class ExpectationChecker {
  struct LoadedScenario {
    var path: String
    var scenario: Scenario
    var modelPath: String
  }

  private let defaultModel: String?
  private var models: [String: (model: Model, ode: ODEModel)] = [:]
  private var scenarios: [String: LoadedScenario] = [:]
  private var odeRuns: [String: (trajectory: Trajectory, onGrid: [Bool])] = [:]
  private var booleanRuns: [String: BooleanScenarioResult] = [:]
  /// The readout times each scenario (by `key`) must have a row at.
  private var timesNeeded: [String: Set<Double>] = [:]

  /// - Parameter defaultModel: the model for scenario files that do not name one (`model:`).
  public init(defaultModel: String?) {
    self.defaultModel = defaultModel
  }

  private func model(at path: String) throws(PathwayError) -> (model: Model, ode: ODEModel) {
    if let cached = models[path] { return cached }
    let model = try ModelLoader.load(path)
    let ode = try ODEModel(model: model)
    models[path] = (model, ode)
    return (model, ode)
  }

  /// The cache key of a scenario path: `a/b.yaml`, `./a/b.yaml` and its absolute path are one file.
  private func key(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }

  private func load(_ path: String) throws(PathwayError) -> LoadedScenario {
    if let cached = scenarios[key(path)] { return cached }
    let scenario = try ScenarioReader.read(path: path)
    guard let modelPath = scenario.modelPath ?? defaultModel else {
      throw PathwayError(
        .usage, "\(path): the scenario names no model",
        notes: ["add 'model: path/to/model.yaml' to the scenario, or give the model first: simulate check MODEL FILES…"])
    }
    let loaded = LoadedScenario(path: path, scenario: scenario, modelPath: modelPath)
    scenarios[key(path)] = loaded
    return loaded
  }

  /// The file a readout's `in NAME` refers to: `NAME.yaml` (or `.yml`) in the folder of `from`.
  private func reference(_ name: String, from path: String, at location: SourceLocation?) throws(PathwayError) -> String {
    let directory = Paths.directory(of: path)
    for ext in ["yaml", "yml"] {
      let candidate = (directory.isEmpty ? "" : directory + "/") + name + "." + ext
      if FileManager.default.fileExists(atPath: candidate) { return candidate }
    }
    let siblings = ((try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? [])
      .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { Paths.stem(of: $0) }
    throw PathwayError(
      .invalidInput, at: location, "no scenario '\(name)' beside \(Paths.lastComponent(of: path))",
      notes: didYouMean(name, among: siblings).map { [$0] } ?? [])
  }

  /// Validates a scenario file against its model (names, times, solver options) without running it.
  public func validate(_ file: String) throws(PathwayError) {
    let loaded = try load(file)
    let (_, ode) = try model(at: loaded.modelPath)
    var scenario = loaded.scenario
    if scenario.time.end == nil { scenario.time.end = (scenario.time.start ?? 0) + 1 }
    _ = try scenario.resolve(for: ode)
  }

  /// Collects the readout times of every expectation in `files` before any scenario runs, so
  /// that each scenario runs once with every row any of them needs. Files that do not parse are
  /// skipped here; `check` reports their errors.
  public func plan(files: [String]) {
    for file in files {
      _ = try? parse(file)
    }
  }

  /// The expectations of `file`, parsed, with their readout times recorded.
  private func parse(_ file: String) throws(PathwayError) -> [Expectation] {
    let loaded = try load(file)
    let (model, _) = try model(at: loaded.modelPath)
    let units = Self.timeUnits(model.timeUnit)
    var parsed: [Expectation] = []
    var bag = DiagnosticBag()
    for spec in loaded.scenario.expectations {
      do {
        let expectation = try ExpectationParser.parse(
          spec.text, id: spec.id, location: spec.location, locator: spec.locator, timeUnits: units)
        for readout in expectation.readouts {
          let target = try readout.scenario.map { name throws(PathwayError) in try reference(name, from: file, at: readout.location) } ?? file
          if case .at(let t, _) = readout.kind { timesNeeded[key(target), default: []].insert(t) }
        }
        parsed.append(expectation)
      } catch {
        bag.append(contentsOf: error.diagnostics)
      }
    }
    try bag.throwIfErrors()
    return parsed
  }

  /// Checks the expectations of `files`, in order. Throws for invalid files (exit 65/66) and
  /// setup problems; failed expectations are results, not errors.
  public func check(files: [String]) throws(PathwayError) -> [ExpectationResult] {
    // Parse every expectation first, so that each scenario runs once with every time it needs.
    var parsed: [(file: String, expectation: Expectation)] = []
    var bag = DiagnosticBag()
    for file in files {
      do {
        parsed += try parse(file).map { (file, $0) }
      } catch where error.kind == .invalidInput {
        bag.append(contentsOf: error.diagnostics)
      }
    }
    try bag.throwIfErrors()

    var results: [ExpectationResult] = []
    for (file, expectation) in parsed {
      var observed: [(name: String, value: Double)] = []
      var values: [Expectation.Readout: Double] = [:]
      for readout in expectation.readouts where values[readout] == nil {
        let target = try readout.scenario.map { name throws(PathwayError) in try reference(name, from: file, at: readout.location) } ?? file
        let value = try self.value(of: readout, in: target)
        values[readout] = value
        observed.append((readout.description, value))
      }
      let left = expectation.left.evaluate { values[$0] ?? .nan }
      let right = expectation.right.evaluate { values[$0] ?? .nan }
      var tolerance: Double? = nil
      var passed: Bool
      switch expectation.comparison {
      case .less: passed = left < right
      case .lessEqual: passed = left <= right
      case .greater: passed = left > right
      case .greaterEqual: passed = left >= right
      case .equal: passed = left == right
      case .approximately:
        if case .plusMinus(_, let t) = expectation.right { tolerance = t.evaluate { values[$0] ?? .nan } }
        passed = abs(left - right) <= (tolerance ?? 0)
      }
      // A side that is not a finite number (a division by zero, a readout that is NaN) proves
      // nothing: inf > 1 is not a pass.
      if !left.isFinite || !right.isFinite || !(tolerance ?? 0).isFinite { passed = false }
      results.append(
        ExpectationResult(
          id: expectation.id, text: expectation.text, passed: passed, readouts: observed, left: left, right: right,
          comparison: expectation.comparison, tolerance: tolerance))
    }
    return results
  }

  private func value(of readout: Expectation.Readout, in path: String) throws(PathwayError) -> Double {
    let loaded = try load(path)
    let (model, ode) = try model(at: loaded.modelPath)
    if readout.isBoolean {
      let result: BooleanScenarioResult
      if let cached = booleanRuns[key(path)] {
        result = cached
      } else {
        result = try BooleanScenarioRun.run(model: model, scenario: loaded.scenario, maxSteps: loaded.scenario.boolean?.maxSteps ?? 1_000_000)
        booleanRuns[key(path)] = result
      }
      guard let v = result.average(of: readout.variable) else {
        throw PathwayError(
          .invalidInput, at: readout.location, "unknown node '\(readout.variable)'",
          notes: didYouMean(readout.variable, among: result.names).map { [$0] } ?? [])
      }
      return v
    }
    let trajectory: Trajectory
    let onGrid: [Bool]
    if let cached = odeRuns[key(path)] {
      (trajectory, onGrid) = cached
    } else {
      var scenario = loaded.scenario
      scenario.output.select = nil
      // The run writes a row at every time a readout needs, beside its own grid.
      var run = try scenario.resolve(for: ode)
      // Times past the end are reported by the readouts that ask for them (below).
      let grid = Set(run.times)
      let added = (timesNeeded[key(path)] ?? []).filter { $0 >= run.start && $0 <= run.end }.subtracting(grid)
      run.times = Array(grid.union(added)).sorted()
      let solution = try run.simulate(ode)
      if let failure = solution.failure {
        throw PathwayError(.simulationFailed, "\(Paths.stem(of: path)): \(failure)")
      }
      trajectory = solution.trajectory
      onGrid = trajectory.times.map { !added.contains($0) }
      odeRuns[key(path)] = (trajectory, onGrid)
    }
    guard let column = trajectory.names.firstIndex(of: readout.variable) else {
      throw PathwayError(
        .invalidInput, at: readout.location, "unknown readout '\(readout.variable)'",
        notes: didYouMean(readout.variable, among: trajectory.names).map { [$0] } ?? [])
    }
    let values = (0..<trajectory.rowCount).map { trajectory.value(row: $0, column: column) }
    // The output grid's rows (event rows included), without those added for readouts.
    let gridValues = values.indices.filter { onGrid[$0] }.map { values[$0] }
    switch readout.kind {
    case .maximum: return gridValues.max() ?? .nan
    case .minimum: return gridValues.min() ?? .nan
    case .at(let t, _):
      if let end = trajectory.times.last, t > end + 1e-12 * max(1, abs(end)) {
        throw PathwayError(
          .invalidInput, at: readout.location,
          "\(readout.description) is after the end of '\(Paths.stem(of: path))' (t = \(formatNumber(end)))")
      }
      if let start = trajectory.times.first, t < start - 1e-12 * max(1, abs(start)) {
        throw PathwayError(
          .invalidInput, at: readout.location,
          "\(readout.description) is before the start of '\(Paths.stem(of: path))' (t = \(formatNumber(start)))")
      }
      guard let row = trajectory.times.firstIndex(where: { abs($0 - t) <= 1e-9 * max(1, abs(t)) }) else {
        // A time no planned file asked for: run the scenario again with it.
        guard timesNeeded[key(path), default: []].insert(t).inserted else { return .nan }
        odeRuns[key(path)] = nil
        return try value(of: readout, in: path)
      }
      return values[row]
    case .attractor: return .nan
    }
  }

  /// Converts `value unit` into model time units, for models whose time unit is s, min, h or d.
  static func timeUnits(_ modelUnit: String?) -> ExpectationParser.TimeUnits {
    let seconds = TimeUnit.seconds
    return { value, unit in
      guard let modelUnit, let base = seconds[modelUnit], let factor = seconds[unit] else { return nil }
      return value * factor / base
    }
  }
}
