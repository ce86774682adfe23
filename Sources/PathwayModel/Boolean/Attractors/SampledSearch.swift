/// Attractors reached from seeded random initial states, for networks too large for an exact
/// search.
///
/// Sample k draws its initial state from `Xoshiro256StarStar(seed:stream: k)`, so the result
/// depends on the seed and the number of samples only, not on how samples are spread over
/// threads.
///
/// - Synchronous: each sample follows x, F(x), F²(x), … with Brent's cycle detection (constant
///   memory) until the cycle closes or `maximumSteps` is reached (then it is unresolved).
///   An attractor's `basinFraction` estimates the share of the state space that reaches it.
/// - Asynchronous: steady states are found exactly (`SteadyStates`); each sample then walks at
///   random, flipping one node chosen among those that can change, for `maximumSteps` steps.
///   A walk that ends away from a steady state proposes a complex attractor, kept only when a
///   symbolic check proves that its forward reachable set is strongly connected (a terminal
///   SCC). `basinFraction` is the share of walks that ended in the attractor.
enum SampledSearch {
  static func run(
    _ network: BooleanNetwork, scheme: UpdateScheme, samples: Int, seed: UInt64, options: AttractorSearch.Options
  ) throws(PathwayError) -> AttractorSet {
    switch scheme {
    case .synchronous: return synchronous(network, samples: samples, seed: seed, options: options)
    case .asynchronous: return try asynchronous(network, samples: samples, seed: seed, options: options)
    }
  }

  // MARK: - Synchronous

