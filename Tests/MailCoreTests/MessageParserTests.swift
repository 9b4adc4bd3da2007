import Foundation
import Testing
@testable import MailCore

// Fixtures below that are in legacy charsets were made with glibc's iconv command
// (`iconv -t ISO-2022-JP`, `-t CP932`, `-t EUC-JP`), independently of the code under test.

/// A message from lines joined with CRLF (or LF), followed by raw bytes if given.
private func eml(_ lines: [String], lf: Bool = false) -> [UInt8] {
    Array(lines.joined(separator: lf ? "\n" : "\r\n").utf8)
}

private func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(text.utf8)
    chars.removeAll { $0 == UInt8(ascii: " ") }
    var i = 0
    while i + 1 < chars.count {
        out.append(UInt8(String(decoding: chars[i...(i + 1)], as: UTF8.self), radix: 16)!)
        i += 2
    }
    return out
}

private func parse(_ bytes: [UInt8]) throws -> ParsedMessage {
    try MessageParser.parse(bytes)
}

// MARK: - Round trip with the project's own writer

@Suite("Message parser: round trip with MIMEWriter")
struct MessageParserRoundTripTests {
    static let stamp = MessageStamp(
        date: MailDate(secondsSince1970: 1_795_936_596, utcOffsetSeconds: 9 * 3600),
        messageID: "<rt.42@example.jp>", boundary: "=_guardmail_roundtrip")

    static func write(_ message: OutgoingMessage, files: [String: [UInt8]] = [:], bccHeader: Bool = false) throws -> [UInt8] {
        var sink = MemorySink()
        try MIMEWriter(options: .init(includeBccHeader: bccHeader))
            .write(message, stamp: stamp, opener: MemoryOpener(files: files), to: &sink)
        return sink.bytes
    }

