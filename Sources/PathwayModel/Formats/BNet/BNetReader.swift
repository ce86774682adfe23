/// Reads Boolean networks written as BoolNet text and as `.bnet` (PyBoolNet, MaBoSS, AEON).
///
/// Both formats are one rule per line, `target, expression`:
///
/// ```
/// # a comment (BoolNet and .bnet)
/// targets, factors          # the BoolNet header; optional in .bnet
/// CycD,    CycD             # a self-loop: an input (kind: input)
/// Rb,      !CycD & (p27 | !CycE)
/// E2F,     0                # a constant: 0/1 or FALSE/TRUE
/// ```
///
/// Names are letters, digits, `_` and `.`, starting with a letter or `_`. Expressions use `!`,
/// `&`, `|` and parentheses (the expression parser also reads `not`, `and`, `or`, `xor`).
/// Nodes keep the order of their target lines (BoolNet's gene order, the order of state bits).
///
/// The result is the same `Model` value the native reader builds: a self-loop `X, X` is a node
/// of kind `input` without a rule, every other target an `internal` node with its rule; the model
/// is validated, so unknown names come back with their line and column (exit 65). BoolNet's
/// probabilistic (`targets, factors, probabilities`) and temporal (`X[-1]`, `sumgt`, `timeis`)
/// networks are refused by name.
public enum BNetReader {
  /// The BoolNet header `targets, factors`.
  public static let header = "targets, factors"

  /// Reads and validates the network in `path`. Missing files exit 66, invalid ones 65.
  public static func read(path: String, undeclaredInputs: Bool = false) throws(PathwayError) -> Model {
    let text = try InputFile.readText(path)
    return try read(text: text, file: path, undeclaredInputs: undeclaredInputs)
  }

