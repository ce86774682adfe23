/// An expected behaviour, written the way a biologist states it:
///
///     OCN at 21d >= 0.5
///     OCN at 21d >= 3 * OCN at 21d in B1-BMP2
///     ALP at 3d >= max(ALP at 3d in B1-BMP2, ALP at 3d in B1-Wnt3a) - 0.03
///     bCat at 1d ≈ 0.34 ± 0.05
///     max Runx2 < 0.02
///     OCN attractor == 1
///
/// A readout is a node (or any output column) at a time (`at 21d`, `at 72h`, `at 30min`, `at 5`
/// in model time units), its maximum or minimum over the run (`max X`, `min X`), or its average
/// over the Boolean attractor the scenario ends in (`X attractor`); `in NAME` reads it from
/// another scenario (a file of the same folder, by name without `.yaml`). Readouts combine with
/// numbers through `+ - * /` (also `×`), `max(…)` and `min(…)`, and compare with
/// `< <= > >= ==` (also `≤ ≥`), or `≈ value ± tolerance`.
public struct Expectation: Sendable {
  public var id: String
  public var text: String
  public var location: SourceLocation?
  public var left: Term
  public var comparison: Comparison
  public var right: Term

  public enum Comparison: String, Sendable {
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">=", equal = "==", approximately = "≈"
  }

  /// An arithmetic combination of readouts and numbers.
  public indirect enum Term: Sendable {
    case number(Double)
    case readout(Readout)
    case binary(Character, Term, Term)
    case negate(Term)
    case extremum(isMaximum: Bool, [Term])
    /// `value ± tolerance` on the right of `≈`.
    case plusMinus(Term, Term)
  }

  public struct Readout: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
      /// The value at a time (model units).
      case at(Double, written: String)
      case maximum
      case minimum
      /// The average over the Boolean attractor.
      case attractor
    }
    public var variable: String
    public var kind: Kind
    /// Another scenario's name, or nil for the scenario that holds the expectation.
    public var scenario: String?
    public var location: SourceLocation?

    public var isBoolean: Bool { kind == .attractor }

    public var description: String {
      let base: String
      switch kind {
      case .at(_, let written): base = "\(variable) at \(written)"
      case .maximum: base = "max \(variable)"
      case .minimum: base = "min \(variable)"
      case .attractor: base = "\(variable) attractor"
      }
      return scenario.map { base + " in \($0)" } ?? base
    }

    public static func == (a: Readout, b: Readout) -> Bool {
      a.variable == b.variable && a.kind == b.kind && a.scenario == b.scenario
    }
    public func hash(into hasher: inout Hasher) {
      hasher.combine(variable)
      hasher.combine(kind)
      hasher.combine(scenario)
    }
  }

  /// Every readout of the expectation.
  public var readouts: [Readout] { left.readouts + right.readouts }
}

extension Expectation.Term {
  var readouts: [Expectation.Readout] {
    switch self {
    case .number: return []
    case .readout(let r): return [r]
    case .binary(_, let a, let b), .plusMinus(let a, let b): return a.readouts + b.readouts
    case .negate(let a): return a.readouts
    case .extremum(_, let terms): return terms.flatMap(\.readouts)
    }
  }

  /// The value, reading each readout with `value`.
  func evaluate(_ value: (Expectation.Readout) -> Double) -> Double {
    switch self {
    case .number(let v): return v
    case .readout(let r): return value(r)
    case .negate(let a): return -a.evaluate(value)
    case .binary(let op, let a, let b):
      let x = a.evaluate(value), y = b.evaluate(value)
      switch op {
      case "+": return x + y
      case "-": return x - y
      case "*": return x * y
      default: return x / y
      }
    case .extremum(let isMaximum, let terms):
      let values = terms.map { $0.evaluate(value) }
      return (isMaximum ? values.max() : values.min()) ?? .nan
    case .plusMinus(let a, _): return a.evaluate(value)
    }
  }
}

/// Parses expectation text. Errors are located in the file (exit 65).
public struct ExpectationParser {
  /// Converts a time with a unit to model time units (`d`, `h`, `min`, `s`).
  public typealias TimeUnits = (_ value: Double, _ unit: String) -> Double?

  private let scalars: [Unicode.Scalar]
  private let locator: (Int) -> SourceLocation?
  private let timeUnits: TimeUnits
  private var position = 0

  public static func parse(
    _ text: String, id: String, location: SourceLocation?, locator: ((Int) -> SourceLocation?)? = nil,
    timeUnits: @escaping TimeUnits
  ) throws(PathwayError) -> Expectation {
    var parser = ExpectationParser(
      scalars: Array(text.unicodeScalars), locator: locator ?? { offset in location?.advanced(by: offset) },
      timeUnits: timeUnits)
    let (left, comparison, right) = try parser.parseAll()
    return Expectation(id: id, text: text, location: location, left: left, comparison: comparison, right: right)
  }

