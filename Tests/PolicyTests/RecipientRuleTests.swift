import MailCore
import Testing
@testable import Policy

@Suite("bulk-visible-recipients")
struct BulkVisibleRecipientsTests {
    static func many(_ n: Int, domain: String = "client.jp") -> String {
        (1...n).map { "u\($0)@\(domain)" }.joined(separator: ", ")
    }

    @Test(
        "by default: asked at 2 external domains never written to together or at 10 external addresses; blocked at 5 domains or 20 addresses",
        arguments: [
            // to, cc, bcc, severity reported (nil: nothing)
            ("a@client.jp", "", "", Severity?.none),
            ("a@client.jp, b@client.jp", "", "", nil),
            ("a@client.jp", "b@partner.jp", "", .confirm), // a client and a partner: asked, not blocked
            ("a@client.jp, b@partner.jp", "", "", .confirm),
            ("a@client.jp", "", "b@partner.jp", nil), // Bcc is invisible
            ("a@client.jp", "boss@example.co.jp, c@example.co.jp", "", nil), // internal Cc
            (many(9), "", "", nil),
            (many(10), "", "", .confirm),
            (many(19), "", "", .confirm),
            (many(20), "", "", .block),
            (many(10), many(10, domain: "partner.jp"), "", .block),
            (many(5), many(4).replacing("u", with: "v"), "", nil),
            ("a@a.jp, b@b.jp, c@c.jp, d@d.jp", "", "", .confirm),
            ("a@a.jp, b@b.jp, c@c.jp, d@d.jp", "e@e.jp", "", .block), // 5 domains: really bulk
            ("", "", many(30), nil),
            ("a@client.jp, A@CLIENT.JP", "", "", nil), // same address twice
            ("a@client.jp", "b@日本語.jp", "", .confirm),
            ("a@example.co.jp, b@example.co.jp", "c@example.co.jp", "", nil)
        ])
    func thresholds(to: String, cc: String, bcc: String, severity: Severity?) throws {
        let findings = run(BulkVisibleRecipientsRule(), try input(to: to, cc: cc, bcc: bcc))
        #expect(findings.map(\.severity) == (severity.map { [$0] } ?? []))
    }

    @Test("the messages count recipients and domains and say why; fixes are offered either way")
    func message() throws {
        let bulk = run(BulkVisibleRecipientsRule(), try input(to: Self.many(20) + ", x@partner.jp, y@other.jp", cc: "z@fourth.jp, boss@example.co.jp"))
        let f = try #require(bulk.first)
        #expect(f.message == "23 external recipients in 4 domains are visible to each other in To/Cc (bulk: 5 domains or 20 addresses)")
        #expect(f.severity == .block)
        #expect(f.fixes == [.moveExternalToBcc, .sendIndividually])
        #expect(f.subjects.count == 23)
        #expect(f.subjects.contains(.recipient("z@fourth.jp")))
        #expect(!f.subjects.contains(.recipient("boss@example.co.jp")))

        let two = try #require(run(BulkVisibleRecipientsRule(), try input(to: "a@client.jp", cc: "b@partner.jp")).first)
        #expect(
            two.message
                == "2 external recipients in 2 domains are visible to each other in To/Cc, and these domains were never written to together before: client.jp and partner.jp"
        )
        #expect(two.severity == .confirm && two.fixes == [.moveExternalToBcc, .sendIndividually])

