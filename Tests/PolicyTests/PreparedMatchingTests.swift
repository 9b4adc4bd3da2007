import MailCore
import Testing
@testable import Policy

/// The shortcuts that make a thousand rules fast give the answers of the straightforward
/// evaluation: regex lines pre-filtered by a required literal, pattern sets matched per domain,
/// group memberships worked out once per message.
@Suite("Prepared matching: the same answers as the straightforward evaluation")
struct PreparedMatchingTests {
    // MARK: Regular expressions and their required literals

    @Test(
        "the required literal of a regular expression is a run every match contains",
        arguments: [
            // pattern, literal (nil: every line goes to the engine)
            ("[a-z]{2}-0900-[0-9]{6}", "-0900-"),
            ("A-[0-9]{8}", "a-"),
            ("Policy No\\.\\s*[0-9]+", "policy"),
            ("INV\\-2024", "inv-2024"),
            ("ab*c", "a"),
            ("abc?d", "ab"),
            ("abcd+", "abc"),
            ("ab{2}cdef", "cdef"),
            ("x(abc)*yz", "yz"),
            ("(abcdef)?gh", "gh"),
            ("[xyz]abc[0-9]", "abc"),
            ("[]abc]de", "de"),
            ("^total: [0-9]+$", "total:"),
            ("a.b", "a"),
            ("ab cd", "ab"),
            ("日本abc", "abc"),
            ("abc日本", "ab"),
            ("abcde\u{301}", "abc"),
            ("cat|dog", nil),
            ("(?i)abc", nil),
            ("(?=x)abc", nil),
            ("\\x41bc", nil),
            ("\\u{301}abc", nil),
            ("\\p{L}abc", nil),
            ("\\Qabc\\E", nil),
            ("a;b", "a"),
            ("[0-9]+", nil),
            ("\\d{3}-\\d{4}", "-")
        ] as [(String, String?)])
    func literals(pattern: String, literal: String?) {
        #expect(RegexLiteral.required(in: pattern).map { String(decoding: $0, as: UTF8.self) } == literal)
    }

    /// Expressions and lines on both sides of each literal's edge: case, full width, look-alike
    /// letters (ſ, the Kelvin sign, U+037E for ';'), combining marks and decomposed text.
    static let regexPatterns = [
        "[a-z]{2}-0900-[0-9]{6}", "A-[0-9]{8}", "Policy No\\.\\s*[0-9]+", "ab*c", "abc?d", "x(abc)*yz", "^total: [0-9]+$",
        "a.b", "日本abc", "abc日本", "abcde\u{301}", "cat|dog", "a;b", "\\d{3}-\\d{4}", "ks", "sk", "Kelvin", "caf[eé]",
        "café", "cafe\u{301}", "ss", "straße", "[0-9]{4}-[0-9]{2}", "社外秘[0-9]+", "confidential"
    ]

    static let regexLines = [
        "ab-0900-123456", "AB-0900-123456", "ａｂ－０９００－１２３４５６", "xy-0901-123456", "a-12345678", "Ａ-12345678",
        "policy no. 12", "POLICY NO 12", "ac", "abbbc", "abd", "abcd", "xyz", "xabcabcyz", "total: 12", "total: x",
        "a b", "axb", "日本abc", "abc日本", "abcdé", "abcde\u{301}", "cat", "dog", "a;b", "a\u{37E}b", "123-4567", "１２３-４５６７",
        "ſk", "\u{212A}s", "ks", "sk", "KELVIN", "\u{212A}elvin", "café", "cafe\u{301}", "CAFÉ", "ss", "ß", "straße", "STRASSE",
        "2026-12", "社外秘12", "社外秘１２", "ｺﾝﾌｨﾃﾞﾝｼｬﾙ", "CONFIDENTIAL", "", " "
    ]

    @Test("a line without the required literal never matches: filtered and unfiltered matching agree")
    func literalFilterAgrees() throws {
        var matched = 0
        var filtered = 0
        for pattern in Self.regexPatterns {
            let rx = try RuleRegex(pattern)
            for line in Self.regexLines {
                let folded = TextFolding.fold(line)
                let plain = rx.firstMatch(in: folded) != nil
                if plain { matched += 1 }
                if let literal = rx.requiredLiteral {
                    if Array(folded.utf8).firstRange(of: literal) == nil {
                        filtered += 1
                        #expect(!plain, "/\(pattern)/ matches '\(line)' without '\(String(decoding: literal, as: UTF8.self))'")
                    }
                }
            }
        }
        // The table means something: matches and filtered-out lines both occur.
        #expect(matched > 30 && filtered > 500)
    }

