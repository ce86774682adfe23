import Foundation

/// Reading input files with the errors `DESIGN.md` promises: a missing file or a directory is
/// exit 66, text that is not UTF-8 is exit 65.
public enum InputFile {
  /// The whole file as UTF-8 text.
  public static func readText(_ path: String) throws(PathwayError) -> String {
    let data = try readData(path)
    if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: path, line: 1, column: 1), "the file is UTF-16 text",
        notes: ["save it as UTF-8"])
    }
    guard let text = String(data: data, encoding: .utf8) else { throw notUTF8(data, file: path) }
    if text.hasPrefix("\u{FEFF}") { return String(text.dropFirst()) }
    return text
  }

  /// The located error for bytes that are not UTF-8: the line and column of the first bad byte.
  static func notUTF8(_ data: Data, file path: String) -> PathwayError {
    do {
      // Find the first invalid byte, for the message.
      var line = 1, column = 1
      var index = 0
      let bytes = [UInt8](data)
      while index < bytes.count {
        let b = bytes[index]
        let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
        if length == 0 || index + length > bytes.count
          || bytes[(index + 1)..<(index + length)].contains(where: { $0 >> 6 != 0b10 })
        {
          break
        }
        if b == 0x0A { line += 1; column = 1 } else { column += 1 }
        index += length
      }
      return PathwayError(
        .invalidInput, at: SourceLocation(file: path, line: line, column: column),
        "the file is not valid UTF-8 text (byte \(index))",
        notes: ["save it as UTF-8"])
    }
  }

  /// The whole file as bytes.
  public static func readData(_ path: String) throws(PathwayError) -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw PathwayError(.missingInput, "\(path): no such file")
    }
    if isDirectory.boolValue {
      throw PathwayError(.missingInput, "\(path): is a directory, expected a file")
    }
    // FileHandle also reads pipes and process substitutions (`<(…)`), which `contents(atPath:)` does not.
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw PathwayError(.missingInput, "\(path): cannot be opened for reading (permission denied)")
    }
    defer { try? handle.close() }
    do {
      return try handle.readToEnd() ?? Data()
    } catch {
      throw PathwayError(.missingInput, "\(path): cannot be read: \((error as NSError).localizedDescription)")
    }
  }
}
