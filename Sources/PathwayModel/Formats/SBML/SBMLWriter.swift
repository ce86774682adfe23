import Foundation

/// Writes a `Model` as SBML Level 3 Version 2 core: the continuous dynamics the engine
/// integrates, in a form libRoadRunner, COPASI and `SBMLReader` simulate to the same trajectory.
///
/// Mapping (`docs/formats.md` has the full table):
/// - A native model's non-input nodes become **species** with `hasOnlySubstanceUnits="true"` in
///   one compartment of size 1 (named `cell`, or the first free variant), so a species id in a
///   formula is its value. Each has a **rate rule**: its rate law as written, or, for a
///   rule-only node, the HillCube `(s·M·B̂(y) − x)/τ` written out (below).
/// - **Inputs** become parameters: constant at their baseline dose, or, when a scenario gives
///   them a stimulus over time, non-constant with an assignment rule (a `piecewise` of time).
/// - Parameters stay parameters; assignments become parameters with **assignment rules**;
///   initial assignments and events are written as SBML ones.
/// - A model read from SBML keeps its species, compartments and units of account: a species
///   reported as a concentration is written with `hasOnlySubstanceUnits="false"` and every
///   formula rewritten back to concentrations, so the file reads back to the same equations.
///
/// The HillCube of a rule-only node, exactly as `ODEWorkspace` evaluates it:
/// - y_j = `normalized_hill(x_j, n, k)` for a node regulator, a function definition whose body
///   clips x to [0, 1] exactly as the engine does (x < 0 → 0, x > 1 → 1, NaN stays NaN), written
///   `max(0, min(1, x))`, and then computes cⁿ/(cⁿ + kⁿ)·(1 + kⁿ); y_j = u_j, the dose, for an
///   input regulator.
/// - B̂ is the rule's reduced decision diagram evaluated bottom-up by Shannon expansion,
///   `(1 − y)·lo + y·hi` per diagram node (the function definition `shannon`), which is the
///   multilinear polynomial Σ_s B(s) Π y^s (1 − y)^{1−s} factored; terminal cases are written
///   in their short forms (`y`, `1 − y`, `y·hi`). The engine computes `lo + y·(hi − lo)`: the
///   same number up to rounding (a few ulps), written so that no sub-diagram appears twice
///   (the formula's size is the number of paths through the diagram, not exponential in its depth).
/// - M multiplies one factor per modulator: `(1 − w) + w·h` (activator), `1 − w·h` (inhibitor).
/// - Hill n and k per edge, τ, modulator weights and the production scale s are numbers in the
///   formula; a pinned node is a constant species at its level.
///
/// What SBML core cannot hold is reported in `ModelText.notes`: the logical rules themselves
/// (kept as XHTML notes; use SBML-qual for the logic), named perturbations, and an
/// equilibration step (the equilibrated state is written as the initial values instead).
public enum SBMLWriter {
  /// The SBML text of `model` with its own values (inputs at their baseline doses).
  public static func text(_ model: Model) throws(PathwayError) -> String {
    try export(model).text
  }

  /// Writes `model` to `path` atomically; returns the notes.
  @discardableResult
  public static func write(_ model: Model, scenario: Scenario = Scenario(), to path: String) throws(PathwayError) -> [String] {
    let result = try export(model, scenario: scenario)
    try OutputFile.write(result.text, to: path)
    return result.notes
  }

