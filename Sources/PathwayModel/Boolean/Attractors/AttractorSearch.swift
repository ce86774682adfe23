/// Finds the attractors of a Boolean network under either update scheme.
///
/// Three strategies:
///
/// - **exhaustive**: every one of the 2ⁿ states, each state's successor computed once
///   (`ExplicitStateSpace`). Synchronous: every cycle and its exact basin size, for n ≤ 30.
///   Asynchronous: every terminal SCC of the asynchronous state transition graph, for n ≤ 22.
/// - **exact** (the default): exhaustive when n is within those limits; beyond them, the same
///   complete answer from smaller problems (`Reduction`): one subspace per input combination,
///   percolated constants removed, and (synchronous) non-regulating nodes pruned; each part is
///   enumerated when small and searched on decision diagrams (`SymbolicSearch`) otherwise.
///   Basins are exact only when the whole space is enumerated; otherwise they are `nil`.
/// - **sampled**: K seeded random initial states (`SampledSearch`); the attractors they reach
///   and the fraction of samples that reached each. Steady states are still found exactly.
///
/// A search that would exceed its limits stops with a usage error (exit 64) that suggests
/// sampling, rather than running for hours or exhausting memory.
public enum AttractorSearch {
  public enum Strategy: Sendable, Hashable {
    case exact
    case exhaustive
    case sampled(samples: Int, seed: UInt64)
  }

  public struct Options: Sendable {
    public var strategy: Strategy
    /// The most states listed per complex attractor (its `size` is always exact).
    public var listLimit: Int
    /// Sampled search: the most steps per sample before it counts as unresolved.
    public var maximumSteps: Int
    /// Exhaustive search limits on the number of nodes: 2ⁿ states are held in memory (4 bytes
    /// each synchronously, about 13 asynchronously).
    public var synchronousExhaustiveLimit: Int
    public var asynchronousExhaustiveLimit: Int
    /// Decision-diagram node budget of symbolic searches (about 12 bytes per node).
    public var symbolicNodeLimit: Int
    /// Asynchronous symbolic searches: the most diagram nodes made (garbage included, roughly
    /// 10^6 per second on one core) before the search gives up; bounds the time spent on
    /// networks whose reachable sets never settle (chaotic random networks).
    public var symbolicWorkLimit: Int
    /// Networks with more inputs than this are not split by input combination.
    public var maximumInputEnumeration: Int
    /// The most states the exact search may enumerate explicitly over all its parts.
    public var explicitStateBudget: Int
    /// The most states on synchronous cycles a symbolic search will list one by one.
    public var maximumCycleStates: Int
    /// The most attractors an exact search lists. A network with k inputs that are not split
    /// has at least 2^k attractors (inputs never change, so every input combination holds one
    /// or more); beyond this limit the search stops at once rather than find them one by one.
    public var maximumAttractors: Int
    /// Told the fraction done, now and then (from any thread), by a search that enumerates the
    /// whole state space (of states) or a sampled one (of samples).
    public var progress: (@Sendable (Double) -> Void)?
    /// Told, now and then (from any thread), what a search with no known end is doing: an
    /// asynchronous part searched on decision diagrams reports its attractors so far and how
    /// much of its work budget (`symbolicWorkLimit`, past which it gives up) it has used.
    public var status: (@Sendable (String) -> Void)?

    public init(
      strategy: Strategy = .exact, listLimit: Int = 1000, maximumSteps: Int = 100_000,
      synchronousExhaustiveLimit: Int = 30, asynchronousExhaustiveLimit: Int = 22,
      symbolicNodeLimit: Int = 1 << 24, symbolicWorkLimit: Int = 1 << 25, maximumInputEnumeration: Int = 16,
      explicitStateBudget: Int = 1 << 33, maximumCycleStates: Int = 10_000_000, maximumAttractors: Int = 1 << 20
    ) {
      self.strategy = strategy
      self.listLimit = listLimit
      self.maximumSteps = maximumSteps
      self.synchronousExhaustiveLimit = min(synchronousExhaustiveLimit, ExplicitStateSpace.maximumVariables)
      self.asynchronousExhaustiveLimit = min(asynchronousExhaustiveLimit, ExplicitStateSpace.maximumVariables)
      self.symbolicNodeLimit = symbolicNodeLimit
      self.symbolicWorkLimit = symbolicWorkLimit
      self.maximumInputEnumeration = maximumInputEnumeration
      self.explicitStateBudget = explicitStateBudget
      self.maximumCycleStates = maximumCycleStates
      self.maximumAttractors = maximumAttractors
    }
  }

