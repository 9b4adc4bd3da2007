import GuardTOML
// PolicySettings.swift — layers, settings that remember who set them, and rule options.
//
// - SeeAlso: docs/policy.md "Files and layers" (built-in defaults < user config < organisation
//   policy).

/// Where a setting comes from, weakest first.
public enum PolicyLayer: String, Sendable, Hashable, Comparable, CaseIterable {
    /// Built into guardmail.
    case builtIn = "default"
    /// `[policy]` in the user's `config.toml`.
    case user
    /// `/etc/guardmail/policy.toml`: the user cannot loosen it.
    case organisation

    private var rank: Int {
        switch self {
        case .builtIn: return 0
        case .user: return 1
        case .organisation: return 2
        }
    }

    public static func < (lhs: PolicyLayer, rhs: PolicyLayer) -> Bool { lhs.rank < rhs.rank }
}

/// A layer and the place in its file where a value was written.
public struct PolicyOrigin: Sendable, Hashable, CustomStringConvertible {
    public var layer: PolicyLayer
    public var file: String?
    public var line: Int?

    public init(layer: PolicyLayer, file: String? = nil, line: Int? = nil) {
        self.layer = layer
        self.file = file
        self.line = line
    }

    public static let builtIn = PolicyOrigin(layer: .builtIn)

    /// "file:line", "file", or nil for built-in values.
    public var place: String? {
        guard let file else { return nil }
        return line.map { "\(file):\($0)" } ?? file
    }

    /// "default", "user (config.toml:12)", "organisation (/etc/guardmail/policy.toml:3)".
    public var description: String {
        guard let place else { return layer.rawValue }
        return "\(layer.rawValue) (\(place))"
    }
}

/// A value together with the layer(s) that set it. Merged lists (keywords, address books) have
/// more than one origin.
public struct PolicySetting<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var origins: [PolicyOrigin]

    public init(_ value: Value, _ origin: PolicyOrigin) {
        self.value = value
        self.origins = [origin]
    }

    public init(_ value: Value, origins: [PolicyOrigin]) {
        self.value = value
        self.origins = origins
    }

    /// The (first) origin.
    public var origin: PolicyOrigin { origins.first ?? .builtIn }
    public var layer: PolicyLayer { origin.layer }
}

/// The value of a rule-specific option.
public enum RuleValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int)
    case flag(Bool)
    case words([String])

    public var integer: Int? {
        if case .integer(let v) = self { return v }
        return nil
    }
    public var flag: Bool? {
        if case .flag(let v) = self { return v }
        return nil
    }
    public var words: [String]? {
        if case .words(let v) = self { return v }
        return nil
    }

    /// As TOML would write it: `2`, `true`, `["添付", "attached"]`.
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .flag(let v): return v ? "true" : "false"
        case .words(let v): return PolicyText.tomlArray(v)
        }
    }
}

/// A rule-specific option: its key in `[rules.ID]`, its kind (which decides what "stricter"
/// means when layers disagree), its default and a one-line summary for `guardmail policy`.
public struct RuleOption: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// An integer; the smaller is stricter. Values below `minimum` are refused.
        case threshold(minimum: Int)
        /// A boolean; `true` is stricter.
        case flag
        /// A list of words; layers are united.
        case words
    }

    public let key: String
    public let kind: Kind
    public let defaultValue: RuleValue
    public let summary: String

    public static func threshold(_ key: String, default value: Int, minimum: Int, _ summary: String) -> RuleOption {
        RuleOption(key: key, kind: .threshold(minimum: minimum), defaultValue: .integer(value), summary: summary)
    }

    public static func flag(_ key: String, default value: Bool, _ summary: String) -> RuleOption {
        RuleOption(key: key, kind: .flag, defaultValue: .flag(value), summary: summary)
    }

    public static func words(_ key: String, default value: [String], _ summary: String) -> RuleOption {
        RuleOption(key: key, kind: .words, defaultValue: .words(value), summary: summary)
    }
}

/// What one layer's file says, before merging. Every value remembers its file and line.
public struct PolicyLayerSettings: Sendable, Equatable {
    public var layer: PolicyLayer
    public var file: String
    public var internalDomains: PolicySetting<[DomainPattern]>?
    public var holdInternalSeconds: PolicySetting<Int>?
    public var holdExternalSeconds: PolicySetting<Int>?
    /// A path, as written (`~` is expanded by the I/O layer that reads the file).
    public var addressBook: PolicySetting<String>?
    /// `[confirmation] always_full`: the full confirmation screen for every message.
    public var alwaysFullConfirmation: PolicySetting<Bool>?
    /// Rule id → severity.
    public var severities: [String: PolicySetting<Severity>]
    /// Rule id → option key → value.
    public var options: [String: [String: PolicySetting<RuleValue>]]
    /// `[groups]`, in order.
    public var groups: [GroupDefinition] = []
    /// `[[rule]]`, in order.
    public var rules: [TableRule] = []
    /// `[[barrier]]`, in order.
    public var barriers: [Barrier] = []

