import Foundation

/// The buffers of one run of an `ODEModel`: the slot buffer of the compiled program, HillCube
/// scratch space and the run's parameters unpacked into flat arrays.
///
/// Allocated once per run (or once per worker thread and reused across runs with `load`); the
/// right-hand side and the Jacobian then evaluate with no allocation at all.
public final class ODEWorkspace {
  public let ode: ODEModel
  let n: Int
  let slots: UnsafeMutablePointer<Double>
  // HillCube scratch.
  let regulatorValues: UnsafeMutablePointer<Double>
  let regulatorDerivatives: UnsafeMutablePointer<Double>
  let diagramValues: UnsafeMutablePointer<Double>
  let diagramAdjoint: UnsafeMutablePointer<Double>
  let gradient: UnsafeMutablePointer<Double>
  // The decision diagrams, flattened.
  let diagramVariable: UnsafeMutablePointer<Int32>
  let diagramLow: UnsafeMutablePointer<Int32>
  let diagramHigh: UnsafeMutablePointer<Int32>
  // Structure, flattened.
  let hillCount: Int
  let hillState: UnsafeMutablePointer<Int>
  let hillDiagramStart: UnsafeMutablePointer<Int>
  let hillDiagramCount: UnsafeMutablePointer<Int>
  let hillDiagramRoot: UnsafeMutablePointer<Int32>
  let hillRegStart: UnsafeMutablePointer<Int>
  let hillRegCount: UnsafeMutablePointer<Int>
  let hillModStart: UnsafeMutablePointer<Int>
  let hillModCount: UnsafeMutablePointer<Int>
  let regIsInput: UnsafeMutablePointer<Bool>
  let regIndex: UnsafeMutablePointer<Int>
  let modIsInput: UnsafeMutablePointer<Bool>
  let modIndex: UnsafeMutablePointer<Int>
  let modActivator: UnsafeMutablePointer<Bool>
  let modWeight: UnsafeMutablePointer<Double>
  // Run parameters, flattened.
  let regN: UnsafeMutablePointer<Double>
  let regKn: UnsafeMutablePointer<Double>
  let modN: UnsafeMutablePointer<Double>
  let modKn: UnsafeMutablePointer<Double>
  let tau: UnsafeMutablePointer<Double>
  let scale: UnsafeMutablePointer<Double>
  let pinned: UnsafeMutablePointer<Bool>
  let inputPinned: UnsafeMutablePointer<Bool>
  let inputPin: UnsafeMutablePointer<Double>
  /// The current segment's input doses: u = a + b·t.
  let inputA: UnsafeMutablePointer<Double>
  let inputB: UnsafeMutablePointer<Double>
  /// Perturbed state for finite-difference Jacobian entries.
  let perturbed: UnsafeMutablePointer<Double>
  let perturbedRates: UnsafeMutablePointer<Double>
  /// The rates computed while the comparisons are read for `lockModes` (discarded).
  let modeScratch: UnsafeMutablePointer<Double>
  /// The held comparisons' values, kept while `rhsOnLiveBranches` evaluates without them.
  let modeSave: UnsafeMutablePointer<Double>
  /// Filippov sliding along rate-law switches (see `addSliding`): up to `slideCapacity` switch
  /// roots at once, the sign of each root on its side A, each root's comparisons on either side
  /// (full mode vectors, `slideCapacity` of each), the comparisons of the other switches
  /// (`slideBase`), the weights of the sides A (warm start of their solution), the rates of
  /// every combination of sides, and dg/dt of each root along each.
  let slideCapacity: Int
  private var slideCount = 0
  private var lastSlideCount = 0
  private let slideRoots: UnsafeMutablePointer<Int>
  private let slideSign: UnsafeMutablePointer<Double>
  private let slideValuesA: UnsafeMutablePointer<Double>
  private let slideValuesB: UnsafeMutablePointer<Double>
  private let slideBase: UnsafeMutablePointer<Double>
  private let slideWeights: UnsafeMutablePointer<Double>
  private let slideRates: UnsafeMutablePointer<Double>
  private let slideD: UnsafeMutablePointer<Double>
  /// Newton scratch for the weights: the k × k matrix, G, the step, and the weights.
  private let slideNewton: UnsafeMutablePointer<Double>
  private let slidingProbe: UnsafeMutablePointer<Double>
  let baseRates: UnsafeMutablePointer<Double>
  // delay(x, d): the number of terms, a scratch copy of the slots, the lags, and the run's history
  // (empty outside a solve: then every term is x now).
  let delayCount: Int
  let delayScratch: UnsafeMutablePointer<Double>
  let delayLags: UnsafeMutablePointer<Double>
  let history: DelayHistory

  private var allocations: [UnsafeMutableRawPointer] = []

  /// The run's parameters as last loaded.
  public private(set) var parameters: RunParameters

  /// The mutable scalars the right-hand side touches on every call, kept outside the object's
  /// stored properties: a class's `var` is checked for exclusive access at run time on each use,
  /// which costs more than a small model's whole right-hand side.
  private struct Hot {
    var rhsEvaluations = 0
    var jacobianEvaluations = 0
    var nonFiniteState = -1
    var nonFiniteTime = Double.nan
    var nonFiniteJacobianEntry = -1
    var segmentLow = -Double.infinity
    var segmentHigh = Double.infinity
    var cancelled = false
    var hasCancellation = false
    /// Whether the time-dependent initial values of `DelayTerms` give the states before the start.
    var preStartApplies = false
  }
  private let hot: UnsafeMutablePointer<Hot>

