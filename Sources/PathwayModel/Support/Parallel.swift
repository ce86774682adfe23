import Dispatch

/// A value handed across threads whose safety the code around it guarantees (disjoint writes,
/// or reads of memory nobody writes meanwhile).
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}

/// `body(k)` for k in 0..<count on all cores, results in index order. Work is split into
/// contiguous chunks, so results never depend on scheduling.
func parallelMap<T>(_ count: Int, progress: SearchProgress? = nil, _ body: (Int) -> T) -> [T] {
  if count == 0 { return [] }
  let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
  results.initialize(repeating: nil)
  defer { results.deallocate() }
  let sink = UncheckedSendable(results)
  let chunks = min(count, 256)
  withoutActuallyEscaping(body) { body in
    let work = UncheckedSendable(body)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let range = (count * c / chunks)..<(count * (c + 1) / chunks)
      for k in range { sink.value[k] = work.value(k) }
      progress?.add(range.count)
    }
  }
  return results.map { $0! }
}
