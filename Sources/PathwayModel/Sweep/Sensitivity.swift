import Foundation

/// Sensitivity indices from the runs of a `morris`, `saltelli` or `oat` sweep, per metric and
/// swept quantity, written to `sensitivity.csv`.
///
/// - Morris (Morris 1991; μ* from Campolongo et al. 2007): elementary effects
///   EE = ±(y(x + Δe_i) − y(x))/Δ in unit-hypercube coordinates (Δ = p/(2(p − 1)), the sign
///   follows the direction of the step), so μ, μ* and σ are in output units per full range of
///   the quantity, as SALib reports them. μ = mean EE, μ* = mean |EE|, σ = standard deviation of
///   EE (n − 1); `mu_star_conf` is the half-width of a 95 % bootstrap interval of μ*.
/// - Sobol' (Saltelli et al. 2010, Table 2): the output is centred and scaled first (as SALib
///   does); S1_i = mean(f(B)·(f(AB_i) − f(A)))/V and ST_i = mean((f(A) − f(AB_i))²)/(2V) (Jansen),
///   V the variance of f over A and B. `S1_conf`/`ST_conf` are half-widths of 95 % bootstrap
///   intervals (1.96 × the standard deviation over resamples of the base points).
///
/// A trajectory or base point with a failed or missing run is left out; the `trajectories` and
/// `samples` columns say how many were used.
public enum SensitivityAnalysis {
  public struct MorrisIndex: Sendable, Hashable {
    public var mu, muStar, sigma, muStarConfidence: Double
    public var trajectories: Int
  }

  public struct SobolIndex: Sendable, Hashable {
    public var firstOrder, firstOrderConfidence, totalOrder, totalOrderConfidence: Double
    public var samples: Int
  }

  /// 1.96: the 97.5 % quantile of the standard normal distribution (a 95 % two-sided interval).
  static let z95 = 1.959963984540054
  /// Bootstrap resamples for the confidence intervals (SALib's default, 100).
  public static let resamples = 100

  /// Morris indices of `outputs` (one value per run of `plan`, NaN where a run has none).
  public static func morris(_ plan: SweepPlan, outputs: [Double]) -> [MorrisIndex] {
    let d = plan.spec.dimensions.count
    let trajectories = plan.spec.samples ?? 0
    let delta = plan.morrisDelta
    var effects = [[Double]](repeating: [], count: d)
    for t in 0..<trajectories {
      let rows = (0...d).map { outputs[t * (d + 1) + $0] }
      guard rows.allSatisfy(\.isFinite) else { continue }
      let (_, order, up) = plan.morrisTrajectory(t)
      for (m, factor) in order.enumerated() {
        let change = (rows[m + 1] - rows[m]) / delta
        effects[factor].append(up[m] ? change : -change)
      }
    }
    var generator = Xoshiro256StarStar(seed: plan.spec.seed, stream: bootstrapStream)
    return effects.map { ee in
      let n = ee.count
      guard n > 0 else { return MorrisIndex(mu: .nan, muStar: .nan, sigma: .nan, muStarConfidence: .nan, trajectories: 0) }
      let mu = ee.reduce(0, +) / Double(n)
      let muStar = ee.reduce(0) { $0 + abs($1) } / Double(n)
      let sigma = n > 1 ? (ee.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(n - 1)).squareRoot() : .nan
      var estimates: [Double] = []
      estimates.reserveCapacity(resamples)
      for _ in 0..<resamples {
        var sum = 0.0
        for _ in 0..<n { sum += abs(ee[generator.next(below: n)]) }
        estimates.append(sum / Double(n))
      }
      return MorrisIndex(
        mu: mu, muStar: muStar, sigma: sigma, muStarConfidence: z95 * standardDeviation(estimates), trajectories: n)
    }
  }

