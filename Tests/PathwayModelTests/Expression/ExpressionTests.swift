import Foundation
import Testing

@testable import PathwayModel

@Suite("Expressions")
struct ExpressionTests {
  func value(_ text: String, _ variables: [String: Double] = [:]) throws -> Double {
    try ExpressionParser.parse(text).expr.evaluate { variables[$0] }
  }

  @Test("precedence and associativity follow the grammar")
  func precedence() throws {
    #expect(try value("1 + 2 * 3") == 7)
    #expect(try value("2 ^ 3 ^ 2") == 512)
    #expect(try value("-2 ^ 2") == -4)
    #expect(try value("2 ^ -1") == 0.5)
    #expect(try value("(1 + 2) * 3") == 9)
    #expect(try value("8 / 4 / 2") == 1)
    #expect(try value("1e-3 * 2.5E+3") == 2.5)
    #expect(try value(".5 + 1.") == 1.5)
    #expect(try value("1 < 2 & 3 > 4 | 1") == 1)
    #expect(try value("!0 & !(1 | 0)") == 0)
    #expect(try value("not 0 and 1 or 0") == 1)
    #expect(try value("1 xor 1") == 0)
    #expect(try value("TRUE & FALSE | true") == 1)
    #expect(try value("a.b_1 + 1", ["a.b_1": 2]) == 3)
  }

  @Test("functions, hill, piecewise and if")
  func functions() throws {
    #expect(try value("exp(0) + log(1) + log10(100) + sqrt(16) + abs(-2)") == 1 + 0 + 2 + 4 + 2)
    #expect(try value("min(3, 1, 2) + max(3, 1, 2) + pow(2, 10)") == 1 + 3 + 1024)
    #expect(try value("hill(1, 1, 2)") == 0.5)
    #expect(try value("hillr(1, 1, 2)") == 0.5)
    #expect(abs(try value("hill(2, 1, 3)") - 8.0 / 9.0) < 1e-15)
    #expect(try value("piecewise(10, x < 0, 20, x < 1, 30)", ["x": 0.5]) == 20)
    #expect(try value("piecewise(10, x < 0, 20, x < 1, 30)", ["x": 5]) == 30)
    #expect(try value("if(x > 1, 1, 2)", ["x": 3]) == 1)
    #expect(try value("log(2, 8)") == 3)
    #expect(try value("ln(exp(2))") == 2)
  }

  @Test("errors carry the location and the nearest names")
  func errors() {
    let origin = PathwayModel.SourceLocation(file: "m.yaml", line: 4, column: 11)
    let unknownFunction = pathwayError { _ = try ExpressionParser.parse("1 + hil(x, 1, 2)", origin: origin) }
    #expect(unknownFunction?.diagnostics.first?.location == PathwayModel.SourceLocation(file: "m.yaml", line: 4, column: 15))
    #expect(unknownFunction?.diagnostics.first?.notes.joined().contains("'hill'") == true)
    #expect(unknownFunction?.exitCode == 65)
    let dangling = pathwayError { _ = try ExpressionParser.parse("a & ", origin: origin) }
    #expect(dangling?.diagnostics.first?.location?.column == 15)
    let equals = pathwayError { _ = try ExpressionParser.parse("a = b", origin: origin) }
    #expect(equals?.diagnostics.first?.message.contains("'='") == true)
    let arity = pathwayError { _ = try ExpressionParser.parse("hill(x, 1)", origin: origin) }
    #expect(arity?.diagnostics.first?.message.contains("3 argument") == true)
    let parenthesis = pathwayError { _ = try ExpressionParser.parse("(a | b", origin: origin) }
    #expect(parenthesis?.diagnostics.first?.message.contains("')'") == true)
  }

  @Test("printing reads back to the same tree")
  func roundTrip() throws {
    for text in [
      "a + b * c", "(a + b) * c", "a - (b - c)", "a / (b / c)", "-a ^ 2", "(-a) ^ 2", "a ^ b ^ c", "(a ^ b) ^ c",
      "!(a & b) | c", "a & !b | c & d", "piecewise(1, a < b, 2)", "hill(x, 0.5, 2) * 3", "(a < b) == (c > d)",
      "1e-05 * x", "-3 * x",
    ] {
      let parsed = try ExpressionParser.parse(text).expr
      let reparsed = try ExpressionParser.parse(parsed.description).expr
      #expect(parsed == reparsed, "\(text) printed as \(parsed.description)")
    }
  }

