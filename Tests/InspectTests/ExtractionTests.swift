import Foundation
import Testing
import ZIPFoundation
@testable import Inspect

/// Documents written by other software (reportlab, python-docx, openpyxl, Python's codecs: see
/// Tests/fixtures/make_documents.py), read back through `AttachmentInspector`.
@Suite("Text extraction from documents made by other software")
struct ExtractionTests {
    let inspector = AttachmentInspector()

    /// Runs Tests/fixtures/make_documents.py (Debian's python3 with python3-reportlab,
    /// python3-openpyxl, python3-docx: scripts/install-deps.sh test).
    static func make(_ kind: String, _ name: String, in folder: TempFolder, _ count: Int? = nil) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/make_documents.py").path
        let path = folder.url.appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, kind, path] + (count.map { [String($0)] } ?? [])
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "make_documents.py \(kind) failed (scripts/install-deps.sh test installs its packages)")
        return path
    }

    func inspect(_ path: String) throws -> Inspection {
        try #require(try inspector.inspect([path]).first)
    }

    @Test("a Japanese PDF from reportlab (CID font): title, author, and the lines of page 1 with their places")
    func japanesePDF() throws {
        let folder = try TempFolder()
        let result = try inspect(try Self.make("estimate-pdf", "見積書.pdf", in: folder))
        let text = try #require(result.extracted)
        #expect(text.notRead == nil)
        #expect(text.title == "御見積書 No.2026-118")
        #expect(text.author == "株式会社エグザンプル 営業部")
        #expect(text.lines.first == ExtractedLine("御見積書", at: .page(1, line: 1)))
        #expect(text.lines.contains(ExtractedLine("田中建設株式会社 御中", at: .page(1, line: 3))))
        #expect(text.lines.contains(ExtractedLine("明細 2ページ目", at: .page(2, line: 1))))
        #expect(text.previewLines(limit: 5) == ["title: 御見積書 No.2026-118", "御見積書", "2026年12月7日", "田中建設株式会社 御中", "工事部 佐藤一郎 様"])
        #expect(result.confirmationPreview(limit: 2) == ["title: 御見積書 No.2026-118", "御見積書"])
        #expect(result.documentLines.prefix(3) == ["title: 御見積書 No.2026-118", "author: 株式会社エグザンプル 営業部", "page 1, line 1: 御見積書"])
    }

    @Test("a PDF that needs a password is said to be encrypted, not read")
    func encryptedPDF() throws {
        let folder = try TempFolder()
        let result = try inspect(try Self.make("encrypted-pdf", "見積書.pdf", in: folder))
        #expect(result.extracted == .notRead("encrypted PDF, contents not read"))
    }

    @Test("a PDF decompression bomb stops at the time limit with the reason, and the page count still shows")
    func pdfBomb() throws {
        let folder = try TempFolder()
        let path = try Self.make("bomb-pdf", "bomb.pdf", in: folder)
        let inspector = AttachmentInspector(extractor: TextExtractor(seconds: 1))
        let result = try #require(try inspector.inspect([path]).first)
        let text = try #require(result.extracted)
        #expect(text.notRead?.hasPrefix("contents not read") == true)
        #expect(text.notRead?.contains("took longer than 1 s") == true)
        #expect(result.preview == .pdf(pages: 1))
    }

    @Test("without pdftotext the reason names the package to install")
    func noPoppler() throws {
        let folder = try TempFolder()
        let path = try Self.make("estimate-pdf", "見積書.pdf", in: folder)
        let inspector = AttachmentInspector(extractor: TextExtractor(pdftotext: "/nonexistent/pdftotext", pdfinfo: "/nonexistent/pdfinfo"))
        let result = try #require(try inspector.inspect([path]).first)
        #expect(result.extracted?.notRead == "contents not read: cannot run '/nonexistent/pdfinfo' (install Debian's poppler-utils)")
    }

    @Test("a Word document from python-docx: its paragraphs and table cells, numbered")
    func word() throws {
        let folder = try TempFolder()
        let result = try inspect(try Self.make("estimate-docx", "見積書.docx", in: folder))
        let text = try #require(result.extracted)
        #expect(text.notRead == nil)
        #expect(text.lines.map(\.text).prefix(2) == ["御見積書", "田中建設株式会社 御中"])
        #expect(text.lines[1].location == .line(2))
        #expect(text.lines.map(\.text).contains("足場工事"))
        #expect(text.lines.map(\.text).contains { $0.contains("sales@aozora-shoji.jp") })
    }

    @Test("a workbook from openpyxl: shared strings resolved, each cell with its sheet and reference, header and row count")
    func workbook() throws {
        let folder = try TempFolder()
        let result = try inspect(try Self.make("customers-xlsx", "顧客.xlsx", in: folder, 20))
        let text = try #require(result.extracted)
        #expect(text.notRead == nil)
        #expect(text.sheets.map(\.name) == ["顧客一覧", "備考"])
        #expect(text.sheets[0].header == ["会社名", "担当者", "メール", "電話"])
        #expect(text.sheets[0].rows == 21)
        #expect(text.sheets[0].complete)
        #expect(text.lines.contains(ExtractedLine("user3@example3.co.jp", at: .cell(sheet: "顧客一覧", reference: "C4"))))
        #expect(text.lines.contains(ExtractedLine("田中建設株式会社 御中", at: .cell(sheet: "備考", reference: "A1"))))
        #expect(text.previewLines(limit: 2) == ["sheet '顧客一覧', 21 rows: 会社名 | 担当者 | メール | 電話", "sheet '備考', 1 row: 田中建設株式会社 御中"])
    }

    @Test("a 10,000-row workbook (openpyxl's write-only mode, inline strings): every row counted, the first 1,000 read")
    func largeWorkbook() throws {
        let folder = try TempFolder()
        let result = try inspect(try Self.make("customers-xlsx", "顧客.xlsx", in: folder, 10_000))
        let text = try #require(result.extracted)
        let sheet = try #require(text.sheets.first { $0.name == "顧客一覧" })
        #expect(sheet.rows == 10_001)
        #expect(sheet.complete)
        #expect(text.lines.count == TextExtractor.maxRowsRead * 4)
    }

    @Test("a zip bomb as a worksheet of an .xlsx stops at the inflate limit with the reason")
    func workbookBomb() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("bomb.xlsx").path
        var parts = RealFileTests.workbookParts(sheets: ["Sheet1"])
        parts.removeAll { $0.0 == "xl/worksheets/sheet1.xml" }
        try RealFileTests.archive(at: path, parts)
        // 300 MiB of one repeated row (past the 256 MiB inflate limit), deflated by ZIPFoundation as it is produced.
        let row = Data("<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>".utf8)
        let total = 300 << 20
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .update)
        try archive.addEntry(
            with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(total), compressionMethod: .deflate,
            bufferSize: 1 << 20,
            provider: { position, size in
                var data = Data(capacity: size)
                var at = Int(position) % row.count
                while data.count < size {
                    let piece = row[at..<min(row.count, at + size - data.count)]
                    data.append(piece)
                    at = 0
                }
                return data
            })
        let result = try inspect(path)
        let text = try #require(result.extracted)
        let reason = try #require(text.notRead)
        #expect(reason.hasPrefix("contents not read: "))
        #expect(reason.contains("inflates to more than 256 MiB") || reason.contains("took longer than 2 s"))
        #expect(text.sheets.first?.complete == false)
        #expect(text.lines.count <= TextExtractor.maxLines)
    }

    @Test("a PowerPoint deck: each slide's paragraphs with slide and line")
    func slides() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("提案.pptx").path
        let slide = { (texts: [String]) in
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><p:sld xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:cSld><p:spTree><p:sp><p:txBody>"
                + texts.map { "<a:p><a:r><a:rPr lang=\"ja-JP\"/><a:t>\($0)</a:t></a:r></a:p>" }.joined() + "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        }
        try RealFileTests.archive(
            at: path,
            [
                ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
                ("ppt/presentation.xml", "<?xml version=\"1.0\"?><p:presentation/>"),
                ("ppt/slides/slide2.xml", slide(["価格表", "有限会社みどり商店 様"])),
                ("ppt/slides/slide1.xml", slide(["ご提案", "田中建設株式会社 御中"]))
            ])
        let text = try #require(try inspect(path).extracted)
        #expect(
            text.lines == [
                ExtractedLine("ご提案", at: .slide(1, line: 1)), ExtractedLine("田中建設株式会社 御中", at: .slide(1, line: 2)),
                ExtractedLine("価格表", at: .slide(2, line: 1)), ExtractedLine("有限会社みどり商店 様", at: .slide(2, line: 2))
            ])
    }

    @Test("legacy Office files are not guessed at")
    func legacyOffice() throws {
        let folder = try TempFolder()
        // An OLE2 compound file header (what Word 97-2003 writes), then padding.
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 4096)
        let path = try folder.write("old.doc", ole)
        let result = try #require(try inspector.inspect([path], contentTypes: ["application/msword"]).first)
        #expect(result.extracted == .notRead("old Office format, contents not read"))
    }

    @Test("CSV in CP932 (Python's codecs), EUC-JP and UTF-16 with BOM decode to the same Japanese")
    func encodings() throws {
        let folder = try TempFolder()
        let cp932 = try inspect(try Self.make("cp932-csv", "顧客.csv", in: folder))
        #expect(cp932.text?.contains("田中建設株式会社,佐藤一郎 様") == true)
        #expect(cp932.text?.contains("㈱青空商事") == true)
        let euc = try inspect(try Self.make("eucjp-csv", "顧客2.csv", in: folder))
        #expect(euc.text?.contains("田中建設株式会社,03-1234-5678") == true)
        let utf16 = try inspect(try Self.make("utf16-txt", "挨拶.txt", in: folder))
        #expect(utf16.text?.hasPrefix("田中建設株式会社 御中") == true)
    }
}

