import Foundation

/// The figures `simulate plot` draws.
public enum PlotKind: String, Sendable, Hashable, CaseIterable {
  /// Variables over time from run CSVs (wide or long), overlaid or in panels.
  case timecourse
  /// A metric of a sweep's runs.csv against one swept quantity.
  case doseResponse = "dose-response"
  /// A metric of a sweep's runs.csv over two swept quantities.
  case heatmap
  /// Boolean attractors: nodes × attractor states.
  case attractors
  /// A Boolean trajectory: nodes × steps.
  case raster
  /// Morris (μ*, σ) or Sobol (S1, ST) indices, or one-at-a-time changes (a tornado), from sensitivity.csv.
  case sensitivity
  /// Measured values against the fitted model, from `simulate fit`'s residuals.csv.
  case fit
  /// Profile likelihoods, from `simulate fit --profile`'s profiles.csv.
  case profile
}

/// How time courses share panels.
public enum PlotLayout: String, Sendable, Hashable, CaseIterable {
  /// Every series in one panel.
  case overlay
  /// One panel per variable; several inputs are series within each panel.
  case panels
  /// One panel per input file (scenario), side by side, with a shared value axis.
  case scenarios
}

/// What to draw (the options of `simulate plot`).
public struct PlotOptions: Sendable {
  public var kind: PlotKind?
  public var select: [String]?
  public var x: String?
  public var y: String?
  public var metric: String?
  public var logX = false
  public var logY = false
  public var layout: PlotLayout?
  public var title: String?

  public init(
    kind: PlotKind? = nil, select: [String]? = nil, x: String? = nil, y: String? = nil, metric: String? = nil,
    logX: Bool = false, logY: Bool = false, layout: PlotLayout? = nil, title: String? = nil
  ) {
    self.kind = kind
    self.select = select
    self.x = x
    self.y = y
    self.metric = metric
    self.logX = logX
    self.logY = logY
    self.layout = layout
    self.title = title
  }
}

/// A drawn figure: the SVG text, the kind it was drawn as, and warnings for stderr (values a log
/// axis cannot show, failed runs, …).
public struct PlotResult: Sendable {
  public var svg: String
  public var kind: PlotKind
  public var warnings: [Diagnostic]
}

/// Draws SVG figures from the files `simulate` writes.
public enum Plotter {
  /// Reads `inputs`, infers the kind when `options.kind` is nil, and draws the figure.
  ///
  /// Errors: a missing input exits 66; a malformed or non-numeric CSV, or one without a column
  /// the figure needs, exits 65 with `file:line:column`; options that do not fit the kind or
  /// the input exit 64.
  public static func plot(_ inputs: [String], options: PlotOptions) throws(PathwayError) -> PlotResult {
    guard !inputs.isEmpty else { throw PathwayError(.usage, "give at least one input file") }
    var loaded: [PlotInputFile] = []
    for path in inputs { loaded.append(try PlotInputFile(path: path)) }
    let kind: PlotKind
    if let given = options.kind { kind = given } else { kind = try inferKind(loaded, options: options) }
    try checkOptions(options, kind: kind, inputCount: inputs.count)
    var warnings: [Diagnostic] = []
    var metadata = PlotMetadata.Reader()
    let svg: String
    switch kind {
    case .timecourse:
      let files = try loaded.map { (input) throws(PathwayError) -> TimeCourseInput in
        try TimeCourseInput(table: input.table(for: kind), metadata: metadata.metadata(for: input.path))
      }
      svg = try TimeCoursePlot.render(files, options: options, warnings: &warnings)
    case .doseResponse:
      let input = loaded[0]
      let runs = try SweepRunsInput(table: input.table(for: kind))
      svg = try SweepPlot.doseResponse(runs, metadata: metadata.metadata(for: input.path), options: options, warnings: &warnings)
    case .heatmap:
      let input = loaded[0]
      let runs = try SweepRunsInput(table: input.table(for: kind))
      svg = try SweepPlot.heatmap(runs, metadata: metadata.metadata(for: input.path), options: options, warnings: &warnings)
    case .attractors:
      let tables = try loaded.map { (input) throws(PathwayError) -> AttractorInput in
        if let table = input.csv { return try AttractorInput(csv: table) }
        return try AttractorInput(json: input.path)
      }
      svg = try BooleanPlot.attractors(tables, options: options, warnings: &warnings)
    case .raster:
      let input = loaded[0]
      let trajectory = try BooleanTrajectoryInput(table: input.table(for: kind))
      svg = try BooleanPlot.raster(trajectory, options: options)
    case .fit:
      svg = try FitPlot.render(loaded[0].table(for: kind), options: options, warnings: &warnings)
    case .profile:
      svg = try ProfilePlot.render(loaded[0].table(for: kind), options: options, warnings: &warnings)
    case .sensitivity:
      let input = loaded[0]
      let csv = try input.table(for: kind)
      if TornadoInput.matches(csv.header) {
        svg = try SensitivityPlot.tornado(TornadoInput(table: csv), options: options)
      } else {
        svg = try SensitivityPlot.render(SensitivityInput(table: csv), options: options)
      }
    }
    return PlotResult(svg: svg, kind: kind, warnings: warnings)
  }

