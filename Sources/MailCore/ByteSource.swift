/// A readable stream of bytes (an attachment's content). `read` returns 0 at the end.
public protocol ByteSource {
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Opens the content of an attachment. MailCore does not touch the file system: the caller
/// (Store's file opener, or a test's in-memory one) provides the bytes.
public protocol AttachmentOpener {
    func open(_ attachment: Attachment) throws -> any ByteSource
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
