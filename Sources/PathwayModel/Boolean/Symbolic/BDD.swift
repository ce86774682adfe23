/// Reduced ordered binary decision diagrams: sets of states as shared decision graphs.
///
/// A node is (level, low, high): the function is `low` where the variable at `level` is 0 and
/// `high` where it is 1. Nodes 0 and 1 are the constants. Nodes are unique (a hash table maps
/// each triple to its node) and never redundant (`low != high`), so equal functions are equal
/// node numbers and set equality is an integer comparison. Operations are memoised in a
/// direct-mapped cache. The variable order is the level order, fixed at creation.
///
/// The diagram grows until `nodeLimit` (or has made `workLimit` nodes); past it `exhausted` is set and every operation returns 0
/// at once (no further recursion: the results are meaningless and the search that owns the
/// diagram gives up with a message rather than exhausting memory, so it should give up soon).
/// `collectGarbage(keeping:)` compacts the table to the nodes reachable from the given roots.
struct BDD: ~Copyable {
  typealias Node = Int32

  static let zero: Node = 0
  static let one: Node = 1
  private static let terminalLevel = Int32.max

  let levelCount: Int
  let nodeLimit: Int
  private(set) var exhausted = false

  private var levels: UnsafeMutablePointer<Int32>
  private var lows: UnsafeMutablePointer<Node>
  private var highs: UnsafeMutablePointer<Node>
  private(set) var nodeCount: Int
  /// Nodes made, garbage included: the work done so far.
  private(set) var created = 0
  /// The most nodes to make (garbage included) after `startWork()`; past it the diagram is
  /// `exhausted` as when the table is full. Bounds the time of a search whose live sets stay
  /// small but whose intermediate results never stop churning.
  let workLimit: Int
  private var workStart = 0
  /// True when the diagram stopped because of `workLimit` (rather than `nodeLimit`).
  var overworked: Bool { exhausted && created - workStart >= workLimit }
  /// The fraction of `workLimit` used since `startWork()` (0 without a limit).
  var workUsed: Double { workLimit == .max ? 0 : Double(created - workStart) / Double(workLimit) }
  private var capacity: Int
  private var buckets: UnsafeMutablePointer<Node>
  private var bucketMask: Int

  private struct CacheEntry {
    var op: Int32
    var a: Node
    var b: Node
    var result: Node
  }
  private var cache: UnsafeMutablePointer<CacheEntry>
  private let cacheMask: Int

  private enum Op: Int32 {
    case and = 1, or, xor, diff, exists, andExists, flip, rename, restrict0, restrict1, compose
  }

  /// - Parameters:
  ///   - levelCount: the number of variables.
  ///   - nodeLimit: the most nodes the table may hold.
  init(levelCount: Int, nodeLimit: Int = 1 << 24, workLimit: Int = .max) {
    self.levelCount = levelCount
    self.nodeLimit = nodeLimit
    self.workLimit = workLimit
    capacity = 1 << 16
    levels = .allocate(capacity: capacity)
    lows = .allocate(capacity: capacity)
    highs = .allocate(capacity: capacity)
    for t in 0..<2 {
      levels[t] = Self.terminalLevel
      lows[t] = Node(t)
      highs[t] = Node(t)
    }
    nodeCount = 2
    bucketMask = (1 << 17) - 1
    buckets = .allocate(capacity: bucketMask + 1)
    buckets.initialize(repeating: -1, count: bucketMask + 1)
    let cacheSize = 1 << 20
    cacheMask = cacheSize - 1
    cache = .allocate(capacity: cacheSize)
    cache.initialize(repeating: CacheEntry(op: 0, a: 0, b: 0, result: 0), count: cacheSize)
  }

  deinit {
    levels.deallocate()
    lows.deallocate()
    highs.deallocate()
    buckets.deallocate()
    cache.deallocate()
  }

  // MARK: - Nodes

  @inline(__always) func level(_ u: Node) -> Int32 { levels[Int(u)] }
  @inline(__always) func low(_ u: Node) -> Node { lows[Int(u)] }
  @inline(__always) func high(_ u: Node) -> Node { highs[Int(u)] }

