import Foundation

/// Many seeded Boolean runs summarised as the fraction of runs with each node ON at each output
/// row (MaBoSS's node probability trajectories), and the continuous-time asynchronous update
/// that MaBoSS simulates.
///
/// Run r draws its node choices from `Xoshiro256StarStar(seed: runSeed(seed, r))` and, for a
/// random initial state, its state from stream 1 of that seed; run 0 is therefore exactly the
/// single run of the same seed. Counts are integers summed over runs, so the result is the
/// same for any number of threads.
public struct BooleanEnsemble: Sendable {
  public let names: [String]
  /// The output rows' times (continuous time) or steps.
  public let times: [Double]
  public let runs: Int
  /// Row-major, rows × nodes: the number of runs with the node ON at that row.
  public let counts: [Int]
  /// The nodes whose joint states are tallied (`stateCounts`); empty when none are.
  public let watched: [Int]
  /// Per row, the number of runs in each state of the watched nodes: bit j of the key is
  /// `watched[j]`.
  public let stateCounts: [[UInt64: Int]]
  /// Row-major, rows × readouts: the number of runs in which each readout (a Boolean function
  /// of the state, such as `Runx2 & !OCN`) holds at that row.
  public let readoutCounts: [Int]
  public let readoutCount: Int

  /// The share of runs in which readout `readout` holds at `row`.
  public func readoutFraction(row: Int, readout: Int) -> Double {
    Double(readoutCounts[row * readoutCount + readout]) / Double(runs)
  }

  /// The most nodes whose joint states an ensemble tallies (one 64-bit key per state).
  public static let maximumWatched = 64

  /// The share of runs with `node` ON at `row`.
  public func fraction(row: Int, node: Int) -> Double {
    Double(counts[row * names.count + node]) / Double(runs)
  }

  /// The states of the watched nodes reached at `row`, most frequent first (ties in label
  /// order), each named by its ON nodes joined by " -- " ("<nil>" when none is ON, as MaBoSS
  /// writes them), with the share of runs in it.
  public func states(row: Int) -> [(label: String, probability: Double)] {
    let labelled = stateCounts[row].map { key, count in (label: label(of: key), count: count) }
    return labelled.sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
      .map { ($0.label, Double($0.count) / Double(runs)) }
  }

  /// The ON watched nodes of `key`, joined by " -- "; "<nil>" when none is ON.
  public func label(of key: UInt64) -> String {
    let on = watched.indices.filter { key >> UInt64($0) & 1 == 1 }.map { names[watched[$0]] }
    return on.isEmpty ? "<nil>" : on.joined(separator: " -- ")
  }

  /// The seed of run `run` of the family `seed`: `seed` itself for run 0.
  public static func runSeed(_ seed: UInt64, _ run: Int) -> UInt64 {
    run == 0 ? seed : SeededRandom.derivedSeed(SeededRandom.derivedSeed(seed, 2), UInt64(run))
  }

  /// Sums `runs` runs on all cores (on the calling thread unless `parallel`): `body(run, tally)`
  /// adds run `run`'s states to `tally`. Runs are split into one contiguous chunk per core, each
  /// with its own tally (so memory is cores × rows × nodes counts, whatever the number of
  /// runs). `stop`, polled before each run, ends the work early (the counts are then incomplete
  /// and the caller discards them). `watched` (at most `maximumWatched` nodes) also tallies
  /// their joint states per row.
  static func accumulate(
    names: [String], times: [Double], runs: Int, parallel: Bool = true, watched: [Int] = [], readouts: [BooleanFunction] = [],
    stop: (@Sendable () -> Bool)? = nil, _ body: @Sendable (Int, EnsembleTally) -> Void
  ) -> BooleanEnsemble {
    precondition(watched.count <= maximumWatched, "at most \(maximumWatched) watched nodes")
    let size = times.count * names.count
    let readoutSize = times.count * readouts.count
    let chunks = parallel ? max(1, min(runs, ProcessInfo.processInfo.activeProcessorCount)) : 1
    let partial: [(counts: [Int], states: [[UInt64: Int]], readouts: [Int])] = parallelMap(chunks) { c in
      let tally = EnsembleTally(rows: times.count, nodes: names.count, watched: watched, readouts: readouts)
      for run in (runs * c / chunks)..<(runs * (c + 1) / chunks) {
        if let stop, stop() { break }
        body(run, tally)
      }
      return (Array(UnsafeBufferPointer(start: tally.counts, count: size)), tally.states, tally.readoutCounts)
    }
    var total = [Int](repeating: 0, count: size)
    var states = [[UInt64: Int]](repeating: [:], count: watched.isEmpty ? 0 : times.count)
    var readoutTotal = [Int](repeating: 0, count: readoutSize)
    for part in partial {
      for k in 0..<size { total[k] += part.counts[k] }
      for (row, visits) in part.states.enumerated() { states[row].merge(visits, uniquingKeysWith: +) }
      for k in 0..<readoutSize { readoutTotal[k] += part.readouts[k] }
    }
    return BooleanEnsemble(
      names: names, times: times, runs: runs, counts: total, watched: watched, stateCounts: states, readoutCounts: readoutTotal,
      readoutCount: readouts.count)
  }
}

