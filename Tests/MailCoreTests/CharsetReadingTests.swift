import Testing
@testable import MailCore

// The fixtures (CharsetFixtures.swift) are bytes made by Python's codecs, independently of the
// code under test; scripts/gen-charset-fixtures.py wrote them.

private func bytes(_ hex: String) -> [UInt8] {
    let chars = Array(hex.utf8)
    return stride(from: 0, to: chars.count - 1, by: 2).map {
        UInt8(String(decoding: chars[$0...($0 + 1)], as: UTF8.self), radix: 16)!
    }
}

private func message(_ headers: [String], body: [UInt8]) -> [UInt8] {
    Array((headers + ["", ""]).joined(separator: "\r\n").utf8) + body
}

@Suite struct CharsetReadingTests {
    @Test("an encoded-word in each charset decodes in a header", arguments: charsetFixtures)
    func header(_ fixture: CharsetFixture) throws {
        let parsed = try MessageParser.parse(
            message(["From: a@example.jp", "Subject: \(fixture.encodedWord)"], body: Array("x".utf8)))
        #expect(parsed.subject == fixture.text)
        #expect(parsed.readingProblems.isEmpty)
    }

    @Test("a text/plain body in each charset decodes", arguments: charsetFixtures)
    func body(_ fixture: CharsetFixture) throws {
        let parsed = try MessageParser.parse(
            message(
                [
                    "From: a@example.jp", "Subject: x", "MIME-Version: 1.0",
                    "Content-Type: text/plain; charset=\"\(fixture.label)\"", "Content-Transfer-Encoding: 8bit"
                ], body: bytes(fixture.hex)))
        #expect(parsed.body == fixture.text)
        #expect(parsed.readingProblems.isEmpty)
    }

    @Test("a display name in each charset decodes", arguments: charsetFixtures.filter { !$0.label.uppercased().hasPrefix("UTF-") })
    func displayName(_ fixture: CharsetFixture) throws {
        let parsed = try MessageParser.parse(
            message(["From: \(fixture.encodedWord) <sender@example.jp>", "Subject: x"], body: Array("x".utf8)))
        #expect(parsed.from.first?.displayName == fixture.text)
        #expect(parsed.from.first?.address == "sender@example.jp")
    }

    @Test("ISO-2022-JP with Windows extension characters (髙 﨑 ① ㈱), as Outlook writes it, decodes in headers")
    func outlookISO2022JP() {
        // 髙﨑様 ①見積 ㈱山田, CP932 rewritten into JIS rows (13 and 89–92).
        let word = "=?ISO-2022-JP?B?GyRCfGJ5dU1NGyhCIBskQi0hOCtAURsoQiAbJEItajszRUQbKEI=?="
        #expect(EncodedWordDecoder.decode(word) == "髙﨑様 ①見積 ㈱山田")
        // Split across two words in the middle of the JIS run, as long subjects are.
        let first = "=?ISO-2022-JP?B?GyRCfGJ5dRsoQg==?="
        let second = "=?ISO-2022-JP?B?GyRCTU0bKEIgGyRCLSEbKEI=?="
        #expect(EncodedWordDecoder.decode("\(first)\r\n \(second)") == "髙﨑様 ①")
    }

    @Test(
        "charset aliases clients write are recognised",
        arguments: [
            "iso2022jp", "ISO-2022-JP", "x-sjis", "cp932", "ms932", "windows-31j", "shift_jis", "Shift-JIS", "euc-jp",
            "x-euc-jp", "gb2312", "GBK", "gb18030", "big5", "euc-kr", "ks_c_5601-1987", "UTF-16", "utf-32", "iso-8859-2",
            "koi8-r", "\"utf-8\"", "UTF-8*ja"
        ])
    func aliases(_ label: String) {
        #expect(EncodedWordDecoder.Charset(name: label) != nil)
    }

