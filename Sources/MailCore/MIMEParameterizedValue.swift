// MIMEParameterizedValue.swift — MIME parameters of Content-Type and Content-Disposition.
// - SeeAlso: RFC 2045 §5 (Content-Type), RFC 2183 (Content-Disposition), RFC 2231 (parameter
//   continuations, charsets).

/// A structured header value with parameters: `Content-Type` or `Content-Disposition`.
///
/// Parameters are read as RFC 2045 defines them (`; name=token` or `; name="quoted string"`,
/// comments allowed between tokens) and then put together as RFC 2231 says: `name*=charset'lang'…`
/// with %XX escapes, continuations `name*0=`, `name*1*=` … in section order, the charset given
/// by the first section. A parameter given both ways takes the RFC 2231 form.
struct MIMEParameterizedValue {
    struct Parameter {
        var value: String
        /// True when the value came from a plain `name=` (not RFC 2231), where some mailers put
        /// RFC 2047 encoded-words.
        var isPlain: Bool
    }

    /// The value before the first `;`, comments and whitespace removed, lowercased.
    var value: String
    /// Parameters by lowercased name.
    var parameters: [String: Parameter]

    func parameter(_ name: String) -> String? { parameters[name]?.value }

    init(_ text: String) {
        let b = Array(text.utf8)
        var pos = 0
        var main: [UInt8] = []
        while pos < b.count, b[pos] != UInt8(ascii: ";") {
            if b[pos] == UInt8(ascii: "(") {
                pos = Self.skipComment(b, pos)
                continue
            }
            if !MIMEBytes.isWSP(b[pos]) && b[pos] != MIMEBytes.cr && b[pos] != MIMEBytes.lf {
                main.append(b[pos])
            }
            pos += 1
        }
        value = String(decoding: main, as: UTF8.self).lowercased()

        var raw: [(name: String, value: [UInt8])] = []
        while pos < b.count {
            guard b[pos] == UInt8(ascii: ";") else {
                pos += 1
                continue
            }
            pos += 1
            pos = Self.skipCFWS(b, pos)
            let nameStart = pos
            while pos < b.count, !Self.endsName(b[pos]) { pos += 1 }
            let name = String(decoding: b[nameStart..<pos], as: UTF8.self).lowercased()
            pos = Self.skipCFWS(b, pos)
            guard pos < b.count, b[pos] == UInt8(ascii: "=") else { continue }
            pos = Self.skipCFWS(b, pos + 1)
            var bytes: [UInt8] = []
            if pos < b.count, b[pos] == UInt8(ascii: "\"") {
                pos += 1
                while pos < b.count, b[pos] != UInt8(ascii: "\"") {
                    if b[pos] == UInt8(ascii: "\\"), pos + 1 < b.count { pos += 1 }
                    bytes.append(b[pos])
                    pos += 1
                }
                pos += 1
                // Anything after the closing quote up to the next ';' is ignored.
                while pos < b.count, b[pos] != UInt8(ascii: ";") { pos += 1 }
            } else {
                // A token; tolerated with spaces inside (`name=My File.pdf`), ended by ';' or a comment.
                let start = pos
                while pos < b.count, b[pos] != UInt8(ascii: ";"), b[pos] != UInt8(ascii: "(") { pos += 1 }
                bytes = Array(MIMEBytes.trimmedWSP(b[start..<pos]))
                while pos < b.count, b[pos] != UInt8(ascii: ";") { pos += 1 }
            }
            if !name.isEmpty { raw.append((name, bytes)) }
        }
        parameters = Self.assemble(raw)
    }

