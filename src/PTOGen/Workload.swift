import Foundation

/// A workload description, format version 1 (schema: workload.schema.json
/// beside this file). Everything a generated example computes comes from here.
public struct Workload: Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case float32, float16
        var cType: String { self == .float32 ? "float" : "_Float16" }
        var numpy: String { self == .float32 ? "np.float32" : "np.float16" }
        var size: Int { self == .float32 ? 4 : 2 }
        var short: String { self == .float32 ? "f32" : "f16" }
    }

    public enum Role: String, Sendable { case input, output, temporary }

    public struct Tensor: Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: DType
        public var role: Role
        public var count: Int { shape.reduce(1, *) }
    }

    public enum Op: String, Sendable, CaseIterable {
        case add, sub, mul, div, max, min, exp, rsqrt, neg, abs
        var isUnary: Bool { [.exp, .rsqrt, .neg, .abs].contains(self) }
    }

    public struct Kernel: Sendable {
        public var name: String
        public var op: Op
        /// Binary ops with a scalar second operand.
        public var scalar: Double?
        public var coreType: String  // "aiv" or "aic"
        public var inputCount: Int { op.isUnary || scalar != nil ? 1 : 2 }
    }

    public struct Call: Sendable {
        public var kernel: Int
        public var inputs: [Int]
        public var output: Int
        public var location: String
    }

    public indirect enum Form: Sendable {
        case call(Call)
        case sequential([Form])
        case combine([Form])
        case parallelFor(dim: Int, tiles: Int, body: Form, location: String)
    }

    public var name: String
    public var tensors: [Tensor]
    public var kernels: [Kernel]
    public var program: Form

    public static let version = 1
}

/// Why a workload was not accepted: the first unsupported or invalid
/// feature, with where it is in the file (a JSON path).
public struct WorkloadError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var location: String
    public var message: String
    public var description: String { "\(file): \(location): \(message)" }
}