  /// First-order and total Sobol' indices of `outputs` (one value per run of a saltelli `plan`).
  public static func sobol(_ plan: SweepPlan, outputs: [Double]) -> [SobolIndex] {
    let d = plan.spec.dimensions.count
    let width = d + 2
    let bases = (0..<(plan.spec.samples ?? 0)).filter { i in (0..<width).allSatisfy { outputs[i * width + $0].isFinite } }
    let n = bases.count
    guard n > 1 else {
      return Array(
        repeating: SobolIndex(firstOrder: .nan, firstOrderConfidence: .nan, totalOrder: .nan, totalOrderConfidence: .nan, samples: n),
        count: d)
    }
    // Centre and scale over the runs used.
    var sum = 0.0, count = 0.0
    for i in bases { for k in 0..<width { sum += outputs[i * width + k]; count += 1 } }
    let mean = sum / count
    var squares = 0.0
    for i in bases { for k in 0..<width { squares += (outputs[i * width + k] - mean) * (outputs[i * width + k] - mean) } }
    let scale = (squares / count).squareRoot()
    let y: (Int, Int) -> Double = { i, k in scale > 0 ? (outputs[i * width + k] - mean) / scale : 0 }
    let a = bases.map { y($0, 0) }, b = bases.map { y($0, d + 1) }
    let ab = (0..<d).map { j in bases.map { y($0, j + 1) } }

    func indices(_ sample: [Int], _ j: Int) -> (Double, Double) {
      var meanAB = 0.0
      for i in sample { meanAB += a[i] + b[i] }
      meanAB /= Double(2 * sample.count)
      var variance = 0.0, first = 0.0, total = 0.0
      for i in sample {
        variance += (a[i] - meanAB) * (a[i] - meanAB) + (b[i] - meanAB) * (b[i] - meanAB)
        first += b[i] * (ab[j][i] - a[i])
        total += (a[i] - ab[j][i]) * (a[i] - ab[j][i])
      }
      variance /= Double(2 * sample.count)
      let m = Double(sample.count)
      return variance > 0 ? (first / m / variance, 0.5 * total / m / variance) : (.nan, .nan)
    }
    let all = Array(0..<n)
    var s1s = [[Double]](repeating: [], count: d), sts = [[Double]](repeating: [], count: d)
    var draw = [Int](repeating: 0, count: n)
    for r in 0..<resamples {
      var generator = Xoshiro256StarStar(seed: plan.spec.seed, stream: bootstrapStream + UInt64(r))
      for i in 0..<n { draw[i] = generator.next(below: n) }
      for j in 0..<d {
        let (x, y) = indices(draw, j)
        s1s[j].append(x)
        sts[j].append(y)
      }
    }
    return (0..<d).map { j in
      let (s1, st) = indices(all, j)
      return SobolIndex(
        firstOrder: s1, firstOrderConfidence: z95 * standardDeviation(s1s[j]), totalOrder: st,
        totalOrderConfidence: z95 * standardDeviation(sts[j]), samples: n)
    }
  }

  private static let bootstrapStream: UInt64 = (1 << 63) + (1 << 40)

