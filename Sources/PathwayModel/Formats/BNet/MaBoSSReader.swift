import Foundation

/// Reads MaBoSS models: a `.bnd` network and the `.cfg` beside it (same name; optional).
///
/// ```
/// Node CycD { logic = CycD; rate_up = 0; rate_down = 0; }        // a constant (input)
/// Node Rb {
///   logic = (!CycA & !CycD) | p27;
///   rate_up = @logic ? $u_Rb : 0;      // turns ON at $u_Rb while the logic says ON
///   rate_down = @logic ? 0 : $d_Rb;    // turns OFF at $d_Rb while it says OFF
/// }
/// ```
///
/// with `$u_Rb = 2;`, `Rb.istate = 1;` or `[Rb].istate = 0.3 [1], 0.7 [0];` in the `.cfg`.
/// Each node becomes a node of the model with its logic as the rule and its rates as `rate_up`
/// and `rate_down`; parameters (`$name`, defined in either file, in any order) are substituted.
/// Expressions use `!`/`NOT`, `&`/`&&`/`AND`, `|`/`||`/`OR`, `^`/`XOR`, comparisons, `+ - * /`,
/// `c ? a : b` and parentheses; `//`, `/* */` and `#` start comments.
///
/// What the model cannot express is refused by name (exit 65), never approximated: rates that
/// depend on other nodes' states, or that let a node turn ON while its logic says OFF (a rate_up
/// that is not 0 when `@logic` is false), istates over several nodes at once. A node without
/// `logic` flips at its constant rates (MaBoSS's semantics): ON at rate_up, OFF at rate_down.
/// Missing rates are MaBoSS's defaults, `@logic ? 1 : 0` and `@logic ? 0 : 1`; a node without
/// `istate` starts ON with probability 1/2, as in MaBoSS (`initial_probability`). Run settings of
/// the `.cfg` (`max_time`, `time_tick`, `sample_count`, …) are not part of a model: the reader
/// says which command-line flags give them.
public enum MaBoSSReader {
  public static func read(path: String) throws(PathwayError) -> Model {
    let bnd = try InputFile.readText(path)
    let stem = path.hasSuffix(".bnd") ? String(path.dropLast(4)) : path
    let cfgPath = stem + ".cfg"
    let cfg = FileManager.default.fileExists(atPath: cfgPath) ? try InputFile.readText(cfgPath) : nil
    return try read(bnd: bnd, file: path, cfg: cfg, cfgFile: cfgPath)
  }

  public static func read(bnd: String, file: String, cfg: String?, cfgFile: String) throws(PathwayError) -> Model {
    var bag = DiagnosticBag()
    var parser = Parser(text: bnd, file: file)
    let network = parser.network(&bag)
    var settings: Parser.Configuration? = nil
    if let cfg {
      var cfgParser = Parser(text: cfg, file: cfgFile)
      settings = cfgParser.configuration(&bag)
    }
    try bag.throwIfErrors()
    var builder = Builder(network: network, settings: settings ?? .init(), file: file)
    var model = try builder.model()
    model.warnings += settings.map(Builder.runSettingsNote) ?? []
    return model
  }
}

// MARK: - Tokens and expressions

extension MaBoSSReader {
  struct Token {
    enum Kind: Equatable { case name, parameter, attribute, number, string, symbol, end }
    var kind: Kind
    var text: String
    var location: SourceLocation
  }

  indirect enum Term {
    case number(Double)
    case name(String, SourceLocation)
    case parameter(String, SourceLocation)
    case attribute(String, SourceLocation)
    case unary(String, Term)
    case binary(String, Term, Term)
    case ternary(Term, Term, Term)
  }

  struct NodeBlock {
    var name: String
    var location: SourceLocation
    var attributes: [(name: String, value: Term?, text: String?, location: SourceLocation)] = []
  }

  struct Network {
    var nodes: [NodeBlock] = []
    var parameters: [(name: String, value: Term, location: SourceLocation)] = []
  }

  struct Lexer {
    let scalars: [Unicode.Scalar]
    let file: String
    var index = 0, line = 1, column = 1

