import Foundation

/// The explicit Dormand–Prince 5(4) method written in Swift (`dopri5` of Hairer, Nørsett &
/// Wanner, *Solving ODEs I*, §II.5 and §II.10): seven stages of which the last is the first of
/// the next step (FSAL, so six right-hand sides per step), the embedded 4th-order error estimate,
/// a PI step-size controller (β = 0.04), the 4th-order continuous extension (`contd5`) for output
/// between steps, and Hairer's stiffness estimate h·|λ| ≈ h·‖k₇ − k₆‖ / ‖y₁ − ŷ₆‖ of every
/// accepted step (`lastStiffness`), which `AutoSwitchEngine` reads.
///
/// Failures are reported as `RosenbrockEngine` reports them: a non-finite right-hand side at the
/// start of a step is `.badFunction`; a non-finite stage rejects the step and shortens it until
/// it no longer changes t (`.badFunction` naming the state then); the error test failing until
/// the step no longer changes t is `.failure`.
///
/// No allocation inside a step: every buffer is allocated in `init`.
final class DormandPrinceEngine: DenseOutputEngine {
  let stepper: Stepper = .dopri5
  let workspace: ODEWorkspace
  let n: Int
  let rtol: Double
  let atol: Double
  private let absoluteTolerance: UnsafeMutablePointer<Double>

  // The tableau (Dormand & Prince 1980).
  static let c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9
  static let a21 = 1.0 / 5
  static let a31 = 3.0 / 40, a32 = 9.0 / 40
  static let a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9
  static let a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729
  static let a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176, a65 = -5103.0 / 18656
  static let a71 = 35.0 / 384, a73 = 500.0 / 1113, a74 = 125.0 / 192, a75 = -2187.0 / 6784, a76 = 11.0 / 84
  /// b − b̂: the error estimate's weights.
  static let e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525
  static let e7 = -1.0 / 40
  /// The continuous extension's weights (`dopri5`, `contd5`).
  static let d1 = -12715105075.0 / 11282082432, d3 = 87487479700.0 / 32700410799
  static let d4 = -10690763975.0 / 1880347072, d5 = 701980252875.0 / 199316789632
  static let d6 = -1453857185.0 / 822651844, d7 = 69997945.0 / 29380423

  // Step-size control (`dopri5`'s defaults).
  static let safety = 0.9
  static let largestIncrease = 10.0
  static let largestDecrease = 0.2
  static let beta = 0.04
  private let exponent = 0.2 - 0.04 * 0.75

  private let k1: UnsafeMutablePointer<Double>
  private let k2: UnsafeMutablePointer<Double>
  private let k3: UnsafeMutablePointer<Double>
  private let k4: UnsafeMutablePointer<Double>
  private let k5: UnsafeMutablePointer<Double>
  private let k6: UnsafeMutablePointer<Double>
  private let k7: UnsafeMutablePointer<Double>
  private let stageY: UnsafeMutablePointer<Double>
  /// The argument of stage 6 (for the stiffness estimate).
  private let stage6: UnsafeMutablePointer<Double>
  private let yNew: UnsafeMutablePointer<Double>
  private let direction: UnsafeMutablePointer<Double>
  /// r₁…r₅ of the continuous extension of the last accepted step.
  private let dense: UnsafeMutablePointer<Double>
  private var lastStart = 0.0
  private var lastSize = 0.0

  /// Whether k1 holds f(t, y) for the current t and y (FSAL): false after a reset.
  private var firstStageReady = false
  let automaticInitialStep: Bool
  private var needsInitialStep = true
  private var accepted = 0
  private var rejected = 0
  private var previousError = 1e-4
  private var worstState = -1
  /// h·|λ| of the last accepted step (Hairer's estimate), 0 before the first.
  private(set) var lastStiffness = 0.0
  /// Hairer's stiffness test (`dopri5`): h·|λ| above `stiffThreshold` at 15 accepted steps
  /// before it stays below it at 6 in a row. dopri5 stops there ("the problem seems to become
  /// stiff"); here the run goes on and `stiffFrom` records the time, which `simulate run`
  /// reports. The threshold sits below the stability boundary 3.25 of dopri5's own test: the
  /// error control holds a step at the boundary a little below it (2.4 on Robertson's problem).
  static let stiffThreshold = 2.0
  private var stiffHits = 0
  private var calmSteps = 0
  private(set) var stiffFrom: Double? = nil

