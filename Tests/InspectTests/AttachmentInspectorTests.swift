import Foundation
import Testing
@testable import Inspect

@Suite("SHA-256 (OpenSSL through CCrypto)")
struct SHA256HasherTests {
    @Test("known answers: empty, abc, a million a's")
    func knownAnswers() {
        #expect(SHA256Hasher.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hasher = SHA256Hasher()
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(thousand) }
        #expect(hasher.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // After finalize the hasher starts over.
        hasher.update("abc")
        #expect(hasher.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("pieces of any size give the same digest as one update")
    func pieces() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let hasher = SHA256Hasher()
        var index = 0
        var size = 1
        while index < bytes.count {
            let end = min(bytes.count, index + size)
            hasher.update(Array(bytes[index..<end]))
            index = end
            size = size * 3 % 1024 + 1
        }
        #expect(hasher.finalize() == SHA256Hasher.hex(bytes))
    }
}

@Suite("Attachment inspection on real files")
struct AttachmentInspectorTests {
    let inspector = AttachmentInspector()

    func inspect(_ path: String) throws -> Inspection {
        try #require(try inspector.inspect([path]).first)
    }

    // MARK: CSV and text

    /// Japanese headers, CRLF, a quoted field holding a comma and a line break, a "" escape.
    static let csv = "氏名,住所,メール\r\n山田太郎,\"東京都千代田区1-1,\r\n丸の内ビル\",taro@example.jp\r\n鈴木花子,\"大阪府\"\"本店\"\"\",hanako@example.jp\r\n"

    @Test("CSV in UTF-8 with BOM and CRLF: records, columns, quoted comma and line break")
    func csvUTF8() throws {
        let folder = try TempFolder()
        let path = try folder.write("顧客一覧.csv", [0xEF, 0xBB, 0xBF] + Array(Self.csv.utf8))
        let result = try inspect(path)
        guard case .table(let lines, let rows, let columns, let encoding) = result.preview else {
            Issue.record("expected a table, got \(result.preview)")
            return
        }
        #expect(rows == 3)
        #expect(columns == 3)
        #expect(encoding == "UTF-8 (BOM)")
        #expect(lines.first == "氏名,住所,メール")
        #expect(lines.count == 3)
        #expect(lines[1] == "山田太郎,\"東京都千代田区1-1,⏎丸の内ビル\",taro@example.jp")
        #expect(result.text == Self.csv)
        #expect(result.extensionWarning == nil)
        #expect(result.summary.hasPrefix("顧客一覧.csv  "))
        #expect(result.summary.hasSuffix("CSV, 3 rows × 3 columns, UTF-8 (BOM)"))
    }

    @Test("the same CSV in Shift_JIS is detected and decoded through iconv")
    func csvShiftJIS() throws {
        let folder = try TempFolder()
        let sjis = try #require(Self.csv.data(using: .shiftJIS))
        let path = try folder.write("顧客一覧_sjis.csv", Array(sjis))
        let result = try inspect(path)
        guard case .table(let lines, let rows, let columns, let encoding) = result.preview else {
            Issue.record("expected a table, got \(result.preview)")
            return
        }
        #expect(encoding == "Shift_JIS (CP932)")
        #expect(rows == 3 && columns == 3)
        #expect(lines.first == "氏名,住所,メール")
        #expect(result.text == Self.csv)
        #expect(result.extensionWarning == nil)
    }

