/// Writes a model's logical rules as SBML Level 3 Version 1 with the qual package (SBML-qual),
/// the exchange format of GINsim, bioLQM, CellCollective and BoolNet's `toSBML`.
///
/// Every node becomes a `qual:qualitativeSpecies` (maxLevel 1, `initialLevel` 1 when its
/// initial value is at least 0.5) in one compartment; every node a `qual:transition` that
/// assigns its level: inputs are self-loops (`X = X`), as BoolNet writes them. A transition
/// lists the rule's regulators as inputs (threshold 1, the sign the rule gives them:
/// positive, negative, dual, or unknown when the rule does not depend on them), a default
/// term 0 and one function term 1 whose math is the rule with each regulator as `X == 1`. A
/// rule written with `!`, `&`, `|`, `xor` keeps its shape; any other rule (comparisons,
/// arithmetic) is written as the sum of products of its truth table. Constant rules are a
/// default term alone.
///
/// `SBMLQualReader` reads the file back to the same nodes, kinds and Boolean functions. What
/// a logical format cannot hold (rate laws, modulators, events) is checked by
/// `LogicalFormat.check` before writing.
public enum SBMLQualWriter {
  typealias Element = XMLElementBuilder

  public static func text(_ model: Model) throws(PathwayError) -> String { try export(model).text }

  /// The document, and notes on what was renamed: a node name that is not an SBML `SId`
  /// (`E2F.1`, `βcat`) gets the nearest free one (`E2F_1`, `_cat`).
  public static func export(_ model: Model) throws(PathwayError) -> ModelText {
    var bag = DiagnosticBag()
    var compartment = "default"
    var used = Set(model.nodes.map(\.id).filter(SBMLWriter.isSId))
    while used.contains(compartment) { compartment += "_" }
    used.insert(compartment)
    var species = Element("qual:listOfQualitativeSpecies")
    var transitions = Element("qual:listOfTransitions")
    func allocate(_ base: String) -> String {
      var candidate = base
      var i = 1
      while used.contains(candidate) {
        candidate = "\(base)_\(i)"
        i += 1
      }
      used.insert(candidate)
      return candidate
    }
    var sids: [String: String] = [:]
    var renamed: [String] = []
    for node in model.nodes {
      if SBMLWriter.isSId(node.id) {
        sids[node.id] = node.id
      } else {
        let new = allocate(SBMLWriter.sidBase(node.id))
        sids[node.id] = new
        renamed.append("\(node.id) → \(new)")
      }
    }
    func sid(_ id: String) -> String { sids[id] ?? id }
    let math = MathMLWriter()
    for node in model.nodes {
      var s = Element(
        "qual:qualitativeSpecies",
        [("qual:id", sid(node.id)), ("qual:compartment", compartment), ("qual:constant", "false"),
         ("qual:initialLevel", node.initial >= 0.5 ? "1" : "0"), ("qual:maxLevel", "1")])
      if !node.description.isEmpty { s.set("qual:name", node.description) }
      species.add(s)

      let rule: Expr
      var regulators: [String] = []
      var signs: [String: String] = [:]
      if node.isInput {
        rule = .variable(node.id)
        regulators = [node.id]
        signs[node.id] = "positive"
      } else {
        guard let parsed = node.rule else {
          bag.error(
            node.location, "node '\(node.id)' has no logical rule (only a rate law)",
            notes: ["SBML-qual holds logical rules; give '\(node.id)' a 'rule'"])
          continue
        }
        let table = try TruthTable(rule: parsed, target: node.id)
        regulators = table.regulators
        for (j, name) in regulators.enumerated() {
          switch table.influence(of: j) {
          case .activating: signs[name] = "positive"
          case .inhibiting: signs[name] = "negative"
          case .dual: signs[name] = "dual"
          case .none: signs[name] = "unknown"
          }
        }
        if BNetReader.nonBooleanPart(of: parsed.expr) == nil {
          rule = parsed.expr
        } else {
          let text = BNetWriter.sumOfProducts(table)
          guard let dnf = try? ExpressionParser.parse(text).expr else {
            bag.error(node.location, "the rule of '\(node.id)' could not be written as a sum of products")
            continue
          }
          rule = dnf
        }
      }
      let transitionID = allocate("tr_\(sid(node.id))")
      var transition = Element("qual:transition", [("qual:id", transitionID)])
      if !regulators.isEmpty {
        var inputs = Element("qual:listOfInputs")
        for name in regulators {
          inputs.add(
            Element(
              "qual:input",
              [("qual:id", allocate("\(transitionID)_in_\(sid(name))")), ("qual:qualitativeSpecies", sid(name)),
               ("qual:transitionEffect", "none"), ("qual:sign", signs[name] ?? "unknown"), ("qual:thresholdLevel", "1")]))
        }
        transition.add(inputs)
      }
      transition.add(
        Element(
          "qual:listOfOutputs",
          children: [
            Element(
              "qual:output",
              [("qual:id", allocate("\(transitionID)_out")), ("qual:qualitativeSpecies", sid(node.id)),
               ("qual:transitionEffect", "assignmentLevel")])
          ]))
      var terms = Element("qual:listOfFunctionTerms")
      switch rule {
      case .number(let v):
        terms.add(Element("qual:defaultTerm", [("qual:resultLevel", v != 0 ? "1" : "0")]))
      default:
        terms.add(Element("qual:defaultTerm", [("qual:resultLevel", "0")]))
        let condition = rule.substituting { .binary(.equal, .variable(sid($0)), .one) }
        terms.add(Element("qual:functionTerm", [("qual:resultLevel", "1")], children: [math.mathBoolean(condition)]))
      }
      transition.add(terms)
      transitions.add(transition)
    }
    try bag.throwIfErrors()

    var sbmlModel = Element("model", [("id", allocate(modelID(model.name)))])
    if !model.name.isEmpty { sbmlModel.set("name", model.name) }
    var lines: [String] = []
    if !model.description.isEmpty { lines.append(model.description) }
    lines += model.references.map { "Reference: \($0)" }
    lines.append("Written by simulate (PathwayModel) \(PathwayModelVersion.current).")
    if let notes = XMLElementBuilder.notes(lines) { sbmlModel.add(notes) }
    sbmlModel.add(
      Element("listOfCompartments", children: [Element("compartment", [("id", compartment), ("constant", "true")])]))
    sbmlModel.add(species)
    if !transitions.children.isEmpty { sbmlModel.add(transitions) }
    let root = Element(
      "sbml",
      [("xmlns", "http://www.sbml.org/sbml/level3/version1/core"), ("xmlns:qual", SBMLQualReader.namespace),
       ("level", "3"), ("version", "1"), ("qual:required", "true")],
      children: [sbmlModel])
    let notes = renamed.isEmpty ? [] : ["renamed to SBML ids: " + renamed.prefix(8).joined(separator: ", ") + (renamed.count > 8 ? ", …" : "")]
    return ModelText(text: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.render(), notes: notes)
  }

