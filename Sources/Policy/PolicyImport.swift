// PolicyImport.swift — rule settings of the confirmation add-ins offices already use, read into
// our rule language: FlexConfirmMail's exported configuration (JSON) and OutlookOkan's settings
// (CSV files, one kind of setting per file). The result is a policy file's text and a report of
// everything that does not map.
//
// - SeeAlso: docs/policy.md "Importing from FlexConfirmMail and OutlookOkan".

/// The outcome of an import.
public struct PolicyImport: Sendable, Equatable {
    /// A policy file (`/etc/guardmail/policy.toml` or a drop-in) with the rules that map.
    public var toml: String
    /// One line per setting that does not map, or maps only in part, and why.
    public var notMapped: [String]
}

public struct PolicyImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

// MARK: FlexConfirmMail

extension PolicyImport {
    /// FlexConfirmMail's exported settings (its options page, "Export"): `internalDomains`,
    /// and the rule table `userRules` (plus `baseRules`/`overrideRules` when a managed file is
    /// given), each with `matchTarget` (0 recipient domain, 1 attachment name, 2 attachment
    /// suffix, 3 subject, 4 body, 5 subject or body), `action` (0 none, 1–4 reconfirm, 10–40
    /// block: always, with attachments, with externals, with externals and attachments),
    /// `highlight`, `itemsLocal` with `*`/`?` patterns, `-pattern` exceptions and `#` comments.
    public static func flexConfirmMail(_ text: String, file: String) throws(PolicyImportError) -> PolicyImport {
        let root: JSONValue
        do {
            root = try JSONValue.parse(text)
        } catch {
            throw PolicyImportError("\(file): not JSON: \(error.description)")
        }
        guard case .object(let top) = root else { throw PolicyImportError("\(file): the top level is not an object") }
        var out = TOMLWriter()
        var notMapped: [String] = []
        if case .array(let domains)? = top["internalDomains"] {
            var kept: [String] = []
            for d in domains {
                guard case .string(let s) = d else { continue }
                if (try? DomainPattern(s)) != nil {
                    kept.append(s)
                } else {
                    notMapped.append(
                        "internalDomains: '\(s)' is not a domain pattern guardmail accepts (internal_domains lists domains, e.g. 'example.co.jp' or '*.example.co.jp')"
                    )
                }
            }
            if !kept.isEmpty { out.line("internal_domains = \(PolicyText.tomlArray(kept))") }
        }
        for key in top.keys.sorted() where !["internalDomains", "userRules", "baseRules", "overrideRules", "configsVersion"].contains(key) {
            if key.hasPrefix("__") { continue }
            notMapped.append("\(key): a FlexConfirmMail setting with no counterpart in a guardmail rule table")
        }
        var rules: [[String: JSONValue]] = []
        for key in ["baseRules", "userRules", "overrideRules"] {
            if case .array(let list)? = top[key] {
                for case .object(let r) in list { rules.append(r) }
            }
        }
        var ids = Set<String>()
        for r in rules {
            let sourceID = r["id"]?.string ?? "rule"
            let name = r["name"]?.string ?? ""
            let builtIn = builtInRules[sourceID]
            if r["enabled"]?.bool == false || (r["enabled"] == nil && builtIn?.enabled == false) {
                notMapped.append("rule '\(sourceID)': disabled, not imported")
                continue
            }
            let target = r["matchTarget"]?.int ?? builtIn?.target ?? 0
            let action = r["action"]?.int ?? builtIn?.action ?? 0
            var items: [String] = []
            if case .array(let list)? = r["itemsLocal"] ?? r["items"] {
                for case .string(let s) in list {
                    let t = PolicyText.trimmed(s)
                    if t.isEmpty || t.hasPrefix("#") { continue }
                    items.append(t)
                }
            }
            if r["itemsSource"]?.int == 1 {
                notMapped.append(
                    "rule '\(sourceID)': its items come from the file '\(r["itemsFile"]?.string ?? "")': make it a group list file ([groups] NAME = \"path\")")
            }
            let exceptions = items.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) }
            items = items.filter { !$0.hasPrefix("-") }
            if items.isEmpty {
                notMapped.append("rule '\(sourceID)': no items, not imported")
                continue
            }
            if action == 0 {
                notMapped.append("rule '\(sourceID)': highlight only (no reconfirm or block): guardmail always shows every recipient, nothing to import")
                continue
            }
            var id = "fcm-" + slug(sourceID)
            while !ids.insert(id).inserted { id += "-2" }
            let block = action >= 10
            let mode = block ? action / 10 : action // 1 always, 2 with attachments, 3 externals, 4 externals with attachments
            out.line("")
            out.line("[[rule]]")
            out.line("id = \(PolicyText.tomlString(id))")
            out.line("severity = \(PolicyText.tomlString(block ? "block" : "confirm"))")
            let message = PolicyText.trimmed(
                (r["confirmMessage"]?.string ?? "").replacing("%S", with: "").replacing("$S", with: "").replacing("<strong>", with: "").replacing(
                    "</strong>", with: ""))
            out.line("message = \(PolicyText.tomlString(message.isEmpty ? (name.isEmpty ? "FlexConfirmMail: \(sourceID)" : name) : message))")
            switch target {
            case 0:
                out.line("recipients_any = \(PolicyText.tomlArray(items.map(Self.fcmAddressPattern)))")
                if !exceptions.isEmpty {
                    notMapped.append(
                        "rule '\(sourceID)': exceptions \(exceptions.map { "'-\($0)'" }.joined(separator: ", ")) are not imported (a rule's recipients_any has no exceptions): narrow the patterns by hand"
                    )
                }
            case 1: out.line("attachment_names = \(PolicyText.tomlArray(items.map { $0.contains("*") || $0.contains("?") ? $0 : "*\($0)*" }))")
            case 2: out.line("attachment_names = \(PolicyText.tomlArray(items.map { "*." + ($0.hasPrefix(".") ? String($0.dropFirst()) : $0) }))")
            case 3: out.line("subject_keywords = \(PolicyText.tomlArray(items))")
            case 4: out.line("body_keywords = \(PolicyText.tomlArray(items))")
            case 5:
                out.line("subject_keywords = \(PolicyText.tomlArray(items))")
                notMapped.append(
                    "rule '\(sourceID)': 'subject or body' imported as the subject only (a rule's conditions must all hold): copy it with body_keywords for the body"
                )
            default:
                notMapped.append("rule '\(sourceID)': unknown matchTarget \(target)")
            }
            if items.contains(where: { $0.contains("*") || $0.contains("?") }) && (target == 3 || target == 4 || target == 5) {
                notMapped.append("rule '\(sourceID)': '*' and '?' in keywords are read literally; write a body_regex instead")
            }
            if mode == 2 || mode == 4 { out.line("has_attachments = true") }
            if mode == 3 || mode == 4 {
                out.line("only_external = true")
                if target != 0 { out.line("recipients_any = [\"*\"]") }
            }
        }
        return PolicyImport(toml: out.text, notMapped: notMapped)
    }

    /// FlexConfirmMail's own defaults for its built-in rules (used when the export leaves them out).
    static let builtInRules: [String: (enabled: Bool, target: Int, action: Int)] = [
        "builtInAttentionDomains": (true, 0, 1),
        "builtInAttentionSuffixes": (false, 2, 3),
        "builtInAttentionSuffixes2": (false, 2, 3),
        "builtInAttentionTerms": (false, 1, 3),
        "builtInBlockedDomains": (false, 0, 10)
    ]

    /// `@example.com` and `example.com` are domains; an address pattern stays as it is.
    static func fcmAddressPattern(_ item: String) -> String {
        let s = item.hasPrefix("@") ? String(item.dropFirst()) : item
        return s
    }

    static func slug(_ s: String) -> String {
        let mapped = s.unicodeScalars.map { c -> Character in
            (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "-" || c == "_" ? Character(c) : "-"
        }
        let t = String(mapped).split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-")
        return t.isEmpty ? "rule" : t.lowercased()
    }
}

