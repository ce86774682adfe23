import Foundation
import Testing

@testable import PathwayModel

/// The reference networks and their attractors (`../shared/reference/boolean`, or
/// `$PATHWAY_BOOLEAN_REFERENCE`).
enum BooleanReference {
  static let directory: String = {
    if let path = ProcessInfo.processInfo.environment["PATHWAY_BOOLEAN_REFERENCE"] { return path }
    let root = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.deletingLastPathComponent().appendingPathComponent("shared/reference/boolean").path
  }()

  /// Model names: every `expected/*.json`.
  static let names: [String] = {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/expected")) ?? []
    return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
  }()

  static func modelPath(_ name: String) -> String { directory + "/models/\(name).bnet" }

  static func expected(_ name: String) throws -> [String: Any] {
    try json(directory + "/expected/\(name).json")
  }

  static func perturbations(_ name: String) throws -> [[String: Any]] {
    let path = directory + "/expected/perturbations/\(name).json"
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    return try json(path)["perturbations"] as? [[String: Any]] ?? []
  }

  static func json(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
  }

  /// Debug builds are 20–50 times slower than release builds; networks beyond 22 nodes are
  /// checked there only when asked (`PATHWAY_REFERENCE_ALL=1`), and always in release builds
  /// (`swift test -c release`).
  static func isAffordable(nodes: Int) -> Bool {
    #if DEBUG
      return nodes <= 22 || ProcessInfo.processInfo.environment["PATHWAY_REFERENCE_ALL"] != nil
    #else
      return true
    #endif
  }
}

/// A cycle's states rotated to start at its smallest (compares cycles up to rotation).
func canonicalCycle(_ states: [String]) -> [String] {
  guard let smallest = states.indices.min(by: { states[$0] < states[$1] }) else { return [] }
  return Array(states[smallest...] + states[..<smallest])
}

/// A seeded random network: `n` nodes, each with `degree` distinct random regulators and a
/// uniformly random truth table; with `inputs` of them (the first ones) self-loops instead.
func randomNetwork(nodes n: Int, degree: Int, inputs: Int = 0, seed: UInt64) -> BooleanNetwork {
  var generator = Xoshiro256StarStar(seed: seed)
  var functions: [BooleanFunction] = []
  for i in 0..<n {
    if i < inputs {
      functions.append(.identity(i))
      continue
    }
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

/// Independent, slow reference semantics over states as integers (n ≤ 20), used to check the
/// fast searches.
struct NaiveDynamics {
  let network: BooleanNetwork
  var n: Int { network.count }

  func value(_ i: Int, _ s: Int) -> Bool {
    let f = network.functions[i]
    return f.evaluate { s >> f.regulators[$0] & 1 == 1 }
  }

  func successor(_ s: Int) -> Int {
    (0..<n).reduce(0) { $0 | (value($1, s) ? 1 << $1 : 0) }
  }

  func text(_ s: Int) -> String { String((0..<n).map { s >> $0 & 1 == 1 ? "1" : "0" }) }

  /// Synchronous cycles (canonical text) and basin sizes, by following every state.
  func synchronousAttractors() -> [[String]: Int] {
    var basins: [[String]: Int] = [:]
    for s in 0..<(1 << n) {
      var seen: [Int: Int] = [:]
      var x = s
      while seen[x] == nil {
        seen[x] = seen.count
        x = successor(x)
      }
      var cycle = [x]
      var y = successor(x)
      while y != x {
        cycle.append(y)
        y = successor(y)
      }
      basins[canonicalCycle(cycle.map(text)), default: 0] += 1
    }
    return basins
  }

  /// Asynchronous attractors as sets of states: x is in one when every state it reaches can
  /// reach x back (reachability by breadth-first search from every state).
  func asynchronousAttractors() -> Set<Set<Int>> {
    var reach: [Set<Int>] = []
    for s in 0..<(1 << n) {
      var seen: Set<Int> = [s]
      var queue = [s]
      while let x = queue.popLast() {
        for i in 0..<n where value(i, x) != (x >> i & 1 == 1) {
          let y = x ^ (1 << i)
          if seen.insert(y).inserted { queue.append(y) }
        }
      }
      reach.append(seen)
    }
    var attractors: Set<Set<Int>> = []
    for s in 0..<(1 << n) where reach[s].allSatisfy({ reach[$0].contains(s) }) {
      attractors.insert(reach[s])
    }
    return attractors
  }
}

/// The states of an attractor as integers (node i = bit i), from their text.
func integerStates(_ attractor: Attractor) -> Set<Int> {
  Set(attractor.states.map { state in (0..<state.count).reduce(0) { $0 | (state[$1] ? 1 << $1 : 0) } })
}

/// Writes `text` to a fresh temporary file named `name` and returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> String {
  let directory = NSTemporaryDirectory() + "boolean-tests-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  let path = directory + "/" + name
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}
