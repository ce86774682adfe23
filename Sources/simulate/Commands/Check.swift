import ArgumentParser
import Foundation
import PathwayModel

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate models and scenarios, and run the scenarios' expectations.",
    discussion: """
      simulate check MODEL [--scenario FILE]...
          validates the model and the layered scenarios.
      simulate check [MODEL] SCENARIO...
          also runs every expectation (`expect:`) of each scenario file, one line
          each: id, PASS/FAIL, the observed values and the bound, then
          'N passed, M failed'.
      A scenario names its model with `model:`; MODEL, when given first, serves
      the others. Exit 0 when everything holds; 1 when an expectation fails;
      65 for invalid files; 66 for missing ones.
      """)

  @Argument(help: "A model, then scenario files (or scenario files that name their model).")
  var files: [String]

  @Option(name: .customLong("scenario"), help: "A scenario layered onto MODEL for validation; repeatable.")
  var scenarios: [String] = []

  @Option(
    name: .customLong("set"), help: ArgumentHelp("Override after all scenarios (validation only).", valueName: "id=value"))
  var settings: [String] = []

  @Flag(name: .customLong("undeclared-inputs"), help: undeclaredInputsHelp)
  var undeclaredInputs = false

  /// True when `path` holds a model rather than a scenario.
  static func isModel(_ path: String) -> Bool {
    let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
    if ["xml", "sbml", "txt"].contains(ext) || (ModelLoader.bnetExtensions + ModelLoader.mabossExtensions).contains(ext) { return true }
    guard let text = try? InputFile.readText(path) else { return false }
    return text.split(separator: "\n").contains { $0.hasPrefix("nodes:") }
  }

  func validate() throws {
    if files.isEmpty { throw ValidationError("give a model or scenario files to check") }
    do { try KernelMode.validateEnvironment() } catch { throw ValidationError(error.diagnostics.map(\.message).joined(separator: "; ")) }
  }

  func run() throws {
    var failed = 0
    try reportingErrors { () throws(PathwayError) in
      var modelPath: String? = nil
      var scenarioFiles = files
      if Check.isModel(files[0]) {
        modelPath = files[0]
        scenarioFiles.removeFirst()
      }
      if modelPath == nil && (!settings.isEmpty || !scenarios.isEmpty) {
        throw PathwayError(
          .usage, "--set and --scenario validate a model with layered scenarios: give the model first (simulate check MODEL --scenario FILE --set id=value)",
          notes: ["expectations run each scenario file as written"])
      }
      if let extra = scenarioFiles.first(where: { Check.isModel($0) }) {
        throw PathwayError(.usage, "\(extra): only one model, first; the other files are scenarios")
      }
      // Validation of the model with the layered --scenario files.
      if let modelPath {
        let loaded = try loadModel(modelPath, undeclaredInputs: undeclaredInputs)
        for warning in try loaded.validate() { printError(warning.description) }
        let ode = try ODEModel(model: loaded)
        for warning in ode.edgeSignWarnings { printError(warning.description) }
        var scenario = try ModelOptions.layered(scenarios: scenarios, settings: settings)
        if scenario.time.end == nil { scenario.time.end = (scenario.time.start ?? 0) + 1 }
        _ = try scenario.resolve(for: ode)
        let inputs = loaded.nodes.filter(\.isInput).count
        print(
          "ok: \(loaded.name): \(loaded.nodes.count) nodes (\(inputs) inputs), \(loaded.parameters.count) parameters, "
            + "\(loaded.assignments.count) assignments; \(scenarios.count) layered scenario file(s) valid")
      }
      guard !scenarioFiles.isEmpty else { return }
      // Each scenario file on its own: validated, and its expectations run.
      let checker = ExpectationChecker(defaultModel: modelPath)
      checker.plan(files: scenarioFiles)
      var total = 0
      for file in scenarioFiles {
        for result in try checker.check(files: [file]) {
          print(result.line)
          total += 1
          if !result.passed { failed += 1 }
        }
        try checker.validate(file)
      }
      print("\(total - failed) passed, \(failed) failed")
    }
    if failed > 0 { throw ExitCode(1) }
  }
}
