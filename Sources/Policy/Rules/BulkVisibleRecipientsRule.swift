// bulk-visible-recipients — an announcement with every external recipient in To/Cc.
//
// Default: block when To+Cc hold external recipients in 2 or more domains, or 10 or more
// external addresses. Fixes: move them to Bcc, or send one message each.

public struct BulkVisibleRecipientsRule: PolicyRule {
    public let id = "bulk-visible-recipients"
    public let defaultSeverity = Severity.block
    public let summary = "external recipients in To/Cc can see each other (use Bcc or send individually)"

    public static let externalDomains = RuleOption.threshold(
        "external_domains", default: 2, minimum: 1, "report when To+Cc hold external addresses in this many domains or more")
    public static let externalAddresses = RuleOption.threshold(
        "external_addresses", default: 10, minimum: 1, "report when To+Cc hold this many external addresses or more")
    public var options: [RuleOption] { [Self.externalDomains, Self.externalAddresses] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let external = context.externalVisibleRecipients
        guard !external.isEmpty else { return [] }
        let domains = PolicyContext.domains(of: external)
        let domainLimit = context.config.integer(Self.externalDomains, of: id)
        let addressLimit = context.config.integer(Self.externalAddresses, of: id)
        guard domains.count >= domainLimit || external.count >= addressLimit else { return [] }
        let who = PolicyText.count(external.count, "external recipient") + " in " + PolicyText.count(domains.count, "domain")
        let verb = external.count == 1 ? "is visible in To/Cc" : "are visible to each other in To/Cc"
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message: "\(who) \(verb) (limit: \(PolicyText.count(domainLimit, "domain")) or \(PolicyText.count(addressLimit, "address", "addresses")))",
                subjects: external.map { .recipient($0.addressKey) },
                fixes: [.moveExternalToBcc, .sendIndividually])
        ]
    }
}