    /// What the parser gives back for a body the writer was given: LF line endings, ending in one.
    static func expectedBody(_ body: String) -> String {
        String(decoding: BodyEncoding.canonicalLines(body), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(state: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: generator.next()) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }

    static let bodies: [(String, TransferEncoding)] = [
        ("Hello Hanako,\nplease find the quote attached.\n\nRegards,\nTaro\n", .sevenBit),
        ("Prix: 100 € — café, naïve, “quotes” = fine.\nA second line with = signs and trailing space \n.\nFrom here\n", .quotedPrintable),
        ("山田様\r\n\r\nお世話になっております。見積書を添付いたします。\r\nご確認のほど、よろしくお願いいたします。\r\n", .base64),
        (String(repeating: "long line without breaks ", count: 20), .quotedPrintable)
    ]

    @Test("every field and every attachment's bytes come back", arguments: 0..<4)
    func roundTrip(bodyIndex: Int) throws {
        let (body, encoding) = Self.bodies[bodyIndex]
        // The writer really uses the encoding this case is meant to cover.
        #expect(BodyEncoding.choose(for: BodyEncoding.canonicalLines(body)) == encoding)

        let files: [String: [UInt8]] = [
            "pdf": Self.randomBytes(200_001, seed: 7),
            "csv": Array("品名,数量\r\nりんご,3\r\n".utf8),
            "empty": [],
            "long": Self.randomBytes(1000, seed: 9)
        ]
        let attachments = [
            MailAttachment(source: "pdf", fileName: "見積書_2026年度.pdf", contentType: "application/pdf"),
            MailAttachment(source: "csv", fileName: "在庫一覧.csv", contentType: "text/csv; charset=utf-8"),
            MailAttachment(source: "empty", fileName: "empty.txt", contentType: "text/plain"),
            MailAttachment(
                source: "long", fileName: "とても長いファイル名の添付資料（第3四半期の売上報告と来期の見通しについて）.xlsx",
                contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            MailAttachment(source: "pdf", fileName: "report \"final\" (v2).bin", contentType: "")
        ]
        let message = OutgoingMessage(
            from: mailbox("山田 太郎", "taro", "example.jp"),
            to: [.mailbox(mailbox("山田 花子", "hanako", "例え.jp")), .mailbox(mailbox(nil, "sales", "example.com"))],
            cc: [
                .mailbox(mailbox("Suzuki, Ichiro", "ichiro.suzuki", "xn--r8jz45g.jp")),
                .group(name: "Team", members: [mailbox(nil, "a", "example.org"), mailbox("B. \"Bee\"", "b", "example.org")])
            ],
            bcc: [.mailbox(mailbox("Secret", "hidden", "ドメイン.テスト"))],
            subject: "【重要】お見積りのご送付（2026年度） — please check", body: body, attachments: attachments)

        let bytes = try Self.write(message, files: files, bccHeader: true)
        let parsed = try parse(bytes)

        #expect(parsed.from == [message.from])
        #expect(parsed.to == message.to)
        #expect(parsed.cc == message.cc)
        #expect(parsed.bcc == message.bcc)
        #expect(parsed.to.mailboxes.first?.domain == "例え.jp")
        #expect(parsed.to.mailboxes.first?.asciiDomain == "xn--r8jz45g.jp")
        #expect(parsed.addressProblems.isEmpty)
        #expect(parsed.subject == message.subject)
        #expect(parsed.messageID == "<rt.42@example.jp>")
        #expect(parsed.header("user-agent") == "guardmail")
        #expect(parsed.header("Date") == "Sun, 29 Nov 2026 16:16:36 +0900")
        #expect(parsed.body == Self.expectedBody(body))

        #expect(parsed.attachments.count == attachments.count)
        for (got, sent) in zip(parsed.attachments, attachments) {
            #expect(got.fileName == sent.fileName)
            let sameContent = got.content == files[sent.source]
            #expect(sameContent, "content of \(sent.fileName): \(got.content.count) bytes")
        }
        #expect(
            parsed.attachments.map(\.contentType) == [
                "application/pdf", "text/csv", "text/plain",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"
            ])
    }

    @Test("a single-part message (no attachments) in each transfer encoding", arguments: 0..<4)
    func singlePart(bodyIndex: Int) throws {
        let (body, _) = Self.bodies[bodyIndex]
        let message = OutgoingMessage(
            from: mailbox(nil, "taro", "example.jp"), to: [.mailbox(mailbox("花子", "hanako", "example.co.jp"))],
            subject: "テスト", body: body)
        let parsed = try parse(try Self.write(message))
        #expect(parsed.body == Self.expectedBody(body))
        #expect(parsed.attachments.isEmpty)
        #expect(parsed.subject == "テスト")
        #expect(parsed.to == message.to)
        #expect(parsed.cc.isEmpty && parsed.bcc.isEmpty)
    }

    @Test("the transmitted form has no Bcc; a Bcc-only message reads as undisclosed-recipients")
    func bccOnly() throws {
        let message = OutgoingMessage(
            from: mailbox(nil, "taro", "example.jp"), bcc: [.mailbox(mailbox(nil, "hidden", "example.net"))],
            subject: "s", body: "b\n")
        let parsed = try parse(try Self.write(message))
        #expect(parsed.bcc.isEmpty)
        #expect(parsed.to == [.group(name: "undisclosed-recipients", members: [])])
        #expect(parsed.addressProblems.isEmpty)
        let own = try parse(try Self.write(message, bccHeader: true))
        #expect(own.bcc == message.bcc)
    }

    @Test("a subject that needs encoding only for its spacing, and an empty subject")
    func subjects() throws {
        for subject in ["  two  spaces  ", "", "=?not an encoded word?=", String(repeating: "長い件名", count: 40)] {
            let message = OutgoingMessage(
                from: mailbox(nil, "taro", "example.jp"), to: [.mailbox(mailbox(nil, "a", "example.jp"))],
                subject: subject, body: "x\n")
            #expect(try parse(try Self.write(message)).subject == subject)
        }
    }

    @Test("a 30 MiB attachment parses in linear time")
    func largeMessage() throws {
        let content = Self.randomBytes(30 * 1024 * 1024, seed: 3)
        let message = OutgoingMessage(
            from: mailbox(nil, "taro", "example.jp"), to: [.mailbox(mailbox(nil, "a", "example.jp"))], subject: "big",
            body: String(repeating: "本文の行です。\n", count: 20_000),
            attachments: [MailAttachment(source: "big", fileName: "big.bin", contentType: "application/octet-stream")])
        let bytes = try Self.write(message, files: ["big": content])
        #expect(bytes.count > 40 * 1024 * 1024)
        let clock = ContinuousClock()
        var parsed: ParsedMessage?
        let elapsed = try clock.measure { parsed = try parse(bytes) }
        let sameContent = parsed?.attachments.first?.content == content
        #expect(sameContent)
        #expect(parsed?.body.count == 20_000 * 8)
        // Linear work on 40 MiB takes a few seconds even in a debug build; quadratic would not end.
        #expect(elapsed < .seconds(60))
    }
}

// MARK: - Messages as other mailers write them

@Suite("Message parser: other mailers")
struct MessageParserMailerTests {
    @Test("ISO-2022-JP subject, names and body (Japanese mobile / Outlook style)")
    func iso2022JP() throws {
        let message =
            eml([
                "Return-Path: <taro@example.jp>",
                "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <taro@example.jp>",
                "To: =?iso-2022-jp?B?GyRCOzNFRBsoQg==?= <hanako@example.co.jp>",
                "Subject: =?ISO-2022-JP?B?GyRCJCo4K0BRJGokTjdvGyhC?=",
                "Message-ID: <20260101.abc@mobile.example.jp>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=\"ISO-2022-JP\"",
                "Content-Transfer-Encoding: 7bit",
                "",
                ""
            ])
            + Array(Data(base64Encoded: "GyRCOzNFRE1NISIkKkAkT0MkSyRKJEMkRiQqJGokXiQ5ISMbKEIKGyRCRTpJVSROOCtAUT1xJHIkNDNORyckLyRAJDUkJCEjGyhC")!)
            .flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] } + Array("\r\n".utf8)
        let parsed = try parse(message)
        #expect(parsed.subject == "お見積りの件")
        #expect(parsed.from.first?.displayName == "山田")
        #expect(parsed.to.mailboxes.first?.displayName == "山田")
        #expect(parsed.to.mailboxes.first?.address == "hanako@example.co.jp")
        #expect(parsed.body == "山田様、お世話になっております。\n添付の見積書をご確認ください。\n")
        #expect(parsed.messageID == "<20260101.abc@mobile.example.jp>")
        #expect(parsed.header("content-type") == "text/plain; charset=\"ISO-2022-JP\"")
    }

    @Test("ISO-2022-JP with the Windows extensions (①, ㈱) that Japanese mailers send")
    func iso2022JPExtensions() throws {
        let body: [UInt8] = [0x1B, 0x24, 0x42, 0x2D, 0x21, 0x2D, 0x6A, 0x25, 0x46, 0x25, 0x39, 0x25, 0x48, 0x1B, 0x28, 0x42, 0x0D, 0x0A]
        let message =
            eml([
                "From: taro@example.jp", "To: hanako@example.jp", "Subject: x",
                "Content-Type: text/plain; charset=iso-2022-jp", "", ""
            ]) + body
        #expect(try parse(message).body == "①㈱テスト\n")
    }

    @Test("raw Shift_JIS body (8bit) and an unencoded ISO-2022-JP subject")
    func shiftJIS() throws {
        let message =
            eml([
                "From: taro@example.jp",
                "To: hanako@example.jp",
                "Subject: \u{1B}$B$*8+@Q$j$N7o\u{1B}(B",
                "Content-Type: text/plain; charset=Shift_JIS",
                "Content-Transfer-Encoding: 8bit",
                "", ""
            ]) + hex("8e529363976c814182a890a2986282c982c882c182c482a882e882dc82b781420d0a")
            + hex("b6c0b6c58740878a836583588367 0d0a")
        let parsed = try parse(message)
        #expect(parsed.body == "山田様、お世話になっております。\nｶﾀｶﾅ①㈱テスト\n")
        #expect(parsed.subject == "お見積りの件")
    }

    @Test("EUC-JP body in quoted-printable, and a Shift_JIS file name in raw header bytes")
    func eucJP() throws {
        let message =
            eml([
                "From: taro@example.jp",
                "To: hanako@example.jp",
                "Subject: euc",
                "Content-Type: multipart/mixed; boundary=b1",
                "",
                "--b1",
                "Content-Type: text/plain; charset=EUC-JP",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "=B8=AB=C0=D1=BD=F1=\r\n=a4=aa=a4=ea",
                "--b1",
                "Content-Type: application/pdf; name=\""
            ]) + hex("8ca990cf8f91")
            + eml([
                ".pdf\"",
                "Content-Transfer-Encoding: base64",
                "",
                "JVBERg==",
                "--b1--",
                ""
            ])
        let parsed = try parse(message)
        #expect(parsed.body == "見積書おり")
        #expect(parsed.attachments.map(\.fileName) == ["見積書.pdf"])
        #expect(parsed.attachments.first?.content == Array("%PDF".utf8))
    }

    @Test("Thunderbird-style RFC 2231 continuations, and a name in RFC 2231 with another charset")
    func thunderbirdFileNames() throws {
        let message = eml([
            "From: Taro <taro@example.jp>",
            "To: hanako@example.jp",
            "Subject: files",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed;",
            " boundary=\"------------0a1b2c3d4e5f\"",
            "",
            "This is a multi-part message in MIME format.",
            "--------------0a1b2c3d4e5f",
            "Content-Type: text/plain; charset=UTF-8; format=flowed",
            "Content-Transfer-Encoding: 8bit",
            "",
            "添付します。",
            "",
            "--------------0a1b2c3d4e5f",
            "Content-Type: application/pdf;",
            " name=\"=?UTF-8?B?6KaL56mN5pu4XzIwMjblubTluqYucGRm?=\"",
            "Content-Disposition: attachment;",
            " filename*0*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8_2026%E5%B9%B4;",
            " filename*1*=%E5%BA%A6.pdf",
            "Content-Transfer-Encoding: base64",
            "",
            "AAEC",
            "",
            "--------------0a1b2c3d4e5f",
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment; filename*=iso-8859-1'fr'%A3%20tarifs%20d%E9t.bin",
            "Content-Transfer-Encoding: base64",
            "",
            "/w==",
            "--------------0a1b2c3d4e5f",
            "Content-Type: application/octet-stream; name*1=\"part2.txt\"; name*0=\"part1-\"",
            "Content-Transfer-Encoding: base64",
            "",
            "",
            "--------------0a1b2c3d4e5f--",
            ""
        ])
        let parsed = try parse(message)
        #expect(parsed.body == "添付します。\n")
        #expect(parsed.attachments.map(\.fileName) == ["見積書_2026年度.pdf", "£ tarifs dét.bin", "part1-part2.txt"])
        #expect(parsed.attachments.map(\.content) == [[0, 1, 2], [255], []])
        #expect(parsed.attachments.map(\.contentType) == ["application/pdf", "application/octet-stream", "application/octet-stream"])
    }

    @Test("Outlook-style name=\"=?ISO-2022-JP?B?…?=\" folded inside the quotes, and an unnamed inline image")
    func outlookNames() throws {
        let message = eml([
            "From: =?iso-2022-jp?B?GyRCOzNFRBsoQg==?= <taro@example.jp>",
            "To: \"hanako@example.jp\" <hanako@example.jp>",
            "Subject: =?iso-2022-jp?B?GyRCJCo4K0BRJGokTjdvGyhC?=",
            "Content-Type: multipart/mixed;",
            "\tboundary=\"_004_OS0PR01MB5555_\"",
            "MIME-Version: 1.0",
            "",
            "--_004_OS0PR01MB5555_",
            "Content-Type: multipart/related;",
            "\tboundary=\"_rel_\"; type=\"text/html\"",
            "",
            "--_rel_",
            "Content-Type: text/html; charset=\"iso-2022-jp\"",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<html><head><style>p {color: red}</style></head><body><p>=1B$B8+@Q=1B(B &amp; <b>quote</b></p><img src=3D\"cid:x\"></body></html>",
            "--_rel_",
            "Content-Type: image/png",
            "Content-ID: <x>",
            "Content-Transfer-Encoding: base64",
            "",
            "iVBORw0KGgo=",
            "--_rel_--",
            "",
            "--_004_OS0PR01MB5555_",
            "Content-Type: application/pdf;",
            "\tname=\"=?iso-2022-jp?B?GyRCOCtAUT1xGyhCXzIwMjYbJEJHL0VZGyhCLnBkZg==?=\"",
            "Content-Description: =?iso-2022-jp?B?GyRCOCtAUT1xGyhCXzIwMjYbJEJHL0VZGyhCLnBkZg==?=",
            "Content-Disposition: attachment;",
            "\tfilename=\"=?iso-2022-jp?B?GyRCOCtAUT1xGyhC?=",
            " =?iso-2022-jp?B?XzIwMjYbJEJHL0VZGyhCLnBkZg==?=\"; size=3;",
            "\tcreation-date=\"Mon, 01 Jan 2026 09:00:00 GMT\"",
            "Content-Transfer-Encoding: base64",
            "",
            "YWJj",
            "",
            "--_004_OS0PR01MB5555_--",
            ""
        ])
        let parsed = try parse(message)
        #expect(parsed.subject == "お見積りの件")
        #expect(parsed.body == "見積 & quote\n")
        #expect(parsed.attachments.map(\.fileName) == ["attachment-1", "見積書_2026年度.pdf"])
        #expect(parsed.attachments.map(\.contentType) == ["image/png", "application/pdf"])
        #expect(parsed.attachments.last?.content == Array("abc".utf8))
    }

    @Test("multipart/alternative inside multipart/mixed: the text/plain part is the body, not an attachment")
    func alternativeInMixed() throws {
        let message = eml([
            "From: taro@example.jp",
            "To: hanako@example.jp",
            "Subject: alt",
            "Content-Type: multipart/mixed; boundary=outer",
            "",
            "preamble that is not a part",
            "--outer",
            "Content-Type: multipart/alternative; boundary=\"outer-inner\"",
            "",
            "--outer-inner",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "=E3=81=93=e3=82=93=E3=81=AB=E3=81=A1=E3=81=AF, soft=",
            " break and =3D sign   ",
            "last line",
            "--outer-inner",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<p>HTML version</p>",
            "--outer-inner--",
            "",
            "--outer",
            "Content-Type: text/plain; name=notes.txt",
            "",
            "attached text",
            "--outer",
            "Content-Type: text/calendar; method=REQUEST",
            "",
            "BEGIN:VCALENDAR",
            "--outer--",
            "epilogue --outer",
            ""
        ])
        let parsed = try parse(message)
        #expect(parsed.body == "こんにちは, soft break and = sign\nlast line")
        #expect(parsed.attachments.map(\.fileName) == ["notes.txt", "attachment-2"])
        #expect(parsed.attachments.map(\.contentType) == ["text/plain", "text/calendar"])
        #expect(parsed.attachments.map { String(decoding: $0.content, as: UTF8.self) } == ["attached text", "BEGIN:VCALENDAR"])
    }

    @Test("an HTML-only message gives its text as the body")
    func htmlOnly() throws {
        let message = eml([
            "From: taro@example.jp",
            "To: hanako@example.jp",
            "Subject: html",
            "Content-Type: text/html",
            "Content-Transfer-Encoding: base64",
            "",
            Data(
                """
                <!DOCTYPE html><html><head><meta charset="shift_jis"><title>T</title></head>
                <body><!-- hidden -->
                <div>Dear   Hanako,</div><div>line&nbsp;two &lt;3 &#x263A; &#12354;</div>
                <table><tr><td>a</td><td>b</td></tr></table><script>alert(1)</script>
                </body></html>
                """.utf8
            ).base64EncodedString(options: .lineLength76Characters)
        ])
        #expect(try parse(message).body == "Dear Hanako,\nline two <3 ☺ あ\na b\n")
    }

    @Test("a forwarded message/rfc822, named and unnamed")
    func forwarded() throws {
        let inner = [
            "From: boss@example.com",
            "To: taro@example.jp",
            "Subject: confidential",
            "",
            "inner body"
        ]
        let message = eml(
            [
                "From: taro@example.jp",
                "To: hanako@example.jp",
                "Subject: Fwd: confidential",
                "Content-Type: multipart/mixed; boundary=\"fwd\"",
                "",
                "--fwd",
                "Content-Type: text/plain",
                "",
                "see below",
                "--fwd",
                "Content-Type: message/rfc822",
                "Content-Disposition: inline",
                ""
            ] + inner + [
                "--fwd",
                "Content-Type: message/rfc822; name=\"original.eml\"",
                ""
            ] + inner + ["--fwd--", ""])
        let parsed = try parse(message)
        #expect(parsed.body == "see below")
        #expect(parsed.attachments.map(\.fileName) == ["message.eml", "original.eml"])
        #expect(parsed.attachments.map(\.contentType) == ["message/rfc822", "message/rfc822"])
        #expect(parsed.attachments.first?.content == eml(inner))
        // The forwarded message's recipients are not the message's own.
        #expect(parsed.to.mailboxes.map(\.address) == ["hanako@example.jp"])
        #expect(try parse(parsed.attachments[0].content).subject == "confidential")
    }

    @Test("LF-only line endings, folded headers, and headers kept raw and in order")
    func lfOnly() throws {
        let message = eml(
            [
                "From: Taro <taro@example.jp>",
                "To: a@example.jp,",
                "  =?UTF-8?B?6Iqx5a2Q?= <hanako@example.jp>",
                "Subject: =?UTF-8?B?5pel5pys6Kqe?=",
                "\t=?UTF-8?B?44Gu5Lu25ZCN?= and more",
                "X-Empty:",
                "Content-Type: multipart/mixed; boundary=lf",
                "",
                "--lf",
                "",
                "part without headers",
                "--lf",
                "Content-Type: application/zip; name=a.zip",
                "Content-Transfer-Encoding: base64",
                "",
                "UEsD",
                "BAo=",
                "--lf--"
            ], lf: true)
        let parsed = try parse(message)
        #expect(parsed.headers.map(\.name) == ["From", "To", "Subject", "X-Empty", "Content-Type"])
        #expect(parsed.headers[1].value == "a@example.jp,  =?UTF-8?B?6Iqx5a2Q?= <hanako@example.jp>")
        #expect(parsed.headers[3].value == "")
        #expect(parsed.subject == "日本語の件名 and more")
        #expect(parsed.to.mailboxes.map(\.address) == ["a@example.jp", "hanako@example.jp"])
        #expect(parsed.to.mailboxes.last?.displayName == "花子")
        #expect(parsed.body == "part without headers")
        #expect(parsed.attachments.first?.content == [0x50, 0x4B, 0x03, 0x04, 0x0A])
        #expect(parsed.header("x-missing") == nil)
    }

    @Test("multipart/digest parts without a Content-Type are forwarded messages")
    func digest() throws {
        let message = eml([
            "From: list@example.org",
            "To: taro@example.jp",
            "Subject: digest",
            "Content-Type: multipart/digest; boundary=d",
            "",
            "--d",
            "",
            "From: a@example.org",
            "Subject: one",
            "",
            "first",
            "--d",
            "Content-Type: text/plain",
            "",
            "not a message",
            "--d--"
        ])
        let parsed = try parse(message)
        #expect(parsed.attachments.map(\.fileName) == ["message.eml"])
        #expect(parsed.attachments.map(\.contentType) == ["message/rfc822"])
        #expect(try parse(parsed.attachments[0].content).subject == "one")
        #expect(parsed.body == "not a message")
    }

    @Test("HTML in Shift_JIS labelled only by <meta>; a UTF-8 body with one bad byte keeps its other lines")
    func charsetFallbacks() throws {
        let html =
            eml([
                "From: a@example.jp", "Subject: h", "Content-Type: text/html", "", "<html><head>",
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">", "</head><body><p>"
            ])
            + hex("8ca990cf8f91") + eml(["</p></body></html>"])
        #expect(try parse(html).body == "見積書\n")

        let broken =
            eml([
                "From: a@example.jp", "Subject: u", "Content-Type: text/plain; charset=utf-8", "",
                "日本語の行", ""
            ]) + [0x41, 0xFF, 0x42] + eml(["", "最後の行"])
        let body = try parse(broken).body
        #expect(body.hasPrefix("日本語の行\n"))
        #expect(body.hasSuffix("\n最後の行"))
    }

    @Test("a missing closing boundary ends the last part at the end of the message")
    func missingCloseDelimiter() throws {
        let message = eml([
            "From: taro@example.jp",
            "To: hanako@example.jp",
            "Subject: cut",
            "Content-Type: multipart/mixed; boundary=\"cut here\"",
            "",
            "--cut here",
            "Content-Type: text/plain",
            "",
            "body",
            "--cut here   ",
            "Content-Type: application/octet-stream; name=data.bin",
            "Content-Transfer-Encoding: base64",
            "",
            "AQID",
            "BA"
        ])
        let parsed = try parse(message)
        #expect(parsed.body == "body")
        #expect(parsed.attachments.map(\.fileName) == ["data.bin"])
        #expect(parsed.attachments.first?.content == [1, 2, 3, 4])
    }

    @Test("a Bcc header is read into bcc; repeated To headers all count")
    func bccHeader() throws {
        let message = eml([
            "From: taro@example.jp",
            "To: a@example.jp",
            "Cc: ",
            "Bcc: Hidden <hidden@example.net>, \"Boss, Big\" <boss@example.com>",
            "To: second@example.jp",
            "Subject: b",
            "",
            "x"
        ])
        let parsed = try parse(message)
        #expect(parsed.bcc.mailboxes.map(\.address) == ["hidden@example.net", "boss@example.com"])
        #expect(parsed.bcc.mailboxes.map(\.displayName) == ["Hidden", "Boss, Big"])
        #expect(parsed.to.mailboxes.map(\.address) == ["a@example.jp", "second@example.jp"])
        #expect(parsed.cc.isEmpty)
        #expect(parsed.recipients.count == 4)
        #expect(parsed.addressProblems.isEmpty)
    }

    @Test("an invalid Cc is recorded, the rest of the message is still read, and its good addresses kept")
    func invalidCc() throws {
        let message = eml([
            "From: taro@example.jp",
            "To: hanako@example.jp",
            "Cc: ok@example.jp, jiro＠example.jp, \"Team, A\" <team@example.jp>",
            "Bcc: a@example.jp; b@example.jp、c@example.jp",
            "Subject: problems",
            "",
            "body"
        ])
        let parsed = try parse(message)
        #expect(parsed.addressProblems.count == 2)
        #expect(parsed.addressProblems.first?.hasPrefix("Cc: ") == true)
        #expect(parsed.addressProblems.first?.contains("＠") == true)
        #expect(parsed.addressProblems.last?.hasPrefix("Bcc: ") == true)
        #expect(parsed.cc.mailboxes.map(\.address) == ["ok@example.jp", "team@example.jp"])
        #expect(parsed.bcc.mailboxes.map(\.address) == ["a@example.jp", "b@example.jp", "c@example.jp"])
        #expect(parsed.to.mailboxes.map(\.address) == ["hanako@example.jp"])
        #expect(parsed.body == "body")
    }

    @Test("a recipient on a line folded without leading whitespace is not lost")
    func brokenFolding() throws {
        let message = eml(["From: taro@example.jp", "To: a@example.jp,", "b@example.jp", "Subject: s", "", "x"])
        let parsed = try parse(message)
        #expect(parsed.to.mailboxes.map(\.address) == ["a@example.jp", "b@example.jp"])
        #expect(parsed.subject == "s")
    }

    @Test("a non-multipart attachment as the whole message, and mbox/BOM prefixes")
    func singleAttachment() throws {
        let message = eml([
            "From sender@example.jp Mon Jan  1 00:00:00 2026",
            "From: taro@example.jp",
            "To: hanako@example.jp",
            "Content-Type: application/pdf",
            "Content-Transfer-Encoding: base64",
            "",
            "JVBE Rg=\r\n="
        ])
        let parsed = try parse([0xEF, 0xBB, 0xBF] + message)
        #expect(parsed.from.map(\.address) == ["taro@example.jp"])
        #expect(parsed.body == "")
        #expect(parsed.attachments.map(\.fileName) == ["attachment-1"])
        #expect(parsed.attachments.map(\.contentType) == ["application/pdf"])
        #expect(parsed.attachments.map(\.content) == [Array("%PDF".utf8)])
        #expect(parsed.subject == "")
    }

    @Test("input with no header section is refused; anything else is tolerated")
    func hopeless() throws {
        #expect(throws: MessageParseError.self) { try MessageParser.parse([]) }
        #expect(throws: MessageParseError.self) { try MessageParser.parse(Array("%PDF-1.7\n%âãÏÓ\n".utf8)) }
        #expect(throws: MessageParseError.self) { try MessageParser.parse(Array("\r\nbody only\r\n".utf8)) }
        #expect(throws: MessageParseError.self) { try MessageParser.parse(Array(" folded: but nothing before\n".utf8)) }
        do {
            _ = try MessageParser.parse(Array("%PDF-1.7\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("%PDF-1.7"))
        }
        // Headers only, without a body or even a final line break.
        let parsed = try parse(Array("Subject: only".utf8))
        #expect(parsed.subject == "only" && parsed.body == "" && parsed.attachments.isEmpty)
        // A multipart whose boundary never occurs keeps its text.
        let noBoundary = try parse(eml(["Subject: m", "Content-Type: multipart/mixed; boundary=zzz", "", "just text"]))
        #expect(noBoundary.body == "just text")
        // A multipart without a boundary parameter: the delimiter is found from the body.
        let guessed = try parse(eml(["Subject: m", "Content-Type: multipart/mixed", "", "--g", "", "text", "--g--"]))
        #expect(guessed.body == "text")
    }
}

// MARK: - Pieces

@Suite("Message parser: parameters and transfer encodings")
struct MessageParserPieceTests {
    @Test("RFC 2045 parameters: quoting, escapes, comments, case, whitespace")
    func parameters() {
        let value = MIMEParameterizedValue(
            "Text/Plain (a comment); CharSet=us-ascii (Plain text) ; format = \"flowed\";name=\"a \\\"b\\\" c.txt\"; bare")
        #expect(value.value == "text/plain")
        #expect(value.parameter("charset") == "us-ascii")
        #expect(value.parameter("format") == "flowed")
        #expect(value.parameter("name") == "a \"b\" c.txt")
        #expect(value.parameter("bare") == nil)
        #expect(MIMEContentType("text") == nil)
        #expect(MIMEContentType("multipart/mixed; boundary=\"a;b\"")?.parameters.parameter("boundary") == "a;b")
    }

    @Test("RFC 2231: extended, continued, mixed, out of order, and preferred over the plain form")
    func rfc2231() {
        let value = MIMEParameterizedValue(
            "attachment; filename=\"fallback.pdf\"; filename*1*=%E5%BA%A6.pdf; filename*0*=UTF-8'ja'%E5%B9%B4;"
                + " title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A; url*0=\"ftp://\"; url*1=\"example.org/a%20b\"")
        #expect(value.value == "attachment")
        #expect(value.parameter("filename") == "年度.pdf")
        #expect(value.parameters["filename"]?.isPlain == false)
        #expect(value.parameter("title") == "This is ***fun***")
        #expect(value.parameter("url") == "ftp://example.org/a%20b")
        let shiftJIS = MIMEParameterizedValue("attachment; filename*=shift_jis''%8C%A9%90%CF%8F%91.xls")
        #expect(shiftJIS.parameter("filename") == "見積書.xls")
        let noCharset = MIMEParameterizedValue("attachment; filename*=%E8%A6%8B.txt")
        #expect(noCharset.parameter("filename") == "見.txt")
    }

    @Test("quoted-printable: soft breaks, lowercase hex, transport padding, stray '='")
    func quotedPrintable() {
        func qp(_ s: String) -> String? {
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBufferPointer { QuotedPrintable.decode($0, strictness: .lenient) }.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(qp("a=3Db=3db") == "a=b=b")
        #expect(qp("soft =\r\nbreak") == "soft break")
        #expect(qp("soft=  \nbreak") == "softbreak")
        #expect(qp("padded   \r\nline\t\nend  ") == "padded\r\nline\nend")
        #expect(qp("keep  inner") == "keep  inner")
        #expect(qp("stray = and =G1 and =") == "stray = and =G1 and ")
        #expect(qp("=E6=97=A5") == "日")
    }

    @Test("base64: whitespace, line breaks and junk ignored; short final groups")
    func base64() {
        func b64(_ s: String) -> [UInt8]? {
            Array(s.utf8).withUnsafeBufferPointer { Base64.decode($0, strictness: .lenient) }
        }
        let data = Array((0..<200).map { UInt8($0) })
        let encoded = Data(data).base64EncodedString(options: .lineLength64Characters)
        #expect(b64(encoded) == data)
        #expect(b64(" SGVs\r\nbG8\t=\r\n") == Array("Hello".utf8))
        #expect(b64("SGVsbA") == Array("Hell".utf8))
        #expect(b64("") == [])
    }

    @Test("charsets: labelled, unlabelled, unknown to the decoder but known to iconv")
    func charsets() {
        #expect(TextDecoding.text(hex("8ca990cf8f91"), charset: "Shift_JIS") == "見積書")
        #expect(TextDecoding.text(hex("b8abc0d1bdf1"), charset: "euc-jp") == "見積書")
        #expect(TextDecoding.text(hex("e9"), charset: "ISO-8859-1") == "é")
        #expect(TextDecoding.text(hex("e8a68b"), charset: nil) == "見")
        #expect(TextDecoding.text(hex("8ca990cf8f91"), charset: nil) == "見積書")
        #expect(TextDecoding.text(hex("e8a68b"), charset: "us-ascii") == "見")
        #expect(TextDecoding.text(hex("c1c2d7"), charset: "koi8-r") == "абв")
        #expect(TextDecoding.text(hex("a4"), charset: "iso-8859-15") == "€")
        // One bad line does not spoil the rest.
        #expect(TextDecoding.text(hex("8ca9 0a ff ff 0a 8f91"), charset: "shift_jis").hasPrefix("見\n"))
    }
}
