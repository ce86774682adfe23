import Foundation

/// What a sweep runs: its plan, the record of what every run shares (for the manifest), the
/// columns of `trajectories.csv`, and a worker per thread. `SweepSetup` is the ODE sweep,
/// `BooleanSweepSetup` the knockout sweep.
public protocol SweepSource: Sendable {
  var plan: SweepPlan { get }
  /// The resolved scenario (or Boolean setup), as the manifest records it.
  var record: [String: JSONValue] { get }
  var trajectoryColumns: [Int] { get }
  var trajectoryNames: [String] { get }
  /// A worker for one thread.
  func makeWorker() throws(PathwayError) -> any SweepRunner
}

/// One thread's worker: runs run ids one at a time.
public protocol SweepRunner: AnyObject {
  func execute(_ run: Int, keepTrajectory: Bool) -> RunRecord
  /// `cancellation` is polled during a run; when it returns true the run stops (`not_run`).
  func install(cancellation: @escaping @Sendable () -> Bool)
}

/// Runs a set of sweep runs on `jobs` threads and hands the records back in run-id order.
///
/// Each thread owns a `SweepWorker` (one `ODESolver`: one GSL driver and workspace) for the
/// whole sweep; the model is compiled once and shared read-only. Threads take run ids from a
/// shared cursor (the only lock, taken once per run) and deliver records into a reorder buffer;
/// the calling thread writes them out in run-id order as soon as every earlier run is done. A
/// worker that runs ahead of a slow run by `reorderLimit` records waits, so memory stays bounded
/// whatever the run count. Results are the same for any number of threads: a run's values and
/// seed come from its id alone, and every run starts from a reset solver.
public final class SweepExecution: @unchecked Sendable {
  /// Why a sweep stopped before its last run.
  public enum StopReason: Sendable, Hashable {
    case interrupted
    case failFast
  }

  public struct Counts: Sendable, Hashable {
    public var ok = 0
    public var failed = 0
    public var notRun = 0
    public init() {}
  }

  public let setup: any SweepSource
  public let jobs: Int
  public let failFast: Bool
  public let keepTrajectories: Bool
  /// How many finished records may wait for a slower earlier run before workers pause.
  public var reorderLimit = 4096
  /// Turns a record into its output text on the worker thread that computed it (so that the
  /// thread writing the files only copies bytes); the text is left in `RunRecord.text`.
  public var formatter: (@Sendable (RunRecord) -> String)?

  // The runs to do: ids first, first + step, … below `end`, minus those `skip` marks.
  private let first: Int, step: Int, end: Int
  private let skip: RunSet?
  public let total: Int
  /// Runs of the shard, finished or not.
  public var shardRunCount: Int { end > first ? (end - first + step - 1) / step : 0 }

  private let condition = NSCondition()
  private var cursor: Int
  private var buffer: [Int: RunRecord] = [:]
  private var activeWorkers = 0
  private var stopReason: StopReason?
  private var setupError: PathwayError?

  /// - Parameters:
  ///   - first, step: the runs of this shard are `first, first + step, …` below the plan's run count.
  ///   - skip: runs already finished (a resumed sweep); nil for none.
  public init(
    setup: any SweepSource, first: Int = 0, step: Int = 1, skip: RunSet? = nil, jobs: Int, failFast: Bool,
    keepTrajectories: Bool
  ) {
    self.setup = setup
    self.first = first
    self.step = step
    self.end = setup.plan.runCount
    self.skip = skip
    self.jobs = max(1, jobs)
    self.failFast = failFast
    self.keepTrajectories = keepTrajectories
    var count = 0
    var id = first
    while id < end {
      if skip?.contains(id) != true { count += 1 }
      id += step
    }
    self.total = count
    self.cursor = first
  }

  /// The next run id at or after `id` that is to be done, or nil.
  private func pending(from id: Int) -> Int? {
    var id = id
    while id < end {
      if skip?.contains(id) != true { return id }
      id += step
    }
    return nil
  }

  /// Asks the sweep to stop: no new run starts, runs in progress are cancelled (they become
  /// `not_run`). Safe from any thread, including a signal handler's queue.
  public func requestStop(_ reason: StopReason) {
    condition.lock()
    if stopReason == nil { stopReason = reason }
    condition.broadcast()
    condition.unlock()
  }

  /// Whether a stop was requested (read by the cancellation probes of the workers).
  fileprivate var isStopping: Bool {
    condition.lock()
    defer { condition.unlock() }
    return stopReason != nil
  }

