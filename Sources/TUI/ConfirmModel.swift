import MailCore
import Policy

/// An attachment as the confirmation screen shows it (from the inspection).
public struct ConfirmAttachment: Equatable, Sendable {
    public var name: String
    public var size: Int64
    /// One line: real type and what is inside ("PDF, 3 pages", "ZIP, 12 entries, ENCRYPTED").
    public var summary: String
    public var sha256: String
    /// "named .pdf but is a ZIP archive"
    public var warning: String?
    public var preview: [String]
    /// The whole text read from the file, one line each with its place ("page 1, line 3: …"),
    /// for the pager (`v`); empty when nothing was read.
    public var document: [String]

    public init(name: String, size: Int64, summary: String, sha256: String, warning: String?, preview: [String], document: [String] = []) {
        self.name = name
        self.size = size
        self.summary = summary
        self.sha256 = sha256
        self.warning = warning
        self.preview = preview
        self.document = document
    }
}

/// The pager over one attachment's text (`v` on the confirmation screen).
public struct DocumentPager: Equatable, Sendable {
    /// The attachment's index.
    public var attachment: Int
    /// The first line shown.
    public var top: Int
}

/// One recipient row under its domain.
public struct ConfirmRecipient: Equatable, Sendable {
    public var mailbox: Mailbox
    public var field: RecipientField
    public var flags: [String]
    /// `mailbox.addressKey`, computed once.
    public var key: String
}

/// Recipients of one domain, with what is known about the domain.
public struct DomainGroup: Equatable, Sendable {
    public var domain: String
    public var isInternal: Bool
    public var company: String?
    public var flags: [String]
    public var recipients: [ConfirmRecipient]
}

/// What can be ticked on the confirmation screen.
public enum TickID: Hashable, Sendable {
    /// An external recipient, by `Mailbox.addressKey`: always ticked one by one (there is no
    /// "tick all" for external recipients: docs/policy.md, "The confirmation screen").
    case recipient(String)
    /// A whole internal domain (bulk announcements: hundreds of colleagues are checked once per
    /// domain; domain-level ticks exist for internal domains only: docs/bulk.md).
    case domain(String)
    case attachment(Int)
    case finding(Int)
}

/// What `y` sends from the screen.
public enum SendMode: Equatable, Sendable {
    /// The message as written: one message, its To, Cc and Bcc as typed.
    case asWritten
    /// One message to each recipient, with that recipient alone in To (`I`, the second fix of
    /// `bulk-visible-recipients`). The screen for it is built anew from a policy run on those
    /// messages (`OneMessageEach.policyInput`), so every rule but the one it fixes still asks.
    /// Also `guardmail bulk --mode individual`.
    case oneEach
}

/// Which ticks the screen asks for (docs/policy.md, "The confirmation screen").
public enum TickScope: Equatable, Sendable {
    /// Every external recipient and every attachment (`confirmation.always_full`, bulk).
    case everything
    /// Only what carries risk: recipients a finding flags (new, look-alike, namesake, barrier, …)
    /// and attachments going outside; known external recipients without a finding are shown
    /// but not ticked. The screen is one key, or none, when nothing carries risk.
    case riskOnly
}

/// How a message is confirmed: what the composer (and `sendmail`) shows after the check.
/// What the journal records as `confirmation_screens.screen`.
public enum ConfirmationScreen: String, Equatable, Sendable, CaseIterable {
    /// No screen: the message goes straight to the hold (nothing above `info`, no external
    /// recipient: the hold itself is the check).
    case none
    /// A screen with nothing to tick: `y` sends (every external recipient written to before,
    /// no attachment, nothing above `info`).
    case oneKey = "one-key"
    /// The screen with ticks.
    case full

    /// Why the screen was skipped or short, in words for the screens and the journal.
    public var reason: String? {
        switch self {
        case .none: return "internal only, nothing to confirm"
        case .oneKey: return "every external recipient was written to before, no attachment, no finding to confirm"
        case .full: return nil
        }
    }
}

/// The confirmation screen's state: the envelope, recipients grouped by domain, attachments
/// with previews, the findings; the sender's ticks and typed answers. Pure.
/// A tick by what it is about rather than by its place on one screen: what an undo carries to
/// the next screen for the same message, so that the items that did not change keep their ticks.
public enum TickedItem: Hashable, Sendable {
    /// By `Mailbox.addressKey`.
    case recipient(String)
    case domain(String)
    /// The same name and the same bytes.
    case attachment(name: String, sha256: String)
    /// The same rule, severity and words.
    case finding(rule: String, severity: String, message: String)
}

/// The recipients of a confirmation screen grouped by domain, before the findings are known:
/// the composer makes this while the policy runs (thousands of recipients are looked up once
/// each), and `ConfirmModel.init` adds the findings' flags and the address book's companies.
public struct ConfirmRecipients: Sendable {
    /// External domains first, then internal ones, each in message order; no flags, no company.
    var groups: [DomainGroup]
    /// The group of each Unicode domain.
    let groupOfDomain: [String: Int]
    /// The rows of each recipient key.
    let places: RecipientPlaces
    let counts: (to: Int, cc: Int, bcc: Int)

