import Foundation

/// A model compiled for continuous simulation, once; many runs (a sweep) share it read-only.
///
/// State variables are the non-input nodes, in model order. Inputs are doses u(t) set by the
/// scenario. A node with a rate law integrates `dx/dt = rate`; a node with only a rule
/// integrates the normalised HillCube of `BIOLOGY.md` §3.3:
///
///     dx/dt = (s · M · B̂(y₁…y_k) − x) / τ,
///
/// where y_j = h(x_j) for a node regulator and y_j = u_j for an input regulator, h the
/// normalised Hill function with the edge's n and k, M the product of the node's modulators
/// (1 − w + w·h for activators, 1 − w·h for inhibitors), and s a production scale (1 unless a
/// scenario scales it). A pinned node has dx/dt = 0 at its pinned value.
///
/// What may change from run to run without recompiling lives in `RunParameters`: parameter
/// values, τ, Hill n and k per edge, pins, scales and stimuli.
public final class ODEModel: @unchecked Sendable {
  public let model: Model
  /// Model node index of each state variable.
  public let stateNodes: [Int]
  /// Model node index of each input.
  public let inputNodes: [Int]
  /// For each model node: its state index, or -1 for inputs.
  public let stateIndex: [Int]
  /// The states holding an SBML species reported as a concentration (not
  /// `hasOnlySubstanceUnits`), by state index, with their compartment's id.
  public let concentrationStates: [Int: String]
  /// For each model node: its input index, or -1 for states.
  public let inputIndex: [Int]

  public var stateCount: Int { stateNodes.count }
  public var inputCount: Int { inputNodes.count }
  public var stateNames: [String] { stateNodes.map { model.nodes[$0].id } }
  public var inputNames: [String] { inputNodes.map { model.nodes[$0].id } }

  // MARK: HillCube structure

  struct HillNode {
    var state: Int
    /// Index of the node's diagram in `diagrams`.
    var diagram: Int
    var regulatorStart: Int
    var regulatorCount: Int
    var modulatorStart: Int
    var modulatorCount: Int
  }

  /// A regulator (edge) or modulator source: a state (h applied) or an input (dose used as is).
  struct Source {
    var isInput: Bool
    var index: Int
  }

  let hillNodes: [HillNode]
  /// Regulator sources, grouped per HillCube node.
  let regulatorSources: [Source]
  /// Modulator sources, signs (+1/−1) and weights, grouped per HillCube node.
  let modulatorSources: [Source]
  let modulatorIsActivator: [Bool]
  let modulatorWeights: [Double]
  /// The rules as multilinear decision diagrams (the HillCube in O(diagram size)).
  let diagrams: DiagramStore
  /// The largest in-degree of a HillCube node.
  let maximumRegulators: Int
  /// For each state: its HillCube node index, or -1.
  let hillNodeOfState: [Int]
  public let truthTables: [Int: TruthTable]

  // MARK: Rate-law structure

  /// Slots of the compiled program: states first, then inputs, parameters, time.
  let inputSlotBase: Int
  let parameterSlotBase: Int
  let timeSlot: Int
  /// The flag that holds the rate laws' comparisons (`Instruction.Opcode.mode`): 0 lets them
  /// follow the state, 1 holds them.
  let lockSlot: Int
  /// The slots holding the held comparisons' values (empty when no comparison moves with the state).
  let modeSlots: [Int32]
  /// Slots laid out before the programs' own: states, inputs, parameters, time, delay leaves, the lock.
  var reservedSlotCount: Int { lockSlot + 1 }
  /// Rate-law states and the slot holding their rate after `rhsProgram` runs.
  let rateStates: [(state: Int, slot: Int32)]
  /// What an output column may name: nodes, then assignments, then parameters.
  public var selectableNames: [String] { model.nodes.map(\.id) + assignmentNames + model.parameters.map(\.id) }
  /// Assignment values (slots), for output.
  public let assignmentNames: [String]
  let assignmentSlots: [Int32]
  let rhsProgram: CompiledProgram
  /// Runs after `rhsProgram`: fills the Jacobian entries of rate-law rows.
  let jacobianProgram: CompiledProgram
  let jacobianEntries: [(row: Int, column: Int, slot: Int32)]
  /// ∂rate/∂time and ∂rate/∂u per rate-law row, for dfdt.
  let timeDerivativeEntries: [(row: Int, slot: Int32)]
  let inputDerivativeEntries: [(row: Int, input: Int, slot: Int32)]
  /// Entries without a symbolic derivative, filled by a forward difference.
  public let finiteDifferenceEntries: [(row: Int, column: Int)]
  /// The number of slots a workspace holds.
  let slotCount: Int
  /// Every name a compiled expression may use, and its slot (assignments included).
  let variableSlots: [String: Int32]

  // MARK: Events

  struct CompiledEvent {
    var id: String
    var trigger: Int32
    /// lhs − rhs of every comparison in the trigger: a sign change inside a step means the
    /// trigger may have changed there, even when it has the same value at both ends.
    var roots: [Int32]
    var delay: Int32?
    var priority: Int32?
    var assignments: [(state: Int, slot: Int32, multiplier: Int32?)]
    var initialValue: Bool
    var persistent: Bool
    var useValuesFromTriggerTime: Bool
  }