    init(text: String, file: String) {
      scalars = Array(text.unicodeScalars)
      self.file = file
    }

    mutating func advance() {
      if scalars[index] == "\n" {
        line += 1
        column = 1
      } else {
        column += 1
      }
      index += 1
    }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
    static func isNameChar(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) }

    mutating func skipSpaceAndComments() {
      while let c = peek() {
        if c.properties.isWhitespace {
          advance()
        } else if c == "#" || (c == "/" && peek(1) == "/") {
          while let d = peek(), d != "\n" { advance() }
        } else if c == "/" && peek(1) == "*" {
          advance()
          advance()
          while peek() != nil && !(peek() == "*" && peek(1) == "/") { advance() }
          if peek() != nil {
            advance()
            advance()
          }
        } else {
          return
        }
      }
    }

    mutating func next(_ bag: inout DiagnosticBag) -> Token {
      skipSpaceAndComments()
      let location = SourceLocation(file: file, line: line, column: column)
      guard let c = peek() else { return Token(kind: .end, text: "", location: location) }
      var text = ""
      func take(while predicate: (Unicode.Scalar) -> Bool) {
        while let d = peek(), predicate(d) {
          text.unicodeScalars.append(d)
          advance()
        }
      }
      if Self.isNameStart(c) {
        take(while: Self.isNameChar)
        return Token(kind: .name, text: text, location: location)
      }
      if c == "$" || c == "@" {
        advance()
        take(while: Self.isNameChar)
        if text.isEmpty { bag.error(location, "'\(c)' must be followed by a name") }
        return Token(kind: c == "$" ? .parameter : .attribute, text: text, location: location)
      }
      if ("0"..."9").contains(c) || (c == "." && peek(1).map { ("0"..."9").contains($0) } == true) {
        take(while: { ("0"..."9").contains($0) || $0 == "." })
        if let e = peek(), e == "e" || e == "E" {
          let sign = peek(1)
          if let s = sign, ("0"..."9").contains(s) || ((s == "+" || s == "-") && peek(2).map { ("0"..."9").contains($0) } == true) {
            text.unicodeScalars.append(e)
            advance()
            if s == "+" || s == "-" {
              text.unicodeScalars.append(s)
              advance()
            }
            take(while: { ("0"..."9").contains($0) })
          }
        }
        return Token(kind: .number, text: text, location: location)
      }
      if c == "\"" {
        advance()
        take(while: { $0 != "\"" })
        if peek() == "\"" { advance() } else { bag.error(location, "a string without its closing quote") }
        return Token(kind: .string, text: text, location: location)
      }
      for symbol in ["&&", "||", "==", "!=", "<=", ">="] where peek() == symbol.unicodeScalars.first && peek(1) == symbol.unicodeScalars.last {
        advance()
        advance()
        return Token(kind: .symbol, text: symbol, location: location)
      }
      advance()
      return Token(kind: .symbol, text: String(c), location: location)
    }
  }

  struct Parser {
    var lexer: Lexer
    var token: Token
    var scratch = DiagnosticBag()
    /// Nesting of parentheses, `?:` and prefix operators, bounded against hostile input (as the
    /// expression parser bounds it): deeper, the recursion would overflow the stack.
    var depth = 0
    /// Binary operators in the value being read, bounded likewise (a long chain is a deep tree).
    var operators = 0

    init(text: String, file: String) {
      lexer = Lexer(text: text, file: file)
      var bag = DiagnosticBag()
      token = lexer.next(&bag)
      scratch = bag
    }

    mutating func advance(_ bag: inout DiagnosticBag) { token = lexer.next(&bag) }

    func isKeyword(_ word: String) -> Bool { token.kind == .name && token.text.lowercased() == word }
    func isSymbol(_ s: String) -> Bool { token.kind == .symbol && token.text == s }

    struct Failure: Error {}

    mutating func expect(_ symbol: String, _ what: String, _ bag: inout DiagnosticBag) throws(Failure) {
      guard isSymbol(symbol) else {
        bag.error(token.location, "expected '\(symbol)' \(what), found \(describe(token))")
        throw Failure()
      }
      advance(&bag)
    }

    func describe(_ t: Token) -> String {
      switch t.kind {
      case .end: return "the end of the file"
      case .parameter: return "'$\(t.text)'"
      case .attribute: return "'@\(t.text)'"
      case .string: return "a string"
      default: return "'\(t.text)'"
      }
    }

    /// Skips to just after the next `;` or `}` (error recovery; always moves on).
    mutating func recover(_ bag: inout DiagnosticBag) {
      while token.kind != .end && !isSymbol(";") && !isSymbol("}") { advance(&bag) }
      if token.kind != .end { advance(&bag) }
    }

    /// One value (an attribute's, a parameter's, a setting's): an expression, within the bounds.
    mutating func value(_ bag: inout DiagnosticBag) throws(Failure) -> MaBoSSReader.Term {
      operators = 0
      return try expression(&bag)
    }

    // expression := or ('?' expression ':' expression)?
    mutating func expression(_ bag: inout DiagnosticBag) throws(Failure) -> MaBoSSReader.Term {
      try nest(&bag)
      defer { depth -= 1 }
      let condition = try binary(0, &bag)
      guard isSymbol("?") else { return condition }
      advance(&bag)
      let a = try expression(&bag)
      try expect(":", "in 'condition ? value : value'", &bag)
      let b = try expression(&bag)
      return .ternary(condition, a, b)
    }

    /// Binary operators by increasing precedence; words are case-insensitive.
    static let levels: [[String: String]] = [
      ["|": "|", "||": "|", "or": "|"],
      ["^": "xor", "xor": "xor"],
      ["&": "&", "&&": "&", "and": "&"],
      ["==": "==", "!=": "!="],
      ["<": "<", "<=": "<=", ">": ">", ">=": ">="],
      ["+": "+", "-": "-"],
      ["*": "*", "/": "/"],
    ]

    func binaryOperator(_ level: Int) -> String? {
      switch token.kind {
      case .symbol: return Self.levels[level][token.text]
      case .name: return Self.levels[level][token.text.lowercased()].flatMap { ["|", "xor", "&"].contains($0) ? $0 : nil }
      default: return nil
      }
    }

    mutating func binary(_ level: Int, _ bag: inout DiagnosticBag) throws(Failure) -> MaBoSSReader.Term {
      if level == Self.levels.count { return try unary(&bag) }
      var left = try binary(level + 1, &bag)
      while let op = binaryOperator(level) {
        operators += 1
        if operators > ExpressionParser.maximumOperators {
          bag.error(token.location, "the expression has more than \(ExpressionParser.maximumOperators) operators")
          throw Failure()
        }
        advance(&bag)
        left = .binary(op, left, try binary(level + 1, &bag))
      }
      return left
    }

    mutating func nest(_ bag: inout DiagnosticBag) throws(Failure) {
      depth += 1
      if depth > ExpressionParser.maximumDepth {
        bag.error(token.location, "the expression nests deeper than \(ExpressionParser.maximumDepth) levels")
        depth -= 1
        throw Failure()
      }
    }

    mutating func unary(_ bag: inout DiagnosticBag) throws(Failure) -> MaBoSSReader.Term {
      try nest(&bag)
      defer { depth -= 1 }
      if isSymbol("!") || isKeyword("not") {
        advance(&bag)
        return .unary("!", try unary(&bag))
      }
      if isSymbol("-") {
        advance(&bag)
        return .unary("-", try unary(&bag))
      }
      if isSymbol("+") {
        advance(&bag)
        return try unary(&bag)
      }
      return try primary(&bag)
    }

    mutating func primary(_ bag: inout DiagnosticBag) throws(Failure) -> MaBoSSReader.Term {
      let t = token
      switch t.kind {
      case .number:
        advance(&bag)
        guard let v = Double(t.text) else {
          bag.error(t.location, "'\(t.text)' is not a number")
          throw Failure()
        }
        return .number(v)
      case .name:
        advance(&bag)
        switch t.text.lowercased() {
        case "true": return .number(1)
        case "false": return .number(0)
        default: return .name(t.text, t.location)
        }
      case .parameter:
        advance(&bag)
        return .parameter(t.text, t.location)
      case .attribute:
        advance(&bag)
        return .attribute(t.text, t.location)
      case .symbol where t.text == "(":
        advance(&bag)
        let inner = try expression(&bag)
        try expect(")", "to close '('", &bag)
        return inner
      default:
        bag.error(t.location, "expected a value, a node, a $parameter or '(', found \(describe(t))")
        throw Failure()
      }
    }

    // MARK: .bnd

    mutating func network(_ bag: inout DiagnosticBag) -> Network {
      bag.append(contentsOf: scratch.items)
      var network = Network()
      while token.kind != .end {
        do {
          if isKeyword("node") {
            advance(&bag)
            guard token.kind == .name else {
              bag.error(token.location, "expected the node's name after 'Node', found \(describe(token))")
              throw Failure()
            }
            var block = NodeBlock(name: token.text, location: token.location)
            advance(&bag)
            try expect("{", "after the name of node '\(block.name)'", &bag)
            while !isSymbol("}") {
              guard token.kind == .name else {
                bag.error(token.location, "expected an attribute of node '\(block.name)' (logic, rate_up, rate_down, …) or '}', found \(describe(token))")
                throw Failure()
              }
              let name = token.text, location = token.location
              advance(&bag)
              try expect("=", "after '\(name)'", &bag)
              if token.kind == .string {
                block.attributes.append((name, nil, token.text, location))
                advance(&bag)
              } else {
                block.attributes.append((name, try value(&bag), nil, location))
              }
              try expect(";", "after the value of '\(name)'", &bag)
            }
            advance(&bag)
            network.nodes.append(block)
          } else if token.kind == .parameter {
            let name = token.text, location = token.location
            advance(&bag)
            try expect("=", "after '$\(name)'", &bag)
            network.parameters.append((name, try value(&bag), location))
            try expect(";", "after the value of '$\(name)'", &bag)
          } else {
            bag.error(token.location, "expected 'Node NAME { … }' or '$parameter = value;', found \(describe(token))")
            throw Failure()
          }
        } catch {
          recover(&bag)
        }
      }
      return network
    }

    // MARK: .cfg

    struct Configuration {
      var parameters: [(name: String, value: MaBoSSReader.Term, location: SourceLocation)] = []
      /// Per node: the probability of starting ON, where the istate is given.
      var istates: [(node: String, probability: Double, location: SourceLocation)] = []
      /// `NODE.attribute = value` other than istate (is_internal, refstate, …), ignored.
      var nodeSettings: [(node: String, attribute: String, location: SourceLocation)] = []
      /// Global run settings (max_time, time_tick, sample_count, …) with their values.
      var run: [(name: String, value: Double, location: SourceLocation)] = []
    }

    mutating func configuration(_ bag: inout DiagnosticBag) -> Configuration {
      bag.append(contentsOf: scratch.items)
      var config = Configuration()
      while token.kind != .end {
        do {
          let start = token
          if token.kind == .parameter {
            advance(&bag)
            try expect("=", "after '$\(start.text)'", &bag)
            config.parameters.append((start.text, try value(&bag), start.location))
          } else if isSymbol("[") {
            // [A, B].istate = p1 [v1, v2], p2 [w1, w2];
            advance(&bag)
            var nodes: [(String, SourceLocation)] = []
            while token.kind == .name {
              nodes.append((token.text, token.location))
              advance(&bag)
              if isSymbol(",") { advance(&bag) }
            }
            try expect("]", "after the node list of an istate", &bag)
            try expect(".", "before 'istate'", &bag)
            guard isKeyword("istate") else {
              bag.error(token.location, "expected 'istate' after '[…].', found \(describe(token))")
              throw Failure()
            }
            advance(&bag)
            try expect("=", "after 'istate'", &bag)
            var total = 0.0, on = 0.0
            repeat {
              if isSymbol(",") { advance(&bag) }
              let weight = try number(&bag)
              try expect("[", "before the values of an istate term", &bag)
              var values: [Double] = []
              while !isSymbol("]") {
                values.append(try number(&bag))
                if isSymbol(",") { advance(&bag) }
              }
              advance(&bag)
              guard values.count == nodes.count else {
                bag.error(start.location, "an istate term gives \(values.count) value(s) for \(nodes.count) node(s)")
                throw Failure()
              }
              total += weight
              if values.first == 1 { on += weight }
            } while isSymbol(",")
            if nodes.count != 1 {
              bag.error(
                start.location, "a joint initial state of several nodes ([\(nodes.map(\.0).joined(separator: ", "))].istate) is not supported",
                notes: ["give each node its own istate; the nodes then start independently"])
            } else if total > 0 {
              config.istates.append((nodes[0].0, on / total, nodes[0].1))
            }
          } else if token.kind == .name {
            advance(&bag)
            if isSymbol(".") {
              advance(&bag)
              guard token.kind == .name else {
                bag.error(token.location, "expected an attribute after '\(start.text).', found \(describe(token))")
                throw Failure()
              }
              let attribute = token.text
              advance(&bag)
              try expect("=", "after '\(start.text).\(attribute)'", &bag)
              if attribute.lowercased() == "istate" {
                config.istates.append((start.text, try number(&bag), start.location))
              } else {
                _ = try value(&bag)
                config.nodeSettings.append((start.text, attribute, start.location))
              }
            } else {
              try expect("=", "after '\(start.text)'", &bag)
              config.run.append((start.text, try number(&bag), start.location))
            }
          } else {
            bag.error(token.location, "expected '$parameter = value;', 'NODE.istate = value;' or a setting, found \(describe(token))")
            throw Failure()
          }
          try expect(";", "after the setting", &bag)
        } catch {
          recover(&bag)
        }
      }
      return config
    }

    /// An expression without nodes or parameters (the weights and values of istates, run
    /// settings), and its value; an error at its start otherwise.
    mutating func number(_ bag: inout DiagnosticBag) throws(Failure) -> Double {
      let start = token.location
      guard let v = MaBoSSReader.evaluate(try value(&bag), parameters: [:], logic: nil) else {
        bag.error(start, "expected a number (an expression of numbers) here")
        throw Failure()
      }
      return v
    }
  }

  /// The value of `node` with parameters and `@logic` given; nil when it reads a node, an
  /// unknown parameter or another attribute.
  static func evaluate(_ node: Term, parameters: [String: Double], logic: Double?) -> Double? {
    func b(_ x: Double) -> Double { x != 0 ? 1 : 0 }
    switch node {
    case .number(let v): return v
    case .name: return nil
    case .parameter(let name, _): return parameters[name]
    case .attribute(let name, _): return name == "logic" ? logic : nil
    case .unary(let op, let a):
      guard let x = evaluate(a, parameters: parameters, logic: logic) else { return nil }
      return op == "!" ? 1 - b(x) : -x
    case .binary(let op, let l, let r):
      guard let x = evaluate(l, parameters: parameters, logic: logic), let y = evaluate(r, parameters: parameters, logic: logic)
      else { return nil }
      switch op {
      case "|": return b(x) == 1 || b(y) == 1 ? 1 : 0
      case "xor": return b(x) != b(y) ? 1 : 0
      case "&": return b(x) == 1 && b(y) == 1 ? 1 : 0
      case "==": return x == y ? 1 : 0
      case "!=": return x != y ? 1 : 0
      case "<": return x < y ? 1 : 0
      case "<=": return x <= y ? 1 : 0
      case ">": return x > y ? 1 : 0
      case ">=": return x >= y ? 1 : 0
      case "+": return x + y
      case "-": return x - y
      case "*": return x * y
      default: return x / y
      }
    case .ternary(let c, let a, let e):
      guard let x = evaluate(c, parameters: parameters, logic: logic) else { return nil }
      return evaluate(x != 0 ? a : e, parameters: parameters, logic: logic)
    }
  }
}

