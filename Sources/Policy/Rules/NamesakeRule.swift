// namesake — a recipient whose name is in the address book, at another address: the wrong
// 山田 太郎, picked by habit or by a client's autocomplete elsewhere.

public struct NamesakeRule: PolicyRule {
    public let id = "namesake"
    public let defaultSeverity = Severity.confirm
    public let summary = "a recipient has the name of an address-book entry but a different address"

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        guard !input.addressBook.entries.isEmpty else { return [] }
        let byName = input.addressBook.byName
        var findings: [Finding] = []
        var seen = Set<String>()
        for recipient in input.allRecipients {
            guard let name = recipient.displayName, seen.insert(PolicyContext.addressKey(recipient)).inserted else { continue }
            var matches: [AddressBookEntry] = []
            for key in PersonName.keys(name) {
                for entry in byName[key] ?? [] where !matches.contains(entry) { matches.append(entry) }
            }
            guard let first = matches.first else { continue }
            let key = PolicyContext.addressKey(recipient)
            if matches.contains(where: { PolicyContext.addressKey($0.address) == key }) { continue }

            let knownDomain = Self.domain(of: first.address)
            let sameDomain = DomainName.ascii(knownDomain) == recipient.asciiDomain
            var known = first.address
            if let company = first.company { known += " (\(company))" }
            if matches.count > 1 { known += " and \(matches.count - 1) more with that name" }
            let difference = sameDomain ? "a different address in the same domain" : "a different address in another domain"
            findings.append(
                Finding(
                    ruleID: id, severity: context.severity(of: self),
                    message: "'\(name)' is \(known) in the address book, but this recipient is \(recipient.address): \(difference)",
                    subjects: [.recipient(recipient.addressKey)],
                    flag: "NAMESAKE"))
        }
        return findings
    }

    static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return String(address[address.index(after: at)...])
    }
}
