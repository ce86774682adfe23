import CGSL
import Foundation

/// How `SteadyStateFinder` looks for a steady state.
///
/// - `auto`: damped Newton from the initial state; if it fails, integrate forward over growing
///   horizons (1, 10, 100, … time units), checking the criterion and trying Newton again after each
///   (COPASI's cascade).
/// - `newton`: damped Newton only (finds unstable steady states too; the report says which).
/// - `integrate`: forward integration only (the steady state the dynamics reach from the initial state).
public enum SteadyStateMethod: String, CaseIterable, Sendable, Codable {
  case auto, newton, integrate
}

/// The criterion and limits of a steady-state search.
public struct SteadyStateOptions: Sendable, Hashable, Codable {
  public var method: SteadyStateMethod = .auto
  /// A state is steady when every |dyᵢ/dt| ≤ atolᵢ + rtol·|yᵢ| (per model time unit), atolᵢ being
  /// atol times the size of the compartment of a species stored as an amount (as `run` scales
  /// it), so that a species in a 1e-15 L compartment is judged on its concentration's scale.
  public var rtol = 1e-9
  public var atol = 1e-12
  /// Newton iterations per attempt.
  public var maxIterations = 100
  /// The longest forward integration (model time units) before the search gives up.
  public var maxTime = 1e10
  /// Accept a steady state with negative values (otherwise one is rejected and the cascade goes on).
  public var allowNegative = false

  public init() {}
}

/// One step of the cascade, for the report: what was tried and how it ended.
public struct SteadyStateAttempt: Sendable, Hashable {
  public var method: String
  public var succeeded: Bool
  public var detail: String
}

/// A steady state and how it was found, with its stability.
public struct SteadyStateResult: Sendable {
  /// The state found (or the last one reached, when `converged` is false).
  public var state: [Double]
  /// dy/dt at `state`.
  public var rates: [Double]
  /// max over states of |dyᵢ/dt| / (atol + rtol·|yᵢ|): at most 1 when converged.
  public var residual: Double
  /// The state whose rate is furthest from the criterion.
  public var worstState: Int
  public var converged: Bool
  /// The method that succeeded (`newton`, `integration`, `integration+newton`), nil when none did.
  public var method: String?
  public var attempts: [SteadyStateAttempt]
  /// Time integrated forward (0 when Newton alone succeeded).
  public var integratedTime: Double
  /// Linear invariants of the dynamics (conserved moieties, constant and pinned states): one
  /// coefficient row per law over the states. Their totals are those of the initial state.
  public var conservationLaws: [[Double]]
  /// Eigenvalues of the Jacobian reduced by the conservation laws, at `state`.
  public var eigenvalues: [(re: Double, im: Double)]
  /// `stable` (every eigenvalue has a negative real part), `unstable` (one is positive),
  /// `marginal` (the largest real part is zero to working precision), or `unknown`.
  public var stability: String
}

/// Finds steady states of an `ODEModel` with an `ODESolver`'s workspace and integrator.
///
/// Newton works on the system reduced by the model's linear invariants: they are found numerically
/// as the vectors c with cᵀJ(y) = 0 at the initial state and at two perturbed states (the null
/// space of the stacked, scaled Jacobians by an SVD), and kept only when cᵀf(y) vanishes at those
/// states too. For each law one dependent state's equation is replaced by the law itself, so the
/// Newton matrix is regular when the steady state is isolated on the invariant manifold.
public final class SteadyStateFinder {
  public let solver: ODESolver
  public var ode: ODEModel { solver.ode }
  private var workspace: ODEWorkspace { solver.workspace }
  private let n: Int
  private let f: UnsafeMutablePointer<Double>
  private let jacobian: UnsafeMutablePointer<Double>
  private let dfdt: UnsafeMutablePointer<Double>
  private let lu: DenseLU
  private var time = 0.0
  /// Per state: the factor of atol (the compartment size of an amount species, else 1).
  private let atolScales: [Double]

