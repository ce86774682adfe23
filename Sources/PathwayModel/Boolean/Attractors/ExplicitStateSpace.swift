import Dispatch
import Foundation

/// All 2ᵐ states of a network of at most 30 variables, with every state's synchronous successor
/// computed once, 64 states at a time.
///
/// Variable p is bit p of a state index. States are processed in blocks of 64 that share their
/// high bits: for each variable, the 64 successor bits of a block are one word read from a lane
/// table indexed by the variable's high regulators (the low six bits vary across the 64 lanes
/// and are folded into the table); a 32×32 bit transpose then turns the per-variable words into
/// 64 successor indices. The variables on top (`blockBits` of them, inputs in practice) split
/// the space into independent blocks that no transition leaves, searched in parallel.
struct ExplicitStateSpace {
  /// The largest number of variables: successors and search marks share one 32-bit word.
  static let maximumVariables = 30

  let variableCount: Int
  let functions: [BooleanFunction]
  /// Variables `variableCount - blockBits ..< variableCount` never change (inputs): no transition
  /// leaves a block of 2^(variableCount − blockBits) states.
  let blockBits: Int
  private let laneBits: Int
  private let laneTables: [[UInt64]?]
  private let highShifts: [[Int]]

  /// - Parameters:
  ///   - functions: one per variable, regulators being variable positions.
  ///   - blockBits: how many top variables are invariant (identity functions).
  init(functions: [BooleanFunction], blockBits: Int) {
    precondition(functions.count <= Self.maximumVariables)
    variableCount = functions.count
    self.functions = functions
    self.blockBits = blockBits
    let laneBits = min(6, functions.count)
    self.laneBits = laneBits
    var tables: [[UInt64]?] = []
    var shifts: [[Int]] = []
    for f in functions {
      let high = f.regulators.enumerated().filter { $0.element >= laneBits }
      shifts.append(high.map { $0.element - laneBits })
      guard high.count <= 14 else {
        tables.append(nil)
        continue
      }
      // Where regulator j's value comes from: a lane bit, or a bit of the high-regulator index.
      var highRank = 0
      let source: [(isLane: Bool, bit: Int)] = f.regulators.map { r in
        if r < laneBits { return (true, r) }
        defer { highRank += 1 }
        return (false, highRank)
      }
      var table = [UInt64](repeating: 0, count: 1 << high.count)
      for h in 0..<(1 << high.count) {
        var word: UInt64 = 0
        for lane in 0..<(1 << laneBits) {
          let value = f.evaluate { j in
            source[j].isLane ? lane >> source[j].bit & 1 == 1 : h >> source[j].bit & 1 == 1
          }
          if value { word |= 1 << UInt64(lane) }
        }
        table[h] = word
      }
      tables.append(table)
    }
    laneTables = tables
    highShifts = shifts
  }

  var stateCount: Int { 1 << variableCount }
  var blockSize: Int { 1 << (variableCount - blockBits) }

  /// Writes succ[s] for every state s in `states` (aligned to 64, or the whole space when it is
  /// smaller than 64 states).
  func fillSuccessors(_ succ: UnsafeMutablePointer<UInt32>, states: Range<Int>) {
    let lanes = 1 << laneBits
    var rows = [UInt64](repeating: 0, count: 32)
    var registers = [UInt64](repeating: 0, count: 64)
    var block = states.lowerBound >> laneBits
    let lastBlock = (states.upperBound - 1) >> laneBits
    rows.withUnsafeMutableBufferPointer { rowBuffer in
      let a = rowBuffer.baseAddress!
      while block <= lastBlock {
        for p in 0..<variableCount {
          if let table = laneTables[p] {
            var h = 0
            for (j, shift) in highShifts[p].enumerated() { h |= (block >> shift & 1) << j }
            a[p] = table[h]
          } else {
            a[p] = laneWord(p, block: block, registers: &registers)
          }
        }
        for p in variableCount..<32 { a[p] = 0 }
        Self.transpose32x2(a)
        let base = block << laneBits
        if lanes == 64 {
          for c in 0..<32 {
            succ[base + c] = UInt32(truncatingIfNeeded: a[c])
            succ[base + 32 + c] = UInt32(truncatingIfNeeded: a[c] >> 32)
          }
        } else {
          for c in 0..<lanes { succ[base + c] = UInt32(truncatingIfNeeded: a[c]) }
        }
        block += 1
      }
    }
  }

