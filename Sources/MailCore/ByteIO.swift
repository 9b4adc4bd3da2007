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

/// A readable stream of bytes (an attachment's content). `read` returns 0 at the end.
public protocol ByteSource {
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Opens the content of an attachment. MailCore does not touch the file system: the caller
/// (Store's file opener, or a test's in-memory one) provides the bytes.
public protocol AttachmentOpener {
    func open(_ attachment: Attachment) throws -> any ByteSource
}

/// An in-memory sink, for tests and for small messages such as `--dry-run` of short mail.
public struct MemorySink: ByteSink, Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func write(_ buffer: UnsafeRawBufferPointer) throws {
        bytes.append(contentsOf: buffer)
    }
}

/// An in-memory source over a byte array.
public struct MemorySource: ByteSource, Sendable {
    private let bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
