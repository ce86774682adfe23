import Foundation

/// `--method auto`: Rodas5P while the model is stiff, Dormand–Prince 5(4) while it is not,
/// switching between steps (the idea of LSODA and of OrdinaryDiffEq's `AutoTsit5(Rodas5P())`).
///
/// Both directions read h·|λ| for the step just taken, λ the dominant eigenvalue of the
/// Jacobian, estimated by power iterations on it (`RosenbrockEngine.stiffness`): on Rodas5P from
/// its error estimate, with the Jacobian it has; on dopri5 from y₁ − ŷ₆, with a Jacobian
/// evaluated for the purpose every `checkInterval` steps, and at once when Hairer's free
/// estimate ‖k₇ − k₆‖/‖y₁ − ŷ₆‖ passes `toImplicit`.
/// - Rodas5P → dopri5 when h·|λ| < `toExplicit` for `requiredNonStiff` measured steps in a row.
/// - dopri5 → Rodas5P when h·|λ| > `toImplicit` at two checks in a row. dopri5 is stable up to
///   about 3.3, but its error control holds a step near that boundary below it (2.4 for
///   Robertson's problem; Hairer's estimate read 0.9 at steps 27× shorter than Rodas5P's on
///   Borisov 2009), so the threshold sits well below. A step dopri5 fails is retried with
///   Rodas5P from the same point.
/// - A stretch on dopri5 shorter than `worthwhile` steps doubles `requiredNonStiff` (up to
///   `maximumRequired`), so a model near the threshold, or whose stiffness Rodas5P's estimate
///   misses (E5 late in time), does not switch back and forth.
/// - On Rodas5P, an estimate far above `toExplicit` spaces the next measurement out (up to every
///   `maximumSpacing` steps), so a model that stays stiff pays almost nothing for the watch.
///
/// Every reset (the start of a run, a breakpoint, an event) starts again on Rodas5P: signalling
/// models are usually stiff, and a stiff start is where an explicit method is slowest. Steps and
/// dense output are those of the engine that took the step; `counts` adds both up.
final class AutoSwitchEngine: DenseOutputEngine {
  let stepper: Stepper = .auto
  let implicit: RosenbrockEngine
  let explicit: DormandPrinceEngine

  enum Mode { case implicit, explicit }
  private var mode = Mode.implicit
  private var lastEngine: Mode = .implicit
  private var lastTried: Mode = .implicit

  static let toExplicit = 0.5
  static let toImplicit = 1.0
  static let checkInterval = 10
  static let maximumSpacing = 32
  static let initialRequired = 8
  static let maximumRequired = 512
  /// A stretch on dopri5 shorter than this did not pay for the switch.
  static let worthwhile = 100
  private var requiredNonStiff = AutoSwitchEngine.initialRequired
  private var nonStiffStreak = 0
  private var stiffChecks = 0
  private var sinceCheck = 0
  /// Rodas5P steps between measurements, and steps left until the next one.
  private var spacing = 1
  private var untilMeasure = 0
  private var explicitSteps = 0
  /// Steps and failures of engines since switched away from (since the last reset).
  private var earlierSteps = 0
  private var earlierFailed = 0

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
    stiffChecks = 0
    sinceCheck = 0
    spacing = 1
    untilMeasure = 0
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
      stiffChecks = 0
      sinceCheck = 0
    } else {
      implicit.resetKeepingStep()
      if explicitSteps < Self.worthwhile { requiredNonStiff = min(Self.maximumRequired, 2 * requiredNonStiff) }
      nonStiffStreak = 0
      spacing = 1
      untilMeasure = 0
    }
    mode = next
  }

  func step(t: inout Double, t1: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> GSLStatus {
    switch mode {
    case .implicit:
      lastTried = .implicit
      implicit.measuresStiffness = untilMeasure == 0
      let status = implicit.step(t: &t, t1: t1, h: &h, y: y)
      guard status == .success else { return status }
      lastEngine = .implicit
      if untilMeasure > 0 {
        untilMeasure -= 1
        return status
      }
      let stiffness = implicit.lastStiffness
      if stiffness < Self.toExplicit {
        nonStiffStreak += 1
        spacing = 1
        if nonStiffStreak >= requiredNonStiff { switchTo(.explicit) }
      } else {
        nonStiffStreak = 0
        spacing = stiffness > 8 * Self.toExplicit ? min(Self.maximumSpacing, 2 * spacing) : 1
        untilMeasure = spacing - 1
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
      sinceCheck += 1
      if explicit.lastStiffness > Self.toImplicit || sinceCheck >= Self.checkInterval {
        sinceCheck = 0
        if let s = implicit.stiffness(t: t, y: y, h: explicit.lastStepSize, direction: explicit.lastDirection),
          s <= Self.toImplicit
        {
          stiffChecks = 0
        } else {
          stiffChecks += 1
          if stiffChecks >= 2 { switchTo(.implicit) }
        }
      }
      return status
    }
  }

  func interpolate(at s: Double, into out: UnsafeMutablePointer<Double>) {
    if lastEngine == .implicit { implicit.interpolate(at: s, into: out) } else { explicit.interpolate(at: s, into: out) }
  }
}
