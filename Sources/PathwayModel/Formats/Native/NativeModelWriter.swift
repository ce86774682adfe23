/// Writes a `Model` in the native YAML format (`docs/model-format.md`) that `NativeModelReader`
/// reads back to an equal model: name, description, time unit, references, defaults,
/// parameters, nodes (kind, initial value, rule, rate law, τ, n, k, edges with their evidence,
/// modulators, documentation), assignments and named perturbations, in their order.
///
/// Formulas keep the text they were written with when it reads back to the same tree, and are
/// printed from the tree otherwise. What the native format cannot hold is refused by name
/// (exit 65): events, non-finite numbers, identifiers the expression language cannot spell.
/// Initial assignments are evaluated once, at t = 0 with the model's own values, into initial
/// values and parameter values, and said so in `ModelText.notes`.
public enum NativeModelWriter {
  /// The YAML text of `model`.
  public static func text(_ model: Model) throws(PathwayError) -> String {
    try export(model).text
  }

  /// Writes `model` to `path` atomically; returns the notes.
  @discardableResult
  public static func write(_ model: Model, to path: String) throws(PathwayError) -> [String] {
    let result = try export(model)
    try OutputFile.write(result.text, to: path)
    return result.notes
  }

  public static func export(_ model: Model) throws(PathwayError) -> ModelText {
    var bag = DiagnosticBag()
    var notes: [String] = []
    var model = model
    if !model.events.isEmpty {
      bag.error(
        model.events[0].location,
        "the native format cannot express events (\(model.events.map(\.id).joined(separator: ", ")))",
        notes: ["write SBML (--to sbml) to keep them"])
    }
    // The native language has no literal for infinity or NaN (SBML's <infinity/>, <notanumber/>).
    func nonFinite(_ e: Expr) -> Bool {
      switch e {
      case .number(let v): return !v.isFinite
      case .variable: return false
      case .unary(_, let a): return nonFinite(a)
      case .binary(_, let a, let b): return nonFinite(a) || nonFinite(b)
      case .call(_, let args): return args.contains(where: nonFinite)
      }
    }
    var expressions: [(String, Expr)] = []
    for node in model.nodes {
      if let rule = node.rule { expressions.append(("the rule of '\(node.id)'", rule.expr)) }
      if let rate = node.rate { expressions.append(("the rate of '\(node.id)'", rate.expr)) }
    }
    expressions += model.assignments.map { ("assignment '\($0.id)'", $0.expression.expr) }
    expressions += model.initialAssignments.map { ("the initial assignment of '\($0.target)'", $0.expression.expr) }
    for (what, expr) in expressions where nonFinite(expr) {
      bag.error(nil, "\(what) holds infinity or NaN, which the native format cannot write", notes: ["keep the model in SBML"])
    }
    if model.nodes.isEmpty {
      bag.error(
        nil, "the native format needs at least one node, and this model has none (no species or varying quantity)",
        notes: ["keep it in SBML"])
    }
    for id in model.identifiers {
      if Model.reservedNames.contains(id) {
        bag.error(nil, "'\(id)' cannot be a native identifier (it is the simulation time)", notes: ["rename it in the source model"])
      } else if reservedWords.contains(id) {
        bag.error(nil, "'\(id)' cannot be a native identifier (it is a reserved word: and, or, not, xor, true, false)", notes: ["rename it in the source model"])
      } else if !isValidIdentifier(id) {
        bag.error(nil, "'\(id)' is not a valid native identifier", notes: ["identifiers start with a letter or '_' and contain letters, digits, '_' and '.'"])
      }
    }
    try bag.throwIfErrors()
    if !model.initialAssignments.isEmpty {
      let ode = try ODEModel(model: model)
      var run = RunParameters(ode)
      var state = ode.stateNodes.map { model.nodes[$0].initial }
      try ode.applyInitialAssignments(parameters: &run, state: &state, time: 0)
      for (s, n) in ode.stateNodes.enumerated() { model.nodes[n].initial = state[s] }
      for p in model.parameters.indices { model.parameters[p].value = run.parameters[p] }
      let targets = model.initialAssignments.map(\.target)
      notes.append(
        "initial values computed at the start (initial assignments, or amounts from concentrations) written as numbers: "
          + targets.prefix(8).joined(separator: ", ") + (targets.count > 8 ? ", … (\(targets.count))" : ""))
      model.initialAssignments = []
    }
    if !model.species.isEmpty {
      notes.append("species are written as amounts (the native format has no compartments; --concentration will not apply)")
    }
    // Numbers the format cannot hold.
    func finite(_ v: Double, _ what: String) {
      if !v.isFinite { bag.error(nil, "\(what) is \(formatNumber(v)); the native format takes finite numbers only") }
    }
    for p in model.parameters { finite(p.value, "the value of parameter '\(p.id)'") }
    for n in model.nodes { finite(n.initial, "the initial value of '\(n.id)'") }
    try bag.throwIfErrors()
    return ModelText(text: render(model), notes: notes)
  }

