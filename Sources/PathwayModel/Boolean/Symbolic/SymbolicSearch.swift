/// Exact attractor search on decision diagrams, for subnetworks too large to enumerate.
///
/// - Asynchronous: the terminal SCCs of the general asynchronous graph by Xie and Beerel's
///   method (2000): take a state s of the remaining set U, walk from it at random for a while
///   (cheap, and it usually lands inside an attractor), compute the states that reach s (B,
///   within U) and those s reaches (F, stopped as soon as it leaves B). F ⊆ B means F is an
///   attractor. Either way no state of B lies in another attractor, so U ← U ∖ B, until U is
///   empty. Transitions are per variable: x can flip i where C_i = x_i ⊕ f_i(x).
/// - Synchronous: a state of the remaining set is followed explicitly to its cycle, whose basin
///   is the backward closure under the preimage (a vector composition of the update
///   functions); the basin leaves the remaining set, until nothing remains.
///
/// Both give up with `SymbolicSearch.Limit` when the diagrams outgrow their node budget.
enum SymbolicSearch {
  struct Limit: Error {
    var reason: String
    /// The search stopped because it found too many attractors (no other method would do better).
    var tooMany = false
  }

  /// A terminal SCC found symbolically, over the subnetwork's positions.
  struct AsyncAttractor {
    var size: Double
    var states: [[Bool]]
    var subspace: [Bool?]
  }

  // MARK: - Asynchronous

  /// `report` is told, now and then, the attractors found so far and the fraction of
  /// `workLimit` used (the search gives up when it reaches 1).
  static func asynchronousAttractors(
    _ sub: Subnetwork, listLimit: Int, seed: UInt64, nodeLimit: Int, workLimit: Int = .max, maximumCount: Int = .max,
    report: ((_ found: Int, _ workUsed: Double) -> Void)? = nil
  ) throws(Limit) -> [AsyncAttractor] {
    let m = sub.count
    var graph = AsynchronousGraph(sub, nodeLimit: nodeLimit, workLimit: workLimit)
    var found: [AsyncAttractor] = []
    if let report { graph.onWork = { used in report(found.count, used) } }
    if graph.bdd.exhausted { throw Limit(reason: "the update functions alone exceed \(nodeLimit) diagram nodes") }
    let everything = [Bool](repeating: true, count: m)
    var remaining = BDD.one
    var generator = Xoshiro256StarStar(seed: seed)
    let walkLength = 20 * m + 100
    while remaining != BDD.zero {
      var state = graph.bdd.firstAssignment(remaining)
      randomWalk(sub, &state, steps: walkLength, &generator)
      let pivot = graph.bdd.cube(state.enumerated().map { (level: $0.offset, value: $0.element) })
      graph.anchors = [remaining, pivot]
      var backward = try graph.backward(from: pivot, within: remaining)
      graph.anchors.append(backward)
      let forward = try graph.forward(from: graph.anchors[1], within: backward)
      (remaining, backward) = (graph.anchors[0], graph.anchors[2])
      graph.anchors = []
      if let forward {
        found.append(
          AsyncAttractor(
            size: graph.bdd.count(forward, counted: everything),
            states: graph.bdd.assignments(forward, counted: Array(0..<m), limit: listLimit),
            subspace: graph.bdd.enclosingSubspace(forward)))
        if found.count > maximumCount { throw Limit(reason: "more than \(maximumCount) attractors") }
      }
      remaining = graph.bdd.diff(remaining, backward)
      if graph.bdd.exhausted { throw graph.limit("the remaining states") }
      graph.collectGarbageIfNeeded(keeping: &remaining)
    }
    return found
  }

  /// The general asynchronous transition graph of a subnetwork on decision diagrams: x can
  /// flip variable p where C_p = x_p ⊕ f_p(x).
  struct AsynchronousGraph: ~Copyable {
    var bdd: BDD
    var canFlip: [BDD.Node] = []
    var movable: [Int] = []
    let nodeLimit: Int
    /// Told the fraction of the work budget used, at every further 1 % of it.
    var onWork: ((Double) -> Void)?
    private var nextReport = 0.01

