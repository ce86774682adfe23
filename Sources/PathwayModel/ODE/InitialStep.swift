import Foundation

/// The starting step of Hairer, Nørsett & Wanner (*Solving ODEs I*, §II.4, and `hinit` of their
/// codes), from ‖y₀‖, ‖f(y₀)‖ and a difference quotient of f along an explicit Euler step, in
/// the error norm of the step control (weights atolᵢ + rtol·|yᵢ|); the last factor takes the
/// power 1/(`order` + 1).
/// Keeps the first trial step of a long segment (Robertson to 10¹¹) from spanning many decades
/// of time. `f0` holds f(t₀, y₀); `scratchY` and `scratchF` are n long and overwritten. A
/// non-finite trial rate is not the model's fault here (the trial step may be too long): it
/// returns the trial step, and the engine's first step finds out.
func hairerInitialStep(
  workspace: ODEWorkspace, order: Int, rtol: Double, absoluteTolerance: UnsafePointer<Double>,
  t0: Double, y: UnsafePointer<Double>, f0: UnsafePointer<Double>,
  scratchY: UnsafeMutablePointer<Double>, scratchF: UnsafeMutablePointer<Double>, limit: Double
) -> Double {
  let n = workspace.ode.stateCount
  var d0 = 0.0, d1 = 0.0
  for m in 0..<n {
    let scale = absoluteTolerance[m] + rtol * abs(y[m])
    d0 += (y[m] / scale) * (y[m] / scale)
    d1 += (f0[m] / scale) * (f0[m] / scale)
  }
  d0 = (d0 / Double(max(1, n))).squareRoot()
  d1 = (d1 / Double(max(1, n))).squareRoot()
  var h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1
  h0 = min(h0, limit)
  for m in 0..<n { scratchY[m] = y[m] + h0 * f0[m] }
  guard workspace.rhs(t0 + h0, scratchY, scratchF) else {
    if !workspace.cancelled { workspace.nonFiniteState = nil }
    return h0
  }
  var d2 = 0.0
  for m in 0..<n {
    let scale = absoluteTolerance[m] + rtol * abs(y[m])
    let e = (scratchF[m] - f0[m]) / scale
    d2 += e * e
  }
  d2 = (d2 / Double(max(1, n))).squareRoot() / h0
  let largest = max(d1, d2)
  let h1 = largest <= 1e-15 ? max(1e-6, h0 * 1e-3) : Foundation.pow(0.01 / largest, 1 / Double(order + 1))
  return min(100 * h0, h1, limit)
}
