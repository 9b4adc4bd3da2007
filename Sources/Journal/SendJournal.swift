// SendJournal.swift — the append-only record of every message: what, to whom, when, how much.
//
// `journal.sqlite` in the data directory. SQLite in WAL mode with synchronous=FULL: a recorded
// event survives a crash or power loss once its call returns, and `guardmail journal` can read
// while a send is writing. Rows are only ever inserted (triggers refuse UPDATE and DELETE); a
// correction is a new row, and "the latest" always means the last row recorded.

#if canImport(Glibc)
    import Glibc
#endif
import MailCore
import Store

extension DataPaths {
    /// `$XDG_DATA_HOME/guardmail/journal.sqlite`.
    public var journalFile: String { dataDirectory + "/journal.sqlite" }
}

public final class SendJournal {
    public let path: String
    let database: SQLiteDatabase

    /// Opens the journal at `path`, creating it (mode 0600) and its schema when missing, and
    /// migrating an older schema. The folder must exist (see `open(paths:)`).
    public init(path: String) throws(JournalError) {
        self.path = path
        try Self.createPrivately(path)
        database = try SQLiteDatabase(path: path)
        do {
            try configure()
            try migrate()
        } catch {
            database.close()
            throw error
        }
    }

    /// Opens `journal.sqlite` in the data directory, creating the directory when needed.
    public static func open(paths: DataPaths) throws(JournalError) -> SendJournal {
        do {
            try FileSystem.makeDirectories(paths.dataDirectory)
        } catch {
            throw JournalError(.cannotOpen, path: paths.journalFile, "cannot open the journal: \(error)")
        }
        return try SendJournal(path: paths.journalFile)
    }

    /// Closes the file. Safe to call twice; any later call fails with `.closed`.
    public func close() { database.close() }

    // MARK: Opening

