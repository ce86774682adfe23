import ArgumentParser
import PathwayModel

struct Info: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Describe a model: nodes, rules, edges with references, parameters, and the available methods.")

  @Argument(help: "The model file (optional with --methods).")
  var model: String?

  @Flag(name: .customLong("undeclared-inputs"), help: undeclaredInputsHelp)
  var undeclaredInputs = false

  @Flag(help: "List the integration methods and kernels only.")
  var methods = false

  func validate() throws {
    if model == nil && !methods { throw ValidationError("give a model file, or --methods") }
  }

  func run() throws {
    if methods {
      print(Self.methodsText(), terminator: "")
      return
    }
    guard let model else { return }
    try reportingErrors { () throws(PathwayError) in
      let loaded = try loadModel(model, undeclaredInputs: undeclaredInputs)
      let ode = try ODEModel(model: loaded)
      var out = "model: \(loaded.name)\n"
      if !loaded.description.isEmpty { out += "description: \(loaded.description)\n" }
      if let unit = loaded.timeUnit { out += "time unit: \(unit)\n" }
      let inputs = loaded.nodes.filter(\.isInput)
      out += "nodes: \(loaded.nodes.count) (\(inputs.count) inputs, "
        + "\(loaded.nodes.filter { $0.kind == .internal }.count) internal, "
        + "\(loaded.nodes.filter { $0.kind == .output }.count) outputs)\n"
      // τ, n and k concern logical rules only (an SBML model of rate laws has none).
      if loaded.nodes.contains(where: { $0.rule != nil }) || loaded.defaults.equilibrate != nil {
        out += "defaults: tau \(formatNumber(loaded.defaults.tau)), n \(formatNumber(loaded.defaults.hillN)), "
          + "k \(formatNumber(loaded.defaults.hillK))"
          + (loaded.defaults.equilibrate.map { ", equilibrate \(formatNumber($0))" } ?? "") + "\n"
      }
      if !loaded.references.isEmpty { out += "references: " + loaded.references.joined(separator: "; ") + "\n" }
      out += "\nNODES\n"
      for (i, node) in loaded.nodes.enumerated() {
        out += "\(node.id) [\(node.kind.rawValue)]"
        if !node.description.isEmpty { out += " — \(node.description)" }
        out += "\n"
        if node.isInput {
          out += "  baseline dose: \(formatNumber(node.initial))\n"
        } else {
          out += "  initial: \(formatNumber(node.initial))" + (node.unit.map { " \($0)" } ?? "") + "\n"
        }
        if let rule = node.rule, !node.isInput { out += "  rule: \(rule.text)\n" }
        if let rate = node.rate {
          out += "  rate: \(rate.text)\n"
        } else if node.rule != nil && !node.isInput {
          out += "  ODE: HillCube, tau \(formatNumber(node.tau ?? loaded.defaults.tau))\n"
        }
        if node.rateUp != nil || node.rateDown != nil {
          let tau = node.tau ?? loaded.defaults.tau
          out += "  continuous-time Boolean: rate_up \(formatNumber(node.rateUp ?? 1 / tau)), rate_down \(formatNumber(node.rateDown ?? 1 / tau))\n"
        }
        if let p = node.initialProbability { out += "  Boolean runs start it ON with probability \(formatNumber(p))\n" }
        if !node.references.isEmpty { out += "  references: " + node.references.joined(separator: "; ") + "\n" }
        if let table = ode.truthTables[i] {
          for (j, regulator) in table.regulators.enumerated() {
            let edge = node.edge(from: regulator)
            let influence = table.influence(of: j)
            var line = "  \(influence.rawValue) \(regulator) → \(node.id)"
            let n = edge?.hillN ?? node.hillN ?? loaded.defaults.hillN
            let k = edge?.hillK ?? node.hillK ?? loaded.defaults.hillK
            line += " (n \(formatNumber(n)), k \(formatNumber(k)))"
            if let edge {
              if let declared = edge.sign, !declared.agrees(with: influence) {
                line += " [declared '\(declared.rawValue)'; the rule decides]"
              }
              if !edge.mechanism.isEmpty { line += " \(edge.mechanism)." }
              if let confidence = edge.confidence { line += " [\(confidence)]" }
              line += edge.references.isEmpty ? " (no reference)" : " Ref: " + edge.references.joined(separator: "; ")
            } else {
              line += " (no reference)"
            }
            out += line + "\n"
          }
        }
        for modulator in node.modulators {
          out += "  ~\(modulator.sign.rawValue) \(modulator.source) → \(node.id) weight \(formatNumber(modulator.weight)) (ODE only)"
          out += modulator.references.isEmpty ? " (no reference)\n" : " Ref: " + modulator.references.joined(separator: "; ") + "\n"
        }
      }
      if !loaded.parameters.isEmpty {
        out += "\nPARAMETERS\n"
        for p in loaded.parameters {
          out += "\(p.id) = \(formatNumber(p.value))" + (p.unit.map { " \($0)" } ?? "")
            + (p.description.isEmpty ? "" : " — \(p.description)") + "\n"
        }
      }
      if !loaded.assignments.isEmpty {
        out += "\nASSIGNMENTS\n"
        for a in loaded.assignments { out += "\(a.id) = \(a.expression.text)\n" }
      }
      if !loaded.perturbations.isEmpty {
        out += "\nPERTURBATIONS\n"
        for p in loaded.perturbations {
          out += "\(p.name): " + p.actions.map(\.summary).joined(separator: ", ")
            + (p.description.isEmpty ? "" : " — \(p.description)") + "\n"
        }
      }
      out += "\nJACOBIAN\n"
      out += ode.hasSymbolicJacobian
        ? "symbolic (HillCube rows analytic; rate laws differentiated symbolically)\n"
        : "symbolic, with \(ode.finiteDifferenceEntries.count) finite-difference entries (functions without a derivative)\n"
      if !ode.switchRootExpressions.isEmpty {
        // Comparisons in the rate laws that move with the state: held per step, crossed at their
        // root, slid along where both sides drive the state into them (README, Methods).
        out += "\nSWITCHES (comparisons that move with the state; the integration stops where one crosses, "
          + "and slides along one that both sides drive the state into)\n"
        for root in ode.switchRootExpressions { out += "\(root) = 0\n" }
      }
      out += "\n" + Self.methodsText()
      print(out, terminator: "")
    }
  }

  /// The integration methods with a hint each, and the kernels.
  static func methodsText() -> String {
    var out = "METHODS (--method)\n"
    for stepper in Stepper.allCases {
      out += "\(stepper.rawValue)\(stepper == .default ? " (default)" : ""): \(stepper.hint)\n"
    }
    out += "The default, \(Stepper.default.rawValue), is an L-stable, stiffly accurate Rosenbrock method: signalling "
      + "models are stiff, and on the published ones it took 2.5-5x less time than msbdf at the same tolerance with "
      + "errors 2-3 orders of magnitude smaller (Benchmarks/RODAS-RESULTS.md, README Performance). "
      + "For a model that is not stiff, or not stiff throughout (sustained oscillators), auto switches to dopri5 "
      + "where it can and was 2-6x faster on such models at equal accuracy (README, Methods).\n"
    out += "\nKERNEL (--kernel)\n"
    out += "interpreted\(KernelMode.default == .interpreted ? " (default)" : ""): the compiled instruction program, run by a loop (always available)\n"
    let compiler = NativeKernelBuilder.findCompiler()
    out += "native\(KernelMode.default == .native ? " (default)" : ""): the same instructions as C, built once by "
      + (compiler.map { "\($0)" } ?? "a C compiler (none found: set PATHWAY_CC)")
      + ", cached in \(NativeKernelBuilder.cacheDirectory); identical numbers, 2-5x faster rate laws\n"
    out += "auto\(KernelMode.default == .auto ? " (default)" : ""): native when a compiler is found, else interpreted (what simulate sweep uses unless told)\n"
    return out
  }
}
