// AddressBookFormats.swift — address books as organisations keep them: vCard 3 and 4 (.vcf, what
// every phone and mail client exports) and CSV with name/company/e-mail columns (what Outlook and
// spreadsheets export), UTF-8 or Shift_JIS, with kana readings when the file has them. See
// docs/policy.md "Address book".

import MailCore

extension AddressBook {
    /// The book in `bytes`, read by the file's extension: `.vcf`/`.vcard` as vCard, `.csv` as
    /// CSV, anything else as the text format (UTF-8). Errors read "file:line: …".
    public static func read(bytes: [UInt8], file: String) throws(PolicyConfigError) -> AddressBook {
        let lower = file.lowercased()
        if lower.hasSuffix(".vcf") || lower.hasSuffix(".vcard") { return try parseVCard(try decodeText(bytes, file: file), file: file) }
        if lower.hasSuffix(".csv") { return try parseCSV(try decodeText(bytes, file: file), file: file) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PolicyConfigError(kind: .addressBook, file: file, line: nil, key: "", message: "not UTF-8 text")
        }
        return try parse(text, file: file)
    }

    /// UTF-8 (a byte-order mark dropped), else Shift_JIS as Windows writes it (CP932).
    static func decodeText(_ bytes: [UInt8], file: String) throws(PolicyConfigError) -> String {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if let text = String(validating: body, as: UTF8.self) { return text }
        if !body.contains(0), let text = Iconv.decode(body, from: "CP932"),
            !text.unicodeScalars.contains(where: { (0xE000...0xF8FF).contains($0.value) })
        {
            return text
        }
        throw PolicyConfigError(kind: .addressBook, file: file, line: nil, key: "", message: "neither UTF-8 nor Shift_JIS text")
    }

    static func bookError(_ file: String, _ line: Int, _ message: String) -> PolicyConfigError {
        PolicyConfigError(kind: .addressBook, file: file, line: line, key: "", message: message)
    }

