/// What the target of a `Scenario.Setting` (`--set id=value`, `parameters:`, `initial:`, a swept
/// quantity) names in a compiled model.
///
/// Resolving a name is separate from applying a value, so that a sweep looks its targets up once
/// and then applies thousands of values to a `RunParameters` directly; `Scenario.resolve(for:)`
/// goes through the same two steps, so both accept and refuse exactly the same settings.
public enum SettingTarget: Sendable, Hashable {
  /// A parameter, by model order.
  case parameter(Int)
  /// An input's constant dose (replaces its stimulus), by input index.
  case inputDose(Int)
  /// A state's initial value (applied after equilibration), by state index.
  case initial(Int)
  /// A state's τ, by state index.
  case tau(Int)
  /// The Hill exponent of every incoming edge and modulator of a HillCube node (index into the
  /// model's HillCube nodes).
  case hillN(Int)
  /// The Hill threshold of every incoming edge and modulator of a HillCube node.
  case hillK(Int)

  /// Why a value cannot be applied (τ, n and k must be positive), or nil.
  public func problem(with value: Double) -> String? {
    switch self {
    case .tau where !(value > 0): return "τ must be positive, found \(formatNumber(value))"
    case .hillN where !(value > 0): return "n must be positive, found \(formatNumber(value))"
    case .hillK where !(value > 0): return "k must be positive, found \(formatNumber(value))"
    default: return nil
    }
  }

  /// Applies `value`: parameters, doses, τ and Hill values go into `parameters`, initial values
  /// into `initialOverrides` (by state index). The value must have passed `problem(with:)`.
  public func apply(
    _ value: Double, to parameters: inout RunParameters, initialOverrides: inout [Int: Double], in ode: ODEModel
  ) {
    switch self {
    case .parameter(let p): parameters.parameters[p] = value
    case .inputDose(let u): parameters.stimuli[u] = .constant(value)
    case .initial(let s): initialOverrides[s] = value
    case .tau(let s): parameters.tau[s] = value
    case .hillN(let h), .hillK(let h):
      let node = ode.hillNodes[h]
      let isN: Bool
      if case .hillN = self { isN = true } else { isN = false }
      for r in node.regulatorStart..<(node.regulatorStart + node.regulatorCount) {
        if isN { parameters.regulatorN[r] = value } else { parameters.regulatorK[r] = value }
      }
      for m in node.modulatorStart..<(node.modulatorStart + node.modulatorCount) {
        if isN { parameters.modulatorN[m] = value } else { parameters.modulatorK[m] = value }
      }
    }
  }
}

extension SettingTarget {
  /// The target's value in a resolved scenario (its base), or why it has none: a dose that
  /// follows a time course, an initial value computed at run time, Hill values that differ
  /// between a node's edges.
  public func baseValue(in run: ResolvedRun, ode: ODEModel) -> Result<Double, SettingTargetProblem> {
    func none(_ why: String) -> Result<Double, SettingTargetProblem> {
      .failure(SettingTargetProblem(message: why, notes: []))
    }
    let parameters = run.parameters
    switch self {
    case .parameter(let p):
      if ode.model.initialAssignments.contains(where: { $0.target == ode.model.parameters[p].id }) {
        return none("its value is computed by an initial assignment")
      }
      return .success(parameters.parameters[p])
    case .inputDose(let u):
      if let pin = parameters.inputPins[u] { return .success(pin) }
      if case .constant(let v) = parameters.stimuli[u] { return .success(v) }
      return none("its dose follows a time course in the scenario (\(parameters.stimuli[u].summary))")
    case .initial(let s):
      if let v = run.initialOverrides[s] { return .success(v) }
      if run.equilibrate != nil { return none("its initial value is the equilibrated state, known only at run time") }
      if ode.model.initialAssignments.contains(where: { $0.target == ode.stateNames[s] }) {
        return none("its initial value is computed by an initial assignment")
      }
      if let compartment = ode.concentrationStates[s] {
        // Set as a concentration (`applyInitialOverrides`): its base is one too.
        guard let size = try? ode.symbolValues([compartment], parameters: parameters, state: run.initial, time: run.start).first,
          size.isFinite, size != 0
        else { return none("the size of its compartment '\(compartment)' is not known before the run") }
        return .success(run.initial[s] / size)
      }
      return .success(run.initial[s])
    case .tau(let s):
      return .success(parameters.tau[s])
    case .hillN(let h), .hillK(let h):
      let node = ode.hillNodes[h]
      let isN: Bool
      if case .hillN = self { isN = true } else { isN = false }
      let regulators = (node.regulatorStart..<(node.regulatorStart + node.regulatorCount)).map {
        isN ? parameters.regulatorN[$0] : parameters.regulatorK[$0]
      }
      let modulators = (node.modulatorStart..<(node.modulatorStart + node.modulatorCount)).map {
        isN ? parameters.modulatorN[$0] : parameters.modulatorK[$0]
      }
      let values = Set(regulators + modulators)
      guard values.count == 1, let value = values.first else {
        return none("its edges have different \(isN ? "n" : "k") values (\(values.sorted().map(formatNumber).joined(separator: ", ")))")
      }
      return .success(value)
    }
  }
}