  private init(scalars: [Unicode.Scalar], locator: @escaping (Int) -> SourceLocation?, timeUnits: @escaping TimeUnits) {
    self.scalars = scalars
    self.locator = locator
    self.timeUnits = timeUnits
  }

  private func fail(_ message: String, at offset: Int, notes: [String] = []) -> PathwayError {
    PathwayError(.invalidInput, at: locator(offset), message, notes: notes + [Self.syntaxHint])
  }

  static let syntaxHint =
    "an expectation reads like 'OCN at 21d >= 3 * OCN at 21d in B1-BMP2', 'max Runx2 < 0.02', 'bCat at 1d ≈ 0.34 ± 0.05' or 'OCN attractor == 1'"

  // MARK: Lexing

  private mutating func skipSpace() {
    while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
  }

  private func isWordScalar(_ c: Unicode.Scalar) -> Bool {
    c == "_" || c == "." || c == "-" || c.properties.isAlphabetic || ("0"..."9").contains(c)
  }

  /// A name: letters, digits, `_`, `.`, and `-` inside (scenario names like `B1-BMP2`).
  private mutating func word() -> String? {
    skipSpace()
    let start = position
    guard position < scalars.count, scalars[position] == "_" || scalars[position].properties.isAlphabetic else { return nil }
    while position < scalars.count, isWordScalar(scalars[position]) {
      // A '-' belongs to the word only when a letter or digit follows it.
      if scalars[position] == "-" {
        let next = position + 1
        guard next < scalars.count, scalars[next].properties.isAlphabetic || ("0"..."9").contains(scalars[next]) else { break }
      }
      position += 1
    }
    return String(String.UnicodeScalarView(scalars[start..<position]))
  }

  /// A plain name (a node): no `-`.
  private mutating func name() -> String? {
    skipSpace()
    let start = position
    guard position < scalars.count, scalars[position] == "_" || scalars[position].properties.isAlphabetic else { return nil }
    while position < scalars.count, scalars[position] == "_" || scalars[position] == "."
      || scalars[position].properties.isAlphabetic || ("0"..."9").contains(scalars[position])
    {
      position += 1
    }
    return String(String.UnicodeScalarView(scalars[start..<position]))
  }

