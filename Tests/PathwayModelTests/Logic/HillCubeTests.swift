import Foundation
import Testing

@testable import PathwayModel

@Suite("HillCube")
struct HillCubeTests {
  /// A deterministic pseudo-random source for test inputs.
  struct LCG {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  func table(_ rule: String) throws -> TruthTable {
    try TruthTable(rule: ExpressionParser.parse(rule), target: "X")
  }

  func cube(_ t: TruthTable, _ y: [Double]) -> Double {
    let values = (0..<t.entryCount).map { t.value(at: $0) ? 1.0 : 0.0 }
    var scratch = [Double](repeating: 0, count: max(1, t.entryCount / 2))
    return values.withUnsafeBufferPointer { table in
      y.withUnsafeBufferPointer { yp in
        scratch.withUnsafeMutableBufferPointer { s in
          HillCube.value(table: table.baseAddress!, y: yp.baseAddress!, k: t.regulators.count, scratch: s.baseAddress!)
        }
      }
    }
  }

  /// The direct definition Σ_s B(s) Π y^s (1−y)^(1−s), for comparison.
  func definition(_ t: TruthTable, _ y: [Double]) -> Double {
    var sum = 0.0
    for s in 0..<t.entryCount where t.value(at: s) {
      var product = 1.0
      for j in 0..<t.regulators.count { product *= (s >> j) & 1 == 1 ? y[j] : 1 - y[j] }
      sum += product
    }
    return sum
  }

  @Test("the HillCube equals the truth table at every corner")
  func corners() throws {
    let rules = [
      "(Dlx5 | (Hey1 & Smad158) | ((TCF | Gli | (ECM & !Rac1)) & !Hes1)) & (ERK | p38 | Smad158) & !(Twist1 & HIF1a)",
      "A xor B", "!A", "A & B & !C", "(A | B) & !(C & D)",
    ]
    for rule in rules {
      let t = try table(rule)
      for s in 0..<t.entryCount {
        let corner = (0..<t.regulators.count).map { Double((s >> $0) & 1) }
        #expect(cube(t, corner) == (t.value(at: s) ? 1 : 0), "\(rule) at corner \(s)")
      }
    }
  }

  @Test("a 12-regulator HillCube agrees with the definition inside the cube")
  func interior() throws {
    let t = try table(
      "(Dlx5 | (Hey1 & Smad158) | ((TCF | Gli | (ECM & !Rac1)) & !Hes1)) & (ERK | p38 | Smad158) & !(Twist1 & HIF1a)")
    #expect(t.regulators.count == 12)
    var random = LCG(state: 7)
    for _ in 0..<50 {
      let y = (0..<12).map { _ in random.next() }
      expectClose(cube(t, y), definition(t, y), absolute: 1e-13, "interior")
    }
  }

  @Test("the decision diagram evaluates the same HillCube, in far fewer operations")
  func diagram() throws {
    let rules = [
      "(Dlx5 | (Hey1 & Smad158) | ((TCF | Gli | (ECM & !Rac1)) & !Hes1)) & (ERK | p38 | Smad158) & !(Twist1 & HIF1a)",
      "A xor B xor C xor D", "A & !A", "A | !A", "(A | B) & !(C & D) | E & F & !G",
    ]
    var random = LCG(state: 11)
    for rule in rules {
      let t = try table(rule)
      let d = MultilinearDiagram(t)
      let k = t.regulators.count
      var scratch = [Double](repeating: 0, count: d.size + 2)
      for trial in 0..<40 {
        // Corners first, then interior points.
        let y = (0..<k).map { j in trial < 8 ? Double((trial >> j) & 1) : random.next() }
        let v = y.withUnsafeBufferPointer { d.value($0.baseAddress!, scratch: &scratch) }
        expectClose(v, definition(t, y), absolute: 1e-13, "\(rule)")
        // Gradient through the reverse sweep.
        var values = [Double](repeating: 0, count: d.size + 2), adjoint = values
        var gradient = [Double](repeating: 0, count: max(1, k))
        _ = d.variable.withUnsafeBufferPointer { vp in
          d.low.withUnsafeBufferPointer { lp in
            d.high.withUnsafeBufferPointer { hp in
              MultilinearKernel.valueAndGradient(
                variable: vp.baseAddress!, low: lp.baseAddress!, high: hp.baseAddress!, count: d.size, root: d.root,
                y: y, values: &values, adjoint: &adjoint, gradient: &gradient)
            }
          }
        }
        for j in 0..<k where trial >= 8 {
          var up = y, down = y
          up[j] += 1e-6
          down[j] -= 1e-6
          expectClose(gradient[j], (definition(t, up) - definition(t, down)) / 2e-6, absolute: 1e-8, "\(rule) ∂/∂y\(j)")
        }
      }
    }
    let runx2 = MultilinearDiagram(try table(rules[0]))
    #expect(runx2.size < 100, "Runx2's diagram has \(runx2.size) nodes")
  }

  @Test("the gradient matches central differences")
  func gradient() throws {
    let t = try table("(A | B & !C) & (D | !E) | F & A")
    let k = t.regulators.count
    let values = (0..<t.entryCount).map { t.value(at: $0) ? 1.0 : 0.0 }
    var random = LCG(state: 3)
    for _ in 0..<20 {
      let y = (0..<k).map { _ in random.next() }
      var levels = [Double](repeating: 0, count: 1 << k)
      var adjoint = [Double](repeating: 0, count: 1 << k)
      var gradient = [Double](repeating: 0, count: k)
      let v = values.withUnsafeBufferPointer { table in
        HillCube.valueAndGradient(
          table: table.baseAddress!, y: y, k: k, levels: &levels, adjoint: &adjoint, gradient: &gradient)
      }
      expectClose(v, definition(t, y), absolute: 1e-14, "value")
      for j in 0..<k {
        var up = y, down = y
        up[j] += 1e-6
        down[j] -= 1e-6
        let numeric = (definition(t, up) - definition(t, down)) / 2e-6
        expectClose(gradient[j], numeric, absolute: 1e-8, "∂/∂y\(j)")
      }
    }
  }

