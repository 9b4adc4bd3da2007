// PolicyGroups.swift — named groups of recipient patterns (`[groups]`), and the references to
// them that rule tables and barriers make (`group:NAME`).
//
//   [groups]
//   insurer-a = ["*.insurer-a.example", "agent.insurer-a.example"]
//   insurers  = ["group:insurer-a", "group:insurer-b"]
//   partners  = "groups/partners.txt"      # a list file: one pattern a line, '#' comments
//
// - SeeAlso: docs/policy.md "Groups".

import MailCore

/// One entry of a group or of a rule's recipient list: a pattern, or another group by name.
public enum PatternEntry: Sendable, Hashable, CustomStringConvertible {
    case pattern(AddressPattern)
    case group(String)

    static let groupPrefix = "group:"

    /// `group:NAME` or a pattern.
    init(_ text: String) throws(DomainPatternError) {
        let t = PolicyText.trimmed(text)
        if t.hasPrefix(Self.groupPrefix) {
            let name = String(t.dropFirst(Self.groupPrefix.count))
            guard PolicyGroups.isValidName(name) else {
                throw DomainPatternError("'\(t)' names no valid group: group names are letters, digits, '-' and '_'")
            }
            self = .group(name)
        } else {
            self = .pattern(try AddressPattern(t))
        }
    }

    public var description: String {
        switch self {
        case .pattern(let p): return p.text
        case .group(let g): return Self.groupPrefix + g
        }
    }
}

/// An entry with the place it was written.
public struct PlacedEntry: Sendable, Hashable {
    public var entry: PatternEntry
    public var origin: PolicyOrigin
}

/// How one layer defines a group: its entries, or a list file still to be read.
public struct GroupDefinition: Sendable, Hashable {
    public var name: String
    public var origin: PolicyOrigin
    /// The entries (after a list file has been read: its lines).
    public var entries: [PlacedEntry]
    /// The list file as written, until it is read (`PolicyLayerSettings.readingGroupFiles`).
    public var file: String?
}

/// Every group of every layer, resolved to patterns.
public struct PolicyGroups: Sendable {
    public private(set) var definitions: [String: GroupDefinition] = [:]
    /// Group name → its patterns, references followed.
    public private(set) var patterns: [String: [AddressPattern]] = [:]
    /// Names in the order they were defined.
    public private(set) var names: [String] = []
    /// Group name → its patterns prepared for matching many recipients.
    private(set) var sets: [String: PatternSet] = [:]

    public static let empty = PolicyGroups()

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { IDNA_LDH($0) || $0 == "_" }
    }

    private static func IDNA_LDH(_ s: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value) || s == "-"
    }

    init() {}

    /// Groups of all layers (organisation files first). A name defined twice is an error: a
    /// user's group must not change an organisation group a barrier relies on. References to
    /// undefined groups and loops are errors at the line of the reference.
    init(layers: [PolicyLayerSettings]) throws(PolicyConfigError) {
        for layer in layers {
            for def in layer.groups {
                if let earlier = definitions[def.name] {
                    throw PolicyConfigError(
                        kind: .invalidValue, file: def.origin.file ?? layer.file, line: def.origin.line, key: "groups.\(def.name)",
                        message:
                            "group '\(def.name)' is already defined\(earlier.origin.place.map { " at \($0)" } ?? "") (\(earlier.origin.layer.rawValue)); a group is defined once: choose another name"
                    )
                }
                if let file = def.file {
                    throw PolicyConfigError(
                        kind: .invalidValue, file: def.origin.file ?? layer.file, line: def.origin.line, key: "groups.\(def.name)",
                        message: "the list file '\(file)' of group '\(def.name)' was not read")
                }
                definitions[def.name] = def
                names.append(def.name)
            }
        }
        for name in names {
            var visiting: [String] = []
            patterns[name] = try resolve(name, visiting: &visiting)
            sets[name] = PatternSet(patterns[name] ?? [])
        }
    }

    private mutating func resolve(_ name: String, visiting: inout [String]) throws(PolicyConfigError) -> [AddressPattern] {
        if let done = patterns[name] { return done }
        guard let def = definitions[name] else { return [] }
        visiting.append(name)
        defer { visiting.removeLast() }
        var out: [AddressPattern] = []
        for placed in def.entries {
            switch placed.entry {
            case .pattern(let p): out.append(p)
            case .group(let other):
                guard definitions[other] != nil else {
                    throw Self.undefined(other, at: placed.origin, key: "groups.\(name)", known: names)
                }
                if visiting.contains(other) {
                    let loop = (visiting.drop { $0 != other } + [other]).joined(separator: " → ")
                    throw PolicyConfigError(
                        kind: .invalidValue, file: placed.origin.file ?? "", line: placed.origin.line, key: "groups.\(name)",
                        message: "groups refer to each other in a loop: \(loop)")
                }
                out += try resolve(other, visiting: &visiting)
            }
        }
        patterns[name] = out
        return out
    }

    static func undefined(_ name: String, at origin: PolicyOrigin, key: String, known: [String]) -> PolicyConfigError {
        PolicyConfigError(
            kind: .invalidValue, file: origin.file ?? "", line: origin.line, key: key,
            message: "'\(key)' refers to group '\(name)', which is not defined; groups: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
    }

    /// One set for every pattern of an entry list (groups followed).
    func patternSet(of entries: [PlacedEntry]) -> PatternSet {
        PatternSet(patterns(of: entries).lazy.flatMap(\.patterns))
    }

    /// The patterns an entry list stands for; every group must exist (checked when the config is made).
    func patterns(of entries: [PlacedEntry]) -> [(entry: PatternEntry, patterns: [AddressPattern])] {
        entries.map { placed in
            switch placed.entry {
            case .pattern(let p): return (placed.entry, [p])
            case .group(let g): return (placed.entry, patterns[g] ?? [])
            }
        }
    }

    /// The groups (of `names`) whose patterns match the mailbox.
    public func groups(of mailbox: Mailbox, among names: [String]) -> [String] {
        names.filter { name in sets[name]?.matches(mailbox) ?? false }
    }

    /// The groups of `names` each of `recipients` belongs to, worked out once for the message.
    func membership(of recipients: [Mailbox], among names: [String]) -> GroupMembership {
        GroupMembership(recipients, names: names, sets: sets)
    }

    /// Reads a group's list file: one pattern (or `group:NAME`) a line; blank lines and lines
    /// starting with `#` are skipped, as is anything after ` #`. Errors name the file and line.
    public static func parseListFile(_ text: String, file: String, layer: PolicyLayer) throws(PolicyConfigError) -> [PlacedEntry] {
        var out: [PlacedEntry] = []
        var number = 0
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        for raw in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            var line = Substring(raw)
            if let hash = line.firstRange(of: " #") { line = line[..<hash.lowerBound] }
            let t = PolicyText.trimmed(String(line))
            if t.isEmpty || t.hasPrefix("#") { continue }
            do {
                out.append(PlacedEntry(entry: try PatternEntry(t), origin: PolicyOrigin(layer: layer, file: file, line: number)))
            } catch {
                throw PolicyConfigError(kind: .invalidValue, file: file, line: number, key: "", message: "invalid pattern: \(error.message)")
            }
        }
        return out
    }
}

