import Store

/// Looks inside attachments before they are sent: the real type (libmagic), a fingerprint
/// (SHA-256), and a preview of the content: first lines of text, rows and columns of CSV,
/// entries of ZIP files, sheet names of workbooks, pages of PDFs, sizes of images.
///
/// Files are never read whole into memory: the fingerprint streams the file in 256 KiB pieces,
/// previews read the head (and for PDFs the tail), ZIP listings seek to the central directory.
public struct AttachmentInspector: Sendable {
    public let detector: ContentTypeDetector
    public let extractor: TextExtractor

    /// How much of a text file is decoded for the preview and for `Inspection.text`.
    static let textLimit = 2 << 20
    static let hashChunk = 256 << 10
    /// The most of an .xlsx's workbook.xml that is inflated (sheet names come first in it).
    static let workbookLimit = 4 << 20

    public init(detector: ContentTypeDetector = .init(), extractor: TextExtractor = .init()) {
        self.detector = detector
        self.extractor = extractor
    }

    /// Inspects every path, in order (one run of file(1) for all of them). Throws for the first
    /// path that cannot be read, naming it.
    /// - Parameters:
    ///   - contentTypes: the types when file(1) has already been asked (not asked again).
    ///   - fingerprint: false skips the SHA-256 (`sha256` is then empty): a whole extra read of
    ///     every file, which `guardmail send` does not need before the message is written.
    ///
    /// One file is open at a time: a message with 20,000 parts (`guardmail check`) must not need
    /// 20,000 descriptors.
    public func inspect(_ paths: [String], contentTypes: [String]? = nil, fingerprint: Bool = true) throws(InspectError) -> [Inspection] {
        guard !paths.isEmpty else { return [] }
        // Every file can be opened, before file(1) runs: the first that cannot is named.
        for path in paths {
            do {
                _ = try RandomAccessFile(path: path)
            } catch {
                throw InspectError(message: error.description)
            }
        }
        let types: [String]
        if let contentTypes, contentTypes.count == paths.count {
            types = contentTypes
        } else {
            types = try detector.contentTypes(ofFiles: paths)
        }
        var results: [Inspection] = []
        results.reserveCapacity(paths.count)
        for (path, contentType) in zip(paths, types) {
            do {
                let file = try RandomAccessFile(path: path)
                results.append(try inspect(file, contentType: contentType, fingerprint: fingerprint))
            } catch {
                throw InspectError(message: error.description)
            }
        }
        return results
    }

    func inspect(_ file: RandomAccessFile, contentType: String, fingerprint: Bool = true) throws(FileError) -> Inspection {
        let name = file.path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? file.path
        let ext = fileExtension(of: name)
        let head = try file.read(at: 0, count: 64 << 10)
        let mime = contentType.split(separator: ";").first.map(String.init) ?? contentType

        var preview = Preview.none("binary data")
        var text: String?
        var counter: TextCounter?
        var zipListing: ZipListing?

        if file.size == 0 {
            preview = .none("empty file")
        } else if mime == "application/pdf" || head.starts(with: Array("%PDF-".utf8)) {
            preview = .pdf(pages: try PDFPageCounter.pageCount(file))
        } else if ZipReader.looksLikeZip(head) || Self.zipTypes.contains(mime) || mime.hasPrefix("application/vnd.openxmlformats-") {
            if let listing = try ZipReader.list(file) {
                zipListing = listing
                preview = .archive(entries: listing.entries, totalEntries: listing.totalEntries, encrypted: listing.encrypted)
                if listing.office == .excel, let workbook = listing.workbook,
                    let xml = try ZipReader.read(file, workbook, limit: Self.workbookLimit)
                {
                    preview = .spreadsheet(sheets: WorkbookSheets.names(inWorkbookXML: xml), entries: listing.totalEntries)
                }
            } else {
                preview = .none("damaged ZIP archive")
            }
        } else if ImageHeader.format(of: head) != nil || mime.hasPrefix("image/") {
            if let image = try ImageHeader.dimensions(file, head: head) {
                preview = .image(width: image.width, height: image.height, format: image.format)
            } else {
                preview = .none("image of unknown size")
            }
        } else if mime == "application/encrypted" {
            preview = .none("encrypted document")
        } else if let decoded = try decodeText(file, mime: mime, ext: ext) {
            text = decoded.text
            let tabular = Self.tableExtensions.contains(ext) || Self.tableTypes.contains(mime)
            if tabular {
                let delimiter = TextPreviewer.delimiter(of: decoded.text, tabSeparated: ext == "tsv" || mime == "text/tab-separated-values")
                counter = TextCounter(encoding: decoded.encoding, delimiter: delimiter)
            } else {
                counter = TextCounter(encoding: decoded.encoding, delimiter: nil)
            }
        }

        // One pass over the whole file: the fingerprint, and for text the line and record counts.
        let hasher = SHA256Hasher()
        if fingerprint || counter != nil {
            try file.stream(chunkSize: Self.hashChunk) { chunk in
                if fingerprint { hasher.update(chunk) }
                counter?.consume(chunk)
            }
        }
        if var counter, let text {
            counter.finish()
            let encoding = counter.encoding.label
            if counter.delimiter != nil {
                preview = .table(lines: TextPreviewer.firstRecords(of: text), rows: counter.rows, columns: counter.columns, encoding: encoding)
            } else {
                preview = .text(lines: TextPreviewer.firstLines(of: text), lineCount: counter.lineCount, encoding: encoding)
            }
        }

        let realKind = RealKind(mime: mime, size: file.size, head: head, zip: zipListing, isText: text != nil)
        let extracted = try extractor.extract(file, mime: mime, realKind: realKind, zip: zipListing)
        return Inspection(
            path: file.path, name: name, size: file.size, sha256: fingerprint ? hasher.finalize() : "", contentType: contentType,
            extensionWarning: realKind.warning(forExtension: ext), preview: preview, text: text, extracted: extracted)
    }

