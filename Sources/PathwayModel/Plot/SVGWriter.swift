import Foundation

/// Builds a self-contained SVG document: no scripts, no external references, no web fonts
/// (text uses the generic `sans-serif` family). Coordinates are written with two decimals, a
/// hundredth of a pixel. Elements carry `class` names (`panel`, `axis x`, `tick`, `series`,
/// `legend`, …) so that a reader (or a test) can find the parts of a figure.
public struct SVGWriter {
  public let width: Double
  public let height: Double
  private var body = ""
  private var depth = 1

  public init(width: Double, height: Double) {
    self.width = width
    self.height = height
  }

  /// The finished document.
  public func document(title: String?) -> String {
    let w = svgNumber(width), h = svgNumber(height)
    var head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    head += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\""
    head += " viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222222\">\n"
    if let title, !title.isEmpty { head += "  <title>\(SVGWriter.escape(title))</title>\n" }
    head += "  <rect class=\"background\" x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#FFFFFF\"/>\n"
    return head + body + "</svg>\n"
  }

  // MARK: - Elements

  /// Opens a group with `attributes` (written in the order given).
  public mutating func open(_ attributes: [(String, String)] = []) {
    emit("<g" + SVGWriter.attributes(attributes) + ">")
    depth += 1
  }

  public mutating func close() {
    depth -= 1
    emit("</g>")
  }

  public mutating func group(_ attributes: [(String, String)] = [], _ content: (inout SVGWriter) -> Void) {
    open(attributes)
    content(&self)
    close()
  }

  public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ attributes: [(String, String)] = []) {
    emit(
      #"<line x1="\#(svgNumber(x1))" y1="\#(svgNumber(y1))" x2="\#(svgNumber(x2))" y2="\#(svgNumber(y2))""# + SVGWriter.attributes(attributes) + "/>")
  }

  /// A rectangle; `tooltip` becomes a `<title>` child, which browsers show on hover.
  public mutating func rect(
    _ x: Double, _ y: Double, _ w: Double, _ h: Double, _ attributes: [(String, String)] = [], tooltip: String? = nil
  ) {
    element(
      "rect",
      [("x", svgNumber(x)), ("y", svgNumber(y)), ("width", svgNumber(max(0, w))), ("height", svgNumber(max(0, h)))]
        + attributes, tooltip: tooltip)
  }

  public mutating func circle(
    _ cx: Double, _ cy: Double, _ r: Double, _ attributes: [(String, String)] = [], tooltip: String? = nil
  ) {
    element("circle", [("cx", svgNumber(cx)), ("cy", svgNumber(cy)), ("r", svgNumber(r))] + attributes, tooltip: tooltip)
  }

  /// An element with `attributes`, empty or holding a `<title>` tooltip.
  public mutating func element(_ name: String, _ attributes: [(String, String)], tooltip: String? = nil) {
    let start = "<" + name + SVGWriter.attributes(attributes)
    if let tooltip {
      emit(start + "><title>" + SVGWriter.escape(tooltip) + "</title></" + name + ">")
    } else {
      emit(start + "/>")
    }
  }

  public mutating func polyline(_ points: [(Double, Double)], _ attributes: [(String, String)] = []) {
    let text = points.map { svgNumber($0.0) + "," + svgNumber($0.1) }.joined(separator: " ")
    emit(#"<polyline points="\#(text)" fill="none""# + SVGWriter.attributes(attributes) + "/>")
  }

  public mutating func path(_ d: String, _ attributes: [(String, String)] = [], tooltip: String? = nil) {
    element("path", [("d", d)] + attributes, tooltip: tooltip)
  }

  /// Text at (x, y): `anchor` start, middle or end; `rotate` in degrees about (x, y).
  public mutating func text(
    _ content: String, _ x: Double, _ y: Double, anchor: String = "start", size: Double? = nil,
    weight: String? = nil, rotate: Double? = nil, baseline: String? = nil, _ attributes: [(String, String)] = []
  ) {
    var all: [(String, String)] = [("x", svgNumber(x)), ("y", svgNumber(y))]
    if anchor != "start" { all.append(("text-anchor", anchor)) }
    if let size { all.append(("font-size", svgNumber(size))) }
    if let weight { all.append(("font-weight", weight)) }
    if let baseline { all.append(("dominant-baseline", baseline)) }
    if let rotate { all.append(("transform", "rotate(\(svgNumber(rotate)) \(svgNumber(x)) \(svgNumber(y)))")) }
    emit("<text" + SVGWriter.attributes(all + attributes) + ">" + SVGWriter.escape(content) + "</text>")
  }

  /// Raw markup (for `<defs>`), indented as a line.
  public mutating func raw(_ markup: String) { emit(markup) }

  private mutating func emit(_ line: String) {
    body += String(repeating: "  ", count: depth) + line + "\n"
  }

  // MARK: - Text

  static func attributes(_ list: [(String, String)]) -> String {
    list.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
  }

  /// Text escaped for XML content and attribute values.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default:
        // XML 1.0 forbids most control characters; replace them.
        if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" {
          out += "\u{FFFD}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }
}

/// A coordinate with at most two decimals, no trailing zeros, no `-0`.
func svgNumber(_ value: Double) -> String {
  guard value.isFinite else { return "0" }
  let rounded = (value * 100).rounded() / 100
  if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
  var text = String(format: "%.2f", rounded)
  while text.hasSuffix("0") { text.removeLast() }
  return text
}

/// Approximate text widths for layout, from Helvetica/Arial advance widths (what `sans-serif`
/// resolves to on most systems). Slightly generous, so that labels never overlap.
public enum TextMetrics {
  /// Widths of ASCII 32…126 in thousandths of an em (Helvetica AFM).
  private static let ascii: [Int] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  // space … /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556,  // 0 … 9
    278, 278, 584, 584, 584, 556, 1015,  // : … @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667,
    944, 667, 667, 611,  // A … Z
    278, 278, 278, 469, 556, 333,  // [ … `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500,
    722, 500, 500, 500,  // a … z
    334, 260, 334, 584,  // { … ~
  ]

  /// The width of `text` at `size` pixels.
  public static func width(_ text: String, size: Double) -> Double {
    var total = 0
    for scalar in text.unicodeScalars {
      let v = Int(scalar.value)
      if v >= 32 && v <= 126 {
        total += ascii[v - 32]
      } else if v >= 0x2E80 {
        total += 1000  // CJK and other wide scripts
      } else {
        total += 600
      }
    }
    return Double(total) / 1000 * size * 1.05
  }

  /// `text` shortened with an ellipsis to fit `width` pixels at `size`.
  public static func truncate(_ text: String, toWidth width: Double, size: Double) -> String {
    if self.width(text, size: size) <= width { return text }
    var scalars = Array(text.unicodeScalars)
    while !scalars.isEmpty {
      scalars.removeLast()
      let candidate = String(String.UnicodeScalarView(scalars)) + "…"
      if self.width(candidate, size: size) <= width { return candidate }
    }
    return "…"
  }
}

