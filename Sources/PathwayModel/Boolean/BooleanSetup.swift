/// Turns command-line flags and scenario files into what a Boolean run or attractor search
/// needs: pins (knockouts, over-expressions) and initial values.
///
/// Every name is checked. A name given on the command line that is not a node is a usage error
/// (exit 64); one in a scenario file is located there (exit 65). Both come with a "did you
/// mean". Nothing is ignored silently: production scalings, which have no Boolean meaning, are
/// returned as warnings.
public enum BooleanSetup {
  /// The pins for `--knockout` and `--overexpress` names and the perturbations of `scenario`
  /// (named ones from the model, or explicit actions; a pin level is read as `level ≥ 0.5`).
  public static func pins(
    knockout: [String], overexpress: [String], scenario: Scenario? = nil, model: Model
  ) throws(PathwayError) -> (pins: [Int: Bool], warnings: [Diagnostic]) {
    var usage = DiagnosticBag()
    var bag = DiagnosticBag()
    var warnings: [Diagnostic] = []
    let names = model.nodes.map(\.id)
    let index = Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    var pins: [Int: Bool] = [:]
    var origin: [Int: String] = [:]

    func pin(_ name: String, _ value: Bool, _ what: String, _ location: SourceLocation?, fromCommandLine: Bool) {
      func report(_ message: String, notes: [String]) {
        if fromCommandLine { usage.error(nil, message, notes: notes) } else { bag.error(location, message, notes: notes) }
      }
      guard let i = index[name] else {
        var notes = didYouMean(name, among: names).map { [$0] } ?? []
        if notes.isEmpty {
          notes = ["the nodes are: " + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : "")]
        }
        report("unknown node '\(name)' in \(what)", notes: notes)
        return
      }
      if let previous = pins[i], previous != value {
        report("'\(name)' is pinned at \(previous ? 1 : 0) by \(origin[i]!) and at \(value ? 1 : 0) by \(what)", notes: [])
        return
      }
      pins[i] = value
      origin[i] = what
    }
    for name in knockout { pin(name, false, "--knockout", nil, fromCommandLine: true) }
    for name in overexpress { pin(name, true, "--overexpress", nil, fromCommandLine: true) }