    /// - Parameters:
    ///   - recipients: every envelope recipient with its field, in message order.
    ///   - isInternal: the policy's classification of a (Unicode) domain.
    public init(_ recipients: [(Mailbox, RecipientField)], isInternal: (String) -> Bool) {
        var counts = (to: 0, cc: 0, bcc: 0)
        // One lookup of the domain per recipient (a run of one domain, as pasted lists have,
        // needs none).
        var order: [String] = []
        var groupOf: [String: Int] = [:]
        var members: [[ConfirmRecipient]] = []
        var lastDomain: String?
        var last = 0
        for (mailbox, field) in recipients {
            switch field {
            case .to: counts.to += 1
            case .cc: counts.cc += 1
            case .bcc: counts.bcc += 1
            }
            if mailbox.domain != lastDomain {
                if let known = groupOf[mailbox.domain] {
                    last = known
                } else {
                    last = members.count
                    groupOf[mailbox.domain] = last
                    order.append(mailbox.domain)
                    members.append([])
                }
                lastDomain = mailbox.domain
            }
            members[last].append(ConfirmRecipient(mailbox: mailbox, field: field, flags: [], key: mailbox.addressKey))
        }
        // External domains first (they are what matters), then internal; each group keeps
        // message order.
        let internalGroups = order.map(isInternal)
        let ordered = order.indices.filter { !internalGroups[$0] } + order.indices.filter { internalGroups[$0] }
        groups = ordered.map { g in DomainGroup(domain: order[g], isInternal: internalGroups[g], company: nil, flags: [], recipients: members[g]) }
        var groupOfDomain: [String: Int] = [:]
        for (g, group) in groups.enumerated() { groupOfDomain[group.domain] = g }
        self.groupOfDomain = groupOfDomain
        places = RecipientPlaces(groups)
        self.counts = counts
    }

    /// Adds `flag` to every recipient whose key is `key` (once each).
    mutating func flag(_ key: RecipientKey, _ flag: String) {
        for (g, index) in places.rows(of: key) where !groups[g].recipients[index].flags.contains(flag) {
            groups[g].recipients[index].flags.append(flag)
        }
    }

    /// Adds `flag` to the group of `domain` (once), if the message has one.
    mutating func flag(domain: String, _ flag: String) {
        guard let g = groupOfDomain[domain], !groups[g].flags.contains(flag) else { return }
        groups[g].flags.append(flag)
    }
}

/// Where the rows of each recipient key are (`RecipientKey`: whatever spelling a finding or a
/// tick names a recipient by), made once with the groups: thousands of recipients are looked
/// up by key, not searched group by group.
struct RecipientPlaces: Sendable {
    /// Each key → its first row in `rows`; a key written again (the same recipient twice)
    /// continues through `next`.
    private let first: [RecipientKey: Int]
    /// Row → (group, index in the group), in group order, and the next row of the same key (or -1).
    private let rows: [(group: Int, index: Int)]
    private let next: [Int]

    init(_ groups: [DomainGroup]) {
        let count = groups.reduce(0) { $0 + $1.recipients.count }
        var first: [RecipientKey: Int] = [:]
        first.reserveCapacity(count)
        var rows: [(group: Int, index: Int)] = []
        rows.reserveCapacity(count)
        var next: [Int] = []
        next.reserveCapacity(count)
        var last: [Int: Int] = [:] // first row → the last row of its key, for keys seen again
        for (g, group) in groups.enumerated() {
            for (index, recipient) in group.recipients.enumerated() {
                let row = rows.count
                rows.append((g, index))
                next.append(-1)
                let head = Self.place(row, in: &first[recipient.mailbox.key, default: -1])
                if head != row {
                    next[last[head] ?? head] = row
                    last[head] = row
                }
            }
        }
        self.first = first
        self.rows = rows
        self.next = next
    }

    var count: Int { rows.count }

    /// The key's first row: `slot` if it holds one, else `row`, written there.
    private static func place(_ row: Int, in slot: inout Int) -> Int {
        if slot < 0 { slot = row }
        return slot
    }

    /// The (group, index) of every row whose recipient is `key`, in group order.
    func rows(of key: RecipientKey) -> [(group: Int, index: Int)] {
        var out: [(group: Int, index: Int)] = []
        var row = first[key] ?? -1
        while row >= 0 {
            out.append(rows[row])
            row = next[row]
        }
        return out
    }
}

