import Foundation
import PathwayModel

/// Boolean networks (issue 4):
///
/// 1. exhaustive synchronous attractor search (every one of the 2^n states, exact basins) on a
///    reference network, median and mean over repeated runs, to compare with BoolNet's
///    `getAttractors` on the same file (`Benchmarks/boolean-vs-boolnet.sh` runs both);
/// 2. synchronous node updates per second on a seeded 200-node random network of in-degree 3,
///    10^6 steps; the network is written as .bnet (`--write PATH`) so that the CLI and BoolNet
///    can run the very same network.
///
///   pathway-bench boolean [MODEL.bnet] [--repeats R] [--write random200.bnet]
func runBooleanBenchmark(arguments: [String]) throws {
  var modelPath = "../shared/reference/boolean/models/dinwoodie_life.bnet"
  var repeats = 50
  var writePath: String? = nil
  var rest = arguments[...]
  while let argument = rest.popFirst() {
    switch argument {
    case "--repeats": repeats = Int(rest.popFirst() ?? "") ?? repeats
    case "--write": writePath = rest.popFirst()
    default: modelPath = argument
    }
  }
  let clock = ContinuousClock()
  func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  // 1. Exhaustive synchronous search.
  let network = try BooleanNetwork(model: try ModelLoader.load(modelPath))
  let options = AttractorSearch.Options(strategy: .exhaustive)
  var found = try AttractorSearch.find(in: network, scheme: .synchronous, options: options)  // warm-up
  var times: [Double] = []
  for _ in 0..<repeats {
    let elapsed = try clock.measure { found = try AttractorSearch.find(in: network, scheme: .synchronous, options: options) }
    times.append(seconds(elapsed))
  }
  times.sort()
  let mean = times.reduce(0, +) / Double(times.count)
  print(
    String(
      format: "exhaustive sync search: %@ (%d nodes, 2^%d states): %d attractors; median %.3f ms, mean %.3f ms, min %.3f ms over %d runs",
      URL(fileURLWithPath: modelPath).lastPathComponent, network.count, network.count, found.attractors.count,
      times[times.count / 2] * 1e3, mean * 1e3, times[0] * 1e3, repeats))

  // 2. Synchronous updates on a 200-node random network, in-degree 3.
  let random = randomBooleanNetwork(nodes: 200, degree: 3, seed: 2024)
  if let writePath {
    try bnetText(random).write(toFile: writePath, atomically: true, encoding: .utf8)
    print("wrote the 200-node network to \(writePath)")
  }
  var generator = Xoshiro256StarStar(seed: 3)
  let start = BooleanState.random(count: random.count, using: &generator)
  let steps = 1_000_000
  var final = start
  _ = BooleanSimulator.finalState(random, scheme: .synchronous, steps: 10_000, from: start)  // warm-up
  var best = Double.infinity
  for _ in 0..<5 {
    let elapsed = clock.measure {
      final = BooleanSimulator.finalState(random, scheme: .synchronous, steps: steps, from: start)
    }
    best = min(best, seconds(elapsed))
  }
  let ones = (0..<final.count).filter { final[$0] }.count
  print(
    String(
      format: "sync updates, 200 nodes (in-degree 3), 10^6 steps: best of 5 %.3f s = %.3g node updates/s (%.3g steps/s); final state has %d nodes ON",
      best, Double(steps * random.count) / best, Double(steps) / best, ones))

  let sampled = try clock.measure {
    found = try AttractorSearch.find(
      in: random, scheme: .synchronous, options: .init(strategy: .sampled(samples: 20, seed: 1)))
  }
  print(
    String(
      format: "sampled sync search, 200 nodes: 20 samples of at most 10^5 steps in %.3f s, %d attractors, %d unresolved",
      seconds(sampled), found.attractors.count, found.unresolvedSamples))
}

/// A seeded random network: every node has `degree` distinct random regulators and a uniformly
/// random truth table (the construction the tests use).
func randomBooleanNetwork(nodes n: Int, degree: Int, seed: UInt64) -> BooleanNetwork {
  var generator = Xoshiro256StarStar(seed: seed)
  var functions: [BooleanFunction] = []
  for _ in 0..<n {
    var regulators: [Int] = []
    while regulators.count < min(degree, n) {
      let r = generator.next(below: n)
      if !regulators.contains(r) { regulators.append(r) }
    }
    let table = (0..<(1 << regulators.count)).map { _ in generator.next() & 1 == 1 }
    functions.append(BooleanFunction.table(regulators: regulators) { table[$0] })
  }
  return BooleanNetwork(names: (0..<n).map { "x\($0)" }, functions: functions)
}

/// The network as .bnet: each rule the disjunction of the minterms of its truth table.
func bnetText(_ network: BooleanNetwork) -> String {
  var lines = ["targets, factors"]
  for (i, f) in network.functions.enumerated() {
    let k = f.regulators.count
    if let constant = f.constantValue {
      lines.append("\(network.names[i]), \(constant ? 1 : 0)")
      continue
    }
    var terms: [String] = []
    for entry in 0..<(1 << k) {
      let value = f.evaluate { entry >> $0 & 1 == 1 }
      guard value else { continue }
      terms.append(
        "(" + (0..<k).map { j in (entry >> j & 1 == 1 ? "" : "!") + network.names[f.regulators[j]] }.joined(separator: " & ") + ")")
    }
    lines.append("\(network.names[i]), " + (terms.isEmpty ? "0" : terms.joined(separator: " | ")))
  }
  return lines.joined(separator: "\n") + "\n"
}
