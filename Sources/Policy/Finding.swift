// Finding.swift — what a rule reports: severity, evidence, what it is about, and the way out.
//
// - SeeAlso: docs/policy.md ("Rules", "The confirmation screen").

/// How much a finding holds the message back.
public enum Severity: String, Sendable, Comparable, CaseIterable {
    /// Shown on the confirmation screen; nothing to do.
    case info
    /// The sender must acknowledge it (`y` on the screen, `--accept RULE-ID` for `guardmail send`).
    case confirm
    /// The message cannot be sent as it is.
    case block

    private var rank: Int {
        switch self {
        case .info: return 0
        case .confirm: return 1
        case .block: return 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// What a finding is about; the confirmation screen marks these.
public enum FindingSubject: Hashable, Sendable {
    /// A recipient, by `Mailbox.addressKey`.
    case recipient(String)
    /// A recipient domain, in Unicode form (`Mailbox.domain`).
    case domain(String)
    /// An attachment, by its index in `PolicyInput.attachments`.
    case attachment(Int)
    case body
}

/// A change to the message that makes a finding go away, offered by the screen.
public enum PolicyFix: String, Hashable, Sendable {
    /// Move every external To/Cc recipient to Bcc.
    case moveExternalToBcc = "move-to-bcc"
    /// Send one message to each recipient.
    case sendIndividually = "send-individually"
}

/// Something the sender must type before the message may go (high-risk cases).
public enum Challenge: Hashable, Sendable {
    /// Type this external domain.
    case typeDomain(String)
    /// Type part of this attachment's file name.
    case typeFileNamePart(attachment: Int, fileName: String)
    /// Choose, from the message's external recipients (`choices`, shown numbered), the one this
    /// attachment is for. `right`: the indices in `choices` that are a right answer (the
    /// recipients whose company or name the attachment's text names); empty when nothing tells
    /// (then any choice goes, and the one chosen is recorded: it can be wrong).
    case chooseRecipient(attachment: Int, fileName: String, choices: [String], right: [Int])
    /// Type the first word of this attachment's title (the first line of the text read from it).
    case typeTitleWord(attachment: Int, fileName: String, word: String)
}

/// One thing a rule found.
public struct Finding: Hashable, Sendable {
    public var ruleID: String
    public var severity: Severity
    /// One line naming the evidence (domains, counts, line numbers); never a sensitive value
    /// itself (a My Number, a card number).
    public var message: String
    /// What it is about: the confirmation screen flags these.
    public var subjects: [FindingSubject]
    public var fixes: [PolicyFix]
    public var challenges: [Challenge]
    /// A short flag for the screen: "NEW", "LOOK-ALIKE OF example.co.jp", "NAMESAKE", "MANY".
    public var flag: String?
    /// For rules written in a rule table or a barrier: the layer and place that wrote it
    /// (built-in rules: nil).
    public var layer: PolicyOrigin?
    /// A flag for one recipient subject (by the key its `.recipient` subject names) in place of
    /// `flag`: a barrier marks each recipient with its own group.
    public var subjectFlags: [String: String] = [:]

    public init(
        ruleID: String, severity: Severity, message: String, subjects: [FindingSubject] = [],
        fixes: [PolicyFix] = [], challenges: [Challenge] = [], flag: String? = nil, layer: PolicyOrigin? = nil
    ) {
        self.layer = layer
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.subjects = subjects
        self.fixes = fixes
        self.challenges = challenges
        self.flag = flag
    }
}

extension Finding: CustomStringConvertible {
    /// `confirm new-domain: 1 domain you have never written to: example.org`
    public var description: String { "\(severity.rawValue) \(ruleID): \(message)" }
}

extension Finding {
    /// The findings of an earlier check that a later check of the same message no longer has,
    /// or has with other words (by rule and message): what the sender's edit in between changed.
    /// In the earlier check's order, each once.
    public static func goneOrChanged(_ earlier: [Finding], in later: [Finding]) -> [Finding] {
        var kept = Set(later.map { [$0.ruleID, $0.message] })
        var gone: [Finding] = []
        for finding in earlier where kept.insert([finding.ruleID, finding.message]).inserted {
            gone.append(finding)
        }
        return gone
    }
}
