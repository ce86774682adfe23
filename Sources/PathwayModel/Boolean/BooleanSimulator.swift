/// How the nodes of a Boolean network update.
public enum UpdateScheme: String, Sendable, Hashable, CaseIterable {
  /// x(t+1) = F(x(t)): every node at once, from the same state. Deterministic.
  case synchronous = "sync"
  /// One node per step, chosen uniformly at random (seeded): x_i ← f_i(x), the others keep their
  /// value. A step whose node already agrees with its function leaves the state unchanged.
  /// Attractor search uses the general asynchronous graph: every node that can change is a
  /// possible next step.
  case asynchronous = "async"
}

/// A 0/1 time course: the state after each step, step 0 being the initial state.
public struct BooleanTrajectory: Sendable {
  public let names: [String]
  public let scheme: UpdateScheme
  /// The seed of the asynchronous node choices (nil for synchronous runs).
  public let seed: UInt64?
  /// Row-major packed states: row r occupies words `r * wordCount ..< (r + 1) * wordCount`.
  public private(set) var words: [UInt64]
  public let wordCount: Int

  public init(names: [String], scheme: UpdateScheme, seed: UInt64?) {
    self.names = names
    self.scheme = scheme
    self.seed = seed
    self.words = []
    self.wordCount = BooleanState.wordCount(names.count)
  }

  public var rowCount: Int { wordCount == 0 ? 0 : words.count / wordCount }

  public func state(at row: Int) -> BooleanState {
    BooleanState(words: Array(words[(row * wordCount)..<((row + 1) * wordCount)]), count: names.count)
  }

  /// Node `node` at step `row`.
  public func value(row: Int, node: Int) -> Bool {
    words[row * wordCount + node >> 6] >> UInt64(node & 63) & 1 == 1
  }

  mutating func reserve(rows: Int) { words.reserveCapacity(rows * wordCount) }

  mutating func append(_ state: UnsafePointer<UInt64>) {
    words.append(contentsOf: UnsafeBufferPointer(start: state, count: wordCount))
  }
}

/// Runs Boolean networks forward in time.
public enum BooleanSimulator {
  /// The trajectory of `steps` updates from `initial` (step 0 included: `steps + 1` rows).
  ///
  /// - Parameters:
  ///   - scheme: synchronous, or asynchronous with one uniformly random node per step drawn from
  ///     `Xoshiro256StarStar(seed:)`; the same seed gives the same trajectory on every platform.
  ///   - inputs: inputs that change over the steps (their bits are set before each state is recorded).
  public static func run(
    _ network: BooleanNetwork, scheme: UpdateScheme, steps: Int, from initial: BooleanState, seed: UInt64 = 0,
    inputs: BooleanInputProtocol? = nil
  ) -> BooleanTrajectory {
    var trajectory = BooleanTrajectory(
      names: network.names, scheme: scheme, seed: scheme == .asynchronous ? seed : nil)
    trajectory.reserve(rows: steps + 1)
    advance(network, scheme: scheme, steps: steps, from: initial, seed: seed, inputs: inputs) { trajectory.append($0) }
    return trajectory
  }

  /// The state after `steps` updates, without recording the way there.
  public static func finalState(
    _ network: BooleanNetwork, scheme: UpdateScheme, steps: Int, from initial: BooleanState, seed: UInt64 = 0
  ) -> BooleanState {
    var last = initial.words
    advance(network, scheme: scheme, steps: steps, from: initial, seed: seed, observeEvery: max(1, steps)) { state in
      for w in last.indices { last[w] = state[w] }
    }
    return BooleanState(words: last, count: initial.count)
  }

  /// Calls `observe` with step 0 and then every `observeEvery`-th state (always the last one).
  static func advance(
    _ network: BooleanNetwork, scheme: UpdateScheme, steps: Int, from initial: BooleanState, seed: UInt64,
    observeEvery: Int = 1, inputs: BooleanInputProtocol? = nil, observe: (UnsafePointer<UInt64>) -> Void
  ) {
    precondition(initial.count == network.count, "the state has \(initial.count) nodes, the network \(network.count)")
    let kernel = network.kernel
    let n = network.count
    var current = initial.words
    var next = current
    var generator = Xoshiro256StarStar(seed: seed)
    current.withUnsafeMutableBufferPointer { currentBuffer in
      next.withUnsafeMutableBufferPointer { nextBuffer in
        var x = currentBuffer.baseAddress!, y = nextBuffer.baseAddress!
        inputs?.apply(step: 0, to: x)
        observe(x)
        if steps == 0 { return }
        for t in 1...steps {
          switch scheme {
          case .synchronous:
            kernel.step(x, into: y)
            swap(&x, &y)
          case .asynchronous:
            let i = generator.next(below: n)
            let w = i >> 6, mask: UInt64 = 1 << UInt64(i & 63)
            if kernel.evaluate(i, x) { x[w] |= mask } else { x[w] &= ~mask }
          }
          inputs?.apply(step: t, to: x)
          if t % observeEvery == 0 || t == steps { observe(x) }
        }
      }
    }
  }
}
