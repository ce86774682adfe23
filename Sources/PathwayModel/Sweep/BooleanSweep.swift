import Foundation

/// A Boolean metric: `on(X)`, the mean activity of node X over the attractors (each attractor
/// counts once; within a cycle or complex attractor, the fraction of its listed states with X on).
public struct BooleanMetric: Sendable, Hashable {
  public var text: String
  public var node: String

  public static func parse(_ text: String) -> Result<BooleanMetric, SweepSpecProblem> {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasPrefix("on("), trimmed.hasSuffix(")"), trimmed.count > 4 else {
      return .failure(
        SweepSpecProblem(
          "'\(text)' is not a Boolean metric",
          notes: ["a knockout sweep writes " + PerturbationSets.summaryMetrics.joined(separator: ", ") + " and on(X) per --metric"]))
    }
    let node = trimmed.dropFirst(3).dropLast().trimmingCharacters(in: .whitespaces)
    return .success(BooleanMetric(text: text, node: node))
  }
}

/// A knockout / over-expression sweep: one attractor search per perturbation set, on the
/// model's Boolean network with the scenario's perturbations applied first. Each run writes the
/// number of attractors, fixed points, cycles and complex attractors, and `on(X)` per metric.
public final class BooleanSweepSetup: SweepSource {
  public let plan: SweepPlan
  public let network: BooleanNetwork
  public let options: AttractorSearch.Options
  /// Node index of each `on(X)` metric (after the four summary columns).
  public let readouts: [Int]
  public let record: [String: JSONValue]
  public var trajectoryColumns: [Int] { [] }
  public var trajectoryNames: [String] { [] }

  /// Checks every node name (usage errors, with "did you mean"). `pins` are the scenario's.
  public init(model: Model, pins: [Int: Bool], spec: SweepSpec, options: AttractorSearch.Options = .init()) throws(PathwayError) {
    var usage = DiagnosticBag()
    for problem in spec.validate() { usage.error(nil, problem.message, notes: problem.notes) }
    let names = model.nodes.map(\.id)
    let sets = spec.perturbationSets ?? PerturbationSets(knockout: [], overexpress: [])
    for name in sets.knockout + sets.overexpress where !names.contains(name) {
      usage.error(nil, "unknown node '\(name)' in the knockout sweep", notes: didYouMean(name, among: names).map { [$0] } ?? [])
    }
    var readouts: [Int] = []
    for text in spec.metrics where !PerturbationSets.summaryMetrics.contains(text) {
      guard case .success(let metric) = BooleanMetric.parse(text) else { continue }  // reported by validate()
      guard let i = names.firstIndex(of: metric.node) else {
        usage.error(nil, "unknown node '\(metric.node)' in the metric '\(text)'", notes: didYouMean(metric.node, among: names).map { [$0] } ?? [])
        continue
      }
      readouts.append(i)
    }
    try usage.throwIfErrors(.usage)
    network = try BooleanNetwork(model: model).pinned(pins)
    plan = SweepPlan(spec)
    self.options = options
    self.readouts = readouts
    record = [
      "update": .string(sets.update.rawValue),
      "scenario_pins": .object(Dictionary(pins.map { (names[$0.key], JSONValue.bool($0.value)) }, uniquingKeysWith: { a, _ in a })),
    ]
  }

  public func makeWorker() throws(PathwayError) -> any SweepRunner { BooleanSweepWorker(self) }
}

final class BooleanSweepWorker: SweepRunner {
  let setup: BooleanSweepSetup
  private var cancellation: (@Sendable () -> Bool)?

  init(_ setup: BooleanSweepSetup) { self.setup = setup }

  func install(cancellation: @escaping @Sendable () -> Bool) { self.cancellation = cancellation }

  func execute(_ run: Int, keepTrajectory: Bool) -> RunRecord {
    let clock = ContinuousClock.now
    let plan = setup.plan
    var record = RunRecord(
      run: run, values: [], labels: plan.labels(of: run), seed: plan.seed(of: run), status: .ok,
      metrics: [Double](repeating: .nan, count: PerturbationSets.summaryMetrics.count + setup.readouts.count))
    if cancellation?() == true {
      record.status = .notRun
      return record
    }
    var pins: [Int: Bool] = [:]
    for (node, on) in plan.perturbationSets[run] { pins[setup.network.names.firstIndex(of: node)!] = on }
    do {
      let scheme = plan.spec.perturbationSets?.update ?? .synchronous
      let found = try AttractorSearch.find(in: setup.network.pinned(pins), scheme: scheme, options: setup.options)
      let attractors = found.attractors
      record.metrics[0] = Double(attractors.count)
      record.metrics[1] = Double(attractors.filter { $0.kind == .fixed }.count)
      record.metrics[2] = Double(attractors.filter { $0.kind == .cycle }.count)
      record.metrics[3] = Double(attractors.filter { $0.kind == .complex }.count)
      for (m, node) in setup.readouts.enumerated() where !attractors.isEmpty {
        var sum = 0.0
        for attractor in attractors {
          sum += Double(attractor.states.filter { $0[node] }.count) / Double(max(1, attractor.states.count))
        }
        record.metrics[4 + m] = sum / Double(attractors.count)
      }
    } catch {
      record.status = .failed("search")
    }
    let elapsed = ContinuousClock.now - clock
    record.wallSeconds = seconds(elapsed)
    return record
  }
}
