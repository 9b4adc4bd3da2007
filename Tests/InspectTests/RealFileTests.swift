import CZlibSystem
import Foundation
import Testing
import ZIPFoundation
@testable import Inspect

/// Inspection of files made by other software, not by the tests' own writers: archives and a
/// workbook written by ZIPFoundation, a password-protected archive written by Info-ZIP's `zip -P`,
/// and a complete PNG (compressed pixel data, checksums) that any viewer opens.
@Suite("Attachment inspection on files made by ZIPFoundation, zip and a PNG encoder")
struct RealFileTests {
    let inspector = AttachmentInspector()

    func inspect(_ path: String) throws -> Inspection {
        try #require(try inspector.inspect([path]).first)
    }

    /// A ZIP written by ZIPFoundation: deflated entries of the given text.
    static func archive(at path: String, _ entries: [(String, String)]) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, text) in entries {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
    }

    /// The parts Excel writes for a minimal workbook, one worksheet per name.
    static func workbookParts(sheets: [String]) -> [(String, String)] {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        func escaped(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "<", with: "&lt;")
        }
        let overrides = sheets.indices.map {
            "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }.joined()
        let sheetElements = sheets.enumerated().map { index, name in
            "<sheet name=\"\(escaped(name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }.joined()
        let relationships = sheets.indices.map {
            "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
        }.joined()
        var parts: [(String, String)] = [
            (
                "[Content_Types].xml",
                xml
                    + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\(overrides)</Types>"
            ),
            (
                "_rels/.rels",
                xml
                    + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
            (
                "xl/workbook.xml",
                xml
                    + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>\(sheetElements)</sheets></workbook>"
            ),
            (
                "xl/_rels/workbook.xml.rels",
                xml + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(relationships)</Relationships>"
            )
        ]
        for index in sheets.indices {
            parts.append(
                (
                    "xl/worksheets/sheet\(index + 1).xml",
                    xml
                        + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>顧客番号</t></is></c></row></sheetData></worksheet>"
                ))
        }
        return parts
    }

    @Test("a workbook written by ZIPFoundation: Excel type, Japanese sheet names, no warning")
    func xlsx() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("売上報告.xlsx").path
        try Self.archive(at: path, Self.workbookParts(sheets: ["売上", "顧客 & \"取引先\"", "2026年度"]))
        let result = try inspect(path)
        #expect(result.preview == .spreadsheet(sheets: ["売上", "顧客 & \"取引先\"", "2026年度"], entries: 7))
        #expect(result.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(result.extensionWarning == nil)
        #expect(result.summary.hasSuffix("Excel workbook, 3 sheets: 売上, 顧客 & \"取引先\", 2026年度"))
    }

    @Test("a ZIP written by ZIPFoundation: every entry with its uncompressed size, Japanese names")
    func zipListing() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("書類一式.zip").path
        try Self.archive(
            at: path,
            [
                ("見積書.txt", String(repeating: "見積 ", count: 500)), ("契約書/本文.txt", "契約"), ("readme.txt", "hello")
            ])
        let result = try inspect(path)
        #expect(result.contentType == "application/zip")
        #expect(
            result.preview
                == .archive(
                    entries: [
                        ArchiveEntry(name: "見積書.txt", size: 3500, encrypted: false),
                        ArchiveEntry(name: "契約書/本文.txt", size: 6, encrypted: false),
                        ArchiveEntry(name: "readme.txt", size: 5, encrypted: false)
                    ], totalEntries: 3, encrypted: false))
        #expect(result.extensionWarning == nil)
    }

    @Test("a ZIP renamed invoice.pdf is called out")
    func zipNamedPDF() throws {
        let folder = try TempFolder()
        let path = folder.url.appendingPathComponent("invoice.pdf").path
        try Self.archive(at: path, [("invoice.exe", "MZ not really")])
        let result = try inspect(path)
        #expect(result.contentType == "application/zip")
        #expect(result.extensionWarning == "named .pdf but is a ZIP archive")
    }

    @Test("a password-protected ZIP made by Info-ZIP's zip -P is flagged encrypted")
    func passwordProtectedZip() throws {
        let folder = try TempFolder()
        let plain = try folder.write("顧客一覧.csv", text: "氏名,電話\n山田,03-1234-5678\n")
        let path = folder.url.appendingPathComponent("PPAP.zip").path
        let zip = Process()
        zip.executableURL = URL(fileURLWithPath: "/usr/bin/zip")
        zip.currentDirectoryURL = folder.url
        zip.arguments = ["-q", "-j", "-P", "secret", path, plain]
        try zip.run()
        zip.waitUntilExit()
        try #require(zip.terminationStatus == 0, "zip -P failed (is the zip package installed? scripts/install-deps.sh test)")
        let result = try inspect(path)
        guard case .archive(let entries, let total, let encrypted) = result.preview else {
            Issue.record("expected an archive, got \(result.preview)")
            return
        }
        #expect(encrypted)
        #expect(total == 1)
        #expect(entries.map(\.name) == ["顧客一覧.csv"])
        #expect(entries.map(\.encrypted) == [true])
        #expect(result.summary.hasSuffix("ZIP archive, 1 entry, encrypted"))
        // The confirmation screen still lists the entries, and says the contents were not read.
        #expect(result.extracted == .notRead("encrypted ZIP, contents not read"))
        #expect(result.confirmationPreview(limit: 4) == ["顧客一覧.csv  34 B  (encrypted)", "encrypted ZIP, contents not read"])
    }

    /// A complete RGB PNG: signature, IHDR, zlib-compressed rows in IDAT, IEND, each chunk with
    /// its CRC.
    static func png(width: Int, height: Int) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            return be32(UInt32(data.count)) + body + be32(crc)
        }
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0) // filter: none
            for x in 0..<width { raw += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), 128] }
        }
        var compressedSize = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        _ = compress(&compressed, &compressedSize, raw, uLong(raw.count))
        let header = be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("IDAT", Array(compressed[..<Int(compressedSize)])) + chunk("IEND", [])
    }

    @Test("a complete PNG: libmagic's type, its dimensions, its SHA-256")
    func png() throws {
        let folder = try TempFolder()
        let bytes = Self.png(width: 37, height: 23)
        let path = try folder.write("スクリーンショット.png", bytes)
        let result = try inspect(path)
        #expect(result.contentType == "image/png")
        #expect(result.preview == .image(width: 37, height: 23, format: "PNG"))
        #expect(result.sha256 == SHA256Hasher.hex(bytes))
        #expect(result.size == Int64(bytes.count))
        #expect(result.extensionWarning == nil)
    }
}
