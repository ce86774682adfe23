/// A signalling network: nodes, parameters, derived quantities and named perturbations.
///
/// The same value runs as a Boolean network (the nodes' logical rules), as ODEs derived from
/// the rules (the normalised HillCube, `BIOLOGY.md` §3.3) and as mechanistic ODEs (explicit
/// rate laws); a node with a rate law uses it in continuous mode, the others their rule.
/// Models are format-agnostic values: readers build them, compilers consume them.
public struct Model: Sendable {
  /// A short name for messages and manifests.
  public var name: String
  public var description: String
  /// The file the model was read from, if any.
  public var source: String?
  /// The unit of time of rate laws and τ (for example `h`); informational.
  public var timeUnit: String?
  public var defaults: Defaults
  /// Named constants, in file order.
  public var parameters: [Parameter]
  /// Nodes in file order; the order of CSV columns and Boolean state bits.
  public var nodes: [Node]
  /// Derived quantities (`name = expression`), like SBML assignment rules; evaluated in dependency order.
  public var assignments: [Assignment]
  /// Perturbations that scenarios can name (a drug, a knockout, a knockdown).
  public var perturbations: [NamedPerturbation]
  /// Free-form references the file lists at top level (for example the seed review).
  public var references: [String]
  /// Values computed at the start of a run from other values (SBML initial assignments); they
  /// override the target's `initial` or parameter value.
  public var initialAssignments: [InitialAssignment] = []
  /// Discrete events: when a trigger becomes true, assignments change state variables.
  public var events: [Event] = []
  /// Species whose node holds an amount in a compartment (SBML). `--amount`/`--concentration`
  /// choose how they are reported; rate laws already use the right one.
  public var species: [SpeciesInfo] = []
  /// What the reader noticed without refusing the model (an SBML event without a trigger, an
  /// equality trigger on a continuous quantity): every command that loads the model prints them.
  public var warnings: [Diagnostic] = []

  public init(
    name: String, description: String = "", source: String? = nil, timeUnit: String? = nil,
    defaults: Defaults = Defaults(), parameters: [Parameter] = [], nodes: [Node] = [],
    assignments: [Assignment] = [], perturbations: [NamedPerturbation] = [], references: [String] = []
  ) {
    self.name = name
    self.description = description
    self.source = source
    self.timeUnit = timeUnit
    self.defaults = defaults
    self.parameters = parameters
    self.nodes = nodes
    self.assignments = assignments
    self.perturbations = perturbations
    self.references = references
  }

  /// Defaults for quantities a node or an edge does not set.
  public struct Defaults: Sendable, Hashable {
    /// Time constant τ of logic-derived ODEs, in model time units.
    public var tau: Double = 1
    /// Hill exponent n of the normalised Hill function.
    public var hillN: Double = 2
    /// Half-activation threshold k of the normalised Hill function.
    public var hillK: Double = 0.5
    /// How long to integrate the reference context before a scenario starts, to reach its
    /// steady state (model time units); nil starts from the nodes' initial values.
    public var equilibrate: Double? = nil
    public init() {}
  }

  public func node(named id: String) -> Node? { nodes.first { $0.id == id } }
  public func assignment(named id: String) -> Assignment? { assignments.first { $0.id == id } }
  public func parameter(named id: String) -> Parameter? { parameters.first { $0.id == id } }
  public func nodeIndex(_ id: String) -> Int? { nodes.firstIndex { $0.id == id } }

  /// Every identifier the model defines (nodes, parameters, assignments), in file order.
  public var identifiers: [String] {
    nodes.map(\.id) + parameters.map(\.id) + assignments.map(\.id)
  }
}

/// A named constant.
public struct Parameter: Sendable, Hashable {
  public var id: String
  public var value: Double
  public var unit: String?
  public var description: String
  public var location: SourceLocation?

  public init(id: String, value: Double, unit: String? = nil, description: String = "", location: SourceLocation? = nil) {
    self.id = id
    self.value = value
    self.unit = unit
    self.description = description
    self.location = location
  }
}

/// A derived quantity `id = expression`, recomputed whenever it is needed.
public struct Assignment: Sendable, Hashable {
  public var id: String
  public var expression: ParsedExpression
  public var unit: String?
  public var description: String
  public var location: SourceLocation?

  public init(id: String, expression: ParsedExpression, unit: String? = nil, description: String = "", location: SourceLocation? = nil) {
    self.id = id
    self.expression = expression
    self.unit = unit
    self.description = description
    self.location = location
  }
}

