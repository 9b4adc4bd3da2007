// bulk-visible-recipients — an announcement with every external recipient in To/Cc.
//
// Defaults (docs/policy.md, "bulk-visible-recipients"): block at a size that is really bulk —
// To+Cc hold external addresses in 5 or more domains, or 20 or more external addresses. Below
// that, ask (confirm) when they are in 2 or more domains that were never written to together
// before (the journal's known groups), or when there are 10 or more external addresses. Fixes:
// move them to Bcc, or send one message each.

public struct BulkVisibleRecipientsRule: PolicyRule {
    public let id = "bulk-visible-recipients"
    public let defaultSeverity = Severity.block
    public let summary = "external recipients in To/Cc can see each other (use Bcc or send individually)"

    public static let externalDomains = RuleOption.threshold(
        "external_domains", default: 2, minimum: 1,
        "ask when To+Cc hold external addresses in this many domains or more, unless they were written to together before")
    public static let externalAddresses = RuleOption.threshold(
        "external_addresses", default: 10, minimum: 1, "ask when To+Cc hold this many external addresses or more")
    public static let blockDomains = RuleOption.threshold(
        "block_domains", default: 5, minimum: 1, "report with the rule's severity (block) at this many external domains in To+Cc")
    public static let blockAddresses = RuleOption.threshold(
        "block_addresses", default: 20, minimum: 1, "report with the rule's severity (block) at this many external addresses in To+Cc")
    public var options: [RuleOption] { [Self.externalDomains, Self.externalAddresses, Self.blockDomains, Self.blockAddresses] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let external = context.externalVisibleRecipients
        guard !external.isEmpty else { return [] }
        let domains = PolicyContext.domains(of: external)
        let config = context.config
        let who = PolicyText.count(external.count, "external recipient") + " in " + PolicyText.count(domains.count, "domain")
        let verb = external.count == 1 ? "is visible in To/Cc" : "are visible to each other in To/Cc"
        let severity = context.severity(of: self)
        func finding(_ severity: Severity, _ message: String) -> [Finding] {
            [
                Finding(
                    ruleID: id, severity: severity, message: message, subjects: external.map { .recipient($0.addressKey) },
                    fixes: [.moveExternalToBcc, .sendIndividually])
            ]
        }
        // Really bulk: the rule's own severity.
        let blockDomains = config.integer(Self.blockDomains, of: id)
        let blockAddresses = config.integer(Self.blockAddresses, of: id)
        if domains.count >= blockDomains || external.count >= blockAddresses {
            return finding(
                severity,
                "\(who) \(verb) (bulk: \(PolicyText.count(blockDomains, "domain")) or \(PolicyText.count(blockAddresses, "address", "addresses")))")
        }
        // Below that the sender is asked, never more than the rule's severity allows.
        let asked = min(severity, .confirm)
        let addressLimit = config.integer(Self.externalAddresses, of: id)
        if external.count >= addressLimit {
            return finding(asked, "\(who) \(verb) (\(PolicyText.count(addressLimit, "address", "addresses")) or more)")
        }
        let domainLimit = config.integer(Self.externalDomains, of: id)
        guard domains.count >= domainLimit else { return [] }
        if domains.count >= 2 && input.history.isKnownGroup(Set(domains.map(\.ascii))) { return [] }
        let names = PolicyText.listing(domains.map(\.unicode))
        return finding(
            asked,
            domains.count >= 2
                ? "\(who) \(verb), and these domains were never written to together before: \(names)"
                : "\(who) \(verb) (\(PolicyText.count(domainLimit, "domain")) or more)")
    }
}
