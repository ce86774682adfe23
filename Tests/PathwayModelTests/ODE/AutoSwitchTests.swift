import Foundation
import Testing

@testable import PathwayModel

/// Dormand–Prince 5(4) and the automatic switch between it and Rodas5P: the order of the method
/// and of its continuous extension, and that the switch goes where the stiffness is.
@Suite("dopri5 and auto")
struct AutoSwitchTests {
  static let oscillator = """
    nodes:
      x: {initial: 1, rate: v}
      v: {initial: 0, rate: -x}
    """

  /// x'' = −x: x = cos t. The global error of a 5th-order pair with error-per-step control is
  /// proportional to the tolerance, so 1000× tighter tolerances must give at least 100× smaller
  /// errors, between steps (the 4th-order continuous extension) as at them.
  @Test("dopri5: errors shrink with the tolerance, at output times between steps too")
  func toleranceProportionality() throws {
    let m = try model(Self.oscillator)
    let times = stride(from: 0.0, through: 50, by: 0.05).map { $0 }
    var errors: [Double] = []
    for rtol in [1e-6, 1e-9] {
      let s = try integrate(m, to: 50, method: .dopri5, rtol: rtol, atol: rtol * 1e-3, times: times)
      let endOnly = try integrate(m, to: 50, method: .dopri5, rtol: rtol, atol: rtol * 1e-3, times: [0, 50])
      try #require(s.failure == nil)
      #expect(s.statistics.steps == endOnly.statistics.steps, "output times do not cost steps")
      var worst = 0.0
      for (row, t) in times.enumerated() { worst = max(worst, abs(s.trajectory.value(row: row, column: 0) - cos(t))) }
      // The global bound of `ReferenceProblemTests`: 10 · steps · (atol + rtol·|x|), |x| ≤ 1.
      #expect(worst <= 10 * Double(s.statistics.steps) * (rtol * 1e-3 + rtol), "rtol \(rtol): error \(worst)")
      errors.append(worst)
    }
    #expect(errors[1] * 100 <= errors[0], "errors \(errors)")
  }

  /// The continuous extension of one step against the exact solution at many points inside it:
  /// its error is of 5th order in h, so halving h divides it by about 32 (at least 16 here).
  @Test("dopri5: the continuous extension inside one step is of 5th order in h")
  func continuousExtensionOrder() throws {
    let ode = try ODEModel(model: try model(Self.oscillator))
    var errors: [Double] = []
    for h0 in [0.4, 0.2] {
      let engine = DormandPrinceEngine(workspace: ODEWorkspace(ode), rtol: 1, atol: 1, automaticInitialStep: false)
      var y = [1.0, 0.0]
      var t = 0.0, h = h0
      let status = y.withUnsafeMutableBufferPointer { engine.step(t: &t, t1: 10, h: &h, y: $0.baseAddress!) }
      try #require(status == .success && t == h0)
      var out = [0.0, 0.0]
      var worst = 0.0
      for i in 1..<20 {
        let s = h0 * Double(i) / 20
        out.withUnsafeMutableBufferPointer { engine.interpolate(at: s, into: $0.baseAddress!) }
        worst = max(worst, abs(out[0] - cos(s)), abs(out[1] + sin(s)))
      }
      errors.append(worst)
    }
    #expect(errors[0] >= 16 * errors[1], "errors at h = 0.4 and 0.2: \(errors)")
  }

  /// dopri5 alone says when its steps are held at its stability limit (Robertson's problem turns
  /// stiff within its first hundredth of a second), and says nothing on an oscillator.
  @Test("dopri5 records when a model turns stiff, and nothing when it does not")
  func stiffnessNote() throws {
    let robertson = try integrate(try model(ReferenceProblem.robertson.yaml), to: 1, method: .dopri5, rtol: 1e-6, atol: 1e-12)
    try #require(robertson.failure == nil)
    let from = try #require(robertson.statistics.stiffFrom)
    #expect(from > 0 && from < 0.1, "stiff from t = \(from)")
    let oscillator = try integrate(try model(Self.oscillator), to: 100, method: .dopri5, rtol: 1e-6, atol: 1e-9)
    #expect(oscillator.statistics.stiffFrom == nil)
    #expect(RunManifest.statisticsRecord(robertson.statistics).rendered().contains("\"stiff_from\""))
  }

