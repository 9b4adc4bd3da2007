// AddressBook.swift — the people the sender knows, for `namesake` and `lookalike-domain`.
//
// Format (UTF-8 text, one entry a line; see docs/policy.md "Address book"):
//
//     # comment
//     [株式会社サンプル]                       company of the entries below (until the next header)
//     山田 太郎 <taro@example.co.jp>
//     Hanako Suzuki <hanako@example.jp> ; Suzuki Trading    a company for this line only
//     田中 一郎 <ichiro@tanaka.example> ; ; たなか いちろう   a reading (the header's company)
//     []                                     no company for the entries below

import MailCore

public struct AddressBookEntry: Sendable, Hashable {
    /// The display name, as written.
    public var name: String
    /// The address, `local@domain` with the domain in Unicode form.
    public var address: String
    public var company: String?
    /// The name's reading (kana or romaji), for the composer's address picker.
    public var reading: String?

    public init(name: String, address: String, company: String? = nil, reading: String? = nil) {
        self.name = name
        self.address = address
        self.company = company
        self.reading = reading
    }
}

public struct AddressBook: Sendable, Equatable {
    public var entries: [AddressBookEntry] { didSet { byName = Self.index(entries) } }
    /// Entries by each key of their name (`PersonName.keys`), for `namesake`: made when the book
    /// is, not on every check of a message.
    private(set) var byName: [String: [AddressBookEntry]]

    public init(entries: [AddressBookEntry] = []) {
        self.entries = entries
        byName = Self.index(entries)
    }

    private static func index(_ entries: [AddressBookEntry]) -> [String: [AddressBookEntry]] {
        var byName: [String: [AddressBookEntry]] = [:]
        for entry in entries {
            for key in PersonName.keys(entry.name) { byName[key, default: []].append(entry) }
        }
        return byName
    }

    /// The entries of several books, in order (the organisation's and the user's).
    public static func merged(_ books: [AddressBook]) -> AddressBook {
        AddressBook(entries: books.flatMap(\.entries))
    }

    /// Parses an address book file; errors read "file:line: …".
    public static func parse(_ text: String, file: String) throws(PolicyConfigError) -> AddressBook {
        var entries: [AddressBookEntry] = []
        var section: String? = nil
        var lineNumber = 0
        for rawLine in TextLines(text).lines {
            lineNumber += 1
            var line = rawLine
            if lineNumber == 1, line.first == "\u{FEFF}" { line = line.dropFirst() }
            let trimmed = Self.trim(line)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else {
                    throw error(file, lineNumber, "a company header must end with ']': '\(trimmed)'")
                }
                let name = Self.trim(trimmed.dropFirst().dropLast())
                section = name.isEmpty ? nil : name
                continue
            }
            var entryText = trimmed
            var company = section
            var reading: String?
            if let semicolon = Self.companySeparator(in: trimmed) {
                entryText = Self.trim(trimmed[..<semicolon])
                var c = Self.trim(trimmed[trimmed.index(after: semicolon)...])
                // `; company ; reading`: a second ';' starts the name's reading.
                if let second = c.firstIndex(of: ";") {
                    let r = Self.trim(c[c.index(after: second)...])
                    reading = r.isEmpty ? nil : r
                    c = Self.trim(c[..<second])
                }
                company = c.isEmpty ? section : c
            }
            let mailbox: Mailbox
            do {
                mailbox = try AddressParser.parseMailbox(entryText)
            } catch {
                throw Self.error(file, lineNumber, "not 'Name <address>': \(error.description)")
            }
            guard let name = mailbox.displayName else {
                throw Self.error(file, lineNumber, "'\(entryText)' has no name: write 'Name <address>'")
            }
            entries.append(AddressBookEntry(name: name, address: mailbox.address, company: company, reading: reading))
        }
        return AddressBook(entries: entries)
    }

    private static func error(_ file: String, _ line: Int, _ message: String) -> PolicyConfigError {
        PolicyConfigError(kind: .addressBook, file: file, line: line, key: "", message: message)
    }

    private static func trim(_ s: Substring) -> String {
        var t = s
        while let f = t.first, f == " " || f == "\t" || f == "\r" || f == "\u{3000}" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" || l == "\r" || l == "\r\n" || l == "\u{3000}" { t = t.dropLast() }
        return String(t)
    }

    private static func trim(_ s: String) -> String { trim(Substring(s)) }

    /// The first ';' outside quotes, comments and angle brackets: the company suffix starts there.
    private static func companySeparator(in s: String) -> String.Index? {
        var quoted = false, depth = 0, angle = false, escaped = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if escaped {
                escaped = false
            } else if c == "\\" && (quoted || depth > 0) {
                escaped = true
            } else if quoted {
                if c == "\"" { quoted = false }
            } else if depth > 0 {
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            } else {
                switch c {
                case "\"": quoted = true
                case "(": depth += 1
                case "<": angle = true
                case ">": angle = false
                case ";": if !angle { return i }
                default: break
                }
            }
            i = s.index(after: i)
        }
        return nil
    }
}