@Suite("Office XML scanning")
struct OfficeTextTests {
    @Test("shared strings leave out phonetic guides and join rich-text runs")
    func sharedStrings() {
        let xml = Array(
            "<sst><si><t>田中</t></si><si><r><t>青空</t></r><r><t>商事</t></r><rPh sb=\"0\" eb=\"2\"><t>アオゾラ</t></rPh></si><si><t xml:space=\"preserve\"> a &amp; b </t></si></sst>"
                .utf8)
        #expect(OfficeText.sharedStrings(xml, maxStrings: 10) == ["田中", "青空商事", " a & b "])
    }

    @Test("rows resolve shared strings, keep inline strings and numbers, and mark a bad index")
    func rows() {
        let xml = Array(
            "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>電話</t></is></c></row><row r=\"2\"><c r=\"A2\"><v>42</v></c><c r=\"B2\" t=\"s\"><v>9</v></c><c r=\"C2\" t=\"b\"><v>1</v></c></row></sheetData></worksheet>"
                .utf8)
        let rows = OfficeText.rows(xml, sharedStrings: ["会社名"], maxRows: 10)
        #expect(
            rows == [
                [.init(reference: "A1", value: "会社名"), .init(reference: "B1", value: "電話")],
                [.init(reference: "A2", value: "42"), .init(reference: "B2", value: "#9"), .init(reference: "C2", value: "TRUE")]
            ])
    }

    @Test("rows are counted across pieces cut anywhere, with or without a namespace prefix")
    func rowCounter() {
        let xml = Array("<x:sheetData><x:row r=\"1\"/><x:row r=\"2\"><x:c/></x:row><row>".utf8)
        for cut in 0...xml.count {
            var counter = RowCounter()
            counter.consume(Array(xml[..<cut]))
            counter.consume(Array(xml[cut...]))
            #expect(counter.rows == 3, "cut at \(cut)")
        }
    }

    @Test("damaged XML ends the scan without trapping")
    func damaged() {
        for text in ["<w:p><w:t>abc", "<w:t attr=\"x>", "<", "<![CDATA[x", "<!--", "&#xFFFFFFFF;<w:t>&#1;</w:t>"] {
            _ = OfficeText.paragraphs(Array(text.utf8), maxLines: 10)
            _ = OfficeText.rows(Array(text.utf8), sharedStrings: [], maxRows: 10)
        }
    }
}