    @Test("the first line a body regex matches is the same through the literal index and without it")
    func firstBodyRegexLineAgrees() throws {
        let body = (Self.regexLines + ["> ab-0900-123456 quoted", "ab-0900-654321", "-- ", "AB-0900-111111 signature"])
            .joined(separator: "\n")
        let regexes = try Self.regexPatterns.map { try RuleRegex($0) }
        let index = KeywordIndex(regexes.compactMap(\.requiredLiteral).map { String(decoding: $0, as: UTF8.self) }, wholeWords: false)
        let message = try input(to: "a@x.example", body: body)
        let text = FoldedText(message, regexIndex: index)
        let straight = FoldedText(message)
        // The own lines folded one by one, as the rule tables first did.
        let lines = TextLines(body).ownLines.map { (number: $0.number, folded: TextFolding.fold($0.text)) }
        #expect(straight.ownLines.map(\.number) == lines.map(\.number) && straight.ownLines.map(\.folded) == lines.map(\.folded))
        var found = 0
        for rx in regexes {
            let expected = lines.first { rx.firstMatch(in: $0.folded) != nil }?.number
            #expect(text.firstBodyRegexLine(rx) == expected, "/\(rx.written)/")
            // Asked again: the answer kept for the evaluation.
            #expect(text.firstBodyRegexLine(rx) == expected)
            if expected != nil { found += 1 }
        }
        #expect(found > 15)
    }

    @Test("the literal index lists every line holding a literal, once, anywhere in the line")
    func linesHolding() {
        let index = KeywordIndex(["ab", "b-1", "日本"], wholeWords: false)
        let lines = ["xaby", "ab ab", "cd", "b-1ab", "日本語", "", "zab"]
        var bytes: [UInt8] = []
        var starts: [Int] = []
        for l in lines {
            starts.append(bytes.count)
            bytes += Array(l.utf8) + [0x0A]
        }
        let found = index.linesHolding(in: bytes, lineStarts: starts)
        #expect(found[index.ids["ab"]!] == [0, 1, 3, 6])
        #expect(found[index.ids["b-1"]!] == [3])
        #expect(found[index.ids["日本"]!] == [4])
    }

    // MARK: Pattern sets per domain

    @Test("a PatternSet's matching recipients, found per domain, are the recipients it matches one by one")
    func matchingIndicesAgree() throws {
        let patterns = try AddressPatternTests.setPatterns.map { try AddressPattern($0) }
        let boxes = try AddressPatternTests.setMailboxes.map { try mailbox($0) }
        var lists = patterns.map { [$0] }
        for i in patterns.indices { for j in patterns.indices where j > i { lists.append([patterns[i], patterns[j]]) } }
        lists.append(patterns)
        lists.append([])
        // All recipients (fewer patterns than domains), a few and one (more patterns than domains:
        // the other way round), and a message that repeats recipients of one domain.
        let groupsOfBoxes: [[Mailbox]] = [boxes, Array(boxes.prefix(3)), [boxes[7]], [boxes[27], boxes[28], boxes[29], boxes[30]], []]
        var matched = 0
        for list in lists {
            let set = PatternSet(list)
            for recipients in groupsOfBoxes {
                let index = RecipientIndex(recipients)
                let expected = recipients.indices.filter { i in list.contains { $0.matches(recipients[i]) } }
                #expect(set.matchingIndices(in: index) == expected, "\(list.map(\.text)) in \(recipients.map(\.address))")
                matched += expected.count
            }
        }
        #expect(matched > 2000)
    }

