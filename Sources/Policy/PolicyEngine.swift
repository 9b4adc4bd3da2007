// PolicyEngine.swift — runs every rule over a message and decides: clean, confirm, or blocked.
//
// - SeeAlso: docs/policy.md.

import MailCore

/// One check. Rules live one per file under `Rules/`; each reads its severity and options from
/// the context's config, never from a constant at the place it reports.
public protocol PolicyRule: Sendable {
    /// The id used in config files, `--accept` and reports, e.g. "bulk-visible-recipients".
    var id: String { get }
    /// The severity when no layer sets one.
    var defaultSeverity: Severity { get }
    /// Rule-specific options (`[rules.ID]` keys other than `severity`).
    var options: [RuleOption] { get }
    /// One line for `guardmail policy`.
    var summary: String { get }
    func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding]
}

extension PolicyRule {
    public var options: [RuleOption] { [] }
}

/// What every rule may consult besides the message: the effective config, the internal/external
/// classifier, and the history in normalised form.
public struct PolicyContext: Sendable {
    public let config: PolicyConfig
    public let classifier: DomainClassifier
    /// Past recipient addresses, normalised (see `addressKey(_:)`).
    let knownAddresses: Set<String>
    /// Past recipient domains, A-label form.
    let knownDomains: Set<String>
    /// External recipients in To, Cc and Bcc, one per address, in message order.
    public let externalRecipients: [Mailbox]
    /// External recipients in To and Cc (whom every recipient sees), one per address, in order.
    public let externalVisibleRecipients: [Mailbox]
    /// The body's own lines, split and folded at most once for every rule that reads them.
    let body: BodyText

    public init(input: PolicyInput, config: PolicyConfig) {
        self.config = config
        self.body = BodyText(input.body)
        self.classifier = config.classifier(sender: input.from)
        // A party on the thread being answered is not new in the sense of a typo: new-recipient and
        // new-domain treat the thread's addresses and domains as written to.
        // (Without a thread the history's sets as they are: a union copies them.)
        self.knownAddresses = input.thread.map { input.history.addressKeys.union($0.parties.map(Self.addressKey)) } ?? input.history.addressKeys
        self.knownDomains = input.thread.map { input.history.domainKeys.union($0.partyDomains) } ?? input.history.domainKeys
        // Worked out once here: several rules ask, and a bulk message has thousands.
        let visibleCount = input.to.count + input.cc.count
        var seen = Set<String>(minimumCapacity: input.allRecipients.count)
        var all: [Mailbox] = []
        var visible: [Mailbox] = []
        for (index, mailbox) in input.allRecipients.enumerated() where !classifier.isInternal(mailbox) {
            guard seen.insert(Self.addressKey(mailbox)).inserted else { continue }
            all.append(mailbox)
            if index < visibleCount { visible.append(mailbox) }
        }
        externalRecipients = all
        externalVisibleRecipients = visible
    }

    public func isInternal(_ mailbox: Mailbox) -> Bool { classifier.isInternal(mailbox) }
    public func isExternal(_ mailbox: Mailbox) -> Bool { !classifier.isInternal(mailbox) }

    /// True when the sender has written to this address before.
    public func hasWritten(to mailbox: Mailbox) -> Bool { knownAddresses.contains(Self.addressKey(mailbox)) }
    /// True when the sender has written to this domain before.
    public func hasWritten(toDomain asciiDomain: String) -> Bool { knownDomains.contains(DomainName.ascii(asciiDomain)) }

    /// The rule's effective severity.
    public func severity(of rule: some PolicyRule) -> Severity { config.severity(of: rule.id) }

    /// The recipient key (`RecipientKey`, "local@a-label-domain" case-folded): how recipients
    /// are compared, here as everywhere.
    static func addressKey(_ mailbox: Mailbox) -> String { mailbox.key.text }

    /// The recipient key of "Local@Domain" (either domain form), as `RecipientKey(address:)`.
    static func addressKey(_ address: String) -> String { RecipientKey(address: address).text }

    /// Distinct domains of `mailboxes`, in order of first appearance: (Unicode, A-label).
    static func domains(of mailboxes: [Mailbox]) -> [(unicode: String, ascii: String)] {
        var seen = Set<String>()
        var out: [(unicode: String, ascii: String)] = []
        for m in mailboxes where seen.insert(m.asciiDomain).inserted {
            out.append((m.domain, m.asciiDomain))
        }
        return out
    }
}

