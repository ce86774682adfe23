import Foundation
import Testing

@testable import PathwayModel

/// The native kernel (rate-law programs emitted as C, compiled by the system compiler) must give
/// the interpreter's numbers to the bit: same operations, same order, same libm calls.
@Suite("Native kernel")
struct NativeKernelTests {
  static let hasCompiler = NativeKernelBuilder.findCompiler() != nil

  /// A folder of its own for each test's kernels.
  static func temporaryCache() -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kernels-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  /// Every opcode and every builtin, with values that reach both branches of each comparison.
  static let everyOperation = """
    parameters:
      a: {value: 0.7}
      b: {value: 2.5}
      h: {value: 3}
    nodes:
      u: {kind: input}
      x: {rate: "a*x - b/(1 + y) + x^2 - x^h + (-y) + pow(x, 1.5) + u*time", initial: 0.4}
      y: {rate: "exp(-x) + log(1 + y) + log10(2 + x) + sqrt(y + 1) + abs(x - y) - min(x, y, a) + max(x, y)", initial: 1.2}
      z: {rate: "hill(x, a, h) + hillr(y, b, 2.2) + piecewise(x, x < y, y, x > 2, a) + if(x >= y, 1, -1)", initial: 0.3}
      w: {rate: "(x <= y) + (x == y) + (x != y) + (x & y) + (x | 0) + !(y) + ((x > 0.5) xor (y > 1))", initial: 0}
      v: {rate: "sin(x) + cos(y) + tan(z) + sinh(z) + cosh(z) + tanh(x) + asin(z/4) + acos(z/4) + atan(y)", initial: 0}
      r: {rate: "sec(x) + csc(y) + cot(y) + sech(x) + csch(y) + coth(y) + asinh(x) + acosh(1 + y) + atanh(z/4)", initial: 0}
      q: {rate: "floor(3*x) + ceil(3*y) + sign(x - y) + factorial(3) + log2(1 + y) + atan2(x, y)", initial: 0}
      p: {rate: "log_base(2, 1 + x) + root(3, 1 + y) + rem(7, 1 + y) + quotient(7, 1 + x) + implies(x > y, y > 0)", initial: 0}
      o: {rate: "asec(2 + y) + acsc(2 + x) + acot(1 + x) + asech(0.5) + acsch(1 + y) + acoth(2 + y) - o", initial: 0}
    """

  @Test("every operation and builtin: right-hand side and Jacobian bit-identical to the interpreter",
        .enabled(if: hasCompiler))
  func everyOperationBitIdentical() throws {
    let m = try model(Self.everyOperation)
    let ode = try ODEModel(model: m)
    let kernel = try NativeKernelBuilder.build(ode, cacheDirectory: Self.temporaryCache())
    let interpreted = ODEWorkspace(ode), native = ODEWorkspace(ode, kernel: kernel)
    var parameters = RunParameters(ode)
    parameters.stimuli[0] = .constant(0.25)
    interpreted.load(parameters)
    native.load(parameters)
    let n = ode.stateCount
    var random = SplitMix64(seed: 7)
    for _ in 0..<200 {
      let y = (0..<n).map { _ in Double(random.next() >> 11) * 0x1p-53 * 3 - 0.5 }
      let t = Double(random.next() >> 11) * 0x1p-53 * 10
      var f1 = [Double](repeating: 0, count: n), f2 = f1
      interpreted.rhs(t, y, &f1)
      native.rhs(t, y, &f2)
      for i in 0..<n {
        #expect(f1[i].bitPattern == f2[i].bitPattern || (f1[i].isNaN && f2[i].isNaN),
                "rhs[\(ode.stateNames[i])] at \(y): interpreted \(f1[i]), native \(f2[i])")
      }
      var j1 = [Double](repeating: 0, count: n * n), j2 = j1, d1 = [Double](repeating: 0, count: n), d2 = d1
      _ = interpreted.jacobian(t, y, &j1, &d1)
      _ = native.jacobian(t, y, &j2, &d2)
      for i in 0..<(n * n) {
        #expect(j1[i].bitPattern == j2[i].bitPattern || (j1[i].isNaN && j2[i].isNaN), "J[\(i / n), \(i % n)]")
      }
      for i in 0..<n { #expect(d1[i].bitPattern == d2[i].bitPattern || (d1[i].isNaN && d2[i].isNaN), "dfdt[\(i)]") }
    }
  }

