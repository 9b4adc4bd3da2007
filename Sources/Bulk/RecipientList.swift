// RecipientList.swift — what a recipient file gave: the people to write to, and what was wrong.

import MailCore

/// One person to write to, from one row (or line) of a recipient file.
public struct BulkRecipient: Sendable, Hashable {
    /// 1-based physical line where the row starts (a quoted newline makes a row span lines), so
    /// messages point at the line the user sees in an editor.
    public var line: Int
    /// The address; its display name is the `name` column when that is not empty.
    public var mailbox: Mailbox
    /// Template values by column: always `email` (the address, Unicode domain), `name` when the
    /// file has a name column or the address came as `Name <addr>`, and every other column by
    /// its header text. Values are trimmed; a column left empty gives an empty string.
    public var fields: [String: String]

    public init(line: Int, mailbox: Mailbox, fields: [String: String]) {
        self.line = line
        self.mailbox = mailbox
        self.fields = fields
    }
}

/// How the bytes of a recipient file were read, so the UI can say "read as Shift_JIS".
public enum RecipientFileEncoding: String, Sendable, CustomStringConvertible {
    /// UTF-8, with or without a byte order mark.
    case utf8 = "UTF-8"
    /// Shift_JIS as Windows writes it (CP932): what Excel saves as "CSV" on a Japanese system.
    case shiftJIS = "Shift_JIS"

    public var description: String { rawValue }
}

public enum RecipientFileFormat: String, Sendable, CustomStringConvertible {
    /// Comma-separated with a header line naming an `email` column.
    case csv
    /// Tab-separated with a header line naming an `email` column.
    case tsv
    /// One address a line (`Name <addr>` allowed), `#` comments and blank lines skipped.
    case lines

    public var description: String {
        switch self {
        case .csv: "CSV"
        case .tsv: "TSV"
        case .lines: "one address a line"
        }
    }
}

/// A parsed recipient file. Bad rows do not stop the others: they are listed in `invalid` so
/// the user can fix them all at once, and the sender decides whether to go on without them.
public struct RecipientList: Sendable {
    /// The valid, de-duplicated recipients in file order.
    public var recipients: [BulkRecipient]
    /// Rows that give no usable address: `text` is the address cell (or the whole row when the
    /// row itself is malformed), `reason` a sentence naming the problem.
    public var invalid: [(line: Int, text: String, reason: String)]
    /// Rows dropped because an earlier row has the same address (see `RecipientFile.dedupKey`).
    public var duplicates: [(line: Int, firstLine: Int, address: String)]
    public var encoding: RecipientFileEncoding
    public var format: RecipientFileFormat
    /// The field names a template can use, in header order: `email`, `name` and the other
    /// header texts (for one-address-a-line files: `email`, and `name` if any line has one).
    public var columns: [String]

    public init(
        recipients: [BulkRecipient] = [],
        invalid: [(line: Int, text: String, reason: String)] = [],
        duplicates: [(line: Int, firstLine: Int, address: String)] = [],
        encoding: RecipientFileEncoding = .utf8, format: RecipientFileFormat = .lines,
        columns: [String] = ["email"]
    ) {
        self.recipients = recipients
        self.invalid = invalid
        self.duplicates = duplicates
        self.encoding = encoding
        self.format = format
        self.columns = columns
    }

    /// How many rows were dropped as duplicates.
    public var duplicateCount: Int { duplicates.count }

    /// Recipients per domain (Unicode form), most first, then by name: an announcement that
    /// would go mostly to one outside company is worth a second look before it is sent.
    public func domainCounts() -> [(domain: String, count: Int)] {
        var counts: [String: Int] = [:]
        for r in recipients { counts[r.mailbox.domain, default: 0] += 1 }
        return counts.map { (domain: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.domain < $1.domain }
    }
}

extension RecipientList {
    /// The list with every recipient whose value for a field the subject uses holds a CR or LF
    /// moved to `invalid` (in line order, with the field, the value and the position): that
    /// subject would put a line break into the header, so such a row is treated as every other
    /// invalid row — listed, nothing sent to it, and the whole file refused under `--strict`.
    /// A line break in the body is fine and is not looked at.
    public func refusingLineBreaks(inSubject subject: Template) -> RecipientList {
        let names = subject.orderedPlaceholders
        guard !names.isEmpty else { return self }
        var result = self
        result.recipients = []
        var refused: [(line: Int, text: String, reason: String)] = []
        for recipient in recipients {
            let found = names.lazy.compactMap { name -> (String, String, (position: Int, character: Character))? in
                guard let value = recipient.fields[name], let lineBreak = HeaderText.lineBreak(in: value) else { return nil }
                return (name, value, lineBreak)
            }.first
            guard let (name, value, lineBreak) = found else {
                result.recipients.append(recipient)
                continue
            }
            refused.append(
                (
                    recipient.line, recipient.mailbox.address,
                    "the '\(name)' value '\(HeaderText.escapingLineBreaks(value))' has a "
                        + "\(HeaderText.lineBreakName(lineBreak.character)) at position \(lineBreak.position), and the subject "
                        + "uses {{\(name)}}: a header cannot hold a line break; nothing is sent to this row"
                ))
        }
        guard !refused.isEmpty else { return self }
        // Merge by line; rows already invalid keep their place before a refused one on the same line.
        var merged: [(line: Int, text: String, reason: String)] = []
        var i = 0, j = 0
        while i < invalid.count || j < refused.count {
            if j == refused.count || (i < invalid.count && invalid[i].line <= refused[j].line) {
                merged.append(invalid[i])
                i += 1
            } else {
                merged.append(refused[j])
                j += 1
            }
        }
        result.invalid = merged
        return result
    }
}
