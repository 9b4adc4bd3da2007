import MailCore
import Testing
@testable import Policy

/// The policy compares recipients by `RecipientKey`, as the envelope does.
@Suite struct RecipientKeyPolicyTests {
    @Test("Bob@X.example in To and bob@x.example in Cc are one external recipient and one NEW entry")
    func oneEntry() throws {
        let message = try input(to: "Bob <Bob@X.example>", cc: "bob@x.example")
        let context = PolicyContext(input: message, config: .defaults)
        #expect(context.externalRecipients.map(\.envelopeAddress) == ["Bob@x.example"])
        let findings = run(NewRecipientRule(), message)
        #expect(findings.count == 1)
        #expect(findings.first?.subjects == [.recipient("Bob@x.example")])
        #expect(findings.first?.message.contains("an external address you have never written to") == true)
    }

    @Test(
        "a past recipient in another case or domain form is not new",
        arguments: [
            ("bob@x.example", "Bob@X.example"),
            ("BOB@X.EXAMPLE", "bob@x.example"),
            ("user@例え.jp", "user@xn--r8jz45g.jp"),
            ("USER@XN--R8JZ45G.JP", "user@例え.jp")
        ])
    func history(past: String, now: String) throws {
        let history = SendHistory(addresses: [past])
        #expect(run(NewRecipientRule(), try input(to: now, history: history)).isEmpty)
        #expect(run(NewRecipientRule(), try input(to: "other@x.example", history: history)).count == 1)
    }

    @Test("a history made of mailboxes keys them by RecipientKey")
    func historyFromMailboxes() throws {
        let history = SendHistory(recipients: [try mailbox("Bob@X.example")])
        #expect(history.addresses == ["bob@x.example"])
        #expect(run(NewRecipientRule(), try input(to: "BOB@x.example", history: history)).isEmpty)
    }

    @Test("the address book's own address in another case is not a namesake")
    func namesake() throws {
        let book = AddressBook(entries: [AddressBookEntry(name: "Bob Smith", address: "bob@x.example", company: nil)])
        #expect(run(NamesakeRule(), try input(to: "Bob Smith <BOB@X.example>", addressBook: book)).isEmpty)
        #expect(run(NamesakeRule(), try input(to: "Bob Smith <bob2@x.example>", addressBook: book)).count == 1)
    }

    @Test("a look-alike domain's finding names Bob@ and bob@ once")
    func lookalikeSubjects() throws {
        let findings = run(LookalikeDomainRule(), try input(to: "Bob@examp1e.co.jp", cc: "bob@EXAMP1E.co.jp"))
        let f = try #require(findings.first)
        #expect(f.subjects == [.domain("examp1e.co.jp"), .recipient("Bob@examp1e.co.jp")])
    }
}
