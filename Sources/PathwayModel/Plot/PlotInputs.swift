import Foundation

/// One variable over time from a time-course CSV.
struct PlotSeries {
  var variable: String
  /// The `run_id` of a long CSV that holds several runs (a sweep's trajectories.csv).
  var run: String?
  var times: [Double]
  var values: [Double]
}

/// A time-course CSV written by `simulate run` (wide `time,<ids>` or long `time,variable,value`,
/// optionally with a leading `run_id`), with what its folder's manifest says about it. A Boolean
/// ensemble counts `step` instead of `time`; the state probabilities of `run --boolean --states`
/// (`time,state,probability`) are one series per state, 0 where no run is in it.
struct TimeCourseInput {
  var file: String
  var series: [PlotSeries]
  /// What the first column counts: `time`, or `step` for a discrete Boolean ensemble.
  var axis: String
  /// What the values are: `probability` for state probabilities, else `value`.
  var quantity: String
  /// The scenario's name from manifest.json, else the file name without extension.
  var label: String
  var timeUnit: String?
  /// Each column's unit, from the manifest (`columns`).
  var columnUnits: [String: String]

  static func isLong(_ header: [String]) -> Bool {
    let body = header.first == "run_id" ? Array(header.dropFirst()) : header
    return (body.first == "time" || body.first == "step") && body.count == 3 && body[1] == "variable" && body[2] == "value"
      || isStates(header) || isSensitivity(header)
  }

  /// `run --boolean --states`: `time` or `step`, `state`, `probability`.
  static func isStates(_ header: [String]) -> Bool {
    (header.first == "time" || header.first == "step") && header.count == 3 && header[1] == "state" && header[2] == "probability"
  }

  /// The long layout of `simulate sensitivity`: one series ∂variable/∂parameter per pair, drawn
  /// from the `sensitivity` column.
  static func isSensitivity(_ header: [String]) -> Bool {
    header == ["time", "variable", "parameter", "value", "sensitivity"]
  }

  init(table: CSVTable, metadata: PlotMetadata) throws(PathwayError) {
    file = table.file
    label = metadata.scenarioName ?? Paths.stem(of: table.file)
    timeUnit = metadata.timeUnit
    columnUnits = metadata.columnUnits
    axis = table.header.contains("step") && !table.header.contains("time") ? "step" : "time"
    quantity = Self.isStates(table.header) ? "probability" : "value"
    if Self.isLong(table.header) {
      let runColumn = table.header.first == "run_id" ? 0 : nil
      let sensitivity = Self.isSensitivity(table.header)
      let t = table.header.firstIndex(of: axis)!, v = t + 1, value = sensitivity ? 4 : t + 2
      var order: [String: Int] = [:]
      var series: [PlotSeries] = []
      for row in table.rows.indices {
        let fields = table.rows[row].fields
        let run = runColumn.map { fields[$0] }
        let name = sensitivity ? "d(\(fields[v]))/d(\(fields[2]))" : fields[v]
        let key = (run ?? "") + "\u{1}" + name
        let time = try table.number(row: row, column: t)!
        let y = try table.number(row: row, column: value)!
        if let i = order[key] {
          series[i].times.append(time)
          series[i].values.append(y)
        } else {
          order[key] = series.count
          series.append(PlotSeries(variable: name, run: run, times: [time], values: [y]))
        }
      }
      if Self.isStates(table.header) {
        // A state no run is in at some row is absent there: its probability is 0.
        let rows = Array(Set(series.flatMap(\.times))).sorted()
        for i in series.indices {
          let known = Dictionary(zip(series[i].times, series[i].values), uniquingKeysWith: { a, _ in a })
          series[i].times = rows
          series[i].values = rows.map { known[$0] ?? 0 }
        }
      }
      self.series = series
    } else {
      guard table.header.first == axis else {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
          "missing column 'time': a time course starts with a 'time' column",
          notes: ["expected 'time,<ids>' (wide) or 'time,variable,value' (long), as simulate run writes"])
      }
      guard table.header.count > 1 else {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
          "the time course has no variable columns")
      }
      let times = try table.numbers(column: 0)
      var series: [PlotSeries] = []
      for column in 1..<table.header.count {
        series.append(
          PlotSeries(variable: table.header[column], run: nil, times: times, values: try table.numbers(column: column)))
      }
      self.series = series
    }
  }

  /// The variables in order of first appearance.
  var variables: [String] {
    var seen = Set<String>()
    return series.map(\.variable).filter { seen.insert($0).inserted }
  }
}

