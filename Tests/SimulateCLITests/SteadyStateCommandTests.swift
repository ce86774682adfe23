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
}
