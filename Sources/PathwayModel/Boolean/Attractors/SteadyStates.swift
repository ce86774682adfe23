/// Every steady state (x = F(x)) of a network of any size, by constraint propagation.
///
/// Each node gives one constraint, x_i = f_i(regulators). A depth-first search assigns nodes
/// (most-regulating first) and after every assignment makes each touched constraint
/// arc-consistent: the tuples of its unassigned nodes that satisfy it are enumerated (up to 2¹²
/// of them), a constraint with none is a conflict, and a node that takes one value in every
/// satisfying tuple is assigned. Biological networks mostly propagate to a solution or a
/// conflict after a few decisions; the search is exact whatever the network.
enum SteadyStates {
  struct Limit: Error {
    var reason: String
  }

  static func all(_ network: BooleanNetwork, limit: Int) throws(Limit) -> [BooleanState] {
    var solver = Solver(network)
    try solver.search(limit: limit)
    return solver.solutions.sorted()
  }

  private struct Solver {
    let network: BooleanNetwork
    let n: Int
    /// Per constraint (node): the nodes it involves, the node's own index last unless it
    /// regulates itself.
    let scopes: [[Int]]
    /// Per node: the constraints it appears in.
    let watchers: [[Int]]
    let order: [Int]
    var value: [Int8]
    var trail: [Int] = []
    var solutions: [BooleanState] = []

    init(_ network: BooleanNetwork) {
      self.network = network
      n = network.count
      var scopes: [[Int]] = []
      var watchers = [[Int]](repeating: [], count: network.count)
      for i in 0..<network.count {
        var scope = network.functions[i].regulators
        if !scope.contains(i) { scope.append(i) }
        for v in scope { watchers[v].append(i) }
        scopes.append(scope)
      }
      self.scopes = scopes
      self.watchers = watchers
      order = (0..<network.count).sorted { watchers[$0].count > watchers[$1].count }
      value = [Int8](repeating: -1, count: network.count)
    }

    mutating func assign(_ v: Int, _ x: Bool, _ queue: inout [Int]) {
      value[v] = x ? 1 : 0
      trail.append(v)
      queue.append(contentsOf: watchers[v])
    }

    mutating func undo(to mark: Int) {
      while trail.count > mark { value[trail.removeLast()] = -1 }
    }

    /// Makes the queued constraints consistent; false on a conflict.
    mutating func propagate(_ queue: inout [Int]) -> Bool {
      var pending = Set<Int>()
      var work = queue
      queue.removeAll()
      pending.formUnion(work)
      while let c = work.popLast() {
        pending.remove(c)
        var newly: [Int] = []
        guard revise(c, &newly) else { return false }
        for v in newly {
          for w in watchers[v] where !pending.contains(w) {
            pending.insert(w)
            work.append(w)
          }
        }
      }
      return true
    }

    /// Arc consistency of constraint c; appends the nodes it assigns to `newly`.
    mutating func revise(_ c: Int, _ newly: inout [Int]) -> Bool {
      let f = network.functions[c]
      let scope = scopes[c]
      let unknown = scope.filter { value[$0] < 0 }
      if unknown.count > 12 {
        guard value[c] >= 0 || unknown.count > 0 else { return true }
        if let forced = f.evaluatePartial({ value[f.regulators[$0]] < 0 ? nil : value[f.regulators[$0]] == 1 }) {
          if value[c] >= 0 { return (value[c] == 1) == forced }
          value[c] = forced ? 1 : 0
          trail.append(c)
          newly.append(c)
        }
        return true
      }
      var local = value
      var seenOff = 0, seenOn = 0  // bit u: unknown[u] was OFF / ON in a satisfying tuple
      var satisfied = false
      for tuple in 0..<(1 << unknown.count) {
        for (u, v) in unknown.enumerated() { local[v] = Int8(tuple >> u & 1) }
        let next = f.evaluate { local[f.regulators[$0]] == 1 }
        if next == (local[c] == 1) {
          satisfied = true
          seenOn |= tuple
          seenOff |= ~tuple
        }
      }
      guard satisfied else { return false }
      for (u, v) in unknown.enumerated() {
        let on = seenOn >> u & 1 == 1, off = seenOff >> u & 1 == 1
        if on != off {
          value[v] = on ? 1 : 0
          trail.append(v)
          newly.append(v)
        }
      }
      return true
    }

    mutating func search(limit: Int) throws(Limit) {
      var queue = Array(0..<n)
      guard propagate(&queue) else { return }
      try descend(limit: limit)
    }

    private mutating func descend(limit: Int) throws(Limit) {
      guard let v = order.first(where: { value[$0] < 0 }) else {
        let state = BooleanState(value.map { $0 == 1 })
        precondition(network.isSteadyState(state), "constraint propagation accepted a state that is not steady")
        solutions.append(state)
        if solutions.count > limit { throw Limit(reason: "more than \(limit) steady states") }
        return
      }
      for x in [false, true] {
        let mark = trail.count
        var queue: [Int] = []
        assign(v, x, &queue)
        if propagate(&queue) { try descend(limit: limit) }
        undo(to: mark)
      }
    }
  }
}
