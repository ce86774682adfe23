import Foundation
import PathwayModel

/// The cost of one right-hand-side and Jacobian call, interpreted and native, on each model
/// (compare with `../shared/bench/ode/RHSCOST.md`, the generated C at -O2), and whether the two
/// kernels agree to the bit.
func runKernelBenchmark(arguments: [String]) throws {
  for path in arguments {
    let model = try ModelLoader.load(path)
    let ode = try ODEModel(model: model)
    let n = ode.stateCount
    let start = ContinuousClock.now
    let kernel = try ode.nativeKernel()
    let elapsed = ContinuousClock.now - start
    let loadSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print("model: \(model.name) (\(n) state variables, \(ode.instructionCount) instructions)")
    print(String(format: "  native kernel: compiled in %.3f s, loaded in %.3f s total (%@)",
                 kernel.compileSeconds, loadSeconds, kernel.path as NSString))
    var results: [[Double]] = []
    var times: [(Double, Double)] = []
    for native in [false, true] {
      let workspace = ODEWorkspace(ode, kernel: native ? kernel : nil)
      var y = (0..<n).map { 0.1 + Double($0 % 7) / 7 }
      var f = [Double](repeating: 0, count: n)
      var dfdy = [Double](repeating: 0, count: n * n)
      var dfdt = [Double](repeating: 0, count: n)
      workspace.rhs(1, y, &f)
      _ = workspace.jacobian(1, y, &dfdy, &dfdt)
      results.append(f + dfdy + dfdt)
      let calls = 100_000
      var sink = 0.0
      let rhsSeconds = medianSeconds(repeats: 7) {
        for i in 0..<calls {
          y[i % n] = 0.1 + Double(i % 97) / 97
          workspace.rhs(1, y, &f)
          sink += f[i % n]
        }
      }
      let jacobianCalls = 10_000
      let jacobianSeconds = medianSeconds(repeats: 5) {
        for i in 0..<jacobianCalls {
          y[i % n] = 0.1 + Double(i % 89) / 89
          _ = workspace.jacobian(1, y, &dfdy, &dfdt)
          sink += dfdy[i % (n * n)]
        }
      }
      if sink.isNaN { print("") }
      times.append((rhsSeconds / Double(calls) * 1e9, jacobianSeconds / Double(jacobianCalls) * 1e9))
    }
    // The generated function alone, on a slot buffer (what RHSCOST.md measures for the C code).
    let slots = UnsafeMutablePointer<Double>.allocate(capacity: 1 << 16)
    slots.initialize(repeating: 0.5, count: 1 << 16)
    let rates = UnsafeMutablePointer<Double>.allocate(capacity: max(1, n))
    defer { rates.deallocate() }
    let rawCalls = 200_000
    var rawSink = 0.0
    let rawSeconds = medianSeconds(repeats: 7) {
      for i in 0..<rawCalls {
        slots[i % n] = 0.1 + Double(i % 97) / 97
        kernel.rhs(slots, rates)
        rawSink += rates[i % n]
      }
    }
    if rawSink.isNaN { print("") }
    slots.deallocate()
    print(String(format: "  native rhs function alone: %6.1f ns per call", rawSeconds / Double(rawCalls) * 1e9))
    let identical = zip(results[0], results[1]).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    print(String(format: "  rhs:      interpreted %8.1f ns, native %8.1f ns per call (%.1fx)", times[0].0, times[1].0, times[0].0 / times[1].0))
    print(String(format: "  jacobian: interpreted %8.1f ns, native %8.1f ns per call (dense n×n fill included)", times[0].1, times[1].1))
    print("  interpreted and native values bit-identical: \(identical ? "yes" : "NO")")
  }
}
