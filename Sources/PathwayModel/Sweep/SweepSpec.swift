import Foundation

/// One swept quantity: a setting target (as `--set` names it) and the values it takes.
///
/// Written `id=lin:a:b:n` (n values from a to b, evenly spaced, both ends included),
/// `id=log:a:b:n` (evenly spaced in log), `id=list:v1,v2,…`, or `id=fold:f1,f2,…` (the
/// quantity's value in the scenario times each factor). The samplers that draw from a range (lhs,
/// sobol, random, morris, saltelli) use a and b as bounds and need no n; `fold:` goes with grid,
/// list and oat sampling.
public struct SweepDimension: Sendable, Hashable {
  public enum Range: Sendable, Hashable {
    case linear(from: Double, to: Double, count: Int?)
    case log(from: Double, to: Double, count: Int?)
    case list([Double])
    /// Multiples of the quantity's value in the scenario (its base value).
    case fold([Double])
  }

  public var target: String
  public var range: Range
  /// Where the dimension was written (a sweep file), or nil for `--param`.
  public var location: SourceLocation?

  public init(target: String, range: Range, location: SourceLocation? = nil) {
    self.target = target
    self.range = range
    self.location = location
  }

  /// The range as it is written after `=`: `lin:0:1:11`, `log:0.01:10:1000`, `list:1,2,5`.
  public var rangeText: String {
    let f = formatNumber
    switch range {
    case .linear(let a, let b, let n): return "lin:\(f(a)):\(f(b))" + (n.map { ":\($0)" } ?? "")
    case .log(let a, let b, let n): return "log:\(f(a)):\(f(b))" + (n.map { ":\($0)" } ?? "")
    case .list(let values): return "list:" + values.map(f).joined(separator: ",")
    case .fold(let factors): return "fold:" + factors.map(f).joined(separator: ",")
    }
  }

  /// `id=range`, as `--param` takes it.
  public var text: String { target + "=" + rangeText }

  /// The discrete values (grid and list sampling), or nil for a range without a count (and for
  /// `fold:`, whose values need the base value: `values(base:)`).
  public var values: [Double]? {
    switch range {
    case .list(let values): return values
    case .linear(let a, let b, let n?):
      return (0..<n).map { i in n == 1 ? a : (i == n - 1 ? b : Self.decimal(a + (b - a) * Double(i) / Double(n - 1))) }
    case .log(let a, let b, let n?):
      let la = Foundation.log(a), lb = Foundation.log(b)
      return (0..<n).map { i in n == 1 ? a : (i == 0 ? a : i == n - 1 ? b : Self.decimal(Foundation.exp(la + (lb - la) * Double(i) / Double(n - 1)))) }
    default: return nil
    }
  }

  /// The discrete values, `fold:` factors applied to `base` (nil when there is none).
  public func values(base: Double?) -> [Double]? {
    if case .fold(let factors) = range { return base.map { b in factors.map { Self.decimal(b * $0) } } }
    return values
  }

  /// A grid value that lies within a few units in the last place of a short decimal is that
  /// decimal (log:0.1:10:5 gives 1, not 1.0000000000000004; lin:0:1:11 gives 0.3), so that
  /// runs.csv shows the values the user meant and filters like k == 1 find them.
  static func decimal(_ v: Double) -> Double {
    guard v.isFinite, v != 0, let short = Double(String(format: "%.12g", v)) else { return v }
    return abs(short - v) <= 4 * v.ulp ? short : v
  }

  /// How many values the dimension takes (grid, list and oat sampling), or nil for a range without a count.
  public var valueCount: Int? {
    if case .fold(let factors) = range { return factors.count }
    return values?.count
  }

  /// Whether the range is `fold:`, relative to the base value.
  public var isRelative: Bool {
    if case .fold = range { return true }
    return false
  }

