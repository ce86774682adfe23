import Foundation
import Testing

@testable import PathwayModel

/// Continuous-time asynchronous Boolean runs and ensembles of runs, against the closed forms of
/// small Markov chains. Each share of N runs is binomial: it must lie within 5 standard
/// deviations, sqrt(p(1 − p)/N), of the exact probability (a false alarm once in 1.7 million).
@Suite("Boolean ensembles and continuous time")
struct BooleanEnsembleTests {
  static func model(_ text: String) throws -> Model {
    try NativeModelReader.read(text: text, file: "m.yaml")
  }

  /// u (input, ON); B = u with τ = 2; X = !X with τ = 1.
  static let chain = """
    nodes:
      u: {kind: input, initial: 1}
      B: {rule: u, tau: 2, initial: 0}
      X: {rule: "!X", initial: 0}
    """

  /// `runs` continuous-time runs of `chain` from its initial state.
  static func continuous(
    times: [Double], runs: Int, seed: UInt64, inputs: [(node: Int, stimulus: Stimulus)] = []
  ) throws -> BooleanEnsemble {
    let model = try Self.model(Self.chain)
    let network = try BooleanNetwork(model: model)
    let start = network.initialState
    return ContinuousTimeBoolean.ensemble(
      network, rates: ContinuousTimeBoolean.rates(of: model), times: times, runs: runs, seed: seed, initial: { _ in start },
      inputs: inputs)
  }

  static func within(_ share: Double, _ p: Double, runs: Int) -> Bool {
    abs(share - p) <= 5 * (p * (1 - p) / Double(runs)).squareRoot() + 1e-12
  }

  @Test("a node that disagrees flips at rate 1/τ: P(B) = 1 − e^(−t/2); the self-inhibitor is a telegraph process, (1 − e^(−2t))/2")
  func exponentialFlips() throws {
    let runs = 20_000
    let times = (0...8).map { Double($0) * 0.5 }
    let ensemble = try Self.continuous(times: times, runs: runs, seed: 11)
    for (row, t) in times.enumerated() {
      #expect(ensemble.fraction(row: row, node: 0) == 1)
      #expect(Self.within(ensemble.fraction(row: row, node: 1), 1 - exp(-t / 2), runs: runs), "B at \(t)")
      #expect(Self.within(ensemble.fraction(row: row, node: 2), (1 - exp(-2 * t)) / 2, runs: runs), "X at \(t)")
    }
    // Integer counts: the same for any split of the runs over threads, and run by run the same.
    #expect(try Self.continuous(times: times, runs: runs, seed: 11).counts == ensemble.counts)
  }

  @Test("rate_up and rate_down: a self-inhibitor turning ON at a and OFF at b is ON with probability a/(a+b)·(1 − e^(−(a+b)t))")
  func asymmetricRates() throws {
    let text = "nodes:\n  X: {rule: \"!X\", initial: 0, rate_up: 1, rate_down: 3}\n"
    let model = try Self.model(text)
    #expect(model.nodes[0].rateUp == 1 && model.nodes[0].rateDown == 3)
    #expect(try Self.model(NativeModelWriter.text(model)).nodes[0].rateDown == 3, "the writer keeps the rates")
    let network = try BooleanNetwork(model: model)
    let runs = 20_000
    let times = (0...6).map { Double($0) * 0.25 }
    let start = network.initialState
    let ensemble = ContinuousTimeBoolean.ensemble(
      network, rates: ContinuousTimeBoolean.rates(of: model), times: times, runs: runs, seed: 8, initial: { _ in start })
    for (row, t) in times.enumerated() {
      #expect(Self.within(ensemble.fraction(row: row, node: 0), 0.25 * (1 - exp(-4 * t)), runs: runs), "X at \(t)")
    }
    let error = pathwayError { _ = try Self.model("nodes:\n  X: {rule: \"!X\", rate_up: -1}\n") }
    #expect(error?.diagnostics.first?.message == "rate_up of 'X' must be a finite rate ≥ 0, found -1")
  }

  @Test("an input pulse on [1, 3) switches B on and off with its waiting times; a rising ramp switches at 0.5")
  func inputsInContinuousTime() throws {
    let runs = 20_000
    let times = (0...10).map { Double($0) * 0.5 }
    let ensemble = try Self.continuous(
      times: times, runs: runs, seed: 3, inputs: [(node: 0, stimulus: .pulse(start: 1, end: 3, dose: 1, baseline: 0))])
    for (row, t) in times.enumerated() {
      let on: Double = t >= 1 && t < 3 ? 1 : 0
      #expect(ensemble.fraction(row: row, node: 0) == on, "u at \(t)")
      let p = t < 1 ? 0 : t < 3 ? 1 - exp(-(t - 1) / 2) : (1 - exp(-1)) * exp(-(t - 3) / 2)
      #expect(Self.within(ensemble.fraction(row: row, node: 1), p, runs: runs), "B at \(t)")
    }
    let ramp = ContinuousTimeBoolean.inputChanges([(node: 0, stimulus: .ramp(start: 0, end: 4, from: 0, to: 1))], start: 0, end: 5)
    #expect(ramp.map(\.time) == [0, 2] && ramp.map(\.on) == [false, true])
    let falling = ContinuousTimeBoolean.inputChanges([(node: 0, stimulus: .ramp(start: 0, end: 4, from: 1, to: 0))], start: 0, end: 5)
    #expect(falling.map(\.on) == [true, false] && falling[1].time == (2.0).nextUp, "the dose at 2 is 0.5: still ON")
    let atEnd = ContinuousTimeBoolean.inputChanges([(node: 0, stimulus: .step(at: 5, dose: 1, baseline: 0))], start: 0, end: 5)
    #expect(atEnd.map(\.time) == [0, 5], "a change at the last output time shows in it")
  }

  @Test("asynchronous steps: B = u is updated within k steps with probability 1 − (2/3)^k; run 0 is the single run")
  func asynchronousEnsemble() throws {
    let network = try BooleanNetwork(model: try Self.model(Self.chain))
    let runs = 20_000
    let start = network.initialState
    let ensemble = BooleanSimulator.ensemble(
      network, scheme: .asynchronous, steps: 6, runs: runs, seed: 5, initial: { _ in start })
    for k in 0...6 {
      #expect(Self.within(ensemble.fraction(row: k, node: 1), 1 - pow(2.0 / 3, Double(k)), runs: runs), "step \(k)")
    }
    let single = BooleanSimulator.run(network, scheme: .asynchronous, steps: 6, from: start, seed: 5)
    let one = BooleanSimulator.ensemble(network, scheme: .asynchronous, steps: 6, runs: 1, seed: 5, initial: { _ in start })
    for k in 0...6 {
      for i in 0..<3 { #expect(one.fraction(row: k, node: i) == (single.value(row: k, node: i) ? 1 : 0)) }
    }
  }
}
