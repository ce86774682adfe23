import Foundation

/// Progress of long work on stderr: on a terminal a bar redrawn in place (from `delay` on, so
/// that quick work draws nothing), otherwise a plain line every 5 s prefixed by `label`.
/// `--quiet` silences it. Thread-safe: workers may report from any thread.
final class ProgressLine: @unchecked Sendable {
  private let label: String
  private let quiet: Bool
  private let delay: Duration
  private let terminal = isatty(STDERR_FILENO) != 0
  private let started = ContinuousClock.now
  private var lastLine = ContinuousClock.now
  private var lastDraw = ContinuousClock.now - .seconds(1)
  private var drawn = false
  private let lock = NSLock()

  init(label: String, quiet: Bool, delay: Duration = .zero) {
    self.label = label
    self.quiet = quiet
    self.delay = delay
  }

  /// Seconds since the work started.
  var elapsed: Double {
    let d = ContinuousClock.now - started
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  /// Reports `fraction` (0…1) of the work done; `detail` is what the line says before the ETA.
  func update(fraction: Double, detail: String) {
    guard !quiet else { return }
    lock.lock()
    defer { lock.unlock() }
    let now = ContinuousClock.now
    guard now - started >= delay else { return }
    let elapsed = self.elapsed
    let eta = fraction > 0 && fraction < 1 ? elapsed * (1 - fraction) / fraction : (fraction >= 1 ? 0 : .nan)
    let text = detail + ", ETA " + (eta.isFinite ? Self.duration(eta) : "-")
    if terminal {
      // Redraw at most ten times a second.
      guard now - lastDraw >= .milliseconds(100) || fraction >= 1 else { return }
      lastDraw = now
      let width = 24
      let filled = max(0, min(width, Int(Double(width) * fraction)))
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
      drawn = true
    } else if now - lastLine >= .seconds(5) {
      lastLine = now
      printError("\(label): " + text)
    }
  }

  /// Reports work whose end is unknown: `text` alone, with the time elapsed (no bar, no ETA),
  /// on the same schedule as `update`.
  func status(_ text: String) {
    guard !quiet else { return }
    lock.lock()
    defer { lock.unlock() }
    let now = ContinuousClock.now
    guard now - started >= delay else { return }
    let line = text + ", " + Self.duration(elapsed) + " so far"
    if terminal {
      guard now - lastDraw >= .milliseconds(100) else { return }
      lastDraw = now
      FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
      drawn = true
    } else if now - lastLine >= .seconds(5) {
      lastLine = now
      printError("\(label): " + line)
    }
  }

  /// Ends the bar's line, if one was drawn.
  func finish() {
    lock.lock()
    defer { lock.unlock() }
    if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    drawn = false
  }

  static func duration(_ seconds: Double) -> String {
    if seconds < 90 { return String(format: "%.0f s", seconds) }
    if seconds < 5400 { return String(format: "%.0f min", seconds / 60) }
    return String(format: "%.1f h", seconds / 3600)
  }
}
