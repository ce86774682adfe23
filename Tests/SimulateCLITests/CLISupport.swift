import Foundation
import Testing

/// The `simulate` executable built beside this test bundle (or `$SIMULATE_BIN`).
let simulateBinary: String = {
  if let path = ProcessInfo.processInfo.environment["SIMULATE_BIN"] { return path }
  let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for candidate in [bundle, bundle.deletingLastPathComponent()] {
    let path = candidate.appendingPathComponent("simulate").path
    if FileManager.default.isExecutableFile(atPath: path) { return path }
  }
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  return root.appendingPathComponent(".build/debug/simulate").path
}()

/// The package root (for `models/`).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path

struct CommandResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs `simulate` with `arguments` in `directory`.
func simulate(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
  try execute(simulateBinary, arguments, in: directory, environment: environment)
}

/// Runs `executable` with `arguments` in `directory`, collecting its output and exit status.
func execute(
  _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]
) throws -> CommandResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
  }
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  // Files rather than pipes: a large output can never block the child.
  let base = NSTemporaryDirectory() + "simulate-out-\(UUID().uuidString)"
  FileManager.default.createFile(atPath: base + ".out", contents: nil)
  FileManager.default.createFile(atPath: base + ".err", contents: nil)
  defer {
    try? FileManager.default.removeItem(atPath: base + ".out")
    try? FileManager.default.removeItem(atPath: base + ".err")
  }
  let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
  let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
  process.standardOutput = out
  process.standardError = err
  try process.run()
  process.waitUntilExit()
  try out.close()
  try err.close()
  let outData = try Data(contentsOf: URL(fileURLWithPath: base + ".out"))
  let errData = try Data(contentsOf: URL(fileURLWithPath: base + ".err"))
  return CommandResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary folder, removed by the caller.
func temporaryDirectory() throws -> String {
  let path = NSTemporaryDirectory() + "simulate-cli-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

func write(_ text: String, to path: String) throws {
  try text.write(toFile: path, atomically: true, encoding: .utf8)
}
