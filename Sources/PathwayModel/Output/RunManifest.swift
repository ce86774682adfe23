import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The tool's version, written into every manifest.
public enum PathwayModelVersion {
  public static let current = "0.1.0"
}

/// `manifest.json`: what produced the outputs of a folder. One file per folder; each output file
/// has an entry under `outputs` (re-running a scenario replaces its entry, others are kept).
public enum RunManifest {
  /// The common header: tool and GSL versions, host facts.
  public static func header() -> [String: JSONValue] {
    [
      "tool": .string("simulate (PathwayModel)"),
      "version": .string(PathwayModelVersion.current),
      "gsl_version": .string(gslVersion),
    ]
  }

  /// A model file's identity: path and SHA-256 of its bytes.
  /// `undeclaredInputs` is recorded when set: it changes how a .bnet file is read.
  public static func modelRecord(path: String?, undeclaredInputs: Bool = false) -> JSONValue {
    guard let path, let data = FileManager.default.contents(atPath: path) else { return .null }
    var record: [String: JSONValue] = ["path": .string(path), "sha256": .string(SHA256.hex(data))]
    if undeclaredInputs { record["undeclared_inputs"] = .bool(true) }
    return .object(record)
  }

  public static func statisticsRecord(_ s: SolverStatistics) -> JSONValue {
    var record: [String: JSONValue] = [
      "steps": .number(Double(s.steps)), "failed_steps": .number(Double(s.failedSteps)),
      "rhs_evaluations": .number(Double(s.rhsEvaluations)),
      "jacobian_evaluations": .number(Double(s.jacobianEvaluations)),
      "segments": .number(Double(s.segments)), "wall_seconds": .number(s.wallSeconds), "kernel": .string(s.kernel),
    ]
    if let t = s.stiffFrom { record["stiff_from"] = .number(t) }
    return .object(record)
  }

  /// Adds (or replaces) the entry of `outputName` in `directory/manifest.json`, atomically and
  /// under a lock, so that runs writing into one folder at once keep each other's entries. An
  /// output that is a device or a pipe (`-o /dev/null`, a FIFO) is not a result folder: nothing
  /// is recorded beside it.
  public static func record(_ entry: [String: JSONValue], for outputName: String, in directory: String) throws(PathwayError) {
    let folder = directory.isEmpty ? "." : directory
    var info = stat()
    if stat(folder + "/" + outputName, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR {
      return
    }
    let path = folder + "/manifest.json"
    // A hidden lock file: it stays (removing it would race with a waiting writer) but out of `ls`.
    let lockPath = folder + "/.manifest.json.lock"
    let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    if lock >= 0 { flock(lock, LOCK_EX) }
    defer {
      if lock >= 0 {
        flock(lock, LOCK_UN)
        close(lock)
      }
    }
    var outputs: [String: JSONValue] = [:]
    if let data = FileManager.default.contents(atPath: path),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let existing = object["outputs"] as? [String: Any]
    {
      for (key, value) in existing { outputs[key] = JSONValue(any: value) }
    }
    var entry = entry
    // The command line that wrote the output (sweeps record their own).
    if entry["arguments"] == nil { entry["arguments"] = .array(CommandLine.arguments.dropFirst().map(JSONValue.string)) }
    outputs[outputName] = .object(entry)
    var manifest = header()
    manifest["outputs"] = .object(outputs)
    try OutputFile.write(JSONValue.object(manifest).rendered() + "\n", to: path)
  }
}

extension JSONValue {
  /// Converts a `JSONSerialization` value back.
  init(any: Any) {
    switch any {
    case let b as Bool where type(of: any) == Bool.self: self = .bool(b)
    case let n as NSNumber:
      // JSONSerialization gives NSNumber for both; its objCType tells a Boolean ("c") apart.
      if String(cString: n.objCType) == "c" { self = .bool(n.boolValue) } else { self = .number(n.doubleValue) }
    case let s as String: self = .string(s)
    case let a as [Any]: self = .array(a.map(JSONValue.init(any:)))
    case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init(any:)))
    default: self = .null
    }
  }
}