  /// The size of the last accepted step.
  var lastStepSize: Double { lastSize }
  /// y₁ − ŷ₆ of the last accepted step: the direction of Hairer's estimate, a start for power
  /// iterations on the Jacobian.
  var lastDirection: UnsafePointer<Double> { UnsafePointer(direction) }

  init(workspace: ODEWorkspace, rtol: Double, atol: Double, atolScales: [Double]? = nil, automaticInitialStep: Bool = true) {
    self.workspace = workspace
    self.rtol = rtol
    self.atol = atol
    self.automaticInitialStep = automaticInitialStep
    let n = workspace.ode.stateCount
    self.n = n
    func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count))
      p.initialize(repeating: 0, count: max(1, count))
      return p
    }
    absoluteTolerance = buffer(n)
    for m in 0..<n { absoluteTolerance[m] = atol * (atolScales?[m] ?? 1) }
    k1 = buffer(n)
    k2 = buffer(n)
    k3 = buffer(n)
    k4 = buffer(n)
    k5 = buffer(n)
    k6 = buffer(n)
    k7 = buffer(n)
    stageY = buffer(n)
    stage6 = buffer(n)
    yNew = buffer(n)
    direction = buffer(n)
    dense = buffer(5 * n)
  }

  deinit {
    for p in [absoluteTolerance, k1, k2, k3, k4, k5, k6, k7, stageY, stage6, yNew, direction, dense] { p.deallocate() }
  }

  func reset() {
    stiffHits = 0
    calmSteps = 0
    stiffFrom = nil
    accepted = 0
    rejected = 0
    previousError = 1e-4
    firstStageReady = false
    needsInitialStep = true
    lastStiffness = 0
  }

  /// Forgets the step history but takes the next step at the size it is given (a switch from
  /// another engine, whose last step size is the best guess).
  func resetKeepingStep() {
    reset()
    needsInitialStep = false
  }

  var counts: (steps: Int, failed: Int) { (accepted, rejected) }

  func largestWeightedError(y: UnsafePointer<Double>) -> Int? { worstState >= 0 ? worstState : nil }

  func step(t: inout Double, t1: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> GSLStatus {
    let n = self.n
    let t0 = t
    if !firstStageReady {
      guard workspace.rhs(t0, y, k1) else { return .badFunction }
      firstStageReady = true
    }
    var size = h
    if needsInitialStep {
      needsInitialStep = false
      if automaticInitialStep {
        // dopri5's hinit takes the power 1/5 (its error estimate is of order 4).
        size = hairerInitialStep(
          workspace: workspace, order: 4, rtol: rtol, absoluteTolerance: absoluteTolerance, t0: t0, y: y, f0: k1,
          scratchY: stageY, scratchF: k2, limit: h)
        if workspace.cancelled { return .badFunction }
      }
    }
    var rejectedHere = false
    var stageFault: (state: Int, time: Double)? = nil
    while true {
      var last = false
      var used = size
      if t0 + used >= t1 {
        used = t1 - t0
        last = true
      }
      let hh = used
      var finite = true
      stages: do {
        for m in 0..<n { stageY[m] = y[m] + hh * Self.a21 * k1[m] }
        guard workspace.rhs(t0 + Self.c2 * hh, stageY, k2) else { finite = false; break stages }
        for m in 0..<n { stageY[m] = y[m] + hh * (Self.a31 * k1[m] + Self.a32 * k2[m]) }
        guard workspace.rhs(t0 + Self.c3 * hh, stageY, k3) else { finite = false; break stages }
        for m in 0..<n { stageY[m] = y[m] + hh * (Self.a41 * k1[m] + Self.a42 * k2[m] + Self.a43 * k3[m]) }
        guard workspace.rhs(t0 + Self.c4 * hh, stageY, k4) else { finite = false; break stages }
        for m in 0..<n {
          stageY[m] = y[m] + hh * (Self.a51 * k1[m] + Self.a52 * k2[m] + Self.a53 * k3[m] + Self.a54 * k4[m])
        }
        guard workspace.rhs(t0 + Self.c5 * hh, stageY, k5) else { finite = false; break stages }
        for m in 0..<n {
          stage6[m] = y[m] + hh * (Self.a61 * k1[m] + Self.a62 * k2[m] + Self.a63 * k3[m] + Self.a64 * k4[m] + Self.a65 * k5[m])
        }
        // The last stages sit at t0 + h: exactly t1 when the step lands there.
        let tEnd = last ? t1 : t0 + hh
        guard workspace.rhs(tEnd, stage6, k6) else { finite = false; break stages }
        for m in 0..<n {
          yNew[m] = y[m] + hh * (Self.a71 * k1[m] + Self.a73 * k3[m] + Self.a74 * k4[m] + Self.a75 * k5[m] + Self.a76 * k6[m])
        }
        guard workspace.rhs(tEnd, yNew, k7) else { finite = false; break stages }
      }
      if !finite {
        if workspace.cancelled { return .badFunction }
        if let state = workspace.nonFiniteState { stageFault = (state, workspace.nonFiniteTime) }
        workspace.nonFiniteState = nil
      }
      var sum = finite ? 0.0 : Double.infinity
      var worst = 0.0
      if finite {
        for m in 0..<n {
          let e =
            hh * (Self.e1 * k1[m] + Self.e3 * k3[m] + Self.e4 * k4[m] + Self.e5 * k5[m] + Self.e6 * k6[m] + Self.e7 * k7[m])
          let scale = absoluteTolerance[m] + rtol * max(abs(y[m]), abs(yNew[m]))
          let w = e / scale
          sum += w * w
          if !(abs(w) <= worst) {
            worst = abs(w)
            worstState = m
          }
        }
      }
      let error = (sum / Double(max(1, n))).squareRoot()
      if error.isFinite && error <= 1 {
        // The PI controller of dopri5: fac = err^(0.2 − 0.75β) / errold^β.
        let fac11 = Foundation.pow(error, exponent)
        var fac = fac11 / Foundation.pow(previousError, Self.beta)
        fac = max(1 / Self.largestIncrease, min(1 / Self.largestDecrease, fac / Self.safety))
        var next = used / fac
        if rejectedHere { next = min(next, used) }
        if last && !rejectedHere { next = max(next, size) }
        previousError = max(error, 1e-4)
        // Stiffness: k₇ − k₆ ≈ J (y₁ − ŷ₆).
        var numerator = 0.0, denominator = 0.0
        for m in 0..<n {
          let df = k7[m] - k6[m], dy = yNew[m] - stage6[m]
          direction[m] = dy
          numerator += df * df
          denominator += dy * dy
        }
        lastStiffness = denominator > 0 ? hh * (numerator / denominator).squareRoot() : 0
        if lastStiffness > Self.stiffThreshold {
          stiffHits += 1
          calmSteps = 0
          if stiffHits == 15 && stiffFrom == nil { stiffFrom = t0 }
        } else {
          calmSteps += 1
          if calmSteps >= 6 { stiffHits = 0 }
        }
        // The continuous extension.
        let r1 = dense, r2 = dense + n, r3 = dense + 2 * n, r4 = dense + 3 * n, r5 = dense + 4 * n
        for m in 0..<n {
          let dy = yNew[m] - y[m]
          let bspl = hh * k1[m] - dy
          r1[m] = y[m]
          r2[m] = dy
          r3[m] = bspl
          r4[m] = dy - hh * k7[m] - bspl
          r5[m] =
            hh * (Self.d1 * k1[m] + Self.d3 * k3[m] + Self.d4 * k4[m] + Self.d5 * k5[m] + Self.d6 * k6[m] + Self.d7 * k7[m])
        }
        accepted += 1
        for m in 0..<n {
          y[m] = yNew[m]
          k1[m] = k7[m]
        }
        t = last ? t1 : t0 + used
        lastStart = t0
        lastSize = t - t0
        h = next
        return .success
      }
      rejected += 1
      rejectedHere = true
      if error.isFinite {
        size = used / min(1 / Self.largestDecrease, Foundation.pow(error, exponent) / Self.safety)
      } else {
        size = used * Self.largestDecrease
      }
      if t0 + size == t0 {
        h = size
        return workspace.shrunkToNothing(stageFault: finite ? nil : stageFault)
      }
    }
  }

  func interpolate(at s: Double, into out: UnsafeMutablePointer<Double>) {
    let theta = lastSize == 0 ? 1 : (s - lastStart) / lastSize
    let theta1 = 1 - theta
    let r1 = dense, r2 = dense + n, r3 = dense + 2 * n, r4 = dense + 3 * n, r5 = dense + 4 * n
    for m in 0..<n {
      out[m] = r1[m] + theta * (r2[m] + theta1 * (r3[m] + theta * (r4[m] + theta1 * r5[m])))
    }
  }
}
