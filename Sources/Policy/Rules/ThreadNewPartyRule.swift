// thread-new-party — a recipient of a reply or forward who was not on the original thread.

public struct ThreadNewPartyRule: PolicyRule {
    public let id = "thread-new-party"
    public let defaultSeverity = Severity.confirm
    public let summary = "a reply or forward goes to someone who was not on the thread"

    public init() {}

    /// A reply: every recipient not among the original's From, To, Cc and Reply-To. A forward
    /// goes to new people by nature: there only external recipients count.
    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        guard let thread = input.thread else { return [] }
        let keys = thread.partyKeys
        let domains = thread.partyDomains
        var seen = Set<String>()
        let added = input.allRecipients.filter {
            !keys.contains($0.key) && (thread.kind != .forward || context.isExternal($0)) && seen.insert($0.key.text).inserted
        }
        guard !added.isEmpty else { return [] }
        let newDomains = PolicyContext.domains(of: added).filter { !domains.contains($0.ascii) }
        let what = added.count == 1 ? "a recipient who was" : "\(added.count) recipients who were"
        var message = "\(what) not on the thread: \(PolicyText.listing(added.lazy.map(\.address)))"
        if !newDomains.isEmpty {
            message +=
                newDomains.count == 1 ? " (the domain \(newDomains[0].unicode) was not on it either)" : " (\(newDomains.count) domains were not on it either)"
        }
        return [
            Finding(
                ruleID: id, severity: context.severity(of: self), message: message,
                subjects: added.map { .recipient($0.addressKey) },
                flag: "NOT ON THE THREAD")
        ]
    }
}