  /// The attractors of `network` (pins already applied) under `scheme`.
  public static func find(
    in network: BooleanNetwork, scheme: UpdateScheme, options: Options = Options()
  ) throws(PathwayError) -> AttractorSet {
    let limit = scheme == .synchronous ? options.synchronousExhaustiveLimit : options.asynchronousExhaustiveLimit
    var set: AttractorSet
    switch options.strategy {
    case .exhaustive:
      guard network.count <= limit else {
        throw PathwayError(
          .usage,
          "\(network.count) nodes are too many for an exhaustive \(scheme.rawValue) search (2^\(network.count) states; the limit is \(limit) nodes)",
          notes: [
            "sample instead: --samples 10000 --seed 1",
            "or leave out --exhaustive: the exact search splits the network by inputs and percolated constants",
          ])
      }
      set = exhaustive(network, scheme: scheme, options: options)
    case .exact:
      if network.count <= limit {
        set = exhaustive(network, scheme: scheme, options: options)
      } else {
        set = try exact(network, scheme: scheme, options: options)
      }
    case .sampled(let samples, let seed):
      guard samples > 0 else { throw PathwayError(.usage, "--samples must be at least 1") }
      set = try SampledSearch.run(network, scheme: scheme, samples: samples, seed: seed, options: options)
    }
    set.pins = Dictionary(uniqueKeysWithValues: network.pins.map { (network.names[$0.key], $0.value) })
    return set
  }

  // MARK: - Exhaustive

  static func exhaustive(_ network: BooleanNetwork, scheme: UpdateScheme, options: Options) -> AttractorSet {
    let sub = Subnetwork(network, free: Array(0..<network.count), fixed: [:]).inputsOnTop()
    let space = sub.explicitSpace()
    let progress = options.progress.map(SearchProgress.init)
    let attractors: [Attractor]
    switch scheme {
    case .synchronous:
      attractors = space.synchronousAttractors(progress: progress).map { found in
        Attractor.synchronousCycle(found.cycle.map { sub.fullState(UInt64($0)) }, basin: found.basin)
      }
    case .asynchronous:
      attractors = space.asynchronousAttractors(listLimit: options.listLimit, progress: progress).map {
        asyncAttractor($0, sub)
      }
    }
    return AttractorSet(
      nodes: network.names, scheme: scheme, attractors: attractors, complete: true,
      method: "exhaustive: all 2^\(network.count) states")
  }

  static func asyncAttractor(_ found: ExplicitStateSpace.AsyncAttractor, _ sub: Subnetwork) -> Attractor {
    let states = found.states.map { sub.fullState(UInt64($0)) }.sorted()
    if found.size == 1 {
      return Attractor(kind: .fixed, states: states, size: 1)
    }
    let positions: [Bool?] = (0..<sub.count).map { p in
      found.allOn >> UInt32(p) & 1 == 1 ? true : found.anyOn >> UInt32(p) & 1 == 0 ? false : nil
    }
    return Attractor(kind: .complex, states: states, size: Double(found.size), subspace: subspace(positions, sub))
  }

  /// A subspace over positions of `sub`, in network order (fixed nodes at their values).
  static func subspace(_ positions: [Bool?], _ sub: Subnetwork) -> [Bool?] {
    var out = [Bool?](repeating: nil, count: sub.network.count)
    for (i, v) in sub.fixed { out[i] = v }
    for (p, i) in sub.free.enumerated() { out[i] = positions[p] }
    return out
  }

  // MARK: - Exact, by reduction

  /// One input combination after reduction: what is fixed, what is searched, and (synchronous)
  /// how many pruned nodes the lifting replays.
  private struct Part {
    var index: Int
    var fixed: [Int: Bool]
    var searched: [Int]
    var prunedCount: Int
    var explicit: Bool
    /// How many input combinations there are in all.
    var combinations: Int
  }

