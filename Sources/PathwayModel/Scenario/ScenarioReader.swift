/// Reads scenario files (YAML), documented in `docs/scenario-format.md`.
///
/// Syntax is checked here with file:line:column; names are checked against the model by
/// `Scenario.resolve(for:)`.
public enum ScenarioReader {
  public static let topLevelKeys = [
    "scenario", "name", "description", "model", "inputs", "perturbations", "parameters", "initial", "time", "solver",
    "output", "expect", "boolean", "notes", "references",
  ]

  public static func read(path: String) throws(PathwayError) -> Scenario {
    let text = try InputFile.readText(path)
    return try read(text: text, file: path)
  }

  public static func read(text: String, file: String) throws(PathwayError) -> Scenario {
    let document = try YAMLDocument(text: text, file: file)
    var bag = DiagnosticBag()
    var scenario = Scenario()
    scenario.sources = [file]
    guard let root = document.root, !root.isNull else { return scenario }
    guard let top = root.mapping(&bag, what: "a scenario file") else {
      try bag.throwIfErrors()
      return scenario
    }
    top.checkKeys(topLevelKeys, in: "a scenario file", &bag)
    scenario.name = top["scenario"].flatMap { $0.string(&bag, what: "scenario") }
      ?? top["name"].flatMap { $0.string(&bag, what: "name") } ?? NativeModelReader.fileStem(file)
    scenario.description = top["description"].flatMap { $0.string(&bag, what: "description") } ?? ""
    if let inputs = top["inputs"], !inputs.isNull, let entries = inputs.mapping(&bag, what: "inputs") {
      for (input, location, value) in entries {
        if let stimulus = readStimulus(value, input: input, &bag) {
          scenario.inputs.removeAll { $0.input == input }
          scenario.inputs.append(.init(input: input, stimulus: stimulus, location: location))
        }
      }
    }
    if let perturbations = top["perturbations"], !perturbations.isNull {
      scenario.perturbations = readPerturbations(perturbations, &bag)
    }
    for (key, section) in [("parameters", Scenario.Setting.Section.parameters), ("initial", .initial)] {
      guard let value = top[key], !value.isNull, let entries = value.mapping(&bag, what: key) else { continue }
      for (target, location, v) in entries {
        if let x = v.number(&bag, what: "the value of '\(target)'") {
          scenario.settings.append(.init(target: target, value: x, section: section, location: location))
        }
      }
    }
    if let model = top["model"], let path = model.string(&bag, what: "model") {
      let directory = Paths.directory(of: file)
      scenario.modelPath = path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
    }
    if let expect = top["expect"], !expect.isNull {
      scenario.expectations = readExpectations(expect, stem: NativeModelReader.fileStem(file), &bag)
    }
    if let boolean = top["boolean"], let fields = boolean.mapping(&bag, what: "boolean") {
      fields.checkKeys(["inputs", "max_steps"], in: "boolean", &bag)
      var spec = Scenario.BooleanSpec()
      if let inputs = fields["inputs"], !inputs.isNull, let entries = inputs.mapping(&bag, what: "boolean.inputs") {
        for (input, location, value) in entries {
          if let stimulus = readStimulus(value, input: input, &bag) {
            spec.inputs.append(.init(input: input, stimulus: stimulus, location: location))
          }
        }
      }
      if let v = fields["max_steps"], let n = v.number(&bag, what: "boolean.max_steps") {
        if n >= 1, n == n.rounded(), n < 1e12 { spec.maxSteps = Int(n) } else {
          bag.error(v.location, "boolean.max_steps must be a whole number ≥ 1")
        }
      }
      scenario.boolean = spec
    }
    if let time = top["time"] { scenario.time = readTime(time, &bag) }
    if let solver = top["solver"] { scenario.solver = readSolver(solver, &bag) }
    if let output = top["output"], let fields = output.mapping(&bag, what: "output") {
      fields.checkKeys(["select", "layout", "event_rows"], in: "output", &bag)
      scenario.output.eventRows = fields["event_rows"].flatMap { $0.boolean(&bag, what: "output.event_rows") }
      scenario.output.select = fields["select"].flatMap { $0.strings(&bag, what: "select") }
      scenario.output.selectLocation = fields["select"]?.location
      if let layout = fields["layout"], let text = layout.string(&bag, what: "layout") {
        if ["wide", "long"].contains(text) {
          scenario.output.layout = text
        } else {
          bag.error(layout.location, "unknown layout '\(text)'", notes: ["a layout is 'wide' or 'long'"])
        }
      }
    }
    try bag.throwIfErrors()
    return scenario
  }

