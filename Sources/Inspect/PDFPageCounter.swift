import Store

/// Counts a PDF's pages without a PDF library: the page tree's `/Count` in the catalog's
/// root `/Pages` object, or else the page objects themselves (`/Type /Page`), looking inside
/// compressed object streams too. When neither can be trusted the answer is nil ("unknown"),
/// never a guess.
enum PDFPageCounter {
    /// Files up to twice this are read whole; larger ones only this much of their start and end.
    static let segmentSize = 4 << 20
    /// The most bytes inflated from object streams in one file.
    static let inflateBudget = 8 << 20

    static func pageCount(_ file: RandomAccessFile) throws(FileError) -> Int? {
        if file.size <= Int64(2 * segmentSize) {
            return pageCount(segments: [try file.read(at: 0, count: Int(file.size))], complete: true)
        }
        let head = try file.read(at: 0, count: segmentSize)
        let tail = try file.read(at: file.size - Int64(segmentSize), count: segmentSize)
        return pageCount(segments: [head, tail], complete: false)
    }

    /// `segments` in file order; `complete`: they are the whole file.
    static func pageCount(segments: [[UInt8]], complete: Bool) -> Int? {
        let document = PDFObjects(segments: segments)
        if let count = document.pageTreeCount(), count > 0 { return count }
        // Counting page objects is only right when every object was seen.
        guard complete, !document.unreadableObjectStreams else { return nil }
        let pages = document.pageObjectCount()
        return pages > 0 ? pages : nil
    }
}

/// The objects of a PDF as found by scanning for `N G obj`, newest definition winning, plus
/// the objects inside `/Type /ObjStm` object streams.
struct PDFObjects {
    private struct Location {
        var segment: Int
        var start: Int
    }
    private let segments: [[UInt8]]
    private var plain: [Int: Location] = [:]
    private var compressed: [Int: ArraySlice<UInt8>] = [:]
    private(set) var unreadableObjectStreams = false

    init(segments: [[UInt8]]) {
        self.segments = segments
        for (index, bytes) in segments.enumerated() {
            for (number, start) in Self.objectStarts(in: bytes) {
                plain[number] = Location(segment: index, start: start)
            }
        }
        var budget = PDFPageCounter.inflateBudget
        for number in plain.keys.sorted() {
            guard let body = plainBody(number), PDFSyntax.nameValues("Type", in: dictionaryPart(body)).contains("ObjStm") else { continue }
            guard budget > 0, let objects = readObjectStream(number, budget: &budget) else {
                unreadableObjectStreams = true
                continue
            }
            for (objectNumber, bytes) in objects where compressed[objectNumber] == nil {
                compressed[objectNumber] = bytes
            }
        }
    }

    /// `/Count` of the root of the page tree: trailer `/Root` → catalog `/Pages` → `/Count`.
    func pageTreeCount() -> Int? {
        guard let root = trailerRoot(), let catalog = body(root) else { return nil }
        guard let pagesRef = PDFSyntax.reference("Pages", in: dictionaryPart(catalog)),
            let pages = body(pagesRef)
        else { return nil }
        let dictionary = dictionaryPart(pages)
        if let ref = PDFSyntax.reference("Count", in: dictionary), let value = body(ref) {
            return PDFSyntax.leadingInteger(value)
        }
        return PDFSyntax.integer("Count", in: dictionary)
    }

    /// The number of distinct objects whose dictionary says `/Type /Page`.
    func pageObjectCount() -> Int {
        var count = 0
        for number in Set(plain.keys).union(compressed.keys) {
            if let body = body(number), PDFSyntax.nameValues("Type", in: dictionaryPart(body)).contains("Page") { count += 1 }
        }
        return count
    }

    /// The catalog's object number from the last `/Root N G R` in the file (the newest trailer
    /// or cross-reference stream).
    private func trailerRoot() -> Int? {
        for bytes in segments.reversed() {
            var end = bytes.count
            while let at = PDFSyntax.lastIndex(of: "/Root", in: bytes[..<end]) {
                if let ref = PDFSyntax.reference("Root", in: bytes[at..<min(bytes.count, at + 64)]) { return ref }
                end = at
            }
        }
        return nil
    }

    /// The bytes of an object, from after `obj` (or its start in an object stream).
    private func body(_ number: Int) -> ArraySlice<UInt8>? {
        plainBody(number) ?? compressed[number]
    }

    private func plainBody(_ number: Int) -> ArraySlice<UInt8>? {
        guard let location = plain[number] else { return nil }
        let bytes = segments[location.segment]
        let limit = min(bytes.count, location.start + (1 << 20))
        let end = PDFSyntax.firstIndex(of: "endobj", in: bytes[location.start..<limit]) ?? limit
        return bytes[location.start..<end]
    }

