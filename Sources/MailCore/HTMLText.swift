// HTMLText.swift — the text of an HTML body part, for when a message has no text/plain part:
// its charset from `<meta>`, and its text with tags, scripts and styles left out.

enum HTMLText {
    /// `<meta charset=…>` or `<meta http-equiv… content="…; charset=…">` in the first 4 KiB.
    static func metaCharset(_ bytes: [UInt8]) -> String? {
        let head = Array(bytes.prefix(4096))
        guard let at = find(head, "charset=", from: 0, caseInsensitive: true) else { return nil }
        var name = ""
        for c in head[(at + 8)...].drop(while: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == MIMEBytes.space }) {
            guard
                isNameByte(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
                    || c == UInt8(ascii: ".")
            else { break }
            name.unicodeScalars.append(Unicode.Scalar(c))
        }
        return name.isEmpty ? nil : name
    }

    static let blockTags: Set<String> = [
        "br", "p", "div", "tr", "li", "ul", "ol", "table", "blockquote", "hr", "h1", "h2", "h3", "h4", "h5",
        "h6", "pre", "section", "article", "header", "footer", "dt", "dd", "dl", "address", "center"
    ]
    static let hiddenTags: Set<String> = ["script", "style", "head", "title", "template"]

    /// The text of an HTML document: tags removed, script/style/head content dropped, block
    /// elements and `<br>` as line breaks, cells separated by spaces, runs of source whitespace
    /// as one space, character references decoded.
    static func plainText(_ html: String) -> String {
        let b = Array(html.utf8)
        let n = b.count
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var pendingSpace = false
        func newline() {
            pendingSpace = false
            while out.last == MIMEBytes.space { out.removeLast() }
            out.append(MIMEBytes.lf)
        }
        func text(_ byte: UInt8) {
            if pendingSpace {
                if let last = out.last, last != MIMEBytes.lf { out.append(MIMEBytes.space) }
                pendingSpace = false
            }
            out.append(byte)
        }
        // Hidden elements whose closing tag is known to be missing from some point on: searching
        // again would make many unclosed ones quadratic.
        var unclosed = Set<String>()
        var i = 0
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "<") {
                if b[i...].starts(with: "<!--".utf8) {
                    i = find(b, "-->", from: i + 4).map { $0 + 3 } ?? n
                    continue
                }
                var j = i + 1
                let closing = j < n && b[j] == UInt8(ascii: "/")
                if closing { j += 1 }
                let nameStart = j
                while j < n, isNameByte(b[j]) { j += 1 }
                guard j > nameStart || (j < n && (b[j] == UInt8(ascii: "!") || b[j] == UInt8(ascii: "?"))) else {
                    text(c)
                    i += 1
                    continue
                }
                let name = String(decoding: b[nameStart..<j], as: UTF8.self).lowercased()
                // The end of the tag, skipping quoted attribute values.
                var quote: UInt8 = 0
                while j < n {
                    if quote != 0 {
                        if b[j] == quote { quote = 0 }
                    } else if b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'") {
                        quote = b[j]
                    } else if b[j] == UInt8(ascii: ">") {
                        break
                    }
                    j += 1
                }
                i = min(j + 1, n)
                if !closing && hiddenTags.contains(name) && !unclosed.contains(name) {
                    if let close = find(b, "</" + name, from: i, caseInsensitive: true) {
                        i = find(b, ">", from: close).map { $0 + 1 } ?? n
                        continue
                    }
                    unclosed.insert(name)
                }
                if blockTags.contains(name) {
                    if name == "br" || out.last != MIMEBytes.lf { newline() }
                } else if name == "td" || name == "th" {
                    pendingSpace = true
                } else if name == "img", !closing {
                    pendingSpace = true
                }
            } else if c == UInt8(ascii: "&"), let (scalar, length) = entity(b, at: i) {
                for byte in String(scalar).utf8 { text(byte) }
                i += length
            } else if c == MIMEBytes.space || c == MIMEBytes.tab || c == MIMEBytes.lf || c == MIMEBytes.cr {
                pendingSpace = true
                i += 1
            } else {
                text(c)
                i += 1
            }
        }
        // Lines trimmed of leading spaces; at most one empty line in a row; none at the start or the end.
        var result: [UInt8] = []
        result.reserveCapacity(out.count)
        var lineStart = 0
        var emptyLines = 1 // as if after an empty line, so that leading empty lines go
        while lineStart < out.count {
            var lineEnd = lineStart
            while lineEnd < out.count, out[lineEnd] != MIMEBytes.lf { lineEnd += 1 }
            var k = lineStart
            while k < lineEnd {
                if out[k] == MIMEBytes.space { k += 1 } else if out[k] == 0xC2, k + 1 < lineEnd, out[k + 1] == 0xA0 { k += 2 } else { break }
            }
            if k == lineEnd {
                if emptyLines == 0 { result.append(MIMEBytes.lf) }
                emptyLines += 1
            } else {
                result.append(contentsOf: out[k..<lineEnd])
                result.append(MIMEBytes.lf)
                emptyLines = 0
            }
            lineStart = lineEnd + 1
        }
        while result.count >= 2, result[result.count - 1] == MIMEBytes.lf, result[result.count - 2] == MIMEBytes.lf {
            result.removeLast()
        }
        return String(decoding: result, as: UTF8.self)
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    static func find(_ b: [UInt8], _ needle: String, from: Int, caseInsensitive: Bool = false) -> Int? {
        let n = Array(needle.utf8)
        guard !n.isEmpty, b.count >= n.count else { return nil }
        var i = from
        while i + n.count <= b.count {
            var k = 0
            while k < n.count, caseInsensitive ? (b[i + k] | 0x20) == (n[k] | 0x20) : b[i + k] == n[k] { k += 1 }
            if k == n.count { return i }
            i += 1
        }
        return nil
    }

    static let namedEntities: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "yen": "¥", "hellip": "…", "mdash": "—", "ndash": "–", "laquo": "«", "raquo": "»", "times": "×",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "bull": "•", "middot": "·", "euro": "€"
    ]

    /// `&name;`, `&#NNN;` or `&#xHH;` at `i`: the character and the reference's length.
    static func entity(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        var j = i + 1
        while j < b.count, j - i <= 10, b[j] != UInt8(ascii: ";") {
            guard isNameByte(b[j]) || b[j] == UInt8(ascii: "#") else { return nil }
            j += 1
        }
        guard j < b.count, b[j] == UInt8(ascii: ";"), j > i + 1 else { return nil }
        let name = String(decoding: b[(i + 1)..<j], as: UTF8.self)
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
            return (scalar, j - i + 1)
        }
        guard let scalar = namedEntities[name] ?? namedEntities[name.lowercased()] else { return nil }
        return (scalar, j - i + 1)
    }
}
