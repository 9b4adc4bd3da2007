import Foundation
import Testing
@testable import Inspect

@Suite("Content types from libmagic (file(1))")
struct ContentTypeDetectorTests {
    func write(_ name: String, _ bytes: [UInt8], in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test("real types come from content, not from the file name")
    func detects() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-inspect-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pdf = try write("見積書.pdf", Array("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".utf8), in: dir)
        let png = try write(
            "image.dat",
            [
                0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
                0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89
            ], in: dir)
        let csv = try write("顧客.csv", Array("氏名,メール\n山田,taro@example.jp\n鈴木,hanako@example.jp\n".utf8), in: dir)
        let zipAsPDF = try write("invoice.pdf", [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18), in: dir)
        let random = try write("blob.bin", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }, in: dir)

        let types = try ContentTypeDetector().contentTypes(ofFiles: [pdf, png, csv, zipAsPDF, random])
        #expect(types[0] == "application/pdf")
        #expect(types[1] == "image/png")
        #expect(types[2].hasPrefix("text/") && types[2].hasSuffix("charset=utf-8"))
        #expect(types[3] == "application/zip")
        #expect(types[4] == "application/octet-stream")
    }

    @Test("a missing file is an error naming it")
    func missing() {
        #expect {
            _ = try ContentTypeDetector().contentTypes(ofFiles: ["/nonexistent/見積書.pdf"])
        } throws: { "\($0)".contains("/nonexistent/見積書.pdf") }
    }

    @Test(
        "magic output lines become Content-Type values",
        arguments: [
            ("application/pdf; charset=binary", "application/pdf"),
            ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
            ("text/plain; charset=binary", "text/plain"),
            ("cannot open `x' (No such file)", "application/octet-stream")
        ])
    func parse(line: String, expected: String) {
        #expect(ContentTypeDetector.contentType(fromMagic: line) == expected)
    }
}
