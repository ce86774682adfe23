import Foundation

/// One instruction of a compiled program: `slots[dst] = op(slots[a], slots[b], slots[c])`.
@frozen
public struct Instruction: Sendable, Hashable {
  public enum Opcode: UInt8, Sendable, Hashable {
    case copy, add, subtract, multiply, divide, power, square, negate
    case less, lessEqual, greater, greaterEqual, equal, notEqual
    case and, or, xor, not
    case select          // a != 0 ? b : c
    case hill, hillr     // hill(a, b, c)
    case exp, log, sqrt
    case call1, call2    // a builtin by `function`
    /// A comparison held while the solver takes a step: when the flag `slots[b]` is 0, the
    /// comparison's value `slots[a]` is stored in `slots[c]`; the result is `slots[c]`.
    case mode
  }

  public var op: Opcode
  public var function: Builtin
  public var dst: Int32
  public var a: Int32
  public var b: Int32
  public var c: Int32

  /// The slots the instruction reads.
  public var operands: [Int32] {
    switch op {
    case .copy, .square, .negate, .not, .exp, .log, .sqrt, .call1: return [a]
    case .select, .hill, .hillr, .mode: return [a, b, c]
    default: return [a, b]
    }
  }
}

/// A straight-line program over a flat buffer of `Double` slots.
///
/// The slot layout is fixed at compile time: the caller's variables first (state, inputs,
/// parameters, time, …, in whatever order the caller chose), then constants, then temporaries.
/// `run` is a loop over a contiguous instruction buffer with one `switch` per instruction:
/// no allocation, no dictionary lookups, no closures. Constants are written once by
/// `initialize(_:)`; `run` never writes them.
public final class CompiledProgram: @unchecked Sendable {
  /// The instructions, owned by this object (freed in `deinit`).
  let code: UnsafeMutableBufferPointer<Instruction>
  /// Total number of slots the workspace must hold.
  public let slotCount: Int
  /// Slots that hold constants, and their values.
  public let constants: [(slot: Int32, value: Double)]

  init(instructions: [Instruction], slotCount: Int, constants: [(slot: Int32, value: Double)]) {
    let buffer = UnsafeMutableBufferPointer<Instruction>.allocate(capacity: Swift.max(1, instructions.count))
    _ = buffer.initialize(from: instructions)
    self.code = UnsafeMutableBufferPointer(rebasing: buffer[0..<instructions.count])
    self.slotCount = slotCount
    self.constants = constants
  }

  deinit {
    code.baseAddress.map { $0.deallocate() }
  }

  public var instructionCount: Int { code.count }

  /// The instructions of `programs` (run in order) that contribute to the slots `needed`, in
  /// their order: an instruction stays when a later kept one, or `needed`, reads what it writes.
  public static func liveInstructions(_ programs: [CompiledProgram], needed: Set<Int32>) -> [Instruction] {
    var instructions: [Instruction] = []
    for program in programs { instructions.append(contentsOf: program.code) }
    var keep = [Bool](repeating: false, count: instructions.count)
    var live = needed
    for index in instructions.indices.reversed() {
      let instruction = instructions[index]
      guard live.remove(instruction.dst) != nil else { continue }
      keep[index] = true
      for operand in instruction.operands { live.insert(operand) }
    }
    return instructions.indices.filter { keep[$0] }.map { instructions[$0] }
  }

  /// `programs` run in order, cut to what the slots `needed` depend on (`liveInstructions`);
  /// the other slots are left as they were.
  public static func pruned(_ programs: [CompiledProgram], needed: Set<Int32>) -> CompiledProgram {
    let constants = Dictionary(programs.flatMap(\.constants).map { ($0.slot, $0.value) }, uniquingKeysWith: { a, _ in a })
    return CompiledProgram(
      instructions: liveInstructions(programs, needed: needed), slotCount: programs.map(\.slotCount).max() ?? 0,
      constants: constants.map { (slot: $0.key, value: $0.value) }.sorted { $0.slot < $1.slot })
  }

  /// Writes the constants into a workspace of at least `slotCount` slots.
  public func initialize(_ slots: UnsafeMutablePointer<Double>) {
    for (slot, value) in constants { slots[Int(slot)] = value }
  }

