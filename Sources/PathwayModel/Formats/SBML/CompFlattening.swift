import Foundation

/// SBML Level 3 Hierarchical Model Composition (`comp`, Version 1) flattened into SBML core, as
/// libsbml's CompFlatteningConverter does, before the core reader sees the document.
///
/// - Each submodel is an instance of a model definition (of this document, or external: another
///   file, found relative to this one), flattened first (its own submodels), then its deletions
///   are removed and every identifier (and metaid) it defines is prefixed with the submodel's id
///   and two underscores (`sub1__S1`; `sub1__inner__S1` two levels down). Kinetic-law local
///   parameters and function arguments keep their names.
/// - Conversion factors of a submodel: its kinetic laws are multiplied by the extent factor and
///   divided by the time factor, its rate rules divided by the time factor, its event delays and
///   `delay` lags multiplied by it; inside it `time` reads time / factor and a reaction's id reads
///   the rate in its own units (rate · time factor / extent factor), so its mathematics sees its
///   own units.
/// - A replaced element (`replacedElement` on an element of the containing model) is removed and
///   every reference to it reads the replacing element; with a `conversionFactor` f a reference
///   reads (replacement / f) and what assigned the replaced element (rules, initial and event
///   assignments) assigns (value · f) to the replacement.
/// - `replacedBy`: the containing model's element is removed and the submodel's element takes
///   its id (and metaid).
/// - Ports are followed wherever a reference names one; `sBaseRef` children reach into nested
///   submodels.
///
/// Anything the flattening cannot resolve (an unknown model, port, identifier or submodel, a
/// cycle of model definitions, an external file that cannot be read) is an error at the element
/// that names it.
struct CompFlattening {
  /// Whether the document uses the comp package: a namespace of it is declared anywhere.
  static func isUsed(_ root: XMLNode) -> Bool {
    var found = false
    func walk(_ node: XMLNode) {
      if found { return }
      if node.declaredPrefixes.values.contains(where: isCompNamespace) || isCompNamespace(node.namespace) {
        found = true
        return
      }
      node.children.forEach(walk)
    }
    walk(root)
    return found
  }

  static func isCompNamespace(_ namespace: String) -> Bool {
    namespace.hasPrefix("http://www.sbml.org/sbml/level3/") && namespace.contains("/comp/")
  }

  let file: String
  var warnings: [Diagnostic] = []
  /// Prefixes bound to a comp namespace anywhere in the documents read.
  private var compPrefixes: Set<String> = []
  /// External documents read, by path.
  private var documents: [String: Document] = [:]
  /// The model definitions being flattened (file and id), to refuse cycles.
  private var stack: [String] = []

  init(file: String) { self.file = file }

  /// A document read: its root `<sbml>` and the file it came from (external references are
  /// relative to it).
  private struct Document {
    let root: XMLNode
    let file: String
  }

  /// The flattened document: `<sbml>` with one core `<model>`.
  mutating func flatten(_ root: XMLNode) throws(PathwayError) -> XMLNode {
    collectPrefixes(root)
    let document = Document(root: root, file: file)
    guard let model = root.child("model") else { return root }
    let instance = try instantiate(model, in: document, key: "\(file)#\(model.attributes["id"] ?? "")")
    let flat = XMLNode(name: root.name, namespace: root.namespace, attributes: root.attributes, line: root.line, column: root.column)
    flat.declaredPrefixes = root.declaredPrefixes
    flat.file = root.file
    for key in flat.attributes.keys where isCompAttribute(key, local: "required") { flat.attributes[key] = nil }
    for child in root.children where !Self.isCompNamespace(child.namespace) {
      flat.append(child.name == "model" && child === model ? instance.node : child)
    }
    // Packages of external documents keep the requiredness those documents declare.
    for document in documents.keys.sorted().compactMap({ documents[$0] }) {
      for (key, value) in document.root.attributes where key.hasSuffix(":required") {
        let prefix = String(key.dropLast(":required".count))
        guard let namespace = document.root.declaredPrefixes[prefix], !Self.isCompNamespace(namespace),
          !flat.declaredPrefixes.values.contains(namespace), flat.declaredPrefixes[prefix] == nil
        else { continue }
        flat.declaredPrefixes[prefix] = namespace
        flat.attributes[key] = value
      }
    }
    return flat
  }