  static func exact(_ network: BooleanNetwork, scheme: UpdateScheme, options: Options) throws(PathwayError) -> AttractorSet {
    func tooLarge(_ reason: String, notes: [String] = []) -> PathwayError {
      PathwayError(
        .usage, "the exact \(scheme.rawValue) search of these \(network.count) nodes is too large: \(reason)",
        notes: notes + ["sample instead: --samples 10000 --seed 1"])
    }
    // Every combination of the inputs is an invariant subspace with an attractor of its own.
    let inputCount = network.inputNodes.count
    if inputCount >= Int.bitWidth - 2 || 1 << inputCount > options.maximumAttractors {
      throw tooLarge(
        "its \(inputCount) inputs give at least 2^\(inputCount) attractors (one or more per input combination), more than \(options.maximumAttractors) to list",
        notes: ["fix inputs with --knockout/--overexpress (each one fixed halves the count)"])
    }
    let combinations = Reduction.inputCombinations(network, maximumInputs: options.maximumInputEnumeration)
    let explicitLimit = scheme == .synchronous ? min(26, options.synchronousExhaustiveLimit) : options.asynchronousExhaustiveLimit
    // Plan every part first (cheap), so that the budget is checked before any search starts.
    let parts: [Part] = parallelMap(combinations.count) { index in
      let fixed = Reduction.percolate(network, fixed: combinations[index])
      let free = (0..<network.count).filter { fixed[$0] == nil }
      if scheme == .synchronous {
        let (core, pruned) = Reduction.prune(network, free: free)
        return Part(index: index, fixed: fixed, searched: core, prunedCount: pruned.count, explicit: core.count <= explicitLimit,
                    combinations: combinations.count)
      }
      return Part(index: index, fixed: fixed, searched: free, prunedCount: 0, explicit: free.count <= explicitLimit,
                  combinations: combinations.count)
    }
    let explicitStates = parts.filter(\.explicit).reduce(0) { $0 + (1 << $1.searched.count) }
    if explicitStates > options.explicitStateBudget {
      throw tooLarge("\(explicitStates) states to enumerate over \(combinations.count) input combinations, more than \(options.explicitStateBudget)")
    }
    let results = parallelMap(parts.count) { k -> Result<[Attractor], SymbolicSearch.Limit> in
      Result { () throws(SymbolicSearch.Limit) in try search(parts[k], network, scheme: scheme, options: options) }
    }
    var attractors: [Attractor] = []
    for (part, result) in zip(parts, results) {
      switch result {
      case .success(let found):
        attractors += found
        if attractors.count > options.maximumAttractors {
          throw tooLarge("more than \(options.maximumAttractors) attractors")
        }
      case .failure(let limit):
        throw tooLarge(
          limit.reason + " (input combination \(part.index + 1) of \(combinations.count), \(part.searched.count) nodes after reduction)")
      }
    }
    let largest = parts.map(\.searched.count).max() ?? 0
    let symbolic = parts.filter { !$0.explicit }.count
    var method = "exact: \(combinations.count) input combination(s), percolation"
    if scheme == .synchronous { method += ", pruning" }
    method += "; largest part \(largest) nodes"
    if symbolic > 0 { method += ", \(symbolic) part(s) searched on decision diagrams" }
    return AttractorSet(nodes: network.names, scheme: scheme, attractors: attractors, complete: true, method: method)
  }

  /// The attractors of one part, in full network states.
  private static func search(
    _ part: Part, _ network: BooleanNetwork, scheme: UpdateScheme, options: Options
  ) throws(SymbolicSearch.Limit) -> [Attractor] {
    switch scheme {
    case .synchronous:
      let cycles: [[BooleanState]]
      if part.explicit {
        let sub = Subnetwork(network, free: part.searched, fixed: part.fixed).inputsOnTop()
        cycles = sub.explicitSpace().synchronousAttractors().map { $0.cycle.map { sub.fullState(UInt64($0)) } }
      } else {
        let sub = SymbolicSearch.ordered(Subnetwork(network, free: part.searched, fixed: part.fixed))
        cycles = try SymbolicSearch.synchronousCycles(
          sub, nodeLimit: options.symbolicNodeLimit, maximumCycleLength: options.maximumCycleStates,
          maximumCount: options.maximumAttractors
        ).map { $0.map { sub.fullState($0) } }
      }
      return cycles.map { cycle in
        .synchronousCycle(
          Reduction.liftSynchronousCycle(network, from: cycle[0], depth: part.prunedCount, length: cycle.count))
      }
    case .asynchronous:
      if part.explicit {
        let sub = Subnetwork(network, free: part.searched, fixed: part.fixed).inputsOnTop()
        return sub.explicitSpace().asynchronousAttractors(listLimit: options.listLimit).map { asyncAttractor($0, sub) }
      }
      let sub = SymbolicSearch.ordered(Subnetwork(network, free: part.searched, fixed: part.fixed))
      let found = try SymbolicSearch.asynchronousAttractors(
        sub, listLimit: options.listLimit, seed: UInt64(part.index), nodeLimit: options.symbolicNodeLimit,
        workLimit: options.symbolicWorkLimit, maximumCount: options.maximumAttractors,
        report: options.status.map { status in
          { found, used in
            status(
              "input combination \(part.index + 1) of \(part.combinations), \(sub.count) nodes on decision diagrams: "
                + "\(found) attractor(s) so far, \(Int(100 * used))% of the work budget used")
          }
        })
      return found.map { a in
        let states = a.states.map { sub.fullState($0) }.sorted()
        if a.size == 1 { return Attractor(kind: .fixed, states: states, size: 1) }
        return Attractor(kind: .complex, states: states, size: a.size, subspace: subspace(a.subspace, sub))
      }
    }
  }
}
