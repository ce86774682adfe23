import Foundation

/// The units an SBML model declares, written as short labels (`mol/L`, `nmol`, `1/s`, `min`) for
/// the manifest's columns and the axes of figures. Units are read for documentation only: rates
/// are integrated as written, and nothing is converted. A unit the model does not declare is nil,
/// never guessed (Level 3 has no default units; Level 2's built-ins `substance`, `time`, `volume`,
/// `area` and `length` are mole, second, litre, square metre and metre unless redefined).
struct SBMLUnits {
  private var definitions: [String: String] = [:]
  private let level: Int
  private let model: XMLNode

  init(model: XMLNode, level: Int) {
    self.level = level
    self.model = model
    for definition in model.list("listOfUnitDefinitions", "unitDefinition") {
      guard let id = definition.attributes["id"] else { continue }
      let units = definition.list("listOfUnits", "unit").compactMap(Self.factor)
      if let label = Self.label(units) { definitions[id] = label }
    }
  }

  /// The label of a unit reference: a unit definition's id, or a base unit kind.
  func label(_ reference: String?) -> String? {
    guard let reference, !reference.isEmpty else { return nil }
    if let defined = definitions[reference] { return defined }
    if let base = Self.symbols[reference] { return base.isEmpty ? "dimensionless" : base }
    if level == 2, let builtIn = Self.levelTwoBuiltIns[reference] { return builtIn }
    return nil
  }

  /// The model-wide unit of `attribute` (Level 3: `timeUnits`, `substanceUnits`, …; Level 2: the
  /// built-in unit of that name, `time`, `substance`, …, possibly redefined).
  func modelUnit(_ attribute: String) -> String? {
    if level >= 3 { return label(model.attributes[attribute]) }
    let builtIn = String(attribute.dropLast("Units".count))
    return label(builtIn)
  }

  /// The unit of time.
  var time: String? { modelUnit("timeUnits") }

  /// The unit of a compartment's size: its `units`, else the model's unit for its dimensions.
  func compartment(_ node: XMLNode, dimensions: Double) -> String? {
    if let own = label(node.attributes["units"]) { return own }
    switch dimensions {
    case 3: return modelUnit("volumeUnits")
    case 2: return modelUnit("areaUnits")
    case 1: return modelUnit("lengthUnits")
    default: return nil
    }
  }

  /// The unit of a species' amount: its `substanceUnits`, else the model's.
  func substance(_ node: XMLNode) -> String? {
    label(node.attributes["substanceUnits"]) ?? modelUnit("substanceUnits")
  }

  /// The unit of a reaction's rate: extent per time (Level 2: substance per time).
  var reactionRate: String? {
    guard let extent = level >= 3 ? modelUnit("extentUnits") : modelUnit("substanceUnits"), let time else { return nil }
    return Self.quotient(extent, time)
  }

  /// `numerator/denominator`, parenthesised where needed; nil when either is unknown.
  static func quotient(_ numerator: String?, _ denominator: String?) -> String? {
    guard let numerator, let denominator else { return nil }
    if denominator == "dimensionless" { return numerator }
    let top = numerator == "dimensionless" ? "1" : numerator
    let bottom = denominator.contains("/") || denominator.contains("·") ? "(\(denominator))" : denominator
    return "\(top)/\(bottom)"
  }

  // MARK: - Formatting

  private struct Factor {
    var symbol: String
    var exponent: Double
    var scale: Int
    var multiplier: Double
  }

  private static func factor(_ unit: XMLNode) -> Factor? {
    guard let kind = unit.attributes["kind"] else { return nil }
    let exponent = unit.attributes["exponent"].flatMap(Double.init) ?? 1
    let scale = unit.attributes["scale"].flatMap(Int.init) ?? 0
    let multiplier = unit.attributes["multiplier"].flatMap(Double.init) ?? 1
    return Factor(symbol: symbols[kind] ?? kind, exponent: exponent, scale: scale, multiplier: multiplier)
  }

  /// One factor with a positive exponent: `nmol`, `min`, `m²`, `(60 s)`.
  private static func term(_ f: Factor, exponent: Double) -> String {
    var f = f
    if f.symbol == "kg" && f.scale != 0 {
      f.symbol = "g"
      f.scale += 3
    }
    var base = f.symbol
    if f.multiplier == 1, let prefix = prefixes[f.scale], !base.isEmpty {
      base = prefix + base
    } else if f.symbol == "s", f.scale == 0, let named = timeMultiples[f.multiplier] {
      base = named
    } else {
      var factor = formatNumber(f.multiplier * pow(10, Double(f.scale)))
      if factor.contains("e") { factor = factor.replacingOccurrences(of: "e", with: "×10^") }
      base = base.isEmpty ? factor : "(\(factor) \(base))"
    }
    if exponent == 1 { return base }
    if exponent == 2 { return base + "²" }
    if exponent == 3 { return base + "³" }
    return base + "^" + formatNumber(exponent)
  }

  private static func label(_ factors: [Factor]) -> String? {
    guard !factors.isEmpty else { return nil }
    let numerator = factors.filter { $0.exponent > 0 && !($0.symbol.isEmpty && $0.multiplier == 1 && $0.scale == 0) }
    let denominator = factors.filter { $0.exponent < 0 }
    let top = numerator.map { term($0, exponent: $0.exponent) }.joined(separator: "·")
    let bottomTerms = denominator.map { term($0, exponent: -$0.exponent) }
    if bottomTerms.isEmpty { return top.isEmpty ? "dimensionless" : top }
    let bottom = bottomTerms.count == 1 ? bottomTerms[0] : "(" + bottomTerms.joined(separator: "·") + ")"
    return (top.isEmpty ? "1" : top) + "/" + bottom
  }

  /// SBML's base unit kinds and their symbols ("" for dimensionless).
  private static let symbols: [String: String] = [
    "ampere": "A", "avogadro": "avogadro", "becquerel": "Bq", "candela": "cd", "celsius": "°C", "coulomb": "C",
    "dimensionless": "", "farad": "F", "gram": "g", "gray": "Gy", "henry": "H", "hertz": "Hz", "item": "item",
    "joule": "J", "katal": "kat", "kelvin": "K", "kilogram": "kg", "litre": "L", "liter": "L", "lumen": "lm",
    "lux": "lx", "metre": "m", "meter": "m", "mole": "mol", "newton": "N", "ohm": "Ω", "pascal": "Pa",
    "radian": "rad", "second": "s", "siemens": "S", "sievert": "Sv", "steradian": "sr", "tesla": "T", "volt": "V",
    "watt": "W", "weber": "Wb",
  ]

  private static let prefixes: [Int: String] = [
    -18: "a", -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", -2: "c", -1: "d", 0: "", 3: "k", 6: "M", 9: "G",
  ]

  private static let timeMultiples: [Double: String] = [60: "min", 3600: "h", 86400: "d"]

  private static let levelTwoBuiltIns: [String: String] = [
    "substance": "mol", "time": "s", "volume": "L", "area": "m²", "length": "m",
  ]
}
