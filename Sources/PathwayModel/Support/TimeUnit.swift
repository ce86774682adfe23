/// Time units that are multiples of the second, by the names models and expectations use for
/// them: how SBML states a model's time unit, and how `21 d` reads in a model counted in hours.
public enum TimeUnit {
  /// Seconds per unit, by name (`s`, `min`, `h`, `d`, `week` and their spelled-out forms).
  public static let seconds: [String: Double] = [
    "s": 1, "sec": 1, "second": 1, "seconds": 1, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400,
    "week": 604_800, "weeks": 604_800,
  ]
}