  public init(solver: ODESolver) {
    self.solver = solver
    n = solver.ode.stateCount
    let m = max(1, n)
    f = .allocate(capacity: m)
    f.initialize(repeating: 0, count: m)
    jacobian = .allocate(capacity: m * m)
    jacobian.initialize(repeating: 0, count: m * m)
    dfdt = .allocate(capacity: m)
    dfdt.initialize(repeating: 0, count: m)
    lu = DenseLU(n: m)
    atolScales = solver.ode.absoluteToleranceScales
  }

  deinit {
    f.deallocate()
    jacobian.deallocate()
    dfdt.deallocate()
  }

  /// Why a model has no autonomous steady-state problem, or nil: events, or rate laws that
  /// depend on time explicitly.
  public static func unsupportedReason(_ ode: ODEModel) -> String? {
    if ode.hasEvents {
      return "the model has events (\(ode.model.events.map(\.id).prefix(5).joined(separator: ", "))); "
        + "a steady state of a model with events is not defined here (run it to a long --t-end instead)"
    }
    if let entry = ode.timeDerivativeEntries.first {
      return "the rate of '\(ode.stateNames[entry.row])' depends on time explicitly, so the model has no steady state"
    }
    if !ode.timeSwitches.isEmpty {
      return "a rate law switches at a time (a comparison with time), so the model has no steady state"
    }
    return nil
  }