  /// The value at u ∈ [0, 1] of the range (continuous samplers): linear from a to b, linear in
  /// log for `log:`, and for a list the item ⌊u·count⌋ (u = 1 gives the last).
  public func value(atUnit u: Double) -> Double {
    switch range {
    case .linear(let a, let b, _): return u == 1 ? b : a + (b - a) * u
    case .log(let a, let b, _): return u == 0 ? a : u == 1 ? b : Foundation.exp(Foundation.log(a) + (Foundation.log(b) - Foundation.log(a)) * u)
    case .list(let values), .fold(let values): return values[min(values.count - 1, Int(u * Double(values.count)))]
    }
  }

  /// Every value the dimension can take lies between these (for checking τ, n, k > 0).
  public var bounds: (Double, Double) {
    switch range {
    case .linear(let a, let b, _), .log(let a, let b, _): return (min(a, b), max(a, b))
    case .list(let values), .fold(let values): return (values.min() ?? 0, values.max() ?? 0)
    }
  }

  /// Parses `id=lin:a:b:n`, `id=log:a:b:n` or `id=list:v1,v2,…`; nil and a message when malformed.
  public static func parse(_ text: String, location: SourceLocation? = nil) -> Result<SweepDimension, SweepSpecProblem> {
    guard let equals = text.firstIndex(of: "=") else {
      return .failure(SweepSpecProblem("'\(text)' is not id=range", notes: rangeForms))
    }
    let target = text[..<equals].trimmingCharacters(in: .whitespaces)
    guard !target.isEmpty else { return .failure(SweepSpecProblem("'\(text)' names no quantity", notes: rangeForms)) }
    switch parseRange(String(text[text.index(after: equals)...]), target: target) {
    case .success(let range): return .success(SweepDimension(target: target, range: range, location: location))
    case .failure(let problem): return .failure(problem)
    }
  }

  static let rangeForms = [
    "ranges: lin:a:b:n (n values from a to b), log:a:b:n (evenly spaced in log, a, b > 0), list:v1,v2,…, "
      + "fold:f1,f2,… (the scenario's value times each factor)"
  ]

  /// Parses the part after `=`.
  public static func parseRange(_ raw: String, target: String) -> Result<Range, SweepSpecProblem> {
    let text = raw.trimmingCharacters(in: .whitespaces)
    func fail(_ message: String) -> Result<Range, SweepSpecProblem> {
      .failure(SweepSpecProblem("\(target): \(message)", notes: rangeForms))
    }
    guard let colon = text.firstIndex(of: ":") else { return fail("'\(text)' is not a range") }
    let kind = text[..<colon].lowercased()
    let rest = String(text[text.index(after: colon)...])
    func number(_ s: Substring) -> Double? {
      guard let v = parseNumber(String(s)), v.isFinite else { return nil }
      return v
    }
    switch kind {
    case "list", "fold":
      let items = rest.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      var values: [Double] = []
      for item in items {
        guard let v = number(Substring(item)) else { return fail("'\(item)' in the list is not a finite number") }
        values.append(v)
      }
      if values.isEmpty { return fail("the list is empty") }
      return .success(kind == "fold" ? .fold(values) : .list(values))
    case "lin", "linear", "log":
      let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2 || parts.count == 3 else { return fail("'\(text)' is not \(kind):a:b:n") }
      guard let a = number(parts[0]), let b = number(parts[1]) else { return fail("the bounds of '\(text)' must be finite numbers") }
      var count: Int? = nil
      if parts.count == 3 {
        guard let n = Int(parts[2].trimmingCharacters(in: .whitespaces)), n >= 1 else {
          return fail("the count in '\(text)' must be a whole number ≥ 1")
        }
        if n > 1, a == b { return fail("'\(text)' has \(n) values but equal bounds") }
        count = n
      }
      if kind == "log" {
        guard a > 0, b > 0 else { return fail("a log range needs positive bounds, found '\(text)'") }
        return .success(.log(from: a, to: b, count: count))
      }
      return .success(.linear(from: a, to: b, count: count))
    default:
      return fail("unknown range kind '\(kind)'")
    }
  }
}