  // Statistics and failure diagnosis (read after a solve).
  public var rhsEvaluations: Int {
    get { hot.pointee.rhsEvaluations }
    set { hot.pointee.rhsEvaluations = newValue }
  }
  public var jacobianEvaluations: Int {
    get { hot.pointee.jacobianEvaluations }
    set { hot.pointee.jacobianEvaluations = newValue }
  }
  /// Set when the right-hand side produced a non-finite value: the state index and the time.
  public var nonFiniteState: Int? {
    get { hot.pointee.nonFiniteState >= 0 ? hot.pointee.nonFiniteState : nil }
    set { hot.pointee.nonFiniteState = newValue ?? -1 }
  }
  public var nonFiniteTime: Double {
    get { hot.pointee.nonFiniteTime }
    set { hot.pointee.nonFiniteTime = newValue }
  }
  /// Set when the Jacobian had a non-finite entry: (row, column), at `nonFiniteTime`.
  public var nonFiniteJacobianEntry: (row: Int, column: Int)? {
    get {
      let e = hot.pointee.nonFiniteJacobianEntry
      return e >= 0 ? (e / max(1, n), e % max(1, n)) : nil
    }
    set { hot.pointee.nonFiniteJacobianEntry = newValue.map { $0.row * n + $0.column } ?? -1 }
  }
  /// The open interval of the current segment, as the rate laws see time: a formula switch at
  /// a segment boundary (`time < 40`) must keep the value of the segment being integrated when a
  /// step lands exactly on the boundary, so time is kept one ulp inside.
  var segmentLow: Double {
    get { hot.pointee.segmentLow }
    set { hot.pointee.segmentLow = newValue }
  }
  var segmentHigh: Double {
    get { hot.pointee.segmentHigh }
    set { hot.pointee.segmentHigh = newValue }
  }
  /// When set, the right-hand side stops the integration (cancellation, Ctrl-C).
  public var cancellation: (@Sendable () -> Bool)? = nil {
    didSet { hot.pointee.hasCancellation = cancellation != nil }
  }
  var cancelled: Bool {
    get { hot.pointee.cancelled }
    set { hot.pointee.cancelled = newValue }
  }

  /// Output columns (the default ones unless the solver was given others).
  public let outputs: OutputPlan
  /// Native code for the rate-law programs, or nil for the interpreter.
  public let kernel: NativeKernel?
  /// The rate-law states and the slots of their rates, flattened.
  private let rateStateIndex: UnsafeMutablePointer<Int>
  private let rateStateSlot: UnsafeMutablePointer<Int>
  private let rateCount: Int
  private let nativeRHS: NativeKernel.RHSFunction?
  private let nativeJacobian: NativeKernel.Function?
  private let nativeAssignments: NativeKernel.Function?
  private let nativeEvents: NativeKernel.Function?

  /// The native function, or `fused` (the rate-law program then another, cut to what the other needs).
  @inline(__always)
  private func runAfterRateLaws(_ native: NativeKernel.Function?, _ fused: CompiledProgram) {
    if let native { native(slots) } else { fused.run(slots) }
  }

  /// Writes state, inputs and time into the slots (time kept inside the segment).
  @inline(__always)
  private func loadSlots(_ t: Double, _ y: UnsafePointer<Double>) {
    for i in 0..<n { slots[i] = y[i] }
    let base = ode.inputSlotBase
    for u in 0..<ode.inputCount { slots[base + u] = inputA[u] + inputB[u] * t }
    let low = hot.pointee.segmentLow, high = hot.pointee.segmentHigh
    slots[ode.timeSlot] = t < low ? low : (t > high ? high : t)
    if delayCount > 0 { loadDelays(slots[ode.timeSlot]) }
  }

  /// Fills the delay terms' leaves for the state and time in the slots: each lag d at (t, y),
  /// then x at t − d from the history (x now when there is none).
  private func loadDelays(_ t: Double) {
    let d = ode.delays
    delayScratch.update(from: slots, count: d.reservedSlots)
    d.program.run(delayScratch)
    for k in 0..<delayCount { delayLags[k] = delayScratch[Int(d.lagSlots[k])] }
    if history.isEmpty {
      for k in 0..<delayCount { slots[d.firstSlot + k] = delayScratch[Int(d.valueSlots[k])] }
      return
    }
    if !d.lagsReadTerms {
      for k in 0..<delayCount { fillDelay(k, t) }
      return
    }
    // A lag that reads other terms is evaluated once those are filled.
    for k in d.order {
      delayScratch.update(from: slots, count: d.reservedSlots)
      d.program.run(delayScratch)
      delayLags[k] = delayScratch[Int(d.lagSlots[k])]
      fillDelay(k, t)
    }
  }

  /// Term k's leaf: x at t − lag (`delayLags[k]`), in the scratch slots.
  @inline(__always)
  private func fillDelay(_ k: Int, _ t: Double) {
    let d = ode.delays
    let lag = delayLags[k]
    // A negative or NaN lag has no past to read: NaN, which fails the step naming the state.
    guard lag >= 0 else {
      slots[d.firstSlot + k] = .nan
      return
    }
    let tau = t - lag
    history.state(at: tau, now: t, current: slots, into: delayScratch)
    let base = ode.inputSlotBase
    for u in 0..<ode.inputCount { delayScratch[base + u] = parameters.dose(u, at: tau) }
    delayScratch[ode.timeSlot] = tau
    if tau < history.start && hot.pointee.preStartApplies {
      // Before the start: initial values that depend on time, at τ.
      d.preStartProgram.run(delayScratch)
      for (state, slot) in d.preStartStates { delayScratch[state] = delayScratch[Int(slot)] }
    }
    d.program.run(delayScratch)
    slots[d.firstSlot + k] = delayScratch[Int(d.valueSlots[k])]
  }

  /// The delays' lags at (t, y): the positive ones' minimum (nil when there is none), and the
  /// lags that stay constant during the run (which depend on parameters only).
  public func delayLags(_ t: Double, _ y: UnsafePointer<Double>) -> (minimum: Double?, constant: [Double]) {
    guard delayCount > 0 else { return (nil, []) }
    loadSlots(t, y)
    var minimum: Double? = nil
    var constant: [Double] = []
    for k in 0..<delayCount where delayLags[k] > 0 && delayLags[k].isFinite {
      minimum = min(minimum ?? .infinity, delayLags[k])
      if ode.delays.constantLag[k] { constant.append(delayLags[k]) }
    }
    return (minimum, constant)
  }

  /// Starts the history of a solve at (t, y).
  public func beginHistory(_ t: Double, _ y: UnsafePointer<Double>) {
    guard delayCount > 0 else { return }
    history.reset()
    // Time-dependent initial values stand for the past only when the run starts from them (a
    // scenario's initial values replace them).
    let d = ode.delays
    var applies = !d.preStartStates.isEmpty
    if applies {
      loadSlots(t, y)
      delayScratch.update(from: slots, count: d.reservedSlots)
      d.preStartProgram.run(delayScratch)
      for (state, slot) in d.preStartStates {
        let v = delayScratch[Int(slot)]
        if !(abs(v - y[state]) <= 1e-12 * max(abs(v), abs(y[state]))) { applies = false }
      }
    }
    hot.pointee.preStartApplies = applies
    recordHistory(t, y)
  }

  /// Adds an accepted step's end (or the state after events) to the history.
  public func recordHistory(_ t: Double, _ y: UnsafePointer<Double>) {
    guard delayCount > 0 else { return }
    rhs(t, y, perturbedRates)
    rhsEvaluations -= 1
    history.append(t, y, perturbedRates)
  }

