import Foundation
import Testing

@Suite("simulate steady-state")
struct SteadyStateCommandTests {
  static let exchange = """
    model: exchange
    parameters: {kf: {value: 2}, kr: {value: 0.5}}
    nodes:
      A: {initial: 1, rate: -kf * A + kr * B}
      B: {initial: 3, rate: kf * A - kr * B}
      D: {initial: 7, rate: 0}
    """

  static let brusselator = """
    model: brusselator
    parameters: {a: {value: 1}, b: {value: 3}}
    nodes:
      x: {initial: 1.5, rate: a - (b + 1) * x + x^2 * y}
      y: {initial: 2, rate: b * x - x^2 * y}
    """

  @Test("writes one row at --at, and a manifest with the method, the laws, the eigenvalues and the stability")
  func csvAndManifest() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.exchange, to: dir + "/exchange.yaml")
    let result = try simulate(["steady-state", "exchange.yaml", "--set", "kr=1", "-o", "out/ss.csv"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("newton: converged"), "\(result.stderr)")
    #expect(result.stderr.contains("steady state (newton): stable"), "\(result.stderr)")
    let lines = try String(contentsOfFile: dir + "/out/ss.csv", encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first == "time,A,B,D")
    // A* = kr·(A₀ + B₀)/(kf + kr) = 4/3, B* = 8/3.
    let values = lines[1].split(separator: ",").map { Double($0)! }
    #expect(values[0] == 0)
    #expect(abs(values[1] - 4.0 / 3) <= 1e-12)
    #expect(abs(values[2] - 8.0 / 3) <= 1e-12)
    #expect(values[3] == 7)
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/manifest.json"))) as! [String: Any]
    let entry = (manifest["outputs"] as! [String: Any])["ss.csv"] as! [String: Any]
    #expect(entry["status"] as? String == "ok")
    let steady = entry["steady_state"] as! [String: Any]
    #expect(steady["method"] as? String == "newton")
    #expect(steady["stability"] as? String == "stable")
    #expect(Set(steady["conservation_laws"] as! [String]) == ["A + B", "D"])
    let eigenvalues = (steady["eigenvalues"] as! [[Double]]).map { $0[0] }
    #expect(eigenvalues.count == 1)
    #expect(abs(eigenvalues[0] + 3) <= 1e-12)  // −(kf + kr)
  }

  @Test("no steady state: exit 1 naming the largest rate, no CSV; time-dependent rates: exit 65; bad options: 64")
  func failures() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.brusselator, to: dir + "/brusselator.yaml")
    let oscillating = try simulate(["steady-state", "brusselator.yaml", "--method", "integrate", "-o", "ss.csv"], in: dir)
    #expect(oscillating.status == 1)
    #expect(oscillating.stderr.contains("no steady state found; the largest rate is d"), "\(oscillating.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/ss.csv"))
    let unstable = try simulate(["steady-state", "brusselator.yaml", "-o", "-"], in: dir)
    #expect(unstable.status == 0)
    #expect(unstable.stderr.contains("unstable"), "\(unstable.stderr)")
    #expect(unstable.stdout.hasPrefix("time,x,y\n0,1,3"))
    try write("model: t\nnodes:\n  x: {initial: 0, rate: time - x}\n", to: dir + "/timed.yaml")
    let timed = try simulate(["steady-state", "timed.yaml", "-o", "-"], in: dir)
    #expect(timed.status == 65)
    #expect(timed.stderr.contains("depends on time explicitly"), "\(timed.stderr)")
    let bad = try simulate(["steady-state", "brusselator.yaml", "--method", "secant", "-o", "-"], in: dir)
    #expect(bad.status == 64)
  }

  @Test("a species in a femtolitre compartment is judged on its own scale: the initial state is not taken for steady")
  func smallCompartment() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // d[S]/dt = k1 − k2·[S] in a 1e-15 compartment: [S] = k1/k2 = 3 at steady state. From
    // [S] = 1e-4 the amount's rate is about 3e-15, below an unscaled atol of 1e-12.
    let math = { (body: String) in "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">\(body)</math>" }
    try write("""
      <?xml version="1.0" encoding="UTF-8"?>
      <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
        <model id="small">
          <listOfCompartments><compartment id="c" size="1e-15" constant="true"/></listOfCompartments>
          <listOfSpecies><species id="S" compartment="c" initialConcentration="1e-4" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
          <listOfParameters><parameter id="k1" value="3" constant="true"/><parameter id="k2" value="1" constant="true"/></listOfParameters>
          <listOfReactions>
            <reaction id="make" reversible="false"><listOfProducts><speciesReference species="S" stoichiometry="1" constant="true"/></listOfProducts>
              <kineticLaw>\(math("<apply><times/><ci>c</ci><ci>k1</ci></apply>"))</kineticLaw></reaction>
            <reaction id="decay" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
              <kineticLaw>\(math("<apply><times/><ci>c</ci><ci>k2</ci><ci>S</ci></apply>"))</kineticLaw></reaction>
          </listOfReactions>
        </model>
      </sbml>
      """, to: dir + "/small.xml")
    let result = try simulate(["steady-state", "small.xml", "--select", "S", "-o", "-"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let row = result.stdout.split(separator: "\n").last.map { $0.split(separator: ",") } ?? []
    #expect(row.count == 2 && abs((Double(row[1]) ?? 0) - 3) < 1e-6, "\(result.stdout)")
  }

  @Test("steady(X) in a sweep reports the branch the run led to, not the one Newton jumps to")
  func sweepBranch() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // dP/dt = 1.25P²/(P² + 0.25) − P: stable at 0 and 1, threshold 0.25. From 0.5 the dynamics
    // go to 1; Newton from 0.5 lands on 0.
    try write("parameters: {a: 1.25}\nnodes:\n  P: {initial: 0.5, rate: a * P^2 / (P^2 + 0.25) - P}\n", to: dir + "/latch.yaml")
    let sweep = try simulate(
      ["sweep", "latch.yaml", "--param", "P=list:0.1,0.5", "--t-end", "0.1", "--metric", "steady(P)", "-q", "-o", "s"], in: dir)
    #expect(sweep.status == 0, "\(sweep.stderr)")
    let rows = try String(contentsOfFile: dir + "/s/runs.csv", encoding: .utf8).split(separator: "\n").dropFirst()
    let steady = rows.map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[5]) ?? .nan }
    #expect(steady.count == 2 && abs(steady[0]) < 1e-9 && abs(steady[1] - 1) < 1e-9, "\(steady)")
  }
}