  // MARK: - Attributes and references

  private mutating func collectPrefixes(_ node: XMLNode) {
    for (prefix, namespace) in node.declaredPrefixes where Self.isCompNamespace(namespace) && !prefix.isEmpty {
      compPrefixes.insert(prefix)
    }
    for child in node.children { collectPrefixes(child) }
  }

  private func isCompAttribute(_ key: String, local: String) -> Bool {
    guard let colon = key.firstIndex(of: ":") else { return false }
    return key[key.index(after: colon)...] == local && compPrefixes.contains(String(key[..<colon]))
  }

  /// A comp attribute by local name, prefixed (`comp:idRef`) or not.
  private func attribute(_ node: XMLNode, _ local: String) -> String? {
    for prefix in compPrefixes.sorted() {
      if let value = node.attributes["\(prefix):\(local)"] { return value }
    }
    return node.attributes[local]
  }

  private func location(_ node: XMLNode) -> SourceLocation { node.location(file) }

  private func failure(_ node: XMLNode, _ message: String, notes: [String] = []) -> PathwayError {
    PathwayError(.invalidInput, at: location(node), "comp: " + message, notes: notes)
  }

  /// What a reference designates, in one model's namespace.
  private enum Target: Hashable {
    case id(String)
    case metaid(String)
    case unit(String)

    func prefixed(_ prefix: String) -> Target {
      switch self {
      case .id(let x): return .id(prefix + x)
      case .metaid(let x): return .metaid(prefix + x)
      case .unit(let x): return .unit(prefix + x)
      }
    }

    var text: String {
      switch self {
      case .id(let x): return "id '\(x)'"
      case .metaid(let x): return "metaid '\(x)'"
      case .unit(let x): return "unit '\(x)'"
      }
    }
  }

  /// A flattened model: its core content, and what references into it need.
  private final class Instance {
    let node: XMLNode
    /// Its ports by id (the elements, resolved in this namespace when used).
    var ports: [String: XMLNode] = [:]
    /// Its submodels by id, each in its own namespace (their content is in `node`, prefixed).
    var submodels: [String: Instance] = [:]
    /// Submodel ids by the submodel's metaid.
    var submodelMetaids: [String: String] = [:]
    /// Identifiers and metaids that a replacement renamed, old → new.
    var renamed: [Target: Target] = [:]
    /// The targets of each submodel's deletions, by submodel id and deletion id.
    var deleted: [String: [String: Target]] = [:]

    init(node: XMLNode) { self.node = node }

    func mapped(_ target: Target) -> Target {
      var t = target
      var seen = Set<Target>()
      while let next = renamed[t], seen.insert(t).inserted { t = next }
      return t
    }
  }

  /// The target of an SBaseRef-like element (port, deletion, replaced element, replacedBy, nested
  /// sBaseRef), in `instance`'s namespace.
  private func resolve(_ ref: XMLNode, in instance: Instance) throws(PathwayError) -> Target {
    var base: Target
    if let port = attribute(ref, "portRef") {
      guard let portNode = instance.ports[port] else {
        throw failure(
          ref, "no port '\(port)' in the referenced model",
          notes: instance.ports.isEmpty ? [] : ["ports: " + instance.ports.keys.sorted().joined(separator: ", ")])
      }
      base = try resolve(portNode, in: instance)
    } else if let id = attribute(ref, "idRef") {
      base = .id(id)
    } else if let metaid = attribute(ref, "metaIdRef") {
      base = .metaid(metaid)
    } else if let unit = attribute(ref, "unitRef") {
      base = .unit(unit)
    } else {
      throw failure(ref, "<\(ref.name)> names nothing (it needs portRef, idRef, metaIdRef or unitRef)")
    }
    if let nested = ref.children.first(where: { $0.name == "sBaseRef" }) {
      let submodelID: String?
      switch base {
      case .id(let x): submodelID = instance.submodels[x] == nil ? nil : x
      case .metaid(let m): submodelID = instance.submodelMetaids[m]
      case .unit: submodelID = nil
      }
      guard let s = submodelID, let submodel = instance.submodels[s] else {
        throw failure(nested, "an <sBaseRef> reaches into a submodel, but \(base.text) is not a submodel of the referenced model")
      }
      return instance.mapped(try resolve(nested, in: submodel).prefixed(s + "__"))
    }
    return instance.mapped(base)
  }

