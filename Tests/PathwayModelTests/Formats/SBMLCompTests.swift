import Foundation
import Testing

@testable import PathwayModel

/// Hierarchical models (SBML Level 3 `comp`) flattened into core: each test composes a small
/// first-order decay module and checks the flattened model against its analytic solution.
@Suite("SBML comp flattening")
struct SBMLCompTests {
  static let math = "xmlns=\"http://www.w3.org/1998/Math/MathML\""
  static let compNamespace = "xmlns:comp=\"http://www.sbml.org/sbml/level3/version1/comp/version1\""

  /// S → ∅ at rate k·S (amounts, C = 1), S(0) = 1; `rate` reads the reaction's rate; ports for
  /// k, S and the reaction.
  static let decayModule = """
        <comp:modelDefinition id="decay">
          <listOfCompartments><compartment id="C" spatialDimensions="3" size="1" constant="true"/></listOfCompartments>
          <listOfSpecies>
            <species id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
          </listOfSpecies>
          <listOfParameters>
            <parameter id="k" value="1" constant="true"/>
            <parameter id="rate" constant="false"/>
          </listOfParameters>
          <listOfRules>
            <assignmentRule variable="rate"><math \(math)><ci> R </ci></math></assignmentRule>
          </listOfRules>
          <listOfReactions>
            <reaction id="R" reversible="false">
              <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
              <kineticLaw><math \(math)><apply><times/><ci> k </ci><ci> S </ci></apply></math></kineticLaw>
            </reaction>
          </listOfReactions>
          <comp:listOfPorts>
            <comp:port comp:id="k_port" comp:idRef="k"/>
            <comp:port comp:id="S_port" comp:idRef="S"/>
            <comp:port comp:id="R_port" comp:idRef="R"/>
          </comp:listOfPorts>
        </comp:modelDefinition>
    """

