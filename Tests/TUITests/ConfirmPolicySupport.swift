import MailCore
import Policy
@testable import TUI

/// Confirmation screens built as the composer builds them: the real policy (defaults unless
/// given), the real classifier and hold, companies from the address book. So the tests and the
/// snapshots show what users see, not findings written by hand.
enum ConfirmFixture {
    static func mb(_ text: String) -> Mailbox { try! AddressParser.parseMailbox(text) }

    static let sender = mb("山田 太郎 <taro@example.co.jp>")

    /// Bob Smith's and 鈴木 花子's real addresses, at 鈴木商事 (example.jp).
    static let book = try! AddressBook.parse(
        "[鈴木商事株式会社]\n鈴木 花子 <hanako@example.jp>\nBob Smith <bob@example.jp>\n", file: "addressbook.txt")

    /// Written to before: 鈴木 花子 at example.jp (the domain examp1e.jp imitates).
    static let history = SendHistory(recipients: [mb("hanako@example.jp")])

    static let quote = ConfirmAttachment(
        name: "見積書_2026年度.pdf", size: 1_234_567, summary: "PDF, 3 pages",
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", warning: nil, preview: [])

    static func input(
        to: [String] = [], cc: [String] = [], bcc: [String] = [], attachments: [ConfirmAttachment] = [quote],
        body: String = "鈴木様\n\nお見積書をご確認ください。\n"
    ) -> PolicyInput {
        PolicyInput(
            from: sender, to: to.map(mb), cc: cc.map(mb), bcc: bcc.map(mb), subject: "お見積書", body: body,
            attachments: attachments.map { AttachmentFacts(name: $0.name, size: $0.size, contentType: "application/pdf") },
            history: history, addressBook: book)
    }

    /// The screen for `input` as `ComposerSession.review` builds it.
    static func screen(
        _ input: PolicyInput, attachments: [ConfirmAttachment] = [quote], config: PolicyConfig = .defaults,
        mode: SendMode = .asWritten, scope: TickScope = .everything
    ) -> ConfirmModel {
        let classifier = config.classifier(sender: input.from)
        let checked = mode == .oneEach ? OneMessageEach.policyInput(input, isInternal: { classifier.isInternal($0) }) : input
        let decision = PolicyEngine.evaluate(checked, config: config)
        var companies: [String: String] = [:]
        for entry in input.addressBook.entries {
            if let company = entry.company, let domain = entry.address.split(separator: "@").last { companies[String(domain)] = company }
        }
        var seen = Set<String>()
        let recipients = [(input.to, RecipientField.to), (input.cc, .cc), (input.bcc, .bcc)].flatMap { list, field in
            list.filter { seen.insert($0.addressKey).inserted }.map { ($0, mode == .oneEach ? RecipientField.to : field) }
        }
        return ConfirmModel(
            from: input.from.formatted, recipients: recipients, isInternal: { classifier.isInternal(domain: $0) },
            companies: companies, attachments: attachments, findings: decision.findings,
            holdSeconds: config.holdSeconds(hasExternalRecipients: decision.hasExternalRecipients), mode: mode, scope: scope)
    }

    /// Space on every row that carries a tick not given yet.
    static func tickEverything(_ m: inout ConfirmModel) {
        for index in m.rows.indices {
            guard let id = m.tickID(of: m.rows[index]), !m.isTicked(id) else { continue }
            m.cursor = index
            _ = m.handle(.char(" "), height: 20)
        }
    }
}