  // MARK: - Finding elements

  /// Elements whose ids are model-wide (not local parameters, not inside math or annotations).
  private static func forEachElement(_ node: XMLNode, _ body: (_ parent: XMLNode, _ index: Int, _ child: XMLNode) -> Bool) {
    func walk(_ node: XMLNode) -> Bool {
      for (i, child) in node.children.enumerated() {
        if ["math", "annotation", "notes", "listOfLocalParameters"].contains(child.name) { continue }
        if node.name == "kineticLaw" && child.name == "listOfParameters" { continue }
        if !body(node, i, child) { return false }
        if !walk(child) { return false }
      }
      return true
    }
    _ = walk(node)
  }

  /// Every kinetic law's local parameters (Level 3 `localParameter`, Level 2 `parameter`), with the law.
  private static func localParameters(in model: XMLNode) -> [(law: XMLNode, parameter: XMLNode)] {
    model.list("listOfReactions", "reaction").compactMap { $0.child("kineticLaw") }.flatMap { law in
      (law.list("listOfLocalParameters", "localParameter") + law.list("listOfParameters", "parameter")).map { (law, $0) }
    }
  }

  /// The local parameter a metaid names, with its kinetic law and its list.
  private static func findLocal(_ target: Target, in model: XMLNode) -> (law: XMLNode, list: XMLNode, index: Int, element: XMLNode)? {
    guard case .metaid(let m) = target else { return nil }
    for (law, p) in localParameters(in: model) where p.attributes["metaid"] == m {
      for list in law.children where list.name == "listOfLocalParameters" || list.name == "listOfParameters" {
        if let i = list.children.firstIndex(where: { $0 === p }) { return (law, list, i, p) }
      }
    }
    return nil
  }

  private static func find(_ target: Target, in node: XMLNode) -> (parent: XMLNode, index: Int, element: XMLNode)? {
    var found: (XMLNode, Int, XMLNode)? = nil
    forEachElement(node) { parent, i, child in
      let hit: Bool
      switch target {
      case .id(let x): hit = child.attributes["id"] == x && child.name != "unitDefinition"
      case .metaid(let x): hit = child.attributes["metaid"] == x
      case .unit(let x): hit = child.attributes["id"] == x && child.name == "unitDefinition"
      }
      if hit { found = (parent, i, child) }
      return !hit
    }
    return found
  }

  // MARK: - Instantiation

  /// The model definition `modelRef` names, seen from `document`, with the document it is in.
  private mutating func definition(_ modelRef: String, from document: Document, at node: XMLNode) throws(PathwayError) -> (XMLNode, Document) {
    let root = document.root
    if let model = root.child("model"), model.attributes["id"] == modelRef { return (model, document) }
    let definitions = root.children.filter { Self.isCompNamespace($0.namespace) && $0.name == "listOfModelDefinitions" }
      .flatMap { $0.children(("modelDefinition")) }
    if let d = definitions.first(where: { ($0.attributes["id"] ?? attribute($0, "id")) == modelRef }) { return (d, document) }
    let externals = root.children.filter { Self.isCompNamespace($0.namespace) && $0.name == "listOfExternalModelDefinitions" }
      .flatMap { $0.children("externalModelDefinition") }
    if let e = externals.first(where: { (attribute($0, "id") ?? $0.attributes["id"]) == modelRef }) {
      guard let source = attribute(e, "source") else { throw failure(e, "external model definition '\(modelRef)' has no source") }
      let external = try load(source, from: document, at: e)
      guard let inner = attribute(e, "modelRef") else {
        // Without modelRef, the document's own model.
        guard let model = external.root.child("model") else { throw failure(e, "external model source '\(source)' has no <model>") }
        return (model, external)
      }
      return try definition(inner, from: external, at: e)
    }
    let known = (definitions.compactMap { $0.attributes["id"] ?? attribute($0, "id") }
      + externals.compactMap { attribute($0, "id") ?? $0.attributes["id"] })
    throw failure(
      node, "no model definition '\(modelRef)'",
      notes: known.nearest(to: modelRef).isEmpty ? [] : ["did you mean " + known.nearest(to: modelRef).map { "'\($0)'" }.joined(separator: " or ") + "?"])
  }

