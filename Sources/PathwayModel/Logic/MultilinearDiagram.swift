/// A truth table as a reduced ordered binary decision diagram, evaluated as its multilinear
/// extension: the HillCube B̂ in O(diagram size) instead of O(2ᵏ).
///
/// The multilinear interpolation of a Boolean function is unique, and Shannon's expansion
/// B = (1 − y_v)·B|_{v=0} + y_v·B|_{v=1} holds for it at every point of [0, 1]ᵏ, so evaluating the
/// diagram bottom-up with `lo + y_v·(hi − lo)` at each node gives exactly
/// Σ_s B(s) Π_j y_j^{s_j}(1 − y_j)^{1−s_j}. Reduction (merging equal sub-tables, skipping nodes
/// whose two branches agree) is what makes it small: the 12-regulator Runx2 rule of the
/// osteogenesis model has a few dozen nodes instead of 4,096 table entries.
public struct MultilinearDiagram: Sendable, Hashable {
  /// Internal nodes in evaluation order (children first). Node ids 0 and 1 are the terminals
  /// false and true; internal node i has id i + 2.
  public private(set) var variable: [Int32] = []
  public private(set) var low: [Int32] = []
  public private(set) var high: [Int32] = []
  /// The id of the root (0 or 1 for a constant function).
  public private(set) var root: Int32 = 0
  public let variableCount: Int

  /// Builds the reduced diagram of `table`, with regulator j as variable j.
  public init(_ table: TruthTable) {
    variableCount = table.regulators.count
    // Level by level from the table: entry ids for 2ᵏ leaves, then pairs merged per variable.
    var current: [Int32] = (0..<table.entryCount).map { table.value(at: $0) ? 1 : 0 }
    var unique: [Int64: Int32] = [:]
    for v in 0..<variableCount {
      var next: [Int32] = []
      next.reserveCapacity(current.count / 2)
      for m in 0..<(current.count / 2) {
        let lo = current[2 * m], hi = current[2 * m + 1]
        if lo == hi {
          next.append(lo)
          continue
        }
        let key = Int64(v) << 42 | Int64(lo) << 21 | Int64(hi)
        if let id = unique[key] {
          next.append(id)
        } else {
          let id = Int32(variable.count + 2)
          variable.append(Int32(v))
          low.append(lo)
          high.append(hi)
          unique[key] = id
          next.append(id)
        }
      }
      current = next
    }
    root = current.first ?? 0
  }

  /// Number of internal nodes.
  public var size: Int { variable.count }
}

/// Flat storage of many diagrams for the right-hand side, owned by a compiled model.
struct DiagramStore {
  /// Per internal node, all diagrams concatenated: variable index (local to its diagram), and
  /// children as ids local to the diagram (0, 1 terminals; i + 2 internal node i of it).
  var variable: [Int32] = []
  var low: [Int32] = []
  var high: [Int32] = []
  /// Per diagram: first internal node, node count, root id.
  var start: [Int] = []
  var count: [Int] = []
  var root: [Int32] = []
  var maximumSize = 0

  mutating func append(_ d: MultilinearDiagram) {
    start.append(variable.count)
    count.append(d.size)
    root.append(d.root)
    variable += d.variable
    low += d.low
    high += d.high
    maximumSize = max(maximumSize, d.size)
  }
}

extension MultilinearDiagram {
  /// B̂(y) over caller-owned scratch of at least `size + 2` doubles.
  public func value(_ y: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>) -> Double {
    variable.withUnsafeBufferPointer { v in
      low.withUnsafeBufferPointer { lo in
        high.withUnsafeBufferPointer { hi in
          MultilinearKernel.value(
            variable: v.baseAddress!, low: lo.baseAddress!, high: hi.baseAddress!, count: size, root: root, y: y,
            values: scratch)
        }
      }
    }
  }
}

/// The evaluation loops, over raw pointers (no allocation, no bounds checks in the hot path).
enum MultilinearKernel {
  /// `values` holds at least count + 2 doubles; entries 0 and 1 become the terminals.
  @inline(__always)
  static func value(
    variable: UnsafePointer<Int32>, low: UnsafePointer<Int32>, high: UnsafePointer<Int32>, count: Int, root: Int32,
    y: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>
  ) -> Double {
    if root < 2 { return Double(root) }
    values[0] = 0
    values[1] = 1
    for i in 0..<count {
      let a = values[Int(low[i])], b = values[Int(high[i])]
      values[i + 2] = a + y[Int(variable[i])] * (b - a)
    }
    return values[Int(root)]
  }

  /// B̂(y) and ∂B̂/∂y_j (accumulated into `gradient`, which the caller zeroes), by one forward
  /// and one reverse sweep. `values` and `adjoint` hold at least count + 2 doubles.
  @inline(__always)
  static func valueAndGradient(
    variable: UnsafePointer<Int32>, low: UnsafePointer<Int32>, high: UnsafePointer<Int32>, count: Int, root: Int32,
    y: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>, adjoint: UnsafeMutablePointer<Double>,
    gradient: UnsafeMutablePointer<Double>
  ) -> Double {
    if root < 2 { return Double(root) }
    let result = value(variable: variable, low: low, high: high, count: count, root: root, y: y, values: values)
    for i in 0..<(count + 2) { adjoint[i] = 0 }
    adjoint[Int(root)] = 1
    var i = count - 1
    while i >= 0 {
      let a = adjoint[i + 2]
      if a != 0 {
        let v = Int(variable[i]), lo = Int(low[i]), hi = Int(high[i])
        let yv = y[v]
        gradient[v] += a * (values[hi] - values[lo])
        adjoint[lo] += a * (1 - yv)
        adjoint[hi] += a * yv
      }
      i -= 1
    }
    return result
  }
}
