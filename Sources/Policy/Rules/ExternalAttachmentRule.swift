// external-attachment — files leaving the organisation. With `challenge = true` the sender must
// type part of each file name and each external domain.

public struct ExternalAttachmentRule: PolicyRule {
    public let id = "external-attachment"
    public let defaultSeverity = Severity.confirm
    public let summary = "attachments go to external recipients"

    public static let challenge = RuleOption.flag(
        "challenge", default: false, "make the sender type part of each file name and each external domain")
    public var options: [RuleOption] { [Self.challenge] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        guard !input.attachments.isEmpty else { return [] }
        let external = context.externalRecipients
        guard !external.isEmpty else { return [] }
        let domains = PolicyContext.domains(of: external)
        var challenges: [Challenge] = []
        if context.config.flag(Self.challenge, of: id) {
            challenges += input.attachments.enumerated().map { .typeFileNamePart(attachment: $0.offset, fileName: $0.element.name) }
            challenges += domains.map { .typeDomain($0.unicode) }
        }
        let files = PolicyText.count(input.attachments.count, "attachment")
        let verb = input.attachments.count == 1 ? "goes" : "go"
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message:
                    "\(files) \(verb) to \(PolicyText.count(external.count, "external recipient")) in \(PolicyText.count(domains.count, "domain")): \(PolicyText.listing(domains.lazy.map(\.unicode)))",
                subjects: input.attachments.indices.map { .attachment($0) } + domains.map { .domain($0.unicode) },
                challenges: challenges)
        ]
    }
}
