// lookalike-domain — a recipient domain that imitates, or is one typo away from, a domain the
// sender knows: an internal domain, the sender's own, one in the send history or the address book.
//
// Compared on the registrable part ("mail.example.co.jp" → "example.co.jp"):
// - the same confusable skeleton (0/o, 1/l, rn/m, vv/w, cl/d, Cyrillic and Greek letters that
//   look Latin): always a look-alike;
// - restricted Damerau–Levenshtein distance (also on the skeletons) of at most 1 when the known
//   domain's label has 4–8 characters, at most 2 when it has 9 or more; labels of 1–3
//   characters only by skeleton (too many real domains are one letter apart);
// - a label mixing Latin, Cyrillic or Greek letters is a look-alike even with nothing to compare.
// A domain that is itself known is never flagged; nor is another domain of the same registrable
// part (sales.example.co.jp next to example.co.jp). example.org next to example.com is not a
// look-alike (distance 3): `new-domain` asks about it.

import Synchronization

public struct LookalikeDomainRule: PolicyRule {
    public let id = "lookalike-domain"
    public let defaultSeverity = Severity.block
    public let summary = "a recipient domain looks like a domain you know but is not it"

    public init() {}

    enum Kind: Int, Comparable {
        case internalDomain = 0
        case ownDomain, history, addressBook
        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
        var text: String {
            switch self {
            case .internalDomain: return "an internal domain"
            case .ownDomain: return "your own domain"
            case .history: return "a domain you have written to"
            case .addressBook: return "a domain in your address book"
            }
        }
    }

    struct Known: Sendable {
        let unicode: String
        let ascii: String
        let kind: Kind
        let registrable: String
        let label: String
        let skeleton: String
        // For fast comparison of many pairs.
        let limit: Int
        let registrableScalars: [Unicode.Scalar]
        let skeletonScalars: [Unicode.Scalar]
        let registrableSignature: UInt64
        let skeletonSignature: UInt64
    }

    static func known(_ unicode: String, _ ascii: String, _ kind: Kind) -> Known {
        let (label, suffix) = DomainName.registrable(unicode, ascii: ascii)
        let registrable = suffix.isEmpty ? label : label + "." + suffix
        let skeleton = Confusables.skeleton(registrable)
        let r = Array(registrable.unicodeScalars), s = Array(skeleton.unicodeScalars)
        return Known(
            unicode: unicode, ascii: ascii, kind: kind, registrable: registrable, label: label,
            skeleton: skeleton, limit: distanceLimit(labelLength: label.unicodeScalars.count),
            registrableScalars: r, skeletonScalars: s,
            registrableSignature: DistanceScratch.signature(r), skeletonSignature: DistanceScratch.signature(s))
    }

    /// The edit distance between the candidate and a known domain (raw or skeleton, whichever
    /// is smaller), or `limit + 1` when it is more than the known domain's limit.
    static func distance(_ c: Known, _ r: Known, _ scratch: inout DistanceScratch) -> Int {
        let limit = r.limit
        var best = limit + 1
        if abs(c.registrableScalars.count - r.registrableScalars.count) <= limit,
            (c.registrableSignature ^ r.registrableSignature).nonzeroBitCount <= 2 * limit
        {
            best = scratch.distance(c.registrableScalars, r.registrableScalars, limit: limit)
        }
        if best > 0, abs(c.skeletonScalars.count - r.skeletonScalars.count) <= limit,
            (c.skeletonSignature ^ r.skeletonSignature).nonzeroBitCount <= 2 * limit
        {
            best = min(best, scratch.distance(c.skeletonScalars, r.skeletonScalars, limit: limit))
        }
        return best
    }

    /// The domains of the history and the address books, prepared for comparison (skeletons,
    /// signatures): the same for every message until either changes, so the last set is kept.
    static func remembered(_ history: Set<String>, _ book: AddressBook) -> [Known] {
        var bookDomains: [String] = []
        for entry in book.entries {
            guard let at = entry.address.lastIndex(of: "@") else { continue }
            bookDomains.append(String(entry.address[entry.address.index(after: at)...]))
        }
        return lastReferences.withLock { last in
            if let last = last, last.history == history, last.book == bookDomains { return last.references }
            var seen = Set<String>()
            var references: [Known] = []
            for d in history.sorted() where seen.insert(d).inserted { references.append(known(DomainName.unicode(d), d, .history)) }
            for domain in bookDomains {
                let ascii = DomainName.ascii(domain)
                if seen.insert(ascii).inserted { references.append(known(DomainName.unicode(domain), ascii, .addressBook)) }
            }
            last = (history, bookDomains, references)
            return references
        }
    }

    /// Prepares the known domains of this history and address book (`remembered`) ahead of the
    /// first message, so that `y` finds them ready: the composer's background prefetch calls
    /// this once it has read them. Kept for this process only.
    public static func prepare(history: SendHistory, addressBook: AddressBook) {
        _ = remembered(history.domainKeys, addressBook)
    }

    private static let lastReferences = Mutex<(history: Set<String>, book: [String], references: [Known])?>(nil)

