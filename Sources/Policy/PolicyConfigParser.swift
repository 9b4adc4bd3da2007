// PolicyConfigParser.swift — reading `[policy]` (user config) and /etc/guardmail/policy.toml.
//
// Both have the same keys; the organisation file has them at its top level. Every error names
// the file, the line and the key:
//   config.toml:12: 'policy.rules.namesake.severity' must be info, confirm or block, found 'warn'
//   policy.toml:3: unknown rule 'bulk' in [rules]; rules: bulk-visible-recipients, …

import GuardTOML

extension PolicyConfig {
    /// Reads one layer's policy table: `[policy]` of the user's config (the reader the config
    /// loader got from `table("policy")`), or the root of the organisation file. Unknown keys in
    /// the table are errors (`finish()` is called on it).
    public static func parse(_ reader: inout TOMLTableReader, layer: PolicyLayer) throws(PolicyConfigError) -> PolicyLayerSettings {
        do {
            return try parseTable(&reader, layer: layer)
        } catch {
            throw PolicyConfigError(error)
        }
    }

    /// Reads the organisation policy file (`/etc/guardmail/policy.toml`); its top level has the
    /// keys of the user's `[policy]` table.
    public static func parseOrganisationFile(_ text: String, file: String) throws(PolicyConfigError) -> PolicyLayerSettings {
        try parseFile(text, file: file, layer: .organisation)
    }

    /// Reads a file whose top level holds policy keys, as the given layer.
    public static func parseFile(_ text: String, file: String, layer: PolicyLayer) throws(PolicyConfigError) -> PolicyLayerSettings {
        var root: TOMLTableReader
        do {
            root = try TOMLTableReader.parse(text, file: file)
        } catch {
            throw PolicyConfigError(error)
        }
        return try parse(&root, layer: layer)
    }

    private static func parseTable(_ reader: inout TOMLTableReader, layer: PolicyLayer) throws(TOMLSchemaError) -> PolicyLayerSettings {
        var settings = PolicyLayerSettings(layer: layer, file: reader.file)
        func origin(_ r: TOMLTableReader, _ key: String) -> PolicyOrigin {
            PolicyOrigin(layer: layer, file: r.file, line: r.position(of: key)?.line)
        }

        if try reader.optional("internal_domains", as: [String].self) != nil {
            var patterns: [DomainPattern] = []
            let items = reader.table["internal_domains"]?.arrayValue ?? []
            for item in items {
                guard let text = item.stringValue else { continue }
                do {
                    patterns.append(try DomainPattern(text))
                } catch {
                    throw TOMLSchemaError.invalidValue(
                        file: reader.file, line: item.position.line,
                        key: reader.fullKey("internal_domains"),
                        "has an invalid entry: \(error.message)")
                }
            }
            settings.internalDomains = PolicySetting(patterns, origin(reader, "internal_domains"))
        }
        for key in ["hold_internal_seconds", "hold_external_seconds"] {
            guard let seconds = try reader.optional(key, as: Int.self) else { continue }
            guard (0...maximumHoldSeconds).contains(seconds) else {
                throw reader.invalid(key, "must be between 0 and \(maximumHoldSeconds), found \(seconds)")
            }
            let setting = PolicySetting(seconds, origin(reader, key))
            if key == "hold_internal_seconds" { settings.holdInternalSeconds = setting } else { settings.holdExternalSeconds = setting }
        }
        if let path = try reader.optional("address_book", as: String.self) {
            guard !path.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                throw reader.invalid("address_book", "must not be empty")
            }
            settings.addressBook = PolicySetting(path, origin(reader, "address_book"))
        }

        if var confirmation = try reader.table("confirmation") {
            if let full = try confirmation.optional("always_full", as: Bool.self) {
                settings.alwaysFullConfirmation = PolicySetting(full, origin(confirmation, "always_full"))
            }
            try confirmation.finish()
        }

        settings.groups = try parseGroups(&reader, layer: layer)
        settings.rules = try parseRules(&reader, layer: layer)
        settings.barriers = try parseBarriers(&reader, layer: layer)

        if var rulesReader = try reader.table("rules") {
            for (id, node) in rulesReader.table.entries {
                guard let rule = PolicyEngine.rule(id) else {
                    let line = node.keyPosition?.line ?? node.position.line
                    let known = PolicyEngine.rules.map(\.id).joined(separator: ", ")
                    throw TOMLSchemaError(
                        kind: .unknownKey, file: reader.file, line: line, key: rulesReader.fullKey(id),
                        message: "unknown rule '\(id)' in [\(rulesReader.path)]; rules: \(known)")
                }
                guard var ruleReader = try rulesReader.table(id) else { continue }
                if let text = try ruleReader.optional("severity", as: String.self) {
                    guard let severity = Severity(rawValue: text) else {
                        throw ruleReader.invalid("severity", "must be info, confirm or block, found '\(text)'")
                    }
                    settings.severities[rule.id] = PolicySetting(severity, origin(ruleReader, "severity"))
                }
                var values: [String: PolicySetting<RuleValue>] = [:]
                for option in rule.options {
                    let value: RuleValue
                    switch option.kind {
                    case .threshold(let minimum):
                        guard let n = try ruleReader.optional(option.key, as: Int.self) else { continue }
                        guard n >= minimum else {
                            throw ruleReader.invalid(option.key, "must be at least \(minimum), found \(n)")
                        }
                        value = .integer(n)
                    case .flag:
                        guard let b = try ruleReader.optional(option.key, as: Bool.self) else { continue }
                        value = .flag(b)
                    case .words:
                        guard let words = try ruleReader.optional(option.key, as: [String].self) else { continue }
                        var cleaned: [String] = []
                        for w in words {
                            let t = PolicyText.trimmed(w)
                            guard !t.isEmpty else { throw ruleReader.invalid(option.key, "must not contain an empty word") }
                            cleaned.append(t)
                        }
                        value = .words(cleaned)
                    }
                    values[option.key] = PolicySetting(value, origin(ruleReader, option.key))
                }
                if !values.isEmpty { settings.options[rule.id] = values }
                try ruleReader.finish()
            }
            try rulesReader.finish()
        }
        try reader.finish()
        return settings
    }
}

extension PolicyText {
    /// Without leading and trailing spaces (ASCII and U+3000), tabs and line breaks.
    static func trimmed(_ s: String) -> String {
        var t = Substring(s)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline || $0 == "\u{3000}" }
        while let f = t.first, isSpace(f) { t = t.dropFirst() }
        while let l = t.last, isSpace(l) { t = t.dropLast() }
        return String(t)
    }
}
