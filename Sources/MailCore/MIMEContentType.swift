// MIMEContentType.swift — a parsed Content-Type.
// - SeeAlso: RFC 2045 §5.

/// A parsed Content-Type.
struct MIMEContentType {
    var type: String
    var subtype: String
    var parameters: MIMEParameterizedValue

    /// `type/subtype`, lowercased.
    var mimeType: String { type + "/" + subtype }

    /// Nil when the value is not `type/subtype` (RFC 2045 §5.2 then says: text/plain).
    init?(_ text: String) {
        let parsed = MIMEParameterizedValue(text)
        let pieces = parsed.value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return nil }
        type = String(pieces[0])
        subtype = String(pieces[1])
        parameters = parsed
    }

    init(type: String, subtype: String) {
        self.type = type
        self.subtype = subtype
        parameters = MIMEParameterizedValue("\(type)/\(subtype)")
    }
}
