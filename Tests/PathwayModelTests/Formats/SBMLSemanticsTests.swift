import Foundation
import Testing

@testable import PathwayModel

/// SBML Level 3 semantics that the bundled test-suite cases do not reach: each test is a small
/// hand-written model with an analytic expectation.
@Suite("SBML semantics")
struct SBMLSemanticsTests {
  static let mathNS = "xmlns=\"http://www.w3.org/1998/Math/MathML\""
  static let time = "<csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\"> t </csymbol>"

  /// Reads `body` as the content of an SBML L3V2 `<model>`, simulates it on `times` and returns
  /// the columns of `select` (species as `amount` or `concentration` as listed).
  static func simulate(
    _ body: String, end: Double, times: [Double], select: [String], amount: [String]? = nil,
    concentration: [String]? = nil
  ) throws -> [String: [Double]] {
    try SBMLPublishedModelTests.simulate(
      SBMLReaderTests.document(body), end: end, times: times, select: select, amount: amount, concentration: concentration)
  }

  @Test("min and max with no argument are +∞ and −∞ (the identities of the n-ary operators)")
  func emptyMinMax() throws {
    let c = try Self.simulate(
      """
          <listOfParameters>
            <parameter id="lo" constant="true"/>
            <parameter id="hi" constant="true"/>
            <parameter id="m" constant="true"/>
          </listOfParameters>
          <listOfInitialAssignments>
            <initialAssignment symbol="lo"><math \(Self.mathNS)><apply><min/></apply></math></initialAssignment>
            <initialAssignment symbol="hi"><math \(Self.mathNS)><apply><max/></apply></math></initialAssignment>
            <initialAssignment symbol="m"><math \(Self.mathNS)><apply><min/><cn> 3 </cn><cn> -1 </cn><cn> 2 </cn></apply></math></initialAssignment>
          </listOfInitialAssignments>
      """, end: 1, times: [0, 1], select: ["lo", "hi", "m"])
    #expect(c["lo"] == [.infinity, .infinity])
    #expect(c["hi"] == [-.infinity, -.infinity])
    #expect(c["m"] == [-1, -1])
  }

  @Test("a function definition whose lambda is wrapped in <semantics> is inlined")
  func lambdaInSemantics() throws {
    // f(x) = 2·x, called with time: p(t) = 2t.
    let c = try Self.simulate(
      """
          <listOfFunctionDefinitions>
            <functionDefinition id="f">
              <math \(Self.mathNS)>
                <semantics>
                  <lambda><bvar><ci> x </ci></bvar><apply><times/><cn> 2 </cn><ci> x </ci></apply></lambda>
                  <annotation encoding="text">f(x) = 2x</annotation>
                </semantics>
              </math>
            </functionDefinition>
          </listOfFunctionDefinitions>
          <listOfParameters><parameter id="p" constant="false"/></listOfParameters>
          <listOfRules>
            <assignmentRule variable="p"><math \(Self.mathNS)><apply><ci> f </ci>\(Self.time)</apply></math></assignmentRule>
          </listOfRules>
      """, end: 1.5, times: [0, 0.5, 1.5], select: ["p"])
    #expect(c["p"] == [0, 1, 3])
  }