/// - SeeAlso: docs/policy.md, "The confirmation screen".
public struct ConfirmModel: Equatable, Sendable {
    public enum Row: Equatable, Sendable {
        case section(String)
        /// The header of findings of one rule and severity, when there are two or more
        /// (`findingGroups`): the rule, the count, and (closed) the first message.
        case group(Int)
        case finding(Int)
        case challenge(Int)
        case domain(Int)
        case recipient(group: Int, index: Int)
        case attachment(Int)
        case preview(attachment: Int, line: Int)
        case blank
    }

    public enum Effect: Equatable, Sendable {
        /// Every tick is given and nothing blocks: send what `mode` says.
        case send
        case back
        /// `B`: move every external To/Cc recipient to Bcc; the message changes, so the screen
        /// is built anew (nothing ticked).
        case moveToBcc
        /// `I`: open the screen again for one message to each recipient (`SendMode.oneEach`),
        /// with the policy run for that mode and nothing ticked. It never sends by itself.
        case reviewOneEach
    }

    /// For a reply or a forward: what it answers and who was on the thread.
    public struct ThreadContext: Sendable, Equatable {
        /// `Reply to: <subject>, <from>, <date>` (or `Forward of: …`).
        public var line: String
        /// The original's From, To, Cc and Reply-To.
        public var parties: Set<RecipientKey>
        public init(line: String, parties: Set<RecipientKey>) {
            self.line = line
            self.parties = parties
        }
    }

    /// Set for a reply or a forward (drawn in the title row, and "on the thread" by each
    /// recipient who was on it; the others carry thread-new-party's flag).
    public var thread: ThreadContext?
    public let from: String
    public let groups: [DomainGroup]
    /// The rows of each recipient key in `groups`.
    let recipientPlaces: RecipientPlaces
    public let attachments: [ConfirmAttachment]
    public let findings: [Finding]
    /// Findings of the same rule and severity, next to each other in `findings`, when there are
    /// two or more of them: each is shown under a header with the count (`Row.group`).
    public let findingGroups: [Range<Int>]
    /// The groups shown as their header alone (Enter opens one). A group of more than
    /// `openGroupLimit` findings starts closed; every finding in it still needs its own tick.
    public internal(set) var closedGroups: Set<Int>
    public static let openGroupLimit = 3
    /// What the sender must type before `y` sends: the findings' own challenges, one for each
    /// high-risk finding (`highRiskRules`), and one when the ticks were rushed (`ConfirmPace`).
    public internal(set) var challenges: [Challenge]
    /// Why each challenge is asked, in a few words ("look-alike domain", "ticked faster than the
    /// items can be read"); nil for a finding's own challenge (its finding says why).
    public internal(set) var challengeReasons: [String?]
    /// The findings each challenge is about (empty for the pace's challenge): a finding whose
    /// challenges are all answered is recorded as challenged.
    public internal(set) var challengeFindings: [Set<Int>]
    /// Wrong answers given to each challenge (Enter or `y` with a wrong answer typed).
    public internal(set) var wrongAnswers: [Int: Int] = [:]
    /// Picks the form and subject of the challenges that can take more than one (moves on from
    /// one message to the next: the composer passes how many messages the journal holds).
    public let variant: Int
    /// The pace of the ticks, once the screen is shown (`startPace`); nil: not measured.
    public internal(set) var pace: ConfirmPace?
    /// The challenge the pace asked, if it did (once per screen).
    public internal(set) var paceChallenge: Int?
    public let holdSeconds: Int
    /// Which ticks are asked for.
    public let scope: TickScope
    /// What kind of confirmation the message needs (`.full` with `TickScope.everything`).
    public let screenKind: ConfirmationScreen
    public let counts: (to: Int, cc: Int, bcc: Int)
    /// What `y` sends: the message as written, or one message to each recipient.
    public let mode: SendMode
    public internal(set) var rows: [Row]
    public private(set) var ticked: Set<TickID>
    public internal(set) var answers: [Int: LineEditor]
    public var cursor: Int
    public var top = 0
    public var status: StatusMessage?
    /// The `/` prompt while it is open (what is typed so far).
    public internal(set) var searchPrompt: LineEditor?
    /// The last query found with Enter, for `n`.
    public internal(set) var lastSearch: String?
    /// The pager over an attachment's text while it is open (`v`).
    public internal(set) var pager: DocumentPager?
    /// `?` shows every key in the legend; otherwise it shows what fits, most important first.
    public internal(set) var showsAllKeys = false

    public static func == (a: ConfirmModel, b: ConfirmModel) -> Bool {
        a.rows == b.rows && a.ticked == b.ticked && a.answers == b.answers && a.cursor == b.cursor && a.status == b.status
            && a.mode == b.mode && a.searchPrompt == b.searchPrompt && a.lastSearch == b.lastSearch && a.pager == b.pager
            && a.showsAllKeys == b.showsAllKeys && a.closedGroups == b.closedGroups && a.challenges == b.challenges
            && a.wrongAnswers == b.wrongAnswers && a.pace == b.pace
    }