    init(_ sub: Subnetwork, nodeLimit: Int, workLimit: Int = .max) {
      self.nodeLimit = nodeLimit
      var bdd = BDD(levelCount: sub.count, nodeLimit: nodeLimit, workLimit: workLimit)
      for p in 0..<sub.count {
        let f = SymbolicSearch.build(sub.functions[p], level: { $0 }, &bdd)
        let c = bdd.xor(bdd.variable(p), f)
        canFlip.append(c)
        if c != BDD.zero { movable.append(p) }
      }
      self.bdd = bdd
    }

    /// Sets the owner keeps across reachability computations: they compact the diagram when it
    /// fills up and renumber these in place (read them back afterwards).
    var anchors: [BDD.Node] = []
    /// Nodes live after the last compaction.
    private var liveAfterCompaction = 0

    /// The states of `within` that reach `start` (which must lie in `within`).
    mutating func backward(from start: BDD.Node, within: BDD.Node) throws(Limit) -> BDD.Node {
      var sets = [start, within]  // reached, within
      try saturate(&sets, limit: "a backward reachable set") { graph, sets, p in
        let predecessors = graph.bdd.and(graph.bdd.and(graph.canFlip[p], graph.bdd.flip(sets[0], p)), sets[1])
        return graph.bdd.diff(predecessors, sets[0])
      }
      return sets[0]
    }

    /// The states `start` reaches, or nil as soon as one lies outside `bound`.
    mutating func forward(from start: BDD.Node, within bound: BDD.Node) throws(Limit) -> BDD.Node? {
      var sets = [start, bound]  // reached, bound
      var escaped = false
      try saturate(&sets, limit: "a forward reachable set") { graph, sets, p in
        let added = graph.bdd.diff(graph.bdd.flip(graph.bdd.and(sets[0], graph.canFlip[p]), p), sets[0])
        if added != BDD.zero && !graph.bdd.isSubset(added, of: sets[1]) {
          if graph.bdd.exhausted { return added }  // not an escape: saturate throws the limit
          escaped = true
          return nil
        }
        return added
      }
      return escaped ? nil : sets[0]
    }

    /// Grows `sets[0]` by `step(p)` (the new states one flip of variable p adds; nil stops) until
    /// no variable adds any, in the order of saturation (Ciardo et al.): after every step that
    /// adds states, start again from the deepest variable, so that the diagram's lower levels
    /// settle before the upper ones change; it keeps intermediate diagrams far smaller than
    /// sweeping all variables in turn. Compacts the diagram when it fills up.
    private mutating func saturate(
      _ sets: inout [BDD.Node], limit what: String,
      _ step: (inout AsynchronousGraph, [BDD.Node], Int) -> BDD.Node?
    ) throws(Limit) {
      var k = movable.count - 1
      while k >= 0 {
        let p = movable[k]
        guard let added = step(&self, sets, p) else { return }
        if bdd.exhausted { throw limit(what) }
        if let onWork, bdd.workUsed >= nextReport {
          nextReport = bdd.workUsed + 0.01
          onWork(bdd.workUsed)
        }
        if added == BDD.zero {
          k -= 1
          continue
        }
        sets[0] = bdd.or(sets[0], added)
        if bdd.exhausted { throw limit(what) }
        compactIfNeeded(&sets)
        k = movable.count - 1
      }
    }

    /// Why the exhausted diagram stopped `what`.
    func limit(_ what: String) -> Limit {
      bdd.overworked
        ? Limit(reason: "\(what) took more than \(bdd.workLimit) diagram operations without settling")
        : Limit(reason: "\(what) exceeds \(nodeLimit) diagram nodes")
    }

    /// Compacts the diagram when it has grown past half its budget (and by a quarter since the
    /// last compaction), keeping the transition sets, `anchors` and `sets`. Intermediate results
    /// of reachability are garbage soon after they are made: counting them against the budget
    /// would stop searches whose live sets fit easily.
    mutating func compactIfNeeded(_ sets: inout [BDD.Node]) {
      guard bdd.nodeCount > nodeLimit / 2, bdd.nodeCount > liveAfterCompaction + nodeLimit / 4 else { return }
      var roots = canFlip + anchors + sets
      bdd.collectGarbage(keeping: &roots)
      canFlip = Array(roots[0..<canFlip.count])
      anchors = Array(roots[canFlip.count..<(canFlip.count + anchors.count)])
      sets = Array(roots[(canFlip.count + anchors.count)...])
      liveAfterCompaction = bdd.nodeCount
    }

