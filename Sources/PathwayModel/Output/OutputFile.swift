import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written atomically: bytes go to a temporary file beside the target, which is renamed
/// over the target only by `commit()`. A crash or a kill mid-write never leaves a target that
/// looks complete. Writing `-` goes to standard output, unbuffered by rename.
///
/// Errors: the temporary file cannot be created (exit 73), a write or the rename fails (exit 74).
public final class OutputFile {
  public let path: String
  private let temporaryPath: String?
  private var descriptor: Int32
  private var buffer: [UInt8] = []
  private var committed = false
  /// Bytes written so far (for fault injection and progress).
  public private(set) var bytesWritten = 0

  #if ENABLE_FAULT_INJECTION
    /// Debug builds only: the write that would pass this many bytes fails with this errno.
    /// `PATHWAY_FAULT_WRITE=BYTES:ERRNO` sets it for a process.
    nonisolated(unsafe) public static var injectedFailure: (afterBytes: Int, errno: Int32)? = FaultInjection.write
  #endif

  public init(path: String) throws(PathwayError) {
    self.path = path
    if path == "-" {
      temporaryPath = nil
      descriptor = STDOUT_FILENO
      return
    }
    let directory = Paths.directory(of: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw PathwayError(.cannotCreateOutput, "\(path): is a directory; give a file name for the output")
    }
    if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw PathwayError(.cannotCreateOutput, "\(path): cannot create the folder '\(directory)': \(Self.reason(error))")
      }
    }
    if let target = Self.special(path) {
      // A device, a FIFO or a socket (/dev/null, /dev/full, /dev/stdout, a named pipe) is written
      // in place: renaming a temporary file over it would replace the device with a regular file.
      temporaryPath = nil
      descriptor = target
      return
    }
    let name = Paths.lastComponent(of: path)
    let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd < 0 {
      let code = errno
      throw PathwayError(.cannotCreateOutput, "\(path): cannot create the output: \(String(cString: strerror(code)))")
    }
    temporaryPath = temporary
    descriptor = fd
    buffer.reserveCapacity(1 << 16)
  }

  /// A descriptor open for writing on `path` when it exists and is not a regular file (nor a directory).
  private static func special(_ path: String) -> Int32? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    let type = info.st_mode & S_IFMT
    guard type == S_IFCHR || type == S_IFIFO || type == S_IFSOCK || type == S_IFBLK else { return nil }
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    return fd >= 0 ? fd : nil
  }

  deinit {
    if !committed, let temporaryPath {
      close(descriptor)
      unlink(temporaryPath)
    } else if temporaryPath == nil && descriptor != STDOUT_FILENO && !committed {
      close(descriptor)
    }
  }

  private static func reason(_ error: Error) -> String {
    (error as NSError).localizedDescription
  }

  /// Appends text (buffered).
  public func write(_ text: String) throws(PathwayError) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { try flush() }
  }

  /// Appends bytes (buffered).
  public func write(bytes: some Collection<UInt8>) throws(PathwayError) {
    buffer.append(contentsOf: bytes)
    if buffer.count >= 1 << 16 { try flush() }
  }

  /// Writes the buffer out.
  public func flush() throws(PathwayError) {
    try writeAll(buffer, to: descriptor, path: path, counting: &bytesWritten)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes, closes and renames the temporary file over the target.
  public func commit() throws(PathwayError) {
    try flush()
    guard let temporaryPath else {
      if descriptor != STDOUT_FILENO && !committed {
        committed = true
        if close(descriptor) != 0 {
          let code = errno
          throw PathwayError(.cannotWriteOutput, "\(path): close failed: \(String(cString: strerror(code)))")
        }
      }
      return
    }
    if close(descriptor) != 0 {
      let code = errno
      unlink(temporaryPath)
      committed = true
      throw PathwayError(.cannotWriteOutput, "\(path): close failed: \(String(cString: strerror(code)))")
    }
    committed = true
    if rename(temporaryPath, path) != 0 {
      let code = errno
      unlink(temporaryPath)
      throw PathwayError(.cannotWriteOutput, "\(path): cannot move the output into place: \(String(cString: strerror(code)))")
    }
  }

  /// Writes `text` to `path` atomically.
  public static func write(_ text: String, to path: String) throws(PathwayError) {
    let file = try OutputFile(path: path)
    try file.write(text)
    try file.commit()
  }
}

/// Writes every byte of `buffer` to `descriptor` (retrying on EINTR and short writes), counting
/// them in `bytesWritten`; a failure names `path` and the system's reason. Debug builds can
/// inject a failure after `OutputFile.injectedFailure`'s byte count.
func writeAll(
  _ buffer: [UInt8], to descriptor: Int32, path: String, counting bytesWritten: inout Int
) throws(PathwayError) {
  var offset = 0
  while offset < buffer.count {
    #if ENABLE_FAULT_INJECTION
      if let (limit, code) = OutputFile.injectedFailure, bytesWritten + (buffer.count - offset) > limit {
        let allowed = max(0, limit - bytesWritten)
        if allowed > 0 {
          _ = buffer[offset..<(offset + allowed)].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, allowed) }
          bytesWritten += allowed
        }
        throw PathwayError(.cannotWriteOutput, "\(path): write failed: \(String(cString: strerror(code)))")
      }
    #endif
    let written = buffer[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    if written < 0 {
      let code = errno
      if code == EINTR { continue }
      throw PathwayError(.cannotWriteOutput, "\(path): write failed: \(String(cString: strerror(code)))")
    }
    offset += written
    bytesWritten += written
  }
}
