import Foundation
import Yams

/// A YAML document read for one of our file formats, with every value tied to its file:line:column.
///
/// Readers walk it with typed accessors that record a located diagnostic instead of failing,
/// so that one pass reports every problem of a file.
struct YAMLDocument {
  let file: String
  let text: String
  let lines: [Substring]
  /// The document's top node; nil for an empty document.
  let root: YAMLValue?

  /// Parses `text`; syntax errors, duplicate keys and non-UTF-8 text become located errors (exit 65).
  init(text: String, file: String) throws(PathwayError) {
    self.file = file
    self.text = text
    self.lines = YAMLDocument.lines(of: text)
    try YAMLDocument.checkNesting(text, file: file)
    let node: Yams.Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw YAMLDocument.translate(error, file: file, lines: lines)
    } catch {
      throw PathwayError(.invalidInput, at: SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(error)")
    }
    let context = YAMLContext(file: file, lines: lines)
    self.root = node.map { YAMLValue(node: $0, context: context) }
  }

  /// The lines as libyaml counts them (its marks index these): a line ends at "\r\n", "\r", "\n",
  /// U+0085, U+2028 or U+2029. (Splitting on the Character "\n" would not split "\r\n", one
  /// Character in Swift, and a lone "\r" would put libyaml's line numbers past the end.)
  static func lines(of text: String) -> [Substring] {
    var lines: [Substring] = []
    let scalars = text.unicodeScalars
    var start = scalars.startIndex
    var i = start
    while i < scalars.endIndex {
      let c = scalars[i]
      if c == "\n" || c == "\r" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" {
        lines.append(Substring(scalars[start..<i]))
        var next = scalars.index(after: i)
        if c == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
        start = next
        i = next
      } else {
        i = scalars.index(after: i)
      }
    }
    lines.append(Substring(scalars[start..<scalars.endIndex]))
    return lines
  }

  /// The deepest `[`/`{` nesting a document may have: libyaml and Yams recurse per level, and a
  /// hostile file must not exhaust the stack.
  static let maximumNesting = 200

  static func checkNesting(_ text: String, file: String) throws(PathwayError) {
    var depth = 0, line = 1, column = 0
    var quote: Unicode.Scalar? = nil
    var comment = false
    for c in text.unicodeScalars {
      column += 1
      if c == "\n" { line += 1; column = 0; comment = false; continue }
      if comment { continue }
      if let q = quote {
        if c == q { quote = nil }
        continue
      }
      switch c {
      case "\"", "'": quote = c
      case "#": comment = true
      case "[", "{":
        depth += 1
        if depth > maximumNesting {
          throw PathwayError(
            .invalidInput, at: SourceLocation(file: file, line: line, column: column),
            "YAML nested deeper than \(maximumNesting) levels")
        }
      case "]", "}": depth = max(0, depth - 1)
      default: break
      }
    }
  }

  private static func translate(_ error: YamlError, file: String, lines: [Substring]) -> PathwayError {
    func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      var notes: [String] = []
      if let context { notes.append("\(context.text) at line \(context.mark.line), column \(context.mark.column)") }
      return PathwayError(.invalidInput, at: at(mark), "YAML syntax error: \(problem)", notes: notes)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      let first = context.mark
      // Find the second occurrence: the same key at the same column after the first one.
      var second: SourceLocation? = nil
      if first.line >= 1 && first.line < lines.count {
        for lineIndex in first.line..<lines.count {
          let line = lines[lineIndex]
          let indent = line.prefix { $0 == " " }.count
          guard indent == first.column - 1 else { continue }
          let rest = line.dropFirst(indent)
          let unquoted = rest.hasPrefix("\"") || rest.hasPrefix("'") ? rest.dropFirst() : rest
          if unquoted.hasPrefix(key), unquoted.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\"" || $0 == "'" }).hasPrefix(":") {
            second = SourceLocation(file: file, line: lineIndex + 1, column: indent + 1)
            break
          }
        }
      }
      return PathwayError(
        .invalidInput, at: second ?? at(first), "duplicate definition of '\(key)'",
        notes: ["first defined at \(file):\(first.line):\(first.column)"])
    case .reader(let problem, let offset, _, _):
      return PathwayError(
        .invalidInput, at: SourceLocation(file: file, line: 1, column: 1),
        "cannot read the file as text: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
    default:
      return PathwayError(.invalidInput, at: SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(error)")
    }
  }
}

