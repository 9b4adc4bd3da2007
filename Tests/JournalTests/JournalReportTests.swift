import Foundation
import Testing

@testable import Journal

/// `guardmail report`'s counting (issue 15, item 5): a pure function over the journal's rows,
/// and the rows as version 4 records them.
@Suite("Send journal: the per-rule report")
struct JournalReportTests {
    static func finding(_ rule: String, accepted: Bool = true, challenged: Bool = false, _ message: String = "m") -> JournalFinding {
        JournalFinding(ruleID: rule, severity: "confirm", message: message, accepted: accepted, challenged: challenged)
    }

    @Test("fired, accepted, challenged and changed count messages, not findings; the median is of the accepted messages' times")
    func counts() {
        let rows = [
            // Two findings of one rule in one message: fired once.
            JournalReviewRow(confirmedAt: 1, findings: [Self.finding("new-domain", "a"), Self.finding("new-domain", "b")], confirmMilliseconds: 4000),
            JournalReviewRow(
                confirmedAt: 2, findings: [Self.finding("new-domain"), Self.finding("namesake", challenged: true)], confirmMilliseconds: 2000),
            // Gone after an edit: fired and changed, not accepted.
            JournalReviewRow(confirmedAt: 3, findings: [], changedFindings: [Self.finding("namesake", accepted: false)], confirmMilliseconds: 500),
            // Changed in wording, and accepted as it then was.
            JournalReviewRow(
                confirmedAt: 4, findings: [Self.finding("new-domain", "1 domain")], changedFindings: [Self.finding("new-domain", accepted: false, "2 domains")],
                confirmMilliseconds: 9000),
            // Not accepted (info), and one with no time (`--accept`).
            JournalReviewRow(confirmedAt: 5, findings: [Self.finding("forgotten-attachment", accepted: false)]),
            JournalReviewRow(confirmedAt: 6, findings: [Self.finding("new-domain")])
        ]
        let tallies = JournalReport.tally(rows)
        #expect(tallies.map(\.ruleID) == ["new-domain", "namesake", "forgotten-attachment"])
        let newDomain = tallies[0]
        #expect(newDomain.fired == 4)
        #expect(newDomain.accepted == 4)
        #expect(newDomain.changed == 1)
        #expect(newDomain.challenged == 0)
        #expect(newDomain.timed == 3)
        #expect(newDomain.medianAcceptMilliseconds == 4000)
        let namesake = tallies[1]
        #expect(namesake == RuleTally(ruleID: "namesake", fired: 2, accepted: 1, challenged: 1, changed: 1, timed: 1, medianAcceptMilliseconds: 2000))
        let forgotten = tallies[2]
        #expect(forgotten == RuleTally(ruleID: "forgotten-attachment", fired: 1))
    }

    @Test("the median of an even count is the mean of the middle two, rounded down; of none, nil")
    func median() {
        #expect(JournalReport.median([]) == nil)
        #expect(JournalReport.median([7]) == 7)
        #expect(JournalReport.median([900, 100, 300]) == 300)
        #expect(JournalReport.median([100, 400, 200, 301]) == 250)
    }

    @Test(
        "noise: at least 5 firings and at least 90 % accepted in under 1000 ms",
        arguments: [
            // (firings, quick accepts, other accepts, not accepted, noise)
            (5, 5, 0, 0, true),
            (4, 4, 0, 0, false), // too few firings to say
            (10, 9, 1, 0, true), // exactly 90 %
            (10, 8, 2, 0, false),
            (10, 9, 0, 1, true),
            (20, 17, 0, 3, false)
        ])
    func noise(firings: Int, quick: Int, slow: Int, notAccepted: Int, noise: Bool) {
        #expect(quick + slow + notAccepted == firings)
        var rows: [JournalReviewRow] = []
        for _ in 0..<quick { rows.append(JournalReviewRow(confirmedAt: 1, findings: [Self.finding("r")], confirmMilliseconds: 999)) }
        for _ in 0..<slow { rows.append(JournalReviewRow(confirmedAt: 1, findings: [Self.finding("r")], confirmMilliseconds: 1000)) }
        for _ in 0..<notAccepted { rows.append(JournalReviewRow(confirmedAt: 1, findings: [Self.finding("r", accepted: false)], confirmMilliseconds: 10)) }
        let tally = JournalReport.tally(rows)[0]
        #expect(tally.fired == firings)
        #expect(tally.quickAccepts == quick)
        #expect(tally.isNoise == noise)
    }

    @Test("accepted with --accept (no time) is never quick: a rule accepted only that way is not noise")
    func untimedIsNotQuick() {
        let rows = (0..<10).map { _ in JournalReviewRow(confirmedAt: 1, findings: [Self.finding("r")]) }
        let tally = JournalReport.tally(rows)[0]
        #expect(tally.accepted == 10 && tally.timed == 0 && tally.medianAcceptMilliseconds == nil && !tally.isNoise)
    }

    @Test("version 4 records the challenged findings, the changed ones and the time; show and reviewRows read them back; since filters")
    func recordedAndRead() throws {
        let folder = try TemporaryFolder()
        let journal = try SendJournal(path: folder.journal)
        defer { journal.close() }
        let recipient = JournalRecipient(address: "hanako@example.org", field: .to)
        try journal.recordMessage(
            JournalMessage(
                messageID: "old@host", account: "work", from: "taro@example.jp", subject: "s", recipients: [recipient],
                findings: [Self.finding("new-domain")]), at: 100)
        try journal.recordMessage(
            JournalMessage(
                messageID: "new@host", account: "work", from: "taro@example.jp", subject: "s", recipients: [recipient],
                findings: [Self.finding("new-domain"), Self.finding("namesake", challenged: true), Self.finding("info-rule", accepted: false)],
                changedFindings: [Self.finding("lookalike-domain", accepted: false, "example.orq")], confirmMilliseconds: 2500), at: 200)
        let entry = try #require(try journal.show(messageID: "new@host"))
        #expect(entry.message.findings.map(\.challenged) == [false, true, false])
        #expect(entry.message.changedFindings.map(\.ruleID) == ["lookalike-domain"])
        #expect(entry.message.changedFindings.map(\.message) == ["example.orq"])
        #expect(entry.message.confirmMilliseconds == 2500)
        #expect(try journal.show(messageID: "old@host")?.message.confirmMilliseconds == nil)

        let all = try journal.reviewRows()
        #expect(all.map(\.confirmedAt) == [100, 200])
        #expect(all[1].findings.map(\.challenged) == [false, true, false])
        #expect(all[1].changedFindings.map(\.ruleID) == ["lookalike-domain"])
        #expect(all[1].confirmMilliseconds == 2500)
        #expect(try journal.reviewRows(since: 150).map(\.confirmedAt) == [200])
        let tallies = JournalReport.tally(all)
        #expect(tallies.first { $0.ruleID == "new-domain" }?.fired == 2)
        #expect(tallies.first { $0.ruleID == "lookalike-domain" }?.changed == 1)

        // Append-only, as every other table.
        for table in ["finding_outcomes", "confirmations"] {
            #expect(throws: JournalError.self) { try journal.database.execute("DELETE FROM \(table)", "test") }
            #expect(throws: JournalError.self) { try journal.database.execute("UPDATE \(table) SET message_row = 1", "test") }
        }
        #expect(try journal.database.scalarInteger("SELECT count(*) FROM confirmations", [], "test") == 1)
    }
}
