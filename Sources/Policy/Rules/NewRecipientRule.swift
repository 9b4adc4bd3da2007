// new-recipient — the first message to an external address (from the send history).

public struct NewRecipientRule: PolicyRule {
    public let id = "new-recipient"
    public let defaultSeverity = Severity.info
    public let summary = "an external address you have never written to"

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        let new = context.externalRecipients.filter { !context.hasWritten(to: $0) }
        guard !new.isEmpty else { return [] }
        let what = new.count == 1 ? "an external address" : "\(new.count) external addresses"
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message: "\(what) you have never written to: \(PolicyText.listing(new.lazy.map(\.address)))",
                subjects: new.map { .recipient($0.addressKey) },
                flag: "NEW")
        ]
    }
}
