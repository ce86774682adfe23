/// Semantic checks of a model: every name defined once and known where it is used, rules over
/// nodes only, no cycles among assignments, edges that exist in their rule.
extension Model {
  /// Names with a meaning of their own in rate laws and assignments.
  public static let reservedNames: Set<String> = ["time"]

  /// Throws every semantic problem at once (exit 65); warnings ride along in the error only when
  /// there are errors, and are returned otherwise.
  @discardableResult
  public func validate() throws(PathwayError) -> [Diagnostic] {
    var bag = DiagnosticBag()
    checkDefinitions(&bag)
    let nodeIDs = nodes.map(\.id)
    let nodeSet = Set(nodeIDs)
    let everything = identifiers + [Expr.timeName]
    let everythingSet = Set(everything)

    for node in nodes {
      if node.isInput {
        if let rule = node.rule, rule.expr != .variable(node.id) {
          bag.error(
            rule.origin ?? node.location, "input '\(node.id)' has a rule",
            notes: ["an input's value is the dose a scenario sets; make it 'kind: internal' to give it a rule"])
        }
        if let rate = node.rate {
          bag.error(rate.origin ?? node.location, "input '\(node.id)' has a rate law",
                    notes: ["an input's value is the dose a scenario sets; make it 'kind: internal' to give it a rate"])
        }
      } else if node.rule == nil && node.rate == nil {
        bag.error(
          node.location, "node '\(node.id)' has neither a rule nor a rate law",
          notes: ["give it a 'rule' or a 'rate', or declare 'kind: input' if a scenario sets its value"])
      }
      if let rule = node.rule {
        for reference in rule.references where !nodeSet.contains(reference.name) {
          if everythingSet.contains(reference.name) {
            bag.error(
              reference.location ?? node.location,
              "the rule of '\(node.id)' uses '\(reference.name)', which is not a node",
              notes: ["logical rules are functions of nodes; use parameters in a rate law"])
          } else {
            var notes = didYouMean(reference.name, among: nodeIDs).map { [$0] } ?? []
            if notes.isEmpty { notes = ["known nodes: " + nodeIDs.prefix(12).joined(separator: ", ") + (nodeIDs.count > 12 ? ", …" : "")] }
            bag.error(reference.location ?? node.location, "unknown identifier '\(reference.name)' in the rule of '\(node.id)'", notes: notes)
          }
        }
        if rule.expr.variables.contains(Expr.timeName) {
          bag.error(rule.origin ?? node.location, "the rule of '\(node.id)' uses time",
                    notes: ["logical rules are functions of nodes; use a stimulus in a scenario for time-dependent inputs"])
        }
        if rule.expr.containsDelay {
          bag.error(rule.origin ?? node.location, "the rule of '\(node.id)' uses delay",
                    notes: ["logical rules are functions of the nodes' current values; use delay in a rate law"])
        }
        let regulators = Set(rule.names)
        for edge in node.edges where !regulators.contains(edge.source) {
          bag.error(
            edge.location ?? node.location, "edge \(edge.source) → \(node.id) is not in the rule of '\(node.id)'",
            notes: ["the rule is: \(rule.text)"])
        }
      } else if !node.edges.isEmpty && node.rate == nil {
        bag.error(node.edges[0].location ?? node.location, "node '\(node.id)' lists edges but has no rule")
      }
      if let rate = node.rate {
        checkReferences(rate, in: "the rate law of '\(node.id)'", known: everythingSet, candidates: everything, &bag)
      }
      for modulator in node.modulators {
        if !nodeSet.contains(modulator.source) {
          bag.error(
            modulator.location ?? node.location, "unknown modulator '\(modulator.source)' of '\(node.id)'",
            notes: didYouMean(modulator.source, among: nodeIDs).map { [$0] } ?? [])
        }
        if node.rule == nil || node.rate != nil {
          bag.error(modulator.location ?? node.location,
                    "modulators act on logic-derived nodes; '\(node.id)' has no rule or has a rate law")
        }
      }
    }
    for assignment in assignments {
      checkReferences(
        assignment.expression, in: "assignment '\(assignment.id)'", known: everythingSet, candidates: everything, &bag)
    }
    checkAssignmentCycles(&bag)
    try bag.throwIfErrors()
    return bag.warnings
  }

