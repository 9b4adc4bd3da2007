import MailCore
import Testing
@testable import Policy

/// The body split and folded once per evaluation (`BodyText`), shared by the rule tables and
/// `forgotten-attachment`, and the sensitive-data scan that skips lines without a digit or '@' on
/// their bytes, give the answers of the straightforward evaluation.
@Suite("Shared body text: the same answers as splitting and folding for each rule")
struct SharedBodyTests {
    /// Lines on both sides of every difference between the two foldings: U+3000 (a space for the
    /// rule tables, itself for forgotten-attachment), half-width katakana (not folded on bytes by
    /// the tables), full-width letters, case, quoted lines, signatures, separators, combining marks.
    static let lines = [
        "資料を添付します", "資料を　添付します", "資料を 添付します", "Please find　enclosed", "please find enclosed", "PLEASE FIND ENCLOSED",
        "ＡＴＴＡＣＨＥＤ", "Ａttach", "attach\tment", "ﾃﾝﾌﾟ", "ﾃﾝﾌﾟします　添付", "テンプ", "> 添付", "＞添付", "　> attached", " ＞ attached",
        "添\u{301}付", "cafe\u{301} attached", "attaché", "unattached", "x添付x添付", "enclosed:attach", "", "いつもお世話になっております。",
        "ｶﾞｲﾄﾞを添付", "㈱クライアント 同封", "２attached", "see attachment and attached"
    ]