/// A setting target that does not resolve: the message and its notes.
public struct SettingTargetProblem: Error, Sendable {
  public var message: String
  public var notes: [String]
}

extension ODEModel {
  /// Resolves a setting's target name: a parameter, an input (its dose), a node (its initial
  /// value), or `NODE.initial`, `NODE.tau`, `NODE.n`, `NODE.k`. `section` restricts what a
  /// scenario's `parameters:` and `initial:` sections may name.
  public func settingTarget(
    _ target: String, section: Scenario.Setting.Section = .any
  ) -> Result<SettingTarget, SettingTargetProblem> {
    func problem(_ message: String, _ notes: [String] = []) -> Result<SettingTarget, SettingTargetProblem> {
      .failure(SettingTargetProblem(message: message, notes: notes))
    }
    if let p = model.parameters.firstIndex(where: { $0.id == target }) {
      if section == .initial { return problem("'\(target)' is a parameter; set it under 'parameters:'") }
      return .success(.parameter(p))
    }
    if let i = model.nodeIndex(target) {
      if section == .parameters {
        return problem(
          "'\(target)' is a node, not a parameter",
          [inputIndex[i] >= 0 ? "set an input's dose under 'inputs:'" : "set a node's initial value under 'initial:'"])
      }
      return .success(inputIndex[i] >= 0 ? .inputDose(inputIndex[i]) : .initial(stateIndex[i]))
    }
    if let dot = target.lastIndex(of: "."), let i = model.nodeIndex(String(target[..<dot])) {
      let field = String(target[target.index(after: dot)...])
      let s = stateIndex[i]
      let id = model.nodes[i].id
      let logic = s >= 0 && hillNodeOfState[s] >= 0
      // What this node can be given: an input its dose, a rate-law node its initial value, a
      // logic-derived node also its τ and Hill n and k.
      let settings =
        inputIndex[i] >= 0
        ? "an input's settings are \(id) (its dose) and \(id).initial (the same)"
        : logic ? "\(id)'s settings are \(id).initial, .tau, .n and .k" : "\(id)'s only setting is \(id).initial (its ODE is its rate law)"
      if section == .initial && ["tau", "n", "k"].contains(field) {
        return problem("'\(target)' is not an initial value; set it under 'parameters:'")
      }
      if section == .parameters && field == "initial" {
        return problem("'\(target)' is an initial value; set it under 'initial:'")
      }
      switch field {
      case "initial": return .success(s >= 0 ? .initial(s) : .inputDose(inputIndex[i]))
      case "tau", "n", "k":
        guard logic else {
          let what = field == "tau" ? "τ" : "Hill \(field)"
          return problem("'\(id)' has no logic-derived ODE, so no \(what)", [settings])
        }
        switch field {
        case "tau": return .success(.tau(s))
        case "n": return .success(.hillN(hillNodeOfState[s]))
        default: return .success(.hillK(hillNodeOfState[s]))
        }
      default:
        return problem("unknown setting '\(target)'", [settings])
      }
    }
    if model.assignments.contains(where: { $0.id == target }) {
      return problem(
        "'\(target)' is an assignment, computed from its formula at every time; it cannot be set",
        ["set the parameters or initial values its formula reads"])
    }
    return problem("unknown identifier '\(target)'", didYouMean(target, among: model.identifiers).map { [$0] } ?? [])
  }
}
