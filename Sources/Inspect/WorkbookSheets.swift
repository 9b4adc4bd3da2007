/// The sheet names of an Excel workbook, from the `<sheet name="…"/>` elements of
/// `xl/workbook.xml`: a small scanner, not an XML parser (the part is machine-written).
enum WorkbookSheets {
    static func names(inWorkbookXML xml: [UInt8]) -> [String] {
        var names: [String] = []
        var i = 0
        let n = xml.count
        while i < n {
            guard xml[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            // Comments, CDATA, processing instructions and declarations are skipped whole.
            if starts(xml, at: i, with: "<!--") {
                i = find(xml, "-->", from: i + 4).map { $0 + 3 } ?? n
                continue
            }
            if starts(xml, at: i, with: "<![CDATA[") {
                i = find(xml, "]]>", from: i + 9).map { $0 + 3 } ?? n
                continue
            }
            if i + 1 < n, xml[i + 1] == UInt8(ascii: "?") || xml[i + 1] == UInt8(ascii: "!") {
                i = find(xml, ">", from: i + 2).map { $0 + 1 } ?? n
                continue
            }
            // The element name, with any namespace prefix ("x:sheet").
            var j = i + 1
            let closing = j < n && xml[j] == UInt8(ascii: "/")
            if closing { j += 1 }
            let nameStart = j
            while j < n, !isSpace(xml[j]), xml[j] != UInt8(ascii: ">"), xml[j] != UInt8(ascii: "/") { j += 1 }
            let element = localName(xml[nameStart..<j])
            if closing && element == "sheets" { break }
            // The attributes, up to the end of the tag (quoted values may hold '>').
            var attributes: [(String, [UInt8])] = []
            while j < n, xml[j] != UInt8(ascii: ">") {
                if isSpace(xml[j]) || xml[j] == UInt8(ascii: "/") {
                    j += 1
                    continue
                }
                let keyStart = j
                while j < n, xml[j] != UInt8(ascii: "="), !isSpace(xml[j]), xml[j] != UInt8(ascii: ">") { j += 1 }
                let key = String(decoding: xml[keyStart..<j], as: UTF8.self)
                while j < n, isSpace(xml[j]) { j += 1 }
                guard j < n, xml[j] == UInt8(ascii: "=") else { continue }
                j += 1
                while j < n, isSpace(xml[j]) { j += 1 }
                guard j < n, xml[j] == UInt8(ascii: "\"") || xml[j] == UInt8(ascii: "'") else { continue }
                let quote = xml[j]
                let valueStart = j + 1
                j = valueStart
                while j < n, xml[j] != quote { j += 1 }
                attributes.append((key, Array(xml[valueStart..<min(j, n)])))
                j += 1
            }
            if !closing, element == "sheet", let value = attributes.first(where: { $0.0 == "name" })?.1 {
                names.append(decodeEntities(String(decoding: value, as: UTF8.self)))
            }
            i = j + 1
        }
        return names
    }

    /// XML's five named entities and numeric character references; anything else stays as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semicolon = after.prefix(12).firstIndex(of: ";") else {
                out += "&"
                rest = after
                continue
            }
            let entity = after[..<semicolon]
            var replacement: String?
            switch entity {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if entity.hasPrefix("#") {
                    replacement = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String($0) }
                }
            }
            if let replacement {
                out += replacement
                rest = after[after.index(after: semicolon)...]
            } else {
                out += "&"
                rest = after
            }
        }
        return out + rest
    }

    private static func localName(_ bytes: ArraySlice<UInt8>) -> String {
        let name = bytes.lastIndex(of: UInt8(ascii: ":")).map { bytes[($0 + 1)...] } ?? bytes
        return String(decoding: name, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func starts(_ bytes: [UInt8], at index: Int, with prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return index + p.count <= bytes.count && bytes[index..<(index + p.count)].elementsEqual(p)
    }

    private static func find(_ bytes: [UInt8], _ needle: String, from start: Int) -> Int? {
        let p = Array(needle.utf8)
        var i = start
        while i + p.count <= bytes.count {
            if bytes[i] == p[0] && bytes[i..<(i + p.count)].elementsEqual(p) { return i }
            i += 1
        }
        return nil
    }
}
