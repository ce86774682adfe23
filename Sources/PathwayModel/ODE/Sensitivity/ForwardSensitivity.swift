import Foundation

/// A quantity a run's outputs are differentiated by: anything `--set` and a sweep accept (a
/// parameter, an input's constant dose, a state's initial value, a logic-derived node's τ, Hill n
/// or Hill k), with its value in the run.
public struct SensitivityParameter: Sendable, Hashable {
  /// The name as written (`k1`, `BMP9`, `Runx2.tau`).
  public var name: String
  public var target: SettingTarget
  /// The quantity's value in the resolved run.
  public var base: Double
}

/// Forward (local, time-course) sensitivities: ∂y(t)/∂p of every output column y of a
/// continuous run with respect to chosen quantities p, by the forward sensitivity equations
///
///     ds_j/dt = ∂f/∂x · s_j + ∂f/∂p_j,   s_j(t₀) = ∂x(t₀)/∂p_j,
///
/// integrated together with the model as one system. The system is built symbolically: the
/// right-hand side of each s_j is the derivative of the model's rate laws (logic-derived nodes
/// written out as their HillCube expression, τ, n and k as symbols), with the chain rule through
/// the assignments, so the integrator controls the error of the sensitivities as it does the
/// states' (same rtol and atol), and the implicit methods get its exact Jacobian.
///
/// The starting sensitivities follow the run's own start: initial assignments (differentiated
/// by a central difference of the assignments alone, which are algebraic; relative error about
/// 1e-10), equilibration of the reference context (integrated with the system), then the
/// scenario's initial values.
///
/// Where a comparison in the rate laws flips with the state at time τ (`if(x < 1, a, b)`), the
/// sensitivities jump by (f⁻ − f⁺)·∂τ/∂p, with ∂τ/∂p = −(∂g/∂x·s + ∂g/∂p)/(dg/dt) for the
/// comparison's root function g (the integrator stops there and switches branches; see
/// `ODEModel.modeSlots`). A switch the trajectory only grazes (dg/dt ≈ 0) ends the rows.
///
/// Refused, each with the reason: events (their assignments make sensitivities jump too),
/// `delay`, `floor` and its kin on the state, and switches at times that move with a
/// differentiated parameter.
public final class ForwardSensitivity: @unchecked Sendable {
  /// The model as the user gave it.
  public let ode: ODEModel
  public let run: ResolvedRun
  public let parameters: [SensitivityParameter]
  /// The model together with its sensitivity equations.
  public let system: ODEModel
  /// Output columns: the run's columns, then `d(column)/d(parameter)` per parameter (parameter-major).
  public let columnNames: [String]
  /// The run's own columns.
  public let variables: [String]

  /// Index of the first synthetic parameter (τ, scale, n, k of HillCube nodes) in `system`.
  private let syntheticBase: Int
  /// Per HillCube node h: the synthetic parameter indices of τ and the scale (relative to syntheticBase).
  private let hillSynthetic: [(tau: Int, scale: Int, state: Int)]
  /// Per regulator and modulator: synthetic parameter indices of n and k.
  private let regulatorSynthetic: [(n: Int, k: Int)]
  private let modulatorSynthetic: [(n: Int, k: Int)]
  /// Parameters of `system` holding ∂u/∂dose for a dose target: (input, target, index in system).
  private let doseSensitivities: [(input: Int, target: Int, index: Int)]
  /// Starting point before equilibration: initial state, sensitivities of states (per target),
  /// and parameters after initial assignments. (The sensitivities of parameters are the default
  /// values of their parameters in `system`.)
  private let startParameters: RunParameters
  private let startState: [Double]
  private let startSensitivities: [[Double]]
  private let steps: [Double]
  /// Parameters that start with a sensitivity, and the parameter of `system` holding each
  /// (by "parameter|target").
  private let parameterRows: [(parameter: Int, target: Int, value: Double)]
  private let parameterRowIndex: [String: Int]

