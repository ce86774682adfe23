/// A sweep file (YAML), as `simulate sweep --sweep FILE` reads it (see `docs/sweeps.md`):
///
/// ```yaml
/// sweep: BMP9 dose × Runx2 time scale      # a name (optional)
/// scenarios: [scenarios/B1-BMP9.yaml]      # applied first, relative to this file
/// parameters:                              # what varies: a --set target and a range
///   BMP9: lin:0:1:11
///   Runx2.tau: log:1:100:5
///   kdeg: [0.1, 0.2, 0.5]                  # a list
/// sampling: grid                           # grid list lhs sobol random morris saltelli
/// samples: 1000                            # lhs, sobol, random; trajectories (morris); base points (saltelli)
/// levels: 4                                # morris grid levels
/// seed: 42
/// metrics: [final(Runx2), auc(ALP), "tcross(OCN,0.5)"]   # quoted: a comma inside [ ] splits the list
/// boolean:                                 # optional: Boolean ensembles instead of ODEs
///   update: continuous                     # sync, async or continuous
///   runs: 2000                             # Boolean runs per sweep run
///   steps: 100                             # sync, async: updates per run
/// ```
public struct SweepFile: Sendable {
  /// The `boolean:` section: each sweep run an ensemble of seeded Boolean runs.
  public struct BooleanSection: Sendable, Hashable {
    public var update: BooleanRunMode
    public var runs: Int?
    public var steps: Int?
    public var location: SourceLocation?
  }

  public var name: String
  public var dimensions: [SweepDimension] = []
  public var sampling: Sampling?
  public var samples: Int?
  public var levels: Int?
  public var seed: UInt64?
  public var metrics: [String]?
  /// Where `sampling`, `samples`, `levels` and `metrics` are written.
  public var locations: [String: SourceLocation] = [:]
  /// Scenario files, resolved against the sweep file's folder.
  public var scenarios: [String] = []
  public var boolean: BooleanSection?

  public static let topLevelKeys = [
    "sweep", "name", "description", "scenarios", "parameters", "sampling", "samples", "levels", "seed", "metrics", "boolean", "notes",
  ]

  public static func read(path: String) throws(PathwayError) -> SweepFile {
    try read(text: try InputFile.readText(path), file: path)
  }

  public static func read(text: String, file: String) throws(PathwayError) -> SweepFile {
    let document = try YAMLDocument(text: text, file: file)
    var bag = DiagnosticBag()
    var sweep = SweepFile(name: Paths.stem(of: file))
    guard let root = document.root, !root.isNull, let top = root.mapping(&bag, what: "a sweep file") else {
      bag.error(SourceLocation(file: file, line: 1, column: 1), "the sweep file is empty", notes: ["it needs at least 'parameters:'"])
      try bag.throwIfErrors()
      return sweep
    }
    top.checkKeys(topLevelKeys, in: "a sweep file", &bag)
    for key in ["sampling", "samples", "levels", "metrics"] {
      if let value = top[key] { sweep.locations[key] = value.location }
    }
    if let name = (top["sweep"] ?? top["name"])?.string(&bag, what: "sweep") { sweep.name = name }
    let folder = Paths.directory(of: file)
    if let scenarios = top["scenarios"], let paths = scenarios.strings(&bag, what: "scenarios") {
      sweep.scenarios = paths.map { $0.hasPrefix("/") || folder.isEmpty ? $0 : folder + "/" + $0 }
    }
    if let parameters = top["parameters"], let entries = parameters.mapping(&bag, what: "parameters") {
      for (target, location, value) in entries {
        let result: Result<SweepDimension.Range, SweepSpecProblem>
        if value.scalar != nil {
          guard let text = value.string(&bag, what: "the range of '\(target)'") else { continue }
          result = SweepDimension.parseRange(text, target: target)
        } else {
          guard let items = value.sequence(&bag, what: "the range of '\(target)'") else { continue }
          let numbers = items.compactMap { $0.number(&bag, what: "a value of '\(target)'") }
          guard numbers.count == items.count else { continue }
          result = numbers.isEmpty ? .failure(SweepSpecProblem("\(target): the list is empty")) : .success(.list(numbers))
        }
        switch result {
        case .success(let range): sweep.dimensions.append(SweepDimension(target: target, range: range, location: location))
        case .failure(let problem): bag.error(value.location, problem.message, notes: problem.notes)
        }
      }
    } else if top["parameters"] == nil {
      bag.error(root.location, "a sweep file needs 'parameters:' (what varies)")
    }
    if let value = top["sampling"], let text = value.string(&bag, what: "sampling") {
      if let sampling = Sampling(rawValue: text) { sweep.sampling = sampling } else {
        bag.error(
          value.location, "unknown sampling '\(text)'",
          notes: (didYouMean(text, among: Sampling.allCases.map(\.rawValue)).map { [$0] } ?? [])
            + ["samplings: " + Sampling.allCases.map(\.rawValue).joined(separator: ", ")])
      }
    }
    func whole(_ key: String, minimum: Double) -> Int? {
      guard let value = top[key], let n = value.number(&bag, what: key) else { return nil }
      guard n >= minimum, n == n.rounded(), n < 1e15 else {
        bag.error(value.location, "\(key) must be a whole number ≥ \(formatNumber(minimum))")
        return nil
      }
      return Int(n)
    }
    sweep.samples = whole("samples", minimum: 1)
    sweep.levels = whole("levels", minimum: 2)
    if let sectionValue = top["boolean"], let section = sectionValue.mapping(&bag, what: "boolean") {
      section.checkKeys(["update", "runs", "steps"], in: "the boolean section", &bag)
      func count(_ key: String, minimum: Double) -> Int? {
        guard let value = section[key], let n = value.number(&bag, what: "boolean: \(key)") else { return nil }
        guard n >= minimum, n == n.rounded(), n < 1e15 else {
          bag.error(value.location, "boolean: \(key) must be a whole number ≥ \(formatNumber(minimum))")
          return nil
        }
        return Int(n)
      }
      let modes = BooleanRunMode.allCases.map(\.rawValue)
      if let value = section["update"], let text = value.string(&bag, what: "boolean: update") {
        if let mode = BooleanRunMode(rawValue: text) {
          sweep.boolean = BooleanSection(
            update: mode, runs: count("runs", minimum: 1), steps: count("steps", minimum: 0), location: sectionValue.location)
        } else {
          bag.error(
            value.location, "unknown Boolean update '\(text)'",
            notes: (didYouMean(text, among: modes).map { [$0] } ?? []) + ["updates: " + modes.joined(separator: ", ")])
        }
      } else if section["update"] == nil {
        bag.error(sectionValue.location, "the boolean section needs 'update:' (\(modes.joined(separator: ", ")))")
      }
    }
    if let value = top["seed"], let text = value.string(&bag, what: "seed") {
      if let seed = UInt64(text) { sweep.seed = seed } else { bag.error(value.location, "seed must be a whole number from 0 to 2⁶⁴ − 1") }
    }
    if let value = top["metrics"], let texts = value.strings(&bag, what: "metrics") {
      for text in texts {
        if case .failure(let problem) = Metric.parse(text) {
          // `[tcross(X,0.5)]` is two items in YAML: say so rather than only that neither is a metric.
          let split = text.contains("(") != text.contains(")")
          let hint = split ? ["a comma inside [ ] splits the list: quote a metric that has one, \"tcross(X,0.5)\""] : []
          bag.error(value.location, problem.message, notes: hint + problem.notes)
        }
      }
      sweep.metrics = texts
    }
    try bag.throwIfErrors()
    return sweep
  }
}