  /// The SBML of `model` as `scenario` sets it up: its stimuli (constant doses, steps, pulses,
  /// ramps, repeated doses and schedules as functions of time), perturbations (pins and
  /// production scales), parameter and initial values, τ and Hill overrides. The scenario's time
  /// span, output and expectations are not part of a model and are ignored; SBML time starts at 0.
  ///
  /// When the model equilibrates (`defaults.equilibrate`), the equilibration runs here (with
  /// the scenario's solver options) and its final state becomes the initial values, because
  /// SBML has no equilibration step; values smaller in magnitude than a thousandth of the
  /// solver's absolute tolerance are numerical residue and are written as 0.
  public static func export(_ model: Model, scenario: Scenario = Scenario()) throws(PathwayError) -> ModelText {
    let ode = try ODEModel(model: model)
    var scenario = scenario
    if scenario.time.end == nil { scenario.time.end = (scenario.time.start ?? 0) + 1 }
    let run = try scenario.resolve(for: ode)
    var notes: [String] = []
    if let start = scenario.time.start, start != 0 {
      notes.append("the scenario starts at \(formatNumber(start)); SBML time starts at 0 (stimuli keep their times)")
    }

    // The state a run starts from.
    var parameters = run.parameters
    var state = run.initial
    let kept = Set(run.initialOverrides.keys.map { ode.stateNames[$0] }).union(run.explicitlySet)
    var initialAssignments: [InitialAssignment]
    if let duration = run.equilibrate {
      try ode.applyInitialAssignments(parameters: &parameters, state: &state, time: run.start, keep: kept)
      let solver = try ODESolver(ode, options: run.options)
      state = try solver.equilibrate(parameters, initial: state, duration: duration)
      // Values far below the solver's absolute tolerance (1e-40, -2e-44, 5e-72 where a node
      // decays to 0) are numerical residue; kept, they make CVODE's stiff solver fail at the
      // HillCube's clip at 0 (libRoadRunner on the osteogenesis model). They are written as 0.
      let floor = run.options.atol * 1e-3
      var flushed = 0
      for i in state.indices where state[i] != 0 && Swift.abs(state[i]) < floor {
        state[i] = 0
        flushed += 1
      }
      if flushed > 0 {
        notes.append("\(flushed) equilibrated value(s) below \(formatNumber(floor)) in magnitude written as 0 (numerical residue)")
      }
      initialAssignments = []
      notes.append(
        "the initial values are the reference state after equilibrating \(formatNumber(duration)) "
          + "\(model.timeUnit ?? "time units") (defaults.equilibrate): SBML has no equilibration step")
    } else {
      initialAssignments = model.initialAssignments.filter { !kept.contains($0.target) }
    }
    try ode.applyInitialOverrides(run.initialOverrides, parameters: parameters, state: &state, time: run.start)
    // Pinned states start (and stay) at their level, as `ODESolver.initialState` sets them.
    for s in state.indices { if let level = parameters.statePins[s] { state[s] = level } }

    var writer = DocumentWriter(model: model, ode: ode, run: parameters, state: state)
    writer.initialAssignments = initialAssignments
    let text = try writer.document()
    notes += writer.notes
    let rates = model.nodes.filter { $0.rateUp != nil || $0.rateDown != nil }.count
    if rates > 0 {
      notes.append("rate_up and rate_down of \(rates) node(s) not written (they concern continuous-time Boolean runs only)")
    }
    if !model.perturbations.isEmpty {
      notes.append(
        "\(model.perturbations.count) named perturbation(s) not written as such (SBML core has none); "
          + (scenario.perturbations.isEmpty
            ? "use --scenario to write the model as a perturbation sets it up"
            : "the scenario's perturbations are applied in the written model"))
    }
    // A node with a rate law runs by it; only the others' rules become HillCube rate rules.
    let logical = model.nodes.filter { $0.rule != nil && $0.rate == nil && !$0.isInput }.count
    if logical > 0 {
      notes.append(
        "\(logical) logical rule(s) written as HillCube rate rules (the rules themselves are in the species' notes; "
          + "SBML-qual holds the logic)")
    }
    return ModelText(text: text, notes: notes)
  }
}

extension SBMLWriter {
  /// Whether `id` has SBML's `SId` syntax: a letter or `_`, then letters, digits and `_` (ASCII).
  static func isSId(_ id: String) -> Bool {
    guard let first = id.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
      return false
    }
    return id.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
  }

  /// `id` with every character outside `SId` replaced by `_` (and `_` in front when it would not
  /// start like one): the base of a renamed id.
  static func sidBase(_ id: String) -> String {
    var base = String(String.UnicodeScalarView(id.unicodeScalars.map { c in
      c == "_" || (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))) ? c : "_"
    }))
    if base.isEmpty || !isSId(base) { base = "_" + base }
    return base
  }
}

// MARK: - The document

/// Builds one SBML document; ids are checked and renamed to SBML's `SId` syntax where needed.
private struct DocumentWriter {
  typealias Element = XMLElementBuilder