  /// Sets up the sensitivity system of `run` for the quantities `names`.
  ///
  /// - Throws: a usage error (exit 64) for an unknown or unusable name, an invalid-input error
  ///   (exit 65) for a model these equations do not cover.
  public init(ode: ODEModel, run: ResolvedRun, parameters names: [String]) throws(PathwayError) {
    self.ode = ode
    self.run = run
    let model = ode.model
    guard !names.isEmpty else { throw PathwayError(.usage, "name at least one quantity to differentiate by (--param)") }

    // The quantities.
    let targets = try Self.quantities(names, ode: ode, run: run)
    self.parameters = targets

    // What the equations do not cover.
    if let event = model.events.first {
      throw PathwayError(
        .invalidInput, at: event.location,
        "sensitivities of a model with events are not supported: event '\(event.id)' makes them jump when it fires",
        notes: ["simulate sweep --sampling oat estimates them by finite differences of whole runs"])
    }
    let nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    let parameterIndex = Dictionary(model.parameters.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    let assignmentExpressions = Dictionary(model.assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
    for assignment in model.assignments where assignment.expression.expr.containsDelay {
      throw PathwayError(.invalidInput, at: assignment.expression.origin, "sensitivities of delay equations are not supported ('\(assignment.id)' uses delay)")
    }
    for node in model.nodes where node.rate?.expr.containsDelay == true {
      throw PathwayError(.invalidInput, at: node.rate?.origin, "sensitivities of delay equations are not supported (the rate law of '\(node.id)' uses delay)")
    }

    // The starting point and its sensitivities.
    let start = try Self.start(ode: ode, run: run, targets: targets)
    let steps = start.steps
    self.steps = steps
    self.startParameters = start.parameters
    self.startState = start.state
    self.startSensitivities = start.sensitivities
    let parameterRows = start.parameterRows

    // Which names vary with time, the state or a differentiated parameter (for the discontinuity check).
    let varyingParameters = Set(parameterRows.map { model.parameters[$0.parameter].id })
    let doseTargets = Set(targets.compactMap { t -> String? in
      if case .inputDose(let u) = t.target { return model.nodes[ode.inputNodes[u]].id }
      return nil
    })
    var dependence: [String: (state: Bool, time: Bool, parameter: Bool)] = [:]
    func depends(_ name: String) -> (state: Bool, time: Bool, parameter: Bool) {
      if let known = dependence[name] { return known }
      var result = (state: false, time: false, parameter: false)
      if name == Expr.timeName {
        result.time = true
      } else if let i = nodeIndex[name] {
        if ode.stateIndex[i] >= 0 { result.state = true } else {
          result.time = true  // an input follows its stimulus
          if doseTargets.contains(name) { result.parameter = true }
        }
      } else if varyingParameters.contains(name) {
        result.parameter = true
      } else if let expr = assignmentExpressions[name] {
        dependence[name] = result  // cycles are refused elsewhere; stop here
        for v in expr.variables {
          let d = depends(v)
          result.state = result.state || d.state
          result.time = result.time || d.time
          result.parameter = result.parameter || d.parameter
        }
      }
      dependence[name] = result
      return result
    }
    func checkDiscontinuities(_ expr: Expr, in what: String, at origin: SourceLocation?) throws(PathwayError) {
      for (condition, isComparison) in expr.discontinuities {
        var state = false, time = false, parameter = false
        for v in condition.variables {
          let d = depends(v)
          state = state || d.state
          time = time || d.time
          parameter = parameter || d.parameter
        }
        // A comparison with the state is a switch the integrator stops at: `solve` watches
        // those and ends the output where one flips. `floor` and its kin are not switches.
        if (state && !isComparison) || (time && parameter) {
          throw PathwayError(
            .invalidInput, at: origin,
            "sensitivities are not supported for \(what): its value jumps where '\(condition)' changes, "
              + (time && parameter ? "at a time that depends on a differentiated quantity" : "which depends on the state"),
            notes: ["the sensitivities jump there, and the sensitivity equations do not; simulate sweep --sampling oat estimates them by finite differences"])
        }
      }
    }
    for node in model.nodes where !node.isInput {
      if let rate = node.rate { try checkDiscontinuities(rate.expr, in: "the rate law of '\(node.id)'", at: rate.origin) }
    }
    for assignment in model.assignments {
      try checkDiscontinuities(assignment.expression.expr, in: "the assignment '\(assignment.id)'", at: assignment.expression.origin)
    }

    // The system: the model's nodes (logic-derived ones as rate laws), then s_j per target.
    var parameters = model.parameters
    let syntheticBase = parameters.count
    self.syntheticBase = syntheticBase
    func synthetic(_ id: String, _ value: Double) -> Int {
      parameters.append(Parameter(id: "\u{1}\(id)", value: value))
      return parameters.count - 1 - syntheticBase
    }
    let defaults = RunParameters(ode)
    var hillSynthetic: [(tau: Int, scale: Int, state: Int)] = []
    var regulatorSynthetic: [(n: Int, k: Int)] = []
    var modulatorSynthetic: [(n: Int, k: Int)] = []
    for (h, hill) in ode.hillNodes.enumerated() {
      let id = ode.stateNames[hill.state]
      hillSynthetic.append((synthetic("tau[\(id)]", defaults.tau[hill.state]), synthetic("scale[\(id)]", 1), hill.state))
      for r in hill.regulatorStart..<(hill.regulatorStart + hill.regulatorCount) {
        regulatorSynthetic.append((synthetic("n[\(h),\(r)]", defaults.regulatorN[r]), synthetic("k[\(h),\(r)]", defaults.regulatorK[r])))
      }
      for q in hill.modulatorStart..<(hill.modulatorStart + hill.modulatorCount) {
        modulatorSynthetic.append((synthetic("mn[\(h),\(q)]", defaults.modulatorN[q]), synthetic("mk[\(h),\(q)]", defaults.modulatorK[q])))
      }
    }
    self.hillSynthetic = hillSynthetic
    self.regulatorSynthetic = regulatorSynthetic
    self.modulatorSynthetic = modulatorSynthetic
    func syntheticName(_ index: Int) -> String { parameters[syntheticBase + index].id }
    var parameterSensitivityName: [String: String] = [:]  // "p|j" → name
    var parameterRowIndex: [String: Int] = [:]
    for row in parameterRows {
      let id = model.parameters[row.parameter].id
      let index = synthetic("S[\(id)|\(row.target)]", row.value) + syntheticBase
      parameterSensitivityName["\(id)|\(row.target)"] = parameters[index].id
      parameterRowIndex["\(row.parameter)|\(row.target)"] = index
    }
    self.parameterRows = parameterRows
    self.parameterRowIndex = parameterRowIndex
    var doseSensitivities: [(input: Int, target: Int, index: Int)] = []
    var doseSensitivityName: [String: String] = [:]
    for (j, target) in targets.enumerated() {
      guard case .inputDose(let u) = target.target else { continue }
      let id = ode.inputNames[u]
      let index = synthetic("S[\(id)|\(j)]", 1) + syntheticBase
      doseSensitivities.append((u, j, index))
      doseSensitivityName["\(id)|\(j)"] = parameters[index].id
    }
    self.doseSensitivities = doseSensitivities

    // Logic-derived nodes as expressions over the synthetic parameters.
    var assignments = model.assignments
    var rates: [String: Expr] = [:]
    /// Per synthetic HillCube parameter name: the target it moves with (τ, n or k of one node).
    var hillParameterTarget: [String: SettingTarget] = [:]
    for (h, hill) in ode.hillNodes.enumerated() {
      let state = hill.state
      let id = ode.stateNames[state]
      let node = model.nodes[ode.stateNodes[state]]
      let table = ode.truthTables[ode.stateNodes[state]]!
      let tauName = syntheticName(hillSynthetic[h].tau)
      hillParameterTarget[tauName] = .tau(state)
      func value(of source: ODEModel.Source, n: Int, k: Int, label: String) -> Expr {
        if source.isInput { return .variable(ode.inputNames[source.index]) }
        let nName = syntheticName(n), kName = syntheticName(k)
        hillParameterTarget[nName] = .hillN(h)
        hillParameterTarget[kName] = .hillK(h)
        let x = Expr.variable(ode.stateNames[source.index])
        // The regulator's level clamped to [0, 1] as the HillCube kernel clamps it, written
        // (|x| − |x − 1| + 1)/2 with no comparison: a comparison with the state would be a switch
        // the integrator stops at, and a level resting at 0 (most nodes of a resting network)
        // would cross it on rounding at every step. The clamp is continuous; its derivative
        // (sign(x) − sign(x − 1))/2 jumps only at 0 and 1. The guard c == 0 (an equality, not a
        // switch) keeps cⁿ's derivative finite there for n < 1.
        let c = Expr.divide(
          .add(.subtract(.call(.abs, [x]), .call(.abs, [.subtract(x, .one)])), .one), .number(2))
        let cn = Expr.power(c, .variable(nName)), kn = Expr.power(.variable(kName), .variable(nName))
        let hill = Expr.multiply(.divide(cn, .add(cn, kn)), .add(.one, kn))
        let clipped = Expr.call(.piecewise, [.zero, .binary(.equal, c, .zero), hill])
        let name = "\u{1}h[\(id),\(label)]"
        assignments.append(Assignment(id: name, expression: ParsedExpression(expr: clipped, text: clipped.description, origin: nil, references: [])))
        return .variable(name)
      }
      var y: [Expr] = []
      for j in 0..<hill.regulatorCount {
        let r = hill.regulatorStart + j
        y.append(value(of: ode.regulatorSources[r], n: regulatorSynthetic[r].n, k: regulatorSynthetic[r].k, label: "\(j)"))
      }
      let diagram = MultilinearDiagram(table)
      var memo: [Int32: Expr] = [0: .zero, 1: .one]
      for i in 0..<diagram.size {
        let lo = memo[diagram.low[i]]!, hi = memo[diagram.high[i]]!
        let yv = y[Int(diagram.variable[i])]
        let v = Expr.add(lo, .multiply(yv, .subtract(hi, lo)))
        if v.isLeafOrConstant {
          memo[Int32(i + 2)] = v
        } else {
          let name = "\u{1}b[\(id),\(i)]"
          assignments.append(Assignment(id: name, expression: ParsedExpression(expr: v, text: v.description, origin: nil, references: [])))
          memo[Int32(i + 2)] = .variable(name)
        }
      }
      var production: Expr = .variable(syntheticName(hillSynthetic[h].scale))
      for (j, modulator) in node.modulators.enumerated() {
        let q = hill.modulatorStart + j
        let v = value(of: ode.modulatorSources[q], n: modulatorSynthetic[q].n, k: modulatorSynthetic[q].k, label: "m\(j)")
        let w = Expr.number(modulator.weight)
        production = .multiply(
          production, modulator.sign == .activation ? .add(.number(1 - modulator.weight), .multiply(w, v)) : .subtract(.one, .multiply(w, v)))
      }
      production = .multiply(production, memo[diagram.root]!)
      rates[id] = .divide(.subtract(production, .variable(id)), .variable(tauName))
    }
    for s in 0..<ode.stateCount where ode.hillNodeOfState[s] < 0 {
      let node = model.nodes[ode.stateNodes[s]]
      rates[node.id] = node.rate?.expr ?? .zero
    }

    // The chain rule: S(v, j) = ∂v/∂p_j for every name v.
    let allAssignments = Dictionary(assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
    var assignmentSensitivity: [String: Expr] = [:]
    var sensitivityAssignments: [Assignment] = []
    func sensitivityName(_ v: String, _ j: Int) -> String { "d(\(v))/d(\(targets[j].name))" }
    func S(_ v: String, _ j: Int) throws(PathwayError) -> Expr {
      if v == Expr.timeName { return .zero }
      if let i = nodeIndex[v] {
        if ode.stateIndex[i] >= 0 { return .variable(sensitivityName(v, j)) }
        return doseSensitivityName["\(v)|\(j)"].map(Expr.variable) ?? .zero
      }
      if let target = hillParameterTarget[v] { return target == targets[j].target ? .one : .zero }
      if parameterIndex[v] != nil || v.hasPrefix("\u{1}") && allAssignments[v] == nil {
        return parameterSensitivityName["\(v)|\(j)"].map(Expr.variable) ?? .zero
      }
      if let expr = allAssignments[v] {
        let key = "\(v)|\(j)"
        if let known = assignmentSensitivity[key] { return known }
        assignmentSensitivity[key] = .zero  // a cycle among assignments is refused when the model compiles
        let d = try derivative(expr, j, what: "'\(v)'")
        if d == .zero { return .zero }
        let name = v.hasPrefix("\u{1}") ? "\u{1}S[\(v)|\(j)]" : sensitivityName(v, j)
        sensitivityAssignments.append(Assignment(id: name, expression: ParsedExpression(expr: d, text: d.description, origin: nil, references: [])))
        assignmentSensitivity[key] = .variable(name)
        return .variable(name)
      }
      return .zero
    }
    func derivative(_ expr: Expr, _ j: Int, what: String) throws(PathwayError) -> Expr {
      var total: Expr = .zero
      for v in expr.variables {
        let sv = try S(v, j)
        if sv == .zero { continue }
        guard let d = expr.derivative(withRespectTo: v) else {
          throw PathwayError(.invalidInput, "\(what) has no symbolic derivative with respect to '\(v)' (factorial?), so it has no sensitivity equation")
        }
        total = .add(total, .multiply(d, sv))
      }
      return total
    }

    var nodes: [Node] = []
    for node in model.nodes {
      if node.isInput {
        nodes.append(Node(id: node.id, kind: .input, initial: node.initial))
      } else {
        let rate = rates[node.id]!
        nodes.append(Node(id: node.id, initial: node.initial, rate: ParsedExpression(expr: rate, text: rate.description, origin: node.rate?.origin, references: [])))
      }
    }
    for j in targets.indices {
      for s in 0..<ode.stateCount {
        let id = ode.stateNames[s]
        let rate = try derivative(rates[id]!, j, what: "the rate of '\(id)'")
        nodes.append(Node(id: sensitivityName(id, j), rate: ParsedExpression(expr: rate, text: rate.description, origin: nil, references: [])))
      }
    }
    // Output columns and their derivatives.
    var columns = run.columns
    for j in targets.indices {
      for column in run.columns {
        columns.append((sensitivityName(column.name, j), try derivative(column.expr, j, what: "the column '\(column.name)'")))
      }
    }
    var system = Model(name: model.name, parameters: parameters, nodes: nodes, assignments: assignments + sensitivityAssignments)
    system.species = model.species
    system.timeUnit = model.timeUnit
    self.system = try ODEModel(model: system)
    // The model's own switches that move with the state: where one flips, the sensitivities jump.
    let stateNames = Set(ode.stateNames)
    let moving = Set(ode.switchRootExpressions.filter { $0.variables.contains(where: stateNames.contains) })
    var watched: [Int: Expr] = [:]
    for (index, g) in self.system.switchRootExpressions.enumerated() where moving.contains(g) { watched[index] = g }
    self.watchedRoots = watched
    // Where such a switch flips at τ, each sensitivity jumps by (f⁻ − f⁺)·∂τ/∂p, with
    // ∂τ/∂p = −(∂g/∂x·s + ∂g/∂p)/(∂g/∂x·f⁻ + ∂g/∂t + ∂g/∂u·u̇) for its root function g.
    var jumpColumns: [(name: String, expr: Expr)] = []
    var jumpLayout: [Int: JumpTerms] = [:]
    for (index, g) in watched.sorted(by: { $0.key < $1.key }) {
      guard let dgdt = g.derivative(withRespectTo: Expr.timeName) else { continue }
      var terms = JumpTerms(start: jumpColumns.count, states: [], inputs: [])
      var columns: [(String, Expr)] = [("\u{1}∂g/∂t", dgdt)]
      var complete = true
      for v in g.variables {
        guard let i = nodeIndex[v] else { continue }
        guard let d = g.derivative(withRespectTo: v) else {
          complete = false
          break
        }
        if ode.stateIndex[i] >= 0 {
          terms.states.append(ode.stateIndex[i])
        } else {
          terms.inputs.append(ode.inputIndex[i])
        }
        columns.append(("\u{1}∂g/∂\(v)", d))
      }
      guard complete else { continue }
      for j in targets.indices { columns.append(("\u{1}dg/dp\(j)", try derivative(g, j, what: "the switch \(g)"))) }
      jumpLayout[index] = terms
      jumpColumns += columns
    }
    self.jumpLayout = jumpLayout
    self.jumpPlan = try self.system.compileOutputs(jumpColumns)
    self.columnsPlan = columns
    self.columnNames = columns.map(\.name)
    self.variables = run.columns.map(\.name)
  }

  private let columnsPlan: [(name: String, expr: Expr)]
  /// Root functions of `system` that are the model's own state-dependent switches.
  private let watchedRoots: [Int: Expr]
  /// Per watched root: where its terms sit in `jumpPlan` (∂g/∂t, ∂g/∂x for `states`, ∂g/∂u for
  /// `inputs`, then dg/dp per target along the sensitivities).
  struct JumpTerms {
    var start: Int
    var states: [Int]
    var inputs: [Int]
  }
  private let jumpLayout: [Int: JumpTerms]
  private let jumpPlan: OutputPlan

  /// The first watched switch crossed in `solution` whose jump could not be applied (tangent
  /// to the trajectory, or without the derivatives the jump needs).
  private func firstJump(in solution: Solution, unresolved: [SwitchCrossing]) -> SensitivityJump? {
    guard let crossing = unresolved.first else { return nil }
    return SensitivityJump(time: crossing.time, rootFunction: watchedRoots[crossing.root]!.description)
  }

  /// Installs on `solver` the handler that applies the sensitivities' jumps at the model's
  /// switches, noting in `unresolved` those it cannot apply, and in `applied` how many it did.
  private func installJumps(on solver: ODESolver, unresolved: Box<[SwitchCrossing]>, applied: Box<Int>) -> () -> Void {
    let n = ode.stateCount, total = system.stateCount
    let fMinus = UnsafeMutablePointer<Double>.allocate(capacity: total)
    let fPlus = UnsafeMutablePointer<Double>.allocate(capacity: total)
    let terms = ODEWorkspace(system, outputs: jumpPlan)
    var values: [Double] = []
    let parameterCount = parameters.count
    solver.switchHandler = { [unowned solver, jumpLayout, watchedRoots] t, y, roots, after in
      let watched = roots.filter { watchedRoots[$0] != nil }
      guard let root = watched.first else { return }
      let w = solver.workspace
      w.rhs(t, y, fMinus)
      w.rhsEvaluations -= 1
      w.lockModes(t, after)
      w.rhs(t, y, fPlus)
      w.rhsEvaluations -= 1
      var differs = false
      for i in 0..<n where fPlus[i] != fMinus[i] { differs = true }
      guard differs else { return }
      guard let layout = jumpLayout[root] else {
        unresolved.value.append(SwitchCrossing(time: t, root: root))
        return
      }
      terms.load(w.parameters)
      terms.setSegment(at: t)
      values.removeAll(keepingCapacity: true)
      terms.appendOutputs(t, y, to: &values)
      var c = layout.start
      var rate = values[c]  // dg/dt along the trajectory before the switch
      c += 1
      for state in layout.states {
        rate += values[c] * fMinus[state]
        c += 1
      }
      for input in layout.inputs {
        rate += values[c] * terms.inputB[input]
        c += 1
      }
      let scale = abs(values[layout.start]) + layout.states.enumerated().reduce(0) { $0 + abs(values[layout.start + 1 + $1.offset] * fMinus[$1.element]) }
      guard rate.isFinite, abs(rate) > 1e-12 * max(scale, 1e-300) else {
        // Grazing: the trajectory touches the switch without crossing it transversally.
        unresolved.value.append(SwitchCrossing(time: t, root: root))
        return
      }
      for j in 0..<parameterCount {
        let dtau = -values[c + j] / rate
        for i in 0..<n { y[n + j * n + i] += (fMinus[i] - fPlus[i]) * dtau }
      }
      applied.value += 1
    }
    return {
      solver.switchHandler = nil
      fMinus.deallocate()
      fPlus.deallocate()
    }
  }

  /// The system's parameters for the original model's run parameters `p` (`doses`: whether the
  /// scenario's doses apply, false in the reference context).
  private func systemParameters(_ p: RunParameters, doses: Bool) -> RunParameters {
    var a = RunParameters(system)
    for i in 0..<ode.model.parameters.count { a.parameters[i] = p.parameters[i] }
    for (h, hill) in ode.hillNodes.enumerated() {
      a.parameters[syntheticBase + hillSynthetic[h].tau] = p.tau[hill.state]
      a.parameters[syntheticBase + hillSynthetic[h].scale] = p.scale[hill.state]
    }
    for (r, entry) in regulatorSynthetic.enumerated() {
      a.parameters[syntheticBase + entry.n] = p.regulatorN[r]
      a.parameters[syntheticBase + entry.k] = p.regulatorK[r]
    }
    for (q, entry) in modulatorSynthetic.enumerated() {
      a.parameters[syntheticBase + entry.n] = p.modulatorN[q]
      a.parameters[syntheticBase + entry.k] = p.modulatorK[q]
    }
    for row in doseSensitivities { a.parameters[row.index] = doses && p.inputPins[row.input] == nil ? 1 : 0 }
    for row in parameterRows { a.parameters[parameterRowIndex["\(row.parameter)|\(row.target)"]!] = row.value }
    let n = ode.stateCount
    for s in 0..<n { a.statePins[s] = p.statePins[s] }
    for j in parameters.indices {
      for s in 0..<n where p.statePins[s] != nil { a.statePins[n + j * n + s] = 0 }
    }
    a.inputPins = p.inputPins
    a.stimuli = p.stimuli
    return a
  }


  /// The same analysis for another run of the same model and columns (other values of the
  /// quantities, of parameters, doses or initial values): the system is reused when the run
  /// starts with sensitivities in the same parameters, else built anew. A fit re-solves it at
  /// every step, and building it (differentiating the model twice) costs more than solving it.
  public func rebased(on run: ResolvedRun) throws(PathwayError) -> ForwardSensitivity {
    let names = parameters.map(\.name)
    let targets = try Self.quantities(names, ode: ode, run: run)
    let start = try Self.start(ode: ode, run: run, targets: targets)
    let sameRows = Set(start.parameterRows.map { "\($0.parameter)|\($0.target)" }) == Set(parameterRowIndex.keys)
    guard sameRows, run.columns.map(\.name) == variables else {
      return try ForwardSensitivity(ode: ode, run: run, parameters: names)
    }
    return ForwardSensitivity(sharing: self, run: run, targets: targets, start: start)
  }

  private init(sharing base: ForwardSensitivity, run: ResolvedRun, targets: [SensitivityParameter], start: Start) {
    ode = base.ode
    self.run = run
    parameters = targets
    system = base.system
    columnNames = base.columnNames
    variables = base.variables
    syntheticBase = base.syntheticBase
    hillSynthetic = base.hillSynthetic
    regulatorSynthetic = base.regulatorSynthetic
    modulatorSynthetic = base.modulatorSynthetic
    doseSensitivities = base.doseSensitivities
    startParameters = start.parameters
    startState = start.state
    startSensitivities = start.sensitivities
    steps = start.steps
    parameterRows = start.parameterRows
    parameterRowIndex = base.parameterRowIndex
    columnsPlan = base.columnsPlan
    watchedRoots = base.watchedRoots
    jumpLayout = base.jumpLayout
    jumpPlan = base.jumpPlan
  }

  /// The quantities `names` with their values in `run`.
  private static func quantities(_ names: [String], ode: ODEModel, run: ResolvedRun) throws(PathwayError) -> [SensitivityParameter] {
    var targets: [SensitivityParameter] = []
    for name in names {
      switch ode.settingTarget(name) {
      case .failure(let problem): throw PathwayError(.usage, "--param \(name): \(problem.message)", notes: problem.notes)
      case .success(let target):
        if let twin = targets.first(where: { $0.target == target }) {
          throw PathwayError(.usage, "--param \(name) names the same quantity as \(twin.name)")
        }
        switch target.baseValue(in: run, ode: ode) {
        case .failure(let problem):
          throw PathwayError(.usage, "cannot differentiate by '\(name)': \(problem.message)", notes: problem.notes)
        case .success(let base):
          targets.append(SensitivityParameter(name: name, target: target, base: base))
        }
      }
    }
    return targets
  }

  /// The run's starting point and its sensitivities: the initial assignments at the quantities'
  /// values, differentiated by central differences of the assignments alone. `parameterRows`
  /// are the parameters that start with a sensitivity (an initial assignment moves them with a
  /// quantity, or they are the quantity), with its value.
  private struct Start {
    var steps: [Double]
    var parameters: RunParameters
    var state: [Double]
    var sensitivities: [[Double]]
    var parameterRows: [(parameter: Int, target: Int, value: Double)]
  }

  private static func start(ode: ODEModel, run: ResolvedRun, targets: [SensitivityParameter]) throws(PathwayError) -> Start {
    let model = ode.model
    let nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    let parameterIndex = Dictionary(model.parameters.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    // Steps of the central differences of the starting point.
    let steps = targets.map { 1e-5 * ($0.base != 0 ? abs($0.base) : 1) }

    // The starting point: initial assignments at the base and at p ± h.
    func start(_ j: Int?, _ value: Double) throws(PathwayError) -> (RunParameters, [Double]) {
      var parameters = run.parameters
      var overrides = run.initialOverrides
      var state = run.initial
      if let j { targets[j].target.apply(value, to: &parameters, initialOverrides: &overrides, in: ode) }
      let kept = Set(overrides.keys.map { ode.stateNames[$0] }).union(run.explicitlySet)
      try ode.applyInitialAssignments(parameters: &parameters, state: &state, time: run.start, keep: kept)
      return (parameters, state)
    }
    let (p0, x0) = try start(nil, 0)
    let kept = Set(run.initialOverrides.keys.map { ode.stateNames[$0] }).union(run.explicitlySet)
    let assigned = Set(model.initialAssignments.map(\.target)).subtracting(kept)
    var stateSensitivities: [[Double]] = []
    var parameterRows: [(parameter: Int, target: Int, value: Double)] = []
    for (j, target) in targets.enumerated() {
      var s = [Double](repeating: 0, count: ode.stateCount)
      if !assigned.isEmpty {
        let (pPlus, xPlus) = try start(j, target.base + steps[j])
        let (pMinus, xMinus) = try start(j, target.base - steps[j])
        for name in assigned {
          let d: (Double, Double) -> Double = { ($0 - $1) / (2 * steps[j]) }
          if let i = nodeIndex[name], ode.stateIndex[i] >= 0 {
            s[ode.stateIndex[i]] = d(xPlus[ode.stateIndex[i]], xMinus[ode.stateIndex[i]])
          } else if let p = parameterIndex[name] {
            let value = d(pPlus.parameters[p], pMinus.parameters[p])
            if value != 0 { parameterRows.append((p, j, value)) }
          }
        }
      }
      if case .parameter(let p) = target.target { parameterRows.append((p, j, 1)) }
      stateSensitivities.append(s)
    }
    return Start(steps: steps, parameters: p0, state: x0, sensitivities: stateSensitivities, parameterRows: parameterRows)
  }

  /// Integrates the model and its sensitivities over the run. Solver failures are in the
  /// result's `failure` (with the rows before it); setup failures throw.
  public func solve() throws(PathwayError) -> SensitivityResult {
    let n = ode.stateCount
    let solver = try ODESolver(system, options: run.options, outputs: try system.compileOutputs(columnsPlan))
    let unresolved = Box<[SwitchCrossing]>([]), applied = Box(0)
    let removeJumps = installJumps(on: solver, unresolved: unresolved, applied: applied)
    defer { removeJumps() }
    var y = startState
    for s in startSensitivities { y += s }
    if let duration = run.equilibrate {
      var reference = startParameters
      reference.statePins = Array(repeating: nil, count: n)
      reference.inputPins = Array(repeating: nil, count: ode.inputCount)
      reference.scale = Array(repeating: 1, count: n)
      reference.stimuli = ode.inputNodes.map { .constant(ode.model.nodes[$0].initial) }
      let solution = solver.solve(systemParameters(reference, doses: false), initial: y, start: 0, end: duration, times: [])
      if let failure = solution.failure {
        throw PathwayError(.simulationFailed, "equilibrating the reference context (with the sensitivities) failed: \(failure)")
      }
      if let jump = firstJump(in: solution, unresolved: unresolved.value) {
        throw PathwayError(
          .simulationFailed,
          "equilibrating the reference context, a rate law switches at t = \(formatNumber(jump.time)) where \(jump.rootFunction) reaches zero without crossing it (the trajectory grazes the switch), so the jump of the sensitivities there is not defined")
      }
      y = solution.finalState
    }
    if !run.initialOverrides.isEmpty || parameters.contains(where: { if case .initial = $0.target { return true } else { return false } }) {
      // The scenario's initial values, and their derivatives by a central difference of the
      // override alone (the compartment size of a concentration may move with p).
      var state = Array(y[0..<n])
      try ode.applyInitialOverrides(run.initialOverrides, parameters: startParameters, state: &state, time: run.start)
      for (j, target) in parameters.enumerated() {
        var overridden = Set(run.initialOverrides.keys)
        if case .initial(let s) = target.target { overridden.insert(s) }
        guard !overridden.isEmpty else { continue }
        let h = steps[j]
        func shifted(_ sign: Double) throws(PathwayError) -> [Double] {
          var p = startParameters
          var overrides = run.initialOverrides
          target.target.apply(target.base + sign * h, to: &p, initialOverrides: &overrides, in: ode)
          var x = (0..<n).map { y[$0] + sign * h * y[n + j * n + $0] }
          try ode.applyInitialOverrides(overrides, parameters: p, state: &x, time: run.start)
          return x
        }
        // A value set as it is has derivative 1 by itself and 0 by anything else; a
        // concentration is multiplied by its compartment's size, which may move with p.
        var isTarget = [Bool](repeating: false, count: n)
        if case .initial(let s) = target.target { isTarget[s] = true }
        let concentrations = overridden.filter { ode.concentrationStates[$0] != nil }
        for s in overridden where ode.concentrationStates[s] == nil { y[n + j * n + s] = isTarget[s] ? 1 : 0 }
        guard !concentrations.isEmpty else { continue }
        let plus = try shifted(1), minus = try shifted(-1)
        for s in concentrations { y[n + j * n + s] = (plus[s] - minus[s]) / (2 * h) }
      }
      for s in 0..<n { y[s] = state[s] }
    }
    let solution = solver.solve(systemParameters(startParameters, doses: true), initial: y, start: run.start, end: run.end, times: run.times)
    var trajectory = solution.trajectory
    let jump = firstJump(in: solution, unresolved: unresolved.value)
    if let jump {
      // Rows from the switch on would hold sensitivities without their jump: drop them.
      let keep = trajectory.times.firstIndex(where: { $0 >= jump.time }) ?? trajectory.rowCount
      trajectory.times.removeSubrange(keep...)
      trajectory.values.removeSubrange((keep * trajectory.names.count)...)
    }
    return SensitivityResult(
      parameters: parameters, variables: variables, trajectory: trajectory, statistics: solution.statistics,
      failure: solution.failure, jump: jump, absoluteTolerance: run.options.atol, jumps: applied.value)
  }
}

/// The outputs of `ForwardSensitivity.solve()`.
public struct SensitivityResult: Sendable {
  public var parameters: [SensitivityParameter]
  /// The run's columns.
  public var variables: [String]
  /// Columns: `variables`, then `d(variable)/d(parameter)` per parameter, parameter-major.
  public var trajectory: Trajectory
  public var statistics: SolverStatistics
  public var failure: SolverFailure?
  /// Where a rate law switched with the state in a way whose jump could not be applied (the
  /// trajectory grazing the switch), which ends the rows (nil: none did).
  public var jump: SensitivityJump?

  public var rowCount: Int { trajectory.rowCount }

  /// The value of variable `v` at row `row`.
  public func value(row: Int, variable v: Int) -> Double { trajectory.value(row: row, column: v) }

  /// ∂variable/∂parameter at row `row`.
  public func sensitivity(row: Int, variable v: Int, parameter j: Int) -> Double {
    trajectory.value(row: row, column: variables.count * (1 + j) + v)
  }

  /// The absolute tolerance of the run: values at or below it are not resolved.
  public var absoluteTolerance: Double = 0
  /// How many times the sensitivities jumped at a switch of the rate laws.
  public var jumps = 0

  /// The sensitivity scaled by base/value (∂ln y/∂ln p); NaN where |value| ≤ atol, whose
  /// relative error the solver does not control (a node at 1e-70 would show a ratio of rounding
  /// errors).
  public func relativeSensitivity(row: Int, variable v: Int, parameter j: Int) -> Double {
    let y = value(row: row, variable: v)
    return abs(y) <= absoluteTolerance || y == 0 ? .nan : sensitivity(row: row, variable: v, parameter: j) * parameters[j].base / y
  }
}

/// A mutable value shared with a closure.
final class Box<Value>: @unchecked Sendable {
  var value: Value
  init(_ value: Value) { self.value = value }
}

/// A switch of the model's rate laws crossed during a sensitivity run: the sensitivities jump
/// there, so the rows stop before it.
public struct SensitivityJump: Sendable, Hashable {
  public var time: Double
  /// The root function (lhs − rhs of the comparison) that changed sign.
  public var rootFunction: String
}

extension Expr {
  /// A variable or a number.
  var isLeafOrConstant: Bool {
    switch self {
    case .number, .variable: return true
    default: return false
    }
  }

  /// The places where the value can jump: each comparison or logical operation (whose result is
  /// 0 or 1), true in `isComparison`, and each `floor`, `ceil`, `sign`, `rem` or `quotient` call.
  var discontinuities: [(condition: Expr, isComparison: Bool)] {
    var out: [(Expr, Bool)] = []
    func walk(_ e: Expr) {
      switch e {
      case .number, .variable: return
      case .unary(let op, let a):
        if op == .not { out.append((a, true)) }
        walk(a)
      case .binary(let op, let a, let b):
        if op.isComparison || op.isLogical { out.append((e, true)) }
        walk(a)
        walk(b)
      case .call(let f, let args):
        switch f {
        case .floor, .ceil, .sign, .rem, .quotient: out.append((e, false))
        default: break
        }
        args.forEach(walk)
      }
    }
    walk(self)
    return out
  }
}