  @Test("the compiled program agrees with the tree, folds constants and shares subexpressions")
  func compiler() throws {
    let text = "exp(-k * x) * (x + 2 * 3) + (x + 2 * 3) ^ 2 + piecewise(x, x > 1, -x) + max(x, k, 0.5)"
    let parsed = try ExpressionParser.parse(text).expr
    var builder = ProgramBuilder(variables: ["x": 0, "k": 1], reservedSlots: 2)
    let out = try builder.emit(parsed)
    let program = builder.build()
    // 2 * 3 folds; (x + 6) is computed once.
    let adds = program.code.filter { $0.op == .add }.count
    #expect(adds <= 4)
    var slots = [Double](repeating: 0, count: program.slotCount)
    for x in [-2.0, 0.3, 1.7, 5] {
      slots.withUnsafeMutableBufferPointer { buffer in
        program.initialize(buffer.baseAddress!)
        buffer[0] = x
        buffer[1] = 0.7
        program.run(buffer.baseAddress!)
      }
      let expected = parsed.evaluate { ["x": x, "k": 0.7][$0] }
      #expect(slots[Int(out)] == expected)
    }
  }

  @Test("parameter-only instructions go to the invariant program; both together give the in-place values bit for bit")
  func invariantInstructions() throws {
    let text = "V * k1 * k2 * x / V + exp(-k1) * x^2 - piecewise(k2, k1 > k2, x) + (k1 + k2) * (k1 + k2)"
    let parsed = try ExpressionParser.parse(text).expr
    var builder = ProgramBuilder(variables: ["x": 0, "k1": 1, "k2": 2, "V": 3], reservedSlots: 4)
    builder.invariantSlots = 1..<4
    let out = try builder.emit(parsed)
    let invariant = builder.buildInvariant()
    let program = builder.build()
    // V·k1·k2, −k1, exp(−k1), k1 > k2, the piecewise of parameters, k1 + k2 and its square.
    #expect(invariant.instructionCount == 7)
    #expect(program.code.allSatisfy { !builder.invariantSlotsWritten.contains($0.dst) })
    var plain = ProgramBuilder(variables: ["x": 0, "k1": 1, "k2": 2, "V": 3], reservedSlots: 4)
    let plainOut = try plain.emit(parsed)
    let whole = plain.build()
    #expect(whole.instructionCount == invariant.instructionCount + program.instructionCount)
    for (x, k1, k2, v) in [(0.3, 0.7, 1.9, 2.0), (-1.5, 3.1, 0.2, 1e-3), (2.0, 1.0, 1.0, 7.0)] {
      var a = [Double](repeating: 0, count: program.slotCount), b = [Double](repeating: 0, count: whole.slotCount)
      a.withUnsafeMutableBufferPointer { s in
        program.initialize(s.baseAddress!)
        s[1] = k1; s[2] = k2; s[3] = v
        invariant.run(s.baseAddress!)
        s[0] = x
        program.run(s.baseAddress!)
      }
      b.withUnsafeMutableBufferPointer { s in
        whole.initialize(s.baseAddress!)
        s[0] = x; s[1] = k1; s[2] = k2; s[3] = v
        whole.run(s.baseAddress!)
      }
      #expect(a[Int(out)].bitPattern == b[Int(plainOut)].bitPattern)
    }
  }

  @Test("symbolic derivatives match central differences")
  func derivatives() throws {
    let cases = [
      "x^3 - 2*x", "exp(-2*x) * sin(x)", "log(x) / x", "sqrt(x^2 + 1)", "hill(x, 0.5, 2)", "hillr(x, 0.7, 3)",
      "x^x", "2^x", "tanh(x) + cosh(x) + atan(x)", "piecewise(x^2, x < 1.3, 3*x)", "min(x, 2*x - 1)",
      "max(x^2, 1)", "abs(x - 1)", "asinh(x) + acosh(x + 1) + atanh(x / 4)", "log10(x) + log2(x)", "root(3, x)",
      "log(2, x)", "1 / (1 + x)", "sec(x) + cot(x + 0.5) + csc(x + 0.2)",
    ]
    for text in cases {
      let e = try ExpressionParser.parse(text).expr
      let d = try #require(e.derivative(withRespectTo: "x"), "\(text)")
      for x in [0.4, 0.9, 1.6, 2.5] {
        let h = 1e-6
        let numeric = (e.evaluate { $0 == "x" ? x + h : nil } - e.evaluate { $0 == "x" ? x - h : nil }) / (2 * h)
        let symbolic = d.evaluate { $0 == "x" ? x : nil }
        #expect(abs(numeric - symbolic) <= 1e-6 * max(1, abs(symbolic)), "d/dx \(text) at \(x): \(symbolic) vs \(numeric)")
      }
    }
    #expect(try ExpressionParser.parse("factorial(x)").expr.derivative(withRespectTo: "x") == nil)
    #expect(try ExpressionParser.parse("factorial(y)").expr.derivative(withRespectTo: "x") == .zero)
  }
}
