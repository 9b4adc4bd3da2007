// new-domain — the first message to an external domain (from the send history).

public struct NewDomainRule: PolicyRule {
    public let id = "new-domain"
    public let defaultSeverity = Severity.confirm
    public let summary = "an external domain you have never written to"

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let domains = PolicyContext.domains(of: context.externalRecipients)
            .filter { !context.hasWritten(toDomain: $0.ascii) }
        guard !domains.isEmpty else { return [] }
        let what = domains.count == 1 ? "a domain" : "\(domains.count) domains"
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message: "\(what) you have never written to: \(PolicyText.listing(domains.lazy.map(\.unicode)))",
                subjects: domains.map { .domain($0.unicode) },
                flag: "NEW")
        ]
    }
}