  @Test("the normalised Hill function: h(0) = 0, h(1) = 1, h(k) = (1 + kⁿ)/2, clipped outside [0, 1]")
  func normalizedHill() {
    let kn = pow(0.5, 2.0)
    #expect(NormalizedHill.value(0, n: 2, kn: kn) == 0)
    #expect(NormalizedHill.value(1, n: 2, kn: kn) == 1)
    expectClose(NormalizedHill.value(0.5, n: 2, kn: kn), (1 + kn) / 2, absolute: 1e-15, "h(k)")
    #expect(NormalizedHill.value(-0.3, n: 2, kn: kn) == 0)
    #expect(NormalizedHill.value(1.7, n: 2, kn: kn) == 1)
    for x in [0.1, 0.4, 0.8] {
      let (_, d) = NormalizedHill.valueAndDerivative(x, n: 2.5, kn: pow(0.4, 2.5))
      let numeric = (NormalizedHill.value(x + 1e-7, n: 2.5, kn: pow(0.4, 2.5)) - NormalizedHill.value(x - 1e-7, n: 2.5, kn: pow(0.4, 2.5))) / 2e-7
      expectClose(d, numeric, relative: 1e-6, "h'(\(x))")
    }
  }

  /// u (dose 0.6) → A → B: A* = 0.6 (the input enters without a Hill transform) and
  /// B* = h(0.6) = 0.36/(0.36 + 0.25)·1.25 = 0.45/0.61.
  @Test("a 2-node chain reaches the hand-calculated steady state", arguments: [Stepper.msbdf, .rkf45])
  func twoNodeSteadyState(stepper: Stepper) throws {
    let m = try model("""
      defaults: {n: 2, k: 0.5}
      nodes:
        u: {kind: input, initial: 0.6}
        A: {rule: u, tau: 1}
        B: {rule: A, tau: 2}
      """)
    let s = try integrate(m, to: 80, method: stepper, rtol: 1e-10, atol: 1e-12)
    expectClose(s.finalState[0], 0.6, absolute: 1e-9, "A*")
    expectClose(s.finalState[1], 0.45 / 0.61, absolute: 1e-9, "B*")
  }

  /// u → A ⊣ B feedback: A* = 1 − h(B*), B* = h(A*), solved here by bisection.
  @Test("a 2-node feedback loop reaches the bisection steady state")
  func feedbackSteadyState() throws {
    let m = try model("""
      nodes:
        u: {kind: input, initial: 1}
        A: {rule: u & !B}
        B: {rule: A}
      """)
    let kn = 0.25
    func h(_ x: Double) -> Double { NormalizedHill.value(x, n: 2, kn: kn) }
    var lo = 0.0, hi = 1.0
    for _ in 0..<200 {
      let mid = (lo + hi) / 2
      if mid - (1 - h(h(mid))) > 0 { hi = mid } else { lo = mid }
    }
    let s = try integrate(m, to: 200, method: .msbdf, rtol: 1e-10, atol: 1e-12)
    expectClose(s.finalState[0], lo, absolute: 1e-8, "A*")
    expectClose(s.finalState[1], h(lo), absolute: 1e-8, "B*")
  }

  @Test("modulators, pins and scales enter the HillCube ODE as BIOLOGY.md §3.3 defines")
  func modulators() throws {
    let m = try model("""
      nodes:
        u: {kind: input, initial: 1}
        M: {kind: input, initial: 0.5}
        A:
          rule: u
          modulators:
            - {from: M, sign: +, weight: 0.4}
        B:
          rule: u
          modulators:
            - {from: A, sign: -, weight: 0.3}
        C: {rule: u}
      """)
    let s = try integrate(m, to: 100, method: .msbdf, rtol: 1e-10, atol: 1e-12) { p in
      p.scale[2] = 0.3
    }
    // Inputs enter modulators as doses: A* = 1 − 0.4 + 0.4·0.5 = 0.8; B* = 1 − 0.3·h(0.8).
    expectClose(s.finalState[0], 0.8, absolute: 1e-8, "A*")
    expectClose(s.finalState[1], 1 - 0.3 * NormalizedHill.value(0.8, n: 2, kn: 0.25), absolute: 1e-8, "B*")
    expectClose(s.finalState[2], 0.3, absolute: 1e-8, "C* scaled")
    let pinned = try integrate(m, to: 100, method: .msbdf, rtol: 1e-10, atol: 1e-12) { p in
      p.statePins[0] = 0.25
    }
    #expect(pinned.finalState[0] == 0.25)
  }

  @Test("a pinned level reads back exactly on every output row, whatever the method", arguments: Stepper.allCases)
  func pinHoldsExactly(method: Stepper) throws {
    let m = try model("""
      nodes:
        u: {kind: input, initial: 0.8}
        A: {rule: u & !C}
        B: {rule: A}
        C: {rule: B, tau: 3}
      """)
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: method, rtol: 1e-6, atol: 1e-9))
    var parameters = RunParameters(ode)
    parameters.statePins[0] = 0.4
    let times = stride(from: 0.0, through: 20, by: 0.5).map { $0 }
    let s = solver.solve(parameters, initial: [0, 0, 0.2], start: 0, end: 20, times: times)
    #expect(s.failure == nil)
    let a = try #require(s.trajectory.column("A"))
    #expect(a.allSatisfy { $0 == 0.4 }, "\(method): \(a.filter { $0 != 0.4 })")
  }
}
