// JournalSchema.swift — the journal's tables, the append-only triggers, and the migration steps.

/// The schema, one migration step per version. `PRAGMA user_version` holds the version a file is at.
enum JournalSchema {
    /// The version this guardmail writes. A file at a higher version was written by a newer one.
    static let currentVersion: Int64 = 6

    /// The tables that hold events: none of their rows is ever changed or deleted.
    static let appendOnlyTables = [
        "messages", "recipients", "attachments", "findings", "events", "recipient_results", "attachment_parties", "finding_outcomes", "confirmations",
        "confirmation_screens", "challenge_answers"
    ]
    /// The tables of version 1 (the triggers of the others come with the version that adds them).
    static let version1Tables = ["messages", "recipients", "attachments", "findings", "events", "recipient_results"]

    /// The step from `version` to `version + 1`, run inside the migration's transaction.
    static func migration(from version: Int64) -> String? {
        switch version {
        case 0: return version1
        case 1: return version2
        case 2: return version3
        case 3: return version4
        case 4: return version5
        case 5: return version6
        default: return nil
        }
    }

    /// Version 1. Times are seconds since the epoch; booleans are 0/1; `position` keeps the order
    /// the caller gave. Domains are stored lowercased in both forms so that `--domain` matches either.
    static let version1 = """
        CREATE TABLE messages (
            id            INTEGER PRIMARY KEY,
            message_id    TEXT NOT NULL UNIQUE,
            confirmed_at  INTEGER NOT NULL,
            account       TEXT NOT NULL,
            from_address  TEXT NOT NULL,
            subject       TEXT NOT NULL
        );
        CREATE INDEX messages_by_time ON messages(confirmed_at);

        CREATE TABLE recipients (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            position      INTEGER NOT NULL,
            field         TEXT NOT NULL CHECK (field IN ('to', 'cc', 'bcc')),
            address       TEXT NOT NULL,
            address_key   TEXT NOT NULL,
            display_name  TEXT,
            domain        TEXT NOT NULL,
            domain_ascii  TEXT NOT NULL
        );
        CREATE INDEX recipients_by_message ON recipients(message_row, position);
        CREATE INDEX recipients_by_address ON recipients(address_key);
        CREATE INDEX recipients_by_domain ON recipients(domain);
        CREATE INDEX recipients_by_ascii_domain ON recipients(domain_ascii);

        CREATE TABLE attachments (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            position      INTEGER NOT NULL,
            name          TEXT NOT NULL,
            size          INTEGER NOT NULL,
            sha256        TEXT NOT NULL,
            content_type  TEXT NOT NULL
        );
        CREATE INDEX attachments_by_message ON attachments(message_row, position);

        CREATE TABLE findings (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            position      INTEGER NOT NULL,
            rule_id       TEXT NOT NULL,
            severity      TEXT NOT NULL,
            message       TEXT NOT NULL,
            accepted      INTEGER NOT NULL CHECK (accepted IN (0, 1)),
            accepted_by   TEXT
        );
        CREATE INDEX findings_by_message ON findings(message_row, position);

        CREATE TABLE events (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            at            INTEGER NOT NULL,
            kind          TEXT NOT NULL CHECK (kind IN ('confirmed', 'held', 'undone', 'released', 'submitting',
                                                        'sent', 'partially-sent', 'failed-temporarily', 'failed',
                                                        'unknown', 'interrupted', 'edited', 'discarded')),
            detail        TEXT
        );
        CREATE INDEX events_by_message ON events(message_row, id);

        -- One row per reply; a later row for the same recipient corrects an earlier one.
        CREATE TABLE recipient_results (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            recipient_row INTEGER NOT NULL REFERENCES recipients(id),
            at            INTEGER NOT NULL,
            reply         TEXT NOT NULL,
            accepted      INTEGER NOT NULL CHECK (accepted IN (0, 1))
        );
        CREATE INDEX results_by_recipient ON recipient_results(recipient_row, id);
        CREATE INDEX results_by_message ON recipient_results(message_row, id);
        """ + appendOnlyTriggers(version1Tables)

    /// Version 2: three indexes go, each kept up by every insert and never the best way to a
    /// query. A bulk job of 3,000 recipients paid for them on every recipient row and every
    /// result row. The domain indexes: every query by domain is inside one message's recipients
    /// (`recipients_by_message`). `results_by_message`: a message's results are found through its
    /// recipients (`recipients_by_message`, then `results_by_recipient`). No row changes.
    static let version2 = """
        DROP INDEX recipients_by_domain;
        DROP INDEX recipients_by_ascii_domain;
        DROP INDEX results_by_message;
        """

