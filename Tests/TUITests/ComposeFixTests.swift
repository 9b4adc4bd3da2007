import MailCore
import Testing
@testable import TUI

/// One-key fixes: the error line of an address field offers the corrected text, and only F
/// applies it.
@Suite("Composer: one-key fixes of address slips")
struct ComposeFixTests {
    func press(_ model: inout ComposeModel, _ keys: Key...) {
        for key in keys { _ = model.handle(key, width: 80, bodyHeight: 10) }
    }

    @Test("a full-width ＠ is offered as a fix under To and fixed with F alone")
    func fullWidthAt() {
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        press(&m, .text("tanaka＠example.jp"), .enter)
        #expect(m.mode == .command)
        #expect(m.fixOffers[.to]?.fix.corrected == "tanaka@example.jp")
        #expect(m.to.text == "tanaka＠example.jp", "nothing is changed before F")
        press(&m, .char("F"))
        #expect(m.to.text == "tanaka@example.jp")
        #expect(m.fieldErrors[.to] == nil)
        #expect(m.fixOffers[.to] == nil)
        #expect(m.status?.text == "Fixed in To: 'tanaka＠example.jp' → 'tanaka@example.jp'.")
    }

    @Test("the fix replaces the failing entry only, the right one of two equal spellings, and the next slip is offered next")
    func oneEntryAtATime() {
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        press(&m, .text("a@example.jp, mailto:b@example.jp, c@example.jp様"), .escape)
        #expect(m.fixOffers[.to]?.fix.corrected == "b@example.jp")
        press(&m, .char("F"))
        #expect(m.to.text == "a@example.jp, b@example.jp, c@example.jp様")
        #expect(m.fixOffers[.to]?.fix.corrected == "c@example.jp")
        press(&m, .char("F"))
        #expect(m.to.text == "a@example.jp, b@example.jp, c@example.jp")
        #expect(m.fieldErrors[.to] == nil)
    }

    @Test("F with nothing to fix says so and changes nothing; typing in the field withdraws the offer")
    func nothingToFix() {
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        press(&m, .text("tanaka"), .escape, .char("F"))
        #expect(m.to.text == "tanaka")
        #expect(m.status?.isError == true)
        press(&m, .char("t"), .control("u"), .text("x＠y.jp"), .tab)
        #expect(m.fixOffers[.to] != nil)
        press(&m, .backTab, .text("z"))
        #expect(m.fixOffers[.to] == nil)
    }

    @Test("the error line shows the key and the corrected text")
    func shown() {
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        press(&m, .text("田中 <tanaka＠example．jp>"), .escape)
        let text = ComposeView.render(m, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains("F fix (full-width characters): 田中 <tanaka@example.jp>"))
    }

    @Test("through the reducer: F on the compose screen applies the fix and redraws")
    func reducer() {
        var model = ComposeModel(from: "taro@example.jp", accountName: "a", to: "hanako＠example.jp", subject: "s", body: "b")
        model.mode = .command
        var state = ComposerState(model: model, width: 80, height: 24)
        _ = ComposerReducer.reduce(&state, .dispatcherOpened(problem: nil))
        _ = ComposerReducer.reduce(&state, .key(.char("F")))
        #expect(state.model.to.text == "hanako@example.jp")
    }

    @Test("the offer's position is the one the entry-by-entry count gives, with wide, combined and emoji characters before it")
    func offerPosition() {
        // fixOffer as it was: the characters of every piece counted as it went.
        func expected(_ text: String) -> AddressFixOffer? {
            var offset = 0
            for piece in splitOutsideByCharacter(text, at: ",") {
                defer { offset += piece.count + 1 }
                let entry = PasteSplitter.trim(piece)
                guard !entry.isEmpty, let fix = AddressSlips.fix(entry) else { continue }
                return AddressFixOffer(entry: entry, position: offset + piece.prefix(while: \.isWhitespace).count + 1, fix: fix)
            }
            return nil
        }
        let texts = [
            "tanaka＠example.jp", "a@example.jp, mailto:b@example.jp", "  田中 <a@example.jp>,　山田 <b＠example.jp>",
            "e\u{301}@example.jp, 👨‍👩‍👧 <c@example.jp>, \"Tanaka, Ichiro\" <d@example.jp様>", "a@example.jp,,, ,b@example.jp 様",
            "a@example.jp, b@example.jp", "", " , ", "顧客 1号 <u1@c1.example>, 顧客 2号 <u2@c2.example>, u3@c3。example"
        ]
        var offered = 0
        for text in texts {
            let offer = ComposeModel.fixOffer(text)
            #expect(offer == expected(text), "\(text.debugDescription)")
            if offer != nil { offered += 1 }
        }
        #expect(offered == 6)
    }
}
