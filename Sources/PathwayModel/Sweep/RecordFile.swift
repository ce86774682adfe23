import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A CSV file of records keyed by run id (`runs.csv`, `trajectories.csv`) as a sweep leaves it:
/// a header, then one or more segments, each sorted by run id. A fresh sweep writes one segment;
/// a resumed session appends another. `RecordFile` finds the segments and merges them back into
/// one sorted file with one k-way pass, reading each segment sequentially, so that memory does
/// not grow with the number of runs.
enum RecordFile {
  /// How lines form records.
  enum Grouping {
    /// One line per record; a line whose id is not above the previous one starts a segment.
    case line
    /// Consecutive lines with the same id form a record; a smaller id starts a segment.
    case run
  }

  /// A record's candidates for one run id: the segment each came from and its bytes (lines
  /// with their newlines).
  typealias Group = [(segment: Int, bytes: [UInt8])]

  struct Layout {
    var header: String
    /// Byte ranges of the sorted segments.
    var segments: [Range<UInt64>]
    /// The length up to the last complete line (a killed writer may leave a partial one).
    var completeLength: UInt64
    /// Rows (lines after the header).
    var rows: Int
  }

  /// Scans `path`; nil when the file does not exist. Lines without a run id are located errors.
  /// `row` sees every row (its id and bytes) in file order.
  static func scan(
    _ path: String, grouping: Grouping, row: (Int, ArraySlice<UInt8>) -> Void = { _, _ in }
  ) throws(PathwayError) -> Layout? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let reader = try LineReader(path: path)
    guard let first = reader.next() else { return Layout(header: "", segments: [], completeLength: 0, rows: 0) }
    var segments: [Range<UInt64>] = []
    var segmentStart = reader.offset
    var previous: Int? = nil
    var lineNumber = 1
    while let line = reader.next() {
      lineNumber += 1
      guard let id = RunsTable.runID(line.bytes) else {
        throw PathwayError(
          .invalidInput, at: SourceLocation(file: path, line: lineNumber, column: 1),
          "not a row of a sweep: '\(String(decoding: line.bytes.prefix(60), as: UTF8.self))'")
      }
      if let previous, grouping == .line ? id <= previous : id < previous {
        segments.append(segmentStart..<line.start)
        segmentStart = line.start
      }
      previous = id
      row(id, line.bytes)
    }
    if reader.offset > segmentStart { segments.append(segmentStart..<reader.offset) }
    return Layout(
      header: String(decoding: first.bytes, as: UTF8.self) + "\n", segments: segments, completeLength: reader.offset,
      rows: lineNumber - 1)
  }

  /// Reads the segments of `sources` in parallel and calls `body` once per run id, in increasing
  /// order, with every record of that id.
  static func merge(
    _ sources: [(path: String, range: Range<UInt64>)], grouping: Grouping, _ body: (Int, Group) throws(PathwayError) -> Void
  ) throws(PathwayError) {
    var streams: [RecordStream] = []
    for source in sources {
      streams.append(RecordStream(try LineReader(path: source.path, range: source.range), grouping: grouping))
    }
    var heads = streams.map { $0.next() }
    while true {
      var smallest: Int? = nil
      for head in heads { if let head, smallest == nil || head.id < smallest! { smallest = head.id } }
      guard let id = smallest else { return }
      var group: Group = []
      for s in 0..<streams.count {
        while let head = heads[s], head.id == id {
          group.append((s, head.bytes))
          heads[s] = streams[s].next()
          if grouping == .run { break }
        }
      }
      try body(id, group)
    }
  }

  /// Rewrites `path` as one sorted segment. For each run id, `choose` picks the bytes to keep
  /// from the candidates (nil: drop the id); `expected` lists, in increasing order, ids that
  /// must appear, and `fill` gives the text for an expected id no segment holds.
  static func compact(
    _ path: String, layout: Layout, grouping: Grouping, expected: StrideTo<Int>?,
    fill: (Int) -> String?, choose: (Int, Group) -> [UInt8]?
  ) throws(PathwayError) {
    let output = try OutputFile(path: path)
    try output.write(layout.header)
    var expectedIterator = expected?.makeIterator()
    var nextExpected = expectedIterator?.next()
    func fillUpTo(_ id: Int?) throws(PathwayError) {
      while let e = nextExpected, id == nil || e < id! {
        if let text = fill(e) { try output.write(text) }
        nextExpected = expectedIterator?.next()
      }
      if let id, nextExpected == id { nextExpected = expectedIterator?.next() }
    }
    try merge(layout.segments.map { (path, $0) }, grouping: grouping) { (id, group) throws(PathwayError) in
      try fillUpTo(id)
      if let bytes = choose(id, group) { try output.write(bytes: bytes) }
    }
    try fillUpTo(nil)
    try output.commit()
  }
}

