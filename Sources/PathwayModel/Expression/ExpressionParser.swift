/// Parses the infix language of rules and rate laws into an `Expr`.
///
/// Grammar, loosest binding first:
///
/// ```
/// expr     := or
/// or       := and  (('|' | '||' | 'or' | 'xor') and)*
/// and      := cmp  (('&' | '&&' | 'and') cmp)*
/// cmp      := sum  (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
/// sum      := prod (('+' | '-') prod)*
/// prod     := unary (('*' | '/') unary)*
/// unary    := ('-' | '+' | '!' | 'not') unary | power
/// power    := primary ('^' unary)?            (right associative: 2^3^2 = 2^9)
/// primary  := number | name | name '(' args ')' | '(' expr ')' | 'true' | 'false'
/// ```
///
/// Numbers take exponents (`1e-3`, `2.5E+4`); names are letters, digits, `_` and `.`, not
/// starting with a digit or a dot. `TRUE`/`FALSE` and `true`/`false` are 1 and 0.
/// Functions: see `Builtin`; `ln` is `log`, `ceiling` is `ceil`.
public struct ExpressionParser {
  /// A user-defined function (an SBML function definition): parameters and body, inlined at parse time.
  public struct FunctionDefinition: Sendable {
    public var parameters: [String]
    public var body: Expr
    public init(parameters: [String], body: Expr) {
      self.parameters = parameters
      self.body = body
    }
  }

  private let scalars: [Unicode.Scalar]
  private let text: String
  private let origin: SourceLocation?
  private let functions: [String: FunctionDefinition]
  private let locator: (@Sendable (Int) -> SourceLocation?)?
  private var position = 0
  private var references: [ParsedExpression.Reference] = []
  /// Nesting depth of parentheses, calls and prefix operators, and operators read so far:
  /// bounded, so that hostile input cannot exhaust the stack of the recursive walks that follow.
  private var depth = 0
  /// The last reference located: (offset, line, column).
  private var cursor: (offset: Int, line: Int, column: Int)
  private var operators = 0
  static let maximumDepth = 500
  static let maximumOperators = 20_000

  /// Parses `text`; errors are located relative to `origin` (the location of the first character),
  /// or by `locator`, which maps a scalar offset in `text` to its place in the file (for text
  /// that a YAML reader unfolded from several lines).
  public static func parse(
    _ text: String, origin: SourceLocation? = nil,
    functions: [String: FunctionDefinition] = [:],
    locator: (@Sendable (Int) -> SourceLocation?)? = nil
  ) throws(PathwayError) -> ParsedExpression {
    var parser = ExpressionParser(text: text, origin: origin, functions: functions, locator: locator)
    return try parser.parseAll()
  }

  private init(
    text: String, origin: SourceLocation?, functions: [String: FunctionDefinition],
    locator: (@Sendable (Int) -> SourceLocation?)?
  ) {
    self.text = text
    self.scalars = Array(text.unicodeScalars)
    self.origin = origin
    cursor = (0, origin?.line ?? 1, origin?.column ?? 1)
    self.functions = functions
    self.locator = locator
  }

  // MARK: - Locations and errors

  func location(at offset: Int) -> SourceLocation? {
    if let locator { return locator(offset) }
    guard let origin else { return nil }
    return advance(from: (0, origin.line, origin.column), to: offset)
  }

  /// The location of `offset`, counted on from the last one asked for when it lies after it:
  /// references come in text order, so a rule of n names costs O(n), not O(n²).
  private mutating func referenceLocation(at offset: Int) -> SourceLocation? {
    if let locator { return locator(offset) }
    guard let origin else { return nil }
    let from = cursor.offset <= offset ? cursor : (0, origin.line, origin.column)
    let found = advance(from: from, to: offset)
    cursor = (offset, found.line, found.column)
    return found
  }

  /// Walks the text from a known (offset, line, column) to `offset`.
  private func advance(from start: (offset: Int, line: Int, column: Int), to offset: Int) -> SourceLocation {
    var line = start.line, column = start.column
    var i = start.offset
    while i < offset && i < scalars.count {
      if scalars[i] == "\n" {
        line += 1
        column = 1
      } else {
        column += 1
      }
      i += 1
    }
    return SourceLocation(file: origin?.file ?? "", line: line, column: column)
  }

  private func fail(_ message: String, at offset: Int, notes: [String] = []) -> PathwayError {
    var notes = notes
    if origin == nil {
      notes.insert("in expression '\(text)' at column \(offset + 1)", at: 0)
    }
    return PathwayError(.invalidInput, at: location(at: offset), message, notes: notes)
  }

  // MARK: - Tokens

  private enum Token: Equatable {
    case number(Double)
    case name(String)
    case symbol(String)
    case end
  }

  private var tokenStart = 0

  private mutating func skipSpace() {
    while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
  }

  private func isNameStart(_ c: Unicode.Scalar) -> Bool {
    c == "_" || c.properties.isAlphabetic
  }

