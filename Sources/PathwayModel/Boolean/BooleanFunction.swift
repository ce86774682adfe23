/// One node's update function, over a list of regulators (node indices of its network).
///
/// Up to `TruthTable.maximumRegulators` regulators it is a truth table of 2ᵏ bits (entry `e`
/// holds the value when regulator j is ON exactly when bit j of `e` is set); beyond, a
/// `BitProgram`. Regulators the function does not depend on are dropped when the function is
/// built, so `regulators` are the node's true inputs (the edges of the interaction graph).
public struct BooleanFunction: Sendable, Hashable {
  public enum Form: Sendable, Hashable {
    case table([UInt64])
    case program(BitProgram)
  }

  /// Node indices, in the order of the rule's first appearance.
  public let regulators: [Int]
  public let form: Form

  public init(regulators: [Int], form: Form) {
    self.regulators = regulators
    self.form = form
  }

  /// The constant function.
  public static func constant(_ value: Bool) -> BooleanFunction {
    BooleanFunction(regulators: [], form: .table([value ? 1 : 0]))
  }

  /// The identity of node `i`: a self-loop that holds its value (an input).
  public static func identity(_ i: Int) -> BooleanFunction {
    BooleanFunction(regulators: [i], form: .table([0b10]))
  }

  /// A table function from its entries, with regulators the entries ignore dropped.
  public static func table(regulators: [Int], entry: (Int) -> Bool) -> BooleanFunction {
    let k = regulators.count
    var words = [UInt64](repeating: 0, count: ((1 << k) + 63) / 64)
    for e in 0..<(1 << k) where entry(e) { words[e >> 6] |= 1 << UInt64(e & 63) }
    return BooleanFunction(regulators: regulators, form: .table(words)).withoutIgnoredRegulators()
  }

  /// The value of the constant function, or nil when the function reads a regulator.
  public var constantValue: Bool? {
    guard regulators.isEmpty else { return nil }
    switch form {
    case .table(let words): return words[0] & 1 == 1
    case .program(let program): return program.constantValue
    }
  }

  /// True for the identity of node `i` (an input's self-loop).
  public func isIdentity(of i: Int) -> Bool {
    guard regulators == [i], case .table(let words) = form else { return false }
    return words[0] & 0b11 == 0b10
  }

  /// The value when regulator j has value `value(j)`.
  public func evaluate(_ value: (Int) -> Bool) -> Bool {
    switch form {
    case .table(let words):
      var e = 0
      for j in 0..<regulators.count where value(j) { e |= 1 << j }
      return words[e >> 6] >> UInt64(e & 63) & 1 == 1
    case .program(let program):
      return program.evaluate(value)
    }
  }

  /// The value when it is determined by the known regulators (`value(j)` nil when unknown),
  /// else nil. Exact for tables with up to 16 unknown regulators; Kleene logic beyond.
  public func evaluatePartial(_ value: (Int) -> Bool?) -> Bool? {
    var known = 0, fixed = 0
    var unknown: [Int] = []
    for j in 0..<regulators.count {
      if let v = value(j) {
        known |= 1 << j
        if v { fixed |= 1 << j }
      } else {
        unknown.append(j)
      }
    }
    switch form {
    case .table(let words) where unknown.count <= 16:
      var seen: Bool? = nil
      for combination in 0..<(1 << unknown.count) {
        var e = fixed
        for (bit, j) in unknown.enumerated() where combination >> bit & 1 == 1 { e |= 1 << j }
        let v = words[e >> 6] >> UInt64(e & 63) & 1 == 1
        if let s = seen, s != v { return nil }
        seen = v
      }
      return seen
    case .table:
      return nil
    case .program(let program):
      return program.evaluatePartial(value)
    }
  }