    /// - Parameters:
    ///   - recipients: every envelope recipient with its field, in message order.
    ///   - isInternal: the policy's classification of a (Unicode) domain.
    ///   - companies: company names by domain, from the address book.
    ///   - preTickInternal: internal recipients (or, with `ticksInternalByDomain`, internal
    ///     domains) start ticked.
    ///   - ticksInternalByDomain: each internal domain is one tick and its addresses carry none
    ///     (bulk announcements). External recipients are ticked one by one either way.
    ///   - mode: what `y` sends; with `.oneEach` the recipients are given as the To of their own
    ///     message and the findings are those of the one-each messages.
    ///   - scope: which ticks are asked for: `.riskOnly` asks only for what carries risk and
    ///     decides `screenKind`; `.everything` (bulk, `confirmation.always_full`) asks for every
    ///     external recipient and attachment.
    public init(
        from: String, recipients: [(Mailbox, RecipientField)], isInternal: (String) -> Bool, companies: [String: String],
        attachments: [ConfirmAttachment], findings: [Finding], holdSeconds: Int, preTickInternal: Bool = true,
        ticksInternalByDomain: Bool = false, mode: SendMode = .asWritten, scope: TickScope = .everything, variant: Int = 0
    ) {
        self.init(
            from: from, recipients: ConfirmRecipients(recipients, isInternal: isInternal), companies: companies, attachments: attachments,
            findings: findings, holdSeconds: holdSeconds, preTickInternal: preTickInternal, ticksInternalByDomain: ticksInternalByDomain,
            mode: mode, scope: scope, variant: variant)
    }

    /// The same with the recipients grouped beforehand (`ConfirmRecipients`).
    public init(
        from: String, recipients prepared: consuming ConfirmRecipients, companies: [String: String], attachments: [ConfirmAttachment],
        findings: [Finding], holdSeconds: Int, preTickInternal: Bool = true, ticksInternalByDomain: Bool = false,
        mode: SendMode = .asWritten, scope: TickScope = .everything, variant: Int = 0
    ) {
        self.variant = variant
        self.from = from
        self.scope = scope
        self.ticksInternalByDomain = ticksInternalByDomain
        self.mode = mode
        self.attachments = attachments
        // Most severe first; within a severity, the findings of one rule together, rules in the
        // order they first came, findings in theirs.
        // Each finding's place is worked out once (thousands of findings: one per new recipient).
        var firstOfRule: [String: Int] = [:]
        var ruleRank: [Int] = []
        ruleRank.reserveCapacity(findings.count)
        for (index, finding) in findings.enumerated() {
            let key = "\(finding.severity.rawValue) \(finding.ruleID)"
            if let first = firstOfRule[key] {
                ruleRank.append(first)
            } else {
                firstOfRule[key] = index
                ruleRank.append(index)
            }
        }
        let sorted = findings.indices.sorted { a, b in
            if findings[a].severity != findings[b].severity { return findings[a].severity > findings[b].severity }
            return ruleRank[a] != ruleRank[b] ? ruleRank[a] < ruleRank[b] : a < b
        }
        .map { findings[$0] }
        self.findings = sorted
        var groupRanges: [Range<Int>] = []
        var runStart = 0
        for index in sorted.indices
        where index == sorted.count - 1 || sorted[index + 1].ruleID != sorted[index].ruleID
            || sorted[index + 1].severity != sorted[index].severity
        {
            if index > runStart { groupRanges.append(runStart..<index + 1) }
            runStart = index + 1
        }
        findingGroups = groupRanges
        closedGroups = Set(groupRanges.indices.filter { groupRanges[$0].count > Self.openGroupLimit })
        self.holdSeconds = holdSeconds
        counts = prepared.counts
        // Flags per recipient (by `RecipientKey`, whatever spelling the finding names) and per
        // domain, from the findings' subjects, in finding order, each once.
        for finding in self.findings {
            guard let flag = finding.flag else { continue }
            for subject in finding.subjects {
                switch subject {
                case .recipient(let address):
                    // A barrier names each recipient's own group.
                    prepared.flag(RecipientKey(address: address), finding.subjectFlags.isEmpty ? flag : finding.subjectFlags[address] ?? flag)
                case .domain(let domain): prepared.flag(domain: domain, flag)
                default: break
                }
            }
        }
        for g in prepared.groups.indices { prepared.groups[g].company = companies[prepared.groups[g].domain] }
        groups = prepared.groups
        recipientPlaces = prepared.places
        var asked: [Challenge] = []
        var about: [Set<Int>] = []
        for (index, finding) in self.findings.enumerated() {
            for challenge in finding.challenges {
                if let known = asked.firstIndex(of: challenge) {
                    about[known].insert(index)
                } else {
                    asked.append(challenge)
                    about.append([index])
                }
            }
        }
        challenges = asked
        challengeFindings = about
        challengeReasons = Array(repeating: nil, count: asked.count)
        // What carries risk: an external recipient a finding flags, or whose domain it flags.
        let external = groups.filter { !$0.isInternal }
        var risky = Set<String>(minimumCapacity: prepared.places.count)
        var required: [TickID] = []
        for group in external {
            for recipient in group.recipients where scope == .everything || !group.flags.isEmpty || !recipient.flags.isEmpty {
                risky.insert(recipient.key)
                required.append(.recipient(recipient.key))
            }
        }
        let attachmentsAsked = scope == .everything || !external.isEmpty
        askedRecipients = risky
        asksAttachments = attachmentsAsked
        // Quiet: nothing above info and nothing that asks a challenge (a finding's own, or a
        // high-risk finding's, added below).
        let quiet = scope == .riskOnly && self.findings.allSatisfy { $0.severity == .info && $0.challenges.isEmpty && Self.highRiskReason($0) == nil }
        if quiet && external.isEmpty {
            screenKind = .none
        } else if quiet && risky.isEmpty && attachments.isEmpty {
            screenKind = .oneKey
        } else {
            screenKind = .full
        }

        var ticked = Set<TickID>()
        if preTickInternal {
            for group in groups where group.isInternal {
                if ticksInternalByDomain {
                    ticked.insert(.domain(group.domain))
                } else {
                    for recipient in group.recipients { ticked.insert(.recipient(recipient.key)) }
                }
            }
        }
        self.ticked = ticked
        // External groups come first: their risky recipients, then (bulk) the internal domains.
        var internalDomains = Set<String>()
        for group in groups where group.isInternal && ticksInternalByDomain {
            required.append(.domain(group.domain))
            internalDomains.insert(group.domain)
        }
        requiredDomains = internalDomains
        if attachmentsAsked { required += attachments.indices.map { .attachment($0) } }
        let sortedFindings = self.findings
        required += sortedFindings.indices.filter { sortedFindings[$0].severity == .confirm }.map { .finding($0) }
        requiredTicks = required
        // What starts ticked is not missing (internal domains, when ticked by domain). Counted
        // from the pre-ticked (internal) items, not by looking up every one of thousands of
        // required external ones.
        let all = Self.count(required)
        let given = Self.count(
            ticked.filter { id in
                switch id {
                case .recipient(let key): risky.contains(key)
                case .domain(let domain): internalDomains.contains(domain)
                case .attachment, .finding: false // none starts ticked
                }
            }.map { $0 })
        missing = (
            all.recipients - given.recipients, all.domains - given.domains, all.attachments - given.attachments,
            all.findings - given.findings
        )
        answers = [:]
        rows = []
        cursor = 0
        addHighRiskChallenges()
        rows = buildRows()
        cursor = rows.firstIndex { isStop($0) } ?? 0
    }

