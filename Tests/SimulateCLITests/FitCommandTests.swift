import Foundation
import Testing

@Suite("simulate fit")
struct FitCommandTests {
  /// x' = −k·x with an input u that doubles the decay: x' = −k·(1 + u)·x.
  static let decay = """
    model: decay
    parameters: {k: {value: 0.2}}
    nodes:
      u: {kind: input}
      x: {initial: 2, rate: -k * (1 + u) * x}
    """

  /// Data of k = 0.5: without u, x = 2e^{−0.5t}; with u = 1, x = 2e^{−t}.
  static func data(rate: Double) -> String {
    "time,x\n" + (1...8).map { i in
      let t = Double(i) * 0.5
      return "\(t),\(2 * exp(-rate * t))"
    }.joined(separator: "\n") + "\n"
  }

  @Test("two experiments (one with its own scenario), every output file, the manifest")
  func twoExperiments() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    try write(Self.data(rate: 0.5), to: dir + "/control.csv")
    try write(Self.data(rate: 1.0), to: dir + "/treated.csv")
    try write("inputs: {u: 1}\n", to: dir + "/treated.yaml")
    let r = try simulate(
      ["fit", "decay.yaml", "--data", "control.csv", "--data", "treated.csv@treated.yaml", "--fit", "k=0.01:10", "--starts", "3", "--seed", "5",
       "--rtol", "1e-10", "-o", "out"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.isEmpty)
    let estimates = try String(contentsOfFile: dir + "/out/estimates.csv", encoding: .utf8).split(separator: "\n")
    #expect(estimates.first == "name,scale,start,estimate,standard_error,lower_95,upper_95,at_bound,lower,upper,profile_lower_95,profile_upper_95")
    let k = estimates[1].split(separator: ",", omittingEmptySubsequences: false)
    #expect(k[0] == "k" && k[1] == "log")
    #expect(abs(Double(k[3])! - 0.5) < 1e-6)
    #expect(k[10].isEmpty && k[11].isEmpty)  // not profiled
    let residuals = try String(contentsOfFile: dir + "/out/residuals.csv", encoding: .utf8).split(separator: "\n")
    #expect(residuals.count == 1 + 16)
    #expect(residuals.contains { $0.hasPrefix("treated,4,x,") })
    let trajectories = try String(contentsOfFile: dir + "/out/trajectories.csv", encoding: .utf8).split(separator: "\n")
    #expect(trajectories.first == "experiment,time,variable,value")
    #expect(trajectories.count == 1 + 2 * 201)
    let starts = try String(contentsOfFile: dir + "/out/starts.csv", encoding: .utf8).split(separator: "\n")
    #expect(starts.count == 4)
    let fit = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/fit.json"))) as! [String: Any]
    #expect(fit["jacobian"] as? String == "forward sensitivity equations")
    #expect(fit["seed"] as? Double == 5)
    #expect((fit["experiments"] as? [[String: Any]])?.map { $0["name"] as? String } == ["control", "treated"])
    let manifest = try String(contentsOfFile: dir + "/out/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"fit\""))