  /// Writes `model` to `path` atomically.
  public static func write(_ model: Model, to path: String) throws(PathwayError) {
    try OutputFile.write(try text(model), to: path)
  }

  /// An SBML id from a model name.
  static func modelID(_ name: String) -> String {
    var id = String(String.UnicodeScalarView(name.unicodeScalars.map { c in
      c == "_" || (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))) ? c : "_"
    }))
    if id.isEmpty { id = "model" }
    if let first = id.unicodeScalars.first, ("0"..."9").contains(first) { id = "_" + id }
    return id
  }
}

/// What the logic-only formats (BoolNet, .bnet, SBML-qual) cannot hold, and the model reduced
/// to its logic.
public enum LogicalFormat {
  /// Errors for what would change the model's meaning if dropped (rate laws, modulators,
  /// events, assignments, initial assignments), and a note listing what is documentation or
  /// continuous-only and is dropped (τ, n, k, parameters, evidence, perturbations).
  public static func check(_ model: Model, format: String) -> (errors: [Diagnostic], dropped: [String]) {
    var errors: [Diagnostic] = []
    let hint = "--logic-only writes the logical rules alone, dropping the continuous parts"
    let rated = model.nodes.filter { $0.rate != nil && $0.rule != nil }
    if !rated.isEmpty {
      errors.append(
        Diagnostic(
          .error, at: rated[0].rate?.origin ?? rated[0].location,
          "\(format) cannot express rate laws (\(list(rated.map(\.id))))", notes: [hint]))
    }
    let rateOnly = model.nodes.filter { $0.rate != nil && $0.rule == nil && !$0.isInput }
    if !rateOnly.isEmpty {
      errors.append(
        Diagnostic(
          .error, at: rateOnly[0].location,
          "\(format) cannot express nodes that have a rate law and no logical rule (\(list(rateOnly.map(\.id))))",
          notes: ["give them a 'rule', or convert to native or SBML"]))
    }
    let modulated = model.nodes.filter { !$0.modulators.isEmpty }
    if !modulated.isEmpty {
      errors.append(
        Diagnostic(
          .error, at: modulated[0].modulators[0].location ?? modulated[0].location,
          "\(format) cannot express modulators (ODE-only effects on \(list(modulated.map(\.id))))", notes: [hint]))
    }
    if !model.events.isEmpty {
      errors.append(
        Diagnostic(
          .error, at: model.events[0].location, "\(format) cannot express events (\(list(model.events.map(\.id))))",
          notes: [hint]))
    }
    if !model.assignments.isEmpty {
      errors.append(
        Diagnostic(
          .error, at: model.assignments[0].location,
          "\(format) cannot express assignments (\(list(model.assignments.map(\.id))))", notes: [hint]))
    }
    if !model.initialAssignments.isEmpty {
      errors.append(
        Diagnostic(
          .error, at: model.initialAssignments[0].location,
          "\(format) cannot express initial assignments (\(list(model.initialAssignments.map(\.target))))",
          notes: [hint]))
    }
    var dropped: [String] = []
    let hill = model.nodes.filter { $0.tau != nil || $0.hillN != nil || $0.hillK != nil }.count
      + model.nodes.flatMap(\.edges).filter { $0.hillN != nil || $0.hillK != nil }.count
    if hill > 0 { dropped.append("τ, n and k (\(hill) settings)") }
    let rates = model.nodes.filter { $0.rateUp != nil || $0.rateDown != nil }.count
    if rates > 0 { dropped.append("rate_up and rate_down (\(rates) node(s))") }
    if !model.parameters.isEmpty { dropped.append("\(model.parameters.count) parameter(s)") }
    let evidence = model.nodes.flatMap(\.edges).filter { !$0.references.isEmpty || !$0.mechanism.isEmpty }.count
    if evidence > 0 { dropped.append("the evidence of \(evidence) edge(s)") }
    if !model.perturbations.isEmpty { dropped.append("\(model.perturbations.count) named perturbation(s)") }
    if model.defaults.equilibrate != nil { dropped.append("defaults.equilibrate") }
    return (errors, dropped)
  }

