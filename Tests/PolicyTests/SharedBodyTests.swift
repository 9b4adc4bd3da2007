import MailCore
import Testing
@testable import Policy

/// `SensitiveScan(text)` as it was made before it looked at bytes: scalar by scalar (what the
/// byte scan must give).
func scanScalarByScalar(_ text: String) -> SensitiveScan {
    var scan = SensitiveScan("")
    var line: [Unicode.Scalar] = []
    line.reserveCapacity(256)
    var number = 1
    var interesting = false
    var afterCR = false
    func flush() {
        if interesting {
            for v in SensitiveScanner.numbers(in: line) {
                switch v {
                case .myNumber(let d): scan.myNumbers.append((d, number))
                case .card(let d): scan.cards.append((d, number))
                }
            }
            for p in SensitiveScanner.phones(in: line) { scan.phones.append((p, number)) }
            for e in SensitiveScanner.emails(in: line) { scan.emails.append((e, number)) }
        }
        line.removeAll(keepingCapacity: true)
        interesting = false
        number += 1
    }
    for scalar in text.unicodeScalars {
        if scalar == "\n" {
            if afterCR {
                afterCR = false
                continue
            } // the LF of a CRLF
            flush()
            continue
        }
        afterCR = false
        if scalar == "\r" {
            flush()
            afterCR = true
            continue
        }
        let folded = SensitiveScanner.fold(scalar)
        if SensitiveScanner.isDigit(folded) || folded == "@" { interesting = true }
        line.append(folded)
    }
    flush()
    return scan
}


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

    /// `BodyText.fold` as it was before the one pass over the bytes: `TextLines(text).ownLines`,
    /// each folded by `SimpleText.fold`, else `TextFolding.foldScalars`, and an LF.
    static func foldByLines(_ text: String) -> BodyText.Folded {
        let lines = TextLines(text).ownLines
        var bytes: [UInt8] = []
        var starts: [(offset: Int, number: Int)] = []
        var simple: [Bool] = []
        for line in lines {
            starts.append((bytes.count, line.number))
            if SimpleText.fold(line.text, ideographicSpace: true, halfWidthKana: false, into: &bytes) {
                simple.append(true)
            } else {
                bytes += TextFolding.foldScalars(line.text).utf8
                simple.append(false)
            }
            bytes.append(0x0A)
        }
        return BodyText.Folded(lines: lines, bytes: bytes, starts: starts, simple: simple)
    }

    /// Lines for the one-pass folding: quoted and not (after spaces, tabs, U+3000; '>' and '＞'),
    /// signatures ("-- " only: "--", "-- x", " -- " are text), separators in both widths and in
    /// quoted lines, dashes that make none, every lead byte a quoted line can start with, and
    /// lines that are not simple (half-width katakana, combining marks, emoji, control characters).
    static let passLines = [
        "", " ", "\t", "各位", "いつもお世話になっております。", "ＡＢＣ　ｄｅｆ", "ﾃﾝﾌﾟ", "ｱ", "> 引用", "＞引用", "　＞ 引用", " > quoted", "\t>x",
        "  text", "　全角空白で始まる", "＜not quoted", "『括弧』", "ー長音", "-- ", "--", "-- x", " -- ", "---", "-----", "----- x -----",
        "-----Original Message-----", "---------- Forwarded message ---------", "－－－－－元のメッセージ－－－－－", "> -----Original Message-----",
        "－－－－－", "－－－－ー", "--－--－--", "a-b-c-d-e-f", "cafe\u{301}", "添\u{301}付", "👍 ok", "ctrl\u{7}x", "㈱クライアント", "ｶﾞｲﾄﾞ",
        "\u{FEFF}bom", "ｶ", "Ｚ", "Mixed CASE Line"
    ]

    static var passBodies: [String] {
        var out = ["", "\n", "\r", "\r\n", "\n\n", "-- ", "x\n-- \ny"]
        let n = passLines.count
        for (i, line) in passLines.enumerated() {
            for sep in ["\n", "\r\n", "\r"] {
                out.append(line)
                out.append(line + sep)
                out.append("本文\(sep)\(line)\(sep)\(passLines[(i + 5) % n])\(sep)\(passLines[(i + 17) % n])")
                out.append("\(passLines[(i + 3) % n])\(sep)\(line)\(sep)\(sep)\(passLines[(i + 29) % n])\(sep)")
            }
        }
        out.append(passLines.joined(separator: "\n"))
        out.append(passLines.reversed().joined(separator: "\r\n"))
        return out
    }

    @Test("the one pass over the bytes gives the lines, bytes, starts and kinds of splitting and folding line by line")
    func onePassAgrees() {
        var own = 0
        var notSimple = 0
        for body in Self.passBodies + Self.bodies {
            let expected = Self.foldByLines(body)
            let folded = BodyText.fold(body)
            #expect(folded.lines.map(\.number) == expected.lines.map(\.number), "\(body.debugDescription)")
            #expect(folded.lines.map { String($0.text) } == expected.lines.map { String($0.text) }, "\(body.debugDescription)")
            #expect(folded.lines.map { $0.text.startIndex } == expected.lines.map { $0.text.startIndex }, "\(body.debugDescription)")
            #expect(folded.bytes == expected.bytes, "\(body.debugDescription)")
            #expect(folded.starts.map(\.offset) == expected.starts.map(\.offset) && folded.starts.map(\.number) == expected.starts.map(\.number))
            #expect(folded.simple == expected.simple, "\(body.debugDescription)")
            // A body that is not a native string of its own (a substring's storage) gives the same.
            #expect(BodyText.fold(String(Substring(body))).bytes == expected.bytes)
            own += expected.lines.count
            notSimple += expected.simple.filter { !$0 }.count
        }
        #expect(own > 1000 && notSimple > 100, "\(own) own lines, \(notSimple) not simple")
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
            "２０２６年１２月７日", "@", "＠", "a@b", "\u{301}1\u{301}2", "👍🏽 0120-123-456", "café 12", "Ωmega＠x", "𠮷野家 ０３－１２３４－５６７８", "é\n", "ü"
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
            let expected = flat(scanScalarByScalar(text))
            #expect(flat(SensitiveScan(text)) == expected, "\(text.debugDescription)")
            // A substring's storage (not a native string of its own) gives the same.
            #expect(flat(SensitiveScan(String(Substring(text)))) == expected)
            found += expected.count
        }
        #expect(found > 100)
    }
}