    @Test("EUC-JP text is told apart from Shift_JIS")
    func textEUCJP() throws {
        let folder = try TempFolder()
        let text = "見積もりのお知らせ\nよろしくお願いします\n"
        let path = try folder.write("memo.txt", try #require(encode(text, to: "EUC-JP")))
        let result = try inspect(path)
        #expect(result.preview == .text(lines: ["見積もりのお知らせ", "よろしくお願いします"], lineCount: 2, encoding: "EUC-JP"))
        #expect(result.text == text)
    }

    @Test("TSV: tab-separated fields, no final line break")
    func tsv() throws {
        let folder = try TempFolder()
        let path = try folder.write("list.tsv", text: "a\tb\tc\td\n1\t2\t3\t4\n5\t6\t7\t8")
        let result = try inspect(path)
        guard case .table(_, let rows, let columns, _) = result.preview else {
            Issue.record("expected a table, got \(result.preview)")
            return
        }
        #expect(rows == 3 && columns == 4)
        #expect(result.summary.contains("TSV, 3 rows × 4 columns"))
    }

    @Test("plain text: 8 first lines cut to 200 characters, the whole file's line count")
    func plainText() throws {
        let folder = try TempFolder()
        var text = String(repeating: "あ", count: 300) + "\n"
        for i in 2...20 { text += "line \(i)\n" }
        let path = try folder.write("notes.txt", text: text)
        let result = try inspect(path)
        guard case .text(let lines, let lineCount, let encoding) = result.preview else {
            Issue.record("expected text, got \(result.preview)")
            return
        }
        #expect(lineCount == 20)
        #expect(encoding == "UTF-8")
        #expect(lines.count == 8)
        #expect(lines[0] == String(repeating: "あ", count: 200))
        #expect(lines[7] == "line 8")
        let preview = result.previewLines(limit: 5)
        #expect(preview.count == 5)
        #expect(preview[3] == "line 4")
        #expect(preview[4] == "… 16 more lines")
    }

    @Test("a large text file: the line count covers the whole file, the text only its first 2 MiB")
    func largeText() throws {
        let folder = try TempFolder()
        let line = Array("0123456789,abcdefghij,ABCDEFGHIJ,0123456789,abcdefghij,ABCDEFGHIJ\n".utf8) // 67 bytes
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.count * 50_000)
        for _ in 0..<50_000 { bytes += line }
        let path = try folder.write("big.csv", bytes)
        let result = try inspect(path)
        guard case .table(_, let rows, let columns, _) = result.preview else {
            Issue.record("expected a table, got \(result.preview)")
            return
        }
        #expect(rows == 50_000 && columns == 6)
        let text = try #require(result.text)
        #expect(text.utf8.count <= 2 << 20)
        #expect(text.utf8.count > (2 << 20) - 100)
    }

    // MARK: ZIP and Office

