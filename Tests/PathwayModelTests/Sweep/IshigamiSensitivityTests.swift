import Foundation
import Testing

@testable import PathwayModel

/// Morris and Sobol' indices of the Ishigami function against SALib 1.6.0 at N = 2^14.
///
/// The reference numbers come from `Tests/tools/salib_ishigami.py` (SALib's own samplers and
/// estimators, seed 1); rerun it to refresh them. Sobol' indices are compared within 0.05
/// absolute (they lie in [0, 1]). Morris μ* and σ are in output units (≈ 6 to 9 here), and two
/// independent designs of 2^14 trajectories differ by about SALib's `mu_star_conf` (≈ 0.1), so
/// they are compared within 5 % relative; μ within 0.05 × the largest μ*.
@Suite("Sensitivity: Ishigami against SALib")
struct IshigamiSensitivityTests {
  static let n = 1 << 14

  /// f(x) = sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1.
  static func ishigami(_ x: [Double]) -> Double {
    sin(x[0]) + 7 * sin(x[1]) * sin(x[1]) + 0.1 * pow(x[2], 4) * sin(x[0])
  }

  static func spec(_ sampling: Sampling) -> SweepSpec {
    let range = SweepDimension.Range.linear(from: -Double.pi, to: Double.pi, count: nil)
    return SweepSpec(
      dimensions: ["x1", "x2", "x3"].map { SweepDimension(target: $0, range: range) }, sampling: sampling, samples: n,
      seed: 2024)
  }

  @Test("Sobol' first-order and total indices")
  func sobol() {
    let plan = SweepPlan(Self.spec(.saltelli))
    #expect(plan.runCount == Self.n * 5)
    let outputs = (0..<plan.runCount).map { Self.ishigami(plan.values(of: $0)) }
    let indices = SensitivityAnalysis.sobol(plan, outputs: outputs)
    // SALib 1.6.0, N = 2^14 (Tests/tools/salib_ishigami.py).
    let salibS1 = [0.3139, 0.4437, -0.0001], salibST = [0.5574, 0.4424, 0.2436]
    // Analytic values (Saltelli et al. 2008, §4.5).
    let exactS1 = [0.3139, 0.4424, 0.0], exactST = [0.5576, 0.4424, 0.2437]
    for j in 0..<3 {
      expectClose(indices[j].firstOrder, salibS1[j], absolute: 0.05, "S1 of x\(j + 1) vs SALib")
      expectClose(indices[j].totalOrder, salibST[j], absolute: 0.05, "ST of x\(j + 1) vs SALib")
      expectClose(indices[j].firstOrder, exactS1[j], absolute: 0.02, "S1 of x\(j + 1) vs exact")
      expectClose(indices[j].totalOrder, exactST[j], absolute: 0.02, "ST of x\(j + 1) vs exact")
      // Bootstrap half-widths of the size SALib reports (0.007 to 0.02 here).
      #expect(indices[j].firstOrderConfidence > 0.003 && indices[j].firstOrderConfidence < 0.05)
      #expect(indices[j].totalOrderConfidence > 0.002 && indices[j].totalOrderConfidence < 0.05)
      #expect(indices[j].samples == Self.n)
    }
  }

  @Test("Morris μ, μ*, σ")
  func morris() {
    let plan = SweepPlan(Self.spec(.morris))
    #expect(plan.runCount == Self.n * 4)
    let outputs = (0..<plan.runCount).map { Self.ishigami(plan.values(of: $0)) }
    let indices = SensitivityAnalysis.morris(plan, outputs: outputs)
    // SALib 1.6.0, N = 2^14 trajectories, 4 levels (Tests/tools/salib_ishigami.py).
    let mu = [7.7063, 0.0019, -0.0984], muStar = [7.7063, 7.875, 6.2297], sigma = [6.249, 7.8752, 8.8234]
    for j in 0..<3 {
      expectClose(indices[j].muStar, muStar[j], relative: 0.05, "μ* of x\(j + 1)")
      expectClose(indices[j].sigma, sigma[j], relative: 0.05, "σ of x\(j + 1)")
      expectClose(indices[j].mu, mu[j], absolute: 0.05 * 7.875, "μ of x\(j + 1)")
      #expect(indices[j].trajectories == Self.n)
    }
    // x2 moves between sin² = 0 and 0.75 only: every |EE| is 7·0.75/Δ = 7.875 exactly.
    expectClose(indices[1].muStar, 7.875, relative: 1e-12, "μ* of x2 is exact")
  }

  @Test("Trajectories and base points with a failed run are left out")
  func missingRuns() {
    let plan = SweepPlan(Self.spec(.saltelli))
    var outputs = (0..<plan.runCount).map { Self.ishigami(plan.values(of: $0)) }
    outputs[7] = .nan  // base point 1
    #expect(SensitivityAnalysis.sobol(plan, outputs: outputs)[0].samples == Self.n - 1)
    let morrisPlan = SweepPlan(Self.spec(.morris))
    var morrisOutputs = (0..<morrisPlan.runCount).map { Self.ishigami(morrisPlan.values(of: $0)) }
    morrisOutputs[0] = .nan
    #expect(SensitivityAnalysis.morris(morrisPlan, outputs: morrisOutputs)[2].trajectories == Self.n - 1)
  }
}
