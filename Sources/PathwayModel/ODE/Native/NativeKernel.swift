import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the compiled rate-law programs (right-hand side, Jacobian, events) are evaluated.
///
/// - `interpreted`: `CompiledProgram.run`, a loop over the instruction buffer (always available).
/// - `native`: the same instructions emitted as C, one statement each in the same order, compiled
///   once by the system C compiler into a shared object (cached on disk by the source's hash) and
///   loaded with `dlopen`. Floating-point contraction and fast-math are off, and every operation
///   calls the same libm function as the interpreter, so the two give bit-identical values.
///   It fails with a clear error when no compiler is found or it refuses the code.
/// - `auto`: native when a C compiler is found, the interpreter otherwise (silently: both give the
///   same numbers).
public enum KernelMode: String, Sendable, Hashable, Codable, CaseIterable {
  case interpreted, native, auto

  /// The mode a run uses when none is asked for: the interpreter, overridden by the
  /// `PATHWAY_KERNEL` environment variable (interpreted, native, auto).
  public static var `default`: KernelMode {
    ProcessInfo.processInfo.environment["PATHWAY_KERNEL"].flatMap(KernelMode.init(rawValue:)) ?? .interpreted
  }

  /// Fails (usage, exit 64) when `PATHWAY_KERNEL` is set to something that is not a kernel mode,
  /// rather than silently running the default.
  public static func validateEnvironment() throws(PathwayError) {
    guard let value = ProcessInfo.processInfo.environment["PATHWAY_KERNEL"], !value.isEmpty,
          KernelMode(rawValue: value) == nil else { return }
    throw PathwayError(.usage, "PATHWAY_KERNEL='\(value)' is not a kernel; kernels: "
                       + allCases.map(\.rawValue).joined(separator: ", "))
  }
}

/// Native code for an `ODEModel`'s programs: each takes the slot buffer, like `CompiledProgram.run`.
public final class NativeKernel: @unchecked Sendable {
  public typealias Function = @convention(c) (UnsafeMutablePointer<Double>) -> Void
  public typealias RHSFunction = @convention(c) (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
  /// The rate-law program, then the rates of the rate-law states written into f.
  public let rhs: RHSFunction
  /// The whole rate-law program: every assignment's value written to its slot (for outputs).
  public let assignments: Function
  /// The rate-law program, then the Jacobian program.
  public let jacobian: Function
  /// The rate-law program, then the event program.
  let events: Function
  private let handle: UnsafeMutableRawPointer
  /// The shared object loaded (in the kernel cache).
  public let path: String
  /// Seconds spent compiling (0 when the shared object came from the cache).
  public let compileSeconds: Double

  init(handle: UnsafeMutableRawPointer, path: String, compileSeconds: Double) throws(PathwayError) {
    func symbol(_ name: String) throws(PathwayError) -> UnsafeMutableRawPointer {
      guard let address = dlsym(handle, name) else {
        throw PathwayError(.unavailable, "native kernel \(path): symbol \(name) missing")
      }
      return address
    }
    self.handle = handle
    self.path = path
    self.compileSeconds = compileSeconds
    rhs = unsafeBitCast(try symbol("pathway_rhs"), to: RHSFunction.self)
    assignments = unsafeBitCast(try symbol("pathway_assignments"), to: Function.self)
    jacobian = unsafeBitCast(try symbol("pathway_rhs_jacobian"), to: Function.self)
    events = unsafeBitCast(try symbol("pathway_rhs_events"), to: Function.self)
  }

  // The shared object stays loaded for the life of the process: dlclose while another thread
  // still holds a function pointer would be a use after free, and a kernel is a few kilobytes.
}

/// Emits C for compiled programs and builds it into a shared object.
public enum NativeKernelBuilder {
  /// The C source of the three programs of `ode`, as four functions that each run what they need
  /// of the rate-law program: `pathway_rhs` (then writes the rates into f), `pathway_assignments`
  /// (all of it, for outputs), `pathway_rhs_jacobian` and `pathway_rhs_events`. Slots read after
  /// the function returns (assignments, rates, Jacobian entries, event quantities) are written back
  /// to `s`; the other temporaries are locals, which the C compiler keeps in registers.
  public static func source(for ode: ODEModel) -> String {
    let constants = Dictionary(
      (ode.rhsProgram.constants + ode.jacobianProgram.constants + ode.eventProgram.constants).map { (Int($0.slot), $0.value) },
      uniquingKeysWith: { a, _ in a })
    // What each function must leave in its slots; the union is written back to `s`.
    let exported = Set(
      (ode.assignmentSlots + ode.rateSlots + ode.jacobianSlots + ode.eventSlots + ode.modeSlots + ode.parameterResults).map(Int.init))
    let reserved = ode.reservedSlotCount  // states, inputs, parameters, time, delay leaves, the mode lock
    func isLocal(_ slot: Int) -> Bool { slot >= reserved && !exported.contains(slot) && constants[slot] == nil }
    /// The statements of `programs` that contribute to `needed` (dead code removed: a right-hand
    /// side call does not compute assignments only outputs read), locals declared first.
    func body(_ programs: [CompiledProgram], needed: Set<Int32>? = nil) -> String {
      let instructions = needed.map { CompiledProgram.liveInstructions(programs, needed: $0) } ?? programs.flatMap { Array($0.code) }
      var locals: [Int] = [], declared = Set<Int>()
      var lines = ""
      for instruction in instructions {
        if isLocal(Int(instruction.dst)) && declared.insert(Int(instruction.dst)).inserted { locals.append(Int(instruction.dst)) }
        lines += "  " + statement(instruction, constants: constants, isLocal: isLocal) + "\n"
      }
      var out = ""
      for chunk in stride(from: 0, to: locals.count, by: 16) {
        out += "  double " + locals[chunk..<min(chunk + 16, locals.count)].map { "t\($0)" }.joined(separator: ", ") + ";\n"
      }
      return out + lines
    }
    func value(_ slot: Int32) -> String {
      if let c = constants[Int(slot)] { return literal(c) }
      return isLocal(Int(slot)) ? "t\(slot)" : "s[\(slot)]"
    }
    var out = """
      /* Generated by simulate from the model's compiled rate-law programs; one statement per
         instruction, in the interpreter's order. Build with -ffp-contract=off, no fast-math. */
      #include <math.h>

      static inline double pw_min(double a, double b) { return (a != a || b != b) ? NAN : (b < a ? b : a); }
      static inline double pw_max(double a, double b) { return (a != a || b != b) ? NAN : (b >= a ? b : a); }
      static inline double pw_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }


      """
    out += "void pathway_rhs(double *restrict s, double *restrict f) {\n" + body([ode.rhsProgram], needed: ode.rateSlots)
    for (state, slot) in ode.rateStates { out += "  f[\(state)] = \(value(slot));\n" }
    out += "}\n\n"
    out += "void pathway_assignments(double *restrict s) {\n" + body([ode.rhsProgram]) + "}\n\n"
    out += "void pathway_rhs_jacobian(double *restrict s) {\n"
      + body([ode.rhsProgram, ode.jacobianProgram], needed: ode.jacobianSlots) + "}\n\n"
    out += "void pathway_rhs_events(double *restrict s) {\n" + body([ode.rhsProgram, ode.eventProgram], needed: ode.eventSlots) + "}\n"
    return out
  }

