import Foundation
import Testing

@testable import PathwayModel

@Suite("Attractor search")
struct AttractorSearchTests {
  @Test("the 32×32 bit transpose used to read 64 successors at once")
  func transpose() {
    var generator = Xoshiro256StarStar(seed: 11)
    var rows = (0..<32).map { _ in generator.next() }
    let original = rows
    rows.withUnsafeMutableBufferPointer { ExplicitStateSpace.transpose32x2($0.baseAddress!) }
    for i in 0..<32 {
      for c in 0..<32 {
        #expect(rows[c] >> UInt64(i) & 1 == original[i] >> UInt64(c) & 1)
        #expect(rows[c] >> UInt64(32 + i) & 1 == original[i] >> UInt64(32 + c) & 1)
      }
    }
  }

  @Test("exhaustive synchronous search: every cycle and exact basin, as following every state gives", arguments: 1...6)
  func exhaustiveSynchronous(seed: UInt64) throws {
    let network = randomNetwork(nodes: 11, degree: Int(seed % 3) + 1, inputs: Int(seed % 3), seed: seed)
    let found = try AttractorSearch.find(in: network, scheme: .synchronous, options: .init(strategy: .exhaustive))
    let want = NaiveDynamics(network: network).synchronousAttractors()
    var have: [[String]: Int] = [:]
    for a in found.attractors {
      let cycle = a.states.map(\.description)
      #expect(cycle == canonicalCycle(cycle), "cycles start at their smallest state")
      #expect(a.kind == (cycle.count == 1 ? .fixed : .cycle))
      for (j, state) in a.states.enumerated() {
        #expect(network.successor(of: state) == a.states[(j + 1) % a.states.count], "cycles are in update order")
      }
      have[cycle] = a.basin
    }
    #expect(have == want)
  }

  @Test("exhaustive asynchronous search: the terminal SCCs that brute-force reachability gives", arguments: 1...6)
  func exhaustiveAsynchronous(seed: UInt64) throws {
    let network = randomNetwork(nodes: 8, degree: 2 + Int(seed % 2), inputs: Int(seed % 2), seed: 100 + seed)
    let found = try AttractorSearch.find(
      in: network, scheme: .asynchronous, options: .init(strategy: .exhaustive, listLimit: 1 << 8))
    let want = NaiveDynamics(network: network).asynchronousAttractors()
    #expect(Set(found.attractors.map(integerStates)) == want)
    for a in found.attractors {
      #expect(a.size == Double(a.states.count))
      #expect(a.kind == (a.size == 1 ? .fixed : .complex))
    }
  }

  @Test("exhaustive searches report their progress up to the whole space, without changing the answer")
  func exhaustiveProgress() throws {
    // 2^21 states, one block (no inputs): several progress reports from the parallel fill and the search.
    for (scheme, nodes) in [(UpdateScheme.synchronous, 21), (.asynchronous, 20)] {
      let network = randomNetwork(nodes: nodes, degree: 3, seed: 77)
      let fractions = Reports<Double>()
      var options = AttractorSearch.Options(strategy: .exhaustive)
      options.progress = { fractions.add($0) }
      let reported = try AttractorSearch.find(in: network, scheme: scheme, options: options)
      let quiet = try AttractorSearch.find(in: network, scheme: scheme, options: .init(strategy: .exhaustive))
      #expect(reported.attractors == quiet.attractors)
      #expect(fractions.values.count >= 3, "\(scheme): \(fractions.values)")
      #expect(fractions.values.allSatisfy { $0 > 0 && $0 <= 1 })
      #expect(fractions.values.max() == 1)
    }
  }

