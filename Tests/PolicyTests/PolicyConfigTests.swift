import GuardTOML
import Testing
@testable import Policy

@Suite("Policy config files")
struct PolicyConfigTests {
    static let ruleList =
        "bulk-visible-recipients, many-domains, lookalike-domain, namesake, new-domain, new-recipient, thread-new-party, forward-outside, reply-all-wide, salutation-mismatch, external-attachment, forgotten-attachment, sensitive-data, attachment-other-party"

    @Test("a user [policy] table is read with every key")
    func userTable() throws {
        let layer = try userLayer(
            """
            [accounts.work]
            from = "a@example.co.jp"

            [policy]
            internal_domains = ["example.co.jp", "*.example.co.jp", "日本語.jp."]
            hold_internal_seconds = 5
            hold_external_seconds = 90
            address_book = "~/.config/guardmail/addressbook.txt"

            [policy.rules.bulk-visible-recipients]
            severity = "confirm"
            external_domains = 3
            external_addresses = 20

            [policy.rules.forgotten-attachment]
            keywords = ["添付", " attached "]

            [policy.rules.external-attachment]
            challenge = true

            [policy.rules.sensitive-data]
            max_email_addresses = 30
            max_phone_numbers = 40
            """)
        #expect(layer.layer == .user)
        #expect(layer.internalDomains?.value.map(\.description) == ["example.co.jp", "*.example.co.jp", "日本語.jp"])
        #expect(layer.internalDomains?.origin == PolicyOrigin(layer: .user, file: "config.toml", line: 5))
        #expect(layer.holdInternalSeconds?.value == 5)
        #expect(layer.holdExternalSeconds == PolicySetting(90, PolicyOrigin(layer: .user, file: "config.toml", line: 7)))
        #expect(layer.addressBook?.value == "~/.config/guardmail/addressbook.txt")
        #expect(layer.severities["bulk-visible-recipients"]?.value == .confirm)
        #expect(layer.options["bulk-visible-recipients"]?["external_domains"]?.value == .integer(3))
        #expect(layer.options["bulk-visible-recipients"]?["external_addresses"]?.origin.line == 13)
        #expect(layer.options["forgotten-attachment"]?["keywords"]?.value == .words(["添付", "attached"]))
        #expect(layer.options["external-attachment"]?["challenge"]?.value == .flag(true))
        #expect(layer.options["sensitive-data"]?["max_phone_numbers"]?.value == .integer(40))
    }

    @Test("the organisation file has the same keys at its top level")
    func organisationFile() throws {
        let layer = try PolicyConfig.parseOrganisationFile(
            """
            internal_domains = ["example.co.jp"]
            [rules.namesake]
            severity = "block"
            """, file: "/etc/guardmail/policy.toml")
        #expect(layer.layer == .organisation)
        #expect(layer.severities["namesake"] == PolicySetting(.block, PolicyOrigin(layer: .organisation, file: "/etc/guardmail/policy.toml", line: 3)))
    }

