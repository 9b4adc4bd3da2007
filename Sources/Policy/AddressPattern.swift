// AddressPattern.swift — the one matcher for recipient patterns: groups, rule tables, barriers
// and `internal_domains` all match addresses through it.
//
// A pattern is a domain (`example.co.jp`), its subdomains (`*.example.co.jp`), a domain with
// wildcards (`mail?.example.com`), or an address pattern (`sales-*@example.com`,
// `@example.com`, `*@example.com`). `*` stands for any run of characters (none included), `?`
// for one. Case is ignored, a trailing dot is ignored, internationalised domains match in either
// form (both sides are compared as A-labels). Matching is by the whole domain: `*.example.com`
// needs a dot before `example.com`, so `unexample.com` never matches it.
//
// - SeeAlso: docs/policy.md "Patterns".

import MailCore

public struct AddressPattern: Hashable, Sendable, CustomStringConvertible {
    /// As written, trimmed.
    public let text: String
    /// The local-part pattern, lowercased; nil when any local part matches.
    let local: [UInt8]?
    /// The domain pattern in A-label form, lowercased, without a trailing dot.
    let domain: [UInt8]
    /// True when `domain` has no `*` or `?`: compared by equality.
    let domainIsLiteral: Bool
    /// ".example.com" for `*.example.com` (no other wildcard), else nil: matched without the glob.
    let subdomainBase: [UInt8]?

    /// Parses a pattern as written in a policy file or a group's list file.
    public init(_ written: String) throws(DomainPatternError) {
        let trimmed = PolicyText.trimmed(written)
        if trimmed.isEmpty { throw DomainPatternError("is empty") }
        var localText: String? = nil
        var domainText = trimmed
        if let at = trimmed.lastIndex(of: "@") {
            let l = String(trimmed[..<at])
            domainText = String(trimmed[trimmed.index(after: at)...])
            localText = l.isEmpty || l == "*" ? nil : l
            if let l = localText {
                if l.contains("@") { throw DomainPatternError("'\(trimmed)' has more than one '@'") }
                if l.contains(where: { $0 == " " || $0 == "\t" || $0 == "<" || $0 == ">" || $0 == "," }) {
                    throw DomainPatternError("'\(trimmed)' is not an address pattern: write it as 'local@domain', without a name or brackets")
                }
            }
        }
        domainText = domainText.lowercased()
        if domainText.hasSuffix(".") { domainText.removeLast() }
        if domainText.isEmpty { throw DomainPatternError("'\(trimmed)' has no domain: write e.g. '*@example.co.jp' or 'example.co.jp'") }
        var asciiLabels: [String] = []
        for label in domainText.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { throw DomainPatternError("'\(trimmed)' has an empty label") }
            let hasWildcard = label.contains("*") || label.contains("?")
            if hasWildcard {
                guard label.unicodeScalars.allSatisfy({ IDNA.isLDH($0) || $0 == "*" || $0 == "?" }) else {
                    throw DomainPatternError(
                        "'\(trimmed)': a label with '*' or '?' may hold only ASCII letters, digits and '-' (write an internationalised label in full)")
                }
                asciiLabels.append(String(label))
                continue
            }
            let ascii: String
            do {
                ascii = label.allSatisfy(\.isASCII) ? String(label) : try IDNA.toASCII(String(label))
            } catch {
                throw DomainPatternError("'\(trimmed)' is not a valid domain (\(error.message))")
            }
            guard !ascii.isEmpty, ascii.unicodeScalars.allSatisfy(IDNA.isLDH), !ascii.hasPrefix("-"), !ascii.hasSuffix("-") else {
                throw DomainPatternError("'\(trimmed)' is not a valid domain")
            }
            asciiLabels.append(ascii)
        }
        self.text = trimmed
        self.local = localText.map { Array($0.lowercased().utf8) }
        let d = asciiLabels.joined(separator: ".")
        self.domain = Array(d.utf8)
        self.domainIsLiteral = !d.contains("*") && !d.contains("?")
        self.subdomainBase = Self.subdomainBase(d)
    }

    /// A domain pattern already in A-label form and checked (an internal domain's).
    init(validatedASCIIDomain d: String) {
        text = d
        local = nil
        domain = Array(d.utf8)
        domainIsLiteral = !d.contains("*") && !d.contains("?")
        subdomainBase = Self.subdomainBase(d)
    }

    /// True when the mailbox's address matches.
    public func matches(_ mailbox: Mailbox) -> Bool {
        guard matches(asciiDomain: mailbox.asciiDomain) else { return false }
        guard let local else { return true }
        return Glob.matches(local, Array(mailbox.localPart.lowercased().utf8))
    }

    /// True when a domain (A-label form, lowercased, no trailing dot) matches and the pattern
    /// says nothing about the local part.
    public func matchesDomain(asciiDomain: String) -> Bool { local == nil && matches(asciiDomain: asciiDomain) }

    func matches(asciiDomain: String) -> Bool {
        if domainIsLiteral { return asciiDomain.utf8.elementsEqual(domain) }
        if let base = subdomainBase {
            // `*.example.com`, the common case, without the general matcher.
            let d = asciiDomain.utf8
            return d.count > base.count && d.suffix(base.count).elementsEqual(base)
        }
        return Glob.matches(domain, Array(asciiDomain.utf8))
    }

    static func subdomainBase(_ d: String) -> [UInt8]? {
        guard d.hasPrefix("*."), !d.dropFirst().contains("*"), !d.contains("?"), d.count > 2 else { return nil }
        return Array(d.utf8.dropFirst())
    }

    /// True when the pattern names only a domain (no local part), without wildcards.
    public var isPlainDomain: Bool { local == nil && domainIsLiteral }

    public var description: String { text }

    public static func == (a: AddressPattern, b: AddressPattern) -> Bool { a.local == b.local && a.domain == b.domain }

    public func hash(into h: inout Hasher) {
        h.combine(local)
        h.combine(domain)
    }
}

