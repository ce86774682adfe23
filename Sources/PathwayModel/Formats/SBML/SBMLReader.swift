import Foundation

/// Reads SBML Level 3 (Versions 1 and 2) core, and Level 2 (Versions 1–5) where it maps one to one,
/// into a `Model` whose species nodes hold amounts.
///
/// Mapping:
/// - A species' node holds its **amount**. In every formula a species id means what SBML says it
///   means: its concentration (amount / compartment size) unless `hasOnlySubstanceUnits`; the
///   reader rewrites the formulas accordingly. Reactions change amounts: dn/dt = Σ stoichiometry ·
///   rate. A rate rule on a concentration becomes dn/dt = f·V + (n/V)·dV/dt.
/// - Constant parameters and compartments become parameters; ones changed by rate rules or
///   events become nodes; assignment rules become assignments; each reaction's kinetic law
///   becomes an assignment named by the reaction id. Local parameters are renamed
///   `reaction.parameter`.
/// - Initial assignments, and initial concentrations (amount = concentration · size), are
///   evaluated at the start of each run; events keep SBML Level 3 semantics (`Event`).
///
/// - Conversion factors (the species' own, else the model's) multiply the reactions' change of a
///   species: dn/dt = f · Σ stoichiometry · rate.
/// - A species reference's id is a symbol holding its stoichiometry: a parameter, or a node or an
///   assignment when a rule or an event changes it; the reactions use the symbol then. Level 2's
///   stoichiometryMath is the stoichiometry at all times.
/// - `rateOf(x)` is the rate of x as formulas see it: the derivative of a species' concentration
///   unless `hasOnlySubstanceUnits`, the chain rule through an assignment rule, 0 for a constant.
///
/// - `delay(x, d)` is the builtin `delay`: runs read it from their history.
///
/// - An algebraic rule 0 = f becomes an assignment rule for the symbol it determines, solved from
///   f when f is affine in it (`solveAlgebraicRules`); other algebraic rules are refused.
///
/// - Hierarchical models (the `comp` package) are flattened into core first (`CompFlattening`):
///   submodel ids read `submodel__id`, as libsbml's flattening names them.
///
/// Unsupported constructs (fast reactions, packages) are refused by name, with their line, all at
/// once (exit 65).
public enum SBMLReader {
  public static func read(path: String) throws(PathwayError) -> Model {
    let data = try InputFile.readData(path)
    return try read(data: data, file: path)
  }

  public static func read(data: Data, file: String) throws(PathwayError) -> Model {
    let root = try flattened(XMLTreeReader.parse(data, file: file), file: file)
    var importer = Importer(file: file)
    return try importer.run(root)
  }

  /// Every unsupported construct of the document, one diagnostic each (empty when supported).
  public static func unsupportedConstructs(path: String) throws(PathwayError) -> [Diagnostic] {
    let root = try flattened(XMLTreeReader.parse(try InputFile.readData(path), file: path), file: path)
    var importer = Importer(file: path)
    return importer.unsupported(root)
  }

  /// The document with its `comp` submodels flattened into SBML core (`CompFlattening`).
  static func flattened(_ root: XMLNode, file: String) throws(PathwayError) -> XMLNode {
    guard root.name == "sbml", root.attributes["level"] == "3", CompFlattening.isUsed(root) else { return root }
    var flattening = CompFlattening(file: file)
    return try flattening.flatten(root)
  }
}

private struct Importer {
  let file: String
  var bag = DiagnosticBag()
  var math: MathMLConverter
  /// Packages declared required="false" whose constructs were skipped (`unsupported`).
  var ignoredPackages = Set<String>()
  var level = 3
  var version = 2

  init(file: String) {
    self.file = file
    self.math = MathMLConverter(file: file)
  }

  // MARK: - Unsupported constructs

  /// Core namespaces: `…/level3/version1/core`, `…/level3/version2/core`, `…/level2` (Version 1)
  /// and `…/level2/version2`–`4` (a package's namespace starts the same way and ends with its own
  /// name and version).
  static func isCore(_ namespace: String) -> Bool {
    namespace.hasPrefix("http://www.sbml.org/sbml/level")
      && (namespace.hasSuffix("/core") || namespace == "http://www.sbml.org/sbml/level2"
        || namespace.hasPrefix("http://www.sbml.org/sbml/level2/"))
  }
  static let mathNamespace = "http://www.w3.org/1998/Math/MathML"

  /// The package a namespace belongs to: `…/level3/version1/comp/version1` → `comp`.
  static func packageName(_ namespace: String) -> String {
    namespace.split(separator: "/").dropLast().last.map(String.init) ?? namespace
  }

  /// Elements of required packages that add no mathematics to the model they sit in, by package,
  /// with the reason. `distrib`: uncertainties describe a value's spread without drawing from it.
  /// (`comp` is flattened into core before this reader looks: `CompFlattening`.)
  static let inertPackageElements: [String: [String: String]] = [
    "distrib": [
      "listOfUncertainties": "uncertainties describe a value's spread; the value itself is what is simulated"
    ],
  ]

