import CGSL

/// Non-linear least squares by GSL's trust-region method (`gsl_multifit_nlinear`, Levenberg–
/// Marquardt steps with Moré scaling and a QR solver), over residual and Jacobian callbacks.
///
/// A residual evaluation that fails (nil: the simulation failed there) reads as residuals of
/// 1e100, so that the trust region shrinks away from the point instead of stopping; a failed
/// Jacobian, or a failed first evaluation, ends the minimization with an error.
enum GSLLeastSquares {
  enum Stop: Sendable, Equatable {
    /// The step fell below xtol relative to the position.
    case smallStep
    /// The scaled gradient fell below gtol.
    case smallGradient
    case maximumIterations
    /// No step reduced the cost (GSL_ENOPROG): a minimum to the precision the residuals have.
    case noProgress
  }

  struct Outcome {
    var position: [Double]
    var residuals: [Double]
    /// Row-major n × p.
    var jacobian: [Double]
    var iterations: Int
    var evaluations: Int
    var jacobianEvaluations: Int
    var stop: Stop
  }

  /// The message when the residuals cannot be evaluated at the start (the caller may say why).
  static let startFailure = "the simulation fails at the starting values"

  /// The residual value a failed evaluation reads as.
  static let failedResidual = 1e100

  private final class Callbacks {
    let n: Int
    let p: Int
    let residuals: ([Double]) -> [Double]?
    let jacobian: ([Double]) -> [Double]?
    var jacobianFailure = false
    /// Whether the last residual evaluation failed.
    var residualFailure = false

    init(n: Int, p: Int, residuals: @escaping ([Double]) -> [Double]?, jacobian: @escaping ([Double]) -> [Double]?) {
      self.n = n
      self.p = p
      self.residuals = residuals
      self.jacobian = jacobian
    }
  }

  private static func read(_ x: UnsafePointer<gsl_vector>, _ p: Int) -> [Double] {
    (0..<p).map { x.pointee.data[$0 * x.pointee.stride] }
  }

  private static let residualCallback: cgsl_nlinear_f = { x, params, f in
    guard let x, let params, let f else { return Int32(GSL_EBADFUNC) }
    let callbacks = Unmanaged<Callbacks>.fromOpaque(params).takeUnretainedValue()
    let values = callbacks.residuals(read(x, callbacks.p))
    callbacks.residualFailure = values == nil
    for i in 0..<callbacks.n {
      let v = values.map { $0[i] } ?? failedResidual
      f.pointee.data[i * f.pointee.stride] = v.isFinite ? v : failedResidual
    }
    return Int32(GSL_SUCCESS)
  }

  private static let jacobianCallback: cgsl_nlinear_df = { x, params, J in
    guard let x, let params, let J else { return Int32(GSL_EBADFUNC) }
    let callbacks = Unmanaged<Callbacks>.fromOpaque(params).takeUnretainedValue()
    guard let values = callbacks.jacobian(read(x, callbacks.p)), values.allSatisfy(\.isFinite) else {
      callbacks.jacobianFailure = true
      return Int32(GSL_EBADFUNC)
    }
    for i in 0..<callbacks.n {
      for j in 0..<callbacks.p { J.pointee.data[i * J.pointee.tda + j] = values[i * callbacks.p + j] }
    }
    return Int32(GSL_SUCCESS)
  }

