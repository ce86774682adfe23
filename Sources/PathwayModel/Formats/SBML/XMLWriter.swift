/// An XML element to be written: the writers of SBML and SBML-qual build these trees and render
/// them with two-space indentation. Attributes keep the order they were added in.
struct XMLElementBuilder {
  var name: String
  var attributes: [(String, String)] = []
  var children: [XMLElementBuilder] = []
  /// Character content (escaped when written); an element has text or children, not both.
  var text: String? = nil

  init(_ name: String, _ attributes: [(String, String)] = [], children: [XMLElementBuilder] = [], text: String? = nil) {
    self.name = name
    self.attributes = attributes
    self.children = children
    self.text = text
  }

  mutating func add(_ child: XMLElementBuilder) { children.append(child) }

  mutating func set(_ name: String, _ value: String) {
    if let i = attributes.firstIndex(where: { $0.0 == name }) {
      attributes[i].1 = value
    } else {
      attributes.append((name, value))
    }
  }

  /// The element and its subtree, each element on its own line, indented by `level`.
  func render(level: Int = 0) -> String {
    var out = ""
    render(into: &out, level: level)
    return out
  }

  private func render(into out: inout String, level: Int) {
    let indent = String(repeating: "  ", count: level)
    out += indent + "<" + name
    for (key, value) in attributes { out += " \(key)=\"\(XMLEscape.attribute(value))\"" }
    if let text {
      out += ">" + XMLEscape.text(text) + "</" + name + ">\n"
    } else if children.isEmpty {
      out += "/>\n"
    } else {
      out += ">\n"
      for child in children { child.render(into: &out, level: level + 1) }
      out += indent + "</" + name + ">\n"
    }
  }

  /// An XHTML `<notes>` element holding one paragraph per line (nil when there is nothing to say).
  static func notes(_ paragraphs: [String]) -> XMLElementBuilder? {
    let kept = paragraphs.filter { !$0.isEmpty }
    guard !kept.isEmpty else { return nil }
    var body = XMLElementBuilder("body", [("xmlns", "http://www.w3.org/1999/xhtml")])
    for paragraph in kept { body.add(XMLElementBuilder("p", text: paragraph)) }
    return XMLElementBuilder("notes", children: [body])
  }
}

enum XMLEscape {
  static func text(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      default: out.unicodeScalars.append(Self.allowed(c) ? c : "\u{FFFD}")
      }
    }
    return out
  }

  static func attribute(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "\n": out += "&#10;"
      case "\t": out += "&#9;"
      case "\r": out += "&#13;"
      default: out.unicodeScalars.append(Self.allowed(c) ? c : "\u{FFFD}")
      }
    }
    return out
  }

  /// Characters XML 1.0 allows in a document.
  private static func allowed(_ c: Unicode.Scalar) -> Bool {
    c == "\t" || c == "\n" || c == "\r" || c.value >= 0x20 && c.value != 0xFFFE && c.value != 0xFFFF
  }
}