/// `*` and `?` over bytes: the greedy algorithm that remembers the last star, linear in practice
/// and never worse than pattern × text.
enum Glob {
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        matches(pattern, text, star: UInt8(ascii: "*"), question: UInt8(ascii: "?"))
    }

    /// Case-insensitive match of a file name or type against a pattern; `?` is one character.
    static func matches(_ pattern: String, name: String) -> Bool {
        matches(Array(pattern.lowercased().unicodeScalars), Array(name.lowercased().unicodeScalars), star: "*", question: "?")
    }

    static func matches<T: Equatable>(_ pattern: [T], _ text: [T], star: T, question: T) -> Bool {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == question || (pattern[p] != star && pattern[p] == text[t])) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == star {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}

/// Patterns prepared for matching thousands of recipients: exact domains and `*.domain` bases
/// in hash sets (a lookup per label of the recipient's domain), the other patterns (local parts,
/// other wildcards) one by one. Matches exactly when one of the patterns' `matches` does
/// (AddressPatternTests compares the two): a mailbox's `asciiDomain` is lowercased ASCII without
/// a trailing dot, the form the patterns' domains are kept in, so set membership is the bytewise
/// equality `matches(asciiDomain:)` uses; `*.example.com` needs a label before `.example.com`.
struct PatternSet: Sendable {
    private var literal: Set<String> = []
    /// `example.com` for `*.example.com`.
    private var bases: Set<String> = []
    private var others: [AddressPattern] = []
    // `others` again, by what their domain part is, for `matchingIndices(in:)`.
    /// Local-part patterns of a literal domain, by that domain.
    private var localByDomain: [String: [AddressPattern]] = [:]
    /// Local-part patterns of `*.domain`, by `domain`.
    private var localByBase: [String: [AddressPattern]] = [:]
    /// Patterns whose domain has other wildcards.
    private var globs: [AddressPattern] = []

    init(_ patterns: some Sequence<AddressPattern>) {
        for p in patterns {
            if p.local == nil && p.domainIsLiteral {
                literal.insert(String(decoding: p.domain, as: UTF8.self))
            } else if p.local == nil, let base = p.subdomainBase {
                bases.insert(String(decoding: base.dropFirst(), as: UTF8.self))
            } else {
                others.append(p)
                if p.domainIsLiteral {
                    localByDomain[String(decoding: p.domain, as: UTF8.self), default: []].append(p)
                } else if let base = p.subdomainBase {
                    localByBase[String(decoding: base.dropFirst(), as: UTF8.self), default: []].append(p)
                } else {
                    globs.append(p)
                }
            }
        }
    }

    var isEmpty: Bool { literal.isEmpty && bases.isEmpty && others.isEmpty }

    /// How many patterns took each path (for the tests: the sets must be used, not only `others`).
    var paths: (literal: Int, bases: Int, others: Int) { (literal.count, bases.count, others.count) }

    func matches(_ mailbox: Mailbox) -> Bool {
        let domain = mailbox.asciiDomain
        if literal.contains(domain) { return true }
        if !bases.isEmpty {
            // Each suffix after a dot that has at least one byte before it: `*.example.com`
            // matches `a.example.com`, not `example.com` and not `.example.com`.
            let utf8 = domain.utf8
            var from = utf8.startIndex
            while let dot = utf8[from...].firstIndex(of: UInt8(ascii: ".")) {
                let after = utf8.index(after: dot)
                if dot > utf8.startIndex, bases.contains(String(domain[after...])) { return true }
                from = after
            }
        }
        return others.contains { $0.matches(mailbox) }
    }

