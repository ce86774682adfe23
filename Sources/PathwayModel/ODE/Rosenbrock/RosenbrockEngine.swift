import Foundation

/// An engine that can evaluate the continuous extension of its last accepted step, so that the
/// solver need not end steps at output times.
protocol DenseOutputEngine: IntegratorEngine {
  /// The state at time `s` of the last accepted step [t₀, t₁] (s inside it), into `out`.
  func interpolate(at s: Double, into out: UnsafeMutablePointer<Double>)
}

/// Which factorization of the iteration matrix a Rosenbrock engine uses.
package enum LinearSolverKind: String, Sendable {
  /// `DenseLU`: partial pivoting over a full n × n matrix.
  case dense
  /// `SparseLU`: fill-reducing order and patterns computed once from the Jacobian's pattern.
  case sparse

  /// Benchmarks only (`pathway-bench sbml … rodas5p:dense`): the solver of engines made from now
  /// on, instead of the choice by size. Set it before making solvers, from one thread.
  nonisolated(unsafe) package static var forced: LinearSolverKind? = nil
}

/// A stiffly accurate Rosenbrock method (Rodas4, Rodas5P) written in Swift: one Jacobian and
/// one factorization of E = I/(hγ) − J per step, `stages` right-hand sides and solves, the
/// embedded error estimate, and Hairer & Wanner's step-size control with Gustafsson's
/// predictive controller (`rodas.f`). ∂f/∂t enters every stage, so inputs that ramp in time are
/// integrated to full order.
///
/// Failures, as GSL's evolve object reports them (`ODESolver.diagnose` words them):
/// - a non-finite right-hand side or Jacobian at the start of a step, or a cancellation:
///   `.badFunction` at once, t and y at the start of the step (`GSL_EBADFUNC`);
/// - a non-finite stage (a trial step so long that a stage argument overflows, or leaves the
///   domain of a rate law) is no failure: the step is rejected and shortened by `largestDecrease`,
///   like a failed error test, until it no longer changes t (then `.failure`);
/// - an iteration matrix singular to working precision: the step is halved and tried again;
///   after `maximumSingular` singular matrices in a row, `.failure` (`GSL_FAILURE`, "the step failed");
/// - the error test failing until the step no longer changes t: `.failure` (GSL's "cannot reach
///   the required tolerance with the smallest step").
///
/// No allocation inside a step: every buffer is allocated in `init`.
final class RosenbrockEngine: DenseOutputEngine {
  let stepper: Stepper
  let tableau: RosenbrockTableau
  let workspace: ODEWorkspace
  let n: Int
  let rtol: Double
  let atol: Double
  /// atol times each state's `absoluteToleranceScales` factor.
  private let absoluteTolerance: UnsafeMutablePointer<Double>
  /// The linear solver in use (sparse may fall back to dense for a run whose Jacobian has an
  /// entry outside the structural pattern).
  private(set) var linearSolver: LinearSolverKind

  // Step-size control (Hairer & Wanner's defaults in `rodas.f`).
  /// The new step is at most this many times the last one…
  static let largestIncrease = 6.0
  /// …and at least this fraction of it.
  static let largestDecrease = 0.2
  static let safety = 0.9
  /// Singular iteration matrices in a row before the step fails.
  static let maximumSingular = 5

  private let f0: UnsafeMutablePointer<Double>
  private let dfdt: UnsafeMutablePointer<Double>
  private let jacobian: UnsafeMutablePointer<Double>
  /// k₁…k_s, each n long.
  private let k: UnsafeMutablePointer<Double>
  private let stageY: UnsafeMutablePointer<Double>
  private let stageF: UnsafeMutablePointer<Double>
  private let yOld: UnsafeMutablePointer<Double>
  private let yNew: UnsafeMutablePointer<Double>
  /// K₁…K_r of the dense output of the last step, computed on the first request.
  private let denseRows: UnsafeMutablePointer<Double>
  private let powerV: UnsafeMutablePointer<Double>
  private let powerW: UnsafeMutablePointer<Double>
  private var denseReady = false
  private var lastStart = 0.0
  private var lastSize = 0.0