  /// An external document, read once, relative to the document that names it.
  private mutating func load(_ source: String, from document: Document, at node: XMLNode) throws(PathwayError) -> Document {
    var path = source
    if path.hasPrefix("file://") { path = String(path.dropFirst(7)) } else if path.hasPrefix("file:") { path = String(path.dropFirst(5)) }
    if path.contains("://") || path.hasPrefix("urn:") {
      throw failure(node, "external model source '\(source)' is not a file; only local files are read", notes: ["download it beside the model and name it by its file name"])
    }
    if !path.hasPrefix("/") {
      path = URL(fileURLWithPath: document.file).deletingLastPathComponent().appendingPathComponent(path).path
    }
    if let known = documents[path] { return known }
    guard FileManager.default.fileExists(atPath: path) else {
      throw failure(node, "external model source '\(source)' not found (looked for \(path))")
    }
    let data = try InputFile.readData(path)
    let root = try XMLTreeReader.parse(data, file: path)
    func mark(_ n: XMLNode) {
      n.file = path
      n.children.forEach(mark)
    }
    mark(root)
    guard root.name == "sbml" else { throw failure(node, "external model source '\(source)' is not an SBML document") }
    collectPrefixes(root)
    let loaded = Document(root: root, file: path)
    documents[path] = loaded
    return loaded
  }

  /// A flattened copy of `model` (a `<model>` or `<modelDefinition>`).
  private mutating func instantiate(_ model: XMLNode, in document: Document, key: String) throws(PathwayError) -> Instance {
    if stack.contains(key) {
      throw failure(model, "model definitions instantiate each other in a cycle: " + (stack.drop { $0 != key } + [key]).joined(separator: " → "))
    }
    if stack.count >= 64 { throw failure(model, "submodels nested deeper than 64 levels") }
    stack.append(key)
    defer { stack.removeLast() }

    let node = XMLNode(name: "model", namespace: document.root.namespace, attributes: [:], line: model.line, column: model.column)
    node.file = model.file
    for (key, value) in model.attributes where !key.contains(":") { node.attributes[key] = value }
    let instance = Instance(node: node)
    var submodelNodes: [XMLNode] = []
    for child in model.children {
      if Self.isCompNamespace(child.namespace) {
        switch child.name {
        case "listOfSubmodels": submodelNodes += child.children("submodel")
        case "listOfPorts":
          for port in child.children("port") {
            guard let id = attribute(port, "id") ?? port.attributes["id"] else { throw failure(port, "a port needs an id") }
            instance.ports[id] = port
          }
        default: throw failure(child, "unexpected <\(child.name)> in a model")
        }
      } else {
        node.append(child.copy())
      }
    }

    for submodel in submodelNodes {
      guard let s = attribute(submodel, "id") ?? submodel.attributes["id"] else { throw failure(submodel, "a submodel needs an id") }
      guard let modelRef = attribute(submodel, "modelRef") else { throw failure(submodel, "submodel '\(s)' needs a modelRef") }
      let (definitionNode, definitionDocument) = try definition(modelRef, from: document, at: submodel)
      let inner = try instantiate(definitionNode, in: definitionDocument, key: "\(definitionDocument.file)#\(modelRef)")
      if let metaid = submodel.attributes["metaid"] { instance.submodelMetaids[metaid] = s }

      // The definition's model-wide conversion factor belongs to its species.
      if let factor = inner.node.attributes["conversionFactor"] {
        for species in inner.node.list("listOfSpecies", "species") where species.attributes["conversionFactor"] == nil {
          species.attributes["conversionFactor"] = factor
        }
      }
      // Deletions, in the definition's namespace.
      var deleted: [String: Target] = [:]
      for deletion in submodel.child("listOfDeletions")?.children("deletion") ?? [] {
        let target = try resolve(deletion, in: inner)
        try remove(target, from: inner, at: deletion)
        if let d = attribute(deletion, "id") ?? deletion.attributes["id"] { deleted[d] = target.prefixed(s + "__") }
      }
      instance.deleted[s] = deleted
      prefix(inner, with: s + "__")
      instance.submodels[s] = inner

      // Reactions the containing model replaces keep no conversion of their own.
      var replacedReactions = Set<String>()
      for (_, replacement) in replacements(in: node) where attribute(replacement, "submodelRef") == s && replacement.name == "replacedElement" {
        if attribute(replacement, "deletion") != nil { continue }
        if case .id(let x) = try resolve(replacement, in: inner).prefixed(s + "__") { replacedReactions.insert(x) }
      }
      let time = attribute(submodel, "timeConversionFactor")
      let extent = attribute(submodel, "extentConversionFactor")
      if time != nil || extent != nil {
        convert(inner.node, time: time, extent: extent, replaced: replacedReactions)
      }
      merge(inner.node, into: node)
    }

    try performReplacements(in: instance)
    return instance
  }

