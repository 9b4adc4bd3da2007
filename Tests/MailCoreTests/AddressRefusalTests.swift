import Testing
@testable import MailCore

// Input that used to be "corrected" into something else, or passed through: each is refused
// with the reason, the position and the offending text (issue 10).

private func listError(_ text: String) -> AddressError? {
    do {
        let list = try AddressParser.parseList(text)
        Issue.record("'\(HeaderText.escapingLineBreaks(text))' was accepted as \(list.mailboxes.map(\.envelopeAddress))")
        return nil
    } catch {
        return error
    }
}

@Suite struct AddressLineBreakTests {
    @Test(
        "a bare CR or LF, or a CRLF that is not a fold, is refused where it is, not taken as white space",
        arguments: [
            ("my\n@example.com", 3, "\n"),
            ("my\r@example.com", 3, "\r"),
            ("my\r\n@example.com", 3, "\r\n"),
            ("my@example.com\n", 15, "\n"),
            ("my@exa\nmple.com", 7, "\n"),
            ("Taro\n<taro@example.jp>", 5, "\n"),
            ("\"Ta\nro\" <taro@example.jp>", 4, "\n"),
            ("a@example.jp,\nb@example.jp", 14, "\n"),
            ("a@example.jp, b@exa\r\nmple.jp", 20, "\r\n"),
            ("Taro (a\ncomment) <taro@example.jp>", 8, "\n"),
            ("Team: a@example.jp,\rb@example.jp;", 20, "\r")
        ])
    func refused(_ input: String, _ position: Int, _ offending: String) throws {
        let e = try #require(listError(input))
        #expect(e.kind == .lineBreak, "\(e.description)")
        #expect(e.position == position, "\(e.description)")
        #expect(e.offending == offending, "\(e.description)")
        #expect(e.description.contains("position \(position)"), "\(e.description)")
        #expect(!e.description.contains("\n") && !e.description.contains("\r"), "the message is one line: \(e.description)")
        #expect(
            e.description.contains(HeaderText.escapingLineBreaks(input).split(separator: ",").first.map(String.init) ?? "")
                || e.description.contains("\\n") || e.description.contains("\\r"), "\(e.description)")
    }

    @Test("parseMailbox refuses them too")
    func mailbox() {
        #expect(throws: AddressError.self) { try AddressParser.parseMailbox("my\n@example.com") }
        #expect((try? AddressParser.parseMailbox("my\n@example.com")) == nil)
    }

    @Test("the message shows the line break escaped and names it")
    func message() throws {
        let e = try #require(listError("my\n@example.com"))
        #expect(e.description == "line feed (LF, U+000A) at position 3 in 'my\\n@example.com': an address cannot contain a line break; remove it")
    }

    @Test("a fold (CRLF followed by a space or tab) stays white space, as in a folded header")
    func fold() throws {
        let list = try AddressParser.parseList("Taro Yamada\r\n <taro@example.jp>,\r\n\thanako@example.jp")
        #expect(list.mailboxes.map(\.envelopeAddress) == ["taro@example.jp", "hanako@example.jp"])
        #expect(list.mailboxes.first?.displayName == "Taro Yamada")
    }

    @Test("a folded To header in a message file still gives every recipient")
    func foldedHeaderInMessage() throws {
        let message = try MessageParser.parse(
            Array(
                "From: a@example.jp\r\nTo: Taro Yamada\r\n <taro@example.jp>,\r\n hanako@example.jp\r\nSubject: x\r\n\r\nbody\r\n".utf8))
        #expect(message.to.mailboxes.map(\.envelopeAddress) == ["taro@example.jp", "hanako@example.jp"])
        #expect(message.addressProblems.isEmpty)
    }

    @Test(
        "a display name whose encoded-word decodes to a line break is refused",
        arguments: [
            "=?UTF-8?Q?Taro=0D=0ABcc=3A_x?= <taro@example.jp>",
            "=?UTF-8?B?VGFybwpZYW1hZGE=?= <taro@example.jp>",
            "=?UTF-8?Q?Team=0A?=: a@example.jp;"
        ])
    func encodedLineBreak(_ input: String) throws {
        let e = try #require(listError(input))
        #expect(e.kind == .lineBreak, "\(e.description)")
        #expect(e.position == 1, "\(e.description)")
        #expect(e.description.contains("decodes to"), "\(e.description)")
        #expect(!e.description.contains("\n") && !e.description.contains("\r"), "\(e.description)")
    }

    @Test("Mailbox's initializer refuses a display name with a line break")
    func initializer() {
        do {
            _ = try Mailbox(displayName: "Taro\nBcc: x@evil.example", localPart: "taro", domain: "example.jp")
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .lineBreak)
            #expect(error.position == 5)
            #expect(error.description.contains("'Taro\\nBcc: x@evil.example'"), "\(error.description)")
        }
    }
}

