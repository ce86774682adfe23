import Foundation

/// The columns of `runs.csv` and `trajectories.csv`, and the text of their rows.
///
/// `runs.csv`: `run_id,shard,seed,<swept quantity>…,status,<metric>…,steps,rhs_evals,wall_ms`,
/// one row per run, ordered by run id. Numbers are written in the shortest form that reads back
/// to the same double; a value that does not exist (a metric of a failed run, a level never
/// crossed, the statistics of a run never run) is an empty field.
///
/// `trajectories.csv`: `run_id,time,variable,value`, long format, ordered by run id.
public struct RunsTable: Sendable, Hashable {
  public let dimensionNames: [String]
  public let metricNames: [String]

  public init(dimensionNames: [String], metricNames: [String]) {
    self.dimensionNames = dimensionNames
    self.metricNames = metricNames
  }

  public init(_ spec: SweepSpec) {
    let swept = spec.perturbationSets == nil ? spec.dimensions.map(\.target) : ["knockout", "overexpress"]
    self.init(dimensionNames: swept, metricNames: spec.metrics)
  }

  /// The column names in order.
  public var columns: [String] {
    ["run_id", "shard", "seed"] + dimensionNames + ["status"] + metricNames + ["steps", "rhs_evals", "wall_ms"]
  }

  /// The header line (with its newline).
  public var header: String { columns.map(CSVWriter.field).joined(separator: ",") + "\n" }

  /// The index of the `status` column.
  public var statusColumn: Int { 3 + dimensionNames.count }
  /// The index of the first metric column.
  public var firstMetricColumn: Int { statusColumn + 1 }

  public static let trajectoryHeader = "run_id,time,variable,value\n"

  /// The row of `record` (with its newline). `wallTime: false` leaves `wall_ms` empty, so that
  /// the file is byte-identical between runs of the same sweep.
  public func row(_ record: RunRecord, shard: Int, wallTime: Bool) -> String {
    var line = String(record.run) + "," + String(shard) + "," + String(record.seed)
    if record.labels.isEmpty {
      for value in record.values { line += "," + formatNumber(value) }
    } else {
      for label in record.labels { line += "," + CSVWriter.field(label) }
    }
    line += "," + CSVWriter.field(record.status.text)
    for value in record.metrics { line += "," + (value.isNaN ? "" : formatNumber(value)) }
    if let statistics = record.statistics {
      line += "," + String(statistics.steps) + "," + String(statistics.rhsEvaluations)
    } else {
      line += ",,"
    }
    line += ","
    if wallTime, let seconds = record.wallSeconds, record.status != .notRun {
      line += formatNumber((seconds * 1e6).rounded() / 1e3)
    }
    return line + "\n"
  }

  /// The long-format rows of `record`'s trajectory, for the `columns` named `names`.
  public static func trajectoryRows(_ record: RunRecord, columns: [Int], names: [String]) -> String {
    guard let trajectory = record.trajectory else { return "" }
    var text = ""
    let prefix = String(record.run) + ","
    let quoted = names.map(CSVWriter.field)
    let width = trajectory.names.count
    for row in 0..<trajectory.rowCount {
      let time = prefix + formatNumber(trajectory.times[row]) + ","
      for (c, name) in zip(columns, quoted) {
        text += time + name + "," + formatNumber(trajectory.values[row * width + c]) + "\n"
      }
    }
    return text
  }

  /// Splits a CSV line into fields (quoted fields may hold commas and doubled quotes).
  public static func fields(_ line: Substring) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var iterator = line.makeIterator()
    while let c = iterator.next() {
      if quoted {
        if c == "\"" {
          if let next = iterator.next() {
            if next == "\"" { current.append("\"") } else {
              quoted = false
              if next == "," {
                fields.append(current)
                current = ""
              } else {
                current.append(next)
              }
            }
          } else {
            quoted = false
          }
        } else {
          current.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == "," {
        fields.append(current)
        current = ""
      } else {
        current.append(c)
      }
    }
    fields.append(current)
    return fields
  }

  /// The run id of a row: its first field.
  public static func runID(_ line: some StringProtocol) -> Int? {
    runID(ArraySlice(Array(line.utf8)))
  }

  /// The run id of a row given as bytes.
  static func runID(_ line: ArraySlice<UInt8>) -> Int? {
    line.withUnsafeBufferPointer { bytes -> Int? in
      var value = 0
      for i in 0..<min(bytes.count, 19) {
        let byte = bytes[i]
        if byte == UInt8(ascii: ",") { return i > 0 ? value : nil }
        guard byte >= 48 && byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      return nil
    }
  }

  /// The kind of a row's status, without parsing the row.
  enum StatusKind { case ok, failed, notRun }

  /// A row's status kind, or nil when unreadable. The fields before `status` are numbers, so
  /// counting commas finds it.
  func statusKind(_ row: [UInt8]) -> StatusKind? { statusKind(row[...]) }

  func statusKind(_ row: ArraySlice<UInt8>) -> StatusKind? {
    row.withUnsafeBufferPointer { bytes -> StatusKind? in
      var commas = 0, i = 0
      while commas < statusColumn && i < bytes.count {
        if bytes[i] == UInt8(ascii: ",") { commas += 1 }
        i += 1
      }
      guard commas == statusColumn else { return nil }
      func starts(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        return memcmp(bytes.baseAddress! + i, text.utf8Start, n) == 0
      }
      if starts("ok,") || (i + 2 == bytes.count && starts("ok")) { return .ok }
      if starts("failed:") { return .failed }
      if starts("not_run") { return .notRun }
      return nil
    }
  }
}