    static func endsName(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "=") || c == UInt8(ascii: ";") || c == UInt8(ascii: "(") || c == UInt8(ascii: "\"")
            || MIMEBytes.isWSP(c) || c == MIMEBytes.cr || c == MIMEBytes.lf
    }

    /// Past whitespace and comments.
    static func skipCFWS(_ b: [UInt8], _ start: Int) -> Int {
        var pos = start
        while pos < b.count {
            if MIMEBytes.isWSP(b[pos]) || b[pos] == MIMEBytes.cr || b[pos] == MIMEBytes.lf {
                pos += 1
            } else if b[pos] == UInt8(ascii: "(") {
                pos = skipComment(b, pos)
            } else {
                break
            }
        }
        return pos
    }

    /// Past a (possibly nested) comment starting at `start`; to the end if it is not closed.
    static func skipComment(_ b: [UInt8], _ start: Int) -> Int {
        var depth = 0
        var pos = start
        while pos < b.count {
            switch b[pos] {
            case UInt8(ascii: "\\"): pos += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return pos + 1 }
            default: break
            }
            pos += 1
        }
        return b.count
    }

    /// RFC 2231 §3–4: puts sections together and decodes extended values.
    static func assemble(_ raw: [(name: String, value: [UInt8])]) -> [String: Parameter] {
        struct Section {
            var index: Int?
            var extended: Bool
            var bytes: [UInt8]
        }
        var plain: [String: [UInt8]] = [:]
        var sections: [String: [Section]] = [:]
        var order: [String] = []
        for (name, bytes) in raw {
            if let star = name.firstIndex(of: "*"), star != name.startIndex,
                let (index, extended) = sectionSuffix(name[star...])
            {
                let base = String(name[..<star])
                if sections[base] == nil && plain[base] == nil { order.append(base) }
                sections[base, default: []].append(Section(index: index, extended: extended, bytes: bytes))
            } else if plain[name] == nil {
                if sections[name] == nil { order.append(name) }
                plain[name] = bytes
            }
        }
        var result: [String: Parameter] = [:]
        for name in order {
            if let list = sections[name] {
                if let single = list.first(where: { $0.index == nil }) {
                    let (charset, bytes) = extendedValue(single.bytes, initial: true)
                    result[name] = Parameter(value: TextDecoding.text(bytes, charset: charset), isPlain: false)
                    continue
                }
                // Continuations in section order; a repeated section number keeps its first value.
                var seen = Set<Int>()
                let ordered = list.enumerated()
                    .sorted { ($0.element.index ?? 0, $0.offset) < ($1.element.index ?? 0, $1.offset) }
                    .map(\.element)
                    .filter { seen.insert($0.index ?? 0).inserted }
                var charset: String?
                var bytes: [UInt8] = []
                for (k, section) in ordered.enumerated() {
                    if section.extended {
                        let (sectionCharset, decoded) = extendedValue(section.bytes, initial: k == 0)
                        if k == 0 { charset = sectionCharset }
                        bytes += decoded
                    } else {
                        bytes += section.bytes
                    }
                }
                let anyExtended = ordered.contains { $0.extended }
                result[name] = Parameter(value: TextDecoding.text(bytes, charset: charset), isPlain: !anyExtended)
            } else if let bytes = plain[name] {
                result[name] = Parameter(value: TextDecoding.headerText(bytes), isPlain: true)
            }
        }
        return result
    }

    /// `*` → (nil, extended); `*N` → (N, plain); `*N*` → (N, extended); anything else nil.
    static func sectionSuffix(_ suffix: Substring) -> (Int?, Bool)? {
        var rest = suffix.dropFirst()
        if rest.isEmpty { return (nil, true) }
        var extended = false
        if rest.last == "*" {
            extended = true
            rest = rest.dropLast()
        }
        guard !rest.isEmpty, rest.count <= 6, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(rest) else {
            return nil
        }
        return (index, extended)
    }

    /// An extended value: on the first section, `charset'language'` and then %XX escapes.
    /// Without the two apostrophes the whole value is taken as escaped text.
    static func extendedValue(_ bytes: [UInt8], initial: Bool) -> (charset: String?, bytes: [UInt8]) {
        var charset: String?
        var text = bytes[...]
        if initial, let first = bytes.firstIndex(of: UInt8(ascii: "'")),
            let second = bytes[(first + 1)...].firstIndex(of: UInt8(ascii: "'"))
        {
            let name = String(decoding: bytes[..<first], as: UTF8.self)
            charset = name.isEmpty ? nil : name
            text = bytes[(second + 1)...]
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == UInt8(ascii: "%"), i + 2 < text.endIndex,
                let hi = QuotedPrintable.hexValue(text[i + 1]), let lo = QuotedPrintable.hexValue(text[i + 2])
            {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return (charset, out)
    }
}
