import Foundation

/// Element types the runner passes to kernels and compares.
public enum ElementType: String, Sendable, Equatable {
    case float16 = "f2"
    case float32 = "f4"
    case float64 = "f8"
    case int8 = "i1"
    case int16 = "i2"
    case int32 = "i4"
    case int64 = "i8"
    case uint8 = "u1"
    case uint16 = "u2"
    case uint32 = "u4"
    case uint64 = "u8"
    case bool = "b1"
    /// numpy has none: a scene test's bfloat16 tensor comes as uint16 words
    /// and its manifest entry says what they are.
    case bfloat16 = "bf16"

    public var byteSize: Int { self == .bfloat16 ? 2 : Int(rawValue.dropFirst()) ?? 1 }
    public var isFloatingPoint: Bool { rawValue.hasPrefix("f") || self == .bfloat16 }

    /// Parses a numpy dtype string such as "<f4" or "|b1" (little endian or
    /// byte-order free only: that is what the host here is).
    public init?(numpyDescriptor: String) {
        guard let order = numpyDescriptor.first, "<|=".contains(order),
            let type = ElementType(rawValue: String(numpyDescriptor.dropFirst()))
        else { return nil }
        self = type
    }

    /// Element `index` of little-endian `bytes`, widened to Double.
    func value(in bytes: UnsafeRawBufferPointer, at index: Int) -> Double {
        let offset = index * byteSize
        switch self {
        case .float16:
            return Double(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .float32:
            return Double(bytes.loadUnaligned(fromByteOffset: offset, as: Float.self))
        case .float64: return bytes.loadUnaligned(fromByteOffset: offset, as: Double.self)
        case .int8: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: Int8.self))
        case .int16: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self))
        case .int32: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
        case .int64: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        case .uint8: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
        case .uint16: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        case .uint32: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        case .uint64: return Double(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        case .bool: return bytes[offset] == 0 ? 0 : 1
        case .bfloat16: return Double(Self.bfloat16Value(bytes, at: offset))
        }
    }

    /// A bfloat16 word's value: the high half of a float32.
    static func bfloat16Value(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Float {
        Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) << 16)
    }
}

/// A tensor read from a .npy file (format versions 1 to 3, C order).
public struct NpyArray: Equatable, Sendable {
    public var elementType: ElementType
    public var shape: [Int]
    public var data: [UInt8]

    public var elementCount: Int { shape.reduce(1, *) }

    public init(elementType: ElementType, shape: [Int], data: [UInt8]) {
        self.elementType = elementType
        self.shape = shape
        self.data = data
    }

    /// The array as a .npy file (format 1.0; bfloat16 as its uint16 words).
    public var npyBytes: [UInt8] {
        let code = elementType == .bfloat16 ? "u2" : elementType.rawValue
        let order = elementType.byteSize == 1 ? "|" : "<"
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(order)\(code)', 'fortran_order': False, 'shape': (\(dims)), }"
        // Magic, version and length take 10 bytes; the whole header ends
        // with a newline on a 64-byte boundary.
        let padding = (64 - (10 + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            + Array(header.utf8) + data
    }

    public init(contentsOf path: String) throws(RunnerError) {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw .readFile(path: path, reason: "no such file or not readable")
        }
        try self.init(npyBytes: [UInt8](bytes), path: path)
    }

    public init(npyBytes bytes: [UInt8], path: String) throws(RunnerError) {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw .npy(path: path, reason: "missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .npy(path: path, reason: "truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw .npy(path: path, reason: "format version \(major) is not supported")
        }
        guard headerStart + headerLength <= bytes.count,
            let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8)
        else { throw .npy(path: path, reason: "truncated header") }

        let fields = try NpyHeader.parse(header, path: path)
        guard let type = ElementType(numpyDescriptor: fields.descr) else {
            let hint =
                fields.descr.hasPrefix(">")
                ? "big-endian; save it little-endian, e.g. np.save(path, array.astype(array.dtype.newbyteorder('<')))"
                : "use float16/32/64, (u)int8/16/32/64 or bool"
            throw .npy(path: path, reason: "dtype '\(fields.descr)' is not supported (\(hint))")
        }
        guard !fields.fortranOrder else {
            throw .npy(path: path, reason: "Fortran-ordered arrays are not supported")
        }
        let payload = bytes[(headerStart + headerLength)...]
        let expected = fields.shape.reduce(1, *) * type.byteSize
        guard payload.count == expected else {
            throw .npy(
                path: path,
                reason: "holds \(payload.count) data bytes, shape \(fields.shape) needs \(expected)")
        }
        self.init(elementType: type, shape: fields.shape, data: Array(payload))
    }
}

/// The Python-literal dictionary in a .npy header, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (128, 128), }
enum NpyHeader {
    struct Fields {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    static func parse(_ header: String, path: String) throws(RunnerError) -> Fields {
        guard let descr = quotedValue(of: "descr", in: header) else {
            throw .npy(path: path, reason: "header has no 'descr'")
        }
        let fortran = header.range(of: "'fortran_order': True") != nil
        guard let open = header.range(of: "'shape': ("),
            let close = header[open.upperBound...].firstIndex(of: ")")
        else { throw .npy(path: path, reason: "header has no 'shape'") }
        var shape: [Int] = []
        for part in header[open.upperBound..<close].split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let dim = Int(text), dim >= 0 else {
                throw .npy(path: path, reason: "shape entry '\(text)' is not a size")
            }
            shape.append(dim)
        }
        return Fields(descr: descr, fortranOrder: fortran, shape: shape)
    }

    private static func quotedValue(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...]
        guard let start = rest.firstIndex(of: "'") else { return nil }
        let afterStart = rest.index(after: start)
        guard let end = rest[afterStart...].firstIndex(of: "'") else { return nil }
        return String(rest[afterStart..<end])
    }
}