  private func checkReferences(
    _ expression: ParsedExpression, in what: String, known: Set<String>, candidates: [String],
    _ bag: inout DiagnosticBag
  ) {
    for reference in expression.references where !known.contains(reference.name) {
      bag.error(
        reference.location ?? expression.origin, "unknown identifier '\(reference.name)' in \(what)",
        notes: didYouMean(reference.name, among: candidates).map { [$0] } ?? [])
    }
  }

  private func checkDefinitions(_ bag: inout DiagnosticBag) {
    var first: [String: (String, SourceLocation?)] = [:]
    func define(_ id: String, _ what: String, _ location: SourceLocation?) {
      if id.isEmpty {
        bag.error(location, "an empty identifier (\(what))")
      }
      if let (previousWhat, previousLocation) = first[id] {
        bag.error(
          location, "duplicate definition of '\(id)' (as a \(what))",
          notes: ["first defined as a \(previousWhat)" + (previousLocation.map { " at \($0)" } ?? "")])
      } else {
        first[id] = (what, location)
      }
    }
    // In file order, so that the later of two definitions is the one reported.
    var definitions: [(id: String, what: String, location: SourceLocation?)] = []
    definitions += nodes.map { ($0.id, "node", $0.location) }
    definitions += parameters.map { ($0.id, "parameter", $0.location) }
    definitions += assignments.map { ($0.id, "assignment", $0.location) }
    definitions.sort { a, b in
      (a.location?.line ?? 0, a.location?.column ?? 0) < (b.location?.line ?? 0, b.location?.column ?? 0)
    }
    for definition in definitions { define(definition.id, definition.what, definition.location) }
    var perturbationNames: [String: SourceLocation?] = [:]
    for perturbation in perturbations {
      if let previous = perturbationNames[perturbation.name] {
        bag.error(perturbation.location, "duplicate perturbation '\(perturbation.name)'",
                  notes: previous.map { ["first defined at \($0)"] } ?? [])
      }
      perturbationNames[perturbation.name] = perturbation.location
    }
  }

  /// Assignments may use each other, but not in a cycle.
  private func checkAssignmentCycles(_ bag: inout DiagnosticBag) {
    let ids = Set(assignments.map(\.id))
    var dependencies: [String: [String]] = [:]
    for assignment in assignments {
      dependencies[assignment.id] = assignment.expression.names.filter { ids.contains($0) }
    }
    var state: [String: Int] = [:]  // 1 visiting, 2 done
    var stack: [String] = []
    var reported = false
    func visit(_ id: String) {
      if reported { return }
      if state[id] == 2 { return }
      if state[id] == 1 {
        let cycle = stack[(stack.firstIndex(of: id) ?? 0)...] + [id]
        let location = assignments.first { $0.id == id }?.location
        bag.error(location, "assignments form a cycle: " + cycle.joined(separator: " → "))
        reported = true
        return
      }
      state[id] = 1
      stack.append(id)
      for next in dependencies[id] ?? [] { visit(next) }
      stack.removeLast()
      state[id] = 2
    }
    for assignment in assignments { visit(assignment.id) }
  }

  /// Assignments in an order where each comes after those it uses (the model must be valid).
  public var assignmentsInDependencyOrder: [Assignment] {
    let byID = Dictionary(assignments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    var done = Set<String>()
    var order: [Assignment] = []
    func visit(_ a: Assignment) {
      if done.contains(a.id) { return }
      done.insert(a.id)
      for name in a.expression.names { if let dep = byID[name] { visit(dep) } }
      order.append(a)
    }
    assignments.forEach(visit)
    return order
  }
}

/// True for names the expression language reads as one identifier.
public func isValidIdentifier(_ id: String) -> Bool {
  guard let first = id.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
  return id.unicodeScalars.allSatisfy {
    $0 == "_" || $0 == "." || $0.properties.isAlphabetic || ("0"..."9").contains($0)
  } && !reservedWords.contains(id)
}

/// Words rules read as constants or operators, which therefore cannot name nodes.
public let reservedWords: Set<String> = ["and", "or", "not", "xor", "true", "false", "TRUE", "FALSE", "True", "False"]
