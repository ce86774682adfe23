import Foundation
import Testing

@testable import PathwayModel

@Suite("Expectations")
struct ExpectationTests {
  /// A fresh temporary folder for scenario files.
  func folder() throws -> String {
    let dir = NSTemporaryDirectory() + "expectations-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  func parse(_ text: String, unit: String? = "h") throws -> PathwayModel.Expectation {
    try ExpectationParser.parse(
      text, id: "x", location: PathwayModel.SourceLocation(file: "s.yaml", line: 3, column: 5),
      timeUnits: ExpectationChecker.timeUnits(unit))
  }

  @Test("readouts, times and arithmetic parse as written")
  func grammar() throws {
    let e = try parse("OCN at 21d >= 3 * OCN at 21d in B1-BMP2 - 0.1")
    #expect(e.comparison == .greaterEqual)
    #expect(e.readouts.map(\.description) == ["OCN at 21d", "OCN at 21d in B1-BMP2"])
    if case .readout(let r) = e.left, case .at(let t, _) = r.kind { #expect(t == 504) } else { Issue.record("left is not a readout") }
    #expect(e.right.evaluate { $0.scenario == nil ? 1 : 0.5 } == 3 * 0.5 - 0.1)
    let times = try ["A at 72h > 0", "A at d3 > 0", "A at 4320 min > 0", "A at 3 d > 0", "A at 72 > 0"].map { try parse($0) }
    for t in times {
      if case .readout(let r) = t.left, case .at(let v, _) = r.kind { #expect(v == 72, "\(t.text)") }
    }
    let approximate = try parse("bCat at 1d ≈ 0.34 ± 0.05")
    #expect(approximate.comparison == .approximately)
    let extremum = try parse("ALP at 3d >= max(ALP at 3d in a, ALP at 3d in b-c) - 0.03")
    #expect(extremum.readouts.count == 3)
    #expect(try parse("max Runx2 < 0.02").readouts.first?.kind == .maximum)
    #expect(try parse("OCN attractor == 1").readouts.first?.isBoolean == true)
    #expect(try parse("A at 1d ≥ 2 × B at 1d").comparison == .greaterEqual)
  }

  @Test("mistakes are located, with a hint")
  func errors() {
    let noWhen = pathwayError { _ = try parse("OCN > 1") }
    #expect(noWhen?.diagnostics.first?.message.contains("needs to say when") == true)
    #expect(noWhen?.diagnostics.first?.location?.column == 5)
    let noComparison = pathwayError { _ = try parse("OCN at 21d") }
    #expect(noComparison?.diagnostics.first?.message.hasPrefix("expected a comparison") == true)
    let noUnit = pathwayError { _ = try parse("OCN at 21d > 1", unit: nil) }
    #expect(noUnit?.exitCode == 65)
    let noTolerance = pathwayError { _ = try parse("OCN at 21d ≈ 1") }
    #expect(noTolerance?.diagnostics.first?.message.contains("tolerance") == true)
    let negative = pathwayError { _ = try parse("OCN at 21d ≈ 1 ± -0.1") }
    #expect(negative?.diagnostics.first?.message.contains("must be a number ≥ 0") == true)
  }

  @Test("scenario files: ODE and Boolean readouts, cross-scenario comparisons, PASS and FAIL")
  func check() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try """
      time_unit: h
      nodes:
        u: {kind: input}
        A: {rule: u, tau: 1}
        B: {rule: A & !C, tau: 2}
        C: {rule: B, tau: 24}
      """.write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
    try """
      model: m.yaml
      inputs: {u: 0}
      time: {end: 48, dt: 12}
      expect:
        - max A < 0.01
      """.write(toFile: dir + "/off.yaml", atomically: true, encoding: .utf8)
    try """
      model: m.yaml
      inputs: {u: 1}
      boolean:
        inputs: {u: {dose: 1, pulse: [0, 1]}}
      time: {end: 48, dt: 12}
      expect:
        - A at 1d ≈ 1 ± 1e-6
        - A at 1d > 10 * A at 1d in off + 0.5
        - B attractor == 0
        - A at 30h > 2
      """.write(toFile: dir + "/on.yaml", atomically: true, encoding: .utf8)
    try """
      model: m.yaml
      inputs: {u: 0}
      time: {end: 48, dt: 12}
      expect:
        - A at 1d / A at 1d > 1
        - A at 1d / 0 > 1
      """.write(toFile: dir + "/nan.yaml", atomically: true, encoding: .utf8)
    let notFinite = try ExpectationChecker(defaultModel: nil).check(files: [dir + "/nan.yaml"])
    #expect(notFinite.map(\.passed) == [false, false], "0/0 and x/0 prove nothing")
    #expect(notFinite[1].line.hasSuffix("fails: a side is not a finite number"), "\(notFinite[1].line)")
    let results = try ExpectationChecker(defaultModel: nil).check(files: [dir + "/off.yaml", dir + "/on.yaml"])
    #expect(results.map(\.passed) == [true, true, true, true, false])
    #expect(results.map(\.id) == ["off#1", "on#1", "on#2", "on#3", "on#4"])
    // 30 h is not on the 12-h grid: the run gains a row there.
    #expect(abs(results[4].left - (1 - exp(-30.0))) < 1e-6)
    #expect(results[4].line.contains("FAIL"))
    // The one-step pulse leaves the Boolean network at rest: A returns to 0, so B is 0.
  }

  @Test("a Boolean readout starts from the reference attractor with the scenario's initial values on top")
  func booleanInitialValues() throws {
    // L is a latch (L | S) off in the reference state; R follows it.
    let model = try NativeModelReader.read(text: """
      nodes:
        S: {kind: input}
        L: {rule: L | S}
        R: {rule: L}
      """, file: "latch.yaml")
    var scenario = Scenario()
    #expect(try BooleanScenarioRun.run(model: model, scenario: scenario).average(of: "R") == 0)
    scenario.settings.append(Scenario.Setting(target: "L", value: 1, section: .initial))
    #expect(try BooleanScenarioRun.run(model: model, scenario: scenario).average(of: "R") == 1)
  }

  @Test("a readout after the end is reported at its own line, not at the first readout of the scenario")
  func readoutAfterEnd() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "time_unit: h\nnodes:\n  x: {initial: 1, rate: -x}\n".write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
    try """
      model: m.yaml
      time: {end: 48, dt: 12}
      expect:
        - x at 1d > 0
        - x at 48.5 > 0
      """.write(toFile: dir + "/late.yaml", atomically: true, encoding: .utf8)
    let error = pathwayError { _ = try ExpectationChecker(defaultModel: nil).check(files: [dir + "/late.yaml"]) }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.location?.line == 5, "\(String(describing: error))")
    #expect(error?.diagnostics.first?.message.hasPrefix("x at 48.5 is after the end of 'late'") == true)
  }

  @Test("files checked one by one give the same values in any order; max reads the output grid only")
  func orderIndependent() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // x' = u − x/2 with u = 2 on [2, 4.5), 0.5 elsewhere: x peaks at 4.5, between grid rows.
    try "time_unit: h\nnodes:\n  u: {kind: input}\n  x: {rate: u - 0.5 * x}\n".write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
    try """
      model: m.yaml
      inputs:
        u: {dose: 2, pulse: [2, 4.5], baseline: 0.5}
      time: {end: 10, dt: 1}
      expect:
        - {id: own, check: "x at 4.5 > 3"}
      """.write(toFile: dir + "/own.yaml", atomically: true, encoding: .utf8)
    try """
      model: m.yaml
      time: {end: 10, dt: 1}
      expect:
        - {id: ref, check: "max x in own < 2.9"}
      """.write(toFile: dir + "/ref.yaml", atomically: true, encoding: .utf8)
    for order in [["ref", "own"], ["own", "ref"]] {
      let checker = ExpectationChecker(defaultModel: nil)
      let files = order.map { dir + "/\($0).yaml" }
      checker.plan(files: files)
      var results: [String: ExpectationResult] = [:]
      for file in files {
        for result in try checker.check(files: [file]) { results[result.id] = result }
      }
      // x(4.5) = 1 + (x(2) − 4)e^{−1.25} + 3, x(2) = 1 (x starts at 0 with u = 0.5: 1 − e^{−1}).
      let x2 = 1 - exp(-1.0)
      let peak = 4 + (x2 - 4) * exp(-1.25)
      #expect(results["own"].map { abs($0.left - peak) < 1e-6 } == true, "\(order): \(String(describing: results["own"]?.line))")
      // The largest grid value is x(4) < x(4.5).
      let x4 = 4 + (x2 - 4) * exp(-1.0)
      #expect(results["ref"].map { abs($0.left - x4) < 1e-6 } == true, "\(order): \(String(describing: results["ref"]?.line))")
    }
  }

  @Test("Boolean readouts: a setting replaces an input's stimulus; an endless repeated dose forces the attractor; a late dose is an error")
  func booleanProtocols() throws {
    let model = try NativeModelReader.read(text: """
      nodes:
        u: {kind: input}
        X: {rule: X | u}
        W: {rule: u}
      """, file: "latch.yaml")
    var scenario = Scenario()
    scenario.boolean = Scenario.BooleanSpec()
    scenario.boolean?.inputs = [Scenario.InputStimulus(input: "u", stimulus: .pulse(start: 3, end: 4, dose: 1, baseline: 0), location: nil)]
    #expect(try BooleanScenarioRun.run(model: model, scenario: scenario).average(of: "X") == 1)
    var set = scenario
    set.settings.append(Scenario.Setting(target: "u", value: 0))
    #expect(try BooleanScenarioRun.run(model: model, scenario: set).average(of: "X") == 0)
    // One step of u in every four: W is on a quarter of the time.
    var forced = Scenario()
    forced.boolean = Scenario.BooleanSpec()
    forced.boolean?.inputs = [
      Scenario.InputStimulus(input: "u", stimulus: .repeated(start: 0, period: 4, duration: 1, count: nil, dose: 1, baseline: 0), location: nil)
    ]
    let result = try BooleanScenarioRun.run(model: model, scenario: forced)
    #expect(result.average(of: "W") == 0.25)
    #expect(result.cycle.count == 4)
    let late = pathwayError { _ = try BooleanScenarioRun.run(model: model, scenario: scenario, maxSteps: 2) }
    #expect(late?.diagnostics.first?.message.contains("after the 2 steps") == true, "\(String(describing: late))")
  }
}
