import Store

/// Where one ZIP entry's data is, to read it later.
struct ZipEntryLocation: Equatable {
    var localHeaderOffset: Int64
    var compressedSize: Int64
    var uncompressedSize: Int64
    var method: UInt16
    var encrypted: Bool
}

/// A ZIP archive's table of contents, from its central directory.
struct ZipListing: Equatable {
    /// The first entries, in directory order.
    var entries: [ArchiveEntry] = []
    var totalEntries = 0
    /// Some entry has general-purpose flag bit 0 set.
    var encrypted = false
    /// Office Open XML packages have `[Content_Types].xml` at their root.
    var hasContentTypes = false
    /// The main part that tells which Office application a package is for.
    var hasWordDocument = false
    var hasPresentation = false
    var workbook: ZipEntryLocation?
    /// Where the parts that hold an Office document's text are (`word/document.xml`,
    /// `ppt/slides/slideN.xml`, `xl/…`), by name; at most `ZipReader.maxParts`.
    var parts: [String: ZipEntryLocation] = [:]

    /// The Office application of an Office Open XML package; nil for other ZIP files.
    var office: OfficeKind? {
        guard hasContentTypes else { return nil }
        if workbook != nil { return .excel }
        if hasWordDocument { return .word }
        if hasPresentation { return .powerPoint }
        return nil
    }
}

/// Reads ZIP archives from their central directory (found through the end-of-central-directory
/// record, ZIP64 when needed), by seeking: the entries' data is never read except for what a
/// preview needs (an .xlsx's workbook.xml).
enum ZipReader {
    static let keptEntries = 50
    /// Past this many central-directory records, the rest are not counted (a hostile archive
    /// can claim millions).
    static let maxCountedEntries = 1_000_000

    /// The most part locations a listing keeps (a package with more slides or sheets is read
    /// up to these).
    static let maxParts = 2000

    static func isTextPart(_ name: [UInt8]) -> Bool {
        name == Array("word/document.xml".utf8) || name.starts(with: Array("ppt/slides/slide".utf8)) || name.starts(with: Array("xl/".utf8))
    }

