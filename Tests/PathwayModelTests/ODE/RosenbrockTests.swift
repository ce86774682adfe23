import Foundation
import Testing

@testable import PathwayModel

/// The Rosenbrock engine (Rodas4, Rodas5P) against published reference solutions, its dense
/// output, ∂f/∂t, and its failures; the same checks for the other Swift engines where they apply
/// (`auto` on the stiff problems, `dopri5` on the non-stiff ones). Tolerances follow `ReferenceProblemTests`: the global error
/// of an adaptive method is bounded by a factor × the steps taken × the per-step target.
@Suite("Rosenbrock methods")
struct RosenbrockTests {
  static let methods: [Stepper] = [.rodas4, .rodas5p]
  /// The Swift engines that take stiff problems, and all of them.
  static let stiffMethods: [Stepper] = methods + [.auto]
  static let swiftMethods: [Stepper] = methods + [.dopri5, .auto]

  /// HIRES, Pollution, E5, Robertson (to 10¹¹) and van der Pol (μ = 1000) at their end time,
  /// against the Test Set's reference solutions (`ReferenceProblem`; sources there).
  /// Every stiff Swift method on every problem, but auto on E5: its y₂, y₃ at 10¹³ are rounding
  /// (below), whose bound here grows with the step count; auto takes fewer steps than Rodas5P
  /// and ends 1e-21 off as Rodas5P does (a run at rtol 1e-10 ends at y₂ = 1.03e-21, y₃ = 9e-27
  /// with Rodas5P, 2e-30 and 1.78e-21 with auto, for 8.87e-22 and 8.85e-22).
  static let publishedCases: [(Stepper, String)] = stiffMethods.flatMap { stepper in
    ReferenceProblem.all.map(\.name).filter { stepper != .auto || $0 != "E5" }.map { (stepper, $0) }
  }

  @Test("published stiff problems match their reference solutions", arguments: Self.publishedCases)
  func published(stepper: Stepper, name: String) throws {
    let problem = try #require(ReferenceProblem.all.first { $0.name == name })
    let rtol = 1e-10, atol = rtol * problem.atolRatio
    // Output rows on a logarithmic grid (dense output: they cost no steps) give each
    // component's largest magnitude along the run, for the rounding term below.
    let times = [0.0] + stride(from: -6.0, through: log10(problem.end), by: 0.25).map { Foundation.pow(10, $0) }
      .filter { $0 < problem.end } + [problem.end]
    let s = try integrate(try model(problem.yaml), to: problem.end, method: stepper, rtol: rtol, atol: atol, times: times)
    try #require(s.failure == nil, "\(stepper) \(name): \(s.failure!)")
    let steps = Double(s.statistics.steps)
    for (i, exact) in problem.reference.enumerated() {
      // The per-step target of the error control is atol + rtol·|y| (the weight of the norm in
      // `RosenbrockEngine.step`); the global error is bounded by a factor × steps × that target,
      // as in `ReferenceProblemTests.bound`. Every step also rounds: ε·|y| at the size the
      // component had then. Where errors are not damped (E5 conserves y₂ − y₃ − y₄, and y₂, y₃
      // fall from 1e-10 to 1e-22) those rounding errors, of the component's peak size, stay:
      // E5's y₂, y₃ at 10¹³ are resolved by no double-precision method to better than
      // steps·ε·1e-10 (GSL's msbdf shows the same 1e-21 drift; the Test Set's reference was
      // computed with ε = 1e-19).
      let peak = (0..<s.trajectory.rowCount).reduce(abs(exact)) { max($0, abs(s.trajectory.value(row: $1, column: i))) }
      let target = atol + rtol * abs(exact) + Double.ulpOfOne * peak
      expectClose(s.finalState[i], exact, absolute: 10 * steps * target, "\(stepper) \(name) y\(i + 1)")
    }
  }

  @Test("dense output: outputs between steps match exp(-k t), and do not cost steps", arguments: Self.swiftMethods)
  func denseOutput(stepper: Stepper) throws {
    let m = try model("parameters: {k: 0.7}\nnodes:\n  x: {initial: 2, rate: -k * x}\n")
    let tol = 1e-9
    let times = stride(from: 0.0, through: 10, by: 0.01).map { $0 }
    let many = try integrate(m, to: 10, method: stepper, rtol: tol, atol: tol * 1e-2, times: times)
    let few = try integrate(m, to: 10, method: stepper, rtol: tol, atol: tol * 1e-2, times: [0, 10])
    #expect(many.statistics.steps == few.statistics.steps, "output times must not shorten steps")
    #expect(many.trajectory.rowCount == times.count)
    let bound = ReferenceProblemTests.bound(many, stepper, 2)
    for (row, t) in times.enumerated() {
      expectClose(many.trajectory.value(row: row, column: 0), 2 * exp(-0.7 * t), absolute: bound, "\(stepper) t=\(t)")
    }
    expectClose(many.finalState[0], few.finalState[0], absolute: 0, "the same steps give the same end state")
  }