  @Test(
    "the exact search (inputs, percolation, pruning, decision diagrams) agrees with the exhaustive one",
    arguments: 1...8)
  func exactAgreesWithExhaustive(seed: UInt64) throws {
    var network = randomNetwork(nodes: 14, degree: 2, inputs: Int(seed % 3), seed: 200 + seed)
    if seed % 2 == 0 { network = network.pinned([5: true, 9: false]) }
    // Exhaustive limits of 2 nodes force every part through the decision diagrams.
    let forced = AttractorSearch.Options(synchronousExhaustiveLimit: 2, asynchronousExhaustiveLimit: 2)
    for scheme in UpdateScheme.allCases {
      let exhaustive = try AttractorSearch.find(
        in: network, scheme: scheme, options: .init(strategy: .exhaustive, listLimit: 1 << 14))
      let exact = try AttractorSearch.find(in: network, scheme: scheme, options: {
        var o = forced
        o.listLimit = 1 << 14
        return o
      }())
      #expect(exact.method.hasPrefix("exact"), "\(exact.method)")
      #expect(exact.complete)
      switch scheme {
      case .synchronous:
        #expect(Set(exact.attractors.map { $0.states }) == Set(exhaustive.attractors.map { $0.states }), "seed \(seed)")
        #expect(exact.attractors.allSatisfy { $0.basin == nil })
      case .asynchronous:
        #expect(Set(exact.attractors.map(integerStates)) == Set(exhaustive.attractors.map(integerStates)), "seed \(seed)")
        for a in exact.attractors where a.kind == .complex {
          let twin = exhaustive.attractors.first { integerStates($0) == integerStates(a) }
          #expect(twin?.size == a.size && twin?.subspace == a.subspace)
        }
      }
    }
  }

  @Test("recurrent states by images give the cycles the explicit search gives", arguments: 1...4)
  func imagesAgree(seed: UInt64) throws {
    let network = randomNetwork(nodes: 12, degree: 3, seed: 300 + seed)
    let sub = Subnetwork(network, free: Array(0..<12), fixed: [:])
    let byImages = try SymbolicSearch.synchronousCyclesByImages(sub, nodeLimit: 1 << 20, explicitThreshold: 8)
    let byBasins = try SymbolicSearch.synchronousCyclesByBasins(sub, nodeLimit: 1 << 20, maximumCycleLength: 1 << 12)
    let naive = NaiveDynamics(network: network).synchronousAttractors()
    func canonical(_ cycles: [[[Bool]]]) -> Set<[String]> {
      Set(cycles.map { canonicalCycle($0.map { state in String(state.map { $0 ? "1" : "0" }) }) })
    }
    #expect(canonical(byImages) == Set(naive.keys))
    #expect(canonical(byBasins) == Set(naive.keys))
  }

  @Test("steady states by constraint propagation equal the fixed points of the state space", arguments: 1...6)
  func steadyStates(seed: UInt64) throws {
    let network = randomNetwork(nodes: 14, degree: 1 + Int(seed % 3), inputs: Int(seed % 4), seed: 400 + seed)
    let propagated = try SteadyStates.all(network, limit: 1 << 14)
    let naive = NaiveDynamics(network: network)
    let fixed = (0..<(1 << 14)).filter { naive.successor($0) == $0 }.map(naive.text)
    #expect(propagated.map(\.description) == fixed.sorted())
  }

  // A decision diagram of all 200 constraints outgrows any budget (in file order and in the
  // FORCE order alike: the conjunction of random constraints has no narrow cut), and debug
  // builds spent minutes finding that out. The two checks below split what the former test
  // claimed: agreement with decision diagrams where they fit, and completeness on 200 nodes
  // against a brute force that does fit (a network made of independent 10-node blocks).
  @Test("steady states by constraint propagation and by decision diagrams agree (60 nodes)", arguments: 1...3)
  func steadyStatesSymbolic(seed: UInt64) throws {
    let network = randomNetwork(nodes: 60, degree: 2, inputs: 4, seed: 5 + seed)
    let states = try SteadyStates.all(network, limit: 1 << 20)
    #expect(Set(states).count == states.count)
    #expect(states.allSatisfy(network.isSteadyState))
    // Independently: the set where no node can change, on a decision diagram.
    let sub = SymbolicSearch.ordered(Subnetwork(network, free: Array(0..<60), fixed: [:]))
    var graph = SymbolicSearch.AsynchronousGraph(sub, nodeLimit: 1 << 22)
    var steady = BDD.one
    for p in graph.movable { steady = graph.bdd.diff(steady, graph.canFlip[p]) }
    let exhausted = graph.bdd.exhausted
    #expect(!exhausted)
    let listed = graph.bdd.assignments(steady, counted: Array(0..<60), limit: 1 << 20).map { sub.fullState($0) }
    #expect(Set(listed) == Set(states))
    #expect(!states.isEmpty || listed.isEmpty)
  }

