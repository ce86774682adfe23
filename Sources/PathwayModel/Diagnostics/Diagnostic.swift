/// A place in an input file: path, 1-based line and 1-based column.
///
/// Columns count Unicode scalars, as libyaml and most editors do.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
  /// The file as the user named it (not canonicalised), or a label such as `<--set>`.
  public var file: String
  /// Line number starting from 1.
  public var line: Int
  /// Column number starting from 1.
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`, the form compilers and editors understand.
  public var description: String { "\(file):\(line):\(column)" }

  /// The location `offset` scalars further along the same line.
  public func advanced(by offset: Int) -> SourceLocation {
    SourceLocation(file: file, line: line, column: column + offset)
  }
}

/// One message about an input: an error, a warning or a note, optionally tied to a location.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
  public enum Severity: String, Sendable, Hashable {
    case error, warning, note
  }

  public var severity: Severity
  public var location: SourceLocation?
  public var message: String
  /// Further lines shown under the message (fix-its, "did you mean", context).
  public var notes: [String]

  public init(
    _ severity: Severity = .error, at location: SourceLocation?, _ message: String,
    notes: [String] = []
  ) {
    self.severity = severity
    self.location = location
    self.message = message
    self.notes = notes
  }

  /// `file:line:column: error: message`, then one indented line per note.
  public var description: String {
    var text = ""
    if let location { text += "\(location): " }
    text += "\(severity.rawValue): \(message)"
    for note in notes { text += "\n  note: \(note)" }
    return text
  }
}

/// The error every public entry point throws. Its kind decides the process exit code.
///
/// The exit codes follow BSD `sysexits.h`, as `DESIGN.md` fixes them:
///
/// | kind | exit |
/// |---|---|
/// | `simulationFailed`, `expectationFailed` | 1 |
/// | `usage` | 64 (`EX_USAGE`) |
/// | `invalidInput` | 65 (`EX_DATAERR`) |
/// | `missingInput` | 66 (`EX_NOINPUT`) |
/// | `unavailable` | 69 (`EX_UNAVAILABLE`: a tool the run needs, such as a C compiler, is missing or failed) |
/// | `cannotCreateOutput` | 73 (`EX_CANTCREAT`) |
/// | `cannotWriteOutput` | 74 (`EX_IOERR`) |
/// | `interrupted` | 130 |
public struct PathwayError: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    case simulationFailed
    case expectationFailed
    case usage
    case invalidInput
    case missingInput
    case unavailable
    case cannotCreateOutput
    case cannotWriteOutput
    case interrupted
  }

  public var kind: Kind
  public var diagnostics: [Diagnostic]

  public init(_ kind: Kind, _ diagnostics: [Diagnostic]) {
    self.kind = kind
    self.diagnostics = diagnostics
  }

  public init(_ kind: Kind, at location: SourceLocation? = nil, _ message: String, notes: [String] = []) {
    self.init(kind, [Diagnostic(.error, at: location, message, notes: notes)])
  }

  /// The process exit code for this error (see the table above).
  public var exitCode: Int32 {
    switch kind {
    case .simulationFailed, .expectationFailed: return 1
    case .usage: return 64
    case .invalidInput: return 65
    case .missingInput: return 66
    case .unavailable: return 69
    case .cannotCreateOutput: return 73
    case .cannotWriteOutput: return 74
    case .interrupted: return 130
    }
  }

  public var description: String {
    diagnostics.map(\.description).joined(separator: "\n")
  }
}

/// Collects diagnostics while a file is read, so that one pass reports every problem at once.
public struct DiagnosticBag: Sendable {
  public private(set) var items: [Diagnostic] = []

  public init() {}

  public var hasErrors: Bool { items.contains { $0.severity == .error } }
  public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
  public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }

  public mutating func error(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
    items.append(Diagnostic(.error, at: location, message, notes: notes))
  }

  public mutating func warning(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
    items.append(Diagnostic(.warning, at: location, message, notes: notes))
  }

  public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }
  public mutating func append(contentsOf other: [Diagnostic]) { items.append(contentsOf: other) }

  /// Throws `PathwayError(kind, errors)` when any error was collected.
  public func throwIfErrors(_ kind: PathwayError.Kind = .invalidInput) throws(PathwayError) {
    if hasErrors { throw PathwayError(kind, errors + warnings) }
  }
}

extension Array where Element == String {
  /// The known names closest to `name` (edit distance, ignoring case, at most a third of its
  /// length and at least 2), best first: ties go to the name closer with its case, then closer
  /// in length (`k_1` suggests `k1` before `K_16`).
  public func nearest(to name: String, limit: Int = 3) -> [String] {
    let budget = Swift.max(2, name.count / 3)
    let lowered = name.lowercased()
    var scored: [(distance: Int, cased: Int, length: Int, name: String)] = []
    for candidate in self {
      let distance = editDistance(lowered, candidate.lowercased())
      if distance <= budget {
        scored.append((distance, editDistance(name, candidate), abs(candidate.count - name.count), candidate))
      }
    }
    scored.sort { ($0.distance, $0.cased, $0.length, $0.name) < ($1.distance, $1.cased, $1.length, $1.name) }
    return Array(scored.prefix(limit).map(\.name))
  }
}

/// Levenshtein distance over Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      let cost = x[i - 1] == y[j - 1] ? 0 : 1
      current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    }
    swap(&previous, &current)
  }
  return previous[y.count]
}

/// "did you mean …?" text for an unknown name, or nil when nothing is close.
public func didYouMean(_ name: String, among candidates: [String]) -> String? {
  let near = candidates.nearest(to: name)
  guard !near.isEmpty else { return nil }
  return "did you mean " + near.map { "'\($0)'" }.joined(separator: ", ") + "?"
}