    @Test("a name that is not a plain charset name never reaches iconv", arguments: ["utf-8//IGNORE", "../x", "x-unknown-charset", ""])
    func refusedNames(_ label: String) {
        #expect(EncodedWordDecoder.Charset(name: label) == nil)
    }

    @Test("an encoded-word in an unknown charset keeps its ASCII, marks the rest and says so")
    func unknownCharsetHeader() throws {
        // "Re: 山田" in UTF-8 under a label nothing knows.
        let (text, notes) = EncodedWordDecoder.decodeNoting("=?x-unknown?B?UmU6IOWxseeUsA==?=")
        #expect(text == "Re: \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(notes == ["charset \"x-unknown\" is unknown: 6 bytes could not be read (shown as \u{FFFD})"])
        let parsed = try MessageParser.parse(
            message(["From: a@example.jp", "Subject: =?x-unknown?B?UmU6IOWxseeUsA==?="], body: Array("x".utf8)))
        #expect(parsed.subject.hasPrefix("Re: \u{FFFD}"))
        #expect(parsed.readingProblems == ["Subject: charset \"x-unknown\" is unknown: 6 bytes could not be read (shown as \u{FFFD})"])
    }

    @Test("a body in an unknown charset keeps the text and says how it was read")
    func unknownCharsetBody() throws {
        let utf8 = try MessageParser.parse(
            message(["From: a@example.jp", "Content-Type: text/plain; charset=x-mystery"], body: Array("見積書です".utf8)))
        #expect(utf8.body == "見積書です")
        #expect(utf8.readingProblems == ["body: charset \"x-mystery\" is unknown; read as UTF-8"])
        let sjis = try MessageParser.parse(
            message(["From: a@example.jp", "Content-Type: text/plain; charset=x-mystery"], body: bytes("8ca990cf8f91")))
        #expect(sjis.body == "見積書")
        #expect(sjis.readingProblems == ["body: charset \"x-mystery\" is unknown; read as Japanese (Shift_JIS or EUC-JP)"])
        let broken = try MessageParser.parse(
            message(["From: a@example.jp", "Content-Type: text/plain; charset=utf-8"], body: Array("ok\n".utf8) + [0xFF, 0xFE, 0x0A]))
        #expect(broken.body.hasPrefix("ok\n"))
        #expect(broken.readingProblems == ["body: the text is not valid utf-8; line 2 could not be read and are shown as ISO-8859-1"])
    }

    @Test(
        "encoded-words with spaces inside the encoded text decode",
        arguments: [
            ("=?UTF-8?B?5bGx 55Sw?=", "山田"),
            ("=?UTF-8?B?5bGx55Sw5aSq 6YOO?=", "山田太郎"),
            ("=?ISO-2022-JP?B?GyRCOzNFREJA TzobKEI=?=", "山田太郎"),
            ("=?UTF-8?Q?Yamada Taro?=", "Yamada Taro"),
            ("Re: =?UTF-8?B?5bGx 55Sw?= san", "Re: 山田 san")
        ])
    func spacesInside(_ input: String, _ expected: String) {
        #expect(EncodedWordDecoder.decode(input) == expected)
    }

    @Test(
        "a display name with an unquoted @ reads as a display name",
        arguments: [
            ("氏名@所属 <mail@example.com>", "氏名@所属", "mail@example.com"),
            ("山田太郎@営業部 <taro@example.co.jp>", "山田太郎@営業部", "taro@example.co.jp"),
            ("taro@sales <taro@example.co.jp>", "taro@sales", "taro@example.co.jp")
        ])
    func unquotedAt(_ header: String, _ name: String, _ address: String) throws {
        let parsed = try MessageParser.parse(message(["From: \(header)", "To: \(header), b@example.jp"], body: Array("x".utf8)))
        #expect(parsed.from.first?.displayName == name)
        #expect(parsed.from.first?.address == address)
        #expect(parsed.to.mailboxes.map(\.address) == [address, "b@example.jp"])
        #expect(parsed.addressProblems.isEmpty)
    }
}