  @Test("a rate rule on a concentration in a compartment sized by an assignment rule includes the dilution")
  func rateRuleInAssignedCompartment() throws {
    // d[S]/dt = −k[S] with k = 0.3, [S](0) = 2, so [S](t) = 2·e^(−0.3t) whatever the size does.
    // C1 = 1 + 0.5·t (through time), C2 = 1 + x with dx/dt = 0.5 (through a state): both equal
    // 1 + 0.5·t, and each amount is [S]·V.
    let species = { (id: String, c: String) in
      """
            <species id="\(id)" compartment="\(c)" initialConcentration="2" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      """
    }
    let decay = { (id: String) in
      """
            <rateRule variable="\(id)"><math \(Self.mathNS)><apply><times/><apply><minus/><ci> k </ci></apply><ci> \(id) </ci></apply></math></rateRule>
      """
    }
    let body = """
          <listOfCompartments>
            <compartment id="C1" spatialDimensions="3" constant="false"/>
            <compartment id="C2" spatialDimensions="3" constant="false"/>
          </listOfCompartments>
          <listOfSpecies>
      \(species("S1", "C1"))
      \(species("S2", "C2"))
          </listOfSpecies>
          <listOfParameters>
            <parameter id="k" value="0.3" constant="true"/>
            <parameter id="x" value="0" constant="false"/>
          </listOfParameters>
          <listOfRules>
            <assignmentRule variable="C1"><math \(Self.mathNS)><apply><plus/><cn> 1 </cn><apply><times/><cn> 0.5 </cn>\(Self.time)</apply></apply></math></assignmentRule>
            <assignmentRule variable="C2"><math \(Self.mathNS)><apply><plus/><cn> 1 </cn><ci> x </ci></apply></math></assignmentRule>
            <rateRule variable="x"><math \(Self.mathNS)><cn> 0.5 </cn></math></rateRule>
      \(decay("S1"))
      \(decay("S2"))
          </listOfRules>
      """
    let times = [0.0, 1, 2, 4]
    let concentrations = try Self.simulate(
      body, end: 4, times: times, select: ["S1", "S2"], concentration: ["S1", "S2"])
    let amounts = try Self.simulate(body, end: 4, times: times, select: ["S1", "S2"], amount: ["S1", "S2"])
    for (i, t) in times.enumerated() {
      let c = 2 * exp(-0.3 * t)
      for id in ["S1", "S2"] {
        // rtol 1e-10 on the integration: 1e-7 relative leaves three orders of margin.
        expectClose(concentrations[id]![i], c, relative: 1e-7, "[\(id)](\(t))")
        expectClose(amounts[id]![i], c * (1 + 0.5 * t), relative: 1e-7, "\(id) amount(\(t))")
      }
    }
  }

