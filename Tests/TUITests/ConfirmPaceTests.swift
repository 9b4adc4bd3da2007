import Policy
import Testing

@testable import TUI

/// Ticking faster than the items can be read (issue 15, item 4): the pace, by a clock the test
/// gives, and the challenge asked then.
@Suite("Confirmation pace: ticks against reading time")
struct ConfirmPaceTests {
    @Test("reading time grows with the item's width: 0.3 s plus 25 columns a second")
    func readingTime() {
        #expect(ConfirmPace.readingSeconds(columns: 0) == 0.3)
        #expect(ConfirmPace.readingSeconds(columns: 50) == 2.3)
        #expect(ConfirmPace.readingSeconds(columns: -4) == 0.3)
    }

    @Test("Space Space Space at machine speed on 60-column findings is rushed; the same ticks a few seconds apart are not")
    func machineSpeed() {
        var fast = ConfirmPace(shownAt: 100)
        for step in 1...3 { fast.ticked(columns: 60, at: 100 + 0.05 * Double(step)) }
        #expect(fast.rushedTicks == 3 && fast.isRushed)

        var read = ConfirmPace(shownAt: 100)
        for step in 1...3 { read.ticked(columns: 60, at: 100 + 3 * Double(step)) }
        #expect(read.rushedTicks == 0 && !read.isRushed)
    }

    @Test(
        "rushed needs at least two quick ticks and at least half of them",
        arguments: [
            // (seconds per tick, rushed?): quarters, exact in binary
            ([0.25], false), // one tick is not a pattern
            ([0.25, 0.25], true),
            ([0.25, 5, 5, 5], false), // one quick tick among readers
            ([0.25, 0.25, 5, 5], true), // half
            ([0.25, 0.25, 5, 5, 5], false)
        ])
    func threshold(seconds: [Double], rushed: Bool) {
        var pace = ConfirmPace(shownAt: 0)
        var now = 0.0
        for interval in seconds {
            now += interval
            pace.ticked(columns: 20, at: now) // 1.1 s to read
        }
        #expect(pace.ticks.map(\.seconds) == seconds)
        #expect(pace.isRushed == rushed)
    }

    @Test("a clock that goes back counts as no time, never a negative one")
    func clockBack() {
        var pace = ConfirmPace(shownAt: 10)
        pace.ticked(columns: 10, at: 9)
        pace.ticked(columns: 10, at: 12)
        #expect(pace.ticks.map(\.seconds) == [0, 2])
    }

    @Test("the challenge varies in form with each next variant, then in subject, never repeats one already asked, and is nil with nothing to ask")
    func challengeVaries() {
        let domains: [Challenge] = [.typeDomain("partner.example"), .typeDomain("client.example")]
        let names: [Challenge] = [.typeFileNamePart(attachment: 0, fileName: "見積書_2026.pdf")]
        let titles: [Challenge] = [.typeTitleWord(attachment: 0, fileName: "見積書_2026.pdf", word: "見積書")]
        let forms = [domains, names, titles, []]
        let picked = (0..<6).map { ConfirmPace.challenge(forms: forms, asked: [], variant: $0) }
        #expect(picked == [domains[0], names[0], titles[0], domains[1], names[0], titles[0]])
        // Two messages in a row never get the same form while more than one applies.
        func form(_ c: Challenge?) -> Int { forms.firstIndex { $0.contains(c!) }! }
        for v in 0..<20 {
            #expect(form(ConfirmPace.challenge(forms: forms, asked: [], variant: v)) != form(ConfirmPace.challenge(forms: forms, asked: [], variant: v + 1)))
        }
        #expect(ConfirmPace.challenge(forms: forms, asked: [], variant: -1) == picked[1])
        #expect(ConfirmPace.challenge(forms: [domains], asked: [domains[0]], variant: 0) == domains[1])
        #expect(ConfirmPace.challenge(forms: [[], []], asked: [], variant: 5) == nil)
        #expect(ConfirmPace.challenge(forms: [domains], asked: domains, variant: 0) == nil)
    }
}
