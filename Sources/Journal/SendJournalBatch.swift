// SendJournalBatch.swift — many messages, events and results in one transaction.
//
// `guardmail bulk` records thousands of messages. One transaction each would mean one fsync
// each (synchronous=FULL): seconds of waiting for the disk before the first message goes out.
// These calls do the same inserts as `recordMessage`, `recordEvent` and
// `recordRecipientResults`, with the same checks, but for a whole batch in ONE transaction:
// all rows are recorded, or none (a failure rolls the batch back).

import MailCore

/// One server reply for one recipient, as `recordRecipientResults` takes it.
public struct JournalResultInput: Sendable, Hashable {
    /// The envelope address (matched case-insensitively, either domain form).
    public var address: String
    /// The reply as the server gave it ("250 2.1.5 Ok", "550 5.1.1 No such user").
    public var reply: String
    public var accepted: Bool

    public init(address: String, reply: String, accepted: Bool) {
        self.address = address
        self.reply = reply
        self.accepted = accepted
    }
}

/// What to record for one message of a batch: its recipients' results (if any), then an event
/// (if any). Both belong to the same moment: results first, so a reader that sees the event also
/// sees the results it summarises.
public struct JournalBatchRecord: Sendable, Hashable {
    public var messageID: String
    public var results: [JournalResultInput]
    public var event: JournalEventKind?
    public var detail: String?

    public init(messageID: String, results: [JournalResultInput] = [], event: JournalEventKind? = nil, detail: String? = nil) {
        self.messageID = messageID
        self.results = results
        self.event = event
        self.detail = detail
    }
}

/// A message's record as a resumed bulk send needs it: every event in order, and each
/// recipient's latest reply.
public struct JournalProgress: Sendable, Hashable {
    public var messageID: String
    /// Every event, in the order recorded (the first is `confirmed`).
    public var events: [JournalEvent]
    /// The latest result per recipient, by envelope address lowercased (`JournalRecipient.addressKey`);
    /// recipients without any result are absent.
    public var latestResults: [String: JournalRecipientResult]

    public init(messageID: String, events: [JournalEvent], latestResults: [String: JournalRecipientResult]) {
        self.messageID = messageID
        self.events = events
        self.latestResults = latestResults
    }

    public var latestEvent: JournalEventKind { events.last?.kind ?? .confirmed }
}

