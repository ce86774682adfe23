import Foundation
import Testing

@testable import PathwayModel

/// Algebraic rules 0 = f, solved for the symbol each one determines when f is affine in it
/// (the SBML Test Suite's tier 3 tag AlgebraicRule), each checked against a closed form.
@Suite("SBML algebraic rules")
struct SBMLAlgebraicRuleTests {
  static let m = SBMLPublishedModelTests.mathML
  static func l3(_ body: String) -> String {
    SBMLPublishedModelTests.document(namespace: "http://www.sbml.org/sbml/level3/version2/core", level: 3, version: 2, body)
  }
  static func rule(_ math: String) -> String { "<algebraicRule><math \(m)>\(math)</math></algebraicRule>" }
  static func ci(_ x: String) -> String { "<ci>\(x)</ci>" }
  static func apply(_ op: String, _ args: String...) -> String { "<apply><\(op)/>\(args.joined())</apply>" }
  static func cn(_ v: Double) -> String { "<cn>\(v)</cn>" }

  /// S1 decays, d[S1]/dt = −k·[S1], [S1](0) = 3, in a compartment C of size 2. The algebraic rules
  /// determine: S2 (no reaction changes it) from [S1] + [S2] − T = 0; P from 2·P − [S1] = 0; the
  /// non-constant compartment V from V·4 − T = 0; Q from Q − P − 1 = 0 (it reads P, which another
  /// algebraic rule gives); R from ([S1] − R)/k = 0. Written in an order the solutions do not
  /// follow, so that the reader must sort them.
  static let model = l3("""
      <listOfCompartments>
        <compartment id="C" spatialDimensions="3" size="2" constant="true"/>
        <compartment id="V" spatialDimensions="3" size="1" constant="false"/>
      </listOfCompartments>
      <listOfSpecies>
        <species id="S1" compartment="C" initialConcentration="3" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
        <species id="S2" compartment="C" initialConcentration="0" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      </listOfSpecies>
      <listOfParameters>
        <parameter id="k" value="0.4" constant="true"/><parameter id="T" value="5" constant="true"/>
        <parameter id="P" value="0" constant="false"/><parameter id="Q" value="0" constant="false"/>
        <parameter id="R" value="0" constant="false"/>
      </listOfParameters>
      <listOfRules>
        \(rule(apply("minus", apply("minus", ci("Q"), ci("P")), cn(1))))
        \(rule(apply("minus", apply("plus", ci("S1"), ci("S2")), ci("T"))))
        \(rule(apply("minus", apply("times", cn(2), ci("P")), ci("S1"))))
        \(rule(apply("minus", apply("times", ci("V"), cn(4)), ci("T"))))
        \(rule(apply("divide", apply("minus", ci("S1"), ci("R")), ci("k"))))
      </listOfRules>
      <listOfReactions>
        <reaction id="decay" reversible="false">
          <listOfReactants><speciesReference species="S1" stoichiometry="1" constant="true"/></listOfReactants>
          <kineticLaw><math \(m)><apply><times/><ci>k</ci><ci>S1</ci><ci>C</ci></apply></math></kineticLaw>
        </reaction>
      </listOfReactions>
    """)

  @Test("affine algebraic rules determine species, parameters and compartments at all times, in dependency order")
  func solved() throws {
    let times = [0.0, 1, 2.5, 5]
    let v = try SBMLPublishedModelTests.simulate(
      Self.model, end: 5, times: times, select: ["S1", "S2", "P", "Q", "R", "V"], amount: ["S2"], concentration: ["S1"])
    for (i, t) in times.enumerated() {
      let s1 = 3 * exp(-0.4 * t)
      let close = { (a: Double, b: Double) in abs(a - b) <= 1e-7 * max(abs(b), 1) }
      #expect(close(v["S1"]![i], s1))
      #expect(close(v["S2"]![i], 2 * (5 - s1)), "S2 is an amount: [S2]·C")
      #expect(close(v["P"]![i], s1 / 2))
      #expect(close(v["Q"]![i], s1 / 2 + 1))
      #expect(close(v["R"]![i], s1))
      #expect(v["V"]![i] == 1.25)
    }
  }

