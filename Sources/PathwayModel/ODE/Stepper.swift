/// The integration methods: the `gsl_odeiv2` steppers, by the names GSL gives them, and the
/// methods written in Swift: the Rosenbrock methods (`RosenbrockEngine`), Dormand–Prince 5(4)
/// (`DormandPrinceEngine`) and the switch between Rodas5P and it (`AutoSwitchEngine`).
public enum Stepper: String, Sendable, Hashable, CaseIterable {
  case rk2, rk4, rkf45, rkck, rk8pd, rk1imp, rk2imp, rk4imp, bsimp, msadams, msbdf
  case rodas4, rodas5p, dopri5, auto

  /// The method a run uses when none is asked for.
  ///
  /// Logic-derived signalling networks are mildly stiff (τ from 0.5 h to 120 h over three
  /// weeks); rate-law models from BioModels are often stiff. Rodas5P (L-stable, stiffly
  /// accurate, symbolic Jacobian, sparse LU) handles both; on the published models it took 2.5–5×
  /// less time than GSL's msbdf at equal tolerance with far smaller errors
  /// (`Benchmarks/RODAS-RESULTS.md`). For non-stiff models `rkf45` may be faster (see `simulate info`).
  public static let `default` = Stepper.rodas5p

  /// True for implicit methods, which evaluate the Jacobian.
  public var isImplicit: Bool {
    switch self {
    case .rk1imp, .rk2imp, .rk4imp, .bsimp, .msbdf, .rodas4, .rodas5p, .auto: return true
    default: return false
    }
  }

  /// True for GSL's steppers, false for the methods written in Swift.
  public var isGSL: Bool {
    switch self {
    case .rodas4, .rodas5p, .dopri5, .auto: return false
    default: return true
    }
  }

  /// The method's order of accuracy (for msadams and msbdf, the maximum order).
  public var order: Int {
    switch self {
    case .rk2: return 2
    case .rk4: return 4
    case .rkf45: return 5
    case .rkck: return 5
    case .rk8pd: return 8
    case .rk1imp: return 1
    case .rk2imp: return 2
    case .rk4imp: return 4
    case .bsimp: return 6
    case .msadams: return 12
    case .msbdf: return 5
    case .rodas4: return 4
    case .rodas5p: return 5
    case .dopri5, .auto: return 5
    }
  }

  /// One line for `--help` and `simulate info`.
  public var hint: String {
    switch self {
    case .rk2: return "explicit embedded Runge-Kutta (2, 3); cheap, low accuracy, non-stiff only"
    case .rk4: return "explicit 4th-order Runge-Kutta with step doubling for error control; non-stiff"
    case .rkf45: return "explicit Runge-Kutta-Fehlberg (4, 5); a good general non-stiff choice"
    case .rkck: return "explicit Runge-Kutta Cash-Karp (4, 5); non-stiff"
    case .rk8pd: return "explicit Runge-Kutta Prince-Dormand (8, 9); non-stiff, tight tolerances"
    case .rk1imp: return "implicit Euler (Gaussian 1st order); stiff, low accuracy"
    case .rk2imp: return "implicit Gaussian 2nd-order Runge-Kutta (midpoint); stiff"
    case .rk4imp: return "implicit Gaussian 4th-order Runge-Kutta; stiff, accurate"
    case .bsimp: return "implicit Bulirsch-Stoer (Bader-Deuflhard); stiff, smooth problems"
    case .msadams: return "variable-order Adams (orders 1-12), predictor-corrector; non-stiff"
    case .msbdf: return "variable-order BDF (orders 1-5) with the Jacobian; stiff"
    case .rodas4:
      return "Rosenbrock Rodas4 (4, 3), stiffly accurate, sparse LU, dense output; stiff (Swift, Hairer & Wanner)"
    case .rodas5p:
      return "Rosenbrock Rodas5P (5, 4), stiffly accurate, sparse LU, dense output; stiff (Swift, Steinebach 2023)"
    case .dopri5:
      return "explicit Dormand-Prince (5, 4), FSAL, dense output; non-stiff (Swift, after Hairer's dopri5)"
    case .auto:
      return "Rodas5P while the model is stiff, dopri5 while it is not, switched between steps by stiffness estimates (Swift)"
    }
  }
}