    /// Physical lines with their 1-based numbers; CRLF, LF or a lone CR ends a line.
    static func physicalLines(_ text: String) -> [(number: Int, text: Substring)] {
        var lines: [(Int, Substring)] = []
        var number = 0
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let char = text[index]
            if char == "\n" || char == "\r" || char == "\r\n" {
                number += 1
                lines.append((number, text[start..<index]))
                index = text.index(after: index)
                if char == "\r", index < text.endIndex, text[index] == "\n" { index = text.index(after: index) }
                start = index
                continue
            }
            index = text.index(after: index)
        }
        if start < text.endIndex {
            number += 1
            lines.append((number, text[start...]))
        }
        return lines
    }

    // MARK: vCard

    /// vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): folded lines joined, groups (`item1.EMAIL`)
    /// and parameters read, escapes resolved. One entry for each EMAIL of a card, named by FN
    /// (else N, family name first for Japanese names), the company from ORG, the reading from
    /// X-PHONETIC-LAST-NAME / X-PHONETIC-FIRST-NAME (phones), SOUND;X-IRMC-N (Japanese
    /// phones) or N's SORT-AS (vCard 4). A card with no name is named by its company; one with
    /// neither is skipped. An EMAIL that is not an address is an error on its line.
    public static func parseVCard(_ text: String, file: String) throws(PolicyConfigError) -> AddressBook {
        // Unfold: a line that starts with a space or a tab continues the one before it.
        var logical: [(number: Int, text: String)] = []
        for (number, line) in physicalLines(text) {
            if let first = line.first, first == " " || first == "\t", !logical.isEmpty {
                logical[logical.count - 1].text += line.dropFirst()
            } else {
                logical.append((number, String(line)))
            }
        }
        var entries: [AddressBookEntry] = []
        var card: VCard?
        for (number, line) in logical {
            let trimmed = trimBlanks(Substring(line))
            if trimmed.isEmpty { continue }
            guard let property = VCardProperty(trimmed) else {
                if card != nil { throw bookError(file, number, "not a vCard property (NAME:value): '\(trimmed.prefix(60))'") }
                continue
            }
            switch property.name {
            case "BEGIN" where property.value.uppercased() == "VCARD":
                if card != nil { throw bookError(file, number, "BEGIN:VCARD inside a card (an END:VCARD is missing)") }
                card = VCard()
            case "END" where property.value.uppercased() == "VCARD":
                guard let done = card else { throw bookError(file, number, "END:VCARD without BEGIN:VCARD") }
                entries += try done.entries(file: file)
                card = nil
            default:
                card?.take(property, line: number)
            }
        }
        if card != nil { throw bookError(file, logical.last?.number ?? 1, "the last card has no END:VCARD") }
        return AddressBook(entries: entries)
    }

    struct VCardProperty {
        var name: String
        var parameters: [(name: String, value: String)]
        var value: String

        /// `[group.]NAME *(;PARAM[=VALUE]) : value`, the ':' found outside double quotes.
        init?(_ line: String) {
            var quoted = false
            var colon: String.Index?
            for index in line.indices {
                let char = line[index]
                if char == "\"" { quoted.toggle() }
                if char == ":" && !quoted {
                    colon = index
                    break
                }
            }
            guard let colon else { return nil }
            let head = line[..<colon]
            value = String(line[line.index(after: colon)...])
            let parts = AddressBook.splitUnquoted(head, at: ";")
            guard var first = parts.first, !first.isEmpty else { return nil }
            if let dot = first.lastIndex(of: ".") { first = String(first[first.index(after: dot)...]) }
            name = first.uppercased()
            parameters = parts.dropFirst().map { part in
                guard let equals = part.firstIndex(of: "=") else { return ("TYPE", part) }
                var value = String(part[part.index(after: equals)...])
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return (String(part[..<equals]).uppercased(), value)
            }
        }

        func parameter(_ name: String) -> String? { parameters.first { $0.name == name }?.value }
    }

    struct VCard {
        var fn = ""
        var family = "", given = ""
        var org = ""
        var phoneticFamily = "", phoneticGiven = ""
        var irmcReading = ""
        var sortAs = ""
        var emails: [(value: String, line: Int)] = []

        mutating func take(_ property: VCardProperty, line: Int) {
            switch property.name {
            case "FN": fn = AddressBook.vcardText(property.value)
            case "N":
                let parts = AddressBook.vcardComponents(property.value)
                family = parts.first ?? ""
                given = parts.count > 1 ? parts[1] : ""
                if let sort = property.parameter("SORT-AS") {
                    sortAs = AddressBook.splitUnquoted(Substring(sort), at: ",").map { AddressBook.trimBlanks(Substring($0)) }.filter { !$0.isEmpty }
                        .joined(separator: " ")
                }
            case "ORG": org = AddressBook.vcardComponents(property.value).first ?? ""
            case "EMAIL": emails.append((AddressBook.vcardText(property.value), line))
            case "X-PHONETIC-LAST-NAME": phoneticFamily = AddressBook.vcardText(property.value)
            case "X-PHONETIC-FIRST-NAME": phoneticGiven = AddressBook.vcardText(property.value)
            case "SOUND" where property.parameters.contains { $0.value.uppercased() == "X-IRMC-N" }:
                irmcReading = AddressBook.vcardComponents(property.value).filter { !$0.isEmpty }.joined(separator: " ")
            default: break
            }
        }

        func entries(file: String) throws(PolicyConfigError) -> [AddressBookEntry] {
            var name = fn
            if name.isEmpty {
                let japanese = (family + given).unicodeScalars.contains { $0.value >= 0x3000 }
                name = (japanese ? [family, given] : [given, family]).filter { !$0.isEmpty }.joined(separator: " ")
            }
            if name.isEmpty { name = org }
            guard !name.isEmpty else { return [] }
            let phonetic = [phoneticFamily, phoneticGiven].filter { !$0.isEmpty }.joined(separator: " ")
            let reading = [phonetic, irmcReading, sortAs].first { !$0.isEmpty }
            var out: [AddressBookEntry] = []
            for (value, line) in emails where !value.isEmpty {
                let mailbox: Mailbox
                do {
                    mailbox = try AddressParser.parseMailbox(value)
                } catch {
                    throw AddressBook.bookError(file, line, "EMAIL '\(value)' is not an address: \(error.description)")
                }
                out.append(AddressBookEntry(name: name, address: mailbox.address, company: org.isEmpty ? nil : org, reading: reading))
            }
            return out
        }
    }

    /// A text value: `\n` `\,` `\;` `\\` resolved (a line break becomes a space).
    static func vcardText(_ value: String) -> String {
        var out = ""
        var escaped = false
        for char in value {
            if escaped {
                out.append(char == "n" || char == "N" ? " " : char)
                escaped = false
            } else if char == "\\" {
                escaped = true
            } else {
                out.append(char)
            }
        }
        return trimBlanks(Substring(out))
    }

    /// A structured value (N, ORG, SOUND) cut at the ';' that are not escaped, each part resolved.
    static func vcardComponents(_ value: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for char in value {
            if escaped {
                current.append("\\")
                current.append(char)
                escaped = false
            } else if char == "\\" {
                escaped = true
            } else if char == ";" {
                parts.append(vcardText(current))
                current = ""
            } else {
                current.append(char)
            }
        }
        parts.append(vcardText(current))
        return parts
    }

    /// `text` cut at `separator` where it is outside double quotes.
    static func splitUnquoted(_ text: Substring, at separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for char in text {
            if char == "\"" { quoted.toggle() }
            if char == separator && !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(char)
            }
        }
        parts.append(current)
        return parts
    }

    static func trimBlanks(_ s: Substring) -> String {
        var t = s
        while let f = t.first, f == " " || f == "\t" || f == "\u{3000}" || f == "\r" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" || l == "\u{3000}" || l == "\r" { t = t.dropLast() }
        return String(t)
    }

    // MARK: CSV

    /// A CSV with a header row (RFC 4180 quoting; comma, or a tab when the header has tabs and
    /// no commas). Columns are found by their header, in English or Japanese as Outlook,
    /// Thunderbird, Google Contacts and spreadsheets write them: a name (`Name`, `Display Name`,
    /// `氏名`, `表示名`, `名前`), else last and first name (`Last Name`/`姓`, `First Name`/`名`,
    /// joined family name first for Japanese), the e-mail (`E-mail Address`, `Email`,
    /// `電子メール アドレス`, `メールアドレス`), the company (`Company`, `会社名`, `Organization`)
    /// and the reading (`ふりがな`, `フリガナ`, `よみがな`, `Reading`, or the family and given
    /// names' readings: `姓 (ふりがな)`, `ふりがな (名)`, `Yomi Last Name`…). A row without an
    /// e-mail is skipped; an e-mail that is not an address is an error on its line.
    public static func parseCSV(_ text: String, file: String) throws(PolicyConfigError) -> AddressBook {
        let lines = physicalLines(text)
        guard let headerLine = lines.first(where: { !trimBlanks($0.text).isEmpty }) else { return AddressBook() }
        let delimiter: Character = headerLine.text.contains("\t") && !headerLine.text.contains(",") ? "\t" : ","
        let records = try csvRecords(text, delimiter: delimiter, file: file)
        guard let header = records.first(where: { !$0.cells.allSatisfy { trimBlanks(Substring($0)).isEmpty } }) else { return AddressBook() }
        let columns = CSVColumns(header.cells.map(headerKey))
        guard let emailColumn = columns.email else {
            throw bookError(file, header.line, "no e-mail column (a header such as 'E-mail Address', 'Email' or 'メールアドレス')")
        }
        var entries: [AddressBookEntry] = []
        for record in records where record.line > header.line {
            func cell(_ index: Int?) -> String {
                guard let index, index < record.cells.count else { return "" }
                return trimBlanks(Substring(record.cells[index]))
            }
            let email = cell(emailColumn)
            if email.isEmpty { continue }
            let family = cell(columns.last), given = cell(columns.first)
            var name = cell(columns.name)
            if name.isEmpty {
                let japanese = (family + given).unicodeScalars.contains { $0.value >= 0x3000 }
                name = (japanese ? [family, given] : [given, family]).filter { !$0.isEmpty }.joined(separator: " ")
            }
            let company = cell(columns.company)
            if name.isEmpty { name = company }
            if name.isEmpty { continue }
            var reading = cell(columns.reading)
            if reading.isEmpty { reading = [cell(columns.lastReading), cell(columns.firstReading)].filter { !$0.isEmpty }.joined(separator: " ") }
            let mailbox: Mailbox
            do {
                mailbox = try AddressParser.parseMailbox(email)
            } catch {
                throw bookError(file, record.line, "'\(email)' is not an address: \(error.description)")
            }
            entries.append(
                AddressBookEntry(name: name, address: mailbox.address, company: company.isEmpty ? nil : company, reading: reading.isEmpty ? nil : reading))
        }
        return AddressBook(entries: entries)
    }

    /// A header folded for matching: lowercase, full-width ASCII to ASCII, without blanks,
    /// parentheses, '-', '_' and '.'.
    static func headerKey(_ header: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in header.unicodeScalars {
            var value = scalar.value
            if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }
            if (0x41...0x5A).contains(value) { value += 0x20 }
            if [0x20, 0x09, 0x3000, 0x28, 0x29, 0x2D, 0x5F, 0x2E, 0xFEFF, 0x300C, 0x300D].contains(value) { continue }
            out.append(Unicode.Scalar(value)!)
        }
        return String(out)
    }

    struct CSVColumns {
        var name, last, first, email, company, reading, lastReading, firstReading: Int?

        static let names: Set<String> = ["name", "displayname", "fullname", "氏名", "表示名", "名前", "フルネーム", "表示名前"]
        static let lasts: Set<String> = ["lastname", "familyname", "surname", "姓"]
        static let firsts: Set<String> = ["firstname", "givenname", "名"]
        static let emails: Set<String> = [
            "email", "emailaddress", "mail", "mailaddress", "email1", "email1address", "email1value", "primaryemail", "メール", "メールアドレス", "電子メールアドレス",
            "eメールアドレス", "電子メール"
        ]
        static let companies: Set<String> = ["company", "companyname", "organization", "organisation", "organization1name", "会社", "会社名", "所属", "勤務先"]
        static let readings: Set<String> = ["reading", "yomi", "phoneticname", "ふりがな", "フリガナ", "よみがな", "ヨミガナ", "よみ", "読み", "氏名ふりがな", "氏名フリガナ"]
        static let lastReadings: Set<String> = [
            "yomilastname", "phoneticlastname", "lastnameyomi", "familynameyomi", "姓ふりがな", "ふりがな姓", "姓フリガナ", "フリガナ姓", "姓よみ", "よみ姓"
        ]
        static let firstReadings: Set<String> = [
            "yomifirstname", "phoneticfirstname", "firstnameyomi", "givennameyomi", "名ふりがな", "ふりがな名", "名フリガナ", "フリガナ名", "名よみ", "よみ名"
        ]

        init(_ keys: [String]) {
            func find(_ set: Set<String>) -> Int? { keys.firstIndex { set.contains($0) } }
            name = find(Self.names)
            last = find(Self.lasts)
            first = find(Self.firsts)
            email = find(Self.emails)
            company = find(Self.companies)
            reading = find(Self.readings)
            lastReading = find(Self.lastReadings)
            firstReading = find(Self.firstReadings)
        }
    }

    /// RFC 4180 records with the physical line each starts on: quoted cells may hold the
    /// delimiter, `""` and line breaks; text after a closing quote is kept.
    static func csvRecords(_ text: String, delimiter: Character, file: String) throws(PolicyConfigError) -> [(line: Int, cells: [String])] {
        var records: [(line: Int, cells: [String])] = []
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var atCellStart = true
        var line = 1, recordLine = 1, quoteLine = 1
        var chars = text.makeIterator()
        var pending: Character? = nil
        func endRecord() {
            cells.append(cell)
            records.append((recordLine, cells))
            cells = []
            cell = ""
            atCellStart = true
        }
        while let char = pending ?? chars.next() {
            pending = nil
            if quoted {
                if char == "\"" {
                    if let next = chars.next() {
                        if next == "\"" {
                            cell.append("\"")
                        } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                    continue
                }
                if char == "\n" || char == "\r\n" || char == "\r" { line += 1 }
                cell.append(char == "\r\n" ? "\n" : char)
                continue
            }
            switch char {
            case "\"" where atCellStart:
                quoted = true
                quoteLine = line
                atCellStart = false
            case delimiter:
                cells.append(cell)
                cell = ""
                atCellStart = true
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                if char == " " && atCellStart { continue }
                cell.append(char)
                atCellStart = false
            }
        }
        if quoted { throw bookError(file, quoteLine, "a quoted cell is not closed") }
        if !cell.isEmpty || !cells.isEmpty { endRecord() }
        return records
    }
}
