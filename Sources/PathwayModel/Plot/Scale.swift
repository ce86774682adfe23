import Foundation

/// A map from data values to pixels along one axis, linear or logarithmic (base 10).
public struct AxisScale: Sendable, Hashable {
  public var domain: ClosedRange<Double>
  /// Pixel positions of `domain.lowerBound` and `domain.upperBound` (the second may be smaller,
  /// as for a y axis that grows upwards).
  public var start: Double
  public var end: Double
  public var isLog: Bool

  public init(domain: ClosedRange<Double>, start: Double, end: Double, isLog: Bool = false) {
    self.domain = domain
    self.start = start
    self.end = end
    self.isLog = isLog
  }

  /// The value in the scale's own space (log10 for a log scale).
  @inline(__always) func transform(_ value: Double) -> Double { isLog ? log10(value) : value }

  /// The pixel position of `value`.
  public func callAsFunction(_ value: Double) -> Double {
    let a = transform(domain.lowerBound), b = transform(domain.upperBound)
    if b == a { return (start + end) / 2 }
    return start + (transform(value) - a) / (b - a) * (end - start)
  }

  /// The value at pixel position `pixel` (the inverse of `callAsFunction`).
  public func value(at pixel: Double) -> Double {
    let a = transform(domain.lowerBound), b = transform(domain.upperBound)
    let t = a + (pixel - start) / (end - start) * (b - a)
    return isLog ? pow(10, t) : t
  }

  /// The ticks of this scale: 1-2-5 steps, about one per `spacing` pixels.
  public func ticks(spacing: Double) -> [Double] {
    let count = AxisTicks.tickCount(length: end - start, spacing: spacing)
    return isLog ? AxisTicks.logarithmic(domain, count: count) : AxisTicks.linear(domain, count: count).values
  }
}

/// "Nice" tick values: multiples of 1, 2 or 5 times a power of ten.
public enum AxisTicks {
  /// The 1-2-5 step that gives about `count` intervals over `span`.
  public static func step(span: Double, count: Int) -> Double {
    guard span > 0, span.isFinite else { return 1 }
    let raw = span / Double(max(1, count))
    let magnitude = pow(10, floor(log10(raw)))
    let residual = raw / magnitude
    // The nearest of 1, 2, 5, 10 on a log scale (thresholds √2, √10, √50).
    let factor: Double = residual < 1.4142 ? 1 : residual < 3.1623 ? 2 : residual < 7.0711 ? 5 : 10
    return factor * magnitude
  }

  /// The multiples of a 1-2-5 step that lie in `domain` (within a rounding tolerance).
  public static func linear(_ domain: ClosedRange<Double>, count: Int) -> (values: [Double], step: Double) {
    let step = step(span: domain.upperBound - domain.lowerBound, count: count)
    let first = ceil(domain.lowerBound / step - 1e-9)
    let last = floor(domain.upperBound / step + 1e-9)
    guard first <= last, last - first < 1000 else { return ([domain.lowerBound, domain.upperBound], step) }
    var values: [Double] = []
    var k = first
    while k <= last {
      let v = k * step
      values.append(v == 0 ? 0 : v)  // no -0
      k += 1
    }
    return (values, step)
  }

  /// `data` widened outwards to the nearest ticks of a 1-2-5 step (for value axes), so that the
  /// axis starts and ends on a labelled tick. A range of one value is widened to include zero.
  public static func niceDomain(_ data: ClosedRange<Double>, count: Int) -> ClosedRange<Double> {
    var low = data.lowerBound, high = data.upperBound
    if high - low <= abs(high) * 1e-12 {
      // One value: the axis runs from zero to it (or to 1 for zero), so a flat line at 0 or at
      // a level reads as such.
      if low > 0 { low = 0 } else if high < 0 { high = 0 } else { high = 1 }
    }
    let step = step(span: high - low, count: count)
    let a = floor(low / step + 1e-9) * step
    let b = ceil(high / step - 1e-9) * step
    return (a == 0 ? 0 : a)...(b == 0 ? 0 : b)
  }

  /// `data` (positive) widened outwards to whole decades, or to 1-2-5 values when it spans less
  /// than a decade.
  public static func niceLogDomain(_ data: ClosedRange<Double>) -> ClosedRange<Double> {
    var low = log10(data.lowerBound), high = log10(data.upperBound)
    if high - low < 1e-12 {
      low -= 0.5
      high += 0.5
    }
    if high - low >= 1 { return pow(10, floor(low + 1e-9))...pow(10, ceil(high - 1e-9)) }
    let lower = [1.0, 2, 5].map { pow(10, floor(low + 1e-9)) * $0 }.filter { $0 <= data.lowerBound * (1 + 1e-9) }.max()
    let upper = [1.0, 2, 5, 10].map { pow(10, floor(high)) * $0 }.filter { $0 >= data.upperBound * (1 - 1e-9) }.min()
    return (lower ?? pow(10, low))...(upper ?? pow(10, high))
  }

