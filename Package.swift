// swift-tools-version:6.0
// Swift tools of the PTO runtime: the dlopen binding of the host runtime,
// the example runner library, and the pto-run command.
import PackageDescription

let package = Package(
    name: "pto-tools",
    products: [
        .executable(name: "pto-run", targets: ["pto-run"]),
        .executable(name: "pto-elf", targets: ["pto-elf"]),
        .executable(name: "pto-gen", targets: ["pto-gen"]),
        .library(name: "PTOElf", targets: ["PTOElf"]),
        .library(name: "PTORuntime", targets: ["PTORuntime"]),
        .library(name: "PTOExample", targets: ["PTOExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CElf", path: "src/CElf", pkgConfig: "libdw",
            providers: [.apt(["libelf-dev", "libdw-dev"])]),
        .target(name: "PTOElf", dependencies: ["CElf"], path: "src/PTOElf"),
        .target(name: "PTORuntime", path: "src/PTORuntime"),
        .target(name: "PTOGen", path: "src/PTOGen", exclude: ["workload.schema.json"]),
        .executableTarget(
            name: "pto-gen",
            dependencies: ["PTOGen", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "src/pto-gen"
        ),
        // Optimised in debug builds too: it compares outputs of up to
        // gigabytes element by element (2^28 float32 in about a second
        // optimised, over two minutes unoptimised).
        .target(
            name: "PTOExample", dependencies: ["PTORuntime", "PTOElf"], path: "src/PTOExample",
            swiftSettings: [.unsafeFlags(["-O"])]),
        .executableTarget(
            name: "pto-run",
            dependencies: [
                "PTOExample",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "src/pto-run"
        ),
        .executableTarget(
            name: "pto-elf",
            dependencies: ["PTOElf", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "src/pto-elf"
        ),
        .testTarget(
            name: "PTOToolsTests",
            dependencies: ["PTOExample", "PTORuntime", "PTOElf"],
            path: "tests/swift/PTOToolsTests"
        ),
    ]
)
