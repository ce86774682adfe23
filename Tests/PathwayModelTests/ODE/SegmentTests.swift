import Foundation
import Testing

@testable import PathwayModel

@Suite("Input segments")
struct SegmentTests {
  /// dx/dt = u − x, x(0) = 0, u = 1 on [10, 20), else 0:
  /// x = 0 before 10, 1 − e^{−(t−10)} on [10, 20), (1 − e^{−10}) e^{−(t−20)} after.
  static func exact(_ t: Double) -> Double {
    if t < 10 { return 0 }
    if t < 20 { return 1 - exp(-(t - 10)) }
    return (1 - exp(-10)) * exp(-(t - 20))
  }

  @Test("a pulse on [10, 20) matches the exact piecewise solution to 1e-8",
        arguments: [Stepper.msbdf, .rkf45, .rk8pd, .bsimp, .rk4imp, .rodas4, .rodas5p])
  func pulse(stepper: Stepper) throws {
    let m = try model("""
      nodes:
        u: {kind: input}
        x: {rate: u - x}
      """)
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: stepper, rtol: 1e-11, atol: 1e-12))
    var parameters = RunParameters(ode)
    parameters.stimuli[0] = .pulse(start: 10, end: 20, dose: 1, baseline: 0)
    let times = stride(from: 0.0, through: 40, by: 0.5).map { $0 }
    let s = solver.solve(parameters, initial: [0], start: 0, end: 40, times: times)
    #expect(s.failure == nil)
    #expect(s.statistics.segments == 3)
    let x = try #require(s.trajectory.column("x")), u = try #require(s.trajectory.column("u"))
    for (i, t) in times.enumerated() {
      expectClose(x[i], Self.exact(t), absolute: 1e-8, "\(stepper) x(\(t))")
      #expect(u[i] == (t >= 10 && t < 20 ? 1 : 0), "the dose is right-continuous at t = \(t)")
    }
  }

  @Test("a ramp and a repeated dose end segments and give the right doses")
  func ramp() throws {
    let m = try model("""
      nodes:
        u: {kind: input}
        x: {rate: u - x}
      """)
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rk8pd, rtol: 1e-11, atol: 1e-12))
    var parameters = RunParameters(ode)
    parameters.stimuli[0] = .ramp(start: 0, end: 10, from: 0, to: 1)
    let s = solver.solve(parameters, initial: [0], start: 0, end: 10, times: [0, 5, 10])
    // x' = t/10 − x, x(0) = 0: x = (t − 1 + e^{−t})/10.
    for (row, t) in [0.0, 5, 10].enumerated() {
      expectClose(s.trajectory.value(row: row, column: 1), (t - 1 + exp(-t)) / 10, absolute: 1e-9, "ramp x(\(t))")
      expectClose(s.trajectory.value(row: row, column: 0), t / 10, absolute: 1e-15, "ramp u(\(t))")
    }
    let repeated = Stimulus.repeated(start: 1, period: 4, duration: 1, count: 3, dose: 2, baseline: 0)
    #expect(repeated.breakpoints(from: 0, to: 100) == [1, 2, 5, 6, 9, 10])
    #expect(repeated.value(at: 5.5) == 2 && repeated.value(at: 6) == 0 && repeated.value(at: 13) == 0)
    parameters.stimuli[0] = repeated
    let r = solver.solve(parameters, initial: [0], start: 0, end: 12, times: [12])
    #expect(r.statistics.segments == 7)
  }

  @Test("a repeated dose whose times are not exact in binary switches off at its own breakpoints")
  func repeatedDecimalTimes() throws {
    let m = try model("""
      nodes:
        u: {kind: input}
        x: {rate: u}
      """)
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rkf45, rtol: 1e-10, atol: 1e-12))
    var parameters = RunParameters(ode)
    // 72.1 − 3·24 = 0.0999…9432 < 0.1: the dose must still be off from 72.1 on.
    for (period, duration, count, end) in [(24.0, 0.1, 7, 168.0), (24, 0.6, 21, 504), (168, 0.2, 3, 504), (1.2, 0.5, 166, 200)] {
      let stimulus = Stimulus.repeated(start: 0, period: period, duration: duration, count: count, dose: 1, baseline: 0)
      for on in stimulus.breakpoints(from: -1, to: end + 1) {
        let before = on.nextDown, after = on
        #expect(stimulus.value(at: before) != stimulus.value(at: after), "the dose switches at \(on)")
      }
      parameters.stimuli[0] = stimulus
      let s = solver.solve(parameters, initial: [0], start: 0, end: end, times: [end])
      #expect(s.failure == nil)
      // ∫u = count·duration (every pulse lies inside the span).
      let pulses = Double(min(count, Int((end / period).rounded(.up))))
      expectClose(s.finalState[0], pulses * duration, absolute: 1e-9, "∫u for every \(period), duration \(duration)")
    }
  }

  @Test("an explicit time-dependent rate law gets ∂f/∂t for bsimp")
  func timeDependence() throws {
    let m = try model("""
      nodes:
        x: {rate: cos(time) - x}
      """)
    // x = (cos t + sin t − e^{−t})/2 for x(0) = 0.
    let s = try integrate(m, to: 6, method: .bsimp, rtol: 1e-11, atol: 1e-12)
    expectClose(s.finalState[0], (cos(6.0) + sin(6.0) - exp(-6.0)) / 2, absolute: 1e-8, "x(6)")
  }

  @Test("a Jacobian entry singular where the rates are finite (√x at 0) is differenced, not a failure",
        arguments: [Stepper.rodas5p, .rodas4, .msbdf, .bsimp])
  func singularJacobianEntry(method: Stepper) throws {
    let m = try model("""
      nodes:
        x: {initial: 0, rate: 1 - sqrt(x)}
      """)
    // The reference: scipy's solve_ivp (rtol 1e-12) gives x(5) = 0.93866465071.
    let s = try integrate(m, to: 5, method: method, rtol: 1e-10, atol: 1e-12)
    #expect(s.failure == nil, "\(method): \(String(describing: s.failure))")
    expectClose(s.finalState[0], 0.93866465071, absolute: 1e-7, "\(method) x(5)")
  }

  /// x' = 2 while x < 1, then 0.1: x = 2t up to t = 1/2, then 1 + (t − 1/2)/10. Every stage of a
  /// step that straddles the switch used to see a different branch; Rodas5P's stages then
  /// combined into a step that moved x away from the switch, and it stalled there.
  @Test("a switch that flips with the state: the exact solution on both sides, for every method and grid",
        arguments: Stepper.allCases)
  func stateSwitch(method: Stepper) throws {
    let m = try model("""
      nodes:
        x: {initial: 0, rate: "if(x < 1, 2, 0.1)"}
      """)
    for dt in [0.1, 0.25, 0.5, 0.3] {
      let times = stride(from: 0.0, through: 2, by: dt).map { $0 }
      let s = try integrate(m, to: 2, method: method, rtol: 1e-10, atol: 1e-12, times: times)
      #expect(s.failure == nil, "\(method), dt \(dt): \(String(describing: s.failure))")
      let x = try #require(s.trajectory.column("x"))
      for (i, t) in s.trajectory.times.enumerated() {
        let exact = t <= 0.5 ? 2 * t : 1 + (t - 0.5) / 10
        // Low-order methods with an error estimate of their own order stay within their tolerance.
        expectClose(x[i], exact, absolute: method.order < 4 ? 1e-6 : 1e-8, "\(method) dt \(dt) x(\(t))")
      }
      #expect(s.switchCrossings.count >= 1, "\(method): the switch is crossed")
    }
  }

  /// Sliding modes (Filippov): where both sides' rates drive the state into a switch, the state
  /// stays on it with the convex combination of the two that keeps it there, and leaves when one
  /// side's flow turns away. Integrating either branch would cross back at once (a solver that
  /// holds the branch it crossed into drifts away; one that follows the state chatters).
  ///
  /// x' = 2 − t below 1, −1 above, x(0) = 0: x = 2t − t²/2 up to t₁ = 2 − √2, then x = 1 while
  /// 2 − t > 0, then x = 1 − (t − 2)²/2 on the lower branch.
  @Test("sliding along a switch and leaving it when one side turns away: the exact solution, for every method",
        arguments: Stepper.allCases)
  func slidingMode(method: Stepper) throws {
    let m = try model("""
      nodes:
        x: {initial: 0, rate: "if(x < 1, 2 - time, -1)"}
      """)
    let times = stride(from: 0.0, through: 5, by: 0.25).map { $0 }
    let s = try integrate(m, to: 5, method: method, rtol: 1e-10, atol: 1e-12, times: times)
    #expect(s.failure == nil, "\(method): \(String(describing: s.failure))")
    let x = try #require(s.trajectory.column("x"))
    let t1 = 2 - 2.0.squareRoot()
    for (i, t) in s.trajectory.times.enumerated() {
      let exact = t <= t1 ? 2 * t - t * t / 2 : (t <= 2 ? 1 : 1 - (t - 2) * (t - 2) / 2)
      // rk1imp is first order: its error estimate allows more.
      expectClose(x[i], exact, absolute: method == .rk1imp ? 1e-4 : (method.order < 4 ? 1e-6 : 1e-8), "\(method) x(\(t))")
    }
    #expect(s.slidingIntervals.count == 1, "\(method): \(s.slidingIntervals)")
    if let slide = s.slidingIntervals.first {
      expectClose(slide.start, t1, absolute: method == .rk1imp ? 1e-4 : 1e-8, "\(method): sliding starts")
      expectClose(slide.end, 2, absolute: method == .rk1imp ? 1e-3 : 1e-4, "\(method): sliding ends")
    }
    #expect(s.statistics.slidingIntervals == 1)
  }

  /// Two states: x chases y (x' = 1 below y, −1 above) while y' = 0.1; once x reaches y at
  /// t = 1/0.9 it follows it, x' = 0.1 (the sliding combination), to the end.
  @Test("sliding along a switch between two states: x follows y", arguments: [Stepper.rodas5p, .msbdf, .rk8pd, .bsimp])
  func slidingBetweenStates(method: Stepper) throws {
    let m = try model("""
      nodes:
        x: {initial: 0, rate: "if(x > y, -1, 1)"}
        y: {initial: 1, rate: "0.1"}
      """)
    let s = try integrate(m, to: 5, method: method, rtol: 1e-10, atol: 1e-12, times: [0, 0.5, 1, 2, 3, 5])
    #expect(s.failure == nil)
    let x = try #require(s.trajectory.column("x"))
    for (i, t) in s.trajectory.times.enumerated() {
      expectClose(x[i], t <= 1 / 0.9 ? t : 1 + 0.1 * t, absolute: 1e-8, "\(method) x(\(t))")
    }
    #expect(s.slidingIntervals.count == 1)
  }

  /// A production switched off at a threshold, with degradation: x' = (x < 1 ? 1 : 0) − x/2 from
  /// 0 rises to 1 at t = 2 ln 2 and stays there (below, production wins; above, decay).
  @Test("a threshold production with decay holds the state at the threshold")
  func slidingThreshold() throws {
    let direct = try model("""
      nodes:
        x: {initial: 0, rate: "if(x < 1, 1, 0) - x / 2"}
      """)
    // The same switch read through an assignment: the root function and its gradient see through it.
    let throughAssignment = try model("""
      nodes:
        x: {initial: 0, rate: "if(below, 1, 0) - x / 2"}
      assignments:
        below: x < 1
      """)
    for (m, method) in [(direct, Stepper.rodas5p), (direct, .rodas4), (direct, .msbdf), (direct, .rkf45),
                        (throughAssignment, .rodas5p), (throughAssignment, .msbdf)] {
      let s = try integrate(m, to: 10, method: method, rtol: 1e-9, atol: 1e-12, times: [0, 1, 2, 3, 10])
      #expect(s.failure == nil)
      let x = try #require(s.trajectory.column("x"))
      expectClose(x[1], 2 * (1 - exp(-0.5)), absolute: 1e-7, "\(method) x(1)")
      for i in 3..<5 { expectClose(x[i], 1, absolute: 1e-8, "\(method) x(\(s.trajectory.times[i]))") }
      let slide = try #require(s.slidingIntervals.first)
      expectClose(slide.start, 2 * log(2.0), absolute: 1e-7, "\(method)")
      #expect(slide.end == 10)
    }
  }

  /// Several switches at once. x' = (x < 1 ? 2 − t : −1), y' = (y < 1 ? 1 : −1): x slides on
  /// x = 1 from 2 − √2 to 2 and leaves below, y slides on y = 1 from t = 1 on (both slide in
  /// [1, 2]). z' = (z < 1 ? 1 : −1) + (w < 1 ? 1/2 : −1/2), w' = (w < 1 ? 1 : −1) from
  /// (0, 1/2): w reaches 1 at t = 1/2 and slides, z then grows at 1 and slides from t = 3/4 on
  /// the two switches together (weights 1/2, 1/2). u' = (u < 2 ? 1 : 0) + (x < 1/2 ? 0 : 1/10)
  /// crosses its switch at 1.1t − 0.05 = 2 while x slides, without sliding itself.
  @Test("sliding along several switches at once, one leaving while another stays, and a crossing during a slide",
        arguments: Stepper.allCases)
  func slidingSeveral(method: Stepper) throws {
    let m = try model("""
      nodes:
        x: {initial: 0, rate: "if(x < 1, 2 - time, -1)"}
        y: {initial: 0, rate: "if(y < 1, 1, -1)"}
        z: {initial: 0, rate: "if(z < 1, 1, -1) + if(w < 1, 0.5, -0.5)"}
        w: {initial: 0.5, rate: "if(w < 1, 1, -1)"}
        u: {initial: 0, rate: "if(u < 2, 1, 0) + if(x < 0.5, 0, 0.1)"}
      """)
    let times = stride(from: 0.0, through: 4, by: 0.25).map { $0 }
    // rk1imp (first order, a difference Jacobian per step of eight sides' rates) at a looser tolerance.
    let rtol = method == .rk1imp ? 1e-6 : 1e-10
    let s = try integrate(m, to: 4, method: method, rtol: rtol, atol: rtol * 1e-2, times: times)
    #expect(s.failure == nil, "\(method): \(String(describing: s.failure))")
    let t1 = 2 - 2.0.squareRoot()
    func x(_ t: Double) -> Double { t <= t1 ? 2 * t - t * t / 2 : (t <= 2 ? 1 : 1 - (t - 2) * (t - 2) / 2) }
    func z(_ t: Double) -> Double { t <= 0.5 ? 1.5 * t : min(1, 0.75 + (t - 0.5)) }
    // x = 1/2 at t = 2 − √3 (then u' = 1.1), u = 2 at t₂, x = 1/2 again at t = 3 (then u' = 0).
    let ta = 2 - 3.0.squareRoot(), t2 = (2 + 0.1 * ta) / 1.1
    func u(_ t: Double) -> Double { t <= ta ? t : (t <= t2 ? t + 0.1 * (t - ta) : 2 + 0.1 * (min(t, 3) - t2)) }
    let tolerance = method == .rk1imp ? 1e-3 : (method.order < 4 ? 1e-6 : 1e-8)
    for (i, t) in s.trajectory.times.enumerated() {
      expectClose(try #require(s.trajectory.column("x"))[i], x(t), absolute: tolerance, "\(method) x(\(t))")
      expectClose(try #require(s.trajectory.column("y"))[i], min(t, 1), absolute: tolerance, "\(method) y(\(t))")
      expectClose(try #require(s.trajectory.column("z"))[i], z(t), absolute: tolerance, "\(method) z(\(t))")
      expectClose(try #require(s.trajectory.column("w"))[i], min(0.5 + t, 1), absolute: tolerance, "\(method) w(\(t))")
      expectClose(try #require(s.trajectory.column("u"))[i], u(t), absolute: tolerance * 10, "\(method) u(\(t))")
    }
    #expect(s.slidingIntervals.count == 4, "\(method): \(s.slidingIntervals)")
  }

  @Test("a seventh switch to slide along at once ends the run with the reason, the slides before it kept")
  func slidingCapacity() throws {
    let nodes = (1...7).map { "  x\($0): {initial: 0, rate: \"if(x\($0) < \($0), 1, -1)\"}" }.joined(separator: "\n")
    let s = try integrate(try model("nodes:\n" + nodes + "\n"), to: 8, method: .rodas5p, rtol: 1e-8, atol: 1e-10, times: [0, 2, 4, 6, 8])
    let failure = try #require(s.failure)
    #expect(failure.reason == .slidingCapacity(6, root: "x7 - 7"), "\(failure)")
    expectClose(failure.time, 7, absolute: 1e-6)
    #expect(s.trajectory.times == [0, 2, 4, 6])
    let x3 = try #require(s.trajectory.column("x3"))
    expectClose(x3[3], 3, absolute: 1e-9, "x3(6)")
  }

  @Test("x < 1 and 1 > x are one switch: the state slides along one surface")
  func slidingReversedComparison() throws {
    let m = try model("""
      nodes:
        x: {initial: 0, rate: "if(x < 1, 0.5, -0.5) + if(1 > x, 0.5, -0.5)"}
      """)
    let ode = try ODEModel(model: m)
    #expect(ode.switchRootExpressions.count == 1)
    let s = try integrate(m, to: 3, method: .rodas5p, rtol: 1e-10, atol: 1e-12, times: [0, 0.5, 2, 3])
    #expect(s.failure == nil)
    let x = try #require(s.trajectory.column("x"))
    for (i, t) in s.trajectory.times.enumerated() { expectClose(x[i], min(t, 1), absolute: 1e-9, "x(\(t))") }
    #expect(s.slidingIntervals.count == 1)
  }
}
