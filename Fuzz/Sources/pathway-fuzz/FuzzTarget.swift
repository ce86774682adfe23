import Foundation
import PathwayModel

/// One binary, several libFuzzer targets: `FUZZ_TARGET` (an environment variable) chooses the reader.
/// Each target feeds the bytes to a reader and, when it accepts them, to the next stages that a
/// `simulate check` would run (validation, ODE compilation, the Boolean network), so that a crash,
/// a trap or a hang anywhere behind a reader is found too. Errors thrown (`PathwayError`) are the
/// expected outcome for bad input; only crashes, sanitizer reports and timeouts are findings.
enum FuzzTarget: String, CaseIterable {
  case expression, native, scenario, sweep, sbml, qual, bnet, maboss, csv

  static let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
      let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
      FileHandle.standardError.write(Data("set FUZZ_TARGET to one of: \(names)\n".utf8))
      exit(2)
    }
    return target
  }()

  func run(_ data: Data) {
    // The text readers take UTF-8 text (InputFile refuses anything else before them); the lossy
    // decoding still hands them replacement characters, BOMs, NULs and control characters.
    let text = String(decoding: data, as: UTF8.self)
    switch self {
    case .expression:
      guard let parsed = try? ExpressionParser.parse(text, origin: SourceLocation(file: "fuzz", line: 1, column: 1))
      else { return }
      // The printed form parses again.
      _ = try? ExpressionParser.parse(String(describing: parsed.expr))
    case .native:
      guard let model = try? NativeModelReader.read(text: text, file: "fuzz.yaml") else { return }
      exercise(model)
    case .scenario:
      guard var scenario = try? ScenarioReader.read(text: text, file: "fuzz-scenario.yaml") else { return }
      // Resolved against a small model, as `simulate run --scenario` does.
      if scenario.time.end == nil { scenario.time.end = (scenario.time.start ?? 0) + 1 }
      _ = try? scenario.resolve(for: FuzzTarget.scenarioModel)
    case .sweep:
      guard let sweep = try? SweepFile.read(text: text, file: "fuzz-sweep.yaml") else { return }
      _ = String(describing: sweep)
    case .sbml:
      guard let model = try? SBMLReader.read(data: data, file: "fuzz.xml") else { return }
      exercise(model)
    case .qual:
      guard let model = try? SBMLQualReader.read(data: data, file: "fuzz.xml") else { return }
      exercise(model)
    case .bnet:
      // Both ways of reading undeclared regulators (errors, or BoolNet's inputs), by the input's length.
      guard let model = try? BNetReader.read(text: text, file: "fuzz.bnet", undeclaredInputs: data.count % 2 == 1)
      else { return }
      exercise(model)
    case .maboss:
      // A .bnd, and after a NUL byte the .cfg beside it.
      let parts = data.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
      let bnd = String(decoding: parts[0], as: UTF8.self)
      let cfg = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : nil
      guard let model = try? MaBoSSReader.read(bnd: bnd, file: "fuzz.bnd", cfg: cfg, cfgFile: "fuzz.cfg") else { return }
      exercise(model)
    case .csv:
      // Commas, or tabs (as a .tsv), by the input's length.
      let separator: Character = data.count % 2 == 1 ? "\t" : ","
      guard let table = try? CSVTable.parse(text: text, file: "fuzz.csv", separator: separator) else { return }
      for column in 0..<table.header.count { _ = try? table.numbers(column: column) }
      // As `simulate fit` reads a data file.
      _ = try? ObservedData.parse(table)
      // Then what `simulate plot` does with the file: infer the figure's kind, read it, draw it.
      let path = FuzzTarget.plotInput + (separator == "\t" ? ".tsv" : ".csv")
      guard FileManager.default.createFile(atPath: path, contents: data) else { return }
      _ = try? Plotter.plot([path], options: PlotOptions())
    }
  }

  /// A file of this process's own (in a folder without a manifest) that the csv target plots.
  static let plotInput: String = {
    let folder = NSTemporaryDirectory() + "pathway-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder + "/input"
  }()

  /// The model fuzzed scenarios are resolved against: inputs, a parameter, a Hill node, an ODE node.
  static let scenarioModel: ODEModel = {
    let text = """
      model: fuzz
      parameters:
        k: 1
        n: 2
      nodes:
        A:
          kind: input
        B:
          rule: A & !C
        C:
          initial: 0.5
          rate: k * (B - C)
      """
    do {
      return try ODEModel(model: try NativeModelReader.read(text: text, file: "fuzz-model.yaml"))
    } catch {
      fatalError("the scenario fuzz model does not load: \(error)")
    }
  }()

  /// What `simulate check` does after reading: validation, then the ODE or Boolean compilation.
  func exercise(_ model: Model) {
    guard (try? model.validate()) != nil else { return }
    _ = try? ODEModel(model: model)
    if model.nodes.count <= 64 { _ = try? BooleanNetwork(model: model) }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
  FuzzTarget.selected.run(data)
  return 0
}

/// libFuzzer's driver, for an entry point of our own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable target with `main` aliased to `<module>_main`, so libFuzzer's own
/// `main` is never linked in: this entry point hands over to libFuzzer's driver instead.
@_cdecl("pathway_fuzz_main")
public func pathwayFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var arguments = argv
  return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in fuzzTestOneInput(bytes, size) }
}
