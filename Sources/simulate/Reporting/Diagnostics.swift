import ArgumentParser
import Foundation
import PathwayModel

/// Writes a line to standard error.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints the diagnostics of `error` on stderr (`file:line:column: error: …`) and turns it into
/// the exit code `DESIGN.md` assigns to its kind.
func fail(_ error: PathwayError) -> ExitCode {
  for diagnostic in error.diagnostics {
    if diagnostic.location == nil {
      printError("simulate: " + diagnostic.description)
    } else {
      printError(diagnostic.description)
    }
  }
  return ExitCode(error.exitCode)
}

/// Runs `body`, mapping `PathwayError` to its exit code.
func reportingErrors(_ body: () throws(PathwayError) -> Void) throws {
  do {
    try body()
  } catch {
    throw fail(error)
  }
}

/// The help of `--undeclared-inputs`, on every command that reads a model.
let undeclaredInputsHelp = ArgumentHelp(
  "In a .bnet or BoolNet model, read a regulator that has no line of its own as an input (BoolNet's convention) instead of an error.")

/// Loads a model and prints what its reader warned about on stderr (unless `quiet`).
/// `undeclaredInputs`: .bnet / BoolNet regulators without a line of their own are inputs.
func loadModel(_ path: String, quiet: Bool = false, undeclaredInputs: Bool = false) throws(PathwayError) -> Model {
  let model = try ModelLoader.load(path, undeclaredInputs: undeclaredInputs)
  if !quiet { for warning in model.warnings { printError(warning.description) } }
  return model
}