  /// Searches for a steady state from `initial` with the stimuli held at their values at `time`
  /// and the run's pins and scales applied.
  public func find(
    _ run: RunParameters, initial: [Double], at time: Double, options: SteadyStateOptions
  ) throws(PathwayError) -> SteadyStateResult {
    if let reason = Self.unsupportedReason(ode) { throw PathwayError(.invalidInput, "steady state: \(reason)") }
    var parameters = run
    parameters.stimuli = (0..<ode.inputCount).map { .constant(run.stimuli[$0].value(at: time)) }
    self.time = time
    let start = solver.initialState(parameters, initial)
    load(parameters)
    guard evaluate(start) else {
      throw PathwayError(.simulationFailed, "steady state: the rates are not finite at the initial state"
                         + (workspace.nonFiniteState.map { " (d\(ode.stateNames[$0])/dt)" } ?? ""))
    }
    let laws = conservationLaws(around: start)
    let totals = laws.rows.map { row in zip(row, start).reduce(0) { $0 + $1.0 * $1.1 } }
    var attempts: [SteadyStateAttempt] = []
    var y = start
    var method: String? = nil
    var integrated = 0.0
    /// The switches the steady state lies on, when the state came to rest sliding along them.
    var slidingRoots: [Int]? = nil

    func accept(_ candidate: [Double], _ label: String) -> Bool {
      if !options.allowNegative, let i = negativeState(candidate, options) {
        attempts.append(SteadyStateAttempt(
          method: label, succeeded: false,
          detail: "converged to a state with \(ode.stateNames[i]) = \(formatNumber(candidate[i])) < 0; rejected"))
        return false
      }
      return true
    }

    if options.method != .integrate {
      var candidate = start
      let outcome = newton(&candidate, laws: laws, totals: totals, options: options)
      if outcome.converged && accept(candidate, "newton") {
        attempts.append(SteadyStateAttempt(method: "newton", succeeded: true, detail: outcome.detail))
        y = candidate
        method = "newton"
      } else if !outcome.converged {
        attempts.append(SteadyStateAttempt(method: "newton", succeeded: false, detail: outcome.detail))
      }
    }
    if method == nil && options.method != .newton {
      var horizon = 1.0
      var current = start
      // The largest |dyᵢ/dt| after each horizon: three horizons in a row without a tenfold fall
      // below the best so far mean the dynamics are not settling (an oscillation, a drift). The
      // rates themselves, not the weighted residual: under a drift the state grows, so the
      // residual relative to it falls although nothing is settling.
      var best = Double.infinity
      var stalled = 0
      while method == nil && integrated < options.maxTime {
        let duration = min(horizon, options.maxTime - integrated)
        let solution = solver.solve(parameters, initial: current, start: time + integrated, end: time + integrated + duration, times: [])
        load(parameters)
        if let failure = solution.failure {
          attempts.append(SteadyStateAttempt(
            method: "integration", succeeded: false,
            detail: "integrating from t = \(formatNumber(time + integrated)) failed: \(failure)"))
          break
        }
        integrated += duration
        current = solution.finalState
        horizon *= 10
        guard evaluate(current) else {
          attempts.append(SteadyStateAttempt(
            method: "integration", succeeded: false,
            detail: "the rates are not finite at t = \(formatNumber(time + integrated))"
              + (workspace.nonFiniteState.map { " (d\(ode.stateNames[$0])/dt)" } ?? "")))
          break
        }
        var (residual, worst) = self.residual(current, options)
        if residual > 1, let root = current.withUnsafeBufferPointer({ solver.slidingRates(of: solution, time, $0.baseAddress!, into: f) }) {
          // At rest on a switch both sides' rates drive the state into: the rates of either side
          // are not zero there, their combination that keeps it on the switch is.
          (residual, worst) = self.residual(current, options)
          if residual <= 1 {
            if accept(current, "integration") {
              attempts.append(SteadyStateAttempt(
                method: "integration", succeeded: true,
                detail: "steady on the switch\(root.count == 1 ? "" : "es") "
                  + root.map { "\(ode.switchRootExpressions[$0]) = 0" }.joined(separator: ", ") + " after integrating to t = "
                  + "\(formatNumber(time + integrated)): the rates on its two sides drive the state into it, and their "
                  + "combination that keeps it there (Filippov's) vanishes (weighted residual \(formatNumber(residual))); "
                  + "no eigenvalues at a switch"))
              y = current
              method = "integration"
              slidingRoots = root
            }
            break
          }
          _ = evaluate(current)
          (residual, worst) = self.residual(current, options)
        }
        if residual <= 1 {
          if accept(current, "integration") {
            attempts.append(SteadyStateAttempt(
              method: "integration", succeeded: true,
              detail: "steady after integrating to t = \(formatNumber(time + integrated)) (weighted residual \(formatNumber(residual)))"))
            y = current
            method = "integration"
          }
          break
        }
        let progress = "integrated to t = \(formatNumber(time + integrated)): |d\(ode.stateNames[worst])/dt| is "
          + "\(formatNumber(residual)) × the tolerance"
        let largestRate = (0..<n).reduce(0.0) { max($0, abs(f[$1])) }
        if largestRate < best / 10 {
          best = largestRate
          stalled = 0
        } else {
          stalled += 1
        }
        if options.method == .auto {
          var candidate = current
          let outcome = newton(&candidate, laws: laws, totals: totals, options: options)
          if outcome.converged && accept(candidate, "integration+newton") {
            attempts.append(SteadyStateAttempt(method: "integration+newton", succeeded: true, detail: progress + "; newton: " + outcome.detail))
            y = candidate
            method = "integration+newton"
            break
          }
          if !outcome.converged {
            attempts.append(SteadyStateAttempt(method: "integration+newton", succeeded: false, detail: progress + "; newton: " + outcome.detail))
          }
        } else {
          attempts.append(SteadyStateAttempt(method: "integration", succeeded: false, detail: progress))
        }
        if stalled >= 3 {
          attempts.append(SteadyStateAttempt(
            method: "integration", succeeded: false,
            detail: "the rates have not fallen tenfold over the last three horizons; the dynamics are not settling (an oscillation or a drift?)"))
          break
        }
      }
      if method == nil { y = current }
    }

    if slidingRoots == nil { _ = evaluate(y) }  // else f holds the sliding rates at y
    let rates = Array(UnsafeBufferPointer(start: f, count: n))
    let (residual, worst) = self.residual(y, options)
    var eigenvalues: [(re: Double, im: Double)] = []
    var stability = "unknown"
    if method != nil, slidingRoots == nil, let values = reducedEigenvalues(at: y, laws: laws) {
      eigenvalues = values
      stability = Self.classify(values)
    }
    return SteadyStateResult(
      state: y, rates: rates, residual: residual, worstState: worst, converged: method != nil, method: method,
      attempts: attempts, integratedTime: integrated, conservationLaws: laws.rows, eigenvalues: eigenvalues,
      stability: stability)
  }

