// DomainClassifier.swift — which recipient domains are internal.
//
// - SeeAlso: docs/policy.md "Internal domains".

import MailCore

/// One entry of `internal_domains`: `example.co.jp` (that domain only) or `*.example.co.jp`
/// (its subdomains, not the domain itself).
///
/// Patterns are compared in A-label form (`IDNA.toASCII` on both sides: Unicode NFC, lowercase,
/// punycode), so `日本語.jp` and `xn--wgv71a119e.jp` are the same pattern. A trailing dot is
/// ignored. Matching is by whole labels: `unexample.com` never matches `example.com` nor
/// `*.example.com`.
public struct DomainPattern: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The domain itself.
        case exact
        /// Any subdomain (one or more labels more), not the domain itself.
        case subdomains
    }

    public let kind: Kind
    /// The base domain in A-label form, lowercased, without a trailing dot.
    public let asciiDomain: String
    /// The base domain in Unicode form, lowercased.
    public let unicodeDomain: String
    /// The same pattern for the one matcher every policy pattern goes through.
    public let pattern: AddressPattern

    /// Parses a pattern as written in a policy file.
    public init(_ text: String) throws(DomainPatternError) {
        var s = text
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        if s.isEmpty { throw DomainPatternError("is empty") }
        s = s.lowercased()
        // Spellings pasted from other tools: '@example.com' and '*@example.com' mean the domain.
        if s.hasPrefix("*@") { s.removeFirst(2) } else if s.hasPrefix("@") { s.removeFirst() }
        var kind = Kind.exact
        if s.hasPrefix("*.") {
            kind = .subdomains
            s.removeFirst(2)
        }
        if s.hasSuffix(".") { s.removeLast() }
        if s.contains("@") {
            let domain = s[s.index(after: s.lastIndex(of: "@")!)...]
            throw DomainPatternError("'\(text)' is an address; internal_domains lists domains: write '\(domain)'")
        }
        if kind == .exact, s.hasPrefix("*"), !s.dropFirst().contains("*"), !s.dropFirst().isEmpty {
            let rest = s.dropFirst()
            throw DomainPatternError(
                "'\(text)' would also match look-alikes such as 'un\(rest)': write '*.\(rest)' for its subdomains and '\(rest)' for the domain itself")
        }
        if s.hasPrefix("."), s.count > 1 {
            let rest = s.dropFirst()
            throw DomainPatternError("'\(text)': write '\(rest)' for the domain and '*.\(rest)' for its subdomains")
        }
        if s.contains("*") || s.contains("?") {
            throw DomainPatternError("'\(text)': '*' may only start a pattern, as in '*.example.co.jp'")
        }
        if s.isEmpty || s.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw DomainPatternError("'\(text)' has an empty label")
        }
        let ascii: String
        do {
            // The labels are checked for letters, digits and '-' just below, with this message.
            ascii = try IDNA.toASCII(s, std3: false)
        } catch {
            throw DomainPatternError("'\(text)' is not a valid domain (\(error.message))")
        }
        let labels = ascii.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if label.isEmpty || label.utf8.count > 63
                || !label.utf8.allSatisfy({ $0 == 0x2D || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
                || label.hasPrefix("-") || label.hasSuffix("-")
            {
                throw DomainPatternError("'\(text)' is not a valid domain")
            }
        }
        if labels.count < 2 {
            throw DomainPatternError("'\(text)' needs a dot: write the full domain, e.g. example.co.jp")
        }
        if DomainName.publicSuffixes.contains(ascii) {
            throw DomainPatternError("'\(text)' is a public suffix shared by many organisations")
        }
        let unicode = DomainName.unicode(ascii)
        // UTS #46 maps some characters to others (full-width letters, ⓔ): refuse them unseen.
        if !s.allSatisfy(\.isASCII), unicode != s {
            throw DomainPatternError("'\(text)' stands for '\(unicode)'; write that")
        }
        self.kind = kind
        self.asciiDomain = ascii
        self.unicodeDomain = unicode
        self.pattern = AddressPattern(validatedASCIIDomain: kind == .exact ? ascii : "*." + ascii)
    }

    init(kind: Kind, asciiDomain: String, unicodeDomain: String) {
        self.kind = kind
        self.asciiDomain = asciiDomain
        self.unicodeDomain = unicodeDomain
        self.pattern = AddressPattern(validatedASCIIDomain: kind == .exact ? asciiDomain : "*." + asciiDomain)
    }

    /// True when the domain (A-label form, lowercased, no trailing dot) is covered.
    public func matches(asciiDomain domain: String) -> Bool { pattern.matches(asciiDomain: domain) }

    /// True when every domain `other` matches is matched by this pattern too.
    public func covers(_ other: DomainPattern) -> Bool {
        switch (kind, other.kind) {
        case (.exact, .exact): return asciiDomain == other.asciiDomain
        case (.exact, .subdomains): return false
        case (.subdomains, .exact): return matches(asciiDomain: other.asciiDomain)
        case (.subdomains, .subdomains):
            return other.asciiDomain == asciiDomain || matches(asciiDomain: other.asciiDomain)
        }
    }

    /// As it would be written: `example.co.jp`, `*.日本語.jp`.
    public var description: String { kind == .exact ? unicodeDomain : "*." + unicodeDomain }
}

