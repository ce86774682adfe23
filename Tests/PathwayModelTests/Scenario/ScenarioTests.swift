import Foundation
import Testing

@testable import PathwayModel

@Suite("Scenarios")
struct ScenarioTests {
  static let network = """
    parameters: {kdeg: 0.1}
    nodes:
      L: {kind: input}
      E: {kind: input, initial: 1}
      A: {rule: L & E, tau: 0.5}
      B: {rule: A}
      P: {rate: A - kdeg * P}
    perturbations:
      blockA: {pin: {A: 0.2}}
      dnB: {scale: {B: 0.3}}
    """

  func scenario(_ yaml: String, file: String = "s.yaml") throws -> Scenario {
    try ScenarioReader.read(text: yaml, file: file)
  }

  func resolve(_ scenarios: [Scenario]) throws -> ResolvedRun {
    let ode = try ODEModel(model: model(Self.network))
    return try Scenario.layering(scenarios).resolve(for: ode)
  }

  @Test("every stimulus form reads as documented")
  func stimuli() throws {
    let s = try scenario("""
      inputs:
        L: {dose: 0.5, pulse: [0, 72]}
        E: 1
      """)
    #expect(s.inputs.map(\.stimulus) == [.pulse(start: 0, end: 72, dose: 0.5, baseline: 0), .constant(1)])
    let forms: [(String, Stimulus)] = [
      ("{dose: 1, from: 168}", .step(at: 168, dose: 1, baseline: 0)),
      ("{dose: 1, until: 48}", .pulse(start: -.infinity, end: 48, dose: 1, baseline: 0)),
      ("{dose: 1, from: 2, until: 5, baseline: 0.1}", .pulse(start: 2, end: 5, dose: 1, baseline: 0.1)),
      ("{ramp: [0, 48], dose: [0, 1]}", .ramp(start: 0, end: 48, from: 0, to: 1)),
      ("{dose: 1, every: 24, duration: 2, count: 3}", .repeated(start: 0, period: 24, duration: 2, count: 3, dose: 1, baseline: 0)),
      ("{schedule: [[0, 0.3], [24, 1]]}", .schedule(points: [.init(time: 0, value: 0.3), .init(time: 24, value: 1)], baseline: 0)),
    ]
    for (text, expected) in forms {
      let parsed = try scenario("inputs:\n  L: \(text)\n")
      #expect(parsed.inputs.first?.stimulus == expected, "\(text)")
    }
  }

  @Test("layering: inputs replace, perturbations and settings accumulate, --set wins last")
  func layering() throws {
    let base = try scenario("""
      scenario: base
      inputs: {L: 1}
      perturbations: [blockA]
      parameters: {kdeg: 0.2}
      time: {end: 10, steps: 10}
      """)
    let top = try scenario("""
      scenario: top
      inputs: {L: 0.5}
      perturbations: [{knockout: B}]
      parameters: {kdeg: 0.3}
      time: {dt: 2}
      """)
    var commandLine = Scenario()
    commandLine.settings.append(.init(target: "kdeg", value: 0.4))
    commandLine.settings.append(.init(target: "A.tau", value: 3))
    let run = try resolve([base, top, commandLine])
    #expect(run.name == "top")
    #expect(run.parameters.stimuli[0] == .constant(0.5))
    #expect(run.parameters.statePins[0] == 0.2 && run.parameters.statePins[1] == 0)
    #expect(run.parameters.parameters[0] == 0.4)
    #expect(run.parameters.tau[0] == 3)
    #expect(run.times == [0, 2, 4, 6, 8, 10])
  }

  @Test("--set reaches doses, initial values, tau, n and k")
  func settings() throws {
    var s = Scenario()
    s.time.end = 1
    for (target, value) in [("E", 0.3), ("B", 0.7), ("P.initial", 2.0), ("B.n", 3.0), ("B.k", 0.4)] {
      s.settings.append(.init(target: target, value: value))
    }
    let run = try resolve([s])
    #expect(run.parameters.stimuli[1] == .constant(0.3))
    #expect(run.initialOverrides[1] == 0.7 && run.initialOverrides[2] == 2)
    // B's single regulator is the second edge overall (A's rule has two regulators).
    #expect(run.parameters.regulatorN[2] == 3 && run.parameters.regulatorK[2] == 0.4)
  }

  @Test("unknown inputs, nodes and perturbations are located errors (exit 65)")
  func unknownNames() throws {
    let unknownInput = pathwayError { _ = try resolve([scenario("inputs:\n  Wnt: 1\ntime: {end: 1}\n")]) }
    #expect(unknownInput?.exitCode == 65)
    #expect(unknownInput?.diagnostics.first?.location == PathwayModel.SourceLocation(file: "s.yaml", line: 2, column: 3))
    let notAnInput = pathwayError { _ = try resolve([scenario("inputs:\n  A: 1\ntime: {end: 1}\n")]) }
    #expect(notAnInput?.diagnostics.first?.message.contains("not an input") == true)
    let unknownPerturbation = pathwayError { _ = try resolve([scenario("perturbations: [blokA]\ntime: {end: 1}\n")]) }
    #expect(unknownPerturbation?.diagnostics.first?.location == PathwayModel.SourceLocation(file: "s.yaml", line: 1, column: 17))
    #expect(unknownPerturbation?.diagnostics.first?.notes.first?.contains("'blockA'") == true)
    let unknownNode = pathwayError { _ = try resolve([scenario("perturbations:\n  - knockout: Q\ntime: {end: 1}\n")]) }
    #expect(unknownNode?.diagnostics.first?.location == PathwayModel.SourceLocation(file: "s.yaml", line: 2, column: 15))
    let scaleRate = pathwayError { _ = try resolve([scenario("perturbations:\n  - scale: {P: 0.5}\ntime: {end: 1}\n")]) }
    #expect(scaleRate?.diagnostics.first?.message.contains("no logic-derived production") == true)
    let badKey = pathwayError { _ = try scenario("inputs:\n  L: {dose: 1, pulse: [0, 2], every: x}\n") }
    #expect(badKey?.exitCode == 65)
    let wrongSection = pathwayError { _ = try resolve([scenario("parameters: {A: 1}\ntime: {end: 1}\n")]) }
    #expect(wrongSection?.diagnostics.first?.message == "'A' is a node, not a parameter")
  }