    func buildRows() -> [Row] {
        var rows: [Row] = []
        if let reason = screenKind.reason {
            rows.append(.section("Nothing to tick: \(reason). y sends."))
            rows.append(.blank)
        }
        if !findings.isEmpty {
            rows.append(.section("Findings"))
            var index = 0
            while index < findings.count {
                if let g = findingGroups.firstIndex(where: { $0.lowerBound == index }) {
                    rows.append(.group(g))
                    if !closedGroups.contains(g) { for member in findingGroups[g] { rows.append(.finding(member)) } }
                    index = findingGroups[g].upperBound
                } else {
                    rows.append(.finding(index))
                    index += 1
                }
            }
            for index in challenges.indices { rows.append(.challenge(index)) }
            rows.append(.blank)
        } else if !challenges.isEmpty {
            rows.append(.section("Before sending"))
            for index in challenges.indices { rows.append(.challenge(index)) }
            rows.append(.blank)
        }
        let external = groups.filter { !$0.isInternal }
        let internalCount = groups.filter(\.isInternal).reduce(0) { $0 + $1.recipients.count }
        rows.append(
            .section(
                "Recipients: \(external.reduce(0) { $0 + $1.recipients.count }) external in \(external.count) domain\(external.count == 1 ? "" : "s"), \(internalCount) internal"
                    + (mode == .oneEach ? " — one message to each" : "")))
        for (g, group) in groups.enumerated() {
            rows.append(.domain(g))
            for index in group.recipients.indices { rows.append(.recipient(group: g, index: index)) }
        }
        rows.append(.blank)
        rows.append(
            .section(attachments.isEmpty ? "Attachments: none" : "Attachments: \(attachments.count) (\(formatBytes(attachments.reduce(0) { $0 + $1.size })))"))
        for (index, attachment) in attachments.enumerated() {
            rows.append(.attachment(index))
            for line in attachment.preview.indices { rows.append(.preview(attachment: index, line: line)) }
        }
        return rows
    }

    // MARK: Ticks

