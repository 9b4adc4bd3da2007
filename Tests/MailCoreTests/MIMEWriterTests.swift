import Foundation
import Testing
@testable import MailCore

@Suite("MIME writer")
struct MIMEWriterTests {
    static let stamp = MessageStamp(
        date: MailDate(secondsSince1970: 1_795_936_596, utcOffsetSeconds: 9 * 3600),
        messageID: "<test.1@example.jp>", boundary: "=_guardmail_testboundary")

    func message(attachments: [MailAttachment] = [], body: String = "こんにちは\n.\nFrom me\n") -> OutgoingMessage {
        OutgoingMessage(
            from: mailbox("山田 太郎", "taro", "example.jp"),
            to: [.mailbox(mailbox("山田 花子", "hanako", "example.co.jp"))],
            cc: [.mailbox(mailbox(nil, "cc", "example.org"))],
            bcc: [.mailbox(mailbox("Secret", "hidden", "example.net"))],
            subject: "【重要】お見積り", body: body, attachments: attachments)
    }

    func write(_ message: OutgoingMessage, files: [String: [UInt8]] = [:], options: MIMEWriter.Options = .init()) throws -> [UInt8] {
        var sink = MemorySink()
        try MIMEWriter(options: options).write(message, stamp: Self.stamp, opener: MemoryOpener(files: files), to: &sink)
        return sink.bytes
    }

    func headerSection(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return String(text[..<text.range(of: "\r\n\r\n")!.lowerBound])
    }

