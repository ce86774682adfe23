/// A model's logical rules compiled for Boolean simulation and attractor search.
///
/// Compiled once, run many times: every rule becomes a `BooleanFunction` over node indices
/// (a truth table up to `TruthTable.maximumRegulators` regulators, a `BitProgram` beyond), and
/// the functions are flattened into one evaluation kernel whose hot loop reads contiguous
/// buffers only. States are `BooleanState`s, bit-packed with no limit on the number of nodes.
///
/// - Inputs (`kind: input`, or a `.bnet` self-loop `X, X`) hold their value: their function is the
///   identity. Their value in `initialState` is the model's `initial ≥ 0.5`, as for every node.
/// - Pins (knockouts at 0, over-expressions at 1) replace a node's function by a constant and set
///   its initial value; nothing else changes (BoolNet's `fixGenes`).
public struct BooleanNetwork: Sendable {
  /// Node names in model order: the order of state bits and output columns.
  public let names: [String]
  public let functions: [BooleanFunction]
  /// The model's initial values (`initial ≥ 0.5`), with pins applied.
  public let initialState: BooleanState
  /// Pinned nodes and their values.
  public let pins: [Int: Bool]
  let kernel: BooleanKernel

  public var count: Int { names.count }

  /// Compiles the rules of `model`. Throws (exit 65) for a non-input node without a rule, and for
  /// a rule with more than `TruthTable.maximumRegulators` regulators that is not pure logic.
  public init(model: Model) throws(PathwayError) {
    if model.nodes.isEmpty {
      // Found by fuzzing: a model of parameters only reached the precondition of init(names:…).
      throw PathwayError(
        .invalidInput, "model '\(model.name)' has no nodes", notes: ["a Boolean network needs at least one node"])
    }
    var bag = DiagnosticBag()
    let index = Dictionary(model.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    var functions: [BooleanFunction] = []
    for (i, node) in model.nodes.enumerated() {
      if node.isInput {
        functions.append(.identity(i))
        continue
      }
      guard let rule = node.rule else {
        bag.error(
          node.location, "node '\(node.id)' has no logical rule",
          notes: ["Boolean simulation needs a rule for every node that is not an input"])
        functions.append(.constant(false))
        continue
      }
      let names = rule.names
      guard names.allSatisfy({ index[$0] != nil }) else {
        bag.error(rule.origin ?? node.location, "the rule of '\(node.id)' names something that is not a node")
        functions.append(.constant(false))
        continue
      }
      let regulators = names.map { index[$0]! }
      if names.count <= TruthTable.maximumRegulators {
        let table: TruthTable
        do {
          table = try TruthTable(rule: rule, target: node.id)
        } catch {
          bag.append(contentsOf: error.diagnostics)
          functions.append(.constant(false))
          continue
        }
        functions.append(
          BooleanFunction(regulators: regulators, form: .table(table.words)).withoutIgnoredRegulators())
      } else if let program = BitProgram(rule.expr, regulators: names) {
        functions.append(BooleanFunction(regulators: regulators, form: .program(program)))
      } else {
        bag.error(
          rule.origin ?? node.location,
          "the rule of '\(node.id)' has \(names.count) regulators and is not pure logic",
          notes: ["beyond \(TruthTable.maximumRegulators) regulators a rule may use only '!', '&', '|', 'xor' and 0/1"])
        functions.append(.constant(false))
      }
    }
    try bag.throwIfErrors()
    let initial = BooleanState(model.nodes.map { $0.initial >= 0.5 })
    self.init(names: model.nodes.map(\.id), functions: functions, initial: initial)
  }

  /// A network from its functions (regulators are indices into `names`).
  public init(names: [String], functions: [BooleanFunction], initial: BooleanState? = nil, pins: [Int: Bool] = [:]) {
    precondition(names.count == functions.count, "one function per node")
    precondition(!names.isEmpty, "a network has at least one node")
    self.names = names
    self.functions = functions
    self.initialState = initial ?? BooleanState(count: names.count)
    self.pins = pins
    self.kernel = BooleanKernel(functions: functions)
  }

  /// The network with `pins` added: each pinned node's function becomes its constant and its
  /// initial value the pinned one.
  public func pinned(_ newPins: [Int: Bool]) -> BooleanNetwork {
    var functions = self.functions
    var initial = initialState
    var all = pins
    for (i, value) in newPins {
      functions[i] = .constant(value)
      initial[i] = value
      all[i] = value
    }
    return BooleanNetwork(names: names, functions: functions, initial: initial, pins: all)
  }

  /// `state` with every pinned node at its pinned value.
  public func applyingPins(to state: BooleanState) -> BooleanState {
    var out = state
    for (i, value) in pins { out[i] = value }
    return out
  }

  public func index(of name: String) -> Int? { names.firstIndex(of: name) }

  /// Nodes whose function is their own identity (inputs): invariant under every update.
  public var inputNodes: [Int] { (0..<count).filter { functions[$0].isIdentity(of: $0) } }

  /// f_i(x).
  @inline(__always)
  public func value(of node: Int, in state: BooleanState) -> Bool {
    state.withUnsafeWords { kernel.evaluate(node, $0) }
  }

  /// The synchronous successor F(x): every node updated at once.
  public func successor(of state: BooleanState) -> BooleanState {
    var next = BooleanState(count: count)
    state.withUnsafeWords { x in next.withUnsafeMutableWords { y in kernel.step(x, into: y) } }
    return next
  }

  /// True when F(x) = x.
  public func isSteadyState(_ state: BooleanState) -> Bool { successor(of: state) == state }
}

/// The flattened evaluation data of a network's functions, shared by every copy of it.
///
/// Table nodes store their regulators as bit positions and their table in one word buffer;
/// program nodes keep their `BitProgram`. Immutable after `init`.
final class BooleanKernel: @unchecked Sendable {
  let count: Int
  let wordCount: Int
  /// Per node: first regulator in `regulatorBits`, regulator count, and first table word
  /// (-1 for program nodes).
  private let regulatorStart: UnsafeMutablePointer<Int32>
  private let regulatorCount: UnsafeMutablePointer<Int32>
  private let tableStart: UnsafeMutablePointer<Int32>
  private let regulatorBits: UnsafeMutablePointer<Int32>
  private let tables: UnsafeMutablePointer<UInt64>
  private let programs: [Int: BitProgram]
  private let registerCount: Int