/// The outcome for one message.
public struct PolicyDecision: Sendable, Equatable {
    /// Every finding, most severe first, then in rule order.
    public var findings: [Finding]
    /// A block finding: the message cannot be sent as it is.
    public var isBlocked: Bool
    /// A confirm finding: the sender must acknowledge before sending.
    public var needsConfirmation: Bool
    /// For `guardmail check`: 0 clean (info findings at most), 1 confirmation needed, 2 blocked.
    public var exitCode: Int32
    /// Any recipient (To, Cc or Bcc) outside the internal domains.
    public var hasExternalRecipients: Bool
    /// How long the message waits in the outbox (hold_internal_seconds or hold_external_seconds).
    public var holdSeconds: Int
    /// Recipient key → the barrier groups the recipient belongs to (shown on the confirmation screen).
    public var recipientGroups: [String: [String]] = [:]

    public init(findings: [Finding], hasExternalRecipients: Bool, holdSeconds: Int) {
        self.findings = findings
        self.isBlocked = findings.contains { $0.severity == .block }
        self.needsConfirmation = findings.contains { $0.severity == .confirm }
        self.exitCode = isBlocked ? 2 : (needsConfirmation ? 1 : 0)
        self.hasExternalRecipients = hasExternalRecipients
        self.holdSeconds = holdSeconds
    }

    /// Confirm findings of the given rules count as acknowledged (`guardmail send --accept ID`);
    /// blocks stay.
    public func accepting(_ ruleIDs: Set<String>) -> PolicyDecision {
        let open = findings.filter { $0.severity != .confirm || !ruleIDs.contains($0.ruleID) }
        var d = PolicyDecision(findings: findings, hasExternalRecipients: hasExternalRecipients, holdSeconds: holdSeconds)
        d.recipientGroups = recipientGroups
        d.needsConfirmation = open.contains { $0.severity == .confirm }
        d.exitCode = d.isBlocked ? 2 : (d.needsConfirmation ? 1 : 0)
        return d
    }

    /// Confirm findings not acknowledged by `ruleIDs`, for "accept these with --accept" messages.
    public func unaccepted(_ ruleIDs: Set<String>) -> [Finding] {
        findings.filter { $0.severity == .confirm && !ruleIDs.contains($0.ruleID) }
    }
}

public enum PolicyEngine {
    /// Every rule, in the order findings are reported at equal severity.
    public static let rules: [any PolicyRule] = [
        BulkVisibleRecipientsRule(),
        ManyDomainsRule(),
        LookalikeDomainRule(),
        NamesakeRule(),
        NewDomainRule(),
        NewRecipientRule(),
        ThreadNewPartyRule(),
        ForwardOutsideRule(),
        ReplyAllWideRule(),
        SalutationMismatchRule(),
        ExternalAttachmentRule(),
        ForgottenAttachmentRule(),
        SensitiveDataRule(),
        AttachmentOtherPartyRule()
    ]

    public static func rule(_ id: String) -> (any PolicyRule)? {
        rules.first { $0.id == id }
    }

    public static func evaluate(_ input: PolicyInput, config: PolicyConfig) -> PolicyDecision {
        let context = PolicyContext(input: input, config: config)
        // The built-in rules and the written tables read the message independently of each other:
        // they run side by side on the processors (`Concurrently.map`), each job's findings kept
        // apart and put together in rule order afterwards, so the answer is the one a single
        // thread gives (`PolicyEngineTests` compares them). The jobs that take longest start
        // first: `forgotten-attachment` (it folds the body the tables read too), the tables (with
        // the barriers' groups), then the rest in rule order.
        let first = rules.firstIndex { $0 is ForgottenAttachmentRule }
        let order = (first.map { [$0] } ?? []) + [rules.count] + rules.indices.filter { $0 != first }
        let results = Concurrently.map(order.count) { job -> (findings: [Finding], groups: [String: [String]]) in
            let index = order[job]
            guard index == rules.count else { return (rules[index].evaluate(input, context), [:]) }
            let membership = barrierMembership(input, config)
            let groups = recipientGroups(input, config, membership: membership)
            return (evaluateTables(input, context, membership: membership, recipientGroups: groups), groups)
        }
        var byIndex = Array(repeating: [Finding](), count: rules.count + 1)
        var groups: [String: [String]] = [:]
        for (job, result) in results.enumerated() {
            byIndex[order[job]] = result.findings
            if order[job] == rules.count { groups = result.groups }
        }
        return decision(byIndex, context, recipientGroups: groups)
    }

    /// `evaluate` one rule after the other on the calling thread: what the concurrent evaluation
    /// must give (for tests).
    static func evaluateSequentially(_ input: PolicyInput, config: PolicyConfig) -> PolicyDecision {
        let context = PolicyContext(input: input, config: config)
        let membership = barrierMembership(input, config)
        return decision(
            rules.map { $0.evaluate(input, context) } + [evaluateTables(input, context, membership: membership)], context,
            recipientGroups: recipientGroups(input, config, membership: membership))
    }

