/// A part of a network: some nodes free (numbered 0, 1, … as positions), some fixed at a value,
/// and the functions of the free nodes restricted to the fixed values, over positions.
///
/// The whole network is the subnetwork with nothing fixed; an input combination with its
/// percolated constants, or the core left after pruning, are others. States of a subnetwork are
/// bit vectors over positions; `fullState` puts them back into network order.
struct Subnetwork {
  let network: BooleanNetwork
  /// Position → node index.
  let free: [Int]
  /// Node index → fixed value.
  let fixed: [Int: Bool]
  /// Functions of the free nodes over positions.
  let functions: [BooleanFunction]

  init(_ network: BooleanNetwork, free: [Int], fixed: [Int: Bool]) {
    self.network = network
    self.free = free
    self.fixed = fixed
    var position = [Int](repeating: -1, count: network.count)
    for (p, i) in free.enumerated() { position[i] = p }
    functions = free.map { i in
      network.functions[i].restricted(constants: fixed) { r in
        precondition(position[r] >= 0, "node \(network.names[r]) regulates a free node but is neither free nor fixed")
        return position[r]
      }
    }
  }

  var count: Int { free.count }

  /// The network state with the fixed values, free node `free[p]` = bit p of `bits`, and every
  /// other node OFF.
  func fullState(_ bits: UInt64) -> BooleanState {
    var state = BooleanState(count: network.count)
    for (i, v) in fixed where v { state[i] = true }
    for (p, i) in free.enumerated() where bits >> UInt64(p) & 1 == 1 { state[i] = true }
    return state
  }

  /// The network state with the fixed values and free node `free[p]` = `bits[p]`.
  func fullState(_ bits: [Bool]) -> BooleanState {
    var state = BooleanState(count: network.count)
    for (i, v) in fixed where v { state[i] = true }
    for (p, i) in free.enumerated() where bits[p] { state[i] = true }
    return state
  }

  /// The positions (from the top down) that are inputs of the subnetwork: identity functions.
  var inputPositions: [Int] { (0..<count).filter { functions[$0].isIdentity(of: $0) } }

  /// The same subnetwork with inputs moved to the top positions, so that the explicit search
  /// can split the space into blocks no transition leaves.
  func inputsOnTop() -> Subnetwork {
    let inputs = Set(inputPositions)
    let order = (0..<count).filter { !inputs.contains($0) } + (0..<count).filter { inputs.contains($0) }
    return Subnetwork(network, free: order.map { free[$0] }, fixed: fixed)
  }

  /// The explicit state space of this subnetwork; the inputs among its top positions (all of
  /// them after `inputsOnTop`) split it into blocks searched in parallel.
  func explicitSpace() -> ExplicitStateSpace {
    var top = 0
    while top < count, functions[count - 1 - top].isIdentity(of: count - 1 - top) { top += 1 }
    return ExplicitStateSpace(functions: functions, blockBits: top)
  }
}
