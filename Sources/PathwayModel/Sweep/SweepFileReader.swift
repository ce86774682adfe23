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
/// metrics: [final(Runx2), auc(ALP), tcross(OCN,0.5)]
/// ```
public struct SweepFile: Sendable {
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

  public static let topLevelKeys = ["sweep", "name", "description", "scenarios", "parameters", "sampling", "samples", "levels", "seed", "metrics", "notes"]

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
    if let value = top["seed"], let text = value.string(&bag, what: "seed") {
      if let seed = UInt64(text) { sweep.seed = seed } else { bag.error(value.location, "seed must be a whole number from 0 to 2⁶⁴ − 1") }
    }
    if let value = top["metrics"], let texts = value.strings(&bag, what: "metrics") {
      for text in texts {
        if case .failure(let problem) = Metric.parse(text) { bag.error(value.location, problem.message, notes: problem.notes) }
      }
      sweep.metrics = texts
    }
    try bag.throwIfErrors()
    return sweep
  }
}