  // MARK: - Expectations

  /// `expect:` is a list; each item is the expectation text, or `{id: …, check: …}`.
  static func readExpectations(_ value: YAMLValue, stem: String, _ bag: inout DiagnosticBag) -> [Scenario.ExpectationSpec] {
    guard let items = value.sequence(&bag, what: "expect") else { return [] }
    var out: [Scenario.ExpectationSpec] = []
    for (index, item) in items.enumerated() {
      let defaultID = "\(stem)#\(index + 1)"
      if item.scalar != nil {
        guard let text = item.string(&bag, what: "an expectation") else { continue }
        out.append(.init(id: defaultID, text: text, location: item.location, locator: item.scalarLocator()))
        continue
      }
      guard let fields = item.mapping(&bag, what: "an expectation") else { continue }
      fields.checkKeys(["id", "check", "note"], in: "an expectation", &bag)
      guard let check = fields["check"], let text = check.string(&bag, what: "check") else {
        bag.error(item.location, "an expectation given as a mapping needs 'check: …'")
        continue
      }
      let id = fields["id"].flatMap { $0.string(&bag, what: "id") } ?? defaultID
      out.append(.init(id: id, text: text, location: check.location, locator: check.scalarLocator()))
    }
    return out
  }

  // MARK: - Stimuli

  static let stimulusKeys = ["dose", "from", "until", "pulse", "ramp", "every", "duration", "count", "schedule", "baseline"]

