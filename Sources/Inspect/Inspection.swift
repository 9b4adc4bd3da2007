import MailCore

/// What an attachment really is, for the confirmation screen and the send policy.
public struct Inspection: Sendable, Equatable {
    /// The path as given.
    public var path: String
    /// The last component of the path (the name the recipients will see).
    public var name: String
    public var size: Int64
    /// SHA-256 of the whole file, 64 lowercase hex digits.
    public var sha256: String
    /// From libmagic (`ContentTypeDetector`): `application/pdf`, `text/plain; charset=utf-8`.
    public var contentType: String
    /// Set when the name's extension does not match the content, e.g. "named .pdf but is a ZIP archive".
    public var extensionWarning: String?
    public var preview: Preview
    /// For text and CSV/TSV: the text decoded to Unicode (at most the first 2 MiB of the file),
    /// for the policy's sensitive-data scan. Nil for everything else.
    public var text: String?
    /// For PDF, Word, Excel and PowerPoint files: their text with where each line is, or why it
    /// was not read (`ExtractedText.notRead`). Nil for text files (`text` has it) and for kinds
    /// that hold no text (images, archives).
    public var extracted: ExtractedText?

    public init(
        path: String, name: String, size: Int64, sha256: String, contentType: String,
        extensionWarning: String? = nil, preview: Preview, text: String? = nil, extracted: ExtractedText? = nil
    ) {
        self.path = path
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.contentType = contentType
        self.extensionWarning = extensionWarning
        self.preview = preview
        self.text = text
        self.extracted = extracted
    }
}

/// Where a line of extracted text is in its file, as people would look for it.
public enum TextLocation: Sendable, Equatable, CustomStringConvertible {
    case line(Int)
    case page(Int, line: Int)
    case cell(sheet: String, reference: String)
    case slide(Int, line: Int)

    /// "line 3", "page 1, line 3", "sheet '見積' cell B2", "slide 2, line 1".
    public var description: String {
        switch self {
        case .line(let line): return "line \(line)"
        case .page(let page, let line): return "page \(page), line \(line)"
        case .cell(let sheet, let reference): return "sheet '\(displaySafe(sheet))' cell \(reference)"
        case .slide(let slide, let line): return "slide \(slide), line \(line)"
        }
    }
}

/// One line of a document's text: a PDF's line, a Word paragraph, a worksheet cell, a slide's paragraph.
public struct ExtractedLine: Sendable, Equatable {
    public var text: String
    public var location: TextLocation

    public init(_ text: String, at location: TextLocation) {
        self.text = text
        self.location = location
    }
}

/// A worksheet as the preview shows it: its header row and how many rows it has.
public struct SheetSummary: Sendable, Equatable {
    public var name: String
    /// The values of the first row that has any, in column order.
    public var header: [String]
    /// Rows the sheet records (`<row>` elements: a formatted row without a value counts too).
    public var rows: Int
    /// False when the sheet was not read to its end (a limit): `rows` is then a lower bound.
    public var complete: Bool

    public init(name: String, header: [String], rows: Int, complete: Bool) {
        self.name = name
        self.header = header
        self.rows = rows
        self.complete = complete
    }
}

/// The text of a document, read within limits of time and size (`TextExtractor`).
public struct ExtractedText: Sendable, Equatable {
    /// The lines in reading order (for a workbook, one per cell with a value), at most
    /// `TextExtractor.maxLines` of them.
    public var lines: [ExtractedLine]
    /// A PDF's metadata.
    public var title: String?
    public var author: String?
    /// For a workbook, each sheet's header and row count.
    public var sheets: [SheetSummary]
    /// Why the contents (or the rest of them) were not read: "old Office format, contents not
    /// read", "encrypted PDF, contents not read", "contents not read: took longer than 2 s".
    public var notRead: String?

    public init(lines: [ExtractedLine] = [], title: String? = nil, author: String? = nil, sheets: [SheetSummary] = [], notRead: String? = nil) {
        self.lines = lines
        self.title = title
        self.author = author
        self.sheets = sheets
        self.notRead = notRead
    }

    public static func notRead(_ why: String) -> ExtractedText { ExtractedText(notRead: why) }

    /// The first lines for a preview pane: the title (PDF), each sheet's header row and row
    /// count (workbook), then the first lines of text; the reason last when something was not read.
    public func previewLines(limit: Int) -> [String] {
        var out: [String] = []
        if let title, !title.isEmpty { out.append("title: " + displaySafe(title)) }
        if !sheets.isEmpty {
            for sheet in sheets {
                let rows = "\(sheet.rows)\(sheet.complete ? "" : "+") \(sheet.rows == 1 ? "row" : "rows")"
                out.append("sheet '\(displaySafe(sheet.name))', \(rows): " + sheet.header.map(displaySafe).joined(separator: " | "))
            }
        } else {
            for line in lines.prefix(max(0, limit - out.count)) { out.append(displaySafe(line.text)) }
        }
        if let notRead { out.append(notRead) }
        return Array(out.prefix(limit))
    }