extension SendJournal {
    /// Records many confirmed messages in one transaction, each with its `confirmed` event at
    /// `at` and, when given, a second event (`held` with the hold) with `detail`. All or nothing:
    /// a Message-ID already in the journal (or twice in the batch) fails the whole batch with
    /// `.duplicateMessage`.
    public func recordMessages(
        _ messages: [JournalMessage], at: Int64, then event: JournalEventKind? = nil,
        detail: String? = nil
    ) throws(JournalError) {
        guard !messages.isEmpty else { return }
        let action =
            messages.count == 1
            ? "record the message <\(JournalNames.messageID(messages[0].messageID))>"
            : "record \(messages.count) messages"
        for message in messages where JournalNames.messageID(message.messageID).isEmpty {
            throw JournalError(.other, path: path, "cannot record a message without a Message-ID")
        }
        try database.transaction(action) { () throws(JournalError) in
            // Messages with a measured confirmation (version 4): their rows follow the others.
            var measured: [(row: Int64, message: JournalMessage)] = []
            try database.withStatement(
                """
                INSERT INTO messages (message_id, confirmed_at, account, from_address, subject) VALUES (?, ?, ?, ?, ?)
                """, action
            ) { (insertMessage: borrowing SQLiteStatement) throws(JournalError) in
                try database.withStatement(
                    """
                    INSERT INTO recipients (message_row, position, field, address, address_key, display_name, domain, domain_ascii)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, action
                ) { (insertRecipient: borrowing SQLiteStatement) throws(JournalError) in
                    try database.withStatement(
                        """
                        INSERT INTO attachments (message_row, position, name, size, sha256, content_type) VALUES (?, ?, ?, ?, ?, ?)
                        """, action
                    ) { (insertAttachment: borrowing SQLiteStatement) throws(JournalError) in
                        try database.withStatement(
                            "INSERT INTO attachment_parties (attachment_row, position, name, kind, place) VALUES (?, ?, ?, ?, ?)", action
                        ) { (insertParty: borrowing SQLiteStatement) throws(JournalError) in
                            try database.withStatement(
                                """
                                INSERT INTO findings (message_row, position, rule_id, severity, message, accepted, accepted_by)
                                VALUES (?, ?, ?, ?, ?, ?, ?)
                                """, action
                            ) { (insertFinding: borrowing SQLiteStatement) throws(JournalError) in
                                try database.withStatement(
                                    "INSERT INTO events (message_row, at, kind, detail) VALUES (?, ?, ?, ?)", action
                                ) { (insertEvent: borrowing SQLiteStatement) throws(JournalError) in
                                    for message in messages {
                                        let id = JournalNames.messageID(message.messageID)
                                        do throws(JournalError) {
                                            try insertMessage.bind([
                                                .text(id), .integer(at), .text(message.account), .text(message.from),
                                                .text(message.subject)
                                            ])
                                            while try insertMessage.step() {}
                                        } catch  where error.kind == .duplicateMessage {
                                            throw JournalError(
                                                .duplicateMessage, path: path,
                                                messages.count == 1
                                                    ? "cannot \(action): it is already in the journal"
                                                    : "cannot \(action): <\(id)> is already in the journal", code: error.code)
                                        }
                                        let row = database.lastInsertRowID
                                        for (position, recipient) in message.recipients.enumerated() {
                                            try insertRecipient.bind([
                                                .integer(row), .integer(Int64(position)), .text(recipient.field.rawValue),
                                                .text(recipient.address), .text(recipient.addressKey),
                                                .optional(recipient.displayName), .text(recipient.domain),
                                                .text(recipient.asciiDomain)
                                            ])
                                            while try insertRecipient.step() {}
                                        }
                                        for (position, attachment) in message.attachments.enumerated() {
                                            try insertAttachment.bind([
                                                .integer(row), .integer(Int64(position)), .text(attachment.name),
                                                .integer(attachment.size), .text(attachment.sha256.lowercased()),
                                                .text(attachment.contentType)
                                            ])
                                            while try insertAttachment.step() {}
                                            let attachmentRow = database.lastInsertRowID
                                            for (position, party) in attachment.parties.enumerated() {
                                                try insertParty.bind([
                                                    .integer(attachmentRow), .integer(Int64(position)), .text(party.name),
                                                    .text(party.kind), .text(party.place)
                                                ])
                                                while try insertParty.step() {}
                                            }
                                        }
                                        for (position, finding) in message.findings.enumerated() {
                                            try insertFinding.bind([
                                                .integer(row), .integer(Int64(position)), .text(finding.ruleID),
                                                .text(finding.severity), .text(finding.message), .bool(finding.accepted),
                                                .optional(finding.acceptedBy)
                                            ])
                                            while try insertFinding.step() {}
                                        }
                                        if message.confirmMilliseconds != nil || message.confirmScreen != nil || !message.changedFindings.isEmpty
                                            || message.findings.contains(where: \.challenged) || !message.challenges.isEmpty
                                        {
                                            measured.append((row, message))
                                        }
                                        try insertEvent.bind([.integer(row), .integer(at), .text(JournalEventKind.confirmed.rawValue), .null])
                                        while try insertEvent.step() {}
                                        if let event {
                                            try insertEvent.bind([.integer(row), .integer(at), .text(event.rawValue), .optional(detail)])
                                            while try insertEvent.step() {}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for (row, message) in measured {
                try recordMeasures(row: row, message, action: action)
            }
        }
    }

    /// Version 4's rows for one message: the challenged findings (by their position among the
    /// message's findings), the findings that led to a change, and the time to confirm; version
    /// 5's confirmation screen and version 6's answered challenges.
    private func recordMeasures(row: Int64, _ message: JournalMessage, action: String) throws(JournalError) {
        let insert = """
            INSERT INTO finding_outcomes (message_row, position, rule_id, severity, message, outcome) VALUES (?, ?, ?, ?, ?, ?)
            """
        for (position, finding) in message.findings.enumerated() where finding.challenged {
            try database.run(
                insert,
                [.integer(row), .integer(Int64(position)), .text(finding.ruleID), .text(finding.severity), .text(finding.message), .text("challenged")],
                action)
        }
        for (position, finding) in message.changedFindings.enumerated() {
            try database.run(
                insert,
                [.integer(row), .integer(Int64(position)), .text(finding.ruleID), .text(finding.severity), .text(finding.message), .text("changed")],
                action)
        }
        if let milliseconds = message.confirmMilliseconds {
            try database.run(
                "INSERT INTO confirmations (message_row, milliseconds) VALUES (?, ?)", [.integer(row), .integer(max(0, milliseconds))], action)
        }
        if let screen = message.confirmScreen {
            try database.run(
                "INSERT INTO confirmation_screens (message_row, screen) VALUES (?, ?)", [.integer(row), .text(screen)], action)
        }
        for (position, challenge) in message.challenges.enumerated() {
            try database.run(
                """
                INSERT INTO challenge_answers (message_row, position, form, subject, chosen, reason, rushed, wrong_answers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(row), .integer(Int64(position)), .text(challenge.form.rawValue), .text(challenge.subject), .optional(challenge.chosen),
                    .optional(challenge.reason), .bool(challenge.rushed), .integer(Int64(max(0, challenge.wrongAnswers)))
                ], action)
        }
    }

    /// Records results and events for many messages in one transaction (see `JournalBatchRecord`).
    /// All or nothing, with the checks of the single calls: an unknown Message-ID fails the batch
    /// with `.unknownMessage`, an address that is not a recipient of its message with
    /// `.unknownRecipient`.
    public func record(_ batch: [JournalBatchRecord], at: Int64) throws(JournalError) {
        guard !batch.isEmpty else { return }
        let action =
            batch.count == 1
            ? "record the outcome of <\(JournalNames.messageID(batch[0].messageID))>"
            : "record the outcome of \(batch.count) messages"
        try database.transaction(action) { () throws(JournalError) in
            try database.withStatement("SELECT id FROM messages WHERE message_id = ?", action) {
                (findMessage: borrowing SQLiteStatement) throws(JournalError) in
                // By address first (`+message_row` keeps SQLite from walking the message's recipients in
                // position order instead): a bcc message has thousands of recipients.
                try database.withStatement(
                    "SELECT id FROM recipients WHERE address_key = ? AND +message_row = ? ORDER BY id", action
                ) { (findRecipients: borrowing SQLiteStatement) throws(JournalError) in
                    try database.withStatement(
                        "SELECT id, address_key FROM recipients WHERE message_row = ? ORDER BY id", action
                    ) { (allRecipients: borrowing SQLiteStatement) throws(JournalError) in
                        try database.withStatement(
                            "INSERT INTO recipient_results (message_row, recipient_row, at, reply, accepted) VALUES (?, ?, ?, ?, ?)", action
                        ) { (insertResult: borrowing SQLiteStatement) throws(JournalError) in
                            try database.withStatement(
                                "INSERT INTO events (message_row, at, kind, detail) VALUES (?, ?, ?, ?)", action
                            ) { (insertEvent: borrowing SQLiteStatement) throws(JournalError) in
                                for entry in batch {
                                    let id = JournalNames.messageID(entry.messageID)
                                    try findMessage.bind([.text(id)])
                                    guard try findMessage.step() else {
                                        throw JournalError(
                                            .unknownMessage, path: path,
                                            "cannot \(action): no message <\(id)> is in the journal")
                                    }
                                    let row = findMessage.integer(0)
                                    // Many results for one message (a bcc window): read its recipients once.
                                    var byKey: [String: [Int64]]? = nil
                                    if entry.results.count > 32 {
                                        var map: [String: [Int64]] = [:]
                                        try allRecipients.bind([.integer(row)])
                                        while try allRecipients.step() { map[allRecipients.text(1), default: []].append(allRecipients.integer(0)) }
                                        byKey = map
                                    }
                                    for result in entry.results {
                                        let key = Self.fastAddressKey(result.address)
                                        var recipientRows: [Int64] = []
                                        if let byKey {
                                            recipientRows = byKey[key] ?? []
                                        } else {
                                            try findRecipients.bind([.text(key), .integer(row)])
                                            while try findRecipients.step() { recipientRows.append(findRecipients.integer(0)) }
                                        }
                                        guard !recipientRows.isEmpty else {
                                            throw JournalError(
                                                .unknownRecipient, path: path,
                                                "cannot \(action): '\(result.address)' is not one of the recipients of <\(id)>")
                                        }
                                        for recipientRow in recipientRows {
                                            try insertResult.bind([
                                                .integer(row), .integer(recipientRow), .integer(at), .text(result.reply),
                                                .bool(result.accepted)
                                            ])
                                            while try insertResult.step() {}
                                        }
                                    }
                                    if let event = entry.event {
                                        try insertEvent.bind([.integer(row), .integer(at), .text(event.rawValue), .optional(entry.detail)])
                                        while try insertEvent.step() {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `JournalNames.addressKey` without the parser for the common case: a plain envelope address
    /// (dot-atom local part, ASCII domain), which is its own key once lowercased. Anything else
    /// (quotes, a display name, a Unicode domain) goes through the parser. Bulk results carry
    /// envelope addresses by the thousand; parsing each again costs more than the insert.
    static func fastAddressKey(_ address: String) -> String {
        // One pass over the bytes: the characters allowed, one `@` not first or last, no dot at
        // either end, next to the `@` or next to another dot, no `-` at the end. (Substring
        // searches for "..", ".@" and "@." cost more than the rest of the check together.)
        var at = -1
        var count = 0
        var previous: UInt8 = 0
        var ok = true
        for byte in address.utf8 {
            switch byte {
            case UInt8(ascii: "@"):
                if at >= 0 || count == 0 || previous == UInt8(ascii: ".") { ok = false }
                at = count
            case UInt8(ascii: "."):
                if count == 0 || previous == UInt8(ascii: ".") || previous == UInt8(ascii: "@") { ok = false }
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"):
                break
            case UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"),
                UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "?"),
                UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
                if at >= 0 { ok = false } // fine in a local part, never in a domain
            default:
                ok = false
            }
            if !ok { break }
            previous = byte
            count += 1
        }
        guard ok, at > 0, at < count - 1, previous != UInt8(ascii: "."), previous != UInt8(ascii: "-") else {
            return JournalNames.addressKey(address)
        }
        return address.lowercased()
    }

    /// Every event and each recipient's latest result for the given messages, in one read
    /// transaction (a consistent snapshot while another process writes). Messages the journal
    /// does not have are absent from the result.
    public func progress(of messageIDs: [String]) throws(JournalError) -> [String: JournalProgress] {
        let action = "read the progress of \(messageIDs.count == 1 ? "a message" : "\(messageIDs.count) messages")"
        var out: [String: JournalProgress] = [:]
        try database.execute("BEGIN", action)
        defer { try? database.execute("COMMIT", action) }
        try database.withStatement("SELECT id FROM messages WHERE message_id = ?", action) {
            (findMessage: borrowing SQLiteStatement) throws(JournalError) in
            try database.withStatement("SELECT kind, at, detail FROM events WHERE message_row = ? ORDER BY id", action) {
                (events: borrowing SQLiteStatement) throws(JournalError) in
                try database.withStatement(
                    """
                    SELECT r.address, r.address_key, x.reply, x.accepted, x.at
                    FROM recipients r
                    JOIN recipient_results x ON x.id = (SELECT max(y.id) FROM recipient_results y WHERE y.recipient_row = r.id)
                    WHERE r.message_row = ?
                    ORDER BY r.position
                    """, action
                ) { (results: borrowing SQLiteStatement) throws(JournalError) in
                    for messageID in messageIDs {
                        let id = JournalNames.messageID(messageID)
                        try findMessage.bind([.text(id)])
                        guard try findMessage.step() else { continue }
                        let row = findMessage.integer(0)
                        try events.bind([.integer(row)])
                        var list: [JournalEvent] = []
                        while try events.step() {
                            guard let kind = JournalEventKind(rawValue: events.text(0)) else {
                                throw JournalError(.corrupt, path: path, "cannot \(action): unknown event '\(events.text(0))'")
                            }
                            list.append(JournalEvent(kind: kind, at: events.integer(1), detail: events.optionalText(2)))
                        }
                        try results.bind([.integer(row)])
                        var latest: [String: JournalRecipientResult] = [:]
                        while try results.step() {
                            latest[results.text(1)] = JournalRecipientResult(
                                address: results.text(0), reply: results.text(2), accepted: results.bool(3) ?? false, at: results.integer(4))
                        }
                        out[messageID] = JournalProgress(messageID: id, events: list, latestResults: latest)
                    }
                }
            }
        }
        return out
    }
}