/// One chunk's tallies, filled by one thread: ON counts per row and node, the runs in which each
/// readout holds per row, and the visits of each joint state of the watched nodes per row.
final class EnsembleTally {
  let nodes: Int
  let counts: UnsafeMutablePointer<Int>
  let watched: [Int]
  var states: [[UInt64: Int]]
  let readouts: [BooleanFunction]
  var readoutCounts: [Int]

  init(rows: Int, nodes: Int, watched: [Int], readouts: [BooleanFunction] = []) {
    self.nodes = nodes
    counts = .allocate(capacity: max(1, rows * nodes))
    counts.initialize(repeating: 0, count: max(1, rows * nodes))
    self.watched = watched
    states = [[UInt64: Int]](repeating: [:], count: watched.isEmpty ? 0 : rows)
    self.readouts = readouts
    readoutCounts = [Int](repeating: 0, count: rows * readouts.count)
  }

  deinit { counts.deallocate() }

  /// Adds the packed state `x` to row `row`.
  @inline(__always)
  func add(_ x: UnsafePointer<UInt64>, row: Int) {
    let base = row * nodes
    for i in 0..<nodes { counts[base + i] += Int(truncatingIfNeeded: x[i >> 6] >> UInt64(i & 63) & 1) }
    for (r, readout) in readouts.enumerated() {
      let regulators = readout.regulators
      if readout.evaluate({ j in x[regulators[j] >> 6] >> UInt64(regulators[j] & 63) & 1 == 1 }) {
        readoutCounts[row * readouts.count + r] += 1
      }
    }
    if watched.isEmpty { return }
    var key: UInt64 = 0
    for (j, i) in watched.enumerated() { key |= (x[i >> 6] >> UInt64(i & 63) & 1) << UInt64(j) }
    states[row][key, default: 0] += 1
  }
}

extension BooleanSimulator {
  /// `runs` synchronous or asynchronous runs of `steps` updates; `initial(seed)` gives each
  /// run's first state from its run seed (the same state for every run unless it is random).
  /// `parallel` spreads the runs over all cores (the counts do not depend on it); `watched` nodes
  /// also have their joint states tallied; `stop`, polled before each run, ends early with
  /// incomplete counts.
  public static func ensemble(
    _ network: BooleanNetwork, scheme: UpdateScheme, steps: Int, runs: Int, seed: UInt64,
    initial: @escaping @Sendable (UInt64) -> BooleanState, inputs: BooleanInputProtocol? = nil, parallel: Bool = true,
    watched: [Int] = [], readouts: [BooleanFunction] = [], stop: (@Sendable () -> Bool)? = nil
  ) -> BooleanEnsemble {
    return BooleanEnsemble.accumulate(
      names: network.names, times: (0...steps).map(Double.init), runs: runs, parallel: parallel, watched: watched, readouts: readouts,
      stop: stop
    ) { run, tally in
      let runSeed = BooleanEnsemble.runSeed(seed, run)
      var row = 0
      advance(network, scheme: scheme, steps: steps, from: initial(runSeed), seed: runSeed, inputs: inputs) { x in
        tally.add(x, row: row)
        row += 1
      }
    }
  }
}

/// Continuous-time asynchronous Boolean dynamics, as MaBoSS simulates them: a node OFF whose
/// function says ON turns ON after an exponential waiting time of rate `rate_up`, a node ON whose
/// function says OFF turns OFF at rate `rate_down` (both 1/τ unless the model gives them),
/// independently of the others; a node that comes to agree before it flips no longer flips.
/// Simulated exactly (Gillespie's direct method): the next flip comes after Exp(λ), λ the sum of
/// the rates of the nodes that disagree, and is node i with probability rateᵢ/λ. Inputs follow their stimuli in model time (ON while the dose is ≥ 0.5):
/// the run stops at each change, sets the input and draws afresh, which the exponential
/// distribution's lack of memory makes exact.
public enum ContinuousTimeBoolean {
  /// The rates at which each node turns ON and OFF: its `rate_up` and `rate_down`, else 1/τ
  /// (`tau[i]`, default: the node's τ or the model's).
  public static func rates(of model: Model, tau: [Double]? = nil) -> (up: [Double], down: [Double]) {
    let tau = tau ?? model.nodes.map { $0.tau ?? model.defaults.tau }
    return (
      model.nodes.indices.map { model.nodes[$0].rateUp ?? 1 / tau[$0] },
      model.nodes.indices.map { model.nodes[$0].rateDown ?? 1 / tau[$0] }
    )
  }