  @Test("a rule that could determine either of two free symbols says which it determines; the other keeps its value")
  func ambiguous() throws {
    #expect(try SBMLReader.read(data: Data(Self.model.utf8), file: "m.xml").warnings.isEmpty)
    let text = Self.l3("""
        <listOfParameters><parameter id="x" value="1" constant="false"/><parameter id="y" value="3" constant="false"/></listOfParameters>
        <listOfRules>\(Self.rule(Self.apply("minus", Self.ci("x"), Self.ci("y"))))</listOfRules>
      """)
    let model = try SBMLReader.read(data: Data(text.utf8), file: "m.xml")
    #expect(model.warnings.map(\.message) == [
      "the algebraic rule could determine 'x' or 'y'; it determines 'x', the first it names, and the others keep their values"
    ])
    let v = try SBMLPublishedModelTests.simulate(text, end: 1, times: [0, 1], select: ["x", "y"])
    #expect(v["x"] == [3, 3] && v["y"] == [3, 3])
  }

  @Test("an algebraic rule that cannot be solved one symbol at a time is refused with its line", arguments: [
    (rule(apply("minus", apply("times", ci("x"), ci("x")), cn(2))), "the algebraic rule is not linear in 'x'"),
    (rule(apply("minus", ci("k"), cn(1))), "the algebraic rule determines nothing"),
    (rule(apply("minus", ci("S"), cn(1))), "the algebraic rule determines nothing"),
    (rule(apply("minus", ci("x"), cn(1))) + rule(apply("minus", ci("x"), cn(2))),
     "the algebraic rule has no symbol left to determine: 'x' is determined by other algebraic rules"),
    (rule(apply("minus", apply("plus", ci("x"), ci("y")), cn(1))) + rule(apply("minus", ci("x"), ci("y"))),
     "the algebraic rules determining"),
    (rule(apply("minus", ci("z"), cn(1))), "the algebraic rule determines 'z', which an event also assigns"),
  ])
  func refused(rules: String, message: String) {
    let text = Self.l3("""
        <listOfCompartments><compartment id="C" spatialDimensions="3" size="1" constant="true"/></listOfCompartments>
        <listOfSpecies><species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/></listOfSpecies>
        <listOfParameters>
          <parameter id="k" value="1" constant="true"/><parameter id="x" value="1" constant="false"/>
          <parameter id="y" value="1" constant="false"/><parameter id="z" value="1" constant="false"/>
        </listOfParameters>
        <listOfRules>\(rules)</listOfRules>
        <listOfReactions>
          <reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw><math \(Self.m)><ci>S</ci></math></kineticLaw>
          </reaction>
        </listOfReactions>
        <listOfEvents>
          <event id="e" useValuesFromTriggerTime="true">
            <trigger initialValue="false" persistent="true"><math \(Self.m)><apply><gt/><ci>S</ci><cn>2</cn></apply></math></trigger>
            <listOfEventAssignments><eventAssignment variable="z"><math \(Self.m)><cn>3</cn></math></eventAssignment></listOfEventAssignments>
          </event>
        </listOfEvents>
      """)
    let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
    #expect(error?.exitCode == 65)
    #expect(error?.diagnostics.first?.message.hasPrefix(message) == true, "\(error?.diagnostics.first?.message ?? "no error")")
    #expect(error?.diagnostics.first?.location?.line != nil)
  }

  @Test("an affine decomposition is exact or absent")
  func affineForms() throws {
    let x = Expr.variable("x"), k = Expr.variable("k")
    #expect(Expr.binary(.subtract, .binary(.multiply, k, x), .number(3)).solvedForZero("x") == .binary(.divide, .number(3), k))
    #expect(Expr.binary(.add, x, .call(.floor, [x])).affine(in: "x") == nil, "floor(x) is not affine, though its derivative is 0")
    #expect(Expr.binary(.divide, k, x).affine(in: "x") == nil)
    #expect(Expr.binary(.power, x, .number(1)).affine(in: "x") == nil)
    #expect(Expr.binary(.subtract, k, .number(1)).solvedForZero("x") == nil, "a coefficient of 0 solves nothing")
  }
}
