// JournalReport.swift — `guardmail report`: per rule, how often it fired and how the sender
// answered it. The counting is a pure function over the journal's rows (`JournalReport.tally`).

/// One confirmed message as the report counts it: its findings (accepted or not, challenged or
/// not), the findings of earlier checks that led to a change, and the time to confirm.
public struct JournalReviewRow: Sendable, Hashable {
    /// When the message was confirmed (seconds since the epoch).
    public var confirmedAt: Int64
    public var findings: [JournalFinding]
    public var changedFindings: [JournalFinding]
    /// Confirmation screen shown → `y`, in milliseconds; nil without a screen or before schema version 4.
    public var confirmMilliseconds: Int64?
    /// Which confirmation the message had ("none", "one-key", "full"); nil where no screen could
    /// be shown or before schema version 5.
    public var confirmScreen: String?
    /// The pace's challenge was asked: the ticks came faster than the items can be read (schema
    /// version 6; false before).
    public var rushed: Bool

    public init(
        confirmedAt: Int64, findings: [JournalFinding], changedFindings: [JournalFinding] = [], confirmMilliseconds: Int64? = nil,
        confirmScreen: String? = nil, rushed: Bool = false
    ) {
        self.confirmScreen = confirmScreen
        self.rushed = rushed
        self.confirmedAt = confirmedAt
        self.findings = findings
        self.changedFindings = changedFindings
        self.confirmMilliseconds = confirmMilliseconds
    }
}

/// One rule's line of the report. Every count is of messages, not findings: a rule that found
/// three recipients in one message fired once.
public struct RuleTally: Sendable, Hashable {
    public var ruleID: String
    /// Messages in which the rule found something (on the confirmed message, or on an earlier
    /// check of it that the sender went back from and changed).
    public var fired: Int
    /// Messages in which the sender accepted a finding of the rule (ticked on the screen, answered
    /// its challenge, or `--accept`).
    public var accepted: Int
    /// Messages in which a finding of the rule was accepted by answering its typed challenge.
    public var challenged: Int
    /// Messages the rule made the sender change: a finding of it was gone or different after the
    /// sender went back from the confirmation screen and edited.
    public var changed: Int
    /// Accepted messages with a measured time to confirm.
    public var timed: Int
    /// The median time to confirm over `timed` (milliseconds); nil when none was measured.
    public var medianAcceptMilliseconds: Int64?
    /// Accepted messages confirmed in under `JournalReport.quickMilliseconds`.
    public var quickAccepts: Int
    /// Accepted in under a second nearly every time it fired: see `JournalReport.isNoise`.
    public var isNoise: Bool

    public init(
        ruleID: String, fired: Int = 0, accepted: Int = 0, challenged: Int = 0, changed: Int = 0, timed: Int = 0,
        medianAcceptMilliseconds: Int64? = nil, quickAccepts: Int = 0, isNoise: Bool = false
    ) {
        self.ruleID = ruleID
        self.fired = fired
        self.accepted = accepted
        self.challenged = challenged
        self.changed = changed
        self.timed = timed
        self.medianAcceptMilliseconds = medianAcceptMilliseconds
        self.quickAccepts = quickAccepts
        self.isNoise = isNoise
    }
}

public enum JournalReport {
    /// A confirmation faster than this (milliseconds) is one the findings were not read for.
    public static let quickMilliseconds: Int64 = 1000
    /// A rule is noise when at least this share of its firings (in tenths: 9 = 90 %) were
    /// accepted in under `quickMilliseconds`…
    public static let noiseTenths = 9
    /// …and it fired at least this often (fewer firings say nothing).
    public static let noiseMinimumFirings = 5

    /// Whether a rule's firings were waved through: at least `noiseMinimumFirings` firings, and
    /// at least 90 % of them accepted in under a second. Firings without a measured time (`--accept`,
    /// older messages) never count as quick.
    public static func isNoise(fired: Int, quickAccepts: Int) -> Bool {
        fired >= noiseMinimumFirings && quickAccepts * 10 >= fired * noiseTenths
    }

    /// Per rule, from the journal's rows: most fired first, then by rule id.
    public static func tally(_ rows: [JournalReviewRow]) -> [RuleTally] {
        var tallies: [String: RuleTally] = [:]
        var times: [String: [Int64]] = [:]
        for row in rows {
            let fired = Set(row.findings.map(\.ruleID)).union(row.changedFindings.map(\.ruleID))
            let accepted = Set(row.findings.filter(\.accepted).map(\.ruleID))
            let challenged = Set(row.findings.filter { $0.accepted && $0.challenged }.map(\.ruleID))
            let changed = Set(row.changedFindings.map(\.ruleID))
            for rule in fired {
                var tally = tallies[rule] ?? RuleTally(ruleID: rule)
                tally.fired += 1
                if accepted.contains(rule) {
                    tally.accepted += 1
                    if let milliseconds = row.confirmMilliseconds {
                        tally.timed += 1
                        times[rule, default: []].append(milliseconds)
                        if milliseconds < quickMilliseconds { tally.quickAccepts += 1 }
                    }
                }
                if challenged.contains(rule) { tally.challenged += 1 }
                if changed.contains(rule) { tally.changed += 1 }
                tallies[rule] = tally
            }
        }
        return tallies.values.map { tally in
            var tally = tally
            tally.medianAcceptMilliseconds = median(times[tally.ruleID] ?? [])
            tally.isNoise = isNoise(fired: tally.fired, quickAccepts: tally.quickAccepts)
            return tally
        }.sorted { ($0.fired, $1.ruleID) > ($1.fired, $0.ruleID) }
    }