/// Which of some groups every recipient of a message belongs to, matched once per domain
/// (`PatternSet.matchingIndices`) rather than once per recipient and group: barriers and the
/// confirmation screen ask for thousands of recipients. `groups(of:among:)` answers as
/// `PolicyGroups.groups(of:among:)` does for every group it was made with. Recipients are told
/// apart by their key: the same key means the same A-label domain and the same local part
/// apart from ASCII case, which is all a pattern looks at.
struct GroupMembership {
    private var byKey: [String: Set<String>] = [:]
    /// Group → its recipients (the first of each key), in message order.
    private var byGroup: [String: [Mailbox]] = [:]

    init(_ recipients: [Mailbox], names: [String], sets: [String: PatternSet]) {
        guard !names.isEmpty else { return }
        var seen = Set<String>()
        let distinct = recipients.filter { seen.insert($0.key.text).inserted }
        let index = RecipientIndex(distinct)
        for name in names where byGroup[name] == nil {
            let matching = sets[name]?.matchingIndices(in: index) ?? []
            for i in matching { byKey[distinct[i].key.text, default: []].insert(name) }
            byGroup[name] = matching.map { distinct[$0] }
        }
    }

    /// The recipients in a group (one for each key, in message order); the group must be among
    /// those the membership was made for.
    func members(of group: String) -> [Mailbox] { byGroup[group] ?? [] }

    /// The groups of `names` (in that order) the mailbox belongs to; `names` must be among the
    /// groups the membership was made for.
    func groups(of mailbox: Mailbox, among names: [String]) -> [String] {
        guard let mine = byKey[mailbox.key.text] else { return [] }
        return names.filter { mine.contains($0) }
    }
}

/// A rule's recipient lists as pattern sets (groups followed), made once with the policy rather
/// than for every message.
struct RuleRecipientSets: Sendable {
    var any: PatternSet?
    var all: PatternSet?
    var none: PatternSet?
    var requires: PatternSet?

    init(_ rule: TableRule, groups: PolicyGroups) {
        any = rule.recipientsAny.map { groups.patternSet(of: $0) }
        all = rule.recipientsAll.map { groups.patternSet(of: $0) }
        none = rule.recipientsNone.map { groups.patternSet(of: $0) }
        requires = rule.requiresRecipients.map { groups.patternSet(of: $0) }
    }
}

extension PolicyLayerSettings {
    /// The list files of this layer's groups, as written.
    public var groupFiles: [String] { groups.compactMap(\.file) }

    /// This layer with every group list file read through `read` (the I/O layer resolves the
    /// path and reads it; it throws a `PolicyConfigError` naming the group's line when it cannot).
    public func readingGroupFiles(_ read: (GroupDefinition) throws(PolicyConfigError) -> (text: String, file: String)) throws(PolicyConfigError)
        -> PolicyLayerSettings
    {
        var copy = self
        for i in copy.groups.indices where copy.groups[i].file != nil {
            let (text, file) = try read(copy.groups[i])
            copy.groups[i].entries = try PolicyGroups.parseListFile(text, file: file, layer: layer)
            copy.groups[i].file = nil
        }
        return copy
    }
}