  let model: Model
  let ode: ODEModel
  let run: RunParameters
  /// Start value per state variable.
  let state: [Double]
  var initialAssignments: [InitialAssignment] = []
  var notes: [String] = []

  /// Model id → SBML id.
  var ids: [String: String] = [:]
  var used = Set<String>()
  var math = MathMLWriter()
  /// Species written with hasOnlySubstanceUnits="false": id → compartment (model ids).
  var concentration: [String: String] = [:]
  /// Species (model ids) and their compartments, whatever their units.
  var speciesCompartment: [String: String] = [:]
  let nodeIndex: [String: Int]
  let assignmentIDs: Set<String>
  let parameterIDs: Set<String>
  var hillFunction = "normalized_hill"
  var shannonFunction = "shannon"

  init(model: Model, ode: ODEModel, run: RunParameters, state: [Double]) {
    self.model = model
    self.ode = ode
    self.run = run
    self.state = state
    nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    assignmentIDs = Set(model.assignments.map(\.id))
    parameterIDs = Set(model.parameters.map(\.id))
  }

  // MARK: Ids


  /// A free SBML id close to `id`.
  mutating func allocate(_ id: String) -> String {
    let base = SBMLWriter.sidBase(id)
    var candidate = base
    var i = 1
    while used.contains(candidate) {
      candidate = "\(base)_\(i)"
      i += 1
    }
    used.insert(candidate)
    return candidate
  }

  mutating func assignIDs() {
    let all = model.nodes.map(\.id) + model.parameters.map(\.id) + model.assignments.map(\.id)
    // Valid ids first, so that a renamed one never takes a valid one's name.
    for id in all where SBMLWriter.isSId(id) && ids[id] == nil && !used.contains(id) {
      ids[id] = id
      used.insert(id)
    }
    var renamed: [String] = []
    for id in all where ids[id] == nil {
      let new = allocate(id)
      ids[id] = new
      renamed.append("\(id) → \(new)")
    }
    if !renamed.isEmpty {
      notes.append("renamed to SBML ids: " + renamed.prefix(8).joined(separator: ", ") + (renamed.count > 8 ? ", …" : ""))
    }
    let table = ids
    math.name = { table[$0] ?? $0 }
  }

  func sid(_ id: String) -> String { ids[id] ?? id }

  // MARK: Formulas

  /// A model formula in SBML's terms: a concentration species' id means amount / size there,
  /// so its amount is `id · size`.
  func translate(_ e: Expr) -> Expr {
    guard !concentration.isEmpty else { return e }
    return e.substituting { name in
      guard let compartment = concentration[name] else { return nil }
      return .binary(.multiply, .variable(name), .variable(compartment))
    }
  }

  func mathElement(_ e: Expr) -> Element { math.math(translate(e)) }

  /// The amount-valued formula `e` as the value SBML assigns to species `s` (a concentration
  /// when `s` is written with hasOnlySubstanceUnits="false").
  func asSpeciesValue(_ e: Expr, _ s: String) -> Expr {
    let t = translate(e)
    guard let compartment = concentration[s] else { return t }
    return .binary(.divide, t, .variable(compartment))
  }

  // MARK: Document