  // MARK: - Rendering

  static func render(_ model: Model) -> String {
    var out = "# \(model.name)\n# written by simulate (PathwayModel) \(PathwayModelVersion.current)"
    if let source = model.source { out += " from \(Paths.lastComponent(of: source))" }
    out += "\n\n"
    out += "model: \(quote(model.name))\n"
    if !model.description.isEmpty { out += "description: \(quote(model.description))\n" }
    if let unit = model.timeUnit { out += "time_unit: \(quote(unit))\n" }
    if !model.references.isEmpty { out += "references:\n" + list(model.references, indent: 1) }
    let d = model.defaults
    out += "\ndefaults:\n  tau: \(number(d.tau))\n  n: \(number(d.hillN))\n  k: \(number(d.hillK))\n"
    if let e = d.equilibrate { out += "  equilibrate: \(number(e))\n" }

    if !model.parameters.isEmpty {
      out += "\nparameters:\n"
      for p in model.parameters {
        if p.unit == nil && p.description.isEmpty {
          out += "  \(quoteKey(p.id)): \(number(p.value))\n"
        } else {
          out += "  \(quoteKey(p.id)):\n    value: \(number(p.value))\n"
          if let unit = p.unit { out += "    unit: \(quote(unit))\n" }
          if !p.description.isEmpty { out += "    description: \(quote(p.description))\n" }
        }
      }
    }

    out += "\nnodes:\n"
    for node in model.nodes { out += render(node) }

    if !model.assignments.isEmpty {
      out += "\nassignments:\n"
      for a in model.assignments {
        if a.unit == nil && a.description.isEmpty {
          out += "  \(quoteKey(a.id)): \(quote(formula(a.expression)))\n"
        } else {
          out += "  \(quoteKey(a.id)):\n    formula: \(quote(formula(a.expression)))\n"
          if let unit = a.unit { out += "    unit: \(quote(unit))\n" }
          if !a.description.isEmpty { out += "    description: \(quote(a.description))\n" }
        }
      }
    }

    if !model.perturbations.isEmpty {
      out += "\nperturbations:\n"
      for p in model.perturbations { out += render(p) }
    }
    return out
  }

  private static func render(_ node: Node) -> String {
    var out = "  \(quoteKey(node.id)):\n"
    out += "    kind: \(node.kind.rawValue)\n"
    if !node.description.isEmpty { out += "    description: \(quote(node.description))\n" }
    if !node.role.isEmpty { out += "    role: \(quote(node.role))\n" }
    if node.initial != 0 { out += "    initial: \(number(node.initial))\n" }
    if let rule = node.rule, !node.isInput { out += "    rule: \(quote(formula(rule)))\n" }
    if let rate = node.rate { out += "    rate: \(quote(formula(rate)))\n" }
    if let tau = node.tau { out += "    tau: \(number(tau))\n" }
    if let rate = node.rateUp { out += "    rate_up: \(number(rate))\n" }
    if let rate = node.rateDown { out += "    rate_down: \(number(rate))\n" }
    if let p = node.initialProbability { out += "    initial_probability: \(number(p))\n" }
    if let n = node.hillN { out += "    n: \(number(n))\n" }
    if let k = node.hillK { out += "    k: \(number(k))\n" }
    if let unit = node.unit { out += "    unit: \(quote(unit))\n" }
    if !node.notes.isEmpty { out += "    notes: \(quote(node.notes))\n" }
    if !node.references.isEmpty { out += "    references:\n" + list(node.references, indent: 3) }
    if !node.edges.isEmpty {
      out += "    edges:\n"
      for edge in node.edges {
        var fields = ""
        if let sign = edge.sign { fields += "        sign: \(quote(sign.rawValue))\n" }
        if let n = edge.hillN { fields += "        n: \(number(n))\n" }
        if let k = edge.hillK { fields += "        k: \(number(k))\n" }
        if !edge.mechanism.isEmpty { fields += "        mechanism: \(quote(edge.mechanism))\n" }
        if let stage = edge.stage { fields += "        stage: \(quote(stage))\n" }
        if !edge.references.isEmpty { fields += "        references:\n" + list(edge.references, indent: 5) }
        if let confidence = edge.confidence { fields += "        confidence: \(quote(confidence))\n" }
        out += fields.isEmpty ? "      \(quoteKey(edge.source)): {}\n" : "      \(quoteKey(edge.source)):\n" + fields
      }
    }
    if !node.modulators.isEmpty {
      out += "    modulators:\n"
      for m in node.modulators {
        out += "      - from: \(quoteKey(m.source))\n"
        out += "        sign: \(quote(m.sign.rawValue))\n"
        out += "        weight: \(number(m.weight))\n"
        if !m.mechanism.isEmpty { out += "        mechanism: \(quote(m.mechanism))\n" }
        if !m.references.isEmpty { out += "        references:\n" + list(m.references, indent: 5) }
        if let confidence = m.confidence { out += "        confidence: \(quote(confidence))\n" }
      }
    }
    return out
  }