// MARK: OutlookOkan

extension PolicyImport {
    /// OutlookOkan's settings: CSV files without a header, UTF-8, one kind per file, known by the
    /// file name it exports and reads (`AlertKeywordAndMessageList.csv`, …). `files` are (name,
    /// text) pairs; the name's last path component decides the kind.
    public static func outlookOkan(_ files: [(name: String, text: String)]) throws(PolicyImportError) -> PolicyImport {
        var out = TOMLWriter()
        var notMapped: [String] = []
        var internalDomains: [String] = []
        var n = 0
        func rule(_ severity: String, _ message: String, _ lines: [String]) {
            n += 1
            out.line("")
            out.line("[[rule]]")
            out.line("id = \"okan-\(n)\"")
            out.line("severity = \(PolicyText.tomlString(severity))")
            out.line("message = \(PolicyText.tomlString(message))")
            for l in lines { out.line(l) }
        }
        func yes(_ s: String?) -> Bool { ["true", "yes", "y"].contains((s ?? "").lowercased()) }
        for (path, text) in files {
            let name = String(path.split(separator: "/").last ?? Substring(path))
            let rows = CSV.rows(text)
            switch name.lowercased() {
            case "alertkeywordandmessagelist.csv", "alertkeywordandmessagelistforsubject.csv":
                let subject = name.lowercased().contains("forsubject")
                for (i, row) in rows.enumerated() where !(row.first ?? "").isEmpty {
                    let keyword = row[0]
                    let message = row.count > 1 && !row[1].isEmpty ? row[1] : "'\(keyword)' is in the \(subject ? "subject" : "body")"
                    rule(
                        yes(row.count > 2 ? row[2] : nil) ? "block" : "confirm", message,
                        ["\(subject ? "subject" : "body")_keywords = \(PolicyText.tomlArray([keyword]))  # \(name):\(i + 1)"])
                }
            case "alertaddresslist.csv":
                for (i, row) in rows.enumerated() where !(row.first ?? "").isEmpty {
                    let address = row[0].hasPrefix("@") ? String(row[0].dropFirst()) : row[0]
                    guard (try? AddressPattern(address)) != nil else {
                        notMapped.append("\(name):\(i + 1): '\(row[0])' is not an address or domain pattern")
                        continue
                    }
                    let message = row.count > 2 && !row[2].isEmpty ? row[2] : "a recipient to look at twice: \(row[0])"
                    rule(
                        yes(row.count > 1 ? row[1] : nil) ? "block" : "confirm", message,
                        ["recipients_any = \(PolicyText.tomlArray([address]))  # \(name):\(i + 1)"])
                }
            case "keywordandrecipientslist.csv":
                for (i, row) in rows.enumerated() where row.count >= 2 && !row[0].isEmpty && !row[1].isEmpty {
                    rule(
                        "confirm", "'\(row[0])' in the body needs \(row[1]) as a recipient",
                        [
                            "body_keywords = \(PolicyText.tomlArray([row[0]]))  # \(name):\(i + 1)",
                            "requires_recipients = \(PolicyText.tomlArray([row[1].hasPrefix("@") ? String(row[1].dropFirst()) : row[1]]))"
                        ])
                }
            case "attachmentprohibitedrecipientslist.csv", "attachmentprohibitedrecipients.csv":
                for (i, row) in rows.enumerated() where !(row.first ?? "").isEmpty {
                    let address = row[0].hasPrefix("@") ? String(row[0].dropFirst()) : row[0]
                    rule(
                        "block", "attachments may not be sent to \(row[0])",
                        ["recipients_any = \(PolicyText.tomlArray([address]))  # \(name):\(i + 1)", "has_attachments = true"])
                }
            case "internaldomainlist.csv":
                for (i, row) in rows.enumerated() where !(row.first ?? "").isEmpty {
                    if (try? DomainPattern(row[0])) != nil {
                        internalDomains.append(row[0])
                    } else {
                        notMapped.append("\(name):\(i + 1): '\(row[0])' is not a domain guardmail accepts in internal_domains")
                    }
                }
            case "nameanddomains.csv":
                notMapped.append(
                    "\(name): \(rows.count) name ↔ domain pairs: write them into the address book as [Company] sections and add a rule with company_must_match = true"
                )
            default:
                notMapped.append("\(name): \(rows.count) rows of a setting with no counterpart in a guardmail rule table (or not an OutlookOkan file)")
            }
        }
        var head = TOMLWriter()
        if !internalDomains.isEmpty { head.line("internal_domains = \(PolicyText.tomlArray(internalDomains))") }
        return PolicyImport(toml: head.text + out.text, notMapped: notMapped)
    }
}

