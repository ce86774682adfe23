import Foundation

extension Expr {
  /// Whether the tree calls `delay`.
  var containsDelay: Bool {
    switch self {
    case .number, .variable: return false
    case .unary(_, let a): return a.containsDelay
    case .binary(_, let a, let b): return a.containsDelay || b.containsDelay
    case .call(let f, let args): return f == .delay || args.contains { $0.containsDelay }
    }
  }
}

/// The `delay(x, d)` calls of a model's rate laws, assignments and events, compiled.
///
/// Each distinct call is a term k. The model's programs read it from a leaf slot
/// (`firstSlot + k`), which the workspace fills before each evaluation at (t, y): d at (t, y),
/// then x at time t − d with the state the run had then, from the run's history of accepted steps
/// (cubic Hermite between them). Before the start the states hold their initial values, except
/// that an initial assignment depending on time gives its value at t − d (the SBML Test Suite's
/// reading). `program` computes, over a scratch copy of the slots holding that state, the
/// assignments, then every term's x and d; `preStartProgram` the time-dependent initial values.
struct DelayTerms {
  /// The leaf variable standing for term k in the compiled programs (no identifier holds '#').
  static func leaf(_ k: Int) -> String { "delay#\(k)" }

  /// Collects the calls, replacing each by its term's leaf.
  struct Table {
    var terms: [(value: Expr, lag: Expr)] = []
    private var index: [Expr: Int] = [:]
    private var nested: Expr? = nil

    mutating func replacing(_ e: Expr) -> Expr {
      switch e {
      case .number, .variable: return e
      case .unary(let op, let a): return .unary(op, replacing(a))
      case .binary(let op, let a, let b): return .binary(op, replacing(a), replacing(b))
      case .call(.delay, let args) where args.count == 2:
        if args.contains(where: \.containsDelay) { nested = nested ?? e }
        if let k = index[e] { return .variable(DelayTerms.leaf(k)) }
        index[e] = terms.count
        terms.append((args[0], args[1]))
        return .variable(DelayTerms.leaf(terms.count - 1))
      case .call(let f, let args): return .call(f, args.map { replacing($0) })
      }
    }

    private mutating func replace(_ p: inout ParsedExpression) {
      if p.expr.containsDelay { p.expr = replacing(p.expr) }
    }

    /// The model with every delay call of its rate laws, assignments and events replaced.
    mutating func replacingCalls(in model: Model) throws(PathwayError) -> Model {
      var m = model
      for i in m.nodes.indices {
        if var rate = m.nodes[i].rate {
          replace(&rate)
          m.nodes[i].rate = rate
        }
      }
      for i in m.assignments.indices { replace(&m.assignments[i].expression) }
      for i in m.events.indices {
        replace(&m.events[i].trigger)
        if var delay = m.events[i].delay {
          replace(&delay)
          m.events[i].delay = delay
        }
        if var priority = m.events[i].priority {
          replace(&priority)
          m.events[i].priority = priority
        }
        for j in m.events[i].assignments.indices { replace(&m.events[i].assignments[j].expression) }
      }
      if let nested {
        throw PathwayError(.invalidInput, "\(nested.description): a delay inside a delay is not supported")
      }
      return m
    }
  }

  let count: Int
  /// The slot of term 0's leaf; the terms follow.
  let firstSlot: Int
  /// The slots `program` reads as loaded (states, inputs, parameters, time, the leaves).
  let reservedSlots: Int
  let program: CompiledProgram
  let valueSlots: [Int32]
  let lagSlots: [Int32]
  /// The slots a scratch buffer for `program` needs.
  let slotCount: Int
  /// Per term: whether d depends on parameters only (constant during a run).
  let constantLag: [Bool]
  /// Whether a lag reads other terms (delay(x, z) with z = delay(…)): the terms are then filled
  /// one at a time in `order`, each lag evaluated after the terms it reads.
  let lagsReadTerms: Bool
  let order: [Int]
  /// The states whose initial assignment depends on time, and the slot of `preStartProgram`
  /// holding the value at the time loaded.
  let preStartStates: [(state: Int, slot: Int32)]
  let preStartProgram: CompiledProgram
  var isEmpty: Bool { count == 0 }