  init(functions: [BooleanFunction]) {
    count = functions.count
    wordCount = BooleanState.wordCount(functions.count)
    regulatorStart = .allocate(capacity: count)
    regulatorCount = .allocate(capacity: count)
    tableStart = .allocate(capacity: count)
    let totalRegulators = functions.reduce(0) { $0 + $1.regulators.count }
    regulatorBits = .allocate(capacity: max(1, totalRegulators))
    var tableWords: [UInt64] = []
    var programs: [Int: BitProgram] = [:]
    var r = 0
    for (i, f) in functions.enumerated() {
      regulatorStart[i] = Int32(r)
      regulatorCount[i] = Int32(f.regulators.count)
      for reg in f.regulators {
        regulatorBits[r] = Int32(reg)
        r += 1
      }
      switch f.form {
      case .table(let words):
        tableStart[i] = Int32(tableWords.count)
        tableWords += words
      case .program(let program):
        tableStart[i] = -1
        programs[i] = program
      }
    }
    tables = .allocate(capacity: max(1, tableWords.count))
    tables.initialize(from: tableWords, count: tableWords.count)
    self.programs = programs
    registerCount = programs.values.map(\.code.count).max() ?? 0
  }

  deinit {
    regulatorStart.deallocate()
    regulatorCount.deallocate()
    tableStart.deallocate()
    regulatorBits.deallocate()
    tables.deallocate()
  }

  /// f_i(x) for the state in `x`.
  @inline(__always)
  func evaluate(_ i: Int, _ x: UnsafePointer<UInt64>) -> Bool {
    bit(i, x) == 1
  }

  /// f_i(x) as 0 or 1.
  @inline(__always)
  func bit(_ i: Int, _ x: UnsafePointer<UInt64>) -> UInt64 {
    let start = Int(regulatorStart[i]), k = Int(regulatorCount[i])
    let table = Int(tableStart[i])
    if table < 0 { return evaluateProgram(i, x) ? 1 : 0 }
    var e = 0
    for j in 0..<k {
      let b = Int(regulatorBits[start + j])
      e |= Int(truncatingIfNeeded: x[b >> 6] >> UInt64(b & 63) & 1) << j
    }
    return tables[table + (e >> 6)] >> UInt64(e & 63) & 1
  }

  private func evaluateProgram(_ i: Int, _ x: UnsafePointer<UInt64>) -> Bool {
    let program = programs[i]!
    let start = Int(regulatorStart[i])
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(1, registerCount)) { registers in
      program.evaluate(registers: registers.baseAddress!) { j in
        let b = Int(self.regulatorBits[start + j])
        return x[b >> 6] >> UInt64(b & 63) & 1 == 1 ? ~0 : 0
      } & 1 == 1
    }
  }

  /// y = F(x): every node updated from x.
  @inline(__always)
  func step(_ x: UnsafePointer<UInt64>, into y: UnsafeMutablePointer<UInt64>) {
    var i = 0
    for w in 0..<wordCount {
      var word: UInt64 = 0
      let end = min(count, i + 64)
      var shift: UInt64 = 0
      while i < end {
        word |= bit(i, x) << shift
        shift += 1
        i += 1
      }
      y[w] = word
    }
  }
}