    /// What must be ticked before sending: every external recipient (with `.riskOnly`, those
    /// that carry risk), (with `ticksInternalByDomain`) every internal domain, every attachment
    /// (with `.riskOnly`, when the message goes outside), every finding that asks for confirmation.
    public let requiredTicks: [TickID]
    /// Internal recipients are ticked by domain (bulk announcements). Never external ones: a
    /// wrong address hides as well among a thousand as among three.
    public let ticksInternalByDomain: Bool
    /// The external recipients (by key) that take a tick: every one with `.everything`, those
    /// that carry risk with `.riskOnly`.
    private let askedRecipients: Set<String>
    /// The attachments take ticks: with `.everything`, or when the message goes outside.
    public let asksAttachments: Bool

    /// An external recipient shown without a tick: known, nothing flags it (`.riskOnly`).
    public func isKnownWithoutTick(_ key: String) -> Bool { !askedRecipients.contains(key) }
    /// The internal domains that take a tick (`ticksInternalByDomain`).
    private let requiredDomains: Set<String>

    /// True for what `requiredTicks` holds (without a set of thousands of ticks).
    func isRequired(_ id: TickID) -> Bool {
        switch id {
        case .recipient(let key): askedRecipients.contains(key)
        case .domain(let domain): requiredDomains.contains(domain)
        case .attachment(let index): asksAttachments && attachments.indices.contains(index)
        case .finding(let index): findings.indices.contains(index) && findings[index].severity == .confirm
        }
    }
    /// Required ticks still missing, by kind (kept up to date on every tick, so that drawing the
    /// status of thousands of recipients costs nothing).
    private var missing: (recipients: Int, domains: Int, attachments: Int, findings: Int)

    private static func count(_ ids: [TickID]) -> (recipients: Int, domains: Int, attachments: Int, findings: Int) {
        var counts = (recipients: 0, domains: 0, attachments: 0, findings: 0)
        for id in ids {
            switch id {
            case .recipient: counts.recipients += 1
            case .domain: counts.domains += 1
            case .attachment: counts.attachments += 1
            case .finding: counts.findings += 1
            }
        }
        return counts
    }

    /// The tick a row carries, if the sender can tick it. Internal recipients carry none: they
    /// need no tick (and are shown as ticked when the policy pre-ticks them), or their domain
    /// carries it (`ticksInternalByDomain`).
    public func tickID(of row: Row) -> TickID? {
        switch row {
        case .recipient(let g, let i):
            let key = groups[g].recipients[i].key
            return groups[g].isInternal || !askedRecipients.contains(key) ? nil : .recipient(key)
        case .domain(let g):
            return ticksInternalByDomain && groups[g].isInternal ? .domain(groups[g].domain) : nil
        case .attachment(let index): return asksAttachments ? .attachment(index) : nil
        case .finding(let index): return findings[index].severity == .confirm ? .finding(index) : nil
        default: return nil
        }
    }

    public func isTicked(_ id: TickID) -> Bool { ticked.contains(id) }

    /// Whether the sender accepted finding `index`: a `confirm` finding they ticked. What the
    /// outbox and the journal record as accepted (an info finding asks nothing; a block cannot
    /// be accepted).
    public func isAccepted(_ index: Int) -> Bool {
        findings[index].severity == .confirm && ticked.contains(.finding(index))
    }

    /// Rows the cursor stops at with ↑ ↓: every row that takes a tick or an answer, every
    /// finding (an info or block finding too, so that its whole text can be brought onto the
    /// screen) and every group header.
    func isSelectable(_ row: Row) -> Bool {
        switch row {
        case .challenge, .finding, .group: return true
        default: return tickID(of: row) != nil
        }
    }

    /// Rows Space moves on to: what still asks something of the sender (a tick, an answer, a
    /// closed group whose findings need ticks).
    func isStop(_ row: Row) -> Bool {
        switch row {
        case .challenge: return true
        case .group(let g): return closedGroups.contains(g)
        default: return tickID(of: row) != nil
        }
    }

    /// The group a finding belongs to, if it is in one.
    public func group(of finding: Int) -> Int? { findingGroups.firstIndex { $0.contains(finding) } }

    /// Opens or closes a group of findings; the cursor stays on its header.
    mutating func setGroup(_ g: Int, open: Bool) {
        if open { closedGroups.remove(g) } else { closedGroups.insert(g) }
        rows = buildRows()
        cursor = rows.firstIndex(of: .group(g)) ?? 0
    }

    /// The item a tick is about (nil for an index out of range).
    public func item(of id: TickID) -> TickedItem? {
        switch id {
        case .recipient(let key): return .recipient(key)
        case .domain(let domain): return .domain(domain)
        case .attachment(let index):
            return attachments.indices.contains(index) ? .attachment(name: attachments[index].name, sha256: attachments[index].sha256) : nil
        case .finding(let index):
            guard findings.indices.contains(index) else { return nil }
            return .finding(rule: findings[index].ruleID, severity: findings[index].severity.rawValue, message: findings[index].message)
        }
    }

    /// What the required ticks given are about.
    public var tickedItems: Set<TickedItem> { Set(requiredTicks.filter { ticked.contains($0) }.compactMap { item(of: $0) }) }

