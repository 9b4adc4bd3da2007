// BulkPrepare.swift — before a job is frozen: attachments, the policy's view of the job, and
// the summary the sender confirms.

import Bulk
import Config
import Delivery
import Inspect
import MailCore
import Policy
import Store

public enum BulkAttachments {
    /// The attachments, checked as `send` checks them (readable files, the account's size
    /// limit), with their types from file(1). All problems at once.
    public static func load(_ paths: [String], account: AccountConfig, detector: ContentTypeDetector) throws(BulkError) -> [Attachment] {
        var problems: [String] = []
        let attachments = Delivery.loadAttachments(paths, account: account, detector: detector, problems: &problems)
        guard problems.isEmpty else { throw BulkError(.data, problems.joined(separator: "\n")) }
        return attachments
    }
}

public enum BulkPolicy {
    /// What the policy engine looks at for a job. bcc mode: the real message, its recipients as
    /// Bcc. individual mode: the first rendered message (To: its recipient) with every other
    /// recipient added as Bcc, so that the rules about recipients and domains (new, look-alike,
    /// namesakes, many domains) see the whole list while the content rules see a real message.
    public static func input(
        mode: BulkMode, sample: OutgoingMessage, recipients: [Mailbox], inspections: [Inspection],
        history: SendHistory, addressBook: AddressBook
    ) -> PolicyInput {
        let attachments = inspections.map { AttachmentFacts($0) }
        switch mode {
        case .bcc:
            return PolicyInput(
                from: sample.from, to: sample.to.mailboxes, cc: [], bcc: recipients, subject: sample.subject,
                body: sample.body, attachments: attachments, history: history, addressBook: addressBook)
        case .individual:
            let shown = sample.to.mailboxes
            let rest = recipients.filter { r in !shown.contains { $0.hasSameAddress(as: r) } }
            return PolicyInput(
                from: sample.from, to: shown, cc: [], bcc: rest, subject: sample.subject, body: sample.body,
                attachments: attachments, history: history, addressBook: addressBook)
        }
    }
}

/// The summary printed before anything is sent (and by `--dry-run` and `--status`).
public struct BulkSummary {
    public var recipientFile: String
    public var list: RecipientList
    public var mode: BulkMode
    public var account: String
    public var isInternal: (Mailbox) -> Bool
    public var inspections: [Inspection]
    public var findings: [Finding]
    public var accepted: Set<String>
    public var sample: OutgoingMessage
    public var batchSize: Int
    public var ratePerMinute: Int?
    public var holdSeconds: Int
    /// How many rows of long lists to show.
    public var limit = 20

    public init(
        recipientFile: String, list: RecipientList, mode: BulkMode, account: String, isInternal: @escaping (Mailbox) -> Bool,
        inspections: [Inspection], findings: [Finding], accepted: Set<String>, sample: OutgoingMessage, batchSize: Int,
        ratePerMinute: Int?, holdSeconds: Int
    ) {
        self.recipientFile = recipientFile
        self.list = list
        self.mode = mode
        self.account = account
        self.isInternal = isInternal
        self.inspections = inspections
        self.findings = findings
        self.accepted = accepted
        self.sample = sample
        self.batchSize = batchSize
        self.ratePerMinute = ratePerMinute
        self.holdSeconds = holdSeconds
    }

