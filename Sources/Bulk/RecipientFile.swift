// RecipientFile.swift — reads the recipient file of `guardmail bulk`.
//
// Accepted shapes:
//   - a table (CSV or TSV) whose first non-empty line names the columns, one of them the address
//     (`email`, `e-mail`, `mail`, `address`, `メール`, `メールアドレス`); `name`, `名前` or `氏名`
//     is the name; every other column is a template field under its header text;
//   - otherwise one address a line (`Name <addr>` allowed), `#` comment lines and blank lines skipped.
// Encodings: UTF-8 (with or without BOM) or Shift_JIS/CP932; see TextDecoding.

import MailCore

public enum RecipientFile {
    /// Header cells (trimmed, lowercased) that name the address column.
    static let emailHeaders: Set<String> = [
        "email", "e-mail", "mail", "address", "email address",
        "e-mail address", "メール", "メールアドレス"
    ]
    /// Header cells (trimmed, lowercased) that name the name column.
    static let nameHeaders: Set<String> = ["name", "名前", "氏名"]

    /// Parses a recipient file. Only problems that make every row untrustworthy throw (encoding,
    /// an unclosed quote, a repeated column name); bad rows are collected in `invalid` and
    /// repeated addresses in `duplicates`, so one pass shows the user everything to fix.
    /// `fileName` is only used in messages.
    public static func parse(bytes: [UInt8], fileName: String) throws(RecipientFileError) -> RecipientList {
        let (text, encoding) = try TextDecoding.decode(bytes, fileName: fileName)
        let scalars = Array(text.unicodeScalars)
        var builder = Builder()
        let format: RecipientFileFormat
        let columns: [String]
        if let delimiter = tableDelimiter(scalars) {
            let records: [DelimitedRecord]
            do {
                records = try DelimitedText.records(scalars, delimiter: delimiter)
            } catch {
                throw RecipientFileError(.unterminatedQuote(line: error.line), fileName: fileName)
            }
            format = delimiter == "\t" ? .tsv : .csv
            columns = try parseTable(records, format: format, fileName: fileName, into: &builder)
        } else {
            format = .lines
            parseLines(scalars, into: &builder)
            columns = builder.sawName ? ["email", "name"] : ["email"]
        }
        return RecipientList(
            recipients: builder.recipients, invalid: builder.invalid,
            duplicates: builder.duplicates, encoding: encoding, format: format,
            columns: columns)
    }

    /// What makes two recipients the same person: the recipient key every send path uses
    /// (`RecipientKey`: the local part compared case-insensitively and the domain in its
    /// lowercased A-label form), so `Taro@BÜCHER.example` and `taro@xn--bcher-kva.example` are
    /// one recipient. The first row's spelling is the one kept and used.
    public static func dedupKey(_ mailbox: Mailbox) -> String { mailbox.key.text }

    // MARK: - Shape

    /// The delimiter of a table whose first non-empty line has an address header cell, or nil
    /// for a one-address-a-line file. Tab is tried first: a tab-separated header may well have
    /// a comma inside a column name, a comma-separated one hardly a tab.
    static func tableDelimiter(_ scalars: [Unicode.Scalar]) -> Unicode.Scalar? {
        guard let first = DelimitedText.firstNonBlankLine(scalars) else { return nil }
        let header = Array(first.unicodeScalars)
        for delimiter: Unicode.Scalar in ["\t", ","] where header.contains(delimiter) || delimiter == "," {
            guard let cells = try? DelimitedText.records(header, delimiter: delimiter).first?.cells else { continue }
            if cells.contains(where: { emailHeaders.contains(headerKey($0)) }) { return delimiter }
        }
        return nil
    }

    static func headerKey(_ cell: String) -> String { DelimitedText.trim(cell).lowercased() }

    // MARK: - Tables