    /// Ticks every required item that is one of `items` (the same recipient, domain, file with the
    /// same bytes, finding with the same words); returns how many it ticked.
    @discardableResult
    public mutating func keepTicks(_ items: Set<TickedItem>) -> Int {
        var kept = 0
        for id in requiredTicks where !ticked.contains(id) {
            if let item = item(of: id), items.contains(item) {
                toggle(id)
                kept += 1
            }
        }
        return kept
    }

    /// A typed part of a file name proves the sender looked at the name, not at its type: it
    /// must be at least min(4, length of the stem) characters long (`a.c` is answered by `a`)
    /// and start inside the stem (`.pdf` alone answers nothing). The stem is the name before its
    /// last dot; a name with no dot, or only a leading one (`.profile`), is all stem.
    static func isPartOfName(_ typed: String, _ name: String) -> Bool {
        let part = Array(typed), whole = Array(name)
        let dot = whole.lastIndex(of: ".").flatMap { $0 > 0 ? $0 : nil }
        let stemLength = dot ?? whole.count
        guard !part.isEmpty, part.count >= min(4, stemLength), part.count <= whole.count else { return false }
        for start in 0..<min(stemLength, whole.count - part.count + 1) where whole[start..<start + part.count].elementsEqual(part) {
            return true
        }
        return false
    }

    public var blockingFindings: [Finding] { findings.filter { $0.severity == .block } }