  /// A constant as a C literal that parses to exactly `value`.
  static func literal(_ value: Double) -> String {
    if value.isNaN { return "NAN" }
    if value.isInfinite { return value < 0 ? "(-INFINITY)" : "INFINITY" }
    // Swift's description is the shortest decimal that round-trips; C parses it correctly rounded.
    var text = "\(value)"
    if !text.contains(".") && !text.contains("e") { text += ".0" }
    return value < 0 ? "(\(text))" : text
  }

  static func statement(_ i: Instruction, constants: [Int: Double], isLocal: (Int) -> Bool) -> String {
    func v(_ slot: Int32) -> String {
      if let c = constants[Int(slot)] { return literal(c) }
      return isLocal(Int(slot)) ? "t\(slot)" : "s[\(slot)]"
    }
    let a = v(i.a), b = v(i.b), c = v(i.c)
    let d = "\(v(i.dst)) = "
    switch i.op {
    case .copy: return d + a + ";"
    case .add: return d + "\(a) + \(b);"
    case .subtract: return d + "\(a) - \(b);"
    case .multiply: return d + "\(a) * \(b);"
    case .divide: return d + "\(a) / \(b);"
    case .power: return d + "pow(\(a), \(b));"
    case .square: return d + "\(a) * \(a);"
    case .negate: return d + "-\(a);"
    case .less: return d + "\(a) < \(b) ? 1.0 : 0.0;"
    case .lessEqual: return d + "\(a) <= \(b) ? 1.0 : 0.0;"
    case .greater: return d + "\(a) > \(b) ? 1.0 : 0.0;"
    case .greaterEqual: return d + "\(a) >= \(b) ? 1.0 : 0.0;"
    case .equal: return d + "\(a) == \(b) ? 1.0 : 0.0;"
    case .notEqual: return d + "\(a) != \(b) ? 1.0 : 0.0;"
    case .mode: return "if (\(b) == 0) \(c) = \(a); " + d + "\(c);"
    case .and: return d + "(\(a) != 0 && \(b) != 0) ? 1.0 : 0.0;"
    case .or: return d + "(\(a) != 0 || \(b) != 0) ? 1.0 : 0.0;"
    case .xor: return d + "((\(a) != 0) != (\(b) != 0)) ? 1.0 : 0.0;"
    case .not: return d + "\(a) == 0 ? 1.0 : 0.0;"
    case .select: return d + "\(a) != 0 ? \(b) : \(c);"
    case .hill: return "{ double xn = pow(\(a), \(c)); \(d)xn / (pow(\(b), \(c)) + xn); }"
    case .hillr: return "{ double kn = pow(\(b), \(c)); \(d)kn / (kn + pow(\(a), \(c))); }"
    case .exp: return d + "exp(\(a));"
    case .log: return d + "log(\(a));"
    case .sqrt: return d + "sqrt(\(a));"
    case .call1: return d + call1(i.function, a) + ";"
    case .call2: return d + call2(i.function, a, b) + ";"
    }
  }

