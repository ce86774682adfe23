import Foundation

/// Reads Boolean models written in SBML Level 3 with the qual package (SBML-qual), as GINsim,
/// bioLQM, CellCollective, CellNOpt and BoolNet export them, into a `Model` of logical rules.
///
/// - Each `qual:qualitativeSpecies` becomes a node, in document order, its `initialLevel` the
///   initial value. Only Boolean models are read: a `maxLevel` above 1, a threshold or a result
///   level above 1 is refused with the species and the line (exit 65).
/// - Each `qual:transition` gives its outputs a rule: the function terms in order, the first
///   whose math holds giving the result level, the `defaultTerm` otherwise. In the math a
///   species id is its level and a transition input's id its `thresholdLevel`; comparisons of a
///   species with a constant become literals (`A ≥ 1` is `A`, `A == 0` is `!A`). Several
///   transitions with the same output combine by OR (CellNOpt writes one per AND gate).
/// - A species without a transition, a `constant` one without an `initialLevel`, and one whose
///   rule is itself (a self-loop) is an input, as in `BNetReader`; a `constant` species with an
///   `initialLevel` keeps that level (its rule is the constant), as in BoolNet's `loadSBML`. Transition inputs become edges with their
///   sign (`positive` +, `negative` −).
/// - Core reactions, rules or events beside the qual model, `production`/`consumption`
///   transition effects and packages other than qual and layout are refused by name.
public enum SBMLQualReader {
  public static let namespace = "http://www.sbml.org/sbml/level3/version1/qual/version1"

  public static func read(path: String) throws(PathwayError) -> Model {
    let data = try InputFile.readData(path)
    return try read(data: data, file: path)
  }

  public static func read(data: Data, file: String) throws(PathwayError) -> Model {
    let root = try XMLTreeReader.parse(data, file: file)
    var reader = QualImporter(file: file)
    return try reader.run(root)
  }

  /// True when the document's root element declares the qual package namespace (how
  /// `ModelLoader` tells SBML-qual from core SBML without parsing the whole file).
  public static func declaresQual(_ data: Data) -> Bool {
    let head = String(decoding: data.prefix(1 << 16), as: UTF8.self)
    var search = head.startIndex
    // The root element: the first tag that is not a declaration, comment or processing instruction.
    while let open = head[search...].firstIndex(of: "<") {
      let rest = head[open...]
      if rest.hasPrefix("<?") || rest.hasPrefix("<!") {
        guard let close = rest.range(of: rest.hasPrefix("<!--") ? "-->" : ">") else { return false }
        search = close.upperBound
        continue
      }
      let end = rest.firstIndex(of: ">") ?? head.endIndex
      return head[open..<end].contains(namespace)
    }
    return false
  }
}

private struct QualImporter {
  let file: String
  var bag = DiagnosticBag()
  let math: MathMLConverter

  init(file: String) {
    self.file = file
    self.math = MathMLConverter(file: file)
  }

  func location(_ node: XMLNode) -> SourceLocation { node.location(file) }

  /// A qual attribute, whatever prefix the document binds the namespace to (`qual:id`, `id`).
  func attribute(_ node: XMLNode, _ name: String) -> String? {
    if let v = node.attributes[name] { return v }
    for (key, value) in node.attributes where key.hasSuffix(":" + name) { return value }
    return nil
  }

  func children(_ node: XMLNode?, _ list: String, _ item: String) -> [XMLNode] {
    node?.children.first { $0.name == list }?.children.filter { $0.name == item } ?? []
  }

