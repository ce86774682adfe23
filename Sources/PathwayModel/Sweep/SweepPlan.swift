import Foundation

/// The runs of a sweep, addressable by run id: `values(of:)` computes a run's swept values from
/// its id alone, in O(dimensions), whatever the sampling. No table of runs is ever built, so a
/// sweep's memory does not grow with its run count, and every shard, worker and resumed session
/// computes the same values for the same id.
public struct SweepPlan: Sendable {
  public let spec: SweepSpec
  /// The number of runs: the grid's size, the list's length, the samples, trajectories × (d + 1)
  /// (morris) or base points × (d + 2) (saltelli).
  public let runCount: Int
  private let discrete: [[Double]]
  private let sobol: SobolSequence?
  private let permutations: [IndexPermutation]
  /// The perturbation sets of a Boolean sweep, in run order: (node, pinned value) pairs.
  public let perturbationSets: [[(node: String, on: Bool)]]

  public init(_ spec: SweepSpec) {
    self.spec = spec
    let d = spec.dimensions.count
    discrete = spec.dimensions.enumerated().map { j, d in d.values(base: spec.baseValues?[j]) ?? [] }
    let n = spec.samples ?? 0
    perturbationSets = spec.perturbationSets.map(Self.enumerate) ?? []
    // A numeric design's count fits in an Int: `SweepSpec.validate` refuses one that does not.
    runCount = spec.perturbationSets != nil ? perturbationSets.count : spec.plannedRunCount ?? 0
    switch spec.sampling {
    case .sobol: sobol = SobolSequence(dimensions: d, seed: SeededRandom.derivedSeed(spec.seed, Self.sobolStream))
    case .saltelli: sobol = SobolSequence(dimensions: 2 * d, seed: SeededRandom.derivedSeed(spec.seed, Self.sobolStream))
    default: sobol = nil
    }
    if spec.sampling == .lhs {
      permutations = (0..<d).map {
        IndexPermutation(count: UInt64(n), seed: SeededRandom.derivedSeed(spec.seed, Self.lhsStream + UInt64($0)))
      }
    } else {
      permutations = []
    }
  }

  // Streams of the master seed used for design-wide draws (run streams use the run id, < 2⁶²).
  private static let sobolStream: UInt64 = 1 << 63
  private static let lhsStream: UInt64 = (1 << 63) + 1024
  private static let drawStream: UInt64 = 1 << 62

  /// The seed of run `run`: derived from the master seed and the run id only.
  public func seed(of run: Int) -> UInt64 { SeededRandom.derivedSeed(spec.seed, UInt64(run)) }

  /// Every set of `sizes` items from the knockouts then the over-expressions, by size, then in
  /// the order the items were given; sets that name a node twice are left out.
  static func enumerate(_ sets: PerturbationSets) -> [[(node: String, on: Bool)]] {
    let items = sets.knockout.map { ($0, false) } + sets.overexpress.map { ($0, true) }
    var out: [[(node: String, on: Bool)]] = []
    func extend(_ chosen: [Int], from start: Int, size: Int) {
      if chosen.count == size {
        let set = chosen.map { (node: items[$0].0, on: items[$0].1) }
        if Set(set.map(\.node)).count == set.count { out.append(set) }
        return
      }
      guard start < items.count else { return }
      for i in start..<items.count { extend(chosen + [i], from: i + 1, size: size) }
    }
    for size in sets.sizes.sorted() { extend([], from: 0, size: size) }
    return out
  }

  /// The swept columns of a Boolean sweep's run: its knockouts and over-expressions, each as
  /// node names joined by `+` (empty for none).
  public func labels(of run: Int) -> [String] {
    guard spec.perturbationSets != nil else { return [] }
    let set = perturbationSets[run]
    return [set.filter { !$0.on }.map(\.node).joined(separator: "+"), set.filter(\.on).map(\.node).joined(separator: "+")]
  }

  /// The swept values of run `run` (0 ≤ run < runCount), one per dimension.
  public func values(of run: Int) -> [Double] {
    let dims = spec.dimensions
    if spec.perturbationSets != nil { return [] }
    switch spec.sampling {
    case .grid:
      var values = [Double](repeating: 0, count: dims.count)
      var rest = run
      for j in stride(from: dims.count - 1, through: 0, by: -1) {
        values[j] = discrete[j][rest % discrete[j].count]
        rest /= discrete[j].count
      }
      return values
    case .list:
      return discrete.map { $0[run] }
    case .oat:
      var values = spec.baseValues ?? [Double](repeating: .nan, count: dims.count)
      if let (dimension, index) = oatStep(of: run) { values[dimension] = discrete[dimension][index] }
      return values
    default:
      return zip(dims, unitPoint(of: run)).map { $0.value(atUnit: $1) }
    }
  }