    /// Version 3: the parties each attachment names (company names, people addressed, email
    /// addresses, with their place in the file), so that an incident report can say whose data
    /// went where without the journal keeping any of the text. Messages journalled before have
    /// none.
    static let version3 =
        """
        CREATE TABLE attachment_parties (
            id             INTEGER PRIMARY KEY,
            attachment_row INTEGER NOT NULL REFERENCES attachments(id),
            position       INTEGER NOT NULL,
            name           TEXT NOT NULL,
            kind           TEXT NOT NULL,
            place          TEXT NOT NULL
        );
        CREATE INDEX attachment_parties_by_attachment ON attachment_parties(attachment_row, position);
        """ + appendOnlyTriggers(["attachment_parties"])

    /// Version 4: how each finding was answered and how long the confirmation took, for
    /// `guardmail report`. `finding_outcomes` has a row for each finding whose typed challenge
    /// was answered (`challenged`) and for each finding of an earlier check of the same message
    /// that was gone or different after the sender went back and edited it (`changed`): those
    /// are not among the message's `findings`. `confirmations` has the time from the
    /// confirmation screen shown to `y`, in milliseconds, for messages confirmed on a screen.
    /// Messages journalled before have neither.
    static let version4 =
        """
        CREATE TABLE finding_outcomes (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            position      INTEGER NOT NULL,
            rule_id       TEXT NOT NULL,
            severity      TEXT NOT NULL,
            message       TEXT NOT NULL,
            outcome       TEXT NOT NULL CHECK (outcome IN ('challenged', 'changed'))
        );
        CREATE INDEX finding_outcomes_by_message ON finding_outcomes(message_row, position);

        CREATE TABLE confirmations (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            milliseconds  INTEGER NOT NULL CHECK (milliseconds >= 0)
        );
        CREATE INDEX confirmations_by_message ON confirmations(message_row);
        """ + appendOnlyTriggers(["finding_outcomes", "confirmations"])

    /// Version 5: which confirmation each message had (issue 15, "quiet when routine, loud when
    /// risky"): `none` (held without a confirmation screen: no finding above info and no
    /// external recipient), `one-key` (a screen with nothing to tick) or `full`. One row for each
    /// message confirmed in the composer or by `guardmail sendmail` on a terminal; none for
    /// `send --accept`, `bulk`, and messages journalled before.
    static let version5 =
        """
        CREATE TABLE confirmation_screens (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            screen        TEXT NOT NULL CHECK (screen IN ('none', 'one-key', 'full'))
        );
        CREATE INDEX confirmation_screens_by_message ON confirmation_screens(message_row);
        """ + appendOnlyTriggers(["confirmation_screens"])

    /// Version 6: each typed challenge the sender answered before `y`, in the order the screen
    /// asked them (docs/policy.md, "Challenges"): its `form` (`domain`, `file-name`,
    /// `title-word`, `recipient-choice`), its `subject` (the domain, or the file's name; never
    /// the title word typed), the recipient chosen (`recipient-choice` only), why it was asked
    /// (`reason`: NULL for a finding's own challenge, the high-risk kind, or the pace's words),
    /// whether it was the pace's challenge (`rushed`: the ticks came faster than the items can
    /// be read) and the wrong answers before the right one. Messages journalled before, and
    /// those confirmed without a screen, have none.
    static let version6 =
        """
        CREATE TABLE challenge_answers (
            id            INTEGER PRIMARY KEY,
            message_row   INTEGER NOT NULL REFERENCES messages(id),
            position      INTEGER NOT NULL CHECK (position >= 0),
            form          TEXT NOT NULL CHECK (form IN ('domain', 'file-name', 'title-word', 'recipient-choice')),
            subject       TEXT NOT NULL,
            chosen        TEXT CHECK ((chosen IS NULL) OR (form = 'recipient-choice')),
            reason        TEXT,
            rushed        INTEGER NOT NULL CHECK (rushed IN (0, 1) AND (rushed = 0 OR reason IS NOT NULL)),
            wrong_answers INTEGER NOT NULL CHECK (wrong_answers >= 0)
        );
        CREATE INDEX challenge_answers_by_message ON challenge_answers(message_row, position);
        """ + appendOnlyTriggers(["challenge_answers"])

    /// BEFORE UPDATE and BEFORE DELETE triggers on each of `tables` that refuse the change.
    /// (Table names are this file's constants, not values: nothing from outside is in this SQL.)
    static func appendOnlyTriggers(_ tables: [String]) -> String {
        tables.map { table in
            """

            CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'the send journal is append-only: rows of \(table) are never changed (record a correction instead)'); END;
            CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'the send journal is append-only: rows of \(table) are never deleted'); END;
            """
        }.joined()
    }
}