  /// The domain of `values`: exact (`nice` false, for time), or widened to the ticks of an axis
  /// with about `count` intervals (`tickCount`), so that it starts and ends on a labelled tick.
  static func dataDomain(_ values: [Double], log: Bool, nice: Bool, count: Int = 5) -> ClosedRange<Double> {
    let finite = values.filter { $0.isFinite && (!log || $0 > 0) }
    guard var low = finite.min(), var high = finite.max() else { return log ? 1...10 : 0...1 }
    if log {
      if !nice && high > low { return low...high }
      return niceLogDomain(low...high)
    }
    if !nice && high > low { return low...high }
    // Values within a billionth of the span from zero count as zero (solver round-off).
    let span = max(abs(high - low), abs(high), abs(low))
    if abs(low) < span * 1e-9 { low = 0 }
    if abs(high) < span * 1e-9 { high = 0 }
    return niceDomain(low...high, count: count)
  }

  /// The number of tick intervals for an axis `length` pixels long with a tick every `spacing`.
  public static func tickCount(length: Double, spacing: Double) -> Int {
    // The length may come from (left + width) − left: a hair short of a whole number of spacings.
    max(2, Int((abs(length) / spacing + 1e-9).rounded(.down)))
  }

  /// Ticks of a log axis: decades (every d-th when there are many), with 2 and 5 between them
  /// when the domain spans few decades.
  public static func logarithmic(_ domain: ClosedRange<Double>, count: Int) -> [Double] {
    let low = log10(domain.lowerBound), high = log10(domain.upperBound)
    let firstDecade = Int(floor(low + 1e-9)), lastDecade = Int(ceil(high - 1e-9))
    let decades = max(1, lastDecade - firstDecade)
    let inside = { (v: Double) in v >= domain.lowerBound * (1 - 1e-9) && v <= domain.upperBound * (1 + 1e-9) }
    var values: [Double] = []
    if decades <= 2 {
      for d in firstDecade...lastDecade {
        for m in [1.0, 2, 5] where inside(m * pow(10, Double(d))) { values.append(m * pow(10, Double(d))) }
      }
    }
    if values.count < 2 || values.count > count + 2 {
      // Every 1, 2, 5, 10, 20, … decades.
      let every = max(1, Int(step(span: Double(decades), count: max(1, count)).rounded()))
      values = stride(from: firstDecade, through: lastDecade, by: 1)
        .filter { $0 % every == 0 }.map { pow(10, Double($0)) }.filter(inside)
    }
    if values.count < 2 {
      // Less than a decade without a 1-2-5 value inside: fall back to linear ticks.
      return linear(domain, count: max(2, count)).values.filter { $0 > 0 }
    }
    return values
  }
}

/// Tick labels: plain decimals for ordinary magnitudes, SI prefixes (k, M, G, m, µ, n, …) for
/// very large or very small ones, and a true minus sign (U+2212).
public enum TickFormat {
  static let prefixes: [Int: String] = [
    -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P",
  ]

  /// Labels for linear ticks `values` spaced by `step`: decimals as the step needs, trailing zeros
  /// dropped (`0`, `0.5`, `1`); one SI prefix for the whole axis when its largest tick is 10⁴ or
  /// more, or below 0.001 (`0`, `2.5k`, `5k`).
  public static func labels(_ values: [Double], step: Double) -> [String] {
    let largest = values.map(abs).max() ?? 0
    if largest == 0 { return values.map { _ in "0" } }
    if largest >= 1e18 || largest < 1e-15 {
      // Beyond the SI prefixes: scientific notation with a shared number of decimals.
      let exponent = Int(floor(log10(largest)))
      let scale = pow(10, Double(exponent))
      return distinct(values, from: decimals(step / scale)) { v, d in
        v == 0 ? "0" : plain(v / scale, decimals: d) + "×" + power(exponent)
      }
    }
    if largest >= 1e4 || largest < 1e-3 {
      let exponent = Int(floor(log10(largest) / 3)) * 3
      let scale = pow(10, Double(exponent))
      return distinct(values, from: decimals(step / scale)) { v, d in
        v == 0 ? "0" : plain(v / scale, decimals: d) + (prefixes[exponent] ?? "")
      }
    }
    return distinct(values, from: decimals(step)) { v, d in plain(v, decimals: d) }
  }