/// A sweep's `runs.csv`: `run_id, shard, seed, <swept…>, status, <metrics…>, steps, rhs_evals,
/// wall_ms` (issue 6). Swept quantities are the columns between `seed` and `status`, metrics
/// those between `status` and `steps`.
struct SweepRunsInput {
  enum Status: Equatable {
    case ok
    case failed(String)
    case notRun
  }

  var table: CSVTable
  var swept: [String]
  var metrics: [String]
  var statuses: [Status]

  static let leading: Set<String> = ["run_id", "shard", "seed"]
  static let trailing: Set<String> = ["steps", "rhs_evals", "wall_ms"]

  static func matches(_ header: [String]) -> Bool {
    header.contains("run_id") && header.contains("status") && !header.contains("time")
  }

  init(table: CSVTable) throws(PathwayError) {
    self.table = table
    _ = try table.requireColumn("run_id", for: "a sweep's runs.csv has one row per run")
    let status = try table.requireColumn("status", for: "ok, failed:<reason> or not_run per run")
    swept = table.header[..<status].filter { !Self.leading.contains($0) }
    metrics = table.header[(status + 1)...].filter { !Self.trailing.contains($0) }
    var statuses: [Status] = []
    for row in table.rows.indices {
      let text = table.rows[row].fields[status].trimmingSpaces
      if text == "ok" {
        statuses.append(.ok)
      } else if text == "not_run" {
        statuses.append(.notRun)
      } else if text.hasPrefix("failed") {
        let reason = text.dropFirst("failed".count).drop { $0 == ":" || $0 == " " }
        statuses.append(.failed(String(reason)))
      } else {
        throw PathwayError(
          .invalidInput, at: table.location(row: row, column: status),
          "unknown run status '\(text)'", notes: ["a status is ok, failed:<reason> or not_run"])
      }
    }
    self.statuses = statuses
  }

  /// The column of the swept quantity `name` (given with `--x`/`--y`), or a usage error.
  func sweptColumn(_ name: String, option: String) throws(PathwayError) -> Int {
    guard swept.contains(name), let column = table.index(of: name) else {
      var notes = didYouMean(name, among: swept).map { [$0] } ?? []
      notes.append("the swept quantities of \(table.file) are: " + swept.joined(separator: ", "))
      throw PathwayError(.usage, "\(option) \(name): not a swept quantity of \(table.file)", notes: notes)
    }
    return column
  }

  /// The metric column: `name` when given, else the only metric; a usage error otherwise.
  func metricColumn(_ name: String?) throws(PathwayError) -> Int {
    if let name {
      guard let column = table.index(of: name) else {
        var notes = didYouMean(name, among: metrics).map { [$0] } ?? []
        notes.append("the metrics of \(table.file) are: " + metrics.joined(separator: ", "))
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
          "missing column '\(name)' (--metric)", notes: notes)
      }
      return column
    }
    guard metrics.count == 1, let column = table.index(of: metrics[0]) else {
      throw PathwayError(
        .usage, "\(table.file) has \(metrics.count) metric columns; choose one with --metric",
        notes: metrics.isEmpty ? ["the file has no metric columns between 'status' and 'steps'"] : ["the metrics are: " + metrics.joined(separator: ", ")])
    }
    return column
  }
}