    /// The decoded start of a text file, or nil when it is not text. libmagic's word counts
    /// for `text/*`; a CSV or TXT name is enough when the bytes decode cleanly (libmagic calls
    /// some Shift_JIS files binary).
    private func decodeText(_ file: RandomAccessFile, mime: String, ext: String) throws(FileError) -> (text: String, encoding: TextEncoding)? {
        let magicSaysText = mime.hasPrefix("text/") || Self.textTypes.contains(mime)
        guard magicSaysText || Self.textExtensions.contains(ext) || Self.tableExtensions.contains(ext) else { return nil }
        let head = try file.read(at: 0, count: Self.textLimit)
        let truncated = file.size > Int64(head.count)
        guard let encoding = TextSniffer.encoding(of: head, truncated: truncated, trustMagic: magicSaysText) else { return nil }
        return (TextSniffer.decode(head, as: encoding, truncated: truncated), encoding)
    }

    static let zipTypes: Set<String> = ["application/zip", "application/x-zip-compressed", "application/java-archive", "application/epub+zip"]
    static let textTypes: Set<String> = [
        "application/json", "application/xml", "application/csv", "application/x-ndjson", "application/javascript", "message/rfc822"
    ]
    static let textExtensions: Set<String> = ["txt", "text", "log", "md"]
    static let tableExtensions: Set<String> = ["csv", "tsv"]
    static let tableTypes: Set<String> = ["text/csv", "application/csv", "text/tab-separated-values"]
}

/// What a file really is, in the terms an extension promises.
enum RealKind: Equatable {
    case pdf, zip
    case office(OfficeKind)
    case officePackage, legacyOffice, encryptedDocument, text
    case jpeg, png, gif, bmp, webp, executable, empty, binary
    case other(String)

    init(mime: String, size: Int64, head: [UInt8], zip: ZipListing?, isText: Bool) {
        if size == 0 {
            self = .empty
            return
        }
        if let zip {
            if let office = zip.office { self = .office(office) } else { self = zip.hasContentTypes ? .officePackage : .zip }
            return
        }
        switch mime {
        case "application/pdf": self = .pdf
        case "application/zip": self = .zip
        case "image/jpeg": self = .jpeg
        case "image/png": self = .png
        case "image/gif": self = .gif
        case "image/bmp", "image/x-ms-bmp": self = .bmp
        case "image/webp": self = .webp
        case "application/x-dosexec", "application/vnd.microsoft.portable-executable", "application/x-msdownload":
            self = .executable
        case "application/encrypted": self = .encryptedDocument
        case "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/vnd.ms-office",
            "application/x-ole-storage", "application/CDFV2", "application/x-msi":
            self = .legacyOffice
        case "application/octet-stream": self = isText ? .text : .binary
        default:
            if mime.hasPrefix("text/") || isText { self = .text } else { self = .other(mime) }
        }
    }

    var description: String {
        switch self {
        case .pdf: return "a PDF document"
        case .zip: return "a ZIP archive"
        case .office(.word): return "a Word document"
        case .office(.excel): return "an Excel workbook"
        case .office(.powerPoint): return "a PowerPoint presentation"
        case .officePackage: return "an Office Open XML package"
        case .legacyOffice: return "an Office 97-2003 document"
        case .encryptedDocument: return "an encrypted document"
        case .text: return "text"
        case .jpeg: return "a JPEG image"
        case .png: return "a PNG image"
        case .gif: return "a GIF image"
        case .bmp: return "a BMP image"
        case .webp: return "a WebP image"
        case .executable: return "a Windows executable"
        case .empty: return "empty"
        case .binary: return "binary data"
        case .other(let mime): return mime
        }
    }

    /// "named .pdf but is a ZIP archive", or nil when the extension fits (or says nothing).
    func warning(forExtension ext: String) -> String? {
        guard let accepted = Self.accepted(forExtension: ext) else {
            // An unknown extension promises nothing, but a program should never pass unnoticed.
            guard self == .executable else { return nil }
            return ext.isEmpty ? "has no extension but is a Windows executable" : "named .\(ext) but is a Windows executable"
        }
        return accepted(self) ? nil : "named .\(ext) but is \(description)"
    }

    /// What each known extension may really be.
    static func accepted(forExtension ext: String) -> ((RealKind) -> Bool)? {
        switch ext {
        case "pdf": return { $0 == .pdf }
        case "docx", "docm", "dotx":
            return { $0 == .office(.word) || $0 == .officePackage || $0 == .encryptedDocument }
        case "xlsx", "xlsm", "xltx":
            return { $0 == .office(.excel) || $0 == .officePackage || $0 == .encryptedDocument }
        case "pptx", "pptm", "potx":
            return { $0 == .office(.powerPoint) || $0 == .officePackage || $0 == .encryptedDocument }
        case "zip":
            return {
                if case .office = $0 { return true }
                return $0 == .zip || $0 == .officePackage
            }
        case "csv", "tsv", "txt", "text", "log", "md": return { $0 == .text }
        case "jpg", "jpeg", "jpe": return { $0 == .jpeg }
        case "png": return { $0 == .png }
        case "gif": return { $0 == .gif }
        case "bmp": return { $0 == .bmp }
        case "webp": return { $0 == .webp }
        case "doc", "dot", "xls", "xlt", "ppt", "pps", "pot":
            return { $0 == .legacyOffice || $0 == .encryptedDocument }
        case "exe", "dll": return { $0 == .executable }
        default: return nil
        }
    }
}