  /// `stable`, `unstable` or `marginal` from the eigenvalues (a zero real part to 1e-10 of the
  /// spectral radius is marginal); `stable` for a system with no free state.
  static func classify(_ values: [(re: Double, im: Double)]) -> String {
    guard let largest = values.map(\.re).max() else { return "stable" }
    let radius = values.map { ($0.re * $0.re + $0.im * $0.im).squareRoot() }.max() ?? 0
    let threshold = 1e-10 * radius
    if largest < -threshold { return "stable" }
    if largest > threshold { return "unstable" }
    return "marginal"
  }

  // MARK: - Evaluation

  private func load(_ parameters: RunParameters) {
    workspace.load(parameters)
    workspace.setSegment(at: time)
  }

  /// dy/dt into `f`; false when a rate is not finite.
  private func evaluate(_ y: [Double]) -> Bool {
    y.withUnsafeBufferPointer { workspace.rhs(time, $0.baseAddress!, f) }
  }

  private func evaluateJacobian(_ y: [Double]) -> Bool {
    y.withUnsafeBufferPointer { workspace.jacobian(time, $0.baseAddress!, jacobian, dfdt) }
  }

  /// The weighted residual of the rates in `f` at y, and the state that attains it.
  private func residual(_ y: [Double], _ options: SteadyStateOptions) -> (Double, Int) {
    var largest = 0.0, worst = 0
    for i in 0..<n {
      let r = abs(f[i]) / (options.atol * atolScales[i] + options.rtol * abs(y[i]))
      if !(r <= largest) {
        largest = r
        worst = i
      }
    }
    return (largest, worst)
  }

  private func negativeState(_ y: [Double], _ options: SteadyStateOptions) -> Int? {
    let scale = y.map(abs).max() ?? 0
    return y.indices.first { y[$0] < -(options.atol * atolScales[$0] + options.rtol * scale) }
  }

  // MARK: - Newton