  @Test("an event that executes at the end time gives the last row, showing its assignments")
  func eventAtEndTime() throws {
    // n counts executions of `time ≥ 2`; x = t is reset to 0 when it reaches 1.5 (a state
    // trigger). The first run ends at 2, where the time event executes.
    let body = """
          <listOfParameters>
            <parameter id="n" value="0" constant="false"/>
            <parameter id="x" value="0" constant="false"/>
          </listOfParameters>
          <listOfRules>
            <rateRule variable="x"><math \(Self.mathNS)><cn> 1 </cn></math></rateRule>
          </listOfRules>
          <listOfEvents>
            <event id="E" useValuesFromTriggerTime="true">
              <trigger initialValue="true" persistent="true">
                <math \(Self.mathNS)><apply><geq/>\(Self.time)<cn> 2 </cn></apply></math>
              </trigger>
              <listOfEventAssignments>
                <eventAssignment variable="n"><math \(Self.mathNS)><apply><plus/><ci> n </ci><cn> 1 </cn></apply></math></eventAssignment>
              </listOfEventAssignments>
            </event>
            <event id="R" useValuesFromTriggerTime="true">
              <trigger initialValue="true" persistent="true">
                <math \(Self.mathNS)><apply><geq/><ci> x </ci><cn> 1.5 </cn></apply></math>
              </trigger>
              <listOfEventAssignments>
                <eventAssignment variable="x"><math \(Self.mathNS)><cn> 0 </cn></math></eventAssignment>
              </listOfEventAssignments>
            </event>
          </listOfEvents>
      """
    let toTwo = try Self.simulate(body, end: 2, times: [0, 1, 2], select: ["n", "x"])
    #expect(toTwo["n"] == [0, 0, 1])
    expectClose(try #require(toTwo["x"]?.last), 0.5, relative: 1e-8, "x(2) after the reset at 1.5")
    // Resets that land on output times (x reaches 1.5 at 1.5, 3, 4.5, …): one row per time.
    let grid = (0...100).map { Double($0) * 0.15 }
    let sawtooth = try Self.simulate(body, end: 15, times: grid, select: ["x"])
    #expect(sawtooth["x"]?.count == grid.count)
    for (t, x) in zip(grid, sawtooth["x"] ?? []) {
      // x = t mod 1.5, read at a reset time as either side of it (the crossing is a rounding away).
      let r = t.truncatingRemainder(dividingBy: 1.5)
      #expect(min(abs(x - r), abs(x - 1.5 + r), abs(x - r + 1.5)) < 1e-6, "x(\(t)) = \(x)")
    }
  }

  @Test("crossings inside one step are taken in order: a trigger rising after another falls, or falling and rising again, fires")
  func crossingsInOneStep() throws {
    // x decays slowly, so the steps are long. F falls at t = 0.575 (time < 0.575), then G rises
    // at 0.59 (time > 0.59) and sets p; H = (time < 0.7 or time > 0.71) is true at the start,
    // false on [0.7, 0.71] and rises again at 0.71, counting in q. Found by differential tests
    // against libRoadRunner: G's and H's rises were absorbed into the step.
    func trigger(_ math: String, _ assignments: String, id: String) -> String {
      """
      <event id="\(id)" useValuesFromTriggerTime="true">
        <trigger initialValue="true" persistent="true"><math \(Self.mathNS)>\(math)</math></trigger>
        <listOfEventAssignments>\(assignments)</listOfEventAssignments>
      </event>
      """
    }
    let body = """
          <listOfParameters>
            <parameter id="x" value="1" constant="false"/><parameter id="p" value="0" constant="false"/>
            <parameter id="q" value="0" constant="false"/>
          </listOfParameters>
          <listOfRules><rateRule variable="x"><math \(Self.mathNS)><apply><times/><cn>-0.5</cn><ci>x</ci></apply></math></rateRule></listOfRules>
          <listOfEvents>
            \(trigger("<apply><lt/>\(Self.time)<cn>0.575</cn></apply>", "", id: "F"))
            \(trigger("<apply><gt/>\(Self.time)<cn>0.59</cn></apply>", "<eventAssignment variable=\"p\"><math \(Self.mathNS)>\(Self.time)</math></eventAssignment>", id: "G"))
            \(trigger(
              "<apply><or/><apply><lt/>\(Self.time)<cn>0.7</cn></apply><apply><gt/>\(Self.time)<cn>0.71</cn></apply></apply>",
              "<eventAssignment variable=\"q\"><math \(Self.mathNS)><apply><plus/><ci>q</ci><cn>1</cn></apply></math></eventAssignment>", id: "H"))
          </listOfEvents>
      """
    let v = try Self.simulate(body, end: 2, times: [0, 0.5, 1, 2], select: ["p", "q", "x"])
    #expect(v["p"]?[0...1] == [0, 0])
    expectClose(try #require(v["p"]?[2]), 0.59, relative: 1e-9, "G fired at its crossing")
    #expect(v["q"] == [0, 0, 1, 1], "H fired once, when it rose again at 0.71")
    expectClose(try #require(v["x"]?[3]), exp(-1), relative: 1e-7, "the stops did not disturb x")
  }

  @Test("an event whose delay is negative when triggered fails the run at that time, keeping the rows before")
  func negativeDelay() throws {
    let model = try SBMLReader.read(
      data: Data(
        SBMLReaderTests.document("""
              <listOfParameters><parameter id="d" value="-1" constant="true"/><parameter id="n" value="0" constant="false"/></listOfParameters>
              <listOfEvents>
                <event id="E" useValuesFromTriggerTime="true">
                  <trigger initialValue="true" persistent="true"><math \(Self.mathNS)><apply><geq/>\(Self.time)<cn> 1 </cn></apply></math></trigger>
                  <delay><math \(Self.mathNS)><ci> d </ci></math></delay>
                  <listOfEventAssignments><eventAssignment variable="n"><math \(Self.mathNS)><cn> 1 </cn></math></eventAssignment></listOfEventAssignments>
                </event>
              </listOfEvents>
          """).utf8), file: "m.xml")
    let ode = try ODEModel(model: model)
    var scenario = Scenario()
    scenario.time.end = 2
    scenario.time.grid = .times([0, 0.5, 1, 2])
    let s = try scenario.resolve(for: ode).simulate(ode)
    let failure = try #require(s.failure)
    #expect(failure.reason == .invalidEventDelay(event: "E", delay: -1))
    #expect(failure.time == 1)
    #expect(failure.description.contains("event 'E' was triggered at t = 1 with delay -1"))
    #expect(s.trajectory.times == [0, 0.5])
  }
}
