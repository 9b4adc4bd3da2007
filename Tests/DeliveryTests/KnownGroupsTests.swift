import MailCore
import Policy
import Store
import Testing
@testable import Delivery
@testable import Journal

/// `bulk-visible-recipients` over a real send journal (issue 15 item 3): the domains that were in
/// To/Cc of one delivered message together are a known group; what the server refused, what
/// went in Bcc and what was never delivered makes no group.
@Suite("bulk-visible-recipients over a journal fixture", .serialized)
struct KnownGroupsTests {
    static func mailbox(_ text: String) -> Mailbox { try! AddressParser.parseMailbox(text) }

    /// A journal with four messages, written as the Dispatcher writes them: the message, then
    /// each recipient's result.
    static func journalFixture(_ paths: DataPaths) throws {
        try FileSystem.makeDirectories(paths.dataDirectory)
        let journal = try SendJournal(path: paths.journalFile)
        defer { journal.close() }
        let messages: [(String, [(RecipientField, String, Bool)])] = [
            // A client and a partner, both delivered: a known group.
            ("1@example.jp", [(.to, "a@client.jp", true), (.cc, "b@partner.co.jp", true)]),
            // Bcc sees nobody: no group with hidden.jp.
            ("2@example.jp", [(.to, "x@other.jp", true), (.bcc, "y@hidden.jp", true)]),
            // Refused: refused.jp was never written to together with client.jp.
            ("3@example.jp", [(.to, "c@refused.jp", false), (.cc, "d@client.jp", true)]),
            // A Japanese domain with a client: the group holds its A-label.
            ("4@example.jp", [(.to, "e@日本語.jp", true), (.to, "f@client.jp", true), (.cc, "boss@example.jp", true)])
        ]
        for (index, (id, recipients)) in messages.enumerated() {
            let message = JournalMessage(
                messageID: id, account: "work", from: "taro@example.jp", subject: "件名",
                recipients: recipients.map { JournalRecipient(mailbox($0.1), field: $0.0) }, attachments: [], findings: [])
            try journal.recordMessage(message, at: Int64(100 + index))
            try journal.recordRecipientResults(
                messageID: id, results: recipients.map { ($0.1, $0.2 ? "250 2.0.0 OK" : "550 5.1.1 no such user", $0.2) }, at: Int64(110 + index))
        }
    }

    @Test(
        "known groups from the journal",
        arguments: [
            // to, cc, what the rule reports (nil: nothing)
            ("a@client.jp", "z@partner.co.jp", Severity?.none), // written to together before
            ("a@client.jp", "", nil),
            ("g@日本語.jp", "a@client.jp", nil), // the Unicode form of the group's A-label
            ("g@xn--wgv71a119e.jp", "a@client.jp, boss@example.jp", nil),
            ("a@client.jp", "h@hidden.jp", .confirm), // only ever in Bcc next to other.jp
            ("x@other.jp", "h@hidden.jp", .confirm),
            ("a@client.jp", "c@refused.jp", .confirm), // refused: never delivered together
            ("a@client.jp", "z@partner.co.jp, e@日本語.jp", .confirm), // each known, never all three
            ("a@client.jp", "z@partner.co.jp, n1@new.jp, n2@new2.jp, n3@new3.jp", .block) // 5 domains: bulk
        ])
    func groups(to: String, cc: String, reported: Severity?) throws {
        let folder = PolicySourceCacheTests.Folder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
        try Self.journalFixture(paths)
        let (history, warning) = PolicySetup.history(paths: paths)
        #expect(warning == nil)
        #expect(history.visibleDomainGroups.count == 2)
        let input = PolicyInput(
            from: Self.mailbox("taro@example.jp"), to: to.isEmpty ? [] : try AddressParser.parseList(to).mailboxes,
            cc: cc.isEmpty ? [] : try AddressParser.parseList(cc).mailboxes, history: history)
        let findings = PolicyEngine.evaluate(input, config: PolicyConfig()).findings.filter { $0.ruleID == "bulk-visible-recipients" }
        #expect(findings.map(\.severity) == (reported.map { [$0] } ?? []), "\(to) / \(cc)")
    }

    @Test("without a journal the sent folder's To/Cc headers make the groups; Bcc does not")
    func sentFolder() throws {
        let folder = PolicySourceCacheTests.Folder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
        try FileSystem.makeDirectories(paths.sentDirectory + "/new")
        try folder.write("data/sent/cur/1.a:2,S", "From: taro@example.jp\r\nTo: a@client.jp\r\nCc: b@Partner.JP\r\nSubject: x\r\n\r\nbody\r\n")
        try folder.write("data/sent/cur/2.b:2,S", "From: taro@example.jp\r\nTo: a@client.jp\r\nBcc: c@hidden.jp\r\nSubject: y\r\n\r\nbody\r\n")
        let history = PolicySetup.history(paths: paths).0
        #expect(history.visibleDomainGroups == [["client.jp", "partner.jp"]])
        #expect(history.isKnownGroup(["partner.jp", "client.jp"]))
        #expect(!history.isKnownGroup(["client.jp", "hidden.jp"]))
    }
}
