// swift-tools-version:6.0
//
// libFuzzer targets for PathwayModel's readers. Not part of the main package: `swift build` at the
// root never sees this folder. Built and run by `scripts/fuzz.sh`, which passes
// `-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library` (libFuzzer supplies `main`).

import PackageDescription

let package = Package(
  name: "PathwayFuzz",
  dependencies: [
    .package(name: "PathwayModel", path: ".."),
  ],
  targets: [
    .executableTarget(
      name: "pathway-fuzz",
      dependencies: [.product(name: "PathwayModel", package: "PathwayModel")]
    ),
  ]
)
