import CGSL

/// Turns GSL's abort-on-error handler off, once, before any GSL call.
let gslErrorHandlerOff: Void = {
  _ = gsl_set_error_handler_off()
}()

/// The version of the GSL library linked at run time (for manifests).
public var gslVersion: String {
  _ = gslErrorHandlerOff
  return String(cString: cgsl_version())
}

/// GSL status codes, as typed values.
public enum GSLStatus: Equatable, Sendable, CustomStringConvertible {
  case success
  /// The right-hand side reported a non-finite value or a cancellation. The corresponding GSL status is `GSL_EBADFUNC`.
  case badFunction
  /// The step failed or its size fell below machine precision. The corresponding GSL status is `GSL_FAILURE`.
  case failure
  /// The iteration limit was reached. The corresponding GSL status is `GSL_EMAXITER`.
  case maxIterations
  /// No progress: the step size underflowed. The corresponding GSL status is `GSL_ENOPROG`.
  case noProgress
  case other(Int32)

  init(_ code: Int32) {
    switch code {
    case Int32(GSL_SUCCESS): self = .success
    case Int32(GSL_EBADFUNC): self = .badFunction
    case Int32(GSL_FAILURE): self = .failure
    case Int32(GSL_EMAXITER): self = .maxIterations
    case Int32(GSL_ENOPROG): self = .noProgress
    default: self = .other(code)
    }
  }

  public var description: String {
    switch self {
    case .success: return "success"
    case .badFunction: return "GSL_EBADFUNC (the right-hand side failed)"
    case .failure: return "GSL_FAILURE (the step failed)"
    case .maxIterations: return "GSL_EMAXITER"
    case .noProgress: return "GSL_ENOPROG (no progress)"
    case .other(let code): return "GSL status \(code): " + String(cString: gsl_strerror(code))
    }
  }
}

/// The right-hand side trampoline: reaches the workspace through `params`; returns
/// `GSL_EBADFUNC` on a non-finite derivative or a cancellation, so that GSL stops at once with
/// t and y at their last good values.
private let rhsTrampoline:
  @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = {
    t, y, f, params in
    let workspace = Unmanaged<ODEWorkspace>.fromOpaque(params!).takeUnretainedValue()
    return workspace.rhs(t, y!, f!) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
  }

private let jacobianTrampoline:
  @convention(c) (
    Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
    UnsafeMutableRawPointer?
  ) -> Int32 = { t, y, dfdy, dfdt, params in
    let workspace = Unmanaged<ODEWorkspace>.fromOpaque(params!).takeUnretainedValue()
    return workspace.jacobian(t, y!, dfdy!, dfdt!) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
  }

/// Owns one `gsl_odeiv2_driver` (stepper, control and evolve objects) for one workspace;
/// frees it in `deinit`. The evolve object is driven directly (`gsl_odeiv2_evolve_apply`) so that
/// output times, breakpoints, the step limit and `h_max` are handled between steps.
final class GSLDriver {
  let system: UnsafeMutablePointer<gsl_odeiv2_system>
  let driver: OpaquePointer
  let dimension: Int
  let stepper: Stepper
  /// The tolerances the driver was made with (for `largestWeightedError`).
  let tolerance: (rtol: Double, atol: Double, scales: [Double]?)

  /// - Throws: when GSL cannot allocate the driver.
  init(
    workspace: ODEWorkspace, stepper: Stepper, rtol: Double, atol: Double, atolScales: [Double]? = nil, hInitial: Double
  ) throws(PathwayError) {
    _ = gslErrorHandlerOff
    dimension = workspace.ode.stateCount
    self.stepper = stepper
    tolerance = (rtol, atol, atolScales)
    system = .allocate(capacity: 1)
    system.initialize(
      to: gsl_odeiv2_system(
        function: rhsTrampoline, jacobian: jacobianTrampoline, dimension: max(1, dimension),
        params: Unmanaged.passUnretained(workspace).toOpaque()))
    let type: UnsafePointer<gsl_odeiv2_step_type>
    switch stepper {
    case .rk2: type = cgsl_step_rk2()
    case .rk4: type = cgsl_step_rk4()
    case .rkf45: type = cgsl_step_rkf45()
    case .rkck: type = cgsl_step_rkck()
    case .rk8pd: type = cgsl_step_rk8pd()
    case .rk1imp: type = cgsl_step_rk1imp()
    case .rk2imp: type = cgsl_step_rk2imp()
    case .rk4imp: type = cgsl_step_rk4imp()
    case .bsimp: type = cgsl_step_bsimp()
    case .msadams: type = cgsl_step_msadams()
    case .msbdf: type = cgsl_step_msbdf()
    case .rodas4, .rodas5p, .dopri5, .auto:
      system.deallocate()
      throw PathwayError(.simulationFailed, "\(stepper.rawValue) is not a GSL stepper")
    }
    guard let d = GSLCalls.driverAlloc(system, type, hInitial, atol, rtol, scales: atolScales) else {
      system.deallocate()
      throw PathwayError(.simulationFailed, "GSL could not allocate the \(stepper.rawValue) driver")
    }
    driver = d
  }

