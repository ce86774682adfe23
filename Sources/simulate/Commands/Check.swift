import ArgumentParser
import PathwayModel

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate a model and its scenarios without running anything.",
    discussion: "Reports every problem with file:line:column; exit 0 when all is valid, 65 otherwise.")

  @OptionGroup var model: ModelOptions

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let loaded = try ModelLoader.load(model.model)
      let warnings = try loaded.validate()
      for warning in warnings { printError(warning.description) }
      let ode = try ODEModel(model: loaded)
      var scenario = try model.scenario()
      if scenario.time.end == nil { scenario.time.end = (scenario.time.start ?? 0) + 1 }
      _ = try scenario.resolve(for: ode)
      let inputs = loaded.nodes.filter(\.isInput).count
      print(
        "ok: \(loaded.name): \(loaded.nodes.count) nodes (\(inputs) inputs), \(loaded.parameters.count) parameters, "
          + "\(loaded.assignments.count) assignments; \(model.scenarios.count) scenario file(s) valid")
    }
  }
}
