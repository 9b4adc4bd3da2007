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

    /// Entries on both sides of the byte shortcut's edges: plain and named addresses, blanks,
    /// brackets, full-width and ideographic characters, honorifics, `mailto:`, combining marks
    /// and a prepended mark next to the brackets.
    static let shortcutEntries: [String] = {
        var out = cases.map(\.typed)
        out += [
            "tanaka@example.jp", "user5@customer5.example", "田中 <tanaka@example.jp>", "顧客 5号 <other5@customer5.example>",
            "田中 <tanaka@example.jp> ", "田中 <tanaka@example.jp>\t", "田中 <tanaka@example.jp> x", "田中 <tanaka@example.jp>様",
            "田中様 <tanaka@example.jp>", "ＡＢＣ商事 <info@abc.example>", "田中 ＜tanaka@example.jp>", "田中 <tanaka@example.jp＞",
            "<tanaka@example.jp>", "<>", "< >", "a <b@c> <d@e>", "a > b <c@d>", "a <b@c>>", "a <<b@c>", "<a@b", "a@b>",
            "田中 <mailto:tanaka@example.jp>", "mailto:a@b.jp", "a:b@c.jp", "tanaka@example.jp様", "tanaka@example.jp 様",
            "tanaka@例え.jp", "田中 <tanaka@例え.jp>", "tanaka@example.jp\u{301}", "田中 <\u{301}tanaka@example.jp>",
            "田中 \u{600}<tanaka@example.jp>", "\u{600}<tanaka@example.jp>", "田中 <tanaka@example.jp>\u{301}",
            "田中\u{3000}<tanaka@example.jp>", "tanaka@example。jp", "tanaka@example｡jp", "tanaka\u{3000}@example.jp",
            "tanaka@ex ample.jp", "Tanaka <tana\tka@example.jp>", "\"Tanaka, Ichiro\" <tanaka@example.jp>", "a", "@", "", " ",
            "ｔａｎａｋａ@example.jp", "J. Smith <j@example.com>", "J. Smith j@example.com"
        ]
        return out
    }()

    @Test("the shortcut for plain entries gives fix's answer: nil only where the full steps give nil")
    func shortcutAgrees() {
        var shortcut = 0
        for entry in Self.shortcutEntries {
            let full = AddressSlips.fixBySteps(entry)
            #expect(AddressSlips.fix(entry) == full, "for \(entry.debugDescription)")
            if AddressSlips.holdsNoSlip(entry) {
                #expect(full == nil, "for \(entry.debugDescription)")
                shortcut += 1
            }
        }
        // Plain and named addresses take the shortcut; the table's slips never do.
        #expect(shortcut >= 8)
        #expect(Self.cases.allSatisfy { !AddressSlips.holdsNoSlip($0.typed) })
        #expect(AddressSlips.holdsNoSlip("user5@customer5.example") && AddressSlips.holdsNoSlip("顧客 5号 <other5@customer5.example>"))
    }
}
