import MailCore
import Testing
@testable import Policy

@Suite("Policy replay")
struct PolicyReplayTests {
    @Test(
        "periods read as seconds",
        arguments: [("90d", Int64(90 * 86400)), ("12h", Int64(43200)), ("4w", Int64(4 * 7 * 86400)), ("30m", Int64(1800)), ("0m", Int64(0))])
    func periods(text: String, seconds: Int64) {
        #expect(PolicyReplay.duration(text) == seconds)
    }

    @Test("not periods", arguments: ["", "d", "90", "90x", "-1d", "ninety days"])
    func notPeriods(text: String) {
        #expect(PolicyReplay.duration(text) == nil)
    }

    @Test("counts per rule and barrier, examples limited, zero counts listed, no body in the report")
    func counts() throws {
        let c = try madeConfig(
            organisation: """
                [groups]
                a = ["a.example"]
                b = ["b.example"]
                [[barrier]]
                id = "ab"
                groups = ["a", "b"]
                [[rule]]
                id = "secret"
                message = "社外秘"
                subject_keywords = ["社外秘"]
                [[rule]]
                id = "never"
                message = "m"
                min_recipients = 50
                """)
        var messages: [ReplayMessage] = []
        for i in 0..<10 {
            let input = try input(
                to: i % 2 == 0 ? "x@a.example" : "x@c.example", bcc: i % 5 == 0 ? "y@b.example" : "",
                subject: i < 3 ? "社外秘 \(i)" : "hello", body: "the body text \(i)")
            messages.append(ReplayMessage(id: "<m\(i)@x>", time: Int64(i), input: input))
        }
        let (counts, total) = PolicyReplay.run(messages, config: c, examples: 2)
        #expect(total == 10)
        #expect(counts.map(\.ruleID) == ["ab", "secret", "never"])
        #expect(counts.map(\.messages) == [1, 3, 0])
        #expect(counts[1].examples.map(\.messageID) == ["<m0@x>", "<m1@x>"])
        let text = PolicyReplay.text(counts, total: total, time: { "t\($0)" })
        #expect(text.hasPrefix("10 messages replayed\nbarrier ab (block, organisation (policy.toml:5)): 1 of 10 messages\n    <m0@x>  t0  "))
        #expect(!text.contains("the body text"))
    }
}