  mutating func integer(_ node: XMLNode, _ name: String) -> Int? {
    guard let text = attribute(node, name) else { return nil }
    guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
      bag.error(location(node), "\(name)=\"\(text)\" is not an integer")
      return nil
    }
    return v
  }

  struct Species {
    var id: String
    var name: String?
    var initial: Int
    var constant: Bool
    /// A constant species with an `initialLevel` keeps that level (as in BoolNet's loadSBML);
    /// a constant one without it is a free input.
    var fixedLevel: Bool
    var node: XMLNode
  }

  mutating func run(_ root: XMLNode) throws(PathwayError) -> Model {
    guard root.name == "sbml" else {
      throw PathwayError(.invalidInput, at: location(root), "not an SBML document (root element <\(root.name)>)")
    }
    guard let model = root.child("model") else {
      throw PathwayError(.invalidInput, at: location(root), "the SBML document has no <model>")
    }
    refuseOtherContent(root, model)
    try bag.throwIfErrors()

    let qualList = model.children.first { $0.name == "listOfQualitativeSpecies" && $0.namespace == SBMLQualReader.namespace }
    let transitionList = model.children.first { $0.name == "listOfTransitions" && $0.namespace == SBMLQualReader.namespace }
    guard let qualList else {
      throw PathwayError(.invalidInput, at: location(model), "the qual model has no qual:listOfQualitativeSpecies")
    }

    // Species.
    var species: [Species] = []
    var index: [String: Int] = [:]
    for s in qualList.children where s.name == "qualitativeSpecies" {
      guard let id = attribute(s, "id") else {
        bag.error(location(s), "a qualitativeSpecies needs an id")
        continue
      }
      if let maxLevel = integer(s, "maxLevel"), maxLevel > 1 {
        bag.error(
          location(s), "multi-valued species '\(id)' (maxLevel \(maxLevel)) is not supported",
          notes: ["only Boolean models (maxLevel 1) are read; booleanise the model (for example with bioLQM) first"])
        continue
      }
      let initial = integer(s, "initialLevel") ?? 0
      if initial > 1 || initial < 0 {
        bag.error(location(s), "species '\(id)' has initialLevel \(initial); a Boolean species is 0 or 1")
      }
      if index[id] != nil {
        bag.error(location(s), "duplicate qualitative species '\(id)'")
        continue
      }
      if !isValidIdentifier(id) || Model.reservedNames.contains(id) {
        let why =
          reservedWords.contains(id) || Model.reservedNames.contains(id)
          ? "'\(id)' is a reserved word of the rule language (and, or, not, xor, true, false, time)"
          : "names start with a letter or '_' and contain letters, digits, '_' and '.'"
        bag.error(location(s), "species id '\(id)' cannot be a node name", notes: [why])
        continue
      }
      index[id] = species.count
      let constant = attribute(s, "constant").map { $0 == "true" || $0 == "1" } ?? false
      species.append(
        Species(
          id: id, name: attribute(s, "name"), initial: min(max(initial, 0), 1), constant: constant,
          fixedLevel: constant && integer(s, "initialLevel") != nil, node: s))
    }
    try bag.throwIfErrors()

    // Transitions: one rule per output, OR-ed over transitions.
    var rules: [String: (expr: Expr, node: XMLNode)] = [:]
    var edges: [String: [Edge]] = [:]
    for transition in transitionList?.children.filter({ $0.name == "transition" }) ?? [] {
      let transitionID = attribute(transition, "id") ?? "transition at line \(transition.line)"
      var thresholds: [String: Double] = [:]
      var inputs: [(species: String, sign: EdgeSign?, node: XMLNode)] = []
      for input in children(transition, "listOfInputs", "input") {
        guard let s = reference(input, "input", transitionID, index, effect: "none",
                                "logical models read inputs without consuming them") else { continue }
        if let threshold = integer(input, "thresholdLevel") {
          if threshold > 1 {
            bag.error(location(input), "threshold \(threshold) on '\(s)' in transition '\(transitionID)' needs a multi-valued species",
                      notes: ["only Boolean models (thresholds 0 and 1) are read"])
          }
          if let id = attribute(input, "id") { thresholds[id] = Double(threshold) }
        }
        let sign: EdgeSign?
        switch attribute(input, "sign") {
        case "positive": sign = .activation
        case "negative": sign = .inhibition
        default: sign = nil
        }
        inputs.append((s, sign, input))
      }
      var outputs: [String] = []
      for output in children(transition, "listOfOutputs", "output") {
        guard let s = reference(output, "output", transitionID, index, effect: "assignmentLevel",
                                "logical models assign the level") else { continue }
        if species[index[s]!].constant {
          bag.error(location(output), "transition '\(transitionID)' sets the constant species '\(s)'")
          continue
        }
        outputs.append(s)
      }
      if outputs.isEmpty {
        bag.error(location(transition), "transition '\(transitionID)' has no output")
        continue
      }
      guard let rule = transitionRule(transition, id: transitionID, thresholds: thresholds, species: index) else { continue }
      for output in outputs {
        if let previous = rules[output] {
          rules[output] = (Self.or(previous.expr, rule), previous.node)
        } else {
          rules[output] = (rule, transition)
        }
        for input in inputs where !(edges[output]?.contains { $0.source == input.species } ?? false) {
          edges[output, default: []].append(Edge(source: input.species, sign: input.sign, location: location(input.node)))
        }
      }
    }
    try bag.throwIfErrors()

    // Nodes.
    var nodes: [Node] = []
    for s in species {
      var node = Node(id: s.id, description: s.name.flatMap { $0 == s.id ? nil : $0 } ?? "", initial: Double(s.initial), location: location(s.node))
      if let entry = rules[s.id], entry.expr != .variable(s.id) {
        let (expr, origin) = (entry.expr, entry.node)
        let parsed = ParsedExpression(
          expr: expr, text: expr.description, origin: location(origin),
          references: expr.variables.map { .init(name: $0, location: location(origin)) })
        node.rule = parsed
        let regulators = Set(expr.variables)
        node.edges = (edges[s.id] ?? []).filter { regulators.contains($0.source) }
      } else if s.fixedLevel {
        let level = Expr.number(Double(s.initial))
        node.rule = ParsedExpression(expr: level, text: level.description, origin: location(s.node), references: [])
      } else {
        node.kind = .input
      }
      nodes.append(node)
    }
    var result = Model(
      name: model.attributes["name"] ?? model.attributes["id"] ?? Paths.stem(of: file), source: file, nodes: nodes)
    if let name = model.attributes["name"], let id = model.attributes["id"], name != id { result.description = name }
    try result.validate()
    return result
  }

  /// The species a transition's input or output names, when it is known and has the effect a
  /// logical model uses (an error otherwise).
  mutating func reference(
    _ node: XMLNode, _ role: String, _ transition: String, _ index: [String: Int], effect expected: String, _ why: String
  ) -> String? {
    guard let s = attribute(node, "qualitativeSpecies"), index[s] != nil else {
      bag.error(location(node), "transition '\(transition)' has an \(role) naming an unknown species '\(attribute(node, "qualitativeSpecies") ?? "")'")
      return nil
    }
    let effect = attribute(node, "transitionEffect") ?? expected
    guard effect == expected else {
      bag.error(location(node), "\(role) effect '\(effect)' of transition '\(transition)' is not supported",
                notes: ["\(why) (transitionEffect=\"\(expected)\")"])
      return nil
    }
    return s
  }

  /// Core dynamics and semantic packages a logical model cannot carry.
  mutating func refuseOtherContent(_ root: XMLNode, _ model: XMLNode) {
    if let level = root.attributes["level"], level != "3" {
      bag.error(location(root), "SBML-qual needs SBML Level 3, found level \(level)")
    }
    for list in ["listOfReactions", "listOfRules", "listOfEvents"] {
      if let node = model.child(list), !node.children.isEmpty {
        bag.error(location(node), "core \(list.dropFirst(6).lowercased()) beside a qual model are not supported",
                  notes: ["a qual model is read as a Boolean network; its dynamics are the transitions"])
      }
    }
    let ignorable: Set<String> = [
      SBMLQualReader.namespace, "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/1999/xhtml",
    ]
    var reported = Set<String>()
    func walk(_ node: XMLNode) {
      if node.name == "annotation" || node.name == "notes" { return }
      let ns = node.namespace
      if !ns.isEmpty && !ns.hasPrefix("http://www.sbml.org/sbml/level3/version1/core")
        && !ns.hasPrefix("http://www.sbml.org/sbml/level3/version2/core") && !ignorable.contains(ns)
      {
        let package = ns.split(separator: "/").dropLast().last.map(String.init) ?? ns
        // Layout and render only draw the network.
        if package != "layout" && package != "render" && reported.insert(package).inserted {
          bag.error(location(node), "unsupported SBML construct: the '\(package)' package in a qual model")
        }
        if package == "layout" || package == "render" { return }
      }
      for child in node.children { walk(child) }
    }
    walk(root)
  }

  /// The Boolean rule of one transition: function terms in order, the default last.
  mutating func transitionRule(_ transition: XMLNode, id: String, thresholds: [String: Double], species: [String: Int]) -> Expr? {
    let terms = transition.children.first { $0.name == "listOfFunctionTerms" }
    guard let terms else {
      bag.error(location(transition), "transition '\(id)' has no qual:listOfFunctionTerms")
      return nil
    }
    guard let defaultTerm = terms.children.first(where: { $0.name == "defaultTerm" }) else {
      bag.error(location(terms), "transition '\(id)' has no qual:defaultTerm")
      return nil
    }
    guard let defaultLevel = level(defaultTerm, transition: id) else { return nil }
    var pieces: [(condition: Expr, level: Int)] = []
    for term in terms.children where term.name == "functionTerm" {
      guard let result = level(term, transition: id) else { return nil }
      guard let m = term.child("math") else {
        bag.error(location(term), "a function term of transition '\(id)' has no math")
        return nil
      }
      let raw: Expr
      do {
        raw = try math.convertMath(m)
      } catch {
        bag.append(contentsOf: error.diagnostics)
        return nil
      }
      for name in raw.variables where thresholds[name] == nil && species[name] == nil {
        bag.error(location(m), "unknown identifier '\(name)' in a function term of transition '\(id)'",
                  notes: ["the math may name qualitative species and the ids of the transition's inputs (their thresholds)"])
        return nil
      }
      let condition = Self.literals(raw.substituting { thresholds[$0].map(Expr.number) }, species: species)
      pieces.append((condition, result))
    }
    // r = c₁ ? l₁ : (c₂ ? l₂ : … default), as a Boolean expression.
    var rule: Expr = .number(Double(defaultLevel))
    for piece in pieces.reversed() {
      if piece.level == 1 {
        rule = Self.or(piece.condition, rule)
      } else {
        rule = Self.and(Self.not(piece.condition), rule)
      }
    }
    return rule
  }

  mutating func level(_ term: XMLNode, transition: String) -> Int? {
    guard let value = integer(term, "resultLevel") else {
      bag.error(location(term), "a function term of transition '\(transition)' has no resultLevel")
      return nil
    }
    guard value == 0 || value == 1 else {
      bag.error(location(term), "result level \(value) in transition '\(transition)' needs a multi-valued species",
                notes: ["only Boolean models (levels 0 and 1) are read"])
      return nil
    }
    return value
  }

  // MARK: - Boolean simplification

  /// Comparisons of a species level (0 or 1) with a constant, as literals or constants.
  static func literals(_ e: Expr, species: [String: Int]) -> Expr {
    switch e {
    case .binary(let op, let a, let b) where op.isComparison:
      var variable: String? = nil, constant: Double? = nil, flipped = false
      if case .variable(let v) = a, species[v] != nil, case .number(let c) = b { (variable, constant) = (v, c) }
      if case .number(let c) = a, case .variable(let v) = b, species[v] != nil { (variable, constant, flipped) = (v, c, true) }
      if let variable, let constant {
        let off = flipped ? op.evaluate(constant, 0) != 0 : op.evaluate(0, constant) != 0
        let on = flipped ? op.evaluate(constant, 1) != 0 : op.evaluate(1, constant) != 0
        switch (off, on) {
        case (false, true): return .variable(variable)
        case (true, false): return .unary(.not, .variable(variable))
        case (true, true): return .one
        case (false, false): return .zero
        }
      }
      return .binary(op, literals(a, species: species), literals(b, species: species))
    case .binary(let op, let a, let b):
      let x = literals(a, species: species), y = literals(b, species: species)
      switch op {
      case .and: return and(x, y)
      case .or: return or(x, y)
      default: return .binary(op, x, y)
      }
    case .unary(.not, let a):
      return not(literals(a, species: species))
    case .unary(let op, let a):
      return .unary(op, literals(a, species: species))
    case .call(let f, let args):
      return .call(f, args.map { literals($0, species: species) })
    default:
      return e
    }
  }

  static func or(_ a: Expr, _ b: Expr) -> Expr {
    if a == .one || b == .one { return .one }
    if a == .zero { return b }
    if b == .zero { return a }
    return .binary(.or, a, b)
  }

  static func and(_ a: Expr, _ b: Expr) -> Expr {
    if a == .zero || b == .zero { return .zero }
    if a == .one { return b }
    if b == .one { return a }
    return .binary(.and, a, b)
  }

  static func not(_ a: Expr) -> Expr {
    if a == .zero { return .one }
    if a == .one { return .zero }
    if case .unary(.not, let inner) = a, MathMLWriter.isBoolean(inner) || isLiteral(inner) { return inner }
    return .unary(.not, a)
  }

  static func isLiteral(_ e: Expr) -> Bool {
    if case .variable = e { return true }
    return false
  }
}
