import Foundation
import Testing

@testable import PathwayModel

/// Parameter estimation against data made from known values: noise-free data must give the
/// values back to the integrator's accuracy; noisy data must give them back within their
/// standard errors, which must match the scatter the noise was drawn with.
@Suite("Parameter fits")
struct ParameterFitTests {
  /// x' = −k·x, y' = k·x − c·y, x(0) = x0, y(0) = 0.
  static let chain = """
    parameters: {k: 0.2, c: 1.0}
    nodes:
      x: {initial: 2, rate: -k * x}
      y: {initial: 0, rate: k * x - c * y}
    """

  static func exact(_ t: Double, k: Double = 0.7, c: Double = 0.3, x0: Double = 2) -> (x: Double, y: Double) {
    (x0 * exp(-k * t), x0 * k / (c - k) * (exp(-k * t) - exp(-c * t)))
  }

  static let times = stride(from: 0.5, through: 6, by: 0.5).map { $0 }

  static func data(_ csv: String, file: String = "data.csv") throws -> ObservedData {
    try ObservedData.parse(try CSVTable.parse(text: csv, file: file))
  }

  static func experiment(_ csv: String, solver: String = "solver: {rtol: 1e-10, atol: 1e-12}") throws -> FitExperiment {
    FitExperiment(name: "e1", scenario: try ScenarioReader.read(text: solver, file: "s.yaml"), data: try data(csv))
  }

  /// A standard normal deviate (Box–Muller).
  static func gaussian(_ random: inout Xoshiro256StarStar) -> Double {
    let u1 = max(random.nextUnitDouble(), 1e-300), u2 = random.nextUnitDouble()
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
  }

  /// The chain's x and y with Gaussian noise of sd 2 % of the value (at least `floor`), and that sd.
  static func noisyChain(_ random: inout Xoshiro256StarStar, floor: Double) -> String {
    var csv = "time,x,x_sd,y,y_sd\n"
    for t in times {
      let v = exact(t)
      let sx = max(0.02 * v.x, floor), sy = max(0.02 * v.y, floor)
      csv += "\(t),\(v.x + sx * gaussian(&random)),\(sx),\(v.y + sy * gaussian(&random)),\(sy)\n"
    }
    return csv
  }

  static func noiseFree() -> String {
    "time,x,y\n" + times.map { t in let v = exact(t); return "\(t),\(v.x),\(v.y)" }.joined(separator: "\n") + "\n"
  }

  @Test("noise-free data give k, c and x(0) back to the integrator's accuracy, with forward sensitivities")
  func noiseFreeRecovery() throws {
    let ode = try ODEModel(model: try model(Self.chain))
    let fit = try ParameterFit(
      ode: ode, experiments: [try Self.experiment(Self.noiseFree())],
      quantities: [("k", nil, nil, nil, nil), ("c", nil, nil, nil, nil), ("x.initial", nil, nil, nil, 1.0)])
    #expect(fit.sensitivityRefusal == nil)
    let r = try fit.fit(options: FitOptions())
    #expect(r.converged)
    #expect(r.estimates.map(\.quantity.scale) == [.log, .log, .log])
    for (estimate, truth) in zip(r.estimates.map(\.value), [0.7, 0.3, 2.0]) {
      #expect(abs(estimate - truth) < 1e-6 * truth, "\(estimate) vs \(truth)")
    }
    #expect(r.sumOfSquares < 1e-14)
    #expect(r.observations == 24)
    #expect(r.jacobianMethod == "forward sensitivity equations")
    #expect(r.residuals.count == 24 && r.residuals.allSatisfy { abs($0.residual) < 1e-6 })
  }

