/// Exact reductions that shrink an attractor search without changing its answer.
///
/// - **Inputs** (identity functions) never change under either scheme, so the state space splits
///   into one invariant subspace per input combination.
/// - **Percolation**: once some nodes are fixed, a node whose function no longer depends on the
///   free nodes takes its forced value after its next update and keeps it (synchronous: after
///   one step; asynchronous: a state where it disagrees can leave and never return). Every
///   attractor lies where all percolated values hold, and the attractors there are those of the
///   network restricted to the free nodes.
/// - **Pruning (synchronous only)**: a free node that regulates no other free node (and not
///   itself) does not influence the rest. Attractors of the network without it correspond one
///   to one to attractors with it (same cycle length); its values follow after at most one step
///   per pruned layer, which `liftSynchronousCycle` replays.
enum Reduction {
  /// Fixes every node whose value follows from `fixed`, repeatedly; returns the enlarged map.
  static func percolate(_ network: BooleanNetwork, fixed: [Int: Bool]) -> [Int: Bool] {
    var fixed = fixed
    var changed = true
    while changed {
      changed = false
      for i in 0..<network.count where fixed[i] == nil {
        let f = network.functions[i]
        if let value = f.evaluatePartial({ fixed[f.regulators[$0]] }) {
          fixed[i] = value
          changed = true
        }
      }
    }
    return fixed
  }

  /// The free nodes that remain after pruning, in network order, and the pruned ones in the
  /// order they were removed.
  static func prune(_ network: BooleanNetwork, free: [Int]) -> (core: [Int], pruned: [Int]) {
    var inCore = [Bool](repeating: false, count: network.count)
    for i in free { inCore[i] = true }
    // Out-degree among free nodes, self-loops counted separately.
    var outDegree = [Int](repeating: 0, count: network.count)
    var selfLoop = [Bool](repeating: false, count: network.count)
    var targets = [[Int]](repeating: [], count: network.count)
    for i in free {
      for r in network.functions[i].regulators where inCore[r] {
        if r == i { selfLoop[i] = true } else {
          outDegree[r] += 1
          targets[i].append(r)
        }
      }
    }
    var pruned: [Int] = []
    var queue = free.filter { outDegree[$0] == 0 && !selfLoop[$0] }
    while let i = queue.popLast() {
      inCore[i] = false
      pruned.append(i)
      for r in targets[i] {
        outDegree[r] -= 1
        if outDegree[r] == 0 && !selfLoop[r] && inCore[r] { queue.append(r) }
      }
    }
    return (free.filter { inCore[$0] }, pruned)
  }

  /// The full cycle of `network` whose projection on the core is `start`'s: steps `depth` times
  /// (the pruned layers settle), then follows the cycle back to where it began.
  static func liftSynchronousCycle(_ network: BooleanNetwork, from start: BooleanState, depth: Int, length: Int) -> [BooleanState] {
    var x = start
    for _ in 0..<depth { x = network.successor(of: x) }
    var cycle: [BooleanState] = [x]
    cycle.reserveCapacity(length)
    var y = network.successor(of: x)
    while y != x {
      cycle.append(y)
      y = network.successor(of: y)
      precondition(cycle.count <= length, "a lifted synchronous cycle is longer than its core cycle")
    }
    return cycle
  }

  /// The input combinations to search separately: every combination of the network's inputs,
  /// or a single empty one when there are more than `maximumInputs` (the inputs stay free).
  static func inputCombinations(_ network: BooleanNetwork, maximumInputs: Int) -> [[Int: Bool]] {
    let inputs = network.inputNodes
    guard inputs.count <= maximumInputs else { return [[:]] }
    return (0..<(1 << inputs.count)).map { combination in
      Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ($0.element, combination >> $0.offset & 1 == 1) })
    }
  }
}