  /// `label(value, digits)` for every value, with digits (decimals, or significant digits) from
  /// `start` up to 17 until distinct values get distinct labels (near-constant data: ticks 10⁻¹²
  /// apart around 1 still differ).
  static func distinct(_ values: [Double], from start: Int, _ label: (Double, Int) -> String) -> [String] {
    let count = Set(values).count
    var d = start
    var labels = values.map { label($0, d) }
    while Set(labels).count < count && d < 17 {
      d += 1
      labels = values.map { label($0, d) }
    }
    return labels
  }

  /// The fewest decimals (at most 12) that write multiples of `step` exactly.
  static func decimals(_ step: Double) -> Int {
    for d in 0...12 {
      let scaled = step * pow(10, Double(d))
      if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { return d }
    }
    return 12
  }

  /// Labels for the ticks of a log axis: plain numbers between 0.001 and 10⁴, powers of ten
  /// (`10⁻⁶`, `10⁰`, `10⁶`) when the ticks are decades reaching beyond that, SI prefixes otherwise.
  public static func logLabels(_ values: [Double]) -> [String] {
    let plainRange = { (v: Double) in v >= 1e-3 && v < 1e4 }
    if values.allSatisfy(plainRange) { return values.map { label($0) } }
    let exponents = values.map { log10($0) }
    if exponents.allSatisfy({ abs($0 - $0.rounded()) < 1e-9 }) {
      return exponents.map { power(Int($0.rounded())) }
    }
    return values.map { label($0) }
  }

  /// A label for one value on its own (log ticks, colour bars): plain between 0.001 and 10⁴,
  /// SI prefix otherwise, at most `significant` digits.
  public static func label(_ value: Double, significant: Int = 3) -> String {
    if value == 0 { return "0" }
    if !value.isFinite { return value.isNaN ? "NaN" : value < 0 ? "−∞" : "∞" }
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e4 {
      let decimals = max(0, significant - 1 - Int(floor(log10(magnitude))))
      return plain(value, decimals: decimals)
    }
    if magnitude >= 1e18 || magnitude < 1e-15 {
      let exponent = Int(floor(log10(magnitude)))
      let mantissa = value / pow(10, Double(exponent))
      if abs(mantissa - mantissa.rounded()) < 1e-9 && abs(mantissa.rounded()) == 1 {
        return (mantissa < 0 ? "\u{2212}" : "") + power(exponent)
      }
      return plain(mantissa, decimals: significant - 1) + "×" + power(exponent)
    }
    let exponent = Int(floor(log10(magnitude) / 3)) * 3
    let scaled = value / pow(10, Double(exponent))
    let decimals = max(0, significant - 1 - Int(floor(log10(abs(scaled)))))
    return plain(scaled, decimals: decimals) + (prefixes[exponent] ?? "")
  }

  static let superscripts: [Character: Character] = [
    "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
  ]

  /// `10⁻²⁰`: ten to `exponent`, in superscript digits.
  static func power(_ exponent: Int) -> String {
    "10" + String(String(exponent).map { superscripts[$0] ?? $0 })
  }

  /// `value` with at most `decimals` decimals, trailing zeros dropped, minus as U+2212.
  static func plain(_ value: Double, decimals: Int) -> String {
    var text = String(format: "%.\(min(decimals, 15))f", value)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    if text == "-0" { text = "0" }
    if text.hasPrefix("-") { text = "\u{2212}" + text.dropFirst() }
    return text
  }

  /// Reads a label back (tests, and anyone checking a figure): `2.5k` → 2500, `−1` → −1.
  public static func parse(_ label: String) -> Double? {
    var text = label.replacingOccurrences(of: "\u{2212}", with: "-")
    // `2.5×10⁻²⁰` and `10⁻²⁰`.
    if let range = text.range(of: "10"), text[range.upperBound...].contains(where: { superscripts.values.contains($0) }) {
      let digits = String(text[range.upperBound...].map { c in superscripts.first { $0.value == c }?.key ?? c })
      guard let exponent = Int(digits) else { return nil }
      var mantissa = String(text[..<range.lowerBound])
      if mantissa.hasSuffix("×") { mantissa.removeLast() }
      let m = mantissa.isEmpty ? 1 : mantissa == "-" ? -1 : Double(mantissa)
      return m.map { $0 * pow(10, Double(exponent)) }
    }
    var scale = 1.0
    if let last = text.last, let (exponent, _) = prefixes.first(where: { !$0.value.isEmpty && $0.value == String(last) }) {
      scale = pow(10, Double(exponent))
      text.removeLast()
    }
    return Double(text).map { $0 * scale }
  }
}
