/// A CSV file read for plotting: a header and rows of text fields, each field with the line and
/// column it starts at, so that every complaint about a value can name `file:line:column`.
///
/// The dialect is RFC 4180 as our writers produce it (and as pandas, R and spreadsheets write
/// it): comma-separated, `"…"` quoting with `""` for a quote, LF or CRLF line ends, an optional
/// UTF-8 byte-order mark; a `.tsv` file is the same with tabs for commas. Blank lines are
/// skipped. Every row must have as many fields as the header; a short row is a missing column, a
/// long one an extra field (both exit 65).
public struct CSVTable: Sendable {
  /// One data row.
  public struct Row: Sendable {
    /// The 1-based line the row starts on.
    public var line: Int
    public var fields: [String]
    /// The 1-based column (in Unicode scalars) at which each field starts.
    public var columns: [Int]
  }

  /// The file as the user named it.
  public let file: String
  public let header: [String]
  /// The line of the header (1 unless blank lines precede it).
  public let headerLine: Int
  /// The start column of each header field.
  public let headerColumns: [Int]
  public let rows: [Row]

  /// Reads and parses `path` (tab-separated when it ends in `.tsv`): a missing file exits 66,
  /// malformed CSV 65.
  public static func read(path: String) throws(PathwayError) -> CSVTable {
    try parse(text: InputFile.readText(path), file: path, separator: CSVWriter.separator(forPath: path))
  }

