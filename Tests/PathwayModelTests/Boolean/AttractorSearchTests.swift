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

  @Test("steady states of a 200-node network: constraint propagation and decision diagrams agree")
  func steadyStatesLarge() throws {
    let network = randomNetwork(nodes: 200, degree: 2, inputs: 10, seed: 5)
    let states = try SteadyStates.all(network, limit: 1 << 20)
    #expect(Set(states).count == states.count)
    #expect(states.allSatisfy(network.isSteadyState))
    // Independently: the set where no node can change, counted on a decision diagram.
    var graph = SymbolicSearch.AsynchronousGraph(Subnetwork(network, free: Array(0..<200), fixed: [:]), nodeLimit: 1 << 22)
    var steady = BDD.one
    for p in graph.movable { steady = graph.bdd.diff(steady, graph.canFlip[p]) }
    let exhausted = graph.bdd.exhausted
    let count = graph.bdd.count(steady, counted: [Bool](repeating: true, count: 200))
    #expect(!exhausted)
    #expect(count == Double(states.count))
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

  @Test("sampled asynchronous search: all steady states, verified complex attractors")
  func sampledAsynchronous() throws {
    for seed: UInt64 in 1...4 {
      let network = randomNetwork(nodes: 10, degree: 2, seed: 500 + seed)
      let sampled = try AttractorSearch.find(
        in: network, scheme: .asynchronous, options: .init(strategy: .sampled(samples: 200, seed: seed), listLimit: 1024))
      let exhaustive = try AttractorSearch.find(in: network, scheme: .asynchronous, options: .init(listLimit: 1024))
      #expect(sampled.steadyStates == exhaustive.steadyStates)
      let known = Set(exhaustive.attractors.map(integerStates))
      for a in sampled.attractors { #expect(known.contains(integerStates(a))) }
    }
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