    /// The largest edit distance that still counts as a look-alike of a label this long.
    static func distanceLimit(labelLength: Int) -> Int {
        switch labelLength {
        case ...3: return 0
        case 4...8: return 1
        default: return 2
        }
    }

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        // What the sender knows, strongest reason first.
        var references: [Known] = []
        var knownASCII = Set<String>()
        func add(_ unicode: String, _ ascii: String, _ kind: Kind) {
            if knownASCII.insert(ascii).inserted { references.append(Self.known(unicode, ascii, kind)) }
        }
        for p in context.classifier.patterns { add(p.unicodeDomain, p.asciiDomain, .internalDomain) }
        add(input.from.domain, input.from.asciiDomain, .ownDomain)
        for ref in Self.remembered(context.knownDomains, input.addressBook) where knownASCII.insert(ref.ascii).inserted {
            references.append(ref)
        }

        let filters = references.map {
            (
                limit: $0.limit, regLength: $0.registrableScalars.count, regSignature: $0.registrableSignature,
                skelLength: $0.skeletonScalars.count, skelSignature: $0.skeletonSignature
            )
        }
        var bySkeleton: [String: [Int]] = [:]
        for (i, ref) in references.enumerated() { bySkeleton[ref.skeleton, default: []].append(i) }
        var findings: [Finding] = []
        var scratch = DistanceScratch()
        let recipients = input.allRecipients
        for domain in PolicyContext.domains(of: recipients) {
            if knownASCII.contains(domain.ascii) || context.classifier.isInternal(domain: domain.ascii) { continue }
            let candidate = Self.known(domain.unicode, domain.ascii, .history)
            let mixed = Confusables.mixedScripts(in: domain.unicode)

            var best: (ref: Known, score: Int, sameSkeleton: Bool)? = nil
            func consider(_ ref: Known, _ score: Int, _ sameSkeleton: Bool) {
                if best == nil || score < best!.score || (score == best!.score && ref.kind < best!.ref.kind) {
                    best = (ref, score, sameSkeleton)
                }
            }
            // Same skeleton: found by lookup. Within the edit limit: every known domain, with
            // cheap length and character-set filters first.
            for i in bySkeleton[candidate.skeleton] ?? [] where references[i].registrable != candidate.registrable {
                consider(references[i], 0, true)
            }
            if best == nil {
                let cRegLen = candidate.registrableScalars.count, cSkelLen = candidate.skeletonScalars.count
                for i in filters.indices {
                    let f = filters[i]
                    guard f.limit > 0 else { continue }
                    let regClose =
                        abs(cRegLen - f.regLength) <= f.limit
                        && (candidate.registrableSignature ^ f.regSignature).nonzeroBitCount <= 2 * f.limit
                    let skelClose =
                        abs(cSkelLen - f.skelLength) <= f.limit
                        && (candidate.skeletonSignature ^ f.skelSignature).nonzeroBitCount <= 2 * f.limit
                    guard regClose || skelClose else { continue }
                    let ref = references[i]
                    let score = Self.distance(candidate, ref, &scratch)
                    if score <= ref.limit && ref.registrable != candidate.registrable {
                        consider(ref, score, false)
                    }
                }
            }
            guard best != nil || mixed != nil else { continue }

            let shown = domain.unicode == domain.ascii ? domain.unicode : "\(domain.unicode) (\(domain.ascii))"
            var reasons: [String] = []
            if let mixed {
                reasons.append("mixes \(mixed.map(\.rawValue).joined(separator: " and ")) letters in one label")
            }
            let target: String
            let message: String
            if let best {
                target = best.ref.unicode
                if mixed == nil || !best.sameSkeleton {
                    reasons.append(Self.difference(candidate, best.ref, sameSkeleton: best.sameSkeleton))
                }
                message = "\(shown) looks like \(best.ref.unicode) (\(best.ref.kind.text)): \(reasons.joined(separator: "; "))"
            } else {
                target = Confusables.skeleton(domain.unicode)
                message = "\(shown) \(reasons.joined(separator: "; ")): it reads as \(target)"
            }
            let members = recipients.filter { $0.asciiDomain == domain.ascii }
            findings.append(
                Finding(
                    ruleID: id, severity: context.severity(of: self), message: message,
                    subjects: [.domain(domain.unicode)] + members.uniqueRecipients.map { .recipient($0.addressKey) },
                    flag: "LOOK-ALIKE OF \(target)"))
        }
        return findings
    }

    /// How the candidate differs from the known domain, in words.
    static func difference(_ c: Known, _ r: Known, sameSkeleton: Bool) -> String {
        let x = Array(c.registrable), y = Array(r.registrable)
        if x.count == y.count {
            let diff = x.indices.filter { x[$0] != y[$0] }
            if diff.count == 1 {
                return "'\(x[diff[0]])' in place of '\(y[diff[0]])'"
            }
            if Confusables.isSwap(c.registrable, r.registrable), diff.count == 2 {
                return "'\(x[diff[0]])\(x[diff[1]])' in place of '\(y[diff[0]])\(y[diff[1]])'"
            }
        }
        if sameSkeleton {
            for (pair, letter) in Confusables.pairs where c.registrable.contains(pair) && !r.registrable.contains(pair) {
                return "'\(pair)' reads as '\(letter)'"
            }
            return "confusable characters"
        }
        if x.count == y.count + 1 { return "one character more" }
        if x.count + 1 == y.count { return "one character less" }
        let d = Confusables.distance(c.registrable, r.registrable, limit: 2)
        return d <= 2 ? "\(d) characters differ" : "letters that look alike"
    }
}