  /// The 64 lanes of variable p in `block` for functions too wide for a lane table.
  private func laneWord(_ p: Int, block: Int, registers: inout [UInt64]) -> UInt64 {
    let f = functions[p]
    let base = block << laneBits
    if case .program(let program) = f.form {
      if registers.count < program.code.count { registers = [UInt64](repeating: 0, count: program.code.count) }
      return registers.withUnsafeMutableBufferPointer { buffer in
        program.evaluate(registers: buffer.baseAddress!) { j in
          let r = f.regulators[j]
          if r < laneBits { return Self.lanePattern[r] }
          return (base >> r) & 1 == 1 ? ~0 : 0
        }
      }
    }
    var word: UInt64 = 0
    for lane in 0..<(1 << laneBits) {
      let s = base | lane
      if f.evaluate({ s >> f.regulators[$0] & 1 == 1 }) { word |= 1 << UInt64(lane) }
    }
    return word
  }

  /// Bit `lane` of pattern r is bit r of `lane`.
  static let lanePattern: [UInt64] = [
    0xAAAA_AAAA_AAAA_AAAA, 0xCCCC_CCCC_CCCC_CCCC, 0xF0F0_F0F0_F0F0_F0F0,
    0xFF00_FF00_FF00_FF00, 0xFFFF_0000_FFFF_0000, 0xFFFF_FFFF_0000_0000,
  ]

  /// Transposes two 32×32 bit matrices at once, one in the low and one in the high halves of
  /// the 32 rows: afterwards bit i of row c (in each half) is what bit c of row i was.
  @inline(__always)
  static func transpose32x2(_ a: UnsafeMutablePointer<UInt64>) {
    var j = 16
    var m: UInt64 = 0x0000_FFFF_0000_FFFF
    while j != 0 {
      var k = 0
      while k < 32 {
        let t = ((a[k] >> UInt64(j)) ^ a[k + j]) & m
        a[k + j] ^= t
        a[k] ^= t << UInt64(j)
        k = (k + j + 1) & ~j
      }
      j >>= 1
      m ^= m << UInt64(j)
    }
  }

  // MARK: - Parallel work over blocks

  /// How many ranges `forEachBlockRange` runs in parallel.
  var independentBlocks: Int { min(stateCount / max(blockSize, 1 << laneBits), 64) }

  /// Fills every state's successor, in parallel over chunks of whole 64-state lane blocks
  /// (successors depend on nothing else, so any split is safe).
  func fillInParallel(_ table: UnsafeMutablePointer<UInt32>, _ progress: SearchProgress?) {
    let lane = 1 << laneBits
    let units = stateCount / lane
    // Below 2^16 states threads cost more than they save.
    let chunks = stateCount < 1 << 16 ? 1 : max(1, min(units, 256))
    let shared = UncheckedSendable(table)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let first = units * c / chunks * lane, last = units * (c + 1) / chunks * lane
      fillSuccessors(shared.value, states: first..<last)
      progress?.add(last - first)
    }
  }

  /// Fills a successor table for the whole space, then runs `search` over each range of
  /// independent blocks in parallel (their results in range order). With enough blocks to keep
  /// every core busy each range is filled and searched in one go; with one block the successors
  /// are filled in parallel first. Progress counts every state twice: filled, then searched.
  func fillingSuccessors<T>(
    _ progress: SearchProgress?, _ search: (UnsafeMutablePointer<UInt32>, Range<Int>) -> [T]
  ) -> [T] {
    let table = UnsafeMutablePointer<UInt32>.allocate(capacity: stateCount)
    defer { table.deallocate() }
    let shared = UncheckedSendable(table)
    progress?.start(total: 2 * stateCount)
    let perRange: [[T]]
    if independentBlocks >= 2 {
      perRange = forEachBlockRange { range -> [T] in
        fillSuccessors(shared.value, states: range)
        progress?.add(range.count)
        return search(shared.value, range)
      }
    } else {
      fillInParallel(shared.value, progress)
      perRange = forEachBlockRange { range in search(shared.value, range) }
    }
    return perRange.flatMap { $0 }
  }

  /// Runs `body` over disjoint ranges of whole blocks covering the space, in parallel; returns
  /// the results in range order.
  func forEachBlockRange<T>(_ body: (Range<Int>) -> T) -> [T] {
    // Whole blocks, and whole 64-state lane blocks, so that no two ranges share a table word.
    let size = max(blockSize, 1 << laneBits)
    let blocks = stateCount / size
    let groups = min(blocks, 64)
    let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: groups)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let sink = UncheckedSendable(results)
    withoutActuallyEscaping(body) { body in
      let work = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: groups) { g in
        let first = blocks * g / groups, last = blocks * (g + 1) / groups
        sink.value[g] = work.value((first * size)..<(last * size))
      }
    }
    return results.map { $0! }
  }
}

