/// A kernel fault as the host runtime reports it (PtoKernelFault in
/// pto_runtime_c_api.h; its offsets are pinned by static_asserts there).
public struct KernelFault: Sendable, Equatable {
    public var taskId: Int32
    public var funcId: Int32
    public var workerId: Int32
    public var signal: Int32
    /// The faulting instruction lies in the kernel's own object.
    public var inKernelObject: Bool
    /// SIGSEGV/SIGBUS: whether the instruction read or wrote the address.
    public enum Access: Int32, Sendable { case unknown = 0, read = 1, write = 2 }
    public var access: Access
    /// The address lies just under the worker thread's stack: a stack overflow.
    public var stackOverflow: Bool
    /// Instruction address minus its object's load address.
    public var pcOffset: UInt64
    public var faultAddress: UInt64
    public var signalName: String
    public var objectPath: String

    static let cLayoutSize = 312

    init(cLayout bytes: UnsafeRawBufferPointer) {
        func int32(_ offset: Int) -> Int32 { bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
        func uint64(_ offset: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        func text(_ offset: Int, _ length: Int) -> String {
            let field = bytes[offset..<offset + length]
            return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
        }
        taskId = int32(0)
        funcId = int32(4)
        workerId = int32(8)
        signal = int32(12)
        inKernelObject = int32(16) != 0
        access = Access(rawValue: int32(20) & 3) ?? .unknown
        stackOverflow = int32(20) & 4 != 0
        pcOffset = uint64(24)
        faultAddress = uint64(32)
        signalName = text(40, 16)
        objectPath = text(56, 256)
    }
}
