// RuleTable.swift — the rules an organisation or a user writes (`[[rule]]`) and the information
// barriers (`[[barrier]]`): their definitions and how they are read from a policy file.
//
//   [[rule]]
//   id = "customer-list-needs-compliance"
//   severity = "block"                      # info, confirm, challenge or block
//   message = "顧客リストはコンプライアンス部をCcに入れてください"
//   body_keywords = ["顧客リスト"]
//   requires_recipients = ["compliance@agency.example"]
//
//   [[barrier]]
//   id = "insurers"
//   groups = ["insurer-a", "insurer-b"]
//
// - SeeAlso: docs/policy.md "Rule tables", "Information barriers".

import GuardTOML
import MailCore

/// What a written rule does when all its conditions hold.
public enum RuleTableSeverity: String, Sendable, Hashable, CaseIterable, Comparable {
    case info, confirm, challenge, block

    /// The finding's severity: a challenge is a confirmation that also asks for typing.
    public var severity: Severity {
        switch self {
        case .info: return .info
        case .confirm, .challenge: return .confirm
        case .block: return .block
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// One `[[rule]]`: every condition it states must hold.
public struct TableRule: Sendable, Equatable {
    public var id: String
    public var severity: RuleTableSeverity
    /// The admin's sentence (any language).
    public var message: String
    public var origin: PolicyOrigin

    // Recipients.
    var recipientsAny: [PlacedEntry]? = nil
    var recipientsAll: [PlacedEntry]? = nil
    var recipientsNone: [PlacedEntry]? = nil
    var onlyExternal = false
    var onlyVisible = false
    var minRecipients: Int? = nil
    var requiresRecipients: [PlacedEntry]? = nil
    // Text.
    var subjectKeywords: [RuleKeyword] = []
    var subjectRegex: RuleRegex? = nil
    var bodyKeywords: [RuleKeyword] = []
    var bodyRegex: RuleRegex? = nil
    var companyMustMatch = false
    // Attachments: one attachment must meet every attachment condition given.
    var attachmentNames: [String] = []
    var attachmentTypes: [String] = []
    var attachmentMinBytes: Int64? = nil
    var attachmentEncrypted: Bool? = nil
    var attachmentKeywords: [RuleKeyword] = []
    var hasAttachments: Bool? = nil

    /// Every group reference, with its key, for checking that the groups exist.
    var groupReferences: [(key: String, entry: PlacedEntry)] {
        var out: [(key: String, entry: PlacedEntry)] = []
        for (key, list) in [
            ("recipients_any", recipientsAny), ("recipients_all", recipientsAll), ("recipients_none", recipientsNone),
            ("requires_recipients", requiresRecipients)
        ] {
            for e in list ?? [] { if case .group = e.entry { out.append((key, e)) } }
        }
        return out
    }

    var hasAttachmentCondition: Bool {
        !attachmentNames.isEmpty || !attachmentTypes.isEmpty || attachmentMinBytes != nil || attachmentEncrypted != nil
            || !attachmentKeywords.isEmpty
    }
}

/// One `[[barrier]]`: groups that must never meet in one message (To, Cc and Bcc).
public struct Barrier: Sendable, Equatable {
    public var id: String
    public var groups: [String]
    public var severity: Severity
    public var message: String?
    public var origin: PolicyOrigin
    /// Data tags: attachment names or text (body and attachments) that may go only to `allowed` groups.
    var tags: [BarrierTag] = []
}

struct BarrierTag: Sendable, Equatable {
    var names: [String]
    var keywords: [RuleKeyword]
    var regex: RuleRegex?
    var allowed: [String]
    var origin: PolicyOrigin
}

// MARK: Reading

extension PolicyConfig {
    static let ruleIDCharacters = "letters, digits, '-' and '_'"

    static func parseGroups(_ reader: inout TOMLTableReader, layer: PolicyLayer) throws(TOMLSchemaError) -> [GroupDefinition] {
        guard let groups = try reader.table("groups") else { return [] }
        var out: [GroupDefinition] = []
        for (name, node) in groups.table.entries {
            let key = groups.fullKey(name)
            let origin = PolicyOrigin(layer: layer, file: reader.file, line: (node.keyPosition ?? node.position).line)
            guard PolicyGroups.isValidName(name) else {
                throw .invalidValue(file: reader.file, line: origin.line, key: key, "group names are \(ruleIDCharacters), found '\(name)'")
            }
            if let path = node.stringValue {
                guard !PolicyText.trimmed(path).isEmpty else { throw .invalidValue(file: reader.file, line: origin.line, key: key, "must not be empty") }
                out.append(GroupDefinition(name: name, origin: origin, entries: [], file: path))
            } else if let items = node.arrayValue {
                var entries: [PlacedEntry] = []
                for item in items {
                    guard let text = item.stringValue else {
                        throw TOMLSchemaError(
                            kind: .wrongType, file: reader.file, line: item.position.line, key: key,
                            message: "'\(key)' must be an array of strings (patterns or 'group:NAME'), found \(item.typeName)")
                    }
                    do {
                        entries.append(
                            PlacedEntry(entry: try PatternEntry(text), origin: PolicyOrigin(layer: layer, file: reader.file, line: item.position.line)))
                    } catch {
                        throw .invalidValue(file: reader.file, line: item.position.line, key: key, "has an invalid entry: \(error.message)")
                    }
                }
                out.append(GroupDefinition(name: name, origin: origin, entries: entries, file: nil))
            } else {
                throw TOMLSchemaError(
                    kind: .wrongType, file: reader.file, line: origin.line, key: key,
                    message: "'\(key)' must be an array of patterns or the path of a list file, found \(node.typeName)")
            }
        }
        return out
    }

    private static func entries(_ r: inout TOMLTableReader, _ key: String, layer: PolicyLayer) throws(TOMLSchemaError) -> [PlacedEntry]? {
        guard try r.optional(key, as: [String].self) != nil else { return nil }
        var out: [PlacedEntry] = []
        for item in r.table[key]?.arrayValue ?? [] {
            guard let text = item.stringValue else { continue }
            do {
                out.append(PlacedEntry(entry: try PatternEntry(text), origin: PolicyOrigin(layer: layer, file: r.file, line: item.position.line)))
            } catch {
                throw .invalidValue(file: r.file, line: item.position.line, key: r.fullKey(key), "has an invalid entry: \(error.message)")
            }
        }
        if out.isEmpty { throw r.invalid(key, "must not be empty") }
        return out
    }

    private static func keywords(_ r: inout TOMLTableReader, _ key: String) throws(TOMLSchemaError) -> [RuleKeyword] {
        guard let words = try r.optional(key, as: [String].self) else { return [] }
        var out: [RuleKeyword] = []
        for w in words {
            let t = PolicyText.trimmed(w)
            guard !t.isEmpty else { throw r.invalid(key, "must not contain an empty word") }
            out.append(RuleKeyword(t))
        }
        if out.isEmpty { throw r.invalid(key, "must not be empty") }
        return out
    }

    private static func regex(_ r: inout TOMLTableReader, _ key: String) throws(TOMLSchemaError) -> RuleRegex? {
        guard let text = try r.optional(key, as: String.self) else { return nil }
        do {
            return try RuleRegex(text)
        } catch {
            throw r.invalid(key, "is refused: \(error.message)")
        }
    }

    private static func id(_ r: inout TOMLTableReader) throws(TOMLSchemaError) -> String {
        let id = try r.required("id", as: String.self)
        guard PolicyGroups.isValidName(id) else { throw r.invalid("id", "ids are \(ruleIDCharacters), found '\(id)'") }
        if PolicyEngine.rule(id) != nil {
            throw r.invalid("id", "names the built-in rule '\(id)': set its severity in [rules.\(id)] or choose another id")
        }
        return id
    }

    static func parseRules(_ reader: inout TOMLTableReader, layer: PolicyLayer) throws(TOMLSchemaError) -> [TableRule] {
        var out: [TableRule] = []
        var seen: [String: Int] = [:]
        for var r in try reader.tableArray("rule") {
            let id = try id(&r)
            let line = r.position(of: "id")?.line
            if let first = seen[id] { throw r.invalid("id", "repeats '\(id)', the id of the rule at line \(first)") }
            seen[id] = line ?? 0
            let severityText = try r.optional("severity", as: String.self) ?? "confirm"
            guard let severity = RuleTableSeverity(rawValue: severityText) else {
                throw r.invalid("severity", "must be info, confirm, challenge or block, found '\(severityText)'")
            }
            let message = try r.required("message", as: String.self)
            guard !PolicyText.trimmed(message).isEmpty else { throw r.invalid("message", "must not be empty") }
            var rule = TableRule(
                id: id, severity: severity, message: PolicyText.trimmed(message), origin: PolicyOrigin(layer: layer, file: r.file, line: line))
            rule.recipientsAny = try entries(&r, "recipients_any", layer: layer)
            rule.recipientsAll = try entries(&r, "recipients_all", layer: layer)
            rule.recipientsNone = try entries(&r, "recipients_none", layer: layer)
            rule.requiresRecipients = try entries(&r, "requires_recipients", layer: layer)
            rule.onlyExternal = try r.optional("only_external", as: Bool.self) ?? false
            rule.onlyVisible = try r.optional("only_visible", as: Bool.self) ?? false
            if let n = try r.optional("min_recipients", as: Int.self) {
                guard n >= 1 else { throw r.invalid("min_recipients", "must be at least 1, found \(n)") }
                rule.minRecipients = n
            }
            rule.subjectKeywords = try keywords(&r, "subject_keywords")
            rule.subjectRegex = try regex(&r, "subject_regex")
            rule.bodyKeywords = try keywords(&r, "body_keywords")
            rule.bodyRegex = try regex(&r, "body_regex")
            rule.companyMustMatch = try r.optional("company_must_match", as: Bool.self) ?? false
            if let names = try r.optional("attachment_names", as: [String].self) {
                rule.attachmentNames = names.map(PolicyText.trimmed)
                if rule.attachmentNames.isEmpty || rule.attachmentNames.contains(where: \.isEmpty) {
                    throw r.invalid("attachment_names", "must hold file name patterns such as '*.xlsx'")
                }
            }
            if let types = try r.optional("attachment_types", as: [String].self) {
                rule.attachmentTypes = types.map(PolicyText.trimmed)
                if rule.attachmentTypes.isEmpty || rule.attachmentTypes.contains(where: { !$0.contains("/") }) {
                    throw r.invalid("attachment_types", "must hold types such as 'application/zip' or 'text/*'")
                }
            }
            if let mib = try r.optional("attachment_min_kib", as: Int64.self) {
                guard mib >= 0 && mib < (1 << 40) else { throw r.invalid("attachment_min_kib", "must be between 0 and 2^40, found \(mib)") }
                rule.attachmentMinBytes = mib * 1024
            }
            rule.attachmentEncrypted = try r.optional("attachment_encrypted", as: Bool.self)
            rule.attachmentKeywords = try keywords(&r, "attachment_keywords")
            rule.hasAttachments = try r.optional("has_attachments", as: Bool.self)
            if rule.hasAttachments == false && rule.hasAttachmentCondition {
                throw r.invalid("has_attachments", "is false, but the rule has attachment conditions: it could never match")
            }
            try r.finish()
            let conditions =
                [rule.recipientsAny, rule.recipientsAll, rule.recipientsNone, rule.requiresRecipients].contains { $0 != nil }
                || rule.minRecipients != nil || !rule.subjectKeywords.isEmpty || rule.subjectRegex != nil || !rule.bodyKeywords.isEmpty
                || rule.bodyRegex != nil || rule.companyMustMatch || rule.hasAttachmentCondition || rule.hasAttachments != nil
            guard conditions else {
                throw TOMLSchemaError(
                    kind: .missingKey, file: r.file, line: line, key: r.path,
                    message: "rule '\(id)' has no condition: it would stop every message; add one (see docs/policy.md, \"Rule tables\")")
            }
            out.append(rule)
        }
        return out
    }

    static func parseBarriers(_ reader: inout TOMLTableReader, layer: PolicyLayer) throws(TOMLSchemaError) -> [Barrier] {
        var out: [Barrier] = []
        var seen: [String: Int] = [:]
        for var r in try reader.tableArray("barrier") {
            let id = try id(&r)
            let line = r.position(of: "id")?.line
            if let first = seen[id] { throw r.invalid("id", "repeats '\(id)', the id of the barrier at line \(first)") }
            seen[id] = line ?? 0
            let groups = try r.required("groups", as: [String].self).map(PolicyText.trimmed)
            guard Set(groups).count >= 2, groups.allSatisfy(PolicyGroups.isValidName) else {
                throw r.invalid("groups", "must name at least two different groups")
            }
            let severityText = try r.optional("severity", as: String.self) ?? "block"
            guard let severity = Severity(rawValue: severityText) else {
                throw r.invalid("severity", "must be info, confirm or block, found '\(severityText)'")
            }
            let message = try r.optional("message", as: String.self).map(PolicyText.trimmed)
            var barrier = Barrier(
                id: id, groups: groups, severity: severity, message: message?.isEmpty == true ? nil : message,
                origin: PolicyOrigin(layer: layer, file: r.file, line: line))
            for var t in try r.tableArray("tag") {
                let names = try t.optional("attachment_names", as: [String].self)?.map(PolicyText.trimmed) ?? []
                let words = try keywords(&t, "keywords")
                let rx = try regex(&t, "regex")
                let allowed = try t.required("only_to", as: [String].self).map(PolicyText.trimmed)
                guard !allowed.isEmpty, allowed.allSatisfy({ groups.contains($0) }) else {
                    throw t.invalid("only_to", "must name groups of this barrier (\(groups.joined(separator: ", ")))")
                }
                guard !names.isEmpty || !words.isEmpty || rx != nil else {
                    throw t.invalid("only_to", "the tag needs attachment_names, keywords or regex to recognise the data")
                }
                barrier.tags.append(
                    BarrierTag(
                        names: names, keywords: words, regex: rx, allowed: allowed,
                        origin: PolicyOrigin(layer: layer, file: t.file, line: t.table.position.line)))
                try t.finish()
            }
            try r.finish()
            out.append(barrier)
        }
        return out
    }
}
