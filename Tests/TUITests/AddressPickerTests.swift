import Testing
@testable import TUI

/// The address picker: a search the user runs over the address books and the send history;
/// nothing preselected, a row chosen only with an explicit key, namesakes together and marked.
@Suite("Address picker: folding, ranking, namesakes and choosing")
struct AddressPickerTests {
    static let kensetsu = PickerCandidate(
        name: "田中 一郎", address: "ichiro@tanaka-kensetsu.example", company: "田中建設", reading: "たなか いちろう", isInternal: false, lastSent: 1_790_000_000,
        count: 5, source: .both)
    static let shoji = PickerCandidate(
        name: "田中 一郎", address: "ichiro@tanaka-shoji.example", company: "田中商事", reading: "タナカ イチロウ", isInternal: false)
    static let sato = PickerCandidate(name: "佐藤 花子", address: "hanako@example.co.jp", company: "自社", reading: "さとう はなこ", isInternal: true, count: 3)
    static let nakata = PickerCandidate(name: "中田 次郎", address: "jiro@nakata.example", reading: "なかた じろう")
    static let jiro = PickerCandidate(name: "Tanaka Jiro", address: "Jiro.Tanaka@Example.ORG", count: 1, source: .history)
    static let all = [kensetsu, sato, shoji, nakata, jiro]

    func names(_ picker: AddressPicker) -> [String] { picker.results.map { picker.candidates[$0].address } }

    static func searched(_ text: String) -> AddressPicker {
        var picker = AddressPicker(field: .to, candidates: all)
        _ = picker.handle(.text(text), rows: 10)
        return picker
    }

    @Test("folding: hiragana, katakana and half-width katakana are one key; full-width letters, case and blanks are folded")
    func folding() {
        #expect(SearchFold.fold("たなか") == SearchFold.fold("タナカ"))
        #expect(SearchFold.fold("ﾀﾅｶ") == "タナカ")
        #expect(SearchFold.fold("ｶﾞｯｺｳ ﾊﾟﾝ") == "ガッコウパン")
        #expect(SearchFold.fold("か\u{3099}") == "ガ")
        #expect(SearchFold.fold("ＴＡＮＡＫＡ＠Ｅｘａｍｐｌｅ．ｊｐ") == "tanaka@example.jp")
        #expect(SearchFold.fold("田中　一郎") == "田中一郎")
        #expect(SearchFold.fold("Ärger") == "ärger")
    }

    @Test("たなか finds both 田中 一郎 by their readings (hiragana and katakana), marked as namesakes; nothing is selected")
    func readingSearch() {
        var picker = AddressPicker(field: .to, candidates: Self.all)
        for key in "たなか" { _ = picker.handle(.char(key), rows: 10) }
        #expect(names(picker) == ["ichiro@tanaka-kensetsu.example", "ichiro@tanaka-shoji.example"])
        #expect(picker.results.allSatisfy { picker.isNamesake(picker.candidates[$0]) })
        #expect(picker.showsNamesakes)
        #expect(picker.selected == nil)
        // Half-width katakana and romaji-free: ﾀﾅｶ is the same search.
        var halfWidth = AddressPicker(field: .to, candidates: Self.all)
        _ = halfWidth.handle(.text("ﾀﾅｶ"), rows: 10)
        #expect(names(halfWidth) == names(picker))
    }

    @Test("a search matches any part: name, company, address, domain; every word must match; full-width and case folded")
    func anyPart() {
        func search(_ text: String) -> [String] {
            var picker = AddressPicker(field: .cc, candidates: Self.all)
            _ = picker.handle(.text(text), rows: 10)
            return names(picker)
        }
        #expect(search("tanaka-shoji") == ["ichiro@tanaka-shoji.example"])
        #expect(search("田中商事") == ["ichiro@tanaka-shoji.example"])
        #expect(search("ｊｉｒｏ．ｔａｎａｋａ") == ["Jiro.Tanaka@Example.ORG"])
        #expect(search("EXAMPLE.org") == ["Jiro.Tanaka@Example.ORG"])
        #expect(search("田中 建設") == ["ichiro@tanaka-kensetsu.example"])
        #expect(search("なかた") == ["jiro@nakata.example"])
        #expect(search("zzz").isEmpty)
        // Name before reading before address: 'tanaka' is a name prefix of Tanaka Jiro, and only
        // in the addresses of the two 田中.
        #expect(search("tanaka").first == "Jiro.Tanaka@Example.ORG")
    }

