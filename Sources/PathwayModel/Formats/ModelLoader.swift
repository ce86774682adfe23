/// Chooses a reader by file extension.
public enum ModelLoader {
  /// The formats `load` understands, by extension.
  public static let nativeExtensions = ["yaml", "yml"]

  /// Reads the model in `path`: native YAML (`.yaml`, `.yml`).
  /// Missing files exit 66, invalid or unsupported ones 65.
  public static func load(_ path: String) throws(PathwayError) -> Model {
    let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
    if nativeExtensions.contains(ext) {
      return try NativeModelReader.read(path: path)
    }
    if ext == "xml" || ext == "sbml" {
      return try SBMLReader.read(path: path)
    }
    _ = try InputFile.readData(path)  // a missing file is reported as such first
    throw PathwayError(
      .invalidInput, at: SourceLocation(file: path, line: 1, column: 1),
      "unsupported model format '.\(ext)'",
      notes: ["this build reads native models (.yaml, .yml)"])
  }
}
