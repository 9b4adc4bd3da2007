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

    @Test("the challenge varies in form and subject with the variant, never repeats one already asked, and is nil with nothing to ask")
    func challengeVaries() {
        let domains = ["partner.example", "client.example"]
        let files = ["見積書_2026.pdf"]
        let picked = (0..<3).map { ConfirmPace.challenge(externalDomains: domains, attachments: files, asked: [], variant: $0) }
        #expect(
            picked == [
                .typeDomain("partner.example"), .typeFileNamePart(attachment: 0, fileName: "見積書_2026.pdf"), .typeDomain("client.example")
            ])
        // Neighbouring variants differ.
        #expect(picked[0] != picked[1] && picked[1] != picked[2])
        #expect(ConfirmPace.challenge(externalDomains: domains, attachments: files, asked: [], variant: 3) == picked[0])
        #expect(ConfirmPace.challenge(externalDomains: domains, attachments: files, asked: [], variant: -1) == picked[2])
        #expect(
            ConfirmPace.challenge(externalDomains: domains, attachments: [], asked: [.typeDomain("partner.example")], variant: 0)
                == .typeDomain("client.example"))
        #expect(ConfirmPace.challenge(externalDomains: [], attachments: [], asked: [], variant: 5) == nil)
        #expect(ConfirmPace.challenge(externalDomains: ["a.example"], attachments: [], asked: [.typeDomain("a.example")], variant: 0) == nil)
    }
}
