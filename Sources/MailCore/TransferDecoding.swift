// TransferDecoding.swift — Content-Transfer-Encoding decoding for message bodies: the one
// quoted-printable and the one base64 decoder, both at their lenient setting.
// - SeeAlso: RFC 2045 §6.7 (quoted-printable), §6.8 (base64).

/// Decoding of the transfer encodings a body part may carry.
enum TransferDecoding {
    /// Decodes `bytes` according to a Content-Transfer-Encoding value (already lowercased).
    /// 7bit, 8bit, binary, and anything unknown are returned as they are.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, encoding: String) -> [UInt8] {
        switch encoding {
        // `.lenient` never refuses, so the `?? []` is never taken.
        case "base64": return Base64.decode(bytes, strictness: .lenient) ?? []
        case "quoted-printable": return QuotedPrintable.decode(bytes, strictness: .lenient) ?? []
        default: return Array(bytes)
        }
    }
}

extension TransferDecoding {
    /// Decodes `bytes` as `decode(_:encoding:)` does, handing the result to `body` a piece at a
    /// time (about `chunkSize` encoded bytes each), so that a large attachment is never whole
    /// in memory. The pieces joined are exactly what `decode` returns: base64 is cut after a
    /// multiple of four alphabet characters (and stops at the first `=`, as the lenient decoder
    /// does), quoted-printable after a line break, anything else anywhere.
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, encoding: String, chunkSize: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        let chunkSize = max(chunkSize, 4)
        var start = 0
        let end = bytes.count
        while start < end {
            var cut = min(start + chunkSize, end)
            var last = cut == end
            switch encoding {
            case "base64":
                // Alphabet characters up to `cut`; the data ends at the first '='.
                var significant = 0
                var i = start
                while i < cut {
                    let byte = bytes[i]
                    if byte == UInt8(ascii: "=") {
                        cut = i + 1
                        last = true
                        break
                    }
                    if Base64.values[Int(byte)] != 0xFF { significant += 1 }
                    i += 1
                }
                // On to a whole number of groups (or the end, or a '=').
                while !last && significant % 4 != 0 {
                    if cut == end {
                        last = true
                    } else if bytes[cut] == UInt8(ascii: "=") {
                        cut += 1
                        last = true
                    } else {
                        if Base64.values[Int(bytes[cut])] != 0xFF { significant += 1 }
                        cut += 1
                    }
                }
                if cut == end { last = true }
                let decoded = Base64.decode(UnsafeBufferPointer(rebasing: bytes[start..<cut]), strictness: .lenient) ?? []
                try decoded.withUnsafeBufferPointer { try body($0) }
            case "quoted-printable":
                // To the end of the line that `cut` falls in: a line is decoded whole.
                if !last {
                    while cut < end && bytes[cut - 1] != UInt8(ascii: "\n") { cut += 1 }
                    last = cut == end
                }
                let decoded = QuotedPrintable.decode(UnsafeBufferPointer(rebasing: bytes[start..<cut]), strictness: .lenient) ?? []
                try decoded.withUnsafeBufferPointer { try body($0) }
            default:
                try body(UnsafeBufferPointer(rebasing: bytes[start..<cut]))
            }
            if last { return }
            start = cut
        }
    }
}