    /// Every line with its place, for a pager: "page 1, line 3: 田中建設株式会社 御中".
    public var fullText: [String] {
        var out: [String] = []
        if let title, !title.isEmpty { out.append("title: " + displaySafe(title)) }
        if let author, !author.isEmpty { out.append("author: " + displaySafe(author)) }
        out += lines.map { "\($0.location): \(displaySafe($0.text))" }
        if let notRead { out.append(notRead) }
        return out
    }
}

/// A look inside a file, by kind.
public enum Preview: Sendable, Equatable {
    /// Plain text: the first lines (at most 8, each at most 200 characters), the number of lines
    /// in the whole file, and the encoding it was decoded from ("UTF-8", "Shift_JIS (CP932)", …).
    case text(lines: [String], lineCount: Int, encoding: String)
    /// CSV or TSV: the first records (at most 8, one line each, a line break inside a quoted
    /// field shown as ⏎, each cut to 200 characters); over the whole file, the number of records
    /// (header included, blank lines not) and the largest number of fields in a record.
    case table(lines: [String], rows: Int, columns: Int, encoding: String)
    /// ZIP and Office documents other than workbooks: the first 50 entries, how many there are,
    /// and whether any entry is encrypted.
    case archive(entries: [ArchiveEntry], totalEntries: Int, encrypted: Bool)
    /// An Excel workbook (.xlsx): its sheet names in order, and its number of ZIP entries.
    case spreadsheet(sheets: [String], entries: Int)
    /// A PDF and its page count, nil when it cannot be told for sure.
    case pdf(pages: Int?)
    case image(width: Int, height: Int, format: String)
    /// Nothing to show, and why: "binary data", "empty file", "encrypted document", …
    case none(String)
}

/// One entry of a ZIP archive's central directory.
public struct ArchiveEntry: Sendable, Equatable {
    public var name: String
    /// Uncompressed size.
    public var size: Int64
    /// General-purpose flag bit 0 (traditional PKWARE or AES encryption).
    public var encrypted: Bool

    public init(name: String, size: Int64, encrypted: Bool) {
        self.name = name
        self.size = size
        self.encrypted = encrypted
    }
}

extension Inspection {
    /// One line for lists: `見積書.pdf  1.2 MiB  PDF, 3 pages`, with any extension warning at
    /// the end (`  ! named .pdf but is a ZIP archive`). Control and bidirectional-override
    /// characters in the name are shown as `<U+202E>`, so a name cannot disguise its extension.
    public var summary: String {
        var line = "\(displaySafe(name))  \(formatBytes(size))  \(kindDescription)"
        if let extensionWarning { line += "  ! \(extensionWarning)" }
        return line
    }

    /// Up to `limit` lines for the confirmation screen: the extension warning first, then what
    /// the preview shows (first lines of text, archive entries, sheet names, …). When there is
    /// more than fits, the last line says how much was left out.
    public func previewLines(limit: Int) -> [String] {
        guard limit > 0 else { return [] }
        var lines: [String] = []
        if let extensionWarning { lines.append("! \(extensionWarning)") }
        var notShown = 0
        var unit = ("line", "lines")
        switch preview {
        case .text(let text, let lineCount, _):
            lines += text.map(displaySafe)
            notShown = max(0, lineCount - text.count)
        case .table(let records, let rows, _, _):
            lines += records.map(displaySafe)
            notShown = max(0, rows - records.count)
            unit = ("row", "rows")
        case .archive(let entries, let total, _):
            lines += entries.map { entry in
                let size = entry.name.hasSuffix("/") ? "" : "  \(formatBytes(entry.size))"
                return displaySafe(entry.name) + size + (entry.encrypted ? "  (encrypted)" : "")
            }
            notShown = max(0, total - entries.count)
            unit = ("entry", "entries")
        case .spreadsheet(let sheets, _):
            lines += sheets.enumerated().map { "sheet \($0.offset + 1): \(displaySafe($0.element))" }
            unit = ("sheet", "sheets")
        case .pdf, .image, .none:
            lines.append(kindDescription)
        }
        if lines.count + (notShown > 0 ? 1 : 0) <= limit {
            if notShown > 0 { lines.append(moreNote(notShown, unit)) }
            return lines
        }
        // Too many: keep what fits and let the last line count the rest (never hiding the warning).
        if limit == 1 { return [lines[0]] }
        let kept = limit - 1
        let hidden = lines.count - kept + notShown
        return Array(lines.prefix(kept)) + [moreNote(hidden, unit)]
    }

