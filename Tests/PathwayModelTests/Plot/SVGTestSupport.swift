import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@testable import PathwayModel

/// An element of a parsed SVG document.
final class SVGNode {
  let name: String
  let attributes: [String: String]
  var children: [SVGNode] = []
  var text = ""

  init(name: String, attributes: [String: String]) {
    self.name = name
    self.attributes = attributes
  }

  var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }

  func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }

  /// Every descendant (depth first, self excluded) matching `predicate`.
  func all(_ predicate: (SVGNode) -> Bool) -> [SVGNode] {
    var found: [SVGNode] = []
    for child in children {
      if predicate(child) { found.append(child) }
      found += child.all(predicate)
    }
    return found
  }

  func all(name: String) -> [SVGNode] { all { $0.name == name } }
  func all(class name: String) -> [SVGNode] { all { $0.classes.contains(name) } }
  /// Every descendant with all of `classes`.
  func all(classes: Set<String>) -> [SVGNode] { all { classes.isSubset(of: $0.classes) } }

  /// The text of this element and its descendants.
  var allText: String { text + children.map(\.allText).joined() }
}

/// Parses SVG text with XMLParser; a malformed document fails the test.
func parseSVG(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> SVGNode {
  final class Builder: NSObject, XMLParserDelegate {
    var stack: [SVGNode] = [SVGNode(name: "#document", attributes: [:])]
    func parser(
      _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
      attributes: [String: String] = [:]
    ) {
      let node = SVGNode(name: elementName, attributes: attributes)
      stack.last!.children.append(node)
      stack.append(node)
    }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
      stack.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last!.text += string }
  }
  let parser = XMLParser(data: Data(text.utf8))
  let builder = Builder()
  parser.delegate = builder
  let ok = parser.parse()
  #expect(ok, "the SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")", sourceLocation: sourceLocation)
  let root = try #require(builder.stack.first?.children.first, sourceLocation: sourceLocation)
  #expect(root.name == "svg", sourceLocation: sourceLocation)
  return root
}

/// An axis read back from the figure: tick values (from their labels) and pixel positions.
struct ReadAxis {
  var values: [Double]
  var pixels: [Double]
  var labels: [String]
  var isLog: Bool
  var label: String

  /// The pixel of `value`, from the first and last tick (the others are checked to agree).
  func pixel(_ value: Double) -> Double {
    let t = { (v: Double) in isLog ? log10(v) : v }
    let (a, b) = (t(values.first!), t(values.last!))
    return pixels.first! + (t(value) - a) / (b - a) * (pixels.last! - pixels.first!)
  }

  /// The value at `pixel` (the inverse of `pixel(_:)`).
  func value(at pixel: Double) -> Double {
    let t = { (v: Double) in isLog ? log10(v) : v }
    let (a, b) = (t(values.first!), t(values.last!))
    let u = a + (pixel - pixels.first!) / (pixels.last! - pixels.first!) * (b - a)
    return isLog ? pow(10, u) : u
  }
}

/// The x or y axis of `panel`: reads every tick's label as a number and its line's position.
/// Checks that there are at least two ticks, that every label parses, and that the ticks are
/// collinear (each at the pixel the first and last predict, within 0.05 px).
func readAxis(_ panel: SVGNode, _ which: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ReadAxis {
  let axis = try #require(panel.all(classes: ["axis", which]).first, "no \(which) axis", sourceLocation: sourceLocation)
  var values: [Double] = [], pixels: [Double] = [], labels: [String] = []
  for tick in axis.all(class: "tick") {
    let line = try #require(tick.all(name: "line").first, sourceLocation: sourceLocation)
    let label = tick.all(name: "text").first?.allText ?? ""
    let value = try #require(TickFormat.parse(label), "tick label '\(label)' is not a number", sourceLocation: sourceLocation)
    values.append(value)
    labels.append(label)
    pixels.append(try #require(line.number(which == "x" ? "x1" : "y1"), sourceLocation: sourceLocation))
  }
  #expect(values.count >= 2, "the \(which) axis has \(values.count) ticks", sourceLocation: sourceLocation)
  let label = axis.all(class: "label").first?.allText ?? ""
  let read = ReadAxis(values: values, pixels: pixels, labels: labels, isLog: axis.attributes["data-scale"] == "log", label: label)
  for (v, p) in zip(values, pixels) {
    #expect(abs(read.pixel(v) - p) < 0.05, "tick \(v) at \(p), expected \(read.pixel(v))", sourceLocation: sourceLocation)
  }
  return read
}

/// Checks that linear ticks step by 1, 2 or 5 times a power of ten.
func expectOneTwoFive(_ axis: ReadAxis, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
  let steps = zip(axis.values.dropFirst(), axis.values).map { $0 - $1 }
  guard let step = steps.first, step > 0 else {
    Issue.record("ticks do not increase: \(axis.values)", sourceLocation: sourceLocation)
    return
  }
  for s in steps { #expect(abs(s - step) <= step * 1e-9, "uneven ticks \(axis.values)", sourceLocation: sourceLocation) }
  let mantissa = step / pow(10, floor(log10(step) + 1e-12))
  #expect(
    [1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "tick step \(step) is not 1, 2 or 5 × 10^k",
    sourceLocation: sourceLocation)
}

/// The points of a `<polyline>`.
func points(_ polyline: SVGNode) -> [(Double, Double)] {
  (polyline.attributes["points"] ?? "").split(separator: " ").map { pair in
    let xy = pair.split(separator: ",").map { Double($0)! }
    return (xy[0], xy[1])
  }
}

/// A fresh temporary folder; the caller removes it.
func temporaryPlotDirectory() throws -> String {
  let path = NSTemporaryDirectory() + "plot-tests-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Writes `files` (name → text) into a new folder and returns its path.
func writeFixtures(_ files: [String: String]) throws -> String {
  let directory = try temporaryPlotDirectory()
  for (name, text) in files {
    try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
  }
  return directory
}