// MARK: - The model

extension MaBoSSReader {
  struct Builder {
    let network: Network
    let settings: Parser.Configuration
    let file: String
    var bag = DiagnosticBag()

    /// Parameters in definition order (the `.bnd`'s, then the `.cfg`'s, which win), each
    /// evaluated once all are known (a definition may use one written later).
    mutating func parameterValues() -> [String: Double] {
      var definitions: [String: (Term, SourceLocation)] = [:]
      var order: [String] = []
      for (name, value, location) in network.parameters + settings.parameters {
        if definitions[name] == nil { order.append(name) }
        definitions[name] = (value, location)
      }
      var values: [String: Double] = [:]
      var progress = true
      while progress {
        progress = false
        for name in order where values[name] == nil {
          if let v = MaBoSSReader.evaluate(definitions[name]!.0, parameters: values, logic: nil) {
            values[name] = v
            progress = true
          }
        }
      }
      for name in order where values[name] == nil {
        bag.error(definitions[name]!.1, "the value of '$\(name)' cannot be computed (it reads a node, an unknown parameter, or itself)")
      }
      return values
    }

    /// `node` as a rule expression: parameters become numbers, `c ? a : b` an `if`.
    mutating func rule(_ node: Term, _ parameters: [String: Double], nodes: Set<String>, of owner: String) -> Expr? {
      switch node {
      case .number(let v): return .number(v)
      case .name(let name, let location):
        guard nodes.contains(name) else {
          bag.error(location, "unknown node '\(name)' in the logic of '\(owner)'", notes: didYouMean(name, among: Array(nodes)).map { [$0] } ?? [])
          return nil
        }
        return .variable(name)
      case .parameter(let name, let location):
        guard let v = parameters[name] else {
          bag.error(location, "unknown parameter '$\(name)' in the logic of '\(owner)'")
          return nil
        }
        return .number(v)
      case .attribute(let name, let location):
        bag.error(location, "the logic of '\(owner)' reads '@\(name)'; logic reads nodes and parameters only")
        return nil
      case .unary(let op, let a):
        guard let x = rule(a, parameters, nodes: nodes, of: owner) else { return nil }
        return .unary(op == "!" ? .not : .negate, x)
      case .binary(let op, let l, let r):
        guard let x = rule(l, parameters, nodes: nodes, of: owner), let y = rule(r, parameters, nodes: nodes, of: owner) else { return nil }
        let ops: [String: BinaryOperator] = [
          "|": .or, "xor": .xor, "&": .and, "==": .equal, "!=": .notEqual, "<": .less, "<=": .lessEqual, ">": .greater,
          ">=": .greaterEqual, "+": .add, "-": .subtract, "*": .multiply, "/": .divide,
        ]
        return .binary(ops[op]!, x, y)
      case .ternary(let c, let a, let e):
        guard let x = rule(c, parameters, nodes: nodes, of: owner), let y = rule(a, parameters, nodes: nodes, of: owner),
          let z = rule(e, parameters, nodes: nodes, of: owner)
        else { return nil }
        return .call(.ifThenElse, [x, y, z])
      }
    }

