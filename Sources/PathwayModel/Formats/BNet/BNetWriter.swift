/// Writes a model's logical rules as BoolNet text or as `.bnet`.
///
/// Every node becomes one line `target, expression`, in model order: an input is the self-loop
/// `X, X`; a constant rule is `0` or `1`; a rule written with `!`, `&`, `|` (or `not`, `and`,
/// `or`) keeps its shape with the fewest parentheses, `xor` is expanded, and any other rule
/// (comparisons, arithmetic) is written as a sum of products derived from its truth table.
/// A node with a rate law but no rule cannot be written (exit 65): both formats hold logic only.
///
/// `BNetReader` reads the text back to a model with the same nodes, kinds and Boolean functions.
public enum BNetWriter {
  public enum Dialect: String, Sendable, CaseIterable {
    /// BoolNet's `loadNetwork` text: the `targets, factors` header, then `Gene, expression`.
    case boolnet
    /// PyBoolNet's `.bnet`: a comment naming the model, then `target, expression` lines.
    case bnet
  }

  /// The text of `model` in `dialect`.
  public static func text(_ model: Model, dialect: Dialect) throws(PathwayError) -> String {
    var bag = DiagnosticBag()
    var lines: [(String, String)] = []
    for node in model.nodes {
      if node.isInput {
        lines.append((node.id, node.id))
        continue
      }
      guard let rule = node.rule else {
        bag.error(
          node.location, "node '\(node.id)' has no logical rule (only a rate law)",
          notes: ["BoolNet and .bnet files hold logical rules; give '\(node.id)' a 'rule'"])
        continue
      }
      if BNetReader.nonBooleanPart(of: rule.expr) == nil {
        lines.append((node.id, render(rule.expr, parent: 0)))
      } else {
        let table = try TruthTable(rule: rule, target: node.id)
        lines.append((node.id, sumOfProducts(table)))
      }
    }
    try bag.throwIfErrors()
    var out = ""
    switch dialect {
    case .boolnet:
      out += BNetReader.header + "\n"
    case .bnet:
      out += "# \(model.name)\n"
      for line in model.description.split(whereSeparator: \.isNewline) { out += "# \(line)\n" }
      out += "# written by simulate (PathwayModel) \(PathwayModelVersion.current)\n"
    }
    let width = (lines.map { $0.0.count }.max() ?? 0) + 1
    for (target, expression) in lines {
      let head = target + ","
      out += head + String(repeating: " ", count: dialect == .bnet ? max(1, width + 1 - head.count) : 1)
      out += expression + "\n"
    }
    return out
  }

  /// Writes `model` to `path` atomically.
  public static func write(_ model: Model, to path: String, dialect: Dialect) throws(PathwayError) {
    try OutputFile.write(try text(model, dialect: dialect), to: path)
  }

  /// Infix text with `!` binding tightest, then `&`, then `|`.
  static func render(_ expr: Expr, parent: Int) -> String {
    switch expr {
    case .number(let v):
      return v == 0 ? "0" : "1"
    case .variable(let name):
      return name
    case .unary(_, .unary(_, let a)):
      return render(a, parent: parent)  // !!a is a; BoolNet cannot read "!!"
    case .unary(_, let a):
      return "!" + render(a, parent: 3)
    case .binary(.xor, _, _):
      // Neither format has xor: a ⊕ b = (a & !b) | (!a & b) copies both sides, so a chain is
      // rebalanced first (n² literals for n operands instead of 2ⁿ).
      var operands: [Expr] = []
      func collect(_ e: Expr) {
        if case .binary(.xor, let l, let r) = e {
          collect(l)
          collect(r)
        } else {
          operands.append(e)
        }
      }
      collect(expr)
      func balanced(_ items: ArraySlice<Expr>) -> Expr {
        if items.count == 1 { return items.first! }
        let middle = items.startIndex + items.count / 2
        let a = balanced(items[..<middle]), b = balanced(items[middle...])
        return .binary(.or, .binary(.and, a, .unary(.not, b)), .binary(.and, .unary(.not, a), b))
      }
      return render(balanced(operands[...]), parent: parent)
    case .binary(let op, let a, let b):
      let p = op == .and ? 2 : 1
      let text = render(a, parent: p) + (op == .and ? " & " : " | ") + render(b, parent: p)
      return p < parent ? "(" + text + ")" : text
    case .call:
      return "0"  // unreachable: callers check `nonBooleanPart` first
    }
  }

  /// A sum of products equal to `table`, from its Shannon expansion (cofactors that agree are
  /// merged, so a regulator the rule ignores never appears).
  static func sumOfProducts(_ table: TruthTable) -> String {
    let k = table.regulators.count
    var terms: [String] = []
    // Entries with bits below j fixed to `fixed` and bits from j on free.
    func expand(_ fixed: Int, _ j: Int, _ literals: [String]) {
      var seenTrue = false, seenFalse = false
      for rest in 0..<(1 << (k - j)) {
        if table.value(at: fixed | rest << j) { seenTrue = true } else { seenFalse = true }
        if seenTrue && seenFalse { break }
      }
      if !seenTrue { return }
      if !seenFalse {
        terms.append(literals.isEmpty ? "1" : literals.joined(separator: " & "))
        return
      }
      var j = j
      while j < k, (0..<(1 << (k - j - 1))).allSatisfy({ rest in
        let entry = fixed | rest << (j + 1)
        return table.value(at: entry) == table.value(at: entry | 1 << j)
      }) {
        j += 1  // the rule does not depend on this regulator here: leave it out
      }
      let name = table.regulators[j]
      expand(fixed, j + 1, literals + ["!" + name])
      expand(fixed | 1 << j, j + 1, literals + [name])
    }
    expand(0, 0, [])
    if terms.isEmpty { return "0" }
    if terms.contains("1") { return "1" }
    return terms.count == 1 ? terms[0] : terms.map { $0.contains("&") ? "(" + $0 + ")" : $0 }.joined(separator: " | ")
  }
}
