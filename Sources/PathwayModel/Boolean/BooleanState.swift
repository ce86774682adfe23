/// A state of a Boolean network: one bit per node, 64 nodes per word, any number of nodes.
///
/// Bit i (bit `i % 64` of word `i / 64`) is node i in network order. Bits past `count` are zero,
/// so equal states have equal words and hash alike. The text form is a string of `0`/`1`,
/// character i being node i, as the attractor JSON and CSV write it.
public struct BooleanState: Hashable, Sendable, Comparable, CustomStringConvertible {
  public private(set) var words: [UInt64]
  public let count: Int

  /// The state with every node OFF.
  public init(count: Int) {
    self.count = count
    words = [UInt64](repeating: 0, count: Self.wordCount(count))
  }

  /// The state whose node i is `bits[i]`.
  public init(_ bits: [Bool]) {
    self.init(count: bits.count)
    for (i, b) in bits.enumerated() where b { self[i] = true }
  }

  /// Parses a string of `0` and `1`; nil for other characters.
  public init?(_ text: String) {
    var bits: [Bool] = []
    for c in text.unicodeScalars {
      switch c {
      case "0": bits.append(false)
      case "1": bits.append(true)
      default: return nil
      }
    }
    self.init(bits)
  }

  /// A state from packed words (extra bits past `count` are cleared).
  public init(words: [UInt64], count: Int) {
    precondition(words.count >= Self.wordCount(count), "too few words for \(count) nodes")
    self.count = count
    self.words = Array(words.prefix(Self.wordCount(count)))
    if count % 64 != 0, !self.words.isEmpty {
      self.words[self.words.count - 1] &= (1 << UInt64(count % 64)) - 1
    }
  }

  /// A uniformly random state.
  public static func random<G: RandomNumberGenerator>(count: Int, using generator: inout G) -> BooleanState {
    var words = [UInt64](repeating: 0, count: wordCount(count))
    for w in words.indices { words[w] = generator.next() }
    return BooleanState(words: words, count: count)
  }

  /// Words needed for `count` nodes.
  public static func wordCount(_ count: Int) -> Int { (count + 63) / 64 }

  public subscript(i: Int) -> Bool {
    get { words[i >> 6] >> UInt64(i & 63) & 1 == 1 }
    set {
      if newValue { words[i >> 6] |= 1 << UInt64(i & 63) } else { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    }
  }

  /// The number of nodes that are ON.
  public var onCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

  /// `0`/`1` per node, node 0 first.
  public var description: String {
    var scalars = String.UnicodeScalarView()
    for i in 0..<count { scalars.append(self[i] ? "1" : "0") }
    return String(scalars)
  }

  /// Lexicographic order of the text form (node 0 most significant).
  public static func < (a: BooleanState, b: BooleanState) -> Bool {
    for i in 0..<min(a.count, b.count) where a[i] != b[i] { return !a[i] }
    return a.count < b.count
  }

  /// Mutable access to the words for kernels that write a whole state.
  public mutating func withUnsafeMutableWords<R>(_ body: (UnsafeMutablePointer<UInt64>) throws -> R) rethrows -> R {
    try words.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
  }

  public func withUnsafeWords<R>(_ body: (UnsafePointer<UInt64>) throws -> R) rethrows -> R {
    try words.withUnsafeBufferPointer { try body($0.baseAddress!) }
  }
}
