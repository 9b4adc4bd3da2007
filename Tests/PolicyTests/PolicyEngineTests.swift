import Testing
@testable import Policy

@Suite("Policy engine")
struct PolicyEngineTests {
    static let history = SendHistory(addresses: ["hanako@client.jp", "boss@example.co.jp"], domains: ["client.jp", "example.co.jp"])

    @Test(
        "exit codes: 0 clean or info only, 1 confirm, 2 block",
        arguments: [
            ("boss@example.co.jp", "", 0), // internal only
            ("hanako@client.jp", "", 0), // known external
            ("ichiro@client.jp", "", 0), // new address: info only
            ("someone@new.jp", "", 1), // new domain: confirm
            ("hanako@client.jp", "x@new.jp", 1), // two external domains visible: asked (blocked at a bulk size)
            ("hanako@exarnple.co.jp", "", 2) // look-alike of the sender's domain
        ])
    func exitCodes(to: String, cc: String, code: Int32) throws {
        let d = PolicyEngine.evaluate(try input(to: to, cc: cc, history: Self.history), config: .defaults)
        #expect(d.exitCode == code)
        #expect(d.isBlocked == (code == 2))
    }

    @Test("a bulk announcement to many companies in To: findings, most severe first")
    func bulk() throws {
        let to = (1...24).map { "customer\($0)@company\($0 % 6).jp" }.joined(separator: ", ")
        let d = PolicyEngine.evaluate(try input(to: to, body: "新製品のご案内を添付いたします。", history: Self.history), config: .defaults)
        #expect(d.findings.map(\.ruleID) == ["bulk-visible-recipients", "many-domains", "new-domain", "forgotten-attachment", "new-recipient"])
        #expect(d.findings.map(\.severity) == [.block, .confirm, .confirm, .confirm, .info])
        #expect(d.isBlocked && d.needsConfirmation)
        #expect(d.exitCode == 2)
        #expect(d.hasExternalRecipients)
        #expect(d.holdSeconds == 60)
    }

    @Test("accepted confirm findings no longer need confirmation; blocks stay")
    func accepting() throws {
        let d = PolicyEngine.evaluate(try input(to: "a@new.jp", body: "see attached", history: Self.history), config: .defaults)
        #expect(d.exitCode == 1)
        #expect(d.unaccepted(["new-domain"]).map(\.ruleID) == ["forgotten-attachment"])
        let accepted = d.accepting(["new-domain", "forgotten-attachment"])
        #expect(!accepted.needsConfirmation && accepted.exitCode == 0)
        #expect(accepted.findings == d.findings)
        let blocked = PolicyEngine.evaluate(try input(to: "a@exarnple.co.jp", history: Self.history), config: .defaults)
        #expect(blocked.accepting(["lookalike-domain", "new-domain"]).exitCode == 2)
    }

    @Test("the hold is longer with any external recipient, Bcc included")
    func hold() throws {
        #expect(PolicyEngine.evaluate(try input(to: "boss@example.co.jp"), config: .defaults).holdSeconds == 10)
        let d = PolicyEngine.evaluate(try input(to: "boss@example.co.jp", bcc: "a@client.jp"), config: .defaults)
        #expect(d.holdSeconds == 60 && d.hasExternalRecipients)
    }

    @Test("severities come from the config for every rule", arguments: PolicyEngine.rules.map(\.id))
    func configuredSeverity(id: String) throws {
        let c = try config(organisation: "[rules.\(id)]\nseverity = \"block\"\n")
        // A message that trips every rule.
        let body = "資料を添付します\n\(validMyNumber("12345678901"))\n" + (1...25).map { "u\($0)@x.jp" }.joined(separator: "\n")
        let message = PolicyInput(
            from: try mailbox(sender),
            to: try mailboxes("山田 太郎 <t@exarnple.co.jp>, a@a.jp, b@b.jp, c@c.jp, d@d.jp"),
            body: body, attachments: [],
            history: Self.history,
            addressBook: AddressBook(entries: [AddressBookEntry(name: "山田 太郎", address: "taro@client.jp")]))
        var withFile = message
        withFile.attachments = [attachment("a.pdf")]
        // attachment-other-party: a file that names a company none of the recipients is at.
        withFile.attachments[0].text = "田中建設株式会社 御中"
        // A reply-all and a forward of an internal thread that opens with a salutation to 山田
        // (whom the address book ties to client.jp) trip the thread rules.
        var replyAll = message
        replyAll.thread = ThreadFacts(kind: .replyAll, parties: [try mailbox(sender)], author: try mailbox(sender))
        var forward = message
        forward.body = "山田様\n" + message.body
        forward.thread = ThreadFacts(kind: .forward, parties: [try mailbox(sender)], author: try mailbox(sender))
        let findings = [message, withFile, replyAll, forward].flatMap { PolicyEngine.evaluate($0, config: c).findings }
        let mine = findings.filter { $0.ruleID == id }
        #expect(!mine.isEmpty, "rule \(id) did not fire")
        #expect(mine.allSatisfy { $0.severity == .block })
    }

    @Test("findings print as severity, id and message")
    func description() {
        let f = Finding(ruleID: "new-domain", severity: .confirm, message: "a domain you have never written to: x.jp")
        #expect(f.description == "confirm new-domain: a domain you have never written to: x.jp")
        #expect(Severity.info < .confirm && Severity.confirm < .block)
        #expect(Severity.allCases.max() == .block)
    }
}