  private mutating func number() -> Double? {
    skipSpace()
    let start = position
    while position < scalars.count, ("0"..."9").contains(scalars[position]) || scalars[position] == "." { position += 1 }
    if position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
      var look = position + 1
      if look < scalars.count, scalars[look] == "+" || scalars[look] == "-" { look += 1 }
      if look < scalars.count, ("0"..."9").contains(scalars[look]) {
        position = look
        while position < scalars.count, ("0"..."9").contains(scalars[position]) { position += 1 }
      }
    }
    guard position > start, let v = Double(String(String.UnicodeScalarView(scalars[start..<position]))) else {
      position = start
      return nil
    }
    return v
  }

  private mutating func peekWord() -> String? {
    let saved = position
    defer { position = saved }
    return word()
  }

  private mutating func consume(_ symbol: String) -> Bool {
    skipSpace()
    let s = Array(symbol.unicodeScalars)
    guard position + s.count <= scalars.count, Array(scalars[position..<(position + s.count)]) == s else { return false }
    position += s.count
    return true
  }

  private mutating func keyword(_ k: String) -> Bool {
    let saved = position
    if let w = name(), w == k { return true }
    position = saved
    return false
  }

  // MARK: Grammar

  private mutating func parseAll() throws(PathwayError) -> (Expectation.Term, Expectation.Comparison, Expectation.Term) {
    let left = try sum()
    skipSpace()
    let at = position
    let comparison: Expectation.Comparison
    if consume("<=") || consume("≤") {
      comparison = .lessEqual
    } else if consume(">=") || consume("≥") {
      comparison = .greaterEqual
    } else if consume("==") {
      comparison = .equal
    } else if consume("≈") || consume("~=") {
      comparison = .approximately
    } else if consume("<") {
      comparison = .less
    } else if consume(">") {
      comparison = .greater
    } else {
      throw fail("expected a comparison (<, <=, >, >=, ==, ≈) after '\(String(String.UnicodeScalarView(scalars[0..<at])).trimmingCharacters(in: .whitespaces))'", at: at)
    }
    var right = try sum()
    if comparison == .approximately {
      guard consume("±") || consume("+-") || consume("+/-") else {
        throw fail("'≈' needs a tolerance: '≈ value ± tolerance'", at: position)
      }
      let toleranceStart = position
      let tolerance = try sum()
      if tolerance.readouts.isEmpty, !(tolerance.evaluate({ _ in .nan }) >= 0) {
        throw fail("the tolerance after '±' must be a number ≥ 0", at: toleranceStart)
      }
      right = .plusMinus(right, tolerance)
    }
    skipSpace()
    if position < scalars.count {
      throw fail("unexpected '\(String(String.UnicodeScalarView(scalars[position...])))' after the expectation", at: position)
    }
    return (left, comparison, right)
  }

  private mutating func sum() throws(PathwayError) -> Expectation.Term {
    var left = try product()
    while true {
      skipSpace()
      // '+-' is the tolerance sign, not a sum.
      if position + 1 < scalars.count, scalars[position] == "+", scalars[position + 1] == "-" { return left }
      if position + 2 < scalars.count, scalars[position] == "+", scalars[position + 1] == "/" { return left }
      if consume("+") { left = .binary("+", left, try product()) } else if consume("-") {
        left = .binary("-", left, try product())
      } else {
        return left
      }
    }
  }

  private mutating func product() throws(PathwayError) -> Expectation.Term {
    var left = try unary()
    while true {
      if consume("*") || consume("×") { left = .binary("*", left, try unary()) } else if consume("/") {
        left = .binary("/", left, try unary())
      } else {
        return left
      }
    }
  }

  private mutating func unary() throws(PathwayError) -> Expectation.Term {
    if consume("-") { return .negate(try unary()) }
    return try primary()
  }

  private mutating func primary() throws(PathwayError) -> Expectation.Term {
    skipSpace()
    let start = position
    if let v = number() { return .number(v) }
    if consume("(") {
      let inner = try sum()
      guard consume(")") else { throw fail("expected ')'", at: position) }
      return inner
    }
    let saved = position
    if let w = name(), w == "max" || w == "min" {
      if consume("(") {
        var terms = [try sum()]
        while consume(",") { terms.append(try sum()) }
        guard consume(")") else { throw fail("expected ')' to close \(w)(…)", at: position) }
        return .extremum(isMaximum: w == "max", terms)
      }
      // `max X`: the maximum over the run.
      guard let variable = name() else { throw fail("expected a node after '\(w)'", at: position) }
      let location = locator(start)
      return .readout(try suffix(variable, kind: w == "max" ? .maximum : .minimum, location: location, at: start))
    }
    position = saved
    guard let variable = name() else {
      throw fail("expected a readout (like 'OCN at 21d') or a number", at: start)
    }
    let location = locator(start)
    if keyword("at") {
      skipSpace()
      let timeStart = position
      let time = try timeValue()
      let written = String(String.UnicodeScalarView(scalars[timeStart..<position])).trimmingCharacters(in: .whitespaces)
      return .readout(try suffix(variable, kind: .at(time, written: written), location: location, at: start))
    }
    if keyword("attractor") {
      return .readout(try suffix(variable, kind: .attractor, location: location, at: start))
    }
    throw fail(
      "'\(variable)' needs to say when: '\(variable) at 21d', 'max \(variable)' or '\(variable) attractor'", at: start)
  }

  private mutating func suffix(
    _ variable: String, kind: Expectation.Readout.Kind, location: SourceLocation?, at start: Int
  ) throws(PathwayError) -> Expectation.Readout {
    var scenario: String? = nil
    if keyword("in") {
      guard let name = word() else { throw fail("expected a scenario name after 'in'", at: position) }
      scenario = name
    }
    return Expectation.Readout(variable: variable, kind: kind, scenario: scenario, location: location)
  }

  /// `21d`, `21 d`, `d21`, `72h`, `30min`, `10s`, or a bare number in model units.
  private mutating func timeValue() throws(PathwayError) -> Double {
    skipSpace()
    let start = position
    if position < scalars.count, scalars[position] == "d", position + 1 < scalars.count, ("0"..."9").contains(scalars[position + 1]) {
      position += 1
      guard let v = number() else { throw fail("expected a day after 'd'", at: position) }
      guard let t = timeUnits(v, "d") else { throw fail("the model has no time unit to convert days into", at: start) }
      return t
    }
    guard let v = number() else { throw fail("expected a time after 'at' (like 21d, 72h or 30min)", at: start) }
    let unitStart = position
    // A unit directly after the number, or after one space.
    var unit = ""
    skipSpace()
    let saved = position
    if let w = name(), ["d", "h", "min", "s"].contains(w) { unit = w } else { position = saved }
    if unit.isEmpty { position = unitStart; return v }
    guard let t = timeUnits(v, unit) else {
      throw fail("cannot convert '\(unit)' into the model's time unit", at: unitStart, notes: ["set 'time_unit' in the model"])
    }
    return t
  }
}
