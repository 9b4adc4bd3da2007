import CZlibSystem
import Foundation

/// A temporary folder for one test, removed afterwards.
final class TempFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gm-attach-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }
}

/// Writes real ZIP files for the tests: stored or deflated (zlib) entries, optional ZIP64 end
/// records, and flags as given (bit 0 marks an entry encrypted; listing needs only the flag).
struct TestZipWriter {
    enum Method { case stored, deflated }

    struct Entry {
        var name: [UInt8]
        var data: [UInt8]
        var method: Method = .deflated
        var flags: UInt16 = 0x0800 // bit 11: the name is UTF-8
        /// The central directory record's extra field.
        var extra: [UInt8] = []
    }

    var entries: [Entry] = []
    var zip64 = false
    /// Bytes before the archive (as in a self-extractor).
    var prefix: [UInt8] = []

    mutating func add(_ name: String, _ text: String, method: Method = .deflated, flags: UInt16 = 0x0800) {
        entries.append(Entry(name: Array(name.utf8), data: Array(text.utf8), method: method, flags: flags))
    }

    mutating func add(rawName: [UInt8], _ data: [UInt8], method: Method = .stored, flags: UInt16 = 0, extra: [UInt8] = []) {
        entries.append(Entry(name: rawName, data: data, method: method, flags: flags, extra: extra))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let offset = UInt32(out.count) // relative to the archive, not the prefix
            let crc = entry.data.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            let payload = entry.method == .stored ? entry.data : deflateRaw(entry.data)
            let method: UInt16 = entry.method == .stored ? 0 : 8
            var local: [UInt8] = []
            local += le32(0x0403_4B50) + le16(20) + le16(entry.flags) + le16(method) + le16(0) + le16(0x5A21)
            local += le32(crc) + le32(UInt32(payload.count)) + le32(UInt32(entry.data.count))
            local += le16(UInt16(entry.name.count)) + le16(0) + entry.name
            out += local + payload
            central += le32(0x0201_4B50) + le16(0x031E) + le16(20) + le16(entry.flags) + le16(method) + le16(0) + le16(0x5A21)
            central += le32(crc) + le32(UInt32(payload.count)) + le32(UInt32(entry.data.count))
            central += le16(UInt16(entry.name.count)) + le16(UInt16(entry.extra.count)) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset)
            central += entry.name + entry.extra
        }
        let directoryOffset = out.count
        out += central
        if zip64 {
            let recordOffset = out.count
            out += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            out += le64(UInt64(entries.count)) + le64(UInt64(entries.count))
            out += le64(UInt64(central.count)) + le64(UInt64(directoryOffset))
            out += le32(0x0706_4B50) + le32(0) + le64(UInt64(recordOffset)) + le32(1)
            out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF)
            out += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
        } else {
            out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
            out += le32(UInt32(central.count)) + le32(UInt32(directoryOffset)) + le16(0)
        }
        return prefix + out
    }

    private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }
}

/// Raw deflate (no zlib header), as ZIP stores it.
func deflateRaw(_ data: [UInt8]) -> [UInt8] { deflate(data, windowBits: -15) }

/// zlib-wrapped deflate, as PDF's FlateDecode stores it.
func deflateZlib(_ data: [UInt8]) -> [UInt8] { deflate(data, windowBits: 15) }

private func deflate(_ data: [UInt8], windowBits: Int32) -> [UInt8] {
    var stream = z_stream()
    precondition(czlib_deflate_init(&stream, 9, windowBits) == Z_OK)
    defer { deflateEnd(&stream) }
    var input = data
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
    let produced = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer -> Int in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            precondition(CZlibSystem.deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return outBuffer.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<produced])
}

/// A PDF written by hand: objects given as their text (or bytes), numbered from 1, with a
/// correct cross-reference table and trailer.
struct TestPDFWriter {
    /// Object numbers and bodies; numbers not given follow the previous one.
    var objects: [(number: Int, body: [UInt8])] = []
    var root = 1
    var includeRoot = true

    mutating func add(_ body: String, number: Int? = nil) { add(bytes: Array(body.utf8), number: number) }
    mutating func add(bytes: [UInt8], number: Int? = nil) {
        objects.append((number ?? (objects.last.map { $0.number + 1 } ?? 1), bytes))
    }

    func bytes() -> [UInt8] {
        var out = Array("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int: Int] = [:]
        for object in objects {
            offsets[object.number] = out.count
            out += Array("\(object.number) 0 obj\n".utf8) + object.body + Array("\nendobj\n".utf8)
        }
        let xref = out.count
        let size = (objects.map(\.number).max() ?? 0) + 1
        var table = "xref\n0 \(size)\n"
        for number in 0..<size {
            if let offset = offsets[number] {
                let digits = String(offset)
                table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
            } else {
                table += "0000000000 65535 f \n"
            }
        }
        let rootEntry = includeRoot ? " /Root \(root) 0 R" : ""
        table += "trailer\n<< /Size \(size)\(rootEntry) >>\nstartxref\n\(xref)\n%%EOF\n"
        return out + Array(table.utf8)
    }

    /// A three-page document with plain objects: catalog, page tree, three pages, a font and
    /// a content stream.
    static func threePages() -> TestPDFWriter {
        var pdf = TestPDFWriter()
        pdf.add("<< /Type /Catalog /Pages 2 0 R >>")
        pdf.add("<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>")
        for _ in 0..<3 {
            pdf.add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 7 0 R >>")
        }
        pdf.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        let content = "BT /F1 24 Tf 72 720 Td (Hello) Tj ET"
        pdf.add("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream")
        return pdf
    }
}

/// `text` in a legacy charset, through glibc's iconv (Foundation on Linux lacks EUC-JP).
func encode(_ text: String, to charset: String) -> [UInt8]? {
    let converter = iconv_open(charset, "UTF-8")
    guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(converter) }
    var input = Array(text.utf8)
    var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
    let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var inLeft = inBuffer.count
            var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var outLeft = outBuffer.count
            guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 else { return nil }
            return outBuffer.count - outLeft
        }
    }
    return produced.map { Array(output[0..<$0]) }
}

/// `bytes` with every occurrence of `target` replaced (byte-wise: PDFs hold binary data).
func replacing(_ target: String, with replacement: String, in bytes: [UInt8]) -> [UInt8] {
    let needle = Array(target.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        if i + needle.count <= bytes.count, bytes[i..<(i + needle.count)].elementsEqual(needle) {
            out += Array(replacement.utf8)
            i += needle.count
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return out
}
