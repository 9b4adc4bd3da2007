// HeaderSection.swift — one header section of a message or body part, unfolded.
// - SeeAlso: RFC 5322 §2.2 (header fields).

/// One header section: its fields, unfolded, and where the body after it starts.
struct HeaderSection {
    var fields: [(name: String, value: String)]
    var bodyStart: Int

    /// The first field with this name (case-insensitive), raw.
    func value(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Reads header fields from `b[start..<end]` up to the first empty line.
    ///
    /// Nil when the first line is neither empty nor a header field (`Name: value`). A later line
    /// that is not a field either ends the section there (`lenient == false`: a part whose body
    /// was not separated from its headers) or is taken as a continuation of the field before it
    /// (`lenient == true`, for the top-level section: a recipient on a line folded without
    /// leading whitespace must not disappear into the body).
    static func parse(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, lenient: Bool) -> HeaderSection? {
        var fields: [(name: String, value: [UInt8])] = []
        var i = start
        while i < end {
            let lf = MIMEBytes.lineFeed(b, from: i, to: end)
            let contentEnd = MIMEBytes.contentEnd(b, lineStart: i, lineFeed: lf)
            let next = lf < end ? lf + 1 : end
            if contentEnd == i {
                return HeaderSection(fields: finish(fields), bodyStart: next)
            }
            let line = UnsafeBufferPointer(rebasing: b[i..<contentEnd])
            if MIMEBytes.isWSP(line[0]) {
                guard !fields.isEmpty else { return nil }
                // Unfolding removes the line break only; the whitespace stays (RFC 5322 §2.2.3).
                fields[fields.count - 1].value.append(contentsOf: line)
            } else if let colon = fieldColon(line) {
                var nameEnd = colon
                while nameEnd > 0, MIMEBytes.isWSP(line[nameEnd - 1]) { nameEnd -= 1 }
                let name = String(decoding: UnsafeBufferPointer(rebasing: line[..<nameEnd]), as: UTF8.self)
                fields.append((name, Array(line[(colon + 1)...])))
            } else if fields.isEmpty {
                return nil
            } else if lenient {
                fields[fields.count - 1].value.append(MIMEBytes.space)
                fields[fields.count - 1].value.append(contentsOf: line)
            } else {
                return HeaderSection(fields: finish(fields), bodyStart: i)
            }
            i = next
        }
        return HeaderSection(fields: finish(fields), bodyStart: end)
    }

    /// The offset of the `:` ending a field name (printable ASCII except `:`, then optional
    /// whitespace, as obsolete syntax allows), or nil.
    static func fieldColon(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var j = 0
        while j < line.count, line[j] > 0x20, line[j] < 0x7F, line[j] != UInt8(ascii: ":") { j += 1 }
        guard j > 0 else { return nil }
        var k = j
        while k < line.count, MIMEBytes.isWSP(line[k]) { k += 1 }
        return k < line.count && line[k] == UInt8(ascii: ":") ? k : nil
    }

    private static func finish(_ fields: [(name: String, value: [UInt8])]) -> [(name: String, value: String)] {
        fields.map { ($0.name, TextDecoding.headerText(Array(MIMEBytes.trimmedWSP($0.value[...])))) }
    }
}

extension String {
    /// ASCII case-insensitive equality (header and parameter names).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var i = utf8.makeIterator(), j = other.utf8.makeIterator()
        while let a = i.next(), let b = j.next() {
            if a == b { continue }
            let lower = a | 0x20
            guard lower == b | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
        }
        return true
    }
}