    /// The preview for the confirmation screen: for a document whose text was read, the
    /// extension warning and the first lines of its text (`ExtractedText.previewLines`: a PDF's
    /// title and first lines, each sheet's header row and row count) or why it was not read;
    /// for other files `previewLines(limit:)`.
    public func confirmationPreview(limit: Int) -> [String] {
        guard let extracted, limit > 0 else { return previewLines(limit: limit) }
        if extracted.lines.isEmpty && extracted.sheets.isEmpty && extracted.title == nil, let notRead = extracted.notRead {
            // Nothing read (an encrypted ZIP, an old .doc): what the file shows without its text,
            // then why the text is missing.
            return limit == 1 ? [notRead] : previewLines(limit: limit - 1) + [notRead]
        }
        var lines: [String] = []
        if let extensionWarning { lines.append("! \(extensionWarning)") }
        lines += extracted.previewLines(limit: limit - lines.count)
        return lines
    }

    /// Every line of text read from the file with its place, for the confirmation screen's
    /// pager: a document's extracted lines ("page 1, line 3: …"), a text file's decoded start
    /// ("line 3: …"); empty when nothing was read.
    public var documentLines: [String] {
        if let extracted { return extracted.fullText }
        guard let text else { return [] }
        var out: [String] = []
        var number = 0
        // By scalars: "\r\n" is one Character, which a split at "\n" would not see.
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let content = line.last == "\r" ? line.dropLast() : line[...]
            out.append("line \(number): " + displaySafe(String(String.UnicodeScalarView(content))))
        }
        if out.last == "line \(number): " { out.removeLast() }
        return out
    }

    private func moreNote(_ n: Int, _ unit: (String, String)) -> String {
        "… \(n) more \(n == 1 ? unit.0 : unit.1)"
    }

    /// The kind and its vital numbers: "PDF, 3 pages", "CSV, 120 rows × 8 columns, Shift_JIS (CP932)".
    /// What the file is, without its name and size: "PDF, 3 pages", "ZIP, 12 entries, ENCRYPTED".
    public var kindDescription: String {
        switch preview {
        case .text(_, let lineCount, let encoding):
            return "text, \(count(lineCount, "line")), \(encoding)"
        case .table(_, let rows, let columns, let encoding):
            return "\(tableKind), \(count(rows, "row")) × \(count(columns, "column")), \(encoding)"
        case .archive(_, let total, let encrypted):
            return "\(archiveKind), \(count(total, "entry", "entries"))" + (encrypted ? ", encrypted" : "")
        case .spreadsheet(let sheets, _):
            let names = sheets.prefix(5).map(displaySafe).joined(separator: ", ")
            let more = sheets.count > 5 ? ", …" : ""
            return "Excel workbook, \(count(sheets.count, "sheet"))" + (sheets.isEmpty ? "" : ": \(names)\(more)")
        case .pdf(let pages):
            return "PDF, " + (pages.map { count($0, "page") } ?? "pages unknown")
        case .image(let width, let height, let format):
            return "\(format) image, \(width) × \(height)"
        case .none(let reason):
            return "\(reason) (\(contentType))"
        }
    }

    private var lowercasedExtension: String { fileExtension(of: name) }

    private var tableKind: String {
        lowercasedExtension == "tsv" || contentType.hasPrefix("text/tab-separated-values") ? "TSV" : "CSV"
    }

    private var archiveKind: String {
        switch officeKind(contentType: contentType, extension: lowercasedExtension) {
        case .word: return "Word document"
        case .excel: return "Excel workbook"
        case .powerPoint: return "PowerPoint presentation"
        case nil: return "ZIP archive"
        }
    }
}

private func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : (plural ?? singular + "s"))"
}

enum OfficeKind { case word, excel, powerPoint }

/// Which Office application a ZIP-based document belongs to, by libmagic's type or else by name.
func officeKind(contentType: String, extension ext: String) -> OfficeKind? {
    if contentType.contains("wordprocessingml") { return .word }
    if contentType.contains("spreadsheetml") { return .excel }
    if contentType.contains("presentationml") { return .powerPoint }
    switch ext {
    case "docx", "docm", "dotx": return .word
    case "xlsx", "xlsm", "xltx": return .excel
    case "pptx", "pptm", "potx": return .powerPoint
    default: return nil
    }
}

/// Whether a file of this name is a document whose text the inspector extracts (a PDF, or a
/// Word, Excel or PowerPoint file): the check that may take a moment (up to 2 s a document).
public func isTextExtractedDocument(named name: String) -> Bool {
    let ext = fileExtension(of: name)
    return ext == "pdf" || officeKind(contentType: "", extension: ext) != nil
}

/// The lowercased extension of a file name, without the dot; "" when there is none.
func fileExtension(of name: String) -> String {
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
    return String(name[name.index(after: dot)...]).lowercased()
}

/// Text made safe for a terminal line: control characters, and the invisible characters that
/// reorder or hide text (bidirectional overrides, zero-width), become `<U+XXXX>`; tabs become spaces.
func displaySafe(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        let v = scalar.value
        if v == 9 {
            out.append(" ")
        } else if v < 0x20 || (0x7F...0x9F).contains(v) || (0x200B...0x200F).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0xFEFF
        {
            let hex = String(v, radix: 16, uppercase: true)
            for s in "<U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)>".unicodeScalars { out.append(s) }
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}