@Suite struct AddressDomainRefusalTests {
    @Test(
        "a character IDNA maps to ASCII other than letters, digits and '-' is refused, not sent as that character",
        arguments: [("me@\u{037E}.com", 4, "\u{037E}", ";"), ("me@ab\u{037E}cd.com", 6, "\u{037E}", ";")])
    func mapsToNonLDH(_ input: String, _ position: Int, _ offending: String, _ standsFor: String) throws {
        let e = try #require(listError(input))
        #expect(e.kind == .invalidDomain, "\(e.description)")
        #expect(e.position == position, "\(e.description)")
        #expect(e.offending.unicodeScalars.elementsEqual(offending.unicodeScalars), "\(e.description)")
        #expect(e.description.contains("stands for '\(standsFor)'"), "\(e.description)")
        #expect(e.description.contains("U+037E"), "\(e.description)")
    }

    @Test(
        "a character IDNA maps to an ASCII letter is refused as a look-alike",
        arguments: [("me@\u{212A}ey.com", 4, "k"), ("me@x\u{FE0F}y.example", 4, "x")])
    func mapsToLetter(_ input: String, _ position: Int, _ standsFor: String) throws {
        let e = try #require(listError(input))
        #expect(e.kind == .lookalikeCharacter, "\(e.description)")
        #expect(e.position == position, "\(e.description)")
        #expect(e.description.contains("stands for '\(standsFor)'"), "\(e.description)")
    }

    @Test("IDNA's A-label form is letters, digits and '-' only (STD3 rules, checked: libidn2's flag deletes the characters)")
    func std3() throws {
        #expect(throws: IDNAError.self) { try IDNA.toASCII("\u{037E}.com") }
        #expect(throws: IDNAError.self) { try IDNA.toASCII("a_b.com") }
        #expect(throws: IDNAError.self) { try IDNA.toASCII("a@b.com") }
        #expect(try IDNA.toASCII("\u{037E}.com", std3: false) == ";.com")
        #expect(try IDNA.toASCII("日本語.jp") == "xn--wgv71a119e.jp")
    }

    @Test(
        "labels with a hyphen at an edge or '--' in the third and fourth positions are refused",
        arguments: [
            ("a@ab--cd.example", 5, "ab--cd"),
            ("a@www.ab--cd.example", 9, "ab--cd"),
            ("a@AB--CD.example", 5, "AB--CD"),
            ("a@-ab.example", 3, "-ab"),
            ("a@ab-.example", 5, "ab-"),
            ("a@example.ab-", 13, "ab-"),
            ("a@日本-.jp", 5, "日本-"),
            ("a@-日本.jp", 3, "-日本")
        ])
    func hyphens(_ input: String, _ position: Int, _ offending: String) throws {
        let e = try #require(listError(input))
        #expect(e.kind == .invalidDomain, "\(e.description)")
        #expect(e.position == position, "\(e.description)")
        #expect(e.offending == offending, "\(e.description)")
    }

    @Test(
        "an xn-- label that does not decode, or decodes to a label with bad hyphens, is refused",
        arguments: [
            "a@xn--zz.jp", "a@xn--.jp", "a@xn---abc.jp", "a@xn--abc-.jp", "a@xn--ab--cd-9ia.jp"
        ])
    func badALabels(_ input: String) throws {
        let e = try #require(listError(input))
        #expect(e.kind == .invalidDomain, "\(e.description)")
        let label = input.dropFirst(2).prefix { $0 != "." }
        #expect(e.position >= 3 && e.position <= 2 + label.count, "\(e.description)")
        #expect(e.description.contains(label), "\(e.description)")
    }