  /// True when the first line that is neither blank nor a comment is a BoolNet header
  /// (`targets, factors`, any case and spacing, or a longer one such as the probabilistic
  /// `targets, factors, probabilities`, which `read` then refuses by name): how `.txt` files are
  /// recognised.
  public static func startsWithHeader(_ text: String) -> Bool {
    for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      let content = stripComment(Substring(line)).trimmingCharacters(in: .whitespaces)
      if content.isEmpty { continue }
      guard let columns = headerColumns(content) else { return false }
      return columns[0] == "targets" && columns[1] == "factors"
    }
    return false
  }

  /// Reads and validates a network from `text`; `file` names it in messages. With
  /// `undeclaredInputs`, a name used in a rule but never a target is an input (BoolNet's
  /// convention) and the model carries a warning naming each; without it, an error.
  public static func read(text: String, file: String, undeclaredInputs: Bool = false) throws(PathwayError) -> Model {
    var bag = DiagnosticBag()
    var nodes: [Node] = []
    var firstDefinition: [String: SourceLocation] = [:]
    var sawRule = false
    var lineNumber = 0
    // `isNewline` also ends lines at "\r\n", which Swift reads as one character.
    for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      lineNumber += 1
      let content = stripComment(line)
      if content.allSatisfy(\.isWhitespace) { continue }
      let scalars = Array(content.unicodeScalars)
      func location(_ offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: lineNumber, column: offset + 1)
      }
      let firstNonSpace = scalars.firstIndex { !$0.properties.isWhitespace } ?? 0

      if isHeader(String(content).trimmingCharacters(in: .whitespaces)) {
        if sawRule {
          bag.error(location(firstNonSpace), "the header '\(header)' must come before the first rule")
        }
        continue
      }
      if let columns = headerColumns(String(content)), columns.count > 2, columns[0] == "targets" {
        throw PathwayError(
          .invalidInput, at: location(firstNonSpace),
          "probabilistic Boolean networks ('\(content.trimmingCharacters(in: .whitespaces))') are not supported",
          notes: ["this reader takes one deterministic rule per target: '\(header)'"])
      }

      guard let comma = scalars.firstIndex(of: ",") else {
        bag.error(
          location(firstNonSpace), "expected 'target, expression', found no comma",
          notes: ["each line is a node, a comma and its rule, as in 'Rb, !CycD & p27'"])
        continue
      }
      sawRule = true
      let targetStart = firstNonSpace
      let target = String(String.UnicodeScalarView(scalars[targetStart..<comma])).trimmingCharacters(in: .whitespaces)
      let expressionStart = scalars[(comma + 1)...].firstIndex { !$0.properties.isWhitespace } ?? scalars.count
      let expressionText = String(String.UnicodeScalarView(scalars[expressionStart...]))
        .trimmingCharacters(in: .whitespaces)
      let targetLocation = location(targetStart)

      if target.isEmpty {
        bag.error(targetLocation, "a rule without a target before the comma")
        continue
      }
      guard isValidIdentifier(target) else {
        let reserved = reservedWords.contains(target)
        bag.error(
          targetLocation, "'\(target)' is not a valid node name" + (reserved ? ": it is a reserved word in rules" : ""),
          notes: [reserved
            ? "TRUE/True/true and FALSE/False/false are the constants 1 and 0, and/or/not/xor are operators; rename the node"
            : "names start with a letter or '_' and contain letters, digits, '_' and '.'"])
        continue
      }
      if Model.reservedNames.contains(target) {
        bag.error(
          targetLocation, "'\(target)' is not a valid node name: it means the simulation time in rules",
          notes: ["rename the node (for example \(target)_)"])
        continue
      }
      if let first = firstDefinition[target] {
        bag.error(targetLocation, "duplicate target '\(target)'", notes: ["first defined at \(first)"])
        continue
      }
      firstDefinition[target] = targetLocation
      if expressionText.isEmpty {
        bag.error(location(comma + 1), "the rule of '\(target)' is empty", notes: ["write 0 or 1 for a constant"])
        continue
      }
      if let problem = unsupportedConstruct(in: expressionText) {
        bag.error(location(expressionStart + problem.offset), problem.message, notes: problem.notes)
        continue
      }
      let parsed: ParsedExpression
      do {
        parsed = try ExpressionParser.parse(expressionText, origin: location(expressionStart))
      } catch {
        bag.append(contentsOf: error.diagnostics)
        continue
      }
      if let problem = nonBooleanPart(of: parsed.expr) {
        bag.error(
          location(expressionStart), "the rule of '\(target)' is not a Boolean expression: \(problem)",
          notes: ["rules use node names, 0/1, TRUE/FALSE, '!', '&', '|' and parentheses"])
        continue
      }
      var node = Node(id: target, location: targetLocation)
      if parsed.expr == .variable(target) {
        node.kind = .input
      } else {
        node.rule = parsed
      }
      nodes.append(node)
    }
    if nodes.isEmpty && !bag.hasErrors {
      bag.error(SourceLocation(file: file, line: 1, column: 1), "the file defines no rules",
                notes: ["each line is 'target, expression'"])
    }
    try bag.throwIfErrors()
    let undeclared = implicitInputs(of: nodes)
    var warnings: [Diagnostic] = []
    if undeclaredInputs, let first = undeclared.first {
      nodes += undeclared
      let names = undeclared.map { node in node.location.map { "\(node.id) (\($0.line):\($0.column))" } ?? node.id }
      warnings.append(Diagnostic(
        .warning, at: first.location,
        "\(undeclared.count) regulator(s) without a rule of their own read as inputs: \(names.joined(separator: ", "))",
        notes: ["BoolNet's convention; they hold their initial value, as a line 'X, X' would"]))
    }
    var model = Model(name: NativeModelReader.fileStem(file), source: file, nodes: nodes)
    do {
      try model.validate()
    } catch {
      // The undeclared names are the validation's unknown identifiers: say how to read them.
      guard !undeclaredInputs, !undeclared.isEmpty else { throw error }
      throw PathwayError(error.kind, error.diagnostics + [Diagnostic(
        .note, at: nil,
        "if these names are inputs without a line of their own, --undeclared-inputs reads them as inputs (BoolNet's convention)")])
    }
    model.warnings = warnings
    return model
  }

  /// Input nodes for the names the rules use that no line defines, in the order of first use
  /// (rules in file order, names left to right), each located where it is first used.
  static func implicitInputs(of nodes: [Node]) -> [Node] {
    var known = Set(nodes.map(\.id))
    var added: [Node] = []
    for node in nodes {
      for reference in node.rule?.references ?? [] where !known.contains(reference.name) {
        known.insert(reference.name)
        var input = Node(id: reference.name, location: reference.location)
        input.kind = .input
        added.append(input)
      }
    }
    return added
  }

  /// The line up to its first `#`.
  static func stripComment(_ line: Substring) -> Substring {
    guard let hash = line.firstIndex(of: "#") else { return line }
    return line[..<hash]
  }

  private static func headerColumns(_ text: String) -> [String]? {
    let columns = text.split(separator: ",", omittingEmptySubsequences: false)
      .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    return columns.count >= 2 ? columns : nil
  }

  private static func isHeader(_ text: String) -> Bool {
    headerColumns(text) == ["targets", "factors"]
  }

  /// BoolNet constructs this reader refuses by name, located within the expression text.
  private static func unsupportedConstruct(in text: String) -> (offset: Int, message: String, notes: [String])? {
    let scalars = Array(text.unicodeScalars)
    if let bracket = scalars.firstIndex(of: "[") {
      return (bracket, "temporal predicates such as 'X[-1]' (BoolNet's temporal networks) are not supported",
              ["rewrite the delay through an intermediate node"])
    }
    for keyword in ["sumgt", "sumlt", "timegt", "timelt", "timeis", "all", "any", "maj"] {
      var i = 0
      let word = Array(keyword.unicodeScalars)
      while i + word.count <= scalars.count {
        let before = i == 0 ? nil : scalars[i - 1]
        if Array(scalars[i..<(i + word.count)]) == word,
          before.map({ !($0 == "_" || $0 == "." || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }) ?? true
        {
          var j = i + word.count
          while j < scalars.count, scalars[j].properties.isWhitespace { j += 1 }
          if j < scalars.count, scalars[j] == "(" {
            return (i, "BoolNet's '\(keyword)(…)' (temporal and symbolic networks) is not supported",
                    ["write the rule with '!', '&' and '|'"])
          }
        }
        i += 1
      }
    }
    return nil
  }

  /// A description of the first part of `expr` that is not Boolean logic, or nil.
  static func nonBooleanPart(of expr: Expr) -> String? {
    switch expr {
    case .number(let v):
      return v == 0 || v == 1 ? nil : "the number \(formatNumber(v)) (constants are 0 and 1)"
    case .variable:
      return nil
    case .unary(.not, let a):
      return nonBooleanPart(of: a)
    case .unary(.negate, _):
      return "arithmetic negation '-'"
    case .binary(let op, let a, let b):
      guard op == .and || op == .or || op == .xor else { return "the operator '\(op.rawValue)'" }
      return nonBooleanPart(of: a) ?? nonBooleanPart(of: b)
    case .call(let f, _):
      return "the function '\(f.rawValue)'"
    }
  }
}
