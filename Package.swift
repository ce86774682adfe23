// swift-tools-version:6.0
//
// PathwayModel: signalling-pathway networks as Boolean networks and ODEs,
// integrated by GSL's gsl_odeiv2 steppers. `simulate` is the command line.

import PackageDescription

let package = Package(
  name: "PathwayModel",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "PathwayModel", targets: ["PathwayModel"]),
    .executable(name: "simulate", targets: ["simulate"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    // MARK: - Implementation details

    /// GSL, found through pkg-config. Only `PathwayModel/ODE/Internals` imports it.
    .systemLibrary(
      name: "CGSL",
      pkgConfig: "gsl",
      providers: [.apt(["libgsl-dev"]), .brew(["gsl"])]
    ),

    // MARK: - Public API

    .target(
      name: "PathwayModel",
      dependencies: ["CGSL", .product(name: "Yams", package: "Yams")],
      swiftSettings: [
        .define("ENABLE_FAULT_INJECTION", .when(configuration: .debug)),
      ]
    ),
    .executableTarget(
      name: "simulate",
      dependencies: [
        "PathwayModel",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Benchmarks (release builds only; never run as tests)

    .executableTarget(
      name: "pathway-bench",
      dependencies: ["PathwayModel"],
      path: "Benchmarks/pathway-bench"
    ),

    // MARK: - Unit test bundles

    .testTarget(
      name: "PathwayModelTests",
      dependencies: ["PathwayModel"],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(
      name: "SimulateCLITests",
      dependencies: ["PathwayModel"]
    ),
  ]
)
