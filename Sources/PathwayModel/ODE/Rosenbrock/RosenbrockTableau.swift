/// The coefficients of a stiffly accurate Rosenbrock method of the Rodas family, in the
/// transformed form of Hairer & Wanner (Solving ODEs II, §IV.7, eq. (7.25); their code `rodas.f`):
///
///     (1/(hγ) I − J) kᵢ = f(t + cᵢh, y + Σⱼ aᵢⱼ kⱼ) + Σⱼ (Cᵢⱼ/h) kⱼ + dᵢ h ∂f/∂t,   j < i,
///
/// with the new value y₁ = y + Σⱼ a_sⱼ kⱼ + k_s (stiffly accurate: the last stage's argument plus
/// k_s) and the embedded solution y₁ − k_s, so that k_s itself is the local error estimate.
/// Dense output (the continuous extension of the same authors):
///
///     y(t + θh) = (1 − θ) y + θ (y₁ + (1 − θ)(K₁ + θ (K₂ + θ K₃))),   K_r = Σⱼ H_rⱼ kⱼ.
struct RosenbrockTableau: Sendable {
  /// Stages.
  let stages: Int
  /// γ, the diagonal of the method.
  let gamma: Double
  /// aᵢⱼ (row i, j < i), row-major `stages × stages`; the last row is the final stage's argument.
  let a: [Double]
  /// Cᵢⱼ (row i, j < i), row-major `stages × stages`.
  let c: [[Double]]
  /// The time of stage i as a fraction of the step.
  let times: [Double]
  /// dᵢ, the coefficient of h ∂f/∂t in stage i (zero for the last stages).
  let timeDerivative: [Double]
  /// Rows of the dense-output matrix H (2 for Rodas4, 3 for Rodas5P), each `stages` long.
  let dense: [[Double]]
  /// The order of the method and of its embedded error estimate.
  let order: Int
  let embeddedOrder: Int

  /// aᵢⱼ.
  @inline(__always)
  func a(_ i: Int, _ j: Int) -> Double { a[i * stages + j] }

  /// Builds the full argument rows of a Rodas method: the last two (or three) stages are
  /// evaluated at the previous stage's argument plus that stage's k (`u = u + k`), so their
  /// rows are the first explicit row with ones appended.
  private static func argumentRows(_ explicit: [[Double]], stages: Int) -> [Double] {
    var rows = [[Double]](repeating: [Double](repeating: 0, count: stages), count: stages)
    for (i, row) in explicit.enumerated() {
      for (j, value) in row.enumerated() { rows[i + 1][j] = value }
    }
    // Rows after the explicit ones: the row before, plus 1 at the stage just before.
    for i in (explicit.count + 1)..<stages {
      rows[i] = rows[i - 1]
      rows[i][i - 1] = 1
    }
    return rows.flatMap { $0 }
  }

  /// Rodas4: 6 stages, order 4, embedded order 3, L-stable, stiffly accurate.
  ///
  /// Hairer, E. & Wanner, G. (1996), *Solving Ordinary Differential Equations II: Stiff and
  /// Differential-Algebraic Problems*, 2nd ed., Springer, §IV.7, Table 7.2 ("RODAS"); the values
  /// are those of their code `rodas.f` (METH = 1, with the dense-output coefficients D2ⱼ, D3ⱼ).
  static let rodas4 = RosenbrockTableau(
    stages: 6, gamma: 0.25,
    a: argumentRows(
      [
        [1.544000000000000],
        [0.9466785280815826, 0.2557011698983284],
        [3.314825187068521, 2.896124015972201, 0.9986419139977817],
        [1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950],
      ], stages: 6),
    c: [
      [],
      [-5.668800000000000],
      [-2.430093356833875, -0.2063599157091915],
      [-0.1073529058151375, -9.594562251023355, -20.47028614809616],
      [7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160],
      [8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054],
    ],
    times: [0, 0.386, 0.21, 0.63, 1, 1],
    timeDerivative: [0.25, -0.1043, 0.1035, -0.03620000000000023, 0, 0],
    dense: [
      [10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823, 1.025137723295662, 0],
      [-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386, -6.594389125716872, 0],
    ],
    order: 4, embeddedOrder: 3)

  /// Rodas5P: 8 stages, order 5, embedded order 4, stiffly accurate, with a 4th-order dense output.
  ///
  /// Steinebach, G. (2023), "Construction of Rosenbrock–Wanner method Rodas5P and numerical
  /// benchmarks within the Julia Differential Equations package", *BIT Numerical Mathematics*
  /// 63, 27, doi:10.1007/s10543-023-00967-x (coefficients as published there and distributed
  /// with OrdinaryDiffEq.jl's `Rodas5PTableau`).
  static let rodas5p = RosenbrockTableau(
    stages: 8, gamma: 0.21193756319429014,
    a: argumentRows(
      [
        [3.0],
        [2.849394379747939, 0.45842242204463923],
        [-6.954028509809101, 2.489845061869568, -10.358996098473584],
        [2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641],
        [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946],
      ], stages: 8),
    c: [
      [],
      [-14.155112264123755],
      [-17.97296035885952, -2.859693295451294],
      [147.12150275711716, -1.41221402718213, 71.68940251302358],
      [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306],
      [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125, -0.6610691825249471],
      [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783, -19.097331116725623,
       -28.087943162872662],
      [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047, -40.06618937091002,
       -54.66780262877968, -9.48861652309627],
    ],
    times: [0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664, 1, 1, 1],
    timeDerivative: [
      0.21193756319429014, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734, 2.325825639765069, 0, 0, 0,
    ],
    dense: [
      [25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204, 0.524948541321073,
       1.1241088310450404, 0.4272876194431874, -0.17202221070155493],
      [-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796, 20.176138334709044,
       15.98066361424651, -6.789040303419874, -6.710236069923372],
      [11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643, -52.072871366152654,
       -59.78993625266729, -0.15582684282751913, 4.883087185713722],
    ],
    order: 5, embeddedOrder: 4)
}