  @Test("time: end before start is an error; output grids include both ends")
  func time() throws {
    let backwards = pathwayError { _ = try resolve([scenario("time: {start: 5, end: 1}\n")]) }
    #expect(backwards?.exitCode == 65)
    var commandLine = Scenario()
    commandLine.time.start = 5
    commandLine.time.end = 1
    commandLine.time.location = PathwayModel.SourceLocation(file: Scenario.commandLine, line: 1, column: 1)
    #expect(pathwayError { _ = try resolve([commandLine]) }?.exitCode == 64)
    let steps = try resolve([scenario("time: {start: 1, end: 2, steps: 3}\n")])
    #expect(steps.times.count == 4 && steps.times.first == 1 && steps.times.last == 2)
    let dt = try resolve([scenario("time: {end: 1, dt: 0.3}\n")])
    #expect(dt.times.count == 5 && dt.times.last == 1)
    let noEnd = pathwayError { _ = try resolve([scenario("inputs: {L: 1}\n")]) }
    #expect(noEnd?.exitCode == 64)
  }

  @Test("selections expand glob patterns in model order, keep plain names as written, and report patterns that match nothing")
  func selectionPatterns() throws {
    let names = ["Smad1", "Smad2", "Smad23", "Runx2", "Osx", "pSmad1"]
    #expect(Scenario.expandSelection(["Osx", "Smad?"], among: names) == (["Osx", "Smad1", "Smad2"], []))
    #expect(Scenario.expandSelection(["*Smad*", "Smad1"], among: names).names == ["Smad1", "Smad2", "Smad23", "pSmad1"])
    #expect(Scenario.expandSelection(["*"], among: names).names == names)
    #expect(Scenario.expandSelection(["R*2", "x*", "Nope"], among: names) == (["Runx2", "Nope"], ["x*"]))
    for (pattern, text, expected) in [("a*b*c", "aXbYc", true), ("a*b*c", "aXbY", false), ("*", "", true), ("?", "", false),
                                      ("a**", "a", true), ("*a", "ba", true), ("a?c", "abc", true), ("a?c", "ac", false)] {
      #expect(Scenario.globMatches(Array(pattern.unicodeScalars), Array(text.unicodeScalars)) == expected, "\(pattern) ~ \(text)")
    }
    // In a run: the pattern's columns, in model order; one that matches nothing is a usage error.
    var run = try scenario("time: {end: 1}\noutput: {select: ['*']}\n")
    let all = try resolve([run])
    #expect(all.columns.map(\.name) == all.select)
    #expect(!all.columns.isEmpty)
    run.output.select = ["nothing*"]
    #expect(pathwayError { _ = try resolve([run]) }?.exitCode == 65, "written in a file: located there")
    run.output.selectLocation = nil
    #expect(pathwayError { _ = try resolve([run]) }?.exitCode == 64, "given on the command line")
  }

  @Test("output.event_rows reads true/false (yes/no), layers, and reaches the solver options")
  func eventRows() throws {
    let on = try scenario("output: {event_rows: yes}\n")
    #expect(on.output.eventRows == true)
    let off = try scenario("output: {event_rows: false}\n")
    #expect(try resolve([on, scenario("time: {end: 1}\n")]).options.eventRows)
    #expect(try !resolve([on, off, scenario("time: {end: 1}\n")]).options.eventRows)
    #expect(try !resolve([scenario("time: {end: 1}\n")]).options.eventRows)
    let bad = pathwayError { _ = try scenario("output:\n  event_rows: sometimes\n") }
    #expect(bad?.exitCode == 65)
    #expect(bad?.diagnostics.first?.message == "output.event_rows must be true or false, found 'sometimes'")
    #expect(bad?.diagnostics.first?.location?.line == 2)
  }

  @Test("a pulse through a scenario: the run resets at both edges")
  func pulseRun() throws {
    let ode = try ODEModel(model: model(Self.network))
    let s = try scenario("inputs:\n  L: {dose: 1, pulse: [1, 3]}\ntime: {end: 6, steps: 6}\n")
    let run = try s.resolve(for: ode)
    let solution = try run.simulate(ode)
    #expect(solution.failure == nil)
    #expect(solution.statistics.segments == 3)
    #expect(solution.trajectory.column("L") == [0, 1, 1, 0, 0, 0, 0])
  }
}