  /// Damped Newton on the rates with one equation per conservation law replaced by the law.
  private func newton(
    _ y: inout [Double], laws: Conservation, totals: [Double], options: SteadyStateOptions
  ) -> (converged: Bool, detail: String) {
    var g = [Double](repeating: 0, count: n)
    var weights = [Double](repeating: 0, count: n)
    var matrix = [Double](repeating: 0, count: n * n)

    /// The system's value at y into g (f with the dependent rows replaced); false if not finite.
    func system(_ y: [Double]) -> Bool {
      guard evaluate(y) else { return false }
      for i in 0..<n { g[i] = f[i] }
      for (k, row) in laws.rows.enumerated() {
        var s = -totals[k]
        for j in 0..<n where row[j] != 0 { s += row[j] * y[j] }
        g[laws.dependent[k]] = s
      }
      return g.allSatisfy(\.isFinite)
    }
    func merit() -> Double {
      var s = 0.0
      for i in 0..<n { s += (g[i] * weights[i]) * (g[i] * weights[i]) }
      return 0.5 * s
    }
    func setWeights(_ y: [Double]) {
      for i in 0..<n { weights[i] = 1 / (options.atol * atolScales[i] + options.rtol * abs(y[i])) }
      for (k, row) in laws.rows.enumerated() {
        var magnitude = 0.0, scale = 0.0
        for j in 0..<n where row[j] != 0 {
          magnitude += abs(row[j] * y[j])
          scale = max(scale, abs(row[j]) * atolScales[j])
        }
        weights[laws.dependent[k]] = 1 / (options.atol * scale + options.rtol * magnitude)
      }
    }

    guard system(y) else { return (false, "the rates are not finite at the start") }
    for iteration in 0...options.maxIterations {
      let (residual, worst) = self.residual(y, options)
      if residual <= 1 {
        return (true, "converged in \(iteration) iteration\(iteration == 1 ? "" : "s") (weighted residual \(formatNumber(residual)))")
      }
      if iteration == options.maxIterations { break }
      guard evaluateJacobian(y) else {
        return (false, "the Jacobian is not finite at iteration \(iteration)")
      }
      for i in 0..<(n * n) { matrix[i] = jacobian[i] }
      for (k, row) in laws.rows.enumerated() {
        let d = laws.dependent[k]
        for j in 0..<n { matrix[d * n + j] = row[j] }
      }
      let factored = matrix.withUnsafeBufferPointer { lu.factor(sigma: 0, jacobian: $0.baseAddress!) }
      guard factored else {
        return (false, "the Jacobian is singular at iteration \(iteration) (|d\(ode.stateNames[worst])/dt| = \(formatNumber(residual)) × the tolerance)")
      }
      var step = g
      step.withUnsafeMutableBufferPointer { lu.solve($0.baseAddress!) }  // −J·step = g: the Newton step
      guard step.allSatisfy(\.isFinite) else {
        return (false, "the Newton step is not finite at iteration \(iteration) (singular Jacobian)")
      }
      setWeights(y)
      let before = merit()
      var lambda = 1.0
      var accepted = false
      while lambda >= 1e-8 {
        let trial = (0..<n).map { y[$0] + lambda * step[$0] }
        if system(trial) {
          let after = merit()
          if after <= (1 - 1e-4 * lambda) * before {
            y = trial
            accepted = true
            break
          }
        }
        lambda *= 0.5
      }
      if !accepted {
        _ = system(y)
        return (false, "no descent along the Newton direction at iteration \(iteration) (|d\(ode.stateNames[worst])/dt| = \(formatNumber(residual)) × the tolerance)")
      }
    }
    let (residual, worst) = self.residual(y, options)
    return (false, "\(options.maxIterations) iterations without converging (|d\(ode.stateNames[worst])/dt| = \(formatNumber(residual)) × the tolerance)")
  }

  // MARK: - Conservation laws

  struct Conservation {
    /// One row per law, n coefficients each.
    var rows: [[Double]]
    /// The state whose equation each law replaces (distinct).
    var dependent: [Int]
  }