    public init(
        layer: PolicyLayer, file: String, internalDomains: PolicySetting<[DomainPattern]>? = nil,
        holdInternalSeconds: PolicySetting<Int>? = nil, holdExternalSeconds: PolicySetting<Int>? = nil,
        addressBook: PolicySetting<String>? = nil, severities: [String: PolicySetting<Severity>] = [:],
        options: [String: [String: PolicySetting<RuleValue>]] = [:]
    ) {
        self.layer = layer
        self.file = file
        self.internalDomains = internalDomains
        self.holdInternalSeconds = holdInternalSeconds
        self.holdExternalSeconds = holdExternalSeconds
        self.addressBook = addressBook
        self.severities = severities
        self.options = options
    }
}

/// One line of `guardmail policy`: an effective value and where it comes from.
public struct PolicyExplanation: Sendable, Hashable {
    /// The key as written in the organisation file: "hold_external_seconds",
    /// "rules.bulk-visible-recipients.severity".
    public var key: String
    /// As TOML would write it.
    public var value: String
    /// The layer(s) that set it; several for merged lists.
    public var origins: [PolicyOrigin]
    /// Why, when layers disagreed or something was ignored.
    public var note: String?

    /// "default", "organisation (policy.toml:3)", "organisation (policy.toml:7) + user (config.toml:20)".
    public var layer: String { origins.map(\.description).joined(separator: " + ") }
}

/// Small text helpers for values and messages.
enum PolicyText {
    static func tomlString(_ s: String) -> String { TOML.quoted(s) }

    static func tomlArray(_ items: [String]) -> String {
        "[" + items.map(tomlString).joined(separator: ", ") + "]"
    }

    /// "a", "a and b", "a, b and c", "a, b, c and 4 more".
    /// Only the first `limit` items are read: pass a lazy map for thousands of recipients.
    static func listing<Items: Collection>(_ items: Items, limit: Int = 3) -> String where Items.Element == String {
        let count = items.count
        if count <= 1 { return items.first ?? "" }
        let shown = Array(items.prefix(limit))
        if count <= limit {
            return shown.dropLast().joined(separator: ", ") + " and " + shown[shown.count - 1]
        }
        return shown.joined(separator: ", ") + " and \(count - limit) more"
    }

    /// "1 domain", "2 domains".
    static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : (plural ?? singular + "s"))
    }
}

extension PolicyLayerSettings {
    /// This organisation layer followed by a drop-in (`policy.d/*.toml`, in order): where both set
    /// a value the stricter wins, as between the user and the organisation; `internal_domains`
    /// and `address_book` stay as the earlier file set them (a later one sets them only where the
    /// earlier did not). Groups, rule tables and barriers are added together (an id defined twice
    /// is an error when the policy is made).
    public func combined(with later: PolicyLayerSettings) -> PolicyLayerSettings {
        func stricter<V>(_ a: PolicySetting<V>?, _ b: PolicySetting<V>?, _ isStricter: (V, V) -> Bool) -> PolicySetting<V>? {
            guard let a else { return b }
            guard let b else { return a }
            return isStricter(b.value, a.value) ? b : a
        }
        var out = self
        out.internalDomains = internalDomains ?? later.internalDomains
        out.addressBook = addressBook ?? later.addressBook
        out.holdInternalSeconds = stricter(holdInternalSeconds, later.holdInternalSeconds, >)
        out.holdExternalSeconds = stricter(holdExternalSeconds, later.holdExternalSeconds, >)
        out.alwaysFullConfirmation = stricter(alwaysFullConfirmation, later.alwaysFullConfirmation) { $0 && !$1 }
        for (id, s) in later.severities { out.severities[id] = stricter(severities[id], s, >) }
        for (id, values) in later.options {
            for (key, value) in values {
                let earlier = options[id]?[key]
                let merged: PolicySetting<RuleValue>?
                switch (earlier?.value, value.value) {
                case (.integer(let a)?, .integer(let b)): merged = b < a ? value : earlier
                case (.flag(let a)?, .flag(let b)): merged = b && !a ? value : earlier
                case (.words(let a)?, .words(let b)):
                    var seen = Set<String>()
                    let union = (a + b).filter { seen.insert($0.lowercased()).inserted }
                    merged = PolicySetting(.words(union), origins: (earlier?.origins ?? []) + value.origins)
                default: merged = earlier ?? value
                }
                out.options[id, default: [:]][key] = merged
            }
        }
        out.groups += later.groups
        out.rules += later.rules
        out.barriers += later.barriers
        return out
    }
}
