/// Reads the native model format (YAML), documented in `docs/model-format.md`.
///
/// Every problem is reported with file:line:column, all at once; the model is then validated
/// (`Model.validate()`), so a returned model is safe to compile.
public enum NativeModelReader {
  /// Reads and validates the model in `path`. Missing files throw exit 66, invalid ones exit 65.
  public static func read(path: String) throws(PathwayError) -> Model {
    let text = try InputFile.readText(path)
    return try read(text: text, file: path)
  }

  /// Reads and validates a model from `text`; `file` names it in messages.
  public static func read(text: String, file: String) throws(PathwayError) -> Model {
    let document = try YAMLDocument(text: text, file: file)
    var bag = DiagnosticBag()
    guard let root = document.root, !root.isNull else {
      throw PathwayError(.invalidInput, at: SourceLocation(file: file, line: 1, column: 1), "the model file is empty")
    }
    guard let top = root.mapping(&bag, what: "a model file") else { try bag.throwIfErrors(); fatalError() }
    top.checkKeys(
      ["format", "model", "name", "description", "time_unit", "defaults", "parameters", "nodes", "assignments",
       "perturbations", "references", "notes"],
      in: "a model file", &bag)

    var model = Model(name: "", source: file)
    model.name = top["model"].flatMap { $0.string(&bag, what: "model") }
      ?? top["name"].flatMap { $0.string(&bag, what: "name") } ?? fileStem(file)
    model.description = top["description"].flatMap { $0.string(&bag, what: "description") } ?? ""
    model.timeUnit = top["time_unit"].flatMap { $0.string(&bag, what: "time_unit") }
    model.references = top["references"].flatMap { $0.strings(&bag, what: "references") } ?? []
    if let defaults = top["defaults"] { readDefaults(defaults, into: &model.defaults, &bag) }
    if let parameters = top["parameters"] { model.parameters = readParameters(parameters, &bag) }
    if let nodes = top["nodes"] {
      model.nodes = readNodes(nodes, &bag)
      if model.nodes.isEmpty && bag.errors.isEmpty {
        bag.error(nodes.location, "the model defines no nodes", notes: ["add nodes under 'nodes:'"])
      }
    } else {
      bag.error(root.location, "the model defines no nodes", notes: ["add a 'nodes:' mapping"])
    }
    if let assignments = top["assignments"] { model.assignments = readAssignments(assignments, &bag) }
    if let perturbations = top["perturbations"] {
      model.perturbations = readPerturbations(perturbations, nodes: model.nodes.map(\.id), &bag)
    }
    checkIdentifiers(model, &bag)
    if model.defaults.equilibrate != nil {
      // Equilibration integrates [0, E] and then starts the run at 0 again: a formula of time
      // would see its early times twice.
      let timed = model.nodes.compactMap { n in n.rate.map { (n.id, $0) } } + model.assignments.map { ($0.id, $0.expression) }
      for (id, formula) in timed where formula.expr.variables.contains(Expr.timeName) {
        bag.error(
          formula.origin, "the formula of '\(id)' uses time, which defaults.equilibrate cannot have",
          notes: ["equilibration integrates [0, equilibrate] and restarts the clock at 0; give time courses as scenario stimuli instead"])
      }
    }
    try bag.throwIfErrors()
    try model.validate()
    return model
  }

  /// Names a formula of this format can spell: letters, digits, `_` and `.`, not a keyword, and
  /// not `time` (the simulation time).
  static func checkIdentifiers(_ model: Model, _ bag: inout DiagnosticBag) {
    let definitions = model.nodes.map { ($0.id, "node", $0.location) } + model.parameters.map { ($0.id, "parameter", $0.location) }
      + model.assignments.map { ($0.id, "assignment", $0.location) }
    for (id, what, location) in definitions {
      if Model.reservedNames.contains(id) {
        bag.error(location, "'\(id)' is a reserved name (the simulation time)", notes: ["rename the \(what)"])
      } else if !isValidIdentifier(id) {
        bag.error(location, "'\(id)' is not a valid identifier",
                  notes: ["identifiers start with a letter or '_' and contain letters, digits, '_' and '.'"])
      }
    }
  }

  static func fileStem(_ path: String) -> String { Paths.stem(of: path) }

  private static func readDefaults(_ value: YAMLValue, into defaults: inout Model.Defaults, _ bag: inout DiagnosticBag) {
    guard let entries = value.mapping(&bag, what: "defaults") else { return }
    entries.checkKeys(["tau", "n", "k", "equilibrate"], in: "defaults", &bag)
    if let v = entries["tau"], let x = positive(v, "defaults.tau", &bag) { defaults.tau = x }
    if let v = entries["n"], let x = positive(v, "defaults.n", &bag) { defaults.hillN = x }
    if let v = entries["k"], let x = positive(v, "defaults.k", &bag) { defaults.hillK = x }
    if let v = entries["equilibrate"], let x = positive(v, "defaults.equilibrate", &bag) { defaults.equilibrate = x }
  }