  mutating func document() throws(PathwayError) -> String {
    assignIDs()
    let native = model.species.isEmpty

    // Compartments and species.
    var compartmentIDs: [String] = []
    if native {
      let cell = allocate("cell")
      compartmentIDs = [cell]
      for n in ode.stateNodes { speciesCompartment[model.nodes[n].id] = cell }
    } else {
      for info in model.species {
        speciesCompartment[info.id] = info.compartment
        if !compartmentIDs.contains(info.compartment) { compartmentIDs.append(info.compartment) }
      }
      // Concentration species keep hasOnlySubstanceUnits="false" unless their compartment's
      // size is given by an assignment rule (d[S]/dt would need the rate of the size).
      var fallback: [String] = []
      for info in model.species where !info.reportsAmount {
        if assignmentIDs.contains(info.compartment) {
          fallback.append(info.id)
        } else {
          concentration[info.id] = info.compartment
        }
      }
      if !fallback.isEmpty {
        notes.append(
          "species in compartments whose size is an assignment rule are written as amounts: "
            + fallback.joined(separator: ", "))
      }
    }
    let compartmentSet = Set(compartmentIDs)

    var sbmlModel = Element("model", [("id", allocate(model.name.isEmpty ? "model" : model.name))])
    if !model.name.isEmpty { sbmlModel.set("name", model.name) }
    var modelNotes: [String] = []
    if !model.description.isEmpty { modelNotes.append(model.description) }
    if let unit = model.timeUnit { modelNotes.append("Time unit: \(unit).") }
    modelNotes += model.references.map { "Reference: \($0)" }
    if let source = model.source { modelNotes.append("Written by simulate \(PathwayModelVersion.current) from \(Paths.lastComponent(of: source)).") }
    if ode.hillNodes.count > 0 {
      modelNotes.append(
        "Rule-only nodes integrate the normalised HillCube dx/dt = (s·M·B(h(x1),…,h(xk)) − x)/τ "
          + "(Wittmann et al. 2009, BMC Syst Biol 3:98), written out in their rate rules.")
    }
    if let notes = XMLElementBuilder.notes(modelNotes) { sbmlModel.add(notes) }

    // The time unit, where SBML can say it (seconds and their multiples): COPASI and
    // libRoadRunner then show time in the model's unit.
    var unitDefinitions: [Element] = []
    if let unit = model.timeUnit, let seconds = TimeUnit.seconds[unit.lowercased()] {
      if seconds == 1 {
        sbmlModel.set("timeUnits", "second")
      } else {
        let id = allocate("time_unit")
        unitDefinitions.append(Element("unitDefinition", [("id", id), ("name", unit)], children: [
          Element("listOfUnits", children: [
            Element("unit", [("kind", "second"), ("exponent", "1"), ("scale", "0"), ("multiplier", Self.number(seconds))])
          ])
        ]))
        sbmlModel.set("timeUnits", id)
      }
    }

    // Function definitions used by the HillCube.
    var functions: [Element] = []
    if !ode.hillNodes.isEmpty {
      hillFunction = allocate("normalized_hill")
      shannonFunction = allocate("shannon")
      functions = hillCubeFunctions()
    }

    var compartments: [Element] = []
    var species: [Element] = []
    var parameters: [Element] = []
    var rules: [Element] = []
    var initials: [Element] = []
    let pinnedStates = Set(ode.stateNodes.indices.filter { run.statePins[$0] != nil })

    // Compartment sizes: a parameter, a node or an assignment of the model (or the generated one).
    for c in compartmentIDs {
      var element = Element("compartment", [("id", native ? c : sid(c))])
      if native {
        element.attributes += [("spatialDimensions", "3"), ("size", "1"), ("constant", "true")]
      } else if let p = model.parameters.firstIndex(where: { $0.id == c }) {
        element.attributes += [("size", Self.number(run.parameters[p])), ("constant", "true")]
      } else if let n = nodeIndex[c], ode.stateIndex[n] >= 0 {
        let s = ode.stateIndex[n]
        element.attributes += [("size", Self.number(state[s])), ("constant", pinnedStates.contains(s) ? "true" : "false")]
      } else {
        element.attributes += [("constant", "false")]
      }
      compartments.append(element)
    }

    // Nodes.
    for (i, node) in model.nodes.enumerated() {
      let id = sid(node.id)
      if node.isInput {
        let u = ode.inputIndex[i]
        var element = Element("parameter", [("id", id)])
        if let level = run.inputPins[u] {
          element.attributes += [("value", Self.number(level)), ("constant", "true")]
        } else if case .constant(let dose) = run.stimuli[u] {
          element.attributes += [("value", Self.number(dose)), ("constant", "true")]
        } else {
          element.attributes += [("value", Self.number(run.stimuli[u].value(at: 0))), ("constant", "false")]
          rules.append(Element("assignmentRule", [("variable", id)], children: [math.math(Self.stimulusExpr(run.stimuli[u]))]))
        }
        if let n = nodeNotes(node, input: true) { element.children.insert(n, at: 0) }
        parameters.append(element)
        continue
      }
      let s = ode.stateIndex[i]
      let pinned = pinnedStates.contains(s)
      let rateElement: Element?
      if pinned {
        rateElement = nil
      } else if let rate = node.rate {
        rateElement = rate.expr == .zero ? nil : rateMath(rate.expr, node: node.id)
      } else {
        rateElement = hillCubeRate(state: s)
      }
      if let rateElement { rules.append(Element("rateRule", [("variable", id)], children: [rateElement])) }
      if compartmentSet.contains(node.id) { continue }  // written as a compartment above
      if let compartment = speciesCompartment[node.id] {
        var element = Element("species", [("id", id), ("compartment", native ? compartment : sid(compartment))])
        let initialAssignment = initialAssignments.first { $0.target == node.id }
        if let compartmentID = concentration[node.id], let ia = initialAssignment,
          case .binary(.multiply, .number(let c), .variable(let v)) = ia.expression.expr, v == compartmentID
        {
          // The reader's rendering of initialConcentration: write it back as one.
          element.attributes.append(("initialConcentration", Self.number(c)))
          initialAssignments.removeAll { $0.target == node.id }
        } else {
          element.attributes.append(("initialAmount", Self.number(state[s])))
        }
        element.attributes += [
          ("hasOnlySubstanceUnits", concentration[node.id] == nil ? "true" : "false"),
          ("boundaryCondition", "false"), ("constant", pinned ? "true" : "false"),
        ]
        if let n = nodeNotes(node, input: false) { element.children.insert(n, at: 0) }
        species.append(element)
      } else {
        var element = Element(
          "parameter", [("id", id), ("value", Self.number(state[s])), ("constant", pinned ? "true" : "false")])
        if let n = nodeNotes(node, input: false) { element.children.insert(n, at: 0) }
        parameters.append(element)
      }
    }

    // Parameters (compartment sizes were written above).
    for (p, parameter) in model.parameters.enumerated() where !compartmentSet.contains(parameter.id) {
      var element = Element("parameter", [("id", sid(parameter.id)), ("value", Self.number(run.parameters[p])), ("constant", "true")])
      if let n = XMLElementBuilder.notes([parameter.description] + (parameter.unit.map { ["Unit: \($0)."] } ?? [])) {
        element.children.insert(n, at: 0)
      }
      parameters.append(element)
    }

    // Assignments: species, compartments or parameters defined by assignment rules.
    for assignment in model.assignments {
      let id = sid(assignment.id)
      if let compartment = speciesCompartment[assignment.id] {
        species.append(
          Element(
            "species",
            [("id", id), ("compartment", sid(compartment)),
             ("hasOnlySubstanceUnits", concentration[assignment.id] == nil ? "true" : "false"),
             ("boundaryCondition", "false"), ("constant", "false")]))
        rules.append(
          Element("assignmentRule", [("variable", id)], children: [math.math(asSpeciesValue(assignment.expression.expr, assignment.id))]))
        continue
      }
      if !compartmentSet.contains(assignment.id) {
        var element = Element("parameter", [("id", id), ("constant", "false")])
        if let n = XMLElementBuilder.notes([assignment.description] + (assignment.unit.map { ["Unit: \($0)."] } ?? [])) {
          element.children.insert(n, at: 0)
        }
        parameters.append(element)
      }
      rules.append(Element("assignmentRule", [("variable", id)], children: [mathElement(assignment.expression.expr)]))
    }

    // Initial assignments (pinned states keep their level).
    for ia in initialAssignments {
      // An assignment rule defines its variable at every time, t0 included; SBML forbids an
      // initial assignment beside it (the reader renders a species' initialConcentration as one).
      if assignmentIDs.contains(ia.target) { continue }
      if let n = nodeIndex[ia.target], ode.stateIndex[n] >= 0, pinnedStates.contains(ode.stateIndex[n]) { continue }
      let value = speciesCompartment[ia.target] != nil ? asSpeciesValue(ia.expression.expr, ia.target) : translate(ia.expression.expr)
      initials.append(Element("initialAssignment", [("symbol", sid(ia.target))], children: [math.math(value)]))
    }

    // Events (assignments to pinned states are dropped, as the engine skips them).
    var events: [Element] = []
    for event in model.events {
      var element = Element(
        "event", [("id", allocate(event.id)), ("useValuesFromTriggerTime", event.useValuesFromTriggerTime ? "true" : "false")])
      element.add(
        Element(
          "trigger",
          [("initialValue", event.initialValue ? "true" : "false"), ("persistent", event.persistent ? "true" : "false")],
          children: [math.mathBoolean(translate(event.trigger.expr))]))
      if let delay = event.delay { element.add(Element("delay", children: [mathElement(delay.expr)])) }
      if let priority = event.priority { element.add(Element("priority", children: [mathElement(priority.expr)])) }
      var list = Element("listOfEventAssignments")
      for a in event.assignments {
        if let n = nodeIndex[a.target], ode.stateIndex[n] >= 0, pinnedStates.contains(ode.stateIndex[n]) { continue }
        var value = translate(a.expression.expr)
        if let compartment = concentration[a.target] {
          // SBML assigns a concentration: the value as is when the model multiplied it by the size.
          if a.multiplier != compartment { value = .binary(.divide, value, .variable(compartment)) }
          if let m = a.multiplier, m != compartment { value = .binary(.multiply, value, .variable(m)) }
        } else if let m = a.multiplier {
          value = .binary(.multiply, value, .variable(m))
        }
        list.add(Element("eventAssignment", [("variable", sid(a.target))], children: [math.math(value)]))
      }
      if !list.children.isEmpty { element.add(list) }
      events.append(element)
    }

    for (name, items) in [
      ("listOfFunctionDefinitions", functions), ("listOfUnitDefinitions", unitDefinitions),
      ("listOfCompartments", compartments), ("listOfSpecies", species),
      ("listOfParameters", parameters), ("listOfInitialAssignments", initials), ("listOfRules", rules),
      ("listOfEvents", events),
    ] where !items.isEmpty {
      sbmlModel.add(Element(name, children: items))
    }
    let root = Element(
      "sbml", [("xmlns", "http://www.sbml.org/sbml/level3/version2/core"), ("level", "3"), ("version", "2")],
      children: [sbmlModel])
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.render()
  }

