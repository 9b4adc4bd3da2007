import ArgumentParser
import Delivery
import GuardTOML
import Inspect
import MailCore
import Policy
import Store

/// Text and JSON forms of policy findings, shared by `send` and `check`.
enum PolicyReport {
    /// `BLOCK    bulk-visible-recipients: 12 external recipients … (fixes: move-to-bcc, send-individually)`
    static func line(_ finding: Finding) -> String {
        var text = "\(finding.severity.rawValue.uppercased().padded(8)) \(finding.ruleID): \(finding.message)"
        if !finding.fixes.isEmpty { text += " (fixes: \(finding.fixes.map(\.rawValue).joined(separator: ", ")))" }
        return text
    }

    /// `blocked`, `needs-confirmation` or `clean`; an address that cannot be read blocks.
    static func verdict(_ decision: PolicyDecision, unreadableAddresses: [String] = []) -> String {
        decision.isBlocked || !unreadableAddresses.isEmpty ? "blocked" : (decision.needsConfirmation ? "needs-confirmation" : "clean")
    }

    /// - Parameter attachments: when given, an `attachments` array with each file's name, why its
    ///   contents were not read (or null), and the parties it names with their places.
    static func json(file: String, decision: PolicyDecision, unreadableAddresses: [String] = [], attachments: [AttachmentFacts]? = nil) -> String {
        var out =
            "{\n  \"file\": \(quote(file)),\n  \"decision\": \"\(verdict(decision, unreadableAddresses: unreadableAddresses))\",\n"
            + "  \"exit_code\": \(decision.exitCode),\n"
            + "  \"unreadable_addresses\": [\(unreadableAddresses.map(quote).joined(separator: ", "))],\n"
        if let attachments {
            out += "  \"attachments\": ["
            for (index, attachment) in attachments.enumerated() {
                let listed = attachment.namedParties.map {
                    "{\"name\": \(quote($0.party.name)), \"kind\": \"\($0.party.kind.rawValue)\", \"place\": \(quote($0.place))}"
                }
                out += index == 0 ? "\n" : ",\n"
                out +=
                    "    {\"name\": \(quote(attachment.name)), \"contents_not_read\": \(attachment.contentsNotRead.map(quote) ?? "null"), "
                    + "\"parties\": [\(listed.joined(separator: ", "))]}"
            }
            out += attachments.isEmpty ? "],\n" : "\n  ],\n"
        }
        out += "  \"findings\": ["
        for (index, finding) in decision.findings.enumerated() {
            let subjects = finding.subjects.map { subject -> String in
                switch subject {
                case .recipient(let key): return "{\"recipient\": \(quote(key))}"
                case .domain(let domain): return "{\"domain\": \(quote(domain))}"
                case .attachment(let i): return "{\"attachment\": \(i)}"
                case .body: return "{\"body\": true}"
                }
            }
            out += index == 0 ? "\n" : ",\n"
            out +=
                "    {\"rule\": \(quote(finding.ruleID)), \"severity\": \"\(finding.severity.rawValue)\", "
                + "\"message\": \(quote(finding.message)), \"flag\": \(finding.flag.map(quote) ?? "null"), "
                + "\"subjects\": [\(subjects.joined(separator: ", "))], "
                + "\"fixes\": [\(finding.fixes.map { quote($0.rawValue) }.joined(separator: ", "))], "
                + "\"layer\": \(finding.layer.map { quote($0.description) } ?? "null")}"
        }
        out += decision.findings.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    /// The gate of the commands without a confirmation screen (`send`, `bulk --no-screen`): a
    /// block always stops them; confirm findings stop them until each is accepted by id. `checked`
    /// says what the user should have read ("the findings above"); `composerFixes` adds the fixes
    /// the composer would offer for a block.
    static func enforce(_ decision: PolicyDecision, accepted: Set<String>, checked: String, composerFixes: Bool) throws {
        if let block = decision.findings.first(where: { $0.severity == .block }) {
            let fixes =
                composerFixes && !block.fixes.isEmpty
                ? " (in the composer: \(block.fixes.map(\.rawValue).joined(separator: " or ")))" : ""
            report("blocked by \(block.ruleID); nothing was sent\(fixes)")
            throw ExitCode(Exit.policy)
        }
        let open = Set(decision.findings.filter { $0.severity == .confirm && !accepted.contains($0.ruleID) }.map(\.ruleID)).sorted()
        if !open.isEmpty {
            report(
                "needs confirmation; nothing was sent. After checking \(checked), run again with "
                    + open.map { "--accept \($0)" }.joined(separator: " "))
            throw ExitCode(Exit.policy)
        }
    }

    /// A JSON string literal: GuardTOML's basic-string escaping is also valid JSON (RFC 8259).
    static func quote(_ text: String) -> String { TOML.quoted(text) }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