/// Lines of a byte range of a file, read in 64 KiB blocks.
final class LineReader {
  private let descriptor: Int32
  private let end: UInt64
  private var storage: UnsafeMutablePointer<UInt8>
  private var capacity = 1 << 17
  /// Unread bytes are storage[position..<count].
  private var position = 0
  private var count = 0
  /// The file offset just after the last line returned.
  private(set) var offset: UInt64
  private var readOffset: UInt64
  private var exhausted = false

  init(path: String, range: Range<UInt64>? = nil) throws(PathwayError) {
    descriptor = open(path, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 {
      let code = errno
      throw PathwayError(code == ENOENT ? .missingInput : .invalidInput, "\(path): cannot read: \(String(cString: strerror(code)))")
    }
    offset = range?.lowerBound ?? 0
    readOffset = offset
    end = range?.upperBound ?? UInt64.max
    storage = .allocate(capacity: capacity)
  }

  deinit {
    close(descriptor)
    storage.deallocate()
  }

  /// The next complete line (without its newline) and its start offset; nil at the end. A last
  /// line without a newline is not returned: a killed writer left it unfinished.
  func next() -> (bytes: ArraySlice<UInt8>, start: UInt64)? {
    while true {
      if count > position, let found = memchr(storage + position, Int32(UInt8(ascii: "\n")), count - position) {
        let length = found.assumingMemoryBound(to: UInt8.self) - (storage + position)
        let line = ArraySlice(UnsafeBufferPointer(start: storage + position, count: length))
        let start = offset
        offset += UInt64(length + 1)
        position += length + 1
        return (line, start)
      }
      if exhausted { return nil }
      // Keep the unread tail, grow when a line is longer than the buffer, read more.
      if position > 0 {
        if count > position { memmove(storage, storage + position, count - position) }
        count -= position
        position = 0
      }
      if count == capacity {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: storage, count: count)
        storage.deallocate()
        storage = larger
        capacity *= 2
      }
      let want = Int(min(UInt64(capacity - count), end - readOffset))
      let got = want == 0 ? 0 : pread(descriptor, storage + count, want, off_t(readOffset))
      if got <= 0 {
        exhausted = true
        continue
      }
      count += got
      readOffset += UInt64(got)
    }
  }
}

/// The records of one segment.
private final class RecordStream {
  let reader: LineReader
  let grouping: RecordFile.Grouping
  private var pending: (id: Int, bytes: ArraySlice<UInt8>)?

  init(_ reader: LineReader, grouping: RecordFile.Grouping) {
    self.reader = reader
    self.grouping = grouping
  }

  private func line() -> (id: Int, bytes: ArraySlice<UInt8>)? {
    if let pending {
      self.pending = nil
      return pending
    }
    while let line = reader.next() {
      if let id = RunsTable.runID(line.bytes) { return (id, line.bytes) }
    }
    return nil
  }

  func next() -> (id: Int, bytes: [UInt8])? {
    guard let first = line() else { return nil }
    var bytes = [UInt8](first.bytes)
    bytes.append(UInt8(ascii: "\n"))
    guard grouping == .run else { return (first.id, bytes) }
    while let more = line() {
      if more.id != first.id {
        pending = more
        break
      }
      bytes.append(contentsOf: more.bytes)
      bytes.append(UInt8(ascii: "\n"))
    }
    return (first.id, bytes)
  }
}