/// A problem with a sweep definition: a message and its notes.
public struct SweepSpecProblem: Error, Sendable {
  public var message: String
  public var notes: [String]
  /// What the problem is about, to locate it in a sweep file: a sweep-file key (`samples`,
  /// `levels`, `sampling`, `metrics`) or a swept quantity (`dimension`).
  public var key: String?
  public var dimension: String?
  public init(_ message: String, notes: [String] = [], key: String? = nil, dimension: String? = nil) {
    self.message = message
    self.notes = notes
    self.key = key
    self.dimension = dimension
  }
}

/// How the runs of a sweep are chosen from its dimensions.
public enum Sampling: String, Sendable, Hashable, CaseIterable {
  /// Every combination of the dimensions' values (the last varies fastest).
  case grid
  /// The i-th value of every dimension together (all dimensions have the same length).
  case list
  /// Latin hypercube: `samples` runs, each dimension's range cut into `samples` strata, one run per stratum.
  case lhs
  /// Sobol' low-discrepancy points (Joe–Kuo direction numbers) with a seeded digital shift.
  case sobol
  /// Independent uniform draws (uniform in log for `log:` ranges).
  case random
  /// Morris elementary effects: `samples` trajectories of d + 1 runs on a `levels`-level grid.
  case morris
  /// Saltelli's scheme for Sobol' indices: `samples` base points, d + 2 runs each (A, AB_1…AB_d, B).
  case saltelli
  /// One at a time (local sensitivity): a base run with every quantity at its value in the
  /// scenario, then each quantity alone over its values, the others at base (1 + Σ counts runs).
  case oat

  /// Whether the sampler draws from ranges (and needs `--samples`) rather than enumerating values.
  public var drawsFromRanges: Bool { self != .grid && self != .list && self != .oat }
  /// Whether it writes `sensitivity.csv`.
  public var isSensitivityAnalysis: Bool { self == .morris || self == .saltelli || self == .oat }
  /// Whether every quantity needs its value in the scenario (its base).
  public var needsBaseValues: Bool { self == .oat }
}

/// A Boolean sweep over perturbation sets: every set of `sizes` items drawn from the knockouts
/// (a node pinned at 0) and over-expressions (pinned at 1), no node twice; size 0 is the
/// unperturbed network. Each run is an attractor search.
public struct PerturbationSets: Sendable, Hashable {
  public var knockout: [String]
  public var overexpress: [String]
  public var sizes: [Int]
  public var update: UpdateScheme

  public init(knockout: [String], overexpress: [String], sizes: [Int] = [0, 1, 2], update: UpdateScheme = .synchronous) {
    self.knockout = knockout
    self.overexpress = overexpress
    self.sizes = sizes
    self.update = update
  }

  /// The summary columns of every Boolean run.
  public static let summaryMetrics = ["attractors", "fixed_points", "cycles", "complex"]
}

/// A whole sweep definition: what varies, how it is sampled, and what is measured per run.
public struct SweepSpec: Sendable, Hashable {
  public var dimensions: [SweepDimension]
  /// A Boolean sweep over knockout and over-expression sets (instead of dimensions).
  public var perturbationSets: PerturbationSets?
  public var sampling: Sampling
  /// Samples (lhs, sobol, random), trajectories (morris) or base points (saltelli).
  public var samples: Int?
  /// Grid levels of the Morris design (even, ≥ 2; default 4 as in Morris 1991 and SALib).
  public var levels: Int
  public var seed: UInt64
  /// Metric texts, as written (the column names).
  public var metrics: [String]
  /// Each quantity's value in the scenario, when the design needs it (oat sampling, `fold:`
  /// ranges); set by the sweep's setup, which resolves the scenario.
  public var baseValues: [Double]? = nil
  /// Where a sweep file wrote `sampling`, `samples`, `levels` and `metrics` (absent: the command
  /// line, or the default), so that problems with them are located there.
  public var locations: [String: SourceLocation] = [:]

