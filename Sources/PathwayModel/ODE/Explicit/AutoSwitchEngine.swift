import Foundation

/// `--method auto`: Rodas5P while the model is stiff, Dormand–Prince 5(4) while it is not,
/// switching between steps (the idea of LSODA and of OrdinaryDiffEq's `AutoTsit5(Rodas5P())`).
///
/// Both directions read h·|λ| for the step just taken, λ the dominant eigenvalue of the
/// Jacobian along the directions the step control sees: Hairer's estimate ‖k₇ − k₆‖/‖y₁ − ŷ₆‖
/// on dopri5 (free), power iterations on Rodas5P's Jacobian from its error estimate on Rodas5P.
/// - Rodas5P → dopri5 when h·|λ| < `toExplicit` for `requiredNonStiff` accepted steps in a row.
/// - dopri5 → Rodas5P when h·|λ| > `toImplicit` 15 times before it stays below 6 times in a row
///   (`dopri5`'s own test, at a lower threshold: its 3.25 is the stability boundary, but the
///   error control holds a step at the boundary below it (2.4 for Robertson's problem), and
///   steps with h·|λ| near 1 are already far shorter than Rodas5P's). A step dopri5 fails is
///   retried with Rodas5P from the same point.
/// - A stretch on dopri5 shorter than `worthwhile` steps doubles `requiredNonStiff` (up to
///   `maximumRequired`), so a model near the threshold, or whose stiffness Rodas5P's estimate
///   misses (E5 late in time), does not switch back and forth.
///
/// Every reset (the start of a run, a breakpoint, an event) starts again on Rodas5P: signalling
/// models are usually stiff, and a stiff start is where an explicit method is slowest. Steps and
/// dense output are those of the engine that took the step; `counts` adds both up.
final class AutoSwitchEngine: DenseOutputEngine {
  let stepper: Stepper = .auto
  let implicit: RosenbrockEngine
  let explicit: DormandPrinceEngine

  enum Mode { case implicit, explicit }
  private(set) var mode = Mode.implicit
  private var lastEngine: Mode = .implicit
  private var lastTried: Mode = .implicit

  static let toExplicit = 0.5
  static let toImplicit = 1.0
  static let initialRequired = 8
  static let maximumRequired = 512
  /// A stretch on dopri5 shorter than this did not pay for the switch.
  static let worthwhile = 100
  private var requiredNonStiff = AutoSwitchEngine.initialRequired
  private var nonStiffStreak = 0
  private var stiffCount = 0
  private var calmCount = 0
  private var explicitSteps = 0
  /// Steps and failures of engines since switched away from (since the last reset).
  private var earlierSteps = 0
  private var earlierFailed = 0
  /// Switches between the engines over the engine's life (tests).
  private(set) var switches = 0

  init(implicit: RosenbrockEngine, explicit: DormandPrinceEngine) {
    self.implicit = implicit
    self.explicit = explicit
    implicit.measuresStiffness = true
  }

  func reset() {
    implicit.reset()
    explicit.reset()
    mode = .implicit
    lastEngine = .implicit
    lastTried = .implicit
    requiredNonStiff = Self.initialRequired
    nonStiffStreak = 0
    stiffCount = 0
    calmCount = 0
    explicitSteps = 0
    earlierSteps = 0
    earlierFailed = 0
  }

  var counts: (steps: Int, failed: Int) {
    let a = implicit.counts, b = explicit.counts
    return (earlierSteps + a.steps + b.steps, earlierFailed + a.failed + b.failed)
  }

  func largestWeightedError(y: UnsafePointer<Double>) -> Int? {
    lastTried == .implicit ? implicit.largestWeightedError(y: y) : explicit.largestWeightedError(y: y)
  }

  private func switchTo(_ next: Mode) {
    // Keep the counts of the engine left: its reset zeroes them.
    let left = next == .explicit ? implicit.counts : explicit.counts
    earlierSteps += left.steps
    earlierFailed += left.failed
    if next == .explicit {
      explicit.resetKeepingStep()
      explicitSteps = 0
      stiffCount = 0
      calmCount = 0
    } else {
      implicit.resetKeepingStep()
      if explicitSteps < Self.worthwhile { requiredNonStiff = min(Self.maximumRequired, 2 * requiredNonStiff) }
      nonStiffStreak = 0
    }
    mode = next
    switches += 1
  }

  func step(t: inout Double, t1: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> GSLStatus {
    switch mode {
    case .implicit:
      lastTried = .implicit
      let status = implicit.step(t: &t, t1: t1, h: &h, y: y)
      guard status == .success else { return status }
      lastEngine = .implicit
      if implicit.lastStiffness < Self.toExplicit {
        nonStiffStreak += 1
        if nonStiffStreak >= requiredNonStiff { switchTo(.explicit) }
      } else {
        nonStiffStreak = 0
      }
      return status
    case .explicit:
      lastTried = .explicit
      let t0 = t, h0 = h
      let status = explicit.step(t: &t, t1: t1, h: &h, y: y)
      guard status == .success else {
        // A step dopri5 cannot take (an error test it cannot pass, or a stage it cannot
        // evaluate at any step size) is tried again with Rodas5P from the same point.
        if status == .failure || (status == .badFunction && !explicit.workspace.cancelled) {
          explicit.workspace.nonFiniteState = nil
          t = t0
          h = h0
          switchTo(.implicit)
          return step(t: &t, t1: t1, h: &h, y: y)
        }
        return status
      }
      lastEngine = .explicit
      explicitSteps += 1
      if explicit.lastStiffness > Self.toImplicit {
        stiffCount += 1
        calmCount = 0
        if stiffCount >= 15 { switchTo(.implicit) }
      } else {
        calmCount += 1
        if calmCount >= 6 { stiffCount = 0 }
      }
      return status
    }
  }

  func interpolate(at s: Double, into out: UnsafeMutablePointer<Double>) {
    if lastEngine == .implicit { implicit.interpolate(at: s, into: out) } else { explicit.interpolate(at: s, into: out) }
  }
}