  /// Collects every construct this reader refuses, with its location; packages it ignores go to
  /// the warnings.
  ///
  /// A package declared `prefix:required="false"` on `<sbml>` cannot change the model's
  /// mathematics (SBML Level 3 core, §4.1.2): its elements and attributes (layout, render, fbc's
  /// flux bounds, …) are skipped with one warning. A required package, or one the document does not
  /// declare, is refused at its first element or attribute; one declared required but never used
  /// (flattened `comp` models), or used only through elements that add no mathematics
  /// (`inertPackageElements`), leaves a core model and a warning. Package symbols in MathML
  /// (distrib's csymbols) are refused where the math is read.
  mutating func unsupported(_ root: XMLNode) -> [Diagnostic] {
    var found: [Diagnostic] = []
    func refuse(_ node: XMLNode, _ construct: String, _ reason: String, notes: [String] = []) {
      found.append(Diagnostic(.error, at: node.location(file), "unsupported SBML construct: \(construct) (\(reason))", notes: notes))
    }
    // prefix:required on <sbml>, by the namespace the prefix stands for there.
    var requiredByNamespace: [String: (attribute: String, value: Bool)] = [:]
    for (key, value) in root.attributes where key.hasSuffix(":required") {
      let prefix = String(key.dropLast(":required".count))
      guard let namespace = root.declaredPrefixes[prefix] else { continue }
      requiredByNamespace[namespace] = (key, value == "true" || value == "1")
    }
    func isPackage(_ namespace: String) -> Bool {
      !namespace.isEmpty && !Self.isCore(namespace) && namespace != Self.mathNamespace
        && namespace != "http://www.w3.org/1999/xhtml"
    }
    var refusedPackages = Set<String>()
    var inertSeen = Set<String>()
    var usedNamespaces = Set<String>()
    /// Whether a package construct at `node` is refused (once per package) or ignored (warned once).
    func packageConstruct(_ node: XMLNode, namespace: String, what: String) {
      usedNamespaces.insert(namespace)
      let package = Self.packageName(namespace)
      let declaration = requiredByNamespace[namespace]
      if declaration?.value == false {
        if ignoredPackages.insert(package).inserted {
          bag.warning(
            node.location(file),
            "the '\(package)' package is ignored (\(declaration!.attribute)=\"false\": it does not change the model's mathematics)")
        }
      } else if refusedPackages.insert(package).inserted {
        let reason = declaration.map { "\($0.attribute)=\"true\": it changes what the model means; only SBML core is supported" }
        refuse(node, "\(what) of the '\(package)' package", reason ?? "only SBML core is supported")
      }
    }
    func walk(_ node: XMLNode, scope: [String: String], inAnnotation: Bool) {
      let scope = node.declaredPrefixes.isEmpty ? scope : scope.merging(node.declaredPrefixes) { $1 }
      let annotation = inAnnotation || node.name == "annotation" || node.name == "notes"
      if !annotation {
        if isPackage(node.namespace), let why = Self.inertPackageElements[Self.packageName(node.namespace)]?[node.name] {
          // Declarations that give the model no mathematics: skipped whole, said once each.
          usedNamespaces.insert(node.namespace)
          if inertSeen.insert(node.name).inserted {
            bag.warning(node.location(file), "<\(node.name)> of the '\(Self.packageName(node.namespace))' package is ignored: \(why)")
          }
          return
        }
        if isPackage(node.namespace) {
          packageConstruct(node, namespace: node.namespace, what: "element <\(node.name)>")
        }
        // Package attributes on core elements (multi:speciesType, fbc:charge, …).
        for key in node.attributes.keys.filter({ $0.contains(":") }).sorted() {
          let prefix = String(key[..<key.firstIndex(of: ":")!])
          if prefix == "xmlns" || prefix == "xml" || (node === root && key.hasSuffix(":required")) { continue }
          let namespace = scope[prefix] ?? prefix
          if isPackage(namespace) { packageConstruct(node, namespace: namespace, what: "attribute '\(key)'") }
        }
        switch node.name {
        case "reaction" where node.attributes["fast"] == "true":
          refuse(node, "fast reaction '\(node.attributes["id"] ?? "")'", "fast reactions need an algebraic solver")
        default: break
        }
      }
      for child in node.children { walk(child, scope: scope, inAnnotation: annotation) }
    }
    walk(root, scope: [:], inAnnotation: false)
    for (namespace, declaration) in requiredByNamespace.sorted(by: { $0.key < $1.key })
    where declaration.value && !usedNamespaces.contains(namespace) {
      bag.warning(
        root.location(file),
        "the document declares the '\(Self.packageName(namespace))' package required (\(declaration.attribute)=\"true\") but uses none of its elements or attributes; it is read as SBML core")
    }
    return found
  }

  // MARK: - Import

  mutating func run(_ root: XMLNode) throws(PathwayError) -> Model {
    guard root.name == "sbml" else {
      throw PathwayError(.invalidInput, at: root.location(file), "not an SBML document (root element <\(root.name)>)")
    }
    level = Int(root.attributes["level"] ?? "") ?? 0
    version = Int(root.attributes["version"] ?? "") ?? 0
    // Level 2 Versions 1–3 and 5 read as Version 4 does: what they have in common means the same,
    // what Version 4 added (useValuesFromTriggerTime) takes the value the older versions mean, and
    // Version 5 changed no meaning (it clarified the text and relaxed annotation rules).
    guard (level == 3 && (1...2).contains(version)) || (level == 2 && (1...5).contains(version)) else {
      throw PathwayError(
        .invalidInput, at: root.location(file),
        "unsupported SBML level \(level) version \(version)", notes: ["this reader takes Level 3 Versions 1–2 and Level 2 Versions 1–5"]
          + (level == 1 ? ["libsbml (SBMLDocument.setLevelAndVersion) or COPASI converts Level 1 models to Level 3"] : []))
    }
    let refused = unsupported(root)
    if !refused.isEmpty { throw PathwayError(.invalidInput, refused) }
    guard let modelNode = root.child("model") else {
      throw PathwayError(.invalidInput, at: root.location(file), "the SBML document has no <model>")
    }
    return try importModel(modelNode)
  }

  func location(_ node: XMLNode) -> SourceLocation { node.location(file) }

  func bool(_ node: XMLNode, _ attribute: String, default value: Bool) -> Bool {
    guard let text = node.attributes[attribute] else { return value }
    return text == "true" || text == "1"
  }

  mutating func double(_ node: XMLNode, _ attribute: String) -> Double? {
    guard let text = node.attributes[attribute] else { return nil }
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    switch trimmed.uppercased() {
    case "INF", "+INF": return .infinity
    case "-INF": return -.infinity
    case "NAN": return .nan
    default: break
    }
    guard let v = Double(trimmed) else {
      bag.error(location(node), "attribute \(attribute)=\"\(text)\" is not a number")
      return nil
    }
    return v
  }

  /// The operand pairs of every `==` in `e`.
  static func equalities(in e: Expr) -> [(Expr, Expr)] {
    switch e {
    case .number, .variable: return []
    case .unary(_, let a): return equalities(in: a)
    case .binary(let op, let a, let b):
      return (op == .equal ? [(a, b)] : []) + equalities(in: a) + equalities(in: b)
    case .call(_, let args): return args.flatMap { equalities(in: $0) }
    }
  }

  mutating func mathOf(_ node: XMLNode, what: String) throws(PathwayError) -> Expr? {
    guard let m = node.child("math") else { return nil }
    return try math.convertMath(m)
  }

  /// An element's math, or nil with a warning that the element is ignored: Level 3 Version 2
  /// makes math optional and gives an element without it no meaning (the SBML Test Suite's
  /// NoMathML cases expect it ignored); in other levels it is invalid, ignored the same way.
  mutating func mathOrIgnored(_ node: XMLNode, _ what: String) throws(PathwayError) -> Expr? {
    if let e = try mathOf(node, what: what) { return e }
    bag.warning(location(node), "\(what) has no math; it is ignored")
    return nil
  }

  private struct SpeciesRecord {
    var id: String
    var compartment: String
    var amountOnly: Bool
    var boundary: Bool
    var constant: Bool
    /// The parameter whose value multiplies the reactions' change (the species' or the model's).
    var conversionFactor: String?
    var node: XMLNode
  }