    /// Whether the bytes start like a ZIP file (a local header, or an empty archive's EOCD).
    static func looksLikeZip(_ head: [UInt8]) -> Bool {
        head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    /// The listing, or nil when no central directory can be found.
    static func list(_ file: RandomAccessFile) throws(FileError) -> ZipListing? {
        guard let directory = try locateDirectory(file) else { return nil }
        var listing = ZipListing()
        var cursor = SequentialReader(file: file, start: directory.offset, end: directory.offset + directory.size)
        while listing.totalEntries < maxCountedEntries {
            guard let fixed = try cursor.read(46), le32(fixed, 0) == 0x0201_4B50 else { break }
            let flags = le16(fixed, 8)
            let method = le16(fixed, 10)
            var compressed = Int64(le32(fixed, 20))
            var uncompressed = Int64(le32(fixed, 24))
            let nameLength = Int(le16(fixed, 28))
            let extraLength = Int(le16(fixed, 30))
            let commentLength = Int(le16(fixed, 32))
            var localOffset = Int64(le32(fixed, 42))
            guard let rawName = try cursor.read(nameLength), let extra = try cursor.read(extraLength),
                try cursor.skip(commentLength)
            else { break }

            // ZIP64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF.
            var unicodeName: [UInt8]?
            forEachExtraField(extra) { id, data in
                if id == 0x0001 {
                    var at = 0
                    if uncompressed == 0xFFFF_FFFF, at + 8 <= data.count {
                        uncompressed = Int64(bitPattern: le64(data, at))
                        at += 8
                    }
                    if compressed == 0xFFFF_FFFF, at + 8 <= data.count {
                        compressed = Int64(bitPattern: le64(data, at))
                        at += 8
                    }
                    if localOffset == 0xFFFF_FFFF, at + 8 <= data.count { localOffset = Int64(bitPattern: le64(data, at)) }
                } else if id == 0x7075, data.count > 5, data.first == 1 {
                    // Info-ZIP Unicode Path: version 1, CRC-32 of the header name, UTF-8 name.
                    // (`data` is a slice of the extra field: its indices do not start at 0.)
                    unicodeName = Array(data.dropFirst(5))
                }
            }

            let encrypted = flags & 1 != 0
            if listing.parts.count < maxParts, Self.isTextPart(rawName) {
                listing.parts[String(decoding: rawName, as: UTF8.self)] = ZipEntryLocation(
                    localHeaderOffset: localOffset &+ directory.shift, compressedSize: compressed,
                    uncompressedSize: uncompressed, method: method, encrypted: encrypted)
            }
            listing.totalEntries += 1
            if encrypted { listing.encrypted = true }
            switch rawName {
            case Array("[Content_Types].xml".utf8): listing.hasContentTypes = true
            case Array("word/document.xml".utf8): listing.hasWordDocument = true
            case Array("ppt/presentation.xml".utf8): listing.hasPresentation = true
            case Array("xl/workbook.xml".utf8):
                listing.workbook = ZipEntryLocation(
                    localHeaderOffset: localOffset &+ directory.shift, compressedSize: compressed,
                    uncompressedSize: uncompressed, method: method, encrypted: encrypted)
            default: break
            }
            if listing.entries.count < keptEntries {
                let name =
                    unicodeName.map { String(decoding: $0, as: UTF8.self) }
                    ?? entryName(rawName, utf8Flag: flags & 0x0800 != 0)
                listing.entries.append(ArchiveEntry(name: name, size: uncompressed, encrypted: encrypted))
            }
        }
        // A damaged directory: trust the count the end record declares if it is larger.
        listing.totalEntries = max(listing.totalEntries, min(directory.declaredEntries, maxCountedEntries))
        return listing
    }

    /// An entry's bytes (stored or deflated), at most `limit` of them; nil when the entry is
    /// encrypted, uses another method, or its local header is not where the directory says.
    static func read(_ file: RandomAccessFile, _ entry: ZipEntryLocation, limit: Int) throws(FileError) -> [UInt8]? {
        guard !entry.encrypted, entry.method == 0 || entry.method == 8 else { return nil }
        let header = try file.read(at: entry.localHeaderOffset, count: 30)
        guard header.count == 30, le32(header, 0) == 0x0403_4B50 else { return nil }
        let dataStart = entry.localHeaderOffset + 30 + Int64(le16(header, 26)) + Int64(le16(header, 28))
        let available = min(entry.compressedSize, max(0, file.size - dataStart))
        if entry.method == 0 {
            return try file.read(at: dataStart, count: Int(min(available, Int64(limit))))
        }
        guard let inflater = Inflater(format: .raw, limit: limit) else { return nil }
        var offset: Int64 = 0
        while offset < available && inflater.wantsInput {
            let chunk = try file.read(at: dataStart + offset, count: Int(min(available - offset, 256 << 10)))
            if chunk.isEmpty { break }
            inflater.feed(chunk)
            offset += Int64(chunk.count)
        }
        return inflater.failed && inflater.output.isEmpty ? nil : inflater.output
    }

    /// Why an entry cannot be streamed, or nil when it was streamed to the end (or `body` stopped).
    enum StreamStop: Equatable {
        case encrypted, unsupportedMethod, damaged
        /// More than `limit` bytes inflated.
        case tooLarge
        /// The deadline passed.
        case timedOut
    }

    /// Streams an entry's inflated bytes through `body` in pieces (8 KiB read at a time, so at
    /// most ~8 MiB inflated at once even at deflate's largest ratio), up to `limit` bytes in all and until `deadline` (a `MonotonicClock` time);
    /// `body` returns false to stop early. Memory stays at one piece whatever the entry's size.
    static func stream(
        _ file: RandomAccessFile, _ entry: ZipEntryLocation, limit: Int, deadline: Double, _ body: ([UInt8]) -> Bool
    ) throws(FileError) -> StreamStop? {
        if entry.encrypted { return .encrypted }
        guard entry.method == 0 || entry.method == 8 else { return .unsupportedMethod }
        let header = try file.read(at: entry.localHeaderOffset, count: 30)
        guard header.count == 30, le32(header, 0) == 0x0403_4B50 else { return .damaged }
        let dataStart = entry.localHeaderOffset + 30 + Int64(le16(header, 26)) + Int64(le16(header, 28))
        let available = min(entry.compressedSize, max(0, file.size - dataStart))
        var offset: Int64 = 0
        if entry.method == 0 {
            while offset < available {
                if MonotonicClock.now() > deadline { return .timedOut }
                if offset >= Int64(limit) { return .tooLarge }
                let chunk = try file.read(at: dataStart + offset, count: Int(min(available - offset, Int64(limit) - offset, 64 << 10)))
                if chunk.isEmpty { break }
                offset += Int64(chunk.count)
                if !body(chunk) { return nil }
            }
            return nil
        }
        guard let inflater = Inflater(format: .raw, limit: limit) else { return .damaged }
        while offset < available && inflater.wantsInput {
            if MonotonicClock.now() > deadline { return .timedOut }
            let chunk = try file.read(at: dataStart + offset, count: Int(min(available - offset, 8 << 10)))
            if chunk.isEmpty { break }
            offset += Int64(chunk.count)
            inflater.feed(chunk)
            let out = inflater.takeOutput()
            if !out.isEmpty, !body(out) { return nil }
        }
        if inflater.truncated { return .tooLarge }
        if inflater.failed { return .damaged }
        return nil
    }

    // MARK: - End of central directory

    struct Directory {
        var offset: Int64
        var size: Int64
        var declaredEntries: Int
        /// Bytes before the archive (a self-extractor's stub, or data prepended to the file):
        /// added to every offset the directory records.
        var shift: Int64
    }

    static func locateDirectory(_ file: RandomAccessFile) throws(FileError) -> Directory? {
        let tailLength = Int(min(file.size, 22 + 65_535))
        guard tailLength >= 22 else { return nil }
        let tailStart = file.size - Int64(tailLength)
        let tail = try file.read(at: tailStart, count: tailLength)
        // The record is 22 bytes plus a comment of up to 64 KiB: search backwards for it.
        var position = tail.count - 22
        var found: Int?
        while position >= 0 {
            if tail[position] == 0x50, le32(tail, position) == 0x0605_4B50,
                position + 22 + Int(le16(tail, position + 20)) <= tail.count
            {
                found = position
                break
            }
            position -= 1
        }
        guard let eocd = found else { return nil }
        let eocdOffset = tailStart + Int64(eocd)
        var entries = Int(le16(tail, eocd + 10))
        var size = Int64(le32(tail, eocd + 12))
        var offset = Int64(le32(tail, eocd + 16))
        var directoryEnd = eocdOffset

        // ZIP64: a locator 20 bytes before the record points at the ZIP64 end record.
        if eocdOffset >= 20 {
            let locator = try file.read(at: eocdOffset - 20, count: 20)
            if locator.count == 20, le32(locator, 0) == 0x0706_4B50 {
                var recordOffset = Int64(bitPattern: le64(locator, 8))
                var record = try file.read(at: recordOffset, count: 56)
                if !(record.count == 56 && le32(record, 0) == 0x0606_4B50), eocdOffset >= 76 {
                    // Data prepended to the archive moves the record too: try right before the locator.
                    recordOffset = eocdOffset - 20 - 56
                    record = try file.read(at: recordOffset, count: 56)
                }
                if record.count == 56, le32(record, 0) == 0x0606_4B50 {
                    entries = Int(clamping: le64(record, 32))
                    size = Int64(bitPattern: le64(record, 40))
                    offset = Int64(bitPattern: le64(record, 48))
                    directoryEnd = recordOffset
                }
            }
        }
        guard size >= 0, offset >= 0, size <= directoryEnd, offset <= file.size else { return nil }
        // Where the directory must start if it ends right before the end record.
        let expected = directoryEnd - size
        var shift: Int64 = 0
        if expected != offset, expected >= 0 {
            let atRecorded = try file.read(at: offset, count: 4)
            let atExpected = try file.read(at: expected, count: 4)
            if !(atRecorded.count == 4 && le32(atRecorded, 0) == 0x0201_4B50),
                atExpected.count == 4, le32(atExpected, 0) == 0x0201_4B50
            {
                shift = expected - offset
            }
        }
        return Directory(offset: offset + shift, size: size, declaredEntries: entries, shift: shift)
    }

    // MARK: - Names

    /// The entry name: UTF-8 when flag bit 11 says so or the bytes are valid UTF-8 anyway
    /// (macOS writes UTF-8 without the flag); Shift_JIS when they parse as such (Windows in
    /// Japan writes CP932 names); otherwise CP437, the format's original code page.
    static func entryName(_ raw: [UInt8], utf8Flag: Bool) -> String {
        if utf8Flag || !raw.contains(where: { $0 >= 0x80 }) { return String(decoding: raw, as: UTF8.self) }
        if let name = String(validating: raw, as: UTF8.self) { return name }
        if let pairs = TextSniffer.multibyteCount(raw, truncated: false, shiftJIS: true), pairs > 0,
            let name = IconvDecoder.decode(raw, from: "CP932")
        {
            return name
        }
        if let name = IconvDecoder.decode(raw, from: "CP437") { return name }
        var scalars = String.UnicodeScalarView()
        for byte in raw { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    static func forEachExtraField(_ extra: [UInt8], _ body: (UInt16, ArraySlice<UInt8>) -> Void) {
        var at = 0
        while at + 4 <= extra.count {
            let id = le16(extra, at)
            let length = Int(le16(extra, at + 2))
            guard at + 4 + length <= extra.count else { return }
            body(id, extra[(at + 4)..<(at + 4 + length)])
            at += 4 + length
        }
    }
}

/// Reads a range of a file front to back through a buffer (one pread per 256 KiB).
struct SequentialReader {
    let file: RandomAccessFile
    private var position: Int64
    let end: Int64
    private var buffer: [UInt8] = []
    private var bufferIndex = 0

    init(file: RandomAccessFile, start: Int64, end: Int64) {
        self.file = file
        position = start
        self.end = min(end, file.size)
    }

    /// The next `count` bytes, or nil when the range ends first.
    mutating func read(_ count: Int) throws(FileError) -> [UInt8]? {
        if count == 0 { return [] }
        if buffer.count - bufferIndex < count {
            let kept = Array(buffer[bufferIndex...])
            let wanted = Int(min(Int64(max(count, 256 << 10)), end - position))
            let more = wanted > 0 ? try file.read(at: position, count: wanted) : []
            position += Int64(more.count)
            buffer = kept + more
            bufferIndex = 0
            guard buffer.count >= count else { return nil }
        }
        let bytes = Array(buffer[bufferIndex..<(bufferIndex + count)])
        bufferIndex += count
        return bytes
    }

    mutating func skip(_ count: Int) throws(FileError) -> Bool {
        try read(count) != nil
    }
}

@inline(__always) func le16<C: RandomAccessCollection>(_ bytes: C, _ at: Int) -> UInt16 where C.Element == UInt8, C.Index == Int {
    let base = bytes.startIndex + at
    return UInt16(bytes[base]) | UInt16(bytes[base + 1]) << 8
}

@inline(__always) func le32<C: RandomAccessCollection>(_ bytes: C, _ at: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
    let base = bytes.startIndex + at
    return UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16 | UInt32(bytes[base + 3]) << 24
}

@inline(__always) func le64<C: RandomAccessCollection>(_ bytes: C, _ at: Int) -> UInt64 where C.Element == UInt8, C.Index == Int {
    UInt64(le32(bytes, at)) | UInt64(le32(bytes, at + 4)) << 32
}

@inline(__always) func be16<C: RandomAccessCollection>(_ bytes: C, _ at: Int) -> UInt16 where C.Element == UInt8, C.Index == Int {
    let base = bytes.startIndex + at
    return UInt16(bytes[base]) << 8 | UInt16(bytes[base + 1])
}

@inline(__always) func be32<C: RandomAccessCollection>(_ bytes: C, _ at: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
    UInt32(be16(bytes, at)) << 16 | UInt32(be16(bytes, at + 2))
}
