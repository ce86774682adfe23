import Foundation
import Testing

@testable import PathwayModel

/// Forward sensitivities against closed forms, and against central differences of whole runs
/// (each quantity set through `SettingTarget.apply`, as `--set` and sweeps set it).
@Suite("Forward sensitivities")
struct SensitivityTests {
  static func resolve(
    _ m: Model, _ scenarioYAML: String, configure: (inout Scenario) -> Void = { _ in }
  ) throws -> (ODEModel, ResolvedRun) {
    let ode = try ODEModel(model: m)
    var scenario = try ScenarioReader.read(text: scenarioYAML, file: "s.yaml")
    configure(&scenario)
    return (ode, try scenario.resolve(for: ode))
  }

  static func sensitivities(
    _ m: Model, _ scenarioYAML: String, _ names: [String], configure: (inout Scenario) -> Void = { _ in }
  ) throws -> SensitivityResult {
    let (ode, run) = try resolve(m, scenarioYAML, configure: configure)
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: names).solve()
    #expect(result.failure == nil)
    return result
  }

  /// ∂y/∂p by a central difference of two whole runs at p ± h.
  static func centralDifference(
    _ ode: ODEModel, _ run: ResolvedRun, _ name: String, relativeStep: Double = 1e-4
  ) throws -> Trajectory {
    guard case .success(let target) = ode.settingTarget(name), case .success(let base) = target.baseValue(in: run, ode: ode) else {
      throw PathwayError(.usage, "bad quantity \(name)")
    }
    let h = relativeStep * (base == 0 ? 1 : abs(base))
    func shifted(_ value: Double) throws -> Trajectory {
      var r = run
      target.apply(value, to: &r.parameters, initialOverrides: &r.initialOverrides, in: ode)
      let s = try r.simulate(ode)
      #expect(s.failure == nil)
      return s.trajectory
    }
    let plus = try shifted(base + h), minus = try shifted(base - h)
    var d = plus
    for i in d.values.indices { d.values[i] = (plus.values[i] - minus.values[i]) / (2 * h) }
    return d
  }

  @Test("linear decay chain: ∂x/∂k, ∂y/∂k and ∂/∂x₀ match the closed forms", arguments: [Stepper.rodas5p, .msbdf, .rk8pd])
  func decayChain(method: Stepper) throws {
    let m = try model("""
      parameters: {k: 0.7, c: 0.3}
      nodes:
        x: {initial: 2, rate: -k * x}
        y: {initial: 0, rate: k * x - c * y}
      """)
    let r = try Self.sensitivities(m, "time: {end: 6, dt: 0.5}\nsolver: {method: \(method.rawValue), rtol: 1e-10, atol: 1e-12}", ["k", "x.initial", "c"])
    #expect(r.variables == ["x", "y"])
    #expect(r.rowCount == 13)
    let (k, c, x0) = (0.7, 0.3, 2.0)
    for row in 0..<r.rowCount {
      let t = r.trajectory.times[row]
      let ek = exp(-k * t), ec = exp(-c * t)
      // y = k·x₀·(e^{−kt} − e^{−ct})/(c − k)
      let y = k * x0 * (ek - ec) / (c - k)
      let dydk = x0 * (ek - ec) / (c - k) + k * x0 * (-t * ek) / (c - k) + k * x0 * (ek - ec) / ((c - k) * (c - k))
      let dydc = k * x0 * (t * ec) / (c - k) - k * x0 * (ek - ec) / ((c - k) * (c - k))
      let bound = (absolute: 1e-8, relative: 1e-6)
      expectClose(r.value(row: row, variable: 1), y, absolute: bound.absolute, relative: bound.relative, "\(method) y(\(t))")
      expectClose(r.sensitivity(row: row, variable: 0, parameter: 0), -t * x0 * ek, absolute: bound.absolute, relative: bound.relative, "\(method) ∂x/∂k(\(t))")
      expectClose(r.sensitivity(row: row, variable: 1, parameter: 0), dydk, absolute: bound.absolute, relative: bound.relative, "\(method) ∂y/∂k(\(t))")
      expectClose(r.sensitivity(row: row, variable: 0, parameter: 1), ek, absolute: bound.absolute, relative: bound.relative, "\(method) ∂x/∂x₀(\(t))")
      expectClose(r.sensitivity(row: row, variable: 1, parameter: 1), y / x0, absolute: bound.absolute, relative: bound.relative, "\(method) ∂y/∂x₀(\(t))")
      expectClose(r.sensitivity(row: row, variable: 0, parameter: 2), 0, absolute: 0, "\(method) ∂x/∂c(\(t))")
      expectClose(r.sensitivity(row: row, variable: 1, parameter: 2), dydc, absolute: bound.absolute, relative: bound.relative, "\(method) ∂y/∂c(\(t))")
      if t > 0 {
        expectClose(r.relativeSensitivity(row: row, variable: 0, parameter: 0), -k * t, absolute: 1e-7, "\(method) ∂ln x/∂ln k(\(t))")
      }
    }
  }

  @Test("logistic growth: ∂x/∂r and ∂x/∂K match the closed forms")
  func logistic() throws {
    let m = try model("""
      parameters: {r: 0.8, K: 5}
      nodes:
        x: {initial: 0.1, rate: r * x * (1 - x / K)}
      """)
    let result = try Self.sensitivities(m, "time: {end: 15, dt: 1}\nsolver: {rtol: 1e-10, atol: 1e-12}", ["r", "K"])
    let (r, K, x0) = (0.8, 5.0, 0.1)
    for row in 0..<result.rowCount {
      let t = result.trajectory.times[row]
      let e = exp(r * t), d = K + x0 * (e - 1)
      expectClose(result.value(row: row, variable: 0), K * x0 * e / d, relative: 1e-7, "x(\(t))")
      expectClose(result.sensitivity(row: row, variable: 0, parameter: 0), K * x0 * t * e * (K - x0) / (d * d), absolute: 1e-8, relative: 1e-6, "∂x/∂r(\(t))")
      expectClose(result.sensitivity(row: row, variable: 0, parameter: 1), x0 * x0 * e * (e - 1) / (d * d), absolute: 1e-8, relative: 1e-6, "∂x/∂K(\(t))")
    }
  }

  static let network = """
    defaults: {tau: 2, n: 3, k: 0.4, equilibrate: 200}
    nodes:
      L: {kind: input, initial: 0}
      E: {kind: input, initial: 1}
      A: {rule: L | E, initial: 0}
      B: {rule: A & !C, tau: 5, initial: 0, modulators: [{from: E, sign: activation, weight: 0.4}]}
      C: {rule: B, k: 0.6, initial: 0, modulators: [{from: A, sign: inhibition, weight: 0.5}]}
      D: {rule: B | C, initial: 0}
    """

  @Test("logic-derived network: τ, n, k, a dose and an initial value agree with differences of whole runs")
  func hillCube() throws {
    let m = try model(Self.network)
    let scenario = """
      inputs: {L: 0.7}
      initial: {D: 0.2}
      time: {end: 40, dt: 4}
      solver: {rtol: 1e-11, atol: 1e-13}
      """
    let (ode, run) = try Self.resolve(m, scenario)
    let names = ["L", "B.tau", "C.n", "C.k", "B.n", "D.initial", "A.k"]
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: names).solve()
    #expect(result.failure == nil)
    for (j, name) in names.enumerated() {
      let fd = try Self.centralDifference(ode, run, name)
      for row in 0..<result.rowCount {
        for (v, variable) in result.variables.enumerated() where ode.stateNames.contains(variable) {
          let c = fd.names.firstIndex(of: variable)!
          expectClose(result.sensitivity(row: row, variable: v, parameter: j), fd.value(row: row, column: c), absolute: 1e-6, relative: 1e-5, "∂\(variable)/∂\(name) at \(fd.times[row])")
        }
      }
    }
    // ∂D/∂D.initial is 1 at the start; the scenario's dose does not act during equilibration.
    let d = result.variables.firstIndex(of: "D")!
    #expect(result.sensitivity(row: 0, variable: d, parameter: 5) == 1)
  }

  @Test("a knocked-out node has no sensitivity, and the others still agree with differences of runs")
  func pinned() throws {
    let m = try model(Self.network)
    let scenario = """
      inputs: {L: 0.7}
      perturbations: [{knockout: C}]
      time: {end: 30, dt: 5}
      solver: {rtol: 1e-11, atol: 1e-13}
      """
    let (ode, run) = try Self.resolve(m, scenario)
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: ["B.k"]).solve()
    let fd = try Self.centralDifference(ode, run, "B.k")
    for row in 0..<result.rowCount {
      #expect(result.sensitivity(row: row, variable: result.variables.firstIndex(of: "C")!, parameter: 0) == 0)
      for variable in ["B", "D"] {
        expectClose(
          result.sensitivity(row: row, variable: result.variables.firstIndex(of: variable)!, parameter: 0),
          fd.value(row: row, column: fd.names.firstIndex(of: variable)!), absolute: 1e-6, relative: 1e-5, "∂\(variable)/∂B.k")
      }
    }
  }

  static let sbml = """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
      <model id="ia">
        <listOfCompartments><compartment id="V" size="2" constant="true"/></listOfCompartments>
        <listOfSpecies>
          <species id="S" compartment="V" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
          <species id="P" compartment="V" initialConcentration="0" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
        </listOfSpecies>
        <listOfParameters>
          <parameter id="k1" value="0.4" constant="true"/>
          <parameter id="k2" value="1" constant="true"/>
        </listOfParameters>
        <listOfInitialAssignments>
          <initialAssignment symbol="k2"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>2</cn><ci>k1</ci></apply></math></initialAssignment>
          <initialAssignment symbol="S"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><cn>3</cn><ci>k1</ci></apply></math></initialAssignment>
        </listOfInitialAssignments>
        <listOfReactions>
          <reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
            <listOfProducts><speciesReference species="P" stoichiometry="1" constant="true"/></listOfProducts>
            <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>V</ci><ci>k2</ci><ci>S</ci></apply></math></kineticLaw>
          </reaction>
        </listOfReactions>
      </model>
    </sbml>
    """

  @Test("initial assignments carry the sensitivity: S = 3k₁·e^(−2k₁t), and a concentration's initial value")
  func initialAssignments() throws {
    let m = try SBMLReader.read(data: Data(Self.sbml.utf8), file: "ia.xml")
    let scenario = """
      time: {end: 4, dt: 0.5}
      solver: {rtol: 1e-11, atol: 1e-13}
      """
    let concentrations: (inout Scenario) -> Void = { $0.output.concentration = ["S", "P"] }
    let result = try Self.sensitivities(m, scenario, ["k1"], configure: concentrations)
    let s = result.variables.firstIndex(of: "S")!, p = result.variables.firstIndex(of: "P")!
    let k1 = 0.4
    for row in 0..<result.rowCount {
      let t = result.trajectory.times[row]
      let e = exp(-2 * k1 * t)
      // [S] = 3k₁e^{−2k₁t}: ∂[S]/∂k₁ = 3e^{−2k₁t} − 6k₁t·e^{−2k₁t}; [P] = 3k₁ − [S].
      expectClose(result.sensitivity(row: row, variable: s, parameter: 0), 3 * e - 6 * k1 * t * e, absolute: 1e-8, relative: 1e-6, "∂[S]/∂k1(\(t))")
      expectClose(result.sensitivity(row: row, variable: p, parameter: 0), 3 - (3 * e - 6 * k1 * t * e), absolute: 1e-8, relative: 1e-6, "∂[P]/∂k1(\(t))")
    }
    // Set as a concentration (the initial assignment is then left alone): ∂[S]/∂[S]₀ = e^{−2k₁t}, and the amount's is twice that.
    let overridden = try Self.sensitivities(m, scenario + "\ninitial: {S: 1.2}", ["S.initial"], configure: concentrations)
    let amounts = try Self.sensitivities(m, scenario + "\ninitial: {S: 1.2}", ["S.initial"]) { $0.output.amount = ["S"] }
    for row in 0..<overridden.rowCount {
      let t = overridden.trajectory.times[row]
      expectClose(overridden.sensitivity(row: row, variable: overridden.variables.firstIndex(of: "S")!, parameter: 0), exp(-2 * k1 * t), absolute: 1e-8, relative: 1e-6, "∂[S]/∂[S]₀(\(t))")
      expectClose(amounts.sensitivity(row: row, variable: amounts.variables.firstIndex(of: "S")!, parameter: 0), 2 * exp(-2 * k1 * t), absolute: 1e-8, relative: 1e-6, "∂S/∂[S]₀(\(t))")
    }
  }

  @Test("the published Wnt model (BIOMD0000000658) agrees with differences of whole runs")
  func publishedModel() throws {
    let path = SBMLTestSuite.directory + "/../../models/BIOMD0000000658.xml"
    guard FileManager.default.fileExists(atPath: path) else { return }
    let m = try SBMLReader.read(path: path)
    let (ode, run) = try Self.resolve(m, "time: {end: 60, dt: 10}\nsolver: {rtol: 1e-11, atol: 1e-14}\noutput: {select: [B_catenin, B_catenin_0, GSK3]}")
    let names = ["k1", "lambda", "k2"]
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: names).solve()
    #expect(result.failure == nil)
    for (j, name) in names.enumerated() {
      let fd = try Self.centralDifference(ode, run, name)
      for row in 0..<result.rowCount {
        for v in result.variables.indices {
          expectClose(result.sensitivity(row: row, variable: v, parameter: j), fd.value(row: row, column: v), absolute: 1e-9, relative: 1e-5, "∂\(result.variables[v])/∂\(name) at \(fd.times[row])")
        }
      }
    }
  }

  @Test("a switch that flips with the state: the sensitivities take its jump, for every method", arguments: Stepper.allCases)
  func switchCrossing(method: Stepper) throws {
    let m = try model("""
      parameters: {a: 3}
      nodes:
        x: {initial: 0, rate: "if(x < 1, a, 0.1)"}
      """)
    for (a, dt) in [(3.0, 0.1), (2.0, 0.1), (2.0, 0.25), (1.7, 0.3)] {
      let result = try Self.sensitivities(m, "time: {end: 2, dt: \(dt)}\nsolver: {method: \(method.rawValue)}\nparameters: {a: \(a)}", ["a"])
      #expect(result.jump == nil && result.jumps == 1, "\(method) a = \(a): \(result.jumps) jumps")
      #expect(abs(result.trajectory.times.last! - 2) < 1e-12)
      for row in 0..<result.rowCount {
        let t = result.trajectory.times[row]
        // x = a·t up to τ = 1/a, then 1 + (t − τ)/10: ∂x/∂a = t before, 0.1/a² after.
        let expected = t < 1 / a - 1e-9 ? t : (t > 1 / a + 1e-9 ? 0.1 / (a * a) : result.sensitivity(row: row, variable: 0, parameter: 0))
        expectClose(result.sensitivity(row: row, variable: 0, parameter: 0), expected, absolute: 1e-7, "\(method) a = \(a): ∂x/∂a(\(t))")
      }
    }
  }

  @Test("switches that move with the parameters agree with differences of whole runs")
  func movingSwitch() throws {
    let m = try model("""
      parameters: {a: 1.3, k: 0.8, c: 0.6}
      nodes:
        x: {initial: 0.1, rate: "if(x < k, a * (1 - x), c - 0.5 * x)"}
        y: {initial: 0, rate: "x - if(y > 0.3, 2 * y, 0.5 * y)"}
      """)
    let (ode, run) = try Self.resolve(m, "time: {end: 6, dt: 0.5}\nsolver: {rtol: 1e-11, atol: 1e-13}")
    let names = ["a", "k", "c", "x.initial"]
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: names).solve()
    #expect(result.failure == nil && result.jump == nil)
    #expect(result.jumps >= 2, "x crosses k, y crosses 0.3")
    for (j, name) in names.enumerated() {
      let fd = try Self.centralDifference(ode, run, name, relativeStep: 1e-5)
      for row in 0..<result.rowCount {
        for v in 0..<2 {
          expectClose(result.sensitivity(row: row, variable: v, parameter: j), fd.value(row: row, column: v), absolute: 1e-5, relative: 1e-4, "∂\(result.variables[v])/∂\(name) at \(fd.times[row])")
        }
      }
    }
  }

  @Test("a state that begins to slide along a switch ends the rows there, the switch and time named")
  func slidingEndsRows() throws {
    let m = try model("""
      parameters: {p: 1}
      nodes:
        x: {initial: 0, rate: "if(x < 1, p, 0) - x / 2"}
      """)
    let (ode, run) = try Self.resolve(m, "time: {end: 5, dt: 0.5}")
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: ["p"]).solve()
    let failure = try #require(result.failure)
    #expect(failure.reason == .slidingSensitivities(root: "x - 1"), "\(failure)")
    // x reaches 1 at t = 2 ln 2: the rows before it are there, with ∂x/∂p = 2(1 − e^(−t/2)).
    expectClose(failure.time, 2 * log(2.0), absolute: 1e-5)
    #expect(result.trajectory.times.last! < 2 * log(2.0))
    for row in 0..<result.rowCount {
      let t = result.trajectory.times[row]
      expectClose(result.sensitivity(row: row, variable: 0, parameter: 0), 2 * (1 - exp(-t / 2)), absolute: 1e-7)
    }
  }

  @Test("what the equations do not cover is refused with the reason")
  func refusals() throws {
    func error(_ yaml: String, _ names: [String], scenario: String = "time: {end: 1}") -> PathwayError? {
      pathwayError {
        let (ode, run) = try Self.resolve(try model(yaml), scenario)
        _ = try ForwardSensitivity(ode: ode, run: run, parameters: names).solve()
      }
    }
    let plain = "parameters: {k: 1}\nnodes:\n  x: {initial: 1, rate: -k * x}\n"
    let unknown = error(plain, ["kk"])
    #expect(unknown?.kind == .usage && unknown?.diagnostics.first?.message.contains("unknown identifier 'kk'") == true)
    #expect(unknown?.diagnostics.first?.notes.contains { $0.contains("'k'") } == true)
    #expect(error(plain, ["k", "k"])?.diagnostics.first?.message.contains("same quantity") == true)
    #expect(error(plain, [])?.kind == .usage)
    let floor = error("parameters: {k: 1}\nnodes:\n  x: {initial: 1, rate: -k * floor(x)}\n", ["k"])
    #expect(floor?.kind == .invalidInput && floor?.diagnostics.first?.message.contains("rate law of 'x'") == true)
    let moving = error("parameters: {k: 1, t0: 0.5}\nnodes:\n  x: {initial: 1, rate: \"if(time > t0, -k * x, 0)\"}\n", ["t0"])
    #expect(moving?.diagnostics.first?.message.contains("depends on a differentiated quantity") == true)
    // The same switch at a time that does not move with k is fine.
    #expect(throws: Never.self) {
      let (ode, run) = try Self.resolve(try model("parameters: {k: 1, t0: 0.5}\nnodes:\n  x: {initial: 1, rate: \"if(time > t0, -k * x, 0)\"}\n"), "time: {end: 1}")
      _ = try ForwardSensitivity(ode: ode, run: run, parameters: ["k"]).solve()
    }
    let equilibrated = error(Self.network, ["B.initial"])
    #expect(equilibrated?.kind == .usage && equilibrated?.diagnostics.first?.message.contains("equilibrated") == true)
    let events = pathwayError {
      let m = try SBMLReader.read(data: Data(SBMLReaderTests.decay.utf8), file: "e.xml")
      let (ode, run) = try Self.resolve(m, "time: {end: 1}")
      _ = try ForwardSensitivity(ode: ode, run: run, parameters: ["k"])
    }
    #expect(events?.kind == .invalidInput && events?.diagnostics.first?.message.contains("events") == true)
    #expect(events?.diagnostics.first?.location?.file == "e.xml")
  }

  @Test("a resting network: levels at 0 do not make the HillCube's clamp a switch the integrator stops at")
  func restingLevelsAreNotSwitches() throws {
    // In the osteogenesis network under BMP9 most nodes rest at 0; written as a comparison, the
    // clamp of each regulator's level to [0, 1] was crossed on rounding at every step (Osx − 0),
    // and Rodas5P crawled at h ≈ 6e-6 until it hit 20,000 steps before t = 0.02.
    let m = try ModelLoader.load(SBMLExportTests.osteogenesis)
    let ode = try ODEModel(model: m)
    var scenario = try ScenarioReader.read(path: SBMLExportTests.scenarios + "B1-BMP9.yaml")
    scenario.time.end = 10
    scenario.time.grid = .steps(1)
    scenario.solver.method = "rodas5p"
    scenario.solver.maxSteps = 20_000
    scenario.output.select = ["ALP", "OCN"]
    let run = try scenario.resolve(for: ode)
    let result = try ForwardSensitivity(ode: ode, run: run, parameters: ["ALP.tau", "Runx2.k"]).solve()
    #expect(result.failure == nil)
    #expect(result.statistics.steps < 2_000, "\(result.statistics.steps) steps")
    // And the sensitivities agree with central differences of whole runs.
    let fd = try Self.centralDifference(ode, run, "Runx2.k")
    let column = try #require(fd.column("ALP"))
    let s = result.sensitivity(row: 1, variable: 0, parameter: 1)
    #expect(abs(s - column[1]) <= 1e-5 * max(abs(column[1]), 1e-3), "\(s) vs \(column[1])")
  }

  @Test("rebased on another run, an analysis gives what one built for that run gives (initial assignments included)")
  func rebased() throws {
    let m = try SBMLReader.read(data: Data(Self.sbml.utf8), file: "ia.xml")
    let ode = try ODEModel(model: m)
    func run(_ k1: Double) throws -> ResolvedRun {
      var scenario = try ScenarioReader.read(text: "time: {end: 4, dt: 0.5}\nsolver: {rtol: 1e-11, atol: 1e-13}", file: "s.yaml")
      scenario.settings.append(Scenario.Setting(target: "k1", value: k1))
      scenario.output.concentration = ["S", "P"]
      return try scenario.resolve(for: ode)
    }
    let first = try ForwardSensitivity(ode: ode, run: try run(0.4), parameters: ["k1"])
    _ = try first.solve()
    let moved = try first.rebased(on: try run(0.9)).solve()
    let fresh = try ForwardSensitivity(ode: ode, run: try run(0.9), parameters: ["k1"]).solve()
    #expect(moved.trajectory.values == fresh.trajectory.values)
    // And the closed form at k1 = 0.9: ∂[S]/∂k₁ = 3e^{−2k₁t}(1 − 2k₁t).
    let s = moved.variables.firstIndex(of: "S")!
    for row in 0..<moved.rowCount {
      let t = moved.trajectory.times[row]
      expectClose(moved.sensitivity(row: row, variable: s, parameter: 0), 3 * exp(-1.8 * t) * (1 - 1.8 * t), absolute: 1e-8, relative: 1e-6, "∂[S]/∂k1(\(t))")
    }
  }
}
