import Testing
@testable import Policy

@Suite("Party extraction")
struct PartyTests {
    @Test(
        "Japanese company forms before or after the name, abbreviated forms, and honorifics",
        arguments: [
            ("田中建設株式会社 御中", ["company:田中建設株式会社"]),
            ("株式会社青空商事", ["company:株式会社青空商事"]),
            ("株式会社 青空商事 営業部", ["company:株式会社青空商事"]),
            ("見積先：有限会社みどり商店 様", ["company:有限会社みどり商店"]),
            ("合同会社ミライ", ["company:合同会社ミライ"]),
            ("田中建設(株)御中", ["company:田中建設(株)"]),
            ("（株）青空商事", ["company:（株）青空商事"]),
            ("㈱青空商事 鈴木様", ["company:㈱青空商事", "person:鈴木"]),
            ("青空商事㈱", ["company:青空商事㈱"]),
            ("弊社は株式会社青空商事です。", ["company:株式会社青空商事"]),
            ("第1頁 1行目 株式会社青空商事の取引先一覧", ["company:株式会社青空商事"]),
            ("田中建設株式会社代表取締役 田中一郎 殿", ["company:田中建設株式会社", "person:田中一郎"]),
            ("工事部 佐藤一郎 様", ["person:佐藤一郎"]),
            ("佐藤 一郎 様", ["person:佐藤 一郎"]),
            ("総務課 御中", ["organisation:総務課"]),
            ("Aozora Trading Co., Ltd.", ["company:Aozora Trading Co., Ltd."]),
            ("Invoice to Tanaka Construction Inc. for May", ["company:Tanaka Construction Inc."]),
            ("Acme Corp.", ["company:Acme Corp."]),
            ("contact: sales@tanaka-kensetsu.co.jp.", ["email:sales@tanaka-kensetsu.co.jp"])
        ])
    func found(line: String, expected: [String]) {
        let parties = PartyExtractor.parties(in: line)
        #expect(parties.map { "\($0.kind.rawValue):\($0.name)" } == expected)
    }

    @Test(
        "sentences about companies, generic addressees and other words name nobody",
        arguments: [
            "株式会社とは、株主が出資してつくる会社です。",
            "株式会社の設立手続き",
            "株式会社が発行する株式",
            "弊社株式会社",
            "お客様各位",
            "ご担当者様",
            "皆様へ",
            "関係者各位",
            "the company is incorporated",
            "Co-operation with inc",
            "user@localhost",
            "見積書 No.2026-118"
        ])
    func nobody(line: String) {
        #expect(PartyExtractor.parties(in: line).isEmpty, "\(PartyExtractor.parties(in: line))")
    }

    @Test("each party once, at the first line that names it; lines split at LF, CR and CRLF")
    func lines() {
        let text = "御見積書\r\n2026年12月7日\r\n田中建設株式会社 御中\ra@x.jp\n田中建設株式会社"
        let parties = PartyExtractor.parties(in: text)
        #expect(parties == [Party("田中建設株式会社", .company, line: 3), Party("a@x.jp", .email, line: 4)])
        #expect(parties[1].domain == "x.jp")
    }

    @Test(
        "one company in different spellings is the same party; different companies are not",
        arguments: [
            ("株式会社青空商事", "青空商事株式会社", true),
            ("(株)青空商事", "青空商事", true),
            ("㈱青空商事", "株式会社青空商事東京支店", true),
            ("Aozora Trading Co., Ltd.", "AOZORA TRADING", true),
            ("ＡＢＣ株式会社", "ABC Inc.", true),
            ("田中建設株式会社", "青空商事株式会社", false),
            ("株式会社", "有限会社", false),
            ("A株式会社", "ABC株式会社", false)
        ])
    func sameParty(a: String, b: String, same: Bool) {
        #expect(PartyExtractor.sameParty(a, b) == same)
    }
}