// MARK: - Synchronous search

extension ExplicitStateSpace {
  /// One synchronous attractor: its states in update order, starting anywhere on the cycle, and
  /// the number of states whose trajectory ends in it.
  struct SyncAttractor {
    var cycle: [UInt32]
    var basin: Int
  }

  /// Every synchronous attractor and its exact basin size.
  ///
  /// Each entry of the table holds the successor (flag bits 00), the attractor a finished state
  /// leads to (10) or a state's position on the path being followed (11). Every state is
  /// followed once: a walk ends on a finished state (its attractor) or on its own path (a new
  /// cycle), and labels the whole path.
  func synchronousAttractors(progress: SearchProgress? = nil) -> [SyncAttractor] {
    fillingSuccessors(progress) { table, range in Self.chase(table, range, progress) }
  }

  static let valueMask: UInt32 = (1 << 30) - 1
  static let doneTag: UInt32 = 0b10 << 30
  static let pathTag: UInt32 = 0b11 << 30

  private static func chase(
    _ table: UnsafeMutablePointer<UInt32>, _ range: Range<Int>, _ progress: SearchProgress?
  ) -> [SyncAttractor] {
    var attractors: [SyncAttractor] = []
    var path: [UInt32] = []
    path.reserveCapacity(1024)
    var unreported = 0
    defer { progress?.add(unreported) }
    for s in range where table[s] & doneTag == 0 {
      path.removeAll(keepingCapacity: true)
      var x = Int(s)
      var label: UInt32
      while true {
        let entry = table[x]
        let tag = entry & pathTag
        if tag == 0 {
          table[x] = pathTag | UInt32(path.count)
          path.append(UInt32(x))
          x = Int(entry)
          continue
        }
        if tag == pathTag {
          let start = Int(entry & valueMask)
          label = UInt32(attractors.count)
          attractors.append(SyncAttractor(cycle: Array(path[start...]), basin: 0))
        } else {
          label = entry & valueMask
        }
        break
      }
      attractors[Int(label)].basin += path.count
      let done = doneTag | label
      for state in path { table[Int(state)] = done }
      unreported += path.count
      if unreported >= SearchProgress.granularity {
        progress?.add(unreported)
        unreported = 0
      }
    }
    return attractors
  }
}

// MARK: - Asynchronous search

extension ExplicitStateSpace {
  /// A terminal strongly connected component of the asynchronous state transition graph.
  struct AsyncAttractor {
    /// The number of states.
    var size: Int
    /// Up to `listLimit` of its states, smallest first.
    var states: [UInt32]
    /// Bits ON in every state, and bits ON in some state.
    var allOn: UInt32
    var anyOn: UInt32
  }

  /// Every terminal SCC of the general asynchronous graph (x → x with bit i flipped, for every
  /// i with f_i(x) ≠ x_i), by Tarjan's algorithm, iteratively. A component is terminal when no
  /// member has an edge into a component finished earlier; that fact travels up the DFS tree
  /// to the component's root.
  func asynchronousAttractors(listLimit: Int, progress: SearchProgress? = nil) -> [AsyncAttractor] {
    fillingSuccessors(progress) { table, range in Self.tarjan(table, range, listLimit: listLimit, progress) }
  }

