import Foundation
import Testing

@testable import PathwayModel

/// Constructs that published (BioModels-style) SBML uses and the SBML reader once refused or got
/// wrong, each in a small hand-written document with an analytic expectation.
@Suite("SBML constructs of published models")
struct SBMLPublishedModelTests {
  static let mathML = "xmlns=\"http://www.w3.org/1998/Math/MathML\""
  static let time = "<csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\"> t </csymbol>"

  static func document(namespace: String, level: Int, version: Int, _ body: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="\(namespace)" level="\(level)" version="\(version)">
      <model id="m">
    \(body)
      </model>
    </sbml>
    """
  }

  /// Simulates with tight tolerances and returns the columns asked for.
  static func simulate(
    _ text: String, end: Double, times: [Double], select: [String], amount: [String]? = nil,
    concentration: [String]? = nil, settings: [String: Double] = [:]
  ) throws -> [String: [Double]] {
    let model = try SBMLReader.read(data: Data(text.utf8), file: "m.xml")
    let ode = try ODEModel(model: model)
    var scenario = Scenario()
    scenario.time.end = end
    scenario.time.grid = .times(times)
    scenario.output.select = select
    scenario.output.amount = amount
    scenario.output.concentration = concentration
    scenario.solver.rtol = 1e-10
    scenario.solver.atol = 1e-14
    for (target, value) in settings.sorted(by: { $0.key < $1.key }) {
      scenario.settings.append(Scenario.Setting(target: target, value: value))
    }
    let run = try scenario.resolve(for: ode).simulate(ode)
    #expect(run.failure == nil)
    var columns: [String: [Double]] = [:]
    for id in select {
      let column = try #require(run.trajectory.column(id))
      columns[id] = column
    }
    return columns
  }

  /// A Level 2 model with Level 2 defaults (no `constant`, `hasOnlySubstanceUnits` or
  /// `reversible` attributes), a local parameter and a delayed event; `k` = 0.5 in a compartment
  /// of size 2: [A] = 3·e^(−t/2) until the event at t = 1 fires (trigger time) and executes at
  /// 1.5, setting [A] to [A](1) + 1.
  static func level2Model(namespace: String, version: Int) -> String {
    document(namespace: namespace, level: 2, version: version, """
        <listOfCompartments><compartment id="c" size="2"/></listOfCompartments>
        <listOfSpecies><species id="A" compartment="c" initialConcentration="3"/></listOfSpecies>
        <listOfReactions>
          <reaction id="r">
            <listOfReactants><speciesReference species="A"/></listOfReactants>
            <kineticLaw>
              <math \(mathML)><apply><times/><ci> c </ci><ci> k </ci><ci> A </ci></apply></math>
              <listOfParameters><parameter id="k" value="0.5"/></listOfParameters>
            </kineticLaw>
          </reaction>
        </listOfReactions>
        <listOfEvents>
          <event id="e">
            <trigger><math \(mathML)><apply><geq/>\(time)<cn> 1 </cn></apply></math></trigger>
            <delay><math \(mathML)><cn> 0.5 </cn></math></delay>
            <listOfEventAssignments>
              <eventAssignment variable="A"><math \(mathML)><apply><plus/><ci> A </ci><cn> 1 </cn></apply></math></eventAssignment>
            </listOfEventAssignments>
          </event>
        </listOfEvents>
    """)
  }

  @Test(
    "Level 2 Versions 1–5 read alike (Version 1's namespace has no version part)",
    arguments: [
      ("http://www.sbml.org/sbml/level2", 1), ("http://www.sbml.org/sbml/level2/version2", 2),
      ("http://www.sbml.org/sbml/level2/version3", 3), ("http://www.sbml.org/sbml/level2/version4", 4),
      ("http://www.sbml.org/sbml/level2/version5", 5),
    ])
  func level2Versions(namespace: String, version: Int) throws {
    let text = Self.level2Model(namespace: namespace, version: version)
    let c = try Self.simulate(text, end: 2.5, times: [0, 1, 1.5, 2.5], select: ["A"], concentration: ["A"])["A"]!
    let atTrigger = 3 * exp(-0.5)
    expectClose(c[1], atTrigger, relative: 1e-8, "[A](1)")
    // The assignment uses the values at the trigger time (Level 2's only meaning before Version 4).
    expectClose(c[2], atTrigger + 1, relative: 1e-8, "[A](1.5)")
    expectClose(c[3], (atTrigger + 1) * exp(-0.5), relative: 1e-8, "[A](2.5)")
  }

  @Test("Level 1, and versions that do not exist, are refused by level and version")
  func otherLevels() {
    for (level, version) in [(1, 2), (2, 6), (3, 3)] {
      let text = Self.document(namespace: "http://www.sbml.org/sbml/level\(level)", level: level, version: version, "")
      let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
      #expect(error?.exitCode == 65)
      #expect(error?.diagnostics.first?.message == "unsupported SBML level \(level) version \(version)")
    }
  }

  @Test("a function definition whose lambda is wrapped in <semantics> is inlined")
  func semanticsLambda() throws {
    let text = Self.document(namespace: "http://www.sbml.org/sbml/level2/version4", level: 2, version: 4, """
        <listOfFunctionDefinitions>
          <functionDefinition id="linear">
            <math \(Self.mathML)>
              <semantics>
                <lambda><bvar><ci> k </ci></bvar><bvar><ci> x </ci></bvar><apply><times/><ci> k </ci><ci> x </ci></apply></lambda>
                <annotation encoding="text">k·x</annotation>
              </semantics>
            </math>
          </functionDefinition>
        </listOfFunctionDefinitions>
        <listOfCompartments><compartment id="c" size="1"/></listOfCompartments>
        <listOfSpecies><species id="A" compartment="c" initialConcentration="2"/></listOfSpecies>
        <listOfParameters><parameter id="k" value="0.25"/></listOfParameters>
        <listOfReactions>
          <reaction id="r" reversible="false">
            <listOfReactants><speciesReference species="A"/></listOfReactants>
            <kineticLaw><math \(Self.mathML)><apply><ci> linear </ci><ci> k </ci><ci> A </ci></apply></math></kineticLaw>
          </reaction>
        </listOfReactions>
    """)
    let a = try Self.simulate(text, end: 4, times: [0, 4], select: ["A"])["A"]!
    expectClose(a[1], 2 * exp(-1), relative: 1e-8, "A(4)")
  }

  @Test("the avogadro csymbol is SBML Level 3's constant 6.02214179e23")
  func avogadro() throws {
    let text = Self.document(namespace: "http://www.sbml.org/sbml/level3/version1/core", level: 3, version: 1, """
        <listOfParameters><parameter id="n" value="1" constant="false"/></listOfParameters>
        <listOfRules>
          <rateRule variable="n">
            <math \(Self.mathML)><apply><times/><cn> 1e-24 </cn><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/avogadro"> avogadro </csymbol></apply></math>
          </rateRule>
        </listOfRules>
    """)
    let n = try Self.simulate(text, end: 10, times: [0, 10], select: ["n"])["n"]!
    expectClose(n[1], 1 + 10 * 0.602214179, relative: 1e-12, "n(10)")
  }

  /// A non-constant parameter is a state, so the Jacobian holds ∂(Aⁿ)/∂n = Aⁿ·ln A, which is
  /// 0·(−∞) at A = 0 unless written with its limit: the implicit (default) method then failed at
  /// t = 0 with "the right-hand side failed".
  @Test("a power whose base starts at 0 and whose exponent is a state integrates with the implicit method")
  func powerOfZeroWithStateExponent() throws {
    let text = Self.document(namespace: "http://www.sbml.org/sbml/level2/version4", level: 2, version: 4, """
        <listOfCompartments><compartment id="c" size="1"/></listOfCompartments>
        <listOfSpecies>
          <species id="A" compartment="c" initialConcentration="0"/>
          <species id="B" compartment="c" initialConcentration="1"/>
        </listOfSpecies>
        <listOfParameters><parameter id="n" value="2" constant="false"/></listOfParameters>
        <listOfReactions>
          <reaction id="make" reversible="false">
            <listOfProducts><speciesReference species="A"/></listOfProducts>
            <kineticLaw><math \(Self.mathML)><cn> 1 </cn></math></kineticLaw>
          </reaction>
          <reaction id="use" reversible="false">
            <listOfReactants><speciesReference species="B"/></listOfReactants>
            <listOfModifiers><modifierSpeciesReference species="A"/></listOfModifiers>
            <kineticLaw><math \(Self.mathML)><apply><power/><ci> A </ci><ci> n </ci></apply></math></kineticLaw>
          </reaction>
        </listOfReactions>
    """)
    // A = t, dB/dt = −t²: B = 1 − t³/3.
    let b = try Self.simulate(text, end: 1, times: [0, 0.5, 1], select: ["B"])["B"]!
    expectClose(b[1], 1 - 0.125 / 3, relative: 1e-8, "B(0.5)")
    expectClose(b[2], 2.0 / 3, relative: 1e-8, "B(1)")
  }
}

@Suite("Absolute tolerance of species in small compartments")
struct SmallCompartmentToleranceTests {
  /// A → ∅ at rate k·[A] in a cell of 1e-15 L: the state holds amounts near 1e-15, far below the
  /// default atol 1e-12. The absolute tolerance is scaled by the compartment's size, so the
  /// concentration 2·e^(−kt) comes out to the default tolerance's accuracy.
  static let cell = SBMLPublishedModelTests.document(
    namespace: "http://www.sbml.org/sbml/level3/version2/core", level: 3, version: 2, """
      <listOfCompartments><compartment id="cell" size="1e-15" constant="true"/></listOfCompartments>
      <listOfSpecies>
        <species id="A" compartment="cell" initialConcentration="2" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      </listOfSpecies>
      <listOfParameters><parameter id="k" value="0.7" constant="true"/></listOfParameters>
      <listOfReactions>
        <reaction id="decay" reversible="false">
          <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
          <kineticLaw>
            <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci> cell </ci><ci> k </ci><ci> A </ci></apply></math>
          </kineticLaw>
        </reaction>
      </listOfReactions>
    """)

  @Test("the state's absolute tolerance is atol × 1e-15; at default tolerances [A] matches 2·e^(−0.7t) to 1e-6", arguments: [Stepper.rodas5p, .msbdf])
  func scaled(method: Stepper) throws {
    let model = try SBMLReader.read(data: Data(Self.cell.utf8), file: "cell.xml")
    let ode = try ODEModel(model: model)
    #expect(ode.absoluteToleranceScales == [1e-15])
    var scenario = Scenario()
    scenario.time.end = 10
    scenario.time.grid = .steps(10)
    scenario.output.select = ["A"]
    scenario.output.concentration = ["A"]
    scenario.solver.method = method.rawValue
    let run = try scenario.resolve(for: ode).simulate(ode)
    #expect(run.failure == nil)
    let column = try #require(run.trajectory.column("A"))
    for (t, value) in zip(run.trajectory.times, column) {
      let exact = 2 * exp(-0.7 * t)
      #expect(abs(value - exact) <= 1e-6 * exact, "t = \(t): \(value) vs \(exact)")
    }
    // atol_scale none: atol on the amount as stored (what the plain GSL and CVODE drivers do).
    scenario.solver.atolScale = "none"
    let uniform = try scenario.resolve(for: ode)
    #expect(uniform.options.atolScale == AbsoluteToleranceScale.none)
    #expect(uniform.record["solver"].map { "\($0)" }?.contains("none") == true)
    scenario.solver.atolScale = "per-species"
    #expect(throws: PathwayError.self) { _ = try scenario.resolve(for: ode) }
  }
}