  /// Mixes three 32-bit words into a table index (SplitMix64's finaliser: every output bit
  /// depends on every input bit, so masks of the low bits spread well).
  @inline(__always)
  private static func hash(_ a: Int32, _ b: Int32, _ c: Int32) -> Int {
    var h = (UInt64(UInt32(bitPattern: a)) | UInt64(UInt32(bitPattern: b)) << 32) &* 0x9E37_79B9_7F4A_7C15
    h ^= UInt64(UInt32(bitPattern: c))
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int(truncatingIfNeeded: h ^ (h >> 31))
  }

  /// The node (level, low, high), made unique.
  mutating func make(_ level: Int32, _ low: Node, _ high: Node) -> Node {
    if low == high { return low }
    var slot = Self.hash(level, low, high) & bucketMask
    while true {
      let u = buckets[slot]
      if u < 0 { break }
      if levels[Int(u)] == level && lows[Int(u)] == low && highs[Int(u)] == high { return u }
      slot = (slot + 1) & bucketMask
    }
    if nodeCount >= nodeLimit || created - workStart >= workLimit {
      exhausted = true
      return Self.zero
    }
    if nodeCount == capacity { grow() }
    let u = Node(nodeCount)
    created += 1
    levels[nodeCount] = level
    lows[nodeCount] = low
    highs[nodeCount] = high
    nodeCount += 1
    buckets[slot] = u
    if nodeCount * 2 > bucketMask { rehash(size: (bucketMask + 1) * 2) }
    return u
  }