/// A sweep's `sensitivity.csv`: one row per swept quantity (and metric, when several), with
/// Morris indices (`mu_star`, `sigma`) or Sobol indices (`S1`, `ST`) and their confidence
/// intervals. Column names are matched without regard to case, `μ*`, `mu*` and `mustar` mean
/// `mu_star`, `σ` means `sigma`. A confidence interval is read from `<index>_conf` (a half
/// width, as SALib writes it), or from `<index>_low` and `<index>_high` (also `_lo`/`_hi`,
/// `_ci_low`/`_ci_high`). A long layout with columns `index` (or `statistic`) and `value` (plus
/// `conf` or `low`/`high`) is read too.
struct SensitivityInput {
  enum Method: String { case morris, sobol }

  struct Entry {
    var factor: String
    var metric: String?
    /// Index name → (value, interval).
    var values: [String: (value: Double, interval: ClosedRange<Double>?)]
  }

  var file: String
  var method: Method
  /// The two indices drawn, in order (`mu_star`, `sigma` or `S1`, `ST`).
  var indices: [String]
  var entries: [Entry]

  static let factorNames = ["parameter", "param", "factor", "name", "quantity", "input", "variable"]
  static let metricNames = ["metric", "output"]

  static func canonical(_ name: String) -> String {
    let lowered = name.lowercased().replacingOccurrences(of: "μ", with: "mu").replacingOccurrences(of: "σ", with: "sigma")
    switch lowered {
    case "mu_star", "mu*", "mustar", "mu_star_mean": return "mu_star"
    case "s1", "first", "first_order": return "S1"
    case "st", "total", "total_order": return "ST"
    default: return lowered
    }
  }

  static func matches(_ header: [String]) -> Bool {
    let names = Set(header.map(canonical))
    if names.contains("mu_star") || (names.contains("S1") && names.contains("ST")) { return true }
    return (names.contains("index") || names.contains("statistic")) && names.contains("value")
      && !names.contains("time")
  }

  init(table: CSVTable) throws(PathwayError) {
    file = table.file
    let canonical = table.header.map(Self.canonical)
    func column(_ names: [String]) -> Int? {
      for name in names { if let i = canonical.firstIndex(of: name) { return i } }
      return nil
    }
    guard let factor = column(Self.factorNames) else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
        "missing column 'parameter': which swept quantity each row is about",
        notes: ["also accepted: " + Self.factorNames.dropFirst().joined(separator: ", ")])
    }
    let metric = column(Self.metricNames)
    var entries: [Entry] = []
    var order: [String: Int] = [:]
    func entry(_ row: Int) -> Int {
      let fields = table.rows[row].fields
      let key = fields[factor] + "\u{1}" + (metric.map { fields[$0] } ?? "")
      if let i = order[key] { return i }
      order[key] = entries.count
      entries.append(Entry(factor: fields[factor], metric: metric.map { fields[$0] }, values: [:]))
      return entries.count - 1
    }
    func interval(_ row: Int, _ prefix: String, value: Double, conf: Int?, low: Int?, high: Int?) throws(PathwayError)
      -> ClosedRange<Double>?
    {
      if let conf, let c = try table.number(row: row, column: conf, allowEmpty: true), c.isFinite {
        return (value - abs(c))...(value + abs(c))
      }
      if let low, let high, let a = try table.number(row: row, column: low, allowEmpty: true),
        let b = try table.number(row: row, column: high, allowEmpty: true), a.isFinite, b.isFinite
      {
        return min(a, b)...max(a, b)
      }
      return nil
    }

    if let indexColumn = column(["index", "statistic"]), let valueColumn = column(["value"]) {
      // Long layout.
      let conf = column(["conf", "ci", "half_width"]), low = column(["low", "lo", "ci_low", "lower"])
      let high = column(["high", "hi", "ci_high", "upper"])
      for row in table.rows.indices {
        let name = Self.canonical(table.rows[row].fields[indexColumn])
        guard let value = try table.number(row: row, column: valueColumn, allowEmpty: true) else { continue }
        let i = entry(row)
        entries[i].values[name] = (value, try interval(row, name, value: value, conf: conf, low: low, high: high))
      }
    } else {
      let wanted = ["mu_star", "sigma", "S1", "ST"]
      for row in table.rows.indices {
        let i = entry(row)
        for name in wanted {
          guard let c = canonical.firstIndex(of: name) else { continue }
          guard let value = try table.number(row: row, column: c, allowEmpty: true) else { continue }
          let prefix = name.lowercased()
          let conf = column([prefix + "_conf", prefix + "_ci", prefix + "_half_width"])
          let low = column([prefix + "_low", prefix + "_lo", prefix + "_ci_low", prefix + "_lower"])
          let high = column([prefix + "_high", prefix + "_hi", prefix + "_ci_high", prefix + "_upper"])
          entries[i].values[name] = (value, try interval(row, name, value: value, conf: conf, low: low, high: high))
        }
      }
    }
    let present = Set(entries.flatMap(\.values.keys))
    if present.contains("S1") || present.contains("ST") {
      method = .sobol
      indices = ["S1", "ST"].filter(present.contains)
    } else if present.contains("mu_star") {
      method = .morris
      indices = ["mu_star", "sigma"].filter(present.contains)
    } else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
        "missing column 'mu_star' or 'S1'/'ST': no sensitivity indices in the file")
    }
    self.entries = entries
  }

  /// How an index is written for readers.
  static func display(_ index: String) -> String {
    switch index {
    case "mu_star": return "μ*"
    case "sigma": return "σ"
    case "S1": return "S1 (first order)"
    case "ST": return "ST (total)"
    default: return index
    }
  }
}