    /// How many messages had each confirmation ("none", "one-key", "full"; messages without
    /// one are not counted).
    public static func screens(_ rows: [JournalReviewRow]) -> [String: Int] {
        rows.reduce(into: [:]) { counts, row in if let screen = row.confirmScreen { counts[screen, default: 0] += 1 } }
    }

    /// How many confirmations were rushed: messages whose pace challenge was asked.
    public static func rushed(_ rows: [JournalReviewRow]) -> Int { rows.filter(\.rushed).count }

    /// The middle value; of an even count, the mean of the two middle ones (rounded down).
    public static func median(_ values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

extension SendJournal {
    /// Every message confirmed at or after `since` (all when nil), as `JournalReport.tally` counts
    /// them, oldest first.
    public func reviewRows(since: Int64? = nil) throws(JournalError) -> [JournalReviewRow] {
        let action = "read the findings for the report"
        let from = SQLiteValue.integer(since ?? Int64.min)
        var rows: [Int64: JournalReviewRow] = [:]
        var order: [Int64] = []
        for (row, at) in try database.rows(
            "SELECT id, confirmed_at FROM messages WHERE confirmed_at >= ? ORDER BY confirmed_at, id", [from], action,
            { (s: borrowing SQLiteStatement) in (s.integer(0), s.integer(1)) })
        {
            rows[row] = JournalReviewRow(confirmedAt: at, findings: [])
            order.append(row)
        }
        for (row, finding) in try database.rows(
            """
            SELECT f.message_row, f.rule_id, f.severity, f.message, f.accepted, f.accepted_by
            FROM findings f JOIN messages m ON m.id = f.message_row
            WHERE m.confirmed_at >= ? ORDER BY f.message_row, f.position
            """, [from], action,
            { (s: borrowing SQLiteStatement) in
                (
                    s.integer(0),
                    JournalFinding(ruleID: s.text(1), severity: s.text(2), message: s.text(3), accepted: s.bool(4) ?? false, acceptedBy: s.optionalText(5))
                )
            })
        {
            rows[row]?.findings.append(finding)
        }
        for (row, position, finding, outcome) in try database.rows(
            """
            SELECT o.message_row, o.position, o.rule_id, o.severity, o.message, o.outcome
            FROM finding_outcomes o JOIN messages m ON m.id = o.message_row
            WHERE m.confirmed_at >= ? ORDER BY o.id
            """, [from], action,
            { (s: borrowing SQLiteStatement) in
                (s.integer(0), Int(s.integer(1)), JournalFinding(ruleID: s.text(2), severity: s.text(3), message: s.text(4), accepted: false), s.text(5))
            })
        {
            if outcome == "changed" {
                rows[row]?.changedFindings.append(finding)
            } else if let count = rows[row]?.findings.count, position < count {
                rows[row]?.findings[position].challenged = true
            }
        }
        for (row, milliseconds) in try database.rows(
            """
            SELECT c.message_row, c.milliseconds FROM confirmations c JOIN messages m ON m.id = c.message_row
            WHERE m.confirmed_at >= ? ORDER BY c.id
            """, [from], action,
            { (s: borrowing SQLiteStatement) in (s.integer(0), s.integer(1)) })
        where rows[row]?.confirmMilliseconds == nil {
            rows[row]?.confirmMilliseconds = milliseconds
        }
        for (row, screen) in try database.rows(
            """
            SELECT c.message_row, c.screen FROM confirmation_screens c JOIN messages m ON m.id = c.message_row
            WHERE m.confirmed_at >= ? ORDER BY c.id
            """, [from], action,
            { (s: borrowing SQLiteStatement) in (s.integer(0), s.text(1)) })
        where rows[row]?.confirmScreen == nil {
            rows[row]?.confirmScreen = screen
        }
        for row in try database.rows(
            """
            SELECT DISTINCT c.message_row FROM challenge_answers c JOIN messages m ON m.id = c.message_row
            WHERE m.confirmed_at >= ? AND c.rushed = 1
            """, [from], action,
            { (s: borrowing SQLiteStatement) in s.integer(0) })
        {
            rows[row]?.rushed = true
        }
        return order.compactMap { rows[$0] }
    }
}