  /// A number is a constant dose; a mapping describes a protocol (see `docs/scenario-format.md`).
  static func readStimulus(_ value: YAMLValue, input: String, _ bag: inout DiagnosticBag) -> Stimulus? {
    if value.scalar != nil {
      guard let dose = value.number(&bag, what: "the dose of '\(input)'") else { return nil }
      return .constant(dose)
    }
    guard let fields = value.mapping(&bag, what: "the stimulus of '\(input)'") else { return nil }
    fields.checkKeys(stimulusKeys, in: "the stimulus of '\(input)'", &bag)
    func number(_ key: String) -> Double? {
      fields[key].flatMap { $0.number(&bag, what: "\(key) of '\(input)'") }
    }
    func pair(_ key: String) -> (Double, Double)? {
      guard let v = fields[key], let items = v.sequence(&bag, what: "\(key) of '\(input)'") else { return nil }
      guard items.count == 2 else {
        bag.error(v.location, "\(key) of '\(input)' takes two numbers [a, b], found \(items.count)")
        return nil
      }
      guard let a = items[0].number(&bag, what: "\(key) of '\(input)'"),
        let b = items[1].number(&bag, what: "\(key) of '\(input)'")
      else { return nil }
      return (a, b)
    }
    // Each form takes its own keys; one that would be ignored is an error, not a silent no-op.
    let form: (name: String, keys: [String]) =
      fields["schedule"] != nil ? ("a schedule", ["schedule", "baseline"])
      : fields["ramp"] != nil ? ("a ramp", ["ramp", "dose"])
      : fields["every"] != nil ? ("a repeated dose", ["dose", "every", "duration", "count", "from", "baseline"])
      : fields["pulse"] != nil ? ("a pulse", ["dose", "pulse", "baseline"])
      : ("a dose", ["dose", "from", "until", "baseline"])
    for field in fields where stimulusKeys.contains(field.key) && !form.keys.contains(field.key) {
      bag.error(
        field.keyLocation, "'\(field.key)' does not apply to \(form.name) (the stimulus of '\(input)')",
        notes: ["\(form.name) takes " + form.keys.joined(separator: ", ")])
    }
    let baseline = number("baseline") ?? 0
    let hasBaseline = fields["baseline"] != nil
    if let schedule = fields["schedule"] {
      guard let items = schedule.sequence(&bag, what: "schedule of '\(input)'") else { return nil }
      var points: [Stimulus.SchedulePoint] = []
      for item in items {
        guard let pairItems = item.sequence(&bag, what: "each point of the schedule of '\(input)'"),
          pairItems.count == 2,
          let t = pairItems[0].number(&bag, what: "a schedule time"),
          let v = pairItems[1].number(&bag, what: "a schedule dose")
        else {
          if item.node.sequence?.count != 2 {
            bag.error(item.location, "each point of a schedule is [time, dose]")
          }
          continue
        }
        if let last = points.last, t <= last.time {
          bag.error(item.location, "schedule times must increase (\(formatNumber(t)) after \(formatNumber(last.time)))")
        }
        points.append(.init(time: t, value: v))
      }
      return .schedule(points: points, baseline: baseline)
    }
    if let ramp = pair("ramp") {
      guard let doses = pair("dose") else {
        if fields["dose"] == nil {
          bag.error(value.location, "a ramp of '\(input)' needs 'dose: [start dose, end dose]'")
        }
        return nil
      }
      guard ramp.1 > ramp.0 else {
        bag.error(fields["ramp"]!.location, "a ramp must end after it starts")
        return nil
      }
      return .ramp(start: ramp.0, end: ramp.1, from: doses.0, to: doses.1)
    }
    guard let doseValue = fields["dose"] else {
      bag.error(value.location, "the stimulus of '\(input)' needs a 'dose'")
      return nil
    }
    guard let dose = doseValue.number(&bag, what: "the dose of '\(input)'") else { return nil }
    if let every = number("every") {
      guard every > 0 else {
        bag.error(fields["every"]!.location, "'every' must be positive")
        return nil
      }
      guard let duration = number("duration") else {
        if fields["duration"] == nil { bag.error(value.location, "a repeated dose of '\(input)' needs a 'duration'") }
        return nil
      }
      guard duration > 0, duration <= every else {
        bag.error(fields["duration"]!.location, "a repeated dose's duration must be in (0, every]")
        return nil
      }
      var count: Int? = nil
      if let c = number("count") {
        guard c >= 1, c == c.rounded() else {
          bag.error(fields["count"]!.location, "'count' must be a positive whole number")
          return nil
        }
        count = Int(c)
      }
      return .repeated(
        start: number("from") ?? 0, period: every, duration: duration, count: count, dose: dose, baseline: baseline)
    }
    if let pulse = pair("pulse") {
      guard pulse.1 > pulse.0 else {
        bag.error(fields["pulse"]!.location, "a pulse must end after it starts")
        return nil
      }
      return .pulse(start: pulse.0, end: pulse.1, dose: dose, baseline: baseline)
    }
    let from = number("from"), until = number("until")
    switch (from, until) {
    case (nil, nil):
      if hasBaseline {
        bag.error(
          fields.first { $0.key == "baseline" }?.keyLocation ?? value.location,
          "'baseline' does not apply to a constant dose (the stimulus of '\(input)')",
          notes: ["a dose has a baseline only with 'from' or 'until' (or as a pulse or repeated dose)"])
        return nil
      }
      return .constant(dose)
    case (let start?, nil): return .step(at: start, dose: dose, baseline: baseline)
    case (nil, let end?): return .pulse(start: -.infinity, end: end, dose: dose, baseline: baseline)
    case (let start?, let end?):
      guard end > start else {
        bag.error(fields["until"]!.location, "'until' must come after 'from'")
        return nil
      }
      return .pulse(start: start, end: end, dose: dose, baseline: baseline)
    }
  }

  // MARK: - Perturbations

