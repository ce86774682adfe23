/// An input's dose over time: a piecewise-linear function, right-continuous at its breakpoints
/// (a pulse on [t0, t1) is on at t0 and off at t1).
///
/// Every breakpoint ends an integration segment: the ODE driver is reset there and never steps
/// across a discontinuity.
public enum Stimulus: Sendable, Hashable {
  /// The same dose throughout.
  case constant(Double)
  /// `baseline` before `at`, `dose` from `at` on.
  case step(at: Double, dose: Double, baseline: Double)
  /// `dose` on [start, end), `baseline` elsewhere.
  case pulse(start: Double, end: Double, dose: Double, baseline: Double)
  /// `from` until `start`, linear to `to` on [start, end], `to` afterwards.
  case ramp(start: Double, end: Double, from: Double, to: Double)
  /// `count` pulses of `dose` lasting `duration`, one every `period` from `start` (count nil: no end).
  case repeated(start: Double, period: Double, duration: Double, count: Int?, dose: Double, baseline: Double)
  /// Piecewise constant: `points[i].value` from `points[i].time` on; `baseline` before the first.
  case schedule(points: [SchedulePoint], baseline: Double)

  public struct SchedulePoint: Sendable, Hashable {
    public var time: Double
    public var value: Double
    public init(time: Double, value: Double) {
      self.time = time
      self.value = value
    }
  }

  /// The dose at time t.
  public func value(at t: Double) -> Double {
    let (a, b) = coefficients(at: t)
    return a + b * t
  }

  /// The piece that holds at t (and just after it): value = a + b·t.
  public func coefficients(at t: Double) -> (a: Double, b: Double) {
    switch self {
    case .constant(let v): return (v, 0)
    case .step(let at, let dose, let baseline): return (t >= at ? dose : baseline, 0)
    case .pulse(let start, let end, let dose, let baseline): return (t >= start && t < end ? dose : baseline, 0)
    case .ramp(let start, let end, let from, let to):
      if t < start { return (from, 0) }
      if t >= end || end <= start { return (to, 0) }
      let slope = (to - from) / (end - start)
      return (from - slope * start, slope)
    case .repeated(let start, let period, let duration, let count, let dose, let baseline):
      guard t >= start, period > 0 else { return (baseline, 0) }
      // The pulse's on and off times are computed exactly as `breakpoints` computes them
      // (start + i·period, then + duration), so a segment starting at an off time sees the
      // baseline even when the times are not exact in binary (72.1 − 3·24 < 0.1).
      var index = ((t - start) / period).rounded(.down)
      if start + index * period > t { index -= 1 }
      if start + (index + 1) * period <= t { index += 1 }
      if index < 0 { return (baseline, 0) }
      if let count, index >= Double(count) { return (baseline, 0) }
      let on = start + index * period
      return (t >= on && t < on + duration ? dose : baseline, 0)
    case .schedule(let points, let baseline):
      var value = baseline
      for point in points where t >= point.time { value = point.value }
      return (value, 0)
    }
  }

  /// The times in (from, to) where the dose or its slope changes, sorted.
  public func breakpoints(from: Double, to: Double) -> [Double] {
    var times: [Double] = []
    switch self {
    case .constant: break
    case .step(let at, _, _): times = [at]
    case .pulse(let start, let end, _, _): times = [start, end]
    case .ramp(let start, let end, _, _): times = [start, end]
    case .repeated(let start, let period, let duration, let count, _, _):
      guard period > 0 else { break }
      var i = 0
      while true {
        if let count, i >= count { break }
        let on = start + Double(i) * period
        if on >= to { break }
        times.append(on)
        times.append(on + duration)
        i += 1
        if times.count > 10_000_000 { break }
      }
    case .schedule(let points, _): times = points.map(\.time)
    }
    return times.filter { $0 > from && $0 < to }.sorted()
  }
}