  /// The linear invariants of the dynamics near `y0` (see the type's documentation).
  func conservationLaws(around y0: [Double]) -> Conservation {
    guard n > 0 else { return Conservation(rows: [], dependent: []) }
    _ = gslErrorHandlerOff
    // Zero states are perturbed on the scale of the others (amounts in a 1e-16 L compartment
    // are ~1e-22: a fixed 1e-6 floor would swamp them and hide their laws).
    let largest = y0.map(abs).max() ?? 0
    let magnitude = largest > 0 ? largest : 1e-6
    var random = Xoshiro256StarStar(seed: 0x5EED_57A7E)
    var samples = [y0]
    for _ in 0..<2 {
      samples.append(y0.map { v in
        let u = Double(random.next() >> 11) / Double(1 << 53)
        return v == 0 ? magnitude * 1e-3 * (0.5 + u) : v * (0.7 + 0.6 * u)
      })
    }
    // The stacked transposed Jacobians, rows scaled by each state's magnitude.
    var jacobians: [[Double]] = []
    var used: [[Double]] = []
    for sample in samples where evaluateJacobian(sample) {
      jacobians.append(Array(UnsafeBufferPointer(start: jacobian, count: n * n)))
      used.append(sample)
    }
    guard !jacobians.isEmpty else { return Conservation(rows: [], dependent: []) }
    var rates: [[Double]] = []
    for sample in used where evaluate(sample) { rates.append(Array(UnsafeBufferPointer(start: f, count: n))) }
    // Constant states (pinned, boundary, zero rate): an exact law each, yᵢ = its initial value.
    let constant = (0..<n).filter { i in
      jacobians.allSatisfy { jac in (0..<n).allSatisfy { jac[i * n + $0] == 0 } } && rates.allSatisfy { $0[i] == 0 }
    }
    let active = (0..<n).filter { !constant.contains($0) }
    var rows: [[Double]] = constant.map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    var dependent = constant
    let width = active.count
    if width > 0 {
      // The other laws: the null space of the stacked transposed Jacobians of the active
      // equations, rows scaled by each state's magnitude, columns to unit norm.
      let m = jacobians.count * n
      var a = [Double](repeating: 0, count: m * width)
      for (s, jac) in jacobians.enumerated() {
        for j in 0..<n {
          let scale = max(abs(used[s][j]), magnitude * 1e-9)
          for (c, i) in active.enumerated() { a[(s * n + j) * width + c] = jac[i * n + j] * scale }
        }
      }
      var columnNorms = [Double](repeating: 0, count: width)
      for c in 0..<width {
        var s = 0.0
        for r in 0..<m { s += a[r * width + c] * a[r * width + c] }
        columnNorms[c] = s > 0 ? s.squareRoot() : 1
        for r in 0..<m { a[r * width + c] /= columnNorms[c] }
      }
      var singular = [Double](repeating: 0, count: width)
      var v = [Double](repeating: 0, count: width * width)
      if cgsl_svd(&a, m, width, &singular, &v) == GSL_SUCCESS {
        let largest = singular.max() ?? 0
        // The null vectors (scaled coordinates), reduced by Gauss–Jordan elimination with
        // complete pivoting: each law gets a pivot state with coefficient 1 that no other law has.
        var basis: [[Double]] = (0..<width).filter { singular[$0] <= 1e-10 * max(largest, 1e-300) }
          .map { k in (0..<width).map { v[$0 * width + k] } }
        var pivots: [Int] = []
        var remaining = Array(0..<width)
        for r in 0..<basis.count {
          var best = 0.0, bestRow = -1, bestColumn = -1
          for i in r..<basis.count {
            for c in remaining where abs(basis[i][c]) > best {
              best = abs(basis[i][c])
              bestRow = i
              bestColumn = c
            }
          }
          guard bestRow >= 0, best > 1e-9 else { break }
          basis.swapAt(r, bestRow)
          let pivot = basis[r][bestColumn]
          basis[r] = basis[r].map { $0 / pivot }
          for i in basis.indices where i != r {
            let factor = basis[i][bestColumn]
            if factor != 0 { for c in 0..<width { basis[i][c] -= factor * basis[r][c] } }
          }
          pivots.append(bestColumn)
          remaining.removeAll { $0 == bestColumn }
        }
        for (r, pivot) in pivots.enumerated() {
          // Back to state coordinates; rounding-level entries dropped, integer ratios made exact.
          var coefficients = basis[r].map { abs($0) <= 1e-10 ? 0 : $0 }
          for c in 0..<width { coefficients[c] /= columnNorms[c] }
          let top = coefficients.map(abs).max() ?? 1
          coefficients = coefficients.map { $0 / top }
          if coefficients[pivot] < 0 { coefficients = coefficients.map { -$0 } }
          func stateRow(_ coefficients: [Double]) -> [Double] {
            var row = [Double](repeating: 0, count: n)
            for (c, i) in active.enumerated() { row[i] = coefficients[c] }
            return row
          }
          // Stoichiometric laws have small integer coefficients, which the SVD gives only to
          // about 1e-9: the rounded law replaces it when it annihilates the Jacobians to rounding.
          let pivotValue = coefficients[pivot]
          let rounded = coefficients.map { abs($0 / pivotValue * 1).rounded() == 0 && abs($0 / pivotValue) < 1e-6 ? 0 : $0 }
            .map { c -> Double in
              let ratio = c / pivotValue
              return abs(ratio - ratio.rounded()) <= 1e-6 * max(1, abs(ratio)) ? ratio.rounded() : .nan
            }
          var row = stateRow(coefficients)
          if rounded.allSatisfy(\.isFinite) {
            let exact = stateRow(rounded)
            if annihilates(exact, jacobians) { row = exact }
          }
          // Kept only if the combination of rates vanishes at every sample.
          let holds = rates.allSatisfy { rate in
            var sum = 0.0, size = 0.0
            for j in 0..<n where row[j] != 0 {
              sum += row[j] * rate[j]
              size += abs(row[j] * rate[j])
            }
            return abs(sum) <= 1e-8 * size
          }
          if holds {
            rows.append(row)
            dependent.append(active[pivot])
          }
        }
      }
    }
    _ = evaluate(y0)
    return Conservation(rows: rows, dependent: dependent)
  }

