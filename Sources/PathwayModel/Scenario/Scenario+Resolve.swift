import Foundation

/// A scenario resolved against a model: everything a continuous run needs, checked.
public struct ResolvedRun: Sendable {
  public var name: String
  public var parameters: RunParameters
  /// Initial state per state variable, before equilibration.
  public var initial: [Double]
  /// Initial values the scenario sets explicitly (applied after equilibration), by state index.
  public var initialOverrides: [Int: Double]
  /// Parameters the scenario set explicitly (initial assignments leave them alone).
  public var explicitlySet: Set<String>
  /// How long to equilibrate the reference context first (nil: start from `initial`).
  public var equilibrate: Double?
  public var start: Double
  public var end: Double
  public var times: [Double]
  public var options: SolverOptions
  /// Output columns, or nil for all.
  public var select: [String]?
  /// The output columns as formulas: a species as its amount or its concentration, any other
  /// name as its value.
  public var columns: [(name: String, expr: Expr)]
  public var layout: OutputLayout
  /// A JSON-ready record of the resolved scenario (for manifests).
  public var record: [String: JSONValue]
}

/// Layouts of a time-course CSV.
public enum OutputLayout: String, Sendable, Hashable, CaseIterable {
  /// `time,<id>,<id>,…`: one row per output time.
  case wide
  /// `time,variable,value`: one row per output time and variable.
  case long
}

extension Scenario {
  /// The location label of settings and options given on the command line.
  public static let commandLine = "<command line>"

  /// How a message names a perturbation action: `--knockout` or `--overexpress` for a pin given
  /// on the command line, else `otherwise`.
  public static func describe(_ action: PerturbationAction, at location: SourceLocation?, otherwise: String) -> String {
    guard location?.file == commandLine, case .pin(_, let level) = action else { return otherwise }
    return level >= 0.5 ? "--overexpress" : "--knockout"
  }

  /// ` at FILE:LINE:COLUMN` for a place in a scenario file; nothing for the command line.
  static func at(_ location: SourceLocation?) -> String {
    guard let location, location.file != commandLine else { return "" }
    return " at \(location)"
  }