  private static func render(_ p: NamedPerturbation) -> String {
    var out = "  \(quoteKey(p.name)):\n"
    if !p.description.isEmpty { out += "    description: \(quote(p.description))\n" }
    // The reader lists knockouts, then over-expressions, then other pins, then scales; a node
    // acted on twice keeps its last action, as applying the list in order does.
    var knockouts: [String] = [], overexpressions: [String] = []
    var pins: [(String, Double)] = [], scales: [(String, Double)] = []
    var lastPin: [String: Double] = [:]
    for action in p.actions { if case .pin(let node, let level) = action { lastPin[node] = level } }
    var seenPin = Set<String>()
    for action in p.actions {
      switch action {
      case .pin(let node, _):
        guard seenPin.insert(node).inserted, let level = lastPin[node] else { continue }
        if level == 0 {
          knockouts.append(node)
        } else if level == 1 {
          overexpressions.append(node)
        } else {
          pins.append((node, level))
        }
      case .scale(let node, let factor):
        scales.append((node, factor))
      }
    }
    let allPins = p.actions.compactMap { action -> String? in
      if case .pin(let node, _) = action { return node }
      return nil
    }
    if knockouts + overexpressions + pins.map(\.0) == allPins {
      if !knockouts.isEmpty { out += "    knockout: [\(knockouts.map(quoteKey).joined(separator: ", "))]\n" }
      if !overexpressions.isEmpty { out += "    overexpress: [\(overexpressions.map(quoteKey).joined(separator: ", "))]\n" }
      if !pins.isEmpty { out += "    pin: {" + pins.map { "\(quoteKey($0.0)): \(number($0.1))" }.joined(separator: ", ") + "}\n" }
    } else {
      // Knockouts and over-expressions would be read before the other pins: keep the order in one `pin:`.
      var ordered: [(String, Double)] = []
      var written = Set<String>()
      for node in allPins where written.insert(node).inserted { ordered.append((node, lastPin[node]!)) }
      out += "    pin: {" + ordered.map { "\(quoteKey($0.0)): \(number($0.1))" }.joined(separator: ", ") + "}\n"
    }
    if !scales.isEmpty { out += "    scale: {" + scales.map { "\(quoteKey($0.0)): \(number($0.1))" }.joined(separator: ", ") + "}\n" }
    if !p.references.isEmpty { out += "    references:\n" + list(p.references, indent: 3) }
    return out
  }

  // MARK: - Scalars

  /// The formula's own text when it reads back to the same tree, else the tree printed.
  static func formula(_ e: ParsedExpression) -> String {
    let text = e.text.trimmingCharacters(in: .whitespacesAndNewlines)
    if !text.isEmpty, !text.contains("\n"), let parsed = try? ExpressionParser.parse(text), parsed.expr == e.expr {
      return text
    }
    return e.expr.description
  }

  static func number(_ v: Double) -> String { formatNumber(v) }

  private static func list(_ items: [String], indent: Int) -> String {
    let pad = String(repeating: "  ", count: indent)
    return items.map { "\(pad)- \(quote($0))\n" }.joined()
  }

  /// A YAML double-quoted scalar (always quoted: text fields may hold any character).
  static func quote(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if c.value < 0x20 || c.value == 0x7F {
          out += "\\x" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 2)
        } else {
          out.unicodeScalars.append(c)
        }
      }
    }
    return out + "\""
  }

  /// A mapping key: plain when it is an identifier-like word, else quoted.
  static func quoteKey(_ s: String) -> String {
    let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
      $0 == "_" || $0 == "-" || $0 == "." || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
    } && s.first != "-" && !["null", "Null", "NULL", "~", "true", "false", "yes", "no", "on", "off", "y", "n"].contains(s)
    return plain ? s : quote(s)
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