  /// The rate rule of a node with a rate law (`dn/dt` of an amount; d[S]/dt for a concentration species).
  func rateMath(_ rate: Expr, node: String) -> Element {
    guard let compartment = concentration[node] else { return mathElement(rate) }
    // [S] = n/V: d[S]/dt = (dn/dt − [S]·dV/dt)/V.
    var numerator = translate(rate)
    if let c = nodeIndex[compartment], ode.stateIndex[c] >= 0, run.statePins[ode.stateIndex[c]] == nil,
      let sizeRate = model.nodes[c].rate?.expr, sizeRate != .zero
    {
      numerator = .binary(.subtract, numerator, .binary(.multiply, .variable(node), translate(sizeRate)))
    }
    return math.math(.binary(.divide, numerator, .variable(compartment)))
  }

  // MARK: HillCube

  func apply(_ head: String, _ args: [Element]) -> Element {
    Element("apply", children: [Element(head)] + args)
  }

  func call(_ function: String, _ args: [Element]) -> Element {
    Element("apply", children: [Element("ci", text: " \(function) ")] + args)
  }

  func ci(_ id: String) -> Element { Element("ci", text: " \(id) ") }

  /// `normalized_hill(x, n, k)` and `shannon(y, lo, hi)`.
  func hillCubeFunctions() -> [Element] {
    let x = ci("x"), n = ci("n"), k = ci("k")
    // The engine's clip (x < 0 → 0, x > 1 → 1, else x; NaN stays NaN) as max(0, min(1, x)):
    // the same function, without relational operators. libRoadRunner turns every piecewise
    // condition into a root function, and with one per regulator at x = 0 and x = 1, where
    // HillCube states start and settle, CVODE fails its error test (it does on the
    // osteogenesis model); SBMLReader would likewise restart the integration at every crossing.
    let clipped = apply("max", [MathMLWriter.cn(0), apply("min", [MathMLWriter.cn(1), x])])
    let cn = apply("power", [clipped, n])
    let kn = apply("power", [k, n])
    let hill = apply("times", [apply("divide", [cn, apply("plus", [cn, kn])]), apply("plus", [MathMLWriter.cn(1), kn])])
    func lambda(_ id: String, _ variables: [String], _ body: Element, _ note: String) -> Element {
      var l = Element("lambda")
      for v in variables { l.add(Element("bvar", children: [ci(v)])) }
      l.add(body)
      var definition = Element("functionDefinition", [("id", id)])
      if let notes = XMLElementBuilder.notes([note]) { definition.add(notes) }
      definition.add(Element("math", [("xmlns", MathMLWriter.namespace)], children: [l]))
      return definition
    }
    let y = ci("y"), lo = ci("lo"), hi = ci("hi")
    // Each argument once, so that tools which inline function definitions (libRoadRunner,
    // SBMLReader) never copy a sub-diagram twice.
    let shannon = apply("plus", [apply("times", [apply("minus", [MathMLWriter.cn(1), y]), lo]), apply("times", [y, hi])])
    return [
      lambda(
        hillFunction, ["x", "n", "k"], hill,
        "Normalised Hill function h(x) = c^n/(c^n + k^n)·(1 + k^n) of c = max(0, min(1, x)), x clipped to [0, 1]: h(0) = 0, h(1) = 1."),
      lambda(
        shannonFunction, ["y", "lo", "hi"], shannon,
        "One Shannon step of the multilinear interpolation of a truth table: (1 − y)·lo + y·hi."),
    ]
  }