  /// Runs every instruction once over `slots`.
  @inline(__always)
  public func run(_ s: UnsafeMutablePointer<Double>) {
    var p = code.baseAddress!
    let end = p + code.count
    while p < end {
      let i = p.pointee
      let d = Int(i.dst), a = Int(i.a), b = Int(i.b)
      switch i.op {
      case .copy: s[d] = s[a]
      case .add: s[d] = s[a] + s[b]
      case .subtract: s[d] = s[a] - s[b]
      case .multiply: s[d] = s[a] * s[b]
      case .divide: s[d] = s[a] / s[b]
      case .power: s[d] = Foundation.pow(s[a], s[b])
      case .square: s[d] = s[a] * s[a]
      case .negate: s[d] = -s[a]
      case .less: s[d] = s[a] < s[b] ? 1 : 0
      case .lessEqual: s[d] = s[a] <= s[b] ? 1 : 0
      case .greater: s[d] = s[a] > s[b] ? 1 : 0
      case .greaterEqual: s[d] = s[a] >= s[b] ? 1 : 0
      case .equal: s[d] = s[a] == s[b] ? 1 : 0
      case .notEqual: s[d] = s[a] != s[b] ? 1 : 0
      case .mode:
        let c = Int(i.c)
        if s[b] == 0 { s[c] = s[a] }
        s[d] = s[c]
      case .and: s[d] = (s[a] != 0 && s[b] != 0) ? 1 : 0
      case .or: s[d] = (s[a] != 0 || s[b] != 0) ? 1 : 0
      case .xor: s[d] = ((s[a] != 0) != (s[b] != 0)) ? 1 : 0
      case .not: s[d] = s[a] == 0 ? 1 : 0
      case .select: s[d] = s[a] != 0 ? s[b] : s[Int(i.c)]
      case .hill: s[d] = Builtin.hillValue(s[a], s[b], s[Int(i.c)])
      case .hillr: s[d] = Builtin.hillrValue(s[a], s[b], s[Int(i.c)])
      case .exp: s[d] = Foundation.exp(s[a])
      case .log: s[d] = Foundation.log(s[a])
      case .sqrt: s[d] = s[a].squareRoot()
      case .call1: s[d] = Builtin.evaluate1(i.function, s[a])
      case .call2: s[d] = Builtin.evaluate2(i.function, s[a], s[b])
      }
      p += 1
    }
  }
}

/// Compiles expressions into one `CompiledProgram`, folding constants and sharing equal
/// subexpressions across everything compiled with the same builder.
public struct ProgramBuilder {
  private struct Key: Hashable {
    var op: Instruction.Opcode
    var function: Builtin
    var a: Int32, b: Int32, c: Int32
  }

  private var instructions: [Instruction] = []
  private var shared: [Key: Int32] = [:]
  private var constantSlot: [UInt64: Int32] = [:]
  private var constantValue: [Int32: Double] = [:]
  private var variableSlot: [String: Int32]
  /// Comparisons compiled as held modes (`Instruction.Opcode.mode`), with `lockSlot` the flag
  /// that holds them; empty (or a negative slot) compiles every comparison as it stands.
  public var lockedComparisons: Set<Expr> = []
  public var lockSlot: Int32 = -1
  /// The slot holding each held comparison's value.
  public private(set) var modeSlots: [Expr: Int32] = [:]
  /// Slots assigned by `define` whose value changes inside the program: never constant-folded.
  public private(set) var slotCount: Int32
  /// Caller slots that keep their value for a whole run (a model's parameters). An instruction
  /// that reads only these, constants and earlier such instructions is loop-invariant: it goes
  /// to the program `buildInvariant()` returns, which the caller runs whenever these slots are
  /// written, rather than into every evaluation. The same operations in the same order: values
  /// are bit for bit those of evaluating it in place.
  public var invariantSlots: Range<Int32> = 0..<0
  private var invariantInstructions: [Instruction] = []
  private var invariantResults: Set<Int32> = []

