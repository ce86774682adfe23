import Foundation
import Testing

@testable import PathwayModel

/// `delay(x, d)` against delay differential equations with closed forms (the method of steps).
@Suite("Delay differential equations")
struct DelayTests {
  /// x' = −x(t − 1), x = 1 up to t = 0: x = 1 − t on [0, 1], 1 − t + (t − 1)²/2 on [1, 2],
  /// and − (t − 2)³/6 more on [2, 3].
  static func exact(_ t: Double) -> Double {
    var x = 1 - t
    if t > 1 { x += (t - 1) * (t - 1) / 2 }
    if t > 2 { x -= (t - 2) * (t - 2) * (t - 2) / 6 }
    return x
  }

  @Test("x' = −x(t − 1) follows its piecewise polynomial with every kind of stepper",
        arguments: [Stepper.rk8pd, .rkf45, .msbdf, .bsimp, .rodas4, .rodas5p])
  func methodOfSteps(stepper: Stepper) throws {
    let m = try model("""
      parameters:
        lag: {value: 1}
      nodes:
        x: {initial: 1, rate: "-delay(x, lag)"}
      """)
    let times = stride(from: 0.0, through: 3, by: 0.25).map { $0 }
    let s = try integrate(m, to: 3, method: stepper, rtol: 1e-10, atol: 1e-12, times: times)
    #expect(s.failure == nil, "\(String(describing: s.failure))")
    // The method's own tolerance, with room for the error the lag carries forward from the
    // history's interpolation (cubic between accepted steps).
    for (row, t) in times.enumerated() {
      expectClose(s.trajectory.value(row: row, column: 0), Self.exact(t), absolute: 1e-8, "x(\(t)) with \(stepper)")
    }
  }

  @Test("a delayed expression reads time at t − d, also before the start, and the states' values then")
  func delayedExpression() throws {
    // y' = delay(sin(time) + x, 0.5) with x ≡ 2: sin(t − 0.5) + 2 at every t (before the start,
    // time is t − 0.5 and x its initial value), so y = 2t + cos(0.5) − cos(t − 0.5).
    let m = try model("""
      nodes:
        x: {initial: 2, rate: 0}
        y: {initial: 0, rate: "delay(sin(time) + x, 0.5)"}
      """)
    let times = [0.0, 0.25, 0.5, 1, 2, 4]
    let s = try integrate(m, to: 4, method: .rodas5p, rtol: 1e-10, atol: 1e-12, times: times)
    #expect(s.failure == nil)
    for (row, t) in times.enumerated() {
      expectClose(s.trajectory.value(row: row, column: 1), 2 * t + cos(0.5) - cos(t - 0.5), absolute: 1e-8, "y(\(t))")
    }
  }

  @Test("before the start, a state given by an initial assignment in time has that assignment's value at t − d")
  func timeDependentInitialValue() throws {
    // x(0) = sin(10·time) at time 0 (= 0) and x' = 0; y = delay(x, 0.2): sin(10(t − 0.2)) until
    // t = 0.2, then 0. The SBML Test Suite's reading (cases 00938, 00942).
    let math = SBMLPublishedModelTests.mathML
    let text = SBMLPublishedModelTests.document(namespace: "http://www.sbml.org/sbml/level3/version2/core", level: 3, version: 2, """
        <listOfParameters>
          <parameter id="x" value="0" constant="false"/><parameter id="y" constant="false"/>
        </listOfParameters>
        <listOfInitialAssignments>
          <initialAssignment symbol="x"><math \(math)><apply><sin/><apply><times/><cn>10</cn>\(SBMLPublishedModelTests.time)</apply></apply></math></initialAssignment>
        </listOfInitialAssignments>
        <listOfRules>
          <rateRule variable="x"><math \(math)><cn>0</cn></math></rateRule>
          <assignmentRule variable="y"><math \(math)><apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/delay">delay</csymbol><ci>x</ci><cn>0.2</cn></apply></math></assignmentRule>
        </listOfRules>
      """)
    let times = [0.0, 0.05, 0.1, 0.3]
    let c = try SBMLPublishedModelTests.simulate(text, end: 0.3, times: times, select: ["y"])
    for (i, t) in times.enumerated() {
      expectClose(c["y"]![i], t < 0.2 ? sin(10 * (t - 0.2)) : 0, absolute: 1e-12, "y(\(t))")
    }
  }

