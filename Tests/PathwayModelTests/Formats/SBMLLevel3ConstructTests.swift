import Foundation
import Testing

@testable import PathwayModel

/// Conversion factors, stoichiometries that rules, events and initial assignments change, Level 2
/// stoichiometryMath and the `rateOf` csymbol, each in a small document with an analytic
/// expectation (the SBML Test Suite's tier 3 tags ConversionFactors, Assigned(Constant|Variable)
/// Stoichiometry, SpeciesReferenceInMath, StoichiometryMath and CSymbolRateOf).
@Suite("SBML conversion factors, variable stoichiometry and rateOf")
struct SBMLLevel3ConstructTests {
  static let m = SBMLPublishedModelTests.mathML
  static let time = SBMLPublishedModelTests.time
  static func rateOf(_ x: String) -> String {
    "<apply><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/rateOf\">rateOf</csymbol><ci>\(x)</ci></apply>"
  }
  static func l3(_ body: String, modelAttributes: String = "") -> String {
    SBMLPublishedModelTests.document(namespace: "http://www.sbml.org/sbml/level3/version2/core", level: 3, version: 2, body)
      .replacingOccurrences(of: "<model id=\"m\">", with: "<model id=\"m\" \(modelAttributes)>")
  }
  static func simulate(_ text: String, end: Double, times: [Double], select: [String], amount: [String]? = nil,
                       concentration: [String]? = nil) throws -> [String: [Double]] {
    try SBMLPublishedModelTests.simulate(text, end: end, times: times, select: select, amount: amount, concentration: concentration)
  }
  static func close(_ a: Double, _ b: Double, _ rtol: Double = 1e-7) -> Bool {
    abs(a - b) <= rtol * max(abs(b), 1e-3)
  }

  /// A → 2 B at rate k·[A] in a compartment of size 1; A's own factor f = 2, B takes the model's
  /// g = 0.5: d[A]/dt = −f·k·[A], d[B]/dt = g·2·k·[A], so [A] = 3e^(−fkt), [B] = (2g/f)·3(1 − e^(−fkt)).
  static let conversion = l3("""
      <listOfCompartments><compartment id="C" spatialDimensions="3" size="1" constant="true"/></listOfCompartments>
      <listOfSpecies>
        <species id="A" compartment="C" initialConcentration="3" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false" conversionFactor="f"/>
        <species id="B" compartment="C" initialConcentration="0" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      </listOfSpecies>
      <listOfParameters>
        <parameter id="f" value="2" constant="true"/><parameter id="g" value="0.5" constant="true"/><parameter id="k" value="0.3" constant="true"/>
      </listOfParameters>
      <listOfReactions>
        <reaction id="R" reversible="false">
          <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
          <listOfProducts><speciesReference species="B" stoichiometry="2" constant="true"/></listOfProducts>
          <kineticLaw><math \(m)><apply><times/><ci>k</ci><ci>A</ci></apply></math></kineticLaw>
        </reaction>
      </listOfReactions>
    """, modelAttributes: "conversionFactor=\"g\"")

  @Test("conversion factors scale what reactions do to a species: the species' own, else the model's")
  func conversionFactors() throws {
    let times = [0.0, 1, 2.5, 5]
    let c = try Self.simulate(Self.conversion, end: 5, times: times, select: ["A", "B"], concentration: ["A", "B"])
    for (i, t) in times.enumerated() {
      let e = exp(-2 * 0.3 * t)
      #expect(Self.close(c["A"]![i], 3 * e))
      #expect(Self.close(c["B"]![i], 2 * 0.5 / 2 * 3 * (1 - e)))
    }
  }