public struct DomainPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Tells internal recipients from external ones.
public struct DomainClassifier: Sendable {
    public let patterns: [DomainPattern]

    public init(patterns: [DomainPattern]) {
        self.patterns = patterns
    }

    /// True when the domain (Unicode or A-labels, any case, trailing dot allowed) is internal.
    public func isInternal(domain: String) -> Bool {
        let ascii = DomainName.ascii(domain)
        return patterns.contains { $0.matches(asciiDomain: ascii) }
    }

    public func isInternal(_ mailbox: Mailbox) -> Bool {
        let ascii = mailbox.asciiDomain
        return patterns.contains { $0.matches(asciiDomain: ascii) }
    }

    public func isExternal(_ mailbox: Mailbox) -> Bool { !isInternal(mailbox) }
}

/// Domain name helpers shared by the rules.
enum DomainName {
    /// A-label form, lowercased, without a trailing dot; the input lowercased if IDNA refuses it.
    static func ascii(_ domain: String) -> String {
        var d = domain.lowercased()
        if d.hasSuffix(".") { d.removeLast() }
        if d.allSatisfy(\.isASCII) { return d }
        return (try? IDNA.toASCII(d)) ?? d
    }

    /// Unicode form, lowercased; the input lowercased if IDNA refuses it.
    static func unicode(_ domain: String) -> String {
        var d = domain.lowercased()
        if d.hasSuffix(".") { d.removeLast() }
        guard d.contains("xn--") else { return d }
        return ((try? IDNA.toUnicode(d)) ?? d).lowercased()
    }

    /// Public suffixes of two labels under which organisations register their names (a small,
    /// deliberate subset of the Public Suffix List: Japan first, then common second-level ones).
    static let publicSuffixes: Set<String> = [
        "co.jp", "ne.jp", "or.jp", "ac.jp", "ad.jp", "ed.jp", "go.jp", "gr.jp", "lg.jp",
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au",
        "co.kr", "or.kr", "ac.kr", "go.kr", "ne.kr",
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn",
        "com.tw", "net.tw", "org.tw", "edu.tw", "gov.tw",
        "com.hk", "net.hk", "org.hk", "edu.hk", "gov.hk",
        "com.sg", "net.sg", "org.sg", "edu.sg", "gov.sg",
        "co.nz", "net.nz", "org.nz", "co.in", "net.in", "org.in", "co.th", "in.th", "or.th",
        "co.id", "or.id", "com.my", "net.my", "org.my", "com.ph", "com.vn", "com.br", "com.mx",
        "co.za", "com.tr", "co.il"
    ]

    /// The registrable part: the label an organisation chose plus its public suffix,
    /// e.g. "mail.example.co.jp" → ("example", "co.jp"). Labels are taken from `domain` (either
    /// form); the suffix is decided on the A-label form `ascii`.
    static func registrable(_ domain: String, ascii: String) -> (label: String, suffix: String) {
        let labels = domain.split(separator: ".").map(String.init)
        let asciiLabels = ascii.split(separator: ".").map(String.init)
        guard labels.count >= 2, labels.count == asciiLabels.count else { return (domain, "") }
        var suffixCount = 1
        if asciiLabels.count >= 3 && publicSuffixes.contains(asciiLabels.suffix(2).joined(separator: ".")) {
            suffixCount = 2
        }
        let label = labels[labels.count - suffixCount - 1]
        let suffix = labels.suffix(suffixCount).joined(separator: ".")
        return (label, suffix)
    }
}
