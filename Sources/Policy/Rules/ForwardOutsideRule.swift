// forward-outside — an internal thread forwarded outside, or forwarded attachments sent to a
// domain other than the one they came from.

public struct ForwardOutsideRule: PolicyRule {
    public let id = "forward-outside"
    public let defaultSeverity = Severity.confirm
    public let summary = "an internal thread, or its attachments, forwarded outside"

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        guard let thread = input.thread, thread.kind == .forward else { return [] }
        let external = context.externalRecipients
        guard !external.isEmpty else { return [] }
        if !thread.parties.isEmpty, thread.parties.allSatisfy({ context.isInternal($0) }) {
            return [
                Finding(
                    ruleID: id, severity: context.severity(of: self),
                    message:
                        "an internal-only thread is forwarded outside to \(PolicyText.listing(external.lazy.map(\.address)))",
                    subjects: external.map { .recipient($0.addressKey) },
                    flag: "OUTSIDE")
            ]
        }
        guard thread.carriedAttachments > 0, let origin = thread.author?.asciiDomain else { return [] }
        let elsewhere = external.filter { $0.asciiDomain != origin }
        guard !elsewhere.isEmpty else { return [] }
        let count = thread.carriedAttachments
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self),
                message:
                    "\(count == 1 ? "an attachment" : "\(count) attachments") from \(thread.author?.domain ?? origin) forwarded to another domain: \(PolicyText.listing(elsewhere.lazy.map(\.address)))",
                subjects: elsewhere.map { .recipient($0.addressKey) },
                flag: "OUTSIDE")
        ]
    }
}