        let ten = try #require(run(BulkVisibleRecipientsRule(), try input(to: Self.many(10))).first)
        #expect(ten.message == "10 external recipients in 1 domain are visible to each other in To/Cc (10 addresses or more)")
    }

    @Test("a known group (domains in To/Cc of one earlier delivered message) is not asked about; a bulk size still blocks")
    func knownGroups() throws {
        let history = SendHistory(visibleDomainGroups: [["client.jp", "partner.jp", "xn--wgv71a119e.jp"], ["other.jp", "third.jp"]])
        func severities(_ to: String, _ cc: String = "") throws -> [Severity] {
            run(BulkVisibleRecipientsRule(), try input(to: to, cc: cc, history: history)).map(\.severity)
        }
        #expect(try severities("a@client.jp", "b@partner.jp").isEmpty)
        #expect(try severities("a@client.jp", "b@日本語.jp").isEmpty) // the Unicode form of a known domain
        #expect(try severities("a@client.jp, b@partner.jp", "c@日本語.jp").isEmpty)
        #expect(try severities("a@client.jp", "b@other.jp") == [.confirm]) // each known, never together
        #expect(try severities("a@client.jp", "b@partner.jp, c@new.jp") == [.confirm])
        #expect(try severities(Self.many(10), "b@partner.jp") == [.confirm]) // 10 addresses: asked anyway
        #expect(try severities(Self.many(19, domain: "partner.jp"), "a@client.jp, b@client.jp") == [.block])
        // A group of one domain is no group.
        #expect(!SendHistory(visibleDomainGroups: [["client.jp"]]).isKnownGroup(["client.jp"]))
    }

    @Test("thresholds and severity come from the config; below a bulk size the finding never asks more than confirm")
    func configured() throws {
        let c = try config(
            user: """
                [policy.rules.bulk-visible-recipients]
                severity = "confirm"
                external_domains = 3
                external_addresses = 1
                """)
        let one = run(BulkVisibleRecipientsRule(), try input(to: "a@client.jp"), c)
        #expect(one.map(\.severity) == [.confirm])
        #expect(one.first?.message == "1 external recipient in 1 domain is visible in To/Cc (1 address or more)")
        let c2 = try config(user: "[policy.rules.bulk-visible-recipients]\nexternal_addresses = 50\nexternal_domains = 3\n")
        #expect(run(BulkVisibleRecipientsRule(), try input(to: "a@a.jp, b@b.jp"), c2).isEmpty)
        #expect(run(BulkVisibleRecipientsRule(), try input(to: "a@a.jp, b@b.jp, c@c.jp"), c2).map(\.severity) == [.confirm])
        // The earlier default, kept by an organisation: block from 2 domains.
        let strict = try config(organisation: "[rules.bulk-visible-recipients]\nblock_domains = 2\n")
        #expect(run(BulkVisibleRecipientsRule(), try input(to: "a@a.jp", cc: "b@b.jp"), strict).map(\.severity) == [.block])
        let info = try config(user: "[policy.rules.bulk-visible-recipients]\nseverity = \"info\"\n")
        #expect(run(BulkVisibleRecipientsRule(), try input(to: "a@a.jp", cc: "b@b.jp"), info).map(\.severity) == [.info])
        #expect(run(BulkVisibleRecipientsRule(), try input(to: Self.many(25)), info).map(\.severity) == [.info])
    }

    @Test("internal domains from the config are not counted")
    func internalDomains() throws {
        let c = try internalConfig(["example.co.jp", "*.example.co.jp", "group.jp"])
        #expect(run(BulkVisibleRecipientsRule(), try input(to: "a@sales.example.co.jp", cc: "b@group.jp, c@client.jp"), c).isEmpty)
        #expect(run(BulkVisibleRecipientsRule(), try input(to: "a@sales.example.co.jp", cc: "b@unexample.co.jp, c@client.jp"), c).count == 1)
    }
}

@Suite("many-domains")
struct ManyDomainsTests {
    @Test(
        "more than 3 external domains in To/Cc",
        arguments: [
            ("a@a.jp, b@b.jp, c@c.jp", "", false),
            ("a@a.jp, b@b.jp, c@c.jp", "d@d.jp", true),
            ("a@a.jp, b@b.jp, c@c.jp", "x@example.co.jp", false),
            ("a@a.jp, b@b.jp, c@c.jp, c2@c.jp", "", false),
            ("a@a.jp, b@b.jp", "c@c.jp, d@日本語.jp, e@e.jp", true)
        ])
    func threshold(to: String, cc: String, reported: Bool) throws {
        #expect(run(ManyDomainsRule(), try input(to: to, cc: cc)).count == (reported ? 1 : 0))
    }

    @Test("Bcc does not count")
    func bcc() throws {
        #expect(run(ManyDomainsRule(), try input(to: "a@a.jp", bcc: "b@b.jp, c@c.jp, d@d.jp, e@e.jp")).isEmpty)
    }