  /// `assignmentRule` → "assignment rule", `rateRule` → "rate rule".
  static func ruleName(_ element: String) -> String {
    switch element {
    case "rateRule": return "rate rule"
    case "assignmentRule": return "assignment rule"
    case "algebraicRule": return "algebraic rule"
    default: return element
    }
  }

  /// "an assignment rule" or "an algebraic rule" (the kind of rule that gives a symbol at all times).
  static func article(_ element: String?) -> String {
    element == "algebraicRule" ? "an algebraic rule" : "an assignment rule"
  }

  /// The symbol each algebraic rule 0 = f determines, and its value solved from f: an assignment
  /// rule from then on. SBML's matching (Level 3 Version 2 §4.11.5) pairs every algebraic rule
  /// with a distinct symbol of its math that nothing else determines: not constant, no rule of its
  /// own, and for a species not changed by a reaction (unless a boundary species). Only symbols f
  /// is affine in (a·x + b, a not identically 0) are paired, so that x = −b/a; the matching
  /// (augmenting paths, rules and symbols in document order) is deterministic. Refused, with the
  /// rule's line: a rule nothing is left for, one only non-linear in its free symbols, a symbol
  /// an event or an initial assignment also sets, and rules that determine their symbols only
  /// together (a cycle among the solved assignments).
  mutating func solveAlgebraicRules(
    _ rules: [(expr: Expr, node: XMLNode)], free: (String) -> Bool, eventTargets: Set<String>
  ) -> [(variable: String, expr: Expr, node: XMLNode)] {
    // Each rule's candidates, in order of first appearance, with the rule solved for each.
    var candidates: [[String]] = []
    var solutions: [[String: Expr]] = []
    var nonlinear: [[String]] = []
    for (expr, node) in rules {
      let symbols = expr.variables.filter(free)
      var solution: [String: Expr] = [:]
      for x in symbols where !expr.variables.contains(MathMLConverter.rateOfPlaceholder(x)) {
        solution[x] = expr.solvedForZero(x)
      }
      let solvable = symbols.filter { solution[$0] != nil }
      candidates.append(solvable)
      solutions.append(solution)
      nonlinear.append(symbols.filter { solution[$0] == nil })
      if solvable.isEmpty {
        if let x = symbols.first {
          bag.error(
            location(node), "the algebraic rule is not linear in '\(x)'\(symbols.count > 1 ? " or the other symbols it could determine (\(symbols.dropFirst().joined(separator: ", ")))" : "")",
            notes: ["only algebraic rules of the form a·x + b = 0, with a and b free of x, are solved; write the solution as an assignment rule"])
        } else {
          bag.error(
            location(node), "the algebraic rule determines nothing: every symbol in it is constant or determined by a rule or a reaction",
            notes: ["SBML requires each algebraic rule to determine one non-constant symbol that nothing else determines"])
        }
      }
    }
    // Maximum bipartite matching by augmenting paths.
    var ruleOfSymbol: [String: Int] = [:]
    func augment(_ rule: Int, _ visited: inout Set<String>) -> Bool {
      for x in candidates[rule] where visited.insert(x).inserted {
        if let other = ruleOfSymbol[x], !augment(other, &visited) { continue }
        ruleOfSymbol[x] = rule
        return true
      }
      return false
    }
    for rule in rules.indices where !candidates[rule].isEmpty {
      var visited = Set<String>()
      if !augment(rule, &visited) {
        bag.error(
          location(rules[rule].node),
          "the algebraic rule has no symbol left to determine: \(candidates[rule].map { "'\($0)'" }.joined(separator: ", ")) \(candidates[rule].count == 1 ? "is" : "are") determined by other algebraic rules",
          notes: nonlinear[rule].isEmpty
            ? ["the model is overdetermined"]
            : ["it is not linear in \(nonlinear[rule].map { "'\($0)'" }.joined(separator: ", ")), which it might determine; only a·x + b = 0 is solved"])
      }
    }
    var solved: [(variable: String, expr: Expr, node: XMLNode)] = []
    for (x, rule) in ruleOfSymbol.sorted(by: { $0.value < $1.value }) {
      let node = rules[rule].node
      // Another free symbol of the rule that no rule determines would do as well: say which.
      let others = candidates[rule].filter { ruleOfSymbol[$0] == nil }
      if !others.isEmpty {
        bag.warning(
          location(node),
          "the algebraic rule could determine '\(x)' or \(others.map { "'\($0)'" }.joined(separator: ", ")); it determines '\(x)', the first it names, and the others keep their values",
          notes: ["declare the symbols that do not change constant=\"true\", or write the rule as an assignment rule"])
      }
      if eventTargets.contains(x) {
        bag.error(location(node), "the algebraic rule determines '\(x)', which an event also assigns")
      }
      solved.append((x, solutions[rule][x]!, node))
    }
    // Rules that can only be solved together: a cycle among the solutions.
    let solvedSymbols = Set(solved.map(\.variable))
    let reads = Dictionary(uniqueKeysWithValues: solved.map { ($0.variable, $0.expr.variables.filter(solvedSymbols.contains)) })
    var done = Set<String>()
    var path: [String] = []
    func cycle(from x: String) -> [String]? {
      if let i = path.firstIndex(of: x) { return Array(path[i...]) }
      if done.contains(x) { return nil }
      path.append(x)
      defer { path.removeLast(); done.insert(x) }
      for y in reads[x, default: []] { if let c = cycle(from: y) { return c } }
      return nil
    }
    for rule in solved {
      guard let symbols = cycle(from: rule.variable) else { continue }
      bag.error(
        location(rule.node), "the algebraic rules determining \(symbols.map { "'\($0)'" }.joined(separator: ", ")) must be solved simultaneously",
        notes: ["only algebraic rules that can be solved one after another are supported; write the solution as assignment rules"])
      break
    }
    return solved
  }

  /// SBML's rules about what a rule or an event may assign: never a constant symbol, no initial
  /// assignment or event assignment to a symbol an assignment rule gives at all times (one rule
  /// per symbol is checked where the rules are read). `constant` names the kind of a constant
  /// symbol (nil otherwise).
  mutating func validateTargets(
    rules: [String: XMLNode], eventAssignments: [XMLNode], assignedByRule: Set<String>, initialAssignments: [XMLNode],
    constant: (String) -> String?
  ) {
    for (variable, rule) in rules.sorted(by: { $0.value.line < $1.value.line }) {
      if let kind = constant(variable) {
        bag.error(
          location(rule), "the \(Self.ruleName(rule.name)) of \(kind) '\(variable)' changes it, but it is declared constant=\"true\"",
          notes: ["declare it constant=\"false\""])
      }
    }
    for a in eventAssignments {
      guard let variable = a.attributes["variable"] else { continue }
      if let kind = constant(variable) {
        bag.error(
          location(a), "an event assigns to \(kind) '\(variable)', which is declared constant=\"true\"",
          notes: ["declare it constant=\"false\""])
      } else if assignedByRule.contains(variable) {
        bag.error(location(a), "an event assigns to '\(variable)', which \(Self.article(rules[variable]?.name)) defines at all times")
      }
    }
    for ia in initialAssignments {
      guard let symbol = ia.attributes["symbol"], assignedByRule.contains(symbol) else { continue }
      bag.error(location(ia), "an initial assignment to '\(symbol)', which \(Self.article(rules[symbol]?.name)) defines at all times")
    }
  }