  private let denseLU: DenseLU?
  private let sparseLU: SparseLU?
  /// For the sparse solver: whether (row, column) is in the structural pattern (row-major).
  private let inPattern: [Bool]
  private var patternChecked = false

  /// Whether the first step after a reset chooses its own size (`initialStep`), at most the
  /// size it is given; false when the caller asked for a particular first step (`hInitial`).
  let automaticInitialStep: Bool
  private var needsInitialStep = true

  private var accepted = 0
  private var rejected = 0
  /// Gustafsson's controller: the last accepted step and its error.
  private var previousStep = 0.0
  private var previousError = 0.0
  /// The state with the largest weighted error estimate in the last step tried (-1: none yet).
  private var worstState = -1
  private let exponent: Double
  /// The structural nonzeros of each row of J (the diagonal included), for `dominantRate`.
  private let patternStart: [Int]
  private let patternColumns: [Int]
  /// Whether the next accepted step measures `lastStiffness` (`AutoSwitchEngine` sets it).
  var measuresStiffness = false
  /// h·|λ| of the last step measured (`measuresStiffness`), λ the dominant eigenvalue of J
  /// (`dominantRate`).
  private(set) var lastStiffness = Double.infinity

  /// - Parameters:
  ///   - linearSolver: nil chooses by size and density (`preferredSolver`).
  init(workspace: ODEWorkspace, stepper: Stepper, tableau: RosenbrockTableau, rtol: Double, atol: Double,
       atolScales: [Double]? = nil, linearSolver: LinearSolverKind? = nil, automaticInitialStep: Bool = true) {
    self.workspace = workspace
    self.automaticInitialStep = automaticInitialStep
    self.stepper = stepper
    self.tableau = tableau
    self.rtol = rtol
    self.atol = atol
    let n = workspace.ode.stateCount
    self.n = n
    exponent = 1 / Double(tableau.embeddedOrder + 1)
    func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count))
      p.initialize(repeating: 0, count: max(1, count))
      return p
    }
    absoluteTolerance = buffer(n)
    for m in 0..<n { absoluteTolerance[m] = atol * (atolScales?[m] ?? 1) }
    f0 = buffer(n)
    dfdt = buffer(n)
    jacobian = buffer(n * n)
    k = buffer(tableau.stages * n)
    stageY = buffer(n)
    stageF = buffer(n)
    yOld = buffer(n)
    yNew = buffer(n)
    denseRows = buffer(tableau.dense.count * n)
    powerV = buffer(n)
    powerW = buffer(n)
    let rows = workspace.ode.jacobianPattern
    let withDiagonal = rows.enumerated().map { Array(Set($0.element + [$0.offset])).sorted() }
    patternStart = withDiagonal.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    patternColumns = withDiagonal.flatMap { $0 }
    let kind = linearSolver ?? LinearSolverKind.forced ?? Self.preferredSolver(n: n, pattern: rows)
    self.linearSolver = kind
    denseLU = DenseLU(n: n)
    if kind == .sparse {
      sparseLU = SparseLU(n: n, rows: rows)
      var member = [Bool](repeating: false, count: n * n)
      for (r, columns) in rows.enumerated() { for c in columns { member[r * n + c] = true } }
      for i in 0..<n { member[i * n + i] = true }
      inPattern = member
    } else {
      sparseLU = nil
      inPattern = []
    }
  }

  deinit {
    for p in [absoluteTolerance, f0, dfdt, jacobian, k, stageY, stageF, yOld, yNew, denseRows, powerV, powerW] { p.deallocate() }
  }

  /// Sparse when the system is large enough for the dense O(n³) factorization to dominate and
  /// the Jacobian is sparse enough for fill-in to stay small (measured on the BioModels of
  /// `../shared/bench/ode`; see `Benchmarks/RODAS.md`).
  static func preferredSolver(n: Int, pattern: [[Int]]) -> LinearSolverKind {
    let entries = pattern.reduce(0) { $0 + Set($1).count } + n
    return n >= sparseFromSize && Double(entries) <= sparseDensity * Double(n * n) ? .sparse : .dense
  }
  /// Below this many state variables the dense LU is used.
  static let sparseFromSize = 16
  /// Above this fraction of nonzeros in J the dense LU is used.
  static let sparseDensity = 0.3

  func reset() {
    accepted = 0
    rejected = 0
    previousStep = 0
    previousError = 0
    denseReady = false
    patternChecked = false
    needsInitialStep = true
    lastStiffness = .infinity
  }

  /// Forgets the step history but takes the next step at the size it is given (a switch from
  /// another engine, whose last step size is the best guess).
  func resetKeepingStep() {
    reset()
    needsInitialStep = false
  }

  /// h·|λ| (as `lastStiffness`) at (t, y), with the rates and the Jacobian evaluated into this
  /// engine's buffers, which are free while another engine steps, and the power iterations
  /// started from `direction`; nil when a rate or a Jacobian entry is not finite there (the
  /// other engine's next step reports it).
  func stiffness(t: Double, y: UnsafePointer<Double>, h: Double, direction: UnsafePointer<Double>) -> Double? {
    guard workspace.rhs(t, y, f0), workspace.jacobian(t, y, jacobian, dfdt) else {
      workspace.nonFiniteState = nil
      workspace.nonFiniteJacobianEntry = nil
      return nil
    }
    if !patternChecked { checkPattern() }
    return h * dominantRate(from: direction)
  }

  /// An estimate of |λ| for the dominant eigenvalue λ of the Jacobian in `jacobian`: four
  /// power iterations from `start` (the step's error estimate, or dopri5's y₁ − ŷ₆) (the directions the step control
  /// sees), over the structural nonzeros. Not a bound; `AutoSwitchEngine` only uses it to try
  /// dopri5, whose own estimate then decides whether it stays.
  private func dominantRate(from start: UnsafePointer<Double>) -> Double {
    var norm = 0.0
    for m in 0..<n {
      powerV[m] = start[m]
      norm += start[m] * start[m]
    }
    if !(norm > 0) || !norm.isFinite {
      for m in 0..<n { powerV[m] = 1 }
      norm = Double(n)
    }
    var rate = 0.0
    for _ in 0..<4 {
      norm = norm.squareRoot()
      var next = 0.0
      if linearSolver == .sparse {
        patternStart.withUnsafeBufferPointer { start in
          patternColumns.withUnsafeBufferPointer { columns in
            for r in 0..<n {
              var sum = 0.0
              for p in start[r]..<start[r + 1] {
                let c = columns[p]
                sum += jacobian[r * n + c] * powerV[c]
              }
              powerW[r] = sum
              next += sum * sum
            }
          }
        }
      } else {
        for r in 0..<n {
          var sum = 0.0
          for c in 0..<n { sum += jacobian[r * n + c] * powerV[c] }
          powerW[r] = sum
          next += sum * sum
        }
      }
      guard next > 0 && next.isFinite else { return next.isFinite ? 0 : .infinity }
      rate = next.squareRoot() / norm
      for m in 0..<n { powerV[m] = powerW[m] }
      norm = next
    }
    return rate
  }

  var counts: (steps: Int, failed: Int) { (accepted, rejected) }

  func largestWeightedError(y: UnsafePointer<Double>) -> Int? { worstState >= 0 ? worstState : nil }

  /// Factors E = σI − J with the engine's solver.
  @inline(__always)
  private func factor(_ sigma: Double) -> Bool {
    if linearSolver == .sparse, let sparseLU { return sparseLU.factor(sigma: sigma, jacobian: jacobian) }
    return denseLU!.factor(sigma: sigma, jacobian: jacobian)
  }

  @inline(__always)
  private func solve(_ b: UnsafeMutablePointer<Double>) {
    if linearSolver == .sparse, let sparseLU { sparseLU.solve(b) } else { denseLU!.solve(b) }
  }

  /// A Jacobian entry outside the structural pattern (a derivative path the pattern missed)
  /// switches this engine to the dense solver, which reads every entry. Checked at the first
  /// Jacobian after every reset (debug builds: at every Jacobian). `jacobianPattern` is built
  /// from the same entries `ODEWorkspace.jacobian` writes, so this is a safety net.
  private func checkPattern() {
    #if !DEBUG
      patternChecked = true
    #endif
    guard linearSolver == .sparse else { return }
    for i in 0..<(n * n) where jacobian[i] != 0 && !inPattern[i] {
      linearSolver = .dense
      return
    }
  }

  func step(t: inout Double, t1: Double, h: inout Double, y: UnsafeMutablePointer<Double>) -> GSLStatus {
    let n = self.n, s = tableau.stages
    let t0 = t
    guard workspace.rhs(t0, y, f0), workspace.jacobian(t0, y, jacobian, dfdt) else { return .badFunction }
    if !patternChecked { checkPattern() }
    var autonomous = true
    for i in 0..<n where dfdt[i] != 0 {
      autonomous = false
      break
    }
    var size = h
    if needsInitialStep {
      needsInitialStep = false
      if automaticInitialStep {
        size = hairerInitialStep(
          workspace: workspace, order: tableau.order, rtol: rtol, absoluteTolerance: absoluteTolerance, t0: t0, y: y,
          f0: f0, scratchY: stageY, scratchF: stageF, limit: h)
        if workspace.cancelled { return .badFunction }
      }
    }
    var rejectedHere = false
    var stageFault: (state: Int, time: Double)? = nil
    var singular = 0
    while true {
      var last = false
      var used = size
      if t0 + used >= t1 {
        used = t1 - t0
        last = true
      }
      guard factor(1 / (used * tableau.gamma)) else {
        rejected += 1
        singular += 1
        size = used * 0.5
        if singular >= Self.maximumSingular || t0 + size == t0 {
          h = size
          return .failure
        }
        continue
      }
      singular = 0
      // The stages.
      var finiteStages = true
      stages: for i in 0..<s {
        let ki = k + i * n
        if i == 0 {
          for m in 0..<n { ki[m] = f0[m] }
        } else {
          for m in 0..<n { stageY[m] = y[m] }
          for j in 0..<i {
            let a = tableau.a(i, j)
            if a != 0 {
              let kj = k + j * n
              for m in 0..<n { stageY[m] += a * kj[m] }
            }
          }
          guard workspace.rhs(t0 + tableau.times[i] * used, stageY, ki) else {
            if workspace.cancelled { return .badFunction }
            // Not the model's fault at the start of the step: the trial step is too long. Kept
            // in case the step shrinks to nothing (the model is not finite just ahead).
            if let state = workspace.nonFiniteState { stageFault = (state, workspace.nonFiniteTime) }
            workspace.nonFiniteState = nil
            finiteStages = false
            break stages
          }
          let row = tableau.c[i]
          for j in 0..<i {
            let c = row[j] / used
            let kj = k + j * n
            for m in 0..<n { ki[m] += c * kj[m] }
          }
        }
        let d = tableau.timeDerivative[i] * used
        if d != 0 && !autonomous {
          for m in 0..<n { ki[m] += d * dfdt[m] }
        }
        solve(ki)
        // A pinned state's row of E is σ·eᵢ and its right-hand side 0, so kᵢ is 0; pivoting
        // can leave a rounding error there, and the pin must hold exactly.
        for m in 0..<n where workspace.pinned[m] { ki[m] = 0 }
      }
      // y₁ = (the last stage's argument) + k_s; k_s is the error estimate.
      let ks = k + (s - 1) * n
      var sum = finiteStages ? 0.0 : Double.infinity
      var worst = 0.0
      for m in 0..<n where finiteStages {
        let value = stageY[m] + ks[m]
        yNew[m] = value
        let scale = absoluteTolerance[m] + rtol * max(abs(y[m]), abs(value))
        let e = ks[m] / scale
        sum += e * e
        if !(abs(e) <= worst) {
          worst = abs(e)
          worstState = m
        }
      }
      let error = (sum / Double(max(1, n))).squareRoot()
      // Hairer & Wanner: h_new = h / fac, fac = err^(1/(p̂+1)) / safety within the limits.
      let limitUp = 1 / Self.largestIncrease, limitDown = 1 / Self.largestDecrease
      var fac = error.isFinite ? min(limitDown, max(limitUp, Foundation.pow(error, exponent) / Self.safety)) : limitDown
      if error.isFinite && error <= 1 {
        if accepted > 0 {
          // Gustafsson's predictive controller.
          var gus = (previousStep / used) * Foundation.pow(error * error / previousError, exponent) / Self.safety
          gus = min(limitDown, max(limitUp, gus))
          fac = max(fac, gus)
        }
        previousStep = used
        previousError = max(1e-2, error)
        var next = used / fac
        if rejectedHere { next = min(next, used) }
        // A step cut short to land on t1 says little about the next one.
        if last && !rejectedHere { next = max(next, size) }
        accepted += 1
        if measuresStiffness { lastStiffness = used * dominantRate(from: ks) }
        for m in 0..<n {
          yOld[m] = y[m]
          y[m] = yNew[m]
        }
        t = last ? t1 : t0 + used
        lastStart = t0
        lastSize = t - t0
        denseReady = false
        h = next
        return .success
      }
      rejected += 1
      rejectedHere = true
      size = used / fac
      if t0 + size == t0 {
        h = size
        return workspace.shrunkToNothing(stageFault: finiteStages ? nil : stageFault)
      }
    }
  }

  func interpolate(at s: Double, into out: UnsafeMutablePointer<Double>) {
    let n = self.n, rows = tableau.dense.count
    if !denseReady {
      for r in 0..<rows {
        let row = tableau.dense[r]
        let target = denseRows + r * n
        for m in 0..<n { target[m] = 0 }
        for j in 0..<tableau.stages where row[j] != 0 {
          let kj = k + j * n
          let c = row[j]
          for m in 0..<n { target[m] += c * kj[m] }
        }
      }
      denseReady = true
    }
    let theta = lastSize == 0 ? 1 : (s - lastStart) / lastSize
    let theta1 = 1 - theta
    let k1 = denseRows, k2 = denseRows + n
    // (1 − θ)·y₀ + θ·y₁ written as y₀ + θ·(y₁ − y₀): a state that does not move (a pin, a
    // steady state) reads back exactly.
    if rows == 3 {
      let k3 = denseRows + 2 * n
      for m in 0..<n {
        out[m] = yOld[m] + theta * ((yNew[m] - yOld[m]) + theta1 * (k1[m] + theta * (k2[m] + theta * k3[m])))
      }
    } else {
      for m in 0..<n {
        out[m] = yOld[m] + theta * ((yNew[m] - yOld[m]) + theta1 * (k1[m] + theta * k2[m]))
      }
    }
  }
}

extension ODEModel {
  /// For each state variable, the state variables its derivative may depend on: the structural
  /// nonzeros of ∂f/∂y (symbolic entries, finite-difference entries, HillCube regulators and
  /// modulators and the HillCube diagonal). Values may still be zero (a pinned row, a zero rate).
  var jacobianPattern: [[Int]] {
    var rows = [[Int]](repeating: [], count: stateCount)
    for entry in jacobianEntries { rows[entry.row].append(entry.column) }
    for entry in finiteDifferenceEntries { rows[entry.row].append(entry.column) }
    for hill in hillNodes {
      rows[hill.state].append(hill.state)
      for r in hill.regulatorStart..<(hill.regulatorStart + hill.regulatorCount) where !regulatorSources[r].isInput {
        rows[hill.state].append(regulatorSources[r].index)
      }
      for m in hill.modulatorStart..<(hill.modulatorStart + hill.modulatorCount) where !modulatorSources[m].isInput {
        rows[hill.state].append(modulatorSources[m].index)
      }
    }
    return rows
  }
}