    /// Compacts the diagram when it has grown past half its budget, keeping the transition
    /// sets, `anchors` and `set`.
    mutating func collectGarbageIfNeeded(keeping set: inout BDD.Node) {
      var sets = [set]
      compactIfNeeded(&sets)
      set = sets[0]
    }
  }

  /// Follows the general asynchronous dynamics at random: each step flips one node chosen
  /// uniformly among those whose function disagrees with them.
  ///
  /// The enabled nodes are kept in a sorted list updated incrementally: flipping p can only
  /// change whether p and the nodes p regulates are enabled, so a step costs the out-degree of
  /// p rather than an evaluation of every function.
  static func randomWalk(_ sub: Subnetwork, _ state: inout [Bool], steps: Int, _ generator: inout Xoshiro256StarStar) {
    let m = sub.count
    guard m > 0, steps > 0 else { return }
    var targets = [[Int]](repeating: [], count: m)
    for p in 0..<m {
      for r in Set(sub.functions[p].regulators) where r != p { targets[r].append(p) }
    }
    var isEnabled = [Bool](repeating: false, count: m)
    var enabled: [Int] = []
    for p in 0..<m where next(sub, p, state) != state[p] {
      isEnabled[p] = true
      enabled.append(p)
    }
    /// The position of p in the sorted list, or where it would go.
    func slot(_ p: Int) -> Int {
      var lo = 0, hi = enabled.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if enabled[mid] < p { lo = mid + 1 } else { hi = mid }
      }
      return lo
    }
    func refresh(_ q: Int) {
      let now = next(sub, q, state) != state[q]
      guard now != isEnabled[q] else { return }
      isEnabled[q] = now
      if now { enabled.insert(q, at: slot(q)) } else { enabled.remove(at: slot(q)) }
    }
    for _ in 0..<steps {
      if enabled.isEmpty { return }
      let p = enabled[generator.next(below: enabled.count)]
      state[p].toggle()
      refresh(p)
      for q in targets[p] { refresh(q) }
    }
  }

  @inline(__always)
  static func next(_ sub: Subnetwork, _ p: Int, _ state: [Bool]) -> Bool {
    let f = sub.functions[p]
    return f.evaluate { state[f.regulators[$0]] }
  }

  // MARK: - Synchronous

  /// Every synchronous cycle of the subnetwork, in update order, over positions: by basins
  /// (usually fastest) within 1/32 of the node budget, else from recurrent states.
  static func synchronousCycles(
    _ sub: Subnetwork, nodeLimit: Int, maximumCycleLength: Int, maximumCount: Int = .max
  ) throws(Limit) -> [[[Bool]]] {
    let cycles: [[[Bool]]]
    do {
      cycles = try synchronousCyclesByBasins(
        sub, nodeLimit: nodeLimit / 32, maximumCycleLength: maximumCycleLength, maximumCount: maximumCount)
    } catch let limit where limit.tooMany {
      throw limit
    } catch {
      cycles = try synchronousCyclesByImages(sub, nodeLimit: nodeLimit, maximumCycleStates: maximumCycleLength)
    }
    if cycles.count > maximumCount { throw Limit(reason: "more than \(maximumCount) attractors", tooMany: true) }
    return cycles
  }

  /// Every synchronous cycle of the subnetwork (in update order, over positions) with the
  /// number of the subnetwork's states that reach it.
  ///
  /// Like the asynchronous search, one attractor at a time: from a state of the remaining set
  /// U the trajectory is followed explicitly until it closes (the cycle lies in U, which no
  /// transition leaves); its basin is the backward closure under the preimage
  /// Pre(S) = S(f_1(x), …, f_m(x)), a vector composition that needs no transition relation;
  /// U ← U ∖ basin until U is empty.
  static func synchronousCyclesByBasins(
    _ sub: Subnetwork, nodeLimit: Int, maximumCycleLength: Int, maximumCount: Int = .max
  ) throws(Limit) -> [[[Bool]]] {
    let m = sub.count
    var bdd = BDD(levelCount: m, nodeLimit: nodeLimit)
    var functions = (0..<m).map { build(sub.functions[$0], level: { $0 }, &bdd) }
    if bdd.exhausted { throw Limit(reason: "the update functions alone exceed \(nodeLimit) diagram nodes") }
    var found: [[[Bool]]] = []
    var remaining = BDD.one
    /// Adds the states of `remaining` that reach `target` to it, layer by layer.
    func basin(of target: BDD.Node) throws(Limit) -> BDD.Node {
      var basin = target, frontier = target
      while frontier != BDD.zero {
        let predecessors = bdd.and(bdd.compose(frontier, functions), remaining)
        frontier = bdd.diff(predecessors, basin)
        basin = bdd.or(basin, frontier)
        if bdd.exhausted { throw Limit(reason: "a basin exceeds \(nodeLimit) diagram nodes") }
      }
      if bdd.exhausted { throw Limit(reason: "a basin exceeds \(nodeLimit) diagram nodes") }
      return basin
    }
    while remaining != BDD.zero {
      let start = bdd.firstAssignment(remaining)
      guard let cycle = explicitCycle(sub, from: start, maximumLength: maximumCycleLength) else {
        throw Limit(reason: "a cycle or transient is longer than \(maximumCycleLength) steps")
      }
      var states = BDD.zero
      for state in cycle {
        states = bdd.or(states, bdd.cube(state.enumerated().map { (level: $0.offset, value: $0.element) }))
      }
      if bdd.exhausted { throw Limit(reason: "a cycle exceeds \(nodeLimit) diagram nodes") }
      found.append(cycle)
      if found.count > maximumCount { throw Limit(reason: "more than \(maximumCount) attractors", tooMany: true) }
      remaining = bdd.diff(remaining, try basin(of: states))
      if bdd.exhausted { throw Limit(reason: "the remaining states exceed \(nodeLimit) diagram nodes") }
      if bdd.nodeCount > nodeLimit / 2 {
        var roots = functions + [remaining]
        bdd.collectGarbage(keeping: &roots)
        functions = Array(roots.prefix(m))
        remaining = roots[m]
      }
    }
    return found
  }

  /// Every synchronous cycle of the subnetwork (in update order, over positions), from the set
  /// of recurrent states: images of the whole space shrink until they stop changing, and what
  /// remains is every state on a cycle (F is a bijection there). The image
  /// ∃x (S(x) ∧ ⋀_p y_p ↔ f_p(x)) is computed conjunct by conjunct, each current-state variable
  /// quantified away right after the last conjunct that reads it.
  static func synchronousCyclesByImages(
    _ sub: Subnetwork, nodeLimit: Int, explicitThreshold: Int = 1 << 18, maximumCycleStates: Int = 10_000_000,
    maximumIterations: Int = 100_000
  ) throws(Limit) -> [[[Bool]]] {
    let m = sub.count
    var bdd = BDD(levelCount: 2 * m, nodeLimit: nodeLimit)
    // Conjunct order: by the deepest regulator they read, so variables die early.
    let order = (0..<m).sorted {
      (sub.functions[$0].regulators.max() ?? -1, $0) < (sub.functions[$1].regulators.max() ?? -1, $1)
    }
    var lastUse = [Int](repeating: -1, count: m)
    for (k, p) in order.enumerated() { for r in sub.functions[p].regulators { lastUse[r] = k } }
    var conjuncts: [BDD.Node] = []
    var quantify: [BDD.Node] = []
    for (k, p) in order.enumerated() {
      let f = build(sub.functions[p], level: { 2 * $0 }, &bdd)
      conjuncts.append(bdd.not(bdd.xor(bdd.variable(2 * p + 1), f)))
      quantify.append(bdd.variableSet((0..<m).filter { lastUse[$0] == k }.map { 2 * $0 }))
    }
    let unused = bdd.variableSet((0..<m).filter { lastUse[$0] < 0 }.map { 2 * $0 })
    if bdd.exhausted { throw Limit(reason: "the transition relation exceeds \(nodeLimit) diagram nodes") }
    // Images until the set is small enough to finish explicitly (every cycle lies in every
    // image, and trajectories from an image never leave it) or stops shrinking (it is then the
    // set of states on cycles).
    let counted = (0..<(2 * m)).map { $0 % 2 == 0 }
    var recurrent = BDD.one
    var iterations = 0
    while bdd.count(recurrent, counted: counted) > Double(explicitThreshold) {
      var image = bdd.exists(recurrent, unused)
      for k in 0..<m { image = bdd.andExists(image, conjuncts[k], quantify[k]) }
      image = bdd.renameOddToEven(image)
      if bdd.exhausted { throw Limit(reason: "an image exceeds \(nodeLimit) diagram nodes") }
      if image == recurrent { break }
      recurrent = image
      iterations += 1
      if iterations > maximumIterations { throw Limit(reason: "transients are longer than \(maximumIterations) steps") }
      if bdd.nodeCount > nodeLimit / 2 {
        var roots = conjuncts + quantify + [unused, recurrent]
        bdd.collectGarbage(keeping: &roots)
        conjuncts = Array(roots[0..<m])
        quantify = Array(roots[m..<(2 * m)])
        recurrent = roots[2 * m + 1]
      }
    }
    let size = bdd.count(recurrent, counted: counted)
    if size > Double(maximumCycleStates) {
      throw Limit(reason: "the cycles hold \(formatNumber(size)) states, more than \(maximumCycleStates) to list")
    }
    let starts = bdd.assignments(recurrent, counted: (0..<m).map { 2 * $0 }, limit: maximumCycleStates)
      .map { assignment in (0..<m).map { assignment[2 * $0] } }
    return explicitCycles(sub, from: starts)
  }

  /// The distinct cycles reached from `starts`, each state followed once: a walk ends on a
  /// state already labelled (its cycle is known) or on its own path (a new cycle).
  static func explicitCycles(_ sub: Subnetwork, from starts: [[Bool]]) -> [[[Bool]]] {
    guard sub.count <= 64 else { return explicitCycles(sub, from: starts, successor: successor) }
    func pack(_ state: [Bool]) -> UInt64 {
      var x: UInt64 = 0
      for (p, v) in state.enumerated() where v { x |= 1 << UInt64(p) }
      return x
    }
    let packed = explicitCycles(sub, from: starts.map(pack)) { sub, x in
      var y: UInt64 = 0
      for p in 0..<sub.count {
        let f = sub.functions[p]
        if f.evaluate({ x >> UInt64(f.regulators[$0]) & 1 == 1 }) { y |= 1 << UInt64(p) }
      }
      return y
    }
    return packed.map { cycle in cycle.map { x in (0..<sub.count).map { x >> UInt64($0) & 1 == 1 } } }
  }

  private static func explicitCycles<State: Hashable>(
    _ sub: Subnetwork, from starts: [State], successor: (Subnetwork, State) -> State
  ) -> [[State]] {
    var label: [State: Int] = [:]
    var cycles: [[State]] = []
    var path: [State] = []
    var onPath: [State: Int] = [:]
    for start in starts where label[start] == nil {
      path.removeAll(keepingCapacity: true)
      onPath.removeAll(keepingCapacity: true)
      var x = start
      var id: Int
      while true {
        if let known = label[x] {
          id = known
          break
        }
        if let position = onPath[x] {
          id = cycles.count
          cycles.append(Array(path[position...]))
          break
        }
        onPath[x] = path.count
        path.append(x)
        x = successor(sub, x)
      }
      for state in path { label[state] = id }
    }
    return cycles
  }

  /// The cycle the synchronous trajectory from `start` ends in, in update order, by Brent's
  /// method; nil when it takes more than `maximumLength` steps.
  static func explicitCycle(_ sub: Subnetwork, from start: [Bool], maximumLength: Int) -> [[Bool]]? {
    var tortoise = start
    var hare = successor(sub, start)
    var power = 1, lambda = 1, steps = 1
    while tortoise != hare {
      if power == lambda {
        tortoise = hare
        power *= 2
        lambda = 0
      }
      hare = successor(sub, hare)
      lambda += 1
      steps += 1
      if steps > 2 * maximumLength { return nil }
    }
    var cycle: [[Bool]] = []
    for _ in 0..<lambda {
      cycle.append(hare)
      hare = successor(sub, hare)
    }
    return cycle
  }

  static func successor(_ sub: Subnetwork, _ state: [Bool]) -> [Bool] {
    (0..<sub.count).map { next(sub, $0, state) }
  }

  // MARK: - Variable order

  /// `sub` with its free nodes reordered so that each function's regulators and target sit
  /// close together (the FORCE heuristic of Aloul, Markov & Sakallah 2003: every node moves to
  /// the mean centre of the hyperedges it belongs to, repeatedly). Decision diagrams of update
  /// functions and of the sets they generate stay small when related variables are near.
  static func ordered(_ sub: Subnetwork) -> Subnetwork {
    let m = sub.count
    guard m > 2 else { return sub }
    let edges: [[Int]] = (0..<m).map { p in Array(Set(sub.functions[p].regulators + [p])) }
    var membership = [[Int]](repeating: [], count: m)
    for (e, edge) in edges.enumerated() { for p in edge { membership[p].append(e) } }
    var position = (0..<m).map(Double.init)
    var bestSpan = Double.infinity
    var best = Array(0..<m)
    for _ in 0..<50 {
      let centres = edges.map { edge in edge.reduce(0) { $0 + position[$1] } / Double(edge.count) }
      let target: [Double] = (0..<m).map { p in
        membership[p].isEmpty ? position[p] : membership[p].reduce(0) { $0 + centres[$1] } / Double(membership[p].count)
      }
      let order = (0..<m).sorted { (target[$0], $0) < (target[$1], $1) }
      for (rank, p) in order.enumerated() { position[p] = Double(rank) }
      let span = edges.reduce(0.0) { total, edge in
        let places = edge.map { position[$0] }
        return total + (places.max()! - places.min()!)
      }
      if span < bestSpan {
        bestSpan = span
        best = order
      } else {
        break
      }
    }
    return Subnetwork(sub.network, free: best.map { sub.free[$0] }, fixed: sub.fixed)
  }

  // MARK: - Functions as diagrams

  /// The diagram of `f`, whose regulator positions sit at `level(position)`.
  static func build(_ f: BooleanFunction, level: (Int) -> Int, _ bdd: inout BDD) -> BDD.Node {
    switch f.form {
    case .table(let words):
      // Shannon expansion over the regulators, deepest level first at the leaves.
      let order = f.regulators.indices.sorted { level(f.regulators[$0]) < level(f.regulators[$1]) }
      func expand(_ depth: Int, _ entry: Int) -> BDD.Node {
        if depth == order.count {
          return words[entry >> 6] >> UInt64(entry & 63) & 1 == 1 ? BDD.one : BDD.zero
        }
        let j = order[depth]
        let l0 = expand(depth + 1, entry)
        let l1 = expand(depth + 1, entry | 1 << j)
        return bdd.make(Int32(level(f.regulators[j])), l0, l1)
      }
      return expand(0, 0)
    case .program(let program):
      var registers: [BDD.Node] = []
      for instruction in program.code {
        let a = Int(instruction.a), b = Int(instruction.b)
        switch instruction.op {
        case .input: registers.append(bdd.variable(level(f.regulators[a])))
        case .zero: registers.append(BDD.zero)
        case .one: registers.append(BDD.one)
        case .not: registers.append(bdd.not(registers[a]))
        case .and: registers.append(bdd.and(registers[a], registers[b]))
        case .or: registers.append(bdd.or(registers[a], registers[b]))
        case .xor: registers.append(bdd.xor(registers[a], registers[b]))
        }
      }
      return registers.last!
    }
  }
}
