import Foundation
import Testing

@testable import PathwayModel

@Suite("SBML units: declared units label the columns")
struct SBMLUnitsTests {
  static let levelThree = """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
      <model id="m" timeUnits="minute" substanceUnits="nanomole" extentUnits="nanomole" volumeUnits="litre">
        <listOfUnitDefinitions>
          <unitDefinition id="minute"><listOfUnits><unit kind="second" exponent="1" scale="0" multiplier="60"/></listOfUnits></unitDefinition>
          <unitDefinition id="nanomole"><listOfUnits><unit kind="mole" exponent="1" scale="-9" multiplier="1"/></listOfUnits></unitDefinition>
          <unitDefinition id="per_nM_per_min">
            <listOfUnits>
              <unit kind="mole" exponent="-1" scale="-9" multiplier="1"/>
              <unit kind="litre" exponent="1" scale="0" multiplier="1"/>
              <unit kind="second" exponent="-1" scale="0" multiplier="60"/>
            </listOfUnits>
          </unitDefinition>
          <unitDefinition id="mg"><listOfUnits><unit kind="kilogram" exponent="1" scale="-6" multiplier="1"/></listOfUnits></unitDefinition>
          <unitDefinition id="area"><listOfUnits><unit kind="metre" exponent="2" scale="-6" multiplier="1"/></listOfUnits></unitDefinition>
        </listOfUnitDefinitions>
        <listOfCompartments>
          <compartment id="cell" spatialDimensions="3" size="1e-12" constant="true"/>
          <compartment id="membrane" spatialDimensions="2" size="5" units="area" constant="true"/>
        </listOfCompartments>
        <listOfSpecies>
          <species id="A" compartment="cell" initialConcentration="10" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
          <species id="B" compartment="cell" initialAmount="0" substanceUnits="item" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
          <species id="R" compartment="membrane" initialAmount="1" hasOnlySubstanceUnits="false" boundaryCondition="true" constant="false"/>
        </listOfSpecies>
        <listOfParameters>
          <parameter id="k" value="0.1" units="per_nM_per_min" constant="true"/>
          <parameter id="dose" value="2" units="mg" constant="true"/>
          <parameter id="free" value="1" constant="true"/>
        </listOfParameters>
        <listOfReactions>
          <reaction id="v" reversible="false">
            <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw>
              <math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci> k </ci><ci> A </ci><ci> A </ci><ci> cell </ci></apply></math>
              <listOfLocalParameters><localParameter id="h" value="1" units="second"/></listOfLocalParameters>
            </kineticLaw>
          </reaction>
        </listOfReactions>
      </model>
    </sbml>
    """

  @Test("Level 3: the model's units, unit definitions with scales, multipliers and exponents, base kinds")
  func levelThreeUnits() throws {
    let model = try SBMLReader.read(data: Data(Self.levelThree.utf8), file: "units.xml")
    #expect(model.timeUnit == "min")
    // Expectations convert their times into the model's: "at 2h" is t = 120 here.
    #expect(ExpectationChecker.timeUnits(model.timeUnit)(2, "h") == 120)
    let node = Dictionary(model.nodes.map { ($0.id, $0.unit) }, uniquingKeysWith: { a, _ in a })
    #expect(node["A"] == "nmol")
    #expect(node["B"] == "item")
    #expect(node["R"] == "nmol")
    let parameter = Dictionary(model.parameters.map { ($0.id, $0.unit) }, uniquingKeysWith: { a, _ in a })
    #expect(parameter["k"] == "L/(nmol·min)")
    #expect(parameter["dose"] == "mg")
    #expect(parameter["free"] == .some(nil))
    #expect(parameter["cell"] == "L")
    #expect(parameter["membrane"] == "µm²")
    #expect(parameter["v.h"] == "s")
    #expect(model.assignments.first { $0.id == "v" }?.unit == "nmol/min")
    let concentration = Dictionary(model.species.map { ($0.id, $0.concentrationUnit) }, uniquingKeysWith: { a, _ in a })
    #expect(concentration["A"] == "nmol/L")
    #expect(concentration["R"] == "nmol/µm²")
  }