/// A one-at-a-time sweep's `sensitivity.csv`: per metric and swept quantity, each value tried
/// and the relative change of the metric against the base run (`parameter`, `value`, `fold`,
/// `relative_change`; `metric` optional).
struct TornadoInput {
  struct Entry {
    var factor: String
    var metric: String?
    var value: Double
    /// value / base (NaN when unknown): below 1 is a decrease of the quantity.
    var fold: Double
    var relativeChange: Double
  }

  var file: String
  var entries: [Entry]

  static func matches(_ header: [String]) -> Bool {
    let names = Set(header.map { $0.lowercased() })
    return names.contains("relative_change") && names.contains("parameter")
  }

  init(table: CSVTable) throws(PathwayError) {
    file = table.file
    let lowered = table.header.map { $0.lowercased() }
    func column(_ name: String) throws(PathwayError) -> Int {
      guard let i = lowered.firstIndex(of: name) else {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
          "missing column '\(name)' in a one-at-a-time sensitivity table")
      }
      return i
    }
    let factor = try column("parameter"), value = try column("value"), change = try column("relative_change")
    let fold = lowered.firstIndex(of: "fold"), metric = lowered.firstIndex(of: "metric")
    var entries: [Entry] = []
    for row in table.rows.indices {
      let fields = table.rows[row].fields
      guard let v = try table.number(row: row, column: value, allowEmpty: true),
            let c = try table.number(row: row, column: change, allowEmpty: true) else { continue }
      let f = try fold.flatMap { (i) throws(PathwayError) in try table.number(row: row, column: i, allowEmpty: true) } ?? .nan
      entries.append(Entry(factor: fields[factor], metric: metric.map { fields[$0] }, value: v, fold: f, relativeChange: c))
    }
    self.entries = entries
  }
}

/// Boolean attractors: from `simulate attractors` JSON (`{"nodes", "update", "attractors":
/// [{"type", "states", "basin", …}]}`) or CSV (`attractor,type,basin,<nodes…>`, one row per state).
struct AttractorInput {
  struct Attractor {
    var type: String
    var basin: Double?
    var basinFraction: Double?
    /// Per state, per node: 1, 0, or −1 for a node that is free in a complex attractor's subspace.
    var states: [[Int8]]
  }

  var file: String
  var nodes: [String]
  var update: String?
  var attractors: [Attractor]

  static func isCSV(_ header: [String]) -> Bool { Array(header.prefix(3)) == ["attractor", "type", "basin"] }

