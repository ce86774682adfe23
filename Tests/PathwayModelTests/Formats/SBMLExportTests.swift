import Foundation
import Testing

@testable import PathwayModel

/// Native → SBML → native: the exported document, read back by `SBMLReader`, integrates to the
/// trajectory the engine computes on the native model (scenarios baked into the export).
@Suite("SBML export")
struct SBMLExportTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  static let osteogenesis = root + "/models/osteogenesis/osteogenesis.yaml"
  static let scenarios = root + "/models/osteogenesis/scenarios/"

  /// Both sides integrate with msbdf at rtol 1e-12; their step sequences differ (the exported
  /// document is one formula per node, not the engine's HillCube kernel), so agreement is to
  /// the solver's accuracy, far below what a wrong formula would give. (At rtol 1e-10 msbdf's
  /// global error on GSK3B, which falls from 1 to 1e-6 in a day under BMP9 + Runx2 KO, is
  /// 4e-12 absolute, 3e-6 relative to the value; at 1e-12 the two sides agree to 1e-8.)
  static let precise = { () -> Scenario.SolverSpec in
    var s = Scenario.SolverSpec()
    s.method = "msbdf"
    s.rtol = 1e-12
    s.atol = 1e-16
    return s
  }()

  /// The trajectory of `model` under `scenario`, at 0, 12, …, `end` h.
  static func run(_ model: Model, _ scenario: Scenario, end: Double = 504, select: [String]) throws -> Trajectory {
    var scenario = scenario
    scenario.time.start = 0
    scenario.time.end = end
    scenario.time.grid = .dt(12)
    scenario.solver = precise
    scenario.output.select = select
    let ode = try ODEModel(model: model)
    let solution = try scenario.resolve(for: ode).simulate(ode)
    #expect(solution.failure == nil, "\(String(describing: solution.failure))")
    return solution.trajectory
  }

  /// The largest difference between two trajectories relative to max(|a|, |b|, `floor`).
  static func largestDifference(_ a: Trajectory, _ b: Trajectory, floor: Double = 1e-6) -> (Double, String) {
    #expect(a.names == b.names)
    #expect(a.times == b.times)
    var worst = 0.0, where_ = ""
    for row in 0..<min(a.rowCount, b.rowCount) {
      for (j, name) in a.names.enumerated() {
        let x = a.value(row: row, column: j), y = b.value(row: row, column: j)
        let d = abs(x - y) / max(abs(x), abs(y), floor)
        if d > worst || d.isNaN {
          worst = d.isNaN ? .infinity : d
          where_ = "\(name) at t = \(a.times[row]): \(x) vs \(y)"
        }
      }
    }
    return (worst, where_)
  }

  /// Exports `model` under `scenario`, reads it back and compares every node (inputs included:
  /// they are parameters or assignment rules in the export) over `end` hours.
  /// The export equilibrates (when the model does) with the same solver settings as the native
  /// run, so both start from the same state; what differs is the integration after that.
  /// The tolerance is the issue's: 1e-6 relative (to values of at least 1e-6).
  static func checkRoundTrip(_ model: Model, _ scenario: Scenario, end: Double = 504, tolerance: Double = 1e-6) throws {
    var exportScenario = scenario
    exportScenario.solver = precise
    let exported = try SBMLWriter.export(model, scenario: exportScenario)
    let back = try SBMLReader.read(data: Data(exported.text.utf8), file: "export.xml")
    let ids = model.nodes.map(\.id)
    let native = try run(model, scenario, end: end, select: ids)
    var plain = Scenario()
    plain.name = scenario.name
    let reimported = try run(back, plain, end: end, select: ids)
    let (worst, where_) = largestDifference(native, reimported)
    #expect(worst <= tolerance, "\(scenario.name): largest relative difference \(worst) (\(where_))")
    print("round trip \(scenario.name): largest relative difference \(worst) (\(where_))")
    // The dynamics are not trivial: some node moves.
    let moves = ids.indices.contains { j in
      (0..<native.rowCount).contains { abs(native.value(row: $0, column: j) - native.value(row: 0, column: j)) > 1e-3 }
    }
    #expect(moves, "\(scenario.name): nothing changes; the comparison would prove nothing")
  }

  @Test(
    "osteogenesis under a scenario: export, re-import, identical trajectory",
    arguments: ["B1-BMP9", "B7-BMP9-Shh-pulse", "B7-BMP9-Shh-late", "B8-primed", "B12-BMP9-Runx2-KO", "B4-BMP2-miR450b"])
  func osteogenesis(_ name: String) throws {
    let model = try NativeModelReader.read(path: Self.osteogenesis)
    let scenario = try ScenarioReader.read(path: Self.scenarios + name + ".yaml")
    try Self.checkRoundTrip(model, scenario)
  }

  static let toy = """
    model: mechanistic toy
    defaults: {tau: 2, n: 2, k: 0.5}
    parameters:
      kdeg: {value: 0.3, unit: 1/h}
      vmax: 1.5
      K: 0.4
    nodes:
      L: {kind: input, initial: 0.2}
      M: {kind: input}
      R:
        rule: L & !I
        tau: 0.7
        edges:
          L: {sign: +, n: 3, k: 0.3}
          I: {sign: -, n: 1.5, k: 0.6}
        modulators:
          - {from: P, sign: +, weight: 0.4}
          - {from: M, sign: -, weight: 0.25}
      I:
        rule: R | (P & !R)
        initial: 0.9
        n: 4
        k: 0.35
      P:
        initial: 0.1
        rate: vmax * hill(R, K, 2) - kdeg * P + 0.05 * sin(time / 5)
      Q:
        kind: output
        initial: 2
        rate: if(P > 0.3, kdeg * flux, -kdeg * Q) + log2(1 + P) - sign(Q - 2) * 0.01
    assignments:
      flux: {formula: "max(P, 0.1) * L / (K + L)", unit: 1/h}
    perturbations:
      half-R: {scale: {R: 0.5}}
    """

  @Test("a mechanistic toy with rate laws, modulators, per-edge Hill parameters and stimuli over time")
  func mechanisticToy() throws {
    let model = try NativeModelReader.read(text: Self.toy, file: "toy.yaml")
    var scenario = Scenario(name: "ramp and repeated doses")
    scenario.inputs = [
      .init(input: "L", stimulus: .ramp(start: 5, end: 30, from: 0.2, to: 0.9), location: nil),
      .init(input: "M", stimulus: .repeated(start: 10, period: 24, duration: 6, count: 3, dose: 0.8, baseline: 0.1), location: nil),
    ]
    scenario.perturbations = [.named("half-R", nil)]
    scenario.settings = [Scenario.Setting(target: "I.tau", value: 3), Scenario.Setting(target: "kdeg", value: 0.25)]
    try Self.checkRoundTrip(model, scenario, end: 120)
    try Self.checkRoundTrip(model, Scenario(name: "own values"), end: 120)
  }

  /// The small models of `Tests/tools/export-models/` (which `check_sbml_export.py` also runs
  /// through libRoadRunner): pins, knockouts and over-expressions start and hold the pinned
  /// node at its level; schedules, ramps, repeated doses and scales are baked into the export.
  @Test(
    "small models with pins, knockouts, schedules and scales: export, re-import, identical trajectory",
    arguments: ["toy-wnt/toy-wnt-pulse", "toy-wnt/toy-wnt-dkk1-ko", "mechanistic/mechanistic-stimuli", "mechanistic/mechanistic-knockout"])
  func smallModels(_ pair: String) throws {
    let directory = Self.root + "/Tests/tools/export-models/"
    let parts = pair.split(separator: "/").map(String.init)
    let model = try NativeModelReader.read(path: directory + parts[0] + ".yaml")
    let scenario = try ScenarioReader.read(path: directory + parts[1] + ".yaml")
    try Self.checkRoundTrip(model, scenario, end: parts[0] == "toy-wnt" ? 240 : 120)
    // A pinned node is a constant species at its level.
    let text = try SBMLWriter.export(model, scenario: scenario).text
    if parts[1] == "toy-wnt-dkk1-ko" {
      #expect(text.contains("<species id=\"DKK1\" compartment=\"cell\" initialAmount=\"0\""))
      #expect(!text.contains("<rateRule variable=\"DKK1\">"))
    }
    if parts[1] == "mechanistic-stimuli" {
      #expect(text.contains("<species id=\"S\" compartment=\"cell\" initialAmount=\"0.4\""))
      #expect(!text.contains("<rateRule variable=\"S\">"))
    }
  }

  @Test("the exported rate rules are the HillCube the engine integrates, value for value")
  func hillCubeValues() throws {
    // dx/dt of the re-imported model at random states equals the engine's right-hand side.
    let model = try NativeModelReader.read(text: Self.toy, file: "toy.yaml")
    let back = try SBMLReader.read(data: Data(try SBMLWriter.text(model).utf8), file: "toy.xml")
    let ode = try ODEModel(model: model), odeBack = try ODEModel(model: back)
    let native = ODEWorkspace(ode), other = ODEWorkspace(odeBack)
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<200 {
      // States beyond [0, 1] exercise the clip.
      let y = (0..<ode.stateCount).map { _ in Double.random(in: -0.3...1.4, using: &generator) }
      let yBack = odeBack.stateNames.map { y[ode.stateNames.firstIndex(of: $0)!] }
      var f = [Double](repeating: 0, count: ode.stateCount), g = [Double](repeating: 0, count: odeBack.stateCount)
      native.rhs(3, y, &f)
      other.rhs(3, yBack, &g)
      for (s, name) in ode.stateNames.enumerated() {
        let b = g[odeBack.stateNames.firstIndex(of: name)!]
        #expect(abs(f[s] - b) <= 1e-14 * max(1, abs(f[s])), "\(name): engine \(f[s]), exported \(b) at \(y)")
      }
    }
  }

  @Test("equilibrated models start from the equilibrated state; named perturbations are reported")
  func equilibration() throws {
    let model = try NativeModelReader.read(path: Self.osteogenesis)
    let exported = try SBMLWriter.export(model)
    #expect(exported.notes.contains { $0.contains("equilibrating 2000") })
    #expect(exported.notes.contains { $0.contains("named perturbation") })
    let back = try SBMLReader.read(data: Data(exported.text.utf8), file: "ost.xml")
    #expect(back.defaults.equilibrate == nil)
    // The reference steady state: GSK3B ≈ 1, bCat ≈ 0 (the file starts GSK3B at 1, bCat at 0 too,
    // but BMP3, ERK and Atf4 start at 0 and settle near 1).
    let atf4 = try #require(back.node(named: "Atf4"))
    #expect(atf4.initial > 0.99)
    #expect(try #require(model.node(named: "Atf4")).initial == 0)
  }

  @Test("the model's time unit is written as SBML timeUnits (a multiple of the second) and reads back")
  func timeUnits() throws {
    let text = "nodes:\n  x: {rule: x, tau: 2}\n"
    for (unit, seconds) in [("h", 3600.0), ("days", 86400), ("min", 60)] {
      let model = try NativeModelReader.read(text: "time_unit: \(unit)\n" + text, file: "m.yaml")
      let exported = try SBMLWriter.export(model).text
      #expect(exported.contains("timeUnits=\"time_unit\""))
      #expect(exported.contains("<unit kind=\"second\" exponent=\"1\" scale=\"0\" multiplier=\"\(Int(seconds))\"/>"))
      let back = try SBMLReader.read(data: Data(exported.utf8), file: "m.xml")
      #expect(back.timeUnit.flatMap { TimeUnit.seconds[$0] } == seconds, "\(unit) → \(back.timeUnit ?? "nil")")
    }
    let seconds = try SBMLWriter.export(try NativeModelReader.read(text: "time_unit: s\n" + text, file: "m.yaml")).text
    #expect(seconds.contains("timeUnits=\"second\"") && !seconds.contains("unitDefinition"))
    // A unit SBML cannot state as seconds stays in the notes only.
    let other = try SBMLWriter.export(try NativeModelReader.read(text: "time_unit: divisions\n" + text, file: "m.yaml")).text
    #expect(!other.contains("timeUnits") && other.contains("Time unit: divisions."))
  }

  @Test("SBML documents read from files export and read back to the same simulation",
        arguments: [
          "00001", "00027", "00029", "00052", "00073", "00104", "00114", "00400", "00463", "00931", "00935", "00978",
          "01198", "01273",
        ])
  func sbmlRoundTrip(_ id: String) throws {
    let path = SBMLTestSuite.modelPath(id)
    guard FileManager.default.fileExists(atPath: path) else {
      Issue.record("missing test-suite case \(path)")
      return
    }
    let model = try SBMLReader.read(path: path)
    let exported = try SBMLWriter.export(model)
    let back = try SBMLReader.read(data: Data(exported.text.utf8), file: "\(id).xml")
    let settings = try SBMLTestSuite.settings(id)
    var scenario = Scenario()
    scenario.time.start = 0
    scenario.time.end = settings.end
    scenario.time.grid = .steps(settings.steps)
    scenario.solver = Self.precise
    scenario.output.select = settings.variables
    scenario.output.concentration = settings.concentration
    scenario.output.amount = settings.amount
    let a = try scenario.resolve(for: try ODEModel(model: model)).simulate(try ODEModel(model: model))
    let b = try scenario.resolve(for: try ODEModel(model: back)).simulate(try ODEModel(model: back))
    let (worst, where_) = Self.largestDifference(a.trajectory, b.trajectory, floor: 1e-9)
    #expect(worst <= 1e-7, "case \(id): \(worst) (\(where_))")
  }
}

