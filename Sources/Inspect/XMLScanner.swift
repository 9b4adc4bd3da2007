/// A small scanner for the machine-written XML parts of Office documents: start tags with their
/// attributes, end tags and text, in order. Not an XML parser: no DTDs, no namespaces beyond
/// dropping the prefix, entities limited to XML's five and numeric references. Damaged input
/// ends the scan quietly; nothing is ever allocated beyond the size of the input.
enum XMLScanner {
    enum Event {
        /// A start tag: its local name (prefix dropped) and attributes (names as written).
        case start(String, [(String, String)], selfClosing: Bool)
        case end(String)
        /// Character data between tags, entities decoded (CDATA included as it is).
        case text(String)
    }

    /// Calls `body` for each event until it returns false or the input ends.
    static func scan(_ xml: [UInt8], _ body: (Event) -> Bool) {
        let n = xml.count
        var i = 0
        while i < n {
            if xml[i] != UInt8(ascii: "<") {
                var j = i
                while j < n, xml[j] != UInt8(ascii: "<") { j += 1 }
                let raw = String(decoding: xml[i..<j], as: UTF8.self)
                if !body(.text(WorkbookSheets.decodeEntities(raw))) { return }
                i = j
                continue
            }
            if starts(xml, at: i, with: "<!--") {
                i = find(xml, "-->", from: i + 4).map { $0 + 3 } ?? n
                continue
            }
            if starts(xml, at: i, with: "<![CDATA[") {
                let end = find(xml, "]]>", from: i + 9) ?? n
                if !body(.text(String(decoding: xml[(i + 9)..<end], as: UTF8.self))) { return }
                i = min(n, end + 3)
                continue
            }
            if i + 1 < n, xml[i + 1] == UInt8(ascii: "?") || xml[i + 1] == UInt8(ascii: "!") {
                i = find(xml, ">", from: i + 2).map { $0 + 1 } ?? n
                continue
            }
            var j = i + 1
            let closing = j < n && xml[j] == UInt8(ascii: "/")
            if closing { j += 1 }
            let nameStart = j
            while j < n, !isSpace(xml[j]), xml[j] != UInt8(ascii: ">"), xml[j] != UInt8(ascii: "/") { j += 1 }
            let name = localName(xml[nameStart..<j])
            var attributes: [(String, String)] = []
            var selfClosing = false
            while j < n, xml[j] != UInt8(ascii: ">") {
                if xml[j] == UInt8(ascii: "/") {
                    selfClosing = true
                    j += 1
                    continue
                }
                if isSpace(xml[j]) {
                    j += 1
                    continue
                }
                selfClosing = false
                let keyStart = j
                while j < n, xml[j] != UInt8(ascii: "="), !isSpace(xml[j]), xml[j] != UInt8(ascii: ">"), xml[j] != UInt8(ascii: "/") { j += 1 }
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
                attributes.append((key, WorkbookSheets.decodeEntities(String(decoding: xml[valueStart..<min(j, n)], as: UTF8.self))))
                j += 1
            }
            guard j < n else { return } // a tag cut off at the end
            let event: Event = closing ? .end(name) : .start(name, attributes, selfClosing: selfClosing)
            if !body(event) { return }
            if !closing && selfClosing, !body(.end(name)) { return }
            i = j + 1
        }
    }