  /// Minimizes ½‖r(x)‖² from `start` (p values) over n ≥ p residuals. `progress` sees each
  /// iteration's number, position and cost ½‖r‖².
  static func minimize(
    n: Int, start: [Double], maximumIterations: Int, xtol: Double, gtol: Double, ftol: Double,
    residuals: @escaping ([Double]) -> [Double]?, jacobian: @escaping ([Double]) -> [Double]?,
    progress: (Int, [Double], Double) -> Void
  ) throws(PathwayError) -> Outcome {
    _ = gslErrorHandlerOff
    let p = start.count
    let callbacks = Callbacks(n: n, p: p, residuals: residuals, jacobian: jacobian)
    let context = Unmanaged.passRetained(callbacks)
    defer { context.release() }
    var status: Int32 = 0
    let handle = start.withUnsafeBufferPointer {
      cgsl_nlinear_new(n, p, residualCallback, jacobianCallback, context.toOpaque(), $0.baseAddress, &status)
    }
    guard let handle else {
      // GSL evaluates the residuals, then the Jacobian, at the start.
      if callbacks.residualFailure { throw PathwayError(.simulationFailed, startFailure) }
      throw PathwayError(
        .simulationFailed,
        callbacks.jacobianFailure
          ? "the Jacobian of the residuals could not be computed at the starting point"
          : "the least-squares solver could not start (GSL status \(status))")
    }
    defer { cgsl_nlinear_free(handle) }
    var position = [Double](repeating: 0, count: p)
    var f = [Double](repeating: 0, count: n)
    var J = [Double](repeating: 0, count: n * p)
    func snapshot() {
      position.withUnsafeMutableBufferPointer { x in
        f.withUnsafeMutableBufferPointer { r in
          J.withUnsafeMutableBufferPointer { j in cgsl_nlinear_state(handle, x.baseAddress, r.baseAddress, j.baseAddress) }
        }
      }
    }
    snapshot()
    if f.contains(failedResidual) {
      throw PathwayError(.simulationFailed, startFailure)
    }
    var stop = Stop.maximumIterations
    var iterations = 0
    while iterations < maximumIterations {
      let s = cgsl_nlinear_iterate(handle)
      if callbacks.jacobianFailure {
        throw PathwayError(.simulationFailed, "the Jacobian of the residuals could not be computed after \(iterations) iteration(s)")
      }
      if s == GSL_ENOPROG {
        stop = .noProgress
        break
      }
      if s != GSL_SUCCESS {
        throw PathwayError(.simulationFailed, "the least-squares iteration failed (GSL status \(s)) after \(iterations) iteration(s)")
      }
      iterations += 1
      snapshot()
      progress(iterations, position, 0.5 * f.reduce(0) { $0 + $1 * $1 })
      var info: Int32 = 0
      _ = cgsl_nlinear_test(handle, xtol, gtol, ftol, &info)
      if info == 1 {
        stop = .smallStep
        break
      }
      if info == 2 {
        stop = .smallGradient
        break
      }
    }
    snapshot()
    return Outcome(
      position: position, residuals: f, jacobian: J, iterations: iterations,
      evaluations: Int(cgsl_nlinear_evaluations(handle)), jacobianEvaluations: Int(cgsl_nlinear_jacobian_evaluations(handle)),
      stop: stop)
  }

  /// (JᵀJ)⁻¹ of a row-major n × p Jacobian (p × p, row-major), through its singular value
  /// decomposition J = U·S·Vᵀ: C = V·S⁻²·Vᵀ over the singular values above 1e-8 of the largest.
  /// The directions of the others are not determined by the data: every quantity with a
  /// component along one (above 1e-6) gets an infinite variance (its row and column +∞ on the
  /// diagonal, NaN off it), not the variance it would have if the others were known.
  static func covariance(jacobian: [Double], n: Int, p: Int) -> [Double]? {
    guard n >= p, p > 0 else { return nil }
    var a = jacobian
    var singular = [Double](repeating: 0, count: p)
    var v = [Double](repeating: 0, count: p * p)
    let status = a.withUnsafeMutableBufferPointer { a in
      singular.withUnsafeMutableBufferPointer { s in
        v.withUnsafeMutableBufferPointer { v in cgsl_svd(a.baseAddress, n, p, s.baseAddress, v.baseAddress) }
      }
    }
    guard status == GSL_SUCCESS, let largest = singular.max(), largest > 0, largest.isFinite else { return nil }
    var undetermined = [Bool](repeating: false, count: p)
    var covar = [Double](repeating: 0, count: p * p)
    for k in 0..<p {
      if singular[k] <= 1e-8 * largest {
        for j in 0..<p where abs(v[j * p + k]) > 1e-6 { undetermined[j] = true }
        continue
      }
      let w = 1 / (singular[k] * singular[k])
      for i in 0..<p {
        for j in 0..<p { covar[i * p + j] += v[i * p + k] * v[j * p + k] * w }
      }
    }
    for i in 0..<p where undetermined[i] {
      for j in 0..<p {
        covar[i * p + j] = i == j ? .infinity : .nan
        covar[j * p + i] = i == j ? .infinity : .nan
      }
    }
    return covar
  }
}
