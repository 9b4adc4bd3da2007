// PolicyConfig.swift — the effective policy: built-in defaults < user config < organisation policy.
//
// Where only one layer sets a value, that layer's value applies. Where both the user and the
// organisation set one, the stricter wins:
//   severity = the higher; thresholds = the lower; hold seconds = the longer;
//   challenge and confirmation.always_full = true if either says true; keyword lists and address books = both together;
//   internal_domains = the organisation's list (user entries outside it are ignored, with a note).
// When no layer sets internal_domains, the sender's own domain is the only internal domain.
//
// - SeeAlso: docs/policy.md "Files and layers".

import MailCore

public struct PolicyConfig: Sendable {
    /// nil when no layer sets `internal_domains`: the sender's domain is then the internal one.
    public private(set) var internalDomains: PolicySetting<[DomainPattern]>?
    public private(set) var holdInternalSeconds: PolicySetting<Int>
    public private(set) var holdExternalSeconds: PolicySetting<Int>
    /// `[confirmation] always_full`: every message gets the full confirmation screen, every
    /// external recipient and attachment ticked. `true` in the organisation policy is locked.
    public private(set) var alwaysFullConfirmation: PolicySetting<Bool>
    /// Address book paths to read, the organisation's first; each a path as written.
    public private(set) var addressBooks: [PolicySetting<String>]
    private var severities: [String: PolicySetting<Severity>] = [:]
    private var options: [String: [String: PolicySetting<RuleValue>]] = [:]
    /// Explanation key → note.
    private var keyNotes: [String: String] = [:]
    /// Things worth telling the user when the policy is loaded (ignored user entries), each
    /// naming the file and line.
    public private(set) var notes: [String] = []
    /// Every layer's groups, resolved.
    public private(set) var groups: PolicyGroups = .empty
    /// Written rules: the organisation's (its files in order), then the user's.
    public private(set) var tableRules: [TableRule] = []
    /// Information barriers: the organisation's, then the user's.
    public private(set) var barriers: [Barrier] = []
    /// What is wrong with the rule tables, barriers or groups (a clash between layers, an
    /// undefined group, a loop). `make` throws it; a config built without `make` blocks every
    /// message with it rather than run without the rules (fail closed).
    public private(set) var tableError: PolicyConfigError?
    /// Every body keyword of the rule tables, for one pass over a message's text.
    var keywordIndex: KeywordIndex?
    /// The required literals of the rule tables' body regular expressions, for one pass that
    /// finds the lines worth giving to the regex engine.
    var regexLiteralIndex: KeywordIndex?
    /// `tableRules[i]`'s recipient patterns prepared for matching, made once with the policy.
    var ruleRecipientSets: [RuleRecipientSets] = []

    public static let defaultHoldInternalSeconds = 10
    public static let defaultHoldExternalSeconds = 60
    /// The longest hold a policy file may ask for.
    public static let maximumHoldSeconds = 3600

    /// The built-in defaults alone.
    public static let defaults = PolicyConfig(layers: [])

    /// Merges the layers' settings (in any order; at most one per layer is expected).
    /// Organisation layers are combined in order (the policy file, then each drop-in), none
    /// loosening the one before.
    public init(layers: [PolicyLayerSettings]) {
        let user = layers.last { $0.layer == .user }
        self.init(user: user, organisations: layers.filter { $0.layer == .organisation })
    }

    /// The effective policy, or the first error in its rule tables, barriers and groups.
    public static func make(user: PolicyLayerSettings?, organisations: [PolicyLayerSettings]) throws(PolicyConfigError) -> PolicyConfig {
        let config = PolicyConfig(user: user, organisations: organisations)
        if let error = config.tableError { throw error }
        return config
    }