  @Test("steady states of a 200-node network: every one, as the product of its independent blocks")
  func steadyStatesLarge() throws {
    // 20 blocks of 10 nodes with no edge between blocks, each with one or two steady states
    // (at most 8 with two), chosen by seed; the network's steady states are the product of the
    // blocks' ones, found by brute force over each block's 1024 states.
    var functions: [BooleanFunction] = []
    var blockStates: [[Int]] = []
    var seed: UInt64 = 1000
    var doubles = 0
    while blockStates.count < 20 {
      seed += 1
      let block = randomNetwork(nodes: 10, degree: 3, inputs: 0, seed: seed)
      let naive = NaiveDynamics(network: block)
      let fixed = (0..<1024).filter { naive.successor($0) == $0 }
      guard fixed.count == 1 || (fixed.count == 2 && doubles < 8) else { continue }
      if fixed.count == 2 { doubles += 1 }
      let offset = 10 * blockStates.count
      functions += block.functions.map { $0.restricted(constants: [:]) { $0 + offset } }
      blockStates.append(fixed)
    }
    let network = BooleanNetwork(names: (0..<200).map { "x\($0)" }, functions: functions)
    var want: Set<BooleanState> = [BooleanState(count: 200)]
    for (k, fixed) in blockStates.enumerated() {
      want = Set(want.flatMap { partial in
        fixed.map { s in
          var state = partial
          for b in 0..<10 where s >> b & 1 == 1 { state[10 * k + b] = true }
          return state
        }
      })
    }
    #expect(want.count == 1 << doubles && doubles > 0)
    let states = try SteadyStates.all(network, limit: 1 << 20)
    #expect(states.count == want.count)
    #expect(Set(states) == want)
  }

  @Test("sampled synchronous search: real attractors only, basin fractions estimate basin sizes")
  func sampledSynchronous() throws {
    let network = randomNetwork(nodes: 12, degree: 2, seed: 21)
    let samples = 4000
    let sampled = try AttractorSearch.find(
      in: network, scheme: .synchronous, options: .init(strategy: .sampled(samples: samples, seed: 9)))
    let exhaustive = try AttractorSearch.find(in: network, scheme: .synchronous)
    #expect(!sampled.complete && sampled.samples == samples && sampled.seed == 9)
    let basins = Dictionary(uniqueKeysWithValues: exhaustive.attractors.map { ($0.states, $0.basin!) })
    for a in sampled.attractors {
      let basin = try #require(basins[a.states], "a sampled attractor the exhaustive search does not know")
      let p = Double(basin) / 4096
      let sigma = (p * (1 - p) / Double(samples)).squareRoot()
      #expect(abs(try #require(a.basinFraction) - p) <= 5 * sigma + 1e-9)
    }
    // Attractors holding more than 1% of the space are all found.
    for (states, basin) in basins where basin > 41 {
      #expect(sampled.attractors.contains { $0.states == states })
    }
    let again = try AttractorSearch.find(
      in: network, scheme: .synchronous, options: .init(strategy: .sampled(samples: samples, seed: 9)))
    #expect(again.attractors == sampled.attractors, "the same seed gives the same result")
  }