  /// Where `problem` was written: its quantity's place or its key's in a sweep file; nil when
  /// it came from the command line.
  public func location(of problem: SweepSpecProblem) -> SourceLocation? {
    if let target = problem.dimension, let dimension = dimensions.first(where: { $0.target == target }) {
      return dimension.location
    }
    return problem.key.flatMap { locations[$0] }
  }

  public init(
    dimensions: [SweepDimension], sampling: Sampling = .grid, samples: Int? = nil, levels: Int = 4, seed: UInt64 = 1,
    metrics: [String] = []
  ) {
    self.dimensions = dimensions
    self.sampling = sampling
    self.samples = samples
    self.levels = levels
    self.seed = seed
    self.metrics = metrics
  }

  /// The number of runs of a numeric design, or nil when it does not fit in an `Int`.
  public var plannedRunCount: Int? {
    let n = samples ?? 0, d = dimensions.count
    func product(_ a: Int, _ b: Int) -> Int? {
      let (value, overflow) = a.multipliedReportingOverflow(by: b)
      return overflow ? nil : value
    }
    switch sampling {
    case .grid:
      var count = 1
      for dimension in dimensions {
        guard let next = product(count, dimension.valueCount ?? 1) else { return nil }
        count = next
      }
      return count
    case .list: return dimensions.first?.valueCount ?? 0
    case .lhs, .sobol, .random: return n
    case .morris: return product(n, d + 1)
    case .saltelli: return product(n, d + 2)
    case .oat:
      var count = 1
      for dimension in dimensions {
        let (next, overflow) = count.addingReportingOverflow(dimension.valueCount ?? 0)
        if overflow { return nil }
        count = next
      }
      return count
    }
  }