struct TOMLWriter {
    var text = ""
    mutating func line(_ s: String) { text += s + "\n" }
}

/// RFC 4180 CSV: quoted fields with "" escapes, CRLF or LF rows; a byte-order mark is skipped.
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }
        var i = chars.startIndex
        while i < chars.endIndex {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.endIndex && chars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < chars.endIndex && chars[i + 1] == "\n" { i += 1 }
                row.append(field)
                field = ""
                if !(row.count == 1 && row[0].isEmpty) { rows.append(row.map(PolicyText.trimmed)) }
                row = []
            } else {
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row.map(PolicyText.trimmed))
        }
        return rows
    }
}

/// A small JSON reader (RFC 8259) for imported settings files.
enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var int: Int? { if case .number(let d) = self, let i = Int(exactly: d) { return i } else { return nil } }

    static func parse(_ text: String) throws(PolicyImportError) -> JSONValue {
        var p = Parser(chars: Array(text.unicodeScalars))
        p.skip()
        let v = try p.value()
        p.skip()
        guard p.i == p.chars.count else { throw p.error("text after the value") }
        return v
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0

        func error(_ what: String) -> PolicyImportError { PolicyImportError("\(what) at character \(i + 1)") }

        mutating func skip() { while i < chars.count, [" ", "\n", "\r", "\t", "\u{FEFF}"].contains(chars[i]) { i += 1 } }

        mutating func value() throws(PolicyImportError) -> JSONValue {
            guard i < chars.count else { throw error("unexpected end") }
            switch chars[i] {
            case "{":
                i += 1
                var object: [String: JSONValue] = [:]
                skip()
                if i < chars.count, chars[i] == "}" {
                    i += 1
                    return .object(object)
                }
                while true {
                    skip()
                    guard case .string(let key) = try value() else { throw error("a key that is not a string") }
                    skip()
                    guard i < chars.count, chars[i] == ":" else { throw error("':' missing") }
                    i += 1
                    skip()
                    object[key] = try value()
                    skip()
                    guard i < chars.count else { throw error("unexpected end") }
                    if chars[i] == "," {
                        i += 1
                        continue
                    }
                    if chars[i] == "}" {
                        i += 1
                        return .object(object)
                    }
                    throw error("',' or '}' missing")
                }
            case "[":
                i += 1
                var array: [JSONValue] = []
                skip()
                if i < chars.count, chars[i] == "]" {
                    i += 1
                    return .array(array)
                }
                while true {
                    skip()
                    array.append(try value())
                    skip()
                    guard i < chars.count else { throw error("unexpected end") }
                    if chars[i] == "," {
                        i += 1
                        continue
                    }
                    if chars[i] == "]" {
                        i += 1
                        return .array(array)
                    }
                    throw error("',' or ']' missing")
                }
            case "\"":
                i += 1
                var s = String.UnicodeScalarView()
                while true {
                    guard i < chars.count else { throw error("unterminated string") }
                    let c = chars[i]
                    i += 1
                    if c == "\"" { return .string(String(s)) }
                    if c != "\\" {
                        s.append(c)
                        continue
                    }
                    guard i < chars.count else { throw error("unterminated string") }
                    let e = chars[i]
                    i += 1
                    switch e {
                    case "n": s.append("\n")
                    case "t": s.append("\t")
                    case "r": s.append("\r")
                    case "b": s.append("\u{8}")
                    case "f": s.append("\u{C}")
                    case "u":
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code), i + 1 < chars.count, chars[i] == "\\", chars[i + 1] == "u" {
                            i += 2
                            let low = try hex4()
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        s.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: s.append(e)
                    }
                }
            case "t", "f", "n":
                for (word, v) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] {
                    let w = Array(word.unicodeScalars)
                    if i + w.count <= chars.count, Array(chars[i..<i + w.count]) == w {
                        i += w.count
                        return v
                    }
                }
                throw error("unknown word")
            default:
                var t = ""
                while i < chars.count, "+-0123456789.eE".unicodeScalars.contains(chars[i]) {
                    t.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard let d = Double(t) else { throw error("not a value") }
                return .number(d)
            }
        }

        mutating func hex4() throws(PolicyImportError) -> UInt32 {
            guard i + 4 <= chars.count, let v = UInt32(String(String.UnicodeScalarView(chars[i..<i + 4])), radix: 16) else { throw error("bad \\u escape") }
            i += 4
            return v
        }
    }
}