    /// Why `y` cannot send yet, or nil.
    public var sendBlocker: String? {
        if let block = blockingFindings.first {
            // The finding's own words are in the list above; the status says what to do. The
            // fixes change the message as written: not offered once it goes one message each.
            let fixes =
                mode == .oneEach
                ? []
                : block.fixes.map {
                    $0 == .moveExternalToBcc ? "B: external To/Cc to Bcc" : "I: one message each, checked again"
                }
            return "Blocked by \(block.ruleID)" + (fixes.isEmpty ? ": change the message (q goes back)" : ": " + fixes.joined(separator: " · "))
        }
        if missing.recipients + missing.domains + missing.attachments + missing.findings > 0 {
            let parts = [
                (missing.recipients, "external recipient"), (missing.domains, "internal domain"),
                (missing.attachments, "attachment"), (missing.findings, "finding")
            ]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }
            return "Still to tick (space): " + parts.joined(separator: ", ")
        }
        if let open = challenges.indices.first(where: { !isAnswered($0) }) { return challengeBlocker(open) }
        return nil
    }

    // MARK: Keys

    /// - Parameter now: when the key came (seconds, a monotonic clock), for the pace of the
    ///   ticks (`startPace`); nil: not measured.
    public mutating func handle(_ key: Key, height: Int, at now: Double? = nil) -> [Effect] {
        status = nil
        if pager != nil {
            pagerKey(key, height: height)
            return []
        }
        if searchPrompt != nil {
            searchKey(key)
            return []
        }
        // `/` searches from every row: no domain and no file name has a '/' to type.
        if key == .char("/") {
            searchPrompt = LineEditor()
            return []
        }
        if case .challenge(let index) = rows[cursor] {
            if answerKey(key, index) { return [] }
            if key == .enter {
                checkAnswer(index)
                return []
            }
        }
        switch key {
        case .up, .char("k"): move(-1)
        case .down, .char("j"), .tab: move(1)
        case .pageUp: move(-max(1, height - 1))
        case .pageDown: move(max(1, height - 1))
        case .home: cursor = rows.firstIndex { isStop($0) } ?? rows.firstIndex { isSelectable($0) } ?? 0
        case .end: cursor = rows.lastIndex { isStop($0) } ?? rows.lastIndex { isSelectable($0) } ?? 0
        case .char(" ") where groupAtCursor.map { closedGroups.contains($0) } ?? false:
            // A closed group opens, and the cursor goes to its first finding.
            setGroup(groupAtCursor!, open: true)
            cursor += 1
        case .char(" "):
            if let id = tickID(of: rows[cursor]) {
                toggle(id)
                if let now, ticked.contains(id), isRequired(id) {
                    let width = columns(of: id)
                    pace?.ticked(columns: width, at: now)
                }
            }
            advance()
        case .enter, .right, .left:
            guard let g = groupAtCursor ?? { if case .finding(let f) = rows[cursor] { return group(of: f) } else { return nil } }() else { break }
            let open = key == .left ? false : (key == .right ? true : closedGroups.contains(g))
            setGroup(g, open: open)
        case .char("n"):
            if let query = lastSearch {
                findNext(query)
            } else {
                status = StatusMessage("Nothing searched yet: / searches the recipients.", isError: true)
            }
        case .char("y"), .char("Y"):
            if let blocker = sendBlocker {
                if case .challenge(let index) = rows[cursor], !(answers[index]?.text ?? "").isEmpty, !isAnswered(index) {
                    checkAnswer(index)
                } else if let open = challenges.indices.first(where: { !isAnswered($0) }), !(answers[open]?.text ?? "").isEmpty {
                    checkAnswer(open)
                } else {
                    status = StatusMessage(blocker, isError: true)
                    // Only a challenge is left: the cursor goes to it, ready for the answer.
                    if blockingFindings.isEmpty, missing.recipients + missing.domains + missing.attachments + missing.findings == 0,
                        let open = challenges.indices.first(where: { !isAnswered($0) })
                    {
                        cursor = rows.firstIndex(of: .challenge(open)) ?? cursor
                    }
                }
                return []
            }
            if askAfterRushedTicks() { return [] }
            return [.send]
        case .char("B"), .char("I"):
            let fix: PolicyFix = key == .char("B") ? .moveExternalToBcc : .sendIndividually
            guard mode == .asWritten else {
                // The fixes change the message as written; this screen is already about the
                // one-each messages.
                status = StatusMessage(
                    fix == .sendIndividually
                        ? "Already one message to each recipient."
                        : "This screen sends one message to each recipient: q goes back to the message first.", isError: true)
                return []
            }
            guard findings.contains(where: { $0.fixes.contains(fix) }) else {
                status = StatusMessage("No finding offers that fix.", isError: true)
                return []
            }
            return [fix == .moveExternalToBcc ? .moveToBcc : .reviewOneEach]
        case .char("v"):
            openPager()
        case .char("?"):
            showsAllKeys.toggle()
        case .char("q"), .escape:
            return [.back]
        default:
            break
        }
        return []
    }

    /// The attachment the cursor is on (its row or one of its preview lines), if any.
    public var selectedAttachment: Int? {
        guard rows.indices.contains(cursor) else { return nil }
        switch rows[cursor] {
        case .attachment(let index), .preview(let index, _): return index
        default: return nil
        }
    }

    private mutating func openPager() {
        guard let index = selectedAttachment ?? (attachments.count == 1 ? 0 : nil) else {
            status = StatusMessage("v shows an attachment's text: move to the attachment first.", isError: true)
            return
        }
        guard !attachments[index].document.isEmpty else {
            status = StatusMessage("No text was read from '\(attachments[index].name)'.", isError: true)
            return
        }
        pager = DocumentPager(attachment: index, top: 0)
    }

    /// Keys while the pager is open: scrolling, and q, Esc or v to close it.
    private mutating func pagerKey(_ key: Key, height: Int) {
        guard var open = pager else { return }
        let lines = attachments[open.attachment].document.count
        let page = max(1, height - 1)
        let last = max(0, lines - height)
        switch key {
        case .up, .char("k"): open.top -= 1
        case .down, .char("j"), .enter: open.top += 1
        case .pageUp, .char("b"): open.top -= page
        case .pageDown, .char(" "): open.top += page
        case .home, .char("g"): open.top = 0
        case .end, .char("G"): open.top = last
        case .char("q"), .char("v"), .escape:
            pager = nil
            return
        default: break
        }
        open.top = max(0, min(last, open.top))
        pager = open
    }

    /// Ticks or unticks one item, keeping the missing counts up to date.
    private mutating func toggle(_ id: TickID) {
        let nowTicked = !ticked.contains(id)
        if nowTicked { ticked.insert(id) } else { ticked.remove(id) }
        guard isRequired(id) else { return }
        let delta = nowTicked ? -1 : 1
        switch id {
        case .recipient: missing.recipients += delta
        case .domain: missing.domains += delta
        case .attachment: missing.attachments += delta
        case .finding: missing.findings += delta
        }
    }

    /// Typing on a challenge row goes into its answer. Returns true when the key was used.
    private mutating func answerKey(_ key: Key, _ index: Int) -> Bool {
        var editor = answers[index] ?? LineEditor()
        switch key {
        case .text(let text) where text != " " || !editor.text.isEmpty:
            editor.insert(text)
        case .backspace, .delete, .left, .right, .control:
            ComposeModel.edit(&editor, key)
        default:
            return false
        }
        answers[index] = editor
        return true
    }

    /// The group whose header the cursor is on.
    var groupAtCursor: Int? {
        if rows.indices.contains(cursor), case .group(let g) = rows[cursor] { return g }
        return nil
    }

    /// After a tick: on to the next row that still asks something (`isStop`), or stay.
    private mutating func advance() {
        var next = cursor + 1
        while next < rows.count && !isStop(rows[next]) { next += 1 }
        if next < rows.count { cursor = next }
    }

    private mutating func move(_ delta: Int) {
        var index = cursor
        let step = delta > 0 ? 1 : -1
        var remaining = abs(delta)
        while remaining > 0 {
            var next = index + step
            while next >= 0 && next < rows.count && !isSelectable(rows[next]) { next += step }
            guard next >= 0 && next < rows.count else { break }
            index = next
            remaining -= 1
        }
        cursor = index
    }
}