  /// C for `Builtin.evaluate1` (the same libm functions, the same formulas).
  static func call1(_ f: Builtin, _ x: String) -> String {
    switch f {
    case .exp: return "exp(\(x))"
    case .log: return "log(\(x))"
    case .log10: return "log10(\(x))"
    case .log2: return "log2(\(x))"
    case .sqrt: return "sqrt(\(x))"
    case .abs: return "fabs(\(x))"
    case .floor: return "floor(\(x))"
    case .ceil: return "ceil(\(x))"
    case .sign: return "pw_sign(\(x))"
    case .sin: return "sin(\(x))"
    case .cos: return "cos(\(x))"
    case .tan: return "tan(\(x))"
    case .sec: return "1.0 / cos(\(x))"
    case .csc: return "1.0 / sin(\(x))"
    case .cot: return "1.0 / tan(\(x))"
    case .sinh: return "sinh(\(x))"
    case .cosh: return "cosh(\(x))"
    case .tanh: return "tanh(\(x))"
    case .sech: return "1.0 / cosh(\(x))"
    case .csch: return "1.0 / sinh(\(x))"
    case .coth: return "1.0 / tanh(\(x))"
    case .asin: return "asin(\(x))"
    case .acos: return "acos(\(x))"
    case .atan: return "atan(\(x))"
    case .asec: return "acos(1.0 / \(x))"
    case .acsc: return "asin(1.0 / \(x))"
    case .acot: return "atan(1.0 / \(x))"
    case .asinh: return "asinh(\(x))"
    case .acosh: return "acosh(\(x))"
    case .atanh: return "atanh(\(x))"
    case .asech: return "acosh(1.0 / \(x))"
    case .acsch: return "asinh(1.0 / \(x))"
    case .acoth: return "atanh(1.0 / \(x))"
    case .factorial: return "tgamma(\(x) + 1.0)"
    case .min, .max, .piecewise: return x
    default: return "NAN"
    }
  }

  /// C for `Builtin.evaluate2`.
  static func call2(_ f: Builtin, _ a: String, _ b: String) -> String {
    switch f {
    case .pow: return "pow(\(a), \(b))"
    case .logBase: return "log(\(b)) / log(\(a))"
    case .root: return "pow(\(b), 1.0 / \(a))"
    case .rem: return "fmod(\(a), \(b))"
    case .quotient: return "trunc(\(a) / \(b))"
    case .atan2: return "atan2(\(a), \(b))"
    case .min: return "pw_min(\(a), \(b))"
    case .max: return "pw_max(\(a), \(b))"
    case .implies: return "(\(a) == 0 || \(b) != 0) ? 1.0 : 0.0"
    default: return "NAN"
    }
  }

  /// The C compiler: `$PATHWAY_CC`, else `cc`, `clang` or `gcc` on the PATH, else the clang next
  /// to the `swift` found on the PATH (every Swift toolchain has one).
  public static func findCompiler() -> String? {
    let environment = ProcessInfo.processInfo.environment
    if let cc = environment["PATHWAY_CC"], !cc.isEmpty { return cc }
    let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    for name in ["cc", "clang", "gcc"] {
      for directory in path where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
        return directory + "/" + name
      }
    }
    for directory in path where FileManager.default.isExecutableFile(atPath: directory + "/swift") {
      let swift = URL(fileURLWithPath: directory + "/swift").resolvingSymlinksInPath()
      let clang = swift.deletingLastPathComponent().appendingPathComponent("clang").path
      if FileManager.default.isExecutableFile(atPath: clang) { return clang }
    }
    return nil
  }

