import Testing
@testable import Policy

@Suite("attachment-other-party")
struct AttachmentOtherPartyTests {
    /// The sender's address book: two clients and the sender's own company.
    let book = AddressBook(entries: [
        AddressBookEntry(name: "鈴木 花子", address: "hanako@aozora-shoji.jp", company: "青空商事株式会社"),
        AddressBookEntry(name: "佐藤 一郎", address: "sato@tanaka-kensetsu.co.jp", company: "田中建設株式会社"),
        AddressBookEntry(name: "山田 太郎", address: "taro@example.co.jp", company: "株式会社エグザンプル")
    ])

    /// An estimate as pdftotext reads it, one location per line.
    func estimate(for client: String, extra: [String] = []) -> AttachmentFacts {
        let lines = ["御見積書", "2026年12月7日", "\(client) 御中", "下記の通りお見積り申し上げます。", "株式会社エグザンプル 営業部"] + extra
        return AttachmentFacts(
            name: "見積書.pdf", size: 3000, contentType: "application/pdf", text: lines.joined(separator: "\n"),
            textLocations: lines.indices.map { "page 1, line \($0 + 1)" })
    }

    @Test("the estimate for the recipients' company: no finding")
    func rightClient() throws {
        let findings = run(
            AttachmentOtherPartyRule(),
            try input(to: "鈴木 花子 <hanako@aozora-shoji.jp>", attachments: [estimate(for: "青空商事株式会社")], addressBook: book))
        #expect(findings.isEmpty)
    }

    @Test("the estimate for another client: a finding with the party, its place, and who the recipients are")
    func otherClient() throws {
        let findings = run(
            AttachmentOtherPartyRule(),
            try input(to: "鈴木 花子 <hanako@aozora-shoji.jp>", attachments: [estimate(for: "田中建設株式会社")], addressBook: book))
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.severity == .confirm)
        #expect(
            finding.message == "'見積書.pdf' names 田中建設株式会社 (page 1, line 3); the recipients are at aozora-shoji.jp (青空商事株式会社)")
        #expect(finding.subjects == [.attachment(0)])
        #expect(finding.flag == "NAMES 田中建設株式会社")
    }

    @Test("the recipients' company named alongside another: no finding")
    func bothNamed() throws {
        let file = estimate(for: "田中建設株式会社", extra: ["協力会社：株式会社青空商事"])
        let findings = run(
            AttachmentOtherPartyRule(), try input(to: "hanako@aozora-shoji.jp", attachments: [file], addressBook: book))
        #expect(findings.isEmpty)
    }

    @Test("an address at the recipients' domain, or a recipient's name with 様, makes the file theirs")
    func addressOrPerson() throws {
        let byAddress = estimate(for: "田中建設株式会社", extra: ["連絡先 hanako@aozora-shoji.jp"])
        #expect(run(AttachmentOtherPartyRule(), try input(to: "hanako@aozora-shoji.jp", attachments: [byAddress])).isEmpty)
        let byName = estimate(for: "田中建設株式会社", extra: ["鈴木 花子 様"])
        #expect(run(AttachmentOtherPartyRule(), try input(to: "鈴木 花子 <hanako@aozora-shoji.jp>", attachments: [byName])).isEmpty)
    }

    @Test("an address at another domain is evidence too; the sender's own company and domain never are")
    func emailEvidence() throws {
        let lines = ["請求書", "株式会社エグザンプル", "taro@example.co.jp", "請求先 keiri@tanaka-kensetsu.co.jp"]
        let file = AttachmentFacts(
            name: "請求書.xlsx", size: 10, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            text: lines.joined(separator: "\n"), textLocations: ["sheet '請求' cell A1", "sheet '請求' cell A2", "sheet '請求' cell A3", "sheet '請求' cell B7"])
        let finding = try #require(run(AttachmentOtherPartyRule(), try input(to: "hanako@aozora-shoji.jp", attachments: [file], addressBook: book)).first)
        #expect(finding.message == "'請求書.xlsx' names keiri@tanaka-kensetsu.co.jp (sheet '請求' cell B7); the recipients are at aozora-shoji.jp (青空商事株式会社)")
    }

    @Test("files to colleagues only, files naming nobody, and files without text: no finding")
    func nothingToSay() throws {
        let rule = AttachmentOtherPartyRule()
        #expect(run(rule, try input(to: "jiro@example.co.jp", attachments: [estimate(for: "田中建設株式会社")], addressBook: book)).isEmpty)
        let plain = AttachmentFacts(name: "memo.txt", size: 5, contentType: "text/plain", text: "議事録\n次回は月曜日")
        #expect(run(rule, try input(to: "hanako@aozora-shoji.jp", attachments: [plain])).isEmpty)
        let image = AttachmentFacts(name: "a.png", size: 5, contentType: "image/png")
        #expect(run(rule, try input(to: "hanako@aozora-shoji.jp", attachments: [image])).isEmpty)
    }

    @Test("block is available through the layers")
    func block() throws {
        let policy = try config(organisation: "[rules.attachment-other-party]\nseverity = \"block\"\n")
        let finding = try #require(
            run(AttachmentOtherPartyRule(), try input(to: "hanako@aozora-shoji.jp", attachments: [estimate(for: "田中建設株式会社")], addressBook: book), policy)
                .first)
        #expect(finding.severity == .block)
    }
}

@Suite("sensitive-data in extracted documents")
struct SensitiveLocationTests {
    @Test("the first place of a count is the document's own location: sheet and cell, page and line")
    func locations() throws {
        let emails = (1...25).map { "user\($0)@example\($0).jp" }
        let sheet = AttachmentFacts(
            name: "顧客.xlsx", size: 10, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            text: (["メール"] + emails).joined(separator: "\n"), textLocations: ["sheet '顧客' cell C1"] + (2...26).map { "sheet '顧客' cell C\($0)" })
        let finding = try #require(run(SensitiveDataRule(), try input(to: "a@client.jp", attachments: [sheet])).first)
        #expect(finding.message == "25 email addresses (more than 20), first at attachment '顧客.xlsx' sheet '顧客' cell C2")
        // My Number 123456789018 has a valid check digit.
        let pdf = AttachmentFacts(
            name: "申請書.pdf", size: 10, contentType: "application/pdf", text: "申請書\n個人番号 1234 5678 9018",
            textLocations: ["page 1, line 1", "page 2, line 4"])
        let myNumber = try #require(run(SensitiveDataRule(), try input(to: "a@client.jp", attachments: [pdf])).first)
        #expect(myNumber.message.hasSuffix("first at attachment '申請書.pdf' page 2, line 4"))
    }
}
