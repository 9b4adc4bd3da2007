import Testing
@testable import MailCore

// MARK: - Tables

struct ValidMailboxCase: Sendable, CustomTestStringConvertible {
    let input: String
    let displayName: String?
    let localPart: String
    let domain: String
    let asciiDomain: String
    let envelope: String
    var testDescription: String { input }
}

struct InvalidCase: Sendable, CustomTestStringConvertible {
    let input: String
    let kind: AddressError.Kind
    let position: Int
    let offending: String
    var testDescription: String { input }
}

private func v(
    _ input: String, _ displayName: String?, _ localPart: String, _ domain: String,
    _ asciiDomain: String, _ envelope: String
) -> ValidMailboxCase {
    ValidMailboxCase(
        input: input, displayName: displayName, localPart: localPart, domain: domain,
        asciiDomain: asciiDomain, envelope: envelope)
}

private func bad(_ input: String, _ kind: AddressError.Kind, _ position: Int, _ offending: String) -> InvalidCase {
    InvalidCase(input: input, kind: kind, position: position, offending: offending)
}

let validMailboxes: [ValidMailboxCase] = [
    v("taro@example.jp", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("  taro@example.jp  ", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("Taro Yamada <taro@example.jp>", "Taro Yamada", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("<taro@example.jp>", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("\"\" <taro@example.jp>", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("\"Yamada, Taro\" <t@example.jp>", "Yamada, Taro", "t", "example.jp", "example.jp", "t@example.jp"),
    v(
        "\"Taro \\\"The Boss\\\" Yamada\" <boss@example.jp>", "Taro \"The Boss\" Yamada", "boss",
        "example.jp", "example.jp", "boss@example.jp"),
    v("John Q. Public <jqp@example.com>", "John Q. Public", "jqp", "example.com", "example.com", "jqp@example.com"),
    v("=?UTF-8?B?5bGx55Sw?= <a@b.jp>", "山田", "a", "b.jp", "b.jp", "a@b.jp"),
    v("=?UTF-8?B?5bGx55Sw?= =?UTF-8?B?5aSq6YOO?= <a@b.jp>", "山田太郎", "a", "b.jp", "b.jp", "a@b.jp"),
    v("=?UTF-8?Q?Yamada_Taro?= <taro@example.jp>", "Yamada Taro", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v(
        "=?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?= <taro@example.jp>", "山田太郎", "taro", "example.jp",
        "example.jp", "taro@example.jp"),
    v("\"=?UTF-8?B?5bGx55Sw?=\" <a@b.jp>", "山田", "a", "b.jp", "b.jp", "a@b.jp"),
    v("山田 太郎 <taro@日本語.jp>", "山田 太郎", "taro", "日本語.jp", "xn--wgv71a119e.jp", "taro@xn--wgv71a119e.jp"),
    v("山田　太郎 <taro@example.jp>", "山田　太郎", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("\"山田　太郎\" <taro@example.jp>", "山田　太郎", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("ＡＢＣ株式会社 <info@abc.co.jp>", "ＡＢＣ株式会社", "info", "abc.co.jp", "abc.co.jp", "info@abc.co.jp"),
    v(
        "株式会社ＡＢＣ、営業部 <sales@abc.co.jp>", "株式会社ＡＢＣ、営業部", "sales", "abc.co.jp", "abc.co.jp",
        "sales@abc.co.jp"),
    v("b@bücher.example", nil, "b", "bücher.example", "xn--bcher-kva.example", "b@xn--bcher-kva.example"),
    v("b@BÜCHER.Example", nil, "b", "bücher.example", "xn--bcher-kva.example", "b@xn--bcher-kva.example"),
    v(
        "user@xn--bcher-kva.example", nil, "user", "bücher.example", "xn--bcher-kva.example",
        "user@xn--bcher-kva.example"),
    v(
        "user@XN--BCHER-KVA.EXAMPLE", nil, "user", "bücher.example", "xn--bcher-kva.example",
        "user@xn--bcher-kva.example"),
    v("info@straße.de", nil, "info", "straße.de", "xn--strae-oqa.de", "info@xn--strae-oqa.de"),
    v("info@コーヒー.jp", nil, "info", "コーヒー.jp", "xn--tck2c4fb.jp", "info@xn--tck2c4fb.jp"),
    v("test@例え.テスト", nil, "test", "例え.テスト", "xn--r8jz45g.xn--zckzah", "test@xn--r8jz45g.xn--zckzah"),
    v("Taro@Example.JP", nil, "Taro", "example.jp", "example.jp", "Taro@example.jp"),
    v(
        "first.last+tag@sub.example.co.jp", nil, "first.last+tag", "sub.example.co.jp", "sub.example.co.jp",
        "first.last+tag@sub.example.co.jp"),
    v("o'brien@example.ie", nil, "o'brien", "example.ie", "example.ie", "o'brien@example.ie"),
    v("\"john doe\"@example.com", nil, "john doe", "example.com", "example.com", "\"john doe\"@example.com"),
    v("\"john.doe\"@example.com", nil, "john.doe", "example.com", "example.com", "john.doe@example.com"),
    v("\"a\\\"b\"@example.com", nil, "a\"b", "example.com", "example.com", "\"a\\\"b\"@example.com"),
    v("\"a..b\"@example.com", nil, "a..b", "example.com", "example.com", "\"a..b\"@example.com"),
    v("Doe <\"john doe\"@example.com>", "Doe", "john doe", "example.com", "example.com", "\"john doe\"@example.com"),
    v(
        "(comment) taro@example.jp (another (nested) comment)", nil, "taro", "example.jp", "example.jp",
        "taro@example.jp"),
    v(
        "Taro (Sales) Yamada <taro(x)@(y)example.jp>", "Taro Yamada", "taro", "example.jp", "example.jp",
        "taro@example.jp"),
    v(
        "Taro <taro@example.jp> (comment \\) with escape)", "Taro", "taro", "example.jp", "example.jp",
        "taro@example.jp"),
    v("taro @ example.jp", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("Taro Yamada\r\n <taro@example.jp>", "Taro Yamada", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("Taro\t<  taro@example.jp  >", "Taro", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("a-b@ex-ample.co.jp", nil, "a-b", "ex-ample.co.jp", "ex-ample.co.jp", "a-b@ex-ample.co.jp"),
    v("x@3com.com", nil, "x", "3com.com", "3com.com", "x@3com.com"),
    v("　taro@example.jp　", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("\u{FEFF}Taro <taro@example.jp>\u{00A0}", "Taro", "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("taro@example.jp\u{200B}", nil, "taro", "example.jp", "example.jp", "taro@example.jp"),
    v("x@пример.рф", nil, "x", "пример.рф", "xn--e1afmkfd.xn--p1ai", "x@xn--e1afmkfd.xn--p1ai"),
    v("x@abc株式会社.jp", nil, "x", "abc株式会社.jp", "xn--abc-0y9dm34eupmq82a.jp", "x@xn--abc-0y9dm34eupmq82a.jp"),
    v("x@bu\u{0308}cher.example", nil, "x", "bücher.example", "xn--bcher-kva.example", "x@xn--bcher-kva.example")
]

let invalidInputs: [InvalidCase] = [
    // Japanese keyboard slips
    bad("taro＠example.jp", .fullWidthCharacter, 5, "＠"),
    bad("taro＠example．jp", .fullWidthCharacter, 5, "＠"),
    bad("taro@example．jp", .fullWidthCharacter, 13, "．"),
    bad("taro@example。jp", .fullWidthCharacter, 13, "。"),
    bad("taro@example｡jp", .fullWidthCharacter, 13, "｡"),
    bad("taro@example.jp。", .fullWidthCharacter, 16, "。"),
    bad("taro@example.jp　hanako@example.jp", .fullWidthCharacter, 16, "\u{3000}"),
    bad("taro　@example.jp", .fullWidthCharacter, 5, "\u{3000}"),
    bad("< taro@example.jp　>", .fullWidthCharacter, 18, "\u{3000}"),
    bad("taro@example.jp、hanako@example.jp", .japaneseSeparator, 16, "、"),
    bad("taro@example.jp，hanako@example.jp", .japaneseSeparator, 16, "，"),
    bad("taro@example.jp，", .japaneseSeparator, 16, "，"),
    bad("Taro <taro@example.jp>、Hanako <hanako@example.jp>", .japaneseSeparator, 23, "、"),
    bad("taro、hanako@example.jp", .japaneseSeparator, 5, "、"),
    bad("山田 ＜taro@example.jp＞", .fullWidthCharacter, 4, "＜"),
    bad("山田太郎＜taro@example.jp＞", .fullWidthCharacter, 5, "＜"),
    bad("山田 <taro@example.jp＞", .fullWidthCharacter, 20, "＞"),
    bad("Yamada ＜taro＠example.jp＞", .fullWidthCharacter, 8, "＜"),
    bad("ｔａｒｏ@example.jp", .fullWidthCharacter, 1, "ｔ"),
    bad("taro１@example.jp", .fullWidthCharacter, 5, "１"),
    bad("taro@ｅｘａｍｐｌｅ.jp", .fullWidthCharacter, 6, "ｅ"),
    bad("taro@example.ｊｐ", .fullWidthCharacter, 14, "ｊ"),
    bad("\"ｔａｒｏ\"@example.jp", .fullWidthCharacter, 2, "ｔ"),
    bad("taro@abc－def.jp", .fullWidthCharacter, 9, "－"),
    bad("taro@abcーdef.jp", .lookalikeCharacter, 9, "ー"),
    bad("taro@abc−def.jp", .lookalikeCharacter, 9, "−"),
    bad("taro@exa　mple.jp", .fullWidthCharacter, 9, "\u{3000}"),
    bad("taro@example.jp,　hanako@example.jp　x", .fullWidthCharacter, 35, "\u{3000}"),
    // pasted invisible characters and look-alikes that IDNA would silently change
    bad("taro@example.jp\u{00A0}hanako@example.jp", .invisibleCharacter, 16, "\u{00A0}"),
    bad("ta\u{200B}ro@example.jp", .invisibleCharacter, 3, "\u{200B}"),
    bad("taro@exa\u{200B}mple.jp", .invisibleCharacter, 9, "\u{200B}"),
    bad("taro@exa\u{00AD}mple.jp", .invisibleCharacter, 9, "\u{00AD}"),
    bad("taro@ⓔxample.jp", .lookalikeCharacter, 6, "ⓔ"),
    bad("taro@ｶﾀｶﾅ.jp", .lookalikeCharacter, 6, "ｶ"),
    bad("taro@exampl\u{0435}.jp", .lookalikeCharacter, 12, "\u{0435}"),
    bad("taro@\u{03BF}range.jp", .lookalikeCharacter, 6, "\u{03BF}"),
    // spaces inside the domain
    bad("taro@ex ample.jp", .invalidDomain, 8, "ex ample.jp"),
    bad("taro@example .jp", .invalidDomain, 13, "example .jp"),
    bad("Taro <taro@example. jp>", .invalidDomain, 20, "example. jp"),
    // missing / extra '@'
    bad("taro.example.jp", .missingAt, 1, "taro.example.jp"),
    bad("Taro Yamada", .missingAt, 1, "Taro Yamada"),
    bad("Taro <taro>", .missingAt, 7, "taro"),
    bad("Yamada, Taro <t@example.jp>", .missingAt, 1, "Yamada"),
    bad("a@b@c.jp", .multipleAt, 4, "@"),
    bad("a@@b.jp", .multipleAt, 3, "@"),
    bad("Taro <a@b.jp@c.jp>", .multipleAt, 13, "@"),
    // local part
    bad("@example.jp", .invalidLocalPart, 1, "@"),
    bad("\"\"@example.jp", .invalidLocalPart, 3, "\"\"@example.jp"),
    bad(".taro@example.jp", .invalidLocalPart, 1, ".taro"),
    bad("taro.@example.jp", .invalidLocalPart, 5, "taro."),
    bad("ta..ro@example.jp", .invalidLocalPart, 4, "ta..ro"),
    bad("taro yamada@example.jp", .invalidLocalPart, 5, "taro yamada"),
    bad(
        String(repeating: "a", count: 65) + "@example.jp", .invalidLocalPart, 1,
        String(repeating: "a", count: 65) + "@example.jp"),
    bad("山田@example.jp", .nonASCIILocalPart, 1, "山田@example.jp"),
    bad("Taro <山田@example.jp>", .nonASCIILocalPart, 7, "山田@example.jp"),
    bad("müller@example.de", .nonASCIILocalPart, 2, "müller@example.de"),
    // domain
    bad("a@b..c", .invalidDomain, 5, "b..c"),
    bad("a@-b.com", .invalidDomain, 3, "-b"),
    bad("a@b-.com", .invalidDomain, 4, "b-"),
    bad("taro@example.jp.", .invalidDomain, 16, "example.jp."),
    bad("taro@.example.jp", .invalidDomain, 6, ".example.jp"),
    bad("taro@localhost", .invalidDomain, 6, "localhost"),
    bad("Taro <taro@localhost>", .invalidDomain, 12, "localhost"),
    bad("taro@[192.0.2.1]", .invalidDomain, 6, "[192.0.2.1]"),
    bad("taro@192.0.2.1", .invalidDomain, 6, "192.0.2.1"),
    bad("taro@exa_mple.jp", .invalidDomain, 9, "_"),
    bad("taro@", .invalidDomain, 5, "taro@"),
    bad("taro@xn--zz.jp", .invalidDomain, 6, "xn--zz"),
    bad("taro@" + String(repeating: "a", count: 64) + ".jp", .invalidDomain, 6, String(repeating: "a", count: 64)),
    // unterminated
    bad("\"Yamada <a@b.jp>", .unterminatedQuote, 1, "\"Yamada <a@b.jp>"),
    bad("Taro <taro@example.jp", .unterminatedAngle, 6, "<taro@example.jp"),
    bad("Taro <taro@example.jp, b@example.jp", .unterminatedAngle, 6, "<taro@example.jp, b@example.jp"),
    bad("taro@example.jp (comment", .unterminatedComment, 17, "(comment"),
    bad("taro@example.jp (a (b) c", .unterminatedComment, 17, "(a (b) c"),
    bad("Team: a@example.jp, b@example.jp", .unterminatedGroup, 1, "Team"),
    // text after an address
    bad("taro@example.jp hanako@example.jp", .trailingGarbage, 17, "hanako@example.jp"),
    bad("Taro <taro@example.jp> Yamada", .trailingGarbage, 24, "Yamada"),
    bad("taro@example.jp>", .trailingGarbage, 16, ">"),
    bad("a@example.jp; b@example.jp", .semicolonSeparator, 13, ";"),
    // other structure
    bad("taro@home <taro@example.jp>", .displayNameNeedsQuotes, 5, "taro@home"),
    bad("Taro@Home Office <taro@example.jp>", .displayNameNeedsQuotes, 5, "Taro@Home Office"),
    bad("a@example.jp, Taro [Sales] <t@example.jp>", .unexpectedCharacter, 20, "["),
    bad("A: B: c@example.jp;;", .groupNotAllowed, 5, "B"),
    bad("<>", .empty, 1, "<>"),
    bad("<@route.example:a@b.jp>", .unexpectedCharacter, 2, "@"),
    bad("Taro ) <t@example.jp>", .unexpectedCharacter, 6, ")")
]

private func listError(_ text: String) -> AddressError? {
    do {
        _ = try AddressParser.parseList(text)
        return nil
    } catch {
        return error
    }
}

private func mailboxError(_ text: String) -> AddressError? {
    do {
        _ = try AddressParser.parseMailbox(text)
        return nil
    } catch {
        return error
    }
}

// MARK: - Suites

@Suite struct AddressParserValidTests {
    @Test("a valid mailbox parses to the expected parts", arguments: validMailboxes)
    func validMailbox(_ c: ValidMailboxCase) throws {
        let m = try AddressParser.parseMailbox(c.input)
        #expect(m.displayName == c.displayName)
        #expect(m.localPart == c.localPart)
        #expect(m.domain == c.domain)
        #expect(m.asciiDomain == c.asciiDomain)
        #expect(m.envelopeAddress == c.envelope)
    }

    @Test("a valid mailbox parsed as a list gives that one mailbox", arguments: validMailboxes)
    func validAsList(_ c: ValidMailboxCase) throws {
        let list = try AddressParser.parseList(c.input)
        #expect(list.count == 1)
        #expect(list == [.mailbox(try AddressParser.parseMailbox(c.input))])
    }

    @Test("formatting a mailbox and parsing it again gives the same mailbox", arguments: validMailboxes)
    func roundTrip(_ c: ValidMailboxCase) throws {
        let m = try AddressParser.parseMailbox(c.input)
        #expect(try AddressParser.parseMailbox(m.formatted) == m)
        #expect(try AddressParser.parseMailbox(m.envelopeAddress).envelopeAddress == m.envelopeAddress)
    }

    @Test("the display address shows the Unicode domain and re-quotes the local part")
    func displayAddress() throws {
        #expect(try AddressParser.parseMailbox("taro@xn--wgv71a119e.jp").address == "taro@日本語.jp")
        #expect(try AddressParser.parseMailbox("\"john doe\"@bücher.example").address == "\"john doe\"@bücher.example")
        #expect(
            try AddressParser.parseMailbox("\"Yamada, Taro\" <t@example.jp>").formatted
                == "\"Yamada, Taro\" <t@example.jp>")
        #expect(try AddressParser.parseMailbox("山田 太郎 <taro@日本語.jp>").formatted == "山田 太郎 <taro@日本語.jp>")
    }

    @Test("domains compare case-insensitively but local parts keep their case")
    func comparison() throws {
        let a = try AddressParser.parseMailbox("Taro <Taro@EXAMPLE.jp>")
        let b = try AddressParser.parseMailbox("Taro@example.JP")
        let c = try AddressParser.parseMailbox("taro@example.jp")
        #expect(a.hasSameAddress(as: b))
        #expect(a.addressKey == b.addressKey)
        #expect(!a.hasSameAddress(as: c))
        #expect(a.localPart == "Taro")
        let idn = try AddressParser.parseMailbox("x@日本語.JP")
        let ace = try AddressParser.parseMailbox("x@XN--WGV71A119E.jp")
        #expect(idn == ace)
    }
}

@Suite struct AddressListTests {
    @Test("empty or blank text is an empty list", arguments: ["", "   ", "\t\r\n\t", "(just a comment)", ",", " , ,, "])
    func emptyList(_ text: String) throws {
        #expect(try AddressParser.parseList(text).isEmpty)
    }

    @Test("a list of several address forms keeps order")
    func severalForms() throws {
        let list = try AddressParser.parseList(
            "\"Yamada, Taro\" <t@example.jp>, Hanako <h@example.jp>,b@bücher.example , =?UTF-8?B?5bGx55Sw?= <y@example.jp>")
        let boxes = list.mailboxes
        #expect(
            boxes.map(\.envelopeAddress)
                == ["t@example.jp", "h@example.jp", "b@xn--bcher-kva.example", "y@example.jp"])
        #expect(boxes.map(\.displayName) == ["Yamada, Taro", "Hanako", nil, "山田"])
    }

    @Test("empty list elements between commas are skipped")
    func emptyElements() throws {
        let list = try AddressParser.parseList("a@example.jp, , b@example.jp,")
        #expect(list.mailboxes.map(\.envelopeAddress) == ["a@example.jp", "b@example.jp"])
    }

    @Test("a group keeps its name and members")
    func group() throws {
        let list = try AddressParser.parseList("Team: a@example.jp, Bee <b@example.jp>;")
        let a = try Mailbox(displayName: nil, localPart: "a", domain: "example.jp")
        let b = try Mailbox(displayName: "Bee", localPart: "b", domain: "example.jp")
        #expect(list == [.group(name: "Team", members: [a, b])])
    }

    @Test(
        "an empty group is allowed",
        arguments: [
            "undisclosed-recipients:;", "undisclosed-recipients: ;",
            "undisclosed-recipients : (none) ;"
        ])
    func emptyGroup(_ text: String) throws {
        #expect(try AddressParser.parseList(text) == [.group(name: "undisclosed-recipients", members: [])])
    }

    @Test("groups mix with mailboxes and flatten in order")
    func groupsAndMailboxes() throws {
        let list = try AddressParser.parseList(
            "a@x.jp, Team: b@y.jp, (c) c@y.jp;, \"Sales, Tokyo\": <d@z.jp> ;, e@z.jp, =?UTF-8?B?5bGx55Sw?=: f@z.jp;")
        #expect(list.count == 5)
        #expect(list.mailboxes.map(\.localPart) == ["a", "b", "c", "d", "e", "f"])
        guard case .group(let name, let members) = list[2] else {
            Issue.record("expected a group")
            return
        }
        #expect(name == "Sales, Tokyo")
        #expect(members.map(\.envelopeAddress) == ["d@z.jp"])
        guard case .group(let name2, _) = list[4] else {
            Issue.record("expected a group")
            return
        }
        #expect(name2 == "山田")
    }

    @Test("a group followed by more text without ',' is an error")
    func groupTrailing() {
        let e = listError("Team: a@x.jp; b@y.jp")
        #expect(e?.kind == .trailingGarbage)
        #expect(e?.position == 15)
    }

    @Test("an address inside a group followed by junk is reported")
    func groupMemberGarbage() {
        let e = listError("Team: a@x.jp b@y.jp;")
        #expect(e?.kind == .trailingGarbage)
        #expect(e?.offending == "b@y.jp;")
    }
}

@Suite struct AddressErrorTests {
    @Test("an invalid list names the reason, position and offending text", arguments: invalidInputs)
    func invalid(_ c: InvalidCase) {
        guard let e = listError(c.input) else {
            Issue.record("'\(c.input)' was accepted")
            return
        }
        #expect(e.kind == c.kind, "\(e.description)")
        #expect(e.position == c.position, "\(e.description)")
        #expect(e.offending == c.offending, "\(e.description)")
        #expect(e.input == c.input)
    }

    @Test("every error message says where and what", arguments: invalidInputs)
    func messageNamesPositionAndText(_ c: InvalidCase) throws {
        let e = try #require(listError(c.input))
        #expect(e.description.contains("position \(c.position)"))
        let codePoints = c.offending.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }
        #expect(
            e.description.contains(c.offending) || codePoints.allSatisfy { e.description.contains($0) },
            "\(e.description)")
    }

    @Test(
        "parseMailbox rejects the same inputs",
        arguments: invalidInputs.filter {
            $0.kind != .unterminatedGroup && $0.kind != .groupNotAllowed
        })
    func invalidMailbox(_ c: InvalidCase) {
        let e = mailboxError(c.input)
        #expect(e != nil)
    }

    @Test("a full-width @ gets a message saying what to type")
    func fullWidthAtMessage() throws {
        let e = try #require(listError("taro＠example.jp"))
        #expect(e.description == "full-width '＠' (U+FF20) at position 5 in 'taro＠example.jp': type the ASCII '@'")
    }

    @Test(
        "Japanese slips name the replacement character",
        arguments: [
            ("taro@example．jp", "'.'"), ("taro@example。jp", "'.'"), ("taro@example.jp、b@example.jp", "','"),
            ("taro@example.jp，b@example.jp", "','"), ("山田 ＜t@example.jp>", "'<'"), ("<t@example.jp＞", "'>'"),
            ("ｔaro@example.jp", "'t'"), ("t@example.jp　b@example.jp", "','")
        ])
    func slipHints(_ input: String, _ replacement: String) throws {
        let e = try #require(listError(input))
        #expect(e.description.contains("ASCII \(replacement)"), "\(e.description)")
    }

    @Test("a non-ASCII local part error names the address and SMTPUTF8")
    func nonASCIIMessage() throws {
        let e = try #require(listError("Taro <山田@example.jp>"))
        #expect(e.description.contains("山田@example.jp"))
        #expect(e.description.contains("SMTPUTF8"))
    }

    @Test("a single-label domain error says the domain needs a dot")
    func needsDot() throws {
        let e = try #require(listError("taro@localhost"))
        #expect(e.description.contains("needs a dot"))
    }

    @Test("errors in a long list quote the element, not the whole list")
    func elementContext() throws {
        let e = try #require(listError("a@example.jp, b@example.jp, taro＠example.jp, d@example.jp"))
        #expect(e.position == 33)
        #expect(e.description.contains("in 'taro＠example.jp'"))
        #expect(e.input == "a@example.jp, b@example.jp, taro＠example.jp, d@example.jp")
    }

    @Test("parseMailbox needs exactly one mailbox")
    func exactlyOne() {
        #expect(mailboxError("")?.kind == .empty)
        #expect(mailboxError("   ")?.kind == .empty)
        #expect(mailboxError("a@example.jp, b@example.jp")?.kind == .tooManyAddresses)
        #expect(mailboxError("a@example.jp, b@example.jp")?.position == 15)
        #expect(mailboxError("a@example.jp,")?.kind == .trailingGarbage)
        #expect(mailboxError("Team: a@example.jp;")?.kind == .groupNotAllowed)
        #expect(mailboxError("a@example.jp; b@example.jp")?.kind == .semicolonSeparator)
    }
}

@Suite struct MailboxInitTests {
    @Test("the initializer converts the domain to both forms")
    func converts() throws {
        let m = try Mailbox(displayName: "山田", localPart: "taro", domain: "日本語.JP")
        #expect(m.domain == "日本語.jp")
        #expect(m.asciiDomain == "xn--wgv71a119e.jp")
        #expect(m.envelopeAddress == "taro@xn--wgv71a119e.jp")
        #expect(m.address == "taro@日本語.jp")
        let ace = try Mailbox(displayName: nil, localPart: "u", domain: "xn--bcher-kva.example")
        #expect(ace.domain == "bücher.example")
    }

    @Test("a local part that needs quoting is quoted in the addresses")
    func quoting() throws {
        let m = try Mailbox(displayName: nil, localPart: "john doe", domain: "example.com")
        #expect(m.envelopeAddress == "\"john doe\"@example.com")
        #expect(m.address == "\"john doe\"@example.com")
        let n = try Mailbox(displayName: nil, localPart: "a\\b\"c", domain: "example.com")
        #expect(n.envelopeAddress == "\"a\\\\b\\\"c\"@example.com")
    }

    @Test("an empty display name becomes nil", arguments: [nil, "", "  ", "\u{3000}"] as [String?])
    func emptyName(_ name: String?) throws {
        #expect(try Mailbox(displayName: name, localPart: "a", domain: "example.jp").displayName == nil)
    }

    @Test(
        "the initializer rejects bad parts",
        arguments: [
            ("山田", "example.jp", AddressError.Kind.nonASCIILocalPart, 1),
            ("", "example.jp", .invalidLocalPart, 1),
            ("taro", "example．jp", .fullWidthCharacter, 13),
            ("taro", "localhost", .invalidDomain, 6),
            ("taro", "", .invalidDomain, 5),
            ("taro", "exa mple.jp", .invalidDomain, 9),
            ("ta\nro", "example.jp", .invalidLocalPart, 3)
        ])
    func rejects(_ local: String, _ domain: String, _ kind: AddressError.Kind, _ position: Int) {
        do {
            _ = try Mailbox(displayName: nil, localPart: local, domain: domain)
            Issue.record("accepted \(local)@\(domain)")
        } catch {
            #expect(error.kind == kind, "\(error.description)")
            #expect(error.position == position, "\(error.description)")
            #expect(error.input == local + "@" + domain)
        }
    }
}

@Suite struct IDNATests {
    @Test(
        "toASCII converts U-labels and lowercases",
        arguments: [
            ("日本語.jp", "xn--wgv71a119e.jp"), ("bücher.example", "xn--bcher-kva.example"),
            ("BÜCHER.EXAMPLE", "xn--bcher-kva.example"), ("straße.de", "xn--strae-oqa.de"),
            ("Example.COM", "example.com"), ("xn--bcher-kva.example", "xn--bcher-kva.example")
        ])
    func toASCII(_ input: String, _ expected: String) throws {
        #expect(try IDNA.toASCII(input) == expected)
    }

    @Test(
        "toUnicode converts A-labels",
        arguments: [
            ("xn--wgv71a119e.jp", "日本語.jp"), ("xn--bcher-kva.example", "bücher.example"), ("example.com", "example.com")
        ])
    func toUnicode(_ input: String, _ expected: String) throws {
        #expect(try IDNA.toUnicode(input) == expected)
    }

    @Test("toASCII rejects disallowed input")
    func rejects() {
        #expect(throws: IDNAError.self) { try IDNA.toASCII("a\u{0}b.jp") }
        #expect(throws: IDNAError.self) { try IDNA.toASCII("☃\u{200D}.example") }
    }
}

@Suite struct AddressHintTests {
    @Test("a name typed without angle brackets gets a Name <address> suggestion")
    func nameSuggestion() throws {
        let e = try #require(listError("Taro Yamada taro@example.jp"))
        #expect(e.kind == .invalidLocalPart)
        #expect(e.position == 5)
        #expect(e.description.contains("Taro Yamada <taro@example.jp>"))
    }

    @Test("full-width spaces around commas are harmless")
    func fullWidthSpaceAroundComma() throws {
        let list = try AddressParser.parseList("a@example.jp　,　b@example.jp")
        #expect(list.mailboxes.map(\.envelopeAddress) == ["a@example.jp", "b@example.jp"])
        let group = try AddressParser.parseList("Team:　a@example.jp　;")
        #expect(group.mailboxes.count == 1)
    }

    @Test("an IDNA look-alike names what it stands for")
    func lookalikeMessage() throws {
        let e = try #require(listError("taro@ⓔxample.jp"))
        #expect(e.description.contains("stands for 'e'"))
    }
}

@Suite struct AddressRobustnessTests {
    /// A small deterministic generator, so failures reproduce.
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("parsing random mixtures of address characters never traps and errors point inside the input")
    func randomInput() {
        let alphabet: [Character] = [
            "a", "b", "@", ".", ",", ";", ":", "<", ">", "(", ")", "\"", "\\", " ", "\t",
            "[", "]", "=", "?", "-", "＠", "．", "。", "、", "，", "\u{3000}", "＜", "＞",
            "ｔ", "山", "ü", "\u{00A0}", "\u{200B}", "x", "n", "j", "p", "\r\n", "ー", "ⓔ"
        ]
        var rng = LCG(state: 2026)
        for _ in 0..<4000 {
            var s = ""
            for _ in 0..<rng.next(24) { s.append(alphabet[rng.next(alphabet.count)]) }
            do {
                let list = try AddressParser.parseList(s)
                for m in list.mailboxes {
                    let ascii = m.envelopeAddress.unicodeScalars.allSatisfy { $0.isASCII }
                    let dotted = m.domain.contains(".")
                    #expect(ascii, "\(s)")
                    #expect(dotted, "\(s)")
                }
            } catch {
                #expect(error.position >= 1 && error.position <= s.count, "\(s): \(error.description)")
                #expect(!error.offending.isEmpty, "\(s): \(error.description)")
            }
            _ = EncodedWordDecoder.decode(s)
        }
    }
}

@Suite struct PlainASCIIDomainTests {
    /// The shortcut must agree with the careful path on every domain it takes: the same result,
    /// and none that the careful path refuses.
    @Test("the plain-ASCII shortcut agrees with every check it skips")
    func agreesWithTheCarefulPath() {
        let alphabet: [Character] = ["a", "b", "x", "n", "Z", "0", "9", "-", ".", "-", ".", "_", " ", "\r\n", "ａ", "é", "\u{200B}"]
        var rng = AddressRobustnessTests.LCG(state: 529)
        var taken = 0
        let edges = [
            "example.jp", "EXAMPLE.JP", "a.b", "a-b.c-d", "xn--wgv71a119e.jp", "xn-a.jp", "xn.jp", "1.2", "1.a", "a.1",
            "-a.jp", "a-.jp", "a..jp", ".a.jp", "a.jp.", "jp", String(repeating: "a", count: 63) + ".jp",
            String(repeating: "a", count: 64) + ".jp", String(repeating: "a.", count: 126) + "jp", "sub.example.co.jp"
        ]
        var samples = edges
        let labelCharacters: [Character] = ["a", "b", "x", "n", "Z", "0", "9", "-", "-"]
        for _ in 0..<20_000 {
            // Mostly domain-shaped (labels joined by dots), sometimes with any character inserted.
            var labels: [String] = []
            for _ in 0..<(1 + rng.next(4)) {
                labels.append(String((0..<rng.next(7)).map { _ in labelCharacters[rng.next(labelCharacters.count)] }))
            }
            var chars = Array(labels.joined(separator: "."))
            if rng.next(4) == 0 { chars.insert(alphabet[rng.next(alphabet.count)], at: rng.next(chars.count + 1)) }
            samples.append(String(chars))
        }
        for text in samples {
            let chars = Array(text)
            let ctx = AddressSyntax.Context(input: text, chars: chars, elementStart: 0)
            guard let plain = AddressSyntax.plainASCIIDomain(chars) else { continue }
            taken += 1
            let careful = try? AddressSyntax.validateDomainCarefully(chars, offset: 0, address: text, ctx: ctx)
            #expect(careful?.unicode == plain && careful?.ascii == plain, "\(text): shortcut \(plain), careful \(String(describing: careful))")
        }
        #expect(taken > 2_000)
        #expect(AddressSyntax.plainASCIIDomain(Array("Example.JP")) == "example.jp")
        for refused in ["xn--wgv71a119e.jp", "a.1", "-a.jp", "a-.jp", "a..jp", "jp", "a.jp.", "日本語.jp", "examp1e.ｊｐ"] {
            #expect(AddressSyntax.plainASCIIDomain(Array(refused)) == nil, "\(refused)")
        }
    }
}
