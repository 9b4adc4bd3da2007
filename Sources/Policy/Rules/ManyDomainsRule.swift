// many-domains — one message to many organisations at once.

public struct ManyDomainsRule: PolicyRule {
    public let id = "many-domains"
    public let defaultSeverity = Severity.confirm
    public let summary = "To/Cc reach more external domains than usual"

    public static let maxDomains = RuleOption.threshold(
        "max_domains", default: 3, minimum: 1, "report when To+Cc hold more external domains than this")
    public var options: [RuleOption] { [Self.maxDomains] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let domains = PolicyContext.domains(of: context.externalVisibleRecipients)
        let limit = context.config.integer(Self.maxDomains, of: id)
        guard domains.count > limit else { return [] }
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message: "\(domains.count) external domains in To/Cc (more than \(limit)): \(PolicyText.listing(domains.lazy.map(\.unicode)))",
                subjects: domains.map { .domain($0.unicode) },
                flag: "MANY")
        ]
    }
}
