/// A Boolean function compiled to a straight-line program over 64-bit words.
///
/// Each instruction writes one register (its own index): the value of a regulator, a constant, or
/// `!`, `&`, `|`, `^` of earlier registers; the last register is the result. Run over words, one
/// program evaluates the function in 64 states at once (bit j of every word belongs to state j);
/// run over 0 and ~0 it evaluates one state. Rules with more regulators than a truth table holds
/// (`TruthTable.maximumRegulators`) are evaluated this way.
public struct BitProgram: Sendable, Hashable {
  public enum Opcode: UInt8, Sendable, Hashable {
    /// The regulator numbered `a`.
    case input
    case zero, one
    case not, and, or, xor
  }

  public struct Instruction: Sendable, Hashable {
    public var op: Opcode
    public var a: Int32
    public var b: Int32
  }

  public private(set) var code: [Instruction]
  /// The number of regulators the program reads (inputs `0..<inputCount`).
  public let inputCount: Int

  /// Compiles a Boolean expression (`!`, `&`, `|`, `xor`, 0/1, names) whose names are looked up
  /// in `regulators`; equal subexpressions are computed once. Returns nil for other expressions.
  public init?(_ expr: Expr, regulators: [String]) {
    var builder = Builder()
    let index = Dictionary(regulators.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
    guard let result = builder.emit(expr, index) else { return nil }
    builder.finish(result)
    code = builder.code
    inputCount = regulators.count
  }

  private init(code: [Instruction], inputCount: Int) {
    self.code = code
    self.inputCount = inputCount
  }

  /// The program with the regulators in `constants` replaced by their values, constants folded,
  /// and the remaining regulators renumbered by `renumber` (old index → new index).
  public func restricted(constants: [Int: Bool], renumber: [Int: Int], inputCount: Int) -> BitProgram {
    var builder = Builder()
    var map = [Int32](repeating: 0, count: code.count)
    for (r, instruction) in code.enumerated() {
      let a = Int(instruction.a), b = Int(instruction.b)
      switch instruction.op {
      case .input:
        if let value = constants[a] {
          map[r] = builder.add(value ? .one : .zero, 0, 0)
        } else {
          map[r] = builder.add(.input, Int32(renumber[a]!), 0)
        }
      case .zero, .one: map[r] = builder.add(instruction.op, 0, 0)
      case .not: map[r] = builder.add(.not, map[a], 0)
      case .and, .or, .xor: map[r] = builder.add(instruction.op, map[a], map[b])
      }
    }
    builder.finish(map[code.count - 1])
    return BitProgram(code: builder.code, inputCount: inputCount)
  }

  /// The constant value when the program reads no regulator, else nil.
  public var constantValue: Bool? {
    guard code.count == 1 else { return nil }
    switch code[0].op {
    case .zero: return false
    case .one: return true
    default: return nil
    }
  }

  /// Evaluates the program on 64 lanes; `input(j)` gives regulator j's word. `registers` must
  /// hold at least `code.count` words.
  @inline(__always)
  public func evaluate(registers: UnsafeMutablePointer<UInt64>, input: (Int) -> UInt64) -> UInt64 {
    code.withUnsafeBufferPointer { code in
      for r in 0..<code.count {
        let i = code[r]
        switch i.op {
        case .input: registers[r] = input(Int(i.a))
        case .zero: registers[r] = 0
        case .one: registers[r] = ~0
        case .not: registers[r] = ~registers[Int(i.a)]
        case .and: registers[r] = registers[Int(i.a)] & registers[Int(i.b)]
        case .or: registers[r] = registers[Int(i.a)] | registers[Int(i.b)]
        case .xor: registers[r] = registers[Int(i.a)] ^ registers[Int(i.b)]
        }
      }
      return registers[code.count - 1]
    }
  }

  /// Evaluates the program once; `input(j)` gives regulator j's value.
  public func evaluate(_ input: (Int) -> Bool) -> Bool {
    var registers = [UInt64](repeating: 0, count: code.count)
    return registers.withUnsafeMutableBufferPointer {
      evaluate(registers: $0.baseAddress!) { input($0) ? ~0 : 0 } & 1 == 1
    }
  }

  /// Kleene (three-valued) evaluation: nil for an unknown regulator or result. Sound but not
  /// complete: `x | !x` with x unknown is reported unknown.
  public func evaluatePartial(_ input: (Int) -> Bool?) -> Bool? {
    var known = [Bool](repeating: false, count: code.count)
    var value = [Bool](repeating: false, count: code.count)
    for (r, i) in code.enumerated() {
      let a = Int(i.a), b = Int(i.b)
      switch i.op {
      case .input:
        if let v = input(a) { known[r] = true; value[r] = v }
      case .zero: known[r] = true; value[r] = false
      case .one: known[r] = true; value[r] = true
      case .not: known[r] = known[a]; value[r] = !value[a]
      case .and:
        if (known[a] && !value[a]) || (known[b] && !value[b]) { known[r] = true; value[r] = false } else if known[a] && known[b] {
          known[r] = true; value[r] = true
        }
      case .or:
        if (known[a] && value[a]) || (known[b] && value[b]) { known[r] = true; value[r] = true } else if known[a] && known[b] {
          known[r] = true; value[r] = false
        }
      case .xor:
        if known[a] && known[b] { known[r] = true; value[r] = value[a] != value[b] }
      }
    }
    return known[code.count - 1] ? value[code.count - 1] : nil
  }

  /// Appends instructions with constant folding and sharing of equal instructions.
  private struct Builder {
    var code: [Instruction] = []
    var shared: [Instruction: Int32] = [:]

    mutating func add(_ op: Opcode, _ a: Int32, _ b: Int32) -> Int32 {
      func constant(_ r: Int32) -> Bool? {
        switch code[Int(r)].op {
        case .zero: return false
        case .one: return true
        default: return nil
        }
      }
      switch op {
      case .not:
        if let c = constant(a) { return add(c ? .zero : .one, 0, 0) }
        if code[Int(a)].op == .not { return code[Int(a)].a }
      case .and, .or, .xor:
        let ca = constant(a), cb = constant(b)
        if let ca, let cb {
          let v = op == .and ? (ca && cb) : op == .or ? (ca || cb) : (ca != cb)
          return add(v ? .one : .zero, 0, 0)
        }
        if let c = ca ?? cb {
          let other = ca == nil ? a : b
          switch (op, c) {
          case (.and, false): return add(.zero, 0, 0)
          case (.and, true), (.or, false), (.xor, false): return other
          case (.or, true): return add(.one, 0, 0)
          default: return add(.not, other, 0)  // xor with 1
          }
        }
        if a == b { return op == .xor ? add(.zero, 0, 0) : a }
      default:
        break
      }
      // Commutative operations share regardless of operand order.
      let key = Instruction(op: op, a: (op == .and || op == .or || op == .xor) ? min(a, b) : a,
                            b: (op == .and || op == .or || op == .xor) ? max(a, b) : b)
      if let r = shared[key] { return r }
      code.append(key)
      let r = Int32(code.count - 1)
      shared[key] = r
      return r
    }

    mutating func emit(_ expr: Expr, _ index: [String: Int32]) -> Int32? {
      switch expr {
      case .number(let v):
        guard v == 0 || v == 1 else { return nil }
        return add(v == 1 ? .one : .zero, 0, 0)
      case .variable(let name):
        guard let j = index[name] else { return nil }
        return add(.input, j, 0)
      case .unary(.not, let a):
        guard let ra = emit(a, index) else { return nil }
        return add(.not, ra, 0)
      case .binary(let op, let a, let b) where op == .and || op == .or || op == .xor:
        guard let ra = emit(a, index), let rb = emit(b, index) else { return nil }
        return add(op == .and ? .and : op == .or ? .or : .xor, ra, rb)
      default:
        return nil
      }
    }

    /// Drops instructions the result does not use and makes the result the last register.
    mutating func finish(_ result: Int32) {
      var used = [Bool](repeating: false, count: code.count)
      used[Int(result)] = true
      for r in stride(from: Int(result), through: 0, by: -1) where used[r] {
        let i = code[r]
        if i.op == .not { used[Int(i.a)] = true }
        if i.op == .and || i.op == .or || i.op == .xor {
          used[Int(i.a)] = true
          used[Int(i.b)] = true
        }
      }
      var renumbered = [Int32](repeating: -1, count: code.count)
      var out: [Instruction] = []
      for r in 0...Int(result) where used[r] {
        var i = code[r]
        if i.op == .not || i.op == .and || i.op == .or || i.op == .xor { i.a = renumbered[Int(i.a)] }
        if i.op == .and || i.op == .or || i.op == .xor { i.b = renumbered[Int(i.b)] }
        renumbered[r] = Int32(out.count)
        out.append(i)
      }
      code = out
    }
  }
}