    func apply(_ action: PerturbationAction, _ location: SourceLocation?, _ what: String) {
      let fromCommandLine = location == nil || location?.file == Scenario.commandLine
      switch action {
      case .pin(let node, let level):
        pin(node, level >= 0.5, what, location, fromCommandLine: fromCommandLine)
      case .scale(let node, let factor):
        warnings.append(
          Diagnostic(
            .warning, at: location, "\(what): 'scale \(node) × \(formatNumber(factor))' acts on ODEs only; Boolean runs ignore it"))
      }
    }
    for entry in scenario?.perturbations ?? [] {
      switch entry {
      case .named(let name, let location):
        guard let named = model.perturbations.first(where: { $0.name == name }) else {
          let known = model.perturbations.map(\.name)
          var notes = didYouMean(name, among: known).map { [$0] } ?? []
          if !known.isEmpty { notes.append("the model defines: " + known.joined(separator: ", ")) }
          if location == nil || location?.file == Scenario.commandLine {
            usage.error(nil, "unknown perturbation '\(name)'", notes: notes)
          } else {
            bag.error(location, "unknown perturbation '\(name)'", notes: notes)
          }
          continue
        }
        for action in named.actions { apply(action, location, "perturbation '\(name)'" + Scenario.at(location)) }
      case .actions(let actions, _):
        for located in actions {
          let what = Scenario.describe(located.action, at: located.location, otherwise: "the perturbation" + Scenario.at(located.location))
          apply(located.action, located.location, what)
        }
      }
    }
    try usage.throwIfErrors(.usage)
    try bag.throwIfErrors()
    return (pins, warnings)
  }

  /// The inputs `scenario` gives a dose, pinned at it (ON when ≥ 0.5), for attractor searches:
  /// an input without a dose stays free (every value of it is searched). The `boolean: inputs:`
  /// entries override the ODE ones and a setting (`--set u=1`) overrides both. A dose that
  /// changes over time is held at its value after its last change, with a warning; one repeated
  /// without end has no such value and leaves the input free, with a warning.
  public static func inputPins(model: Model, scenario: Scenario?) -> (pins: [Int: Bool], warnings: [Diagnostic]) {
    guard let scenario else { return ([:], []) }
    var pins: [Int: Bool] = [:]
    var warnings: [Diagnostic] = []
    for (i, entry) in inputStimuli(model: model, scenario: scenario).sorted(by: { $0.key < $1.key }) {
      let id = model.nodes[i].id
      if case .repeated(_, _, _, nil, _, _) = entry.stimulus {
        warnings.append(Diagnostic(.warning, at: entry.location, "'\(id)' is dosed repeatedly without end; the attractor search leaves it free"))
        continue
      }
      guard let last = entry.stimulus.breakpoints(from: -.infinity, to: .infinity).last else {
        pins[i] = entry.stimulus.value(at: 0) >= 0.5
        continue
      }
      let dose = entry.stimulus.value(at: last)
      pins[i] = dose >= 0.5
      warnings.append(
        Diagnostic(
          .warning, at: entry.location,
          "'\(id)' follows a time course; the attractor search holds it at its dose after the last change (\(formatNumber(dose)))"))
    }
    return (pins, warnings)
  }

  /// The stimulus of each input `scenario` doses in Boolean mode, by node index, with where it
  /// was written: the `boolean: inputs:` entries override the ODE ones, and a setting
  /// (`--set u=0`) replaces both by a constant, as in ODE runs. Names that are not inputs are
  /// left to the readers that report them.
  /// `continuousTime` leaves the `boolean: inputs:` entries (timed in steps) out: a
  /// continuous-time run follows the ODE doses, in model time.
  public static func inputStimuli(
    model: Model, scenario: Scenario, continuousTime: Bool = false
  ) -> [Int: (stimulus: Stimulus, location: SourceLocation?)] {
    var stimuli: [Int: (stimulus: Stimulus, location: SourceLocation?)] = [:]
    for entry in scenario.inputs + (continuousTime ? [] : scenario.boolean?.inputs ?? []) {
      if let i = model.nodeIndex(entry.input), model.nodes[i].isInput { stimuli[i] = (entry.stimulus, entry.location) }
    }
    for setting in scenario.settings {
      if let i = model.nodeIndex(setting.target), model.nodes[i].isInput { stimuli[i] = (.constant(setting.value), setting.location) }
    }
    return stimuli
  }

  /// The pins of an attractor search under `scenario`: its perturbations (and `--knockout`,
  /// `--overexpress`), and its doses fixing the inputs they dose (`inputPins`); a perturbation
  /// of an input wins over its dose.
  public static func searchPins(
    knockout: [String], overexpress: [String], scenario: Scenario, model: Model
  ) throws(PathwayError) -> (pins: [Int: Bool], warnings: [Diagnostic]) {
    let (perturbed, warnings) = try pins(knockout: knockout, overexpress: overexpress, scenario: scenario, model: model)
    let (dosed, doseWarnings) = inputPins(model: model, scenario: scenario)
    return (dosed.merging(perturbed) { _, perturbation in perturbation }, warnings + doseWarnings)
  }

  /// The inputs of `scenario` that change over time (`inputStimuli`), with time counted in
  /// steps; nil when every input is constant. Pinned nodes are left out: a pin wins over a dose.
  public static func inputProtocol(model: Model, scenario: Scenario?, pins: [Int: Bool]) -> BooleanInputProtocol? {
    guard let scenario else { return nil }
    let varying = inputStimuli(model: model, scenario: scenario).filter { i, entry in
      if pins[i] != nil { return false }
      if case .constant = entry.stimulus { return false }
      return true
    }
    if varying.isEmpty { return nil }
    return BooleanInputProtocol(inputs: varying.keys.sorted().map { ($0, varying[$0]!.stimulus) })
  }

  /// The initial state of a Boolean run: the model's `initial ≥ 0.5` (or `base`), then the
  /// scenario's input doses at step 0 (the `boolean: inputs:` entries override the ODE ones) and
  /// initial values (`--set X=1` included). Time-varying doses follow `inputProtocol`.
  public static func initialState(
    model: Model, scenario: Scenario?, base: BooleanState? = nil
  ) throws(PathwayError) -> BooleanState {
    var state = base ?? BooleanState(model.nodes.map { $0.initial >= 0.5 })
    guard let scenario else { return state }
    var usage = DiagnosticBag()
    var bag = DiagnosticBag()
    let names = model.nodes.map(\.id)
    func report(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
      if location == nil || location?.file == Scenario.commandLine { usage.error(nil, message, notes: notes) } else {
        bag.error(location, message, notes: notes)
      }
    }
    for entry in scenario.inputs + (scenario.boolean?.inputs ?? []) {
      guard let i = model.nodeIndex(entry.input) else {
        report(entry.location, "unknown input '\(entry.input)'", notes: didYouMean(entry.input, among: names).map { [$0] } ?? [])
        continue
      }
      state[i] = entry.stimulus.value(at: 0) >= 0.5
    }
    for setting in scenario.settings {
      var target = setting.target
      if target.hasSuffix(".initial") { target = String(target.dropLast(".initial".count)) }
      if let i = model.nodeIndex(target) {
        state[i] = setting.value >= 0.5
      } else if model.parameter(named: target) == nil && !target.contains(".") {
        report(setting.location, "unknown node '\(target)'", notes: didYouMean(target, among: names).map { [$0] } ?? [])
      }
      // Parameters and τ/n/k settings have no Boolean meaning; they are ODE settings.
    }
    try usage.throwIfErrors(.usage)
    try bag.throwIfErrors()
    return state
  }

  /// Reads an initial state from a file: one string of n `0`/`1` characters; or lines
  /// `NODE = 0|1` (also `NODE,1`, `NODE: 1`, `NODE 1`; `#` comments; unlisted nodes keep their
  /// value in `base`); or a CSV whose header names nodes (a trajectory written by `simulate run
  /// --boolean`), whose last row is taken.
  public static func initialState(file path: String, names: [String], base: BooleanState) throws(PathwayError) -> BooleanState {
    let text = try InputFile.readText(path)
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
      .map { (number: $0.offset + 1, text: BNetReader.stripComment($0.element).trimmingCharacters(in: .whitespaces)) }
      .filter { !$0.text.isEmpty }
    func location(_ line: Int, _ column: Int = 1) -> SourceLocation { SourceLocation(file: path, line: line, column: column) }
    guard let first = lines.first else {
      throw PathwayError(.invalidInput, at: location(1), "the initial-state file is empty")
    }
    let compact = first.text.filter { !$0.isWhitespace }
    if lines.count == 1, !compact.isEmpty, compact.allSatisfy({ $0 == "0" || $0 == "1" }) {
      guard compact.count == names.count else {
        throw PathwayError(
          .invalidInput, at: location(first.number),
          "the state has \(compact.count) digits, the network \(names.count) nodes",
          notes: ["one 0/1 character per node, in model order: " + names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", …" : "")])
      }
      return BooleanState(compact)!
    }
    let index = Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    let header = first.text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    if header.count > 2, header.allSatisfy({ index[$0] != nil || $0 == "step" || $0 == "time" }) {
      guard let last = lines.dropFirst().last else {
        throw PathwayError(.invalidInput, at: location(first.number), "the CSV has a header but no row")
      }
      let fields = last.text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      guard fields.count == header.count else {
        throw PathwayError(.invalidInput, at: location(last.number), "the row has \(fields.count) fields, the header \(header.count)")
      }
      var state = base
      for (name, field) in zip(header, fields) {
        guard let i = index[name] else { continue }
        guard let value = Double(field) else {
          throw PathwayError(.invalidInput, at: location(last.number), "'\(field)' is not a value for '\(name)'")
        }
        state[i] = value >= 0.5
      }
      return state
    }
    var state = base
    var bag = DiagnosticBag()
    for line in lines {
      let parts = line.text.split(whereSeparator: { $0 == "=" || $0 == "," || $0 == ":" || $0.isWhitespace })
      guard parts.count == 2, let value = Double(parts[1]) else {
        bag.error(location(line.number), "expected 'NODE = 0' or 'NODE = 1', found '\(line.text)'")
        continue
      }
      let name = String(parts[0])
      guard let i = index[name] else {
        bag.error(location(line.number), "unknown node '\(name)'", notes: didYouMean(name, among: names).map { [$0] } ?? [])
        continue
      }
      state[i] = value >= 0.5
    }
    try bag.throwIfErrors()
    return state
  }
}

/// Inputs that follow stimuli over synchronous or asynchronous steps: before state `t` is
/// recorded, each input's bit is set to `stimulus(t) ≥ 0.5`.
public struct BooleanInputProtocol: Sendable {
  public var inputs: [(node: Int, stimulus: Stimulus)]

  public init(inputs: [(node: Int, stimulus: Stimulus)]) { self.inputs = inputs }

  /// Sets the input bits of `state` (packed words) for step `t`.
  func apply(step t: Int, to state: UnsafeMutablePointer<UInt64>) {
    for (i, stimulus) in inputs {
      let w = i >> 6, mask: UInt64 = 1 << UInt64(i & 63)
      if stimulus.value(at: Double(t)) >= 0.5 { state[w] |= mask } else { state[w] &= ~mask }
    }
  }
}