  /// Whether rowᵀJ vanishes to rounding (relative to Σ|rowᵢ·Jᵢⱼ|) for every Jacobian.
  private func annihilates(_ row: [Double], _ jacobians: [[Double]]) -> Bool {
    jacobians.allSatisfy { jac in
      (0..<n).allSatisfy { j in
        var sum = 0.0, size = 0.0
        for i in 0..<n where row[i] != 0 {
          sum += row[i] * jac[i * n + j]
          size += abs(row[i] * jac[i * n + j])
        }
        return abs(sum) <= 1e-12 * size
      }
    }
  }

  // MARK: - Stability

  /// Eigenvalues of the Jacobian restricted to the independent states (the dependent ones
  /// expressed through the conservation laws).
  private func reducedEigenvalues(at y: [Double], laws: Conservation) -> [(re: Double, im: Double)]? {
    guard evaluateJacobian(y) else { return nil }
    let dependent = laws.dependent
    let independent = (0..<n).filter { !dependent.contains($0) }
    let r = independent.count, k = dependent.count
    if r == 0 { return [] }
    // ∂y_D/∂y_I = −L_D⁻¹·L_I, by Gaussian elimination on [L_D | L_I].
    var sensitivity = [[Double]](repeating: [Double](repeating: 0, count: r), count: k)
    if k > 0 {
      var augmented = laws.rows.map { row in dependent.map { row[$0] } + independent.map { -row[$0] } }
      for c in 0..<k {
        guard let p = (c..<k).max(by: { abs(augmented[$0][c]) < abs(augmented[$1][c]) }),
              augmented[p][c] != 0 else { return nil }
        augmented.swapAt(c, p)
        let pivot = augmented[c][c]
        augmented[c] = augmented[c].map { $0 / pivot }
        for i in 0..<k where i != c {
          let factor = augmented[i][c]
          if factor != 0 { for j in 0..<(k + r) { augmented[i][j] -= factor * augmented[c][j] } }
        }
      }
      sensitivity = augmented.map { Array($0[k...]) }
    }
    var reduced = [Double](repeating: 0, count: r * r)
    for (a, i) in independent.enumerated() {
      for (b, j) in independent.enumerated() {
        var value = jacobian[i * n + j]
        for (d, state) in dependent.enumerated() { value += jacobian[i * n + state] * sensitivity[d][b] }
        reduced[a * r + b] = value
      }
    }
    var re = [Double](repeating: 0, count: r), im = [Double](repeating: 0, count: r)
    guard reduced.allSatisfy(\.isFinite), cgsl_eigenvalues(&reduced, r, &re, &im) == GSL_SUCCESS else { return nil }
    return zip(re, im).map { (re: $0, im: $1) }.sorted { $0.re != $1.re ? $0.re > $1.re : $0.im > $1.im }
  }
}