  let events: [CompiledEvent]
  /// lhs − rhs of comparisons in rate laws (after inlining assignments) that depend on the
  /// state: the integrator stops and restarts where one changes sign.
  let switchRoots: [Int32]
  /// The root functions of `switchRoots` (lhs − rhs), in the same order.
  public let switchRootExpressions: [Expr]
  /// The gradient of each switch root function, assignments inlined: per state, input or time
  /// it depends on, the slot of its derivative (computed by `eventProgram`); nil when a part has
  /// no symbolic derivative. Sliding along a switch needs dg/dt along each side's flow.
  let switchRootGradients: [[(leaf: GradientLeaf, slot: Int32)]?]

  /// For each held comparison (`modeSlots`, in order): the index of its switch root function,
  /// or -1.
  let modeRoots: [Int]

  enum GradientLeaf: Equatable {
    case state(Int), input(Int), time
  }
  /// Comparisons in rate laws that depend only on time and parameters: their zeros become
  /// segment boundaries, computed per run.
  public let timeSwitches: [Expr]
  /// The time switches compiled over [parameters | time | …]: for a switch `time − c` (or
  /// `c − time`) with `c` free of time, `switchValueSlots` holds `c` and the switch time is exact;
  /// otherwise it holds the switch function, scanned and bisected.
  let switchProgram: CompiledProgram
  let switchValueSlots: [(slot: Int32, isTimeOffset: Bool)]
  /// True when the solver must monitor root functions after each step.
  var monitorsRoots: Bool { !events.isEmpty || !switchRoots.isEmpty }
  /// Runs after `rhsProgram`: computes triggers, delays, priorities and assignment values.
  let eventProgram: CompiledProgram
  /// The slots each evaluation must leave computed: the rates (after `rhsProgram`); the
  /// Jacobian's entries (after `jacobianProgram`); the events' and switches' quantities (after
  /// `eventProgram`).
  let rateSlots: Set<Int32>
  let jacobianSlots: Set<Int32>
  let eventSlots: Set<Int32>
  /// `rhsProgram` cut to what the rates need: a right-hand-side evaluation skips the assignments
  /// only outputs read. `assignments` runs the whole `rhsProgram` before outputs are written.
  let rateProgram: CompiledProgram
  /// `rhsProgram` then `jacobianProgram`, cut to what the Jacobian's entries need.
  let fusedJacobianProgram: CompiledProgram
  /// `rhsProgram` then `eventProgram`, cut to what the events and switches need.
  let fusedEventProgram: CompiledProgram
  /// What the other programs compute from parameters and constants alone (products of rate
  /// constants, a compartment's size times a rate constant, ...): run once when a run's
  /// parameters are loaded rather than in every evaluation.
  let parameterProgram: CompiledProgram
  /// The slots `parameterProgram` writes.
  let parameterResults: Set<Int32>
  public var hasEvents: Bool { !events.isEmpty }

  /// The native kernel, built on first request and shared by every solver of this model.
  private let nativeLock = NSLock()
  private var nativeResult: Result<NativeKernel, PathwayError>? = nil
  private var automaticRefusal: PathwayError? = nil

  /// The factor of the absolute tolerance of each state: the size of its compartment at the
  /// start (the model's own initial values) for an SBML species reported as a concentration,
  /// so that `atol` bounds the error of the concentration rather than of the amount the state
  /// holds (a species in a 1e-15 L compartment holds amounts near 1e-18, far below any useful
  /// atol); 1 for every other state, and where the size is not a positive finite number.
  public var absoluteToleranceScales: [Double] {
    var scales = [Double](repeating: 1, count: stateCount)
    guard !concentrationStates.isEmpty else { return scales }
    var parameters = RunParameters(self)
    var state = stateNodes.map { model.nodes[$0].initial }
    guard (try? applyInitialAssignments(parameters: &parameters, state: &state, time: 0)) != nil else { return scales }
    let states = concentrationStates.keys.sorted()
    guard let sizes = try? symbolValues(states.map { concentrationStates[$0]! }, parameters: parameters, state: state, time: 0)
    else { return scales }
    for (s, size) in zip(states, sizes) where size.isFinite && size > 0 { scales[s] = size }
    return scales
  }

  /// The native code of the rate-law programs (compiled, or loaded from the kernel cache, once).
  /// With `automatic` (`--kernel auto`), a kernel too long to be worth compiling is not built
  /// (`NativeKernelBuilder.automaticLineLimit`); that refusal (remembered, so that every worker
  /// does not generate the source again) does not stop an explicit request.
  public func nativeKernel(automatic: Bool = false) throws(PathwayError) -> NativeKernel {
    nativeLock.lock()
    defer { nativeLock.unlock() }
    if let nativeResult { return try nativeResult.get() }
    if automatic, let automaticRefusal { throw automaticRefusal }
    let result: Result<NativeKernel, PathwayError>
    do throws(PathwayError) {
      result = .success(try NativeKernelBuilder.build(self, lineLimit: automatic ? NativeKernelBuilder.automaticLineLimit : nil))
    } catch {
      if automatic {
        automaticRefusal = error
        throw error
      }
      result = .failure(error)
    }
    nativeResult = result
    return try result.get()
  }

