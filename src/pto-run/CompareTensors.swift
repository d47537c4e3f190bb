import ArgumentParser
import Foundation
import PTOExample

/// Compares two .npy files the way a run compares an output with its golden:
/// for dumps a user made, and for timing the comparison (make bench).
struct CompareTensors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two .npy files as pto-run compares an output with its golden.",
        discussion: """
            Floating types: |actual - expected| <= atol + rtol * |expected| (numpy.allclose); \
            integers and booleans: exactly. Exit 0 when they match, 1 when not, 2 on bad input.
            """)

    @Argument(help: "The .npy file with the values to check.")
    var actual: String

    @Argument(help: "The .npy file with the expected values.")
    var expected: String

    @Option(help: "Relative tolerance (floating types).")
    var rtol: Double = 1e-5

    @Option(help: "Absolute tolerance (floating types).")
    var atol: Double = 1e-5

    @Flag(help: "A NaN matches a NaN expected there.")
    var equalNan = false

    func validate() throws {
        for (name, value) in [("--rtol", rtol), ("--atol", atol)] where !(value.isFinite && value >= 0) {
            throw ValidationError("\(name) \(value) is not a tolerance; give a finite number >= 0")
        }
    }

    func run() throws {
        try reportingRunnerErrors {
            let a = try NpyArray(contentsOf: actual)
            let e = try NpyArray(contentsOf: expected)
            let started = Date()
            var comparison = TensorComparison.compare(
                name: URL(fileURLWithPath: actual).lastPathComponent, actual: a, expected: e,
                tolerance: Tolerance(rtol: rtol, atol: atol, equalNaN: equalNan))
            comparison.equalNaNSetting = "--equal-nan is given"
            let seconds = Date().timeIntervalSince(started)
            let timing = String(format: "%.3f s", seconds)
            if comparison.passed {
                Console.out("PASS \(actual): \(comparison.elementCount) elements match (compared in \(timing))")
                return
            }
            comparison.report.forEach { Console.out($0) }
            Console.out("FAIL \(actual) (compared in \(timing))")
            throw ExitCode(1)
        }
    }
}