    /// The decision from each rule's findings (the built-in rules', then the tables'), in rule order.
    private static func decision(_ perRule: [[Finding]], _ context: PolicyContext, recipientGroups: [String: [String]]) -> PolicyDecision {
        var findings: [(order: Int, finding: Finding)] = []
        for f in perRule.joined() { findings.append((findings.count, f)) }
        // Most severe first; equal severities keep rule order and each rule's own order.
        findings.sort { a, b in
            a.finding.severity != b.finding.severity ? a.finding.severity > b.finding.severity : a.order < b.order
        }
        let external = !context.externalRecipients.isEmpty
        var decision = PolicyDecision(
            findings: findings.map(\.finding), hasExternalRecipients: external,
            holdSeconds: context.config.holdSeconds(hasExternalRecipients: external))
        decision.recipientGroups = recipientGroups
        return decision
    }

    /// Every recipient's groups among those the barriers name, worked out once per message.
    static func barrierMembership(_ input: PolicyInput, _ config: PolicyConfig) -> GroupMembership {
        config.groups.membership(of: input.allRecipients, among: barrierGroupNames(config))
    }

    /// The groups the barriers name, in order of first mention.
    static func barrierGroupNames(_ config: PolicyConfig) -> [String] {
        var names: [String] = []
        for b in config.barriers { for g in b.groups where !names.contains(g) { names.append(g) } }
        return names
    }

    /// The written rules and the barriers. The first rule-table block that matches is the only
    /// one reported; every barrier is. A policy whose tables could not be made blocks.
    public static func evaluateTables(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        evaluateTables(input, context, membership: barrierMembership(input, context.config))
    }

    static func evaluateTables(
        _ input: PolicyInput, _ context: PolicyContext, membership: GroupMembership, recipientGroups known: [String: [String]]? = nil
    ) -> [Finding] {
        let config = context.config
        if let error = config.tableError {
            return [
                Finding(
                    ruleID: "policy-error", severity: .block,
                    message: "the policy cannot be used: \(error); see it with 'guardmail policy --check FILE'")
            ]
        }
        var out: [Finding] = []
        for barrier in config.barriers {
            if let f = barrier.evaluate(input, groups: config.groups, membership: membership) { out.append(f) }
        }
        if out.isEmpty {
            // No barrier met: the screen still shows which recipients belong to a barrier's group.
            let groups = known ?? recipientGroups(input, config, membership: membership)
            if !groups.isEmpty {
                let keys = input.allRecipients.map(\.key.text).filter { groups[$0] != nil }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                var f = Finding(
                    ruleID: "barrier-groups", severity: .info,
                    message: "recipients in barrier groups: "
                        + PolicyText.listing(keys.lazy.map { "\($0) (\(groups[$0]!.joined(separator: ", ")))" }, limit: 4),
                    subjects: keys.map { .recipient($0) }, flag: "GROUP")
                f.subjectFlags = Dictionary(uniqueKeysWithValues: keys.map { ($0, "GROUP \(groups[$0]!.joined(separator: ", "))") })
                out.append(f)
            }
        }
        var blocked = false
        let text = FoldedText(input, index: config.keywordIndex, regexIndex: config.regexLiteralIndex, body: context.body)
        let prepared = config.ruleRecipientSets.count == config.tableRules.count ? config.ruleRecipientSets : nil
        for (i, rule) in config.tableRules.enumerated() {
            if blocked && rule.severity == .block { continue }
            guard let f = rule.evaluate(input, context, groups: config.groups, text: text, sets: prepared?[i]) else { continue }
            if rule.severity == .block { blocked = true }
            out.append(f)
        }
        return out
    }

    /// Each recipient's groups among those the barriers name (by recipient key), for the
    /// confirmation screen; empty when no barrier is defined.
    public static func recipientGroups(_ input: PolicyInput, _ config: PolicyConfig) -> [String: [String]] {
        recipientGroups(input, config, membership: barrierMembership(input, config))
    }

    static func recipientGroups(_ input: PolicyInput, _ config: PolicyConfig, membership: GroupMembership) -> [String: [String]] {
        let names = barrierGroupNames(config)
        guard !names.isEmpty else { return [:] }
        var out: [String: [String]] = [:]
        for m in input.allRecipients where out[m.key.text] == nil {
            let g = membership.groups(of: m, among: names)
            if !g.isEmpty { out[m.key.text] = g }
        }
        return out
    }
}