  private static func standardDeviation(_ values: [Double]) -> Double {
    let finite = values.filter(\.isFinite)
    guard finite.count > 1 else { return .nan }
    let mean = finite.reduce(0, +) / Double(finite.count)
    return (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)).squareRoot()
  }

  /// The text of `sensitivity.csv` for the metrics `outputs` (metric name, one value per run).
  /// Morris: `metric,parameter,mu,mu_star,sigma,mu_star_conf,trajectories`; Saltelli:
  /// `metric,parameter,S1,S1_conf,ST,ST_conf,samples`; one at a time: one row per run but the
  /// base, `metric,parameter,base,value,fold,metric_base,metric_value,change,relative_change,elasticity`.
  public static func table(_ plan: SweepPlan, outputs: [(metric: String, values: [Double])]) -> String {
    func f(_ v: Double) -> String { v.isFinite ? formatNumber(v) : "" }
    let names = plan.spec.dimensions.map { CSVWriter.field($0.target) }
    var text: String
    switch plan.spec.sampling {
    case .morris:
      text = "metric,parameter,mu,mu_star,sigma,mu_star_conf,trajectories\n"
      for (metric, values) in outputs {
        for (name, index) in zip(names, morris(plan, outputs: values)) {
          text += [CSVWriter.field(metric), name, f(index.mu), f(index.muStar), f(index.sigma), f(index.muStarConfidence),
                   String(index.trajectories)].joined(separator: ",") + "\n"
        }
      }
    case .saltelli:
      text = "metric,parameter,S1,S1_conf,ST,ST_conf,samples\n"
      for (metric, values) in outputs {
        for (name, index) in zip(names, sobol(plan, outputs: values)) {
          text += [CSVWriter.field(metric), name, f(index.firstOrder), f(index.firstOrderConfidence), f(index.totalOrder),
                   f(index.totalOrderConfidence), String(index.samples)].joined(separator: ",") + "\n"
        }
      }
    case .oat:
      text = "metric,parameter,base,value,fold,metric_base,metric_value,change,relative_change,elasticity\n"
      for (metric, values) in outputs {
        for row in oneAtATime(plan, outputs: values) {
          text += [CSVWriter.field(metric), names[row.dimension], f(row.base), f(row.value), f(row.fold), f(row.baseOutput),
                   f(row.output), f(row.change), f(row.relativeChange), f(row.elasticity)].joined(separator: ",") + "\n"
        }
      }
    default:
      preconditionFailure("sensitivity indices need morris, saltelli or oat sampling")
    }
    return text
  }

  /// The `manifest.json` entry of `sensitivity.csv`.
  public static func manifestEntry(command: String, sampling: Sampling) -> [String: JSONValue] {
    var entry: [String: JSONValue] = ["command": .string(command), "method": .string(sampling.rawValue)]
    if sampling != .oat {
      entry["bootstrap_resamples"] = .number(Double(resamples))
      entry["confidence"] = .number(0.95)
    }
    return entry
  }

  /// One run of a one-at-a-time design against the base run.
  public struct LocalEffect: Sendable, Hashable {
    public var dimension: Int
    public var base, value, fold: Double
    public var baseOutput, output, change, relativeChange: Double
    /// The normalised sensitivity ((y − y₀)/y₀)/((p − p₀)/p₀): a finite-difference estimate of
    /// ∂ln y/∂ln p (NaN where p = p₀, p₀ = 0 or y₀ = 0).
    public var elasticity: Double
  }

  /// The effect of each run of a one-at-a-time `plan` on `outputs` (one value per run, NaN where a
  /// run has none), relative to the base run.
  public static func oneAtATime(_ plan: SweepPlan, outputs: [Double]) -> [LocalEffect] {
    guard plan.runCount > 0 else { return [] }
    let y0 = outputs[0]
    var effects: [LocalEffect] = []
    for run in 1..<plan.runCount {
      guard let (j, _) = plan.oatStep(of: run) else { continue }
      let p0 = plan.spec.baseValues?[j] ?? .nan
      let p = plan.values(of: run)[j]
      let y = outputs[run]
      let change = y - y0
      let relative = y0 != 0 ? change / y0 : .nan
      let elasticity = p0 != 0 && p != p0 && y0 != 0 ? relative / ((p - p0) / p0) : .nan
      effects.append(LocalEffect(
        dimension: j, base: p0, value: p, fold: p0 != 0 ? p / p0 : .nan, baseOutput: y0, output: y, change: change,
        relativeChange: relative, elasticity: elasticity))
    }
    return effects
  }

  /// Reads the metric columns of a complete `runs.csv` (sorted, one row per run of `plan`) and
  /// writes `sensitivity.csv` beside it. Rows that are not `ok` count as missing.
  public static func write(runs path: String, plan: SweepPlan, table: RunsTable, to output: String) throws(PathwayError) {
    var values = table.metricNames.map { _ in [Double](repeating: .nan, count: plan.runCount) }
    let reader = try LineReader(path: path)
    _ = reader.next()
    while let line = reader.next() {
      let fields = RunsTable.fields(String(decoding: line.bytes, as: UTF8.self)[...])
      guard fields.count == table.columns.count, let id = Int(fields[0]), id >= 0, id < plan.runCount,
        fields[table.statusColumn] == "ok"
      else { continue }
      for m in 0..<table.metricNames.count {
        values[m][id] = Double(fields[table.firstMetricColumn + m]) ?? .nan
      }
    }
    try OutputFile.write(self.table(plan, outputs: Array(zip(table.metricNames, values))), to: output)
  }
}
