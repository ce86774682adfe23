import Foundation
import Testing

@testable import PathwayModel

/// Regressions found by differential testing against AEON and BoolNet (Tests/tools/boolean_difftest.py).
@Suite("Symbolic attractor search: regressions")
struct SymbolicSearchRegressionTests {
  /// Random networks as published models have them: constants, inputs, self-loops, repeated
  /// regulators, in-degree 1 to 4.
  static func mixedNetwork(nodes n: Int, seed: UInt64) -> BooleanNetwork {
    var generator = Xoshiro256StarStar(seed: seed)
    var functions: [BooleanFunction] = []
    for i in 0..<n {
      switch generator.next(below: 20) {
      case 0: functions.append(.table(regulators: []) { _ in false })
      case 1: functions.append(.table(regulators: []) { _ in true })
      case 2: functions.append(.identity(i))
      default:
        let k = 1 + generator.next(below: 4)
        var regulators = (0..<k).map { _ in generator.next(below: n) }
        if generator.next(below: 3) == 0 { regulators[0] = i }
        regulators = Array(Set(regulators)).sorted()
        let table = (0..<(1 << regulators.count)).map { _ in generator.next() & 1 == 1 }
        functions.append(.table(regulators: regulators) { table[$0] })
      }
    }
    return BooleanNetwork(names: (0..<n).map { "x\($0)" }, functions: functions)
  }

  // Reachability used to count its own garbage against the node budget and sweep every
  // variable in turn: published networks of 50-70 nodes (AEON: seconds) gave up after a minute.
  // Now it saturates (deepest variable first) and compacts the diagram mid-computation; a tiny
  // budget forces many compactions, whose renumbering must keep every set the search holds.
  @Test("asynchronous decision-diagram search with compactions agrees with the exhaustive one", arguments: 1...10)
  func compactingSearchAgrees(seed: UInt64) throws {
    var network = Self.mixedNetwork(nodes: 13, seed: 700 + seed)
    if seed % 3 == 0 { network = network.pinned([4: true]) }
    let exhaustive = try AttractorSearch.find(
      in: network, scheme: .asynchronous, options: .init(strategy: .exhaustive, listLimit: 1 << 13))
    var options = AttractorSearch.Options(asynchronousExhaustiveLimit: 0, symbolicNodeLimit: 1 << 11)
    options.listLimit = 1 << 13
    let exact = try AttractorSearch.find(in: network, scheme: .asynchronous, options: options)
    #expect(exact.method.contains("decision diagrams"), "\(exact.method)")
    #expect(Set(exact.attractors.map(integerStates)) == Set(exhaustive.attractors.map(integerStates)), "seed \(seed)")
    for a in exact.attractors {
      let twin = exhaustive.attractors.first { integerStates($0) == integerStates(a) }
      #expect(twin?.size == a.size && twin?.kind == a.kind && twin?.subspace == a.subspace)
    }
  }

  @Test("sampled asynchronous search with compactions: verified attractors are real ones", arguments: 1...3)
  func compactingVerifier(seed: UInt64) throws {
    let network = Self.mixedNetwork(nodes: 11, seed: 800 + seed)
    var options = AttractorSearch.Options(
      strategy: .sampled(samples: 60, seed: seed), listLimit: 1 << 11, maximumSteps: 500, symbolicNodeLimit: 1 << 10)
    options.listLimit = 1 << 11
    let sampled = try AttractorSearch.find(in: network, scheme: .asynchronous, options: options)
    let exhaustive = try AttractorSearch.find(
      in: network, scheme: .asynchronous, options: .init(strategy: .exhaustive, listLimit: 1 << 11))
    let known = Set(exhaustive.attractors.map(integerStates))
    for a in sampled.attractors { #expect(known.contains(integerStates(a)), "seed \(seed)") }
    #expect(sampled.steadyStates == exhaustive.steadyStates)
  }

  // jaoude_thdiff has 21 inputs: more than are split, so the decision-diagram search met its
  // 2^21 or more attractors one at a time and ran for hours. Inputs never change, so every
  // combination holds an attractor of its own: 2^k is a lower bound known before searching.
  @Test("a network whose inputs alone give too many attractors is refused at once")
  func tooManyInputCombinations() throws {
    func network(inputs: Int, others: Int) -> BooleanNetwork {
      var functions: [BooleanFunction] = (0..<inputs).map { .identity($0) }
      for i in 0..<others {
        // A chain driven by the inputs: one attractor per input combination.
        functions.append(.table(regulators: i == 0 ? [0, 1] : [inputs + i - 1, i % inputs]) { $0 == 3 })
      }
      return BooleanNetwork(names: (0..<(inputs + others)).map { "v\($0)" }, functions: functions)
    }
    let wide = network(inputs: 21, others: 11)
    for scheme in UpdateScheme.allCases {
      let error = try #require(pathwayError { _ = try AttractorSearch.find(in: wide, scheme: scheme) })
      #expect(error.exitCode == 64)
      #expect(error.diagnostics[0].message.contains("2^21"), "\(error.diagnostics[0].message)")
      #expect(error.diagnostics[0].notes.contains { $0.contains("--knockout") })
    }
    // Within the limit the same construction is searched, and every combination is there.
    let small = network(inputs: 5, others: 20)
    var options = AttractorSearch.Options(maximumAttractors: 32)
    let found = try AttractorSearch.find(in: small, scheme: .asynchronous, options: options)
    #expect(found.attractors.count == 32)
    options.maximumAttractors = 31
    #expect(pathwayError { _ = try AttractorSearch.find(in: small, scheme: .asynchronous, options: options) }?.exitCode == 64)
    // Pinning inputs lowers the bound.
    let pinned = wide.pinned(Dictionary(uniqueKeysWithValues: (0..<6).map { ($0, false) }))
    #expect(pinned.inputNodes.count == 15)
  }

  @Test("an asynchronous search whose reachability never settles stops at its work budget with exit 64")
  func workBudget() throws {
    let network = randomNetwork(nodes: 40, degree: 3, seed: 2)
    let options = AttractorSearch.Options(symbolicWorkLimit: 2000)
    let error = try #require(pathwayError { _ = try AttractorSearch.find(in: network, scheme: .asynchronous, options: options) })
    #expect(error.exitCode == 64)
    #expect(error.diagnostics[0].message.contains("diagram operations"), "\(error.diagnostics[0].message)")
  }

  @Test("a search on decision diagrams reports its attractors so far and its work budget used, rising to the limit")
  func workStatus() throws {
    let lines = Reports<String>()
    // 39 nodes after percolation; building the update functions takes a part of the budget.
    var options = AttractorSearch.Options(symbolicWorkLimit: 2000)
    options.status = { lines.add($0) }
    _ = pathwayError { _ = try AttractorSearch.find(in: randomNetwork(nodes: 40, degree: 3, seed: 2), scheme: .asynchronous, options: options) }
    #expect(lines.values.count >= 10, "\(lines.values)")
    #expect(lines.values.allSatisfy { $0.hasPrefix("input combination 1 of 1, 39 nodes on decision diagrams: ") && $0.contains("attractor(s) so far") }, "\(lines.values)")
    let percents = lines.values.compactMap { line in
      line.split(separator: " ").firstIndex(of: "work").flatMap { i in Int(line.split(separator: " ")[i - 3].dropLast()) }
    }
    #expect(percents.count == lines.values.count && percents == percents.sorted() && percents.last! >= 90, "\(lines.values)")
  }
}