    // The same seed gives the same files, on two threads too.
    let again = try simulate(
      ["fit", "decay.yaml", "--data", "control.csv", "--data", "treated.csv@treated.yaml", "--fit", "k=0.01:10", "--starts", "3", "--seed", "5",
       "--rtol", "1e-10", "-q", "--jobs", "2", "-o", "again"], in: dir)
    #expect(again.status == 0 && again.stderr.isEmpty, "\(again.stderr)")
    for name in ["estimates.csv", "residuals.csv", "starts.csv"] {
      #expect(try String(contentsOfFile: dir + "/out/" + name, encoding: .utf8) == String(contentsOfFile: dir + "/again/" + name, encoding: .utf8))
    }
  }

  @Test("--profile: profiles.csv, and likelihood-ratio bounds in estimates.csv and fit.json")
  func profile() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    // k = 0.5 with ±2 % scatter, and its standard deviation.
    let noise = [0.013, -0.021, 0.004, 0.017, -0.009, -0.002, 0.011, -0.015]
    let csv = "time,x,x_sd\n" + (1...8).map { i in
      let t = Double(i) * 0.5, x = 2 * exp(-0.5 * t)
      return "\(t),\(x * (1 + noise[i - 1])),\(0.02 * x)"
    }.joined(separator: "\n") + "\n"
    try write(csv, to: dir + "/d.csv")
    let r = try simulate(["fit", "decay.yaml", "--data", "d.csv", "--fit", "k", "--profile", "-o", "out"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("profile 95 %"))
    let profiles = try String(contentsOfFile: dir + "/out/profiles.csv", encoding: .utf8).split(separator: "\n")
    #expect(profiles.first == "quantity,value,sum_of_squares,delta,status")
    #expect(profiles.contains { $0.hasSuffix(",0,optimum") })
    let k = try String(contentsOfFile: dir + "/out/estimates.csv", encoding: .utf8).split(separator: "\n")[1]
      .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let (wald, profile) = ((Double(k[5])!, Double(k[6])!), (Double(k[10])!, Double(k[11])!))
    #expect(profile.0 < Double(k[3])! && Double(k[3])! < profile.1)
    #expect(abs(log(profile.0 / wald.0)) < 0.05 && abs(log(profile.1 / wald.1)) < 0.05, "\(profile) vs \(wald)")
    let fit = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/fit.json"))) as! [String: Any]
    #expect((fit["profiles"] as? [[String: Any]])?.first?["quantity"] as? String == "k")
  }

  @Test("--scale: data in other units; the fitted trajectories are written in the data's units")
  func scale() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    let csv = "time,x\n" + (1...8).map { i in let t = Double(i) * 0.5; return "\(t),\(30 * exp(-0.5 * t))" }.joined(separator: "\n") + "\n"
    try write(csv, to: dir + "/au.csv")
    let r = try simulate(["fit", "decay.yaml", "--data", "au.csv", "--fit", "k", "--scale", "x", "--rtol", "1e-10", "-q", "-o", "out"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    let rows = try String(contentsOfFile: dir + "/out/estimates.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    #expect(rows[2][0] == "scale(x)" && abs(Double(rows[2][3])! - 15) < 1e-5)  // x(0) = 2: 30 = 15 · 2
    let trajectories = try String(contentsOfFile: dir + "/out/trajectories.csv", encoding: .utf8).split(separator: "\n")
    let first = trajectories[1].split(separator: ",")
    #expect(first[1] == "0" && abs(Double(first[3])! - 30) < 1e-4)
  }

  @Test("bad requests: 64 for the command line, 65 with the place for data that do not fit the model")
  func failures() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write(Self.decay, to: dir + "/decay.yaml")
    try write("time,x,y\n1,2,3\n", to: dir + "/bad.csv")
    try write(Self.data(rate: 0.5), to: dir + "/control.csv")
    let column = try simulate(["fit", "decay.yaml", "--data", "bad.csv", "--fit", "k", "-o", "out"], in: dir)
    #expect(column.status == 65)
    #expect(column.stderr.hasPrefix("bad.csv:1:8: error: data column 'y' is not an output of the model"), "\(column.stderr)")
    let unknown = try simulate(["fit", "decay.yaml", "--data", "control.csv", "--fit", "kk", "-o", "out"], in: dir)
    #expect(unknown.status == 64, "\(unknown.stderr)")
    #expect(unknown.stderr.contains("--fit kk"))
    let grid = try simulate(["fit", "decay.yaml", "--data", "control.csv", "--fit", "k", "--t-end", "3", "-o", "out"], in: dir)
    #expect(grid.status == 64)
    let spec = try simulate(["fit", "decay.yaml", "--data", "control.csv", "--fit", "k=1", "-o", "out"], in: dir)
    #expect(spec.status == 64 && spec.stderr.contains("NAME=LOWER:UPPER"))
    let missing = try simulate(["fit", "decay.yaml", "--data", "none.csv", "--fit", "k", "-o", "out"], in: dir)
    #expect(missing.status == 66)
  }
}
