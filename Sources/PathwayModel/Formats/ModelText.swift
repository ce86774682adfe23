/// A model written in some format, with what the conversion had to leave out or change (for
/// the user, on stderr): renamed ids, dropped perturbations, an equilibration step.
public struct ModelText: Sendable {
  public var text: String
  public var notes: [String]
}