  /// Resolves names against `model` and fills in defaults. Problems are located in the scenario
  /// files (exit 65) or, for command-line values, reported as usage errors (exit 64).
  public func resolve(for ode: ODEModel) throws(PathwayError) -> ResolvedRun {
    let model = ode.model
    var bag = DiagnosticBag()
    var usage = DiagnosticBag()
    func report(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
      if location == nil || location?.file == Scenario.commandLine {
        usage.error(nil, message, notes: notes)
      } else {
        bag.error(location, message, notes: notes)
      }
    }
    var parameters = RunParameters(ode)
    let nodeIDs = model.nodes.map(\.id)
    let inputIDs = ode.inputNames
    let nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    var record: [String: JSONValue] = ["name": .string(name), "files": .array(sources.map(JSONValue.string))]
    // Each scenario file's SHA-256, as for the model: the same path may hold different protocols.
    if !sources.isEmpty {
      record["files_sha256"] = .array(sources.map { FileManager.default.contents(atPath: $0).map { .string(SHA256.hex($0)) } ?? .null })
    }

    // Stimuli.
    var inputRecord: [String: JSONValue] = [:]
    for entry in inputs {
      guard let i = nodeIndex[entry.input] else {
        report(entry.location, "unknown input '\(entry.input)'", notes: didYouMean(entry.input, among: inputIDs).map { [$0] } ?? [])
        continue
      }
      guard ode.inputIndex[i] >= 0 else {
        report(entry.location, "'\(entry.input)' is not an input; only inputs take a dose",
               notes: ["set its initial value under 'initial:', or pin it with a perturbation"])
        continue
      }
      parameters.stimuli[ode.inputIndex[i]] = entry.stimulus
      inputRecord[entry.input] = .string(entry.stimulus.summary)
    }

    // Perturbations.
    var perturbationRecord: [JSONValue] = []
    var pinOrigin: [Int: String] = [:]
    func apply(_ action: PerturbationAction, _ location: SourceLocation?, _ what: String) {
      guard let i = nodeIndex[action.node] else {
        let what = Scenario.describe(action, at: location, otherwise: "a perturbation")
        report(location, "unknown node '\(action.node)' in \(what)",
               notes: didYouMean(action.node, among: nodeIDs).map { [$0] } ?? [])
        return
      }
      switch action {
      case .pin(_, let level):
        // Two pins of one node at different levels contradict each other, as in Boolean runs.
        let previous = ode.inputIndex[i] >= 0 ? parameters.inputPins[ode.inputIndex[i]] : parameters.statePins[ode.stateIndex[i]]
        if let previous, previous != level {
          report(
            location,
            "'\(action.node)' is pinned at \(formatNumber(previous)) by \(pinOrigin[i] ?? "another perturbation") and at \(formatNumber(level)) by \(what)")
          return
        }
        pinOrigin[i] = what
        if ode.inputIndex[i] >= 0 { parameters.inputPins[ode.inputIndex[i]] = level } else {
          parameters.statePins[ode.stateIndex[i]] = level
        }
      case .scale(_, let factor):
        guard ode.stateIndex[i] >= 0, model.nodes[i].rate == nil, model.nodes[i].rule != nil else {
          report(location, "'\(action.node)' has no logic-derived production to scale",
                 notes: ["scale acts on nodes whose ODE comes from their rule; change a parameter of a rate law instead"])
          return
        }
        parameters.scale[ode.stateIndex[i]] *= factor
      }
    }
    for entry in perturbations {
      switch entry {
      case .named(let name, let location):
        guard let named = model.perturbations.first(where: { $0.name == name }) else {
          let names = model.perturbations.map(\.name)
          var notes = didYouMean(name, among: names).map { [$0] } ?? []
          if !names.isEmpty { notes.append("the model defines: " + names.joined(separator: ", ")) }
          if location?.file == Scenario.commandLine {
            notes.append("or pin nodes with --knockout NODE and --overexpress NODE")
          } else {
            notes.append("or write {knockout: NODE}, {overexpress: NODE}, {pin: {NODE: level}}, {scale: {NODE: factor}}")
          }
          report(location, "unknown perturbation '\(name)'", notes: notes)
          continue
        }
        for action in named.actions { apply(action, location, "perturbation '\(name)'" + Self.at(location)) }
        perturbationRecord.append(.string(name))
      case .actions(let actions, _):
        for located in actions {
          apply(
            located.action, located.location,
            Scenario.describe(located.action, at: located.location, otherwise: "the perturbation" + Self.at(located.location)))
          perturbationRecord.append(.string(located.action.summary))
        }
      }
    }

    // Settings: parameters, doses, initial values, τ, n, k.
    let initial = ode.stateNodes.map { model.nodes[$0].initial }
    var initialOverrides: [Int: Double] = [:]
    var settingRecord: [String: JSONValue] = [:]
    for setting in settings {
      switch ode.settingTarget(setting.target, section: setting.section) {
      case .failure(let problem):
        report(setting.location, problem.message, notes: problem.notes)
      case .success(let target):
        if let problem = target.problem(with: setting.value) {
          report(setting.location, problem)
          continue
        }
        target.apply(setting.value, to: &parameters, initialOverrides: &initialOverrides, in: ode)
        settingRecord[setting.target] = .number(setting.value)
        // The record shows the stimulus that runs: a setting replaces an input's.
        if case .inputDose(let u) = target { inputRecord[inputIDs[u]] = .string(parameters.stimuli[u].summary) }
      }
    }
    record["inputs"] = .object(inputRecord)
    record["perturbations"] = .array(perturbationRecord)
    record["settings"] = .object(settingRecord)

    // Time span and output grid.
    let start = time.start ?? 0
    var end = start
    var times: [Double] = []
    if let e = time.end {
      end = e
      if !(end > start) {
        report(time.location, "the end time \(formatNumber(end)) is not after the start time \(formatNumber(start))")
      }
    } else {
      usage.error(nil, "no end time: give --t-end or 'time: {end: …}' in a scenario")
    }
    if end > start {
      switch time.grid {
      case .steps(let count)?:
        times = (0...count).map { i in i == count ? end : snap(start + (end - start) * Double(i) / Double(count)) }
      case .dt(let dt)?:
        let count = ((end - start) / dt * (1 + 1e-12)).rounded(.down)
        if count > 1e8 {
          report(time.gridLocation, "dt \(formatNumber(dt)) gives more than 10⁸ output rows")
        } else {
          times = (0...Int(count)).map { snap(start + Double($0) * dt) }
          if let last = times.last, end - last > 1e-9 * abs(dt) { times.append(end) } else { times[times.count - 1] = end }
        }
      case .times(let explicit)?:
        times = explicit
        if let bad = explicit.first(where: { $0 < start || $0 > end }) {
          report(time.gridLocation, "output time \(formatNumber(bad)) is outside [\(formatNumber(start)), \(formatNumber(end))]")
        }
      case nil:
        times = (0...100).map { i in i == 100 ? end : start + (end - start) * Double(i) / 100 }
      }
    }
    record["time"] = .object([
      "start": .number(start), "end": .number(end), "points": .number(Double(times.count)),
    ])

    // Solver.
    var options = SolverOptions()
    if let method = solver.method {
      if let stepper = Stepper(rawValue: method) { options.method = stepper } else {
        usage.error(nil, "unknown method '\(method)'",
                    notes: ["methods: " + Stepper.allCases.map(\.rawValue).joined(separator: ", ")])
      }
    }
    if let kernel = solver.kernel {
      if let mode = KernelMode(rawValue: kernel) { options.kernel = mode } else {
        usage.error(nil, "unknown kernel '\(kernel)'",
                    notes: ["kernels: " + KernelMode.allCases.map(\.rawValue).joined(separator: ", ")])
      }
    }
    if let text = solver.atolScale {
      if let scale = AbsoluteToleranceScale(rawValue: text) { options.atolScale = scale } else {
        usage.error(nil, "unknown atol scale '\(text)'",
                    notes: ["atol scales: " + AbsoluteToleranceScale.allCases.map(\.rawValue).joined(separator: ", ")])
      }
    }
    if let v = solver.rtol { options.rtol = v }
    if let v = solver.atol { options.atol = v }
    if let v = solver.hMax { options.hMax = v }
    if let v = solver.hInitial { options.hInitial = v }
    if let v = solver.maxSteps { options.maxSteps = v }
    options.eventRows = output.eventRows ?? false
    record["solver"] = .object([
      "method": .string(options.method.rawValue), "rtol": .number(options.rtol), "atol": .number(options.atol),
      "h_max": options.hMax.map(JSONValue.number) ?? .null, "h_init": options.hInitial.map(JSONValue.number) ?? .null,
      "max_steps": .number(Double(options.maxSteps)), "kernel": .string(options.kernel.rawValue),
      "atol_scale": .string(options.atolScale.rawValue), "event_rows": .bool(options.eventRows),
      "jacobian": .string(ode.hasSymbolicJacobian ? "symbolic" : "symbolic with finite-difference entries"),
    ])

    // Output.
    var layout = OutputLayout.wide
    if let text = output.layout {
      if let l = OutputLayout(rawValue: text) { layout = l } else { usage.error(nil, "unknown layout '\(text)'") }
    }
    let selectable = ode.selectableNames
    let selectableSet = Set(selectable)
    let species = Dictionary(model.species.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let amounts = Set(output.amount ?? []), concentrations = Set(output.concentration ?? [])
    for name in amounts.intersection(concentrations) {
      usage.error(nil, "'\(name)' is asked for both as an amount and as a concentration")
    }
    // A name that is no species (the SBML Test Suite lists compartments among the amounts) is
    // written as its value, as the contract says; an unknown one is an error.
    for name in amounts.union(concentrations).sorted() where !selectableSet.contains(name) {
      usage.error(nil, "unknown identifier '\(name)' in --amount/--concentration",
                  notes: didYouMean(name, among: model.species.isEmpty ? selectable : model.species.map(\.id)).map { [$0] } ?? [])
    }
    var columns: [(name: String, expr: Expr)] = []
    // What each column holds, for the manifest: the kind of quantity, amount or concentration, unit.
    var columnRecords: [JSONValue] = []
    let nodesByID = Dictionary(model.nodes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let assignmentsByID = Dictionary(model.assignments.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let parametersByID = Dictionary(model.parameters.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    func columnRecord(_ name: String, kind: String, quantity: String? = nil, unit: String?) -> JSONValue {
      var entry: [String: JSONValue] = ["name": .string(name), "kind": .string(kind)]
      if let quantity { entry["quantity"] = .string(quantity) }
      entry["unit"] = unit.map(JSONValue.string) ?? .null
      return .object(entry)
    }
    var selection = output.select
    if let requested = output.select {
      if requested.isEmpty {
        report(output.selectLocation, "the selection is empty", notes: ["name the columns to write, or leave the selection out to write every node"])
      }
      let (names, unmatched) = Scenario.expandSelection(requested, among: selectable)
      for pattern in unmatched {
        report(output.selectLocation, "no node, assignment or parameter matches '\(pattern)' in the selection")
      }
      selection = names
    }
    for name in selection ?? (model.nodes.map(\.id) + ode.assignmentNames) {
      guard selectableSet.contains(name) else {
        report(output.selectLocation, "unknown identifier '\(name)' in the selection",
               notes: (didYouMean(name, among: selectable).map { [$0] } ?? [])
                 + ["selectable: nodes, assignments (an SBML reaction's rate among them) and parameters"])
        continue
      }
      if let info = species[name] {
        let amount = amounts.contains(name) || (!concentrations.contains(name) && info.reportsAmount)
        columns.append((name, amount ? .variable(name) : .binary(.divide, .variable(name), .variable(info.compartment))))
        columnRecords.append(columnRecord(
          name, kind: "species", quantity: amount ? "amount" : "concentration (per size of \(info.compartment))",
          unit: amount ? (nodesByID[name]?.unit ?? assignmentsByID[name]?.unit) : info.concentrationUnit))
      } else {
        columns.append((name, .variable(name)))
        if let node = nodesByID[name] {
          columnRecords.append(columnRecord(name, kind: node.isInput ? "input" : "node", unit: node.unit))
        } else if let assignment = assignmentsByID[name] {
          columnRecords.append(columnRecord(name, kind: "assignment", unit: assignment.unit))
        } else {
          columnRecords.append(columnRecord(name, kind: "parameter", unit: parametersByID[name]?.unit))
        }
      }
    }
    record["columns"] = .array(columnRecords)
    record["time_unit"] = model.timeUnit.map(JSONValue.string) ?? .null
    record["equilibrate"] = model.defaults.equilibrate.map(JSONValue.number) ?? .null

    try bag.throwIfErrors()
    try usage.throwIfErrors(.usage)
    return ResolvedRun(
      name: name, parameters: parameters, initial: initial, initialOverrides: initialOverrides,
      explicitlySet: Set(settings.map(\.target)).intersection(model.parameters.map(\.id)),
      equilibrate: model.defaults.equilibrate, start: start, end: end, times: times, options: options,
      select: selection, columns: columns, layout: layout, record: record)
  }
}

/// `t` rounded to 15 significant digits, so that a grid of 0.3 gives 0.9 and not
/// 0.8999999999999999 (the change is at most 5e-16 relative).
func snap(_ t: Double) -> Double {
  Double(String(format: "%.15g", t)) ?? t
}

extension ResolvedRun {
  /// Runs the scenario: equilibrates the reference context if the model asks for it, applies the
  /// scenario's initial values, integrates. Throws only for setup problems; solver failures are
  /// in `Solution.failure`.
  public func simulate(_ ode: ODEModel) throws(PathwayError) -> Solution {
    let solver = try ODESolver(ode, options: options, outputs: try ode.compileOutputs(columns))
    return try simulate(with: solver)
  }

  /// As `simulate(_:)`, reusing a solver (a sweep worker's). `equilibrated`, when given, stands
  /// in for `solver.equilibrate` (a sweep worker's cache of equilibrated states).
  public func simulate(
    with solver: ODESolver,
    equilibrated: ((RunParameters, [Double], Double) throws(PathwayError) -> [Double])? = nil
  ) throws(PathwayError) -> Solution {
    let (parameters, state) = try startingPoint(with: solver, equilibrated: equilibrated)
    return solver.solve(parameters, initial: state, start: start, end: end, times: times)
  }

  /// The parameters and the state at `start`: initial assignments (except what the scenario set
  /// explicitly), the equilibration of the reference context when asked, then initial overrides.
  public func startingPoint(
    with solver: ODESolver,
    equilibrated: ((RunParameters, [Double], Double) throws(PathwayError) -> [Double])? = nil
  ) throws(PathwayError) -> (parameters: RunParameters, state: [Double]) {
    var state = initial
    var parameters = self.parameters
    let ode = solver.ode
    let kept = Set(initialOverrides.keys.map { ode.stateNames[$0] }).union(explicitlySet)
    try ode.applyInitialAssignments(parameters: &parameters, state: &state, time: start, keep: kept)
    if let duration = equilibrate {
      if let equilibrated {
        state = try equilibrated(parameters, state, duration)
      } else {
        state = try solver.equilibrate(parameters, initial: state, duration: duration)
      }
    }
    try ode.applyInitialOverrides(initialOverrides, parameters: parameters, state: &state, time: start)
    return (parameters, state)
  }
}

extension Stimulus {
  /// A one-line description for manifests: `0.5`, `pulse 1 on [0, 72)`, ….
  public var summary: String {
    let f = formatNumber
    switch self {
    case .constant(let v): return f(v)
    case .step(let at, let dose, let baseline): return "\(f(baseline)) then \(f(dose)) from \(f(at))"
    case .pulse(let start, let end, let dose, let baseline):
      return "pulse \(f(dose)) on [\(f(start)), \(f(end))), else \(f(baseline))"
    case .ramp(let start, let end, let from, let to): return "ramp \(f(from)) → \(f(to)) over [\(f(start)), \(f(end))]"
    case .repeated(let start, let period, let duration, let count, let dose, let baseline):
      return "\(f(dose)) for \(f(duration)) every \(f(period)) from \(f(start))"
        + (count.map { ", \($0) times" } ?? "") + ", else \(f(baseline))"
    case .schedule(let points, let baseline):
      return "schedule \(f(baseline))" + points.map { "; \(f($0.value)) from \(f($0.time))" }.joined()
    }
  }
}

extension PerturbationAction {
  /// `knockout X`, `overexpress X`, `pin X = 0.2`, `scale X × 0.3`.
  public var summary: String {
    switch self {
    case .pin(let node, 0): return "knockout \(node)"
    case .pin(let node, 1): return "overexpress \(node)"
    case .pin(let node, let level): return "pin \(node) = \(formatNumber(level))"
    case .scale(let node, let factor): return "scale \(node) × \(formatNumber(factor))"
    }
  }
}

extension Scenario {
  /// `items` with each glob pattern (`*` any run of characters, `?` one) replaced by the
  /// matching `names`, in their order; plain names stay as written. A name already listed is not
  /// repeated. `unmatched` lists the patterns that match nothing.
  public static func expandSelection(_ items: [String], among names: [String]) -> (names: [String], unmatched: [String]) {
    var out: [String] = [], seen = Set<String>(), unmatched: [String] = []
    for item in items {
      guard item.contains("*") || item.contains("?") else {
        if seen.insert(item).inserted { out.append(item) }
        continue
      }
      let pattern = Array(item.unicodeScalars)
      let matches = names.filter { globMatches(pattern, Array($0.unicodeScalars)) }
      if matches.isEmpty { unmatched.append(item) }
      for name in matches where seen.insert(name).inserted { out.append(name) }
    }
    return (out, unmatched)
  }

  /// Whether `text` matches `pattern` as a whole, `*` matching any run and `?` any one character.
  static func globMatches(_ pattern: [Unicode.Scalar], _ text: [Unicode.Scalar]) -> Bool {
    var p = 0, t = 0, star = -1, resume = 0
    while t < text.count {
      if p < pattern.count && (pattern[p] == "?" || pattern[p] == text[t]) {
        p += 1
        t += 1
      } else if p < pattern.count && pattern[p] == "*" {
        star = p
        resume = t
        p += 1
      } else if star >= 0 {
        p = star + 1
        resume += 1
        t = resume
      } else {
        return false
      }
    }
    while p < pattern.count && pattern[p] == "*" { p += 1 }
    return p == pattern.count
  }
}
