// reply-all-wide — a reply-all to many people, or to outside people in several organisations.

public struct ReplyAllWideRule: PolicyRule {
    public let id = "reply-all-wide"
    public let defaultSeverity = Severity.confirm
    public let summary = "reply-all to many recipients or to several outside domains"

    public static let maxRecipients = RuleOption.threshold(
        "max_recipients", default: 10, minimum: 1, "report a reply-all to more recipients than this")
    public static let maxExternalDomains = RuleOption.threshold(
        "max_external_domains", default: 1, minimum: 1, "report a reply-all reaching more external domains than this")
    public var options: [RuleOption] { [Self.maxRecipients, Self.maxExternalDomains] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        guard input.thread?.kind == .replyAll else { return [] }
        let count = input.allRecipients.uniqueRecipients.count
        let domains = PolicyContext.domains(of: context.externalRecipients)
        let maxCount = context.config.integer(Self.maxRecipients, of: id)
        let maxDomains = context.config.integer(Self.maxExternalDomains, of: id)
        var reasons: [String] = []
        if count > maxCount { reasons.append("\(count) recipients (more than \(maxCount))") }
        if domains.count > maxDomains {
            reasons.append("\(domains.count) external domains: \(PolicyText.listing(domains.lazy.map(\.unicode)))")
        }
        guard !reasons.isEmpty else { return [] }
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message: "reply-all to " + reasons.joined(separator: " and "),
                subjects: domains.count > maxDomains ? domains.map { .domain($0.unicode) } : [],
                flag: "WIDE")
        ]
    }
}