    static func attribute(_ name: String, in attributes: [(String, String)]) -> String? {
        attributes.first { $0.0 == name || $0.0.hasSuffix(":" + name) }?.1
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

/// The text of Office Open XML parts, pure functions of the parts' bytes.
enum OfficeText {
    /// Paragraphs of a Word `document.xml` (or a PowerPoint slide): one string per `<w:p>` /
    /// `<a:p>`, runs joined, tabs as spaces, line breaks starting a new string; empty ones dropped.
    static func paragraphs(_ xml: [UInt8], maxLines: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        var inText = false
        func flush() {
            let trimmed = current.trimmedSpaces
            if !trimmed.isEmpty { lines.append(trimmed) }
            current = ""
        }
        XMLScanner.scan(xml) { event in
            switch event {
            case .start(let name, _, _):
                switch name {
                case "t": inText = true
                case "tab": current += " "
                case "br", "cr": flush()
                default: break
                }
            case .end(let name):
                switch name {
                case "t": inText = false
                case "p": flush()
                case "tc": current += " "
                default: break
                }
            case .text(let text):
                if inText { current += text }
            }
            return lines.count < maxLines
        }
        flush()
        return Array(lines.prefix(maxLines))
    }

    /// The shared strings of a workbook (`xl/sharedStrings.xml`), in order: each `<si>`'s text
    /// runs joined, phonetic guides (`<rPh>`) left out.
    static func sharedStrings(_ xml: [UInt8], maxStrings: Int) -> [String] {
        var strings: [String] = []
        var current = ""
        var inItem = false
        var inText = false
        var phonetic = 0
        XMLScanner.scan(xml) { event in
            switch event {
            case .start(let name, _, _):
                if name == "si" {
                    inItem = true
                    current = ""
                } else if name == "rPh" {
                    phonetic += 1
                } else if name == "t" {
                    inText = true
                }
            case .end(let name):
                if name == "si" {
                    strings.append(current)
                    inItem = false
                } else if name == "rPh" {
                    phonetic = max(0, phonetic - 1)
                } else if name == "t" {
                    inText = false
                }
            case .text(let text):
                if inItem && inText && phonetic == 0 { current += text }
            }
            return strings.count < maxStrings
        }
        return strings
    }

    /// One cell of a worksheet with a value.
    struct Cell: Equatable {
        var reference: String
        var value: String
    }

    /// The rows of a worksheet part, at most `maxRows`, each the cells that hold a value.
    /// `sharedStrings` resolves `t="s"` cells; a reference outside it shows as `#n`.
    static func rows(_ xml: [UInt8], sharedStrings: [String], maxRows: Int) -> [[Cell]] {
        var rows: [[Cell]] = []
        var row: [Cell] = []
        var inRow = false
        var reference = ""
        var type = ""
        var value = ""
        var inValue = false
        var inCell = false
        XMLScanner.scan(xml) { event in
            switch event {
            case .start(let name, let attributes, _):
                switch name {
                case "row":
                    inRow = true
                    row = []
                case "c":
                    inCell = true
                    reference = XMLScanner.attribute("r", in: attributes) ?? ""
                    type = XMLScanner.attribute("t", in: attributes) ?? "n"
                    value = ""
                case "v", "t":
                    inValue = inCell
                default: break
                }
            case .end(let name):
                switch name {
                case "v", "t": inValue = false
                case "c":
                    inCell = false
                    var shown = value
                    if type == "s" {
                        if let index = Int(value.trimmedSpaces), sharedStrings.indices.contains(index) {
                            shown = sharedStrings[index]
                        } else {
                            shown = "#\(value)"
                        }
                    } else if type == "b" {
                        shown = value == "1" ? "TRUE" : "FALSE"
                    }
                    if !shown.isEmpty && inRow { row.append(Cell(reference: reference, value: shown)) }
                case "row":
                    inRow = false
                    rows.append(row)
                default: break
                }
            case .text(let text):
                if inValue { value += text }
            }
            return rows.count < maxRows
        }
        return rows
    }

    /// The sheets of a workbook in order, each with its part's path in the package, from
    /// `xl/workbook.xml` and `xl/_rels/workbook.xml.rels`.
    static func sheetParts(workbook: [UInt8], relationships: [UInt8]) -> [(name: String, part: String)] {
        var targets: [String: String] = [:]
        XMLScanner.scan(relationships) { event in
            if case .start("Relationship", let attributes, _) = event,
                let id = XMLScanner.attribute("Id", in: attributes), let target = XMLScanner.attribute("Target", in: attributes)
            {
                targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
            return true
        }
        var sheets: [(name: String, part: String)] = []
        XMLScanner.scan(workbook) { event in
            if case .start("sheet", let attributes, _) = event, let name = XMLScanner.attribute("name", in: attributes) {
                let id = attributes.first { $0.0 == "r:id" || $0.0.hasSuffix(":id") }?.1
                if let id, let part = targets[id] { sheets.append((name, part)) }
            }
            return true
        }
        return sheets
    }
}

extension String {
    /// Without spaces, tabs and line breaks at either end (ASCII and U+3000).
    var trimmedSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\r\n" || c == "\u{3000}" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\r\n" || c == "\u{3000}" { s.removeLast() }
        return String(s)
    }
}