  /// When each input's ON/OFF value changes in (`start`, `end`]: at its stimulus's breakpoints
  /// and where a ramp crosses 0.5; sorted by time, then by node. The value at `start` comes first.
  static func inputChanges(
    _ inputs: [(node: Int, stimulus: Stimulus)], start: Double, end: Double
  ) -> [(time: Double, node: Int, on: Bool)] {
    var changes: [(time: Double, node: Int, on: Bool)] = []
    for (node, stimulus) in inputs {
      var on = stimulus.value(at: start) >= 0.5
      changes.append((start, node, on))
      // Pieces [s, e) on which the dose is a + b·t; a change at `end` itself still shows.
      let starts = [start] + stimulus.breakpoints(from: start, to: end.nextUp)
      for (k, s) in starts.enumerated() {
        let e = k + 1 < starts.count ? starts[k + 1] : end
        if k > 0 {
          let now = stimulus.value(at: s) >= 0.5
          if now != on {
            on = now
            changes.append((s, node, on))
          }
        }
        let (a, b) = stimulus.coefficients(at: s)
        if b != 0 {
          // Rising, ON from the crossing on; falling, OFF just after it (the dose there is 0.5).
          let crossing = b > 0 ? (0.5 - a) / b : ((0.5 - a) / b).nextUp
          if crossing > s && crossing < e && (b > 0) != on {
            on = b > 0
            changes.append((crossing, node, on))
          }
        }
      }
    }
    return changes.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
  }

  /// `runs` runs from `start`, recorded at `times` (ascending, ≥ `start`): each row holds the
  /// state after every flip and input change at or before its time.
  ///
  /// - Parameters:
  ///   - rates: each node's rates of turning ON and OFF (finite, ≥ 0; pinned nodes never
  ///     disagree with their function).
  ///   - inputs: inputs that follow stimuli (pinned inputs left out by the caller).
  ///   - parallel: spread the runs over all cores (the counts do not depend on it).
  ///   - watched: nodes whose joint states are tallied per row (at most 64).
  ///   - readouts: Boolean functions of the state whose runs are counted per row.
  ///   - stop: polled before each run; when it says true the counts are incomplete.
  public static func ensemble(
    _ network: BooleanNetwork, rates: (up: [Double], down: [Double]), start: Double = 0, times: [Double], runs: Int,
    seed: UInt64,
    initial: @escaping @Sendable (UInt64) -> BooleanState, inputs: [(node: Int, stimulus: Stimulus)] = [],
    parallel: Bool = true, watched: [Int] = [], readouts: [BooleanFunction] = [], stop: (@Sendable () -> Bool)? = nil
  ) -> BooleanEnsemble {
    precondition(
      rates.up.count == network.count && rates.down.count == network.count
        && (rates.up + rates.down).allSatisfy { $0 >= 0 && $0.isFinite }, "two finite rates ≥ 0 per node")
    let up = rates.up, down = rates.down
    let n = network.count
    let kernel = network.kernel
    let end = times.last ?? 0
    let changes = inputChanges(inputs, start: start, end: end)
    // The nodes whose function reads node j.
    var readers = [[Int]](repeating: [], count: n)
    for (i, f) in network.functions.enumerated() { for j in Set(f.regulators) { readers[j].append(i) } }
    let dependents = readers
    return BooleanEnsemble.accumulate(
      names: network.names, times: times, runs: runs, parallel: parallel, watched: watched, readouts: readouts, stop: stop
    ) { run, tally in
      let runSeed = BooleanEnsemble.runSeed(seed, run)
      var generator = Xoshiro256StarStar(seed: runSeed)
      var state = initial(runSeed).words
      var propensity = [Double](repeating: 0, count: n)
      state.withUnsafeMutableBufferPointer { buffer in
        let x = buffer.baseAddress!
        func flip(_ i: Int) { x[i >> 6] ^= 1 << UInt64(i & 63) }
        func value(_ i: Int) -> Bool { x[i >> 6] >> UInt64(i & 63) & 1 == 1 }
        func refresh(_ i: Int) {
          let on = value(i)
          propensity[i] = kernel.evaluate(i, x) == on ? 0 : on ? down[i] : up[i]
        }
        var next = 0  // the next input change
        func applyChanges(upTo t: Double) {
          while next < changes.count && changes[next].time <= t {
            let change = changes[next]
            if value(change.node) != change.on {
              flip(change.node)
              for k in dependents[change.node] { refresh(k) }
            }
            next += 1
          }
        }
        applyChanges(upTo: start)
        for i in 0..<n { refresh(i) }
        var t = start
        var row = 0
        while row < times.count {
          var lambda = 0.0
          for i in 0..<n { lambda += propensity[i] }
          // 1 − U lies in (0, 1]: the logarithm is finite.
          let wait = lambda > 0 ? -Foundation.log(1 - generator.nextUnitDouble()) / lambda : .infinity
          let inputTime = next < changes.count ? changes[next].time : .infinity
          let stop = min(t + wait, inputTime)
          while row < times.count && times[row] < stop {
            tally.add(x, row: row)
            row += 1
          }
          if row == times.count { break }
          if inputTime <= t + wait {
            t = inputTime
            applyChanges(upTo: t)
            continue
          }
          t += wait
          var target = generator.nextUnitDouble() * lambda
          var chosen = -1
          for i in 0..<n where propensity[i] > 0 {
            chosen = i
            target -= propensity[i]
            if target < 0 { break }
          }
          flip(chosen)
          refresh(chosen)
          for k in dependents[chosen] { refresh(k) }
        }
      }
    }
  }
}