/// The role of a node in the network.
public enum NodeKind: String, Sendable, Hashable, CaseIterable {
  /// An experimental stimulus; its value is a dose set by the scenario (Boolean: a self-loop).
  case input
  /// A regulated intermediate.
  case `internal`
  /// A regulated readout (a marker or a phenotype).
  case output
}

/// A species of the network.
public struct Node: Sendable, Hashable {
  public var id: String
  public var kind: NodeKind
  public var description: String
  /// Initial value (continuous) or baseline dose (inputs). Boolean mode reads it as `value ≥ 0.5`.
  public var initial: Double
  /// The logical rule, over other nodes. Inputs have none.
  public var rule: ParsedExpression?
  /// An explicit rate law dx/dt, in model units. Takes precedence over the rule in continuous mode.
  public var rate: ParsedExpression?
  /// Time constant τ of the logic-derived ODE; nil means the model default.
  public var tau: Double?
  /// Continuous-time Boolean runs (MaBoSS's `rate_up`, `rate_down`): the rate at which the node
  /// turns ON when its rule says ON, and OFF when it says OFF; nil means 1/τ.
  public var rateUp: Double?
  public var rateDown: Double?
  /// Boolean runs from the model's initial state: the probability that the node starts ON,
  /// drawn per run (MaBoSS's probabilistic `istate`); nil means `initial ≥ 0.5`, always.
  public var initialProbability: Double?
  /// Hill n and k for every incoming edge that does not set its own; nil means the model default.
  public var hillN: Double?
  public var hillK: Double?
  /// Incoming edges with their evidence and Hill parameters, keyed by source, in file order.
  public var edges: [Edge]
  /// Graded ODE-only effects on this node's production (`BIOLOGY.md` §3.3).
  public var modulators: [Modulator]
  public var references: [String]
  public var unit: String?
  /// What the node does in the model (one line), as the curators describe it.
  public var role: String
  public var notes: String
  public var location: SourceLocation?

  public init(
    id: String, kind: NodeKind = .internal, description: String = "", role: String = "", initial: Double = 0,
    rule: ParsedExpression? = nil, rate: ParsedExpression? = nil, tau: Double? = nil,
    hillN: Double? = nil, hillK: Double? = nil, edges: [Edge] = [], modulators: [Modulator] = [],
    references: [String] = [], unit: String? = nil, notes: String = "", location: SourceLocation? = nil
  ) {
    self.id = id
    self.kind = kind
    self.description = description
    self.initial = initial
    self.rule = rule
    self.rate = rate
    self.tau = tau
    self.hillN = hillN
    self.hillK = hillK
    self.edges = edges
    self.modulators = modulators
    self.references = references
    self.unit = unit
    self.role = role
    self.notes = notes
    self.location = location
  }

  public var isInput: Bool { kind == .input }

  /// The edge from `source`, if the file describes it.
  public func edge(from source: String) -> Edge? { edges.first { $0.source == source } }
}

public enum EdgeSign: String, Sendable, Hashable {
  case activation = "+"
  case inhibition = "-"
}

/// A regulatory interaction `source → target`, with its evidence.
public struct Edge: Sendable, Hashable {
  public var source: String
  public var sign: EdgeSign?
  /// Hill exponent and threshold for this edge; nil means the target node's (or the model's) default.
  public var hillN: Double?
  public var hillK: Double?
  public var mechanism: String
  public var stage: String?
  public var references: [String]
  /// Confidence grade as the curators wrote it (for example H, M, L).
  public var confidence: String?
  public var location: SourceLocation?

  public init(
    source: String, sign: EdgeSign? = nil, hillN: Double? = nil, hillK: Double? = nil, mechanism: String = "",
    stage: String? = nil, references: [String] = [], confidence: String? = nil, location: SourceLocation? = nil
  ) {
    self.source = source
    self.sign = sign
    self.hillN = hillN
    self.hillK = hillK
    self.mechanism = mechanism
    self.stage = stage
    self.references = references
    self.confidence = confidence
    self.location = location
  }
}

/// A graded, ODE-only effect of `source` on a node's production:
/// `1 − w + w·h(x)` for an activator, `1 − w·h(x)` for an inhibitor (`BIOLOGY.md` §3.3).
public struct Modulator: Sendable, Hashable {
  public var source: String
  public var sign: EdgeSign
  /// The weight w in [0, 1].
  public var weight: Double
  public var mechanism: String
  public var references: [String]
  public var confidence: String?
  public var location: SourceLocation?

