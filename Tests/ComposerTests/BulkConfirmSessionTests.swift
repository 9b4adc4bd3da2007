import MailCore
import TUI
import Testing
@testable import Composer

@Suite("Bulk confirmation screen over a recording terminal")
struct BulkConfirmSessionTests {
    static let screen = ConfirmModel(
        from: "taro@example.jp", recipients: [], isInternal: { _ in true }, companies: [:], attachments: [], findings: [], holdSeconds: 0)

    @Test("y confirms (the screen comes back), q leaves, a key that does nothing here says why on the next frame")
    func keys() {
        let confirming = RecordingTerminal(script: [.char("B"), nil, .char("y")])
        let confirmed = BulkConfirmSession.run(Self.screen, on: confirming)
        #expect(confirmed != nil)
        #expect(confirming.frames.contains { $0.textLines.joined(separator: "\n").contains("No finding offers that fix.") })
        #expect(BulkConfirmSession.run(Self.screen, on: RecordingTerminal(script: [.char("q")])) == nil)
        // A signal (the script running out) leaves without confirming.
        #expect(BulkConfirmSession.run(Self.screen, on: RecordingTerminal(script: [nil])) == nil)
    }

    /// Two partners, each ticked on its own.
    static func partners() -> ConfirmModel {
        ConfirmModel(
            from: "taro@example.jp",
            recipients: [
                (try! AddressParser.parseMailbox("hanako@partner.example"), .bcc), (try! AddressParser.parseMailbox("bob@client.example"), .bcc)
            ], isInternal: { $0 == "example.jp" }, companies: [:], attachments: [], findings: [], holdSeconds: 0,
            ticksInternalByDomain: true, variant: 1)
    }

    @Test("with the clock given, two ticks with no time between them make y ask a challenge; typed, Enter, y confirms")
    func rushedTicks() {
        // A clock that stands still: every tick is rushed.
        let script: [Key?] = [.char(" "), .char(" "), .char("y"), nil] + "client.example".map { Key.char($0) } + [.enter, .char("y")]
        let terminal = RecordingTerminal(script: script)
        let confirmed = BulkConfirmSession.run(Self.partners(), on: terminal, clock: { 50 })
        #expect(confirmed?.challenges == [.typeDomain("client.example")])
        #expect(confirmed?.challengeReasons == [ConfirmModel.rushedReason])
        #expect(terminal.frames.contains { $0.textLines.joined().contains("Not sent: ticked faster than the items can be read (2 of 2).") })
        // Without a clock nothing is timed: the same ticks confirm at once.
        let untimed = BulkConfirmSession.run(Self.partners(), on: RecordingTerminal(script: [.char(" "), .char(" "), .char("y")]))
        #expect(untimed?.challenges == [])
    }
}
