import Foundation
import Testing

@testable import PathwayModel

@Suite("Steady states")
struct SteadyStateTests {
  /// A ⇌ B (kf, kr) conserves A + B; C is made at k1 and decays at k2; D is constant.
  static let exchange = """
    model: exchange
    parameters: {kf: {value: 2}, kr: {value: 0.5}, k1: {value: 3}, k2: {value: 1.5}}
    nodes:
      A: {initial: 1, rate: -kf * A + kr * B}
      B: {initial: 3, rate: kf * A - kr * B}
      C: {initial: 0, rate: k1 - k2 * C}
      D: {initial: 7, rate: 0}
    """

  /// The Brusselator with a = 1, b = 3: one fixed point (a, b/a), an unstable focus with
  /// eigenvalues (b − 1 − a² ± √((b − 1 − a²)² − 4a²))/2 = 0.5 ± i√3/2, around a limit cycle.
  static let brusselator = """
    model: brusselator
    parameters: {a: {value: 1}, b: {value: 3}}
    nodes:
      x: {initial: 1.5, rate: a - (b + 1) * x + x^2 * y}
      y: {initial: 2, rate: b * x - x^2 * y}
    """

  /// dx/dt = x − x³: unstable at 0, stable at ±1.
  static let bistable = """
    model: bistable
    nodes:
      x: {initial: 0.1, rate: x - x^3}
    """