    @Test(
        "valid A-labels and ordinary hyphens still pass",
        arguments: [
            ("a@xn--wgv71a119e.jp", "xn--wgv71a119e.jp"), ("a@a-b.c-d.example", "a-b.c-d.example"),
            ("a@ab-cd.example", "ab-cd.example"), ("a@a--b.example", "a--b.example"), ("a@x-.y-z.example", nil)
        ] as [(String, String?)])
    func stillValid(_ input: String, _ ascii: String?) {
        let result = try? AddressParser.parseMailbox(input)
        #expect(result?.asciiDomain == ascii, "\(input)")
    }

    @Test("an address over 254 octets is refused; 254 is accepted")
    func addressLength() throws {
        // 64 + 1 + 189 = 254 octets: labels of 63, 63, 61 characters.
        let domain254 =
            String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 61)
        let local = String(repeating: "l", count: 64)
        #expect((local + "@" + domain254).utf8.count == 254)
        #expect(try AddressParser.parseMailbox(local + "@" + domain254).envelopeAddress.utf8.count == 254)
        let over = local + "@" + domain254 + "c"
        let e = try #require(listError("Name <" + over + ">"))
        #expect(e.kind == .addressTooLong, "\(e.description)")
        #expect(e.position == 7, "\(e.description)")
        #expect(e.offending == over)
        #expect(e.description.contains("255 octets"), "\(e.description)")
        #expect(throws: AddressError.self) { try Mailbox(displayName: nil, localPart: local, domain: domain254 + "c") }
    }

    @Test("a quoted local part counts with its quotes and escapes")
    func quotedLength() throws {
        let domain = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "." + String(repeating: "c", count: 61)
        // 62 characters with a space: sent as 64 octets with the quotes, and 64 + 1 + 189 = 254.
        let local = String(repeating: "l", count: 30) + " " + String(repeating: "l", count: 31)
        #expect(try AddressParser.parseMailbox("\"" + local + "\"@" + domain).envelopeAddress.utf8.count == 254)
        // One more character in the domain: 255 octets with the quotes, though the content is 62 + 1 + 190.
        let e = try #require(listError("\"" + local + "\"@" + domain + "c"))
        #expect(e.kind == .addressTooLong, "\(e.description)")
    }

    @Test("local parts over 64 and labels over 63 octets stay refused")
    func partLimits() throws {
        #expect(listError(String(repeating: "a", count: 65) + "@example.jp")?.kind == .invalidLocalPart)
        #expect(listError("a@" + String(repeating: "b", count: 64) + ".jp")?.kind == .invalidDomain)
        // A U-label whose A-label form is over 63 octets.
        let label = String((0..<25).map { Character(Unicode.Scalar(UInt32(0x4E00 + $0 * 97))!) })
        #expect(listError("a@" + label + ".jp")?.kind == .invalidDomain)
    }
}

@Suite struct HeaderTextTests {
    @Test("a line break in the subject or any display name is a problem naming the value and the position")
    func problems() throws {
        let from = try AddressParser.parseMailbox("me@example.jp")
        var to = try AddressParser.parseMailbox("taro@example.jp")
        to.displayName = "Taro\r\nBcc: x@evil.example"
        let message = OutgoingMessage(from: from, to: [.mailbox(to)], subject: "Hello\nBcc: y@evil.example")
        #expect(
            message.headerTextProblems == [
                "the subject 'Hello\\nBcc: y@evil.example' has a line feed (LF, U+000A) at position 6: a header cannot hold a line break; remove it",
                "To: the name 'Taro\\r\\nBcc: x@evil.example' of 'taro@example.jp' has a line break (CR LF) at position 5: a header cannot hold a line break; remove it"
            ])
        let clean = OutgoingMessage(from: from, to: [.mailbox(try AddressParser.parseMailbox("Taro <taro@example.jp>"))], subject: "日本語 tab\there")
        #expect(clean.headerTextProblems.isEmpty)
    }
}
