// salutation-mismatch — the opening lines address a company or a person that the address book
// or the thread ties to a domain none of the recipients is in (a letter to one client sent to
// another).

import MailCore

public struct SalutationMismatchRule: PolicyRule {
    public let id = "salutation-mismatch"
    public let defaultSeverity = Severity.confirm
    public let summary = "the salutation names a company or person of a domain that is not among the recipients"

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let names = Self.salutations(input.body)
        guard !names.isEmpty else { return [] }
        let recipientDomains = Set(input.allRecipients.map(\.asciiDomain))
        var people: [(name: String, domain: String)] = input.addressBook.entries.compactMap { entry in
            guard let at = entry.address.lastIndex(of: "@") else { return nil }
            return (entry.name, DomainName.ascii(String(entry.address[entry.address.index(after: at)...])))
        }
        people += (input.thread?.parties ?? []).compactMap { m in m.displayName.map { ($0, m.asciiDomain) } }
        var companies: [(name: String, domain: String)] = input.addressBook.entries.compactMap { entry in
            guard let company = entry.company, let at = entry.address.lastIndex(of: "@") else { return nil }
            return (company, DomainName.ascii(String(entry.address[entry.address.index(after: at)...])))
        }
        companies += people.filter { Self.isCompany($0.name) }
        for salutation in names {
            let target = Self.core(salutation.name)
            guard !target.isEmpty else { continue }
            let pool = salutation.isCompany ? companies : people
            let tied = Set(
                pool.filter { candidate in
                    salutation.isCompany ? Self.core(candidate.name) == target : Self.nameMatches(candidate.name, target)
                }.map(\.domain))
            guard !tied.isEmpty, tied.isDisjoint(with: recipientDomains) else { continue }
            let where_ = tied.sorted().map { DomainName.unicode($0) }
            return [
                Finding(
                    ruleID: id, severity: context.severity(of: self),
                    message:
                        "the message opens with '\(salutation.text)', whom \(PolicyText.listing(where_.lazy)) is tied to, but no recipient is in \(where_.count == 1 ? "that domain" : "those domains")",
                    subjects: [.body],
                    flag: "SALUTATION")
            ]
        }
        return []
    }

    struct Salutation: Equatable {
        var text: String
        var name: String
        var isCompany: Bool
    }

    static let companyMarks = ["株式会社", "有限会社", "合同会社", "(株)", "（株）", "㈱", "㈲", "Inc.", "Inc", "Ltd.", "Ltd", "Co.", "Corporation", "GmbH"]
    static let honorifics = ["様", "さま", "殿", "御中", "さん", "先生"]

    static func isCompany(_ name: String) -> Bool { companyMarks.contains { name.contains($0) } }

    /// A name without company marks, honorifics, spaces and punctuation, lowercased.
    static func core(_ name: String) -> String {
        var s = name
        for mark in companyMarks + honorifics { s = s.replacing(mark, with: "") }
        return String(s.lowercased().filter { !$0.isWhitespace && !$0.isPunctuation && $0 != "・" })
    }

    /// A person's name matches the name in a salutation (`core` form) when it is that name, starts
    /// with it (山田 matches 山田太郎) or has it as one of its words (Smith matches John Smith).
    static func nameMatches(_ candidate: String, _ target: String) -> Bool {
        let whole = core(candidate)
        guard !whole.isEmpty else { return false }
        if whole == target || whole.hasPrefix(target) || target.hasPrefix(whole) { return true }
        return candidate.split(whereSeparator: \.isWhitespace).contains { core(String($0)) == target }
    }

    /// The companies and people addressed in the opening lines (before any quote): `〇〇株式会社`,
    /// `△△様`, `Dear Mr X,`, `Dear X,`.
    static func salutations(_ body: String) -> [Salutation] {
        var out: [Salutation] = []
        var lines = 0
        // The lines split on "\n" (empty ones skipped) one at a time: only the first few are read.
        var rest = body[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let raw = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            if raw.isEmpty { continue }
            let line = raw.trimmingCharacters()
            if line.isEmpty { continue }
            if line.hasPrefix(">") { break }
            lines += 1
            if lines > 4 { break }
            for word in line.split(whereSeparator: { $0.isWhitespace || $0 == "、" || $0 == "," || $0 == "，" || $0 == "。" }) {
                let w = String(word)
                if isCompany(w), core(w).count >= 2 {
                    out.append(Salutation(text: w, name: w, isCompany: true))
                } else if let h = honorifics.first(where: { w.hasSuffix($0) }), w.count > h.count {
                    out.append(Salutation(text: w, name: String(w.dropLast(h.count)), isCompany: false))
                }
            }
            for opener in ["Dear ", "Hi ", "Hello "] where line.hasPrefix(opener) {
                var rest = Substring(line.dropFirst(opener.count))
                for title in ["Mr. ", "Mr ", "Ms. ", "Ms ", "Mrs. ", "Mrs ", "Dr. ", "Dr "] where rest.hasPrefix(title) {
                    rest = rest.dropFirst(title.count)
                }
                let name = rest.prefix { $0 != "," && $0 != ":" }
                if !name.isEmpty {
                    out.append(Salutation(text: line.prefix { $0 != "," && $0 != ":" }.description, name: String(name), isCompany: isCompany(String(name))))
                }
            }
        }
        return out
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