  func find(
    _ yaml: String, method: SteadyStateMethod = .auto, configure: (inout RunParameters) -> Void = { _ in }
  ) throws -> (SteadyStateResult, ODEModel) {
    let m = try model(yaml)
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode)
    var parameters = RunParameters(ode)
    configure(&parameters)
    var options = SteadyStateOptions()
    options.method = method
    let initial = ode.stateNodes.map { m.nodes[$0].initial }
    let result = try SteadyStateFinder(solver: solver).find(parameters, initial: initial, at: 0, options: options)
    return (result, ode)
  }

  @Test("Newton with a conserved moiety and a constant: the closed form, the laws and the eigenvalues")
  func conservedMoiety() throws {
    let (result, ode) = try find(Self.exchange, method: .newton)
    #expect(result.converged)
    #expect(result.method == "newton")
    let value = Dictionary(uniqueKeysWithValues: zip(ode.stateNames, result.state))
    // A* = kr·T/(kf + kr) with T = A₀ + B₀ = 4; C* = k1/k2; D unchanged.
    expectClose(value["A"]!, 0.5 * 4 / 2.5, relative: 1e-12, "A")
    expectClose(value["B"]!, 2 * 4 / 2.5, relative: 1e-12, "B")
    expectClose(value["C"]!, 2, relative: 1e-12, "C")
    #expect(value["D"] == 7)
    // The laws: D (constant) and A + B, exactly.
    let laws = Set(result.conservationLaws.map { row in zip(ode.stateNames, row).filter { $0.1 != 0 }.map { "\($0.1)\($0.0)" } })
    #expect(laws == [["1.0D"], ["1.0A", "1.0B"]])
    // The reduced Jacobian: −(kf + kr) for the exchange, −k2 for C.
    let eigenvalues = result.eigenvalues.map(\.re).sorted()
    #expect(eigenvalues.count == 2)
    expectClose(eigenvalues[0], -2.5, absolute: 1e-12, "λ1")
    expectClose(eigenvalues[1], -1.5, absolute: 1e-12, "λ2")
    #expect(result.stability == "stable")
  }

  @Test("A pinned state is held and ends the moiety it belonged to")
  func pinnedState() throws {
    let a = try ode(Self.exchange).stateNames.firstIndex(of: "A")!
    let (result, ode) = try find(Self.exchange) { $0.statePins[a] = 0.3 }
    let value = Dictionary(uniqueKeysWithValues: zip(ode.stateNames, result.state))
    #expect(result.converged)
    #expect(value["A"] == 0.3)
    expectClose(value["B"]!, 2 * 0.3 / 0.5, relative: 1e-12, "B = kf·A/kr")
    #expect(result.conservationLaws.count == 2)  // A and D, each constant
  }

  @Test("The Brusselator's fixed point is found by Newton and reported unstable; integration does not settle")
  func unstableFocus() throws {
    let (result, ode) = try find(Self.brusselator, method: .newton)
    #expect(result.converged)
    let value = Dictionary(uniqueKeysWithValues: zip(ode.stateNames, result.state))
    expectClose(value["x"]!, 1, relative: 1e-10, "x")
    expectClose(value["y"]!, 3, relative: 1e-10, "y")
    #expect(result.stability == "unstable")
    #expect(result.eigenvalues.count == 2)
    for eigenvalue in result.eigenvalues {
      expectClose(eigenvalue.re, 0.5, absolute: 1e-12, "Re λ")
      expectClose(abs(eigenvalue.im), 3.0.squareRoot() / 2, absolute: 1e-12, "Im λ")
    }
    let (integrated, _) = try find(Self.brusselator, method: .integrate)
    #expect(!integrated.converged)
    #expect(integrated.attempts.last?.detail.contains("not settling") == true)
  }

  @Test("Newton finds the unstable state at 0, integration the stable one at 1")
  func bistable() throws {
    let (newton, _) = try find(Self.bistable, method: .newton)
    #expect(newton.converged)
    #expect(abs(newton.state[0]) <= 1e-12)
    #expect(newton.stability == "unstable")
    let (integrated, _) = try find(Self.bistable, method: .integrate)
    #expect(integrated.converged)
    #expect(integrated.method == "integration")
    // |x − x³| ≈ 2|x − 1| ≤ atol + rtol·|x| near 1.
    expectClose(integrated.state[0], 1, absolute: 1e-9, "x")
    #expect(integrated.stability == "stable")
  }

  @Test("At rest on a switch both sides drive it into: steady on the switch, the sliding rates zero")
  func slidingEquilibrium() throws {
    // Production 1 below the threshold, none above, decay x/2: neither side's rate is zero at
    // x = 1 (0.5 and −0.5), their combination that holds x on the switch is.
    let yaml = "model: threshold\nnodes:\n  x: {initial: 0, rate: \"if(x < 1, 1, 0) - x / 2\"}\n"
    let (result, _) = try find(yaml)
    #expect(result.converged && result.method == "integration", "\(result.attempts)")
    expectClose(result.state[0], 1, absolute: 1e-9, "x")
    #expect(abs(result.rates[0]) <= 1e-12)
    #expect(result.attempts.last?.detail.contains("on the switch x - 1 = 0") == true)
    #expect(result.stability == "unknown" && result.eigenvalues.isEmpty)
    // Without a switch to rest on, the same rates settle at x = 2 with its eigenvalue −1/2.
    let (plain, _) = try find("model: plain\nnodes:\n  x: {initial: 0, rate: \"1 - x / 2\"}\n")
    expectClose(plain.state[0], 2, absolute: 1e-9, "x")
    #expect(plain.stability == "stable")
  }

  @Test("A drift is no steady state, although the rate falls relative to the growing state")
  func drift() throws {
    // dx/dt = 1: after 10⁹ time units |dx/dt| ≤ rtol·|x| would hold; the rate itself never falls.
    for method in [SteadyStateMethod.auto, .integrate] {
      let (result, _) = try find("model: grow\nnodes:\n  x: {initial: 0, rate: 1}\n", method: method)
      #expect(!result.converged, "\(method): \(result.state)")
      #expect(result.attempts.last?.detail.contains("not settling") == true)
      #expect(result.integratedTime < 1e4)
    }
  }

  @Test("Models with events or explicitly time-dependent rates are refused")
  func refused() throws {
    let timed = try ODEModel(model: try model("""
      model: timed
      nodes:
        x: {initial: 0, rate: time - x}
      """))
    #expect(SteadyStateFinder.unsupportedReason(timed)?.contains("depends on time") == true)
    let exchange = try ODEModel(model: try model(Self.exchange))
    #expect(SteadyStateFinder.unsupportedReason(exchange) == nil)
  }
}

private func ode(_ yaml: String) throws -> ODEModel { try ODEModel(model: try model(yaml)) }
