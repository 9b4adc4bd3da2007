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
}