  /// The run's point in the unit hypercube (samplers that draw from ranges).
  public func unitPoint(of run: Int) -> [Double] {
    let d = spec.dimensions.count
    switch spec.sampling {
    case .grid, .list, .oat:
      preconditionFailure("grid, list and oat runs have no unit point")
    case .random:
      var generator = Xoshiro256StarStar(seed: spec.seed, stream: Self.drawStream + UInt64(run))
      return (0..<d).map { _ in generator.nextUnitDouble() }
    case .lhs:
      var generator = Xoshiro256StarStar(seed: spec.seed, stream: Self.drawStream + UInt64(run))
      let n = Double(runCount)
      return (0..<d).map { j in (Double(permutations[j].apply(UInt64(run))) + generator.nextUnitDouble()) / n }
    case .sobol:
      return sobol!.point(UInt64(run))
    case .morris:
      let t = run / (d + 1), row = run % (d + 1)
      return morrisTrajectory(t).rows[row]
    case .saltelli:
      let base = run / (d + 2), k = run % (d + 2)
      let sequence = sobol!
      return (0..<d).map { j in
        let fromB = k == d + 1 || (k >= 1 && j == k - 1)
        return sequence.coordinate(UInt64(base), fromB ? d + j : j)
      }
    }
  }

  /// Which quantity run `run` of a one-at-a-time design moves, and to which of its values; nil for
  /// the base run (run 0).
  public func oatStep(of run: Int) -> (dimension: Int, index: Int)? {
    guard run > 0 else { return nil }
    var rest = run - 1
    for (j, values) in discrete.enumerated() {
      if rest < values.count { return (j, rest) }
      rest -= values.count
    }
    return nil
  }

  /// The swept values of a run (`values(of:)`) for the discrete designs: dimension j's values.
  public func discreteValues(_ j: Int) -> [Double] { discrete[j] }

  /// Morris trajectory `t`: d + 1 points on the `levels` grid of [0, 1]^d; step m (from row m
  /// to row m + 1) moves factor `order[m]` by Δ = levels / (2(levels − 1)), up when `up[m]`.
  /// The base point, the order and the directions are drawn from the trajectory's own seeded
  /// stream (Morris 1991; Saltelli et al. 2008 §3.3).
  public func morrisTrajectory(_ t: Int) -> (rows: [[Double]], order: [Int], up: [Bool]) {
    let d = spec.dimensions.count
    let p = spec.levels
    let delta = Double(p) / (2 * Double(p - 1))
    var generator = Xoshiro256StarStar(seed: spec.seed, stream: Self.drawStream + UInt64(t))
    let base = (0..<d).map { _ in Double(generator.next(below: p / 2)) / Double(p - 1) }
    let upward = (0..<d).map { _ in generator.next() & 1 == 1 }
    var order = Array(0..<d)
    for i in stride(from: d - 1, to: 0, by: -1) { order.swapAt(i, generator.next(below: i + 1)) }
    var current = (0..<d).map { base[$0] + (upward[$0] ? 0 : delta) }
    var rows = [current]
    for j in order {
      current[j] = base[j] + (upward[j] ? delta : 0)
      rows.append(current)
    }
    return (rows, order, order.map { upward[$0] })
  }

  /// Δ of the Morris design, in unit-hypercube coordinates.
  public var morrisDelta: Double { Double(spec.levels) / (2 * Double(spec.levels - 1)) }
}

/// A seeded random permutation of 0..<count computed one index at a time (a 4-round balanced
/// Feistel network on the next even power of two, walked until it lands inside 0..<count).
/// It needs no table, so a Latin hypercube of any size costs no memory.
struct IndexPermutation: Sendable {
  let count: UInt64
  let halfBits: UInt64
  let keys: [UInt64]

  init(count: UInt64, seed: UInt64) {
    self.count = count
    var bits: UInt64 = 2
    while (1 << bits) < count { bits += 1 }
    if bits % 2 == 1 { bits += 1 }
    halfBits = bits / 2
    var generator = Xoshiro256StarStar(seed: seed)
    keys = (0..<4).map { _ in generator.next() }
  }

  func apply(_ index: UInt64) -> UInt64 {
    let mask: UInt64 = (1 << halfBits) - 1
    var v = index
    repeat {
      var left = v >> halfBits, right = v & mask
      for key in keys {
        let mixed = SeededRandom.derivedSeed(key, right) & mask
        (left, right) = (right, left ^ mixed)
      }
      v = left << halfBits | right
    } while v >= count
    return v
  }
}
