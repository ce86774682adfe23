/// An attractor of a Boolean network: a set of states the dynamics enters and never leaves.
public struct Attractor: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A steady state: F(x) = x (the same states under both update schemes).
    case fixed
    /// A synchronous cycle of two or more states.
    case cycle
    /// An asynchronous attractor of two or more states: a terminal strongly connected component
    /// of the asynchronous state transition graph.
    case complex
  }

  public var kind: Kind
  /// `fixed`: its state. `cycle`: every state in update order (`states[j+1] = F(states[j])`),
  /// starting at the lexicographically smallest. `complex`: its states, smallest first, or the
  /// first `AttractorSearch.Options.listLimit` of them when it is larger (`size` says how many).
  public var states: [BooleanState]
  /// The number of states (a cycle's length). A `Double` because asynchronous attractors of
  /// large networks can hold more than 2⁶³ states; exact up to 2⁵³.
  public var size: Double
  /// The exact number of initial states whose synchronous trajectory ends here, the attractor's
  /// own states included, counted over all 2ⁿ states (exhaustive synchronous search only).
  public var basin: Int?
  /// The fraction of sampled initial states that reached this attractor (sampled search).
  public var basinFraction: Double?
  /// For complex attractors: the smallest subspace holding every state, nil for a node that
  /// takes both values.
  public var subspace: [Bool?]?

  public init(
    kind: Kind, states: [BooleanState], size: Double, basin: Int? = nil, basinFraction: Double? = nil,
    subspace: [Bool?]? = nil
  ) {
    self.kind = kind
    self.states = states
    self.size = size
    self.basin = basin
    self.basinFraction = basinFraction
    self.subspace = subspace
  }

  /// A synchronous cycle (or fixed point) from its states in update order, rotated to start at
  /// the smallest state.
  public static func synchronousCycle(_ states: [BooleanState], basin: Int? = nil) -> Attractor {
    let start = states.indices.min { states[$0] < states[$1] } ?? 0
    let rotated = Array(states[start...] + states[..<start])
    return Attractor(
      kind: rotated.count == 1 ? .fixed : .cycle, states: rotated, size: Double(rotated.count), basin: basin)
  }

  /// The subspace text: `0`/`1` for fixed nodes, `-` for free ones.
  public var subspaceText: String? {
    subspace.map { String($0.map { $0 == nil ? "-" : $0! ? "1" : "0" }) }
  }

  /// Sorting key: fixed points first, then cycles, then complex attractors; by first state.
  static func ordered(_ a: Attractor, _ b: Attractor) -> Bool {
    let rank: [Kind: Int] = [.fixed: 0, .cycle: 1, .complex: 2]
    if a.kind != b.kind { return rank[a.kind]! < rank[b.kind]! }
    if let x = a.states.first, let y = b.states.first, x != y { return x < y }
    return a.size < b.size
  }
}

/// The attractors an attractor search found, with how it searched.
public struct AttractorSet: Sendable {
  /// Node names in network order; states use this order.
  public var nodes: [String]
  public var scheme: UpdateScheme
  /// Fixed points first, then cycles, then complex attractors, each group by its first state.
  public var attractors: [Attractor]
  /// True when every attractor is listed (exhaustive or exact search); false for sampling.
  public var complete: Bool
  /// How the attractors were found, in words (for output files and manifests).
  public var method: String
  /// Pinned nodes (knockouts at 0, over-expressions at 1).
  public var pins: [String: Bool]
  /// Sampled searches: the number of samples, the seed, and the samples that reached no
  /// attractor within the step limit.
  public var samples: Int?
  public var seed: UInt64?
  public var unresolvedSamples: Int

  public init(
    nodes: [String], scheme: UpdateScheme, attractors: [Attractor], complete: Bool, method: String,
    pins: [String: Bool] = [:], samples: Int? = nil, seed: UInt64? = nil, unresolvedSamples: Int = 0
  ) {
    self.nodes = nodes
    self.scheme = scheme
    self.attractors = attractors.sorted(by: Attractor.ordered)
    self.complete = complete
    self.method = method
    self.pins = pins
    self.samples = samples
    self.seed = seed
    self.unresolvedSamples = unresolvedSamples
  }

  public var steadyStates: [BooleanState] { attractors.filter { $0.kind == .fixed }.map { $0.states[0] } }
}
