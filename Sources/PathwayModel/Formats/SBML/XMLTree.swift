import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A parsed XML element with its namespace, attributes, children, text and source position.
final class XMLNode {
  let name: String
  let namespace: String
  var attributes: [String: String]
  var children: [XMLNode] = []
  var text = ""
  /// The text between children: segment i precedes child i (MathML `<sep/>` splits numbers).
  var segments: [String] = [""]
  let line: Int
  let column: Int
  /// The namespace prefixes this element declares (`xmlns:p="uri"`: p → uri; "" for the default).
  var declaredPrefixes: [String: String] = [:]
  /// The file the element was read from, when it is not the document being read (a `comp`
  /// external model definition's elements, flattened into it).
  var file: String? = nil

  init(name: String, namespace: String, attributes: [String: String], line: Int, column: Int) {
    self.name = name
    self.namespace = namespace
    self.attributes = attributes
    self.line = line
    self.column = column
  }

  func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
  func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
  /// The children of `<listOfX>` for a list name.
  func list(_ listName: String, _ itemName: String) -> [XMLNode] {
    child(listName)?.children(itemName) ?? []
  }

  func location(_ file: String) -> SourceLocation { SourceLocation(file: self.file ?? file, line: line, column: column) }

  /// A copy of the element and everything under it.
  func copy() -> XMLNode {
    let node = XMLNode(name: name, namespace: namespace, attributes: attributes, line: line, column: column)
    node.children = children.map { $0.copy() }
    node.text = text
    node.segments = segments
    node.declaredPrefixes = declaredPrefixes
    node.file = file
    return node
  }

  /// Appends a child, keeping one text segment after each child.
  func append(_ child: XMLNode) {
    children.append(child)
    segments.append("")
  }

  /// Removes child i with the text segment after it.
  func removeChild(at i: Int) {
    children.remove(at: i)
    segments.remove(at: min(i + 1, segments.count - 1))
  }

  /// Replaces child i.
  func replaceChild(at i: Int, with node: XMLNode) { children[i] = node }
}