  /// - Parameters:
  ///   - variables: names and their slots; slots `0..<reservedSlots` belong to the caller.
  ///   - reservedSlots: the number of slots the caller lays out itself.
  public init(variables: [String: Int32], reservedSlots: Int) {
    self.variableSlot = variables
    self.slotCount = Int32(reservedSlots)
  }

  /// Gives `name` a slot of its own (for example an assignment rule's value); returns it.
  public mutating func defineVariable(_ name: String) -> Int32 {
    let slot = newSlot()
    variableSlot[name] = slot
    return slot
  }

  /// Gives `name` the slot that already holds `slot`'s value (aliasing, no copy).
  public mutating func alias(_ name: String, to slot: Int32) {
    variableSlot[name] = slot
  }

  /// The slot of a variable, if known.
  public func slot(of name: String) -> Int32? { variableSlot[name] }

  /// The constant held by `slot`, if the slot is a folded constant.
  public func constant(in slot: Int32) -> Double? { constantValue[slot] }

  private mutating func newSlot() -> Int32 {
    defer { slotCount += 1 }
    return slotCount
  }

  /// A slot holding the constant `value` (shared by every use of the same value).
  public mutating func constant(_ value: Double) -> Int32 {
    let key = value.bitPattern
    if let slot = constantSlot[key] { return slot }
    let slot = newSlot()
    constantSlot[key] = slot
    constantValue[slot] = value
    return slot
  }

  /// Emits `expr` and returns the slot that holds its value after the program runs.
  /// Throws `unknownVariable` for a name without a slot.
  public mutating func emit(_ expr: Expr) throws(UnknownVariable) -> Int32 {
    switch expr {
    case .number(let v):
      return constant(v)
    case .variable(let name):
      guard let slot = variableSlot[name] else { throw UnknownVariable(name: name) }
      return slot
    case .unary(let op, let a):
      let sa = try emit(a)
      return instruction(op == .negate ? .negate : .not, sa)
    case .binary(let op, let a, let b):
      let sa = try emit(a)
      if op == .power, let exponent = b.constantValue, exponent == 2 {
        return instruction(.square, sa)
      }
      let sb = try emit(b)
      let value = instruction(Self.opcode(op), sa, sb)
      guard op.isComparison, lockSlot >= 0, constantValue[value] == nil, lockedComparisons.contains(expr) else { return value }
      let mode: Int32
      if let known = modeSlots[expr] {
        mode = known
      } else {
        mode = newSlot()
        modeSlots[expr] = mode
      }
      return instruction(.mode, value, lockSlot, mode)
    case .call(let f, let args):
      return try emitCall(f, args)
    }
  }

  /// Emits `expr` and makes sure its value ends up in `slot` (copying when needed).
  public mutating func emit(_ expr: Expr, into slot: Int32) throws(UnknownVariable) {
    let value = try emit(expr)
    if value != slot {
      instructions.append(Instruction(op: .copy, function: .abs, dst: slot, a: value, b: 0, c: 0))
    }
  }

  private mutating func emitCall(_ f: Builtin, _ args: [Expr]) throws(UnknownVariable) -> Int32 {
    switch f {
    case .piecewise:
      var slots: [Int32] = []
      for arg in args { slots.append(try emit(arg)) }
      var result = slots.count % 2 == 1 ? slots[slots.count - 1] : constant(.nan)
      var i = (slots.count % 2 == 1 ? slots.count - 1 : slots.count) - 2
      while i >= 0 {
        result = instruction(.select, slots[i + 1], slots[i], result)
        i -= 2
      }
      return result
    case .ifThenElse:
      let c = try emit(args[0]), a = try emit(args[1]), b = try emit(args[2])
      return instruction(.select, c, a, b)
    case .hill, .hillr:
      let x = try emit(args[0]), k = try emit(args[1]), n = try emit(args[2])
      return instruction(f == .hill ? .hill : .hillr, x, k, n)
    case .min, .max:
      var result = try emit(args[0])
      for arg in args.dropFirst() {
        let next = try emit(arg)
        result = instruction(.call2, result, next, function: f)
      }
      return result
    case .exp, .log, .sqrt:
      let x = try emit(args[0])
      return instruction(f == .exp ? .exp : f == .log ? .log : .sqrt, x)
    case .pow:
      let a = try emit(args[0]), b = try emit(args[1])
      return instruction(.power, a, b)
    default:
      if args.count == 1 {
        return instruction(.call1, try emit(args[0]), function: f)
      }
      let a = try emit(args[0]), b = try emit(args[1])
      return instruction(.call2, a, b, function: f)
    }
  }

