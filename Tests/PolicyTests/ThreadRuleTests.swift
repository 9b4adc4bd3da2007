import MailCore
import Testing
@testable import Policy

/// The original: 佐藤 of client.example.com wrote to us (example.co.jp) and 鈴木 of partner.example.
private func thread(
    _ kind: ThreadFacts.Kind, parties: String = "佐藤 一郎 <sato@client.example.com>, taro@example.co.jp, 鈴木 <suzuki@partner.example>",
    attachments: Int = 0
) throws -> ThreadFacts {
    let all = try mailboxes(parties)
    return ThreadFacts(kind: kind, parties: all, author: all.first, subject: "見積", carriedAttachments: attachments)
}

private func answer(
    _ kind: ThreadFacts.Kind?, to: String, cc: String = "", body: String = "", parties: String? = nil, attachments: Int = 0,
    book: AddressBook = AddressBook()
) throws -> PolicyInput {
    var i = try input(to: to, cc: cc, body: body, addressBook: book)
    if let kind {
        i.thread = try parties.map { try thread(kind, parties: $0, attachments: attachments) } ?? thread(kind, attachments: attachments)
    }
    return i
}

@Suite struct ThreadNewPartyRuleTests {
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let kind: ThreadFacts.Kind?
        let to: String
        let cc: String
        let flagged: [String]
    }

    static let cases: [Case] = [
        Case(description: "a new message has no thread", kind: nil, to: "x@other.example", cc: "", flagged: []),
        Case(description: "a reply to the author", kind: .reply, to: "sato@client.example.com", cc: "", flagged: []),
        Case(description: "case and the domain's form do not matter", kind: .reply, to: "SATO@Client.Example.COM", cc: "", flagged: []),
        Case(
            description: "reply-all with a party added in Cc", kind: .replyAll, to: "sato@client.example.com",
            cc: "suzuki@partner.example, tanaka@client.example.com", flagged: ["tanaka@client.example.com"]),
        Case(
            description: "a namesake in another domain is not on the thread", kind: .reply, to: "sato@client-example.com", cc: "",
            flagged: ["sato@client-example.com"]),
        Case(
            description: "an internal colleague added to a reply is not on the thread", kind: .reply,
            to: "sato@client.example.com", cc: "boss@example.co.jp", flagged: ["boss@example.co.jp"]),
        Case(
            description: "a forward to a colleague is not flagged; to an outsider it is", kind: .forward,
            to: "boss@example.co.jp, x@new.example", cc: "", flagged: ["x@new.example"])
    ]

    @Test("recipients not on the thread", arguments: cases)
    func table(_ c: Case) throws {
        let findings = run(ThreadNewPartyRule(), try answer(c.kind, to: c.to, cc: c.cc))
        #expect(findings.flatMap(\.subjects) == c.flagged.map { .recipient($0) })
        if !c.flagged.isEmpty {
            #expect(findings.first?.flag == "NOT ON THE THREAD")
            #expect(findings.first?.severity == .confirm)
        }
    }

    @Test("a domain that was not on the thread is named")
    func newDomain() throws {
        let f = run(ThreadNewPartyRule(), try answer(.reply, to: "x@new.example"))
        #expect(f.first?.message == "a recipient who was not on the thread: x@new.example (the domain new.example was not on it either)")
    }

    @Test("new-recipient and new-domain treat the thread's parties as known")
    func knownFromThread() throws {
        let reply = try answer(.replyAll, to: "sato@client.example.com", cc: "suzuki@partner.example")
        #expect(run(NewRecipientRule(), reply).isEmpty)
        #expect(run(NewDomainRule(), reply).isEmpty)
        let fresh = try answer(nil, to: "sato@client.example.com", cc: "suzuki@partner.example")
        #expect(run(NewRecipientRule(), fresh).count == 1)
        #expect(run(NewDomainRule(), fresh).count == 1)
    }
}