    /// The recipients of `index` that match, as ascending indices into `index.mailboxes`: the
    /// same as `index.mailboxes.indices.filter { matches(index.mailboxes[$0]) }`, worked out once
    /// per domain (looked up from whichever of the patterns and the domains are fewer) rather
    /// than once per recipient. AddressPatternTests compares the two.
    func matchingIndices(in index: RecipientIndex) -> [Int] {
        let domains = index.domains
        guard !domains.isEmpty else { return [] }
        // Domains every recipient of which matches (a domain pattern), and single recipients
        // that match a local-part pattern.
        var whole = [Bool](repeating: false, count: domains.count)
        var single: [Int] = []
        if literal.count <= domains.count {
            for l in literal { if let d = index.domainNumbers[l] { whole[d] = true } }
        } else {
            for d in domains.indices where literal.contains(domains[d]) { whole[d] = true }
        }
        if bases.count <= index.suffixes.count {
            for b in bases { for d in index.suffixes[b] ?? [] { whole[d] = true } }
        } else {
            for (suffix, ds) in index.suffixes where bases.contains(suffix) { for d in ds { whole[d] = true } }
        }
        func locals(_ patterns: [AddressPattern], _ d: Int) {
            guard !whole[d] else { return }
            for m in index.members[d] where patterns.contains(where: { Glob.matches($0.local ?? [], index.localPart(m)) }) { single.append(m) }
        }
        if localByDomain.count <= domains.count {
            for (domain, patterns) in localByDomain { if let d = index.domainNumbers[domain] { locals(patterns, d) } }
        } else {
            for d in domains.indices { if let patterns = localByDomain[domains[d]] { locals(patterns, d) } }
        }
        if localByBase.count <= index.suffixes.count {
            for (base, patterns) in localByBase { for d in index.suffixes[base] ?? [] { locals(patterns, d) } }
        } else {
            for (suffix, ds) in index.suffixes { if let patterns = localByBase[suffix] { for d in ds { locals(patterns, d) } } }
        }
        for p in globs {
            for d in domains.indices where !whole[d] && p.matches(asciiDomain: domains[d]) {
                if p.local == nil {
                    whole[d] = true
                } else {
                    locals([p], d)
                }
            }
        }
        var out = single
        for d in domains.indices where whole[d] { out += index.members[d] }
        out.sort()
        // A recipient may have been added by several local-part patterns.
        var unique: [Int] = []
        unique.reserveCapacity(out.count)
        for m in out where unique.last != m { unique.append(m) }
        return unique
    }
}

/// Distinct recipients grouped by domain, for matching many pattern sets against them: each
/// set looks up its domains here instead of testing every recipient.
final class RecipientIndex {
    let mailboxes: [Mailbox]
    /// Distinct `asciiDomain`s, in order of first appearance.
    let domains: [String]
    /// Domain → its number in `domains`.
    let domainNumbers: [String: Int]
    /// Domain number → the numbers of its recipients, ascending.
    let members: [[Int]]
    /// Every part of a domain after a dot that has a byte before it (`b.c` and `c` of `a.b.c`) →
    /// the numbers of the domains ending with it: what `*.b.c` matches.
    let suffixes: [String: [Int]]
    private var localParts: [[UInt8]?]

    /// `mailboxes` should be distinct (by recipient key): a duplicate is matched again.
    init(_ mailboxes: [Mailbox]) {
        self.mailboxes = mailboxes
        var domains: [String] = []
        var numbers: [String: Int] = [:]
        var members: [[Int]] = []
        for (i, m) in mailboxes.enumerated() {
            let domain = m.asciiDomain
            if let d = numbers[domain] {
                members[d].append(i)
            } else {
                numbers[domain] = domains.count
                domains.append(domain)
                members.append([i])
            }
        }
        var suffixes: [String: [Int]] = [:]
        for (d, domain) in domains.enumerated() {
            let utf8 = domain.utf8
            var from = utf8.startIndex
            while let dot = utf8[from...].firstIndex(of: UInt8(ascii: ".")) {
                let after = utf8.index(after: dot)
                if dot > utf8.startIndex { suffixes[String(domain[after...]), default: []].append(d) }
                from = after
            }
        }
        self.domains = domains
        self.domainNumbers = numbers
        self.members = members
        self.suffixes = suffixes
        self.localParts = [[UInt8]?](repeating: nil, count: mailboxes.count)
    }

    /// The recipient's local part, lowercased, as `AddressPattern.matches` compares it.
    func localPart(_ m: Int) -> [UInt8] {
        if let done = localParts[m] { return done }
        let bytes = Array(mailboxes[m].localPart.lowercased().utf8)
        localParts[m] = bytes
        return bytes
    }
}