  deinit {
    gsl_odeiv2_driver_free(UnsafeMutablePointer(driver))
    system.deallocate()
  }

  private var d: UnsafeMutablePointer<gsl_odeiv2_driver> { UnsafeMutablePointer(driver) }

  /// Resets the stepper and evolve state (at a breakpoint, or before a new run).
  func reset() {
    _ = gsl_odeiv2_driver_reset(d)
  }

  /// One adaptive step towards `t1` (never past it); `t`, `h` and `y` are updated.
  @inline(__always)
  func step(t: inout Double, t1: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> GSLStatus {
    let code = GSLCalls.evolveApply(d.pointee.e, d.pointee.c, d.pointee.s, system, &t, t1, &h, y)
    return code == Int32(GSL_SUCCESS) ? .success : GSLStatus(code)
  }

  /// Accepted steps and failed (rejected) steps since the last reset.
  var counts: (steps: Int, failed: Int) {
    (Int(d.pointee.e.pointee.count), Int(d.pointee.e.pointee.failed_steps))
  }

  /// From the evolve object's error estimate of the last step tried, weighted as GSL's scaled
  /// control weighs it (atol·sᵢ + rtol·|yᵢ|). Not for bsimp, whose extrapolation can fail before
  /// it writes an estimate (the one left is an older step's).
  func largestWeightedError(y: UnsafePointer<Double>) -> Int? {
    guard stepper != .bsimp, counts.steps + counts.failed > 0, let yerr = d.pointee.e.pointee.yerr else { return nil }
    var worst = -1, largest = 0.0
    for i in 0..<dimension {
      let scale = tolerance.atol * (tolerance.scales?[i] ?? 1) + tolerance.rtol * abs(y[i])
      let e = abs(yerr[i]) / scale
      if e > largest || (worst < 0 && e.isNaN) {
        largest = e
        worst = i
      }
    }
    return worst >= 0 ? worst : nil
  }
}

/// Every GSL call that can fail goes through here, so that debug builds can inject failures.
enum GSLCalls {
  #if ENABLE_FAULT_INJECTION
    /// Debug builds only: when set, `evolveApply` returns this status instead of stepping, from
    /// call number `injectedAfterCalls` on (counted from 0). `PATHWAY_FAULT_GSL` sets both.
    nonisolated(unsafe) static var injectedEvolveStatus: Int32? = FaultInjection.gsl?.status
    nonisolated(unsafe) static var injectedAfterCalls = FaultInjection.gsl?.after ?? 0
    /// Evolve calls made while a status is injected (single runs only: not synchronised).
    nonisolated(unsafe) static var injectedCallCount = 0
  #endif

  static func driverAlloc(
    _ system: UnsafePointer<gsl_odeiv2_system>, _ type: UnsafePointer<gsl_odeiv2_step_type>, _ h: Double,
    _ atol: Double, _ rtol: Double, scales: [Double]? = nil
  ) -> OpaquePointer? {
    // Per-state absolute tolerances: GSL's scaled control, D_i = atol·s_i + rtol·|y_i|
    // (a_y = 1, a_dydt = 0: the y_new control with s_i = 1). GSL copies the scales.
    if let scales {
      return scales.withUnsafeBufferPointer {
        gsl_odeiv2_driver_alloc_scaled_new(system, type, h, atol, rtol, 1, 0, $0.baseAddress!).map(OpaquePointer.init)
      }
    }
    return gsl_odeiv2_driver_alloc_y_new(system, type, h, atol, rtol).map(OpaquePointer.init)
  }

  @inline(__always)
  static func evolveApply(
    _ e: UnsafeMutablePointer<gsl_odeiv2_evolve>?, _ c: UnsafeMutablePointer<gsl_odeiv2_control>?,
    _ s: UnsafeMutablePointer<gsl_odeiv2_step>?, _ system: UnsafePointer<gsl_odeiv2_system>,
    _ t: UnsafeMutablePointer<Double>, _ t1: Double, _ h: UnsafeMutablePointer<Double>,
    _ y: UnsafeMutablePointer<Double>
  ) -> Int32 {
    #if ENABLE_FAULT_INJECTION
      if let status = injectedEvolveStatus {
        injectedCallCount += 1
        if injectedCallCount > injectedAfterCalls { return status }
      }
    #endif
    return gsl_odeiv2_evolve_apply(e, c, s, system, t, t1, h, y)
  }
}