    /// Reads the header and the rows; returns the field names in header order.
    static func parseTable(
        _ records: [DelimitedRecord], format: RecipientFileFormat, fileName: String,
        into builder: inout Builder
    ) throws(RecipientFileError) -> [String] {
        let rows = records.filter { !$0.isBlank }
        guard let header = rows.first else { return ["email"] }
        // The field name of each column (nil: a column without a header, ignored).
        var keys: [String?] = []
        var emailColumn = 0, nameColumn: Int? = nil
        var seen: Set<String> = []
        var foundEmail = false
        for (index, cell) in header.cells.enumerated() {
            let text = DelimitedText.trim(cell)
            var key: String? = text.isEmpty ? nil : text
            if !foundEmail, emailHeaders.contains(headerKey(cell)) {
                foundEmail = true
                emailColumn = index
                key = "email"
            } else if nameColumn == nil, nameHeaders.contains(headerKey(cell)) {
                nameColumn = index
                key = "name"
            }
            if let key {
                if seen.contains(key) {
                    throw RecipientFileError(.duplicateColumn(name: text, line: header.line), fileName: fileName)
                }
                seen.insert(key)
            }
            keys.append(key)
        }
        let emailHeader = DelimitedText.trim(header.cells[emailColumn])
        let delimiterName = format == .tsv ? "tab" : "','"
        for row in rows.dropFirst() {
            guard row.cells.count == header.cells.count else {
                let hint =
                    row.cells.count > header.cells.count
                    ? "a \(delimiterName) inside a value needs the whole value in double quotes"
                    : "a cell is missing"
                builder.invalid.append(
                    (
                        row.line, row.raw,
                        "the row has \(cells(row.cells.count)) but the header on line \(header.line) has \(cells(header.cells.count)): \(hint)"
                    ))
                continue
            }
            var fields: [String: String] = [:]
            for (index, key) in keys.enumerated() where index != emailColumn {
                if let key { fields[key] = DelimitedText.trim(row.cells[index]) }
            }
            let cell = DelimitedText.trim(row.cells[emailColumn])
            let name = nameColumn.map { DelimitedText.trim(row.cells[$0]) } ?? ""
            if cell.isEmpty {
                let whose = name.isEmpty ? "" : " for '\(name)'"
                builder.invalid.append((row.line, row.raw, "the '\(emailHeader)' cell\(whose) is empty"))
                continue
            }
            builder.add(line: row.line, cell: cell, name: name, fields: fields, hint: "")
        }
        var columns = keys.compactMap { $0 }
        if builder.sawName && !columns.contains("name") { columns.append("name") }
        return columns
    }

    static func cells(_ n: Int) -> String { n == 1 ? "1 cell" : "\(n) cells" }

    // MARK: - One address a line

    static func parseLines(_ scalars: [Unicode.Scalar], into builder: inout Builder) {
        for (line, raw) in DelimitedText.lines(scalars) {
            let text = DelimitedText.trim(raw)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let hint =
                text.contains(",") || text.contains("\t")
                ? "; if the file is a table (CSV or TSV), its first line must name the columns, one of them 'email'"
                : ""
            builder.add(line: line, cell: text, name: "", fields: [:], hint: hint)
        }
    }

    // MARK: - Collecting

    struct Builder {
        var recipients: [BulkRecipient] = []
        var invalid: [(line: Int, text: String, reason: String)] = []
        var duplicates: [(line: Int, firstLine: Int, address: String)] = []
        /// The line of the first row with each `dedupKey`.
        var firstLines: [String: Int] = [:]
        /// Some recipient has a name (for the column list of files without a name column).
        var sawName = false

        /// Parses `cell` as one mailbox and records the row as a recipient, a duplicate or an
        /// invalid row. A non-empty `name` (the name column) replaces a display name in the cell.
        /// A name with a line break inside (a quoted cell spanning lines) makes the row invalid:
        /// the name is the display name in the To header of individual mode, which cannot hold one.
        mutating func add(line: Int, cell: String, name: String, fields: [String: String], hint: String) {
            var mailbox: Mailbox
            do {
                mailbox = try AddressParser.parseMailbox(cell)
            } catch {
                invalid.append((line, HeaderText.escapingLineBreaks(cell), error.description + hint))
                return
            }
            if let (position, c) = HeaderText.lineBreak(in: name) {
                invalid.append(
                    (
                        line, cell,
                        "the name '\(HeaderText.escapingLineBreaks(name))' has a "
                            + "\(HeaderText.lineBreakName(c)) at position \(position): a name cannot hold a line break "
                            + "(it goes in the To header); nothing is sent to this row"
                    ))
                return
            }
            let key = RecipientFile.dedupKey(mailbox)
            if let first = firstLines[key] {
                duplicates.append((line, first, mailbox.address))
                return
            }
            firstLines[key] = line
            var fields = fields
            if !name.isEmpty { mailbox.displayName = name }
            if let displayName = mailbox.displayName {
                fields["name"] = displayName
                sawName = true
            }
            fields["email"] = mailbox.address
            recipients.append(BulkRecipient(line: line, mailbox: mailbox, fields: fields))
        }
    }
}