  /// Runs everything, calling `deliver` on this thread with each record in increasing run-id
  /// order (not-run records are not delivered), and `afterBatch` after each batch of records
  /// (to flush and report progress). Returns the counts of this session's runs and why it
  /// stopped early, if it did.
  public func run(
    _ deliver: (RunRecord) throws(PathwayError) -> Void, afterBatch: () throws(PathwayError) -> Void = {}
  ) throws(PathwayError) -> (Counts, StopReason?) {
    let threads = min(jobs, max(1, total))
    activeWorkers = threads
    let done = DispatchGroup()
    for _ in 0..<threads {
      done.enter()
      let thread = Thread { [self] in
        work()
        done.leave()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    var counts = Counts()
    var expected = pending(from: first)
    var failure: PathwayError? = nil
    condition.lock()
    while true {
      var ready: [RunRecord] = []
      while let id = expected, let record = buffer.removeValue(forKey: id) {
        ready.append(record)
        expected = pending(from: id + step)
      }
      let finished = activeWorkers == 0
      if ready.isEmpty && !finished {
        _ = condition.wait(until: Date(timeIntervalSinceNow: 0.5))
        continue
      }
      if finished {
        // Workers are gone: what is left in the buffer follows a run that never started.
        for id in buffer.keys.sorted() { ready.append(buffer.removeValue(forKey: id)!) }
      }
      condition.broadcast()
      condition.unlock()
      for record in ready {
        switch record.status {
        case .ok: counts.ok += 1
        case .failed: counts.failed += 1
        case .notRun: continue
        }
        if failure == nil {
          do { try deliver(record) } catch {
            failure = error
            requestStop(.interrupted)
          }
        }
      }
      if failure == nil {
        do { try afterBatch() } catch {
          failure = error
          requestStop(.interrupted)
        }
      }
      condition.lock()
      if finished { break }
    }
    let reason = stopReason
    let error = setupError
    condition.unlock()
    done.wait()
    if let failure { throw failure }
    if let error { throw error }
    counts.notRun = total - counts.ok - counts.failed
    return (counts, reason)
  }

  private func work() {
    let worker: any SweepRunner
    do {
      worker = try setup.makeWorker()
    } catch {
      condition.lock()
      if setupError == nil { setupError = error }
      stopReason = stopReason ?? .interrupted
      activeWorkers -= 1
      condition.broadcast()
      condition.unlock()
      return
    }
    let probe = CancellationProbe(self)
    worker.install(cancellation: { probe.shouldCancel() })
    while let id = take() {
      var record = worker.execute(id, keepTrajectory: keepTrajectories)
      if let formatter, record.status != .notRun {
        record.text = formatter(record)
        record.trajectory = nil
      }
      condition.lock()
      buffer[id] = record
      if failFast, case .failed = record.status, stopReason == nil { stopReason = .failFast }
      condition.broadcast()
      condition.unlock()
    }
    condition.lock()
    activeWorkers -= 1
    condition.broadcast()
    condition.unlock()
  }

  /// The next run id to compute, or nil when there is none or the sweep is stopping.
  private func take() -> Int? {
    condition.lock()
    defer { condition.unlock() }
    while stopReason == nil && buffer.count >= reorderLimit { condition.wait() }
    guard stopReason == nil, let id = pending(from: cursor) else { return nil }
    cursor = id + step
    return id
  }
}

/// Polls a sweep's stop request from a solver's right-hand side every 1024 evaluations, so that
/// the lock is taken rarely enough not to matter; one per worker thread.
private final class CancellationProbe: @unchecked Sendable {
  private let execution: SweepExecution
  private var countdown = 0

  init(_ execution: SweepExecution) { self.execution = execution }

  func shouldCancel() -> Bool {
    countdown -= 1
    guard countdown <= 0 else { return false }
    countdown = 1024
    return execution.isStopping
  }
}

/// A set of run ids as a bitmap (a resumed sweep's finished runs): one bit per run.
public struct RunSet: Sendable {
  private var words: [UInt64]
  public private(set) var count = 0

  public init(capacity: Int) { words = [UInt64](repeating: 0, count: (capacity + 63) / 64) }

  public func contains(_ id: Int) -> Bool {
    id >= 0 && id / 64 < words.count && words[id / 64] & (1 << UInt64(id % 64)) != 0
  }

  public mutating func insert(_ id: Int) {
    guard id >= 0, id / 64 < words.count, !contains(id) else { return }
    words[id / 64] |= 1 << UInt64(id % 64)
    count += 1
  }
}
