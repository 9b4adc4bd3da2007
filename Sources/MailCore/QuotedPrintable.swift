// QuotedPrintable.swift — the one quoted-printable decoder, for message bodies (RFC 2045 §6.7,
// lenient) and for the "Q" encoding of encoded-words (RFC 2047 §4.2, strict, `_` for space).
// Linear in the size of its input.

/// Quoted-printable decoding (the encoder is `BodyEncoding.quotedPrintable`).
public enum QuotedPrintable {
    /// How much the decoder forgives.
    public enum Strictness: Sendable, CaseIterable {
        /// Every `=` must start `=XX` (hex digits in either case); nil otherwise. All other bytes
        /// are taken as they are: no soft line breaks, no whitespace removed — for text that
        /// holds no line breaks, such as the text of an encoded-word.
        case strict
        /// As mail readers must: `=XX` (either case of hex digits), soft line breaks (`=` at the
        /// end of a line, with transport whitespace tolerated after it), and the trailing
        /// whitespace that transports add to lines removed. A `=` that starts neither is kept
        /// as it is. Line breaks (LF or CRLF) are kept as they were. Never nil.
        case lenient
    }

    /// Decodes `text` (see `decode(_:strictness:underscoreIsSpace:)`).
    public static func decode(_ text: String, strictness: Strictness, underscoreIsSpace: Bool = false) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0, strictness: strictness, underscoreIsSpace: underscoreIsSpace) }
    }

    /// Decodes `input` with the given strictness; `underscoreIsSpace` reads `_` as a space, as
    /// the "Q" encoding of RFC 2047 §4.2 says. Nil only when `.strict` refuses the input.
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, strictness: Strictness, underscoreIsSpace: Bool = false) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(input.count)
        let n = input.count
        var i = 0
        if strictness == .strict {
            while i < n {
                let c = input[i]
                if c == UInt8(ascii: "=") {
                    guard i + 2 < n, let hi = hexValue(input[i + 1]), let lo = hexValue(input[i + 2]) else { return nil }
                    out.append(hi << 4 | lo)
                    i += 3
                } else {
                    out.append(underscoreIsSpace && c == UInt8(ascii: "_") ? 0x20 : c)
                    i += 1
                }
            }
            return out
        }
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
                out.append(underscoreIsSpace && c == UInt8(ascii: "_") ? 0x20 : c)
                i += 1
            }
        }
        // Whitespace at the very end of the input is trailing whitespace of the last line.
        return out
    }

    /// The value of one hex digit, either case; nil for anything else.
    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        default: return nil
        }
    }
}