  /// `(s·M·B̂(y) − x)/τ` for the HillCube node of state `s`.
  func hillCubeRate(state s: Int) -> Element {
    let h = ode.hillNodeOfState[s]
    let hillNode = ode.hillNodes[h]
    let n = ode.stateNodes[s]
    let node = model.nodes[n]
    let table = ode.truthTables[n]!
    // Regulator values.
    var y: [Element] = []
    for (j, name) in table.regulators.enumerated() {
      let r = hillNode.regulatorStart + j
      y.append(regulatorValue(name, n: run.regulatorN[r], k: run.regulatorK[r]))
    }
    let diagram = MultilinearDiagram(table)
    var memo: [Int32: Element] = [0: MathMLWriter.cn(0), 1: MathMLWriter.cn(1)]
    for i in 0..<diagram.size {
      let lo = diagram.low[i], hi = diagram.high[i]
      let yv = y[Int(diagram.variable[i])]
      let value: Element
      if lo == 0 && hi == 1 {
        value = yv
      } else if lo == 1 && hi == 0 {
        value = apply("minus", [MathMLWriter.cn(1), yv])
      } else if lo == 0 {
        value = apply("times", [yv, memo[hi]!])
      } else {
        value = call(shannonFunction, [yv, memo[lo]!, memo[hi]!])
      }
      memo[Int32(i + 2)] = value
    }
    let b = memo[diagram.root]!
    // Production: s·F₁·F₂·…·B̂, multiplied left to right as the engine does.
    var factors: [Element] = []
    let scale = run.scale[s]
    if scale != 1 { factors.append(MathMLWriter.cn(scale)) }
    for (j, modulator) in node.modulators.enumerated() {
      let q = hillNode.modulatorStart + j
      let v = regulatorValue(modulator.source, n: run.modulatorN[q], k: run.modulatorK[q])
      let w = modulator.weight
      if modulator.sign == .activation {
        factors.append(apply("plus", [MathMLWriter.cn(1 - w), apply("times", [MathMLWriter.cn(w), v])]))
      } else {
        factors.append(apply("minus", [MathMLWriter.cn(1), apply("times", [MathMLWriter.cn(w), v])]))
      }
    }
    let production = factors.isEmpty ? b : apply("times", factors + [b])
    let rate = apply("divide", [apply("minus", [production, ci(sid(node.id))]), MathMLWriter.cn(run.tau[s])])
    return Element("math", [("xmlns", MathMLWriter.namespace)], children: [rate])
  }