  /// Removes a deletion's target from an instance (a whole nested submodel when it names one).
  private func remove(_ target: Target, from instance: Instance, at node: XMLNode) throws(PathwayError) {
    if case .id(let x) = target, instance.submodels[x] != nil {
      removeSubmodelContent(prefix: x + "__", from: instance.node)
      return
    }
    if let local = Self.findLocal(target, in: instance.node) {
      local.list.removeChild(at: local.index)
      return
    }
    guard let (parent, index, _) = Self.find(target, in: instance.node) else {
      throw failure(node, "\(target.text) is not in the referenced model")
    }
    parent.removeChild(at: index)
  }

  private func removeSubmodelContent(prefix: String, from model: XMLNode) {
    for list in model.children where list.name.hasPrefix("listOf") {
      var i = 0
      while i < list.children.count {
        let a = list.children[i].attributes
        let key = a["id"] ?? a["variable"] ?? a["symbol"] ?? a["metaid"] ?? ""
        if key.hasPrefix(prefix) { list.removeChild(at: i) } else { i += 1 }
      }
    }
  }

  /// Every replacedElement and replacedBy of the containing model's own elements, with the element.
  private func replacements(in model: XMLNode) -> [(XMLNode, XMLNode)] {
    var found: [(XMLNode, XMLNode)] = []
    Self.forEachElement(model) { _, _, child in
      for c in child.children where Self.isCompNamespace(c.namespace) {
        if c.name == "listOfReplacedElements" { found += c.children("replacedElement").map { (child, $0) } }
        if c.name == "replacedBy" { found.append((child, c)) }
      }
      return true
    }
    return found
  }

  // MARK: - Renaming

  /// Prefixes every identifier and metaid an instance defines.
  private func prefix(_ instance: Instance, with prefix: String) {
    var ids: [String: String] = [:]
    var units: [String: String] = [:]
    Self.forEachElement(instance.node) { _, _, child in
      if let id = child.attributes["id"] {
        if child.name == "unitDefinition" {
          units[id] = prefix + id
          child.attributes["id"] = prefix + id
        } else {
          ids[id] = prefix + id
        }
      }
      if let m = child.attributes["metaid"] { child.attributes["metaid"] = prefix + m }
      return true
    }
    for (_, local) in Self.localParameters(in: instance.node) {
      if let m = local.attributes["metaid"] { local.attributes["metaid"] = prefix + m }
    }
    rename(instance.node, ids: ids, units: units)
  }

  static let referenceAttributes: Set<String> = ["id", "species", "compartment", "variable", "symbol", "conversionFactor", "outside"]
  static let unitAttributes: Set<String> = [
    "units", "substanceUnits", "timeUnits", "volumeUnits", "areaUnits", "lengthUnits", "extentUnits",
  ]