/// Colours that colour-blind readers can tell apart.
public enum Palette {
  /// Okabe & Ito (2008), "Color Universal Design", in an order that keeps neighbours distinct
  /// and puts the low-contrast yellow last.
  public static let okabeIto = [
    "#0072B2",  // blue
    "#D55E00",  // vermillion
    "#009E73",  // bluish green
    "#CC79A7",  // reddish purple
    "#E69F00",  // orange
    "#56B4E9",  // sky blue
    "#000000",  // black
    "#F0E442",  // yellow
  ]

  /// Dash patterns that tell series apart once the colours repeat.
  public static let dashes: [String?] = [nil, "7 3", "2 2.5", "9 3 2 3"]

  /// The colour of series `index`.
  public static func color(_ index: Int) -> String { okabeIto[index % okabeIto.count] }

  /// The dash pattern of series `index` (solid for the first round of colours).
  public static func dash(_ index: Int) -> String? { dashes[(index / okabeIto.count) % dashes.count] }

  /// Viridis (van der Walt & Smith, matplotlib), perceptually uniform and readable in grey and
  /// by colour-blind readers: 11 samples, interpolated linearly.
  static let viridis: [(Double, Double, Double)] = [
    (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553),
    (0.164, 0.471, 0.558), (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441),
    (0.478, 0.821, 0.318), (0.741, 0.873, 0.150), (0.993, 0.906, 0.144),
  ]

  /// The viridis colour at `t` in [0, 1] (clamped), as `#rrggbb`.
  public static func sequential(_ t: Double) -> String {
    let x = t.isFinite ? min(1, max(0, t)) : 0
    let position = x * Double(viridis.count - 1)
    let i = min(viridis.count - 2, Int(position))
    let f = position - Double(i)
    let a = viridis[i], b = viridis[i + 1]
    return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
  }

  static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
    func byte(_ v: Double) -> String {
      let value = Int((min(1, max(0, v)) * 255).rounded())
      let text = String(value, radix: 16, uppercase: true)
      return text.count == 1 ? "0" + text : text
    }
    return "#" + byte(r) + byte(g) + byte(b)
  }
}
