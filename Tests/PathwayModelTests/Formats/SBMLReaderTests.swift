import Foundation
import Testing

@testable import PathwayModel

@Suite("SBML reader")
struct SBMLReaderTests {
  static func document(_ body: String, extraNamespaces: String = "") -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" \(extraNamespaces)level="3" version="2">
      <model id="m">
    \(body)
      </model>
    </sbml>
    """
  }

  static let decay = document("""
        <listOfCompartments>
          <compartment id="C" spatialDimensions="3" size="2" constant="true"/>
        </listOfCompartments>
        <listOfSpecies>
          <species id="S" compartment="C" initialConcentration="3" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
        </listOfSpecies>
        <listOfParameters>
          <parameter id="k" value="0.5" constant="true"/>
        </listOfParameters>
        <listOfReactions>
          <reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw>
              <math xmlns="http://www.w3.org/1998/Math/MathML">
                <apply><times/><ci> C </ci><ci> k </ci><ci> S </ci></apply>
              </math>
            </kineticLaw>
          </reaction>
        </listOfReactions>
        <listOfEvents>
          <event id="E" useValuesFromTriggerTime="true">
            <trigger initialValue="true" persistent="true">
              <math xmlns="http://www.w3.org/1998/Math/MathML">
                <apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol><cn> 1 </cn></apply>
              </math>
            </trigger>
            <delay><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 0.5 </cn></math></delay>
            <listOfEventAssignments>
              <eventAssignment variable="S">
                <math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 3 </cn></math>
              </eventAssignment>
            </listOfEventAssignments>
          </event>
        </listOfEvents>
    """)

  func read(_ text: String) throws -> Model {
    try SBMLReader.read(data: Data(text.utf8), file: "m.xml")
  }

  @Test("species hold amounts, formulas see concentrations, and a delayed event resets the species")
  func amountsAndEvents() throws {
    let m = try read(Self.decay)
    let ode = try ODEModel(model: m)
    var scenario = Scenario()
    scenario.time.end = 3
    scenario.time.grid = .times([0, 1, 1.5, 2, 3])
    scenario.output.select = ["S"]
    scenario.output.concentration = ["S"]
    scenario.solver.rtol = 1e-10
    scenario.solver.atol = 1e-14
    let run = try scenario.resolve(for: ode)
    let s = try run.simulate(ode)
    #expect(s.failure == nil)
    let c = try #require(s.trajectory.column("S"))
    // d[S]/dt = −k[S]·C/C… the kinetic law C·k·[S] is in amount/time, so d[S]/dt = −k[S].
    expectClose(c[0], 3, absolute: 1e-12, "[S](0)")
    expectClose(c[1], 3 * exp(-0.5), relative: 1e-8, "[S](1)")
    // The event triggers at t = 1 and executes at 1.5: the row at 1.5 shows the reset value.
    expectClose(c[2], 3, relative: 1e-8, "[S](1.5)")
    expectClose(c[3], 3 * exp(-0.25), relative: 1e-8, "[S](2)")
    scenario.output.concentration = nil
    scenario.output.amount = ["S"]
    let amounts = try scenario.resolve(for: ode).simulate(ode)
    expectClose(try #require(amounts.trajectory.column("S"))[0], 6, absolute: 1e-12, "amount = concentration × size")
  }

  @Test("event rows: the state just before and just after each execution, on or off the output grid")
  func eventRows() throws {
    let ode = try ODEModel(model: try read(Self.decay))
    for (grid, times) in [([0.0, 1, 2, 3], [0.0, 1, 1.5, 1.5, 2, 3]), ([0, 1, 1.5, 2, 3], [0, 1, 1.5, 1.5, 2, 3])] {
      var scenario = Scenario()
      scenario.time.end = 3
      scenario.time.grid = .times(grid)
      scenario.output.select = ["S"]
      scenario.output.concentration = ["S"]
      scenario.output.eventRows = true
      scenario.solver.rtol = 1e-10
      scenario.solver.atol = 1e-14
      let run = try scenario.resolve(for: ode)
      #expect(run.options.eventRows)
      let s = try run.simulate(ode)
      // The trigger at t = 1 only schedules (no row); the execution at 1.5 gives two rows.
      #expect(s.trajectory.times == times, "grid \(grid)")
      let c = try #require(s.trajectory.column("S"))
      expectClose(c[2], 3 * exp(-0.75), relative: 1e-8, "[S] just before the event")
      expectClose(c[3], 3, relative: 1e-8, "[S] just after")
      expectClose(c[4], 3 * exp(-0.25), relative: 1e-8, "[S](2)")
      // Without event rows the grid alone.
      scenario.output.eventRows = nil
      #expect(try scenario.resolve(for: ode).simulate(ode).trajectory.times == grid)
    }
  }

  @Test("malformed XML is a located error (exit 65)")
  func malformed() {
    let error = pathwayError { _ = try read("<sbml level=\"3\" version=\"2\">\n  <model id=\"m\">\n  </modl>\n</sbml>") }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.location?.line == 3)
    #expect(error?.diagnostics.first?.message.hasPrefix("malformed XML") == true)
  }

  @Test("a kinetic law naming an undefined id names it, with the line")
  func undefinedIdentifier() {
    let text = Self.decay.replacingOccurrences(of: "<ci> k </ci>", with: "<ci> kk </ci>")
    let error = pathwayError { _ = try read(text) }
    #expect(error?.exitCode == 65)
    let d = error?.diagnostics.first
    #expect(d?.message == "unknown identifier 'kk' in the math of 'R'")
    #expect(d?.location?.line == 18)
    #expect(d?.notes.first?.contains("'k'") == true)
  }

  @Test("unsupported constructs are refused by name, all at once")
  func unsupported() throws {
    let text = Self.document(
      """
          <listOfReactions>
            <reaction id="R" reversible="false" fast="true"/>
          </listOfReactions>
          <spatial:geometry/>
      """, extraNamespaces: "xmlns:spatial=\"http://www.sbml.org/sbml/level3/version1/spatial/version1\" spatial:required=\"true\" ")
    let error = pathwayError { _ = try read(text) }
    #expect(error?.exitCode == 65)
    let messages = error?.diagnostics.map(\.message) ?? []
    #expect(messages.contains { $0.contains("fast reaction 'R'") })
    #expect(messages.contains { $0.contains("'spatial' package") })
    #expect(error?.diagnostics.allSatisfy { $0.location?.line != nil } == true)
  }

  static let decayBody = """
        <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
        <listOfSpecies><species id="S" compartment="c" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
        <listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters>
        <listOfReactions><reaction id="r" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
          <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw></reaction></listOfReactions>
    """

  @Test("a package declared required=\"false\" (layout) is ignored with one warning; the model reads as core")
  func optionalPackageIgnored() throws {
    let text = Self.document(
      Self.decayBody + "\n" + """
            <lay:listOfLayouts><lay:layout lay:id="l1"><lay:dimensions lay:width="100" lay:height="100"/></lay:layout></lay:listOfLayouts>
        """,
      extraNamespaces: "xmlns:lay=\"http://www.sbml.org/sbml/level3/version1/layout/version1\" lay:required=\"false\" ")
    let m = try read(text)
    #expect(m.nodes.map(\.id) == ["S"])
    let warnings = m.warnings.filter { $0.message.contains("'layout' package is ignored") }
    #expect(warnings.count == 1)
    #expect(warnings.first?.location?.line == 9)
  }

  @Test("a package declared required but unused reads as core with a warning; a used one is refused where it is used")
  func requiredPackages() throws {
    let unused = Self.document(
      Self.decayBody,
      extraNamespaces: "xmlns:spatial=\"http://www.sbml.org/sbml/level3/version1/spatial/version1\" spatial:required=\"true\" ")
    let m = try read(unused)
    #expect(m.warnings.contains { $0.message.contains("declares the 'spatial' package required") })
    // An attribute of a required package on a core element changes that element's meaning.
    let attribute = Self.document(
      Self.decayBody.replacingOccurrences(of: "<species id=\"S\"", with: "<species multi:speciesType=\"T\" id=\"S\""),
      extraNamespaces: "xmlns:multi=\"http://www.sbml.org/sbml/level3/version1/multi/version1\" multi:required=\"true\" ")
    let error = pathwayError { _ = try read(attribute) }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message.contains("attribute 'multi:speciesType' of the 'multi' package") == true)
    #expect(error?.diagnostics.first?.location?.line == 5)
    // A package the document never declares cannot be known to be optional: refused.
    let undeclared = Self.document(
      Self.decayBody + "\n    <x:extra xmlns:x=\"http://www.sbml.org/sbml/level3/version1/spatial/version1\"/>")
    let refused = pathwayError { _ = try read(undeclared) }
    #expect(refused?.diagnostics.first?.message.contains("element <extra> of the 'spatial' package (only SBML core is supported)") == true)
  }

  @Test("comp ports are dropped by the flattening and distrib uncertainties add no mathematics (a warning)")
  func inertPackageElements() throws {
    let comp = "xmlns:comp=\"http://www.sbml.org/sbml/level3/version1/comp/version1\" comp:required=\"true\" "
    let ports = Self.document(
      Self.decayBody + "\n" + """
            <comp:listOfPorts><comp:port comp:id="S_port" comp:idRef="S"/></comp:listOfPorts>
        """, extraNamespaces: comp)
    let m = try read(ports)
    #expect(m.nodes.map(\.id) == ["S"])
    #expect(!m.warnings.contains { $0.message.contains("comp") })

    let distrib = "xmlns:distrib=\"http://www.sbml.org/sbml/level3/version1/distrib/version1\" distrib:required=\"true\" "
    let uncertain = Self.document(
      Self.decayBody.replacingOccurrences(
        of: "<parameter id=\"k\" value=\"0.5\" constant=\"true\"/>",
        with: "<parameter id=\"k\" value=\"0.5\" constant=\"true\"><distrib:listOfUncertainties><distrib:uncertainty/></distrib:listOfUncertainties></parameter>"),
      extraNamespaces: distrib)
    let u = try read(uncertain)
    #expect(u.parameters.first { $0.id == "k" }?.value == 0.5)
    #expect(u.warnings.contains { $0.message.hasPrefix("<listOfUncertainties> of the 'distrib' package is ignored") })
  }

  @Test("what SBML forbids a rule or an event to assign is refused, with the line", arguments: [
    // (the model's body, the start of the message)
    ("""
        <listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
        <listOfRules><rateRule variable="k"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 1 </cn></math></rateRule></listOfRules>
    """, "the rate rule of parameter 'k' changes it, but it is declared constant=\"true\""),
    ("""
        <listOfCompartments><compartment id="C" size="1" spatialDimensions="3" constant="true"/></listOfCompartments>
        <listOfEvents><event useValuesFromTriggerTime="true"><trigger initialValue="true" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML"><true/></math></trigger>
          <listOfEventAssignments><eventAssignment variable="C"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 2 </cn></math></eventAssignment></listOfEventAssignments>
        </event></listOfEvents>
    """, "an event assigns to compartment 'C', which is declared constant=\"true\""),
    ("""
        <listOfParameters><parameter id="x" value="1" constant="false"/></listOfParameters>
        <listOfRules>
          <rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 1 </cn></math></rateRule>
          <rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 5 </cn></math></rateRule>
        </listOfRules>
    """, "'x' has a second rule (a rate rule after the rate rule on line"),
    ("""
        <listOfParameters><parameter id="x" constant="false"/></listOfParameters>
        <listOfInitialAssignments><initialAssignment symbol="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 1 </cn></math></initialAssignment></listOfInitialAssignments>
        <listOfRules><assignmentRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 2 </cn></math></assignmentRule></listOfRules>
    """, "an initial assignment to 'x', which an assignment rule defines at all times"),
    ("""
        <listOfParameters><parameter id="z" constant="true"/></listOfParameters>
    """, "parameter 'z' has no value, and no initial assignment or assignment rule gives one"),
    ("""
        <listOfCompartments><compartment id="C" size="1" spatialDimensions="3" constant="true"/></listOfCompartments>
        <listOfSpecies><species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
        <listOfRules><rateRule variable="S"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 1 </cn></math></rateRule></listOfRules>
        <listOfReactions><reaction id="R" reversible="false">
          <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
          <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><ci> S </ci></math></kineticLaw>
        </reaction></listOfReactions>
    """, "species 'S' is changed both by its rate rule and by reaction 'R'"),
  ])
  func forbiddenTargets(body: String, message: String) {
    let error = pathwayError { _ = try read(Self.document(body)) }
    #expect(error?.exitCode == 65)
    let d = error?.diagnostics.first
    #expect(d?.message.hasPrefix(message) == true, "\(d?.message ?? "no error")")
    #expect(d?.location?.line != nil)
  }

  @Test("an SBML id may be named like a keyword or 'time'")
  func keywordIdentifiers() throws {
    let text = Self.document("""
        <listOfParameters>
          <parameter id="time" value="2" constant="false"/>
          <parameter id="true" value="3" constant="true"/>
        </listOfParameters>
        <listOfRules>
          <assignmentRule variable="time">
            <math xmlns="http://www.w3.org/1998/Math/MathML">
              <apply><times/><ci> true </ci><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time"> t </csymbol></apply>
            </math>
          </assignmentRule>
        </listOfRules>
    """)
    let m = try read(text)
    let ode = try ODEModel(model: m)
    var scenario = Scenario()
    scenario.time.end = 2
    scenario.time.grid = .steps(2)
    scenario.output.select = ["time", "true"]
    let s = try scenario.resolve(for: ode).simulate(ode)
    #expect(s.trajectory.column("time") == [0, 3, 6])
    #expect(s.trajectory.column("true") == [3, 3, 3])
  }
}

@Suite("SBML reader warnings")
struct SBMLReaderWarningTests {
  static func events(_ triggers: [String]) -> String {
    let events = triggers.enumerated().map { i, trigger in
      """
      <event id="E\(i)" useValuesFromTriggerTime="true">
        <trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">\(trigger)</math></trigger>
        <listOfEventAssignments><eventAssignment variable="p"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></eventAssignment></listOfEventAssignments>
      </event>
      """
    }.joined(separator: "\n")
    return SBMLReaderTests.document("""
        <listOfParameters>
          <parameter id="p" value="0" constant="false"/><parameter id="q" value="0" constant="false"/>
          <parameter id="c" value="3" constant="true"/>
        </listOfParameters>
        <listOfRules><rateRule variable="q"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></rateRule></listOfRules>
        <listOfEvents>\(events)</listOfEvents>
      """)
  }

  static let time = #"<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>"#

  @Test("an equality trigger on a continuously changing quantity is reported; on time or constants it is not")
  func equalityTriggers() throws {
    let text = Self.events([
      "<apply><eq/><ci>q</ci><cn>3</cn></apply>",
      "<apply><eq/>\(Self.time)<ci>c</ci></apply>",
      "<apply><geq/><ci>q</ci><cn>3</cn></apply>",
    ])
    let model = try SBMLReader.read(data: Data(text.utf8), file: "eq.xml")
    #expect(model.warnings.count == 1)
    let warning = try #require(model.warnings.first)
    #expect(warning.message.contains("event 'E0'") && warning.message.contains("equality on 'q'"), "\(warning)")
    #expect(warning.location?.file == "eq.xml")
  }

  @Test("an event without a trigger is reported, not dropped silently")
  func missingTrigger() throws {
    let text = SBMLReaderTests.document("""
        <listOfParameters><parameter id="p" value="0" constant="false"/></listOfParameters>
        <listOfEvents><event id="E"><listOfEventAssignments><eventAssignment variable="p"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></eventAssignment></listOfEventAssignments></event></listOfEvents>
      """)
    let model = try SBMLReader.read(data: Data(text.utf8), file: "e.xml")
    #expect(model.warnings.map(\.message) == ["event 'E' has no trigger; it never fires"])
  }

  @Test("elements without math (Level 3 Version 2) are ignored, each with a warning")
  func missingMath() throws {
    let m = "xmlns=\"http://www.w3.org/1998/Math/MathML\""
    let text = SBMLReaderTests.document("""
        <listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
        <listOfSpecies><species id="S" compartment="C" initialAmount="2" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
        <listOfParameters>
          <parameter id="p" value="3" constant="false"/><parameter id="q" value="4" constant="false"/>
          <parameter id="r" value="5" constant="false"/>
        </listOfParameters>
        <listOfInitialAssignments><initialAssignment symbol="r"/></listOfInitialAssignments>
        <listOfRules><rateRule variable="p"/><assignmentRule variable="q"/><algebraicRule/></listOfRules>
        <listOfReactions>
          <reaction id="R" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants><kineticLaw/></reaction>
        </listOfReactions>
        <listOfEvents>
          <event id="E" useValuesFromTriggerTime="true">
            <trigger initialValue="false" persistent="true"><math \(m)><apply><gt/>\(Self.time)<cn>1</cn></apply></math></trigger>
            <delay/><priority/>
            <listOfEventAssignments>
              <eventAssignment variable="q"/><eventAssignment variable="r"><math \(m)><cn>7</cn></math></eventAssignment>
            </listOfEventAssignments>
          </event>
        </listOfEvents>
      """)
    let model = try SBMLReader.read(data: Data(text.utf8), file: "nomath.xml")
    #expect(
      model.warnings.map(\.message) == [
        "the rate rule for 'p' has no math; it is ignored", "the assignment rule for 'q' has no math; it is ignored",
        "an algebraic rule has no math; it is ignored", "the kinetic law of 'R' has no math; it is ignored",
        "the initial assignment to 'r' has no math; it is ignored", "the delay of event 'E' has no math; it is ignored",
        "the priority of event 'E' has no math; it is ignored", "the assignment to 'q' of event 'E' has no math; it is ignored",
      ])
    #expect(model.warnings.allSatisfy { $0.location?.line != nil })
    let v = try SBMLPublishedModelTests.simulate(text, end: 2, times: [0, 2], select: ["S", "p", "q", "r"], amount: ["S"])
    #expect(v["S"] == [2, 2] && v["p"] == [3, 3] && v["q"] == [4, 4] && v["r"] == [5, 7])
  }
}
