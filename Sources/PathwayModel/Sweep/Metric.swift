import Foundation

/// A number measured on each run's time course; its `runs.csv` column is named exactly as written.
///
/// | metric | value |
/// |---|---|
/// | `final(X)` | X at the end time |
/// | `max(X)`, `min(X)` | the largest / smallest X on the output grid |
/// | `tmax(X)` | the first output time at which X is largest |
/// | `auc(X)` | ∫ X dt from start to end, by the trapezoid rule on the output grid |
/// | `tcross(X,level)` | the first time X reaches `level` (linear between output times); empty if never |
/// | `value(X,t)` | X at time t (t is added to the output grid, so the solver stops there exactly) |
/// | `steady(X)` | X at the steady state found from the end of the run, the stimuli held at their end values (`SteadyStateFinder`, method auto); empty if none is found |
///
/// X is any output: a node (an input gives its dose) or an assignment.
public struct Metric: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case final, max, min, tmax, auc
    case tcross(level: Double)
    case value(time: Double)
    case steady
  }

  /// The text as written: the column name.
  public var text: String
  public var variable: String
  public var kind: Kind

  static let forms = ["metrics: final(X), max(X), min(X), tmax(X), auc(X), tcross(X,level), value(X,t), steady(X)"]

  /// Parses `name(X)` or `name(X,number)`.
  public static func parse(_ text: String) -> Result<Metric, SweepSpecProblem> {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") else {
      return .failure(SweepSpecProblem("'\(text)' is not a metric", notes: forms))
    }
    let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
    let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
    let arguments = inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard let variable = arguments.first, !variable.isEmpty else {
      return .failure(SweepSpecProblem("'\(text)' names no variable", notes: forms))
    }
    func one(_ kind: Kind) -> Result<Metric, SweepSpecProblem> {
      guard arguments.count == 1 else { return .failure(SweepSpecProblem("\(name)() takes one variable, found '\(text)'", notes: forms)) }
      return .success(Metric(text: text, variable: variable, kind: kind))
    }
    func two(_ make: (Double) -> Kind) -> Result<Metric, SweepSpecProblem> {
      guard arguments.count == 2 else {
        return .failure(SweepSpecProblem("\(name)() takes a variable and a number, found '\(text)'", notes: forms))
      }
      guard let number = parseNumber(arguments[1]), number.isFinite else {
        return .failure(SweepSpecProblem("'\(arguments[1])' in '\(text)' is not a finite number", notes: forms))
      }
      return .success(Metric(text: text, variable: variable, kind: make(number)))
    }
    switch name {
    case "final": return one(.final)
    case "max": return one(.max)
    case "min": return one(.min)
    case "tmax": return one(.tmax)
    case "auc": return one(.auc)
    case "tcross": return two { .tcross(level: $0) }
    case "value": return two { .value(time: $0) }
    case "steady": return one(.steady)
    default:
      return .failure(
        SweepSpecProblem(
          "unknown metric '\(name)'",
          notes: (didYouMean(name, among: ["final", "max", "min", "tmax", "auc", "tcross", "value", "steady"]).map { [$0] } ?? []) + forms))
    }
  }

  /// Whether the metric is read from a steady state rather than from the time course.
  public var needsSteadyState: Bool { kind == .steady }

  /// The output time this metric needs on the grid, if any.
  public var requiredTime: Double? {
    if case .value(let t) = kind { return t }
    return nil
  }

  /// The metric of column `column` of `trajectory`; NaN when it has no value (an empty
  /// trajectory, a level never reached, a time never reached).
  public func evaluate(_ trajectory: Trajectory, column: Int) -> Double {
    let rows = trajectory.rowCount
    guard rows > 0 else { return .nan }
    let width = trajectory.names.count
    @inline(__always) func x(_ row: Int) -> Double { trajectory.values[row * width + column] }
    let times = trajectory.times
    switch kind {
    case .final:
      return x(rows - 1)
    case .max, .min, .tmax:
      var best = 0
      for row in 1..<rows {
        let v = x(row)
        if kind == .min ? v < x(best) : v > x(best) { best = row }
      }
      return kind == .tmax ? times[best] : x(best)
    case .auc:
      var sum = 0.0
      for row in 1..<rows { sum += 0.5 * (x(row) + x(row - 1)) * (times[row] - times[row - 1]) }
      return sum
    case .tcross(let level):
      var previous = x(0) - level
      if previous == 0 { return times[0] }
      for row in 1..<rows {
        let d = x(row) - level
        if d == 0 { return times[row] }
        if (d > 0) != (previous > 0) {
          return times[row - 1] + (times[row] - times[row - 1]) * previous / (previous - d)
        }
        previous = d
      }
      return .nan
    case .steady:
      return .nan  // measured on the steady state by the sweep worker, not on the time course
    case .value(let t):
      // The grid holds t exactly (it was added); a failed run may have stopped before it.
      var low = 0, high = rows
      while low < high {
        let mid = (low + high) / 2
        if times[mid] < t { low = mid + 1 } else { high = mid }
      }
      return low < rows && times[low] == t ? x(low) : .nan
    }
  }
}