    /// An object's dictionary, without the stream data that may follow it.
    private func dictionaryPart(_ body: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let stream = PDFSyntax.streamKeyword(in: body) else { return body }
        return body[body.startIndex..<stream]
    }

    /// The objects in object stream `number`: `/N` pairs of object number and offset (from
    /// `/First`) at the start of the inflated data, then the objects.
    private func readObjectStream(_ number: Int, budget: inout Int) -> [(Int, ArraySlice<UInt8>)]? {
        guard let body = plainBody(number), let streamAt = PDFSyntax.streamKeyword(in: body) else { return nil }
        let dictionary = body[body.startIndex..<streamAt]
        guard let count = PDFSyntax.integer("N", in: dictionary), let first = PDFSyntax.integer("First", in: dictionary),
            count >= 0, first >= 0
        else { return nil }
        // The data starts after "stream" and its end of line; it may run past the body's end
        // ("endobj" inside binary data), so take it from the segment up to "endstream".
        let bytes = segments[plain[number]!.segment]
        var start = streamAt + 6
        if start < bytes.count, bytes[start] == 13 { start += 1 }
        if start < bytes.count, bytes[start] == 10 { start += 1 }
        var end = bytes.count
        if let length = PDFSyntax.integer("Length", in: dictionary), PDFSyntax.reference("Length", in: dictionary) == nil,
            length >= 0, start + length <= bytes.count
        {
            end = start + length
        } else if let found = PDFSyntax.firstIndex(of: "endstream", in: bytes[start...]) {
            end = found
        }
        let data: [UInt8]
        switch PDFSyntax.nameValue("Filter", in: dictionary) {
        case "FlateDecode":
            guard PDFSyntax.firstIndex(of: "/DecodeParms", in: dictionary) == nil else { return nil }
            let (inflated, _) = Inflater.inflate(bytes[start..<end], format: .zlib, limit: budget)
            guard !inflated.isEmpty else { return nil }
            budget -= inflated.count
            data = inflated
        case nil where PDFSyntax.firstIndex(of: "/Filter", in: dictionary) == nil:
            data = Array(bytes[start..<end])
        default:
            return nil
        }
        // The header: "objnum offset objnum offset …".
        var scanner = PDFSyntax.IntegerScanner(data[0..<min(first, data.count)])
        var entries: [(Int, Int)] = []
        for _ in 0..<count {
            guard let object = scanner.next(), let offset = scanner.next() else { break }
            entries.append((object, offset))
        }
        var objects: [(Int, ArraySlice<UInt8>)] = []
        for (index, entry) in entries.enumerated() {
            let from = first + entry.1
            let to = index + 1 < entries.count ? first + entries[index + 1].1 : data.count
            guard from >= 0, from <= to, to <= data.count else { continue }
            objects.append((entry.0, data[from..<to]))
        }
        return objects
    }

    /// Every `N G obj` in `bytes`: object number and the offset just after `obj`.
    private static func objectStarts(in bytes: [UInt8]) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        let n = bytes.count
        var i = 1
        while i + 3 <= n {
            // "obj" preceded by whitespace and followed by a delimiter ("endobj" is preceded by 'd').
            guard bytes[i] == 0x6F, bytes[i + 1] == 0x62, bytes[i + 2] == 0x6A else {
                i += 1
                continue
            }
            defer { i += 3 }
            if i + 3 < n, !PDFSyntax.isDelimiterOrSpace(bytes[i + 3]) { continue }
            var j = i - 1
            guard PDFSyntax.isSpace(bytes[j]) else { continue }
            while j > 0, PDFSyntax.isSpace(bytes[j]) { j -= 1 }
            guard PDFSyntax.isDigit(bytes[j]) else { continue }
            while j > 0, PDFSyntax.isDigit(bytes[j]) { j -= 1 } // generation
            guard PDFSyntax.isSpace(bytes[j]) else { continue }
            while j > 0, PDFSyntax.isSpace(bytes[j]) { j -= 1 }
            guard PDFSyntax.isDigit(bytes[j]) else { continue }
            let numberEnd = j + 1
            while j > 0, PDFSyntax.isDigit(bytes[j - 1]) { j -= 1 }
            if j > 0, !PDFSyntax.isDelimiterOrSpace(bytes[j - 1]) { continue }
            guard numberEnd - j <= 10, let number = Int(String(decoding: bytes[j..<numberEnd], as: UTF8.self)) else { continue }
            result.append((number, i + 3))
        }
        return result
    }
}

