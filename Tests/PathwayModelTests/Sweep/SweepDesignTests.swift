import Foundation
import Testing

@testable import PathwayModel

@Suite("Sweep designs")
struct SweepDesignTests {
  @Test("Sobol' points match scipy.stats.qmc.Sobol(6, scramble=False)")
  func sobolMatchesSciPy() {
    // scipy 1.17.1: qmc.Sobol(d=6, scramble=False).random(16) (Joe–Kuo direction numbers).
    let expected: [[Double]] = [
      [0, 0, 0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.75, 0.25, 0.25, 0.25, 0.75, 0.75],
      [0.25, 0.75, 0.75, 0.75, 0.25, 0.25], [0.375, 0.375, 0.625, 0.875, 0.375, 0.125],
      [0.875, 0.875, 0.125, 0.375, 0.875, 0.625], [0.625, 0.125, 0.875, 0.625, 0.625, 0.875],
      [0.125, 0.625, 0.375, 0.125, 0.125, 0.375], [0.1875, 0.3125, 0.9375, 0.4375, 0.5625, 0.3125],
      [0.6875, 0.8125, 0.4375, 0.9375, 0.0625, 0.8125], [0.9375, 0.0625, 0.6875, 0.1875, 0.3125, 0.5625],
      [0.4375, 0.5625, 0.1875, 0.6875, 0.8125, 0.0625], [0.3125, 0.1875, 0.3125, 0.5625, 0.9375, 0.4375],
      [0.8125, 0.6875, 0.8125, 0.0625, 0.4375, 0.9375], [0.5625, 0.4375, 0.0625, 0.8125, 0.1875, 0.6875],
      [0.0625, 0.9375, 0.5625, 0.3125, 0.6875, 0.1875],
    ]
    let sobol = SobolSequence(dimensions: 6)
    for (n, row) in expected.enumerated() { #expect(sobol.point(UInt64(n)) == row, "point \(n)") }
  }

  @Test("Sobol' points of 2^m in any dimension fill every dyadic interval once (a (0, m, 1)-net per axis)")
  func sobolStratifies() {
    let sobol = SobolSequence(dimensions: SobolSequence.maximumDimensions, seed: 5)
    for dimension in [0, 1, 17, 250, 999] {
      var seen = Set<Int>()
      for n in 0..<256 { seen.insert(Int(sobol.coordinate(UInt64(n), dimension) * 256)) }
      #expect(seen.count == 256, "dimension \(dimension)")
    }
  }

  @Test("One at a time: a base run, then each quantity alone over its values; fold: multiplies the base")
  func oneAtATime() throws {
    var spec = SweepSpec(dimensions: [try parse("k=fold:0.5,2"), try parse("s=list:1,3,5")], sampling: .oat)
    #expect(spec.validate().isEmpty)
    spec.baseValues = [4, 2]
    let plan = SweepPlan(spec)
    #expect(plan.runCount == 1 + 2 + 3)
    #expect((0..<plan.runCount).map(plan.values(of:)) == [[4, 2], [2, 2], [8, 2], [4, 1], [4, 3], [4, 5]])
    #expect(plan.oatStep(of: 0) == nil)
    #expect(plan.oatStep(of: 4).map { [$0.dimension, $0.index] } == [1, 1])
    // The base values travel with the spec's record (merge rebuilds the plan from it).
    let rebuilt = try #require(SweepSpec(record: spec.record))
    #expect(rebuilt.baseValues == [4, 2])
    #expect((0..<plan.runCount).map(SweepPlan(rebuilt).values(of:)) == (0..<plan.runCount).map(plan.values(of:)))
    // y = s·k (k = 4, s = 2 at base): relative changes and elasticities by hand.
    let outputs = (0..<plan.runCount).map { run in plan.values(of: run).reduce(1, *) }
    let effects = SensitivityAnalysis.oneAtATime(plan, outputs: outputs)
    #expect(effects.map(\.relativeChange) == [-0.5, 1, -0.5, 0.5, 1.5])
    #expect(effects.map(\.fold) == [0.5, 2, 0.5, 1.5, 2.5])
    for effect in effects { #expect(abs(effect.elasticity - 1) <= 1e-15) }  // y ∝ each quantity
    // fold: needs a discrete design; oat takes no --samples.
    let drawn = SweepSpec(dimensions: [try parse("k=fold:0.5,2")], sampling: .lhs, samples: 10)
    #expect(drawn.validate().contains { $0.message.contains("fold: goes with grid, list and oat") })
    let counted = SweepSpec(dimensions: [try parse("k=lin:1:2:3")], sampling: .oat, samples: 4)
    #expect(counted.validate().contains { $0.message.contains("samples do not apply to oat") })
  }

  @Test("A grid enumerates every combination, the last quantity fastest")
  func grid() throws {
    let spec = SweepSpec(
      dimensions: [try parse("a=list:1,2"), try parse("b=lin:0:1:3")], sampling: .grid)
    let plan = SweepPlan(spec)
    #expect(plan.runCount == 6)
    #expect((0..<6).map { plan.values(of: $0) } == [[1, 0], [1, 0.5], [1, 1], [2, 0], [2, 0.5], [2, 1]])
  }

  @Test("lin and log ranges include both ends exactly")
  func ranges() throws {
    let log = try parse("k=log:0.01:10:4").values!
    #expect(log.first == 0.01 && log.last == 10)
    expectClose(log[1], 0.1, relative: 1e-15, "log spacing")
    #expect(try parse("k=lin:0:1:5").values == [0, 0.25, 0.5, 0.75, 1])
    #expect(try parse("k=lin:3:3:1").values == [3])
  }

  @Test("Malformed ranges are refused with the forms in a note")
  func malformed() {
    for text in ["k", "k=lin:0:1:0", "k=log:0:1:5", "k=foo:1:2", "k=list:", "k=lin:1:1:3", "k=list:1,x"] {
      guard case .failure(let problem) = SweepDimension.parse(text) else {
        Issue.record("accepted \(text)")
        continue
      }
      #expect(!problem.notes.isEmpty, "\(text)")
    }
  }

  @Test("A Latin hypercube puts exactly one run in each of the N strata of every quantity")
  func latinHypercube() throws {
    let n = 1000
    let spec = SweepSpec(dimensions: [try parse("a=lin:0:1"), try parse("b=lin:0:1"), try parse("c=lin:0:1")], sampling: .lhs, samples: n, seed: 9)
    let plan = SweepPlan(spec)
    for j in 0..<3 {
      let strata = Set((0..<n).map { Int(plan.values(of: $0)[j] * Double(n)) })
      #expect(strata.count == n, "quantity \(j)")
    }
    let other = SweepPlan(SweepSpec(dimensions: spec.dimensions, sampling: .lhs, samples: n, seed: 10))
    #expect(plan.values(of: 3) != other.values(of: 3), "the seed changes the design")
  }

  @Test("The index permutation behind LHS is a bijection for awkward sizes")
  func permutation() {
    for count in [1, 2, 3, 5, 17, 1000, 1025] {
      let p = IndexPermutation(count: UInt64(count), seed: UInt64(count))
      #expect(Set((0..<count).map { p.apply(UInt64($0)) }) == Set((0..<count).map(UInt64.init)), "count \(count)")
    }
  }

  @Test("Random and log sampling: same seed, same values; log ranges are uniform in log")
  func random() throws {
    let spec = SweepSpec(dimensions: [try parse("k=log:1:10000")], sampling: .random, samples: 4000, seed: 3)
    let plan = SweepPlan(spec)
    #expect(SweepPlan(spec).values(of: 1234) == plan.values(of: 1234))
    let decades = (0..<4000).map { Int(log10(plan.values(of: $0)[0])) }
    for d in 0..<4 {
      let share = Double(decades.filter { $0 == d }.count) / 4000
      #expect(abs(share - 0.25) < 0.03, "decade \(d): \(share)")
    }
  }

  @Test("A Morris trajectory moves one quantity by Δ per step, each once")
  func morris() throws {
    let spec = SweepSpec(
      dimensions: [try parse("a=lin:0:1"), try parse("b=lin:0:1"), try parse("c=lin:0:1")], sampling: .morris, samples: 50,
      levels: 4, seed: 2)
    let plan = SweepPlan(spec)
    #expect(plan.runCount == 200)
    let delta = 2.0 / 3.0
    for t in 0..<50 {
      let (rows, order, up) = plan.morrisTrajectory(t)
      #expect(Set(order) == [0, 1, 2])
      for (m, factor) in order.enumerated() {
        for j in 0..<3 where j != factor { #expect(rows[m + 1][j] == rows[m][j]) }
        expectClose(rows[m + 1][factor] - rows[m][factor], up[m] ? delta : -delta, absolute: 1e-15, "step")
      }
      for row in rows { for x in row { #expect([0, 1.0 / 3, 2.0 / 3, 1].contains { abs($0 - x) < 1e-15 }) } }
      #expect(plan.unitPoint(of: t * 4 + 2) == rows[2])
    }
  }

  @Test("Saltelli blocks are A, AB_1 … AB_d, B")
  func saltelli() throws {
    let spec = SweepSpec(dimensions: [try parse("a=lin:0:1"), try parse("b=lin:0:1")], sampling: .saltelli, samples: 8, seed: 4)
    let plan = SweepPlan(spec)
    #expect(plan.runCount == 32)
    for base in 0..<8 {
      let a = plan.values(of: base * 4), ab1 = plan.values(of: base * 4 + 1), ab2 = plan.values(of: base * 4 + 2)
      let b = plan.values(of: base * 4 + 3)
      #expect(ab1 == [b[0], a[1]])
      #expect(ab2 == [a[0], b[1]])
      #expect(a != b)
    }
  }

  @Test("A sweep spec survives its manifest record")
  func record() throws {
    let spec = SweepSpec(
      dimensions: [try parse("a=log:0.1:10"), try parse("b.tau=list:1,2")], sampling: .morris, samples: 7, levels: 6,
      seed: UInt64.max, metrics: ["final(x)", "tcross(x,0.5)"])
    #expect(SweepSpec(record: spec.record) == spec)
  }

  @Test("Metrics parse as written and measure a known course")
  func metrics() throws {
    var trajectory = Trajectory(names: ["x"])
    trajectory.times = [0, 1, 2, 3]
    trajectory.values = [0, 2, 1, 3]
    func value(_ text: String) throws -> Double {
      guard case .success(let metric) = Metric.parse(text) else { throw PathwayError(.usage, "parse \(text)") }
      #expect(metric.text == text)
      return metric.evaluate(trajectory, column: 0)
    }
    #expect(try value("final(x)") == 3)
    #expect(try value("max(x)") == 3)
    #expect(try value("min(x)") == 0)
    #expect(try value("tmax(x)") == 3)
    #expect(try value("auc(x)") == 1 + 1.5 + 2)
    #expect(try value("tcross(x,1)") == 0.5)
    #expect(try value("tcross( x , 2.5 )") == 2.75)
    #expect(try value("tcross(x,7)").isNaN)
    #expect(try value("value(x,2)") == 1)
    for bad in ["final x", "peak(x)", "tcross(x)", "value(x,a)", "final()"] {
      if case .success = Metric.parse(bad) { Issue.record("accepted \(bad)") }
    }
  }

  private func parse(_ text: String) throws -> SweepDimension {
    switch SweepDimension.parse(text) {
    case .success(let d): return d
    case .failure(let problem): throw PathwayError(.usage, problem.message)
    }
  }
}
