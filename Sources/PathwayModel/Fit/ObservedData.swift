/// Measured time courses to fit a model to: a CSV whose first column is `time` and whose other
/// columns are model outputs (any id `simulate run --select` takes: a species, by default its
/// concentration unless it has only substance units; a node; a parameter; an assignment).
///
/// An empty field, `NA` or `NaN` is a missing value. A column `X_sd` next to a column `X` gives
/// the standard deviation of each value of X (positive and finite where X has a value): the
/// residuals are then weighted by it. Without one, residuals are unweighted (σ = 1).
public struct ObservedData: Sendable {
  public var file: String
  /// Distinct measurement times, ascending.
  public var times: [Double]
  /// The measured outputs, in file order.
  public var variables: [String]
  /// Where each variable's header is (for errors about unknown outputs).
  public var variableLocations: [SourceLocation]
  /// One observation per measured value.
  public var observations: [Observation]
  /// Whether any column gives standard deviations.
  public var weighted: Bool

  public struct Observation: Sendable, Hashable {
    /// Index into `times`.
    public var time: Int
    /// Index into `variables`.
    public var variable: Int
    public var value: Double
    public var sd: Double
    public var location: SourceLocation
  }

  public static func read(path: String) throws(PathwayError) -> ObservedData {
    try parse(try CSVTable.read(path: path))
  }

  public static func parse(_ table: CSVTable) throws(PathwayError) -> ObservedData {
    let file = table.file
    func headerLocation(_ c: Int) -> SourceLocation {
      SourceLocation(file: file, line: table.headerLine, column: table.headerColumns[c])
    }
    guard let first = table.header.first, first.lowercased() == "time" else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: file, line: table.headerLine, column: 1),
        "the first column of a data file must be 'time' (found '\(table.header.first ?? "")')")
    }
    let names = Array(table.header.dropFirst())
    var sdColumn: [Int: Int] = [:]
    var valueColumns: [Int] = []
    for (offset, name) in names.enumerated() {
      let c = offset + 1
      if name.hasSuffix("_sd"), let base = table.header.firstIndex(of: String(name.dropLast(3))), base > 0 {
        sdColumn[base] = c
      } else {
        valueColumns.append(c)
      }
    }
    guard !valueColumns.isEmpty else {
      throw PathwayError(.invalidInput, at: headerLocation(0), "the data file has no column of measured values after 'time'")
    }
    func value(_ row: Int, _ c: Int) throws(PathwayError) -> Double? {
      let text = table.rows[row].fields[c].trimmingCharacters(in: .whitespaces)
      if text.isEmpty || text == "NA" || text.lowercased() == "nan" { return nil }
      guard let v = CSVTable.parseNumber(text), v.isFinite else {
        throw PathwayError(.invalidInput, at: table.location(row: row, column: c), "'\(text)' is not a finite number")
      }
      return v
    }
    var timeOfRow: [Double] = []
    for row in table.rows.indices {
      guard let t = try value(row, 0) else {
        throw PathwayError(.invalidInput, at: table.location(row: row, column: 0), "a row without a time")
      }
      timeOfRow.append(t)
    }
    let times = Array(Set(timeOfRow)).sorted()
    let timeIndex = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($0.element, $0.offset) })
    var observations: [Observation] = []
    for (v, c) in valueColumns.enumerated() {
      for row in table.rows.indices {
        guard let x = try value(row, c) else { continue }
        var sd = 1.0
        if let s = sdColumn[c] {
          guard let given = try value(row, s), given > 0 else {
            throw PathwayError(
              .invalidInput, at: table.location(row: row, column: s),
              "the standard deviation of \(table.header[c]) must be a positive number where \(table.header[c]) has a value")
          }
          sd = given
        }
        observations.append(
          Observation(time: timeIndex[timeOfRow[row]]!, variable: v, value: x, sd: sd, location: table.location(row: row, column: c)))
      }
    }
    guard !observations.isEmpty else {
      throw PathwayError(.invalidInput, at: headerLocation(0), "the data file holds no measured value")
    }
    return ObservedData(
      file: file, times: times, variables: valueColumns.map { table.header[$0] },
      variableLocations: valueColumns.map(headerLocation), observations: observations, weighted: !sdColumn.isEmpty)
  }
}
