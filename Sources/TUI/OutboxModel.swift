/// What can be done to a message in the outbox.
public enum OutboxAction: Hashable, Sendable {
    /// Take it back before it is sent (held messages only).
    case undo
    /// Send it now (held) or try again (failed, interrupted).
    case release
    /// Take it back into the composer.
    case edit
    /// Delete it; nothing (more) is sent.
    case discard
}

/// How a row's status is coloured.
public enum OutboxTone: Sendable {
    case normal, warning, danger
}

/// One message in the outbox list.
public struct OutboxRow: Equatable, Sendable {
    public var id: String
    public var subject: String
    /// "3 recipients: example.com, 取引先.jp"
    public var recipients: String
    /// "sends in 42 s", "failed: 421 … retrying in 30 s", "interrupted: nothing was sent"
    public var status: String
    public var tone: OutboxTone
    /// What the user may do to it now; a key for anything else is refused with the reason.
    public var actions: Set<OutboxAction>

    public init(id: String, subject: String, recipients: String, status: String, tone: OutboxTone, actions: Set<OutboxAction>) {
        self.id = id
        self.subject = subject
        self.recipients = recipients
        self.status = status
        self.tone = tone
        self.actions = actions
    }

    /// Held (it can still be undone): `S` sends it now; otherwise `S` retries.
    public var isHeld: Bool { actions.contains(.undo) }
}

/// What the loop must do after a key on the outbox screen.
public enum OutboxEffect: Equatable, Sendable {
    case undo(String)
    case release(String)
    case edit(String)
    case discard(String)
    case back
}

/// The outbox screen's state: held, failed and interrupted messages, the selected one, and a
/// discard waiting for its second `d`. Pure: the loop passes the rows in (every second) and
/// carries out the effects.
public struct OutboxScreen: Equatable, Sendable {
    public enum Purpose: Equatable, Sendable {
        /// Opened with `o`.
        case browse
        /// Found after guardmail stopped.
        case restart
        /// The user quits with held messages.
        case leaving
    }

    public var purpose: Purpose
    public var rows: [OutboxRow]
    public var cursor: Int
    /// The first row shown (a hint: the view keeps the cursor visible whatever it says).
    public var top: Int
    public var status: StatusMessage?
    /// The id waiting for the second `d`.
    public var pendingDiscard: String?

    public init(purpose: Purpose, rows: [OutboxRow]) {
        self.purpose = purpose
        self.rows = rows
        cursor = 0
        top = 0
        status = nil
        pendingDiscard = nil
    }

    /// The row under the cursor, if any.
    public var selected: OutboxRow? { rows.indices.contains(cursor) ? rows[cursor] : nil }

    /// New rows (the loop ticks every second): the cursor stays on the same message; when that
    /// message is gone, on the one that took its place.
    public mutating func update(rows newRows: [OutboxRow]) {
        let selectedID = selected?.id
        let oldCursor = cursor
        rows = newRows
        if let selectedID, let index = rows.firstIndex(where: { $0.id == selectedID }) {
            cursor = index
        } else {
            cursor = min(oldCursor, max(0, rows.count - 1))
        }
        // The selected row stays where it was on the screen.
        top = max(0, min(top + cursor - oldCursor, max(0, rows.count - 1)))
        if let pending = pendingDiscard, !rows.contains(where: { $0.id == pending }) {
            pendingDiscard = nil
            status = StatusMessage("That message has left the outbox; nothing to discard.")
        }
    }

    /// Handles one key. `height` is the list's height in screen rows (`OutboxView.listHeight`).
    public mutating func handle(_ key: Key, height: Int) -> [OutboxEffect] {
        if key == .resize { return [] }
        status = nil
        if let pending = pendingDiscard {
            pendingDiscard = nil
            if key == .char("d"), let row = selected, row.id == pending, row.actions.contains(.discard) {
                return [.discard(pending)]
            }
            let subject = rows.first { $0.id == pending }.map { Self.quoted($0.subject) } ?? "the message"
            status = StatusMessage("Kept \(subject); nothing was discarded.")
            // The key does what it always does (a `d` on another row asks about that row).
        }
        let perPage = Self.rowsPerPage(height)
        switch key {
        case .up, .char("k"): move(to: cursor - 1, perPage: perPage)
        case .down, .char("j"): move(to: cursor + 1, perPage: perPage)
        case .pageUp: move(to: cursor - perPage, perPage: perPage)
        case .pageDown: move(to: cursor + perPage, perPage: perPage)
        case .home: move(to: 0, perPage: perPage)
        case .end: move(to: rows.count - 1, perPage: perPage)
        case .char("u"):
            if let row = allowed(.undo) { return [.undo(row.id)] }
        case .char("S"):
            if let row = allowed(.release) { return [.release(row.id)] }
        case .char("e"):
            if let row = allowed(.edit) { return [.edit(row.id)] }
        case .char("d"):
            if let row = allowed(.discard) {
                pendingDiscard = row.id
                status = StatusMessage(
                    "Press d again to discard \(Self.quoted(row.subject)); nothing will be sent. Any other key keeps it.")
            }
        case .char("q"), .escape:
            return [.back]
        default:
            break
        }
        return []
    }

    /// The selected row when it allows `action`; otherwise nil, with the reason in the status.
    private mutating func allowed(_ action: OutboxAction) -> OutboxRow? {
        guard let row = selected else {
            status = StatusMessage("The outbox is empty.", isError: true)
            return nil
        }
        if row.actions.contains(action) { return row }
        status = StatusMessage(Self.refusal(action, row), isError: true)
        return nil
    }

    /// Why `action` cannot be done to `row`, and what can: "this message cannot be undone
    /// (failed: 421 …; retrying in 30 s) — S retries, e edits, d discards".
    static func refusal(_ action: OutboxAction, _ row: OutboxRow) -> String {
        let verb: String
        switch action {
        case .undo: verb = "undone"
        case .release: verb = row.isHeld ? "sent now" : "retried"
        case .edit: verb = "taken back into the composer"
        case .discard: verb = "discarded"
        }
        if row.actions.isEmpty && row.status.hasPrefix("sending") {
            return "this message is being sent; it cannot be \(verb)"
        }
        var text = "this message cannot be \(verb) (\(DisplayWidth.displayable(row.status)))"
        let others: [String] = [
            row.actions.contains(.undo) ? "u undoes" : nil,
            row.actions.contains(.release) ? (row.isHeld ? "S sends it now" : "S retries") : nil,
            row.actions.contains(.edit) ? "e edits" : nil,
            row.actions.contains(.discard) ? "d discards" : nil
        ].compactMap { $0 }
        if !others.isEmpty { text += " — " + others.joined(separator: ", ") }
        return text
    }

    /// A subject for a status line: quoted, on one line, at most 40 columns.
    static func quoted(_ subject: String) -> String {
        "\"" + ScreenParts.fit(DisplayWidth.displayable(subject.isEmpty ? "(no subject)" : subject), 40) + "\""
    }

    /// Messages in a list of `height` rows: two rows each and a blank between.
    static func rowsPerPage(_ height: Int) -> Int { max(1, (height + 1) / OutboxView.rowHeight) }

    private mutating func move(to index: Int, perPage: Int) {
        guard !rows.isEmpty else { return }
        cursor = max(0, min(rows.count - 1, index))
        if cursor < top { top = cursor }
        if cursor >= top + perPage { top = cursor - perPage + 1 }
    }
}
