import Testing
@testable import MailCore

private func parsed(_ headers: [String], body: String = "本文です。\n") -> ParsedMessage {
    try! MessageParser.parse(Array((headers + ["", body]).joined(separator: "\r\n").utf8))
}

private let me: Set<RecipientKey> = [RecipientKey(address: "me@example.jp"), RecipientKey(address: "me.alias@example.jp")]

@Suite struct ReplyAddressTests {
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let headers: [String]
        let all: Bool
        let to: [String]
        let cc: [String]
    }

    static let cases: [Case] = [
        Case(description: "reply goes to From", headers: ["From: a@x.jp", "To: me@example.jp, b@x.jp"], all: false, to: ["a@x.jp"], cc: []),
        Case(
            description: "reply honours Reply-To", headers: ["From: a@x.jp", "Reply-To: desk@x.jp", "To: me@example.jp"], all: false,
            to: ["desk@x.jp"], cc: []),
        Case(
            description: "reply-all: author and To in To, Cc in Cc, me removed",
            headers: ["From: a@x.jp", "To: me@example.jp, b@x.jp", "Cc: c@y.jp, Me.Alias@EXAMPLE.jp"], all: true,
            to: ["a@x.jp", "b@x.jp"], cc: ["c@y.jp"]),
        Case(
            description: "reply-all with Reply-To uses it instead of From",
            headers: ["From: a@x.jp", "Reply-To: list@x.jp", "To: list@x.jp, b@x.jp", "Cc: a@x.jp"], all: true,
            to: ["list@x.jp", "b@x.jp"], cc: ["a@x.jp"]),
        Case(
            description: "reply-all follows Mail-Followup-To",
            headers: ["From: a@x.jp", "To: list@lists.x.jp", "Cc: b@x.jp", "Mail-Followup-To: list@lists.x.jp, me@example.jp"],
            all: true, to: ["list@lists.x.jp"], cc: []),
        Case(
            description: "plain reply ignores Mail-Followup-To",
            headers: ["From: a@x.jp", "To: list@lists.x.jp", "Mail-Followup-To: list@lists.x.jp"], all: false, to: ["a@x.jp"], cc: []),
        Case(
            description: "duplicates by recipient key are removed, To before Cc",
            headers: ["From: A@X.jp", "To: a@x.jp, b@x.jp, B@x.jp", "Cc: b@X.JP, c@y.jp, c@y.jp"], all: true, to: ["A@x.jp", "b@x.jp"],
            cc: ["c@y.jp"]),
        Case(
            description: "a reply to our own sent message goes to its To",
            headers: ["From: me@example.jp", "To: client@y.jp", "Cc: boss@example.jp"], all: false, to: ["client@y.jp"], cc: []),
        Case(
            description: "reply-all to our own sent message keeps its To and Cc",
            headers: ["From: me@example.jp", "To: client@y.jp", "Cc: boss@example.jp"], all: true, to: ["client@y.jp"],
            cc: ["boss@example.jp"]),
        Case(
            description: "when only Cc is left it moves up to To",
            headers: ["From: me@example.jp", "To: me.alias@example.jp", "Cc: c@y.jp"], all: true, to: ["c@y.jp"], cc: []),
        Case(
            description: "a display name with an unquoted @ does not lose the author",
            headers: ["From: 山田@営業部 <taro@x.jp>", "To: me@example.jp"], all: false, to: ["taro@x.jp"], cc: []),
        Case(
            description: "group members count as recipients",
            headers: ["From: a@x.jp", "To: Team: b@x.jp, c@x.jp;", "Cc: undisclosed-recipients:;"], all: true,
            to: ["a@x.jp", "b@x.jp", "c@x.jp"], cc: [])
    ]

    @Test("reply and reply-all recipients", arguments: cases)
    func addresses(_ c: Case) {
        let (to, cc) = Reply.addresses(parsed(c.headers), all: c.all, own: me)
        #expect(to.map(\.address) == c.to)
        #expect(cc.map(\.address) == c.cc)
    }
}

@Suite struct ReplySubjectTests {
    @Test(
        "subject prefixes are normalised to exactly one",
        arguments: [
            ("見積書", false, "Re: 見積書"),
            ("Re: 見積書", false, "Re: 見積書"),
            ("RE: Re: re: 見積書", false, "Re: 見積書"),
            ("Ｒｅ：見積書", false, "Re: 見積書"),
            ("ＲＥ： Re: 見積書", false, "Re: 見積書"),
            ("返信: 見積書", false, "Re: 見積書"),
            ("転送: 見積書", false, "Re: 見積書"),
            ("Fw: FW: Fwd: 見積書", false, "Re: 見積書"),
            ("Re[2]: 見積書", false, "Re: 見積書"),
            ("Re^3: 見積書", false, "Re: 見積書"),
            ("AW: Meeting", false, "Re: Meeting"),
            ("Re: Fwd: 見積書", true, "Fwd: 見積書"),
            ("見積書", true, "Fwd: 見積書"),
            ("FW: 見積書", true, "Fwd: 見積書"),
            ("Ｆｗｄ：見積書", true, "Fwd: 見積書"),
            ("", false, "Re: "),
            ("Re:", false, "Re: "),
            ("Regarding: the plan", false, "Re: Regarding: the plan"),
            ("Review: the plan", false, "Re: Review: the plan"),
            ("Re 見積書", false, "Re: Re 見積書"),
            ("Re: a\r\nBcc: x@y", false, "Re: a  Bcc: x@y")
        ])
    func subject(_ original: String, _ forward: Bool, _ expected: String) {
        #expect(Reply.subject(original, forward: forward) == expected)
    }
}