/// Shared per-file context of `YAMLValue`s.
final class YAMLContext: Sendable {
  let file: String
  let lines: [String]
  /// The lines as Unicode scalars, for mapping offsets inside scalars to columns.
  let scalarLines: [[Unicode.Scalar]]

  init(file: String, lines: [Substring]) {
    self.file = file
    self.lines = lines.map(String.init)
    self.scalarLines = lines.map { Array($0.unicodeScalars) }
  }
}

/// One node of a YAML document, with typed accessors that report located errors.
struct YAMLValue {
  let node: Yams.Node
  let context: YAMLContext

  var file: String { context.file }

  var location: SourceLocation {
    let mark = node.mark
    return SourceLocation(file: context.file, line: mark?.line ?? 1, column: mark?.column ?? 1)
  }

  /// The scalar text, or nil for mappings and sequences.
  var scalar: String? { node.scalar?.string }

  var isNull: Bool {
    guard let scalar = node.scalar, scalar.style == .plain else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
  }

  var kindName: String {
    switch node {
    case .scalar: return "a single value"
    case .mapping: return "a mapping (key: value lines)"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }

  /// Key–value pairs in file order, or nil (with an error) when this is not a mapping.
  func mapping(_ bag: inout DiagnosticBag, what: String) -> [(key: String, keyLocation: SourceLocation, value: YAMLValue)]? {
    guard case .mapping(let mapping) = node else {
      bag.error(location, "\(what) must be a mapping (key: value lines), found \(kindName)")
      return nil
    }
    return mapping.map { pair in
      let keyMark = pair.key.mark
      return (
        key: pair.key.string ?? "",
        keyLocation: SourceLocation(file: context.file, line: keyMark?.line ?? 1, column: keyMark?.column ?? 1),
        value: YAMLValue(node: pair.value, context: context)
      )
    }
  }

  /// The items of a sequence, or nil (with an error) when this is not a list.
  func sequence(_ bag: inout DiagnosticBag, what: String) -> [YAMLValue]? {
    guard case .sequence(let sequence) = node else {
      bag.error(location, "\(what) must be a list, found \(kindName)")
      return nil
    }
    return sequence.map { YAMLValue(node: $0, context: context) }
  }

  /// The scalar as text, or nil (with an error) when this is not a single value.
  func string(_ bag: inout DiagnosticBag, what: String) -> String? {
    guard let scalar else {
      bag.error(location, "\(what) must be a single value, found \(kindName)")
      return nil
    }
    return scalar
  }

  /// The scalar as a finite number; `inf`/`nan` and anything else are errors.
  func number(_ bag: inout DiagnosticBag, what: String, allowInfinity: Bool = false) -> Double? {
    guard let text = string(&bag, what: what) else { return nil }
    guard let value = parseNumber(text) else {
      bag.error(location, "\(what) must be a number, found '\(text)'")
      return nil
    }
    if value.isNaN || (value.isInfinite && !allowInfinity) {
      bag.error(location, "\(what) must be a finite number, found '\(text)'")
      return nil
    }
    return value
  }

  /// The scalar as true/false (YAML's `true`/`false`, `yes`/`no`, `on`/`off`, any case).
  func boolean(_ bag: inout DiagnosticBag, what: String) -> Bool? {
    guard let text = string(&bag, what: what) else { return nil }
    switch text.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default:
      bag.error(location, "\(what) must be true or false, found '\(text)'")
      return nil
    }
  }

  /// A list of strings: a single scalar counts as a one-item list.
  func strings(_ bag: inout DiagnosticBag, what: String) -> [String]? {
    if let scalar { return isNull ? [] : [scalar] }
    guard let items = sequence(&bag, what: what) else { return nil }
    var out: [String] = []
    for item in items {
      if let text = item.string(&bag, what: "each item of \(what)") { out.append(text) }
    }
    return out
  }