  init(
    _ table: Table, variables: [String: Int32], reservedSlots: Int, assignments: [Assignment], firstSlot: Int,
    parameterNames: Set<String>, initialAssignments: [InitialAssignment], states: [String: Int]
  ) throws(PathwayError) {
    count = table.terms.count
    self.firstSlot = firstSlot
    self.reservedSlots = reservedSlots
    var builder = ProgramBuilder(variables: variables, reservedSlots: reservedSlots)
    guard count > 0 else {
      (program, preStartProgram, slotCount) = (builder.build(), builder.build(), reservedSlots)
      (valueSlots, lagSlots, constantLag, order, lagsReadTerms, preStartStates) = ([], [], [], [], false, [])
      return
    }
    let rules = Dictionary(assignments.map { ($0.id, $0.expression.expr) }, uniquingKeysWith: { a, _ in a })
    // The terms an expression reads, directly or through assignments.
    func terms(_ e: Expr, _ seen: inout Set<String>) -> Set<Int> {
      var found = Set<Int>()
      for name in e.variables {
        if name.hasPrefix("delay#"), let k = Int(name.dropFirst(6)) { found.insert(k) }
        if let inner = rules[name], seen.insert(name).inserted { found.formUnion(terms(inner, &seen)) }
      }
      return found
    }
    // x is read at t − d, where no term has been filled: it may not read one. d is read now:
    // it may read terms filled before it.
    var lagTerms: [Set<Int>] = []
    for (value, lag) in table.terms {
      var seen = Set<String>()
      if !terms(value, &seen).isEmpty {
        throw PathwayError(
          .invalidInput,
          "delay(\(value.description), \(lag.description)): its delayed expression depends on another delay; nested delays are not supported")
      }
      seen = []
      lagTerms.append(terms(lag, &seen))
    }
    var order: [Int] = [], state = [Int](repeating: 0, count: count)  // 0 new, 1 visiting, 2 done
    func visit(_ k: Int) throws(PathwayError) {
      if state[k] == 2 { return }
      if state[k] == 1 {
        throw PathwayError(
          .invalidInput, "the lag of delay(\(table.terms[k].value.description), \(table.terms[k].lag.description)) depends on itself")
      }
      state[k] = 1
      for j in lagTerms[k].sorted() { try visit(j) }
      state[k] = 2
      order.append(k)
    }
    for k in 0..<count { try visit(k) }
    self.order = order
    lagsReadTerms = lagTerms.contains { !$0.isEmpty }
    // Whether an expression depends on parameters only (through assignments too).
    func onlyParameters(_ e: Expr, _ seen: inout Set<String>) -> Bool {
      e.variables.allSatisfy { name in
        if parameterNames.contains(name) { return true }
        guard let inner = rules[name], seen.insert(name).inserted else { return false }
        return onlyParameters(inner, &seen)
      }
    }
    var valueSlots: [Int32] = [], lagSlots: [Int32] = []
    do {
      for assignment in assignments {
        builder.alias(assignment.id, to: try builder.emit(assignment.expression.expr))
      }
      for (value, lag) in table.terms {
        valueSlots.append(try builder.emit(value))
        lagSlots.append(try builder.emit(lag))
      }
    } catch {
      throw PathwayError(.invalidInput, "unknown identifier '\(error.name)' in a delay")
    }
    self.valueSlots = valueSlots
    self.lagSlots = lagSlots
    constantLag = table.terms.map { term in
      var seen = Set<String>()
      return onlyParameters(term.lag, &seen)
    }
    // Initial values as functions of time: each state's initial assignment with the rules and the
    // other states' initial assignments inlined, kept when it depends on time. (In the same
    // builder, so that the two programs' constants and temporaries never share a slot of the one
    // scratch buffer; a part of its own, reusing no temporary of the first.)
    let programEnd = builder.mark
    builder.invalidateSharing()
    let initial = Dictionary(initialAssignments.map { ($0.target, $0.expression.expr) }, uniquingKeysWith: { _, b in b })
    func inlined(_ e: Expr, _ visiting: Set<String>) -> Expr? {
      var failed = false
      let result = e.substituting { name in
        guard let inner = initial[name] ?? rules[name] else { return nil }
        guard !visiting.contains(name), let r = inlined(inner, visiting.union([name])) else {
          failed = true
          return nil
        }
        return r
      }
      return failed ? nil : result
    }
    var preStartStates: [(state: Int, slot: Int32)] = []
    for (target, expr) in initial.sorted(by: { $0.key < $1.key }) {
      guard let state = states[target], let full = inlined(expr, [target]), full.variables.contains(Expr.timeName),
        let slot = try? builder.emit(full)
      else { continue }
      preStartStates.append((state, slot))
    }
    self.preStartStates = preStartStates
    preStartProgram = builder.build(programEnd..<builder.mark)
    program = builder.build(0..<programEnd)
    slotCount = Int(builder.slotCount)
  }
}

/// The states of one run at its accepted steps (and after each event), for `delay`.
final class DelayHistory {
  let n: Int
  private var times: [Double] = []
  private var states: [Double] = []
  private var rates: [Double] = []

  init(n: Int) { self.n = n }

  var isEmpty: Bool { times.isEmpty }
  var start: Double { times.first ?? 0 }

  func reset() {
    times.removeAll(keepingCapacity: true)
    states.removeAll(keepingCapacity: true)
    rates.removeAll(keepingCapacity: true)
  }

  func append(_ t: Double, _ y: UnsafePointer<Double>, _ f: UnsafePointer<Double>) {
    times.append(t)
    for i in 0..<n {
      states.append(y[i])
      rates.append(f[i])
    }
  }

  /// Forgets the entries after t (a step redone up to an event).
  func truncate(after t: Double) {
    while let last = times.last, last > t {
      times.removeLast()
      states.removeLast(n)
      rates.removeLast(n)
    }
  }

  /// The state at τ into `out`: at the first entry before it, cubic Hermite between entries,
  /// and past the last entry linear towards the point (`now`, `current`) being evaluated.
  func state(at tau: Double, now: Double, current: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    let last = times.count - 1
    if tau <= times[0] {
      for i in 0..<n { out[i] = states[i] }
      return
    }
    if tau >= times[last] {
      let base = last * n
      let span = now - times[last]
      let w = span > 0 ? min(1, (tau - times[last]) / span) : 0
      for i in 0..<n { out[i] = states[base + i] + w * (current[i] - states[base + i]) }
      return
    }
    // The last entry at or before τ (after an event, the state after it), and the next.
    var lo = 0, hi = last
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if times[mid] <= tau { lo = mid } else { hi = mid }
    }
    let h = times[hi] - times[lo]
    let s = (tau - times[lo]) / h
    let s2 = s * s, s3 = s2 * s
    let h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2
    let a = lo * n, b = hi * n
    for i in 0..<n {
      out[i] = h00 * states[a + i] + h10 * h * rates[a + i] + h01 * states[b + i] + h11 * h * rates[b + i]
    }
  }
}