  private func isNameContinue(_ c: Unicode.Scalar) -> Bool {
    c == "_" || c == "." || c.properties.isAlphabetic || ("0"..."9").contains(c)
  }

  private func peekToken() throws(PathwayError) -> Token {
    var copy = self
    return try copy.nextToken()
  }

  private mutating func nextToken() throws(PathwayError) -> Token {
    skipSpace()
    tokenStart = position
    guard position < scalars.count else { return .end }
    let c = scalars[position]
    if ("0"..."9").contains(c) || (c == "." && position + 1 < scalars.count && ("0"..."9").contains(scalars[position + 1])) {
      return try lexNumber()
    }
    if isNameStart(c) {
      var end = position
      while end < scalars.count, isNameContinue(scalars[end]) { end += 1 }
      let name = String(String.UnicodeScalarView(scalars[position..<end]))
      position = end
      return .name(name)
    }
    let two = position + 1 < scalars.count ? String(String.UnicodeScalarView([c, scalars[position + 1]])) : ""
    if ["<=", ">=", "==", "!=", "&&", "||", "**"].contains(two) {
      position += 2
      return .symbol(two == "**" ? "^" : two)
    }
    if "+-*/^()<>!&|,".unicodeScalars.contains(c) {
      position += 1
      return .symbol(String(c))
    }
    if c == "=" {
      throw fail("'=' is not an operator here", at: position, notes: ["write '==' to compare two values"])
    }
    throw fail("unexpected character '\(c)'", at: position)
  }