  @Test("the manifest's columns carry the unit of the quantity written: amount or concentration")
  func columnsFollowQuantity() throws {
    let model = try SBMLReader.read(data: Data(Self.levelThree.utf8), file: "units.xml")
    let ode = try ODEModel(model: model)
    var scenario = Scenario()
    scenario.time.end = 1
    scenario.output.select = ["A", "B", "k"]
    scenario.output.amount = ["B"]
    scenario.output.concentration = ["A"]
    let run = try scenario.resolve(for: ode)
    let record = run.record
    guard case .array(let columns)? = record["columns"] else {
      Issue.record("no columns in \(record)")
      return
    }
    let units = columns.compactMap { column -> String? in
      guard case .object(let fields) = column, case .string(let unit)? = fields["unit"] else { return nil }
      return unit
    }
    #expect(units == ["nmol/L", "item", "L/(nmol·min)"])
    #expect(record["time_unit"] == .string("min"))
  }

  @Test("Level 2: the built-in units, and their redefinitions")
  func levelTwoBuiltIns() throws {
    let text = """
      <?xml version="1.0" encoding="UTF-8"?>
      <sbml xmlns="http://www.sbml.org/sbml/level2/version4" level="2" version="4">
        <model id="m">
          <listOfUnitDefinitions>
            <unitDefinition id="substance"><listOfUnits><unit kind="mole" scale="-6"/></listOfUnits></unitDefinition>
          </listOfUnitDefinitions>
          <listOfCompartments><compartment id="c" size="1"/></listOfCompartments>
          <listOfSpecies><species id="S" compartment="c" initialConcentration="1"/></listOfSpecies>
        </model>
      </sbml>
      """
    let model = try SBMLReader.read(data: Data(text.utf8), file: "l2.xml")
    #expect(model.timeUnit == "s")
    #expect(model.nodes.first { $0.id == "S" }?.unit == "µmol")
    #expect(model.species.first?.concentrationUnit == "µmol/L")
  }

  @Test("a Level 3 model that declares no units has none: nothing is guessed")
  func noUnits() throws {
    let model = try SBMLReader.read(data: Data(SBMLReaderTests.decay.utf8), file: "decay.xml")
    #expect(model.timeUnit == nil)
    #expect(model.nodes.allSatisfy { $0.unit == nil })
    #expect(model.species.allSatisfy { $0.concentrationUnit == nil })
  }
}

@Suite("SBML species: initial values set as the column shows them")
struct SBMLInitialSettingTests {
  /// S (a concentration, in C of size 2) decays at k; A (hasOnlySubstanceUnits) is an amount.
  static let model = """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
      <model id="m">
        <listOfCompartments><compartment id="C" spatialDimensions="3" size="2" constant="true"/></listOfCompartments>
        <listOfSpecies>
          <species id="S" compartment="C" initialConcentration="3" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
          <species id="A" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
          <species id="B" compartment="C" initialAmount="4" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
        </listOfSpecies>
        <listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters>
        <listOfReactions>
          <reaction id="R" reversible="false">
            <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>C</ci><ci>k</ci><ci>S</ci></apply></math></kineticLaw>
          </reaction>
        </listOfReactions>
      </model>
    </sbml>
    """

  func start(_ settings: [String: Double]) throws -> [String: Double] {
    let columns = try SBMLPublishedModelTests.simulate(
      Self.model, end: 1, times: [0, 1], select: ["S", "A", "B", "C"], amount: ["S", "A", "B"], concentration: [],
      settings: settings)
    return columns.mapValues { $0[0] }
  }

  @Test("a species reported as a concentration takes --set as a concentration; an amount-only one as an amount")
  func concentrationOrAmount() throws {
    #expect(try start([:]) == ["S": 6, "A": 1, "B": 4, "C": 2])
    #expect(try start(["S": 10])["S"] == 20)
    #expect(try start(["A": 10])["A"] == 10)
    #expect(try start(["B": 10])["B"] == 20)
    // The compartment set in the same run counts.
    #expect(try start(["C": 4, "S": 10])["S"] == 40)
    // Without a setting, initialConcentration follows the compartment (SBML semantics).
    #expect(try start(["C": 4])["S"] == 12)
  }

  @Test("the base value of a swept species initial is a concentration too")
  func baseValueIsConcentration() throws {
    let ode = try ODEModel(model: try SBMLReader.read(data: Data(Self.model.utf8), file: "m.xml"))
    var scenario = Scenario()
    scenario.time.end = 1
    let run = try scenario.resolve(for: ode)
    let target = try ode.settingTarget("B", section: .any).get()
    #expect(try target.baseValue(in: run, ode: ode).get() == 2)
    let amountOnly = try ode.settingTarget("A", section: .any).get()
    #expect(try amountOnly.baseValue(in: run, ode: ode).get() == 1)
  }
}