    @Test("with no search every candidate is listed, the most written to first, and namesakes are moved next to each other")
    func namesakesTogether() {
        let picker = AddressPicker(field: .to, candidates: Self.all)
        #expect(
            names(picker) == [
                "ichiro@tanaka-kensetsu.example", "ichiro@tanaka-shoji.example", "hanako@example.co.jp", "Jiro.Tanaka@Example.ORG", "jiro@nakata.example"
            ])
        #expect(picker.namesakeKeys == [Array(SearchFold.fold("田中 一郎").utf8)])
        #expect(!picker.isNamesake(Self.sato))
    }

    @Test("typing on narrows the last matches; every step gives what a fresh search for the same text gives")
    func narrowingIsTheSameAsSearching() {
        var typed = AddressPicker(field: .to, candidates: Self.all)
        for key: Key in [.text("t"), .text("a"), .text("n"), .text(" "), .text("ex"), .backspace, .backspace, .text("ichi"), .home, .text("x")] {
            _ = typed.handle(key, rows: 10)
            var fresh = AddressPicker(field: .to, candidates: Self.all)
            _ = fresh.handle(.text(typed.query.text), rows: 10)
            #expect(typed.results == fresh.results, "after \(key): '\(typed.query.text)'")
        }
    }

    @Test("Enter chooses only a row moved to: before that it says so; ↓ ↓ Enter chooses the second; a new search forgets the row")
    func explicitChoice() {
        var picker = AddressPicker(field: .to, candidates: Self.all)
        _ = picker.handle(.text("たなか"), rows: 10)
        #expect(picker.handle(.enter, rows: 10) == .stay)
        #expect(picker.note?.hasPrefix("Nothing is chosen yet") == true)
        #expect(picker.handle(.up, rows: 10) == .stay && picker.selected == nil)
        _ = picker.handle(.down, rows: 10)
        _ = picker.handle(.down, rows: 10)
        _ = picker.handle(.down, rows: 10)
        #expect(picker.selected == 1)
        #expect(picker.handle(.enter, rows: 10) == .choose(Self.shoji))
        _ = picker.handle(.backspace, rows: 10)
        #expect(picker.selected == nil)
        #expect(picker.handle(.escape, rows: 10) == .cancel)
    }

    @Test("book and history merge by address (any case): the book's name and company, the history's count and time")
    func merged() {
        let book = [PickerCandidate(name: "Tanaka Jiro", address: "jiro.tanaka@example.org", company: "Example")]
        let history = [
            PickerCandidate(name: "J. Tanaka", address: "Jiro.Tanaka@Example.ORG", lastSent: 100, count: 4, source: .history),
            PickerCandidate(name: "", address: "new@example.net", lastSent: 50, count: 1, source: .history)
        ]
        let all = PickerCandidate.merged(book: book, history: history)
        #expect(all.map(\.address) == ["jiro.tanaka@example.org", "new@example.net"])
        #expect(all[0].company == "Example" && all[0].count == 4 && all[0].lastSent == 100 && all[0].source == .both)
        #expect(all[1].formatted == "new@example.net")
        #expect(Self.kensetsu.formatted == "田中 一郎 <ichiro@tanaka-kensetsu.example>")
        #expect(PickerCandidate(name: "J. Smith", address: "j@example.com").formatted == "\"J. Smith\" <j@example.com>")
    }

    @Test("candidates that come while the picker is open: the same search over them, and no row stays moved to")
    func filledWhileOpen() {
        // ^T before the candidates were ready: what was ready (here the two namesakes), loading.
        var picker = AddressPicker(field: .to, index: PickerIndex([Self.kensetsu, Self.shoji]), loading: true)
        #expect(picker.loading)
        _ = picker.handle(.text("たなか"), rows: 10)
        _ = picker.handle(.down, rows: 10)
        _ = picker.handle(.down, rows: 10)
        #expect(picker.selected == 1)
        // The rest come: 中田 goes nowhere near the search, Tanaka Jiro comes in; the row
        // the user moved to could now be another one, so none is.
        picker.fill(PickerIndex(Self.all), note: nil)
        #expect(!picker.loading && picker.selected == nil && picker.top == 0)
        #expect(picker.query.text == "たなか")
        #expect(names(picker) == names(Self.searched("たなか")))
        #expect(picker.handle(.enter, rows: 10) == .stay)
        #expect(picker.note?.hasPrefix("Nothing is chosen yet") == true)
        // Through the model: nothing when the picker was closed meanwhile.
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        m.mode = .editing(.to)
        m.openPicker(.to, index: .empty, loading: true)
        _ = m.handle(.escape, width: 80, bodyHeight: 10)
        m.fillPicker(PickerIndex(Self.all), note: nil)
        #expect(m.mode == .editing(.to))
    }

    @Test("while the candidates are read the picker says so, in the list and in the foot")
    func drawnLoading() {
        let picker = AddressPicker(field: .to, index: .empty, loading: true)
        let lines = AddressPickerView.render(picker, width: 80, height: 24).textLines
        #expect(lines[3].hasPrefix("  Reading the address books…"))
        #expect(lines[22].hasPrefix(" reading the address books…"))
        let ready = AddressPicker(field: .to, index: .empty)
        #expect(AddressPickerView.render(ready, width: 80, height: 24).textLines[3].hasPrefix("  No address book"))
    }

    @Test("the thread's parties are candidates: marked on the book's or the history's row, or added; listed first with nothing searched")
    func thread() {
        let thread = [
            PickerCandidate(name: "Hanako", address: "HANAKO@example.co.jp", source: .thread),
            PickerCandidate(name: "Kenji Mori", address: "kenji@partner.example", source: .thread)
        ]
        let all = PickerCandidate.merged(book: [Self.kensetsu, Self.sato, Self.nakata], history: [Self.jiro], thread: thread)
        #expect(all.map(\.address) == [Self.kensetsu.address, Self.sato.address, Self.nakata.address, Self.jiro.address, "kenji@partner.example"])
        #expect(all.map(\.onThread) == [false, true, false, false, true])
        // The book's name stays; the party only on the thread comes with the message's name.
        #expect(all[1].name == "佐藤 花子" && all[4].name == "Kenji Mori" && all[4].source == .thread)
        var picker = AddressPicker(field: .cc, candidates: all)
        #expect(names(picker).prefix(2) == ["hanako@example.co.jp", "kenji@partner.example"])
        #expect(picker.selected == nil)
        _ = picker.handle(.text("example"), rows: 10)
        #expect(names(picker).first == "hanako@example.co.jp")
        let lines = AddressPickerView.render(AddressPicker(field: .cc, candidates: all), width: 80, height: 24).textLines
        let row = lines.first { $0.contains("kenji@partner.example") } ?? ""
        #expect(row.hasPrefix(" t"))
        #expect(lines[22].contains("t on the thread"))
    }

    @Test("in the composer: ^T in To asks for the picker, the chosen row is added as Name <address>, Esc inserts nothing; ^T in the subject is refused")
    func inTheComposer() {
        var m = ComposeModel(from: "taro@example.jp", accountName: "a", to: "hanako@example.jp,")
        m.mode = .editing(.to)
        #expect(m.handle(.control("t"), width: 80, bodyHeight: 10) == [.openPicker(.to)])
        m.openPicker(.to, candidates: Self.all)
        guard case .picker = m.mode else {
            Issue.record("no picker: \(m.mode)")
            return
        }
        for key: Key in [.text("たなか"), .down, .down, .enter] { _ = m.handle(key, width: 80, bodyHeight: 10) }
        #expect(m.to.text == "hanako@example.jp, 田中 一郎 <ichiro@tanaka-shoji.example>")
        #expect(m.mode == .editing(.to))
        m.openPicker(.to, candidates: Self.all)
        _ = m.handle(.escape, width: 80, bodyHeight: 10)
        #expect(m.to.text == "hanako@example.jp, 田中 一郎 <ichiro@tanaka-shoji.example>")
        #expect(m.mode == .editing(.to))
        _ = m.handle(.tab, width: 80, bodyHeight: 10)
        _ = m.handle(.escape, width: 80, bodyHeight: 10)
        #expect(m.fieldErrors[.to] == nil)

        m.mode = .editing(.subject)
        #expect(m.handle(.control("t"), width: 80, bodyHeight: 10).isEmpty)
        #expect(m.status?.isError == true)
    }

    @Test("@ where an address entry starts (an empty field, after a comma or semicolon) opens the picker; elsewhere it is typed")
    func atOpensPicker() {
        for (text, cursor, opens) in [
            ("", nil, true), ("hanako@example.jp, ", nil, true), ("hanako@example.jp;", nil, true), ("a@example.jp,  , b@example.jp", 14, true),
            ("tanaka", nil, false), ("hanako@example.jp, ta", nil, false), ("a@example.jp, b@example.jp", 0, false)
        ] as [(String, Int?, Bool)] {
            for at: Character in ["@", "＠"] {
                var m = ComposeModel(from: "taro@example.jp", accountName: "a", cc: text)
                m.cc = LineEditor(text, cursor: cursor)
                m.mode = .editing(.cc)
                let effects = m.handle(.char(at), width: 80, bodyHeight: 10)
                if opens {
                    #expect(effects == [.openPicker(.cc)] && m.cc.text == text, "\(text) \(at)")
                } else {
                    #expect(effects.isEmpty && m.cc.text.contains(at), "\(text) \(at)")
                }
            }
        }
        // Not in the subject: there @ is text.
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        m.mode = .editing(.subject)
        #expect(m.handle(.char("@"), width: 80, bodyHeight: 10).isEmpty && m.subject.text == "@")
    }

    @Test("through the reducer: ^T asks the session to load the picker; its answer opens it")
    func reducer() {
        var model = ComposeModel(from: "taro@example.jp", accountName: "a")
        model.mode = .editing(.cc)
        var state = ComposerState(model: model, width: 80, height: 24)
        #expect(ComposerReducer.reduce(&state, .key(.control("t"))) == [.loadPicker(.cc)])
        _ = ComposerReducer.reduce(&state, .pickerLoaded(field: .cc, index: PickerIndex(Self.all), note: nil, loading: false))
        if case .picker(let picker) = state.model.mode { #expect(picker.field == .cc) } else { Issue.record("\(state.model.mode)") }
    }

    @Test("at 80×24 each row shows name, company, address, where, last sent and count; namesakes marked; the chosen row highlighted")
    func drawn() {
        var picker = AddressPicker(field: .to, candidates: Self.all)
        _ = picker.handle(.text("たなか"), rows: AddressPickerView.rows(height: 24))
        _ = picker.handle(.down, rows: AddressPickerView.rows(height: 24))
        let grid = AddressPickerView.render(picker, width: 80, height: 24)
        let lines = grid.textLines
        #expect(lines[0].contains("pick an address for To") && lines[0].contains("2 of 5"))
        #expect(lines[1].hasPrefix(" Search: たなか"))
        let rows = lines.filter { $0.hasPrefix("* 田中 一郎") }
        #expect(rows.count == 2)
        #expect(rows[0].contains("田中建設") && rows[0].contains("ichiro@tanaka-kensetsu.example") && rows[0].contains("ext"))
        #expect(rows[0].contains("2026-09-21") && rows[0].hasSuffix("5"))
        #expect(rows[1].contains("田中商事") && rows[1].contains("—"))
        #expect(lines.contains { $0.contains("* namesakes: the same name at another address") })
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 80 })
        #expect(!lines.contains { $0.contains("…") }, "nothing is cut at 80 columns")
        let first = lines.firstIndex { $0.hasPrefix("* 田中 一郎") }!
        #expect(grid[first, 3].role == .selected)
        #expect(grid[first + 1, 3].role == .normal)
        #expect(grid[first, 0].role == .warning)
        #expect(AddressPickerView.Columns.date(0) == "1970-01-01")
        #expect(AddressPickerView.Columns.date(951_782_400) == "2000-02-29")
    }
}