  /// The function with the nodes in `constants` fixed and the other regulators renamed by
  /// `rename` (old node index → new index). Regulators that stop mattering are dropped.
  public func restricted(constants: [Int: Bool], rename: (Int) -> Int) -> BooleanFunction {
    var kept: [Int] = []  // positions in `regulators`
    var fixedValues: [Int: Bool] = [:]
    for (j, r) in regulators.enumerated() {
      if let v = constants[r] { fixedValues[j] = v } else { kept.append(j) }
    }
    let newRegulators = kept.map { rename(regulators[$0]) }
    switch form {
    case .table:
      if fixedValues.isEmpty {
        return BooleanFunction(regulators: newRegulators, form: form)
      }
      guard case .table(let words) = form else { fatalError("unreachable") }
      var fixedEntry = 0
      for (j, v) in fixedValues where v { fixedEntry |= 1 << j }
      return .table(regulators: newRegulators) { e in
        var full = fixedEntry
        for (b, j) in kept.enumerated() where e >> b & 1 == 1 { full |= 1 << j }
        return words[full >> 6] >> UInt64(full & 63) & 1 == 1
      }
    case .program(let program):
      let renumber = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.element, $0.offset) })
      let reduced = program.restricted(constants: fixedValues, renumber: renumber, inputCount: kept.count)
      if kept.count <= TruthTable.maximumRegulators {
        return .table(regulators: newRegulators) { e in reduced.evaluate { e >> $0 & 1 == 1 } }
      }
      return BooleanFunction(regulators: newRegulators, form: .program(reduced))
    }
  }

  /// The same function with the regulators it ignores removed (tables only).
  func withoutIgnoredRegulators() -> BooleanFunction {
    guard case .table(let words) = form else { return self }
    let k = regulators.count
    func bit(_ e: Int) -> Bool { words[e >> 6] >> UInt64(e & 63) & 1 == 1 }
    let used = (0..<k).filter { j in
      (0..<(1 << k)).contains { e in e >> j & 1 == 0 && bit(e) != bit(e | 1 << j) }
    }
    if used.count == k { return self }
    var reduced = [UInt64](repeating: 0, count: ((1 << used.count) + 63) / 64)
    for e in 0..<(1 << used.count) {
      var full = 0
      for (bitIndex, j) in used.enumerated() where e >> bitIndex & 1 == 1 { full |= 1 << j }
      if bit(full) { reduced[e >> 6] |= 1 << UInt64(e & 63) }
    }
    return BooleanFunction(regulators: used.map { regulators[$0] }, form: .table(reduced))
  }
}

/// Why a phenotype's text is not a Boolean expression of the network's nodes.
public struct PhenotypeProblem: Error, Sendable {
  public var message: String
  public var notes: [String]
}

extension BooleanFunction {
  /// A phenotype: `text`, a Boolean expression of nodes (`Runx2 & Osx & !OCN`), as a function of
  /// the nodes `names` lists (regulators are indices into it).
  public static func phenotype(_ text: String, names: [String]) -> Result<BooleanFunction, PhenotypeProblem> {
    let index = Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    do {
      let parsed = try ExpressionParser.parse(text)
      if let unknown = parsed.names.first(where: { index[$0] == nil }) {
        return .failure(
          PhenotypeProblem(
            message: "unknown node '\(unknown)' in '\(text)'",
            notes: (didYouMean(unknown, among: names).map { [$0] } ?? []) + ["a phenotype is a Boolean expression of nodes, such as Runx2 & !OCN"]))
      }
      let table = try TruthTable(rule: parsed, target: text)
      return .success(BooleanFunction(regulators: parsed.names.map { index[$0]! }, form: .table(table.words)).withoutIgnoredRegulators())
    } catch {
      return .failure(
        PhenotypeProblem(message: "'\(text)' is neither a node nor a Boolean expression of nodes", notes: error.diagnostics.map(\.message)))
    }
  }

  /// Whether a `--select` item is a phenotype (an expression) rather than a node name or pattern.
  public static func looksLikePhenotype(_ text: String) -> Bool {
    text.contains { "&|!()^ ".contains($0) }
  }
}
