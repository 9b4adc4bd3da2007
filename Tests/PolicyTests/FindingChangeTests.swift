import Testing
@testable import Policy

/// Which findings of an earlier check an edit changed (issue 15, item 5: "led to a change").
@Suite("Findings gone or changed between two checks")
struct FindingChangeTests {
    static func finding(_ rule: String, _ message: String) -> Finding {
        Finding(ruleID: rule, severity: .confirm, message: message)
    }

    @Test("gone, or with other words, by rule and message; unchanged ones are not; each once, in the earlier order")
    func goneOrChanged() {
        let earlier = [
            Self.finding("new-domain", "a domain you have never written to: partner.example"),
            Self.finding("forgotten-attachment", "the body mentions an attachment"),
            Self.finding("namesake", "鈴木 花子"),
            Self.finding("namesake", "鈴木 花子")
        ]
        let later = [
            Self.finding("new-domain", "a domain you have never written to: partner.test"),
            Self.finding("forgotten-attachment", "the body mentions an attachment")
        ]
        #expect(Finding.goneOrChanged(earlier, in: later).map(\.ruleID) == ["new-domain", "namesake"])
        #expect(Finding.goneOrChanged(earlier, in: earlier).isEmpty)
        #expect(Finding.goneOrChanged([], in: later).isEmpty)
        #expect(Finding.goneOrChanged(later, in: []).map(\.ruleID) == ["new-domain", "forgotten-attachment"])
    }
}