    /// Whether `node` reads a node's state (outside `@logic`).
    /// Whether `node` reads the attribute `@name` anywhere.
    static func reads(attribute name: String, in node: Term) -> Bool {
      switch node {
      case .attribute(let a, _): return a == name
      case .number, .parameter, .name: return false
      case .unary(_, let a): return reads(attribute: name, in: a)
      case .binary(_, let l, let r): return reads(attribute: name, in: l) || reads(attribute: name, in: r)
      case .ternary(let c, let a, let e): return [c, a, e].contains { reads(attribute: name, in: $0) }
      }
    }

    static func readsState(_ node: Term) -> String? {
      switch node {
      case .name(let name, _): return name
      case .number, .parameter, .attribute: return nil
      case .unary(_, let a): return readsState(a)
      case .binary(_, let l, let r): return readsState(l) ?? readsState(r)
      case .ternary(let c, let a, let e): return readsState(c) ?? readsState(a) ?? readsState(e)
      }
    }

    mutating func model() throws(PathwayError) -> Model {
      let parameters = parameterValues()
      var seen: [String: SourceLocation] = [:]
      for block in network.nodes {
        if Model.reservedNames.contains(block.name) {
          bag.error(
            block.location, "'\(block.name)' is not a valid node name: it means the simulation time in rules",
            notes: ["rename the node (for example \(block.name)_)"])
        }
        if let first = seen[block.name] {
          bag.error(block.location, "node '\(block.name)' is defined twice", notes: ["first at \(first)"])
        }
        seen[block.name] = seen[block.name] ?? block.location
      }
      let names = Set(network.nodes.map(\.name))
      var nodes: [Node] = []
      for block in network.nodes where seen[block.name] == block.location {
        var node = Node(id: block.name, location: block.location)
        var attributes: [String: (value: Term?, text: String?, location: SourceLocation)] = [:]
        for a in block.attributes {
          if attributes[a.name] != nil { bag.error(a.location, "'\(a.name)' is given twice for node '\(block.name)'") }
          attributes[a.name] = (a.value, a.text, a.location)
        }
        if let d = attributes["description"] { node.description = d.text ?? "" }
        for (name, a) in attributes.sorted(by: { $0.value.location.line < $1.value.location.line })
        where !["logic", "rate_up", "rate_down", "description"].contains(name) {
          bag.warning(a.location, "attribute '\(name)' of node '\(block.name)' is not used")
        }
        let hasLogic = attributes["logic"] != nil
        /// A rate's values while @logic is true and false (without logic, @logic is undefined),
        /// or nil after reporting why it is not supported.
        func rate(_ key: String, default value: (true: Double, false: Double)) -> (true: Double, false: Double)? {
          guard let a = attributes[key] else { return value }
          guard let expression = a.value else {
            bag.error(a.location, "\(key) of '\(block.name)' must be a number, not a string")
            return nil
          }
          if let other = Self.readsState(expression) {
            bag.error(
              a.location, "\(key) of '\(block.name)' depends on the state of '\(other)'",
              notes: ["only rates of the form '@logic ? r : 0' (rate_up), '@logic ? 0 : r' (rate_down) or constants are supported; put the condition in 'logic'"])
            return nil
          }
          var values: [Double] = []
          for logic in hasLogic ? [1.0, 0] : [nil] {
            guard let v = MaBoSSReader.evaluate(expression, parameters: parameters, logic: logic) else {
              if Self.reads(attribute: "max_rate", in: expression) {
                bag.error(
                  a.location, "\(key) of '\(block.name)' takes @max_rate (MaBoSS's mutation idiom) with these parameter values",
                  notes: [
                    "set the mutation parameters to 0 and pin the node instead: --knockout \(block.name), --overexpress \(block.name) or a scenario's perturbations"
                  ])
                return nil
              }
              bag.error(
                a.location,
                "\(key) of '\(block.name)' reads an unknown parameter or an attribute other than @logic\(hasLogic ? "" : " (the node has no logic)")")
              return nil
            }
            guard v >= 0 && v.isFinite else {
              bag.error(
                a.location, "\(key) of '\(block.name)' is \(formatNumber(v))\(logic.map { " when @logic is \(Int($0))" } ?? ""); rates are finite and ≥ 0")
              return nil
            }
            values.append(v)
          }
          return (values[0], values[values.count - 1])
        }
        /// A node that flips at rates its logic does not change: ON at `up` while OFF, OFF at
        /// `down` while ON, whatever the others do.
        func constantRates(up: Double, down: Double) {
          let rule: Expr? = up > 0 && down > 0 ? .unary(.not, .variable(block.name)) : up > 0 ? .one : down > 0 ? .zero : nil
          if let rule {
            node.rule = ParsedExpression(
              expr: rule, text: rule.description, origin: block.location,
              references: rule.variables.map { .init(name: $0, location: block.location) })
          } else {
            node.kind = .input
          }
          node.rateUp = up
          node.rateDown = down
        }
        if let logic = attributes["logic"] {
          guard let up = rate("rate_up", default: (1, 0)), let down = rate("rate_down", default: (0, 1)) else { continue }
          if (up.false != 0 || down.true != 0) && up.true == up.false && down.true == down.false {
            // Rates that @logic does not change (a node mutated through its parameters, say
            // `$X_ko ? 0 : …`): the logic is never read.
            bag.warning(
              logic.location,
              "the rates of '\(block.name)' do not depend on @logic (rate_up \(formatNumber(up.true)), rate_down \(formatNumber(down.true))); its logic is not used")
            constantRates(up: up.true, down: down.true)
            nodes.append(node)
            continue
          }
          if up.false != 0 || down.true != 0 {
            bag.error(
              (up.false != 0 ? attributes["rate_up"] : attributes["rate_down"])?.location ?? block.location,
              "node '\(block.name)' \(up.false != 0 ? "turns ON while its logic says OFF (rate_up \(formatNumber(up.false)))" : "turns OFF while its logic says ON (rate_down \(formatNumber(down.true)))")",
              notes: ["a node follows its logic here: rate_up = @logic ? r : 0 and rate_down = @logic ? 0 : r"])
            continue
          }
          guard let expression = logic.value, let expr = rule(expression, parameters, nodes: names, of: block.name) else {
            if logic.value == nil { bag.error(logic.location, "the logic of '\(block.name)' is a string, not an expression") }
            continue
          }
          if expr == .variable(block.name) && up.true == 0 && down.false == 0 {
            node.kind = .input
          } else {
            node.rule = ParsedExpression(
              expr: expr, text: expr.description, origin: logic.location,
              references: expr.variables.map { .init(name: $0, location: logic.location) })
          }
          node.rateUp = up.true
          node.rateDown = down.false
        } else {
          // No logic: ON at rate_up while OFF, OFF at rate_down while ON, whatever the others do.
          guard let up = rate("rate_up", default: (0, 0))?.true, let down = rate("rate_down", default: (0, 0))?.true else { continue }
          constantRates(up: up, down: down)
        }
        nodes.append(node)
      }
      // Initial states: the .cfg's istates; MaBoSS starts the others ON with probability 1/2.
      var istate: [String: Double] = [:]
      for (name, p, location) in settings.istates {
        guard names.contains(name) else {
          bag.error(location, "istate of unknown node '\(name)'", notes: didYouMean(name, among: Array(names)).map { [$0] } ?? [])
          continue
        }
        guard p >= 0 && p <= 1 else {
          bag.error(location, "istate of '\(name)' is \(formatNumber(p)); it is a probability of starting ON (0 to 1)")
          continue
        }
        istate[name] = p
      }
      for (name, _, location) in settings.nodeSettings where !names.contains(name) {
        bag.error(location, "setting of unknown node '\(name)'")
      }
      for i in nodes.indices {
        let p = istate[nodes[i].id] ?? 0.5
        nodes[i].initial = p >= 0.5 ? 1 : 0
        if p != 0 && p != 1 { nodes[i].initialProbability = p }
      }
      if nodes.isEmpty && !bag.hasErrors {
        bag.error(SourceLocation(file: file, line: 1, column: 1), "the file defines no nodes", notes: ["each node is 'Node NAME { logic = …; }'"])
      }
      try bag.throwIfErrors()
      var model = Model(name: NativeModelReader.fileStem(file), source: file, nodes: nodes)
      try model.validate()
      model.warnings = bag.warnings
      return model
    }

    /// The `.cfg`'s run settings as the flags that give them.
    static func runSettingsNote(_ settings: Parser.Configuration) -> [Diagnostic] {
      guard let first = settings.run.first else { return [] }
      let flags: [String: String] = [
        "max_time": "--t-end", "time_tick": "--dt", "sample_count": "--runs", "seed_pseudorandom": "--seed",
      ]
      var given: [String] = []
      var ignored: [String] = []
      for (name, value, _) in settings.run {
        if let flag = flags[name.lowercased()] { given.append("\(flag) \(formatNumber(value))") } else { ignored.append(name) }
      }
      var notes: [String] = []
      if !given.isEmpty { notes.append("run them as: simulate run MODEL --boolean continuous " + given.joined(separator: " ")) }
      if !ignored.isEmpty { notes.append("no equivalent here: " + ignored.joined(separator: ", ")) }
      return [Diagnostic(.warning, at: first.location, "the .cfg's run settings are not part of the model", notes: notes)]
    }
  }
}