  private static func tarjan(
    _ succ: UnsafeMutablePointer<UInt32>, _ range: Range<Int>, listLimit: Int, _ progress: SearchProgress?
  ) -> [AsyncAttractor] {
    let lo = range.lowerBound
    let count = range.count
    // order: discovery number (0 = unvisited); low: lowlink, with two flag bits on top.
    let order = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
    let low = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
    order.initialize(repeating: 0, count: count)
    defer {
      order.deallocate()
      low.deallocate()
    }
    let escapes: UInt32 = 1 << 31, finished: UInt32 = 1 << 30, lowMask: UInt32 = finished - 1
    var counter: UInt32 = 0
    var frames: [(state: UInt32, pending: UInt32)] = []
    var stack: [UInt32] = []
    var attractors: [AsyncAttractor] = []

    var reported: UInt32 = 0
    defer { progress?.add(Int(counter - reported)) }
    func visit(_ v: Int) {
      counter += 1
      if counter - reported >= UInt32(SearchProgress.granularity) {
        progress?.add(Int(counter - reported))
        reported = counter
      }
      order[v - lo] = counter
      low[v - lo] = counter
      stack.append(UInt32(v))
      frames.append((UInt32(v), succ[v] ^ UInt32(v)))
    }
    for root in range where order[root - lo] == 0 {
      visit(root)
      while !frames.isEmpty {
        let top = frames.count - 1
        let v = Int(frames[top].state)
        let pending = frames[top].pending
        if pending != 0 {
          frames[top].pending = pending & (pending - 1)
          let w = v ^ (1 << pending.trailingZeroBitCount)
          if order[w - lo] == 0 {
            visit(w)
          } else if low[w - lo] & finished != 0 {
            low[v - lo] |= escapes
          } else {
            let lw = order[w - lo]
            if lw < low[v - lo] & lowMask { low[v - lo] = (low[v - lo] & escapes) | lw }
          }
          continue
        }
        frames.removeLast()
        let lv = low[v - lo]
        if lv & lowMask == order[v - lo] {
          // v roots a component: pop it.
          var size = 0
          var allOn = UInt32.max, anyOn: UInt32 = 0
          var members: [UInt32] = []
          let terminal = lv & escapes == 0
          while true {
            let x = stack.removeLast()
            low[Int(x) - lo] |= finished
            size += 1
            if terminal {
              allOn &= x
              anyOn |= x
              members.append(x)
            }
            if Int(x) == v { break }
          }
          if terminal {
            members.sort()
            attractors.append(
              AsyncAttractor(size: size, states: Array(members.prefix(listLimit)), allOn: allOn, anyOn: anyOn))
          }
          if let parent = frames.last.map({ Int($0.state) }) { low[parent - lo] |= escapes }
        } else if let parent = frames.last.map({ Int($0.state) }) {
          let lp = low[parent - lo]
          var merged = (lp & escapes) | (lv & escapes) | (lp & lowMask)
          if lv & lowMask < lp & lowMask { merged = (merged & escapes) | (lv & lowMask) }
          low[parent - lo] = merged
        }
      }
    }
    return attractors
  }
}

/// Work done by a long exhaustive search, reported as a fraction now and then; safe to call from
/// the search's worker threads.
public final class SearchProgress: @unchecked Sendable {
  /// Workers report about this many states at a time.
  static let granularity = 1 << 20
  private let report: @Sendable (Double) -> Void
  private let lock = NSLock()
  private var total = 0
  private var done = 0

  public init(_ report: @escaping @Sendable (Double) -> Void) { self.report = report }

  func start(total: Int) {
    lock.lock()
    self.total = total
    done = 0
    lock.unlock()
  }

  func add(_ count: Int) {
    guard count > 0 else { return }
    lock.lock()
    done += count
    let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
    lock.unlock()
    report(fraction)
  }
}