  /// Checks what can be checked without the model: counts, lengths, sample sizes.
  /// `timeCourseMetrics`: a knockout sweep of Boolean ensembles measures time courses
  /// (`final(X)` …) rather than attractors (`on(X)` and the attractor counts).
  public func validate(timeCourseMetrics: Bool = false) -> [SweepSpecProblem] {
    if let sets = perturbationSets { return validate(sets, timeCourseMetrics: timeCourseMetrics) }
    var problems: [SweepSpecProblem] = []
    if dimensions.isEmpty {
      problems.append(SweepSpecProblem("nothing to sweep", notes: ["give --param id=range (repeatable) or --sweep FILE"]))
    }
    var seen = Set<String>()
    for d in dimensions where !seen.insert(d.target).inserted {
      problems.append(SweepSpecProblem("'\(d.target)' is swept twice", dimension: d.target))
    }
    let global = sampling == .morris || sampling == .saltelli
    switch sampling {
    case .grid:
      for d in dimensions where d.values == nil && !d.isRelative {
        problems.append(
          SweepSpecProblem(
            "\(d.target): a grid needs a count (\(d.rangeText):N)", notes: ["or sample the range with --sampling lhs|sobol|random"],
            dimension: d.target))
      }
      if samples != nil { problems.append(SweepSpecProblem("samples do not apply to grid sampling (the grid sets the count)", key: "samples")) }
    case .list:
      let lengths = Set(dimensions.compactMap(\.valueCount))
      for d in dimensions where d.values == nil && !d.isRelative {
        problems.append(SweepSpecProblem("\(d.target): list sampling needs a count or a list", dimension: d.target))
      }
      if lengths.count > 1 {
        problems.append(
          SweepSpecProblem(
            "list sampling takes the i-th value of every quantity, but they have different lengths: "
              + dimensions.map { "\($0.target) \($0.valueCount ?? 0)" }.joined(separator: ", "),
            dimension: dimensions.first(where: { $0.valueCount != dimensions.first?.valueCount })?.target))
      }
      if samples != nil { problems.append(SweepSpecProblem("samples do not apply to list sampling", key: "samples")) }
    case .oat:
      for d in dimensions where d.values == nil && !d.isRelative {
        problems.append(
          SweepSpecProblem("\(d.target): one-at-a-time sampling needs values (\(d.rangeText):N, list: or fold:)", dimension: d.target))
      }
      if samples != nil { problems.append(SweepSpecProblem("samples do not apply to oat sampling (the values set the count)", key: "samples")) }
    default:
      if let samples, samples >= 1 {
        if sampling == .saltelli && samples < 2 {
          problems.append(SweepSpecProblem("saltelli sampling needs at least 2 samples (base points)", key: "samples"))
        }
      } else {
        let what = sampling == .morris ? "trajectories" : sampling == .saltelli ? "base points (runs = N·(d + 2))" : "runs"
        problems.append(
          SweepSpecProblem("\(sampling.rawValue) sampling needs --samples N (\(what))", notes: ["in a sweep file: samples: N"], key: "sampling"))
      }
      if sampling == .morris && (levels < 2 || levels % 2 != 0) {
        problems.append(SweepSpecProblem("levels must be even and at least 2, found \(levels)", key: "levels"))
      }
      if sampling == .sobol || sampling == .saltelli {
        let needed = sampling == .saltelli ? 2 * dimensions.count : dimensions.count
        if needed > SobolSequence.maximumDimensions {
          problems.append(
            SweepSpecProblem(
              "\(sampling.rawValue) sampling supports up to \(SobolSequence.maximumDimensions) Sobol' dimensions, this needs \(needed)",
              key: "sampling"))
        }
      }
    }
    if sampling.drawsFromRanges {
      for d in dimensions {
        switch d.range {
        case .linear(_, _, _?), .log(_, _, _?):
          problems.append(
            SweepSpecProblem(
              "\(d.target): \(sampling.rawValue) sampling draws its values from the range; a count (\(d.rangeText)) does not apply",
              notes: ["write the range without a count (\(d.rangeText.split(separator: ":").prefix(3).joined(separator: ":"))); --samples sets the number of runs"],
              dimension: d.target))
        default: break
        }
      }
    }
    if sampling.drawsFromRanges, dimensions.contains(where: \.isRelative) {
      problems.append(
        SweepSpecProblem(
          "\(sampling.rawValue) sampling draws from ranges; fold: goes with grid, list and oat",
          dimension: dimensions.first(where: \.isRelative)?.target))
    }
    if global, dimensions.contains(where: { if case .list = $0.range { return true } else { return false } }) {
      problems.append(
        SweepSpecProblem(
          "\(sampling.rawValue) needs a lin: or log: range for every quantity, not a list",
          dimension: dimensions.first(where: { if case .list = $0.range { return true } else { return false } })?.target))
    }
    if problems.isEmpty && plannedRunCount == nil {
      problems.append(SweepSpecProblem("the sweep has more than 2⁶³ runs", notes: ["fewer values per quantity, or sample with --sampling lhs|sobol|random"]))
    }
    var seenMetrics = Set<String>()
    for metric in metrics where !seenMetrics.insert(metric).inserted {
      problems.append(SweepSpecProblem("the metric '\(metric)' is asked for twice", key: "metrics"))
    }
    for metric in metrics {
      if case .failure(var problem) = Metric.parse(metric) {
        problem.key = "metrics"
        problems.append(problem)
      }
    }
    return problems
  }