  /// x' = sin t − x, x(0) = 0: x = (sin t − cos t + e^{−t})/2. The rate law depends on time, so
  /// the stages need ∂f/∂t; without it Rodas drops to first order in t.
  @Test("a time-dependent rate law uses ∂f/∂t at full order", arguments: Self.swiftMethods)
  func nonAutonomous(stepper: Stepper) throws {
    let m = try model("nodes:\n  x: {initial: 0, rate: sin(time) - x}\n")
    let times = stride(from: 0.0, through: 20, by: 0.5).map { $0 }
    let s = try integrate(m, to: 20, method: stepper, rtol: 1e-10, atol: 1e-12, times: times)
    #expect(s.failure == nil)
    let bound = ReferenceProblemTests.bound(s, stepper, 1)
    for (row, t) in times.enumerated() {
      let exact = (sin(t) - cos(t) + exp(-t)) / 2
      expectClose(s.trajectory.value(row: row, column: 0), exact, absolute: bound, "\(stepper) x(\(t))")
    }
  }

  /// x' = u − x with u a ramp from 0 to 1 over [0, 10]: ∂f/∂t comes through the input's slope.
  @Test("a ramped input enters through ∂f/∂t", arguments: Self.swiftMethods)
  func ramp(stepper: Stepper) throws {
    let m = try model("nodes:\n  u: {kind: input}\n  x: {rate: u - x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: stepper, rtol: 1e-10, atol: 1e-12))
    var parameters = RunParameters(ode)
    parameters.stimuli[0] = .ramp(start: 0, end: 10, from: 0, to: 1)
    let s = solver.solve(parameters, initial: [0], start: 0, end: 10, times: [0, 2.5, 5, 7.5, 10])
    for (row, t) in [0.0, 2.5, 5, 7.5, 10].enumerated() {
      expectClose(s.trajectory.value(row: row, column: 1), (t - 1 + exp(-t)) / 10, absolute: 1e-9, "\(stepper) x(\(t))")
    }
  }

  @Test("the sparse and the dense LU give the same solution of the Pollution problem", arguments: Self.methods)
  func sparseMatchesDense(stepper: Stepper) throws {
    let problem = ReferenceProblem.pollution
    let ode = try ODEModel(model: try model(problem.yaml))
    let initial = ode.stateNodes.map { ode.model.nodes[$0].initial }
    var finals: [[Double]] = []
    for kind in [LinearSolverKind.sparse, .dense] {
      let workspace = ODEWorkspace(ode)
      let tableau = stepper == .rodas4 ? RosenbrockTableau.rodas4 : .rodas5p
      let engine = RosenbrockEngine(
        workspace: workspace, stepper: stepper, tableau: tableau, rtol: 1e-8, atol: 1e-12, linearSolver: kind)
      #expect(engine.linearSolver == kind)
      var y = initial
      var t = 0.0, h = 1e-6
      while t < problem.end {
        let status = y.withUnsafeMutableBufferPointer { engine.step(t: &t, t1: problem.end, h: &h, y: $0.baseAddress!) }
        try #require(status == .success, "\(kind): \(status) at t = \(t)")
      }
      #expect(engine.linearSolver == kind, "the pattern covers every Jacobian entry")
      finals.append(y)
    }
    for i in 0..<finals[0].count {
      expectClose(finals[0][i], finals[1][i], absolute: 1e-9 * max(abs(finals[1][i]), 1e-12), "\(stepper) y\(i + 1)")
    }
  }

  @Test("the structural pattern of a rate-law model and of a HillCube model covers the Jacobian")
  func pattern() throws {
    let models = [
      ReferenceProblem.pollution.yaml,
      """
      nodes:
        a: {initial: 0.2, rule: "!c"}
        b: {initial: 0.1, rule: a}
        c: {initial: 0.5, rule: a & b}
        u: {kind: input}
        d:
          initial: 0
          rule: u | c
          modulators:
            - {from: b, sign: -, weight: 0.4}
            - {from: u, sign: +, weight: 0.3}
      """,
    ]
    for text in models {
      let ode = try ODEModel(model: try model(text))
      let n = ode.stateCount
      var member = [Bool](repeating: false, count: n * n)
      for (r, columns) in ode.jacobianPattern.enumerated() { for c in columns { member[r * n + c] = true } }
      let workspace = ODEWorkspace(ode)
      var y = (0..<n).map { 0.1 + 0.05 * Double($0) }
      var j = [Double](repeating: 0, count: n * n), dfdt = [Double](repeating: 0, count: n)
      _ = workspace.jacobian(0.5, &y, &j, &dfdt)
      var outside = 0, inside = 0
      for i in 0..<(n * n) where j[i] != 0 {
        if member[i] { inside += 1 } else { outside += 1 }
      }
      #expect(outside == 0, "\(outside) Jacobian entries outside the pattern")
      #expect(inside > n / 2)
    }
  }

  /// x' = y' = c (x + y) with c = 10³⁰⁰: J has rank one and σI − J is singular to working
  /// precision for every step size the engine can try. The run fails at t = 0 with the GSL wording.
  @Test("a singular iteration matrix fails the step, reported like GSL's", arguments: Self.methods)
  func singular(stepper: Stepper) throws {
    let m = try model("""
      parameters: {c: 1e300}
      nodes:
        x: {initial: 0, rate: c * (x + y)}
        y: {initial: 0, rate: c * (x + y)}
      """)
    let s = try integrate(m, to: 1, method: stepper, rtol: 1e-6, atol: 1e-10)
    let failure = try #require(s.failure)
    #expect(failure.reason == .stepperFailed("\(stepper.rawValue) step failed (GSL_FAILURE (the step failed))"))
    #expect(failure.time == 0)
    #expect(failure.description.contains("h = "))
    #expect(s.trajectory.rowCount == 1, "the row at t = 0")
  }

  /// x' = 4 x with h₀ = 1: σI − J = 4 − 4 is exactly singular at the first trial step of Rodas4
  /// (γ = 1/4); the step is halved and the run goes on.
  @Test("an exactly singular first trial step is halved, not a failure")
  func singularOnce() throws {
    let m = try model("nodes:\n  x: {initial: 1, rate: 4 * x}\n")
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rodas4, rtol: 1e-10, atol: 1e-12, hInitial: 1))
    let s = solver.solve(RunParameters(ode), initial: [1], start: 0, end: 2, times: [2])
    #expect(s.failure == nil)
    #expect(s.statistics.failedSteps >= 1)
    expectClose(s.finalState[0], exp(8.0), relative: 10 * Double(s.statistics.steps) * 1e-10, "x(2)")
  }

  /// A rank-deficient Jacobian (a ⇌ b conserves a + b) is no failure: σI − J stays regular.
  @Test("a singular Jacobian with a regular iteration matrix integrates", arguments: Self.methods)
  func conserved(stepper: Stepper) throws {
    let m = try model("""
      nodes:
        a: {initial: 1, rate: -2 * a + b}
        b: {initial: 0, rate: 2 * a - b}
      """)
    let s = try integrate(m, to: 5, method: stepper, rtol: 1e-10, atol: 1e-12)
    #expect(s.failure == nil)
    // a = 1/3 + (2/3) e^{−3t}.
    expectClose(s.finalState[0], 1.0 / 3 + 2.0 / 3 * exp(-15.0), absolute: ReferenceProblemTests.bound(s, stepper, 1), "a(5)")
    expectClose(s.finalState[0] + s.finalState[1], 1, absolute: 1e-12, "a + b")
  }

  /// x' = x², x(0) = 1 blows up at t = 1: the run fails there, with a step-size failure. What
  /// any of these methods guarantees is the pole's place to within the global error, not the
  /// side of it: 1/x = 1 − t, and a relative error e in x moves the numerical pole by
  /// (1 − t)·e ≤ e, so |t_failure − 1| ≤ 10 · steps · rtol (the bound of `ReferenceProblemTests`).
  /// Measured (rtol 1e-8): Rodas4 1 + 4.8e-10, Rodas5P 1 + 3.4e-9 and GSL's rk4imp 1 + 1.3e-9
  /// stop just past the pole; bsimp at 1 − 5e-15; msbdf at 1 − 1.2e-6, where its Newton iteration
  /// stops converging (GSL_FAILURE) — GSL promises no closer stop.
  @Test("a blow-up ends in a step-size failure just before it", arguments: Self.swiftMethods + [.msbdf])
  func blowUp(stepper: Stepper) throws {
    let m = try model("nodes:\n  x: {initial: 1, rate: x^2}\n")
    let s = try integrate(m, to: 2, method: stepper, rtol: 1e-8, atol: 1e-10)
    let failure = try #require(s.failure)
    switch failure.reason {
    case .stepSizeUnderflow, .stepperFailed: break
    default: Issue.record("\(stepper): unexpected failure \(failure)")
    }
    let bound = 10 * Double(max(1, s.statistics.steps)) * 1e-8
    #expect(abs(failure.time - 1) <= bound, "\(stepper) stopped at \(failure.time), bound ±\(bound)")
    #expect(failure.time < 2, "the blow-up is never stepped over to the end")
  }

  @Test("a Rosenbrock solver is reusable: a second run gives the same numbers", arguments: Self.stiffMethods)
  func reuse(stepper: Stepper) throws {
    let problem = ReferenceProblem.hires
    let ode = try ODEModel(model: try model(problem.yaml))
    let solver = try ODESolver(ode, options: SolverOptions(method: stepper, rtol: 1e-8, atol: 1e-12))
    let initial = ode.stateNodes.map { ode.model.nodes[$0].initial }
    let times = stride(from: 0.0, through: problem.end, by: problem.end / 50).map { $0 }
    let first = solver.solve(RunParameters(ode), initial: initial, start: 0, end: problem.end, times: times)
    let again = solver.solve(RunParameters(ode), initial: initial, start: 0, end: problem.end, times: times)
    #expect(first.trajectory.values == again.trajectory.values)
    #expect(first.statistics == again.statistics.with(wallSeconds: first.statistics.wallSeconds))
  }
}

extension SolverStatistics {
  fileprivate func with(wallSeconds: Double) -> SolverStatistics {
    var copy = self
    copy.wallSeconds = wallSeconds
    return copy
  }
}