    /// Bodies made of those lines, with a signature or a forwarded message cutting some off.
    static var bodies: [String] {
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            out.append("はじめに\n\(line)\n以上")
            out.append("はじめに\r\n\(line)\r\n\(lines[(i + 7) % lines.count])")
            out.append("> \(lines[(i + 3) % lines.count])\n-- \n\(line)")
            out.append("本文\n-----Original Message-----\n\(line)")
            out.append("\(lines[(i + 11) % lines.count])\r\(line)")
        }
        return out
    }

    /// Keyword lists: the defaults, and lists holding a space, U+3000, half-width katakana,
    /// full-width letters or a character that is not simple.
    static let keywordLists: [[String]?] = [
        nil, ["please find", "添付"], ["資料を　添付", "ﾃﾝﾌﾟ"], ["ａｔｔａｃｈ", "テンプ", "ENCLOSED"], ["ｶﾞｲﾄﾞ", "同封"], ["attaché", "添付"],
        ["資料を 添付"], ["x", "添付x"]
    ]

    /// The rule as it was before the body was shared: every own line folded on its characters.
    static func expected(_ body: String, _ keywords: [String]) -> String? {
        let folded = keywords.map { Array(String($0.map(CharacterFolding.halfWidth)).lowercased()) }.filter { !$0.isEmpty }
        for (number, line) in TextLines(body).ownLines {
            let text = Array(String(line.map(CharacterFolding.halfWidth)).lowercased())
            var best: (Int, [Character])? = nil
            for k in folded { if let p = ForgottenAttachmentRule.find(k, in: text), best == nil || p < best!.0 { best = (p, k) } }
            if let best { return "line \(number) says '\(String(best.1))' but nothing is attached" }
        }
        return nil
    }

    @Test("forgotten-attachment through the shared folding reports what the character search reports")
    func forgottenAttachmentAgrees() throws {
        var found = 0
        var compared = 0
        for list in Self.keywordLists {
            let policy: PolicyConfig
            if let list {
                let words = list.map { "\"\($0)\"" }.joined(separator: ", ")
                policy = try config(organisation: "[rules.forgotten-attachment]\nkeywords = [\(words)]\n")
            } else {
                policy = .defaults
            }
            let keywords = policy.words(ForgottenAttachmentRule.keywords, of: ForgottenAttachmentRule().id)
            if let list { #expect(keywords == list) }
            for body in Self.bodies {
                let expected = Self.expected(body, keywords)
                let message = try input(to: "a@x.example", body: body)
                // Alone, and after the rule tables folded the body in the same context.
                let context = PolicyContext(input: message, config: policy)
                _ = FoldedText(message, body: context.body).ownLines
                #expect(ForgottenAttachmentRule().evaluate(message, context).first?.message == expected, "\(body.debugDescription) \(keywords)")
                #expect(run(ForgottenAttachmentRule(), message, policy).first?.message == expected)
                compared += 1
                if expected != nil { found += 1 }
            }
        }
        #expect(compared > 1000 && found > 200 && found < compared, "found in \(found) of \(compared)")
    }

    @Test("the shared folding is each own line folded as the rule tables fold it, joined by LF")
    func foldingIsTheTables() {
        for body in Self.bodies {
            let folded = BodyText(body).folded
            let own = TextLines(body).ownLines
            #expect(folded.lines.map(\.number) == own.map(\.number) && folded.lines.map { String($0.text) } == own.map { String($0.text) })
            #expect(folded.starts.map(\.number) == own.map(\.number))
            var bytes: [UInt8] = []
            for (i, line) in own.enumerated() {
                #expect(folded.starts[i].offset == bytes.count)
                bytes += TextFolding.fold(String(line.text)).utf8
                bytes.append(0x0A)
                #expect(folded.simple[i] == (SimpleText.fold(line.text, ideographicSpace: true, halfWidthKana: false) != nil))
            }
            #expect(folded.bytes == bytes, "\(body.debugDescription)")
        }
    }

    @Test("a keyword found in a range of a buffer is found where it is found in the range alone")
    func rangeOccurrences() {
        let index = KeywordIndex(["attach", "添付", "x"])
        let text = Array("xattach\n添付 attach\nattachx x".utf8)
        let lines = [0..<7, 8..<21, 22..<text.count]
        for range in lines {
            #expect(index.firstOccurrences(in: text, range) == index.firstOccurrences(in: Array(text[range])))
        }
        // "xattach": neither "x" nor "attach" is a whole word; "添付 attach": both are found.
        #expect(index.firstOccurrences(in: text, lines[0]).isEmpty)
        #expect(index.firstOccurrences(in: text, lines[1]) == [0: 7, 1: 0])
    }

    // MARK: sensitive-data

    static let sensitiveTexts: [String] = {
        let myNumber = validMyNumber("12345678901")
        let card = luhnComplete("411111111111111")
        let wide = String(myNumber.map { Character(Unicode.Scalar(UInt32($0.asciiValue!) - 0x30 + 0xFF10)!) })
        let pieces = [
            "", "\n", "\r", "\r\n", "いつもお世話になっております。", "マイナンバー \(myNumber)", "個人番号：\(wide)", "カード \(card)",
            "カード \(card.prefix(4)) \(card.dropFirst(4).prefix(4)) \(card.dropFirst(8).prefix(4)) \(card.suffix(4))",
            "電話 03-1234-5678", "TEL：０３－１２３４－５６７８", "携帯 090 1234 5678", "+81 3-1234-5678", "mail taro@example.co.jp",
            "ｍａｉｌ　ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "hanako@example.com, jiro@example.net", "no digits at all", "ーー－－",
            "２０２６年１２月７日", "@", "＠", "a@b", "\u{301}1\u{301}2", "👍🏽 0120-123-456"
        ]
        var out: [String] = []
        for (i, a) in pieces.enumerated() {
            for sep in ["\n", "\r\n", "\r", "\n\r", "\r\r"] {
                out.append(a + sep + pieces[(i * 7 + 3) % pieces.count] + sep + pieces[(i * 5 + 1) % pieces.count])
            }
        }
        out.append(pieces.joined(separator: "\n"))
        out.append(pieces.joined(separator: "\r\n") + "\r\n")
        return out
    }()

    @Test("sensitive-data's scan on bytes finds what the scalar-by-scalar scan finds, on the same lines")
    func sensitiveScanAgrees() {
        func flat(_ s: SensitiveScan) -> [String] {
            s.myNumbers.map { "my \($0.value) \($0.line)" } + s.cards.map { "card \($0.value) \($0.line)" }
                + s.emails.map { "email \($0.value) \($0.line)" } + s.phones.map { "phone \($0.value) \($0.line)" }
        }
        var found = 0
        for text in Self.sensitiveTexts {
            let expected = flat(SensitiveScan(scalarByScalar: text))
            #expect(flat(SensitiveScan(text)) == expected, "\(text.debugDescription)")
            // A substring's storage (not a native string of its own) gives the same.
            #expect(flat(SensitiveScan(String(Substring(text)))) == expected)
            found += expected.count
        }
        #expect(found > 100)
    }
}
