import Testing
@testable import Policy

@Suite("Layers: defaults < user < organisation, the stricter wins")
struct LayeringTests {
    static let organisation = """
        internal_domains = ["example.co.jp", "*.example.co.jp"]
        hold_internal_seconds = 30
        hold_external_seconds = 120
        address_book = "/etc/guardmail/directory.txt"

        [rules.bulk-visible-recipients]
        severity = "block"
        external_domains = 1
        external_addresses = 1

        [rules.new-recipient]
        severity = "confirm"

        [rules.forgotten-attachment]
        keywords = ["添付", "Attached"]

        [rules.external-attachment]
        challenge = true

        [rules.sensitive-data]
        max_email_addresses = 5
        """

    static let user = """
        [policy]
        internal_domains = ["example.co.jp", "sub.example.co.jp", "gmail.com", "*.partner.jp"]
        hold_internal_seconds = 0
        hold_external_seconds = 600
        address_book = "~/.config/guardmail/addressbook.txt"

        [policy.rules.bulk-visible-recipients]
        severity = "info"
        external_domains = 5
        external_addresses = 100

        [policy.rules.new-recipient]
        severity = "block"

        [policy.rules.forgotten-attachment]
        keywords = ["attached", "同封"]

        [policy.rules.external-attachment]
        challenge = false

        [policy.rules.sensitive-data]
        max_email_addresses = 50
        max_phone_numbers = 3
        """

    static func merged() throws -> PolicyConfig {
        try config(organisation: organisation, user: user)
    }

    @Test("the user cannot loosen what the organisation sets")
    func strict() throws {
        let c = try Self.merged()
        #expect(c.severity(of: "bulk-visible-recipients") == .block)
        #expect(c.integer(BulkVisibleRecipientsRule.externalDomains, of: "bulk-visible-recipients") == 1)
        #expect(c.integer(BulkVisibleRecipientsRule.externalAddresses, of: "bulk-visible-recipients") == 1)
        #expect(c.holdInternalSeconds.value == 30)
        #expect(c.flag(ExternalAttachmentRule.challenge, of: "external-attachment") == true)
        #expect(c.integer(SensitiveDataRule.maxEmailAddresses, of: "sensitive-data") == 5)
    }

    @Test("the user can be stricter than the organisation")
    func stricterUser() throws {
        let c = try Self.merged()
        #expect(c.severity(of: "new-recipient") == .block)
        #expect(c.holdExternalSeconds.value == 600)
        #expect(c.holdExternalSeconds.layer == .user)
        #expect(c.integer(SensitiveDataRule.maxPhoneNumbers, of: "sensitive-data") == 3)
    }

    @Test("keyword lists and address books are united")
    func unions() throws {
        let c = try Self.merged()
        #expect(c.words(ForgottenAttachmentRule.keywords, of: "forgotten-attachment") == ["添付", "Attached", "同封"])
        #expect(c.addressBooks.map(\.value) == ["/etc/guardmail/directory.txt", "~/.config/guardmail/addressbook.txt"])
    }

    @Test("internal domains are the organisation's; user entries outside it are ignored with a note")
    func internalDomains() throws {
        let c = try Self.merged()
        let classifier = c.classifier(sender: try mailbox(sender))
        #expect(classifier.isInternal(domain: "example.co.jp"))
        #expect(classifier.isInternal(domain: "sub.example.co.jp"))
        #expect(!classifier.isInternal(domain: "gmail.com"))
        #expect(!classifier.isInternal(domain: "a.partner.jp"))
        #expect(c.notes == ["config.toml:2: internal_domains: gmail.com, *.partner.jp ignored: the organisation policy does not list them as internal"])
        let row = try #require(c.explanations().first { $0.key == "internal_domains" })
        #expect(row.value == "[\"example.co.jp\", \"*.example.co.jp\"]")
        #expect(row.layer == "organisation (policy.toml:1)")
        #expect(row.note == "the organisation's list applies; user entries outside it are ignored: gmail.com, *.partner.jp")
    }

    @Test("user internal domains apply when the organisation sets none")
    func userInternal() throws {
        let c = try config(organisation: "hold_external_seconds = 60\n", user: "[policy]\ninternal_domains = [\"gmail.com\"]\n")
        #expect(c.classifier(sender: try mailbox(sender)).isInternal(domain: "gmail.com"))
        #expect(c.notes.isEmpty)
    }

