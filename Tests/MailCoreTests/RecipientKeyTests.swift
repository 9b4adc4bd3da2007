import Testing
@testable import MailCore

@Suite struct RecipientKeyTests {
    func box(_ text: String) throws -> Mailbox { try AddressParser.parseMailbox(text) }

    @Test("Bob@X.example and bob@x.example are one recipient: one key, the local part and domain case-folded")
    func caseFolded() throws {
        let a = try box("Bob <Bob@X.example>")
        let b = try box("bob@x.example")
        #expect(a.key == b.key)
        #expect(a.key.text == "bob@x.example")
        #expect(a.isSameRecipient(as: b))
        #expect(RecipientKey(address: "BOB@X.EXAMPLE") == a.key)
        // The envelope spelling is still the one typed.
        #expect(a.envelopeAddress == "Bob@x.example")
    }

    @Test("user@例え.jp and user@xn--r8jz45g.jp are one key, in either form and any case")
    func idn() throws {
        let unicode = try box("user@例え.jp")
        let ace = try box("user@xn--r8jz45g.jp")
        #expect(unicode.key == ace.key)
        #expect(unicode.key.text == "user@xn--r8jz45g.jp")
        #expect(RecipientKey(address: "USER@例え.JP") == ace.key)
        #expect(RecipientKey(address: "User@XN--R8JZ45G.jp") == unicode.key)
    }

    @Test("different local parts stay different recipients; quoting does not matter, dots do")
    func distinct() throws {
        #expect(try box("bob@x.example").key != box("bob2@x.example").key)
        #expect(try box("b.ob@x.example").key != box("bob@x.example").key)
        #expect(try box("bob@x.example").key != box("bob@y.example").key)
        #expect(try box("\"Bob\"@x.example").key == box("bob@x.example").key)
        #expect(RecipientKey(address: "\"Bob\"@x.example") == (try box("bob@x.example").key))
        #expect(try box("\"John Doe\"@x.example").key == box("\"john doe\"@X.example").key)
    }

    @Test("the envelope has one RCPT TO per key: the first spelling and its field win, To before Cc before Bcc")
    func envelope() throws {
        let from = try box("taro@example.jp")
        let message = OutgoingMessage(
            from: from, to: try AddressParser.parseList("Bob <Bob@X.example>, a@example.jp"),
            cc: try AddressParser.parseList("bob@x.example, A@EXAMPLE.JP"),
            bcc: try AddressParser.parseList("BOB@x.EXAMPLE, c@example.jp"))
        let envelope = message.envelope
        #expect(envelope.recipients.map(\.address) == ["Bob@x.example", "a@example.jp", "c@example.jp"])
        #expect(envelope.recipients.map(\.field) == [.to, .to, .bcc])
        #expect(envelope.recipients[0].mailbox.displayName == "Bob")
        #expect(envelope.transcript.components(separatedBy: "RCPT TO:").count - 1 == 3)
        #expect(message.recipients == envelope.recipients)

        // A Bcc typed before a To (in another order on screen) still loses to the To.
        let later = OutgoingMessage(
            from: from, to: try AddressParser.parseList("bob@x.example"),
            bcc: try AddressParser.parseList("Bob@X.example"))
        #expect(later.envelope.recipients.map(\.address) == ["bob@x.example"])
        #expect(later.envelope.recipients.map(\.field) == [.to])
    }

    @Test("group members dedupe with plain mailboxes by the same key")
    func groups() throws {
        let message = OutgoingMessage(
            from: try box("taro@example.jp"), to: try AddressParser.parseList("Team: Bob@X.example, d@example.jp;"),
            cc: try AddressParser.parseList("bob@x.example"))
        #expect(message.envelope.recipients.map(\.address) == ["Bob@x.example", "d@example.jp"])
    }

    @Test("uniqueRecipients keeps the first mailbox of each key, in order")
    func uniqueMailboxes() throws {
        let list = try AddressParser.parseList("Bob@X.example, c@example.jp, bob@x.example, user@例え.jp, user@xn--r8jz45g.jp").mailboxes
        #expect(list.uniqueRecipients.map(\.envelopeAddress) == ["Bob@x.example", "c@example.jp", "user@xn--r8jz45g.jp"])
        #expect(Recipient.unique(list.map { Recipient($0, field: .cc) }).count == 3)
    }
}

@Suite struct RecipientKeyFastPathTests {
    @Test("the one-pass key of an ASCII address is the general path's key, case, dots, quotes and odd text alike")
    func asciiPathAgrees() {
        let samples = [
            "member00001@example.org", "Bob@X.Example", "BOB@X.EXAMPLE.", "bob@x.example..", "a@b@C.example", "a@b@C.",
            "no-at-sign", "NO-AT-SIGN.", "@", "@.", "x@.", "", ".", "Bob.@X", "o'Hara+tag@Sub.Example.COM", "\"Bob\"@x.example",
            "user@例え.jp", "USER@例え.JP", "User@XN--R8JZ45G.jp", "tab\there@x", "ümlaut@x.example",
            // Already keys, returned as they are; and nearly keys (a trailing dot, one capital).
            "a.b@c.example", "bob@x.example.", "x.@y", "sales-1@agency1.example", "sales-1@Agency1.example"
        ]
        for address in samples {
            let fast = RecipientKey.asciiText(address)
            if address.utf8.allSatisfy({ $0 < 0x80 }) && address.first != "\"" {
                #expect(fast == RecipientKey.generalText(address), "\(address)")
            } else {
                #expect(fast == nil, "\(address)")
            }
            #expect(RecipientKey(address: address).text == (fast ?? RecipientKey.generalText(address)))
        }
    }
}