  /// y for a regulator or modulator: the dose of an input, h(x) of a node.
  func regulatorValue(_ name: String, n: Double, k: Double) -> Element {
    if let i = nodeIndex[name], model.nodes[i].isInput { return ci(sid(name)) }
    return call(hillFunction, [ci(sid(name)), MathMLWriter.cn(n), MathMLWriter.cn(k)])
  }

  // MARK: Notes and numbers

  /// Description, rule and evidence of a node, as XHTML notes.
  func nodeNotes(_ node: Node, input: Bool) -> Element? {
    var lines: [String] = []
    if !node.description.isEmpty { lines.append(node.description) }
    if !node.role.isEmpty { lines.append("Role: \(node.role)") }
    if input { lines.append("Input: its value is the dose (constant at the baseline unless a scenario set a stimulus).") }
    if let rule = node.rule { lines.append("Logical rule: \(node.id) = \(rule.text)") }
    if node.rate != nil && node.rule != nil { lines.append("The rate rule is the node's explicit rate law (it takes precedence over the rule).") }
    for edge in node.edges where !edge.references.isEmpty || !edge.mechanism.isEmpty {
      var text = "\(edge.source) \(edge.sign == .inhibition ? "⊣" : "→") \(node.id)"
      if !edge.mechanism.isEmpty { text += ": \(edge.mechanism)" }
      if !edge.references.isEmpty { text += " [" + edge.references.joined(separator: "; ") + "]" }
      lines.append(text)
    }
    for m in node.modulators {
      lines.append("Modulator \(m.source) (\(m.sign.rawValue), weight \(formatNumber(m.weight)))" + (m.references.isEmpty ? "" : " [" + m.references.joined(separator: "; ") + "]"))
    }
    lines += node.references.map { "Reference: \($0)" }
    if let unit = node.unit { lines.append("Unit: \(unit).") }
    return XMLElementBuilder.notes(lines)
  }

