/// One adaptive integrator behind `ODESolver`: GSL's `gsl_odeiv2` steppers (`GSLDriver`), or a
/// stepper written in Swift. The solver drives it one step at a time, so that output times,
/// breakpoints, events, `h_max` and the step limit are handled between steps, the same way for
/// every engine.
protocol IntegratorEngine: AnyObject {
  /// The method this engine runs.
  var stepper: Stepper { get }
  /// Forgets all history (step sizes, Nordsieck arrays, Jacobians): the next step starts afresh.
  /// Called at every breakpoint, after every event and before every run.
  func reset()
  /// One accepted step from `t` towards `t1`, never past it: on success `t`, `y` and `h` (the
  /// suggested next step) are updated; on failure `t` and `y` keep their last good values.
  func step(t: inout Double, t1: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> GSLStatus
  /// Accepted and rejected steps since the last reset.
  var counts: (steps: Int, failed: Int) { get }
  /// The state whose error estimate, weighted by its tolerance, was largest in the last step
  /// tried (accepted or not), or nil when no step has been tried: what limits the step size.
  func largestWeightedError(y: UnsafePointer<Double>) -> Int?
  /// For an explicit method that watches for stiffness: the first time since the last reset
  /// at which its steps were held at its stability limit; nil otherwise.
  var stiffFrom: Double? { get }
}

extension IntegratorEngine {
  var stiffFrom: Double? { nil }
}

extension GSLDriver: IntegratorEngine {}

extension ODEWorkspace {
  /// What a Swift engine returns when its step shrank until it no longer changes t:
  /// `.badFunction` naming the state whose rate was not finite in the last trial's stages (the
  /// model is not finite just past t: its fault), else `.failure` (the error test cannot pass).
  func shrunkToNothing(stageFault: (state: Int, time: Double)?) -> GSLStatus {
    guard let stageFault else { return .failure }
    nonFiniteState = stageFault.state
    nonFiniteTime = stageFault.time
    return .badFunction
  }
}
