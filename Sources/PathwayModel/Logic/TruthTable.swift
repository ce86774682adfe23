/// The truth table of a logical rule over its regulators.
///
/// Entry `s` (0 ≤ s < 2ᵏ) is the rule's value when regulator j is ON exactly when bit j of `s`
/// is set; regulators are ordered as they first appear in the rule. Built once by evaluating
/// the compiled rule 2ᵏ times; the Boolean simulator and the HillCube both read it.
public struct TruthTable: Sendable, Hashable {
  /// The largest in-degree a table is built for (2²⁰ entries, 128 KiB of bits).
  public static let maximumRegulators = 20

  public let regulators: [String]
  /// 2ᵏ bits, 64 per word, entry s at bit (s mod 64) of word s / 64.
  public let words: [UInt64]

  public var entryCount: Int { 1 << regulators.count }

  @inline(__always)
  public func value(at entry: Int) -> Bool {
    words[entry >> 6] >> UInt64(entry & 63) & 1 == 1
  }

  /// Builds the table of `rule`. Throws when the rule has more than `maximumRegulators` regulators.
  public init(rule: ParsedExpression, target: String) throws(PathwayError) {
    let regulators = rule.names
    guard regulators.count <= Self.maximumRegulators else {
      throw PathwayError(
        .invalidInput, at: rule.origin,
        "the rule of '\(target)' has \(regulators.count) regulators; truth tables stop at \(Self.maximumRegulators)",
        notes: ["split the rule through intermediate nodes"])
    }
    self.regulators = regulators
    var slots: [String: Int32] = [:]
    for (j, name) in regulators.enumerated() { slots[name] = Int32(j) }
    var builder = ProgramBuilder(variables: slots, reservedSlots: regulators.count)
    let out: Int32
    do {
      out = try builder.emit(rule.expr)
    } catch {
      fatalError("every name of the rule has a slot")
    }
    let program = builder.build()
    let count = 1 << regulators.count
    var words = [UInt64](repeating: 0, count: (count + 63) / 64)
    var workspace = [Double](repeating: 0, count: program.slotCount)
    workspace.withUnsafeMutableBufferPointer { buffer in
      let s = buffer.baseAddress!
      program.initialize(s)
      for entry in 0..<count {
        for j in 0..<regulators.count { s[j] = (entry >> j) & 1 == 1 ? 1 : 0 }
        program.run(s)
        if s[Int(out)] != 0 { words[entry >> 6] |= 1 << UInt64(entry & 63) }
      }
    }
    self.words = words
  }

  /// How the rule responds to regulator j: activating, inhibiting, both (non-monotone) or not at all.
  public func influence(of j: Int) -> Influence {
    var rises = false, falls = false
    let bit = 1 << j
    for entry in 0..<entryCount where entry & bit == 0 {
      let off = value(at: entry), on = value(at: entry | bit)
      if !off && on { rises = true }
      if off && !on { falls = true }
    }
    switch (rises, falls) {
    case (true, false): return .activating
    case (false, true): return .inhibiting
    case (true, true): return .dual
    case (false, false): return .none
    }
  }

  public enum Influence: String, Sendable {
    case activating = "+", inhibiting = "-", dual = "±", none = "0"
  }
}
