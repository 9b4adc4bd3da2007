#if canImport(Glibc)
    import Glibc
#endif
import CCrypto
import MailCore
import Store

/// A SHA-256 digest computed piece by piece (OpenSSL's libcrypto through the CCrypto shim),
/// so that files of any size are fingerprinted without being held in memory.
///
///     let hasher = SHA256Hasher()
///     hasher.update(chunk)            // as often as needed
///     let hex = hasher.finalize()     // "e3b0c442…" (lowercase)
///
/// After `finalize()` the hasher starts over, ready for new data.
public final class SHA256Hasher {
    private var context: OpaquePointer

    public init() {
        context = Self.newContext()
    }

    deinit { ccrypto_sha256_free(context) }

    private static func newContext() -> OpaquePointer {
        guard let context = ccrypto_sha256_new() else {
            fatalError("OpenSSL could not create a SHA-256 context (out of memory)")
        }
        return context
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard ccrypto_sha256_update(context, base, bytes.count) == 1 else {
            fatalError("OpenSSL SHA-256 update failed")
        }
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func update(_ text: String) {
        var copy = text
        copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The digest of everything fed so far, as 64 lowercase hex digits.
    public func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = digest.withUnsafeMutableBufferPointer { ccrypto_sha256_final(context, $0.baseAddress) }
        guard ok == 1 else { fatalError("OpenSSL SHA-256 finalisation failed") }
        ccrypto_sha256_free(context)
        context = Self.newContext()
        return hexString(digest)
    }

    /// The digest of `bytes` in one call.
    public static func hex(_ bytes: [UInt8]) -> String {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of a file, read in 256 KiB pieces (never whole).
    public static func hex(ofFile path: String) throws(FileError) -> String {
        let reader = try RandomAccessFile(path: path)
        let hasher = SHA256Hasher()
        try reader.stream(chunkSize: AttachmentInspector.hashChunk) { hasher.update($0) }
        return hasher.finalize()
    }
}

extension SHA256Hasher {
    /// The digest of `count` bytes of a file from `offset` (a frozen message after its Bcc
    /// header), read in 1 MiB pieces. Nil when the file has fewer bytes there than `count`.
    public static func hex(ofFile path: String, from offset: Int64, count: Int64) throws(FileError) -> String? {
        let reader = try RandomAccessFile(path: path)
        guard offset >= 0, count >= 0, offset <= reader.size, count <= reader.size - offset else { return nil }
        let hasher = SHA256Hasher()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < count {
            let wanted = Int(min(Int64(chunk), count - done))
            let n = try reader.read(at: offset + done, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
            if n == 0 { return nil }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            done += Int64(n)
        }
        return hasher.finalize()
    }
}

/// A sink that passes everything on to `sink` and fingerprints it on the way: the digest of
/// exactly the bytes written, without reading them back.
public struct HashingSink<Sink: ByteSink>: ByteSink {
    public var sink: Sink
    public let hasher = SHA256Hasher()

    public init(_ sink: Sink) { self.sink = sink }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
        hasher.update(bytes)
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