  private static func opcode(_ op: BinaryOperator) -> Instruction.Opcode {
    switch op {
    case .add: return .add
    case .subtract: return .subtract
    case .multiply: return .multiply
    case .divide: return .divide
    case .power: return .power
    case .less: return .less
    case .lessEqual: return .lessEqual
    case .greater: return .greater
    case .greaterEqual: return .greaterEqual
    case .equal: return .equal
    case .notEqual: return .notEqual
    case .and: return .and
    case .or: return .or
    case .xor: return .xor
    }
  }

  /// Appends one instruction, or folds it when every operand is a constant, or reuses an
  /// identical earlier one.
  private mutating func instruction(
    _ op: Instruction.Opcode, _ a: Int32, _ b: Int32 = -1, _ c: Int32 = -1, function: Builtin = .abs
  ) -> Int32 {
    if op == .select, let condition = constantValue[a] { return condition != 0 ? b : c }
    let operands = [a, b, c].filter { $0 >= 0 }
    if operands.allSatisfy({ constantValue[$0] != nil }) {
      var scratch = [Double](repeating: 0, count: 4)
      for (i, slot) in operands.enumerated() { scratch[i + 1] = constantValue[slot]! }
      let folded = Instruction(
        op: op, function: function, dst: 0, a: 1, b: operands.count > 1 ? 2 : 0, c: operands.count > 2 ? 3 : 0)
      let program = CompiledProgram(instructions: [folded], slotCount: 4, constants: [])
      scratch.withUnsafeMutableBufferPointer { program.run($0.baseAddress!) }
      return constant(scratch[0])
    }
    let key = Key(op: op, function: function, a: a, b: b, c: c)
    if let slot = shared[key] { return slot }
    let dst = newSlot()
    let instruction = Instruction(op: op, function: function, dst: dst, a: a, b: Swift.max(b, 0), c: Swift.max(c, 0))
    if op != .mode
      && operands.allSatisfy({ constantValue[$0] != nil || invariantSlots.contains($0) || invariantResults.contains($0) })
    {
      invariantInstructions.append(instruction)
      invariantResults.insert(dst)
    } else {
      instructions.append(instruction)
    }
    shared[key] = dst
    return dst
  }

  /// The slots the invariant program writes.
  public var invariantSlotsWritten: Set<Int32> { invariantResults }

  /// The loop-invariant instructions (see `invariantSlots`), in the order they were emitted;
  /// run it after writing those slots and before any program of `build`.
  public func buildInvariant() -> CompiledProgram {
    CompiledProgram(
      instructions: invariantInstructions, slotCount: Int(slotCount),
      constants: constantValue.map { (slot: $0.key, value: $0.value) }.sorted { $0.slot < $1.slot })
  }

  /// Forgets shared subexpressions; call after a variable slot's value is redefined mid-program.
  public mutating func invalidateSharing() { shared.removeAll() }

  /// The number of instructions emitted so far (to split one stream into consecutive programs).
  public var mark: Int { instructions.count }

  /// The finished program: every instruction, or those in `range` (marks from `mark`). All
  /// parts share one slot space and one set of constants; a later part may read temporaries
  /// of an earlier one, so run them in order.
  public func build(_ range: Range<Int>? = nil) -> CompiledProgram {
    let part = range.map { Array(instructions[$0]) } ?? instructions
    return CompiledProgram(
      instructions: part, slotCount: Int(slotCount),
      constants: constantValue.map { (slot: $0.key, value: $0.value) }.sorted { $0.slot < $1.slot })
  }
}

/// A name without a slot, found while compiling (the model layer turns it into a located diagnostic).
public struct UnknownVariable: Error, Sendable {
  public var name: String
}
