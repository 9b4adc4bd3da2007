import Testing
@testable import MailCore

// The one-key fixes' table: each slip people make in an address and the text offered instead.

@Suite struct AddressSlipsTests {
    static let cases: [(typed: String, corrected: String, slips: [AddressSlips.Slip])] = [
        ("tanaka＠example.jp", "tanaka@example.jp", [.fullWidth]),
        ("tanaka@example．jp", "tanaka@example.jp", [.fullWidth]),
        ("ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ", "tanaka@example.jp", [.fullWidth]),
        ("tanaka@example。co。jp", "tanaka@example.co.jp", [.ideographicStop]),
        ("tanaka@example｡jp", "tanaka@example.jp", [.ideographicStop]),
        ("tanaka@example.jp様", "tanaka@example.jp", [.honorific]),
        ("tanaka@example.jp 様", "tanaka@example.jp", [.honorific]),
        ("田中 一郎 <tanaka@example.jp様>", "田中 一郎 <tanaka@example.jp>", [.honorific]),
        ("田中 一郎 <tanaka@example.jp> 様", "田中 一郎 <tanaka@example.jp>", [.honorific]),
        ("tanaka @example.jp", "tanaka@example.jp", [.space]),
        ("tanaka@ example. jp", "tanaka@example.jp", [.space]),
        ("田中 <tana ka@example.jp>", "田中 <tanaka@example.jp>", [.space]),
        ("田中 一郎 tanaka@example.jp", "田中 一郎 <tanaka@example.jp>", [.space]),
        ("mailto:tanaka@example.jp", "tanaka@example.jp", [.mailto]),
        ("MAILTO:tanaka@example.jp?subject=Hi", "tanaka@example.jp", [.mailto]),
        ("Tanaka <mailto:tanaka@example.jp>", "Tanaka <tanaka@example.jp>", [.mailto]),
        ("Tanaka <<tanaka@example.jp>>", "Tanaka <tanaka@example.jp>", [.doubledBrackets]),
        ("<<tanaka@example.jp>>", "tanaka@example.jp", [.doubledBrackets]),
        ("田中 ＜tanaka@example.jp＞", "田中 <tanaka@example.jp>", [.fullWidth]),
        ("mailto:tanaka＠example。jp様", "tanaka@example.jp", [.fullWidth, .ideographicStop, .honorific, .mailto]),
        ("J. Smith tanaka@example.jp", "\"J. Smith\" <tanaka@example.jp>", [.space])
    ]

    @Test("each slip of the table gives the corrected text, and the text parses as one address")
    func table() throws {
        for (typed, corrected, slips) in Self.cases {
            let fix = try #require(AddressSlips.fix(typed), "no fix for \(typed)")
            #expect(fix.corrected == corrected, "for \(typed)")
            #expect(fix.slips == slips, "for \(typed)")
            #expect(try AddressParser.parseList(fix.corrected).mailboxes.count == 1)
        }
    }

    @Test("a name in full-width characters is kept as it is; only the address part is folded")
    func nameKept() throws {
        let fix = try #require(AddressSlips.fix("ＡＢＣ商事 <info＠abc.example>"))
        #expect(fix.corrected == "ＡＢＣ商事 <info@abc.example>")
    }

    @Test("nothing is offered for a correct address, for text without a slip of the table, or when the result would not parse")
    func noOffer() {
        for text in ["tanaka@example.jp", "田中 <tanaka@example.jp>", "tanaka", "tanaka@", "a b c", "x＠", "<a@b> trailing words", "one＠x.jp two＠y.jp"] {
            #expect(AddressSlips.fix(text) == nil, "for \(text)")
        }
    }

    @Test("the offer names every slip it fixes")
    func description() throws {
        #expect(try #require(AddressSlips.fix("tanaka＠example.jp様")).description == "full-width characters and a trailing 様")
        #expect(try #require(AddressSlips.fix("mailto:a＠b。jp")).description == "full-width characters, an ideographic full stop and a mailto: prefix")
    }
}
