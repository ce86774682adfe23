import ArgumentParser
import Foundation
import PathwayModel

struct SensitivityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sensitivity",
    abstract: "Time-course sensitivities ∂y(t)/∂p of a run's outputs, by the forward sensitivity equations.",
    discussion: """
      Integrates the model together with its sensitivity equations (built symbolically, with \
      their exact Jacobian, under the same rtol and atol as the states) and writes, for every \
      output time, column y and quantity p, the value of y and ∂y/∂p (with --relative, \
      (p/y)·∂y/∂p, NaN where |y| ≤ atol, which the solver does not resolve). A quantity is anything --set accepts: a parameter, an \
      input's constant dose, a node's initial value (NODE.initial), or a logic-derived node's \
      NODE.tau, NODE.n or NODE.k (n and k of all its incoming edges together).

      Layouts: long (default) time,variable,parameter,value,sensitivity; wide \
      time,<columns>,d(<column>)/d(<quantity>)…. The manifest beside OUT records the run as for \
      `simulate run`. Where a rate law switches branches as the state crosses a threshold \
      (if(x < 1, a, b)), the sensitivities take the jump the switch gives them. Models with \
      events, delays, or floor-like jumps of the state are refused; `simulate sweep --sampling \
      oat` estimates those by finite differences of whole runs.
      """)

  @OptionGroup var model: ModelOptions
  @OptionGroup var solver: SolverOptionGroup
  @OptionGroup var out: OutputOptionGroup

  @Option(
    name: .customLong("param"),
    help: ArgumentHelp("Quantities to differentiate by, comma-separated or repeated (k1, BMP9, Runx2.initial, Runx2.tau, Runx2.n, Runx2.k).", valueName: "ids"))
  var parameters: [String] = []

  @Flag(help: "Write relative sensitivities (p/y)·∂y/∂p, the change in percent of y per percent of p.")
  var relative = false

  func validate() throws {
    if out.outputPath == nil { throw OutputOptionGroup.missingOutput }
    if names.isEmpty { throw ValidationError("Missing expected argument '--param <ids>'") }
  }

  var names: [String] {
    commaList(parameters)
  }

  func run() throws {
    try reportingErrors { () throws(PathwayError) in
      let loaded = try model.load()
      var cliLayer = try solver.layer()
      out.apply(to: &cliLayer)
      let scenario = try model.scenario(extra: cliLayer)
      let ode = try ODEModel(model: loaded)
      let run = try scenario.resolve(for: ode)
      let analysis = try ForwardSensitivity(ode: ode, run: run, parameters: names)
      let result = try analysis.solve()

      let layout = out.layout ?? .long
      let file = try OutputFile(path: out.output)
      try Self.write(result, layout: layout, relative: relative, to: file, separator: CSVWriter.separator(forPath: out.output))
      try file.commit()
      if out.output != "-" {
        var entry: [String: JSONValue] = [
          "command": .string("sensitivity"),
          "model": RunManifest.modelRecord(path: model.model, undeclaredInputs: model.undeclaredInputs),
          "scenario": .object(run.record),
          "sensitivity": .object([
            "method": .string("forward sensitivity equations, integrated with the model"),
            "scale": .string(relative ? "relative: (p/y)·∂y/∂p" : "absolute: ∂y/∂p"),
            "parameters": .array(result.parameters.map { .object(["name": .string($0.name), "value": .number($0.base)]) }),
            "system_size": .number(Double(analysis.system.stateCount)),
            "jumps_at_switches": .number(Double(result.jumps)),
          ]),
          "statistics": RunManifest.statisticsRecord(result.statistics),
          "rows": .number(Double(result.rowCount)),
          "status": .string(result.failure.map { "failed:\($0.code)" } ?? (result.jump == nil ? "ok" : "failed:switch")),
          "layout": .string(layout.rawValue),
        ]
        if let failure = result.failure { entry["failure"] = .string(failure.description) }
        if let jump = result.jump { entry["failure"] = .string(Self.describe(jump)) }
        try RunManifest.record(entry, for: Paths.lastComponent(of: out.output), in: Paths.directory(of: out.output))
      }
      if let failure = result.failure {
        throw PathwayError(
          .simulationFailed, "\(run.name): \(failure)",
          notes: ["\(result.rowCount) rows before the failure were written to \(out.output)"])
      }
      if let jump = result.jump {
        throw PathwayError(
          .simulationFailed, "\(run.name): \(Self.describe(jump))",
          notes: [
            "\(result.rowCount) rows before it were written to \(out.output)",
            "simulate sweep --sampling oat estimates sensitivities across switches by finite differences of whole runs",
          ])
      }
    }
  }

  /// The message for a switch that ends the rows.
  static func describe(_ jump: SensitivityJump) -> String {
    "at t = \(formatNumber(jump.time)) a rate law switches where \(jump.rootFunction) reaches zero without crossing it "
      + "(the trajectory grazes the switch), so the jump of the sensitivities there is not defined"
  }

  /// Writes the sensitivities, long (`time,variable,parameter,value,sensitivity`) or wide.
  static func write(
    _ result: SensitivityResult, layout: OutputLayout, relative: Bool, to file: OutputFile, separator: Character
  ) throws(PathwayError) {
    let sep = String(separator)
    func field(_ text: String) -> String { CSVWriter.field(text, separator: separator) }
    func sensitivity(_ row: Int, _ v: Int, _ j: Int) -> Double {
      relative
        ? result.relativeSensitivity(row: row, variable: v, parameter: j)
        : result.sensitivity(row: row, variable: v, parameter: j)
    }
    let variables = result.variables, parameters = result.parameters
    switch layout {
    case .long:
      try file.write(["time", "variable", "parameter", "value", "sensitivity"].joined(separator: sep) + "\n")
      for row in 0..<result.rowCount {
        let t = formatNumber(result.trajectory.times[row])
        for (v, variable) in variables.enumerated() {
          let value = formatNumber(result.value(row: row, variable: v))
          for (j, parameter) in parameters.enumerated() {
            try file.write(
              [t, field(variable), field(parameter.name), value, formatNumber(sensitivity(row, v, j))].joined(separator: sep) + "\n")
          }
        }
      }
    case .wide:
      var header = ["time"] + variables.map(field)
      for parameter in parameters {
        for variable in variables { header.append(field("d(\(variable))/d(\(parameter.name))")) }
      }
      try file.write(header.joined(separator: sep) + "\n")
      for row in 0..<result.rowCount {
        var line = formatNumber(result.trajectory.times[row])
        for v in variables.indices { line += sep + formatNumber(result.value(row: row, variable: v)) }
        for j in parameters.indices {
          for v in variables.indices { line += sep + formatNumber(sensitivity(row, v, j)) }
        }
        try file.write(line + "\n")
      }
    }
  }
}
