// QuotedPrintable.swift — Content-Transfer-Encoding decoding for message bodies: quoted-printable
// and base64, both lenient and linear in the size of their input.
// - SeeAlso: RFC 2045 §6.7 (quoted-printable), §6.8 (base64).

/// Decoding of the transfer encodings a body part may carry.
enum TransferDecoding {
    /// Decodes `bytes` according to a Content-Transfer-Encoding value (already lowercased).
    /// 7bit, 8bit, binary, and anything unknown are returned as they are.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, encoding: String) -> [UInt8] {
        switch encoding {
        case "base64": return base64(bytes)
        case "quoted-printable": return quotedPrintable(bytes)
        default: return Array(bytes)
        }
    }

    /// Quoted-printable: `=XX` (either case of hex digits), soft line breaks (`=` at the end of a
    /// line, with transport whitespace tolerated after it), and the trailing whitespace that
    /// transports add to lines removed. A `=` that starts neither is kept as it is. Line breaks
    /// (LF or CRLF) are kept as they were.
    static func quotedPrintable(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(input.count)
        let n = input.count
        var i = 0
        // Whitespace seen but not yet written: dropped if the line ends right after it.
        var pendingSpaceStart = -1
        func flushSpaces(upTo end: Int) {
            if pendingSpaceStart >= 0 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: input[pendingSpaceStart..<end]))
                pendingSpaceStart = -1
            }
        }
        while i < n {
            let c = input[i]
            switch c {
            case 0x20, 0x09:
                if pendingSpaceStart < 0 { pendingSpaceStart = i }
                i += 1
            case 0x0D where i + 1 < n && input[i + 1] == 0x0A:
                pendingSpaceStart = -1
                out.append(0x0D)
                out.append(0x0A)
                i += 2
            case 0x0A:
                pendingSpaceStart = -1
                out.append(0x0A)
                i += 1
            case UInt8(ascii: "="):
                // A soft line break: "=", optional transport whitespace, end of line (or of input).
                var j = i + 1
                while j < n, input[j] == 0x20 || input[j] == 0x09 { j += 1 }
                if j == n {
                    flushSpaces(upTo: i)
                    i = n
                    continue
                }
                if input[j] == 0x0A || (input[j] == 0x0D && j + 1 < n && input[j + 1] == 0x0A) {
                    flushSpaces(upTo: i)
                    i = input[j] == 0x0A ? j + 1 : j + 2
                    continue
                }
                flushSpaces(upTo: i)
                if i + 2 < n, let hi = hexValue(input[i + 1]), let lo = hexValue(input[i + 2]) {
                    out.append(hi << 4 | lo)
                    i += 3
                } else {
                    out.append(c)
                    i += 1
                }
            default:
                flushSpaces(upTo: i)
                out.append(c)
                i += 1
            }
        }
        // Whitespace at the very end of the input is trailing whitespace of the last line.
        return out
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        default: return nil
        }
    }

    /// Base64 values of every byte; 0xFF for bytes outside the alphabet.
    static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        return table
    }()

    /// Base64 that ignores every byte outside the alphabet (line breaks, spaces, stray
    /// characters) and stops at the first `=`; an incomplete final group gives the whole bytes
    /// it holds.
    static func base64(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let capacity = input.count / 4 * 3 + 3
        return base64Values.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
                var o = 0
                var accumulator: UInt32 = 0
                var count = 0
                for byte in input {
                    let v = table[Int(byte)]
                    if v == 0xFF {
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
        }
    }
}