  // Walks of 2000 steps on 1024 states: the default 100,000 steps per walk took minutes in a
  // debug build (every walk that lands in a complex attractor runs to the end).
  @Test("sampled asynchronous search: all steady states, verified complex attractors")
  func sampledAsynchronous() throws {
    var complexFound = 0
    for seed: UInt64 in 1...4 {
      let network = randomNetwork(nodes: 10, degree: 2, seed: 500 + seed)
      let sampled = try AttractorSearch.find(
        in: network, scheme: .asynchronous,
        options: .init(strategy: .sampled(samples: 200, seed: seed), listLimit: 1024, maximumSteps: 2000))
      let exhaustive = try AttractorSearch.find(in: network, scheme: .asynchronous, options: .init(listLimit: 1024))
      #expect(sampled.steadyStates == exhaustive.steadyStates)
      let known = Set(exhaustive.attractors.map(integerStates))
      for a in sampled.attractors { #expect(known.contains(integerStates(a))) }
      complexFound += sampled.attractors.filter { $0.kind == .complex }.count
      #expect(sampled.unresolvedSamples == 0)
    }
    #expect(complexFound > 0, "the networks exercise the verification of complex attractors")
  }

  @Test("sampled asynchronous search past its verification budget: walk ends unresolved, never an empty attractor")
  func sampledAsynchronousOverBudget() throws {
    // A diagram budget too small to verify anything on a 60-node random network: every walk end
    // that is not a steady state is unresolved, and verification stops after three in a row.
    let network = randomNetwork(nodes: 60, degree: 3, seed: 7)
    let found = try AttractorSearch.find(
      in: network, scheme: .asynchronous,
      options: .init(strategy: .sampled(samples: 20, seed: 3), maximumSteps: 500, symbolicWorkLimit: 1 << 12))
    #expect(found.attractors.allSatisfy { $0.size >= 1 && !$0.states.isEmpty }, "\(found.attractors)")
    let hits = found.attractors.reduce(0.0) { $0 + ($1.basinFraction ?? 0) } * 20
    #expect(Int(hits.rounded()) + found.unresolvedSamples == 20)
    #expect(found.unresolvedSamples > 3)
    #expect(found.method.contains("verification stopped after 3 walk ends in a row"), "\(found.method)")
  }

  @Test("an exhaustive search too large for memory stops with exit 64 and suggests sampling")
  func tooLargeForExhaustive() throws {
    let network = randomNetwork(nodes: 31, degree: 2, seed: 1)
    let error = try #require(
      pathwayError { _ = try AttractorSearch.find(in: network, scheme: .synchronous, options: .init(strategy: .exhaustive)) })
    #expect(error.exitCode == 64)
    #expect(error.diagnostics[0].notes.contains { $0.contains("--samples") })
    let asyncError = pathwayError {
      _ = try AttractorSearch.find(in: randomNetwork(nodes: 23, degree: 2, seed: 1), scheme: .asynchronous, options: .init(strategy: .exhaustive))
    }
    #expect(asyncError?.exitCode == 64)
  }

  @Test("an exact search that outgrows its decision-diagram budget stops with exit 64")
  func budgetExceeded() throws {
    let network = randomNetwork(nodes: 40, degree: 3, seed: 2)
    let options = AttractorSearch.Options(symbolicNodeLimit: 64)
    for scheme in UpdateScheme.allCases {
      let error = pathwayError { _ = try AttractorSearch.find(in: network, scheme: scheme, options: options) }
      #expect(error?.exitCode == 64)
      #expect(error?.diagnostics.first?.notes.contains { $0.contains("--samples") } == true)
    }
  }

  @Test("knockouts and over-expressions pin nodes; unknown or contradictory names are refused")
  func pins() throws {
    let model = try BNetReader.read(text: "A, A\nB, A & !C\nC, B\n", file: "p.bnet")
    let (pins, warnings) = try BooleanSetup.pins(knockout: ["C"], overexpress: ["A"], model: model)
    #expect(pins == [2: false, 0: true] && warnings.isEmpty)
    let network = try BooleanNetwork(model: model).pinned(pins)
    let found = try AttractorSearch.find(in: network, scheme: .synchronous)
    #expect(found.attractors.map { $0.states.map(\.description) } == [["110"]])
    #expect(found.pins == ["A": true, "C": false])
    #expect(network.initialState.description == "100")

    let unknown = try #require(pathwayError { _ = try BooleanSetup.pins(knockout: ["Bb"], overexpress: [], model: model) })
    #expect(unknown.exitCode == 64)
    #expect(unknown.diagnostics[0].notes.contains { $0.contains("'B'") })
    let both = pathwayError { _ = try BooleanSetup.pins(knockout: ["B"], overexpress: ["B"], model: model) }
    #expect(both?.exitCode == 64)
  }

  @Test("scenario perturbations pin nodes; scalings are reported, not ignored silently")
  func scenarioPins() throws {
    let model = try BNetReader.read(text: "A, A\nB, A & !C\nC, B\n", file: "p.bnet")
    var scenario = Scenario()
    let here = PathwayModel.SourceLocation(file: "s.yaml", line: 3, column: 5)
    scenario.perturbations = [
      .actions([LocatedAction(action: .pin(node: "B", level: 0.9), location: here),
                LocatedAction(action: .scale(node: "C", factor: 0.5), location: here)], here),
    ]
    let (pins, warnings) = try BooleanSetup.pins(knockout: [], overexpress: [], scenario: scenario, model: model)
    #expect(pins == [1: true])
    #expect(warnings.count == 1 && warnings[0].severity == .warning)
    scenario.perturbations = [.actions([LocatedAction(action: .pin(node: "Q", level: 0), location: here)], here)]
    let error = pathwayError { _ = try BooleanSetup.pins(knockout: [], overexpress: [], scenario: scenario, model: model) }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.location == here)
  }
}