  static func positive(_ value: YAMLValue, _ what: String, _ bag: inout DiagnosticBag) -> Double? {
    guard let x = value.number(&bag, what: what) else { return nil }
    guard x > 0 else {
      bag.error(value.location, "\(what) must be positive, found \(formatNumber(x))")
      return nil
    }
    return x
  }

  /// A flip rate: finite and ≥ 0 (0: the node never flips that way).
  static func rate(_ value: YAMLValue, _ what: String, _ bag: inout DiagnosticBag) -> Double? {
    guard let x = value.number(&bag, what: what) else { return nil }
    guard x >= 0 && x.isFinite else {
      bag.error(value.location, "\(what) must be a finite rate ≥ 0, found \(formatNumber(x))")
      return nil
    }
    return x
  }

  private static func readParameters(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> [Parameter] {
    guard let entries = value.mapping(&bag, what: "parameters") else { return [] }
    var out: [Parameter] = []
    for (id, keyLocation, entry) in entries {
      var parameter = Parameter(id: id, value: 0, location: keyLocation)
      if entry.scalar != nil {
        guard let x = entry.number(&bag, what: "parameter '\(id)'") else { continue }
        parameter.value = x
      } else if let fields = entry.mapping(&bag, what: "parameter '\(id)'") {
        fields.checkKeys(["value", "unit", "description", "reference", "references"], in: "parameter '\(id)'", &bag)
        guard let v = fields["value"] else {
          bag.error(keyLocation, "parameter '\(id)' has no value")
          continue
        }
        guard let x = v.number(&bag, what: "the value of '\(id)'") else { continue }
        parameter.value = x
        parameter.unit = fields["unit"].flatMap { $0.string(&bag, what: "unit") }
        parameter.description = fields["description"].flatMap { $0.string(&bag, what: "description") } ?? ""
      }
      out.append(parameter)
    }
    return out
  }

  private static func readNodes(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> [Node] {
    guard let entries = value.mapping(&bag, what: "nodes") else { return [] }
    var out: [Node] = []
    for (id, keyLocation, entry) in entries {
      var node = Node(id: id, location: keyLocation)
      if entry.isNull {
        out.append(node)
        continue
      }
      guard let fields = entry.mapping(&bag, what: "node '\(id)'") else { continue }
      fields.checkKeys(
        ["kind", "description", "role", "initial", "rule", "rate", "tau", "rate_up", "rate_down", "initial_probability", "n", "k", "edges", "modulators",
         "reference", "references", "unit", "notes"],
        in: "node '\(id)'", &bag)
      if let kind = fields["kind"], let text = kind.string(&bag, what: "kind") {
        if let k = NodeKind(rawValue: text) {
          node.kind = k
        } else {
          bag.error(
            kind.location, "unknown node kind '\(text)'",
            notes: ["a node is one of: " + NodeKind.allCases.map(\.rawValue).joined(separator: ", ")])
        }
      }
      node.description = fields["description"].flatMap { $0.string(&bag, what: "description") } ?? ""
      node.role = fields["role"].flatMap { $0.string(&bag, what: "role") } ?? ""
      node.notes = fields["notes"].flatMap { $0.string(&bag, what: "notes") } ?? ""
      node.unit = fields["unit"].flatMap { $0.string(&bag, what: "unit") }
      if let v = fields["initial"], let x = v.number(&bag, what: "the initial value of '\(id)'") { node.initial = x }
      if let v = fields["rule"] { node.rule = v.expression(&bag, what: "the rule of '\(id)'") }
      if let v = fields["rate"] { node.rate = v.expression(&bag, what: "the rate law of '\(id)'") }
      if let v = fields["tau"] { node.tau = positive(v, "tau of '\(id)'", &bag) }
      if let v = fields["rate_up"] { node.rateUp = rate(v, "rate_up of '\(id)'", &bag) }
      if let v = fields["rate_down"] { node.rateDown = rate(v, "rate_down of '\(id)'", &bag) }
      if let v = fields["initial_probability"], let p = v.number(&bag, what: "initial_probability of '\(id)'") {
        if p >= 0 && p <= 1 {
          node.initialProbability = p
        } else {
          bag.error(v.location, "initial_probability of '\(id)' must lie in [0, 1], found \(formatNumber(p))")
        }
      }
      if let v = fields["n"] { node.hillN = positive(v, "n of '\(id)'", &bag) }
      if let v = fields["k"] { node.hillK = positive(v, "k of '\(id)'", &bag) }
      node.references = readReferences(fields, &bag)
      if let edges = fields["edges"] { node.edges = readEdges(edges, target: id, &bag) }
      if let modulators = fields["modulators"] { node.modulators = readModulators(modulators, target: id, &bag) }
      out.append(node)
    }
    return out
  }

  static func readReferences(
    _ fields: [(key: String, keyLocation: SourceLocation, value: YAMLValue)], _ bag: inout DiagnosticBag
  ) -> [String] {
    var out: [String] = []
    if let v = fields["reference"] { out += v.strings(&bag, what: "reference") ?? [] }
    if let v = fields["references"] { out += v.strings(&bag, what: "references") ?? [] }
    return out
  }

  private static func readSign(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> EdgeSign? {
    guard let text = value.string(&bag, what: "sign") else { return nil }
    switch text.lowercased() {
    case "+", "activation", "activates", "positive": return .activation
    case "-", "−", "inhibition", "inhibits", "negative": return .inhibition
    default:
      bag.error(value.location, "unknown sign '\(text)'", notes: ["a sign is '+' (activation) or '-' (inhibition)"])
      return nil
    }
  }

  private static func readEdges(_ value: YAMLValue, target: String, _ bag: inout DiagnosticBag) -> [Edge] {
    guard let entries = value.mapping(&bag, what: "the edges of '\(target)'") else { return [] }
    var out: [Edge] = []
    for (source, keyLocation, entry) in entries {
      var edge = Edge(source: source, location: keyLocation)
      if entry.isNull {
        out.append(edge)
        continue
      }
      guard let fields = entry.mapping(&bag, what: "edge \(source) → \(target)") else { continue }
      fields.checkKeys(
        ["sign", "n", "k", "mechanism", "stage", "reference", "references", "confidence", "notes"],
        in: "edge \(source) → \(target)", &bag)
      if let v = fields["sign"] { edge.sign = readSign(v, &bag) }
      if let v = fields["n"] { edge.hillN = positive(v, "n of edge \(source) → \(target)", &bag) }
      if let v = fields["k"] { edge.hillK = positive(v, "k of edge \(source) → \(target)", &bag) }
      edge.mechanism = fields["mechanism"].flatMap { $0.string(&bag, what: "mechanism") } ?? ""
      edge.stage = fields["stage"].flatMap { $0.string(&bag, what: "stage") }
      edge.confidence = fields["confidence"].flatMap { $0.string(&bag, what: "confidence") }
      edge.references = readReferences(fields, &bag)
      out.append(edge)
    }
    return out
  }

  private static func readModulators(_ value: YAMLValue, target: String, _ bag: inout DiagnosticBag) -> [Modulator] {
    guard let items = value.sequence(&bag, what: "the modulators of '\(target)'") else { return [] }
    var out: [Modulator] = []
    for item in items {
      guard let fields = item.mapping(&bag, what: "a modulator of '\(target)'") else { continue }
      fields.checkKeys(
        ["from", "sign", "weight", "mechanism", "reference", "references", "confidence", "notes"],
        in: "a modulator of '\(target)'", &bag)
      guard let source = fields["from"].flatMap({ $0.string(&bag, what: "from") }) else {
        bag.error(item.location, "a modulator of '\(target)' needs 'from' (the modulating node)")
        continue
      }
      guard let sign = fields["sign"].flatMap({ readSign($0, &bag) }) else {
        if fields["sign"] == nil { bag.error(item.location, "the modulator \(source) → \(target) needs a 'sign'") }
        continue
      }
      guard let weightValue = fields["weight"], let weight = weightValue.number(&bag, what: "weight") else {
        if fields["weight"] == nil { bag.error(item.location, "the modulator \(source) → \(target) needs a 'weight'") }
        continue
      }
      guard (0...1).contains(weight) else {
        bag.error(weightValue.location, "a modulator weight must be in [0, 1], found \(formatNumber(weight))")
        continue
      }
      out.append(
        Modulator(
          source: source, sign: sign, weight: weight,
          mechanism: fields["mechanism"].flatMap { $0.string(&bag, what: "mechanism") } ?? "",
          references: readReferences(fields, &bag),
          confidence: fields["confidence"].flatMap { $0.string(&bag, what: "confidence") },
          location: fields.first { $0.key == "from" }?.keyLocation ?? item.location))
    }
    return out
  }

  private static func readAssignments(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> [Assignment] {
    guard let entries = value.mapping(&bag, what: "assignments") else { return [] }
    var out: [Assignment] = []
    for (id, keyLocation, entry) in entries {
      if entry.scalar != nil {
        if let e = entry.expression(&bag, what: "assignment '\(id)'") {
          out.append(Assignment(id: id, expression: e, location: keyLocation))
        }
        continue
      }
      guard let fields = entry.mapping(&bag, what: "assignment '\(id)'") else { continue }
      fields.checkKeys(["formula", "unit", "description"], in: "assignment '\(id)'", &bag)
      guard let formula = fields["formula"] else {
        bag.error(keyLocation, "assignment '\(id)' has no formula")
        continue
      }
      guard let e = formula.expression(&bag, what: "the formula of '\(id)'") else { continue }
      out.append(
        Assignment(
          id: id, expression: e, unit: fields["unit"].flatMap { $0.string(&bag, what: "unit") },
          description: fields["description"].flatMap { $0.string(&bag, what: "description") } ?? "",
          location: keyLocation))
    }
    return out
  }

  private static func readPerturbations(
    _ value: YAMLValue, nodes: [String], _ bag: inout DiagnosticBag
  ) -> [NamedPerturbation] {
    guard let entries = value.mapping(&bag, what: "perturbations") else { return [] }
    var out: [NamedPerturbation] = []
    for (name, keyLocation, entry) in entries {
      guard let fields = entry.mapping(&bag, what: "perturbation '\(name)'") else { continue }
      fields.checkKeys(
        ["description", "knockout", "overexpress", "pin", "scale", "reference", "references", "notes"],
        in: "perturbation '\(name)'", &bag)
      var actions: [PerturbationAction] = []
      actions += PerturbationSyntax.read(fields, nodes: nodes, &bag).map(\.action)
      if actions.isEmpty && !bag.hasErrors {
        bag.error(keyLocation, "perturbation '\(name)' does nothing", notes: ["give knockout, overexpress, pin or scale"])
      }
      out.append(
        NamedPerturbation(
          name: name, description: fields["description"].flatMap { $0.string(&bag, what: "description") } ?? "",
          actions: actions, references: readReferences(fields, &bag), location: keyLocation))
    }
    return out
  }
}

/// The perturbation vocabulary shared by model files and scenario files:
/// `knockout: X` or `[X, Y]`, `overexpress: …`, `pin: {X: level}`, `scale: {X: factor}`.
enum PerturbationSyntax {
  /// Reads the actions in `fields`, each with the location of its node name. When `nodes` is
  /// given, a node outside it is a located error (and the action is dropped).
  static func read(
    _ fields: [(key: String, keyLocation: SourceLocation, value: YAMLValue)], nodes: [String]?,
    _ bag: inout DiagnosticBag
  ) -> [LocatedAction] {
    var actions: [LocatedAction] = []
    func add(_ action: PerturbationAction, _ location: SourceLocation) {
      if let nodes, !nodes.contains(action.node) {
        bag.error(
          location, "unknown node '\(action.node)' in a perturbation",
          notes: didYouMean(action.node, among: nodes).map { [$0] } ?? [])
        return
      }
      actions.append(LocatedAction(action: action, location: location))
    }
    for (key, level) in [("knockout", 0.0), ("overexpress", 1.0)] {
      guard let v = fields[key] else { continue }
      let items: [YAMLValue]
      if v.scalar != nil { items = [v] } else { items = v.sequence(&bag, what: key) ?? [] }
      for item in items {
        guard let name = item.string(&bag, what: "each item of \(key)") else { continue }
        add(.pin(node: name, level: level), item.location)
      }
    }
    if let v = fields["pin"], let pins = v.mapping(&bag, what: "pin") {
      for (node, location, level) in pins {
        guard let x = level.number(&bag, what: "the pinned level of '\(node)'") else { continue }
        add(.pin(node: node, level: x), location)
      }
    }
    if let v = fields["scale"], let scales = v.mapping(&bag, what: "scale") {
      for (node, location, factor) in scales {
        guard let x = factor.number(&bag, what: "the production factor of '\(node)'") else { continue }
        guard x >= 0 else {
          bag.error(factor.location, "a production factor must be ≥ 0, found \(formatNumber(x))")
          continue
        }
        add(.scale(node: node, factor: x), location)
      }
    }
    return actions
  }
}

/// A perturbation action with the location of its node name.
public struct LocatedAction: Sendable, Hashable {
  public var action: PerturbationAction
  public var location: SourceLocation?
  public init(action: PerturbationAction, location: SourceLocation?) {
    self.action = action
    self.location = location
  }
}
