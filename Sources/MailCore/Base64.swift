/// Base64 (RFC 2045 §6.8, RFC 4648 §4): written in 76-character lines with CRLF, fast enough that
/// encoding a 100 MiB attachment costs about as much as copying it; read by the one decoder,
/// `decode(_:strictness:)`, at the strictness the caller needs.
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

    /// How much a decoder forgives.
    public enum Strictness: Sendable, CaseIterable {
        /// RFC 4648 §4: only the 64 characters of the alphabet, then `=` padding to a multiple of
        /// four characters; nil on anything else (whitespace, a `=` inside, missing or extra
        /// padding, a length of 1 mod 4). Bits left over in the last character are not checked.
        case strict
        /// As `.strict`, except that the padding may be left out altogether (RFC 4648 §3.2); some
        /// mailers write encoded-words that way. Padding that is there must be right.
        case paddingOptional
        /// As mail readers must (RFC 2045 §6.8): every byte outside the alphabet (line breaks,
        /// spaces, junk) is skipped, the first `=` ends the data, and an incomplete final group
        /// gives the whole bytes it holds. Never nil.
        case lenient
    }

    /// Base64 values of every byte; 0xFF for bytes outside the alphabet.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Decodes `text` with the given strictness; nil when `.strict` or `.paddingOptional`
    /// refuse it (`.lenient` never does).
    public static func decode(_ text: String, strictness: Strictness) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0, strictness: strictness) }
    }

    /// Decodes `input` with the given strictness; linear in its size.
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, strictness: Strictness) -> [UInt8]? {
        var end = input.count
        if strictness != .lenient {
            var padding = 0
            while end > 0, input[end - 1] == UInt8(ascii: "=") {
                end -= 1
                padding += 1
            }
            let expected = (4 - end % 4) % 4
            guard end % 4 != 1, padding == expected || (padding == 0 && strictness == .paddingOptional) else { return nil }
        }
        let capacity = end / 4 * 3 + 3
        return values.withUnsafeBufferPointer { table -> [UInt8]? in
            var refused = false
            let out = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
                var o = 0
                var accumulator: UInt32 = 0
                var count = 0
                for i in 0..<end {
                    let byte = input[i]
                    let v = table[Int(byte)]
                    if v == 0xFF {
                        guard strictness == .lenient else {
                            refused = true
                            break
                        }
                        if byte == UInt8(ascii: "=") { break }
                        continue
                    }
                    accumulator = accumulator << 6 | UInt32(v)
                    count += 1
                    if count == 4 {
                        out[o] = UInt8(truncatingIfNeeded: accumulator >> 16)
                        out[o + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                        out[o + 2] = UInt8(truncatingIfNeeded: accumulator)
                        o += 3
                        accumulator = 0
                        count = 0
                    }
                }
                if count == 2 {
                    out[o] = UInt8(truncatingIfNeeded: accumulator >> 4)
                    o += 1
                } else if count == 3 {
                    out[o] = UInt8(truncatingIfNeeded: accumulator >> 10)
                    out[o + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
                    o += 2
                }
                initialized = o
            }
            return refused ? nil : out
        }
    }
}
