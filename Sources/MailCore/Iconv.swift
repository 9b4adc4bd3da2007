#if canImport(Glibc)
    import Glibc
#endif

/// Character set conversion to UTF-8 through the C library's iconv (pure computation, no I/O),
/// for the legacy charsets found in mail: ISO-2022-JP, Shift_JIS/CP932, EUC-JP, GB18030, CP950,
/// CP949, UTF-16/32, ISO-8859-*, KOI8-R and whatever else glibc converts.
/// Public so that Bulk can read recipient files saved by Excel in Shift_JIS.
public enum Iconv {
    /// Whether iconv converts from `charset` to UTF-8.
    public static func knows(_ charset: String) -> Bool {
        guard let converter = iconv_open("UTF-8", charset), converter != iconv_t(bitPattern: -1) else { return false }
        iconv_close(converter)
        return true
    }

    /// The text, or nil when `charset` is unknown or the bytes are not valid in it.
    public static func decode(_ bytes: [UInt8], from charset: String) -> String? {
        let converter = iconv_open("UTF-8", charset)
        guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var unused = 0
        let ok: Bool = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                if iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) == -1 { return false }
                // Flush any shift state (ISO-2022-JP ends in ASCII mode).
                if iconv(converter, nil, nil, &outPointer, &outLeft) == -1 { return false }
                unused = outLeft
                return inLeft == 0
            }
        }
        guard ok else { return nil }
        return String(validating: output.dropLast(unused), as: UTF8.self)
    }
}
