import Store

/// The text inside documents people attach, read within bounds: a time limit per file, a cap on
/// what is inflated or printed, and a cap on what is kept (lines and characters).
///
/// - PDF: poppler-utils' `pdftotext` and `pdfinfo` in a child process (killed at the time
///   limit, at the output limit, and confined to `memoryKiB` of address space), the first
///   `maxPages` pages; title and author from the metadata.
/// - Word (.docx), PowerPoint (.pptx), Excel (.xlsx): the XML parts through `ZipReader`, each
///   inflated through a small buffer up to `maxInflated` bytes.
/// - Legacy Office (.doc/.xls/.ppt) and encrypted documents: not read, and said so.
public struct TextExtractor: Sendable {
    public var pdftotext: String
    public var pdfinfo: String
    /// Time allowed per file, in seconds.
    public var seconds: Double
    /// Address-space limit of the PDF tools.
    public var memoryKiB: Int

    /// Lines kept per file.
    public static let maxLines = 20_000
    /// Characters kept per file (as `AttachmentInspector.textLimit` for text files).
    public static let maxCharacters = 2 << 20
    /// Pages of a PDF read.
    public static let maxPages = 50
    /// Bytes of `pdftotext` output read.
    static let maxPDFOutput = 8 << 20
    /// Bytes inflated from one ZIP part.
    public static let maxInflated = 256 << 20
    /// A part held whole to be scanned (document.xml, a slide, sharedStrings.xml, the head of a sheet).
    static let maxPartHeld = 8 << 20
    /// Rows of each worksheet read for their cells (all rows are counted).
    public static let maxRowsRead = 1000

    public init(pdftotext: String = "/usr/bin/pdftotext", pdfinfo: String = "/usr/bin/pdfinfo", seconds: Double = 2, memoryKiB: Int = 1 << 20) {
        self.pdftotext = pdftotext
        self.pdfinfo = pdfinfo
        self.seconds = seconds
        self.memoryKiB = memoryKiB
    }

    /// The text of `file` if it is a kind this reads (nil otherwise).
    func extract(_ file: RandomAccessFile, mime: String, realKind: RealKind, zip: ZipListing?) throws(FileError) -> ExtractedText? {
        let deadline = MonotonicClock.now() + seconds
        switch realKind {
        case .pdf:
            return try pdf(file.path, deadline: deadline)
        case .legacyOffice:
            return .notRead("old Office format, contents not read")
        case .encryptedDocument:
            return .notRead("encrypted document, contents not read")
        case .office(let kind):
            guard let zip else { return nil }
            if zip.encrypted { return .notRead("encrypted ZIP, contents not read") }
            switch kind {
            case .word: return try word(file, zip, deadline: deadline)
            case .powerPoint: return try slides(file, zip, deadline: deadline)
            case .excel: return try workbook(file, zip, deadline: deadline)
            }
        case .zip, .officePackage:
            if let zip, zip.encrypted { return .notRead("encrypted ZIP, contents not read") }
            return nil
        default:
            return nil
        }
    }

    // MARK: - PDF

