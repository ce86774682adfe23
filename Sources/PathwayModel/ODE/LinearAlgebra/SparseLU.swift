/// Sparse LU factorization of the iteration matrix E = σI − J, for systems whose Jacobian is
/// sparse (reaction networks: a species' rate depends on a handful of others).
///
/// The analysis is done once, from the Jacobian's structural pattern:
/// - the pattern of E (the pattern of J plus the diagonal), by columns;
/// - a fill-reducing column order Q: minimum degree on the pattern of E + Eᵀ (`minimumDegreeOrder`);
/// - the row pivots P and the patterns of L and U (the fill-in), from the first numeric
///   factorization: Gilbert & Peierls' left-looking LU (as in Davis's KLU), column by column in
///   the order Q, each column's pattern the set reachable in the graph of L from the column of E,
///   with threshold partial pivoting that keeps the diagonal when it is within a factor 0.1 of
///   the largest candidate (so that Q's fill reduction survives).
///
/// Every later factorization (every step, every new σ) only recomputes the numbers over the
/// fixed patterns (KLU's "refactor"): a scatter, the column updates, one division per entry of L.
/// When a pivot then turns out small against its column (|lᵢₖ| > 10, the bound the threshold
/// pivoting itself keeps, so that a refactorization is as stable as a fresh one), the pivots are chosen
/// again with a full factorization; the patterns may grow then, the one case in which storage
/// may be reallocated.
///
/// Not thread-safe: one per engine.
final class SparseLU {
  let n: Int
  // E's pattern by columns, in the original numbering.
  private let aStart: UnsafeMutablePointer<Int>
  private let aRow: UnsafeMutablePointer<Int>
  /// Index of each entry in the row-major dense Jacobian (row · n + column).
  private let aDense: UnsafeMutablePointer<Int>
  private let aIsDiagonal: UnsafeMutablePointer<Bool>
  /// The row's pivot position, per entry of E (valid while `factored`).
  private let aPivotRow: UnsafeMutablePointer<Int>
  private let aCount: Int
  /// Column k of the permuted matrix is column `q[k]` of E.
  private let q: UnsafeMutablePointer<Int>
  /// The pivot position of each original row.
  private let pinv: UnsafeMutablePointer<Int>
  // L (unit diagonal, not stored) and U (diagonal in `uDiagonal`) by columns, rows in pivot positions.
  private let lStart: UnsafeMutablePointer<Int>
  private var lIndex: UnsafeMutablePointer<Int>
  private var lValue: UnsafeMutablePointer<Double>
  private let uStart: UnsafeMutablePointer<Int>
  private var uIndex: UnsafeMutablePointer<Int>
  private var uValue: UnsafeMutablePointer<Double>
  private let uDiagonal: UnsafeMutablePointer<Double>
  private var lCapacity: Int
  private var uCapacity: Int
  // Work space.
  private let x: UnsafeMutablePointer<Double>
  private let stack: UnsafeMutablePointer<Int>
  private let edge: UnsafeMutablePointer<Int>
  private let reach: UnsafeMutablePointer<Int>
  private let mark: UnsafeMutablePointer<Int>
  /// True once pivots and patterns exist.
  private(set) var factored = false
  /// Full factorizations (pivot choices) so far; the first is the analysis.
  private(set) var pivotings = 0

  /// Threshold of the full factorization: the diagonal is kept when at least this fraction of
  /// the largest candidate in its column (UMFPACK's default, 0.1). KLU's 10⁻³ allowed growth in
  /// U beyond the backward-error bound on a matrix whose diagonal is zero in J.
  static let pivotTolerance = 0.1
  /// A refactorization is rejected when a multiplier exceeds this: 1/`pivotTolerance`, the
  /// largest multiplier a full factorization with threshold pivoting can produce. (A looser
  /// bound, 10⁶, let reused pivots grow the factors enough to lose the backward-error bound
  /// when σ changed by orders of magnitude.)
  static let largestMultiplier = 1 / pivotTolerance