/// Just enough PDF syntax: names, integers and `N G R` references after a dictionary key.
enum PDFSyntax {
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || b == 0x0C || b == 0x00 }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isDelimiterOrSpace(_ b: UInt8) -> Bool {
        isSpace(b) || b == 0x2F || b == 0x3C || b == 0x3E || b == 0x5B || b == 0x5D || b == 0x28 || b == 0x29 || b == 0x25 || b == 0x7B || b == 0x7D
    }

    /// Where `/Key` occurs as a whole name (not `/KeyX`); the index after the name.
    static func keyEnd(_ key: String, in bytes: ArraySlice<UInt8>) -> Int? {
        let needle = Array(("/" + key).utf8)
        var from = bytes.startIndex
        while let at = firstIndex(of: needle, in: bytes[from...]) {
            let end = at + needle.count
            if end >= bytes.endIndex || isDelimiterOrSpace(bytes[end]) { return end }
            from = end
        }
        return nil
    }

    /// The value of the first `/Key /Name`: "Name".
    static func nameValue(_ key: String, in bytes: ArraySlice<UInt8>) -> String? {
        nameValues(key, in: bytes, limit: 1).first
    }

    /// The values of every `/Key /Name` (nested dictionaries included: a page's inline font
    /// dictionary has a `/Type` of its own).
    static func nameValues(_ key: String, in bytes: ArraySlice<UInt8>, limit: Int = .max) -> [String] {
        var values: [String] = []
        var from = bytes.startIndex
        while values.count < limit, from < bytes.endIndex, let end = keyEnd(key, in: bytes[from...]) {
            var i = end
            while i < bytes.endIndex, isSpace(bytes[i]) { i += 1 }
            if i < bytes.endIndex, bytes[i] == 0x2F {
                var j = i + 1
                while j < bytes.endIndex, !isDelimiterOrSpace(bytes[j]) { j += 1 }
                values.append(String(decoding: bytes[(i + 1)..<j], as: UTF8.self))
            }
            from = end
        }
        return values
    }

    /// The value of `/Key 12` (not of `/Key 12 0 R`).
    static func integer(_ key: String, in bytes: ArraySlice<UInt8>) -> Int? {
        guard let end = keyEnd(key, in: bytes) else { return nil }
        var scanner = IntegerScanner(bytes[end...])
        guard let value = scanner.next() else { return nil }
        return value
    }

    /// The object number of `/Key 12 0 R`.
    static func reference(_ key: String, in bytes: ArraySlice<UInt8>) -> Int? {
        guard let end = keyEnd(key, in: bytes) else { return nil }
        var scanner = IntegerScanner(bytes[end...])
        guard let number = scanner.next(), scanner.next() != nil, scanner.keyword() == "R" else { return nil }
        return number
    }

    /// An object that is just an integer (`12` as the body of `5 0 obj 12 endobj`).
    static func leadingInteger(_ bytes: ArraySlice<UInt8>) -> Int? {
        var scanner = IntegerScanner(bytes)
        return scanner.next()
    }

    /// The `stream` keyword that starts an object's data (followed by an end of line).
    static func streamKeyword(in bytes: ArraySlice<UInt8>) -> Int? {
        var from = bytes.startIndex
        while let at = firstIndex(of: "stream", in: bytes[from...]) {
            let end = at + 6
            let precededOK = at == bytes.startIndex || !(bytes[at - 1] >= 0x61 && bytes[at - 1] <= 0x7A) // not "endstream"
            if precededOK, end < bytes.endIndex, bytes[end] == 0x0A || bytes[end] == 0x0D { return at }
            from = end
        }
        return nil
    }

    static func firstIndex(of needle: String, in bytes: ArraySlice<UInt8>) -> Int? {
        firstIndex(of: Array(needle.utf8), in: bytes)
    }

    static func firstIndex(of needle: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var i = bytes.startIndex
        let last = bytes.endIndex - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func lastIndex(of needle: String, in bytes: ArraySlice<UInt8>) -> Int? {
        let needle = Array(needle.utf8)
        guard bytes.count >= needle.count else { return nil }
        var i = bytes.endIndex - needle.count
        while i >= bytes.startIndex {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    /// Reads unsigned integers separated by white space (and comments), then an optional keyword.
    struct IntegerScanner {
        private let bytes: ArraySlice<UInt8>
        private var index: Int

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        private mutating func skipSpace() {
            while index < bytes.endIndex {
                if isSpace(bytes[index]) {
                    index += 1
                    continue
                }
                if bytes[index] == 0x25 { // % comment to end of line
                    while index < bytes.endIndex, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
                    continue
                }
                break
            }
        }

        mutating func next() -> Int? {
            skipSpace()
            let start = index
            while index < bytes.endIndex, isDigit(bytes[index]), index - start < 12 { index += 1 }
            guard index > start, index == bytes.endIndex || isDelimiterOrSpace(bytes[index]) else {
                index = start
                return nil
            }
            return Int(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        mutating func keyword() -> String? {
            skipSpace()
            let start = index
            while index < bytes.endIndex, !isDelimiterOrSpace(bytes[index]) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }
    }
}