  /// A number as an SBML attribute value (shortest round-trip form; INF, -INF, NaN; a
  /// subnormal as 0, since libSBML refuses numbers that underflow).
  static func number(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "INF" : "-INF" }
    return formatNumber(v.isSubnormal ? 0 : v)
  }

  /// A stimulus as a function of time, with the engine's arithmetic (`Stimulus.coefficients`).
  static func stimulusExpr(_ stimulus: Stimulus) -> Expr {
    let t = Expr.time
    func num(_ v: Double) -> Expr { .number(v) }
    func ge(_ a: Double) -> Expr { .binary(.greaterEqual, t, num(a)) }
    func lt(_ a: Double) -> Expr { .binary(.less, t, num(a)) }
    switch stimulus {
    case .constant(let v):
      return num(v)
    case .step(let at, let dose, let baseline):
      return .call(.piecewise, [num(dose), ge(at), num(baseline)])
    case .pulse(let start, let end, let dose, let baseline):
      return .call(.piecewise, [num(dose), .binary(.and, ge(start), lt(end)), num(baseline)])
    case .ramp(let start, let end, let from, let to):
      if end <= start { return .call(.piecewise, [num(from), lt(start), num(to)]) }
      let slope = (to - from) / (end - start)
      let a = from - slope * start
      return .call(.piecewise, [num(from), lt(start), num(to), ge(end), .binary(.add, num(a), .binary(.multiply, num(slope), t))])
    case .repeated(let start, let period, let duration, let count, let dose, let baseline):
      guard period > 0 else { return num(baseline) }
      // index = floor((t − start)/period); on while t − (start + index·period) < duration.
      let index = Expr.call(.floor, [.binary(.divide, .binary(.subtract, t, num(start)), num(period))])
      let phase = Expr.binary(.subtract, t, .binary(.add, num(start), .binary(.multiply, index, num(period))))
      var condition = Expr.binary(.and, ge(start), .binary(.less, phase, num(duration)))
      if let count { condition = .binary(.and, condition, .binary(.less, index, num(Double(count)))) }
      return .call(.piecewise, [num(dose), condition, num(baseline)])
    case .schedule(let points, let baseline):
      // The last point whose time has come, as the engine scans them.
      var args: [Expr] = []
      for point in points.reversed() { args += [num(point.value), ge(point.time)] }
      return args.isEmpty ? num(baseline) : .call(.piecewise, args + [num(baseline)])
    }
  }
}