  /// - Parameters:
  ///   - n: the dimension.
  ///   - rows: for each row of J, the columns of its structural nonzeros (duplicates allowed).
  init(n: Int, rows: [[Int]]) {
    self.n = n
    func buffer<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
      let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
      p.initialize(repeating: value, count: max(1, count))
      return p
    }
    // Columns of E: J's pattern transposed, plus the diagonal, sorted and without duplicates.
    var columns = [[Int]](repeating: [], count: n)
    for (r, cols) in rows.enumerated() { for c in cols { columns[c].append(r) } }
    for c in 0..<n {
      columns[c].append(c)
      columns[c] = Array(Set(columns[c])).sorted()
    }
    aCount = columns.reduce(0) { $0 + $1.count }
    aStart = buffer(n + 1, 0)
    aRow = buffer(aCount, 0)
    aDense = buffer(aCount, 0)
    aIsDiagonal = buffer(aCount, false)
    aPivotRow = buffer(aCount, 0)
    var p = 0
    for c in 0..<n {
      aStart[c] = p
      for r in columns[c] {
        aRow[p] = r
        aDense[p] = r * n + c
        aIsDiagonal[p] = r == c
        p += 1
      }
    }
    aStart[n] = p
    // The column order.
    var symmetric = [[Int]](repeating: [], count: n)
    for c in 0..<n {
      for r in columns[c] where r != c {
        symmetric[r].append(c)
        symmetric[c].append(r)
      }
    }
    q = buffer(n, 0)
    for (k, c) in Self.minimumDegreeOrder(n: n, neighbours: symmetric).enumerated() { q[k] = c }
    pinv = buffer(n, -1)
    // Room for L and U: all of a triangle for small systems, a multiple of E's entries otherwise.
    let triangle = n * (n - 1) / 2
    let capacity = n <= 1024 ? triangle : min(triangle, max(8 * aCount, 64 * n))
    lCapacity = max(1, capacity)
    uCapacity = max(1, capacity)
    lStart = buffer(n + 1, 0)
    lIndex = buffer(lCapacity, 0)
    lValue = buffer(lCapacity, 0.0)
    uStart = buffer(n + 1, 0)
    uIndex = buffer(uCapacity, 0)
    uValue = buffer(uCapacity, 0.0)
    uDiagonal = buffer(n, 0.0)
    x = buffer(n, 0.0)
    stack = buffer(n, 0)
    edge = buffer(n, 0)
    reach = buffer(n, 0)
    mark = buffer(n, -1)
  }

  deinit {
    for p in [aStart, aRow, aDense, aPivotRow, q, pinv, lStart, lIndex, uStart, uIndex, stack, edge, reach, mark] {
      p.deallocate()
    }
    for p in [lValue, uValue, uDiagonal, x] { p.deallocate() }
    aIsDiagonal.deallocate()
  }

  /// Entries of L and U (without U's diagonal) in the current factorization.
  var factorEntries: Int { factored ? lStart[n] + uStart[n] : 0 }
  /// Entries of E.
  var matrixEntries: Int { aCount }

  /// The value of entry p of E = σI − J.
  @inline(__always)
  private func entry(_ p: Int, _ sigma: Double, _ j: UnsafePointer<Double>) -> Double {
    aIsDiagonal[p] ? sigma - j[aDense[p]] : -j[aDense[p]]
  }

  /// Factors σI − J (J dense row-major; only its structural entries are read). Returns false
  /// when the matrix is singular to working precision or holds a non-finite value.
  func factor(sigma: Double, jacobian j: UnsafePointer<Double>) -> Bool {
    if factored && refactor(sigma, j) { return true }
    return pivot(sigma, j)
  }

  /// Numbers only, over the patterns and pivots of the last full factorization.
  private func refactor(_ sigma: Double, _ j: UnsafePointer<Double>) -> Bool {
    let x = self.x
    for k in 0..<n {
      let column = q[k]
      for p in aStart[column]..<aStart[column + 1] { x[aPivotRow[p]] = entry(p, sigma, j) }
      for u in uStart[k]..<uStart[k + 1] {
        let r = uIndex[u]
        let v = x[r]
        uValue[u] = v
        x[r] = 0
        if v != 0 {
          for l in lStart[r]..<lStart[r + 1] { x[lIndex[l]] -= lValue[l] * v }
        }
      }
      let pivot = x[k]
      x[k] = 0
      var largest = 0.0
      for l in lStart[k]..<lStart[k + 1] {
        let r = lIndex[l]
        let v = x[r]
        x[r] = 0
        largest = max(largest, abs(v))
        lValue[l] = v
      }
      guard pivot != 0, pivot.isFinite, largest.isFinite, largest <= Self.largestMultiplier * abs(pivot) else {
        // Clear what later columns would have cleared, and choose pivots again.
        for r in 0..<n { x[r] = 0 }
        return false
      }
      let inverse = 1 / pivot
      for l in lStart[k]..<lStart[k + 1] { lValue[l] *= inverse }
      uDiagonal[k] = pivot
    }
    return true
  }

  /// A full factorization with threshold partial pivoting (Gilbert–Peierls): chooses the pivots
  /// and the patterns of L and U.
  private func pivot(_ sigma: Double, _ j: UnsafePointer<Double>) -> Bool {
    pivotings += 1
    factored = false
    let x = self.x  // indexed by original row while factoring
    for i in 0..<n {
      pinv[i] = -1
      mark[i] = -1
    }
    var lCount = 0, uCount = 0
    for k in 0..<n {
      lStart[k] = lCount
      uStart[k] = uCount
      let column = q[k]
      // The pattern of L⁻¹ E(:, column): rows reachable from the column's rows in the graph of L.
      var top = n
      for p in aStart[column]..<aStart[column + 1] {
        let r = aRow[p]
        x[r] = entry(p, sigma, j)
        if mark[r] != k { top = depthFirst(from: r, top: top, stamp: k) }
      }
      // Numbers, in topological order; pivotal rows become U's column, the others candidates.
      var largest = 0.0
      var diagonal = -1
      var best = -1
      for t in top..<n {
        let r = reach[t]
        let position = pinv[r]
        if position >= 0 {
          let v = x[r]
          if v != 0 {
            for l in lStart[position]..<lStart[position + 1] { x[lIndex[l]] -= lValue[l] * v }
          }
        } else {
          let v = abs(x[r])
          if r == column { diagonal = r }
          if v > largest || best < 0 {
            largest = v
            best = r
          }
        }
      }
      guard best >= 0, largest != 0, largest.isFinite else {
        for t in top..<n { x[reach[t]] = 0 }
        return false
      }
      let pivotRow = diagonal >= 0 && abs(x[diagonal]) >= Self.pivotTolerance * largest ? diagonal : best
      let pivot = x[pivotRow]
      // Room: at most every reached row goes to L or U.
      let needed = n - top
      if lCount + needed > lCapacity || uCount + needed > uCapacity { grow(lCount + needed, uCount + needed) }
      for t in top..<n {
        let r = reach[t]
        let position = pinv[r]
        if position >= 0 {
          uIndex[uCount] = position
          uValue[uCount] = x[r]
          uCount += 1
        } else if r != pivotRow {
          lIndex[lCount] = r  // original row for now
          lValue[lCount] = x[r] / pivot
          lCount += 1
        }
        x[r] = 0
      }
      pinv[pivotRow] = k
      uDiagonal[k] = pivot
    }
    lStart[n] = lCount
    uStart[n] = uCount
    // L's rows to pivot positions; U's columns sorted by position, which is a valid order for
    // the column updates of `refactor` (L is lower triangular in that numbering).
    for l in 0..<lCount { lIndex[l] = pinv[lIndex[l]] }
    for k in 0..<n { sortColumn(start: uStart[k], end: uStart[k + 1]) }
    for p in 0..<aCount { aPivotRow[p] = pinv[aRow[p]] }
    factored = true
    return true
  }

  /// Depth-first search from row `r` in the graph of L (a pivotal row's children are the rows of
  /// its column of L); pushes the rows it finishes onto `reach` below `top`, which it returns.
  private func depthFirst(from r: Int, top: Int, stamp: Int) -> Int {
    var top = top
    var head = 0
    stack[0] = r
    mark[r] = stamp
    edge[0] = pinv[r] >= 0 ? lStart[pinv[r]] : 0
    while head >= 0 {
      let node = stack[head]
      let position = pinv[node]
      var descended = false
      if position >= 0 {
        // Columns before the current one are complete: lStart[position + 1] is set.
        let end = lStart[position + 1]
        var e = edge[head]
        while e < end {
          let child = lIndex[e]
          e += 1
          if mark[child] != stamp {
            mark[child] = stamp
            edge[head] = e
            head += 1
            stack[head] = child
            edge[head] = pinv[child] >= 0 ? lStart[pinv[child]] : 0
            descended = true
            break
          }
        }
        if !descended { edge[head] = e }
      }
      if !descended {
        head -= 1
        top -= 1
        reach[top] = node
      }
    }
    return top
  }

  /// Insertion sort of U's column by row position (columns are short).
  private func sortColumn(start: Int, end: Int) {
    guard end - start > 1 else { return }
    for i in (start + 1)..<end {
      let key = uIndex[i], value = uValue[i]
      var k = i - 1
      while k >= start && uIndex[k] > key {
        uIndex[k + 1] = uIndex[k]
        uValue[k + 1] = uValue[k]
        k -= 1
      }
      uIndex[k + 1] = key
      uValue[k + 1] = value
    }
  }

  /// More room for L and U (only after new pivots that fill in more than the room held).
  private func grow(_ l: Int, _ u: Int) {
    if l > lCapacity {
      let capacity = max(l, 2 * lCapacity)
      let index = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
      let value = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
      index.update(from: lIndex, count: lCapacity)
      value.update(from: lValue, count: lCapacity)
      lIndex.deallocate()
      lValue.deallocate()
      lIndex = index
      lValue = value
      lCapacity = capacity
    }
    if u > uCapacity {
      let capacity = max(u, 2 * uCapacity)
      let index = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
      let value = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
      index.update(from: uIndex, count: uCapacity)
      value.update(from: uValue, count: uCapacity)
      uIndex.deallocate()
      uValue.deallocate()
      uIndex = index
      uValue = value
      uCapacity = capacity
    }
  }

  /// Solves (σI − J) x = b in place with the last successful factorization.
  func solve(_ b: UnsafeMutablePointer<Double>) {
    let w = x
    for i in 0..<n { w[pinv[i]] = b[i] }
    for k in 0..<n {
      let v = w[k]
      if v != 0 {
        for l in lStart[k]..<lStart[k + 1] { w[lIndex[l]] -= lValue[l] * v }
      }
    }
    var k = n - 1
    while k >= 0 {
      let v = w[k] / uDiagonal[k]
      w[k] = v
      if v != 0 {
        for u in uStart[k]..<uStart[k + 1] { w[uIndex[u]] -= uValue[u] * v }
      }
      k -= 1
    }
    for k in 0..<n {
      b[q[k]] = w[k]
      w[k] = 0
    }
  }

  /// A minimum-degree order of a symmetric pattern (without the diagonal): repeatedly eliminates
  /// a vertex of least degree in the elimination graph and joins its neighbours into a clique
  /// (Tinney & Walker's scheme 2, on bit sets; once per model). Ties go to the vertex of least
  /// degree in the original graph, then to the lowest index: a hub whose degree has fallen to
  /// that of its last neighbour is still eliminated after it.
  static func minimumDegreeOrder(n: Int, neighbours: [[Int]]) -> [Int] {
    let words = (n + 63) / 64
    var bits = [UInt64](repeating: 0, count: max(1, n * words))
    for (v, list) in neighbours.enumerated() {
      for u in list where u != v { bits[v * words + u / 64] |= 1 << UInt64(u % 64) }
    }
    var degree = (0..<n).map { v in (0..<words).reduce(0) { $0 + bits[v * words + $1].nonzeroBitCount } }
    let originalDegree = degree
    var eliminated = [Bool](repeating: false, count: n)
    var order: [Int] = []
    order.reserveCapacity(n)
    for _ in 0..<n {
      var v = -1
      for u in 0..<n where !eliminated[u] {
        if v < 0 || degree[u] < degree[v] || (degree[u] == degree[v] && originalDegree[u] < originalDegree[v]) { v = u }
      }
      eliminated[v] = true
      order.append(v)
      var members: [Int] = []
      for w in 0..<words {
        var word = bits[v * words + w]
        while word != 0 {
          let b = word.trailingZeroBitCount
          members.append(w * 64 + b)
          word &= word - 1
        }
      }
      for u in members {
        for w in 0..<words { bits[u * words + w] |= bits[v * words + w] }
        bits[u * words + u / 64] &= ~(1 << UInt64(u % 64))
        bits[u * words + v / 64] &= ~(1 << UInt64(v % 64))
        degree[u] = (0..<words).reduce(0) { $0 + bits[u * words + $1].nonzeroBitCount }
      }
    }
    return order
  }
}