    static func workbookZip(sheets: [String]) -> TestZipWriter {
        var zip = TestZipWriter()
        zip.add(
            "[Content_Types].xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>
            """)
        zip.add(
            "_rels/.rels",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """)
        let sheetElements = sheets.enumerated().map { index, name in
            let escaped = name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            return "<sheet name=\"\(escaped)\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }.joined()
        zip.add(
            "xl/workbook.xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><!-- <sheet name="not this"/> --><bookViews><workbookView/></bookViews><sheets>\(sheetElements)</sheets><definedNames><definedName name="x">'a'!$A$1</definedName></definedNames></workbook>
            """)
        for index in sheets.indices {
            zip.add(
                "xl/worksheets/sheet\(index + 1).xml",
                """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>秘</t></is></c></row></sheetData></worksheet>
                """)
        }
        return zip
    }

    @Test("an .xlsx: sheet names (Japanese, with entities) from the deflated workbook.xml")
    func xlsx() throws {
        let folder = try TempFolder()
        let path = try folder.write("売上報告.xlsx", Self.workbookZip(sheets: ["売上", "顧客 & \"取引先\""]).bytes())
        let result = try inspect(path)
        #expect(result.preview == .spreadsheet(sheets: ["売上", "顧客 & \"取引先\""], entries: 5))
        #expect(result.extensionWarning == nil)
        #expect(result.summary.hasSuffix("Excel workbook, 2 sheets: 売上, 顧客 & \"取引先\""))
        #expect(result.previewLines(limit: 10) == ["sheet 1: 売上", "sheet 2: 顧客 & \"取引先\""])
    }

    @Test("an .xlsx named .docx is called out as a workbook")
    func workbookNamedDocx() throws {
        let folder = try TempFolder()
        let path = try folder.write("契約書.docx", Self.workbookZip(sheets: ["Sheet1"]).bytes())
        #expect(try inspect(path).extensionWarning == "named .docx but is an Excel workbook")
    }

    @Test("a .docx lists its entries, no warning")
    func docx() throws {
        let folder = try TempFolder()
        var zip = TestZipWriter()
        zip.add("[Content_Types].xml", "<Types/>")
        zip.add("word/document.xml", "<w:document/>")
        let path = try folder.write("契約書.docx", zip.bytes())
        let result = try inspect(path)
        #expect(result.extensionWarning == nil)
        #expect(
            result.preview
                == .archive(
                    entries: [
                        ArchiveEntry(name: "[Content_Types].xml", size: 8, encrypted: false),
                        ArchiveEntry(name: "word/document.xml", size: 13, encrypted: false)
                    ], totalEntries: 2, encrypted: false))
        #expect(result.summary.hasSuffix("Word document, 2 entries"))
    }

    @Test("a ZIP: stored and deflated entries, UTF-8 and Shift_JIS names, sizes")
    func zipListing() throws {
        let folder = try TempFolder()
        var zip = TestZipWriter()
        zip.add("見積書.pdf", String(repeating: "PDF ", count: 1000), method: .deflated)
        zip.add("readme.txt", "hello", method: .stored)
        zip.add(rawName: Array(try #require("請求書.txt".data(using: .shiftJIS))), Array("x".utf8))
        zip.add("folder/", "", method: .stored)
        let path = try folder.write("files.zip", zip.bytes())
        let result = try inspect(path)
        #expect(
            result.preview
                == .archive(
                    entries: [
                        ArchiveEntry(name: "見積書.pdf", size: 4000, encrypted: false),
                        ArchiveEntry(name: "readme.txt", size: 5, encrypted: false),
                        ArchiveEntry(name: "請求書.txt", size: 1, encrypted: false),
                        ArchiveEntry(name: "folder/", size: 0, encrypted: false)
                    ], totalEntries: 4, encrypted: false))
        #expect(result.contentType == "application/zip")
        #expect(result.extensionWarning == nil)
        #expect(result.previewLines(limit: 3) == ["見積書.pdf  4 KiB", "readme.txt  5 B", "… 2 more entries"])
    }

    @Test("Info-ZIP's Unicode Path extra field gives the name (it trapped: found by fuzzing)")
    func unicodePathExtraField() throws {
        let folder = try TempFolder()
        // As Info-ZIP's zip writes a non-ASCII name: the header name in a legacy code page, the
        // UTF-8 name in extra field 0x7075 (version 1, CRC-32 of the header name, the name),
        // here after another extra field so that the field does not start the extra data.
        let utf8Name = Array("議事録.txt".utf8)
        let unicodePath: [UInt8] = [0x75, 0x70, UInt8(5 + utf8Name.count), 0, 1, 0xDE, 0xAD, 0xBE, 0xEF] + utf8Name
        let other: [UInt8] = [0x55, 0x54, 5, 0, 3, 0, 0, 0, 0] // extended timestamp
        var zip = TestZipWriter()
        zip.add(rawName: Array("???.txt".utf8), Array("x".utf8), extra: unicodePath)
        zip.add(rawName: Array("b.txt".utf8), Array("y".utf8), extra: other + unicodePath)
        // A field too short to hold a name, and one of another version: the header name stays.
        zip.add(rawName: Array("c.txt".utf8), Array("z".utf8), extra: [0x75, 0x70, 5, 0, 1, 1, 2, 3, 4])
        zip.add(rawName: Array("d.txt".utf8), Array("w".utf8), extra: [0x75, 0x70, 6, 0, 2, 1, 2, 3, 4, 0x41])
        let path = try folder.write("minutes.zip", zip.bytes())
        guard case .archive(let entries, let total, _) = try inspect(path).preview else {
            Issue.record("expected an archive")
            return
        }
        #expect(total == 4)
        #expect(entries.map(\.name) == ["議事録.txt", "議事録.txt", "c.txt", "d.txt"])
    }

    @Test("an encrypted entry (flag bit 0) marks the archive encrypted")
    func encryptedZip() throws {
        let folder = try TempFolder()
        var zip = TestZipWriter()
        zip.add("public.txt", "ok", method: .stored)
        zip.add("secret.xlsx", "12-byte header and ciphertext", method: .stored, flags: 0x0801)
        let path = try folder.write("PPAP.zip", zip.bytes())
        let result = try inspect(path)
        guard case .archive(let entries, let total, let encrypted) = result.preview else {
            Issue.record("expected an archive, got \(result.preview)")
            return
        }
        #expect(encrypted)
        #expect(total == 2)
        #expect(entries.map(\.encrypted) == [false, true])
        #expect(result.summary.hasSuffix("ZIP archive, 2 entries, encrypted"))
        #expect(result.previewLines(limit: 5).last == "secret.xlsx  29 B  (encrypted)")
    }

    @Test("more than 50 entries: 50 listed, all counted")
    func manyEntries() throws {
        let folder = try TempFolder()
        var zip = TestZipWriter()
        for i in 0..<120 { zip.add("f\(i).txt", "\(i)", method: .stored) }
        let path = try folder.write("many.zip", zip.bytes())
        guard case .archive(let entries, let total, _) = try inspect(path).preview else {
            Issue.record("expected an archive")
            return
        }
        #expect(entries.count == 50)
        #expect(total == 120)
        #expect(entries.last?.name == "f49.txt")
    }

    @Test("ZIP64 end records, and data prepended to the archive")
    func zip64AndPrefix() throws {
        let folder = try TempFolder()
        var zip = Self.workbookZip(sheets: ["一", "二", "三"])
        zip.zip64 = true
        let path64 = try folder.write("zip64.xlsx", zip.bytes())
        #expect(try inspect(path64).preview == .spreadsheet(sheets: ["一", "二", "三"], entries: 6))

        var prefixed = TestZipWriter()
        prefixed.prefix = Array(repeating: 0x90, count: 1000)
        prefixed.add("a.txt", "aaa")
        let listing = try ZipReader.list(RandomAccessFile(path: folder.write("sfx.bin", prefixed.bytes())))
        #expect(listing?.entries == [ArchiveEntry(name: "a.txt", size: 3, encrypted: false)])
        prefixed.zip64 = true
        let listing64 = try ZipReader.list(RandomAccessFile(path: folder.write("sfx64.bin", prefixed.bytes())))
        #expect(listing64?.entries == [ArchiveEntry(name: "a.txt", size: 3, encrypted: false)])
    }

    @Test("a ZIP renamed .pdf is flagged")
    func zipNamedPDF() throws {
        let folder = try TempFolder()
        var zip = TestZipWriter()
        zip.add("顧客リスト.csv", "氏名,メール\n")
        let path = try folder.write("見積書.pdf", zip.bytes())
        let result = try inspect(path)
        #expect(result.extensionWarning == "named .pdf but is a ZIP archive")
        #expect(result.summary.hasSuffix("ZIP archive, 1 entry  ! named .pdf but is a ZIP archive"))
        #expect(result.previewLines(limit: 1) == ["! named .pdf but is a ZIP archive"])
        #expect(result.previewLines(limit: 4).first == "! named .pdf but is a ZIP archive")
    }

    // MARK: PDF

    @Test("a three-page PDF: /Count of the page tree")
    func pdfThreePages() throws {
        let folder = try TempFolder()
        let path = try folder.write("見積書.pdf", TestPDFWriter.threePages().bytes())
        let result = try inspect(path)
        #expect(result.contentType == "application/pdf")
        #expect(result.preview == .pdf(pages: 3))
        #expect(result.extensionWarning == nil)
        #expect(result.summary.hasSuffix("PDF, 3 pages"))
        #expect(result.summary.hasPrefix("見積書.pdf  "))
    }

    @Test("without a trailer /Root, page objects are counted (not /Pages)")
    func pdfFallback() throws {
        var pdf = TestPDFWriter.threePages()
        pdf.includeRoot = false
        #expect(PDFPageCounter.pageCount(segments: [pdf.bytes()], complete: true) == 3)
        // With only part of the file seen, counting could miss pages: unknown.
        #expect(PDFPageCounter.pageCount(segments: [pdf.bytes()], complete: false) == nil)
    }

    @Test("the page tree inside a compressed object stream")
    func pdfObjectStream() throws {
        // Objects 2-5 (page tree and pages) live in object stream 7; the trailer is plain.
        let inner = [
            "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>",
            "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
            "<< /Type /Page /Parent 2 0 R >>",
            "<< /Type /Page /Parent 2 0 R >>"
        ]
        var header = ""
        var offset = 0
        for (index, object) in inner.enumerated() {
            header += "\(index + 2) \(offset) "
            offset += object.utf8.count + 1
        }
        let data = Array((header + "\n" + inner.map { $0 + "\n" }.joined()).utf8)
        let compressed = deflateZlib(data)
        var pdf = TestPDFWriter()
        pdf.add("<< /Type /Catalog /Pages 2 0 R >>")
        pdf.add("<< /Producer (test) >>", number: 6)
        pdf.add(
            bytes: Array("<< /Type /ObjStm /N 4 /First \(header.utf8.count + 1) /Filter /FlateDecode /Length \(compressed.count) >>\nstream\n".utf8)
                + compressed + Array("\nendstream".utf8))
        let bytes = pdf.bytes()
        let folder = try TempFolder()
        let result = try inspect(try folder.write("compressed.pdf", bytes))
        #expect(result.preview == .pdf(pages: 3))

        // The fallback also looks inside the stream (the inline font's /Type does not hide /Page).
        let withoutRoot = replacing("/Root 1 0 R", with: "", in: bytes)
        #expect(PDFPageCounter.pageCount(segments: [withoutRoot], complete: true) == 3)
        // A damaged object stream makes the count unknown rather than wrong.
        let damaged = replacing("/Filter /FlateDecode", with: "/Filter /LZWDecode", in: withoutRoot)
        #expect(PDFPageCounter.pageCount(segments: [damaged], complete: true) == nil)
    }

    @Test("a PDF over 8 MiB: only its head and tail are read")
    func largePDF() throws {
        var pdf = TestPDFWriter.threePages()
        let filler = String(repeating: "0123456789abcdef\n", count: 700_000) // about 11.9 MiB
        pdf.add("<< /Length \(filler.utf8.count) >>\nstream\n\(filler)\nendstream")
        let folder = try TempFolder()
        let result = try inspect(try folder.write("large.pdf", pdf.bytes()))
        #expect(result.size > 8 << 20)
        #expect(result.preview == .pdf(pages: 3))
    }

    @Test("a PDF whose page tree cannot be found reports an unknown page count")
    func pdfUnknown() throws {
        let folder = try TempFolder()
        let path = try folder.write("broken.pdf", Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8))
        let result = try inspect(path)
        #expect(result.preview == .pdf(pages: nil))
        #expect(result.summary.hasSuffix("PDF, pages unknown"))
    }

    // MARK: Images

    @Test("image dimensions from PNG, JPEG, GIF, BMP and WebP headers")
    func images() throws {
        let folder = try TempFolder()
        let png: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
            0, 0, 0x07, 0x80, 0, 0, 0x04, 0x38, 8, 6, 0, 0, 0, 0, 0, 0, 0
        ]
        // SOI, APP0 (JFIF), APP1 (a 3 KiB Exif block to walk past), DQT, SOF0 (480 × 640), EOI.
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        jpeg += [0xFF, 0xE1, 0x0C, 0x02] + Array("Exif\0\0".utf8) + [UInt8](repeating: 0x11, count: 0x0C02 - 8)
        jpeg += [0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 1, count: 64)
        jpeg += [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x80, 0x01, 0xE0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        jpeg += [0xFF, 0xD9]
        let gif: [UInt8] = Array("GIF89a".utf8) + [0x40, 0x01, 0xF0, 0x00, 0xF7, 0, 0] + [UInt8](repeating: 0, count: 32) + [0x3B]
        var bmp: [UInt8] = [0x42, 0x4D] + [UInt8](repeating: 0, count: 12) + [40, 0, 0, 0, 0x20, 0x03, 0, 0, 0x88, 0xFF, 0xFF, 0xFF]
        bmp += [1, 0, 24, 0] + [UInt8](repeating: 0, count: 24)
        let webp: [UInt8] = Array("RIFF".utf8) + [30, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0, 0x10, 0, 0, 0, 0x7F, 0x07, 0x00, 0x37, 0x04, 0x00]
        let webpLossy: [UInt8] =
            Array("RIFF".utf8) + [30, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [18, 0, 0, 0, 0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00]
            + [UInt8](repeating: 0, count: 8)

        let paths = try [
            folder.write("photo.png", png), folder.write("写真.jpg", jpeg), folder.write("anim.gif", gif),
            folder.write("scan.bmp", bmp), folder.write("pic.webp", webp), folder.write("lossy.webp", webpLossy)
        ]
        let results = try inspector.inspect(paths)
        #expect(
            results.map(\.preview) == [
                .image(width: 1920, height: 1080, format: "PNG"),
                .image(width: 480, height: 640, format: "JPEG"),
                .image(width: 320, height: 240, format: "GIF"),
                .image(width: 800, height: 120, format: "BMP"),
                .image(width: 1920, height: 1080, format: "WebP"),
                .image(width: 320, height: 240, format: "WebP")
            ])
        #expect(results[0].contentType == "image/png")
        #expect(results[1].contentType == "image/jpeg")
        #expect(results.allSatisfy { $0.extensionWarning == nil })
        #expect(results[1].summary.hasSuffix("JPEG image, 480 × 640"))
    }

    @Test("a PNG named .jpg is flagged")
    func pngNamedJPEG() throws {
        let folder = try TempFolder()
        let png: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
            0, 0, 0, 16, 0, 0, 0, 16, 8, 6, 0, 0, 0, 0, 0, 0, 0
        ]
        #expect(try inspect(try folder.write("photo.jpeg", png)).extensionWarning == "named .jpeg but is a PNG image")
    }

    // MARK: Large and odd files

    @Test("a 64 MiB sparse file is streamed for its SHA-256 (checked against sha256sum)")
    func largeSparseFile() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("zeros.bin").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        try #require(ftruncate(fd, 64 << 20) == 0)
        close(fd)

        let reference = Process()
        reference.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        reference.arguments = [path]
        let pipe = Pipe()
        reference.standardOutput = pipe
        try reference.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        reference.waitUntilExit()
        let expected = String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init)

        let result = try inspect(path)
        #expect(result.size == 64 << 20)
        #expect(result.sha256 == expected)
        #expect(result.sha256 == (try SHA256Hasher.hex(ofFile: path)))
        #expect(result.preview == .none("binary data"))
        #expect(result.text == nil)
    }

    @Test("an empty file, and an empty .pdf")
    func emptyFiles() throws {
        let folder = try TempFolder()
        let results = try inspector.inspect([try folder.write("empty.txt", []), try folder.write("empty.pdf", [])])
        #expect(results.map(\.preview) == [.none("empty file"), .none("empty file")])
        #expect(results[0].sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(results[0].extensionWarning == "named .txt but is empty")
        #expect(results[1].extensionWarning == "named .pdf but is empty")
    }

    @Test("a program is flagged whatever its name, and a right-to-left override cannot hide it")
    func executable() throws {
        let folder = try TempFolder()
        // A minimal PE header: MZ stub pointing at "PE\0\0" with an i386 file header.
        var exe = [UInt8](repeating: 0, count: 512)
        exe[0] = 0x4D
        exe[1] = 0x5A
        exe[0x3C] = 0x80
        exe[0x80..<0x84] = [0x50, 0x45, 0, 0]
        exe[0x84] = 0x4C
        exe[0x85] = 0x01
        exe[0x94] = 0xE0
        exe[0x96] = 0x02
        exe[0x97] = 0x01
        exe[0x98] = 0x0B
        exe[0x99] = 0x01
        let path = try folder.write("invoice\u{202E}fdp.scr", exe)
        let result = try inspect(path)
        #expect(result.contentType == "application/vnd.microsoft.portable-executable" || result.contentType == "application/x-dosexec")
        #expect(result.extensionWarning == "named .scr but is a Windows executable")
        #expect(result.summary.hasPrefix("invoice<U+202E>fdp.scr  "))
    }

    @Test("paths that cannot be inspected are errors naming them")
    func errors() throws {
        let folder = try TempFolder()
        #expect { _ = try inspector.inspect([folder.url.path + "/missing.pdf"]) } throws: { "\($0)".contains("missing.pdf") }
        #expect { _ = try inspector.inspect([folder.url.path]) } throws: { "\($0)".contains("directory") }
        #expect(try inspector.inspect([]).isEmpty)
    }

    // MARK: Pieces

    @Test("workbook.xml scanning: prefixes, single quotes, entities, hidden comments")
    func sheetScanner() {
        let xml =
            #"<x:workbook><!-- <x:sheet name="no"/> --><x:sheets><x:sheet name='A&amp;B' sheetId="1"/><x:sheet sheetId="2" name="&#x58;&#89;&lt;"/></x:sheets><x:sheet name="after"/></x:workbook>"#
        #expect(WorkbookSheets.names(inWorkbookXML: Array(xml.utf8)) == ["A&B", "XY<"])
    }

    @Test("text sniffing: UTF-8 cut mid-character, Shift_JIS, binary")
    func sniffing() {
        let utf8 = Array("日本語".utf8)
        #expect(TextSniffer.encoding(of: Array(utf8.dropLast()), truncated: true, trustMagic: false) == .utf8)
        #expect(TextSniffer.encoding(of: [0x82, 0xA0, 0x82, 0xA2], truncated: false, trustMagic: false) == .shiftJIS)
        #expect(TextSniffer.encoding(of: [0x41, 0x00, 0x42], truncated: false, trustMagic: true) == nil)
        #expect(TextSniffer.encoding(of: [0xFF, 0xFE, 0x41, 0x00], truncated: false, trustMagic: false) == .utf16LE)
    }

    @Test("UTF-16 text (Excel's Unicode text) is decoded and counted by code units")
    func utf16() throws {
        let folder = try TempFolder()
        let text = "名前\t金額\r\n山田\t1000\r\n"
        let path = try folder.write("export.tsv", [0xFF, 0xFE] + Array(try #require(text.data(using: .utf16LittleEndian))))
        let result = try inspect(path)
        #expect(result.preview == .table(lines: ["名前\t金額", "山田\t1000"], rows: 2, columns: 2, encoding: "UTF-16LE"))
        #expect(result.text == text)
    }

    @Test("display safety: controls and bidi overrides become visible code points")
    func displaySafety() {
        #expect(displaySafe("a\u{1B}[2Jb\tc\u{202E}d") == "a<U+001B>[2Jb c<U+202E>d")
    }
}