  /// Renames identifiers in attributes and `<ci>`s (never local parameters or function arguments).
  private func rename(_ node: XMLNode, ids: [String: String], units: [String: String] = [:]) {
    replace(node, shadowed: []) { name in ids[name].map { .variable($0) } } attribute: { key, value in
      if Self.referenceAttributes.contains(key) { return ids[value] }
      if Self.unitAttributes.contains(key) || key.hasSuffix(":units") { return units[value] }
      return nil
    }
  }

  /// What a `<ci>` becomes.
  private enum Replacement {
    case variable(String)
    case math(XMLNode)
  }

  /// Walks `node`, replacing attribute values and `<ci>`s (those not shadowed by a local
  /// parameter or a function argument).
  private func replace(
    _ node: XMLNode, shadowed: Set<String>, ci: (String) -> Replacement?, attribute: (String, String) -> String?
  ) {
    for (key, value) in node.attributes {
      if node.name == "localParameter" || (node.name == "parameter" && shadowed.contains(value)) { break }
      if let new = attribute(key, value) { node.attributes[key] = new }
    }
    var shadowed = shadowed
    if node.name == "kineticLaw" {
      for p in node.list("listOfLocalParameters", "localParameter") + node.list("listOfParameters", "parameter") {
        if let id = p.attributes["id"] { shadowed.insert(id) }
      }
    }
    if node.name == "lambda" {
      for b in node.children("bvar") { if let c = b.child("ci") { shadowed.insert(c.text.trimmingCharacters(in: .whitespacesAndNewlines)) } }
    }
    for (i, child) in node.children.enumerated() {
      if child.name == "annotation" || child.name == "notes" || Self.isCompNamespace(child.namespace) { continue }
      if child.name == "ci" {
        let name = child.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !shadowed.contains(name), let r = ci(name) else { continue }
        switch r {
        case .variable(let new):
          child.text = " \(new) "
          child.segments = [" \(new) "]
        case .math(let m): node.replaceChild(at: i, with: m)
        }
        continue
      }
      replace(child, shadowed: shadowed, ci: ci, attribute: attribute)
    }
  }

  // MARK: - MathML construction

  private static let mathNamespace = "http://www.w3.org/1998/Math/MathML"

  private static func element(_ name: String, _ children: [XMLNode], at origin: XMLNode) -> XMLNode {
    let n = XMLNode(name: name, namespace: mathNamespace, attributes: [:], line: origin.line, column: origin.column)
    n.file = origin.file
    for c in children { n.append(c) }
    return n
  }

  private static func ci(_ name: String, at origin: XMLNode) -> XMLNode {
    let n = element("ci", [], at: origin)
    n.text = " \(name) "
    n.segments = [" \(name) "]
    return n
  }

  /// `<apply><op/> a b</apply>`.
  private static func apply(_ op: String, _ a: XMLNode, _ b: XMLNode) -> XMLNode {
    element("apply", [element(op, [], at: a), a, b], at: a)
  }

  /// Replaces the content of a `<math>` by f(content).
  private static func wrap(_ math: XMLNode?, _ f: (XMLNode) -> XMLNode) {
    guard let math, let i = math.children.firstIndex(where: { $0.name != "annotation" && $0.name != "annotation-xml" }) else { return }
    math.replaceChild(at: i, with: f(math.children[i]))
  }

  // MARK: - Conversion factors