  @Test("noisy data with standard deviations: estimates within their intervals, χ² near its degrees of freedom")
  func noisyRecovery() throws {
    // 20 replicate data sets with seeded Gaussian noise (σ = 2 % of the value, floor 1e-3).
    var covered = 0
    var chi2: [Double] = []
    let ode = try ODEModel(model: try model(Self.chain))
    for replicate in 0..<20 {
      var random = Xoshiro256StarStar(seed: 42, stream: UInt64(replicate))
      let csv = Self.noisyChain(&random, floor: 1e-3)
      let fit = try ParameterFit(
        ode: ode, experiments: [try Self.experiment(csv)], quantities: [("k", nil, nil, nil, nil), ("c", nil, nil, nil, nil)])
      let r = try fit.fit(options: FitOptions())
      #expect(r.weighted)
      #expect(r.estimates.allSatisfy { $0.standardError.isFinite && $0.standardError > 0 })
      if zip(r.estimates, [0.7, 0.3]).allSatisfy({ $0.lower95 <= $1 && $1 <= $0.upper95 }) { covered += 1 }
      chi2.append(r.sumOfSquares)
    }
    // Each of the 2 intervals covers its truth 95 % of the time: both do in about 90 % of 20 fits.
    #expect(covered >= 14, "\(covered) of 20")
    // χ² with 24 − 2 = 22 degrees of freedom: mean 22, sd of the mean of 20 about 1.5.
    let mean = chi2.reduce(0, +) / Double(chi2.count)
    #expect(mean > 16 && mean < 28, "mean χ² \(mean)")
  }

  @Test("a model with an event falls back to central differences of whole runs, and says so")
  func eventModelFiniteDifferences() throws {
    let sbml = SBMLReaderTests.document(
      """
          <listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
          <listOfSpecies><species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
          <listOfParameters><parameter id="k" value="0.2" constant="true"/></listOfParameters>
          <listOfReactions><reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci> k </ci><ci> S </ci></apply></math></kineticLaw>
          </reaction></listOfReactions>
          <listOfEvents><event id="refill" useValuesFromTriggerTime="true">
            <trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">
              <apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol><cn> 3 </cn></apply>
            </math></trigger>
            <listOfEventAssignments><eventAssignment variable="S"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 1 </cn></math></eventAssignment></listOfEventAssignments>
          </event></listOfEvents>
      """)
    let ode = try ODEModel(model: try SBMLReader.read(data: Data(sbml.utf8), file: "m.xml"))
    // S = e^(−0.5 t) before t = 3, e^(−0.5 (t − 3)) after.
    let csv = "time,S\n" + Self.times.map { t in "\(t),\(exp(-0.5 * (t < 3 ? t : t - 3)))" }.joined(separator: "\n")
    let fit = try ParameterFit(ode: ode, experiments: [try Self.experiment(csv)], quantities: [("k", nil, nil, nil, nil)])
    #expect(fit.sensitivityRefusal?.contains("event") == true)
    let r = try fit.fit(options: FitOptions())
    #expect(r.jacobianMethod.hasPrefix("central differences of whole runs"))
    #expect(abs(r.estimates[0].value - 0.5) < 1e-6)
  }

  @Test("bounds hold the search inside them; an optimum outside is reported at its bound")
  func bounds() throws {
    let ode = try ODEModel(model: try model(Self.chain))
    let fit = try ParameterFit(
      ode: ode, experiments: [try Self.experiment(Self.noiseFree())],
      quantities: [("k", nil, 0.05, 0.5, nil), ("c", nil, 0.01, 10, nil)])
    let r = try fit.fit(options: FitOptions())
    #expect(r.estimates[0].value <= 0.5 && r.estimates[0].value > 0.49)
    #expect(r.estimates[0].atBound)
    #expect(!r.estimates[1].atBound)
  }

  @Test("several starts: drawn from the seed inside the bounds, the best kept; the same seed gives the same fit")
  func multistart() throws {
    let ode = try ODEModel(model: try model(Self.chain))
    func run(_ seed: UInt64, jobs: Int = 1) throws -> FitResult {
      let fit = try ParameterFit(
        ode: ode, experiments: [try Self.experiment(Self.noiseFree())],
        quantities: [("k", nil, 0.01, 10, nil), ("c", nil, 0.01, 10, nil)])
      var options = FitOptions()
      options.starts = 4
      options.seed = seed
      options.jobs = jobs
      return try fit.fit(options: options)
    }
    let a = try run(7), b = try run(7), c = try run(7, jobs: 3)
    #expect(a.starts.count == 4)
    #expect(a.starts.map(\.start) == b.starts.map(\.start))
    #expect(a.estimates.map(\.value) == b.estimates.map(\.value))
    // On three threads: every start's result the same, bit for bit.
    #expect(c.starts.map(\.estimate) == a.starts.map(\.estimate))
    #expect(c.starts.map(\.cost) == a.starts.map(\.cost))
    #expect(c.estimates.map(\.value) == a.estimates.map(\.value) && c.best == a.best)
    #expect(abs(a.estimates[0].value - 0.7) < 1e-5 && abs(a.estimates[1].value - 0.3) < 1e-5)
    #expect(a.starts[a.best].cost == a.starts.compactMap(\.cost).min())
  }

