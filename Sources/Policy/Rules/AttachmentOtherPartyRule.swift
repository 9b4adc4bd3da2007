// attachment-other-party — the estimate for one client attached to the mail for another: an
// attachment names a company (or an address) that none of the external recipients belongs to,
// and names none of the recipients' companies. The evidence names the party and its place in
// the file, and who the recipients are.

public struct AttachmentOtherPartyRule: PolicyRule {
    public let id = "attachment-other-party"
    public let defaultSeverity = Severity.confirm
    public let summary = "an attachment names another company than the recipients'"
    public var options: [RuleOption] { [] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let external = context.externalRecipients
        guard !external.isEmpty, input.attachments.contains(where: { $0.text != nil }) else { return [] }
        let recipients = Recipients(input, context)
        var findings: [Finding] = []
        for (index, attachment) in input.attachments.enumerated() {
            guard let text = attachment.text else { continue }
            let parties = PartyExtractor.parties(in: text)
            // A file that names a recipient (their company, their address, their domain, one
            // of them by name) is theirs, whatever else it names.
            if parties.contains(where: recipients.isRecipient) { continue }
            let others = parties.filter { $0.kind != .person && !recipients.isOwn($0) }
            guard let first = others.first else { continue }
            let named = others.prefix(3).map { "\($0.name) (\(attachment.location(ofLine: $0.line)))" }
            let more = others.count > 3 ? " and \(others.count - 3) more" : ""
            findings.append(
                Finding(
                    ruleID: id, severity: context.severity(of: self),
                    message: "'\(attachment.name)' names \(named.joined(separator: ", "))\(more); the recipients are at \(recipients.description)",
                    subjects: [.attachment(index)], flag: "NAMES \(first.name)"))
        }
        return findings
    }

    /// Who the external recipients are, and who the sender's side is.
    struct Recipients {
        /// External recipients' domains, Unicode and A-label, lowercased.
        var domains: [(unicode: String, ascii: String)]
        /// Companies of those domains and addresses in the address book.
        var companies: [String]
        /// Recipients' display names, without spaces.
        var names: [String]
        var addresses: Set<String>
        /// The sender's side: the sender's domain, internal domains and their companies.
        var ownDomains: [String]
        var ownCompanies: [String]

        init(_ input: PolicyInput, _ context: PolicyContext) {
            let external = context.externalRecipients
            domains = PolicyContext.domains(of: external).map { ($0.unicode.lowercased(), $0.ascii.lowercased()) }
            addresses = Set(external.map(PolicyContext.addressKey))
            names = external.compactMap {
                $0.displayName.map { String($0.unicodeScalars.filter { !PartyExtractor.isSpace($0) && $0 != "," }.map(Character.init)) }
            }
            .filter { $0.unicodeScalars.count >= 2 }
            var companies: [String] = []
            var ownCompanies: [String] = []
            let asciiDomains = Set(domains.map(\.ascii))
            for entry in input.addressBook.entries {
                guard let company = entry.company, !company.isEmpty else { continue }
                let key = PolicyContext.addressKey(entry.address)
                let domain = key.split(separator: "@").last.map(String.init) ?? ""
                if addresses.contains(key) || asciiDomains.contains(domain) {
                    if !companies.contains(company) { companies.append(company) }
                } else if context.classifier.isInternal(domain: domain) || domain == input.from.asciiDomain.lowercased() {
                    if !ownCompanies.contains(company) { ownCompanies.append(company) }
                }
            }
            self.companies = companies
            self.ownCompanies = ownCompanies
            ownDomains = [input.from.asciiDomain.lowercased()]
        }

        func isRecipient(_ party: Party) -> Bool {
            switch party.kind {
            case .email:
                guard let domain = party.domain else { return false }
                let ascii = DomainName.ascii(domain).lowercased()
                return addresses.contains(PolicyContext.addressKey(party.name))
                    || domains.contains { ascii == $0.ascii || ascii.hasSuffix("." + $0.ascii) || $0.ascii.hasSuffix("." + ascii) }
            case .company, .organisation:
                return companies.contains { PartyExtractor.sameParty($0, party.name) }
            case .person:
                let name = String(party.name.unicodeScalars.filter { !PartyExtractor.isSpace($0) }.map(Character.init))
                return names.contains { $0.contains(name) || (name.unicodeScalars.count >= 2 && name.contains($0)) }
            }
        }

        func isOwn(_ party: Party) -> Bool {
            switch party.kind {
            case .email:
                guard let domain = party.domain else { return false }
                return ownDomains.contains(DomainName.ascii(domain).lowercased())
            case .company, .organisation:
                return ownCompanies.contains { PartyExtractor.sameParty($0, party.name) }
            case .person:
                return false
            }
        }

        /// "aozora-shoji.jp (青空商事株式会社)", "a.jp, b.jp (B株式会社)".
        var description: String {
            let list = domains.prefix(3).map(\.unicode).joined(separator: ", ") + (domains.count > 3 ? ", …" : "")
            return companies.isEmpty ? list : "\(list) (\(companies.prefix(3).joined(separator: ", ")))"
        }
    }
}
