import Config
import Inspect
import MailCore
import Testing
@testable import Delivery

/// A message is built from its parsed address fields only; the envelope is one typed
/// `Recipient` per key, while the headers keep what was typed.
@Suite("Delivery.buildMessage: from parsed address fields")
struct BuildMessageTests {
    static func account() throws -> AccountConfig {
        try ConfigLoader.parse("[accounts.a]\nfrom = \"taro@example.jp\"\nsmtp_url = \"smtp://127.0.0.1:1\"\n", file: "config.toml")
            .account(named: "a")
    }

    @Test("Bob@x in To and bob@x in Cc: one recipient, one RCPT TO in the form first typed, both headers as written")
    func oneRecipientPerKey() throws {
        let fields = AddressFields(parsing: ["Bob@Example.com"], cc: ["bob@example.com, carol@例え.jp"])
        #expect(fields.problems.isEmpty)
        let message = try Delivery.buildMessage(
            fields, subject: "s", body: "b", attachmentPaths: [], account: try Self.account(), detector: ContentTypeDetector())
        #expect(message.envelope.recipients.map(\.address) == ["Bob@example.com", "carol@xn--r8jz45g.jp"])
        #expect(message.envelope.recipients.map(\.field) == [.to, .cc])
        #expect(message.to.mailboxes.count == 1)
        #expect(message.cc.mailboxes.count == 2)
    }

    @Test("every problem at once: each field that does not parse (named, with the parser's words) and a missing attachment")
    func everyProblem() throws {
        let fields = AddressFields(parsing: ["bob@example.com", "alice@"], cc: [], bcc: ["<carol@example.com"])
        #expect(fields.problems.count == 2)
        #expect(fields.problems.first?.hasPrefix("To: ") == true)
        #expect(fields.problems.last?.hasPrefix("Bcc: ") == true)
        #expect(fields.to.mailboxes.map(\.address) == ["bob@example.com"])
        let error = #expect(throws: DeliveryError.self) {
            try Delivery.buildMessage(
                fields, subject: "s", body: "b", attachmentPaths: ["/nonexistent/見積書.pdf"], account: try Self.account(),
                detector: ContentTypeDetector())
        }
        let lines = error?.message.split(separator: "\n").map(String.init) ?? []
        #expect(error?.kind == .data)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.contains("/nonexistent/見積書.pdf") })
    }

    @Test("no recipient at all (an empty group is none) is refused with the flags to use")
    func noRecipients() throws {
        let error = #expect(throws: DeliveryError.self) {
            try Delivery.buildMessage(
                AddressFields(parsing: ["undisclosed-recipients:;"]), subject: "s", body: "b", attachmentPaths: [],
                account: try Self.account(), detector: ContentTypeDetector())
        }
        #expect(error?.message == "no recipients: give at least one address with --to, --cc or --bcc")
    }

    @Test("the draft form gives the same message as the fields it parses to")
    func draftFormAgrees() throws {
        let input = DraftInput(to: ["Bob <bob@example.com>"], cc: ["carol@例え.jp"], subject: "s", body: "b")
        let fromDraft = try Delivery.buildMessage(input, account: try Self.account(), detector: ContentTypeDetector())
        let fromFields = try Delivery.buildMessage(
            AddressFields(parsing: input.to, cc: input.cc), subject: "s", body: "b", attachmentPaths: [], account: try Self.account(),
            detector: ContentTypeDetector())
        #expect(fromDraft == fromFields)
    }
}