extension SBMLExportTests {
  /// The published models of `../shared/reference/models`: export, re-import, same simulation
  /// over the spans SOURCES.md uses; the export passes libSBML's rule that a variable with an
  /// assignment rule has no initial assignment (BIOMD0000000658's Wnt pulse W has an
  /// initialConcentration and an assignment rule).
  @Test(
    "published models export and read back to the same simulation",
    arguments: [("BIOMD0000000658", 600.0), ("BIOMD0000000410", 1000), ("BIOMD0000000019", 3600), ("BIOMD0000000493", 1500)])
  func publishedModels(_ name: String, _ end: Double) throws {
    let path = URL(fileURLWithPath: SBMLTestSuite.directory).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("models/\(name).xml").path
    guard FileManager.default.fileExists(atPath: path) else {
      Issue.record("missing \(path)")
      return
    }
    let model = try SBMLReader.read(path: path)
    let exported = try SBMLWriter.export(model)
    let back = try SBMLReader.read(data: Data(exported.text.utf8), file: "\(name).xml")
    let assigned = Set(model.assignments.map(\.id))
    for id in assigned { #expect(!exported.text.contains("<initialAssignment symbol=\"\(id)\">"), "\(name): \(id)") }
    var scenario = Scenario()
    scenario.time.start = 0
    scenario.time.end = end
    scenario.time.grid = .steps(100)
    var solver = Self.precise
    solver.rtol = 1e-10
    solver.atol = 1e-14
    scenario.solver = solver
    scenario.output.select = model.species.map(\.id)
    let a = try scenario.resolve(for: try ODEModel(model: model)).simulate(try ODEModel(model: model))
    let b = try scenario.resolve(for: try ODEModel(model: back)).simulate(try ODEModel(model: back))
    #expect(a.failure == nil && b.failure == nil)
    let (worst, where_) = Self.largestDifference(a.trajectory, b.trajectory, floor: 1e-9)
    print("published \(name): largest relative difference \(worst) (\(where_))")
    #expect(worst <= 1e-6, "\(name): \(worst) (\(where_))")
  }
}

/// The bundled SBML Test Suite cases (`../shared/reference/sbml-test-suite`).
enum SBMLTestSuite {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/reference/sbml-test-suite/cases").path

  static func modelPath(_ id: String) -> String {
    let dir = directory + "/" + id
    for name in ["\(id)-sbml-l3v2.xml", "\(id)-sbml-l3v1.xml"] where FileManager.default.fileExists(atPath: dir + "/" + name) {
      return dir + "/" + name
    }
    return dir + "/\(id)-sbml-l3v2.xml"
  }

  /// start, duration, steps, variables, amount, concentration from NNNNN-settings.txt.
  static func settings(_ id: String) throws -> (end: Double, steps: Int, variables: [String], amount: [String], concentration: [String]) {
    let text = try String(contentsOfFile: directory + "/\(id)/\(id)-settings.txt", encoding: .utf8)
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      fields[line[..<colon].trimmingCharacters(in: .whitespaces)] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    func list(_ key: String) -> [String] {
      (fields[key] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    let start = Double(fields["start"] ?? "0") ?? 0
    return (start + (Double(fields["duration"] ?? "0") ?? 0), Int(fields["steps"] ?? "50") ?? 50, list("variables"),
            list("amount"), list("concentration"))
  }
}