@Suite struct ReplyThreadingTests {
    @Test("In-Reply-To is the original's Message-ID; References its References then its Message-ID")
    func chain() {
        let m = parsed(["From: a@x.jp", "Message-ID: <3@x.jp>", "References: <1@x.jp>\r\n <2@x.jp>", "In-Reply-To: <2@x.jp>"])
        let d = Reply.draft(to: m, kind: .reply, own: me, language: .english)
        #expect(d.inReplyTo == "<3@x.jp>")
        #expect(d.references == ["<1@x.jp>", "<2@x.jp>", "<3@x.jp>"])
    }

    @Test("without References, a single In-Reply-To starts the chain")
    func fromInReplyTo() {
        let m = parsed(["From: a@x.jp", "Message-ID: <3@x.jp>", "In-Reply-To: <2@x.jp> (some comment)"])
        #expect(Reply.references(m) == ["<2@x.jp>", "<3@x.jp>"])
        let two = parsed(["From: a@x.jp", "Message-ID: <3@x.jp>", "In-Reply-To: <1@x.jp> <2@x.jp>"])
        #expect(Reply.references(two) == ["<3@x.jp>"])
        let none = parsed(["From: a@x.jp"])
        #expect(Reply.references(none) == [])
        #expect(Reply.draft(to: none, kind: .reply, own: me, language: .english).inReplyTo == nil)
    }

    @Test(
        "long References keep the root and the most recent",
        arguments: [
            (3, 3, [1, 2, 3]),
            (10, 10, Array(1...10)),
            (11, 10, [1] + Array(3...11)),
            (40, 10, [1] + Array(32...40)),
            (5, 3, [1, 4, 5])
        ])
    func trimming(_ count: Int, _ limit: Int, _ kept: [Int]) {
        let chain = (1...count).map { "<\($0)@x.jp>" }
        #expect(Reply.trimmed(chain, limit: limit) == kept.map { "<\($0)@x.jp>" })
    }

    @Test("a repeated identifier is kept once, at its last place")
    func duplicates() {
        #expect(Reply.trimmed(["<1@x>", "<2@x>", "<1@x>", "<3@x>"]) == ["<2@x>", "<1@x>", "<3@x>"])
    }

    @Test("a forward starts no thread")
    func forward() {
        let m = parsed(["From: a@x.jp", "To: me@example.jp", "Message-ID: <3@x.jp>"])
        let d = Reply.draft(to: m, kind: .forwardInline, own: me, language: .english)
        #expect(d.inReplyTo == nil && d.references.isEmpty && d.to.isEmpty && d.cc.isEmpty)
    }
}

@Suite struct ReplyQuoteTests {
    @Test(
        "quoting",
        arguments: [
            ("a\nb\n", ["> a", "> b"]),
            ("a\n\nb", ["> a", ">", "> b"]),
            ("> earlier\nnew", [">> earlier", "> new"]),
            ("a\n\n\n  \n", ["> a"]),
            ("", [])
        ])
    func quote(_ body: String, _ expected: [String]) {
        #expect(Reply.quote(body) == expected)
    }

    @Test(
        "attribution lines",
        arguments: [
            ("Mon, 7 Dec 2026 10:15:00 +0900", ReplyLanguage.japanese, "2026年12月7日(月) 10:15 山田 太郎 <taro@x.jp>:"),
            ("Mon, 7 Dec 2026 10:15:00 +0900", .english, "On Mon, 7 Dec 2026 at 10:15, 山田 太郎 <taro@x.jp> wrote:"),
            // The weekday is computed, not copied from a wrong header.
            ("Fri, 7 Dec 2026 10:15 +0900", .japanese, "2026年12月7日(月) 10:15 山田 太郎 <taro@x.jp>:"),
            ("7 Dec 2026 01:15:00 GMT", .japanese, "2026年12月7日(月) 01:15 山田 太郎 <taro@x.jp>:"),
            ("Sun, 29 Feb 2032 23:59:59 -0500 (EST)", .english, "On Sun, 29 Feb 2032 at 23:59, 山田 太郎 <taro@x.jp> wrote:"),
            ("not a date", .japanese, "山田 太郎 <taro@x.jp>:"),
            ("not a date", .english, "山田 太郎 <taro@x.jp> wrote:")
        ])
    func attribution(_ date: String, _ language: ReplyLanguage, _ expected: String) {
        let m = parsed(["From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro@x.jp>", "Date: \(date)"])
        #expect(Reply.attribution(m, language: language) == expected)
    }

