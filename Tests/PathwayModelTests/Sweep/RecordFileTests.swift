import Foundation
import Testing

@testable import PathwayModel

@Suite("Sweep record files")
struct RecordFileTests {
  let table = RunsTable(dimensionNames: ["k"], metricNames: ["final(x)", "tcross(x,0.5)"])

  func temporaryFile(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "records-\(UUID().uuidString).csv"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("The header quotes metric names with commas; rows parse back")
  func header() {
    #expect(table.header == "run_id,shard,seed,k,status,final(x),\"tcross(x,0.5)\",steps,rhs_evals,wall_ms\n")
    #expect(RunsTable.fields(table.header.dropLast()).count == table.columns.count)
    var statistics = SolverStatistics()
    statistics.steps = 3
    statistics.rhsEvaluations = 9
    let record = RunRecord(
      run: 4, values: [0.5], seed: 11, status: .failed("nonfinite:x"), metrics: [1.5, .nan], statistics: statistics,
      wallSeconds: 0.0012345)
    let row = table.row(record, shard: 2, wallTime: true)
    #expect(row == "4,2,11,0.5,failed:nonfinite:x,1.5,,3,9,1.235\n")
    #expect(table.row(record, shard: 2, wallTime: false) == "4,2,11,0.5,failed:nonfinite:x,1.5,,3,9,\n")
    #expect(table.statusKind(Array(row.utf8)) == .failed)
    #expect(table.statusKind(Array("1,0,2,0.5,not_run,,,,,".utf8)) == .notRun)
    #expect(RunsTable.runID("12,0") == 12 && RunsTable.runID("x,0") == nil && RunsTable.runID("12") == nil)
  }

  @Test("Compaction merges resumed segments, keeps finished rows, fills gaps, drops a partial last line")
  func compaction() throws {
    let text = table.header
      + "0,0,1,0.1,ok,1,,1,1,\n"
      + "1,0,1,0.2,not_run,,,,,\n"
      + "3,0,1,0.4,ok,4,,1,1,\n"
      // a resumed session: run 1 again (now failed), then 4
      + "1,0,1,0.2,failed:max_steps,,,5,5,\n"
      + "4,0,1,0.5,ok,5,,1,1,\n"
      + "5,0,1,0.6,o"  // killed mid-write
    let path = try temporaryFile(text)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let layout = try #require(try RecordFile.scan(path, grouping: .line))
    #expect(layout.segments.count == 2)
    #expect(layout.header == table.header)
    try RecordFile.compact(
      path, layout: layout, grouping: .line, expected: stride(from: 0, to: 6, by: 1),
      fill: { "\($0),0,1,x,not_run,,,,,\n" }, choose: { _, group in SweepSession.preferred(group, table: table) })
    let result = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      result == table.header + "0,0,1,0.1,ok,1,,1,1,\n" + "1,0,1,0.2,failed:max_steps,,,5,5,\n" + "2,0,1,x,not_run,,,,,\n"
        + "3,0,1,0.4,ok,4,,1,1,\n" + "4,0,1,0.5,ok,5,,1,1,\n" + "5,0,1,x,not_run,,,,,\n")
  }

  @Test("Trajectory records group the lines of a run; the latest segment wins")
  func trajectories() throws {
    let text = RunsTable.trajectoryHeader + "0,0,x,1\n0,1,x,2\n2,0,x,1\n2,1,x,9\n" + "1,0,x,1\n1,1,x,3\n2,0,x,1\n2,1,x,2\n"
    let path = try temporaryFile(text)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let layout = try #require(try RecordFile.scan(path, grouping: .run))
    #expect(layout.segments.count == 2)
    try RecordFile.compact(path, layout: layout, grouping: .run, expected: nil, fill: { _ in nil }, choose: { $1.last?.bytes })
    #expect(
      try String(contentsOfFile: path, encoding: .utf8)
        == RunsTable.trajectoryHeader + "0,0,x,1\n0,1,x,2\n1,0,x,1\n1,1,x,3\n2,0,x,1\n2,1,x,2\n")
  }

  @Test("A row without a run id is a located error")
  func corrupt() throws {
    let path = try temporaryFile(table.header + "0,0,1,0.1,ok,1,,1,1,\nhello\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = pathwayError { _ = try RecordFile.scan(path, grouping: .line) }
    #expect(error?.diagnostics.first?.location?.line == 3)
  }
}