    @Test(
        "a subject or display name with a CR or LF is refused, not encoded into the header",
        arguments: ["subject", "to", "bcc", "group"])
    func lineBreakRefused(_ where_: String) throws {
        var m = message()
        switch where_ {
        case "subject": m.subject = "Hello\r\nBcc: x@evil.example"
        case "to":
            m.to = [.mailbox(mailbox(nil, "a", "example.jp"))]
            if case .mailbox(var x) = m.to[0] {
                x.displayName = "A\nB"
                m.to = [.mailbox(x)]
            }
        case "bcc":
            if case .mailbox(var x) = m.bcc[0] {
                x.displayName = "S\rT"
                m.bcc = [.mailbox(x)]
            }
        default: m.cc = [.group(name: "Team\n", members: [])]
        }
        var sink = MemorySink()
        #expect(throws: HeaderTextError.self) {
            try MIMEWriter().write(m, stamp: Self.stamp, opener: MemoryOpener(files: [:]), to: &sink)
        }
        #expect(sink.bytes.isEmpty, "not a byte written")
    }

    @Test("the transmitted message has no Bcc header, but the envelope has the Bcc recipient")
    func noBccHeader() throws {
        let msg = message()
        let headers = headerSection(try write(msg)).lowercased()
        #expect(!headers.contains("\nbcc:") && !headers.hasPrefix("bcc:"))
        #expect(!String(decoding: try write(msg), as: UTF8.self).contains("hidden@"))
        #expect(msg.envelope.recipients.map(\.address) == ["hanako@example.co.jp", "cc@example.org", "hidden@example.net"])
        #expect(msg.envelope.recipients.map(\.field) == [.to, .cc, .bcc])
        #expect(msg.envelope.mailFrom == "taro@example.jp")
    }

    @Test("the sender's own copy may keep the Bcc header")
    func bccInOwnCopy() throws {
        let headers = headerSection(try write(message(), options: .init(includeBccHeader: true)))
        #expect(headers.contains("\r\nBcc: Secret <hidden@example.net>"))
    }

    @Test("the envelope lists a recipient once even when given in two fields")
    func envelopeDeduplicates() {
        var msg = message()
        msg.bcc = [.mailbox(mailbox(nil, "hanako", "EXAMPLE.co.jp"))]
        #expect(msg.envelope.recipients.count == 2)
    }

    @Test("headers: Date in English with numeric zone, Message-ID, MIME-Version, folded ASCII only")
    func headers() throws {
        let headers = headerSection(try write(message()))
        #expect(headers.hasPrefix("Date: Sun, 29 Nov 2026 16:16:36 +0900\r\n"))
        #expect(headers.contains("\r\nMessage-ID: <test.1@example.jp>\r\n"))
        #expect(headers.contains("\r\nMIME-Version: 1.0\r\n"))
        #expect(headers.contains("\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64"))
        #expect(headers.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test("a Bcc-only message says To: undisclosed-recipients:;")
    func bccOnly() throws {
        var msg = message()
        msg.to = []
        msg.cc = []
        #expect(headerSection(try write(msg)).contains("\r\nTo: undisclosed-recipients:;\r\n"))
    }

    @Test("every line ends in CRLF and none is longer than 998 octets, even for a huge body line")
    func lineDiscipline() throws {
        let body = String(repeating: "x", count: 5000) + "\nshort\r\nmixed\rend"
        let bytes = try write(
            message(attachments: [MailAttachment(source: "f", fileName: "f.bin", contentType: "application/octet-stream")], body: body),
            files: ["f": Array(repeating: 0xAB, count: 10_000)])
        for line in lines(bytes) {
            #expect(line.count <= 1000)
            #expect(line.suffix(2).elementsEqual([13, 10]))
        }
        // No bare CR or LF anywhere.
        for (i, byte) in bytes.enumerated() where byte == 10 { #expect(i > 0 && bytes[i - 1] == 13) }
    }

    @Test(
        "attachments stream through the chunk buffer and decode to the original bytes",
        arguments: [0, 1, 2, 56, 57, 58, 57 * 4 - 1, 57 * 4, 57 * 4 + 1, 10_000])
    func attachmentRoundTrip(size: Int) throws {
        var generator = SeededGenerator(state: UInt64(size))
        let content = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var options = MIMEWriter.Options()
        options.chunkSize = 57 * 4 // force many rounds, including a short final one
        let attachment = MailAttachment(source: "a", fileName: "見積書_2026年度.pdf", contentType: "application/pdf")
        let text = String(decoding: try write(message(attachments: [attachment]), files: ["a": content], options: options), as: UTF8.self)
        let parts = text.components(separatedBy: "--=_guardmail_testboundary")
        #expect(parts.count == 4) // preamble, text, attachment, epilogue after the closing delimiter
        #expect(parts[3] == "--\r\n")
        let attachmentPart = parts[2]
        #expect(attachmentPart.contains("Content-Type: application/pdf;\r\n name=\"=?UTF-8?B?"))
        #expect(attachmentPart.contains("Content-Disposition: attachment;\r\n filename*0*=UTF-8''%E8%A6%8B"))
        let payload = attachmentPart.components(separatedBy: "\r\n\r\n")[1]
        let payloadLines = payload.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(payloadLines.dropLast().allSatisfy { $0.count == 76 })
        let decoded = try #require(Data(base64Encoded: payloadLines.joined()))
        #expect(Array(decoded) == content)
    }

    @Test("the body keeps its text exactly, with line endings made CRLF")
    func bodyRoundTrip() throws {
        let text = String(decoding: try write(message(body: "一行目\n二行目\r\n\n最後")), as: UTF8.self)
        let encoded = text.components(separatedBy: "\r\n\r\n")[1]
        let decoded = try #require(Data(base64Encoded: encoded.replacingOccurrences(of: "\r\n", with: "")))
        #expect(String(decoding: decoded, as: UTF8.self) == "一行目\r\n二行目\r\n\r\n最後\r\n")
    }

    @Test("boundaries and Message-IDs come from the injected generator and differ between messages")
    func stamps() {
        var generator = SeededGenerator(state: 1)
        let date = MailDate(secondsSince1970: 0, utcOffsetSeconds: 0)
        let a = MessageStamp.make(date: date, domain: "example.jp", random: &generator)
        let b = MessageStamp.make(date: date, domain: "example.jp", random: &generator)
        #expect(a.messageID != b.messageID && a.boundary != b.boundary)
        #expect(a.messageID.hasPrefix("<") && a.messageID.hasSuffix("@example.jp>"))
        var again = SeededGenerator(state: 1)
        #expect(MessageStamp.make(date: date, domain: "example.jp", random: &again) == a)
    }
}

@Suite("Body transfer encoding")
struct BodyEncodingTests {
    @Test(
        "the encoding is chosen by content",
        arguments: [
            ("Hello,\nplain ASCII.\n", TransferEncoding.sevenBit),
            ("日本語の本文です。\nよろしくお願いいたします。\n", .base64),
            ("Grüße aus München, mostly ASCII text with one accent.\n", .quotedPrintable),
            (String(repeating: "a", count: 200) + "\n", .quotedPrintable)
        ])
    func choice(text: String, expected: TransferEncoding) {
        #expect(BodyEncoding.choose(for: BodyEncoding.canonicalLines(text)) == expected)
    }

    @Test(
        "quoted-printable decodes to the input with lines of at most 76 characters",
        arguments: [
            "Grüße\n.leading dot\nFrom the start\ntrailing space \ntab\t\n" + String(repeating: "é", count: 100),
            String(repeating: "=", count: 300),
            String(repeating: "ab ", count: 100) + " \n"
        ])
    func quotedPrintable(text: String) {
        let canonical = BodyEncoding.canonicalLines(text)
        let encoded = BodyEncoding.quotedPrintable(canonical)
        #expect(decodeQP(encoded) == canonical)
        for line in lines(encoded) { #expect(line.count <= 78) }
    }

    @Test("quoted-printable escapes what relays mangle: a leading dot, a leading From, trailing spaces")
    func quotedPrintableEscapes() {
        let text = "Grüße\n.leading dot\nFrom the start\ntrailing space \ntab\t\n"
        let asText = String(decoding: BodyEncoding.quotedPrintable(BodyEncoding.canonicalLines(text)), as: UTF8.self)
        #expect(asText.contains("\r\n=2Eleading dot"))
        #expect(asText.contains("\r\n=46rom the start"))
        #expect(asText.contains("trailing space=20\r\n"))
        #expect(asText.contains("tab=09\r\n"))
    }

    @Test(
        "line endings are made CRLF and a final one is added",
        arguments: [
            ("a\nb", "a\r\nb\r\n"), ("a\r\nb\r\n", "a\r\nb\r\n"), ("a\rb", "a\r\nb\r\n"), ("", "\r\n"), ("\n\n", "\r\n\r\n")
        ])
    func canonical(input: String, expected: String) {
        #expect(BodyEncoding.canonicalLines(input) == Array(expected.utf8))
    }
}

@Suite("Base64 and dates")
struct Base64AndDateTests {
    @Test("base64 matches Foundation's for every length up to four lines")
    func base64MatchesFoundation() {
        for length in 0...(57 * 4 + 2) {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var out = [UInt8](repeating: 0, count: Base64.encodedLineSize(length))
            let written = bytes.withUnsafeBytes { input in out.withUnsafeMutableBytes { Base64.encodeLines(input, into: $0) } }
            #expect(written == out.count)
            let expected = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            let ours = String(decoding: out, as: UTF8.self)
            #expect(ours == (length == 0 ? "" : expected + "\r\n"))
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test(
        "RFC 5322 dates in English with a numeric zone",
        arguments: [
            (Int64(0), 0, "Thu, 1 Jan 1970 00:00:00 +0000"),
            (1_795_936_596, 9 * 3600, "Sun, 29 Nov 2026 16:16:36 +0900"),
            (951_782_400, -(3 * 3600 + 1800), "Mon, 28 Feb 2000 20:30:00 -0330"),
            (1_709_210_096, 0, "Thu, 29 Feb 2024 12:34:56 +0000"),
            (-1, 0, "Wed, 31 Dec 1969 23:59:59 +0000")
        ])
    func dates(seconds: Int64, offset: Int, expected: String) {
        #expect(MailDate(secondsSince1970: seconds, utcOffsetSeconds: offset).rfc5322 == expected)
    }
}