@Suite struct ForwardOutsideRuleTests {
    @Test(
        "internal threads and forwarded attachments going outside",
        arguments: [
            // (parties, to, attachments, flagged)
            ("a@example.co.jp, b@example.co.jp", "x@new.example", 0, ["x@new.example"]),
            ("a@example.co.jp, b@example.co.jp", "c@example.co.jp", 0, []),
            ("sato@client.example.com, taro@example.co.jp", "x@new.example", 0, []),
            ("sato@client.example.com, taro@example.co.jp", "x@new.example", 2, ["x@new.example"]),
            ("sato@client.example.com, taro@example.co.jp", "other@client.example.com", 2, []),
            ("sato@client.example.com, taro@example.co.jp", "boss@example.co.jp", 1, [])
        ])
    func table(_ parties: String, _ to: String, _ attachments: Int, _ flagged: [String]) throws {
        let findings = run(ForwardOutsideRule(), try answer(.forward, to: to, parties: parties, attachments: attachments))
        #expect(findings.flatMap(\.subjects) == flagged.map { .recipient($0) })
    }

    @Test("a reply is not a forward")
    func replyIsNot() throws {
        #expect(run(ForwardOutsideRule(), try answer(.reply, to: "x@new.example", parties: "a@example.co.jp")).isEmpty)
    }
}

@Suite struct ReplyAllWideRuleTests {
    @Test(
        "reply-all to many or to several outside domains",
        arguments: [
            (ThreadFacts.Kind.replyAll, "a@client.example.com, b@client.example.com", 0),
            (.replyAll, "a@client.example.com, b@partner.example", 1),
            (.reply, "a@client.example.com, b@partner.example", 0),
            (.replyAll, (1...11).map { "p\($0)@example.co.jp" }.joined(separator: ", "), 1),
            (.replyAll, (1...10).map { "p\($0)@example.co.jp" }.joined(separator: ", "), 0)
        ])
    func table(_ kind: ThreadFacts.Kind, _ to: String, _ count: Int) throws {
        #expect(run(ReplyAllWideRule(), try answer(kind, to: to)).count == count)
    }

    @Test("the limits are org-configurable")
    func configurable() throws {
        let cfg = try config(organisation: "[rules.reply-all-wide]\nmax_external_domains = 2\n")
        #expect(run(ReplyAllWideRule(), try answer(.replyAll, to: "a@client.example.com, b@partner.example"), cfg).isEmpty)
    }
}

@Suite struct SalutationMismatchRuleTests {
    static let book = AddressBook(entries: [
        AddressBookEntry(name: "佐藤 一郎", address: "sato@client.example.com", company: "株式会社クライアント"),
        AddressBookEntry(name: "John Smith", address: "john@acme.example", company: "Acme Inc."),
        AddressBookEntry(name: "田中 花子", address: "tanaka@partner.example", company: "パートナー株式会社")
    ])

    @Test(
        "the salutation against the recipients' domains",
        arguments: [
            ("株式会社クライアント\n佐藤様\n\nお世話になっております。", "sato@client.example.com", false),
            ("株式会社クライアント\n佐藤様\n\nお世話になっております。", "tanaka@partner.example", true),
            ("パートナー株式会社 田中様", "sato@client.example.com", true),
            ("田中様\nいつもお世話になっております。", "tanaka@partner.example", false),
            ("Dear Mr Smith,\nPlease find attached.", "john@acme.example", false),
            ("Dear Mr Smith,\nPlease find attached.", "sato@client.example.com", true),
            ("Hello team,\nnothing to see", "sato@client.example.com", false),
            ("新規様\n知らない名前", "sato@client.example.com", false),
            ("お世話になっております。\n\n> 田中様\n> 引用", "sato@client.example.com", false)
        ])
    func table(_ body: String, _ to: String, _ flagged: Bool) throws {
        let findings = run(SalutationMismatchRule(), try answer(nil, to: to, body: body, book: Self.book))
        #expect(findings.isEmpty == !flagged, "\(findings.map(\.message))")
    }

    @Test("the thread ties a display name to its domain")
    func fromThread() throws {
        let i = try answer(.forward, to: "x@new.example", body: "鈴木様\n転送します。")
        let f = run(SalutationMismatchRule(), i)
        #expect(f.first?.message == "the message opens with '鈴木様', whom partner.example is tied to, but no recipient is in that domain")
    }
}
