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

    /// Two base64 characters for every 12-bit value, first character in the low byte.
    static let pairs: [UInt16] = (0..<4096).map { UInt16(alphabet[$0 >> 6]) | UInt16(alphabet[$0 & 63]) << 8 }

    /// Encodes `input` into `output` as CRLF-terminated 76-column lines; returns bytes written.
    /// `output` must hold `encodedLineSize(input.count)` bytes. Full lines only, except that the
    /// final call of a stream may pass a shorter remainder.
    ///
    /// Whole lines go through 8-byte loads and the 12-bit pair table (two table reads and one
    /// store per three input bytes); what is left, the last line or two, goes byte by byte.
    public static func encodeLines(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        guard let p = input.baseAddress, let q = output.baseAddress else { return 0 }
        let n = input.count
        var i = 0
        var o = 0
        pairs.withUnsafeBufferPointer { t in
            @inline(__always) func four(_ v: UInt32) -> UInt32 {
                UInt32(t[Int(v >> 12)]) | UInt32(t[Int(v & 0xFFF)]) << 16
            }
            // The loads read up to one byte past the line, so keep a byte in hand.
            while i + bytesPerLine < n {
                for _ in 0..<9 {
                    let x = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let a = four(UInt32(truncatingIfNeeded: x >> 40))
                    let b = four(UInt32(truncatingIfNeeded: x >> 16) & 0xFF_FFFF)
                    q.storeBytes(of: (UInt64(a) | UInt64(b) << 32).littleEndian, toByteOffset: o, as: UInt64.self)
                    i += 6
                    o += 8
                }
                let last = four(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self)) >> 8)
                q.storeBytes(of: last.littleEndian, toByteOffset: o, as: UInt32.self)
                q.storeBytes(of: UInt16(0x0A0D).littleEndian, toByteOffset: o + 4, as: UInt16.self)
                i += 3
                o += 6
            }
        }
        alphabet.withUnsafeBufferPointer { table in
            let src = UnsafeRawBufferPointer(rebasing: input[i...]).bindMemory(to: UInt8.self)
            let dst = q.assumingMemoryBound(to: UInt8.self)
            var i = 0
            while i < src.count {
                let lineEnd = min(i + bytesPerLine, src.count)
                while i + 3 <= lineEnd {
                    let v = (UInt32(src[i]) << 16) | (UInt32(src[i + 1]) << 8) | UInt32(src[i + 2])
                    dst[o] = table[Int(v >> 18)]
                    dst[o + 1] = table[Int((v >> 12) & 63)]
                    dst[o + 2] = table[Int((v >> 6) & 63)]
                    dst[o + 3] = table[Int(v & 63)]
                    i += 3
                    o += 4
                }
                let rest = lineEnd - i
                if rest > 0 {
                    let v = (UInt32(src[i]) << 16) | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
                    dst[o] = table[Int(v >> 18)]
                    dst[o + 1] = table[Int((v >> 12) & 63)]
                    dst[o + 2] = rest == 2 ? table[Int((v >> 6) & 63)] : UInt8(ascii: "=")
                    dst[o + 3] = UInt8(ascii: "=")
                    i += rest
                    o += 4
                }
                dst[o] = 13
                dst[o + 1] = 10
                o += 2
            }
        }
        return o
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