  /// SBML Test Suite cases with events, assignment rules, delays of events, piecewise rate laws:
  /// whole solves give the same trajectory to the bit.
  @Test("SBML models with events and rules: whole solves bit-identical to the interpreter",
        .enabled(if: hasCompiler),
        arguments: ["00001", "00026", "00073", "00190", "00349", "00405", "00931", "00953", "00029", "00082"])
  func sbmlSolvesBitIdentical(id: String) throws {
    let path = SBMLTestSuite.modelPath(id)
    guard FileManager.default.fileExists(atPath: path) else { return }
    let m = try ModelLoader.load(path)
    let ode = try ODEModel(model: m)
    let cache = Self.temporaryCache()
    _ = try NativeKernelBuilder.build(ode, cacheDirectory: cache)
    let settings = try SBMLTestSuite.settings(id)
    var scenario = Scenario(name: id)
    scenario.time.end = settings.end
    scenario.time.grid = .steps(settings.steps)
    var trajectories: [[Double]] = []
    for kernel in ["interpreted", "native"] {
      var s = scenario
      s.solver.kernel = kernel
      s.solver.method = Stepper.rodas5p.rawValue
      let run = try s.resolve(for: ode)
      #expect(run.options.kernel.rawValue == kernel)
      let solution = try run.simulate(ode)
      #expect(solution.failure == nil, "\(id) \(kernel): \(String(describing: solution.failure))")
      #expect(solution.statistics.kernel == kernel)
      trajectories.append(solution.trajectory.values)
    }
    #expect(trajectories[0].count == trajectories[1].count)
    let same = zip(trajectories[0], trajectories[1]).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    #expect(same, "\(id): the native trajectory differs from the interpreted one")
  }

  @Test("a kernel is compiled once and then loaded from the cache", .enabled(if: hasCompiler))
  func cached() throws {
    let ode = try ODEModel(model: try model(Self.everyOperation))
    let cache = Self.temporaryCache()
    let first = try NativeKernelBuilder.build(ode, cacheDirectory: cache)
    #expect(first.compileSeconds > 0)
    let second = try NativeKernelBuilder.build(ode, cacheDirectory: cache)
    #expect(second.compileSeconds == 0)
    #expect(second.path == first.path)
    #expect(FileManager.default.fileExists(atPath: String(first.path.dropLast(3)) + ".c"))
  }

  @Test("no compiler, or a compiler that fails: exit 69 with the reason")
  func unavailableCompiler() throws {
    let ode = try ODEModel(model: try model(Self.everyOperation))
    let missing = pathwayError { _ = try NativeKernelBuilder.build(ode, compiler: nil, cacheDirectory: Self.temporaryCache()) }
    #expect(missing?.exitCode == 69)
    #expect(missing?.description.contains("no C compiler found") == true)
    let notThere = pathwayError {
      _ = try NativeKernelBuilder.build(ode, compiler: "/nonexistent/cc", cacheDirectory: Self.temporaryCache())
    }
    #expect(notThere?.exitCode == 69)
    #expect(notThere?.description.contains("cannot run /nonexistent/cc") == true)
    let failing = pathwayError { _ = try NativeKernelBuilder.build(ode, compiler: "/bin/false", cacheDirectory: Self.temporaryCache()) }
    #expect(failing?.exitCode == 69)
    #expect(failing?.description.contains("/bin/false failed") == true)
  }

  @Test("a kernel over the line limit is not compiled, unless it is in the cache already",
        .enabled(if: hasCompiler))
  func lineLimit() throws {
    let ode = try ODEModel(model: try model(Self.everyOperation))
    let cache = Self.temporaryCache()
    let lines = NativeKernelBuilder.source(for: ode).split(separator: "\n", omittingEmptySubsequences: false).count - 1
    let refused = pathwayError { _ = try NativeKernelBuilder.build(ode, cacheDirectory: cache, lineLimit: lines - 1) }
    #expect(refused?.exitCode == 69)
    #expect(refused?.description.contains("\(lines) lines of C") == true)
    #expect((try FileManager.default.contentsOfDirectory(atPath: cache)).isEmpty, "nothing compiled")
    _ = try NativeKernelBuilder.build(ode, cacheDirectory: cache, lineLimit: lines)
    _ = try NativeKernelBuilder.build(ode, cacheDirectory: cache, lineLimit: 1)  // cached: loaded whatever its size
  }

  @Test("a build removes the temporaries of killed builds a day old, and keeps recent ones",
        .enabled(if: hasCompiler))
  func abandonedTemporaries() throws {
    let ode = try ODEModel(model: try model(Self.everyOperation))
    let cache = Self.temporaryCache()
    let old = cache + "/.0123456789abcdef0123456789abcdef.999.42.c", recent = cache + "/.0123456789abcdef0123456789abcdef.998.43.c"
    for path in [old, recent] { #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8))) }
    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 86_400)], ofItemAtPath: old)
    _ = try NativeKernelBuilder.build(ode, cacheDirectory: cache)
    #expect(!FileManager.default.fileExists(atPath: old))
    #expect(FileManager.default.fileExists(atPath: recent))
  }

  @Test("constants print as C literals that parse back to the same double")
  func literals() {
    for value in [0.1, 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, -2.5, 3, 1e22, 123456789.125] {
      let text = NativeKernelBuilder.literal(value).trimmingCharacters(in: CharacterSet(charactersIn: "()"))
      #expect(Double(text)?.bitPattern == value.bitPattern, "\(value) → \(text)")
      #expect(text.contains(".") || text.contains("e"), "\(text) must be a double literal in C")
    }
    #expect(NativeKernelBuilder.literal(.nan) == "NAN")
    #expect(NativeKernelBuilder.literal(-.infinity) == "(-INFINITY)")
  }
}