    public init(user: PolicyLayerSettings?, organisations: [PolicyLayerSettings]) {
        let combined = organisations.dropFirst().reduce(organisations.first) { earlier, later in earlier?.combined(with: later) ?? later }
        self.init(scalarsOf: user, organisation: combined)
        do {
            try setTables(user: user, organisations: organisations)
        } catch {
            tableError = error
        }
        let keywords = tableRules.flatMap { $0.bodyKeywords.map(\.foldedText) }
        if !keywords.isEmpty { keywordIndex = KeywordIndex(keywords) }
        let literals = tableRules.compactMap { $0.bodyRegex?.requiredLiteral }.map { String(decoding: $0, as: UTF8.self) }
        if !literals.isEmpty { regexLiteralIndex = KeywordIndex(literals, wholeWords: false) }
        if tableError == nil { ruleRecipientSets = tableRules.map { RuleRecipientSets($0, groups: groups) } }
    }

    private mutating func setTables(user: PolicyLayerSettings?, organisations: [PolicyLayerSettings]) throws(PolicyConfigError) {
        let layers = organisations + (user.map { [$0] } ?? [])
        groups = try PolicyGroups(layers: layers)
        var ruleIDs: [String: TableRule] = [:]
        var barrierIDs: [String: Barrier] = [:]
        for layer in layers {
            for rule in layer.rules {
                if let earlier = ruleIDs[rule.id] {
                    throw PolicyConfigError(
                        kind: .invalidValue, file: rule.origin.file ?? layer.file, line: rule.origin.line, key: "rule.id",
                        message:
                            "rule '\(rule.id)' is already defined by the \(earlier.origin.layer.rawValue)\(earlier.origin.place.map { " (\($0))" } ?? ""); a rule cannot be replaced or weakened by another layer: choose another id"
                    )
                }
                ruleIDs[rule.id] = rule
                for ref in rule.groupReferences {
                    if case .group(let g) = ref.entry.entry, groups.patterns[g] == nil {
                        throw PolicyGroups.undefined(g, at: ref.entry.origin, key: ref.key, known: groups.names)
                    }
                }
                tableRules.append(rule)
            }
            for barrier in layer.barriers {
                if let earlier = barrierIDs[barrier.id] {
                    throw PolicyConfigError(
                        kind: .invalidValue, file: barrier.origin.file ?? layer.file, line: barrier.origin.line, key: "barrier.id",
                        message:
                            "barrier '\(barrier.id)' is already defined by the \(earlier.origin.layer.rawValue)\(earlier.origin.place.map { " (\($0))" } ?? ""); a barrier cannot be replaced or weakened by another layer: choose another id"
                    )
                }
                barrierIDs[barrier.id] = barrier
                for g in barrier.groups where groups.patterns[g] == nil {
                    throw PolicyGroups.undefined(g, at: barrier.origin, key: "barrier.groups", known: groups.names)
                }
                barriers.append(barrier)
            }
        }
    }

    /// One organisation file (or none) and the user's `[policy]`.
    public init(user: PolicyLayerSettings? = nil, organisation org: PolicyLayerSettings? = nil) {
        self.init(user: user, organisations: org.map { [$0] } ?? [])
    }

    /// The settings other than rule tables, barriers and groups.
    private init(scalarsOf user: PolicyLayerSettings?, organisation org: PolicyLayerSettings?) {
        holdInternalSeconds = PolicySetting(Self.defaultHoldInternalSeconds, .builtIn)
        holdExternalSeconds = PolicySetting(Self.defaultHoldExternalSeconds, .builtIn)
        alwaysFullConfirmation = PolicySetting(false, .builtIn)
        addressBooks = [org?.addressBook, user?.addressBook].compactMap { $0 }

        holdInternalSeconds = merge(
            "hold_internal_seconds", holdInternalSeconds,
            user?.holdInternalSeconds, org?.holdInternalSeconds, stricter: >)
        holdExternalSeconds = merge(
            "hold_external_seconds", holdExternalSeconds,
            user?.holdExternalSeconds, org?.holdExternalSeconds, stricter: >)
        mergeInternalDomains(user: user?.internalDomains, org: org?.internalDomains)
        alwaysFullConfirmation = merge(
            "confirmation.always_full", alwaysFullConfirmation,
            user?.alwaysFullConfirmation, org?.alwaysFullConfirmation, stricter: { $0 && !$1 })

        for rule in PolicyEngine.rules {
            let key = "rules.\(rule.id).severity"
            severities[rule.id] = merge(
                key, PolicySetting(rule.defaultSeverity, .builtIn),
                user?.severities[rule.id], org?.severities[rule.id],
                stricter: >, render: \.rawValue)
            var values: [String: PolicySetting<RuleValue>] = [:]
            for option in rule.options {
                let key = "rules.\(rule.id).\(option.key)"
                let u = user?.options[rule.id]?[option.key]
                let o = org?.options[rule.id]?[option.key]
                let builtIn = PolicySetting(option.defaultValue, .builtIn)
                switch option.kind {
                case .threshold:
                    values[option.key] = merge(key, builtIn, u, o, stricter: { ($0.integer ?? 0) < ($1.integer ?? 0) })
                case .flag:
                    values[option.key] = merge(key, builtIn, u, o, stricter: { ($0.flag ?? false) && !($1.flag ?? false) })
                case .words:
                    if let u, let o {
                        var seen = Set<String>()
                        var union: [String] = []
                        for w in (o.value.words ?? []) + (u.value.words ?? []) where seen.insert(w.lowercased()).inserted {
                            union.append(w)
                        }
                        values[option.key] = PolicySetting(.words(union), origins: o.origins + u.origins)
                    } else {
                        values[option.key] = o ?? u ?? builtIn
                    }
                }
            }
            options[rule.id] = values
        }
    }

