/// A named experiment on a model: stimuli over time, perturbations, parameter overrides, initial
/// values, the time span and output grid, and solver options.
///
/// Scenarios are read without the model (`ScenarioReader`), layered (`layered(over:)`), and then
/// resolved against a model (`Scenario.resolve(for:)`), which checks every name with its location.
public struct Scenario: Sendable {
  public var name: String
  public var description: String
  /// The files this scenario was layered from, in order.
  public var sources: [String]
  /// Stimuli by input node, in file order; a later layer replaces an input's stimulus.
  public var inputs: [InputStimulus]
  public var perturbations: [PerturbationEntry]
  /// Parameter values, initial values, τ and Hill overrides, in the order they apply (`--set` last).
  public var settings: [Setting]
  public var time: TimeSpec
  public var solver: SolverSpec
  public var output: OutputSpec
  /// The model the scenario is written for (`model:`, resolved against the scenario's folder).
  public var modelPath: String?
  /// Expected behaviours (`expect:`), checked by `simulate check`.
  public var expectations: [ExpectationSpec] = []
  /// Settings for Boolean runs (`boolean:`): doses and timings in synchronous steps.
  public var boolean: BooleanSpec?

  /// An expectation as written, with where it is.
  public struct ExpectationSpec: Sendable {
    public var id: String
    public var text: String
    public var location: SourceLocation?
    /// Maps offsets in `text` to file locations.
    public var locator: (@Sendable (Int) -> SourceLocation?)?
    public init(id: String, text: String, location: SourceLocation?, locator: (@Sendable (Int) -> SourceLocation?)? = nil) {
      self.id = id
      self.text = text
      self.location = location
      self.locator = locator
    }
  }

  /// Boolean-mode overrides.
  public struct BooleanSpec: Sendable, Hashable {
    /// Stimuli in synchronous steps; they replace the scenario's for these inputs.
    public var inputs: [InputStimulus] = []
    public var maxSteps: Int?
    public init() {}
  }

  public init(name: String = "", description: String = "") {
    self.name = name
    self.description = description
    self.sources = []
    self.inputs = []
    self.perturbations = []
    self.settings = []
    self.time = TimeSpec()
    self.solver = SolverSpec()
    self.output = OutputSpec()
  }

  public struct InputStimulus: Sendable, Hashable {
    public var input: String
    public var stimulus: Stimulus
    public var location: SourceLocation?
    public init(input: String, stimulus: Stimulus, location: SourceLocation?) {
      self.input = input
      self.stimulus = stimulus
      self.location = location
    }
  }

  /// A named perturbation of the model, or explicit actions.
  public enum PerturbationEntry: Sendable, Hashable {
    case named(String, SourceLocation?)
    case actions([LocatedAction], SourceLocation?)
  }

  /// `target = value`: a parameter, an input's constant dose, a node's initial value, or
  /// `node.tau`, `node.n`, `node.k`, `node.initial`.
  public struct Setting: Sendable, Hashable {
    public enum Section: String, Sendable, Hashable {
      /// `parameters:`, only parameters.
      case parameters
      /// `initial:`, only nodes.
      case initial
      /// `--set` and sweeps: any target.
      case any
    }
    public var target: String
    public var value: Double
    public var section: Section
    public var location: SourceLocation?
    public init(target: String, value: Double, section: Section = .any, location: SourceLocation? = nil) {
      self.target = target
      self.value = value
      self.section = section
      self.location = location
    }
  }

  public struct TimeSpec: Sendable, Hashable {
    public var start: Double?
    public var end: Double?
    public var grid: Grid?
    public var location: SourceLocation?
    /// Where the output grid was given (a scenario's `time:`, a `--times` file; nil: the
    /// command line's --steps, --points or --dt).
    public var gridLocation: SourceLocation?
    public init() {}

    public enum Grid: Sendable, Hashable {
      /// N intervals: N + 1 output times, both ends included.
      case steps(Int)
      /// Every `dt` from the start; the end is included.
      case dt(Double)
      /// Explicit output times.
      case times([Double])
    }
  }

  public struct SolverSpec: Sendable, Hashable {
    public var method: String?
    /// `interpreted`, `native` or `auto` (see `KernelMode`).
    public var kernel: String?
    public var rtol: Double?
    public var atol: Double?
    public var hMax: Double?
    public var hInitial: Double?
    public var maxSteps: Int?
    /// `compartment` or `none` (see `AbsoluteToleranceScale`).
    public var atolScale: String?
    public init() {}
  }

  public struct OutputSpec: Sendable, Hashable {
    public var select: [String]?
    /// Where `select` was written (nil: the command line).
    public var selectLocation: SourceLocation?
    /// Species to report as amounts / as concentrations (others: the model's default).
    public var amount: [String]?
    public var concentration: [String]?
    public var layout: String?
    /// Rows before and after each event (`SolverOptions.eventRows`).
    public var eventRows: Bool?
    public init() {}
  }

  /// This scenario applied on top of `base`: inputs replace by input, perturbations and
  /// settings append, time/solver/output fields override one by one.
  public func layered(over base: Scenario) -> Scenario {
    var out = base
    if !name.isEmpty { out.name = name }
    if !description.isEmpty { out.description = description }
    out.sources += sources
    for entry in inputs {
      out.inputs.removeAll { $0.input == entry.input }
      out.inputs.append(entry)
    }
    out.perturbations += perturbations
    out.settings += settings
    if let v = time.start { out.time.start = v }
    if let v = time.end { out.time.end = v }
    if let v = time.grid {
      out.time.grid = v
      out.time.gridLocation = time.gridLocation
    }
    if let v = time.location { out.time.location = v }
    if let v = solver.method { out.solver.method = v }
    if let v = solver.kernel { out.solver.kernel = v }
    if let v = solver.atolScale { out.solver.atolScale = v }
    if let v = solver.rtol { out.solver.rtol = v }
    if let v = solver.atol { out.solver.atol = v }
    if let v = solver.hMax { out.solver.hMax = v }
    if let v = solver.hInitial { out.solver.hInitial = v }
    if let v = solver.maxSteps { out.solver.maxSteps = v }
    if let v = output.select {
      out.output.select = v
      out.output.selectLocation = output.selectLocation
    }
    if let v = output.amount { out.output.amount = v }
    if let v = output.concentration { out.output.concentration = v }
    if let v = output.layout { out.output.layout = v }
    if let v = output.eventRows { out.output.eventRows = v }
    if let v = modelPath { out.modelPath = v }
    out.expectations += expectations
    if let v = boolean {
      var merged = out.boolean ?? BooleanSpec()
      for entry in v.inputs {
        merged.inputs.removeAll { $0.input == entry.input }
        merged.inputs.append(entry)
      }
      if let m = v.maxSteps { merged.maxSteps = m }
      out.boolean = merged
    }
    return out
  }

  /// Layers `scenarios` in order (the first is the base).
  public static func layering(_ scenarios: [Scenario]) -> Scenario {
    scenarios.reduce(Scenario()) { $1.layered(over: $0) }
  }
}