  private static func synchronous(
    _ network: BooleanNetwork, samples: Int, seed: UInt64, options: AttractorSearch.Options
  ) -> AttractorSet {
    let progress = options.progress.map(SearchProgress.init)
    progress?.start(total: samples)
    let results = parallelMap(samples, progress: progress) { k -> [BooleanState]? in
      var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(k))
      let start = BooleanState.random(count: network.count, using: &generator)
      return cycle(network, from: start, maximumSteps: options.maximumSteps)
    }
    var reached: [BooleanState: (cycle: [BooleanState], hits: Int)] = [:]
    var unresolved = 0
    for result in results {
      guard let cycle = result else {
        unresolved += 1
        continue
      }
      let attractor = Attractor.synchronousCycle(cycle)
      reached[attractor.states[0], default: (attractor.states, 0)].hits += 1
    }
    let attractors = reached.values.map { entry in
      var a = Attractor.synchronousCycle(entry.cycle)
      a.basinFraction = Double(entry.hits) / Double(samples)
      return a
    }
    return AttractorSet(
      nodes: network.names, scheme: .synchronous, attractors: attractors, complete: false,
      method: "sampled: \(samples) random initial states, at most \(options.maximumSteps) steps each",
      samples: samples, seed: seed, unresolvedSamples: unresolved)
  }

  /// The cycle the synchronous trajectory from `start` ends in (in update order), or nil when it
  /// does not close within `maximumSteps` (Brent 1980: the tortoise jumps to the hare at powers
  /// of two; λ counts the hare's steps since).
  static func cycle(_ network: BooleanNetwork, from start: BooleanState, maximumSteps: Int) -> [BooleanState]? {
    let kernel = network.kernel
    let w = kernel.wordCount
    var buffer = [UInt64](repeating: 0, count: 3 * w)
    return buffer.withUnsafeMutableBufferPointer { b -> [BooleanState]? in
      let base = b.baseAddress!
      let tortoise = base
      var hare = base + w, spare = base + 2 * w
      start.withUnsafeWords { tortoise.update(from: $0, count: w) }
      kernel.step(tortoise, into: hare)
      var steps = 1
      var power = 1, lambda = 1
      func equal() -> Bool {
        for i in 0..<w where tortoise[i] != hare[i] { return false }
        return true
      }
      while !equal() {
        if power == lambda {
          tortoise.update(from: hare, count: w)
          power *= 2
          lambda = 0
        }
        kernel.step(hare, into: spare)
        swap(&hare, &spare)
        lambda += 1
        steps += 1
        if steps > maximumSteps { return nil }
      }
      var states: [BooleanState] = []
      states.reserveCapacity(lambda)
      for _ in 0..<lambda {
        states.append(BooleanState(words: Array(UnsafeBufferPointer(start: hare, count: w)), count: network.count))
        kernel.step(hare, into: spare)
        swap(&hare, &spare)
      }
      return states
    }
  }

  // MARK: - Asynchronous

  private static func asynchronous(
    _ network: BooleanNetwork, samples: Int, seed: UInt64, options: AttractorSearch.Options
  ) throws(PathwayError) -> AttractorSet {
    let steady: [BooleanState]
    do {
      steady = try SteadyStates.all(network, limit: options.maximumCycleStates)
    } catch {
      throw PathwayError(.usage, "the network has \(error.reason)", notes: ["pin some inputs with --knockout/--overexpress"])
    }
    let whole = Subnetwork(network, free: Array(0..<network.count), fixed: [:])
    let progress = options.progress.map(SearchProgress.init)
    progress?.start(total: samples)
    let endpoints = parallelMap(samples, progress: progress) { k -> [Bool] in
      var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(k))
      var state = (0..<network.count).map { _ in generator.next() & 1 == 1 }
      SymbolicSearch.randomWalk(whole, &state, steps: options.maximumSteps, &generator)
      return state
    }
    var hits: [BooleanState: Int] = [:]
    for s in steady { hits[s] = 0 }
    var complex: [(attractor: Attractor, set: BDD.Node, hits: Int)] = []
    var unresolved = 0
    // Each candidate gets an eighth of an exact search's budget (seconds, not a minute); after
    // `giveUpAfter` candidates in a row exceed it (a chaotic network, whose reachable sets never
    // settle), the rest are not tried: they count as unresolved, and the method says so.
    var verifier = Verifier(whole, nodeLimit: options.symbolicNodeLimit, workLimit: max(1 << 10, options.symbolicWorkLimit / 8))
    let giveUpAfter = 3
    var overBudgetInARow = 0
    var candidates = 0, skipped = 0
    for endpoint in endpoints {
      let state = whole.fullState(endpoint)
      if hits[state] != nil {
        hits[state]! += 1
        continue
      }
      // Each walk end gets the verifier's whole budget; a diagram whose table is full makes no cube.
      verifier.graph.bdd.startWork()
      let cube = verifier.cube(endpoint)
      guard cube != BDD.zero, !verifier.graph.bdd.exhausted else {
        unresolved += 1
        continue
      }
      if let known = complex.firstIndex(where: { verifier.contains($0.set, cube) }) {
        complex[known].hits += 1
        continue
      }
      if overBudgetInARow >= giveUpAfter {
        unresolved += 1
        skipped += 1
        continue
      }
      candidates += 1
      options.status?(
        "verifying walk end \(candidates) on decision diagrams: \(complex.count) complex attractor(s), \(unresolved) unresolved")
      // Reachability may compact the diagram: the known attractors' sets ride along.
      verifier.graph.anchors = complex.map(\.set)
      let result = verifier.terminalComponent(from: cube, listLimit: options.listLimit)
      for (k, set) in verifier.graph.anchors.enumerated() { complex[k].set = set }
      guard let found = result else {
        unresolved += 1
        overBudgetInARow = verifier.graph.bdd.exhausted ? overBudgetInARow + 1 : 0
        continue
      }
      overBudgetInARow = 0
      complex.append((found.attractor, found.set, 1))
    }
    var attractors = steady.map { s in
      Attractor(kind: .fixed, states: [s], size: 1, basinFraction: Double(hits[s]!) / Double(samples))
    }
    for entry in complex {
      var a = entry.attractor
      a.basinFraction = Double(entry.hits) / Double(samples)
      attractors.append(a)
    }
    let gaveUp = skipped == 0 ? "" : " (verification stopped after \(giveUpAfter) walk ends in a row exceeded its budget; "
      + "\(skipped) later walk end(s) were not verified and count as unresolved)"
    return AttractorSet(
      nodes: network.names, scheme: .asynchronous, attractors: attractors, complete: false,
      method: "sampled: all steady states by constraint propagation; \(samples) random walks of \(options.maximumSteps) steps, complex attractors verified on decision diagrams" + gaveUp,
      samples: samples, seed: seed, unresolvedSamples: unresolved)
  }

  /// Checks on decision diagrams that a state lies in a terminal SCC, and remembers the ones found.
  private struct Verifier: ~Copyable {
    let sub: Subnetwork
    var graph: SymbolicSearch.AsynchronousGraph

    init(_ sub: Subnetwork, nodeLimit: Int, workLimit: Int) {
      self.sub = sub
      graph = SymbolicSearch.AsynchronousGraph(sub, nodeLimit: nodeLimit, workLimit: workLimit)
    }

    mutating func cube(_ state: [Bool]) -> BDD.Node {
      graph.bdd.cube(state.enumerated().map { (level: $0.offset, value: $0.element) })
    }

    mutating func contains(_ set: BDD.Node, _ cube: BDD.Node) -> Bool { graph.bdd.isSubset(cube, of: set) }

    /// The attractor holding `start` when its forward set is strongly connected, else nil (also
    /// when the diagrams outgrow their budget).
    mutating func terminalComponent(from start: BDD.Node, listLimit: Int) -> (attractor: Attractor, set: BDD.Node)? {
      // Compactions renumber nodes: `start` and the forward set are anchored between the steps.
      let base = graph.anchors.count
      defer { graph.anchors.removeLast(graph.anchors.count - base) }
      graph.anchors.append(start)
      guard !graph.bdd.exhausted, let reached = try? graph.forward(from: start, within: BDD.one) else { return nil }
      graph.anchors.append(reached)
      guard let backward = try? graph.backward(from: graph.anchors[base], within: reached),
        backward == graph.anchors[base + 1], backward != BDD.zero, !graph.bdd.exhausted
      else { return nil }
      let forward = backward
      let m = sub.count
      let size = graph.bdd.count(forward, counted: [Bool](repeating: true, count: m))
      let states = graph.bdd.assignments(forward, counted: Array(0..<m), limit: listLimit).map { sub.fullState($0) }.sorted()
      let positions = graph.bdd.enclosingSubspace(forward)
      let attractor = Attractor(
        kind: size == 1 ? .fixed : .complex, states: states, size: size,
        subspace: size == 1 ? nil : AttractorSearch.subspace(positions, sub))
      return (attractor, forward)
    }
  }
}
