import Testing

@testable import MailCore

/// The piecewise decoding a forward uses to write a large attachment to a file: the pieces
/// joined are exactly the whole decoding, wherever the cuts fall.
@Suite("Transfer decoding in pieces")
struct TransferDecodingPiecesTests {
    static func pieces(_ text: [UInt8], _ encoding: String, chunk: Int) -> (joined: [UInt8], count: Int) {
        var joined: [UInt8] = []
        var count = 0
        text.withUnsafeBufferPointer { buffer in
            TransferDecoding.decode(buffer, encoding: encoding, chunkSize: chunk) { piece in
                joined += piece
                count += 1
            }
        }
        return (joined, count)
    }

    static func whole(_ text: [UInt8], _ encoding: String) -> [UInt8] {
        text.withUnsafeBufferPointer { TransferDecoding.decode($0, encoding: encoding) }
    }

    static let binary: [UInt8] = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ $0 >> 3) }

    static let cases: [(name: String, encoding: String, text: [UInt8])] = [
        ("base64, 76-column lines", "base64", Array(Base64.encode(binary).chunked(76).joined(separator: "\r\n").utf8)),
        ("base64, odd line lengths and junk", "base64", Array(Base64.encode(binary).chunked(61).joined(separator: " \n\t*").utf8)),
        ("base64, one line", "base64", Array(Base64.encode(binary).utf8)),
        ("base64, '=' ends the data, junk after it", "base64", Array((Base64.encode(Array(binary[0..<1000])) + "\r\nQUJD\r\n").utf8)),
        ("base64, an incomplete final group", "base64", Array((Base64.encode(Array(binary[0..<999])).dropLast(2) + "Q").utf8)),
        (
            "quoted-printable, soft breaks, escapes, trailing spaces", "quoted-printable",
            Array(
                String(repeating: "caf=C3=A9 au lait =\r\nsoft broken  \r\n=E6=97=A5=E6=9C=AC=\nline\t \n", count: 60).utf8)
        ),
        ("quoted-printable, one long line", "quoted-printable", Array(String(repeating: "a=3Db ", count: 500).utf8)),
        ("7bit", "7bit", Array(String(repeating: "plain text\r\n", count: 300).utf8)),
        ("binary", "binary", binary)
    ]

    @Test("the pieces joined are the whole decoding, for every cut size", arguments: 0..<cases.count)
    func joined(_ index: Int) {
        let c = Self.cases[index]
        let expected = Self.whole(c.text, c.encoding)
        #expect(!expected.isEmpty)
        for chunk in [1, 3, 4, 5, 7, 64, 77, 1000, 1 << 20] {
            let (joined, _) = Self.pieces(c.text, c.encoding, chunk: chunk)
            #expect(joined == expected, "\(c.name), pieces of \(chunk)")
        }
    }

    @Test("a large input comes in many pieces, none much larger than asked")
    func bounded() {
        let text = Array(Base64.encode(Array(repeating: Self.binary, count: 40).joined()).chunked(76).joined(separator: "\r\n").utf8)
        var largest = 0
        var count = 0
        text.withUnsafeBufferPointer { buffer in
            TransferDecoding.decode(buffer, encoding: "base64", chunkSize: 4096) { piece in
                largest = max(largest, piece.count)
                count += 1
            }
        }
        #expect(count >= text.count / 4096)
        #expect(largest <= (4096 + 4) / 4 * 3)
    }

    @Test("an attachment parsed without its content is decoded from the message, the same as parsed with it")
    func fromTheMessage() throws {
        let pdf = Array("%PDF-1.4\n".utf8) + Self.binary
        let message = Array(
            [
                "From: a@example.jp", "To: b@example.jp", "Subject: s", "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=\"b\"", "", "--b", "Content-Type: text/plain", "", "hello", "--b",
                "Content-Type: application/pdf; name=\"a.pdf\"", "Content-Transfer-Encoding: BASE64", "",
                Base64.encode(pdf).chunked(76).joined(separator: "\r\n"), "--b",
                "Content-Type: text/csv; name=\"b.csv\"", "Content-Transfer-Encoding: quoted-printable", "",
                "=E5=90=8D=E5=89=8D,mail\r\n=E7=94=B0=E4=B8=AD,a@example.jp", "--b--", ""
            ].joined(separator: "\r\n").utf8)
        let full = try MessageParser.parse(message)
        let listed = try message.withUnsafeBufferPointer { try MessageParser.parse(buffer: $0, attachmentContent: false) }
        #expect(full.attachments.map(\.content)[0] == pdf)
        #expect(listed.attachments.allSatisfy { $0.content.isEmpty })
        for (with, without) in zip(full.attachments, listed.attachments) {
            var decoded: [UInt8] = []
            message.withUnsafeBufferPointer { buffer in without.decodeContent(from: buffer, chunkSize: 100) { decoded += $0 } }
            #expect(decoded == with.content, "\(with.fileName)")
        }
    }
}

extension String {
    fileprivate func chunked(_ size: Int) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while !rest.isEmpty {
            out.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return out
    }
}
