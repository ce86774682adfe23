/// Writes an `AttractorSet` as JSON or CSV.
///
/// JSON (keys sorted; the first three are the schema every consumer relies on):
///
/// ```
/// {"nodes": ["CycD", "Rb", …],            // network order; states index into it
///  "update": "sync" | "async",
///  "attractors": [{"type": "fixed" | "cycle" | "complex",
///                  "states": ["0101…", …],  // a cycle in update order, from its smallest state
///                  "basin": 512 | null,      // exact basin size (exhaustive synchronous search)
///                  "basin_fraction": 0.25,   // sampled searches only
///                  "size": 1.3e11,           // complex only: how many states (listed or not)
///                  "subspace": "01--1…"}],   // complex only: fixed nodes 0/1, free ones '-'
///  "complete": true,                         // false for sampled searches
///  "method": "…", "knockout": […], "overexpress": […],
///  "samples": K, "seed": S, "unresolved_samples": U}   // sampled searches only
/// ```
///
/// CSV: one row per listed attractor state, `attractor,type,basin,<node>,<node>,…`, with the
/// attractor numbered from 1 in JSON order, an empty basin when unknown, and 0/1 per node.
public enum AttractorReport {
  public enum Format: String, Sendable, CaseIterable {
    case json, csv
  }

  /// The JSON value of `set`.
  public static func json(_ set: AttractorSet) -> JSONValue {
    var object: [String: JSONValue] = [
      "nodes": .array(set.nodes.map(JSONValue.string)),
      "update": .string(set.scheme.rawValue),
      "attractors": .array(set.attractors.map(json)),
      "complete": .bool(set.complete),
      "method": .string(set.method),
      "knockout": .array(set.pins.filter { !$0.value }.keys.sorted().map(JSONValue.string)),
      "overexpress": .array(set.pins.filter { $0.value }.keys.sorted().map(JSONValue.string)),
    ]
    if let samples = set.samples {
      object["samples"] = .number(Double(samples))
      object["unresolved_samples"] = .number(Double(set.unresolvedSamples))
    }
    if let seed = set.seed {
      object["seed"] = seed < 1 << 53 ? .number(Double(seed)) : .string(String(seed))
    }
    return .object(object)
  }

  private static func json(_ a: Attractor) -> JSONValue {
    var object: [String: JSONValue] = [
      "type": .string(a.kind.rawValue),
      "states": .array(a.states.map { .string($0.description) }),
      "basin": a.basin.map { .number(Double($0)) } ?? .null,
    ]
    if let fraction = a.basinFraction { object["basin_fraction"] = .number(fraction) }
    if a.kind == .complex {
      object["size"] = .number(a.size)
      if let subspace = a.subspaceText { object["subspace"] = .string(subspace) }
    }
    return .object(object)
  }

  /// The CSV text of `set` (tab-separated with `separator: "\t"`).
  public static func csv(_ set: AttractorSet, separator: Character = ",") -> String {
    let sep = String(separator)
    var out = ["attractor", "type", "basin"].joined(separator: sep) + sep
      + set.nodes.map { CSVWriter.field($0, separator: separator) }.joined(separator: sep) + "\n"
    for (index, a) in set.attractors.enumerated() {
      let prefix = ["\(index + 1)", a.kind.rawValue, a.basin.map(String.init) ?? ""].joined(separator: sep) + sep
      for state in a.states {
        var line = prefix
        for i in 0..<state.count {
          if i > 0 { line += sep }
          line += state[i] ? "1" : "0"
        }
        out += line + "\n"
      }
    }
    return out
  }

  /// Writes `set` to `path` (or standard output for `-`) atomically; CSV into a `.tsv` file is
  /// tab-separated.
  public static func write(_ set: AttractorSet, format: Format, to path: String) throws(PathwayError) {
    let text: String
    switch format {
    case .json: text = json(set).rendered() + "\n"
    case .csv: text = csv(set, separator: CSVWriter.separator(forPath: path))
    }
    let file = try OutputFile(path: path)
    try file.write(text)
    try file.commit()
  }
}

