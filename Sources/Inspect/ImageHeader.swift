import Store

/// Image dimensions from the first bytes of PNG, JPEG, GIF, BMP and WebP files.
enum ImageHeader {
    struct Dimensions: Equatable {
        var width: Int
        var height: Int
        var format: String
    }

    /// Whether the head is one of the formats read here.
    static func format(of head: [UInt8]) -> String? {
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "PNG" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "JPEG" }
        if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) { return "GIF" }
        if head.starts(with: [0x42, 0x4D]), head.count >= 26 { return "BMP" }
        if head.count >= 16, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return "WebP" }
        return nil
    }

    /// The dimensions, reading further into the file only for JPEG (whose frame header comes
    /// after any number of metadata segments).
    static func dimensions(_ file: RandomAccessFile, head: [UInt8]) throws(FileError) -> Dimensions? {
        guard let format = format(of: head) else { return nil }
        let size: (Int, Int)?
        switch format {
        case "PNG": size = png(head)
        case "JPEG": size = try jpeg(file)
        case "GIF": size = head.count >= 10 ? (Int(le16(head, 6)), Int(le16(head, 8))) : nil
        case "BMP": size = bmp(head)
        default: size = webp(head)
        }
        guard let size, size.0 > 0, size.1 > 0 else { return nil }
        return Dimensions(width: size.0, height: size.1, format: format)
    }

    /// IHDR is the first chunk: width and height, big-endian, at 16 and 20.
    static func png(_ head: [UInt8]) -> (Int, Int)? {
        guard head.count >= 24, Array(head[12..<16]) == Array("IHDR".utf8) else { return nil }
        return (Int(be32(head, 16)), Int(be32(head, 20)))
    }

    /// BITMAPCOREHEADER (12 bytes) has 16-bit sizes; the later headers 32-bit ones, with a
    /// negative height for top-down images.
    static func bmp(_ head: [UInt8]) -> (Int, Int)? {
        let headerSize = le32(head, 14)
        if headerSize == 12 { return (Int(le16(head, 18)), Int(le16(head, 20))) }
        guard headerSize >= 40, head.count >= 26 else { return nil }
        let width = Int(Int32(bitPattern: le32(head, 18)))
        let height = Int(Int32(bitPattern: le32(head, 22)))
        return (abs(width), abs(height))
    }

    /// The first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended, with a canvas size).
    static func webp(_ head: [UInt8]) -> (Int, Int)? {
        guard head.count >= 30 else { return nil }
        switch String(decoding: head[12..<16], as: UTF8.self) {
        case "VP8 ":
            // A key frame: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
            guard head[23] == 0x9D, head[24] == 0x01, head[25] == 0x2A else { return nil }
            return (Int(le16(head, 26) & 0x3FFF), Int(le16(head, 28) & 0x3FFF))
        case "VP8L":
            guard head[20] == 0x2F else { return nil }
            let bits = le32(head, 21)
            return (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            let width = Int(head[24]) | Int(head[25]) << 8 | Int(head[26]) << 16
            let height = Int(head[27]) | Int(head[28]) << 8 | Int(head[29]) << 16
            return (width + 1, height + 1)
        default:
            return nil
        }
    }

    /// Walks the marker segments to the first start-of-frame (SOF0…SOF15 but DHT, JPG and DAC):
    /// precision, then height and width.
    static func jpeg(_ file: RandomAccessFile) throws(FileError) -> (Int, Int)? {
        var offset: Int64 = 2
        for _ in 0..<10_000 {
            let marker = try file.read(at: offset, count: 4)
            guard marker.count == 4, marker[0] == 0xFF else { return nil }
            let code = marker[1]
            if code == 0xFF {
                offset += 1
                continue
            } // fill byte
            if code == 0x01 || (0xD0...0xD7).contains(code) {
                offset += 2
                continue
            } // no length
            if code == 0xD9 || code == 0xDA { return nil } // end of image, or scan before any frame
            let length = Int64(be16(marker, 2))
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(code), code != 0xC4, code != 0xC8, code != 0xCC {
                let frame = try file.read(at: offset + 4, count: 5)
                guard frame.count == 5 else { return nil }
                return (Int(be16(frame, 3)), Int(be16(frame, 1)))
            }
            offset += 2 + length
        }
        return nil
    }
}