  /// Where the scalar's text starts (after an opening quote), and a map from offsets in its
  /// value to file locations that follows line folding in plain, quoted and block scalars.
  func scalarLocator() -> @Sendable (Int) -> SourceLocation? {
    guard let scalar = node.scalar else {
      let here = location
      return { _ in here }
    }
    let start = location
    var line = start.line - 1
    var column = start.column - 1
    switch scalar.style {
    case .singleQuoted, .doubleQuoted: column += 1
    case .literal, .folded:
      line += 1
      column = 0
    default: break
    }
    let walker = ScalarWalker(
      value: Array(scalar.string.unicodeScalars), lines: context.scalarLines, file: context.file,
      line: line, column: column)
    return { offset in walker.location(at: offset) }
  }

  /// Parses the scalar as an expression, with errors located in the file.
  func expression(_ bag: inout DiagnosticBag, what: String) -> ParsedExpression? {
    guard let text = string(&bag, what: what) else { return nil }
    do {
      return try ExpressionParser.parse(text, origin: location, locator: scalarLocator())
    } catch {
      bag.append(contentsOf: error.diagnostics)
      return nil
    }
  }
}

/// Reads a number the way users write them: `1`, `0.5`, `1e-3`, `-2.5E+4`, `.5`; also `inf`/`nan`
/// (callers reject those where they make no sense).
func parseNumber(_ text: String) -> Double? {
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  switch trimmed.lowercased() {
  case "inf", "+inf", ".inf", "infinity": return .infinity
  case "-inf", "-.inf", "-infinity": return -.infinity
  case "nan", ".nan": return .nan
  default: break
  }
  guard !trimmed.isEmpty, trimmed.unicodeScalars.allSatisfy({ "0123456789+-.eE".unicodeScalars.contains($0) }) else {
    return nil
  }
  return Double(trimmed)
}

extension Array where Element == (key: String, keyLocation: SourceLocation, value: YAMLValue) {
  /// Reports keys outside `allowed` as errors naming the closest allowed key.
  func checkKeys(_ allowed: [String], in what: String, _ bag: inout DiagnosticBag) {
    for entry in self where !allowed.contains(entry.key) {
      var notes: [String] = []
      if let hint = didYouMean(entry.key, among: allowed) { notes.append(hint) }
      notes.append("allowed keys in \(what): " + allowed.joined(separator: ", "))
      bag.error(entry.keyLocation, "unknown key '\(entry.key)' in \(what)", notes: notes)
    }
  }

  subscript(key: String) -> YAMLValue? { first { $0.key == key }?.value }
}

/// Maps offsets inside a scalar's value to file positions by walking the file from the scalar's
/// start, matching the value scalar by scalar. The walk goes only as far as the offsets asked for
/// (an error near the start of a huge scalar costs nothing for the rest of it).
private final class ScalarWalker: @unchecked Sendable {
  private let value: [Unicode.Scalar]
  private let lines: [[Unicode.Scalar]]
  private let file: String
  private var line: Int
  private var column: Int
  private var map: [SourceLocation] = []
  private let lock = NSLock()

  init(value: [Unicode.Scalar], lines: [[Unicode.Scalar]], file: String, line: Int, column: Int) {
    self.value = value
    self.lines = lines
    self.file = file
    self.line = line
    self.column = column
  }

  private func current() -> Unicode.Scalar? {
    guard line < lines.count else { return nil }
    return column < lines[line].count ? lines[line][column] : "\n"
  }

  private func advance() {
    guard line < lines.count else { return }
    if column < lines[line].count { column += 1 } else { line += 1; column = 0 }
  }

  func location(at offset: Int) -> SourceLocation {
    lock.lock()
    defer { lock.unlock() }
    let target = Swift.max(0, Swift.min(offset, value.count))
    while map.count <= target {
      if map.count == value.count {
        map.append(SourceLocation(file: file, line: line + 1, column: column + 1))
        break
      }
      let v = value[map.count]
      var guardCount = 0
      while let c = current(), c != v, guardCount < 10_000 {
        // Skip indentation, folded line breaks and quote escapes in the file.
        if c == " " || c == "\n" || c == "\t" || c == "\\" || c == "\"" || c == "'" {
          advance()
          guardCount += 1
        } else {
          break
        }
      }
      map.append(SourceLocation(file: file, line: line + 1, column: column + 1))
      if current() == v { advance() }
    }
    return map[target]
  }
}