    @Test("a reply's first text: room to write on top, the attribution, the decoded quote; the cursor above")
    func replyBody() {
        let m = parsed(
            [
                "From: Taro <taro@x.jp>", "Date: Mon, 7 Dec 2026 10:15:00 +0900", "Subject: =?ISO-2022-JP?B?GyRCLSEbKEI=?=",
                "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"
            ], body: "<p>見積書を<b>送ります</b></p><script>alert(1)</script>")
        let d = Reply.draft(to: m, kind: .reply, own: me, language: .japanese)
        #expect(d.subject == "Re: ①")
        #expect(d.cursorLine == 0)
        let lines = d.body.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.prefix(3) == ["", "", "2026年12月7日(月) 10:15 Taro <taro@x.jp>:"])
        #expect(lines.dropFirst(3).allSatisfy { $0.hasPrefix(">") })
        #expect(d.body.contains("> 見積書を送ります"))
        #expect(!d.body.contains("alert"))
    }

    @Test("inline forward: the header block, then the text")
    func forwardInline() {
        let m = parsed(
            ["From: Taro <taro@x.jp>", "To: b@x.jp", "Cc: c@x.jp", "Date: Mon, 7 Dec 2026 10:15:00 +0900", "Subject: Re: 見積"],
            body: "本文\n")
        let en = Reply.draft(to: m, kind: .forwardInline, own: me, language: .english)
        #expect(en.subject == "Fwd: 見積")
        #expect(
            en.body == """


                ---------- Forwarded message ----------
                From: Taro <taro@x.jp>
                Date: Mon, 7 Dec 2026 10:15:00 +0900
                Subject: Re: 見積
                To: b@x.jp
                Cc: c@x.jp

                本文
                """)
        let ja = Reply.forwardedHeaders(m, language: .japanese)
        #expect(ja == ["-------- 転送メッセージ --------", "差出人: Taro <taro@x.jp>", "日付: Mon, 7 Dec 2026 10:15:00 +0900", "件名: Re: 見積", "宛先: b@x.jp", "CC: c@x.jp"])
    }
}

@Suite struct ReplyHeaderWritingTests {
    @Test("In-Reply-To and References are written after the Message-ID, References folded one per line")
    func written() {
        var m = OutgoingMessage(from: try! Mailbox(displayName: nil, localPart: "me", domain: "example.jp"), subject: "Re: x")
        m.inReplyTo = "<3@x.jp>"
        m.references = ["<1@x.jp>", "<2@x.jp>", "<3@x.jp>"]
        let stamp = MessageStamp(date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0), messageID: "<new@example.jp>", boundary: "b")
        let block = MIMEWriter().headerBlock(m, stamp: stamp)
        #expect(block.contains("Message-ID: <new@example.jp>\r\nIn-Reply-To: <3@x.jp>\r\nReferences: <1@x.jp>\r\n <2@x.jp>\r\n <3@x.jp>\r\n"))
        let parsed = try! MessageParser.parse(Array((block + "\r\nx").utf8))
        #expect(Reply.references(parsed) == ["<1@x.jp>", "<2@x.jp>", "<3@x.jp>", "<new@example.jp>"])
    }

    @Test("an identifier that could break the header is left out", arguments: ["<a\r\nBcc: x@y>", "<a b@x>", "a@x", "<>", "<日本@x>"])
    func refused(_ id: String) {
        var m = OutgoingMessage(from: try! Mailbox(displayName: nil, localPart: "me", domain: "example.jp"))
        m.inReplyTo = id
        m.references = [id, "<ok@x.jp>"]
        let stamp = MessageStamp(date: MailDate(secondsSince1970: 0, utcOffsetSeconds: 0), messageID: "<new@example.jp>", boundary: "b")
        let block = MIMEWriter().headerBlock(m, stamp: stamp)
        #expect(!block.contains("In-Reply-To"))
        #expect(block.contains("References: <ok@x.jp>\r\n"))
    }
}

@Suite struct MailDateParsingTests {
    @Test(
        "RFC 5322 dates read back to the same instant",
        arguments: [
            ("Sun, 29 Nov 2026 17:16:36 +0900", 1_795_940_196, 32_400),
            ("29 Nov 2026 08:16:36 GMT", 1_795_940_196, 0),
            ("Sun, 29 Nov 26 03:16:36 -0500", 1_795_940_196, -18_000),
            ("Sun, 29 Nov 2026 08:16:36 +0000 (UTC)", 1_795_940_196, 0)
        ])
    func parses(_ text: String, _ seconds: Int64, _ offset: Int) {
        #expect(MailDate(rfc5322: text) == MailDate(secondsSince1970: seconds, utcOffsetSeconds: offset))
    }

    @Test("what is not a date is nil", arguments: ["", "yesterday", "32 Nov 2026 10:00", "1 Foo 2026 10:00", "1 Nov 2026 25:00"])
    func refuses(_ text: String) {
        #expect(MailDate(rfc5322: text) == nil)
    }
}