    @Test(
        "user config errors name the file, the line and the key",
        arguments: [
            (
                "[policy]\nhold_seconds = 3\n",
                "config.toml:2: unknown key 'hold_seconds' in [policy]"
            ),
            (
                "[policy]\nhold_external_seconds = \"60\"\n",
                "config.toml:2: 'policy.hold_external_seconds' must be an integer, found a string"
            ),
            (
                "[policy]\nhold_internal_seconds = -1\n",
                "config.toml:2: 'policy.hold_internal_seconds' must be between 0 and 3600, found -1"
            ),
            (
                "[policy]\nhold_external_seconds = 86400\n",
                "config.toml:2: 'policy.hold_external_seconds' must be between 0 and 3600, found 86400"
            ),
            (
                "[policy]\ninternal_domains = \"example.co.jp\"\n",
                "config.toml:2: 'policy.internal_domains' must be an array of strings, found a string"
            ),
            (
                "[policy]\ninternal_domains = [\"example.co.jp\", 3]\n",
                "config.toml:2: 'policy.internal_domains' must be an array of strings, found an array"
            ),
            (
                "[policy]\ninternal_domains = [\n  \"example.co.jp\",\n  \"*.co.jp\",\n]\n",
                "config.toml:4: 'policy.internal_domains' has an invalid entry: '*.co.jp' is a public suffix shared by many organisations"
            ),
            (
                "[policy]\ninternal_domains = [\"taro@example.co.jp\"]\n",
                "config.toml:2: 'policy.internal_domains' has an invalid entry: 'taro@example.co.jp' is an address; internal_domains lists domains: write 'example.co.jp'"
            ),
            (
                "[policy]\naddress_book = \"\"\n",
                "config.toml:2: 'policy.address_book' must not be empty"
            ),
            (
                "[policy]\naddress_book = 1\n",
                "config.toml:2: 'policy.address_book' must be a string, found an integer"
            ),
            (
                "[policy]\n\n[policy.rules.bulk]\nseverity = \"block\"\n",
                "config.toml:3: unknown rule 'bulk' in [policy.rules]; rules: \(ruleList)"
            ),
            (
                "[policy.rules.namesake]\nseverity = \"warn\"\n",
                "config.toml:2: 'policy.rules.namesake.severity' must be info, confirm or block, found 'warn'"
            ),
            (
                "[policy.rules.namesake]\nseverity = \"Block\"\n",
                "config.toml:2: 'policy.rules.namesake.severity' must be info, confirm or block, found 'Block'"
            ),
            (
                "[policy.rules.namesake]\nseverity = 2\n",
                "config.toml:2: 'policy.rules.namesake.severity' must be a string, found an integer"
            ),
            (
                "[policy.rules.many-domains]\nseverity = \"info\"\ntreshold = 3\n",
                "config.toml:3: unknown key 'treshold' in [policy.rules.many-domains]"
            ),
            (
                "[policy.rules.namesake]\nkeywords = [\"x\"]\n",
                "config.toml:2: unknown key 'keywords' in [policy.rules.namesake]"
            ),
            (
                "[policy.rules.bulk-visible-recipients]\nexternal_domains = 0\n",
                "config.toml:2: 'policy.rules.bulk-visible-recipients.external_domains' must be at least 1, found 0"
            ),
            (
                "[policy.rules.bulk-visible-recipients]\nexternal_addresses = 2.5\n",
                "config.toml:2: 'policy.rules.bulk-visible-recipients.external_addresses' must be an integer, found a float"
            ),
            (
                "[policy.rules.sensitive-data]\nmax_phone_numbers = -1\n",
                "config.toml:2: 'policy.rules.sensitive-data.max_phone_numbers' must be at least 0, found -1"
            ),
            (
                "[policy.rules.forgotten-attachment]\nkeywords = [\"添付\", \" \"]\n",
                "config.toml:2: 'policy.rules.forgotten-attachment.keywords' must not contain an empty word"
            ),
            (
                "[policy.rules.forgotten-attachment]\nkeywords = \"添付\"\n",
                "config.toml:2: 'policy.rules.forgotten-attachment.keywords' must be an array of strings, found a string"
            ),
            (
                "[policy.rules.external-attachment]\nchallenge = \"yes\"\n",
                "config.toml:2: 'policy.rules.external-attachment.challenge' must be a boolean, found a string"
            ),
            (
                "[policy]\nrules.namesake = \"block\"\n",
                "config.toml:2: 'policy.rules.namesake' must be a table, found a string"
            ),
            (
                "[policy]\nrules = 3\n",
                "config.toml:2: 'policy.rules' must be a table, found an integer"
            )
        ])
    func userErrors(text: String, expected: String) {
        do {
            _ = try userLayer(text)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description == expected)
            #expect(error.file == "config.toml")
        }
    }

    @Test(
        "organisation file errors name the file, the line and the key",
        arguments: [
            ("[policy]\nhold_external_seconds = 60\n", "policy.toml:1: unknown key 'policy' at the top level"),
            ("hold_external_seconds = 60\n[rules.lookalike]\n", "policy.toml:2: unknown rule 'lookalike' in [rules]; rules: \(ruleList)"),
            ("[rules.lookalike-domain]\nseverity = \"off\"\n", "policy.toml:2: 'rules.lookalike-domain.severity' must be info, confirm or block, found 'off'"),
            ("internal_domains = [\"ex ample.jp\"]\n", "policy.toml:1: 'internal_domains' has an invalid entry: 'ex ample.jp' is not a valid domain"),
            ("hold_external_seconds = \n", "policy.toml:1:")
        ])
    func organisationErrors(text: String, expected: String) {
        do {
            _ = try PolicyConfig.parseOrganisationFile(text, file: "policy.toml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("a syntax error keeps its column and kind")
    func syntax() {
        do {
            _ = try PolicyConfig.parseOrganisationFile("a = = 1\n", file: "policy.toml")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 1 && error.column != nil)
        }
    }

    @Test(
        "error kinds follow the problem",
        arguments: [
            ("[policy]\nx = 1\n", PolicyConfigError.Kind.unknownKey),
            ("[policy]\nhold_internal_seconds = true\n", .wrongType),
            ("[policy]\nhold_internal_seconds = 99999\n", .invalidValue),
            ("[policy.rules.x]\n", .unknownKey)
        ])
    func kinds(text: String, kind: PolicyConfigError.Kind) {
        do {
            _ = try userLayer(text)
            Issue.record("no error")
        } catch {
            #expect(error.kind == kind)
        }
    }

    @Test("every rule and option has the documented default")
    func defaults() {
        let c = PolicyConfig.defaults
        let severities = Dictionary(uniqueKeysWithValues: PolicyEngine.rules.map { ($0.id, c.severity(of: $0.id)) })
        #expect(
            severities == [
                "bulk-visible-recipients": .block, "many-domains": .confirm, "lookalike-domain": .block,
                "namesake": .confirm, "new-domain": .confirm, "new-recipient": .info,
                "thread-new-party": .confirm, "forward-outside": .confirm, "reply-all-wide": .confirm,
                "salutation-mismatch": .confirm,
                "external-attachment": .confirm, "forgotten-attachment": .confirm, "sensitive-data": .confirm,
                "attachment-other-party": .confirm
            ])
        #expect(c.integer(ReplyAllWideRule.maxRecipients, of: "reply-all-wide") == 10)
        #expect(c.integer(ReplyAllWideRule.maxExternalDomains, of: "reply-all-wide") == 1)
        #expect(c.integer(BulkVisibleRecipientsRule.externalDomains, of: "bulk-visible-recipients") == 2)
        #expect(c.integer(BulkVisibleRecipientsRule.externalAddresses, of: "bulk-visible-recipients") == 10)
        #expect(c.integer(BulkVisibleRecipientsRule.blockDomains, of: "bulk-visible-recipients") == 5)
        #expect(c.integer(BulkVisibleRecipientsRule.blockAddresses, of: "bulk-visible-recipients") == 20)
        #expect(c.integer(ManyDomainsRule.maxDomains, of: "many-domains") == 3)
        #expect(c.flag(ExternalAttachmentRule.challenge, of: "external-attachment") == false)
        #expect(c.integer(SensitiveDataRule.maxEmailAddresses, of: "sensitive-data") == 20)
        #expect(c.integer(SensitiveDataRule.maxPhoneNumbers, of: "sensitive-data") == 20)
        #expect(
            c.words(ForgottenAttachmentRule.keywords, of: "forgotten-attachment")
                == [
                    "attach", "attached", "attaching", "attachment", "attachments", "enclosed", "enclosure", "添付", "別添", "同封",
                    "送付します", "送付いたします", "資料をお送り", "書をお送り", "ファイルをお送り", "データをお送り", "明細をお送り"
                ])
        #expect(c.holdInternalSeconds.value == 10 && c.holdExternalSeconds.value == 60)
        #expect(c.internalDomains == nil)
        #expect(c.addressBooks.isEmpty)
    }

    @Test("rule ids are unique and every rule is found by id")
    func ids() {
        let ids = PolicyEngine.rules.map(\.id)
        #expect(Set(ids).count == ids.count)
        for id in ids { #expect(PolicyEngine.rule(id)?.id == id) }
        #expect(PolicyEngine.rule("nope") == nil)
    }
}