    // MARK: Merging

    /// The stricter of the user's and the organisation's values, or whichever is set, or the default.
    /// `stricter(a, b)` is true when `a` is strictly stricter than `b`.
    private mutating func merge<V: Sendable & Hashable>(
        _ key: String, _ builtIn: PolicySetting<V>, _ user: PolicySetting<V>?, _ org: PolicySetting<V>?,
        stricter: (V, V) -> Bool, render: (V) -> String = { "\($0)" }
    ) -> PolicySetting<V> {
        switch (user, org) {
        case let (u?, o?):
            if stricter(u.value, o.value) {
                keyNotes[key] = "stricter than the organisation's \(render(o.value))\(Self.at(o.origin))"
                return u
            }
            if u.value != o.value {
                keyNotes[key] = "the user's \(render(u.value))\(Self.at(u.origin)) is ignored: the organisation's value is stricter"
            }
            return o
        case let (u?, nil): return u
        case let (nil, o?): return o
        case (nil, nil): return builtIn
        }
    }

    private static func at(_ origin: PolicyOrigin) -> String {
        origin.place.map { " (\($0))" } ?? ""
    }

    private mutating func mergeInternalDomains(user: PolicySetting<[DomainPattern]>?, org: PolicySetting<[DomainPattern]>?) {
        guard let org else {
            internalDomains = user
            return
        }
        internalDomains = org
        guard let user else { return }
        let ignored = user.value.filter { entry in !org.value.contains { $0.covers(entry) } }
        if ignored.isEmpty {
            keyNotes["internal_domains"] = "the organisation's list applies; the user's entries are all within it"
        } else {
            let names = ignored.map(\.description)
            keyNotes["internal_domains"] =
                "the organisation's list applies; user entries outside it are ignored: "
                + names.joined(separator: ", ")
            let place = user.origin.place.map { "\($0): " } ?? ""
            notes.append(
                "\(place)internal_domains: \(names.joined(separator: ", ")) ignored: the organisation policy does not list \(names.count == 1 ? "it" : "them") as internal"
            )
        }
    }

    // MARK: Reading the effective values

    /// The effective severity of a rule (its default for an unknown id).
    public func severity(of ruleID: String) -> Severity {
        if let s = severities[ruleID] { return s.value }
        return PolicyEngine.rule(ruleID)?.defaultSeverity ?? .confirm
    }

    /// The effective value of a rule option, with the layer that set it.
    public func setting(_ option: RuleOption, of ruleID: String) -> PolicySetting<RuleValue> {
        options[ruleID]?[option.key] ?? PolicySetting(option.defaultValue, .builtIn)
    }

    public func integer(_ option: RuleOption, of ruleID: String) -> Int {
        guard let v = setting(option, of: ruleID).value.integer else {
            preconditionFailure("rule option '\(option.key)' of '\(ruleID)' is not an integer")
        }
        return v
    }