  @Test("what cannot be fitted is refused: an unknown quantity or column, bad bounds, a log scale at 0")
  func refusals() throws {
    let ode = try ODEModel(model: try model(Self.chain))
    let e = try Self.experiment(Self.noiseFree())
    let unknown = pathwayError { _ = try ParameterFit(ode: ode, experiments: [e], quantities: [("kk", nil, nil, nil, nil)]) }
    #expect(unknown?.diagnostics.first?.message.hasPrefix("--fit kk:") == true)
    let column = pathwayError {
      _ = try ParameterFit(ode: ode, experiments: [try Self.experiment("time,x,z\n1,2,3\n")], quantities: [("k", nil, nil, nil, nil)])
    }
    #expect(column?.diagnostics.first?.message.hasPrefix("data column 'z' is not an output of the model") == true)
    #expect(column?.diagnostics.first?.location?.column == 8)
    let bounds = pathwayError { _ = try ParameterFit(ode: ode, experiments: [e], quantities: [("k", nil, 2, 1, nil)]) }
    #expect(bounds?.diagnostics.first?.message.contains("not below the upper") == true)
    let zero = pathwayError { _ = try ParameterFit(ode: ode, experiments: [e], quantities: [("y.initial", .log, nil, nil, nil)]) }
    #expect(zero?.diagnostics.first?.message.contains("log scale needs a positive start") == true)
    let starts = pathwayError {
      var options = FitOptions()
      options.starts = 3
      _ = try ParameterFit(ode: ode, experiments: [e], quantities: [("k", nil, nil, nil, nil)]).fit(options: options)
    }
    #expect(starts?.diagnostics.first?.message.contains("has none") == true)
    // A model that fails at the start: the error says which experiment, when and which state.
    let broken = try ODEModel(model: try model("parameters: {k: 1}\nnodes:\n  x: {initial: 1, rate: k * log(x - 2)}\n"))
    let failing = pathwayError {
      _ = try ParameterFit(ode: broken, experiments: [try Self.experiment("time,x\n1,1\n2,1\n")], quantities: [("k", nil, nil, nil, nil)])
        .fit(options: FitOptions())
    }
    let message = failing?.diagnostics.first?.message ?? ""
    #expect(message.hasPrefix("the simulation fails at the starting values: e1: "), "\(message)")
    #expect(message.contains("'x'") || message.contains(" x"), "\(message)")
    #expect(failing?.exitCode == 1)
    let sd = pathwayError { _ = try Self.data("time,x,x_sd\n1,2,0\n") }
    #expect(sd?.diagnostics.first?.location?.line == 2)
  }

  @Test("profiles: near-linear problems give the Wald interval back; a product of two parameters leaves each unbounded")
  func profiles() throws {
    // The chain with 2 % noise (weighted): the likelihood is nearly quadratic on ln k, ln c.
    var random = Xoshiro256StarStar(seed: 3)
    let csv = Self.noisyChain(&random, floor: 0)
    let ode = try ODEModel(model: try model(Self.chain))
    let fit = try ParameterFit(
      ode: ode, experiments: [try Self.experiment(csv)], quantities: [("k", nil, nil, nil, nil), ("c", nil, nil, nil, nil)])
    let r = try fit.fit(options: FitOptions())
    let profiles = fit.profiles(around: r, options: FitOptions())
    #expect(profiles.map(\.quantity) == ["k", "c"])
    for (p, e) in zip(profiles, r.estimates) {
      let lower = try #require(p.lower95), upper = try #require(p.upper95)
      #expect(abs(log(lower / e.lower95)) < 0.02 && abs(log(upper / e.upper95)) < 0.02, "\(p.quantity): \(lower) … \(upper) vs \(e.lower95) … \(e.upper95)")
      // The points next to each bound sit on the threshold.
      let nearest = p.points.min { abs($0.value - lower) < abs($1.value - lower) }!
      #expect(abs(nearest.delta - ParameterFit.Profile.threshold) < 0.05)
      #expect(p.points.contains { $0.status == "optimum" && $0.delta == 0 })
    }

    // x' = −a·b·x: the data fix a·b = 0.5 only.
    let product = try ODEModel(model: try model("""
      parameters: {a: 1, b: 1}
      nodes:
        x: {initial: 1, rate: -a * b * x}
      """))
    let data = "time,x,x_sd\n" + Self.times.map { "\($0),\(exp(-0.5 * $0) * (1 + 0.02 * Self.gaussian(&random))),\(0.02 * exp(-0.5 * $0))" }
      .joined(separator: "\n")
    let unidentifiable = try ParameterFit(
      ode: product, experiments: [try Self.experiment(data)], quantities: [("a", nil, 1e-4, 1e4, nil), ("b", nil, 1e-4, 1e4, nil)])
    let u = try unidentifiable.fit(options: FitOptions())
    #expect(abs(u.estimates[0].value * u.estimates[1].value - 0.5) < 0.02)
    // Neither is determined: infinite standard errors for both, not a small one for the second.
    #expect(u.estimates.allSatisfy { $0.standardError == .infinity })
    // Five steps per side (ln a within ±3.1 of the optimum) stay inside what b's bounds allow.
    let flat = unidentifiable.profiles(around: u, options: FitOptions(), maximumSteps: 5)
    #expect(flat.allSatisfy { $0.lower95 == nil && $0.upper95 == nil })
    #expect(flat[0].points.allSatisfy { $0.delta < 1e-3 })
  }