/// Parses XML into `XMLNode`s with FoundationXML's SAX parser (no outside dependency). External
/// entities are never resolved; malformed XML is a located error (exit 65).
enum XMLTreeReader {
  static func parse(_ data: Data, file: String, maximumDepth: Int = 10_000) throws(PathwayError) -> XMLNode {
    try refuseDocumentType(data, file: file)
    // FoundationXML traps on names that are not UTF-8 (found by fuzzing): SBML is UTF-8, so
    // anything else (but UTF-16 with its byte order mark, which libxml2 converts) is refused first.
    if !data.starts(with: [0xFF, 0xFE]) && !data.starts(with: [0xFE, 0xFF]) && String(data: data, encoding: .utf8) == nil {
      throw InputFile.notUTF8(data, file: file)
    }
    try refuseEmptyProcessingInstructions(data, file: file)
    let delegate = Delegate(maximumDepth: maximumDepth)
    let parser = XMLParser(data: data)
    parser.shouldProcessNamespaces = true
    parser.shouldReportNamespacePrefixes = true
    parser.shouldResolveExternalEntities = false
    parser.delegate = delegate
    let ok = parser.parse()
    if let problem = delegate.problem {
      throw PathwayError(.invalidInput, at: SourceLocation(file: file, line: problem.line, column: problem.column), problem.message)
    }
    if !ok || delegate.root == nil {
      let code = parser.parserError.map { ($0 as NSError).code }
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: file, line: max(1, parser.lineNumber), column: max(1, parser.columnNumber)),
        "malformed XML: " + (code.map(describe) ?? "no root element"))
    }
    return delegate.root!
  }

  /// libxml2's common error codes (xmlParserErrors), in words.
  static func describe(_ code: Int) -> String {
    switch code {
    case 4: return "the document is empty"
    case 5: return "extra content after the end of the document"
    case 9: return "a character that is not allowed in XML"
    case 26: return "an undeclared entity"
    case 68: return "a name is required here"
    case 73: return "an unfinished start tag ('>' expected)"
    case 76: return "the end tag does not match the start tag"
    case 77: return "the document ends inside a tag"
    default: return "libxml2 error \(code)"
    }
  }

  /// SBML needs no document type declaration, and its entities can expand without bound (the
  /// "billion laughs") or read other files: a `<!DOCTYPE` is refused before parsing.
  /// FoundationXML calls strlen on the NULL data of a processing instruction without data
  /// (`<?name?>`) and crashes (found by fuzzing): such instructions are refused before parsing.
  static func refuseEmptyProcessingInstructions(_ data: Data, file: String) throws(PathwayError) {
    let bytes = [UInt8](data.prefix(1 << 20))
    var line = 1, column = 1
    var i = 0
    while i + 1 < bytes.count {
      if bytes[i] == UInt8(ascii: "<") && bytes[i + 1] == UInt8(ascii: "?") {
        var j = i + 2
        while j < bytes.count, !" \t\r\n?".utf8.contains(bytes[j]) { j += 1 }
        while j < bytes.count, " \t\r\n".utf8.contains(bytes[j]) { j += 1 }
        if j + 1 < bytes.count && bytes[j] == UInt8(ascii: "?") && bytes[j + 1] == UInt8(ascii: ">") {
          throw PathwayError(
            .invalidInput, at: SourceLocation(file: file, line: line, column: column),
            "malformed XML: a processing instruction without content")
        }
      }
      if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
      i += 1
    }
  }

  static func refuseDocumentType(_ data: Data, file: String) throws(PathwayError) {
    let marker = Array("<!DOCTYPE".utf8)
    let bytes = [UInt8](data.prefix(1 << 20))
    guard bytes.count >= marker.count else { return }
    var line = 1, column = 1
    for i in 0...(bytes.count - marker.count) {
      if bytes[i] == marker[0] && Array(bytes[i..<(i + marker.count)]) == marker {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: file, line: line, column: column),
          "XML document type declarations (<!DOCTYPE …>) are not accepted",
          notes: ["SBML needs none, and XML entities can expand without bound or read other files"])
      }
      if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
    }
  }

  private final class Delegate: NSObject, XMLParserDelegate {
    var stack: [XMLNode] = []
    var root: XMLNode?
    var problem: (line: Int, column: Int, message: String)?
    let maximumDepth: Int
    /// Prefix declarations reported before the element that carries them starts.
    var pendingPrefixes: [String: String] = [:]

    init(maximumDepth: Int) { self.maximumDepth = maximumDepth }

    func parser(
      _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
      attributes: [String: String] = [:]
    ) {
      if stack.count >= maximumDepth {
        problem = (parser.lineNumber, parser.columnNumber, "XML nested deeper than \(maximumDepth) elements")
        parser.abortParsing()
        return
      }
      let node = XMLNode(
        name: elementName, namespace: namespaceURI ?? "", attributes: attributes, line: parser.lineNumber,
        column: parser.columnNumber)
      node.declaredPrefixes = pendingPrefixes
      pendingPrefixes = [:]
      if let parent = stack.last {
        parent.children.append(node)
        parent.segments.append("")
      } else {
        root = node
      }
      stack.append(node)
    }

    func parser(_ parser: XMLParser, didStartMappingPrefix prefix: String, toURI namespaceURI: String) {
      pendingPrefixes[prefix] = namespaceURI
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
      _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      guard let node = stack.last else { return }
      node.text += string
      node.segments[node.segments.count - 1] += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
      stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
      if problem == nil {
        problem = (
          max(1, parser.lineNumber), max(1, parser.columnNumber),
          "malformed XML: " + XMLTreeReader.describe((parseError as NSError).code)
        )
      }
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
      problem = (parser.lineNumber, parser.columnNumber, "XML entity declarations are not accepted (entity '\(name)')")
      parser.abortParsing()
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
      problem = (parser.lineNumber, parser.columnNumber, "external XML entities are not accepted (entity '\(name)')")
      parser.abortParsing()
    }
  }
}