  private mutating func lexNumber() throws(PathwayError) -> Token {
    let start = position
    func digits() { while position < scalars.count, ("0"..."9").contains(scalars[position]) { position += 1 } }
    digits()
    if position < scalars.count, scalars[position] == "." {
      position += 1
      digits()
      if position < scalars.count, scalars[position] == "." {
        var end = position
        while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == "." { end += 1 }
        throw fail("malformed number '\(String(String.UnicodeScalarView(scalars[start..<end])))'", at: start)
      }
    }
    if position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
      var look = position + 1
      if look < scalars.count, scalars[look] == "+" || scalars[look] == "-" { look += 1 }
      if look < scalars.count, ("0"..."9").contains(scalars[look]) {
        position = look
        digits()
      }
    }
    let literal = String(String.UnicodeScalarView(scalars[start..<position]))
    if position < scalars.count, isNameStart(scalars[position]) {
      throw fail("malformed number '\(literal)\(scalars[position])'", at: start)
    }
    guard let value = Double(literal), value.isFinite else {
      throw fail("malformed number '\(literal)'", at: start)
    }
    return .number(value)
  }

  private mutating func expect(_ symbol: String, context: String) throws(PathwayError) {
    let token = try nextToken()
    guard token == .symbol(symbol) else {
      throw fail("expected '\(symbol)' \(context), found \(describe(token))", at: tokenStart)
    }
  }

  private func describe(_ token: Token) -> String {
    switch token {
    case .number(let v): return "number \(v)"
    case .name(let n): return "'\(n)'"
    case .symbol(let s): return "'\(s)'"
    case .end: return "end of expression"
    }
  }

  // MARK: - Grammar

  private mutating func parseAll() throws(PathwayError) -> ParsedExpression {
    skipSpace()
    if position >= scalars.count { throw fail("empty expression", at: 0) }
    let expr = try parseOr()
    let token = try nextToken()
    if token != .end {
      throw fail("unexpected \(describe(token)) after a complete expression", at: tokenStart)
    }
    return ParsedExpression(expr: expr, text: text, origin: origin, references: references)
  }

  private mutating func countOperator() throws(PathwayError) {
    operators += 1
    if operators > Self.maximumOperators {
      throw fail("the expression has more than \(Self.maximumOperators) operators", at: tokenStart,
                 notes: ["split it through assignments"])
    }
  }

  private mutating func enter() throws(PathwayError) {
    depth += 1
    if depth > Self.maximumDepth {
      throw fail("the expression nests deeper than \(Self.maximumDepth) levels", at: tokenStart)
    }
  }

  private mutating func parseOr() throws(PathwayError) -> Expr {
    // Depth is counted in parseUnary, which every parenthesis, call argument and prefix
    // operator passes through once: the limit is in nesting levels as a reader counts them.
    var left = try parseAnd()
    while true {
      let token = try peekToken()
      let op: BinaryOperator
      switch token {
      case .symbol("|"), .symbol("||"), .name("or"): op = .or
      case .name("xor"): op = .xor
      default: return left
      }
      _ = try nextToken()
      try countOperator()
      left = .binary(op, left, try parseAnd())
    }
  }

  private mutating func parseAnd() throws(PathwayError) -> Expr {
    var left = try parseComparison()
    while true {
      let token = try peekToken()
      guard token == .symbol("&") || token == .symbol("&&") || token == .name("and") else { return left }
      _ = try nextToken()
      try countOperator()
      left = .binary(.and, left, try parseComparison())
    }
  }

  private mutating func parseComparison() throws(PathwayError) -> Expr {
    let left = try parseSum()
    let token = try peekToken()
    guard case .symbol(let s) = token, let op = BinaryOperator(rawValue: s), op.isComparison else {
      return left
    }
    _ = try nextToken()
    let right = try parseSum()
    if case .symbol(let s2) = try peekToken(), let op2 = BinaryOperator(rawValue: s2), op2.isComparison {
      _ = try nextToken()
      throw fail("comparisons do not chain; write 'a < b & b < c'", at: tokenStart)
    }
    return .binary(op, left, right)
  }

  private mutating func parseSum() throws(PathwayError) -> Expr {
    var left = try parseProduct()
    while true {
      let token = try peekToken()
      guard token == .symbol("+") || token == .symbol("-") else { return left }
      _ = try nextToken()
      try countOperator()
      left = .binary(token == .symbol("+") ? .add : .subtract, left, try parseProduct())
    }
  }

  private mutating func parseProduct() throws(PathwayError) -> Expr {
    var left = try parseUnary()
    while true {
      let token = try peekToken()
      guard token == .symbol("*") || token == .symbol("/") else { return left }
      _ = try nextToken()
      try countOperator()
      left = .binary(token == .symbol("*") ? .multiply : .divide, left, try parseUnary())
    }
  }

  private mutating func parseUnary() throws(PathwayError) -> Expr {
    try enter()
    defer { depth -= 1 }
    let token = try peekToken()
    switch token {
    case .symbol("-"):
      _ = try nextToken()
      let operand = try parseUnary()
      if case .number(let v) = operand { return .number(-v) }
      return .unary(.negate, operand)
    case .symbol("+"):
      _ = try nextToken()
      return try parseUnary()
    case .symbol("!"), .name("not"):
      _ = try nextToken()
      return .unary(.not, try parseUnary())
    default:
      return try parsePower()
    }
  }

  private mutating func parsePower() throws(PathwayError) -> Expr {
    let base = try parsePrimary()
    if try peekToken() == .symbol("^") {
      _ = try nextToken()
      return .binary(.power, base, try parseUnary())
    }
    return base
  }

  private static let keywords: Set<String> = ["and", "or", "not", "xor"]

  private mutating func parsePrimary() throws(PathwayError) -> Expr {
    let token = try nextToken()
    let start = tokenStart
    switch token {
    case .number(let value):
      return .number(value)
    case .symbol("("):
      let inner = try parseOr()
      try expect(")", context: "to close the parenthesis")
      return inner
    case .name(let name):
      if Self.keywords.contains(name) {
        throw fail("'\(name)' needs an operand before it", at: start)
      }
      if try peekToken() == .symbol("(") {
        _ = try nextToken()
        return try parseCall(name, at: start)
      }
      switch name {
      case "true", "TRUE", "True": return .one
      case "false", "FALSE", "False": return .zero
      case "time": return .time
      default:
        references.append(.init(name: name, location: referenceLocation(at: start)))
        return .variable(name)
      }
    case .end:
      throw fail("expression ends where an operand was expected", at: start)
    default:
      throw fail("expected an operand, found \(describe(token))", at: start)
    }
  }

  private mutating func parseCall(_ name: String, at start: Int) throws(PathwayError) -> Expr {
    var arguments: [Expr] = []
    if try peekToken() != .symbol(")") {
      while true {
        arguments.append(try parseOr())
        let token = try nextToken()
        if token == .symbol(")") { break }
        guard token == .symbol(",") else {
          throw fail("expected ',' or ')' in the arguments of '\(name)', found \(describe(token))", at: tokenStart)
        }
      }
    } else {
      _ = try nextToken()
    }
    if let definition = functions[name] {
      guard definition.parameters.count == arguments.count else {
        throw fail(
          "'\(name)' takes \(definition.parameters.count) argument(s), found \(arguments.count)", at: start)
      }
      let bound = Dictionary(uniqueKeysWithValues: zip(definition.parameters, arguments))
      return definition.body.substituting { bound[$0] }
    }
    // `log(b, x)` with two arguments is the logarithm to base b, as in SBML's infix syntax.
    if name == "log", arguments.count == 2 { return .call(.logBase, arguments) }
    guard let builtin = Builtin.byName[name] else {
      let known = Array(Builtin.byName.keys) + Array(functions.keys)
      let hint = didYouMean(name, among: known).map { [$0] } ?? []
      throw fail("unknown function '\(name)'", at: start, notes: hint)
    }
    guard builtin.arity.contains(arguments.count) else {
      let range = builtin.arity
      let expected =
        range.upperBound == Int.max ? "at least \(range.lowerBound)"
        : range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
      throw fail("'\(name)' takes \(expected) argument(s), found \(arguments.count)", at: start)
    }
    return .call(builtin, arguments)
  }
}
