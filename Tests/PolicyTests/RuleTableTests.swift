import MailCore
import Testing
@testable import Policy

/// A config made the way guardmail makes it (errors thrown, not deferred).
func madeConfig(organisation: String? = nil, dropIns: [String] = [], user: String? = nil) throws -> PolicyConfig {
    var orgs: [PolicyLayerSettings] = []
    if let organisation { orgs.append(try PolicyConfig.parseOrganisationFile(organisation, file: "policy.toml")) }
    for (i, text) in dropIns.enumerated() { orgs.append(try PolicyConfig.parseOrganisationFile(text, file: "policy.d/\(i + 1).toml")) }
    return try PolicyConfig.make(user: try user.map { try userLayer($0) }, organisations: orgs)
}

/// The findings of the rule tables and barriers alone.
func tableFindings(_ input: PolicyInput, _ config: PolicyConfig) -> [Finding] {
    PolicyEngine.evaluateTables(input, PolicyContext(input: input, config: config))
}

/// The error text of making a config, or nil.
func configError(organisation: String? = nil, dropIns: [String] = [], user: String? = nil) -> String? {
    do {
        _ = try madeConfig(organisation: organisation, dropIns: dropIns, user: user)
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite("Rule tables")
struct RuleTableTests {
    let org = """
        internal_domains = ["agency.example"]

        [groups]
        free-mail = ["gmail.com", "*.gmail.com", "yahoo.co.jp"]
        compliance = ["compliance@agency.example"]

        [[rule]]
        id = "confidential"
        severity = "confirm"
        message = "社外秘の資料です。宛先を確認してください"
        subject_keywords = ["社外秘", "CONFIDENTIAL"]

        [[rule]]
        id = "no-excel-to-free-mail"
        severity = "block"
        message = "フリーメールに Excel を送れません"
        recipients_any = ["group:free-mail"]
        attachment_names = ["*.xlsx", "*.xls"]

        [[rule]]
        id = "customer-list-needs-compliance"
        severity = "block"
        message = "顧客リストはコンプライアンス部を Cc に"
        body_keywords = ["顧客リスト"]
        requires_recipients = ["group:compliance"]

        [[rule]]
        id = "big-mailing"
        severity = "info"
        message = "many external recipients"
        only_external = true
        min_recipients = 3

        [[rule]]
        id = "policy-number"
        severity = "challenge"
        message = "証券番号が含まれています"
        body_regex = "[A-Z]{2}-[0-9]{8}"
        only_external = true
        recipients_any = ["*"]
        """

    @Test("each severity: info, confirm, challenge (a confirm that asks to type), block")
    func severities() throws {
        let c = try madeConfig(organisation: org)
        let info = tableFindings(try input(to: "a@x.example, b@y.example, c@z.example"), c)
        #expect(info.map(\.ruleID) == ["big-mailing"] && info[0].severity == .info)
        let confirm = tableFindings(try input(to: "a@x.example", subject: "【社外秘】見積"), c)
        #expect(confirm.map(\.ruleID) == ["confidential"] && confirm[0].severity == .confirm)
        #expect(confirm[0].message == "社外秘の資料です。宛先を確認してください — the subject says '社外秘' [organisation (policy.toml:8)]")
        let challenge = tableFindings(try input(to: "a@client.example", body: "証券番号 ab-12345678 の件"), c)
        #expect(challenge.map(\.ruleID) == ["policy-number"])
        #expect(challenge[0].severity == .confirm && challenge[0].challenges == [.typeDomain("client.example")])
        #expect(challenge[0].message.contains("line 1 matches /[A-Z]{2}-[0-9]{8}/"))
        let block = tableFindings(try input(to: "me@gmail.com", attachments: [attachment("顧客.XLSX")]), c)
        #expect(block.map(\.ruleID) == ["no-excel-to-free-mail"] && block[0].severity == .block)
        #expect(block[0].message.contains("recipients matching: me@gmail.com (group:free-mail)"))
        #expect(block[0].message.contains("attachment '顧客.XLSX' matches '*.xlsx'"))
        #expect(block[0].layer?.layer == .organisation)
    }

    @Test("keywords fold full-width and half-width forms and case, Japanese included")
    func folding() throws {
        let c = try madeConfig(
            organisation: """
                [[rule]]
                id = "list"
                message = "m"
                body_keywords = ["顧客リスト", "confidential", "ｸﾞﾙｰﾌﾟ"]
                """)
        for body in ["顧客ﾘｽﾄを送ります", "ＣＯＮＦＩＤＥＮＴＩＡＬ", "Confidential.", "グループ会社"] {
            #expect(tableFindings(try input(to: "a@x.example", body: body), c).count == 1, "\(body)")
        }
        for body in ["顧客名簿", "nonconfidential", "> 顧客リスト (quoted)", "hello\n-- \n顧客リスト"] {
            #expect(tableFindings(try input(to: "a@x.example", body: body), c).isEmpty, "\(body)")
        }
    }

    @Test("a keyword that requires a recipient: missing compliance in To/Cc reports, present does not")
    func requiresRecipient() throws {
        let c = try madeConfig(organisation: org)
        let missing = tableFindings(try input(to: "a@client.example", body: "今月の顧客リストです"), c)
        #expect(missing.map(\.ruleID) == ["customer-list-needs-compliance"])
        #expect(missing[0].message.contains("line 1 says '顧客リスト'; no To/Cc recipient matches group:compliance"))
        #expect(tableFindings(try input(to: "a@client.example", cc: "compliance@agency.example", body: "今月の顧客リストです"), c).isEmpty)
        #expect(tableFindings(try input(to: "a@client.example", body: "今月の資料です"), c).isEmpty)
    }

    @Test("the first matching block wins; confirms are all reported")
    func firstBlockWins() throws {
        let c = try madeConfig(organisation: org)
        let f = tableFindings(
            try input(to: "me@gmail.com", subject: "社外秘", body: "顧客リスト", attachments: [attachment("a.xlsx")]), c)
        #expect(f.map(\.ruleID) == ["confidential", "no-excel-to-free-mail"])
    }

    @Test("recipient conditions: any, all, none, only visible, only external, at least N")
    func recipientConditions() throws {
        func rule(_ body: String) throws -> PolicyConfig {
            try madeConfig(organisation: "internal_domains = [\"agency.example\"]\n[[rule]]\nid = \"r\"\nmessage = \"m\"\n" + body)
        }
        let all = try rule("recipients_all = [\"*.client.example\"]")
        #expect(tableFindings(try input(to: "a@x.client.example, b@y.client.example"), all).count == 1)
        #expect(tableFindings(try input(to: "a@x.client.example, b@other.example"), all).isEmpty)
        let none = try rule("recipients_none = [\"agency.example\"]")
        #expect(tableFindings(try input(to: "a@client.example"), none).count == 1)
        #expect(tableFindings(try input(to: "a@client.example", bcc: "me@agency.example"), none).isEmpty)
        let visible = try rule("recipients_any = [\"rival.example\"]\nonly_visible = true")
        #expect(tableFindings(try input(to: "a@client.example", bcc: "x@rival.example"), visible).isEmpty)
        #expect(tableFindings(try input(to: "a@client.example", cc: "x@rival.example"), visible).count == 1)
        let external = try rule("min_recipients = 2\nonly_external = true")
        #expect(tableFindings(try input(to: "a@client.example, b@agency.example"), external).isEmpty)
        #expect(tableFindings(try input(to: "a@client.example, B@other.example, b@other.example"), external).count == 1)
    }

    @Test("attachment conditions: type, size, encrypted, text inside, has / has none")
    func attachmentConditions() throws {
        func rule(_ body: String) throws -> PolicyConfig {
            try madeConfig(organisation: "[[rule]]\nid = \"r\"\nmessage = \"m\"\n" + body)
        }
        let zip = AttachmentFacts(name: "a.zip", size: 2048, contentType: "application/zip", encrypted: true)
        let csv = AttachmentFacts(name: "list.txt", size: 10, contentType: "text/csv", text: "name\n山田 証券番号")
        #expect(tableFindings(try input(to: "a@x.example", attachments: [zip]), try rule("attachment_encrypted = true")).count == 1)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [csv]), try rule("attachment_encrypted = true")).isEmpty)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [csv, zip]), try rule("attachment_types = [\"application/*\"]")).count == 1)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [csv]), try rule("attachment_types = [\"application/*\"]")).isEmpty)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [zip]), try rule("attachment_min_kib = 2")).count == 1)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [zip]), try rule("attachment_min_kib = 3")).isEmpty)
        let text = tableFindings(try input(to: "a@x.example", attachments: [csv]), try rule("attachment_keywords = [\"証券番号\"]"))
        #expect(text.first?.message.contains("attachment 'list.txt' says '証券番号' on line 2") == true)
        #expect(tableFindings(try input(to: "a@x.example"), try rule("has_attachments = false")).count == 1)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [zip]), try rule("has_attachments = false")).isEmpty)
        #expect(tableFindings(try input(to: "a@x.example", attachments: [zip]), try rule("has_attachments = true")).count == 1)
    }

    @Test("a company named in the text must match the address book's domain for it")
    func companyName() throws {
        let book = try AddressBook.parse(
            "[株式会社クライアント]\n山田 太郎 <taro@client.co.jp>\n[アルファ保険株式会社]\n鈴木 一郎 <ichiro@alpha.example>\n", file: "ab.txt")
        let c = try madeConfig(organisation: "[[rule]]\nid = \"company\"\nmessage = \"宛先の会社を確認\"\ncompany_must_match = true\n")
        let wrong = tableFindings(try input(to: "taro@client.co.jp", body: "アルファ保険株式会社 鈴木様\n\nお世話になります。", addressBook: book), c)
        #expect(wrong.count == 1)
        #expect(wrong[0].message.contains("line 1 names 'アルファ保険株式会社', but no recipient is at alpha.example"))
        #expect(tableFindings(try input(to: "ichiro@alpha.example", body: "アルファ保険株式会社 鈴木様", addressBook: book), c).isEmpty)
        #expect(tableFindings(try input(to: "taro@client.co.jp", body: "クライアント株式会社 山田様", addressBook: book), c).isEmpty)
    }

    @Test(
        "bad rules are refused with the file, the line and the key",
        arguments: [
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nbody_regex = \"(a+)+$\"\n",
                "policy.toml:4: 'rule[1].body_regex' is refused: '(a+)+$' repeats a group that repeats inside (nested quantifiers can run for ever); write it without the outer repetition"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nsubject_regex = \"([a-z]*)*x\"\n",
                "policy.toml:4: 'rule[1].subject_regex' is refused: '([a-z]*)*x' repeats a group that repeats inside (nested quantifiers can run for ever); write it without the outer repetition"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nbody_regex = \"(a)\\\\1\"\n",
                "policy.toml:4: 'rule[1].body_regex' is refused: '(a)\\1' uses a back-reference, which can take exponential time"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nbody_regex = \"[a-\"\n",
                "policy.toml:4: 'rule[1].body_regex' is refused: '[a-' is not a valid regular expression"
            ),
            ("[[rule]]\nid = \"r\"\nmessage = \"m\"\nbody_keyword = [\"x\"]\n", "policy.toml:4: unknown key 'body_keyword' in [rule[1]]"),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nseverity = \"warn\"\nhas_attachments = true\n",
                "policy.toml:4: 'rule[1].severity' must be info, confirm, challenge or block, found 'warn'"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\n",
                "policy.toml:2: rule 'r' has no condition: it would stop every message; add one (see docs/policy.md, \"Rule tables\")"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nrecipients_any = [\"a@@b\"]\n",
                "policy.toml:4: 'rule[1].recipients_any' has an invalid entry: 'a@@b' has more than one '@'"
            ),
            (
                "[[rule]]\nid = \"namesake\"\nmessage = \"m\"\nhas_attachments = true\n",
                "policy.toml:2: 'rule[1].id' names the built-in rule 'namesake': set its severity in [rules.namesake] or choose another id"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nhas_attachments = true\n[[rule]]\nid = \"r\"\nmessage = \"m\"\nhas_attachments = true\n",
                "policy.toml:6: 'rule[2].id' repeats 'r', the id of the rule at line 2"
            ),
            (
                "[[rule]]\nid = \"r\"\nmessage = \"m\"\nrecipients_any = [\"group:nobody\"]\n",
                "policy.toml:4: 'recipients_any' refers to group 'nobody', which is not defined; groups: none"
            )
        ])
    func refused(text: String, expected: String) {
        let error = configError(organisation: text)
        #expect(error?.hasPrefix(expected) == true, "\(error ?? "no error")")
    }

    @Test("a regular expression reads the first 1,000 characters of a line")
    func longLine() throws {
        let c = try madeConfig(organisation: "[[rule]]\nid = \"r\"\nmessage = \"m\"\nbody_regex = \"[a-z]{2}-[0-9]{8}\"\n")
        let near = String(repeating: " ", count: 980) + "ab-12345678"
        let far = String(repeating: " ", count: 1000) + "ab-12345678"
        #expect(tableFindings(try input(to: "a@x.example", body: near), c).count == 1)
        #expect(tableFindings(try input(to: "a@x.example", body: far), c).isEmpty)
    }
}