    @Test("flags MANY on each domain and lists them")
    func flag() throws {
        let f = try #require(run(ManyDomainsRule(), try input(to: "a@a.jp, b@b.jp, c@c.jp, d@d.jp, e@e.jp")).first)
        #expect(f.flag == "MANY")
        #expect(f.severity == .confirm)
        #expect(f.subjects == ["a.jp", "b.jp", "c.jp", "d.jp", "e.jp"].map { .domain($0) })
        #expect(f.message == "5 external domains in To/Cc (more than 3): a.jp, b.jp, c.jp and 2 more")
    }

    @Test("the threshold comes from the config")
    func configured() throws {
        let c = try config(user: "[policy.rules.many-domains]\nmax_domains = 1\n")
        #expect(run(ManyDomainsRule(), try input(to: "a@a.jp, b@b.jp"), c).count == 1)
        #expect(run(ManyDomainsRule(), try input(to: "a@a.jp, b@a.jp"), c).isEmpty)
    }
}

@Suite("new-recipient and new-domain")
struct NewRecipientTests {
    static let history = SendHistory(
        addresses: ["hanako@client.jp", "jiro@xn--wgv71a119e.jp"],
        domains: ["client.jp", "日本語.jp", "partner.co.jp"])

    @Test(
        "external addresses not in the history are NEW",
        arguments: [
            ("hanako@client.jp", [String]()),
            ("Hanako@Client.JP", []),
            ("jiro@日本語.jp", []),
            ("jiro@xn--wgv71a119e.jp", []),
            ("ichiro@client.jp", ["ichiro@client.jp"]),
            ("ichiro@new.jp", ["ichiro@new.jp"]),
            ("boss@example.co.jp", []) // internal: never new
        ])
    func newRecipient(to: String, expected: [String]) throws {
        let findings = run(NewRecipientRule(), try input(bcc: to, history: Self.history))
        #expect(findings.flatMap(\.subjects) == expected.map { .recipient($0) })
        #expect(findings.allSatisfy { $0.flag == "NEW" && $0.severity == .info })
    }

    @Test(
        "external domains not in the history are NEW",
        arguments: [
            ("a@client.jp", [String]()),
            ("a@CLIENT.jp", []),
            ("a@xn--wgv71a119e.jp", []),
            ("a@partner.co.jp", []),
            ("a@sub.client.jp", ["sub.client.jp"]),
            ("a@client.co.jp", ["client.co.jp"]),
            ("a@example.co.jp", []),
            ("a@x.jp, b@y.jp, c@x.jp", ["x.jp", "y.jp"])
        ])
    func newDomain(to: String, expected: [String]) throws {
        let findings = run(NewDomainRule(), try input(to: to, history: Self.history))
        #expect(findings.flatMap(\.subjects) == expected.map { .domain($0) })
        #expect(findings.allSatisfy { $0.flag == "NEW" && $0.severity == .confirm })
    }

    @Test("messages name what is new")
    func messages() throws {
        let one = run(NewDomainRule(), try input(to: "a@new.jp", history: Self.history))
        #expect(one.first?.message == "a domain you have never written to: new.jp")
        let two = run(NewRecipientRule(), try input(to: "a@new.jp", cc: "b@client.jp", history: Self.history))
        #expect(two.first?.message == "2 external addresses you have never written to: a@new.jp and b@client.jp")
    }

    @Test("a new IDN address is reported by its envelope key")
    func idnAddress() throws {
        let findings = run(NewRecipientRule(), try input(to: "a@日本.jp", history: Self.history))
        #expect(findings.flatMap(\.subjects) == [.recipient("a@" + (try IDNA.toASCII("日本.jp")))])
        #expect(findings.first?.message == "an external address you have never written to: a@日本.jp")
    }

    @Test("A-label history domains are understood")
    func aLabelHistory() throws {
        let h = SendHistory(addresses: [], domains: ["xn--wgv71a119e.jp"])
        #expect(run(NewDomainRule(), try input(to: "a@日本語.jp", history: h)).isEmpty)
    }
}
