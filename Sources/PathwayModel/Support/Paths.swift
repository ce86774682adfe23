/// Path splitting on `/`, without Foundation's `NSString` path methods (which trap on some
/// inputs such as `"."` on Linux).
public enum Paths {
  /// The folder part of `path` ("" when there is none): `a/b/c.csv` → `a/b`, `/x` → `/`.
  /// The file `name` in the folder of `path` (`./name` for a path without a folder).
  public static func sibling(_ name: String, of path: String) -> String {
    let folder = directory(of: path)
    return (folder.isEmpty ? "." : folder) + "/" + name
  }

  public static func directory(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    if slash == trimmed.startIndex { return "/" }
    return String(trimmed[..<slash])
  }

  /// The last component of `path`: `a/b/c.csv` → `c.csv`.
  public static func lastComponent(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
    return String(trimmed[trimmed.index(after: slash)...])
  }

  /// The last component without its extension: `a/b/c.tar.csv` → `c.tar`.
  public static func stem(of path: String) -> String {
    let name = lastComponent(of: path)
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
    return String(name[..<dot])
  }
}
