import Foundation
import Testing

@testable import PathwayModel

@Suite("Boolean simulation")
struct BooleanSimulationTests {
  @Test("a synchronous step updates every node from the same state")
  func synchronousStep() throws {
    let network = try BooleanNetwork(model: try ModelLoader.load(BooleanReference.modelPath("cellcycle")))
    let naive = NaiveDynamics(network: network)
    for s in 0..<(1 << network.count) {
      let state = BooleanState((0..<network.count).map { s >> $0 & 1 == 1 })
      #expect(network.successor(of: state).description == naive.text(naive.successor(s)))
    }
  }

  @Test("states of more than 64 nodes pack into words, compare, order and print")
  func wideStates() {
    var state = BooleanState(count: 150)
    for i in [0, 63, 64, 149] { state[i] = true }
    #expect(state.words.count == 3 && state.onCount == 4)
    #expect(state.description.count == 150)
    #expect(BooleanState(state.description) == state)
    #expect(BooleanState(count: 150) < state)
    var generator = Xoshiro256StarStar(seed: 1)
    let random = BooleanState.random(count: 150, using: &generator)
    #expect(random.words[2] >> 22 == 0, "bits past the last node stay clear")
    #expect(BooleanState("01x") == nil)
  }

  @Test("rules beyond 20 regulators run as bit programs")
  func wideRule() throws {
    let names = (0..<24).map { "g\($0)" }
    var text = names.map { "\($0), \($0)" }.joined(separator: "\n")
    text += "\nout, " + names.map { $0 }.joined(separator: " & ") + " | (g0 & !g1)\n"
    let network = try BooleanNetwork(model: try BNetReader.read(text: text, file: "wide.bnet"))
    guard case .program = network.functions[24].form else {
      Issue.record("a 24-regulator rule should be a bit program")
      return
    }
    var all = BooleanState(count: 25)
    for i in 0..<24 { all[i] = true }
    #expect(network.successor(of: all)[24] == true)
    all[5] = false
    #expect(network.successor(of: all)[24] == false)
    all[1] = false
    #expect(network.successor(of: all)[24] == true)
  }

  @Test("asynchronous runs change at most one node per step, choose nodes uniformly, and repeat per seed")
  func asynchronous() throws {
    // Every node negates itself: each step flips exactly the chosen node.
    let n = 10
    let functions = (0..<n).map { i in BooleanFunction.table(regulators: [i]) { $0 == 0 } }
    let network = BooleanNetwork(names: (0..<n).map { "n\($0)" }, functions: functions)
    let steps = 100_000
    let run = BooleanSimulator.run(network, scheme: .asynchronous, steps: steps, from: network.initialState, seed: 42)
    #expect(run.rowCount == steps + 1 && run.seed == 42)
    var counts = [Int](repeating: 0, count: n)
    for t in 1...steps {
      let changed = (0..<n).filter { run.value(row: t, node: $0) != run.value(row: t - 1, node: $0) }
      #expect(changed.count == 1)
      if let i = changed.first { counts[i] += 1 }
    }
    let expected = Double(steps) / Double(n)
    let chiSquare = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
    #expect(chiSquare < 30, "node choices are not uniform: \(counts)")  // χ²(9): p ≈ 0.0004
    let again = BooleanSimulator.run(network, scheme: .asynchronous, steps: 1000, from: network.initialState, seed: 42)
    let other = BooleanSimulator.run(network, scheme: .asynchronous, steps: 1000, from: network.initialState, seed: 43)
    #expect(again.words == Array(run.words.prefix(again.words.count)))
    #expect(other.words != again.words)
  }

  @Test("a 200-node random network (in-degree 3) runs 10^6 synchronous steps")
  func millionSteps() throws {
    let network = randomNetwork(nodes: 200, degree: 3, seed: 2024)
    var generator = Xoshiro256StarStar(seed: 3)
    let start = BooleanState.random(count: 200, using: &generator)
    // The first steps agree with the independent evaluator.
    let recorded = BooleanSimulator.run(network, scheme: .synchronous, steps: 100, from: start)
    var x = start
    for t in 0...100 {
      #expect(recorded.state(at: t) == x)
      x = BooleanState((0..<200).map { i in
        let f = network.functions[i]
        return f.evaluate { x[f.regulators[$0]] }
      })
    }
    // 10^6 steps in release builds; a tenth in debug builds, where a step is ~30 times slower
    // (the CLI's 10^6 steps are measured by Benchmarks/boolean-vs-boolnet.sh).
    #if DEBUG
      let steps = 100_000
    #else
      let steps = 1_000_000
    #endif
    let clock = ContinuousClock()
    var final = start
    let elapsed = clock.measure {
      final = BooleanSimulator.finalState(network, scheme: .synchronous, steps: steps, from: start)
    }
    // Half and half again lands on the same state.
    let half = BooleanSimulator.finalState(network, scheme: .synchronous, steps: steps / 2, from: start)
    #expect(BooleanSimulator.finalState(network, scheme: .synchronous, steps: steps / 2, from: half) == final)
    print("200 nodes, \(steps) synchronous steps: \(elapsed)")
  }

