// pathway-bench: release-build benchmarks (never run as tests).
//
//   swift run -c release pathway-bench ode [MODEL]    HillCube RHS, Jacobian and a 21-day run
//   swift run -c release pathway-bench sbml MODEL T NOUT [METHOD...]   time per simulation (peers: ../shared/bench/ode)
//   swift run -c release pathway-bench kernel MODEL...   rhs/Jacobian per call, interpreted vs native
//   swift run -c release pathway-bench precision [PROBLEM...] [METHOD...]   work–precision on the stiff test set
//   swift run -c release pathway-bench boolean [MODEL.bnet] [--repeats R] [--write random200.bnet]
//       exhaustive synchronous attractor search, and synchronous updates/s on a 200-node network
//       (Benchmarks/boolean-vs-boolnet.sh runs it next to BoolNet)
//
// Each benchmark prints what it measured and the comparison it is meant for.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let which = arguments.first ?? "ode"
do {
  switch which {
  case "sbml":
    try runSBMLBenchmark(arguments: Array(arguments.dropFirst()))
  case "boolean":
    try runBooleanBenchmark(arguments: Array(arguments.dropFirst()))
  case "kernel":
    try runKernelBenchmark(arguments: Array(arguments.dropFirst()))
  case "precision":
    try runPrecisionBenchmark(arguments: Array(arguments.dropFirst()))
  case "ode":
    try runODEBenchmarks(modelPath: arguments.count > 1 ? arguments[1] : "models/osteogenesis/osteogenesis.yaml")
  default:
    FileHandle.standardError.write(Data("unknown benchmark '\(which)'; available: ode, sbml, kernel, precision, boolean\n".utf8))
    exit(64)
  }
} catch {
  FileHandle.standardError.write(Data("pathway-bench: \(error)\n".utf8))
  exit(1)
}
