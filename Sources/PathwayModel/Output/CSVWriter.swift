import Foundation

/// Writes time courses as CSV: wide (`time,<ids>`, as the SBML Test Suite and libRoadRunner
/// write) or long (`time,variable,value`, tidy for pandas and R). Numbers use the shortest text
/// that reads back to the same double. With `separator` "\t" the same as TSV.
public enum CSVWriter {
  /// The separator a file's name asks for: a tab for `.tsv`, else a comma.
  public static func separator(forPath path: String) -> Character {
    path.lowercased().hasSuffix(".tsv") ? "\t" : ","
  }

  /// Writes the columns `select` (all when nil) of `trajectory` to `file`.
  public static func write(
    _ trajectory: Trajectory, select: [String]? = nil, layout: OutputLayout = .wide, to file: OutputFile,
    separator: Character = ","
  ) throws(PathwayError) {
    let sep = String(separator)
    func field(_ text: String) -> String { Self.field(text, separator: separator) }
    let names = select ?? trajectory.names
    let columns = names.map { name in trajectory.names.firstIndex(of: name)! }
    let width = trajectory.names.count
    switch layout {
    case .wide:
      try file.write((["time"] + names.map(field)).joined(separator: sep) + "\n")
      for row in 0..<trajectory.rowCount {
        var line = formatNumber(trajectory.times[row])
        for c in columns {
          line += sep
          line += formatNumber(trajectory.values[row * width + c])
        }
        line += "\n"
        try file.write(line)
      }
    case .long:
      try file.write(["time", "variable", "value"].joined(separator: sep) + "\n")
      for row in 0..<trajectory.rowCount {
        let t = formatNumber(trajectory.times[row])
        for (name, c) in zip(names, columns) {
          try file.write(t + sep + field(name) + sep + formatNumber(trajectory.values[row * width + c]) + "\n")
        }
      }
    }
  }

  /// A CSV field, quoted when it holds a comma, a quote or a line break.
  public static func field(_ text: String) -> String { field(text, separator: ",") }

  /// A field, quoted when it holds the separator, a quote or a line break.
  public static func field(_ text: String, separator: Character) -> String {
    if text.contains(where: { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
  }
}