  /// Parses CSV `text` (or TSV with `separator` "\t"); `file` names it in messages.
  public static func parse(text: String, file: String, separator: Character = ",") throws(PathwayError) -> CSVTable {
    var records = try records(of: Array(text.utf8), file: file, separator: separator.asciiValue ?? UInt8(ascii: ","))
    guard !records.isEmpty else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: file, line: 1, column: 1), "the file is empty; expected a CSV header")
    }
    let head = records.removeFirst()
    var seen: [String: Int] = [:]
    for (i, name) in head.fields.enumerated() {
      if let first = seen[name] {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: file, line: head.line, column: head.columns[i]),
          "the column name '\(name)' appears twice (also column \(first + 1))")
      }
      seen[name] = i
    }
    for record in records where record.fields.count != head.fields.count {
      if record.fields.count < head.fields.count {
        let missing = head.fields[record.fields.count...].map { "'\($0)'" }
        throw PathwayError(
          .invalidInput,
          at: SourceLocation(file: file, line: record.endLine, column: record.endColumn),
          "missing column: the row has \(record.fields.count) field(s), the header \(head.fields.count); "
            + "no value for \(missing.prefix(3).joined(separator: ", "))\(missing.count > 3 ? ", …" : "")")
      }
      let extra = head.fields.count
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: file, line: record.lines[extra], column: record.columns[extra]),
        "the row has \(record.fields.count) fields but the header only \(head.fields.count)")
    }
    return CSVTable(
      file: file, header: head.fields, headerLine: head.line, headerColumns: head.columns,
      rows: records.map { Row(line: $0.line, fields: $0.fields, columns: $0.columns) })
  }

  /// The index of the column named `name`, if any.
  public func index(of name: String) -> Int? { header.firstIndex(of: name) }

  /// The index of the column named `name`; a missing one is an error at the header (exit 65).
  public func requireColumn(_ name: String, for purpose: String) throws(PathwayError) -> Int {
    if let i = index(of: name) { return i }
    var notes = didYouMean(name, among: header).map { [$0] } ?? []
    notes.append("the columns are: " + header.prefix(12).joined(separator: ", ") + (header.count > 12 ? ", …" : ""))
    throw PathwayError(
      .invalidInput, at: SourceLocation(file: file, line: headerLine, column: 1),
      "missing column '\(name)' (\(purpose))", notes: notes)
  }

  /// Where the field `column` of row `row` starts.
  public func location(row: Int, column: Int) -> SourceLocation {
    SourceLocation(file: file, line: rows[row].line, column: rows[row].columns[column])
  }

  /// The number in field `column` of row `row`. `nan`, `inf` and `-inf` read as such; an empty
  /// field is nil when `allowEmpty`, an error otherwise; any other text is an error (exit 65).
  public func number(row: Int, column: Int, allowEmpty: Bool = false) throws(PathwayError) -> Double? {
    let text = rows[row].fields[column]
    if let value = CSVTable.parseNumber(text) { return value }
    let trimmed = text.trimmingSpaces
    if trimmed.isEmpty {
      if allowEmpty { return nil }
      throw PathwayError(
        .invalidInput, at: location(row: row, column: column), "empty value in column '\(header[column])'",
        notes: ["every value of this column must be a number"])
    }
    throw PathwayError(
      .invalidInput, at: location(row: row, column: column),
      "'\(trimmed)' is not a number (column '\(header[column])')")
  }

  /// Every value of `column` as numbers (see `number(row:column:allowEmpty:)`).
  public func numbers(column: Int) throws(PathwayError) -> [Double] {
    var values: [Double] = []
    values.reserveCapacity(rows.count)
    for row in rows.indices { values.append(try number(row: row, column: column)!) }
    return values
  }

  /// A decimal number, `nan`, `inf` or `-inf` (surrounding spaces allowed); nil otherwise.
  public static func parseNumber(_ text: String) -> Double? {
    let trimmed = text.trimmingSpaces
    guard let first = trimmed.utf8.first else { return nil }
    // Double("0x1p3") and Double("infinity") also parse; accept only what writers of CSV write.
    let allowed = first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
      || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
    if allowed, !trimmed.contains("x"), !trimmed.contains("X"), let value = Double(trimmed) { return value }
    switch trimmed.lowercased() {
    case "nan", "-nan", "+nan": return .nan
    case "inf", "+inf", "infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    default: return nil
    }
  }

  // MARK: - Tokenizer

  private struct Record {
    var line: Int
    var fields: [String] = []
    var columns: [Int] = []
    var lines: [Int] = []
    var endLine: Int = 0
    var endColumn: Int = 0
  }

  /// Splits `bytes` into records of fields with their positions.
  private static func records(of bytes: [UInt8], file: String, separator comma: UInt8) throws(PathwayError) -> [Record] {
    var records: [Record] = []
    var index = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    var line = 1, column = 1
    let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// Advances over one byte, keeping line and column (columns count scalars, not bytes).
    func advance() {
      let b = bytes[index]
      index += 1
      if b == lf {
        line += 1
        column = 1
      } else if b & 0xC0 != 0x80 {
        column += 1
      }
    }

    while index < bytes.count {
      // A blank line (or the CR of one) is skipped.
      if bytes[index] == lf || (bytes[index] == cr && index + 1 < bytes.count && bytes[index + 1] == lf) {
        if bytes[index] == cr { index += 1 }
        advance()
        continue
      }
      var record = Record(line: line)
      var field = [UInt8]()
      while true {
        record.columns.append(column)
        record.lines.append(line)
        field.removeAll(keepingCapacity: true)
        if index < bytes.count && bytes[index] == quote {
          let start = SourceLocation(file: file, line: line, column: column)
          advance()
          while true {
            guard index < bytes.count else {
              throw PathwayError(.invalidInput, at: start, "unterminated quoted field")
            }
            if bytes[index] == quote {
              if index + 1 < bytes.count && bytes[index + 1] == quote {
                field.append(quote)
                advance()
                advance()
                continue
              }
              advance()
              break
            }
            field.append(bytes[index])
            advance()
          }
          if index < bytes.count && bytes[index] != comma && bytes[index] != lf && bytes[index] != cr {
            throw PathwayError(
              .invalidInput, at: SourceLocation(file: file, line: line, column: column),
              "unexpected text after a closing quote", notes: ["a quote inside a quoted field is written \"\""])
          }
        } else {
          while index < bytes.count && bytes[index] != comma && bytes[index] != lf {
            if bytes[index] == cr && (index + 1 == bytes.count || bytes[index + 1] == lf) {
              index += 1  // CRLF: the CR belongs to the line end
              continue
            }
            field.append(bytes[index])
            advance()
          }
        }
        record.fields.append(String(decoding: field, as: UTF8.self))
        if index < bytes.count && bytes[index] == comma {
          advance()
          continue
        }
        if index < bytes.count && bytes[index] == cr { index += 1 }
        record.endLine = line
        record.endColumn = column
        if index < bytes.count { advance() }  // the line feed
        break
      }
      records.append(record)
    }
    return records
  }
}

extension String {
  /// The text without leading and trailing spaces and tabs.
  var trimmingSpaces: String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
    let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
    return String(scalars[first...last])
  }
}
