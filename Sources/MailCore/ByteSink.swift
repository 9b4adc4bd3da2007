/// Where the MIME writer puts bytes. Implemented by the Store module (a spool file) and by tests
/// (memory). The writer calls `write` with chunks; the sink decides when to flush.
public protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    /// Writes the UTF-8 bytes of an ASCII or UTF-8 string.
    public mutating func write(_ string: String) throws {
        var copy = string
        try copy.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// An in-memory sink, for tests and for small messages such as `--dry-run` of short mail.
public struct MemorySink: ByteSink, Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func write(_ buffer: UnsafeRawBufferPointer) throws {
        bytes.append(contentsOf: buffer)
    }
}