    @Test(
        "explain() names the layer and place of every effective value",
        arguments: [
            (
                "hold_internal_seconds", "30", "organisation (policy.toml:2)",
                "the user's 0 (config.toml:3) is ignored: the organisation's value is stricter"
            ),
            (
                "hold_external_seconds", "600", "user (config.toml:4)",
                "stricter than the organisation's 120 (policy.toml:3)"
            ),
            (
                "address_book", "\"/etc/guardmail/directory.txt\", \"~/.config/guardmail/addressbook.txt\"",
                "organisation (policy.toml:4) + user (config.toml:5)", nil
            ),
            (
                "rules.bulk-visible-recipients.severity", "block", "organisation (policy.toml:7)",
                "the user's info (config.toml:8) is ignored: the organisation's value is stricter"
            ),
            (
                "rules.bulk-visible-recipients.external_domains", "1", "organisation (policy.toml:8)",
                "the user's 5 (config.toml:9) is ignored: the organisation's value is stricter"
            ),
            (
                "rules.new-recipient.severity", "block", "user (config.toml:13)",
                "stricter than the organisation's confirm (policy.toml:12)"
            ),
            (
                "rules.forgotten-attachment.keywords", "[\"添付\", \"Attached\", \"同封\"]",
                "organisation (policy.toml:15) + user (config.toml:16)", nil
            ),
            (
                "rules.external-attachment.challenge", "true", "organisation (policy.toml:18)",
                "the user's false (config.toml:19) is ignored: the organisation's value is stricter"
            ),
            (
                "rules.sensitive-data.max_email_addresses", "5", "organisation (policy.toml:21)",
                "the user's 50 (config.toml:22) is ignored: the organisation's value is stricter"
            ),
            ("rules.sensitive-data.max_phone_numbers", "3", "user (config.toml:23)", nil),
            ("rules.namesake.severity", "confirm", "default", nil),
            ("rules.many-domains.max_domains", "3", "default", nil)
        ])
    func explain(key: String, value: String, layer: String, note: String?) throws {
        let rows = try Self.merged().explain()
        let row = try #require(rows.first { $0.key == key })
        #expect(row.value == value)
        #expect(row.layer == layer)
        #expect(row.note == note)
    }

    @Test("explain() lists every setting once, in a stable order")
    func explainAll() throws {
        let keys = PolicyConfig.defaults.explain().map(\.key)
        #expect(keys.count == Set(keys).count)
        #expect(
            keys.prefix(5) == ["internal_domains", "hold_internal_seconds", "hold_external_seconds", "confirmation.always_full", "address_book"])
        #expect(keys.count == 5 + PolicyEngine.rules.count + PolicyEngine.rules.map(\.options.count).reduce(0, +))
        let first = try #require(PolicyConfig.defaults.explain().first)
        #expect(first.value == "(the sender's domain)" && first.layer == "default")
    }

    @Test("the organisation's block, threshold 1, 120 s hold and internal domains survive a user who loosens each")
    func organisationMinimums() throws {
        let c = try config(
            organisation: """
                internal_domains = ["example.co.jp"]
                hold_external_seconds = 120
                [rules.many-domains]
                severity = "block"
                max_domains = 1
                """,
            user: """
                [policy]
                internal_domains = ["example.co.jp", "client.jp"]
                hold_external_seconds = 30
                [policy.rules.many-domains]
                severity = "info"
                max_domains = 10
                """)
        #expect(c.holdExternalSeconds.value == 120)
        #expect(c.severity(of: "many-domains") == .block)
        #expect(c.integer(ManyDomainsRule.maxDomains, of: "many-domains") == 1)
        let rows = c.explain()
        for key in ["internal_domains", "hold_external_seconds", "rules.many-domains.severity", "rules.many-domains.max_domains"] {
            let row = try #require(rows.first { $0.key == key })
            #expect(row.layer.hasPrefix("organisation (policy.toml:"), "\(key)")
            #expect(row.note != nil, "\(key)")
        }
        let d = PolicyEngine.evaluate(try input(to: "a@client.jp, b@other.jp"), config: c)
        #expect(d.findings.contains { $0.ruleID == "many-domains" && $0.severity == .block })
        #expect(d.holdSeconds == 120)
    }

    @Test("equal values from both layers are the organisation's, without a note")
    func equal() throws {
        let c = try config(organisation: "hold_external_seconds = 90\n", user: "[policy]\nhold_external_seconds = 90\n")
        #expect(c.holdExternalSeconds.layer == .organisation)
        #expect(c.explain().first { $0.key == "hold_external_seconds" }?.note == nil)
    }

    @Test("only the user: the user may loosen a default")
    func userOnly() throws {
        let c = try config(user: "[policy.rules.bulk-visible-recipients]\nseverity = \"confirm\"\n[policy.rules.lookalike-domain]\nseverity = \"info\"\n")
        #expect(c.severity(of: "bulk-visible-recipients") == .confirm)
        #expect(c.severity(of: "lookalike-domain") == .info)
    }

    @Test("only the organisation: its values apply, looser or not")
    func organisationOnly() throws {
        let c = try config(organisation: "hold_external_seconds = 5\n[rules.new-domain]\nseverity = \"info\"\n")
        #expect(c.holdExternalSeconds.value == 5)
        #expect(c.severity(of: "new-domain") == .info)
    }

    @Test("the organisation's settings change the decision although the user tried to loosen them")
    func decision() throws {
        let c = try Self.merged()
        let one = try input(to: "a@client.jp", body: "資料を添付します")
        let d = PolicyEngine.evaluate(one, config: c)
        #expect(d.isBlocked, "one external address in To is over the organisation's threshold of 1")
        #expect(d.findings.first?.ruleID == "new-recipient" || d.findings.first?.ruleID == "bulk-visible-recipients")
        #expect(d.holdSeconds == 600)
        #expect(d.findings.contains { $0.ruleID == "forgotten-attachment" })
        let internalOnly = PolicyEngine.evaluate(try input(to: "b@sub.example.co.jp"), config: c)
        #expect(internalOnly.findings.isEmpty)
        #expect(internalOnly.holdSeconds == 30)
        #expect(internalOnly.exitCode == 0)
    }
}