  /// The flags: optimized, position-independent, strict IEEE arithmetic (no contraction into
  /// fused multiply-adds, no fast-math), errno ignored.
  static let flags = ["-O2", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno", "-std=c11", "-w"]

  /// The folder of compiled kernels: `$PATHWAY_KERNEL_CACHE`, else `$XDG_CACHE_HOME/simulate/kernels`,
  /// else `~/.cache/simulate/kernels`, else the temporary folder.
  public static var cacheDirectory: String {
    let environment = ProcessInfo.processInfo.environment
    if let folder = environment["PATHWAY_KERNEL_CACHE"], !folder.isEmpty { return folder }
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/simulate/kernels" }
    if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/simulate/kernels" }
    return NSTemporaryDirectory() + "simulate-kernels"
  }

  /// Deletes the temporary sources and objects of builds that were killed (a process stopped by
  /// SIGKILL leaves its `.KEY.PID.RANDOM.c`): those a day old or older, so that a build still
  /// running, perhaps on another node sharing the folder, keeps its files.
  static func removeAbandonedTemporaries(in directory: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    let cutoff = Date().addingTimeInterval(-86_400)
    for name in names where name.hasPrefix(".") && (name.hasSuffix(".c") || name.hasSuffix(".so")) {
      let path = directory + "/" + name
      if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff {
        try? FileManager.default.removeItem(atPath: path)
      }
    }
  }

  /// The largest kernel, in lines of C, that `auto` compiles: C compilers take time superlinear in
  /// the size of these straight-line functions (a 3,000-line kernel builds in about a second, a
  /// 69,000-line one in almost two minutes), so beyond this `auto` keeps the interpreter unless
  /// the kernel is already in the cache. `--kernel native` compiles any size.
  public static let automaticLineLimit = 20_000

  /// Compiles (or finds in the cache) and loads the kernel of `ode`. A kernel longer than
  /// `lineLimit` lines that is not in the cache is not compiled (an error).
  public static func build(
    _ ode: ODEModel, compiler: String? = findCompiler(), cacheDirectory directory: String = cacheDirectory,
    lineLimit: Int? = nil
  ) throws(PathwayError) -> NativeKernel {
    guard let compiler else {
      throw PathwayError(.unavailable, "--kernel native: no C compiler found (set PATHWAY_CC, or install cc)")
    }
    let source = source(for: ode)
    // The architecture is part of the key: a home folder shared by different cluster nodes.
    #if arch(x86_64)
      let architecture = "x86_64"
    #elseif arch(arm64)
      let architecture = "arm64"
    #else
      let architecture = "other"
    #endif
    let key = SHA256.hex(Data((architecture + "\n" + compiler + "\n" + flags.joined(separator: " ") + "\n" + source).utf8))
    let library = "\(directory)/\(key.prefix(32)).so"
    var compileSeconds = 0.0
    if !FileManager.default.fileExists(atPath: library) {
      let lines = source.utf8.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
      if let lineLimit, lines > lineLimit {
        throw PathwayError(.unavailable, "the native kernel would be \(lines) lines of C, more than the \(lineLimit) that are "
                           + "compiled automatically (--kernel native compiles it anyway)")
      }
      let start = ContinuousClock.now
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw PathwayError(.unavailable, "\(directory): cannot create the kernel cache: \(error.localizedDescription)")
      }
      removeAbandonedTemporaries(in: directory)
      // Unique temporary names, then an atomic rename: concurrent processes (a Slurm array)
      // may build the same kernel at once.
      let unique = "\(directory)/.\(key.prefix(32)).\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
      let cFile = unique + ".c", soFile = unique + ".so"
      defer {
        try? FileManager.default.removeItem(atPath: cFile)
        try? FileManager.default.removeItem(atPath: soFile)
      }
      do {
        try Data(source.utf8).write(to: URL(fileURLWithPath: cFile))
      } catch {
        throw PathwayError(.unavailable, "\(cFile): \(error.localizedDescription)")
      }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: compiler)
      process.arguments = flags + ["-o", soFile, cFile, "-lm"]
      let errors = Pipe()
      process.standardError = errors
      process.standardOutput = FileHandle.nullDevice
      do {
        try process.run()
      } catch {
        throw PathwayError(.unavailable, "--kernel native: cannot run \(compiler): \(error.localizedDescription)")
      }
      let message = errors.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else {
        let text = String(decoding: message.prefix(2000), as: UTF8.self)
        throw PathwayError(.unavailable, "--kernel native: \(compiler) failed (status \(process.terminationStatus)): \(text)")
      }
      // The source stays next to the shared object, for anyone who wants to read what runs.
      _ = rename(cFile, String(library.dropLast(3)) + ".c")
      if rename(soFile, library) != 0 && !FileManager.default.fileExists(atPath: library) {
        throw PathwayError(.unavailable, "\(library): cannot store the compiled kernel: \(String(cString: strerror(errno)))")
      }
      let elapsed = ContinuousClock.now - start
      compileSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
    guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
      throw PathwayError(.unavailable, "--kernel native: cannot load \(library): \(reason)")
    }
    return try NativeKernel(handle: handle, path: library, compileSeconds: compileSeconds)
  }
}