  init(csv table: CSVTable) throws(PathwayError) {
    file = table.file
    nodes = Array(table.header.dropFirst(3))
    update = nil
    guard !nodes.isEmpty else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: table.file, line: table.headerLine, column: 1),
        "missing node columns after 'attractor,type,basin'")
    }
    var attractors: [Attractor] = []
    var current: String?
    for row in table.rows.indices {
      let fields = table.rows[row].fields
      var state: [Int8] = []
      for c in 3..<fields.count {
        switch fields[c].trimmingSpaces {
        case "1": state.append(1)
        case "0": state.append(0)
        case "-", "*": state.append(-1)
        default:
          throw PathwayError(
            .invalidInput, at: table.location(row: row, column: c),
            "'\(fields[c])' is not a Boolean state (column '\(table.header[c])')", notes: ["a node's state is 0 or 1"])
        }
      }
      if fields[0] != current {
        current = fields[0]
        let basin = try table.number(row: row, column: 2, allowEmpty: true)
        attractors.append(Attractor(type: fields[1], basin: basin, basinFraction: nil, states: []))
      }
      attractors[attractors.count - 1].states.append(state)
    }
    self.attractors = attractors
  }

  init(json path: String) throws(PathwayError) {
    file = path
    let data = try InputFile.readData(path)
    let object: [String: Any]
    do {
      guard let value = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw PathwayError(.invalidInput, at: SourceLocation(file: path, line: 1, column: 1), "expected a JSON object")
      }
      object = value
    } catch let error as PathwayError {
      throw error
    } catch {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: path, line: 1, column: 1),
        // Foundation's debug description says where ("around line 3, column 5"), its localized one not.
        "not valid JSON: \(((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? (error as NSError).localizedDescription)")
    }
    func fail(_ message: String) -> PathwayError {
      PathwayError(.invalidInput, at: SourceLocation(file: path, line: 1, column: 1), message,
        notes: ["expected the JSON of simulate attractors: {\"nodes\": [...], \"attractors\": [{\"type\", \"states\", \"basin\"}]}"])
    }
    guard let nodes = object["nodes"] as? [String] else { throw fail("missing key 'nodes' (a list of node names)") }
    guard let list = object["attractors"] as? [[String: Any]] else { throw fail("missing key 'attractors' (a list)") }
    self.nodes = nodes
    update = object["update"] as? String
    var attractors: [Attractor] = []
    for (a, item) in list.enumerated() {
      var states: [[Int8]] = []
      var texts = item["states"] as? [String] ?? []
      if texts.isEmpty, let subspace = item["subspace"] as? String { texts = [subspace] }
      for (s, text) in texts.enumerated() {
        var state: [Int8] = []
        for character in text {
          switch character {
          case "1": state.append(1)
          case "0": state.append(0)
          case "-", "*": state.append(-1)
          default: throw fail("attractor \(a + 1), state \(s + 1): '\(character)' is not 0, 1 or -")
          }
        }
        guard state.count == nodes.count else {
          throw fail("attractor \(a + 1), state \(s + 1) has \(state.count) values for \(nodes.count) nodes")
        }
        states.append(state)
      }
      attractors.append(
        Attractor(
          type: item["type"] as? String ?? "?", basin: (item["basin"] as? NSNumber)?.doubleValue,
          basinFraction: (item["basin_fraction"] as? NSNumber)?.doubleValue, states: states))
    }
    self.attractors = attractors
  }
}

/// A Boolean trajectory (`step,<nodes…>`, 0/1 values), as `simulate run --boolean` writes it.
struct BooleanTrajectoryInput {
  var file: String
  var nodes: [String]
  var steps: [Double]
  /// Per node, per step.
  var values: [[Bool]]

  static func matches(_ header: [String]) -> Bool { header.first == "step" && header.count > 1 }

  /// Whether every value after the step column is 0 or 1 (a trajectory, not an ensemble's shares).
  static func isBinary(_ table: CSVTable) -> Bool {
    table.rows.allSatisfy { row in row.fields.dropFirst().allSatisfy { $0.trimmingSpaces == "0" || $0.trimmingSpaces == "1" } }
  }

