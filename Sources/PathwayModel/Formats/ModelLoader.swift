/// Chooses a reader by file extension, and by content for `.txt`.
public enum ModelLoader {
  /// The formats `load` understands, by extension.
  public static let nativeExtensions = ["yaml", "yml"]
  /// PyBoolNet / MaBoSS / AEON Boolean networks.
  public static let bnetExtensions = ["bnet"]
  /// MaBoSS networks (with the `.cfg` of the same name beside them).
  public static let mabossExtensions = ["bnd"]

  /// Reads the model in `path`: native YAML (`.yaml`, `.yml`), SBML or SBML-qual (`.xml`, `.sbml`), `.bnet`, or BoolNet text (a `.txt`
  /// whose first line that is not blank or a comment is `targets, factors`).
  /// Missing files exit 66, invalid or unsupported ones 65. `undeclaredInputs` applies to `.bnet`
  /// and BoolNet text: a regulator without a line of its own is an input (BoolNet's convention)
  /// instead of an error.
  public static func load(_ path: String, undeclaredInputs: Bool = false) throws(PathwayError) -> Model {
    let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
    if nativeExtensions.contains(ext) {
      return try NativeModelReader.read(path: path)
    }
    if ext == "xml" || ext == "sbml" {
      // SBML-qual (a root declaring the qual package) holds a logical model; anything else is core.
      let data = try InputFile.readData(path)
      if SBMLQualReader.declaresQual(data) { return try SBMLQualReader.read(data: data, file: path) }
      return try SBMLReader.read(data: data, file: path)
    }
    if mabossExtensions.contains(ext) {
      return try MaBoSSReader.read(path: path)
    }
    if bnetExtensions.contains(ext) {
      return try BNetReader.read(path: path, undeclaredInputs: undeclaredInputs)
    }
    if ext == "txt" {
      let text = try InputFile.readText(path)
      if BNetReader.startsWithHeader(text) {
        return try BNetReader.read(text: text, file: path, undeclaredInputs: undeclaredInputs)
      }
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: path, line: 1, column: 1),
        "a .txt model must be BoolNet text, starting with the header '\(BNetReader.header)'",
        notes: ["rename the file to .bnet if it holds 'target, expression' lines without the header"])
    }
    _ = try InputFile.readData(path)  // a missing file is reported as such first
    throw PathwayError(
      .invalidInput, at: SourceLocation(file: path, line: 1, column: 1),
      "unsupported model format '.\(ext)'",
      notes: ["this build reads native models (.yaml, .yml), SBML (.xml, .sbml), .bnet, BoolNet text (.txt) and MaBoSS (.bnd with its .cfg)"])
  }
}