    @Test("group memberships worked out once per message are each recipient's groups")
    func membershipAgrees() throws {
        let names = (0..<6).map { "g\($0)" }
        var groups = ""
        for (n, name) in names.enumerated() {
            let members = AddressPatternTests.setPatterns.enumerated().filter { $0.offset % names.count == n || $0.offset % 7 == n }
            groups += "\(name) = [\(members.map { "\"\($0.element)\"" }.joined(separator: ", "))]\n"
        }
        groups += "all = [\"group:g0\", \"group:g3\"]\n"
        let c = try config(organisation: "[groups]\n" + groups)
        #expect(c.tableError == nil)
        let boxes = try AddressPatternTests.setMailboxes.map { try mailbox($0) }
        let everyName = names + ["all"]
        let membership = c.groups.membership(of: boxes, among: everyName)
        var inGroups = 0
        for m in boxes {
            for among in [everyName, ["g2", "g0"], ["all"], []] {
                #expect(membership.groups(of: m, among: among) == c.groups.groups(of: m, among: among), "\(m.address)")
            }
            inGroups += c.groups.groups(of: m, among: everyName).count
        }
        #expect(inGroups > 40)
    }

    // MARK: Lines and keywords on bytes

    static let texts = [
        "", "\n", "a", "a\nb", "a\r\nb", "a\rb", "a\r\rb", "a\n\rb", "\r\n\r\n", "line\n", "日本語\r\n二行目\r\n",
        "e\u{301}\nx", "\u{301}\n\u{301}", "👨‍👩‍👧\r\n👍🏽", "\r", "x\r", "\n\n\nx", "a\u{2028}b", "ｶﾞ\nﾊﾟ\r\n"
    ]

    @Test("lines found on the bytes are the lines split on the characters LF, CR LF and CR")
    func textLinesAgree() {
        for text in Self.texts {
            let expected = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            let lines = TextLines(text).lines
            #expect(lines.map(String.init) == expected.map(String.init), "\(text.debugDescription)")
            #expect(lines.map(\.startIndex) == expected.map(\.startIndex))
        }
    }

    static let keywordLines = [
        "資料を添付します", "添付", "ATTACHED", "attached.", "unattached", "attached2", "2attached", "ａｔｔａｃｈｅｄ", "Ａttach",
        "お送りいたします。", "ｵｸﾘ", "送付します", "資料をお送りします", "see attachment and attached", "attach\tment", "添\u{301}付",
        "cafe\u{301} attached", "添付\u{FE0F}", "\u{F9D8}添付", "テンプ", "ﾃﾝﾌﾟ", "", "attaché", "x添付x添付", "enclosed:attach"
    ]

    @Test("keywords found on the bytes of simple lines are found at the same place as on the characters")
    func simpleFindAgrees() throws {
        let keywords = PolicyConfig.defaults.words(ForgottenAttachmentRule.keywords, of: ForgottenAttachmentRule().id) + ["ﾃﾝﾌﾟ", "テンプ", "x", "2attached"]
        var compared = 0
        var found = 0
        for line in Self.keywordLines {
            let chars = Array(String(line.map(CharacterFolding.halfWidth)).lowercased())
            let bytes = SimpleText.foldedBytes(Substring(line))
            for word in keywords {
                let k = Array(String(word.map(CharacterFolding.halfWidth)).lowercased())
                let expected = ForgottenAttachmentRule.find(k, in: chars)
                guard let bytes, SimpleText.isSimple(k) else { continue }
                #expect(bytes == Array(String(chars).utf8), "\(line)")
                let offset = KeywordIndex([String(k)]).firstOccurrences(in: bytes)[0]
                #expect(offset == expected.map { String(chars[..<$0]).utf8.count }, "'\(word)' in '\(line)'")
                compared += 1
                if expected != nil { found += 1 }
            }
        }
        #expect(compared > 200 && found > 10)
        // Lines with other scalars are left to the character search.
        #expect(SimpleText.foldedBytes("添\u{301}付") == nil && SimpleText.foldedBytes("ﾃﾝﾌﾟ") == nil)
        #expect(SimpleText.foldedBytes("\u{F9D8}添付") == nil && SimpleText.foldedBytes("attaché") == nil)
    }

    @Test("forgotten-attachment reports the same line and keyword through the byte search")
    func forgottenAttachmentAgrees() throws {
        for line in Self.keywordLines {
            let body = "はじめに\n\(line)\n以上"
            let findings = run(ForgottenAttachmentRule(), try input(to: "a@x.example", body: body))
            // The character search alone, as the rule did before.
            let keywords = PolicyConfig.defaults.words(ForgottenAttachmentRule.keywords, of: ForgottenAttachmentRule().id).map {
                Array(String($0.map(CharacterFolding.halfWidth)).lowercased())
            }
            var expected: String? = nil
            for (number, l) in TextLines(body).ownLines {
                let text = Array(String(l.map(CharacterFolding.halfWidth)).lowercased())
                var best: (Int, [Character])? = nil
                for k in keywords { if let p = ForgottenAttachmentRule.find(k, in: text), best == nil || p < best!.0 { best = (p, k) } }
                if let best {
                    expected = "line \(number) says '\(String(best.1))' but nothing is attached"
                    break
                }
            }
            #expect(findings.first?.message == expected, "\(line)")
        }
    }

    @Test("folding simple text on bytes gives the scalar-by-scalar folding")
    func simpleFoldAgrees() {
        var fast = 0
        for text in Self.keywordLines + Self.regexLines + Self.texts + ["ＡＢＣ　ｄｅｆ", "Ｔａｒｏ\u{3000}様", "ｶﾞｲﾄﾞ", "～〜ー", "㈱クライアント"] {
            if let folded = TextFolding.simpleFold(text) {
                #expect(folded == TextFolding.foldScalars(text), "\(text.debugDescription)")
                fast += 1
            }
            #expect(TextFolding.fold(text) == TextFolding.foldScalars(text))
        }
        #expect(fast > 40)
        #expect(TextFolding.simpleFold("ｶﾞｲﾄﾞ") == nil && TextFolding.simpleFold("㈱") == nil)
    }

    @Test("barriers list the same recipients for each group as matching recipient by recipient")
    func barrierMembersAgree() throws {
        let c = try config(
            organisation: """
                [groups]
                a = ["*.insurer-a.example", "insurer-a.example"]
                b = ["insurer-b.example", "sales-*@agency.example"]
                c = ["*.example"]

                [[barrier]]
                id = "ab"
                groups = ["a", "b"]

                [[barrier]]
                id = "twice"
                groups = ["a", "b", "a"]

                [[barrier]]
                id = "abc"
                groups = ["c", "a", "b"]
                """)
        #expect(c.tableError == nil)
        let lists = [
            "x@insurer-a.example, y@tokyo.insurer-a.example, z@insurer-b.example, X@INSURER-A.EXAMPLE",
            "sales-1@agency.example, a@insurer-a.example, sales-2@agency.example, b@agency.example",
            "a@insurer-a.example", "", "q@other.jp, r@insurer-b.example, s@osaka.insurer-a.example"
        ]
        for list in lists {
            let message = try input(to: list, bcc: "t@insurer-b.example")
            for barrier in c.barriers {
                // Recipient by recipient, as barriers were first evaluated.
                var members: [String: [Mailbox]] = [:]
                var seen = Set<String>()
                for m in message.allRecipients where seen.insert(m.key.text).inserted {
                    for g in c.groups.groups(of: m, among: barrier.groups) { members[g, default: []].append(m) }
                }
                let met = barrier.groups.filter { members[$0] != nil }
                let finding = barrier.evaluate(message, groups: c.groups)
                #expect((finding != nil) == (met.count >= 2), "\(barrier.id): \(list)")
                for g in met where met.count >= 2 {
                    let part = "\(g): \(PolicyText.listing(members[g]!.lazy.map(\.address), limit: 2))"
                    #expect(finding?.message.contains(part) == true, "\(barrier.id): \(part) in \(finding?.message ?? "")")
                }
            }
        }
    }

    @Test(
        "original-message separators are still recognised behind the byte check",
        arguments: [
            ("-----Original Message-----", true), ("   -----Original Message-----  ", true), ("\u{3000}-----Forwarded message-----", true),
            ("---------- Forwarded message ---------", true), ("－－－－－元のメッセージ－－－－－", true), ("-----転送メッセージ-----", true),
            ("----Original Message----", false), ("－－－－元のメッセージ", false), ("-----", false), ("a-----original message", false),
            ("-----Original Message-----".uppercased(), true), ("営業についてお知らせ", false), ("", false)
        ])
    func separators(line: String, expected: Bool) {
        #expect(TextLines.isOriginalMessageSeparator(Substring(line)) == expected)
    }

    @Test("quoted lines are still recognised behind the first-scalar check")
    func quoted() {
        let lines = [
            "> a", ">", "  > a", "\t>a", "\u{3000}＞ a", "＞", "a > b", "", " ", "\u{3000}", ">\u{338}", "\u{226F}", "\u{FF1E}",
            " \u{301}> a", "い>", "-->", "\u{3000}\u{3000}>", "\u{2003}> a"
        ]
        for line in lines {
            let first = line.first { $0 != " " && $0 != "\t" && $0 != "\u{3000}" }
            #expect(TextLines.isQuoted(Substring(line)) == (first == ">" || first == "＞"), "\(line.debugDescription)")
        }
        #expect(TextLines.holdsDashes("a-----b") && TextLines.holdsDashes("－－－－－") && !TextLines.holdsDashes("----－-"))
        #expect(!TextLines.holdsDashes("－－－－ －") && TextLines.holdsDashes("x---------- y"))
    }
}