/// Writes a Boolean time course as CSV: `step,<node>,<node>,…`, one row per step, 0/1 values.
public enum BooleanTrajectoryCSV {
  /// Writes the nodes `columns` (indices in network order; all when nil) of `trajectory`: wide
  /// (`step,<nodes>`) or long (`step,variable,value`, one row per step and node).
  public static func write(
    _ trajectory: BooleanTrajectory, columns: [Int]? = nil, layout: OutputLayout = .wide, to file: OutputFile,
    separator: Character = ","
  ) throws(PathwayError) {
    let columns = columns ?? Array(trajectory.names.indices)
    let sep = String(separator)
    if layout == .long {
      try file.write(["step", "variable", "value"].joined(separator: sep) + "\n")
      let names = columns.map { CSVWriter.field(trajectory.names[$0], separator: separator) }
      for row in 0..<trajectory.rowCount {
        for (name, node) in zip(names, columns) {
          try file.write("\(row)\(sep)\(name)\(sep)\(trajectory.value(row: row, node: node) ? 1 : 0)\n")
        }
      }
      return
    }
    try file.write("step" + sep + columns.map { CSVWriter.field(trajectory.names[$0], separator: separator) }.joined(separator: sep) + "\n")
    let separatorByte = UInt8(ascii: separator.unicodeScalars.first!)
    var line = [UInt8]()
    line.reserveCapacity(2 * columns.count + 16)
    for row in 0..<trajectory.rowCount {
      line.removeAll(keepingCapacity: true)
      line.append(contentsOf: String(row).utf8)
      for node in columns {
        line.append(separatorByte)
        line.append(trajectory.value(row: row, node: node) ? UInt8(ascii: "1") : UInt8(ascii: "0"))
      }
      line.append(UInt8(ascii: "\n"))
      try file.write(String(decoding: line, as: UTF8.self))
    }
  }
}

/// The CSV of a `BooleanEnsemble`: `time` (or `step`), then per node the share of runs with it
/// ON at that row (0 or 1 for a single run), then per readout (`readoutNames`, the ensemble's
/// readouts in order) the share of runs in which it holds.
public enum BooleanEnsembleCSV {
  public static func write(
    _ ensemble: BooleanEnsemble, columns: [Int]? = nil, readoutNames: [String] = [], rowHeader: String, layout: OutputLayout = .wide,
    to file: OutputFile, separator: Character = ","
  ) throws(PathwayError) {
    let columns = columns ?? Array(ensemble.names.indices)
    let sep = String(separator)
    let names = (columns.map { ensemble.names[$0] } + readoutNames).map { CSVWriter.field($0, separator: separator) }
    func values(_ row: Int) -> [Double] {
      columns.map { ensemble.fraction(row: row, node: $0) } + readoutNames.indices.map { ensemble.readoutFraction(row: row, readout: $0) }
    }
    if layout == .long {
      try file.write([rowHeader, "variable", "value"].joined(separator: sep) + "\n")
      for row in ensemble.times.indices {
        let t = formatNumber(ensemble.times[row])
        for (name, value) in zip(names, values(row)) { try file.write(t + sep + name + sep + formatNumber(value) + "\n") }
      }
      return
    }
    try file.write(([rowHeader] + names).joined(separator: sep) + "\n")
    for row in ensemble.times.indices {
      try file.write(([formatNumber(ensemble.times[row])] + values(row).map(formatNumber)).joined(separator: sep) + "\n")
    }
  }
}

/// The state probabilities of a `BooleanEnsemble` (MaBoSS's probtraj states), long format:
/// `time` (or `step`), `state` (the ON watched nodes joined by " -- ", "<nil>" for none),
/// `probability`; per row the states reached, most frequent first.
public enum BooleanStatesCSV {
  public static func write(
    _ ensemble: BooleanEnsemble, rowHeader: String, to file: OutputFile, separator: Character = ","
  ) throws(PathwayError) {
    let sep = String(separator)
    try file.write([rowHeader, "state", "probability"].joined(separator: sep) + "\n")
    for row in ensemble.times.indices {
      let t = formatNumber(ensemble.times[row])
      for (label, probability) in ensemble.states(row: row) {
        try file.write(t + sep + CSVWriter.field(label, separator: separator) + sep + formatNumber(probability) + "\n")
      }
    }
  }
}
