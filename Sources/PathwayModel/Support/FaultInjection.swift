#if ENABLE_FAULT_INJECTION
  import Foundation

  /// Debug builds only (`ENABLE_FAULT_INJECTION`): faults chosen by environment variables, so that
  /// tests can drive the real `simulate` binary into its failure paths.
  ///
  /// - `PATHWAY_FAULT_GSL=STATUS[@N]`: every GSL evolve step from the N-th on (0-based; default 0)
  ///   returns the GSL status STATUS (e.g. 27 `GSL_ENOPROG`, 11 `GSL_EMAXITER`, -1 `GSL_FAILURE`).
  /// - `PATHWAY_FAULT_WRITE=BYTES:ERRNO`: the output write that would pass BYTES bytes in one file
  ///   writes up to BYTES and fails with ERRNO (28 `ENOSPC`, disk full; 13 `EACCES`; 5 `EIO`).
  ///
  /// In-process tests set `GSLCalls.injectedEvolveStatus` and `OutputFile.injectedFailure` instead.
  enum FaultInjection {
    static let environment = ProcessInfo.processInfo.environment

    static let gsl: (status: Int32, after: Int)? = {
      guard let text = environment["PATHWAY_FAULT_GSL"] else { return nil }
      let parts = text.split(separator: "@")
      guard let status = parts.first.flatMap({ Int32($0) }) else { return nil }
      return (status, parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
    }()

    static let write: (afterBytes: Int, errno: Int32)? = {
      guard let text = environment["PATHWAY_FAULT_WRITE"] else { return nil }
      let parts = text.split(separator: ":")
      guard parts.count == 2, let bytes = Int(parts[0]), let code = Int32(parts[1]) else { return nil }
      return (bytes, code)
    }()
  }
#endif