  static func readPerturbations(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> [Scenario.PerturbationEntry] {
    let items: [YAMLValue]
    if value.scalar != nil { items = [value] } else { items = value.sequence(&bag, what: "perturbations") ?? [] }
    var out: [Scenario.PerturbationEntry] = []
    for item in items {
      if let name = item.scalar {
        out.append(.named(name, item.location))
        continue
      }
      guard let fields = item.mapping(&bag, what: "a perturbation") else { continue }
      fields.checkKeys(["knockout", "overexpress", "pin", "scale"], in: "a perturbation", &bag)
      let actions = PerturbationSyntax.read(fields, nodes: nil, &bag)
      out.append(.actions(actions, item.location))
    }
    return out
  }

  // MARK: - Time, solver

  static func readTime(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> Scenario.TimeSpec {
    var spec = Scenario.TimeSpec()
    spec.location = value.location
    guard let fields = value.mapping(&bag, what: "time") else { return spec }
    fields.checkKeys(["start", "end", "steps", "dt", "times"], in: "time", &bag)
    spec.start = fields["start"].flatMap { $0.number(&bag, what: "time.start") }
    spec.end = fields["end"].flatMap { $0.number(&bag, what: "time.end") }
    let grids = ["steps", "dt", "times"].filter { fields[$0] != nil }
    if grids.count > 1 {
      bag.error(value.location, "give one of steps, dt and times, not " + grids.joined(separator: " and "))
    }
    if let v = fields["steps"], let n = v.number(&bag, what: "time.steps") {
      if n >= 1, n == n.rounded(), n <= 1e9 { spec.grid = .steps(Int(n)) } else {
        bag.error(v.location, "time.steps must be a whole number ≥ 1 (the number of intervals)")
      }
    }
    if let v = fields["dt"], let dt = v.number(&bag, what: "time.dt") {
      if dt > 0 { spec.grid = .dt(dt) } else { bag.error(v.location, "time.dt must be positive") }
    }
    if let v = fields["times"], let items = v.sequence(&bag, what: "time.times") {
      let times = items.compactMap { $0.number(&bag, what: "an output time") }
      if zip(times, times.dropFirst()).contains(where: { $0 >= $1 }) {
        bag.error(v.location, "output times must increase")
      }
      spec.grid = .times(times)
    }
    if let key = grids.first { spec.gridLocation = fields[key]?.location }
    return spec
  }

  static func readSolver(_ value: YAMLValue, _ bag: inout DiagnosticBag) -> Scenario.SolverSpec {
    var spec = Scenario.SolverSpec()
    guard let fields = value.mapping(&bag, what: "solver") else { return spec }
    fields.checkKeys(["method", "kernel", "rtol", "atol", "atol_scale", "h_max", "h_init", "max_steps"], in: "solver", &bag)
    if let v = fields["atol_scale"], let name = v.string(&bag, what: "solver.atol_scale") {
      if AbsoluteToleranceScale(rawValue: name) == nil {
        bag.error(v.location, "unknown atol_scale '\(name)'",
                  notes: ["atol_scale: " + AbsoluteToleranceScale.allCases.map(\.rawValue).joined(separator: ", ")])
      }
      spec.atolScale = name
    }
    if let v = fields["kernel"], let name = v.string(&bag, what: "solver.kernel") {
      if KernelMode(rawValue: name) == nil {
        bag.error(v.location, "unknown kernel '\(name)'",
                  notes: ["kernels: " + KernelMode.allCases.map(\.rawValue).joined(separator: ", ")])
      }
      spec.kernel = name
    }
    if let v = fields["method"], let name = v.string(&bag, what: "solver.method") {
      if Stepper(rawValue: name) == nil {
        bag.error(
          v.location, "unknown method '\(name)'",
          notes: (didYouMean(name, among: Stepper.allCases.map(\.rawValue)).map { [$0] } ?? [])
            + ["methods: " + Stepper.allCases.map(\.rawValue).joined(separator: ", ")])
      }
      spec.method = name
    }
    for key in ["rtol", "atol", "h_max", "h_init"] {
      guard let v = fields[key], let x = v.number(&bag, what: "solver.\(key)") else { continue }
      guard x > 0 else {
        bag.error(v.location, "solver.\(key) must be positive")
        continue
      }
      switch key {
      case "rtol": spec.rtol = x
      case "atol": spec.atol = x
      case "h_max": spec.hMax = x
      default: spec.hInitial = x
      }
    }
    if let v = fields["max_steps"], let n = v.number(&bag, what: "solver.max_steps") {
      if n >= 1, n == n.rounded(), n < 1e15 { spec.maxSteps = Int(n) } else {
        bag.error(v.location, "solver.max_steps must be a whole number ≥ 1")
      }
    }
    return spec
  }
}