  public init(
    source: String, sign: EdgeSign, weight: Double, mechanism: String = "", references: [String] = [],
    confidence: String? = nil, location: SourceLocation? = nil
  ) {
    self.source = source
    self.sign = sign
    self.weight = weight
    self.mechanism = mechanism
    self.references = references
    self.confidence = confidence
    self.location = location
  }
}

/// A perturbation a scenario can apply by name: pins (knockouts, over-expression, inhibitors
/// at a level) and production scalings (a dominant-negative receptor).
public struct NamedPerturbation: Sendable, Hashable {
  public var name: String
  public var description: String
  public var actions: [PerturbationAction]
  public var references: [String]
  public var location: SourceLocation?

  public init(
    name: String, description: String = "", actions: [PerturbationAction], references: [String] = [],
    location: SourceLocation? = nil
  ) {
    self.name = name
    self.description = description
    self.actions = actions
    self.references = references
    self.location = location
  }
}

/// What a perturbation does to one node.
public enum PerturbationAction: Sendable, Hashable {
  /// Hold the node at a constant (a knockout pins at 0, an over-expression at 1). Boolean mode
  /// reads the level as `level ≥ 0.5`.
  case pin(node: String, level: Double)
  /// Multiply the node's production term by `factor` (continuous mode only).
  case scale(node: String, factor: Double)

  public var node: String {
    switch self {
    case .pin(let node, _), .scale(let node, _): return node
    }
  }
}

/// `target = expression`, evaluated once when a run starts (after parameter overrides).
public struct InitialAssignment: Sendable, Hashable {
  public var target: String
  public var expression: ParsedExpression
  public var location: SourceLocation?
  public init(target: String, expression: ParsedExpression, location: SourceLocation? = nil) {
    self.target = target
    self.expression = expression
    self.location = location
  }
}

/// A discrete event with SBML Level 3 semantics.
///
/// The event fires when `trigger` goes from false to true (located inside the integration
/// step). Its assignments execute after `delay` (evaluated at trigger time); with
/// `useValuesFromTriggerTime` their values are computed at trigger time, else at execution.
/// A non-persistent event is cancelled if its trigger turns false before it executes.
/// Simultaneous events execute in decreasing `priority` (evaluated at execution), ties in
/// document order; after each execution every trigger is re-evaluated.
public struct Event: Sendable, Hashable {
  public var id: String
  public var trigger: ParsedExpression
  /// The trigger's value just before the start time (false: a trigger true at t₀ fires at t₀).
  public var initialValue: Bool
  public var persistent: Bool
  public var delay: ParsedExpression?
  public var priority: ParsedExpression?
  public var useValuesFromTriggerTime: Bool
  public var assignments: [EventAssignment]
  public var location: SourceLocation?

  public init(
    id: String, trigger: ParsedExpression, initialValue: Bool = true, persistent: Bool = true,
    delay: ParsedExpression? = nil, priority: ParsedExpression? = nil, useValuesFromTriggerTime: Bool = true,
    assignments: [EventAssignment], location: SourceLocation? = nil
  ) {
    self.id = id
    self.trigger = trigger
    self.initialValue = initialValue
    self.persistent = persistent
    self.delay = delay
    self.priority = priority
    self.useValuesFromTriggerTime = useValuesFromTriggerTime
    self.assignments = assignments
    self.location = location
  }
}

public struct EventAssignment: Sendable, Hashable {
  public var target: String
  public var expression: ParsedExpression
  /// When set, the target receives `expression × multiplier`, the multiplier read when the
  /// assignment executes (a species assigned a concentration: amount = value × size then).
  public var multiplier: String?
  public init(target: String, expression: ParsedExpression, multiplier: String? = nil) {
    self.target = target
    self.expression = expression
    self.multiplier = multiplier
  }
}

/// A species whose node holds its amount in `compartment`; its concentration is amount / size.
public struct SpeciesInfo: Sendable, Hashable {
  public var id: String
  /// The compartment's id (a parameter, a node or an assignment).
  public var compartment: String
  /// True when the species is reported as an amount unless asked otherwise (SBML
  /// `hasOnlySubstanceUnits`).
  public var reportsAmount: Bool
  /// The unit of its concentration (substance per compartment size), when the model declares both;
  /// the amount's unit is its node's.
  public var concentrationUnit: String?
  public init(id: String, compartment: String, reportsAmount: Bool, concentrationUnit: String? = nil) {
    self.id = id
    self.compartment = compartment
    self.reportsAmount = reportsAmount
    self.concentrationUnit = concentrationUnit
  }
}