    public func flag(_ option: RuleOption, of ruleID: String) -> Bool {
        guard let v = setting(option, of: ruleID).value.flag else {
            preconditionFailure("rule option '\(option.key)' of '\(ruleID)' is not a boolean")
        }
        return v
    }

    public func words(_ option: RuleOption, of ruleID: String) -> [String] {
        guard let v = setting(option, of: ruleID).value.words else {
            preconditionFailure("rule option '\(option.key)' of '\(ruleID)' is not a list of words")
        }
        return v
    }

    /// The internal domain patterns for a message from `sender`: the configured list, or the
    /// sender's own domain when no layer sets one.
    public func internalPatterns(sender: Mailbox) -> [DomainPattern] {
        internalDomains?.value ?? [DomainPattern(exactASCII: sender.asciiDomain, unicode: sender.domain)]
    }

    public func classifier(sender: Mailbox) -> DomainClassifier {
        DomainClassifier(patterns: internalPatterns(sender: sender))
    }

    /// How long a message waits in the outbox before it is submitted.
    public func holdSeconds(hasExternalRecipients: Bool) -> Int {
        hasExternalRecipients ? holdExternalSeconds.value : holdInternalSeconds.value
    }

    // MARK: Explaining

    /// Every effective value, where it comes from, and why when layers disagreed — for
    /// `guardmail policy` and `guardmail check`.
    public func explanations() -> [PolicyExplanation] {
        var out: [PolicyExplanation] = []
        func add(_ key: String, _ value: String, _ origins: [PolicyOrigin]) {
            out.append(PolicyExplanation(key: key, value: value, origins: origins, note: keyNotes[key]))
        }
        if let internalDomains {
            add("internal_domains", PolicyText.tomlArray(internalDomains.value.map(\.description)), internalDomains.origins)
        } else {
            out.append(
                PolicyExplanation(
                    key: "internal_domains", value: "(the sender's domain)", origins: [.builtIn],
                    note: "no layer sets internal_domains, so only the sender's own domain is internal"))
        }
        add("hold_internal_seconds", String(holdInternalSeconds.value), holdInternalSeconds.origins)
        add("hold_external_seconds", String(holdExternalSeconds.value), holdExternalSeconds.origins)
        add("confirmation.always_full", String(alwaysFullConfirmation.value), alwaysFullConfirmation.origins)
        if addressBooks.isEmpty {
            out.append(PolicyExplanation(key: "address_book", value: "(none)", origins: [.builtIn], note: nil))
        } else {
            add(
                "address_book", addressBooks.map { PolicyText.tomlString($0.value) }.joined(separator: ", "),
                addressBooks.flatMap(\.origins))
        }
        for name in groups.names {
            guard let def = groups.definitions[name] else { continue }
            add("groups.\(name)", PolicyText.tomlArray(def.entries.map(\.entry.description)), [def.origin])
        }
        for rule in tableRules {
            add("rule.\(rule.id)", "\(rule.severity.rawValue): \(PolicyText.tomlString(rule.message))", [rule.origin])
        }
        for barrier in barriers {
            add("barrier.\(barrier.id)", "\(barrier.severity.rawValue): groups \(PolicyText.tomlArray(barrier.groups)) never meet", [barrier.origin])
        }
        for rule in PolicyEngine.rules {
            let severity = severities[rule.id] ?? PolicySetting(rule.defaultSeverity, .builtIn)
            add("rules.\(rule.id).severity", severity.value.rawValue, severity.origins)
            for option in rule.options {
                let s = setting(option, of: rule.id)
                add("rules.\(rule.id).\(option.key)", s.value.description, s.origins)
            }
        }
        return out
    }

    /// `explanations()` as tuples: layer reads "default", "user (config.toml:12)",
    /// "organisation (/etc/guardmail/policy.toml:3)".
    public func explain() -> [(key: String, value: String, layer: String, note: String?)] {
        explanations().map { ($0.key, $0.value, $0.layer, $0.note) }
    }
}

extension DomainPattern {
    /// An exact pattern for a domain already validated (a mailbox's).
    init(exactASCII ascii: String, unicode: String) {
        self.init(kind: .exact, asciiDomain: ascii, unicodeDomain: unicode)
    }
}