  /// Forgets the history after t (a step redone up to an event).
  public func truncateHistory(after t: Double) {
    if delayCount > 0 { history.truncate(after: t) }
  }

  /// Ends the history of a solve: later evaluations (steady states) read every delay as x now.
  public func endHistory() {
    if delayCount > 0 { history.reset() }
  }

  public init(_ ode: ODEModel, parameters: RunParameters? = nil, outputs: OutputPlan? = nil, kernel: NativeKernel? = nil) {
    self.ode = ode
    self.kernel = kernel
    self.nativeRHS = kernel?.rhs
    self.nativeJacobian = kernel?.jacobian
    self.nativeAssignments = kernel?.assignments
    self.nativeEvents = kernel?.events
    self.n = ode.stateCount
    hot = .allocate(capacity: 1)
    hot.initialize(to: Hot())
    rateStateIndex = .allocate(capacity: max(1, ode.rateStates.count))
    rateStateSlot = .allocate(capacity: max(1, ode.rateStates.count))
    rateCount = ode.rateStates.count
    for (i, (state, slot)) in ode.rateStates.enumerated() {
      rateStateIndex[i] = state
      rateStateSlot[i] = Int(slot)
    }
    var allocations: [UnsafeMutableRawPointer] = [UnsafeMutableRawPointer(rateStateIndex), UnsafeMutableRawPointer(rateStateSlot)]
    func buffer<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
      let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
      p.initialize(repeating: value, count: max(1, count))
      allocations.append(UnsafeMutableRawPointer(p))
      return p
    }
    let maxK = ode.maximumRegulators
    // Outputs are compiled against the model's slots; a plan that fails to compile here is a bug.
    let plan = outputs ?? (try! ode.compileOutputs(ode.defaultOutputColumns))
    self.outputs = plan
    slots = buffer(max(ode.slotCount, plan.program.slotCount), 0.0)
    regulatorValues = buffer(maxK, 0.0)
    regulatorDerivatives = buffer(maxK, 0.0)
    let store = ode.diagrams
    diagramValues = buffer(store.maximumSize + 2, 0.0)
    diagramAdjoint = buffer(store.maximumSize + 2, 0.0)
    gradient = buffer(maxK, 0.0)
    diagramVariable = buffer(store.variable.count, Int32(0))
    diagramLow = buffer(store.low.count, Int32(0))
    diagramHigh = buffer(store.high.count, Int32(0))
    for i in 0..<store.variable.count {
      diagramVariable[i] = store.variable[i]
      diagramLow[i] = store.low[i]
      diagramHigh[i] = store.high[i]
    }
    hillCount = ode.hillNodes.count
    hillState = buffer(hillCount, 0)
    hillDiagramStart = buffer(hillCount, 0)
    hillDiagramCount = buffer(hillCount, 0)
    hillDiagramRoot = buffer(hillCount, Int32(0))
    hillRegStart = buffer(hillCount, 0)
    hillRegCount = buffer(hillCount, 0)
    hillModStart = buffer(hillCount, 0)
    hillModCount = buffer(hillCount, 0)
    for (i, h) in ode.hillNodes.enumerated() {
      hillState[i] = h.state
      hillDiagramStart[i] = store.start[h.diagram]
      hillDiagramCount[i] = store.count[h.diagram]
      hillDiagramRoot[i] = store.root[h.diagram]
      hillRegStart[i] = h.regulatorStart
      hillRegCount[i] = h.regulatorCount
      hillModStart[i] = h.modulatorStart
      hillModCount[i] = h.modulatorCount
    }
    let regCount = ode.regulatorSources.count, modCount = ode.modulatorSources.count
    regIsInput = buffer(regCount, false)
    regIndex = buffer(regCount, 0)
    for (i, s) in ode.regulatorSources.enumerated() {
      regIsInput[i] = s.isInput
      regIndex[i] = s.index
    }
    modIsInput = buffer(modCount, false)
    modIndex = buffer(modCount, 0)
    modActivator = buffer(modCount, true)
    modWeight = buffer(modCount, 0.0)
    for (i, s) in ode.modulatorSources.enumerated() {
      modIsInput[i] = s.isInput
      modIndex[i] = s.index
      modActivator[i] = ode.modulatorIsActivator[i]
      modWeight[i] = ode.modulatorWeights[i]
    }
    regN = buffer(regCount, 2.0)
    regKn = buffer(regCount, 0.25)
    modN = buffer(modCount, 2.0)
    modKn = buffer(modCount, 0.25)
    tau = buffer(n, 1.0)
    scale = buffer(n, 1.0)
    pinned = buffer(n, false)
    inputPinned = buffer(ode.inputCount, false)
    inputPin = buffer(ode.inputCount, 0.0)
    inputA = buffer(ode.inputCount, 0.0)
    inputB = buffer(ode.inputCount, 0.0)
    perturbed = buffer(n, 0.0)
    perturbedRates = buffer(n, 0.0)
    modeScratch = buffer(n, 0.0)
    modeSave = buffer(ode.modeSlots.count, 0.0)
    baseRates = buffer(n, 0.0)
    let capacity = ode.modeSlots.isEmpty ? 0 : min(6, ode.switchRoots.count)
    slideCapacity = capacity
    let modeCount = ode.modeSlots.count
    slideRoots = buffer(capacity, 0)
    slideSign = buffer(capacity, 0.0)
    slideValuesA = buffer(capacity * modeCount, 0.0)
    slideValuesB = buffer(capacity * modeCount, 0.0)
    slideBase = buffer(modeCount, 0.0)
    slideWeights = buffer(capacity, 0.5)
    slideRates = buffer(capacity == 0 ? 1 : (1 << capacity) * n, 0.0)
    slideD = buffer(capacity * (1 << capacity), 0.0)
    slideNewton = buffer(capacity * capacity + 3 * capacity, 0.0)
    slidingProbe = buffer(n, 0.0)
    delayCount = ode.delays.count
    delayScratch = buffer(max(ode.delays.slotCount, ode.delays.reservedSlots), 0.0)
    delayLags = buffer(delayCount, 0.0)
    history = DelayHistory(n: n)
    ode.delays.program.initialize(delayScratch)
    ode.delays.preStartProgram.initialize(delayScratch)
    self.allocations = allocations
    self.parameters = parameters ?? RunParameters(ode)
    ode.rhsProgram.initialize(slots)
    plan.program.initialize(slots)
    load(self.parameters)
  }

  deinit {
    hot.deinitialize(count: 1)
    hot.deallocate()
    for p in allocations { p.deallocate() }
  }

  /// Installs a run's parameters (no allocation; safe between runs of a sweep).
  public func load(_ run: RunParameters) {
    parameters = run
    slots[ode.lockSlot] = 0
    for (p, value) in run.parameters.enumerated() { slots[ode.parameterSlotBase + p] = value }
    ode.parameterProgram.run(slots)
    for i in 0..<n {
      tau[i] = run.tau[i]
      scale[i] = run.scale[i]
      pinned[i] = run.statePins[i] != nil
    }
    for r in 0..<run.regulatorN.count {
      regN[r] = run.regulatorN[r]
      regKn[r] = Foundation.pow(run.regulatorK[r], run.regulatorN[r])
    }
    for m in 0..<run.modulatorN.count {
      modN[m] = run.modulatorN[m]
      modKn[m] = Foundation.pow(run.modulatorK[m], run.modulatorN[m])
    }
    for u in 0..<ode.inputCount {
      inputPinned[u] = run.inputPins[u] != nil
      inputPin[u] = run.inputPins[u] ?? 0
    }
    setSegment(at: 0)
    rhsEvaluations = 0
    jacobianEvaluations = 0
    nonFiniteState = nil
    nonFiniteJacobianEntry = nil
    cancelled = false
  }

  /// True when the model has comparisons that move with the state (see `ODEModel.modeSlots`).
  public var hasModes: Bool { !ode.modeSlots.isEmpty }

  /// Holds the rate laws' comparisons at their values in state `y` at time `t`: until
  /// `unlockModes` or the next call, every evaluation takes the branches they select here.
  public func lockModes(_ t: Double, _ y: UnsafePointer<Double>) {
    guard hasModes else { return }
    endSliding()
    takeComparisons(t, y)
  }

  /// Evaluates the rate laws at (t, y) with the comparisons following the state, then holds
  /// them (not counted as an evaluation).
  private func takeComparisons(_ t: Double, _ y: UnsafePointer<Double>) {
    slots[ode.lockSlot] = 0
    _ = plainRHS(t, y, modeScratch)
    hot.pointee.rhsEvaluations &-= 1
    slots[ode.lockSlot] = 1
  }

  /// Lets the comparisons follow the state again.
  public func unlockModes() {
    endSliding()
    slots[ode.lockSlot] = 0
  }

  // MARK: Sliding along switches (Filippov)

  /// Whether the state slides along at least one switch (`addSliding`).
  public var isSliding: Bool { slideCount > 0 }
  /// The switches (indices of `ODEModel.switchRoots`) the state slides along.
  var slidingRoots: [Int] { (0..<slideCount).map { slideRoots[$0] } }
  /// The sign of sliding switch `r`'s root function on its side A.
  func slidingSign(of r: Int) -> Double {
    (0..<slideCount).first { slideRoots[$0] == r }.map { slideSign[$0] } ?? 0
  }

  /// The held comparisons, into `buffer` (one value per `ODEModel.modeSlots`).
  func saveModes(into buffer: UnsafeMutablePointer<Double>) {
    for (i, slot) in ode.modeSlots.enumerated() { buffer[i] = slots[Int(slot)] }
  }

  func restoreModes(from buffer: UnsafePointer<Double>) {
    for (i, slot) in ode.modeSlots.enumerated() { slots[Int(slot)] = buffer[i] }
    slots[ode.lockSlot] = 1
  }

  /// The comparisons as the state has them at (t, y), into `buffer`, without changing what is
  /// held (a sliding state keeps sliding).
  func modes(at t: Double, _ y: UnsafePointer<Double>, into buffer: UnsafeMutablePointer<Double>) {
    let count = ode.modeSlots.count
    saveModes(into: buffer)
    takeComparisons(t, y)
    for i in 0..<count {
      let value = slots[Int(ode.modeSlots[i])]
      slots[Int(ode.modeSlots[i])] = buffer[i]
      buffer[i] = value
    }
  }

  /// The comparisons held now, into `buffer`: while sliding, those of the switches the state
  /// does not slide along (the others' are set per side at each evaluation).
  func currentModes(into buffer: UnsafeMutablePointer<Double>) {
    if slideCount > 0 {
      for i in 0..<ode.modeSlots.count { buffer[i] = slideBase[i] }
    } else {
      saveModes(into: buffer)
    }
  }

  /// Holds `modes` as the comparisons of the switches the state does not slide along.
  func setSlidingBase(_ modes: UnsafePointer<Double>) {
    for i in 0..<ode.modeSlots.count { slideBase[i] = modes[i] }
    if slideCount == 0 { restoreModes(from: slideBase) }
  }

  /// Sets the comparisons of switch `r` in the held ones (`slideBase`) to `values`' entries.
  func setBaseComparisons(of r: Int, from values: UnsafePointer<Double>) {
    for i in 0..<ode.modeSlots.count where ode.modeRoots[i] == r { slideBase[i] = values[i] }
    if slideCount == 0 { restoreModes(from: slideBase) }
  }

  /// Whether switch `r` has comparisons the sliding evaluation can set per side.
  func canSlide(along r: Int) -> Bool {
    slideCount < slideCapacity && ode.modeRoots.contains(r)
  }

  /// The rates the state follows now at (t, y), into f: sliding along the switches of the
  /// sliding set, or on the held branches.
  func currentRates(_ t: Double, _ y: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>) -> Bool {
    if slideCount == 0 { restoreModes(from: slideBase) }
    let finite = rhs(t, y, f)
    hot.pointee.rhsEvaluations &-= 1
    return finite
  }

  /// dg/dt along the flow `v` at (t, y) for switch root `r`: by its symbolic gradient, whose
  /// slots `evaluated` says hold their value at (t, y) (else they are computed here), or by a
  /// central difference along (1, v), exact for a root function linear in the state and time.
  func rootRate(_ r: Int, _ t: Double, _ y: UnsafePointer<Double>, along v: UnsafePointer<Double>, evaluated: Bool = false) -> Double {
    if let gradient = ode.switchRootGradients[r] {
      if !evaluated {
        loadSlots(t, y)
        runAfterRateLaws(nativeEvents, ode.fusedEventProgram)
      }
      var rate = 0.0
      for (leaf, slot) in gradient {
        let d = slots[Int(slot)]
        switch leaf {
        case .state(let i): rate += d * v[i]
        case .input(let u): if !inputPinned[u] { rate += d * inputB[u] }
        case .time: rate += d
        }
      }
      return rate
    }
    let root = Int(ode.switchRoots[r])
    // A step that moves each state by about 10⁻⁶ of its size (or of 1).
    var speed = 0.0
    for i in 0..<n { speed = Swift.max(speed, abs(v[i]) / Swift.max(1, abs(y[i]))) }
    let delta = 1e-6 / Swift.max(speed, 1e-6 / Swift.max(1, abs(t)))
    for i in 0..<n { slidingProbe[i] = y[i] + delta * v[i] }
    loadSlots(t + delta, slidingProbe)
    runAfterRateLaws(nativeEvents, ode.fusedEventProgram)
    let ahead = slots[root]
    for i in 0..<n { slidingProbe[i] = y[i] - delta * v[i] }
    loadSlots(t - delta, slidingProbe)
    runAfterRateLaws(nativeEvents, ode.fusedEventProgram)
    let behind = slots[root]
    return (ahead - behind) / (2 * delta)
  }

  /// From now on the state also slides along switch `r`: side A has the comparisons in
  /// `modesA` and the root's sign `sideA`, side B those in `modesB` (full vectors; only the
  /// comparisons of `r` are read). Each evaluation combines the rates of every choice of sides
  /// of the k switches with multilinear weights (w_j for side A of switch j, 1 − w_j for side B),
  /// the weights solving dg_j/dt = 0 for every j (for one switch, w = ġ_B / (ġ_B − ġ_A)):
  /// Filippov's sliding flow, which keeps every root function constant.
  func addSliding(_ r: Int, sideA: Double, modesA: UnsafePointer<Double>, modesB: UnsafePointer<Double>) {
    guard canSlide(along: r) else { return }
    let j = slideCount
    let count = ode.modeSlots.count
    for i in 0..<count {
      slideValuesA[j * count + i] = modesA[i]
      slideValuesB[j * count + i] = modesB[i]
    }
    slideRoots[j] = r
    slideSign[j] = sideA
    slideWeights[j] = 0.5
    slideCount += 1
    lastSlideCount = slideCount
  }

  /// Switch `r` leaves the sliding set; its comparisons are held at side A's or B's.
  func removeSliding(_ r: Int, toSideA side: Bool) {
    guard let j = (0..<slideCount).first(where: { slideRoots[$0] == r }) else { return }
    let count = ode.modeSlots.count
    let values = (side ? slideValuesA : slideValuesB) + j * count
    for i in 0..<count where ode.modeRoots[i] == r { slideBase[i] = values[i] }
    for m in j..<(slideCount - 1) {
      slideRoots[m] = slideRoots[m + 1]
      slideSign[m] = slideSign[m + 1]
      slideWeights[m] = slideWeights[m + 1]
      for i in 0..<count {
        slideValuesA[m * count + i] = slideValuesA[(m + 1) * count + i]
        slideValuesB[m * count + i] = slideValuesB[(m + 1) * count + i]
      }
    }
    slideCount -= 1
    lastSlideCount = slideCount
    if slideCount == 0 { restoreModes(from: slideBase) }
  }

  /// Ends sliding along every switch; the held comparisons are `slideBase`'s (for the switches
  /// slid along, whichever side it last held: the callers take them again from the state, or
  /// go on from a crossing). `resumeSliding` takes sliding up again (same switches).
  func endSliding() {
    guard slideCount > 0 else { return }
    lastSlideCount = slideCount
    slideCount = 0
    restoreModes(from: slideBase)
  }

  /// Slides again along the switches of the last sliding set (for rates at the end of a solve).
  func resumeSliding() {
    slideCount = lastSlideCount
  }

  /// Where sliding along one of the switches stops at (t, y): nil while the weights that keep
  /// the state on every switch lie strictly between 0 and 1, else the switch whose weight left
  /// first, and whether the state leaves into its side A (weight 1: side B's flow no longer
  /// points into the switch) or side B.
  func slidingExit(_ t: Double, _ y: UnsafePointer<Double>) -> (root: Int, toSideA: Bool)? {
    guard slideCount > 0 else { return nil }
    let k = slideCount
    _ = evaluateSides(t, y)
    let w = slideNewton + k * k + 2 * k
    for j in 0..<k { w[j] = slideWeights[j] }
    guard solveWeights(into: w) else {
      // No weights keep the state on every switch: leave the one whose weight is furthest out.
      var worst = 0
      for j in 0..<k where abs(w[j] - 0.5) > abs(w[worst] - 0.5) { worst = j }
      return (slideRoots[worst], w[worst] >= 0.5)
    }
    var worst = -1, excess = 0.0
    for j in 0..<k {
      let out = w[j] >= 1 ? w[j] - 1 : (w[j] <= 0 ? -w[j] : -1)
      if out >= 0 && out >= excess {
        worst = j
        excess = out
      }
    }
    return worst < 0 ? nil : (slideRoots[worst], w[worst] >= 1)
  }

  /// The rates of every choice of sides of the sliding switches (bit j of σ set: side B of
  /// switch j) into `slideRates`, and dg_j/dt along each into `slideD` (row j). False when a
  /// rate is not finite.
  private func evaluateSides(_ t: Double, _ y: UnsafePointer<Double>) -> Bool {
    let k = slideCount, combinations = 1 << k
    let count = ode.modeSlots.count
    var finite = true
    for sigma in 0..<combinations {
      for i in 0..<count { slots[Int(ode.modeSlots[i])] = slideBase[i] }
      for j in 0..<k {
        let values = ((sigma >> j) & 1 == 0 ? slideValuesA : slideValuesB) + j * count
        let r = slideRoots[j]
        for i in 0..<count where ode.modeRoots[i] == r { slots[Int(ode.modeSlots[i])] = values[i] }
      }
      slots[ode.lockSlot] = 1
      if !plainRHS(t, y, slideRates + sigma * n) { finite = false }
      hot.pointee.rhsEvaluations &-= 1
    }
    let evaluated = (0..<k).contains { ode.switchRootGradients[slideRoots[$0]] != nil }
    if evaluated {
      loadSlots(t, y)
      runAfterRateLaws(nativeEvents, ode.fusedEventProgram)
    }
    // Symbolic gradients first (read from the slots), differences after (they overwrite them).
    for pass in 0..<2 {
      for j in 0..<k where (ode.switchRootGradients[slideRoots[j]] != nil) == (pass == 0) {
        for sigma in 0..<combinations {
          slideD[j * combinations + sigma] = rootRate(slideRoots[j], t, y, along: slideRates + sigma * n, evaluated: evaluated && pass == 0)
        }
      }
    }
    return finite
  }

  /// Solves Σ_σ P_σ(w) D[j][σ] = 0 (j = 1…k) for the weights by Newton's method from the
  /// values in `w`; P_σ(w) = Π_j (σ_j = A ? w_j : 1 − w_j). For one switch the solution is
  /// closed-form. False when the iteration fails (a singular system, no convergence).
  private func solveWeights(into w: UnsafeMutablePointer<Double>) -> Bool {
    let k = slideCount, combinations = 1 << k
    if k == 1 {
      let a = slideD[0], b = slideD[1]
      guard b != a else { return false }
      w[0] = b / (b - a)
      return w[0].isFinite
    }
    let jacobian = slideNewton, g = slideNewton + k * k, step = slideNewton + k * k + k
    for _ in 0..<50 {
      for j in 0..<k {
        g[j] = 0
        for i in 0..<k { jacobian[j * k + i] = 0 }
      }
      for sigma in 0..<combinations {
        var product = 1.0
        for m in 0..<k { product *= (sigma >> m) & 1 == 0 ? w[m] : 1 - w[m] }
        for j in 0..<k { g[j] += product * slideD[j * combinations + sigma] }
        for i in 0..<k {
          var partial = (sigma >> i) & 1 == 0 ? 1.0 : -1.0
          for m in 0..<k where m != i { partial *= (sigma >> m) & 1 == 0 ? w[m] : 1 - w[m] }
          for j in 0..<k { jacobian[j * k + i] += partial * slideD[j * combinations + sigma] }
        }
      }
      for j in 0..<k { step[j] = -g[j] }
      guard Self.solveSmall(jacobian, step, k) else { return false }
      var largest = 0.0
      for j in 0..<k {
        w[j] += step[j]
        largest = Swift.max(largest, abs(step[j]))
      }
      guard largest.isFinite else { return false }
      if largest <= 1e-15 { return true }
    }
    return false
  }

  /// Solves the k × k system `matrix` · x = `rhs` in place (x into `rhs`) by Gaussian
  /// elimination with partial pivoting; false when it is singular.
  private static func solveSmall(_ matrix: UnsafeMutablePointer<Double>, _ rhs: UnsafeMutablePointer<Double>, _ k: Int) -> Bool {
    for c in 0..<k {
      var pivot = c
      for r in (c + 1)..<k where abs(matrix[r * k + c]) > abs(matrix[pivot * k + c]) { pivot = r }
      guard matrix[pivot * k + c] != 0, matrix[pivot * k + c].isFinite else { return false }
      if pivot != c {
        for i in 0..<k { (matrix[c * k + i], matrix[pivot * k + i]) = (matrix[pivot * k + i], matrix[c * k + i]) }
        (rhs[c], rhs[pivot]) = (rhs[pivot], rhs[c])
      }
      for r in (c + 1)..<k {
        let factor = matrix[r * k + c] / matrix[c * k + c]
        for i in c..<k { matrix[r * k + i] -= factor * matrix[c * k + i] }
        rhs[r] -= factor * rhs[c]
      }
    }
    for c in stride(from: k - 1, through: 0, by: -1) {
      var value = rhs[c]
      for i in (c + 1)..<k { value -= matrix[c * k + i] * rhs[i] }
      rhs[c] = value / matrix[c * k + c]
    }
    return true
  }

  private func slidingRHS(_ t: Double, _ y: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>) -> Bool {
    let k = slideCount, combinations = 1 << k
    let finite = evaluateSides(t, y)
    let w = slideNewton + k * k + 2 * k
    for j in 0..<k { w[j] = slideWeights[j] }
    if !solveWeights(into: w) {
      for j in 0..<k { w[j] = slideWeights[j] }
    }
    for j in 0..<k {
      w[j] = w[j].isFinite ? Swift.min(1, Swift.max(0, w[j])) : 0.5
      slideWeights[j] = w[j]
    }
    for i in 0..<n { f[i] = 0 }
    for sigma in 0..<combinations {
      var product = 1.0
      for m in 0..<k { product *= (sigma >> m) & 1 == 0 ? w[m] : 1 - w[m] }
      if product == 0 { continue }
      let rates = slideRates + sigma * n
      for i in 0..<n { f[i] += product * rates[i] }
    }
    if (0..<k).allSatisfy({ ode.switchRootGradients[slideRoots[$0]] != nil }) {
      // Tangent to every switch to the last bit: remove what rounding left of dg_j/dt along the
      // gradients, f −= Gᵀ(GGᵀ)⁻¹(dg/dt) (the gradients' slots hold their values at (t, y) from
      // `evaluateSides`).
      let matrix = slideNewton, rates = slideNewton + k * k
      for j in 0..<k {
        let gj = ode.switchRootGradients[slideRoots[j]]!
        rates[j] = rootRate(slideRoots[j], t, y, along: f, evaluated: true)
        for i in 0..<k {
          var dot = 0.0
          for (leaf, slot) in gj {
            guard case .state(let a) = leaf else { continue }
            for (other, otherSlot) in ode.switchRootGradients[slideRoots[i]]! where other == .state(a) {
              dot += slots[Int(slot)] * slots[Int(otherSlot)]
            }
          }
          matrix[j * k + i] = dot
        }
      }
      if (0..<k).allSatisfy({ rates[$0].isFinite }) && Self.solveSmall(matrix, rates, k) {
        for j in 0..<k {
          for (leaf, slot) in ode.switchRootGradients[slideRoots[j]]! {
            if case .state(let i) = leaf { f[i] -= rates[j] * slots[Int(slot)] }
          }
        }
      }
    }
    // Counted as one evaluation of the right-hand side.
    hot.pointee.rhsEvaluations &+= 1
    return finite
  }

  /// Selects the piece of every stimulus that holds on the segment starting at `t`.
  public func setSegment(at t: Double) {
    for u in 0..<ode.inputCount {
      if inputPinned[u] {
        inputA[u] = inputPin[u]
        inputB[u] = 0
      } else {
        let (a, b) = parameters.stimuli[u].coefficients(at: t)
        inputA[u] = a
        inputB[u] = b
      }
    }
  }

  /// The current dose of input `u` at time t (within the current segment).
  @inline(__always)
  func input(_ u: Int, _ t: Double) -> Double { inputA[u] + inputB[u] * t }

  /// Evaluates dy/dt at (t, y) into f. Returns false when a value is not finite (the offending
  /// state is recorded in `nonFiniteState`) or the run was cancelled.
  @discardableResult
  public func rhs(_ t: Double, _ y: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>) -> Bool {
    if slideCount > 0 { return slidingRHS(t, y, f) }
    return plainRHS(t, y, f)
  }

  /// `rhs` on the held branches, without sliding.
  private func plainRHS(_ t: Double, _ y: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>) -> Bool {
    hot.pointee.rhsEvaluations &+= 1
    let recorded = hot.pointee.nonFiniteState >= 0
    loadSlots(t, y)
    if let nativeRHS {
      nativeRHS(slots, f)
    } else {
      ode.rateProgram.run(slots)
      for r in 0..<rateCount { f[rateStateIndex[r]] = slots[rateStateSlot[r]] }
    }
    for h in 0..<hillCount {
      let state = hillState[h]
      let start = hillRegStart[h], k = hillRegCount[h]
      for j in 0..<k {
        let r = start + j
        let source = regIndex[r]
        regulatorValues[j] =
          regIsInput[r] ? inputA[source] + inputB[source] * t : NormalizedHill.value(y[source], n: regN[r], kn: regKn[r])
      }
      let d = hillDiagramStart[h]
      let b = MultilinearKernel.value(
        variable: diagramVariable + d, low: diagramLow + d, high: diagramHigh + d, count: hillDiagramCount[h],
        root: hillDiagramRoot[h], y: regulatorValues, values: diagramValues)
      var m = scale[state]
      let mStart = hillModStart[h]
      for j in 0..<hillModCount[h] {
        let q = mStart + j
        let source = modIndex[q]
        let v = modIsInput[q] ? inputA[source] + inputB[source] * t : NormalizedHill.value(y[source], n: modN[q], kn: modKn[q])
        m *= modActivator[q] ? 1 - modWeight[q] + modWeight[q] * v : 1 - modWeight[q] * v
      }
      f[state] = (m * b - y[state]) / tau[state]
    }
    var finite = true
    for i in 0..<n {
      if pinned[i] { f[i] = 0 }
      if !f[i].isFinite {
        finite = false
        if hot.pointee.nonFiniteState < 0 {
          hot.pointee.nonFiniteState = i
          hot.pointee.nonFiniteTime = t
        }
      }
    }
    if hot.pointee.hasCancellation, let cancellation, cancellation() { hot.pointee.cancelled = true }
    if !finite && slots[ode.lockSlot] != 0 && !hot.pointee.cancelled {
      if !recorded { hot.pointee.nonFiniteState = -1 }
      return rhsOnLiveBranches(t, y, f)
    }
    return finite && !hot.pointee.cancelled
  }

  /// `rhs` with every comparison taken as the state has it: for a held branch that is not
  /// defined at this state (a square root of a value that dipped below zero within a step).
  private func rhsOnLiveBranches(_ t: Double, _ y: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>) -> Bool {
    for (i, slot) in ode.modeSlots.enumerated() { modeSave[i] = slots[Int(slot)] }
    slots[ode.lockSlot] = 0
    let finite = plainRHS(t, y, f)
    hot.pointee.rhsEvaluations &-= 1
    slots[ode.lockSlot] = 1
    for (i, slot) in ode.modeSlots.enumerated() { slots[Int(slot)] = modeSave[i] }
    return finite
  }

  /// The Jacobian ∂f/∂y (row-major, n × n) and ∂f/∂t at (t, y).
  public func jacobian(
    _ t: Double, _ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>
  ) -> Bool {
    guard slideCount > 0 else { return plainJacobian(t, y, dfdy, dfdt) }
    // Sliding: forward differences of the sliding rates, whose weights move with the state and
    // time (the weighted sides' Jacobians alone would miss the weights' own derivatives).
    hot.pointee.jacobianEvaluations &+= 1
    guard rhs(t, y, baseRates) else { return false }
    rhsEvaluations -= 1
    guard differenceColumns(t, y, dfdy), differenceTime(t, y, dfdt) else { return false }
    zeroPinnedRows(dfdy, dfdt)
    return true
  }

  private func plainJacobian(
    _ t: Double, _ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>
  ) -> Bool {
    hot.pointee.jacobianEvaluations &+= 1
    dfdy.update(repeating: 0, count: n * n)
    dfdt.update(repeating: 0, count: n)
    loadSlots(t, y)
    runAfterRateLaws(nativeJacobian, ode.fusedJacobianProgram)
    for (row, column, slot) in ode.jacobianEntries { dfdy[row * n + column] += slots[Int(slot)] }
    for (row, slot) in ode.timeDerivativeEntries { dfdt[row] += slots[Int(slot)] }
    for (row, input, slot) in ode.inputDerivativeEntries where !inputPinned[input] {
      dfdt[row] += inputB[input] * slots[Int(slot)]
    }
    for h in 0..<hillCount {
      let state = hillState[h]
      let start = hillRegStart[h], k = hillRegCount[h]
      for j in 0..<k {
        gradient[j] = 0
        let r = start + j
        let source = regIndex[r]
        if regIsInput[r] {
          regulatorValues[j] = inputA[source] + inputB[source] * t
          regulatorDerivatives[j] = 0
        } else {
          let (v, d) = NormalizedHill.valueAndDerivative(y[source], n: regN[r], kn: regKn[r])
          regulatorValues[j] = v
          regulatorDerivatives[j] = d
        }
      }
      let d = hillDiagramStart[h]
      let b = MultilinearKernel.valueAndGradient(
        variable: diagramVariable + d, low: diagramLow + d, high: diagramHigh + d, count: hillDiagramCount[h],
        root: hillDiagramRoot[h], y: regulatorValues, values: diagramValues, adjoint: diagramAdjoint,
        gradient: gradient)
      // Modulator product and the derivative of each factor.
      var m = scale[state]
      let mStart = hillModStart[h], mCount = hillModCount[h]
      for j in 0..<mCount {
        let q = mStart + j
        let source = modIndex[q]
        let v = modIsInput[q] ? inputA[source] + inputB[source] * t : NormalizedHill.value(y[source], n: modN[q], kn: modKn[q])
        m *= modActivator[q] ? 1 - modWeight[q] + modWeight[q] * v : 1 - modWeight[q] * v
      }
      let row = state * n
      let invTau = 1 / tau[state]
      for j in 0..<k {
        let r = start + j
        let source = regIndex[r]
        if regIsInput[r] {
          dfdt[state] += m * gradient[j] * inputB[source] * invTau
        } else {
          dfdy[row + source] += m * gradient[j] * regulatorDerivatives[j] * invTau
        }
      }
      for j in 0..<mCount {
        let q = mStart + j
        let source = modIndex[q]
        let w = modWeight[q]
        let factorValue: Double, factorSlope: Double
        if modIsInput[q] {
          let v = inputA[source] + inputB[source] * t
          factorValue = modActivator[q] ? 1 - w + w * v : 1 - w * v
          factorSlope = (modActivator[q] ? w : -w) * inputB[source]
        } else {
          let (v, d) = NormalizedHill.valueAndDerivative(y[source], n: modN[q], kn: modKn[q])
          factorValue = modActivator[q] ? 1 - w + w * v : 1 - w * v
          factorSlope = (modActivator[q] ? w : -w) * d
        }
        // ∂(m·b)/∂ = (m / factor)·slope·b, computed without dividing by a zero factor.
        var others = scale[state]
        for i in 0..<mCount where i != j {
          let p = mStart + i
          let s = modIndex[p]
          let v = modIsInput[p] ? inputA[s] + inputB[s] * t : NormalizedHill.value(y[s], n: modN[p], kn: modKn[p])
          others *= modActivator[p] ? 1 - modWeight[p] + modWeight[p] * v : 1 - modWeight[p] * v
        }
        _ = factorValue
        if modIsInput[q] {
          dfdt[state] += others * factorSlope * b * invTau
        } else {
          dfdy[row + source] += others * factorSlope * b * invTau
        }
      }
      dfdy[row + state] -= invTau
    }
    if !ode.finiteDifferenceEntries.isEmpty { fillFiniteDifferences(t, y, dfdy) }
    if delayCount > 0 {
      // The symbolic entries take a delay term for a leaf.
      guard rhs(t, y, baseRates) else { return false }
      rhsEvaluations -= 1
      if history.isEmpty {
        // Each delay is x now: every column by forward differences.
        _ = differenceColumns(t, y, dfdy)
      } else {
        // A term changes with t as x(t − d) does, which Rosenbrock methods need in ∂f/∂t for
        // their order.
        _ = differenceTime(t, y, dfdt)
      }
    }
    zeroPinnedRows(dfdy, dfdt)
    // A symbolic entry can be singular where the rates are not (√x or x^0.5 at x = 0): such an
    // entry is replaced by a forward difference, as a finite-difference Jacobian would give.
    var differenced = -1
    for i in 0..<(n * n) where !dfdy[i].isFinite {
      let row = i / n, column = i % n
      if differenced < 0 {
        guard rhs(t, y, baseRates) else { return false }
        rhsEvaluations -= 1
      }
      if column != differenced {
        differenced = column
        guard differenceColumn(t, y, column) else {
          nonFiniteState = nil
          hot.pointee.nonFiniteJacobianEntry = i
          hot.pointee.nonFiniteTime = t
          return false
        }
      }
      dfdy[i] = pinned[row] ? 0 : perturbedRates[row]
      if !dfdy[i].isFinite {
        hot.pointee.nonFiniteJacobianEntry = i
        hot.pointee.nonFiniteTime = t
        return false
      }
    }
    return true
  }

  /// Forward differences for the entries without a symbolic derivative.
  private func fillFiniteDifferences(_ t: Double, _ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>) {
    rhs(t, y, baseRates)
    rhsEvaluations -= 1
    var column = -1
    for (row, c) in ode.finiteDifferenceEntries {
      if c != column {
        column = c
        differenceColumn(t, y, c)
      }
      dfdy[row * n + c] = perturbedRates[row]
    }
  }

  /// Every column of ∂f/∂y by forward differences, into `dfdy`; `baseRates` must hold f(t, y).
  /// False when perturbed rates are not finite.
  private func differenceColumns(_ t: Double, _ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>) -> Bool {
    var finite = true
    for column in 0..<n {
      if !differenceColumn(t, y, column) { finite = false }
      for row in 0..<n { dfdy[row * n + column] = perturbedRates[row] }
    }
    return finite
  }

  /// ∂f/∂t by a forward difference in t (backward at the segment's end, where time is held),
  /// into `dfdt`; `baseRates` must hold f(t, y). False when the rates there are not finite.
  private func differenceTime(_ t: Double, _ y: UnsafePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>) -> Bool {
    var dt = 1.4901161193847656e-08 * max(1, abs(t))
    if t + dt > hot.pointee.segmentHigh { dt = -dt }
    let finite = rhs(t + dt, y, perturbedRates)
    rhsEvaluations -= 1
    for i in 0..<n { dfdt[i] = (perturbedRates[i] - baseRates[i]) / dt }
    return finite
  }

  /// A pinned state does not move: its rows of ∂f/∂y and ∂f/∂t are zero.
  private func zeroPinnedRows(_ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>) {
    for i in 0..<n where pinned[i] {
      for j in 0..<n { dfdy[i * n + j] = 0 }
      dfdt[i] = 0
    }
  }

  /// Column `column` of ∂f/∂y by a forward difference, into `perturbedRates`; `baseRates` must
  /// hold f(t, y). False when the perturbed rates are not finite. Not counted as evaluations.
  @discardableResult
  private func differenceColumn(_ t: Double, _ y: UnsafePointer<Double>, _ column: Int) -> Bool {
    for i in 0..<n { perturbed[i] = y[i] }
    let h = max(1e-8, abs(y[column]) * 1.4901161193847656e-08)
    perturbed[column] += h
    let finite = rhs(t, perturbed, perturbedRates)
    rhsEvaluations -= 1
    for i in 0..<n { perturbedRates[i] = (perturbedRates[i] - baseRates[i]) / h }
    return finite
  }

  /// Appends the output columns at (t, y) to `out`; inputs take the dose that holds from t on
  /// (right-continuous), whatever segment is current.
  public func appendOutputs(_ t: Double, _ y: UnsafePointer<Double>, to out: inout [Double]) {
    for i in 0..<n { slots[i] = y[i] }
    let base = ode.inputSlotBase
    for u in 0..<ode.inputCount { slots[base + u] = parameters.dose(u, at: t) }
    slots[ode.timeSlot] = t
    if delayCount > 0 { loadDelays(t) }
    if let nativeAssignments { nativeAssignments(slots) } else { ode.rhsProgram.run(slots) }
    outputs.program.run(slots)
    for slot in outputs.slots { out.append(slots[Int(slot)]) }
  }

  /// Computes every event quantity (triggers, delays, priorities, assignment values) at (t, y)
  /// with the current segment's inputs; read them with `eventValue(_:)`.
  func evaluateEvents(_ t: Double, _ y: UnsafePointer<Double>) {
    loadSlots(t, y)
    runAfterRateLaws(nativeEvents, ode.fusedEventProgram)
  }

  @inline(__always)
  func eventValue(_ slot: Int32) -> Double { slots[Int(slot)] }
}