    public var text: String {
        var out: [String] = []
        let count = list.recipients.count
        out.append(
            "bulk: \(count) recipient\(count == 1 ? "" : "s") from '\(recipientFile)' (\(list.format), read as \(list.encoding)), "
                + "account \(account)")
        switch mode {
        case .bcc:
            let batches = (count + batchSize - 1) / max(1, batchSize)
            out.append(
                "mode: bcc — one message; every recipient in the envelope only, in \(batches) batch\(batches == 1 ? "" : "es") "
                    + "of up to \(batchSize); nobody sees another recipient")
        case .individual:
            out.append("mode: individual — \(count) message\(count == 1 ? "" : "s"), each to its recipient alone")
        }
        out.append("hold: \(holdSeconds) s before the first message goes (Ctrl-C cancels)")
        if let rate = ratePerMinute {
            out.append("rate: at most \(rate) \(mode == .bcc ? "recipients" : "messages") a minute")
        }
        // Domains.
        let domains = list.domainCounts()
        let internalDomains = Set(list.recipients.filter { isInternal($0.mailbox) }.map(\.mailbox.domain))
        let externalCount = list.recipients.count { !isInternal($0.mailbox) }
        out.append("")
        out.append(
            "domains: \(domains.count) (\(externalCount) external recipient\(externalCount == 1 ? "" : "s"), "
                + "\(count - externalCount) internal)")
        for entry in domains.prefix(limit) {
            let tag = internalDomains.contains(entry.domain) ? "  (internal)" : ""
            out.append("  \(pad(String(entry.count), 6))  \(entry.domain)\(tag)")
        }
        if domains.count > limit {
            let rest = domains.dropFirst(limit)
            out.append("  … \(rest.count) more domains with \(rest.reduce(0) { $0 + $1.count }) recipients")
        }
        // Invalid and duplicate rows.
        out.append("")
        if list.invalid.isEmpty {
            out.append("invalid rows: none")
        } else {
            out.append("invalid rows: \(list.invalid.count) (not sent; --strict refuses the file instead)")
            for row in list.invalid.prefix(limit * 5) {
                out.append("  line \(row.line): \(row.text.isEmpty ? "(empty)" : row.text) — \(row.reason)")
            }
            if list.invalid.count > limit * 5 { out.append("  … \(list.invalid.count - limit * 5) more") }
        }
        if list.duplicates.isEmpty {
            out.append("duplicates: none")
        } else {
            out.append("duplicates: \(list.duplicates.count) removed (each address gets one message)")
            for d in list.duplicates.prefix(5) {
                out.append("  line \(d.line): \(d.address) (already on line \(d.firstLine))")
            }
            if list.duplicates.count > 5 { out.append("  … \(list.duplicates.count - 5) more") }
        }
        // Attachments.
        out.append("")
        if inspections.isEmpty {
            out.append("attachments: none")
        } else {
            out.append("attachments: \(inspections.count)")
            for inspection in inspections {
                out.append("  \(inspection.summary)")
                for line in inspection.previewLines(limit: 5) { out.append("      \(line)") }
            }
        }
        // Findings.
        out.append("")
        if findings.isEmpty {
            out.append("findings: none")
        } else {
            out.append("findings:")
            for finding in findings {
                let state = finding.severity == .confirm ? (accepted.contains(finding.ruleID) ? "  [accepted]" : "  [needs --accept \(finding.ruleID)]") : ""
                out.append("  \(finding.severity.rawValue.uppercased()) \(finding.ruleID): \(finding.message)\(state)")
            }
        }
        // The sample.
        out.append("")
        out.append(mode == .individual ? "sample (the message to the first recipient):" : "the message:")
        out.append("  From: \(sample.from.formatted)")
        if let to = sample.to.mailboxes.first {
            out.append("  To: \(to.formatted)")
        } else {
            out.append("  To: undisclosed-recipients:;")
        }
        out.append("  Subject: \(sample.subject)")
        if !sample.attachments.isEmpty {
            out.append("  Attachments: " + sample.attachments.map(\.fileName).joined(separator: ", "))
        }
        out.append("")
        var bodyLines = sample.body.split(separator: "\n", omittingEmptySubsequences: false)
        while let last = bodyLines.last, last.allSatisfy({ $0 == "\r" }) { bodyLines.removeLast() }
        for line in bodyLines.prefix(limit) { out.append("  | " + line.replacingCRs()) }
        if bodyLines.count > limit { out.append("  | … \(bodyLines.count - limit) more lines") }
        return out.joined(separator: "\n") + "\n"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}

extension Substring {
    fileprivate func replacingCRs() -> String { String(self.filter { $0 != "\r" }) }
}