  /// The kind one input implies, or nil when it could be several.
  static func kind(of input: PlotInputFile, options: PlotOptions) throws(PathwayError) -> PlotKind? {
    guard let table = input.csv else { return .attractors }
    let header = table.header
    if AttractorInput.isCSV(header) { return .attractors }
    if TimeCourseInput.isLong(header) { return .timecourse }
    // A step-by-step Boolean run: a raster of 0/1 states, or an ensemble's shares over steps.
    if BooleanTrajectoryInput.matches(header) { return BooleanTrajectoryInput.isBinary(table) ? .raster : .timecourse }
    if header.first == "time" { return .timecourse }
    if SensitivityInput.matches(header) || TornadoInput.matches(header) { return .sensitivity }
    if FitPlot.matches(header) { return .fit }
    if ProfilePlot.matches(header) { return .profile }
    if SweepRunsInput.matches(header) {
      let runs = try SweepRunsInput(table: table)
      if options.y != nil { return .heatmap }
      if options.x != nil || runs.swept.count == 1 { return .doseResponse }
      return nil
    }
    return nil
  }

  private static func inferKind(_ inputs: [PlotInputFile], options: PlotOptions) throws(PathwayError) -> PlotKind {
    var kinds: [PlotKind] = []
    for input in inputs {
      guard let kind = try kind(of: input, options: options) else {
        var notes = ["give --kind " + PlotKind.allCases.map(\.rawValue).joined(separator: "|")]
        if let table = input.csv, SweepRunsInput.matches(table.header) {
          notes = ["the runs sweep several quantities: --x Q for a dose-response, --x Q1 --y Q2 for a heat map"]
        }
        throw PathwayError(.usage, "\(input.path): cannot tell which figure to draw from this file", notes: notes)
      }
      kinds.append(kind)
    }
    guard Set(kinds).count == 1 else {
      throw PathwayError(
        .usage, "the inputs are of different kinds (" + zip(inputs, kinds).map { "\($0.path): \($1.rawValue)" }
          .joined(separator: ", ") + ")")
    }
    return kinds[0]
  }

  /// Rejects options that mean nothing for `kind` (exit 64), rather than ignoring them.
  private static func checkOptions(_ o: PlotOptions, kind: PlotKind, inputCount: Int) throws(PathwayError) {
    var unused: [String] = []
    let sweep = kind == .doseResponse || kind == .heatmap
    if o.x != nil && !sweep { unused.append("--x") }
    if o.y != nil && kind != .heatmap { unused.append("--y") }
    if o.metric != nil && !(sweep || kind == .sensitivity) { unused.append("--metric") }
    if o.select != nil && sweep { unused.append("--select") }
    if o.layout != nil && kind != .timecourse { unused.append("--layout") }
    if o.logX && !(kind == .timecourse || sweep || kind == .profile) { unused.append("--log-x") }
    if o.logY && !(kind == .timecourse || kind == .doseResponse || kind == .heatmap) { unused.append("--log-y") }
    if !unused.isEmpty {
      throw PathwayError(.usage, unused.joined(separator: ", ") + " cannot be used with a \(kind.rawValue) figure")
    }
    if inputCount > 1 && !(kind == .timecourse || kind == .attractors) {
      throw PathwayError(.usage, "a \(kind.rawValue) figure is drawn from one input file (given \(inputCount))")
    }
    if kind == .heatmap && (o.x == nil) != (o.y == nil) {
      throw PathwayError(.usage, "a heat map needs both --x and --y (or neither, when the runs sweep exactly two quantities)")
    }
  }
}

/// An input file, read once: CSV parsed into a table, JSON left for its reader.
struct PlotInputFile {
  var path: String
  var csv: CSVTable?

  /// A table read already.
  init(csv: CSVTable) {
    path = csv.file
    self.csv = csv
  }

  init(path: String) throws(PathwayError) {
    self.path = path
    let data = try InputFile.readData(path)
    let firstByte = data.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF })
    if firstByte == UInt8(ascii: "{") {
      csv = nil
    } else {
      csv = try CSVTable.read(path: path)
    }
  }

  /// The CSV table, or an error when the input is JSON.
  func table(for kind: PlotKind) throws(PathwayError) -> CSVTable {
    guard let csv else {
      throw PathwayError(
        .invalidInput, at: SourceLocation(file: path, line: 1, column: 1),
        "a \(kind.rawValue) figure is drawn from a CSV file, not JSON")
    }
    return csv
  }
}