  @Test("a sampled attractor search of the 200-node network finishes with true cycles only")
  func sampledLargeNetwork() throws {
    let network = randomNetwork(nodes: 200, degree: 3, seed: 2024)
    let samples = 16
    let found = try AttractorSearch.find(
      in: network, scheme: .synchronous,
      options: .init(strategy: .sampled(samples: samples, seed: 1), maximumSteps: 20_000))
    let resolved = found.attractors.reduce(0.0) { $0 + ($1.basinFraction ?? 0) } * Double(samples)
    #expect(Int(resolved.rounded()) + found.unresolvedSamples == samples)
    for a in found.attractors {
      for (j, state) in a.states.enumerated() {
        #expect(network.successor(of: state) == a.states[(j + 1) % a.states.count])
      }
    }
    // The asynchronous sampled search finds every steady state and only verified attractors.
    // This network is chaotic: a walk's forward set grows without end, so verification gives up
    // at its diagram budget (kept small here: at the default 2^24 nodes a debug build spent
    // minutes getting there) and the walk counts as unresolved.
    let asynchronous = try AttractorSearch.find(
      in: network, scheme: .asynchronous,
      options: .init(strategy: .sampled(samples: 4, seed: 1), maximumSteps: 2000, symbolicNodeLimit: 1 << 16))
    #expect(asynchronous.attractors.filter { $0.kind == .fixed }.allSatisfy { network.isSteadyState($0.states[0]) })
    let walksEnded = asynchronous.attractors.reduce(0.0) { $0 + ($1.basinFraction ?? 0) } * 4
    #expect(Int(walksEnded.rounded()) + asynchronous.unresolvedSamples == 4)
  }

  @Test("pins hold from step 0; inputs keep their value")
  func pinsInRuns() throws {
    let model = try BNetReader.read(text: "L, L\nA, L & !B\nB, A\n", file: "t.bnet")
    var start = BooleanState(count: 3)
    start[0] = true
    let network = try BooleanNetwork(model: model).pinned([2: false])
    let run = BooleanSimulator.run(network, scheme: .synchronous, steps: 4, from: network.applyingPins(to: start))
    for t in 0...4 {
      #expect(run.value(row: t, node: 0) && !run.value(row: t, node: 2))
    }
    #expect(run.value(row: 1, node: 1))
  }

  @Test("initial states from files: a 0/1 string, NODE = value lines, or a trajectory's last row")
  func initialStateFiles() throws {
    let names = ["A", "B", "C"]
    let base = BooleanState(count: 3)
    #expect(try BooleanSetup.initialState(file: try temporaryFile("s.txt", "101\n"), names: names, base: base).description == "101")
    #expect(
      try BooleanSetup.initialState(file: try temporaryFile("s.txt", "# on\nB = 1\nC: 1\n"), names: names, base: base)
        .description == "011")
    #expect(
      try BooleanSetup.initialState(file: try temporaryFile("t.csv", "step,A,B,C\n0,0,0,0\n1,1,1,0\n"), names: names, base: base)
        .description == "110")
    let wrong = pathwayError { _ = try BooleanSetup.initialState(file: try temporaryFile("s.txt", "D = 1\n"), names: names, base: base) }
    #expect(wrong?.exitCode == 65)
    #expect(wrong?.diagnostics.first?.location?.line == 1)
    let short = pathwayError { _ = try BooleanSetup.initialState(file: try temporaryFile("s.txt", "10\n"), names: names, base: base) }
    #expect(short?.exitCode == 65)
  }

  @Test("seeded generators repeat across runs and streams differ")
  func seededRandom() {
    var a = Xoshiro256StarStar(seed: 123), b = Xoshiro256StarStar(seed: 123)
    #expect((0..<8).map { _ in a.next() } == (0..<8).map { _ in b.next() })
    var s0 = Xoshiro256StarStar(seed: 123, stream: 0), s1 = Xoshiro256StarStar(seed: 123, stream: 1)
    #expect(s0.next() != s1.next())
    var splitmix = SplitMix64(seed: 0)
    #expect(splitmix.next() == 0xE220_A839_7B1D_CDAF, "SplitMix64 reference value for seed 0")
    var g = Xoshiro256StarStar(seed: 9)
    var counts = [0, 0, 0]
    for _ in 0..<30_000 { counts[g.next(below: 3)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 600 })
  }
}
