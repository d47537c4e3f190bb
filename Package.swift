// swift-tools-version:6.0
// Swift tools of the PTO runtime: the dlopen binding of the host runtime,
// the example runner library, and the pto-run command.
import PackageDescription

let package = Package(
    name: "pto-tools",
    products: [
        .executable(name: "pto-run", targets: ["pto-run"]),
        .library(name: "PTORuntime", targets: ["PTORuntime"]),
        .library(name: "PTOExample", targets: ["PTOExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .target(name: "PTORuntime", path: "src/PTORuntime"),
        .target(name: "PTOExample", dependencies: ["PTORuntime"], path: "src/PTOExample"),
        .executableTarget(
            name: "pto-run",
            dependencies: [
                "PTOExample",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "src/pto-run"
        ),
        .testTarget(
            name: "PTOToolsTests",
            dependencies: ["PTOExample", "PTORuntime"],
            path: "tests/swift/PTOToolsTests"
        ),
    ]
)