  init(table: CSVTable) throws(PathwayError) {
    file = table.file
    nodes = Array(table.header.dropFirst())
    steps = try table.numbers(column: 0)
    // Found by fuzzing: steps out of order gave the raster an empty axis range (a trap).
    for row in steps.indices where !steps[row].isFinite || (row > 0 && steps[row] <= steps[row - 1]) {
      let text = table.rows[row].fields[0]
      throw PathwayError(
        .invalidInput, at: table.location(row: row, column: 0),
        steps[row].isFinite
          ? "step '\(text)' does not follow step \(formatNumber(steps[row - 1])): the steps of a Boolean trajectory increase"
          : "step '\(text)' is not a finite number",
        notes: ["a Boolean trajectory is one row per step, in order, as simulate run --boolean writes it"])
    }
    var values = [[Bool]](repeating: [], count: nodes.count)
    for row in table.rows.indices {
      for c in 1..<table.header.count {
        switch table.rows[row].fields[c].trimmingSpaces {
        case "1": values[c - 1].append(true)
        case "0": values[c - 1].append(false)
        default:
          throw PathwayError(
            .invalidInput, at: table.location(row: row, column: c),
            "'\(table.rows[row].fields[c])' is not a Boolean state (column '\(table.header[c])')",
            notes: ["a Boolean trajectory holds 0 or 1 per node and step"])
        }
      }
    }
    self.values = values
  }
}

/// What `manifest.json` beside an output says about it: the scenario's name and the model's
/// time unit and parameter units (the model is read from the path the manifest records, when it
/// can still be found). Everything is optional; a folder without a manifest gives nothing.
struct PlotMetadata {
  var scenarioName: String?
  var timeUnit: String?
  var parameterUnits: [String: String] = [:]
  /// The unit of each output column, as the run's manifest records it.
  var columnUnits: [String: String] = [:]

  init(scenarioName: String? = nil, timeUnit: String? = nil) {
    self.scenarioName = scenarioName
    self.timeUnit = timeUnit
  }

  /// Reads manifests and models once each, however many inputs share them.
  struct Reader {
    private var manifests: [String: [String: Any]?] = [:]
    private var models: [String: Model?] = [:]

    init() {}

    /// The metadata of the output `path`.
    mutating func metadata(for path: String) -> PlotMetadata {
      var result = PlotMetadata()
      let directory = Paths.directory(of: path)
      let folder = directory.isEmpty ? "." : directory
      if manifests[folder] == nil {
        let data = FileManager.default.contents(atPath: folder + "/manifest.json")
        manifests[folder] = data.flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
      }
      guard let manifest = manifests[folder] ?? nil else { return result }
      let entry = (manifest["outputs"] as? [String: Any])?[Paths.lastComponent(of: path)] as? [String: Any]
      let scenario = entry?["scenario"] as? [String: Any] ?? manifest["scenario"] as? [String: Any]
      result.scenarioName = scenario?["name"] as? String
      result.timeUnit = entry?["time_unit"] as? String ?? scenario?["time_unit"] as? String ?? manifest["time_unit"] as? String
      for column in scenario?["columns"] as? [[String: Any]] ?? [] {
        if let name = column["name"] as? String, let unit = column["unit"] as? String { result.columnUnits[name] = unit }
      }
      let modelRecord = entry?["model"] as? [String: Any] ?? manifest["model"] as? [String: Any]
      guard let modelPath = modelRecord?["path"] as? String else { return result }
      // The recorded path is as the run was given it: relative to where it ran, or absolute.
      let candidates = [modelPath] + (modelPath.hasPrefix("/") ? [] : [folder + "/" + modelPath])
      guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return result }
      if models[found] == nil { models[found] = .some(try? ModelLoader.load(found)) }
      guard let model = models[found] ?? nil else { return result }
      if result.timeUnit == nil { result.timeUnit = model.timeUnit }
      for parameter in model.parameters {
        if let unit = parameter.unit { result.parameterUnits[parameter.id] = unit }
      }
      return result
    }
  }
}

/// `name (unit)`, or `name` when the unit is unknown.
func withUnit(_ name: String, _ unit: String?) -> String {
  guard let unit, !unit.isEmpty else { return name }
  return "\(name) (\(unit))"
}