  /// Compiles `model` for continuous simulation. Throws for rules beyond `TruthTable.maximumRegulators`.
  public init(model original: Model) throws(PathwayError) {
    self.model = original
    // The programs are compiled from a copy whose delay(x, d) calls are leaf variables, filled
    // from the run's history before each evaluation (`DelayTerms`).
    var delayTable = DelayTerms.Table()
    let model = try delayTable.replacingCalls(in: original)
    var stateNodes: [Int] = [], inputNodes: [Int] = []
    var stateIndex = [Int](repeating: -1, count: model.nodes.count)
    var inputIndex = [Int](repeating: -1, count: model.nodes.count)
    for (i, node) in model.nodes.enumerated() {
      if node.isInput {
        inputIndex[i] = inputNodes.count
        inputNodes.append(i)
      } else {
        stateIndex[i] = stateNodes.count
        stateNodes.append(i)
      }
    }
    self.stateNodes = stateNodes
    self.inputNodes = inputNodes
    self.stateIndex = stateIndex
    self.inputIndex = inputIndex
    let nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    var concentrationStates: [Int: String] = [:]
    for species in model.species where !species.reportsAmount {
      if let node = nodeIndex[species.id], stateIndex[node] >= 0 { concentrationStates[stateIndex[node]] = species.compartment }
    }
    self.concentrationStates = concentrationStates
    func source(_ name: String) -> Source {
      let i = nodeIndex[name]!
      return inputIndex[i] >= 0 ? Source(isInput: true, index: inputIndex[i]) : Source(isInput: false, index: stateIndex[i])
    }

    // HillCube nodes.
    var hillNodes: [HillNode] = []
    var regulatorSources: [Source] = []
    var modulatorSources: [Source] = [], modulatorIsActivator: [Bool] = [], modulatorWeights: [Double] = []
    var diagrams = DiagramStore()
    var truthTables: [Int: TruthTable] = [:]
    var hillNodeOfState = [Int](repeating: -1, count: stateNodes.count)
    var maximumRegulators = 0
    for (s, n) in stateNodes.enumerated() {
      let node = model.nodes[n]
      guard node.rate == nil, let rule = node.rule else { continue }
      let table = try TruthTable(rule: rule, target: node.id)
      truthTables[n] = table
      hillNodeOfState[s] = hillNodes.count
      hillNodes.append(
        HillNode(
          state: s, diagram: diagrams.start.count, regulatorStart: regulatorSources.count,
          regulatorCount: table.regulators.count, modulatorStart: modulatorSources.count,
          modulatorCount: node.modulators.count))
      diagrams.append(MultilinearDiagram(table))
      for name in table.regulators { regulatorSources.append(source(name)) }
      for modulator in node.modulators {
        modulatorSources.append(source(modulator.source))
        modulatorIsActivator.append(modulator.sign == .activation)
        modulatorWeights.append(modulator.weight)
      }
      maximumRegulators = max(maximumRegulators, table.regulators.count)
    }
    self.hillNodes = hillNodes
    self.regulatorSources = regulatorSources
    self.modulatorSources = modulatorSources
    self.modulatorIsActivator = modulatorIsActivator
    self.modulatorWeights = modulatorWeights
    self.diagrams = diagrams
    self.maximumRegulators = maximumRegulators
    self.hillNodeOfState = hillNodeOfState
    self.truthTables = truthTables

    // Rate laws and assignments: one program over [states | inputs | parameters | time | …].
    var variables: [String: Int32] = [:]
    for (s, n) in stateNodes.enumerated() { variables[model.nodes[n].id] = Int32(s) }
    let inputSlotBase = stateNodes.count
    for (u, n) in inputNodes.enumerated() { variables[model.nodes[n].id] = Int32(inputSlotBase + u) }
    let parameterSlotBase = inputSlotBase + inputNodes.count
    for (p, parameter) in model.parameters.enumerated() { variables[parameter.id] = Int32(parameterSlotBase + p) }
    let timeSlot = parameterSlotBase + model.parameters.count
    variables[Expr.timeName] = Int32(timeSlot)
    for k in delayTable.terms.indices { variables[DelayTerms.leaf(k)] = Int32(timeSlot + 1 + k) }
    self.inputSlotBase = inputSlotBase
    self.parameterSlotBase = parameterSlotBase
    self.timeSlot = timeSlot
    self.lockSlot = timeSlot + 1 + delayTable.terms.count
    let lockSlot = timeSlot + 1 + delayTable.terms.count
    let reservedSlots = lockSlot + 1

    var builder = ProgramBuilder(variables: variables, reservedSlots: reservedSlots)
    builder.invariantSlots = Int32(parameterSlotBase)..<Int32(timeSlot)
    // Comparisons of the rate laws (and of the assignments they read) that move with the state
    // or an input are held at their value from the start of each step (`ODEWorkspace.lockModes`):
    // a step then integrates one smooth branch, and the solver switches branches where the
    // root function crosses zero, rather than every stage of a step seeing a different branch.
    do {
      let assignmentExpressions = Dictionary(model.assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
      let fixedNames = Set(model.parameters.map(\.id)).union([Expr.timeName])
      var moving: [String: Bool] = [:]
      func moves(_ name: String) -> Bool {
        if let known = moving[name] { return known }
        if fixedNames.contains(name) { return false }
        guard let expr = assignmentExpressions[name] else { return true }
        moving[name] = false  // a cycle among assignments is refused elsewhere
        let result = expr.variables.contains(where: moves)
        moving[name] = result
        return result
      }
      var locked = Set<Expr>()
      var visited = Set<String>()
      func collect(_ expr: Expr) {
        // Equalities are guards (`x == 0` around x·ln x), not switches between branches.
        for comparison in expr.comparisonSubtrees where comparison.variables.contains(where: moves) {
          if case .binary(let op, _, _) = comparison, op == .equal || op == .notEqual { continue }
          locked.insert(comparison)
        }
        for name in expr.variables where assignmentExpressions[name] != nil && visited.insert(name).inserted {
          collect(assignmentExpressions[name]!)
        }
      }
      for n in stateNodes { if let rate = model.nodes[n].rate { collect(rate.expr) } }
      builder.lockedComparisons = locked
      builder.lockSlot = Int32(lockSlot)
    }
    var inlined: [String: Expr] = [:]
    var assignmentSlots: [Int32] = []
    let ordered = model.assignmentsInDependencyOrder
    do {
      for assignment in ordered {
        let slot = try builder.emit(assignment.expression.expr)
        builder.alias(assignment.id, to: slot)
        assignmentSlots.append(slot)
        inlined[assignment.id] = assignment.expression.expr.substituting { inlined[$0] }
      }
    } catch {
      throw PathwayError(.invalidInput, "unknown identifier '\(error.name)' in an assignment")
    }
    self.assignmentNames = ordered.map(\.id)
    self.assignmentSlots = assignmentSlots

    var rateStates: [(state: Int, slot: Int32)] = []
    var rateExpressions: [(state: Int, expr: Expr)] = []
    for (s, n) in stateNodes.enumerated() {
      let node = model.nodes[n]
      guard let rate = node.rate else { continue }
      do {
        rateStates.append((s, try builder.emit(rate.expr)))
      } catch {
        throw PathwayError(.invalidInput, at: rate.origin, "unknown identifier '\(error.name)' in the rate law of '\(node.id)'")
      }
      rateExpressions.append((s, rate.expr.substituting { inlined[$0] }))
    }
    self.rateStates = rateStates
    let rhsEnd = builder.mark

    // Jacobian of rate-law rows by symbolic differentiation, with the chain rule through the
    // assignments: the derivative of each assignment with respect to each state, input or time
    // it depends on is emitted once into a slot and reused by every rate law (and assignment)
    // that uses it, rather than differentiating each rate law with every assignment inlined,
    // which grows with the depth of the assignment chains.
    var jacobianEntries: [(row: Int, column: Int, slot: Int32)] = []
    var timeEntries: [(row: Int, slot: Int32)] = []
    var inputEntries: [(row: Int, input: Int, slot: Int32)] = []
    var finiteDifference: [(row: Int, column: Int)] = []
    let assignmentExpressions = Dictionary(ordered.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
    /// Per assignment: the name of the slot holding its derivative by each leaf (a node or time),
    /// and the leaves whose derivative has no symbolic form (finite differences).
    var chain: [String: (derivatives: [String: String], unknown: Set<String>)] = [:]
    func isLeaf(_ name: String) -> Bool { nodeIndex[name] != nil || name == Expr.timeName }
    /// ∂expr/∂leaf for every leaf expr depends on, directly or through assignments.
    func totalDerivative(_ expr: Expr) throws(UnknownVariable) -> (terms: [String: Expr], order: [String], unknown: Set<String>) {
      var terms: [String: Expr] = [:]
      var order: [String] = []
      var unknown = Set<String>()
      func add(_ leaf: String, _ term: Expr) {
        if term == .zero { return }
        if let existing = terms[leaf] { terms[leaf] = .add(existing, term) } else {
          terms[leaf] = term
          order.append(leaf)
        }
      }
      for name in expr.variables.sorted() {
        if isLeaf(name) {
          guard let d = expr.derivative(withRespectTo: name) else {
            unknown.insert(name)
            continue
          }
          add(name, d)
        } else if assignmentExpressions[name] != nil {
          let inner = try derivatives(of: name)
          guard let d = expr.derivative(withRespectTo: name) else {
            unknown.formUnion(inner.derivatives.keys)
            unknown.formUnion(inner.unknown)
            continue
          }
          unknown.formUnion(inner.unknown)
          if d == .zero { continue }
          for leaf in inner.derivatives.keys.sorted() { add(leaf, .multiply(d, .variable(inner.derivatives[leaf]!))) }
        }
      }
      return (terms, order, unknown)
    }
    func derivatives(of assignment: String) throws(UnknownVariable) -> (derivatives: [String: String], unknown: Set<String>) {
      if let known = chain[assignment] { return known }
      let (terms, order, unknown) = try totalDerivative(assignmentExpressions[assignment]!)
      var names: [String: String] = [:]
      for leaf in order {
        let name = "\u{1}∂\(assignment)/∂\(leaf)"
        builder.alias(name, to: try builder.emit(terms[leaf]!))
        names[leaf] = name
      }
      chain[assignment] = (names, unknown)
      return (names, unknown)
    }
    do {
      for (s, n) in stateNodes.enumerated() {
        guard let rate = model.nodes[n].rate else { continue }
        let (terms, order, unknown) = try totalDerivative(rate.expr)
        // An entry with a part that has no symbolic derivative is estimated whole by finite differences.
        for leaf in order where !unknown.contains(leaf) {
          let slot = try builder.emit(terms[leaf]!)
          if leaf == Expr.timeName {
            timeEntries.append((s, slot))
          } else if let i = nodeIndex[leaf], stateIndex[i] >= 0 {
            jacobianEntries.append((s, stateIndex[i], slot))
          } else if let i = nodeIndex[leaf] {
            inputEntries.append((s, inputIndex[i], slot))
          }
        }
        for leaf in unknown.sorted() {
          if let i = nodeIndex[leaf], stateIndex[i] >= 0 { finiteDifference.append((s, stateIndex[i])) }
        }
      }
    } catch {
      throw PathwayError(.invalidInput, "unknown identifier '\(error.name)' in a derivative")
    }
    self.jacobianEntries = jacobianEntries
    self.timeDerivativeEntries = timeEntries
    self.inputDerivativeEntries = inputEntries
    self.finiteDifferenceEntries = finiteDifference
    let jacobianEnd = builder.mark

    // Events: a part of its own, which must not reuse the Jacobian part's temporaries, and
    // whose triggers compare the values as they are.
    builder.invalidateSharing()
    self.modeSlots = builder.modeSlots.values.sorted()
    let modeExpressions = builder.modeSlots
    let modeSlots = self.modeSlots
    builder.lockedComparisons = []
    var events: [CompiledEvent] = []
    do {
      for event in model.events {
        var compiled = CompiledEvent(
          id: event.id, trigger: try builder.emit(event.trigger.expr), roots: [], delay: nil, priority: nil,
          assignments: [],
          initialValue: event.initialValue, persistent: event.persistent,
          useValuesFromTriggerTime: event.useValuesFromTriggerTime)
        for comparison in event.trigger.expr.comparisons {
          compiled.roots.append(try builder.emit(.binary(.subtract, comparison.0, comparison.1)))
        }
        if let delay = event.delay { compiled.delay = try builder.emit(delay.expr) }
        if let priority = event.priority { compiled.priority = try builder.emit(priority.expr) }
        for assignment in event.assignments {
          guard let i = nodeIndex[assignment.target], stateIndex[i] >= 0 else {
            throw PathwayError(
              .invalidInput, at: assignment.expression.origin ?? event.location,
              "event '\(event.id)' assigns to '\(assignment.target)', which is not a state variable")
          }
          let multiplier = try assignment.multiplier.map { name throws(UnknownVariable) in try builder.emit(.variable(name)) }
          compiled.assignments.append((stateIndex[i], try builder.emit(assignment.expression.expr), multiplier))
        }
        events.append(compiled)
      }
    } catch let error as UnknownVariable {
      throw PathwayError(.invalidInput, "unknown identifier '\(error.name)' in an event")
    } catch let error as PathwayError {
      throw error
    } catch {
      throw PathwayError(.invalidInput, "\(error)")
    }
    self.events = events

    // Discontinuities of the right-hand side: comparisons inside rate laws.
    var timeSwitches: [Expr] = []
    var switchRoots: [Int32] = []
    var switchRootExpressions: [Expr] = []
    var switchRootGradients: [[(leaf: GradientLeaf, slot: Int32)]?] = []
    var seen = Set<Expr>()
    let parameterNames = Set(model.parameters.map(\.id))
    do {
      for (_, expr) in rateExpressions {
        for (a, b) in expr.comparisons {
          let g = Expr.binary(.subtract, a, b)
          // `x < 1` and `1 > x` switch on one surface: one root function for both.
          guard !seen.contains(.binary(.subtract, b, a)), seen.insert(g).inserted else { continue }
          let names = g.variables
          if names.allSatisfy({ $0 == Expr.timeName || parameterNames.contains($0) }) {
            if names.contains(Expr.timeName) { timeSwitches.append(g) }
          } else {
            switchRoots.append(try builder.emit(g))
            switchRootExpressions.append(g)
            let inlinedRoot = g.substituting { inlined[$0] }
            var gradient: [(leaf: GradientLeaf, slot: Int32)]? = []
            for name in inlinedRoot.variables.sorted() {
              let leaf: GradientLeaf
              if name == Expr.timeName {
                leaf = .time
              } else if let i = nodeIndex[name] {
                leaf = stateIndex[i] >= 0 ? .state(stateIndex[i]) : .input(inputIndex[i])
              } else {
                continue
              }
              guard let d = inlinedRoot.derivative(withRespectTo: name) else {
                gradient = nil
                break
              }
              if d != .zero { gradient?.append((leaf, try builder.emit(d))) }
            }
            switchRootGradients.append(gradient)
          }
        }
      }
    } catch {
      throw PathwayError(.invalidInput, "unknown identifier '\(error.name)' in a rate law")
    }
    self.timeSwitches = timeSwitches
    self.switchRoots = switchRoots
    self.switchRootExpressions = switchRootExpressions
    self.switchRootGradients = switchRootGradients
    do {
      let rootIndex = Dictionary(switchRootExpressions.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
      var modeRoots = [Int](repeating: -1, count: modeSlots.count)
      for (comparison, slot) in modeExpressions {
        guard case .binary(_, let a, let b) = comparison, let i = modeSlots.firstIndex(of: slot) else { continue }
        let g = Expr.binary(.subtract, a, b).substituting { inlined[$0] }
        let reversed = Expr.binary(.subtract, b, a).substituting { inlined[$0] }
        modeRoots[i] = rootIndex[g] ?? rootIndex[reversed] ?? -1
      }
      self.modeRoots = modeRoots
    }
    // Parameters in slots 0..<P, time in slot P.
    var switchVariables: [String: Int32] = [:]
    for (p, parameter) in model.parameters.enumerated() { switchVariables[parameter.id] = Int32(p) }
    switchVariables[Expr.timeName] = Int32(model.parameters.count)
    var switchBuilder = ProgramBuilder(variables: switchVariables, reservedSlots: model.parameters.count + 1)
    var switchValueSlots: [(slot: Int32, isTimeOffset: Bool)] = []
    do {
      for g in timeSwitches {
        // g = time − c or c − time: the switch is at c.
        if case .binary(.subtract, let a, let b) = g,
          a == .variable(Expr.timeName) && !b.variables.contains(Expr.timeName)
            || b == .variable(Expr.timeName) && !a.variables.contains(Expr.timeName)
        {
          let offset = a == .variable(Expr.timeName) ? b : a
          switchValueSlots.append((try switchBuilder.emit(offset), true))
        } else {
          switchValueSlots.append((try switchBuilder.emit(g), false))
        }
      }
    } catch {
      throw PathwayError(.invalidInput, "unknown identifier '\(error.name)' in a rate law")
    }
    self.switchProgram = switchBuilder.build()
    self.switchValueSlots = switchValueSlots
    self.rhsProgram = builder.build(0..<rhsEnd)
    self.jacobianProgram = builder.build(rhsEnd..<jacobianEnd)
    self.eventProgram = builder.build(jacobianEnd..<builder.mark)
    self.parameterProgram = builder.buildInvariant()
    self.parameterResults = builder.invariantSlotsWritten
    let rateSlots = Set(rateStates.map(\.slot))
    var jacobianSlots = Set(jacobianEntries.map(\.slot))
    jacobianSlots.formUnion(timeEntries.map(\.slot))
    jacobianSlots.formUnion(inputEntries.map(\.slot))
    var eventSlots = Set(switchRoots)
    for gradient in switchRootGradients { for entry in gradient ?? [] { eventSlots.insert(entry.slot) } }
    for event in events {
      eventSlots.insert(event.trigger)
      eventSlots.formUnion(event.roots)
      if let slot = event.delay { eventSlots.insert(slot) }
      if let slot = event.priority { eventSlots.insert(slot) }
      for assignment in event.assignments {
        eventSlots.insert(assignment.slot)
        if let slot = assignment.multiplier { eventSlots.insert(slot) }
      }
    }
    self.rateSlots = rateSlots
    self.jacobianSlots = jacobianSlots
    self.eventSlots = eventSlots
    self.rateProgram = .pruned([rhsProgram], needed: rateSlots)
    self.fusedJacobianProgram = .pruned([rhsProgram, jacobianProgram], needed: jacobianSlots)
    self.fusedEventProgram = .pruned([rhsProgram, eventProgram], needed: eventSlots)
    self.slotCount = Int(builder.slotCount)
    var slots = variables
    for (name, slot) in zip(ordered.map(\.id), assignmentSlots) { slots[name] = slot }
    self.variableSlots = slots
    self.delays = try DelayTerms(
      delayTable, variables: variables, reservedSlots: reservedSlots, assignments: ordered, firstSlot: timeSlot + 1,
      parameterNames: Set(model.parameters.map(\.id)), initialAssignments: original.initialAssignments,
      states: Dictionary(stateNodes.enumerated().map { (model.nodes[$0.element].id, $0.offset) }, uniquingKeysWith: { a, _ in a }))
  }

  /// The model's delay(x, d) terms (empty for most models).
  let delays: DelayTerms

  /// Compiles output columns (`name`, expression over model names) into a program that runs after
  /// the rate-law program, over the same slots.
  public func compileOutputs(_ columns: [(name: String, expr: Expr)]) throws(PathwayError) -> OutputPlan {
    var builder = ProgramBuilder(variables: variableSlots, reservedSlots: slotCount)
    var slots: [Int32] = []
    for column in columns {
      do {
        slots.append(try builder.emit(column.expr))
      } catch {
        throw PathwayError(.usage, "unknown identifier '\(error.name)' in output column '\(column.name)'")
      }
    }
    return OutputPlan(names: columns.map(\.name), slots: slots, program: builder.build())
  }

  /// The default output columns: every node (inputs show their dose), then every assignment.
  public var defaultOutputColumns: [(name: String, expr: Expr)] {
    model.nodes.map { ($0.id, Expr.variable($0.id)) } + assignmentNames.map { ($0, Expr.variable($0)) }
  }

  /// True when every Jacobian entry is symbolic (no finite-difference fallback).
  public var hasSymbolicJacobian: Bool { finiteDifferenceEntries.isEmpty }

  /// Number of instructions in the compiled rate-law program (for `info` and benchmarks).
  public var instructionCount: Int { rhsProgram.instructionCount + jacobianProgram.instructionCount }
}

/// Everything a run may change without recompiling: values of parameters, τ, Hill n and k per
/// edge, pins, production scales and input stimuli.
public struct RunParameters: Sendable {
  /// Parameter values in model order.
  public var parameters: [Double]
  /// τ per state.
  public var tau: [Double]
  /// Hill n and k per regulator edge (grouped per HillCube node, in rule order).
  public var regulatorN: [Double]
  public var regulatorK: [Double]
  /// Hill n and k per modulator.
  public var modulatorN: [Double]
  public var modulatorK: [Double]
  /// Pinned level per state (nil: free).
  public var statePins: [Double?]
  /// Pinned level per input (overrides its stimulus).
  public var inputPins: [Double?]
  /// Production scale per state.
  public var scale: [Double]
  /// Dose over time per input.
  public var stimuli: [Stimulus]

  /// The model's own values: defaults for τ, n and k where nodes and edges do not set them,
  /// each input at its baseline dose, nothing pinned.
  public init(_ ode: ODEModel) {
    let model = ode.model
    parameters = model.parameters.map(\.value)
    tau = ode.stateNodes.map { model.nodes[$0].tau ?? model.defaults.tau }
    regulatorN = []
    regulatorK = []
    modulatorN = []
    modulatorK = []
    for hill in ode.hillNodes {
      let node = model.nodes[ode.stateNodes[hill.state]]
      let table = ode.truthTables[ode.stateNodes[hill.state]]!
      for name in table.regulators {
        let edge = node.edge(from: name)
        regulatorN.append(edge?.hillN ?? node.hillN ?? model.defaults.hillN)
        regulatorK.append(edge?.hillK ?? node.hillK ?? model.defaults.hillK)
      }
      for _ in node.modulators {
        modulatorN.append(node.hillN ?? model.defaults.hillN)
        modulatorK.append(node.hillK ?? model.defaults.hillK)
      }
    }
    statePins = Array(repeating: nil, count: ode.stateCount)
    inputPins = Array(repeating: nil, count: ode.inputCount)
    scale = Array(repeating: 1, count: ode.stateCount)
    stimuli = ode.inputNodes.map { .constant(model.nodes[$0].initial) }
  }

  /// The dose of input `u` at time t, pins included.
  public func dose(_ u: Int, at t: Double) -> Double {
    inputPins[u] ?? stimuli[u].value(at: t)
  }
}

/// Output columns compiled for a model: names, and the slots their values are in after `program`.
public final class OutputPlan: @unchecked Sendable {
  public let names: [String]
  let slots: [Int32]
  let program: CompiledProgram
  init(names: [String], slots: [Int32], program: CompiledProgram) {
    self.names = names
    self.slots = slots
    self.program = program
  }
}

extension Expr {
  /// Every comparison in the tree (`a < b`, `a == b`, …), as a whole subtree.
  var comparisonSubtrees: [Expr] {
    var out: [Expr] = []
    func walk(_ e: Expr) {
      switch e {
      case .number, .variable: return
      case .unary(_, let a): walk(a)
      case .binary(let op, let a, let b):
        if op.isComparison { out.append(e) }
        walk(a)
        walk(b)
      case .call(_, let args): args.forEach(walk)
      }
    }
    walk(self)
    return out
  }
}

extension ODEModel {
  /// Applies the model's initial assignments (and, at t₀, its assignment rules) to a run's
  /// parameter values and initial state, in dependency order. Targets in `keep` were set
  /// explicitly by the user and keep their value.
  ///
  /// - Throws: on a cycle among initial assignments and rules (exit 65).
  public func applyInitialAssignments(
    parameters run: inout RunParameters, state: inout [Double], time t0: Double, keep: Set<String> = []
  ) throws(PathwayError) {
    guard !model.initialAssignments.isEmpty else { return }
    let model = self.model
    var initialExpression: [String: Expr] = [:]
    for assignment in model.initialAssignments where !keep.contains(assignment.target) {
      initialExpression[assignment.target] = assignment.expression.expr
    }
    let rules = Dictionary(model.assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
    let parameterIndex = Dictionary(model.parameters.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    let nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    var memo: [String: Double] = [:]
    var visiting = Set<String>()
    var cycle: [String]? = nil
    var parameters = run.parameters
    let doses = (0..<inputCount).map { run.dose($0, at: t0) }
    func value(_ name: String) -> Double {
      if let v = memo[name] { return v }
      if name == Expr.timeName { return t0 }
      if visiting.contains(name) {
        if cycle == nil { cycle = Array(visiting) + [name] }
        return .nan
      }
      visiting.insert(name)
      defer { visiting.remove(name) }
      var v: Double
      if let expr = initialExpression[name] {
        v = expr.evaluate(value)
      } else if let expr = rules[name] {
        v = expr.evaluate(value)
      } else if let i = nodeIndex[name] {
        v = stateIndex[i] >= 0 ? state[stateIndex[i]] : doses[inputIndex[i]]
      } else if let p = parameterIndex[name] {
        v = parameters[p]
      } else {
        v = .nan
      }
      memo[name] = v
      return v
    }
    for target in model.initialAssignments.map(\.target) where !keep.contains(target) {
      let v = value(target)
      if let i = nodeIndex[target], stateIndex[i] >= 0 {
        state[stateIndex[i]] = v
      } else if let p = parameterIndex[target] {
        parameters[p] = v
      }
    }
    if let cycle {
      throw PathwayError(.invalidInput, "initial assignments and rules form a cycle: " + cycle.joined(separator: " → "))
    }
    run.parameters = parameters
  }
}

extension ODEModel {
  /// The times in (start, end) where a time switch of the rate laws changes sign, for these
  /// parameter values: each is found by scanning 4,096 points and bisecting to the last bit.
  public func switchTimes(parameters values: [Double], from start: Double, to end: Double) -> [Double] {
    guard !timeSwitches.isEmpty, end > start else { return [] }
    let parameterCount = model.parameters.count
    let slots = UnsafeMutablePointer<Double>.allocate(capacity: max(switchProgram.slotCount, parameterCount + 1))
    defer { slots.deallocate() }
    slots.initialize(repeating: 0, count: max(switchProgram.slotCount, parameterCount + 1))
    switchProgram.initialize(slots)
    for p in 0..<min(parameterCount, values.count) { slots[p] = values[p] }
    var times: [Double] = []
    // Every switch is evaluated once at the start: the offsets of `time − c` switches do not depend on time.
    slots[parameterCount] = start
    switchProgram.run(slots)
    for (slot, isTimeOffset) in switchValueSlots where isTimeOffset {
      let crossing = slots[Int(slot)]
      if crossing > start && crossing < end { times.append(crossing) }
    }
    for (slot, isTimeOffset) in switchValueSlots where !isTimeOffset {
      func value(_ t: Double) -> Double {
        slots[parameterCount] = t
        switchProgram.run(slots)
        return slots[Int(slot)]
      }
      let samples = 4096
      var previousTime = start
      var previous = value(start)
      for i in 1...samples {
        let t = i == samples ? end : start + (end - start) * Double(i) / Double(samples)
        let v = value(t)
        if (previous > 0) != (v > 0) || (previous < 0) != (v < 0) {
          // Bisect to the first time whose sign differs from the left end's.
          var lo = previousTime, hi = t
          let left = previous
          for _ in 0..<200 {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            let m = value(mid)
            if (m > 0) == (left > 0) && (m < 0) == (left < 0) { lo = mid } else { hi = mid }
          }
          // A switch like `time < 40` changes exactly at 40: prefer the exact zero when it is one.
          let crossing = value(lo) == 0 ? lo : hi
          if crossing > start && crossing < end { times.append(crossing) }
        }
        previousTime = t
        previous = v
      }
    }
    return times.sorted()
  }
}

extension ODEModel {
  /// Sets the initial values a scenario, `--set` or a sweep gives (by state index) in `state`,
  /// after the initial assignments. The value of an SBML species reported as a concentration is
  /// its concentration, as its column shows it: the amount the state holds is the value times
  /// the compartment's size at `time` (other overrides applied first, so a compartment set in the
  /// same run counts). Every other value is set as given.
  public func applyInitialOverrides(
    _ overrides: [Int: Double], parameters: RunParameters, state: inout [Double], time: Double
  ) throws(PathwayError) {
    guard !overrides.isEmpty else { return }
    var concentrations: [(state: Int, value: Double, compartment: String)] = []
    for (s, value) in overrides {
      if let compartment = concentrationStates[s] { concentrations.append((s, value, compartment)) } else { state[s] = value }
    }
    guard !concentrations.isEmpty else { return }
    let sizes = try symbolValues(concentrations.map(\.compartment), parameters: parameters, state: state, time: time)
    for (entry, size) in zip(concentrations, sizes) { state[entry.state] = entry.value * size }
  }

  /// The values of model symbols (parameters, states, inputs, assignments) at `time` for this
  /// state and these parameters.
  public func symbolValues(
    _ names: [String], parameters: RunParameters, state: [Double], time: Double
  ) throws(PathwayError) -> [Double] {
    let plan = try compileOutputs(names.map { ($0, Expr.variable($0)) })
    let workspace = ODEWorkspace(self, parameters: parameters, outputs: plan)
    var values: [Double] = []
    state.withUnsafeBufferPointer { workspace.appendOutputs(time, $0.baseAddress!, to: &values) }
    return values
  }
}

extension EdgeSign {
  /// Whether a regulator declared with this sign does what its rule does: activates, inhibits,
  /// or acts both ways (which either sign describes in part).
  public func agrees(with influence: TruthTable.Influence) -> Bool {
    switch (self, influence) {
    case (.activation, .activating), (.inhibition, .inhibiting), (_, .dual): true
    default: false
    }
  }
}

extension ODEModel {
  /// Edges whose declared sign disagrees with what their rule does: `sign: -` on a regulator
  /// the rule only activates with (or the reverse). The rule decides the dynamics; the
  /// declaration is documentation, so a disagreement is a warning at the edge.
  public var edgeSignWarnings: [Diagnostic] {
    var warnings: [Diagnostic] = []
    for (i, node) in model.nodes.enumerated() {
      guard let table = truthTables[i] else { continue }
      for (j, regulator) in table.regulators.enumerated() {
        guard let edge = node.edge(from: regulator), let declared = edge.sign else { continue }
        let influence = table.influence(of: j)
        if declared.agrees(with: influence) { continue }
        let does =
          switch influence {
          case .activating: "activates it"
          case .inhibiting: "inhibits it"
          case .dual: "acts both ways"
          case .none: "does not depend on it"
          }
        warnings.append(
          Diagnostic(
            .warning, at: edge.location ?? node.location,
            "edge \(regulator) → \(node.id) is declared '\(declared.rawValue)', but the rule of '\(node.id)' \(does)",
            notes: ["the rule decides the dynamics; correct the sign or the rule (\(node.rule?.text ?? ""))"]))
      }
    }
    return warnings
  }
}