    /// Creates a missing file with mode 0600 before SQLite opens it: the journal names everyone
    /// written to, and SQLite gives its -wal and -shm files the main file's mode.
    private static func createPrivately(_ path: String) throws(JournalError) {
        guard access(path, F_OK) != 0 else { return }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            _ = Glibc.close(fd)
            return
        }
        let code = errno
        if code == EEXIST { return } // another process created it meanwhile
        throw JournalError(
            .cannotOpen, path: path,
            "cannot create the journal: \(JournalError.systemReason(path, errno: code))")
    }

    private func configure() throws(JournalError) {
        // The first statement reads the file: a file that is not a database fails here.
        let mode = try switchingToWAL()
        guard mode?.lowercased() == "wal" else {
            throw JournalError(
                .other, path: path,
                "cannot open the journal: write-ahead logging is not available here (journal mode \(mode ?? "unknown"))")
        }
        try database.execute("PRAGMA synchronous = FULL", "open the journal")
        try database.execute("PRAGMA foreign_keys = ON", "open the journal")
        // INSERT OR REPLACE deletes the row it replaces; with recursive triggers on, that delete
        // fires the append-only trigger too.
        try database.execute("PRAGMA recursive_triggers = ON", "open the journal")
    }

    /// Sets WAL mode. Switching a new file needs the exclusive lock; two processes doing it at
    /// once each hold a shared lock and want the exclusive one, and SQLite answers one of them
    /// BUSY at once instead of calling the busy handler (waiting would deadlock). The mode is
    /// stored in the file, so the loser retries: the winner's switch is then already done.
    /// Bounded: about 5 s, like the busy timeout.
    private func switchingToWAL() throws(JournalError) -> String? {
        var attempt = 0
        while true {
            do {
                return try database.scalarText("PRAGMA journal_mode = WAL", [], "open the journal")
            } catch  where error.kind == .busy && attempt < 500 {
                attempt += 1
                usleep(10_000)
            }
        }
    }

    /// Brings the schema to `JournalSchema.currentVersion`, one step per version, in one
    /// transaction (two processes opening a new file at once: the second sees the first's schema).
    private func migrate() throws(JournalError) {
        let action = "set up the journal's tables"
        let seen = try database.scalarInteger("PRAGMA user_version", [], action) ?? 0
        if seen == JournalSchema.currentVersion { return }
        try checkNotNewer(seen)
        try database.transaction(action) { () throws(JournalError) in
            var version = try database.scalarInteger("PRAGMA user_version", [], action) ?? 0
            try checkNotNewer(version)
            while version < JournalSchema.currentVersion {
                guard let step = JournalSchema.migration(from: version) else {
                    throw JournalError(.other, path: path, "cannot \(action): no migration from schema version \(version)")
                }
                try database.execute(step, action)
                version += 1
            }
            // PRAGMA takes no parameters; the number is our own constant.
            try database.execute("PRAGMA user_version = \(JournalSchema.currentVersion)", action)
        }
    }

    private func checkNotNewer(_ version: Int64) throws(JournalError) {
        guard version <= JournalSchema.currentVersion else {
            throw JournalError(
                .newerSchema, path: path,
                "cannot use the journal: a newer guardmail wrote it (schema version \(version); this one knows up to \(JournalSchema.currentVersion))")
        }
    }

    /// The schema version of the open file.
    public func schemaVersion() throws(JournalError) -> Int64 {
        try database.scalarInteger("PRAGMA user_version", [], "read the schema version") ?? 0
    }

    // MARK: Recording

    /// Records a confirmed message: its recipients, attachments and findings, and a `confirmed`
    /// event at `at`. A Message-ID can be recorded once (`.duplicateMessage` the second time).
    public func recordMessage(_ message: JournalMessage, at: Int64) throws(JournalError) {
        try recordMessages([message], at: at)
    }

    /// Records what happened to a recorded message (held, undone, submitting, sent, …).
    public func recordEvent(messageID: String, _ kind: JournalEventKind, at: Int64, detail: String? = nil) throws(JournalError) {
        let id = JournalNames.messageID(messageID)
        let action = "record '\(kind.label)' for <\(id)>"
        try database.transaction(action) { () throws(JournalError) in
            let row = try messageRow(id, action: action)
            try insertEvent(row: row, kind, at: at, detail: detail, action: action)
        }
    }

    /// Records the server's reply for each recipient (by envelope address, case-insensitively);
    /// every recipient row with that address gets the result. All or nothing: an address that is
    /// not a recipient of the message fails the whole call with `.unknownRecipient`.
    public func recordRecipientResults(
        messageID: String, results: [(address: String, reply: String, accepted: Bool)], at: Int64
    ) throws(JournalError) {
        let id = JournalNames.messageID(messageID)
        let action = "record the recipients' results for <\(id)>"
        try database.transaction(action) { () throws(JournalError) in
            let row = try messageRow(id, action: action)
            for result in results {
                let key = JournalNames.addressKey(result.address)
                let recipientRows = try database.rows(
                    "SELECT id FROM recipients WHERE message_row = ? AND address_key = ? ORDER BY position",
                    [.integer(row), .text(key)], action
                ) { (statement: borrowing SQLiteStatement) in statement.integer(0) }
                guard !recipientRows.isEmpty else {
                    throw JournalError(.unknownRecipient, path: path, "cannot \(action): '\(result.address)' is not one of its recipients")
                }
                for recipientRow in recipientRows {
                    try database.run(
                        """
                        INSERT INTO recipient_results (message_row, recipient_row, at, reply, accepted) VALUES (?, ?, ?, ?, ?)
                        """, [.integer(row), .integer(recipientRow), .integer(at), .text(result.reply), .bool(result.accepted)], action)
                }
            }
        }
    }

    private func messageRow(_ id: String, action: String) throws(JournalError) -> Int64 {
        guard let row = try database.scalarInteger("SELECT id FROM messages WHERE message_id = ?", [.text(id)], action) else {
            throw JournalError(.unknownMessage, path: path, "cannot \(action): no message with that Message-ID is in the journal")
        }
        return row
    }

    private func insertEvent(row: Int64, _ kind: JournalEventKind, at: Int64, detail: String?, action: String) throws(JournalError) {
        try database.run(
            "INSERT INTO events (message_row, at, kind, detail) VALUES (?, ?, ?, ?)",
            [.integer(row), .integer(at), .text(kind.rawValue), .optional(detail)], action)
    }

    // MARK: Reading

    /// Messages newest first (by confirmation time), filtered:
    /// - `since`: confirmed at or after this time (seconds since the epoch);
    /// - `domain`: with a recipient at this domain (case-insensitive, Unicode or A-label form; exact
    ///   domain, not its subdomains);
    /// - `to`: with this recipient address (`Name <a@b>` or `a@b`, either domain form).
    public func list(since: Int64? = nil, domain: String? = nil, to: String? = nil, limit: Int? = nil) throws(JournalError) -> [JournalSummary] {
        try summaries(since: since, domain: domain, to: to, limit: limit, unfinishedOnly: false)
    }

    /// Messages whose latest event is not final (`JournalEventKind.isFinal`): held, submitting,
    /// failed, unknown, interrupted, partially sent — what a restart has to look at. Newest first.
    public func unfinished() throws(JournalError) -> [JournalSummary] {
        try summaries(since: nil, domain: nil, to: nil, limit: nil, unfinishedOnly: true)
    }

    private func summaries(since: Int64?, domain: String?, to: String?, limit: Int?, unfinishedOnly: Bool) throws(JournalError) -> [JournalSummary] {
        let forms = domain.map(JournalNames.domainForms)
        // The enum's own raw values, not values from outside.
        let finalKinds = JournalEventKind.allCases.filter(\.isFinal).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let key = to.map(JournalNames.addressKey)
        // "Latest result" and "outcome" are the last rows recorded (highest id), not the latest `at`.
        let latestAccepted = "(SELECT x.accepted FROM recipient_results x WHERE x.recipient_row = r.id ORDER BY x.id DESC LIMIT 1)"
        let sql = """
            SELECT m.message_id, m.confirmed_at, m.account, m.from_address, m.subject,
                (SELECT count(*) FROM recipients r WHERE r.message_row = m.id),
                (SELECT count(*) FROM recipients r WHERE r.message_row = m.id AND \(latestAccepted) = 1),
                (SELECT count(*) FROM recipients r WHERE r.message_row = m.id AND \(latestAccepted) = 0),
                (SELECT count(*) FROM attachments a WHERE a.message_row = m.id),
                (SELECT coalesce(sum(a.size), 0) FROM attachments a WHERE a.message_row = m.id),
                (SELECT e.kind FROM events e WHERE e.message_row = m.id ORDER BY e.id DESC LIMIT 1),
                (SELECT e.at FROM events e WHERE e.message_row = m.id ORDER BY e.id DESC LIMIT 1),
                (SELECT group_concat(d, char(10)) FROM
                    (SELECT DISTINCT r.domain AS d FROM recipients r WHERE r.message_row = m.id))
            FROM messages m
            WHERE (?1 IS NULL OR m.confirmed_at >= ?1)
              AND (?2 IS NULL OR EXISTS (SELECT 1 FROM recipients r WHERE r.message_row = m.id
                                         AND (r.domain = ?2 OR r.domain_ascii = ?3)))
              AND (?4 IS NULL OR EXISTS (SELECT 1 FROM recipients r WHERE r.message_row = m.id AND r.address_key = ?4))
              AND (?6 = 0 OR (SELECT e.kind FROM events e WHERE e.message_row = m.id ORDER BY e.id DESC LIMIT 1)
                             NOT IN (\(finalKinds)))
            ORDER BY m.confirmed_at DESC, m.id DESC
            LIMIT ?5
            """
        let values: [SQLiteValue] = [
            .optional(since), .optional(forms?.unicode), .optional(forms?.ascii),
            .optional(key), .integer(Int64(limit ?? -1)), .bool(unfinishedOnly)
        ]
        let action = "list the journal"
        return try database.rows(sql, values, action) { (s: borrowing SQLiteStatement) throws(JournalError) in
            JournalSummary(
                messageID: s.text(0), confirmedAt: s.integer(1),
                lastEventAt: s.optionalInteger(11) ?? s.integer(1),
                outcome: try eventKind(s.optionalText(10) ?? "confirmed", action: action),
                account: s.text(2), from: s.text(3), subject: s.text(4),
                recipientCount: Int(s.integer(5)), acceptedCount: Int(s.integer(6)), refusedCount: Int(s.integer(7)),
                domains: (s.optionalText(12) ?? "").split(separator: "\n").map(String.init).sorted(),
                attachmentCount: Int(s.integer(8)), attachmentBytes: s.integer(9))
        }
    }

    /// The full record of one message, or nil when the journal has none with this Message-ID
    /// (angle brackets optional).
    public func show(messageID: String) throws(JournalError) -> JournalEntry? {
        let id = JournalNames.messageID(messageID)
        let action = "read <\(id)> from the journal"
        let head = try database.rows(
            "SELECT id, message_id, confirmed_at, account, from_address, subject FROM messages WHERE message_id = ?",
            [.text(id)], action
        ) { (s: borrowing SQLiteStatement) in
            (row: s.integer(0), id: s.text(1), at: s.integer(2), account: s.text(3), from: s.text(4), subject: s.text(5))
        }
        guard let head = head.first else { return nil }
        let row = SQLiteValue.integer(head.row)

        let recipients = try database.rows(
            """
            SELECT r.address, r.display_name, r.field, r.domain, r.domain_ascii, x.reply, x.accepted, x.at
            FROM recipients r
            LEFT JOIN recipient_results x
                ON x.id = (SELECT max(y.id) FROM recipient_results y WHERE y.recipient_row = r.id)
            WHERE r.message_row = ?
            ORDER BY r.position
            """, [row], action
        ) { (s: borrowing SQLiteStatement) throws(JournalError) in
            guard let field = RecipientField(rawValue: s.text(2)) else {
                throw JournalError(.corrupt, path: path, "cannot \(action): unknown recipient field '\(s.text(2))'")
            }
            return JournalRecipient(
                address: s.text(0), displayName: s.optionalText(1), field: field,
                domain: s.text(3), asciiDomain: s.text(4),
                result: s.optionalText(5), accepted: s.bool(6), resultAt: s.optionalInteger(7))
        }
        var attachments = try database.rows(
            "SELECT name, size, sha256, content_type, id FROM attachments WHERE message_row = ? ORDER BY position",
            [row], action
        ) { (s: borrowing SQLiteStatement) in
            (JournalAttachment(name: s.text(0), size: s.integer(1), sha256: s.text(2), contentType: s.text(3)), s.integer(4))
        }
        for index in attachments.indices {
            attachments[index].0.parties = try database.rows(
                "SELECT name, kind, place FROM attachment_parties WHERE attachment_row = ? ORDER BY position",
                [.integer(attachments[index].1)], action
            ) { (s: borrowing SQLiteStatement) in
                JournalParty(name: s.text(0), kind: s.text(1), place: s.text(2))
            }
        }
        var findings = try database.rows(
            "SELECT rule_id, severity, message, accepted, accepted_by FROM findings WHERE message_row = ? ORDER BY position",
            [row], action
        ) { (s: borrowing SQLiteStatement) in
            JournalFinding(
                ruleID: s.text(0), severity: s.text(1), message: s.text(2), accepted: s.bool(3) ?? false,
                acceptedBy: s.optionalText(4))
        }
        let outcomes = try database.rows(
            "SELECT position, rule_id, severity, message, outcome FROM finding_outcomes WHERE message_row = ? ORDER BY id", [row], action
        ) { (s: borrowing SQLiteStatement) in
            (
                position: Int(s.integer(0)), finding: JournalFinding(ruleID: s.text(1), severity: s.text(2), message: s.text(3), accepted: false),
                outcome: s.text(4)
            )
        }
        var changedFindings: [JournalFinding] = []
        for outcome in outcomes {
            if outcome.outcome == "changed" {
                changedFindings.append(outcome.finding)
            } else if findings.indices.contains(outcome.position) {
                findings[outcome.position].challenged = true
            }
        }
        let confirmMilliseconds = try database.scalarInteger(
            "SELECT milliseconds FROM confirmations WHERE message_row = ? ORDER BY id LIMIT 1", [row], action)
        let confirmScreen = try database.rows(
            "SELECT screen FROM confirmation_screens WHERE message_row = ? ORDER BY id LIMIT 1", [row], action
        ) { (s: borrowing SQLiteStatement) in s.text(0) }.first
        let challenges = try database.rows(
            "SELECT form, subject, chosen, reason, rushed, wrong_answers FROM challenge_answers WHERE message_row = ? ORDER BY position, id",
            [row], action
        ) { (s: borrowing SQLiteStatement) throws(JournalError) in
            guard let form = JournalChallenge.Form(rawValue: s.text(0)) else {
                throw JournalError(.corrupt, path: path, "cannot \(action): unknown challenge form '\(s.text(0))'")
            }
            return JournalChallenge(
                form: form, subject: s.text(1), chosen: s.optionalText(2), reason: s.optionalText(3), rushed: s.bool(4) ?? false,
                wrongAnswers: Int(s.integer(5)))
        }
        let events = try database.rows(
            "SELECT kind, at, detail FROM events WHERE message_row = ? ORDER BY id", [row], action
        ) { (s: borrowing SQLiteStatement) throws(JournalError) in
            JournalEvent(kind: try eventKind(s.text(0), action: action), at: s.integer(1), detail: s.optionalText(2))
        }
        let results = try database.rows(
            """
            SELECT r.address, x.reply, x.accepted, x.at
            FROM recipients r JOIN recipient_results x ON x.recipient_row = r.id
            WHERE r.message_row = ?
            ORDER BY x.id
            """, [row], action
        ) { (s: borrowing SQLiteStatement) in
            JournalRecipientResult(address: s.text(0), reply: s.text(1), accepted: s.bool(2) ?? false, at: s.integer(3))
        }
        let message = JournalMessage(
            messageID: head.id, account: head.account, from: head.from, subject: head.subject,
            recipients: recipients, attachments: attachments.map(\.0), findings: findings, changedFindings: changedFindings,
            confirmMilliseconds: confirmMilliseconds, confirmScreen: confirmScreen, challenges: challenges)
        return JournalEntry(message: message, confirmedAt: head.at, events: events, results: results)
    }

    /// How many messages the journal holds: what moves the confirmation screen's challenges on
    /// from one message to the next (`ConfirmModel.variant`).
    public func messageCount() throws(JournalError) -> Int {
        Int(try database.scalarInteger("SELECT count(*) FROM messages", [], "count the messages") ?? 0)
    }

    /// Every address and domain a message was actually delivered to: recipients whose latest
    /// result is an acceptance. Addresses are envelope addresses lowercased (as `SendHistory`
    /// wants them), domains the Unicode form lowercased.
    public func history() throws(JournalError) -> (addresses: Set<String>, domains: Set<String>) {
        let pairs = try database.rows(
            """
            SELECT DISTINCT r.address_key, r.domain
            FROM recipients r
            JOIN recipient_results x ON x.id = (SELECT max(y.id) FROM recipient_results y WHERE y.recipient_row = r.id)
            WHERE x.accepted = 1
            """, [], "read who was written to"
        ) { (s: borrowing SQLiteStatement) in (s.text(0), s.text(1)) }
        return (Set(pairs.map(\.0)), Set(pairs.map(\.1)))
    }

    /// One address written to before, for the composer's address picker.
    public struct Correspondent: Sendable, Equatable {
        /// The envelope address as recorded (the newest message's spelling).
        public var address: String
        /// The display name the newest message to it gave, if any.
        public var displayName: String?
        /// When the newest message to it was confirmed (seconds since 1970).
        public var lastSent: Int64
        /// How many messages were delivered to it.
        public var count: Int

        public init(address: String, displayName: String?, lastSent: Int64, count: Int) {
            self.address = address
            self.displayName = displayName
            self.lastSent = lastSent
            self.count = count
        }
    }

    /// Everyone a message was delivered to (the latest result an acceptance), one row an
    /// address (compared by `address_key`), with the newest message's name, its time and the
    /// number of messages. SQLite takes the bare columns of a `max()` aggregate from the row
    /// that has the maximum: the newest message's spelling and name.
    public func correspondents() throws(JournalError) -> [Correspondent] {
        try database.rows(
            """
            SELECT r.address, r.display_name, max(m.confirmed_at), count(*)
            FROM recipients r
            JOIN messages m ON m.id = r.message_row
            JOIN recipient_results x ON x.id = (SELECT max(y.id) FROM recipient_results y WHERE y.recipient_row = r.id)
            WHERE x.accepted = 1
            GROUP BY r.address_key
            """, [], "read who was written to"
        ) { (s: borrowing SQLiteStatement) in
            let name = s.optionalText(1)
            return Correspondent(
                address: s.text(0), displayName: name?.isEmpty == false ? name : nil, lastSent: s.integer(2), count: Int(s.integer(3)))
        }
    }

    /// For each message delivered with To/Cc recipients in two or more domains, the set of those
    /// domains (A-labels, lowercased): the groups of companies that already see each other
    /// (`bulk-visible-recipients`). A recipient counts when its latest result is an acceptance.
    public func visibleDomainGroups() throws(JournalError) -> [Set<String>] {
        let rows = try database.rows(
            """
            SELECT r.message_row, r.domain_ascii
            FROM recipients r
            JOIN recipient_results x ON x.id = (SELECT max(y.id) FROM recipient_results y WHERE y.recipient_row = r.id)
            WHERE x.accepted = 1 AND r.field IN ('to', 'cc')
            ORDER BY r.message_row
            """, [], "read who was written to together"
        ) { (s: borrowing SQLiteStatement) in (s.integer(0), s.text(1)) }
        var groups: [Set<String>] = []
        var current: (row: Int64, domains: Set<String>)?
        for (row, domain) in rows {
            if current?.row != row {
                if let done = current, done.domains.count >= 2 { groups.append(done.domains) }
                current = (row, [])
            }
            current?.domains.insert(domain)
        }
        if let done = current, done.domains.count >= 2 { groups.append(done.domains) }
        // The same group written to many times is kept once.
        return Array(Set(groups))
    }

    private func eventKind(_ text: String, action: String) throws(JournalError) -> JournalEventKind {
        guard let kind = JournalEventKind(rawValue: text) else {
            throw JournalError(.corrupt, path: path, "cannot \(action): unknown event '\(text)'")
        }
        return kind
    }
}