  @Test("observation scales: data in arbitrary units give k, c and the factor back; the trajectories' units follow")
  func observationScales() throws {
    let ode = try ODEModel(model: try model(Self.chain))
    // x measured in units 5 times the model's, y as is.
    let csv = "time,x,y\n" + Self.times.map { t in let v = Self.exact(t); return "\(t),\(5 * v.x),\(v.y)" }.joined(separator: "\n") + "\n"
    let fit = try ParameterFit(
      ode: ode, experiments: [try Self.experiment(csv)], quantities: [("k", nil, nil, nil, nil), ("c", nil, nil, nil, nil)],
      scales: ["x"])
    #expect(fit.quantities.map(\.name) == ["k", "c", "scale(x)"])
    let r = try fit.fit(options: FitOptions())
    for (estimate, truth) in zip(r.estimates.map(\.value), [0.7, 0.3, 5.0]) {
      #expect(abs(estimate - truth) < 1e-6 * truth, "\(estimate) vs \(truth)")
    }
    // It started from its best value for k = 0.2, c = 1 (the analytic least-squares factor).
    #expect(r.estimates[2].quantity.start > 1 && r.estimates[2].quantity.start < 20)
    #expect(r.residuals.allSatisfy { abs($0.residual) < 1e-5 })
    let unknown = pathwayError {
      _ = try ParameterFit(ode: ode, experiments: [try Self.experiment(csv)], quantities: [("k", nil, nil, nil, nil)], scales: ["z"])
    }
    #expect(unknown?.diagnostics.first?.message.hasPrefix("--scale z: no data file measures 'z'") == true)
    // Profiling a scale holds it, not a model quantity.
    let profiles = fit.profiles(around: r, options: FitOptions(), maximumSteps: 3)
    #expect(profiles.count == 3 && profiles[2].quantity == "scale(x)")

    // Two experiments in different units: each its own factor (x@NAME), y shared and unscaled.
    let other = "time,x,y\n" + Self.times.map { t in let v = Self.exact(t); return "\(t),\(0.5 * v.x),\(v.y)" }.joined(separator: "\n") + "\n"
    var second = try Self.experiment(other)
    second.name = "e2"
    let both = try ParameterFit(
      ode: ode, experiments: [try Self.experiment(csv), second], quantities: [("k", nil, nil, nil, nil), ("c", nil, nil, nil, nil)],
      scales: ["x@e1", "x@e2"])
    let b = try both.fit(options: FitOptions())
    #expect(b.estimates.map(\.quantity.name) == ["k", "c", "scale(x@e1)", "scale(x@e2)"])
    for (estimate, truth) in zip(b.estimates.map(\.value), [0.7, 0.3, 5.0, 0.5]) {
      #expect(abs(estimate - truth) < 1e-6 * truth, "\(estimate) vs \(truth)")
    }
    let missing = pathwayError {
      _ = try ParameterFit(ode: ode, experiments: [try Self.experiment(csv)], quantities: [("k", nil, nil, nil, nil)], scales: ["x@e9"])
    }
    #expect(missing?.diagnostics.first?.message.hasPrefix("--scale x@e9: no experiment 'e9'") == true)
  }
}