  /// The model without its continuous parts: rate laws of nodes that have a rule, modulators,
  /// events, assignments, initial assignments and parameters.
  public static func logicOnly(_ model: Model) -> Model {
    var m = model
    for i in m.nodes.indices where m.nodes[i].rule != nil {
      m.nodes[i].rate = nil
    }
    for i in m.nodes.indices { m.nodes[i].modulators = [] }
    m.events = []
    m.assignments = []
    m.initialAssignments = []
    m.parameters = []
    return m
  }

  /// `logicOnly(model)`, and what it dropped, for the notes.
  public static func logicOnlyDropping(_ model: Model) -> (model: Model, dropped: [String]) {
    var dropped: [String] = []
    let rated = model.nodes.filter { $0.rule != nil && $0.rate != nil }.map(\.id)
    if !rated.isEmpty { dropped.append("the rate laws of " + list(rated)) }
    let modulated = model.nodes.filter { !$0.modulators.isEmpty }.map(\.id)
    if !modulated.isEmpty { dropped.append("the modulators of " + list(modulated)) }
    if !model.events.isEmpty { dropped.append("events " + list(model.events.map(\.id))) }
    if !model.assignments.isEmpty { dropped.append("assignments " + list(model.assignments.map(\.id))) }
    if !model.initialAssignments.isEmpty { dropped.append("initial assignments of " + list(model.initialAssignments.map(\.target))) }
    if !model.parameters.isEmpty { dropped.append("parameters " + list(model.parameters.map(\.id))) }
    return (logicOnly(model), dropped)
  }

  private static func list(_ ids: [String]) -> String {
    ids.prefix(6).joined(separator: ", ") + (ids.count > 6 ? ", … \(ids.count) in all" : "")
  }
}