  /// A non-stiff oscillator: auto leaves Rodas5P after a few steps and runs dopri5 (no Jacobians
  /// from then on), at the accuracy asked for.
  @Test("auto runs a non-stiff model on dopri5")
  func nonStiff() throws {
    let m = try model(Self.oscillator)
    let times = stride(from: 0.0, through: 100, by: 1).map { $0 }
    let auto = try integrate(m, to: 100, method: .auto, rtol: 1e-8, atol: 1e-11, times: times)
    let rodas = try integrate(m, to: 100, method: .rodas5p, rtol: 1e-8, atol: 1e-11, times: times)
    try #require(auto.failure == nil)
    // Rodas5P's first steps, then one check per `checkInterval` dopri5 steps.
    #expect(auto.statistics.jacobianEvaluations <= 2 * AutoSwitchEngine.initialRequired + auto.statistics.steps / AutoSwitchEngine.checkInterval + 1,
            "\(auto.statistics)")
    #expect(auto.statistics.steps <= 2 * rodas.statistics.steps, "\(auto.statistics) vs \(rodas.statistics)")
    for (row, t) in times.enumerated() {
      expectClose(auto.trajectory.value(row: row, column: 0), cos(t), absolute: ReferenceProblemTests.bound(auto, .auto, 1), "x(\(t))")
    }
  }

  /// x' = −sin t − k(t)(x − cos t), x(0) = 1, has the solution x = cos t for every k; with k
  /// growing from 1 to 10⁶ the model turns stiff along the way. dopri5 alone would need steps of
  /// 3/k; auto must hand back to Rodas5P and take about as many steps as Rodas5P alone.
  @Test("auto hands back to Rodas5P when the model turns stiff")
  func turnsStiff() throws {
    let m = try model("""
      nodes:
        x: {initial: 1, rate: "-sin(time) - 10^(time / 5) * (x - cos(time))"}
      """)
    let times = stride(from: 0.0, through: 30, by: 0.5).map { $0 }
    let auto = try integrate(m, to: 30, method: .auto, rtol: 1e-7, atol: 1e-10, times: times)
    let rodas = try integrate(m, to: 30, method: .rodas5p, rtol: 1e-7, atol: 1e-10, times: times)
    try #require(auto.failure == nil, "\(auto.failure!)")
    #expect(auto.statistics.jacobianEvaluations > 0 && auto.statistics.jacobianEvaluations < auto.statistics.steps,
            "both engines took steps: \(auto.statistics)")
    #expect(auto.statistics.steps <= 2 * rodas.statistics.steps, "\(auto.statistics) vs \(rodas.statistics)")
    for (row, t) in times.enumerated() {
      expectClose(auto.trajectory.value(row: row, column: 0), cos(t), absolute: ReferenceProblemTests.bound(auto, .auto, 1), "x(\(t))")
    }
  }

  /// A stiff model from the start (Robertson): auto never leaves Rodas5P for long, so it takes
  /// about Rodas5P's steps, while dopri5 alone would take millions.
  @Test("auto stays on Rodas5P for a stiff model")
  func stiff() throws {
    let problem = ReferenceProblem.robertson
    let end = 1e4
    let auto = try integrate(try model(problem.yaml), to: end, method: .auto, rtol: 1e-8, atol: 1e-8 * problem.atolRatio)
    let rodas = try integrate(try model(problem.yaml), to: end, method: .rodas5p, rtol: 1e-8, atol: 1e-8 * problem.atolRatio)
    try #require(auto.failure == nil && rodas.failure == nil)
    #expect(auto.statistics.steps <= rodas.statistics.steps + rodas.statistics.steps / 2, "\(auto.statistics) vs \(rodas.statistics)")
    for i in 0..<3 {
      expectClose(auto.finalState[i], rodas.finalState[i], absolute: 1e-6 * max(abs(rodas.finalState[i]), 1e-12) + 1e-14, "y\(i + 1)")
    }
  }
}