  /// Applies a submodel's time and extent conversion factors to its (prefixed) content.
  private func convert(_ model: XMLNode, time: String?, extent: String?, replaced: Set<String>) {
    let reactions = Set(model.list("listOfReactions", "reaction").compactMap { $0.attributes["id"] }).subtracting(replaced)
    // Inside the submodel's math: time, lags and reaction rates in its own units.
    func within(_ node: XMLNode) {
      for (i, child) in node.children.enumerated() {
        if child.name == "annotation" || child.name == "notes" { continue }
        if child.name == "csymbol", let time, child.attributes["definitionURL"] == MathMLConverter.timeURL, node.name != "apply" || i != 0 {
          node.replaceChild(at: i, with: Self.apply("divide", child, Self.ci(time, at: child)))
          continue
        }
        if child.name == "ci", reactions.contains(child.text.trimmingCharacters(in: .whitespacesAndNewlines)) {
          // rate · time factor / extent factor
          var e: XMLNode = child
          if let time { e = Self.apply("times", e, Self.ci(time, at: child)) }
          if let extent { e = Self.apply("divide", e, Self.ci(extent, at: child)) }
          node.replaceChild(at: i, with: e)
          continue
        }
        if child.name == "apply", let head = child.children.first, head.name == "csymbol", let time {
          let url = head.attributes["definitionURL"]
          if url == MathMLConverter.delayURL, child.children.count == 3 {
            within(child)
            child.replaceChild(at: 2, with: Self.apply("times", child.children[2], Self.ci(time, at: child)))
            continue
          }
          if url == MathMLConverter.rateOfURL {
            within(child)
            node.replaceChild(at: i, with: Self.apply("times", child, Self.ci(time, at: child)))
            continue
          }
        }
        within(child)
      }
    }
    within(model)
    for reaction in model.list("listOfReactions", "reaction") {
      Self.wrap(reaction.child("kineticLaw")?.child("math")) { content in
        var e = content
        if let extent { e = Self.apply("times", e, Self.ci(extent, at: content)) }
        if let time { e = Self.apply("divide", e, Self.ci(time, at: content)) }
        return e
      }
    }
    guard let time else { return }
    for rule in model.list("listOfRules", "rateRule") {
      Self.wrap(rule.child("math")) { Self.apply("divide", $0, Self.ci(time, at: $0)) }
    }
    for event in model.list("listOfEvents", "event") {
      Self.wrap(event.child("delay")?.child("math")) { Self.apply("times", $0, Self.ci(time, at: $0)) }
    }
  }

  // MARK: - Merging and replacing

  /// Appends the instance's list items to the containing model's lists of the same name.
  private func merge(_ inner: XMLNode, into model: XMLNode) {
    for list in inner.children where list.name.hasPrefix("listOf") {
      let target: XMLNode
      if let existing = model.children.first(where: { $0.name == list.name && !Self.isCompNamespace($0.namespace) }) {
        target = existing
      } else {
        target = XMLNode(name: list.name, namespace: list.namespace, attributes: [:], line: list.line, column: list.column)
        target.file = list.file
        model.append(target)
      }
      for item in list.children { target.append(item) }
    }
  }