  static func document(_ model: String, definitions: String = decayModule, external: String = "") -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" \(compNamespace) level="3" version="1" comp:required="true">
      <model id="top">
    \(model)
      </model>
      <comp:listOfModelDefinitions>
    \(definitions)
      </comp:listOfModelDefinitions>
    \(external)
    </sbml>
    """
  }

  static func simulate(_ text: String, file: String = "m.xml", times: [Double], select: [String]) throws -> [String: [Double]] {
    let model = try SBMLReader.read(data: Data(text.utf8), file: file)
    let ode = try ODEModel(model: model)
    var scenario = Scenario()
    scenario.time.end = times.last!
    scenario.time.grid = .times(times)
    scenario.output.select = select
    scenario.output.amount = select.filter { $0.hasSuffix("S") }
    scenario.solver.rtol = 1e-10
    scenario.solver.atol = 1e-14
    let run = try scenario.resolve(for: ode).simulate(ode)
    #expect(run.failure == nil)
    var columns: [String: [Double]] = [:]
    for id in select { columns[id] = try #require(run.trajectory.column(id)) }
    return columns
  }

  static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-7) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
  }

  static let times: [Double] = [0, 0.25, 0.5, 1]

  @Test("instances are prefixed; a replacement with a conversion factor, time and extent factors")
  func instancesAndConversionFactors() throws {
    let text = Self.document(
      """
          <listOfParameters>
            <parameter id="kfast" value="2" constant="true">
              <comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="A" comp:portRef="k_port"/></comp:listOfReplacedElements>
            </parameter>
            <parameter id="kp" value="4" constant="true">
              <comp:listOfReplacedElements>
                <comp:replacedElement comp:submodelRef="F" comp:idRef="k" comp:conversionFactor="two"/>
              </comp:listOfReplacedElements>
            </parameter>
            <parameter id="two" value="2" constant="true"/>
            <parameter id="slow" value="2" constant="true"/>
            <parameter id="ten" value="10" constant="true"/>
          </listOfParameters>
          <comp:listOfSubmodels>
            <comp:submodel comp:id="A" comp:modelRef="decay"/>
            <comp:submodel comp:id="B" comp:modelRef="decay" comp:timeConversionFactor="slow"/>
            <comp:submodel comp:id="F" comp:modelRef="decay"/>
            <comp:submodel comp:id="D" comp:modelRef="decay" comp:extentConversionFactor="ten"/>
          </comp:listOfSubmodels>
      """)
    let c = try Self.simulate(text, times: Self.times, select: ["A__S", "B__S", "F__S", "D__S", "D__rate", "B__rate", "kfast"])
    // A: k replaced by kfast = 2. B: time runs half as fast. F: k reads kp / 2 = 2. D: ten times the extent.
    #expect(Self.close(c["A__S"]!, Self.times.map { exp(-2 * $0) }))
    #expect(Self.close(c["B__S"]!, Self.times.map { exp(-0.5 * $0) }))
    #expect(Self.close(c["F__S"]!, Self.times.map { exp(-2 * $0) }))
    #expect(Self.close(c["D__S"]!, Self.times.map { exp(-10 * $0) }))
    // A reaction's id reads its rate in the submodel's own units.
    #expect(Self.close(c["D__rate"]!, Self.times.map { exp(-10 * $0) }))
    #expect(Self.close(c["B__rate"]!, Self.times.map { exp(-0.5 * $0) }))
    let model = try SBMLReader.read(data: Data(text.utf8), file: "m.xml")
    #expect(!model.parameters.contains { $0.id == "A__k" || $0.id == "F__k" })
    #expect(model.parameters.contains { $0.id == "B__k" })
  }

  @Test("replacedBy: the submodel's element takes the containing element's id; deletions remove")
  func replacedByAndDeletion() throws {
    let text = Self.document(
      """
          <listOfParameters>
            <parameter id="p" constant="true">
              <comp:replacedBy comp:submodelRef="A" comp:portRef="k_port"/>
            </parameter>
          </listOfParameters>
          <comp:listOfSubmodels>
            <comp:submodel comp:id="A" comp:modelRef="decay"/>
            <comp:submodel comp:id="E" comp:modelRef="decay">
              <comp:listOfDeletions>
                <comp:deletion comp:portRef="R_port"/>
                <comp:deletion comp:idRef="rate"/>
              </comp:listOfDeletions>
            </comp:submodel>
          </comp:listOfSubmodels>
      """)
    // The rule of E's rate is left without its variable: delete it by metaid instead.
    let withRule = text.replacingOccurrences(of: "<assignmentRule variable=\"rate\">", with: "<assignmentRule metaid=\"rule\" variable=\"rate\">")
      .replacingOccurrences(of: "<comp:deletion comp:idRef=\"rate\"/>", with: "<comp:deletion comp:idRef=\"rate\"/><comp:deletion comp:metaIdRef=\"rule\"/>")
    let c = try Self.simulate(withRule, times: Self.times, select: ["p", "A__S", "E__S"])
    #expect(c["p"]! == [1, 1, 1, 1])
    #expect(Self.close(c["A__S"]!, Self.times.map { exp(-$0) }))
    #expect(c["E__S"]! == [1, 1, 1, 1])
    let model = try SBMLReader.read(data: Data(withRule.utf8), file: "m.xml")
    #expect(!model.parameters.contains { $0.id == "A__k" })
  }

  @Test("two levels deep: sBaseRef reaches into a nested submodel and prefixes compose")
  func nested() throws {
    let outer = """
          <comp:modelDefinition id="pair">
            <listOfParameters><parameter id="q" value="3" constant="true"/></listOfParameters>
            <comp:listOfSubmodels><comp:submodel comp:id="inner" comp:modelRef="decay"/></comp:listOfSubmodels>
          </comp:modelDefinition>
      """
    let text = Self.document(
      """
          <listOfParameters>
            <parameter id="kdeep" value="3" constant="true">
              <comp:listOfReplacedElements>
                <comp:replacedElement comp:submodelRef="P" comp:idRef="inner"><comp:sBaseRef comp:portRef="k_port"/></comp:replacedElement>
              </comp:listOfReplacedElements>
            </parameter>
          </listOfParameters>
          <comp:listOfSubmodels><comp:submodel comp:id="P" comp:modelRef="pair"/></comp:listOfSubmodels>
      """, definitions: Self.decayModule + outer)
    let c = try Self.simulate(text, times: Self.times, select: ["P__inner__S", "P__q"])
    #expect(Self.close(c["P__inner__S"]!, Self.times.map { exp(-3 * $0) }))
    #expect(c["P__q"]! == [3, 3, 3, 3])
  }

  @Test("an external model definition is read from the file it names, relative to the model")
  func externalDefinition() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let module = """
      <?xml version="1.0" encoding="UTF-8"?>
      <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" \(Self.compNamespace) level="3" version="1" comp:required="true">
        <model id="unused"/>
        <comp:listOfModelDefinitions>
      \(Self.decayModule)
        </comp:listOfModelDefinitions>
      </sbml>
      """
    try module.write(to: folder.appendingPathComponent("module.xml"), atomically: true, encoding: .utf8)
    let externals = """
        <comp:listOfExternalModelDefinitions>
          <comp:externalModelDefinition comp:id="ext" comp:source="module.xml" comp:modelRef="decay"/>
          <comp:externalModelDefinition comp:id="gone" comp:source="missing.xml"/>
        </comp:listOfExternalModelDefinitions>
      """
    let text = Self.document(
      "<comp:listOfSubmodels><comp:submodel comp:id=\"X\" comp:modelRef=\"ext\"/></comp:listOfSubmodels>",
      definitions: "", external: externals)
    let path = folder.appendingPathComponent("top.xml").path
    let c = try Self.simulate(text, file: path, times: Self.times, select: ["X__S"])
    #expect(Self.close(c["X__S"]!, Self.times.map { exp(-$0) }))

    let missing = text.replacingOccurrences(of: "comp:modelRef=\"ext\"", with: "comp:modelRef=\"gone\"")
    let error = pathwayError { _ = try SBMLReader.read(data: Data(missing.utf8), file: path) }
    #expect(error?.diagnostics.first?.message.contains("external model source 'missing.xml' not found") == true)
    #expect(error?.diagnostics.first?.location?.line == 11)
  }

  @Test("unresolvable references are errors at the element that names them", arguments: [
    ("<comp:submodel comp:id=\"A\" comp:modelRef=\"decya\"/>", "comp: no model definition 'decya'"),
    ("<comp:submodel comp:id=\"A\" comp:modelRef=\"decay\"><comp:listOfDeletions><comp:deletion comp:portRef=\"x_port\"/></comp:listOfDeletions></comp:submodel>",
     "comp: no port 'x_port' in the referenced model"),
    ("<comp:submodel comp:id=\"A\" comp:modelRef=\"decay\"><comp:listOfDeletions><comp:deletion comp:idRef=\"nothing\"/></comp:listOfDeletions></comp:submodel>",
     "comp: id 'nothing' is not in the referenced model"),
  ])
  func unresolvable(submodel: String, message: String) {
    let text = Self.document("<comp:listOfSubmodels>\(submodel)</comp:listOfSubmodels>")
    let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
    #expect(error?.diagnostics.first?.message.hasPrefix(message) == true, "\(String(describing: error))")
    #expect(error?.diagnostics.first?.location?.line == 4)
  }

  @Test("model definitions that instantiate each other are refused as a cycle")
  func cycle() {
    let loop = """
          <comp:modelDefinition id="a"><comp:listOfSubmodels><comp:submodel comp:id="x" comp:modelRef="b"/></comp:listOfSubmodels></comp:modelDefinition>
          <comp:modelDefinition id="b"><comp:listOfSubmodels><comp:submodel comp:id="y" comp:modelRef="a"/></comp:listOfSubmodels></comp:modelDefinition>
      """
    let text = Self.document("<comp:listOfSubmodels><comp:submodel comp:id=\"A\" comp:modelRef=\"a\"/></comp:listOfSubmodels>", definitions: loop)
    let error = pathwayError { _ = try SBMLReader.read(data: Data(text.utf8), file: "m.xml") }
    #expect(error?.diagnostics.first?.message.contains("cycle") == true)
  }
}