  private mutating func grow() {
    let newCapacity = capacity * 2
    func moved<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
      let q = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
      q.moveInitialize(from: p, count: nodeCount)
      p.deallocate()
      return q
    }
    levels = moved(levels)
    lows = moved(lows)
    highs = moved(highs)
    capacity = newCapacity
  }

  private mutating func rehash(size: Int) {
    buckets.deallocate()
    bucketMask = size - 1
    buckets = .allocate(capacity: size)
    buckets.initialize(repeating: -1, count: size)
    for u in 2..<nodeCount {
      var slot = Self.hash(levels[u], lows[u], highs[u]) & bucketMask
      while buckets[slot] >= 0 { slot = (slot + 1) & bucketMask }
      buckets[slot] = Node(u)
    }
  }

  @inline(__always)
  private func cached(_ op: Op, _ a: Node, _ b: Node) -> Node? {
    let e = cache[Self.hash(op.rawValue, a, b) & cacheMask]
    return e.op == op.rawValue && e.a == a && e.b == b ? e.result : nil
  }

  @inline(__always)
  private mutating func store(_ op: Op, _ a: Node, _ b: Node, _ result: Node) {
    cache[Self.hash(op.rawValue, a, b) & cacheMask] = CacheEntry(op: op.rawValue, a: a, b: b, result: result)
  }

  /// Starts counting work towards `workLimit` afresh (a diagram exhausted by work is usable
  /// again; one exhausted by its table is not).
  mutating func startWork() {
    workStart = created
    if exhausted && nodeCount < nodeLimit { exhausted = false }
  }

  // MARK: - Building

  /// The set where variable `level` is ON.
  mutating func variable(_ level: Int) -> Node { make(Int32(level), Self.zero, Self.one) }

  /// The set where variable `level` is OFF.
  mutating func negatedVariable(_ level: Int) -> Node { make(Int32(level), Self.one, Self.zero) }

  /// The single state whose variable `levels[j]` has value `values[j]` (other variables free).
  mutating func cube(_ assignment: [(level: Int, value: Bool)]) -> Node {
    var u = Self.one
    for (level, value) in assignment.sorted(by: { $0.level > $1.level }) {
      u = value ? make(Int32(level), Self.zero, u) : make(Int32(level), u, Self.zero)
    }
    return u
  }

  /// The conjunction of the positive literals of `levels` (for quantification).
  mutating func variableSet(_ levels: [Int]) -> Node {
    var u = Self.one
    for level in levels.sorted(by: >) { u = make(Int32(level), Self.zero, u) }
    return u
  }

  // MARK: - Operations

  mutating func and(_ a: Node, _ b: Node) -> Node { apply(.and, a, b) }
  mutating func or(_ a: Node, _ b: Node) -> Node { apply(.or, a, b) }
  mutating func xor(_ a: Node, _ b: Node) -> Node { apply(.xor, a, b) }
  mutating func not(_ a: Node) -> Node { apply(.xor, a, Self.one) }
  /// a ∧ ¬b.
  mutating func diff(_ a: Node, _ b: Node) -> Node { apply(.diff, a, b) }

  /// The result when it follows from the operands without recursion, else nil.
  @inline(__always)
  private func terminalCase(_ op: Op, _ a: Node, _ b: Node) -> Node? {
    switch op {
    case .and:
      if a == Self.zero || b == Self.zero { return Self.zero }
      if a == Self.one { return b }
      if b == Self.one || a == b { return a }
    case .or:
      if a == Self.one || b == Self.one { return Self.one }
      if a == Self.zero { return b }
      if b == Self.zero || a == b { return a }
    case .xor:
      if a == b { return Self.zero }
      if a == Self.zero { return b }
      if b == Self.zero { return a }
    case .diff:
      if a == Self.zero || b == Self.one || a == b { return Self.zero }
      if b == Self.zero { return a }
    default:
      break
    }
    return nil
  }

  /// A binary operation by Shannon expansion on the top variable of its operands, memoised.
  private mutating func apply(_ op: Op, _ a: Node, _ b: Node) -> Node {
    if let r = terminalCase(op, a, b) { return r }
    if exhausted { return Self.zero }
    // Commutative operations are cached with their operands in order.
    let (x, y) = op != .diff && b < a ? (b, a) : (a, b)
    if let r = cached(op, x, y) { return r }
    let lx = level(x), ly = level(y)
    let v = min(lx, ly)
    let r0 = apply(op, lx == v ? low(x) : x, ly == v ? low(y) : y)
    let r1 = apply(op, lx == v ? high(x) : x, ly == v ? high(y) : y)
    let r = make(v, r0, r1)
    store(op, x, y, r)
    return r
  }

  /// a ⊆ b.
  /// Whether a ⊆ b; false when the diagram is exhausted (its operations then return 0, which
  /// must not read as "nothing outside b").
  mutating func isSubset(_ a: Node, of b: Node) -> Bool { diff(a, b) == Self.zero && !exhausted }

  /// ∃ variables of `set` (a `variableSet`): a.
  mutating func exists(_ a: Node, _ set: Node) -> Node {
    if a <= Self.one || set == Self.one { return a }
    if exhausted { return Self.zero }
    var s = set
    let la = level(a)
    while s != Self.one && level(s) < la { s = high(s) }
    if s == Self.one { return a }
    if let r = cached(.exists, a, s) { return r }
    let r: Node
    if level(s) == la {
      let r0 = exists(low(a), high(s))
      r = r0 == Self.one ? Self.one : or(r0, exists(high(a), high(s)))
    } else {
      r = make(la, exists(low(a), s), exists(high(a), s))
    }
    store(.exists, a, s, r)
    return r
  }

  /// ∃ variables of `set`: a ∧ b, without building a ∧ b (the relational product).
  mutating func andExists(_ a: Node, _ b: Node, _ set: Node) -> Node {
    if a == Self.zero || b == Self.zero { return Self.zero }
    if a == Self.one && b == Self.one { return Self.one }
    if a == Self.one || a == b { return exists(b, set) }
    if b == Self.one { return exists(a, set) }
    if exhausted { return Self.zero }
    let (x, y) = a < b ? (a, b) : (b, a)
    let lx = level(x), ly = level(y)
    let v = min(lx, ly)
    var s = set
    while s != Self.one && level(s) < v { s = high(s) }
    if s == Self.one { return and(x, y) }
    // The cache key packs the set into the operation: the set is fixed for a whole image.
    let key = Int32(truncatingIfNeeded: Int(Op.andExists.rawValue) &+ Int(s) &* 16)
    let slot = Self.hash(key, x, y) & cacheMask
    let e = cache[slot]
    if e.op == key && e.a == x && e.b == y { return e.result }
    let x0 = lx == v ? low(x) : x, x1 = lx == v ? high(x) : x
    let y0 = ly == v ? low(y) : y, y1 = ly == v ? high(y) : y
    let r: Node
    if level(s) == v {
      let r0 = andExists(x0, y0, high(s))
      r = r0 == Self.one ? Self.one : or(r0, andExists(x1, y1, high(s)))
    } else {
      r = make(v, andExists(x0, y0, s), andExists(x1, y1, s))
    }
    cache[slot] = CacheEntry(op: key, a: x, b: y, result: r)
    return r
  }

  /// The set with variable `level` negated in every state.
  mutating func flip(_ a: Node, _ variable: Int) -> Node {
    let v = Int32(variable)
    let la = level(a)
    if la > v { return a }
    if la == v { return make(v, high(a), low(a)) }
    if exhausted { return Self.zero }
    if let r = cached(.flip, a, v) { return r }
    let r = make(la, flip(low(a), variable), flip(high(a), variable))
    store(.flip, a, v, r)
    return r
  }

  /// The cofactor of `a` with variable `level` set to `value`.
  mutating func restrict(_ a: Node, _ variable: Int, _ value: Bool) -> Node {
    let v = Int32(variable)
    let la = level(a)
    if la > v { return a }
    if la == v { return value ? high(a) : low(a) }
    let op: Op = value ? .restrict1 : .restrict0
    if exhausted { return Self.zero }
    if let r = cached(op, a, v) { return r }
    let r = make(la, restrict(low(a), variable, value), restrict(high(a), variable, value))
    store(op, a, v, r)
    return r
  }

  /// Moves every odd level 2i+1 to 2i (a set over the "next state" copies of interleaved
  /// variables, renamed to the "current state" ones). The set must use odd levels only.
  mutating func renameOddToEven(_ a: Node) -> Node {
    if a <= Self.one { return a }
    if exhausted { return Self.zero }
    if let r = cached(.rename, a, 0) { return r }
    let r = make(level(a) - 1, renameOddToEven(low(a)), renameOddToEven(high(a)))
    store(.rename, a, 0, r)
    return r
  }

  /// If-then-else: f ∧ g ∨ ¬f ∧ h.
  mutating func ite(_ f: Node, _ g: Node, _ h: Node) -> Node {
    if f == Self.one { return g }
    if f == Self.zero { return h }
    if g == h { return g }
    if g == Self.one && h == Self.zero { return f }
    if g == Self.zero && h == Self.one { return not(f) }
    if g == Self.one { return or(f, h) }
    if h == Self.zero { return and(f, g) }
    if g == Self.zero { return diff(h, f) }
    if h == Self.one { return or(not(f), g) }
    if exhausted { return Self.zero }
    // Three operands: the cache stores (g, h) under a key derived from f.
    let key = Int32(truncatingIfNeeded: 0x4000_0000 | Int(f))
    let slot = Self.hash(key, g, h) & cacheMask
    let e = cache[slot]
    if e.op == key && e.a == g && e.b == h { return e.result }
    let v = min(level(f), level(g), level(h))
    func cofactor(_ u: Node, _ high: Bool) -> Node { level(u) == v ? (high ? self.high(u) : low(u)) : u }
    let r0 = ite(cofactor(f, false), cofactor(g, false), cofactor(h, false))
    let r1 = ite(cofactor(f, true), cofactor(g, true), cofactor(h, true))
    let r = make(v, r0, r1)
    cache[slot] = CacheEntry(op: key, a: g, b: h, result: r)
    return r
  }

  /// a with every variable l replaced by `functions[l]`: the states x whose image
  /// (f_0(x), f_1(x), …) lies in a. The caller starts each new `functions` with a cleared
  /// `composeGeneration` (the cache is keyed by it).
  mutating func compose(_ a: Node, _ functions: [Node]) -> Node {
    if a <= Self.one { return a }
    if exhausted { return Self.zero }
    if let r = cached(.compose, a, composeGeneration) { return r }
    let r0 = compose(low(a), functions)
    let r1 = compose(high(a), functions)
    let r = ite(functions[Int(level(a))], r1, r0)
    store(.compose, a, composeGeneration, r)
    return r
  }

  /// Distinguishes compose caches of different function vectors (see `compose`).
  var composeGeneration: Int32 = 0

  // MARK: - Reading sets

  /// The number of assignments of the variables whose `counted` flag is set (the set must not
  /// depend on the others).
  func count(_ a: Node, counted: [Bool]) -> Double {
    var rank = [Int](repeating: 0, count: levelCount + 1)
    for l in 0..<levelCount { rank[l + 1] = rank[l] + (counted[l] ? 1 : 0) }
    var memo: [Node: Double] = [:]
    func rankOf(_ u: Node) -> Int { u <= Self.one ? rank[levelCount] : rank[Int(level(u))] }
    func visit(_ u: Node) -> Double {
      if u == Self.zero { return 0 }
      if u == Self.one { return 1 }
      if let c = memo[u] { return c }
      let r = rankOf(u)
      let c0 = visit(low(u)) * pow2(rankOf(low(u)) - r - 1)
      let c1 = visit(high(u)) * pow2(rankOf(high(u)) - r - 1)
      memo[u] = c0 + c1
      return c0 + c1
    }
    return visit(a) * pow2(rankOf(a))
  }

  private func pow2(_ k: Int) -> Double { Double(sign: .plus, exponent: k, significand: 1) }

  /// One assignment in `a` (which must not be empty): at every node the low branch unless it is
  /// empty; variables the path skips are OFF.
  func firstAssignment(_ a: Node) -> [Bool] {
    var values = [Bool](repeating: false, count: levelCount)
    var u = a
    while u > Self.one {
      if low(u) != Self.zero {
        u = low(u)
      } else {
        values[Int(level(u))] = true
        u = high(u)
      }
    }
    return values
  }

  /// Up to `limit` assignments of the counted variables in `a`, in increasing order (variable 0
  /// most significant), expanding the variables the diagram skips.
  func assignments(_ a: Node, counted: [Int], limit: Int) -> [[Bool]] {
    var out: [[Bool]] = []
    var values = [Bool](repeating: false, count: levelCount)
    let countedSet = Set(counted)
    let order = counted.sorted()
    func walk(_ u: Node, _ index: Int) {
      if out.count >= limit || u == Self.zero { return }
      if index == order.count {
        out.append(values)
        return
      }
      let l = order[index]
      if u == Self.one || level(u) > Int32(l) {
        for v in [false, true] {
          values[l] = v
          walk(u, index + 1)
        }
        values[l] = false
        return
      }
      precondition(Int(level(u)) == l || !countedSet.contains(Int(level(u))), "the set depends on an uncounted variable")
      values[l] = false
      walk(low(u), index + 1)
      values[l] = true
      walk(high(u), index + 1)
      values[l] = false
    }
    walk(a, 0)
    return out
  }

  /// For each variable: true when every assignment in `a` has it ON, false when every one has it
  /// OFF, nil when both occur (the smallest subspace holding the set). `a` must not be empty.
  mutating func enclosingSubspace(_ a: Node) -> [Bool?] {
    (0..<levelCount).map { l in
      let on = restrict(a, l, true) != Self.zero
      let off = restrict(a, l, false) != Self.zero
      return on && off ? nil : on
    }
  }

  // MARK: - Garbage collection

  /// Keeps only the nodes reachable from `roots` (renumbered in place) and empties the cache.
  mutating func collectGarbage(keeping roots: inout [Node]) {
    var mark = [Bool](repeating: false, count: nodeCount)
    mark[0] = true
    mark[1] = true
    var stack = roots
    while let u = stack.popLast() {
      if mark[Int(u)] { continue }
      mark[Int(u)] = true
      stack.append(lows[Int(u)])
      stack.append(highs[Int(u)])
    }
    // Children always have smaller numbers than their parents, so one forward pass renumbers.
    var renumber = [Node](repeating: -1, count: nodeCount)
    renumber[0] = 0
    renumber[1] = 1
    var next = 2
    for u in 2..<nodeCount where mark[u] {
      levels[next] = levels[u]
      lows[next] = renumber[Int(lows[u])]
      highs[next] = renumber[Int(highs[u])]
      renumber[u] = Node(next)
      next += 1
    }
    nodeCount = next
    rehash(size: bucketMask + 1)
    cache.update(repeating: CacheEntry(op: 0, a: 0, b: 0, result: 0), count: cacheMask + 1)
    for i in roots.indices { roots[i] = renumber[Int(roots[i])] }
  }
}