  @Test("an event's jump enters the history: the delayed value jumps d later")
  func eventInHistory() throws {
    // p jumps from 0 to 1 at t = 1; y' = delay(p, 0.5) is 0 until 1.5, then 1.
    let math = SBMLPublishedModelTests.mathML
    let text = SBMLPublishedModelTests.document(namespace: "http://www.sbml.org/sbml/level3/version2/core", level: 3, version: 2, """
        <listOfParameters>
          <parameter id="p" value="0" constant="false"/><parameter id="y" value="0" constant="false"/>
        </listOfParameters>
        <listOfRules>
          <rateRule variable="y"><math \(math)><apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/delay">delay</csymbol><ci>p</ci><cn>0.5</cn></apply></math></rateRule>
        </listOfRules>
        <listOfEvents>
          <event id="e" useValuesFromTriggerTime="true">
            <trigger initialValue="false" persistent="true"><math \(math)><apply><geq/>\(SBMLPublishedModelTests.time)<cn>1</cn></apply></math></trigger>
            <listOfEventAssignments><eventAssignment variable="p"><math \(math)><cn>1</cn></math></eventAssignment></listOfEventAssignments>
          </event>
        </listOfEvents>
      """)
    let c = try SBMLPublishedModelTests.simulate(text, end: 3, times: [0, 1, 1.25, 1.5, 2, 3], select: ["y", "p"])
    for (i, t) in [0.0, 1, 1.25, 1.5, 2, 3].enumerated() {
      expectClose(c["y"]![i], max(0, t - 1.5), absolute: 1e-8, "y(\(t))")
      #expect(c["p"]![i] == (t >= 1 ? 1 : 0))
    }
  }

  @Test("a lag that is itself a delay is read after that delay is filled")
  func lagReadsDelay() throws {
    // x = t; z = delay(x, 1) = max(t − 1, 0); y = delay(x, z) = x(t − z) = min(t, 1).
    let m = try model("""
      assignments:
        z: "delay(x, 1)"
        y: "delay(x, z)"
      nodes:
        x: {initial: 0, rate: 1}
      """)
    let times = [0.0, 0.5, 1, 1.5, 3]
    let ode = try ODEModel(model: m)
    let solver = try ODESolver(ode, options: SolverOptions(method: .rodas5p, rtol: 1e-10, atol: 1e-12))
    let s = solver.solve(RunParameters(ode), initial: [0], start: 0, end: 3, times: times)
    #expect(s.failure == nil)
    let z = try #require(s.trajectory.column("z")), y = try #require(s.trajectory.column("y"))
    for (i, t) in times.enumerated() {
      expectClose(z[i], max(t - 1, 0), absolute: 1e-9, "z(\(t))")
      expectClose(y[i], min(t, 1), absolute: 1e-9, "y(\(t))")
    }
  }

  @Test("a steady state reads delay(x, d) as x, with a Jacobian that sees it")
  func steadyState() throws {
    // x' = 2 − 0.5·delay(x, 3): the steady state is 4.
    let m = try model("nodes:\n  x: {initial: 1, rate: \"2 - 0.5 * delay(x, 3)\"}\n")
    let ode = try ODEModel(model: m)
    let result = try SteadyStateFinder(solver: try ODESolver(ode)).find(
      RunParameters(ode), initial: [1], at: 0, options: SteadyStateOptions())
    #expect(result.converged)
    expectClose(result.state[0], 4, relative: 1e-8, "x*")
    #expect(result.stability == "stable")
    expectClose(result.eigenvalues.first?.re ?? 0, -0.5, absolute: 1e-6, "the eigenvalue ∂f/∂x")
  }

  @Test("a delay inside a delay, a delayed expression reading a delay, and a cycle through a lag are refused", arguments: [
    ("nodes:\n  x: {initial: 1, rate: \"-delay(delay(x, 1), 1)\"}\n", "a delay inside a delay is not supported"),
    ("assignments:\n  a: \"delay(x, 1)\"\nnodes:\n  x: {initial: 1, rate: \"-delay(a, 1)\"}\n",
     "its delayed expression depends on another delay"),
    ("assignments:\n  z: \"delay(x, z)\"\nnodes:\n  x: {initial: 1, rate: \"-z\"}\n", "assignments form a cycle"),
  ])
  func refused(yaml: String, message: String) {
    let error = pathwayError { _ = try ODEModel(model: try model(yaml)) }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message.contains(message) == true, "\(error?.diagnostics.first?.message ?? "no error")")
  }

  @Test("a delay in a logical rule is refused with the rule's location")
  func refusedInRule() {
    let logic = pathwayError {
      _ = try model("""
        nodes:
          a: {kind: input}
          b: {rule: "delay(a, 1)"}
        """)
    }
    let d = logic?.diagnostics.first { $0.message == "the rule of 'b' uses delay" }
    #expect(d?.location?.line == 3)
    #expect(logic?.exitCode == 65)
  }

  @Test("SBML export writes the delay csymbol, and the model reads back to the same run")
  func sbmlRoundTrip() throws {
    let m = try model("""
      parameters:
        lag: {value: 1}
      nodes:
        x: {initial: 1, rate: "-delay(x, lag)"}
      """)
    let xml = try SBMLWriter.export(m).text
    #expect(xml.contains("http://www.sbml.org/sbml/symbols/delay"))
    let back = try SBMLReader.read(data: Data(xml.utf8), file: "x.xml")
    let s = try integrate(back, to: 2.5, method: .rodas5p, rtol: 1e-10, atol: 1e-12, times: [2.5])
    expectClose(s.trajectory.value(row: 0, column: 0), Self.exact(2.5), absolute: 1e-8, "x(2.5) after the round trip")
  }
}