    func pdf(_ path: String, deadline: Double) throws(FileError) -> ExtractedText {
        var result = ExtractedText()
        let info: Subprocess.BoundedOutput
        do {
            info = try Subprocess.runBounded(
                [pdfinfo, "-enc", "UTF-8", path], limit: 64 << 10, seconds: max(0.05, deadline - MonotonicClock.now()), memoryKiB: memoryKiB)
        } catch {
            return .notRead("contents not read: cannot run '\(pdfinfo)' (install Debian's poppler-utils)")
        }
        if info.timedOut { return .notRead("contents not read: the PDF took longer than \(Self.secondsText(seconds)) to open") }
        guard info.status == 0 else {
            if info.status == 127 { return .notRead("contents not read: cannot run '\(pdfinfo)' (install Debian's poppler-utils)") }
            if Self.looksEncrypted(path) { return .notRead("encrypted PDF, contents not read") }
            return .notRead("contents not read: the PDF is damaged (pdfinfo could not open it)")
        }
        for line in String(decoding: info.standardOutput, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("Title:") { result.title = String(line.dropFirst(6)).trimmedSpaces }
            if line.hasPrefix("Author:") { result.author = String(line.dropFirst(7)).trimmedSpaces }
        }
        if result.title?.isEmpty == true { result.title = nil }
        if result.author?.isEmpty == true { result.author = nil }

        let left = deadline - MonotonicClock.now()
        guard left > 0 else {
            result.notRead = "contents not read: the PDF took longer than \(Self.secondsText(seconds)) to open"
            return result
        }
        let text: Subprocess.BoundedOutput
        do {
            text = try Subprocess.runBounded(
                [pdftotext, "-q", "-enc", "UTF-8", "-l", String(Self.maxPages), path, "-"], limit: Self.maxPDFOutput, seconds: left,
                memoryKiB: memoryKiB)
        } catch {
            result.notRead = "contents not read: cannot run '\(pdftotext)' (install Debian's poppler-utils)"
            return result
        }
        if text.status != 0 && !text.timedOut && !text.overLimit {
            result.notRead =
                text.status == 127
                ? "contents not read: cannot run '\(pdftotext)' (install Debian's poppler-utils)"
                : Self.looksEncrypted(path) ? "encrypted PDF, contents not read" : "contents not read: the PDF is damaged (pdftotext failed)"
            return result
        }
        var bytes = text.standardOutput
        if text.timedOut || text.overLimit {
            // The last line may be cut anywhere: keep whole lines only.
            if let lastBreak = bytes.lastIndex(where: { $0 == 10 || $0 == 12 }) { bytes.removeSubrange((lastBreak + 1)...) } else { bytes = [] }
        }
        var page = 1
        var line = 0
        var kept = 0
        var lastPage = 0
        for piece in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            var piece = piece[...]
            while piece.first == 12 {
                page += 1
                line = 0
                piece = piece.dropFirst()
            }
            let string = String(decoding: piece, as: UTF8.self).trimmedSpaces
            guard !string.isEmpty else { continue }
            line += 1
            guard result.lines.count < Self.maxLines, kept < Self.maxCharacters else { break }
            kept += string.count
            result.lines.append(ExtractedLine(string, at: .page(page, line: line)))
            lastPage = page
        }
        if text.timedOut {
            result.notRead = "contents not read past page \(max(1, lastPage)): took longer than \(Self.secondsText(seconds))"
        } else if text.overLimit {
            result.notRead = "contents not read past page \(max(1, lastPage)): more than \(Self.maxPDFOutput >> 20) MiB of text"
        }
        return result
    }

    /// Whether a PDF's trailer names an /Encrypt dictionary (looked for in its last 64 KiB).
    static func looksEncrypted(_ path: String) -> Bool {
        guard let file = try? RandomAccessFile(path: path) else { return false }
        let tailStart = max(0, file.size - (64 << 10))
        guard let tail = try? file.read(at: tailStart, count: Int(file.size - tailStart)) else { return false }
        return PDFSyntax.firstIndex(of: "/Encrypt", in: tail[...]) != nil
    }

    static func secondsText(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    // MARK: - Office Open XML

    /// A part held whole, or why not.
    private func part(_ file: RandomAccessFile, _ zip: ZipListing, _ name: String, deadline: Double) throws(FileError) -> Result<[UInt8], ReadStop> {
        guard let location = zip.parts[name] else { return .failure(.missing) }
        var held: [UInt8] = []
        let stop = try ZipReader.stream(file, location, limit: Self.maxInflated, deadline: deadline) { piece in
            held += piece
            return held.count < Self.maxPartHeld
        }
        if let stop { return .failure(.stream(stop)) }
        if held.count > Self.maxPartHeld { held.removeSubrange(Self.maxPartHeld...) }
        return .success(held)
    }

    enum ReadStop: Error {
        case missing
        case stream(ZipReader.StreamStop)

        func reason(_ name: String, seconds: Double) -> String {
            switch self {
            case .missing: return "contents not read: '\(name)' is missing"
            case .stream(.encrypted): return "encrypted ZIP, contents not read"
            case .stream(.unsupportedMethod): return "contents not read: '\(name)' is compressed in a way not supported"
            case .stream(.damaged): return "contents not read: '\(name)' is damaged"
            case .stream(.tooLarge): return "contents not read: '\(name)' inflates to more than \(TextExtractor.maxInflated >> 20) MiB"
            case .stream(.timedOut): return "contents not read: took longer than \(TextExtractor.secondsText(seconds))"
            }
        }
    }

    func word(_ file: RandomAccessFile, _ zip: ZipListing, deadline: Double) throws(FileError) -> ExtractedText {
        switch try part(file, zip, "word/document.xml", deadline: deadline) {
        case .failure(let stop): return .notRead(stop.reason("word/document.xml", seconds: seconds))
        case .success(let xml):
            let paragraphs = OfficeText.paragraphs(xml, maxLines: Self.maxLines)
            return ExtractedText(lines: Self.bounded(paragraphs.enumerated().map { ExtractedLine($0.element, at: .line($0.offset + 1)) }))
        }
    }

    func slides(_ file: RandomAccessFile, _ zip: ZipListing, deadline: Double) throws(FileError) -> ExtractedText {
        // ppt/slides/slide12.xml: in slide number order (not the presentation's order when
        // slides were moved; good enough to find names).
        let numbered = zip.parts.keys.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("ppt/slides/slide"), name.hasSuffix(".xml") else { return nil }
            return Int(name.dropFirst("ppt/slides/slide".count).dropLast(4)).map { ($0, name) }
        }.sorted { $0.0 < $1.0 }
        var result = ExtractedText()
        for (index, (_, name)) in numbered.enumerated() {
            switch try part(file, zip, name, deadline: deadline) {
            case .failure(let stop):
                result.notRead = stop.reason(name, seconds: seconds)
                return result
            case .success(let xml):
                for (line, text) in OfficeText.paragraphs(xml, maxLines: Self.maxLines).enumerated() {
                    result.lines.append(ExtractedLine(text, at: .slide(index + 1, line: line + 1)))
                }
            }
            if result.lines.count >= Self.maxLines { break }
        }
        result.lines = Self.bounded(result.lines)
        return result
    }

    func workbook(_ file: RandomAccessFile, _ zip: ZipListing, deadline: Double) throws(FileError) -> ExtractedText {
        var result = ExtractedText()
        guard case .success(let workbookXML) = try part(file, zip, "xl/workbook.xml", deadline: deadline),
            case .success(let relationships) = try part(file, zip, "xl/_rels/workbook.xml.rels", deadline: deadline)
        else { return .notRead("contents not read: the workbook's sheet list is missing or damaged") }
        var shared: [String] = []
        if zip.parts["xl/sharedStrings.xml"] != nil {
            switch try part(file, zip, "xl/sharedStrings.xml", deadline: deadline) {
            case .failure(let stop): return .notRead(stop.reason("xl/sharedStrings.xml", seconds: seconds))
            case .success(let xml): shared = OfficeText.sharedStrings(xml, maxStrings: 1 << 20)
            }
        }
        for sheet in OfficeText.sheetParts(workbook: workbookXML, relationships: relationships) {
            guard let location = zip.parts[sheet.part] else { continue }
            // The head of the sheet is held for its cells; every row is counted as it streams past.
            var head: [UInt8] = []
            var counter = RowCounter()
            let stop = try ZipReader.stream(file, location, limit: Self.maxInflated, deadline: deadline) { piece in
                if head.count < Self.maxPartHeld { head += piece.prefix(Self.maxPartHeld - head.count) }
                counter.consume(piece)
                return true
            }
            let rows = OfficeText.rows(head, sharedStrings: shared, maxRows: Self.maxRowsRead)
            for cell in rows.joined() where result.lines.count < Self.maxLines {
                result.lines.append(ExtractedLine(cell.value, at: .cell(sheet: sheet.name, reference: cell.reference)))
            }
            let header = rows.first { !$0.isEmpty }?.map(\.value) ?? []
            result.sheets.append(SheetSummary(name: sheet.name, header: header, rows: max(counter.rows, rows.count), complete: stop == nil))
            if let stop {
                result.notRead = ReadStop.stream(stop).reason(sheet.part, seconds: seconds)
                break
            }
        }
        result.lines = Self.bounded(result.lines)
        return result
    }

    /// At most `maxCharacters` characters of lines.
    static func bounded(_ lines: [ExtractedLine]) -> [ExtractedLine] {
        var kept = 0
        var out: [ExtractedLine] = []
        for line in lines.prefix(maxLines) {
            kept += line.text.unicodeScalars.count
            if kept > maxCharacters { break }
            out.append(line)
        }
        return out
    }
}

/// Counts `<row` start tags (any namespace prefix) in a worksheet streamed in pieces.
struct RowCounter {
    private(set) var rows = 0
    /// The bytes after the last '<' of the previous piece, when a tag may straddle two pieces.
    private var carry: [UInt8] = []

    mutating func consume(_ piece: [UInt8]) {
        let bytes = carry + piece
        carry = []
        var i = 0
        let n = bytes.count
        while i < n {
            guard bytes[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            // The tag name, up to a space, '>' or '/'.
            var j = i + 1
            while j < n, j - i < 40, bytes[j] != 0x20, bytes[j] != 0x3E, bytes[j] != 0x2F, bytes[j] != 0x09, bytes[j] != 0x0A, bytes[j] != 0x0D,
                bytes[j] != 0x3C
            {
                j += 1
            }
            if j == n {
                carry = Array(bytes[i...].prefix(40))
                return
            }
            let name = bytes[(i + 1)..<j]
            if name.elementsEqual("row".utf8) || (name.count > 4 && name.suffix(4).elementsEqual(":row".utf8)) { rows += 1 }
            i = j
        }
    }
}