  /// The containing model's replacedElement and replacedBy, then the comp elements removed.
  private func performReplacements(in instance: Instance) throws(PathwayError) {
    let model = instance.node
    let all = replacements(in: model)
    // Every target is found before any is removed: a reaction and its species reference can
    // both be replaced.
    struct Pending {
      let element: XMLNode, replacement: XMLNode, target: Target
      var removed: (parent: XMLNode, node: XMLNode)?
      var oldID: String?, oldMetaid: String?
      var law: XMLNode?
    }
    var pending: [Pending] = []
    for (element, replacement) in all where replacement.name == "replacedElement" {
      guard let s = attribute(replacement, "submodelRef"), let submodel = instance.submodels[s] else {
        throw failure(replacement, "replacedElement names no submodel of this model (submodelRef '\(attribute(replacement, "submodelRef") ?? "")')")
      }
      if let d = attribute(replacement, "deletion") {
        guard let t = instance.deleted[s]?[d] else { throw failure(replacement, "submodel '\(s)' has no deletion '\(d)'") }
        // References to the deleted element read its first replacement.
        if instance.mapped(t) != t || pending.contains(where: { $0.target == t }) { continue }
        var p = Pending(element: element, replacement: replacement, target: t)
        if case .id(let x) = t { p.oldID = x }
        pending.append(p)
        continue
      }
      let target = instance.mapped(try resolve(replacement, in: submodel).prefixed(s + "__"))
      var p = Pending(element: element, replacement: replacement, target: target)
      if let local = Self.findLocal(target, in: model) {
        // A local parameter: only its kinetic law reads the replacement.
        p.removed = (local.list, local.element)
        p.oldID = local.element.attributes["id"]
        p.law = local.law
      } else {
        guard let (parent, _, old) = Self.find(target, in: model) else {
          throw failure(replacement, "\(target.text) is not in submodel '\(s)'")
        }
        if old === element { continue }
        p.removed = (parent, old)
        p.oldID = old.attributes["id"]
        p.oldMetaid = old.attributes["metaid"]
      }
      pending.append(p)
    }
    for p in pending {
      guard let (parent, node) = p.removed, let i = parent.children.firstIndex(where: { $0 === node }) else { continue }
      parent.removeChild(at: i)
    }
    for p in pending {
      if p.law == nil, let oldMetaid = p.oldMetaid, let m = p.element.attributes["metaid"] {
        instance.renamed[.metaid(oldMetaid)] = .metaid(m)
      }
      guard let oldID = p.oldID, let newID = p.element.attributes["id"] else { continue }
      let scope = p.law ?? model
      if p.law == nil { instance.renamed[.id(oldID)] = .id(newID) }
      if case .unit = p.target {
        rename(scope, ids: [:], units: [oldID: newID])
      } else if let factor = attribute(p.replacement, "conversionFactor") {
        redirect(scope, from: oldID, to: newID, factor: factor, at: p.replacement)
      } else {
        rename(scope, ids: [oldID: newID])
      }
    }
    for (element, replacement) in all where replacement.name == "replacedBy" {
      guard let s = attribute(replacement, "submodelRef"), let submodel = instance.submodels[s] else {
        throw failure(replacement, "replacedBy names no submodel of this model (submodelRef '\(attribute(replacement, "submodelRef") ?? "")')")
      }
      let target = instance.mapped(try resolve(replacement, in: submodel).prefixed(s + "__"))
      guard let (_, _, new) = Self.find(target, in: model) else {
        throw failure(replacement, "\(target.text) is not in submodel '\(s)'")
      }
      guard let (parent, index, _) = Self.find(.id(element.attributes["id"] ?? "\u{0}"), in: model)
        ?? element.attributes["metaid"].flatMap({ Self.find(.metaid($0), in: model) })
      else { continue }
      parent.removeChild(at: index)
      if let oldMetaid = new.attributes["metaid"], let m = element.attributes["metaid"] {
        new.attributes["metaid"] = m
        instance.renamed[.metaid(oldMetaid)] = .metaid(m)
      }
      if let oldID = new.attributes["id"], let id = element.attributes["id"] {
        instance.renamed[.id(oldID)] = .id(id)
        rename(model, ids: [oldID: id])
      }
    }
    strip(model)
  }

  /// References to `old` read new / factor; whatever assigned `old` assigns value · factor to `new`.
  private func redirect(_ model: XMLNode, from old: String, to new: String, factor: String, at origin: XMLNode) {
    // Assignments first, while they still name `old`.
    for rule in model.list("listOfRules", "assignmentRule") + model.list("listOfRules", "rateRule") where rule.attributes["variable"] == old {
      Self.wrap(rule.child("math")) { Self.apply("times", $0, Self.ci(factor, at: $0)) }
    }
    for a in model.list("listOfInitialAssignments", "initialAssignment") where a.attributes["symbol"] == old {
      Self.wrap(a.child("math")) { Self.apply("times", $0, Self.ci(factor, at: $0)) }
    }
    for event in model.list("listOfEvents", "event") {
      for a in event.list("listOfEventAssignments", "eventAssignment") where a.attributes["variable"] == old {
        Self.wrap(a.child("math")) { Self.apply("times", $0, Self.ci(factor, at: $0)) }
      }
    }
    replace(model, shadowed: []) { name in
      name == old ? .math(Self.apply("divide", Self.ci(new, at: origin), Self.ci(factor, at: origin))) : nil
    } attribute: { key, value in
      Self.referenceAttributes.contains(key) && value == old ? new : nil
    }
  }

  /// Removes every comp element and attribute left in a flattened model.
  private func strip(_ node: XMLNode) {
    var i = 0
    while i < node.children.count {
      if Self.isCompNamespace(node.children[i].namespace) { node.removeChild(at: i) } else { i += 1 }
    }
    for key in node.attributes.keys where key.contains(":") {
      let prefix = String(key[..<key.firstIndex(of: ":")!])
      if compPrefixes.contains(prefix) { node.attributes[key] = nil }
    }
    for child in node.children where child.name != "math" { strip(child) }
  }
}
