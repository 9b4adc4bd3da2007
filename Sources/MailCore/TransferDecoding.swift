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