  private func validate(_ sets: PerturbationSets, timeCourseMetrics: Bool) -> [SweepSpecProblem] {
    var problems: [SweepSpecProblem] = []
    if !dimensions.isEmpty { problems.append(SweepSpecProblem("a knockout sweep and --param cannot be combined")) }
    if sets.knockout.isEmpty && sets.overexpress.isEmpty {
      problems.append(SweepSpecProblem("no nodes to knock out or over-express"))
    }
    if sets.sizes.isEmpty || sets.sizes.contains(where: { $0 < 0 }) {
      problems.append(SweepSpecProblem("--sizes takes set sizes ≥ 0, such as 1,2"))
    }
    if Set(sets.sizes).count != sets.sizes.count {
      problems.append(SweepSpecProblem("--sizes lists a size twice (\(sets.sizes.map(String.init).joined(separator: ",")))"))
    }
    let distinct = Set(sets.knockout + sets.overexpress).count
    if distinct > 0, let largest = sets.sizes.max(), largest > distinct {
      problems.append(
        SweepSpecProblem(
          "--sizes \(largest): a set names each node once, and only \(distinct) node(s) are listed",
          notes: ["the largest set size here is \(distinct)"]))
    }
    if sampling != .grid || samples != nil {
      problems.append(SweepSpecProblem("a knockout sweep enumerates its sets; --sampling and --samples do not apply"))
    }
    for metric in metrics where timeCourseMetrics || !PerturbationSets.summaryMetrics.contains(metric) {
      if timeCourseMetrics {
        if case .failure(let problem) = Metric.parse(metric) { problems.append(problem) }
      } else if case .failure(let problem) = BooleanMetric.parse(metric) {
        problems.append(problem)
      }
    }
    return problems
  }

  /// A JSON record from which `init(record:)` rebuilds the same spec (manifests, merge).
  public var record: JSONValue {
    var object: [String: JSONValue] = [
      "parameters": .array(dimensions.map { .string($0.text) }),
      "sampling": .string(sampling.rawValue),
      "seed": .string(String(seed)),
      "metrics": .array(metrics.map(JSONValue.string)),
    ]
    if let samples { object["samples"] = .number(Double(samples)) }
    if let baseValues { object["base_values"] = .array(baseValues.map(JSONValue.number)) }
    if sampling == .morris { object["levels"] = .number(Double(levels)) }
    if let sets = perturbationSets {
      object["boolean"] = .object([
        "knockout": .array(sets.knockout.map(JSONValue.string)), "overexpress": .array(sets.overexpress.map(JSONValue.string)),
        "sizes": .array(sets.sizes.map { .number(Double($0)) }), "update": .string(sets.update.rawValue),
      ])
    }
    return .object(object)
  }

  /// Rebuilds a spec from `record`; nil when the record is not one.
  public init?(record: JSONValue) {
    guard case .object(let object) = record, case .array(let parameters)? = object["parameters"],
      case .string(let samplingText)? = object["sampling"], let sampling = Sampling(rawValue: samplingText),
      case .string(let seedText)? = object["seed"], let seed = UInt64(seedText),
      case .array(let metrics)? = object["metrics"]
    else { return nil }
    var dimensions: [SweepDimension] = []
    for case .string(let text) in parameters {
      guard case .success(let d) = SweepDimension.parse(text) else { return nil }
      dimensions.append(d)
    }
    var samples: Int? = nil
    if case .number(let n)? = object["samples"] { samples = Int(n) }
    var levels = 4
    if case .number(let n)? = object["levels"] { levels = Int(n) }
    self.init(
      dimensions: dimensions, sampling: sampling, samples: samples, levels: levels, seed: seed,
      metrics: metrics.compactMap { if case .string(let s) = $0 { return s } else { return nil } })
    if case .array(let values)? = object["base_values"] {
      baseValues = values.compactMap { if case .number(let v) = $0 { return v } else { return nil } }
      guard baseValues?.count == dimensions.count else { return nil }
    }
    if case .object(let sets)? = object["boolean"] {
      func strings(_ key: String) -> [String] {
        guard case .array(let items)? = sets[key] else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
      }
      guard case .array(let sizes)? = sets["sizes"], case .string(let update)? = sets["update"],
        let scheme = UpdateScheme(rawValue: update)
      else { return nil }
      perturbationSets = PerturbationSets(
        knockout: strings("knockout"), overexpress: strings("overexpress"),
        sizes: sizes.compactMap { if case .number(let n) = $0 { return Int(n) } else { return nil } }, update: scheme)
    }
  }
}
