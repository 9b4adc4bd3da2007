import Foundation
import Testing
@testable import Policy

/// Settings files written by hand from the add-ins' documented formats (FlexConfirmMail's
/// exported JSON, OutlookOkan's header-less UTF-8 CSV files).
func importFixture(_ name: String) throws -> String {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/fixtures/policy-import")
    return try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
}

@Suite("Importing FlexConfirmMail and OutlookOkan settings")
struct PolicyImportTests {
    @Test("FlexConfirmMail: recipient, attachment and text rules become rule tables; the rest is reported")
    func flexConfirmMail() throws {
        let result = try PolicyImport.flexConfirmMail(try importFixture("flexconfirmmail-export.json"), file: "export.json")
        // The result is a valid organisation policy.
        let layer = try PolicyConfig.parseOrganisationFile(result.toml, file: "imported.toml")
        let config = try PolicyConfig.make(user: nil, organisations: [layer])
        #expect(
            config.tableRules.map(\.id) == [
                "fcm-builtinattentiondomains", "fcm-builtinattentionsuffixes", "fcm-builtinblockeddomains", "fcm-rule-1725946080436-15572", "fcm-rule-2"
            ])
        #expect(config.tableRules.map(\.severity) == [.confirm, .confirm, .block, .confirm, .block])
        #expect(config.internalDomains?.value.map(\.description) == ["agency.example", "branch.agency.example"])
        // They behave as the add-in's rules did.
        func ids(_ i: PolicyInput) -> [String] { tableFindings(i, config).map(\.ruleID) }
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@insurer-b.example")) == ["fcm-builtinattentiondomains"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@danger.example.org")) == ["fcm-builtinblockeddomains"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", attachments: [attachment("一覧.XLSX")])) == ["fcm-builtinattentionsuffixes"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@agency.example", attachments: [attachment("一覧.xlsx")])).isEmpty)
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", subject: "【社外秘】")) == ["fcm-rule-1725946080436-15572"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", attachments: [attachment("2026顧客名簿.pdf")])) == ["fcm-rule-2"])
        #expect(config.tableRules[3].message == "社外秘であることを示唆する語句が含まれています。")
        #expect(
            result.notMapped == [
                "internalDomains: '*taro@gmail.com' is not a domain pattern guardmail accepts (internal_domains lists domains, e.g. 'example.co.jp' or '*.example.co.jp')",
                "confirmationMode: a FlexConfirmMail setting with no counterpart in a guardmail rule table",
                "countdownSeconds: a FlexConfirmMail setting with no counterpart in a guardmail rule table",
                "rule 'builtInAttentionDomains': exceptions '-ok.insurer-a.example' are not imported (a rule's recipients_any has no exceptions): narrow the patterns by hand",
                "rule 'rule-1725946080436-15572': 'subject or body' imported as the subject only (a rule's conditions must all hold): copy it with body_keywords for the body",
                "rule 'rule-3': highlight only (no reconfirm or block): guardmail always shows every recipient, nothing to import",
                "rule 'rule-4': no items, not imported"
            ])
    }

    @Test("FlexConfirmMail: a file that is not JSON is an error with the position")
    func notJSON() {
        #expect(throws: PolicyImportError("x.json: not JSON: ',' or '}' missing at character 9")) {
            try PolicyImport.flexConfirmMail("{\"a\": 1 \"b\"}", file: "x.json")
        }
    }

    @Test("OutlookOkan: keyword, address, keyword ↔ recipient and internal domain lists become rules; the rest is reported")
    func outlookOkan() throws {
        let names = [
            "AlertKeywordAndMessageList.csv", "AlertAddressList.csv", "KeywordAndRecipientsList.csv", "InternalDomainList.csv",
            "NameAndDomains.csv", "DeferredDeliveryMinutes.csv"
        ]
        let result = try PolicyImport.outlookOkan(try names.map { ($0, try importFixture($0)) })
        let config = try PolicyConfig.make(user: nil, organisations: [try PolicyConfig.parseOrganisationFile(result.toml, file: "imported.toml")])
        #expect(config.tableRules.count == 5)
        #expect(config.tableRules.map(\.severity) == [.block, .confirm, .block, .confirm, .confirm])
        func ids(_ i: PolicyInput) -> [String] { tableFindings(i, config).map(\.ruleID) }
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", body: "社外秘です")) == ["okan-1"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", body: "見積, 至急")) == ["okan-2"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@competitor.example")) == ["okan-3"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", body: "顧客リスト")) == ["okan-5"])
        #expect(ids(try input(from: "a <a@agency.example>", to: "x@client.example", cc: "compliance@agency.example", body: "顧客リスト")).isEmpty)
        #expect(config.internalDomains?.value.map(\.description) == ["agency.example"])
        #expect(
            result.notMapped == [
                "NameAndDomains.csv: 1 name ↔ domain pairs: write them into the address book as [Company] sections and add a rule with company_must_match = true",
                "DeferredDeliveryMinutes.csv: 1 rows of a setting with no counterpart in a guardmail rule table (or not an OutlookOkan file)"
            ])
    }
}