  mutating func importModel(_ model: XMLNode) throws(PathwayError) -> Model {
    var result = Model(name: model.attributes["id"] ?? model.attributes["name"] ?? Paths.stem(of: file), source: file)
    result.description = model.attributes["name"] ?? ""
    // Units, for the manifest and figures (documentation only; nothing is converted).
    let units = SBMLUnits(model: model, level: level)
    result.timeUnit = units.time

    // Function definitions (inlined wherever they are called), in dependency order.
    var pendingFunctions = model.list("listOfFunctionDefinitions", "functionDefinition")
    while !pendingFunctions.isEmpty {
      var progress = false
      var lastError: PathwayError? = nil
      var remaining: [XMLNode] = []
      for definition in pendingFunctions {
        guard let id = definition.attributes["id"], let m = definition.child("math") else {
          throw PathwayError(.invalidInput, at: location(definition), "a function definition needs an id and <math>")
        }
        do {
          let (parameters, body) = try math.lambda(m)
          math.functions[id] = (parameters, body)
          progress = true
        } catch {
          lastError = error
          remaining.append(definition)
        }
      }
      if !progress { throw lastError! }
      pendingFunctions = remaining
    }

    // Symbols.
    var compartments: [String: (node: XMLNode, constant: Bool, size: Double?, dimensions: Double)] = [:]
    var compartmentOrder: [String] = []
    for c in model.list("listOfCompartments", "compartment") {
      guard let id = c.attributes["id"] else { bag.error(location(c), "a compartment needs an id"); continue }
      let dimensions = double(c, "spatialDimensions") ?? 3
      let constant = bool(c, "constant", default: true)
      compartments[id] = (c, constant, double(c, "size") ?? double(c, "volume"), dimensions)
      compartmentOrder.append(id)
    }
    var species: [SpeciesRecord] = []
    for s in model.list("listOfSpecies", "species") {
      guard let id = s.attributes["id"], let compartment = s.attributes["compartment"] else {
        bag.error(location(s), "a species needs an id and a compartment")
        continue
      }
      if compartments[compartment] == nil {
        bag.error(location(s), "species '\(id)' is in an unknown compartment '\(compartment)'")
        continue
      }
      species.append(
        SpeciesRecord(
          id: id, compartment: compartment, amountOnly: bool(s, "hasOnlySubstanceUnits", default: false),
          boundary: bool(s, "boundaryCondition", default: false), constant: bool(s, "constant", default: false),
          conversionFactor: s.attributes["conversionFactor"] ?? model.attributes["conversionFactor"], node: s))
    }
    var parameters: [(id: String, node: XMLNode, value: Double?, constant: Bool, description: String?)] = []
    for p in model.list("listOfParameters", "parameter") {
      guard let id = p.attributes["id"] else { bag.error(location(p), "a parameter needs an id"); continue }
      parameters.append((id, p, double(p, "value"), bool(p, "constant", default: level == 2), nil))
    }
    let parameterIDs = Set(parameters.map(\.id))
    if let factor = model.attributes["conversionFactor"], !parameterIDs.contains(factor) {
      bag.error(location(model), "the model's conversion factor '\(factor)' is not a parameter of the model")
    }
    for s in species {
      if let factor = s.node.attributes["conversionFactor"], !parameterIDs.contains(factor) {
        bag.error(location(s.node), "the conversion factor '\(factor)' of species '\(s.id)' is not a parameter of the model")
      }
    }
    // A species reference's id names its stoichiometry: a symbol like a parameter (Level 3
    // declares it constant or not; without a stoichiometry or anything assigning one it is 1).
    for reaction in model.list("listOfReactions", "reaction") {
      for list in ["listOfReactants", "listOfProducts"] {
        for reference in reaction.list(list, "speciesReference") {
          guard let id = reference.attributes["id"] else { continue }
          parameters.append(
            (id, reference, double(reference, "stoichiometry") ?? 1, bool(reference, "constant", default: level == 2),
             "stoichiometry of \(reference.attributes["species"] ?? "?") in \(reaction.attributes["id"] ?? "?")"))
        }
      }
    }
    try bag.throwIfErrors()

    // Rules and event targets decide which symbols are states.
    var assignmentRules: [(variable: String, expr: Expr, node: XMLNode)] = []
    var rateRules: [String: (expr: Expr, node: XMLNode)] = [:]
    var ruleOf: [String: XMLNode] = [:]
    var algebraicRules: [(expr: Expr, node: XMLNode)] = []
    for rule in model.child("listOfRules")?.children ?? [] {
      if rule.name == "algebraicRule" {
        if let expr = try mathOrIgnored(rule, "an algebraic rule") { algebraicRules.append((expr, rule)) }
        continue
      }
      guard let variable = rule.attributes["variable"] else { continue }
      guard rule.child("math") != nil else {
        _ = try mathOrIgnored(rule, "the \(Self.ruleName(rule.name)) for '\(variable)'")
        continue
      }
      if let first = ruleOf[variable] {
        bag.error(
          location(rule), "'\(variable)' has a second rule (\(rule.name == "assignmentRule" ? "an" : "a") \(Self.ruleName(rule.name)) after the \(Self.ruleName(first.name)) on line \(first.line)); SBML allows one rule per symbol")
        continue
      }
      ruleOf[variable] = rule
      guard let expr = try mathOf(rule, what: rule.name) else {
        bag.error(location(rule), "the \(rule.name) for '\(variable)' has no math")
        continue
      }
      if rule.name == "assignmentRule" { assignmentRules.append((variable, expr, rule)) }
      if rule.name == "rateRule" { rateRules[variable] = (expr, rule) }
    }
    var eventTargets = Set<String>()
    var eventAssignmentNodes: [XMLNode] = []
    for event in model.list("listOfEvents", "event") {
      for a in event.list("listOfEventAssignments", "eventAssignment") {
        if let v = a.attributes["variable"] {
          eventTargets.insert(v)
          eventAssignmentNodes.append(a)
        }
      }
    }
    if !algebraicRules.isEmpty {
      var reacting = Set<String>()
      for reaction in model.list("listOfReactions", "reaction") {
        for list in ["listOfReactants", "listOfProducts"] {
          reacting.formUnion(reaction.list(list, "speciesReference").compactMap { $0.attributes["species"] })
        }
      }
      let free = { (id: String) -> Bool in
        if ruleOf[id] != nil { return false }
        if let c = compartments[id] { return !c.constant }
        if let sp = species.first(where: { $0.id == id }) { return !sp.constant && (sp.boundary || !reacting.contains(id)) }
        if let p = parameters.first(where: { $0.id == id }) { return !p.constant }
        return false
      }
      for rule in solveAlgebraicRules(algebraicRules, free: free, eventTargets: eventTargets) {
        assignmentRules.append(rule)
        ruleOf[rule.variable] = rule.node
      }
    }
    let assignedByRule = Set(assignmentRules.map(\.variable))
    let initialAssignmentNodes = model.list("listOfInitialAssignments", "initialAssignment").filter { $0.child("math") != nil }
    validateTargets(
      rules: ruleOf, eventAssignments: eventAssignmentNodes, assignedByRule: assignedByRule,
      initialAssignments: initialAssignmentNodes,
      constant: { id in
        if let c = compartments[id] { return c.constant ? "compartment" : nil }
        if let sp = species.first(where: { $0.id == id }) { return sp.constant ? "species" : nil }
        if let p = parameters.first(where: { $0.id == id }) {
          return p.constant ? (p.description == nil ? "parameter" : "species reference") : nil
        }
        return nil
      })
    // Values that nothing gives: SBML Level 3 has no defaults.
    let initiallyAssigned = Set(initialAssignmentNodes.compactMap { $0.attributes["symbol"] })
    for p in parameters where p.value == nil && !assignedByRule.contains(p.id) && !initiallyAssigned.contains(p.id) {
      bag.error(
        location(p.node), "parameter '\(p.id)' has no value, and no initial assignment or assignment rule gives one",
        notes: ["give it a value=\"…\" attribute"])
    }
    for id in compartmentOrder {
      let c = compartments[id]!
      if c.size == nil && !assignedByRule.contains(id) && !initiallyAssigned.contains(id) {
        bag.warning(location(c.node), "compartment '\(id)' has no size, and nothing assigns one; it is taken as 1 (as libRoadRunner and COPASI do)")
      }
    }
    for sp in species
    where sp.node.attributes["initialAmount"] == nil && sp.node.attributes["initialConcentration"] == nil
      && !assignedByRule.contains(sp.id) && !initiallyAssigned.contains(sp.id)
    {
      bag.warning(location(sp.node), "species '\(sp.id)' has no initial amount or concentration, and nothing assigns one; it starts at 0")
    }

    // Concentration rewriting: a species id in math means amount / size unless hasOnlySubstanceUnits.
    var concentrationOf: [String: Expr] = [:]
    for s in species where !s.amountOnly {
      concentrationOf[s.id] = .binary(.divide, .variable(s.id), .variable(s.compartment))
    }
    var localNames: [String: String] = [:]
    func rewrite(_ e: Expr) -> Expr {
      e.substituting { name in
        if let local = localNames[name] { return .variable(local) }
        // A local parameter shadows a global one, and is constant.
        if let symbol = MathMLConverter.rateOfSymbol(name), localNames[symbol] != nil { return .zero }
        return concentrationOf[name]
      }
    }
    func parsed(_ e: Expr, _ node: XMLNode) -> ParsedExpression {
      // Each name is located at its first <ci> inside the element (names the reader introduced,
      // such as a compartment for a concentration, at the element itself).
      var ciLocations: [String: SourceLocation] = [:]
      func scan(_ n: XMLNode) {
        if n.name == "ci" {
          let name = n.text.trimmingCharacters(in: .whitespacesAndNewlines)
          if ciLocations[name] == nil { ciLocations[name] = location(n) }
        }
        n.children.forEach(scan)
      }
      scan(node)
      return ParsedExpression(
        expr: e, text: e.description, origin: location(node),
        references: e.variables.map { name in
          let local = localNames.first { $0.value == name }?.key
          return .init(name: name, location: ciLocations[name] ?? local.flatMap { ciLocations[$0] } ?? location(node))
        })
    }
    /// An expression in concentration units, as an amount for species `s`.
    func asAmount(_ e: Expr, species s: SpeciesRecord) -> Expr {
      if s.amountOnly { return e }
      return .binary(.multiply, e, .variable(s.compartment))
    }

    // Reactions: kinetic laws as assignments named by the reaction, stoichiometries per species.
    var reactionRates: [(id: String, expr: Expr, node: XMLNode)] = []
    var withoutLaw: [(id: String, node: XMLNode)] = []
    var change: [String: [(stoichiometry: Expr, reaction: String)]] = [:]
    // Stoichiometries a rule, an event or an initial assignment gives: the reactions use the symbol.
    let assignedStoichiometries = assignedByRule.union(rateRules.keys).union(eventTargets).union(initiallyAssigned)
    for reaction in model.list("listOfReactions", "reaction") {
      guard let id = reaction.attributes["id"] else { bag.error(location(reaction), "a reaction needs an id"); continue }
      localNames = [:]
      if let law = reaction.child("kineticLaw") {
        let locals = law.list("listOfLocalParameters", "localParameter") + law.list("listOfParameters", "parameter")
        for local in locals {
          guard let localID = local.attributes["id"] else { continue }
          let qualified = "\(id).\(localID)"
          localNames[localID] = qualified
          result.parameters.append(
            Parameter(id: qualified, value: double(local, "value") ?? .nan, unit: units.label(local.attributes["units"]),
                      description: "local parameter of \(id)", location: location(local)))
        }
        // Without math the reaction has no rate: 0, as without a kinetic law.
        reactionRates.append((id, try mathOrIgnored(law, "the kinetic law of '\(id)'").map(rewrite) ?? .zero, law))
      } else {
        reactionRates.append((id, .zero, reaction))
        withoutLaw.append((id, reaction))
      }
      localNames = [:]
      for (list, sign) in [("listOfReactants", -1.0), ("listOfProducts", 1.0)] {
        for reference in reaction.list(list, "speciesReference") {
          guard let s = reference.attributes["species"] else { continue }
          guard species.contains(where: { $0.id == s }) else {
            bag.error(location(reference), "reaction '\(id)' refers to an unknown species '\(s)'")
            continue
          }
          let stoichiometry: Expr
          if let stoichiometryMath = reference.child("stoichiometryMath") {
            // Level 2: the stoichiometry at all times.
            guard let e = try mathOf(stoichiometryMath, what: "stoichiometryMath") else {
              bag.error(location(stoichiometryMath), "a stoichiometryMath needs <math>")
              continue
            }
            stoichiometry = sign < 0 ? .unary(.negate, rewrite(e)) : rewrite(e)
          } else if let referenceID = reference.attributes["id"], assignedStoichiometries.contains(referenceID) {
            stoichiometry = sign < 0 ? .unary(.negate, .variable(referenceID)) : .variable(referenceID)
          } else {
            stoichiometry = .number(sign * (double(reference, "stoichiometry") ?? 1))
          }
          change[s, default: []].append((stoichiometry, id))
        }
      }
      for modifier in reaction.list("listOfModifiers", "modifierSpeciesReference") {
        if let s = modifier.attributes["species"], !species.contains(where: { $0.id == s }) {
          bag.error(location(modifier), "reaction '\(id)' has an unknown modifier '\(s)'")
        }
      }
    }
    // SBML makes the kinetic law optional; without one a reaction has no rate (0), said once.
    if let first = withoutLaw.first {
      let names = withoutLaw.prefix(4).map { "'\($0.id)'" }.joined(separator: ", ") + (withoutLaw.count > 4 ? ", …" : "")
      bag.warning(
        location(first.node),
        withoutLaw.count == 1
          ? "reaction \(names) has no kinetic law; its rate is 0"
          : "\(withoutLaw.count) reactions have no kinetic law (\(names)); their rates are 0",
        notes: ignoredPackages.contains("fbc")
          ? ["the model carries flux balance constraints (fbc): it is meant for flux balance analysis (cobrapy, the COBRA Toolbox), not for time courses"]
          : [])
    }

    // Nodes and parameters.
    var nodes: [Node] = []
    var assignments: [Assignment] = []
    var initialAssignments: [InitialAssignment] = []
    func rateOfSize(_ c: String) -> Expr {
      if let rule = rateRules[c] { return rewrite(rule.expr) }
      return .zero
    }
    /// [S]·dV/dt for a species in concentration whose compartment size changes at rate dV.
    func dilution(_ s: SpeciesRecord, _ dV: Expr) -> Expr {
      .binary(.multiply, .binary(.divide, .variable(s.id), .variable(s.compartment)), dV)
    }
    // Species nodes (by index) under a rate rule in concentration, in a compartment whose size an
    // assignment rule gives.
    var dilutedByAssignedSize: [Int] = []
    for id in compartmentOrder {
      let c = compartments[id]!
      let size = c.size ?? 1
      if assignedByRule.contains(id) { continue }
      if rateRules[id] != nil || eventTargets.contains(id) || !c.constant {
        nodes.append(Node(id: id, description: "compartment", initial: size, rate: parsed(rateOfSize(id), c.node), location: location(c.node)))
      } else {
        result.parameters.append(Parameter(id: id, value: size, description: "compartment size", location: location(c.node)))
      }
    }
    for s in species {
      let c = compartments[s.compartment]!
      var initial = 0.0
      if let amount = double(s.node, "initialAmount") {
        initial = amount
      } else if let concentration = double(s.node, "initialConcentration") {
        // amount = concentration × size, evaluated when the run starts (the size may be assigned);
        // a species an assignment rule gives has the rule's value from the start instead.
        initial = concentration * (c.size ?? 1)
        if !assignedByRule.contains(s.id) {
          initialAssignments.append(
          InitialAssignment(
            target: s.id, expression: parsed(.binary(.multiply, .number(concentration), .variable(s.compartment)), s.node),
            location: location(s.node)))
        }
      }
      if let rule = ruleOf[s.id], !s.boundary, let reaction = change[s.id]?.first?.1 {
        bag.error(
          location(rule), "species '\(s.id)' is changed both by its \(Self.ruleName(rule.name)) and by reaction '\(reaction)'",
          notes: ["SBML lets a rule govern a reacting species only when it has boundaryCondition=\"true\""])
      }
      if s.constant && !s.boundary, let reaction = change[s.id]?.first?.1 {
        bag.error(
          location(s.node), "species '\(s.id)' is declared constant=\"true\" but reaction '\(reaction)' changes it",
          notes: ["a constant species in a reaction needs boundaryCondition=\"true\""])
      }
      if assignedByRule.contains(s.id) { continue }
      var rate: Expr = .zero
      if let rule = rateRules[s.id] {
        let f = rewrite(rule.expr)
        if s.amountOnly {
          rate = f
        } else {
          // n = [S]·V: dn/dt = d[S]/dt·V + [S]·dV/dt.
          rate = .binary(.multiply, f, .variable(s.compartment))
          if assignedByRule.contains(s.compartment) {
            // dV/dt of an assigned size needs every other rate: added once they are all known.
            dilutedByAssignedSize.append(nodes.count)
          } else {
            let dV = rateOfSize(s.compartment)
            if dV != .zero { rate = .binary(.add, rate, dilution(s, dV)) }
          }
        }
      } else if !s.boundary && !s.constant {
        for (stoichiometry, reaction) in change[s.id] ?? [] {
          // A consumed species (stoichiometry −1) subtracts the rate: the same value as adding
          // −1 · rate, one operation fewer in every evaluation.
          if stoichiometry == .number(-1) {
            rate = rate == .zero ? .unary(.negate, .variable(reaction)) : .binary(.subtract, rate, .variable(reaction))
            continue
          }
          let term: Expr = stoichiometry == .one ? .variable(reaction) : .binary(.multiply, stoichiometry, .variable(reaction))
          rate = rate == .zero ? term : .binary(.add, rate, term)
        }
        if let factor = s.conversionFactor, rate != .zero { rate = .binary(.multiply, .variable(factor), rate) }
      }
      nodes.append(
        Node(id: s.id, description: "species in \(s.compartment)", initial: initial, rate: parsed(rate, s.node), location: location(s.node)))
      result.species.append(SpeciesInfo(id: s.id, compartment: s.compartment, reportsAmount: s.amountOnly))
    }
    for s in species where assignedByRule.contains(s.id) {
      result.species.append(SpeciesInfo(id: s.id, compartment: s.compartment, reportsAmount: s.amountOnly))
    }
    for p in parameters {
      if assignedByRule.contains(p.id) { continue }
      if rateRules[p.id] != nil || eventTargets.contains(p.id) || !p.constant {
        nodes.append(
          Node(id: p.id, description: p.description ?? "parameter", initial: p.value ?? .nan, rate: parsed(rateOfSize(p.id), p.node),
               location: location(p.node)))
      } else {
        result.parameters.append(Parameter(id: p.id, value: p.value ?? .nan, description: p.description ?? "", location: location(p.node)))
      }
    }
    // Assignment rules (species in amounts), then reaction rates.
    for rule in assignmentRules {
      var expr = rewrite(rule.expr)
      if let s = species.first(where: { $0.id == rule.variable }) { expr = asAmount(expr, species: s) }
      assignments.append(Assignment(id: rule.variable, expression: parsed(expr, rule.node), location: location(rule.node)))
    }
    for (id, expr, node) in reactionRates {
      assignments.append(
        Assignment(id: id, expression: parsed(expr, node), unit: units.reactionRate, description: "rate of reaction \(id)",
                   location: location(node)))
    }
    // dV/dt of a size given by an assignment rule, by the chain rule over the rule's symbols:
    // time, states (their rates) and other assignments (recursively); constants contribute nothing.
    if !dilutedByAssignedSize.isEmpty {
      let rates = Dictionary(nodes.map { ($0.id, $0.rate?.expr ?? .zero) }, uniquingKeysWith: { a, _ in a })
      let rules = Dictionary(assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
      let pending = Set(dilutedByAssignedSize.map { nodes[$0].id })
      func timeDerivative(_ e: Expr, _ visiting: Set<String>) -> Expr? {
        Self.timeDerivative(e, rates: rates, rules: rules, unknown: pending, visiting: visiting)
      }
      for index in dilutedByAssignedSize {
        guard let s = species.first(where: { $0.id == nodes[index].id }), let rule = rateRules[s.id],
          let sizeRule = rules[s.compartment], let rate = nodes[index].rate?.expr
        else { continue }
        guard let dV = timeDerivative(sizeRule, [s.compartment]) else {
          bag.error(
            location(rule.node),
            "the rate rule of '\(s.id)' (a concentration) needs d\(s.compartment)/dt, but the assignment rule of '\(s.compartment)' cannot be differentiated in time here")
          continue
        }
        if dV != .zero { nodes[index].rate = parsed(.binary(.add, rate, dilution(s, dV)), rule.node) }
      }
    }
    // Rate rules on symbols that are neither species, compartments nor parameters.
    let known = Set(compartmentOrder + species.map(\.id) + parameters.map(\.id))
    for (variable, rule) in rateRules where !known.contains(variable) {
      bag.error(location(rule.node), "a rate rule for an unknown symbol '\(variable)'")
    }

    // Initial assignments (species in amounts).
    for ia in model.list("listOfInitialAssignments", "initialAssignment") {
      guard let symbol = ia.attributes["symbol"] else {
        bag.error(location(ia), "an initial assignment needs a symbol")
        continue
      }
      guard let e = try mathOrIgnored(ia, "the initial assignment to '\(symbol)'") else { continue }
      var expr = rewrite(e)
      if let s = species.first(where: { $0.id == symbol }) { expr = asAmount(expr, species: s) }
      initialAssignments.removeAll { $0.target == symbol }
      initialAssignments.append(InitialAssignment(target: symbol, expression: parsed(expr, ia), location: location(ia)))
    }

    // Events.
    var events: [Event] = []
    // Symbols that change continuously (for the equality-trigger warning below).
    let changing = Set(nodes.map(\.id)).union(assignments.map(\.id))
    for (index, event) in model.list("listOfEvents", "event").enumerated() {
      let id = event.attributes["id"] ?? "event\(index + 1)"
      // Level 3 Version 2 allows an event without a trigger (or without trigger math): it never fires.
      guard let triggerNode = event.child("trigger"), let trigger = try mathOf(triggerNode, what: "trigger") else {
        bag.warning(location(event), "event '\(id)' has no trigger; it never fires")
        continue
      }
      var e = Event(
        id: id, trigger: parsed(rewrite(trigger), triggerNode),
        initialValue: bool(triggerNode, "initialValue", default: true),
        persistent: bool(triggerNode, "persistent", default: true),
        useValuesFromTriggerTime: bool(event, "useValuesFromTriggerTime", default: true),
        assignments: [], location: location(event))
      if let delayNode = event.child("delay"), let delay = try mathOrIgnored(delayNode, "the delay of event '\(id)'") {
        e.delay = parsed(rewrite(delay), delayNode)
      }
      if let priorityNode = event.child("priority"),
        let priority = try mathOrIgnored(priorityNode, "the priority of event '\(id)'")
      {
        e.priority = parsed(rewrite(priority), priorityNode)
      }
      for a in event.list("listOfEventAssignments", "eventAssignment") {
        guard let variable = a.attributes["variable"] else { continue }
        guard let value = try mathOrIgnored(a, "the assignment to '\(variable)' of event '\(id)'") else { continue }
        // A concentration becomes an amount with the compartment size at execution time.
        let s = species.first(where: { $0.id == variable })
        let multiplier = s.flatMap { $0.amountOnly ? nil : $0.compartment }
        e.assignments.append(EventAssignment(target: variable, expression: parsed(rewrite(value), a), multiplier: multiplier))
      }
      events.append(e)
      // An equality on a quantity that changes continuously is true at isolated instants that
      // a step almost never ends on. (Equalities on time alone are breakpoints the integration
      // stops at exactly, and fire.)
      for (a, b) in Self.equalities(in: trigger) {
        let symbols = Set(a.variables + b.variables).subtracting([Expr.timeName])
        guard let name = symbols.sorted().first(where: { changing.contains($0) }) else { continue }
        bag.warning(
          location(triggerNode),
          "event '\(id)': its trigger tests an equality on '\(name)', which changes continuously; "
            + "it fires only when a step ends exactly where both sides are equal",
          notes: ["to fire on a crossing, compare with >= or <= instead"])
      }
    }

    try bag.throwIfErrors()
    // rateOf(x): every placeholder replaced by x's rate, now that all rates are known.
    do {
      let rates = Dictionary(nodes.map { ($0.id, $0.rate?.expr ?? .zero) }, uniquingKeysWith: { a, _ in a })
      let rules = Dictionary(assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
      let concentrationSpecies = Dictionary(
        species.filter { !$0.amountOnly }.map { ($0.id, $0.compartment) }, uniquingKeysWith: { a, _ in a })
      let reactionIDs = Set(reactionRates.map(\.id))
      let rateSymbols = Set(compartmentOrder + species.map(\.id) + parameters.map(\.id))
      var resolved: [String: Expr] = [:]
      var failures: [String: String] = [:]
      // d/dt of x as formulas see it (a concentration for a species unless hasOnlySubstanceUnits).
      func rateOf(_ x: String, _ visiting: [String]) -> Expr? {
        if let done = resolved[x] { return done }
        if failures[x] != nil { return nil }
        if visiting.contains(x) {
          failures[x] = "rateOf(\(x)) depends on itself (\((visiting + [x]).joined(separator: " → ")))"
          return nil
        }
        if reactionIDs.contains(x) {
          failures[x] = "rateOf(\(x)): '\(x)' is a reaction; rateOf takes a species, compartment, parameter or species reference"
          return nil
        }
        if !rateSymbols.contains(x) {
          failures[x] = "rateOf(\(x)): unknown identifier '\(x)'; rateOf takes a species, compartment, parameter or species reference"
            + (didYouMean(x, among: rateSymbols.sorted()).map { " (\($0))" } ?? "")
          return nil
        }
        let value: Expr = concentrationSpecies[x].map { .binary(.divide, .variable(x), .variable($0)) } ?? .variable(x)
        guard let derivative = Self.timeDerivative(value, rates: rates, rules: rules, unknown: [], visiting: []) else {
          failures[x] = "rateOf(\(x)) needs the time derivative of the assignment rule of '\(x)', which cannot be taken symbolically"
          return nil
        }
        var failedOn: String? = nil
        let result = derivative.substituting { name in
          guard let y = MathMLConverter.rateOfSymbol(name) else { return nil }
          guard let r = rateOf(y, visiting + [x]) else {
            failedOn = failedOn ?? y
            return nil
          }
          return r
        }
        if let y = failedOn {
          failures[x] = failures[x] ?? failures[y]
          return nil
        }
        resolved[x] = result
        return result
      }
      func resolve(_ p: ParsedExpression) -> ParsedExpression {
        let names = p.expr.variables.compactMap(MathMLConverter.rateOfSymbol)
        if names.isEmpty { return p }
        var q = p
        q.expr = p.expr.substituting { name in
          guard let x = MathMLConverter.rateOfSymbol(name) else { return nil }
          guard let r = rateOf(x, []) else {
            bag.error(p.references.first { $0.name == name }?.location ?? p.origin, failures[x] ?? "rateOf(\(x)) cannot be resolved")
            return nil
          }
          return r
        }
        // Names the rates brought in are located where their rateOf was.
        let firstRateOf = p.references.first { MathMLConverter.rateOfSymbol($0.name) != nil }?.location ?? p.origin
        q.references = q.expr.variables.map { name in
          p.references.first { $0.name == name } ?? .init(name: name, location: firstRateOf)
        }
        q.text = q.expr.description
        return q
      }
      for i in nodes.indices { nodes[i].rate = nodes[i].rate.map(resolve) }
      for i in assignments.indices { assignments[i].expression = resolve(assignments[i].expression) }
      for i in initialAssignments.indices { initialAssignments[i].expression = resolve(initialAssignments[i].expression) }
      for i in events.indices {
        events[i].trigger = resolve(events[i].trigger)
        events[i].delay = events[i].delay.map(resolve)
        events[i].priority = events[i].priority.map(resolve)
        for j in events[i].assignments.indices { events[i].assignments[j].expression = resolve(events[i].assignments[j].expression) }
      }
      try bag.throwIfErrors()
    }
    result.nodes = nodes
    result.assignments = assignments
    result.warnings = bag.warnings
    // The units of compartments, species and global parameters, which become nodes, parameters
    // or assignments depending on their rules and events: set by id on whichever they became.
    var unitOf: [String: String] = [:]
    for (id, c) in compartments { unitOf[id] = units.compartment(c.node, dimensions: c.dimensions) }
    for s in species { unitOf[s.id] = units.substance(s.node) }
    for p in parameters { unitOf[p.id] = units.label(p.node.attributes["units"]) }
    for i in result.nodes.indices { result.nodes[i].unit = unitOf[result.nodes[i].id] }
    for i in result.parameters.indices where result.parameters[i].unit == nil {
      result.parameters[i].unit = unitOf[result.parameters[i].id]
    }
    for i in result.assignments.indices where result.assignments[i].unit == nil {
      result.assignments[i].unit = unitOf[result.assignments[i].id]
    }
    for i in result.species.indices {
      result.species[i].concentrationUnit = SBMLUnits.quotient(unitOf[result.species[i].id], unitOf[result.species[i].compartment])
    }
    result.initialAssignments = initialAssignments
    result.events = events
    // Names in formulas: check them here, with the XML line of the formula.
    let defined = Set(result.identifiers + [Expr.timeName])
    func check(_ e: ParsedExpression, _ what: String) {
      for name in e.expr.variables where !defined.contains(name) {
        bag.error(
          e.references.first { $0.name == name }?.location ?? e.origin, "unknown identifier '\(name)' in \(what)",
          notes: didYouMean(name, among: result.identifiers).map { [$0] } ?? [])
      }
    }
    for a in result.assignments { check(a.expression, "the math of '\(a.id)'") }
    for n in result.nodes { if let r = n.rate { check(r, "the rate of '\(n.id)'") } }
    for ia in result.initialAssignments { check(ia.expression, "the initial assignment of '\(ia.target)'") }
    for e in result.events {
      check(e.trigger, "the trigger of event '\(e.id)'")
      e.delay.map { check($0, "the delay of event '\(e.id)'") }
      e.priority.map { check($0, "the priority of event '\(e.id)'") }
      for a in e.assignments {
        check(a.expression, "an assignment of event '\(e.id)'")
        if !result.nodes.contains(where: { $0.id == a.target }) {
          bag.error(a.expression.origin, "event '\(e.id)' assigns to '\(a.target)', which is constant or unknown")
        }
      }
    }
    for ia in result.initialAssignments where !defined.contains(ia.target) {
      bag.error(ia.location, "initial assignment to an unknown symbol '\(ia.target)'")
    }
    try bag.throwIfErrors()
    try result.validate()
    return result
  }

  /// d e/dt by the chain rule over e's symbols: time, states (their `rates`) and assignments
  /// (their `rules`, recursively); constants contribute nothing. Nil when a partial derivative
  /// cannot be taken, a rule is cyclic, or e depends on a state in `unknown` (whose rate is not
  /// known yet) or on a `rateOf` placeholder.
  static func timeDerivative(
    _ e: Expr, rates: [String: Expr], rules: [String: Expr], unknown: Set<String>, visiting: Set<String>
  ) -> Expr? {
    var total: Expr = .zero
    for v in Set(e.variables).sorted() {
      let inner: Expr
      if v == Expr.timeName {
        inner = .one
      } else if MathMLConverter.rateOfSymbol(v) != nil {
        return nil
      } else if let rule = rules[v] {
        guard !visiting.contains(v),
          let d = timeDerivative(rule, rates: rates, rules: rules, unknown: unknown, visiting: visiting.union([v]))
        else { return nil }
        inner = d
      } else if let rate = rates[v] {
        if unknown.contains(v) { return nil }
        inner = rate
      } else {
        continue
      }
      if inner == .zero { continue }
      guard let partial = e.derivative(withRespectTo: v) else { return nil }
      total = Expr.add(total, Expr.multiply(partial, inner))
    }
    return total
  }
}
