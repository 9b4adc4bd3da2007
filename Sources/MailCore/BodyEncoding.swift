/// The transfer encoding for a text body, chosen by its content.
/// - SeeAlso: RFC 2045 §6 (7bit, quoted-printable, base64).
public enum TransferEncoding: String, Sendable {
    case sevenBit = "7bit"
    case quotedPrintable = "quoted-printable"
    case base64 = "base64"
}

public enum BodyEncoding {
    /// The body's bytes with every line ending (LF, CR, CRLF) made CRLF, ending in CRLF.
    public static func canonicalLines(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 32 + 2)
        var previousCR = false
        for byte in text.utf8 {
            switch byte {
            case 13:
                out.append(13)
                out.append(10)
                previousCR = true
                continue
            case 10:
                if !previousCR {
                    out.append(13)
                    out.append(10)
                }
            default:
                out.append(byte)
            }
            previousCR = false
        }
        if out.count < 2 || out[out.count - 2] != 13 || out[out.count - 1] != 10 { out += [13, 10] }
        return out
    }

    /// 7bit when the text is plain ASCII with lines of at most 76 octets; otherwise whichever of
    /// quoted-printable and base64 is shorter (Japanese text: base64; mostly-ASCII text: QP).
    public static func choose(for canonical: [UInt8]) -> TransferEncoding {
        var escapes = 0
        var nonASCII = false
        var lineLength = 0
        var longLine = false
        var index = 0
        while index < canonical.count {
            let byte = canonical[index]
            if byte == 13 && index + 1 < canonical.count && canonical[index + 1] == 10 {
                lineLength = 0
                index += 2
                continue
            }
            lineLength += 1
            if lineLength > 76 { longLine = true }
            if byte >= 0x80 || (byte < 0x20 && byte != 9) || byte == 0x7F {
                nonASCII = true
                escapes += 1
            } else if byte == UInt8(ascii: "=") {
                escapes += 1
            }
            index += 1
        }
        if !nonASCII && !longLine { return .sevenBit }
        let qpSize = canonical.count + 2 * escapes + canonical.count / 75 * 3
        let base64Size = Base64.encodedLineSize(canonical.count)
        return qpSize <= base64Size ? .quotedPrintable : .base64
    }

    /// Quoted-printable with soft line breaks so that no line passes 76 characters; trailing
    /// spaces and tabs, `=`, control and non-ASCII bytes escaped; a line starting "From " or "."
    /// has its first character escaped so that no relay can mangle it.
    /// - SeeAlso: RFC 2045 §6.7.
    public static func quotedPrintable(_ canonical: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(canonical.count * 3 / 2)
        var lineLength = 0
        func emit(_ piece: [UInt8]) {
            if lineLength + piece.count > 75 {
                out += [UInt8(ascii: "="), 13, 10]
                lineLength = 0
            }
            out += piece
            lineLength += piece.count
        }
        var index = 0
        var lineStart = true
        while index < canonical.count {
            let byte = canonical[index]
            if byte == 13 && index + 1 < canonical.count && canonical[index + 1] == 10 {
                out += [13, 10]
                lineLength = 0
                lineStart = true
                index += 2
                continue
            }
            let atLineEnd = index + 1 >= canonical.count || canonical[index + 1] == 13
            let mustEscape =
                byte >= 0x7F || (byte < 0x20 && byte != 9) || byte == UInt8(ascii: "=")
                || ((byte == 32 || byte == 9) && atLineEnd)
                || (lineStart && byte == UInt8(ascii: "."))
                || (lineStart && byte == UInt8(ascii: "F") && canonical[index...].starts(with: Array("From ".utf8)))
            if mustEscape {
                emit([UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            } else {
                emit([byte])
            }
            lineStart = false
            index += 1
        }
        return out
    }
}
