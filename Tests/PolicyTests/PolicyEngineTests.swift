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

/// The rules run side by side (`PolicyEngine.evaluate`) answer as one after the other does.
@Suite struct ConcurrentEvaluationTests {
    static let organisation = """
        internal_domains = ["example.co.jp"]

        [groups]
        insurer-a = ["*.insurer-a.example", "insurer-a.example"]
        insurer-b = ["insurer-b.example", "sales-*@agency.example"]

        [[barrier]]
        id = "insurers"
        groups = ["insurer-a", "insurer-b"]

        [[rule]]
        id = "visible-outsiders"
        severity = "confirm"
        message = "社外の宛先が見えています"
        recipients_any = ["*.example"]
        only_external = true
        only_visible = true

        [[rule]]
        id = "customer-list"
        severity = "block"
        message = "顧客リストは送れません"
        body_keywords = ["顧客リスト"]
        requires_recipients = ["compliance@example.co.jp"]

        [[rule]]
        id = "second-block"
        severity = "block"
        message = "二つ目のブロック"
        subject_keywords = ["至急"]

        [[rule]]
        id = "policy-number"
        severity = "challenge"
        message = "証券番号"
        body_regex = "[a-z]{2}-[0-9]{6}"

        [[rule]]
        id = "many"
        severity = "info"
        message = "多数"
        min_recipients = 3

        [[rule]]
        id = "sheets"
        severity = "confirm"
        message = "表計算"
        attachment_names = ["*.xlsx"]
        """

    @Test("the built-in rules and the tables run side by side give the findings and groups of one after the other")
    func sideBySideAgrees() throws {
        let c = try config(organisation: Self.organisation)
        #expect(c.tableError == nil)
        let history = SendHistory(recipients: [try mailbox("known@client.example")])
        let messages = [
            try input(to: "a@insurer-a.example, z@insurer-b.example", subject: "至急", body: "顧客リストを添付します。\n証券番号 ab-123456"),
            try input(
                to: "known@client.example, new@client.example", cc: "sales-1@agency.example, 同僚 <colleague@example.co.jp>",
                bcc: "x@tokyo.insurer-a.example", subject: "ご案内", body: "資料をお送りします。\n-- \n署名",
                attachments: [attachment("顧客.xlsx", text: "山田 太郎 090-1234-5678")], history: history),
            try input(to: "colleague@example.co.jp", subject: "定例", body: "明日の会議の件です。"),
            try input(
                to: (0..<40).map { "user\($0)@customer\($0 % 7).example" }.joined(separator: ", "), cc: "compliance@example.co.jp",
                body: String(repeating: "いつもお世話になっております。The quick brown fox.\n", count: 300) + "顧客リスト\n> 引用 ab-654321",
                history: history)
        ]
        var ruleIDs = Set<String>()
        for message in messages {
            let sequential = PolicyEngine.evaluateSequentially(message, config: c)
            ruleIDs.formUnion(sequential.findings.map(\.ruleID))
            for _ in 0..<5 {
                let concurrent = PolicyEngine.evaluate(message, config: c)
                #expect(concurrent.findings == sequential.findings)
                #expect(concurrent.recipientGroups == sequential.recipientGroups)
                #expect(concurrent.holdSeconds == sequential.holdSeconds && concurrent.exitCode == sequential.exitCode)
            }
        }
        // Built-in rules and the tables' rules and barrier alike were compared.
        for id in ["insurers", "visible-outsiders", "customer-list", "policy-number", "many", "sheets", "new-domain", "forgotten-attachment"] {
            #expect(ruleIDs.contains(id), "\(id) in \(ruleIDs.sorted())")
        }
    }

    @Test("the tables' external recipients are the context's: each once by key, in message order, visible ones too")
    func externalScopesAgree() throws {
        let c = try internalConfig(["example.co.jp"])
        let lists: [(to: String, cc: String, bcc: String)] = [
            ("a@x.example, A@X.EXAMPLE, b@example.co.jp", "c@y.example, a@x.example", "d@z.example, c@y.example"),
            ("", "", "only@bcc.example"), ("in@example.co.jp", "", ""), ("Bob@x.example, bob@x.example", "", "bob@X.example")
        ]
        for list in lists {
            let message = try input(to: list.to, cc: list.cc, bcc: list.bcc)
            let context = PolicyContext(input: message, config: c)
            let text = FoldedText(message)
            for onlyVisible in [false, true] {
                var seen = Set<String>()
                let source = onlyVisible ? message.to + message.cc : message.to + message.cc + message.bcc
                let expected = source.filter { context.isExternal($0) && seen.insert($0.key.text).inserted }
                #expect(text.scope(onlyVisible: onlyVisible, onlyExternal: true, context) == expected, "\(list) visible \(onlyVisible)")
            }
        }
    }
}