  @Test("a conversion factor that is no parameter is an error naming it")
  func unknownConversionFactor() {
    let text = Self.conversion.replacingOccurrences(of: "conversionFactor=\"f\"", with: "conversionFactor=\"nope\"")
    let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message == "the conversion factor 'nope' of species 'A' is not a parameter of the model")
    #expect(error?.diagnostics.first?.location?.line != nil)
  }

  /// A zero-order reaction at rate v = 0.5 (amounts, hasOnlySubstanceUnits): A loses sA (an
  /// initial assignment makes it 2), B gains sB = 1 + 0.1t (an assignment rule), E gains sE with
  /// dsE/dt = 0.25 (a rate rule, sE(0) = 1), and F gains sF, which an event sets to 3 at t = 4.
  static let stoichiometry = l3("""
      <listOfCompartments><compartment id="C" spatialDimensions="3" size="1" constant="true"/></listOfCompartments>
      <listOfSpecies>
        <species id="A" compartment="C" initialAmount="20" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
        <species id="B" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
        <species id="E" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
        <species id="F" compartment="C" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
      </listOfSpecies>
      <listOfParameters><parameter id="twice" value="0" constant="false"/></listOfParameters>
      <listOfInitialAssignments>
        <initialAssignment symbol="sA"><math \(m)><cn>2</cn></math></initialAssignment>
      </listOfInitialAssignments>
      <listOfRules>
        <assignmentRule variable="sB"><math \(m)><apply><plus/><cn>1</cn><apply><times/><cn>0.1</cn>\(time)</apply></apply></math></assignmentRule>
        <rateRule variable="sE"><math \(m)><cn>0.25</cn></math></rateRule>
        <assignmentRule variable="twice"><math \(m)><apply><times/><cn>2</cn><ci>sB</ci></apply></math></assignmentRule>
      </listOfRules>
      <listOfReactions>
        <reaction id="R" reversible="false">
          <listOfReactants><speciesReference id="sA" species="A" constant="true"/></listOfReactants>
          <listOfProducts>
            <speciesReference id="sB" species="B" constant="false"/>
            <speciesReference id="sE" species="E" stoichiometry="1" constant="false"/>
            <speciesReference id="sF" species="F" stoichiometry="1" constant="false"/>
          </listOfProducts>
          <kineticLaw><math \(m)><cn>0.5</cn></math></kineticLaw>
        </reaction>
      </listOfReactions>
      <listOfEvents>
        <event id="ev" useValuesFromTriggerTime="true">
          <trigger initialValue="false" persistent="true"><math \(m)><apply><geq/>\(time)<cn>4</cn></apply></math></trigger>
          <listOfEventAssignments><eventAssignment variable="sF"><math \(m)><cn>3</cn></math></eventAssignment></listOfEventAssignments>
        </event>
      </listOfEvents>
    """)

  @Test("stoichiometries given by initial assignments, assignment rules, rate rules and events drive the reactions")
  func variableStoichiometry() throws {
    let times = [0.0, 2, 4, 6]
    let c = try Self.simulate(Self.stoichiometry, end: 6, times: times, select: ["A", "B", "E", "F", "sB", "twice"])
    for (i, t) in times.enumerated() {
      #expect(Self.close(c["A"]![i], 20 - 2 * 0.5 * t))
      #expect(Self.close(c["B"]![i], 0.5 * (t + 0.05 * t * t)))
      #expect(Self.close(c["E"]![i], 0.5 * (t + 0.125 * t * t)))
      #expect(Self.close(c["F"]![i], t <= 4 ? 0.5 * t : 2 + 0.5 * 3 * (t - 4)))
      #expect(Self.close(c["twice"]![i], 2 * (1 + 0.1 * t)))
    }
  }

  @Test("a species reference declared constant that a rule changes is refused with the line")
  func constantReferenceAssigned() {
    let text = Self.stoichiometry.replacingOccurrences(of: "id=\"sB\" species=\"B\" constant=\"false\"", with: "id=\"sB\" species=\"B\" constant=\"true\"")
    let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message.hasPrefix("the assignment rule of species reference 'sB' changes it") == true)
  }

  @Test("Level 2 stoichiometryMath is the stoichiometry at all times")
  func stoichiometryMath() throws {
    // A → B at rate 0.5 (amount units), B gaining s = 1 + 0.2t per unit: B = 0.5(t + 0.1t²).
    let text = SBMLPublishedModelTests.document(namespace: "http://www.sbml.org/sbml/level2/version4", level: 2, version: 4, """
        <listOfCompartments><compartment id="c" size="1"/></listOfCompartments>
        <listOfSpecies><species id="A" compartment="c" initialAmount="10"/><species id="B" compartment="c" initialAmount="0"/></listOfSpecies>
        <listOfParameters><parameter id="s" value="1" constant="false"/></listOfParameters>
        <listOfRules>
          <assignmentRule variable="s"><math \(Self.m)><apply><plus/><cn>1</cn><apply><times/><cn>0.2</cn>\(Self.time)</apply></apply></math></assignmentRule>
        </listOfRules>
        <listOfReactions>
          <reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="A"/></listOfReactants>
            <listOfProducts><speciesReference species="B"><stoichiometryMath><math \(Self.m)><ci>s</ci></math></stoichiometryMath></speciesReference></listOfProducts>
            <kineticLaw><math \(Self.m)><cn>0.5</cn></math></kineticLaw>
          </reaction>
        </listOfReactions>
      """)
    let times = [0.0, 1, 3, 5]
    let c = try Self.simulate(text, end: 5, times: times, select: ["A", "B"], amount: ["A", "B"])
    for (i, t) in times.enumerated() {
      #expect(Self.close(c["A"]![i], 10 - 0.5 * t))
      #expect(Self.close(c["B"]![i], 0.5 * (t + 0.1 * t * t)))
    }
  }

  /// A (a concentration) leaves a compartment growing at dC/dt = 0.1 from C = 2 at rate k·[A]
  /// (amount per time): d[A]/dt = (dn/dt − [A]·dC/dt)/C = −[A](k + 0.1)/C. q decays at 0.2·q; p = t².
  static let rates = l3("""
      <listOfCompartments><compartment id="C" spatialDimensions="3" size="2" constant="false"/></listOfCompartments>
      <listOfSpecies>
        <species id="A" compartment="C" initialConcentration="4" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
        <species id="B" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
      </listOfSpecies>
      <listOfParameters>
        <parameter id="k" value="0.3" constant="true"/>
        <parameter id="rA" constant="false"/><parameter id="rB" constant="false"/><parameter id="rC" constant="false"/>
        <parameter id="rq" constant="false"/><parameter id="rp" constant="false"/><parameter id="rk" constant="false"/>
        <parameter id="q" value="1" constant="false"/><parameter id="p" constant="false"/>
        <parameter id="x" value="0" constant="false"/><parameter id="init" value="0" constant="true"/>
      </listOfParameters>
      <listOfInitialAssignments><initialAssignment symbol="init"><math \(m)>\(rateOf("A"))</math></initialAssignment></listOfInitialAssignments>
      <listOfRules>
        <rateRule variable="C"><math \(m)><cn>0.1</cn></math></rateRule>
        <rateRule variable="q"><math \(m)><apply><times/><cn>-0.2</cn><ci>q</ci></apply></math></rateRule>
        <assignmentRule variable="p"><math \(m)><apply><power/>\(time)<cn>2</cn></apply></math></assignmentRule>
        <assignmentRule variable="rA"><math \(m)>\(rateOf("A"))</math></assignmentRule>
        <assignmentRule variable="rB"><math \(m)>\(rateOf("B"))</math></assignmentRule>
        <assignmentRule variable="rC"><math \(m)>\(rateOf("C"))</math></assignmentRule>
        <assignmentRule variable="rq"><math \(m)>\(rateOf("q"))</math></assignmentRule>
        <assignmentRule variable="rp"><math \(m)>\(rateOf("p"))</math></assignmentRule>
        <assignmentRule variable="rk"><math \(m)>\(rateOf("k"))</math></assignmentRule>
        <rateRule variable="x"><math \(m)><apply><minus/>\(rateOf("q"))</apply></math></rateRule>
      </listOfRules>
      <listOfReactions>
        <reaction id="R" reversible="false">
          <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
          <listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
          <kineticLaw><math \(m)><apply><times/><ci>k</ci><ci>A</ci></apply></math></kineticLaw>
        </reaction>
      </listOfReactions>
    """)

  @Test("rateOf is the rate formulas see: a concentration's in a growing compartment, an amount's, a rule's chain rule, 0 for a constant")
  func rateOfSymbols() throws {
    let times = [0.0, 1, 4, 8]
    let ids = ["A", "B", "C", "q", "x", "rA", "rB", "rC", "rq", "rp", "rk", "init"]
    let c = try Self.simulate(Self.rates, end: 8, times: times, select: ids, amount: ["B"], concentration: ["A"])
    for (i, t) in times.enumerated() {
      let a = c["A"]![i], size = c["C"]![i]
      #expect(Self.close(size, 2 + 0.1 * t))
      #expect(Self.close(c["rA"]![i], -a * (0.3 + 0.1) / size, 1e-12))
      #expect(Self.close(c["rB"]![i], 0.3 * a, 1e-12))
      #expect(c["rC"]![i] == 0.1)
      #expect(Self.close(c["rq"]![i], -0.2 * c["q"]![i], 1e-12))
      #expect(Self.close(c["x"]![i], 1 - exp(-0.2 * t)))
      #expect(Self.close(c["rp"]![i], 2 * t, 1e-12))
      #expect(c["rk"]![i] == 0)
      #expect(Self.close(c["init"]![i], -4 * 0.4 / 2, 1e-12))
    }
  }

  @Test("rateOf that depends on itself, names a reaction or an unknown id, is an error with the line", arguments: [
    ("<rateRule variable=\"q\"><math \(m)>\(rateOf("q"))</math></rateRule><assignmentRule variable=\"rk\"><math \(m)><cn>0</cn></math></assignmentRule>",
     "rateOf(q) depends on itself"),
    ("<assignmentRule variable=\"rk\"><math \(m)>\(rateOf("R"))</math></assignmentRule>", "rateOf(R): 'R' is a reaction"),
    ("<assignmentRule variable=\"rk\"><math \(m)>\(rateOf("nosuch"))</math></assignmentRule>", "rateOf(nosuch): unknown identifier 'nosuch'"),
  ])
  func rateOfErrors(rule: String, message: String) {
    var text = Self.rates.replacingOccurrences(
      of: "<assignmentRule variable=\"rk\"><math \(Self.m)>\(Self.rateOf("k"))</math></assignmentRule>", with: "")
    text = text.replacingOccurrences(
      of: "<rateRule variable=\"q\"><math \(Self.m)><apply><times/><cn>-0.2</cn><ci>q</ci></apply></math></rateRule>", with: rule)
    let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message.hasPrefix(message) == true, "\(error?.diagnostics.first?.message ?? "no error")")
    #expect(error?.diagnostics.first?.location?.line != nil)
  }
  @Test("rateOf of a name a local parameter shadows is the local parameter's: 0")
  func rateOfShadowedByLocal() throws {
    // The global kk grows at 1; inside R's kinetic law kk is R's constant local parameter, so
    // R = S·rateOf(kk) = 0 and S stays at 1.
    let text = Self.l3("""
        <listOfCompartments><compartment id="C" spatialDimensions="3" size="1" constant="true"/></listOfCompartments>
        <listOfSpecies><species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
        <listOfParameters><parameter id="kk" value="0.5" constant="false"/></listOfParameters>
        <listOfRules><rateRule variable="kk"><math \(Self.m)><cn>1</cn></math></rateRule></listOfRules>
        <listOfReactions>
          <reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw>
              <math \(Self.m)><apply><times/><ci>S</ci>\(Self.rateOf("kk"))</apply></math>
              <listOfLocalParameters><localParameter id="kk" value="3"/></listOfLocalParameters>
            </kineticLaw>
          </reaction>
        </listOfReactions>
      """)
    let c = try Self.simulate(text, end: 2, times: [0, 2], select: ["S", "kk"], amount: ["S"])
    #expect(c["S"] == [1, 1])
    #expect(Self.close(c["kk"]![1], 2.5))
  }

  @Test("an initial assignment reads a species an assignment rule gives at the rule's value, not its initialConcentration")
  func initialAssignmentReadsAssignedSpecies() throws {
    let text = Self.l3("""
        <listOfCompartments><compartment id="C" spatialDimensions="3" size="2" constant="true"/></listOfCompartments>
        <listOfSpecies>
          <species id="A" compartment="C" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="true" constant="false"/>
        </listOfSpecies>
        <listOfParameters><parameter id="p" value="0" constant="true"/></listOfParameters>
        <listOfInitialAssignments><initialAssignment symbol="p"><math \(Self.m)><ci>A</ci></math></initialAssignment></listOfInitialAssignments>
        <listOfRules><assignmentRule variable="A"><math \(Self.m)><cn>5</cn></math></assignmentRule></listOfRules>
      """)
    let c = try Self.simulate(text, end: 1, times: [0, 1], select: ["A", "p"], concentration: ["A"])
    #expect(c["A"] == [5, 5])
    #expect(c["p"] == [5, 5])
  }
}
