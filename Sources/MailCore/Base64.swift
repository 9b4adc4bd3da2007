/// Base64 (RFC 2045 §6.8) written in 76-character lines with CRLF, fast enough that encoding a
/// 100 MiB attachment costs about as much as copying it.
public enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Bytes of input that make one full 76-character line.
    public static let bytesPerLine = 57

    /// The encoded size, with CRLF after every line (including the last, shorter one).
    public static func encodedLineSize(_ inputCount: Int) -> Int {
        let chars = (inputCount + 2) / 3 * 4
        let lines = (chars + 75) / 76
        return chars + lines * 2
    }

    /// Encodes `input` into `output` as CRLF-terminated 76-column lines; returns bytes written.
    /// `output` must hold `encodedLineSize(input.count)` bytes. Full lines only, except that the
    /// final call of a stream may pass a shorter remainder.
    @inline(__always)
    public static func encodeLines(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        alphabet.withUnsafeBufferPointer { table in
            let src = input.bindMemory(to: UInt8.self)
            let dst = output.bindMemory(to: UInt8.self)
            var i = 0
            var o = 0
            let n = src.count
            while i < n {
                let lineEnd = min(i + bytesPerLine, n)
                while i + 3 <= lineEnd {
                    let b0 = UInt32(src[i]), b1 = UInt32(src[i + 1]), b2 = UInt32(src[i + 2])
                    let v = (b0 << 16) | (b1 << 8) | b2
                    dst[o] = table[Int(v >> 18)]
                    dst[o + 1] = table[Int((v >> 12) & 63)]
                    dst[o + 2] = table[Int((v >> 6) & 63)]
                    dst[o + 3] = table[Int(v & 63)]
                    i += 3
                    o += 4
                }
                let rest = lineEnd - i
                if rest == 1 {
                    let v = UInt32(src[i]) << 16
                    dst[o] = table[Int(v >> 18)]
                    dst[o + 1] = table[Int((v >> 12) & 63)]
                    dst[o + 2] = UInt8(ascii: "=")
                    dst[o + 3] = UInt8(ascii: "=")
                    i += 1
                    o += 4
                } else if rest == 2 {
                    let v = (UInt32(src[i]) << 16) | (UInt32(src[i + 1]) << 8)
                    dst[o] = table[Int(v >> 18)]
                    dst[o + 1] = table[Int((v >> 12) & 63)]
                    dst[o + 2] = table[Int((v >> 6) & 63)]
                    dst[o + 3] = UInt8(ascii: "=")
                    i += 2
                    o += 4
                }
                dst[o] = 13
                dst[o + 1] = 10
                o += 2
            }
            return o
        }
    }

    /// Plain base64 of a small byte array, no line breaks (for encoded-words and AUTH).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var it = bytes.makeIterator()
        while let b0 = it.next() {
            let b1 = it.next(), b2 = it.next()
            let v = (UInt32(b0) << 16) | (UInt32(b1 ?? 0) << 8) | UInt32(b2 ?? 0)
            out.append(alphabet[Int(v >> 18)])
            out.append(alphabet[Int((v >> 12) & 63)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int((v >> 6) & 63)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(v & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64 (whitespace must already be removed); nil on any invalid character.
    public static func decode(_ text: String) -> [UInt8]? {
        var values = [UInt8](repeating: 255, count: 256)
        for (index, byte) in alphabet.enumerated() { values[Int(byte)] = UInt8(index) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, values[Int(byte)] != 255 else { return nil }
            accumulator = (accumulator << 6) | UInt32(values[Int(byte)])
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        guard padding <= 2, (text.utf8.count % 4 == 0) else { return nil }
        return out
    }
}
