import MailCore
import Testing
@testable import Policy

@Suite("lookalike-domain")
struct LookalikeDomainTests {
    static let history = SendHistory(
        addresses: [],
        domains: ["example.com", "partner.co.jp", "abc.jp", "accounting-firm.jp", "日本語.jp", "mail.clinic.or.jp", "work.jp", "ibm.com"])
    static let book = AddressBook(entries: [AddressBookEntry(name: "鈴木 一郎", address: "ichiro@client-corp.jp")])

    static func flagged(_ domain: String) throws -> [String] {
        let to = try mailbox(local: "someone", domain: domain)
        let input = PolicyInput(from: try mailbox(sender), to: [to], history: history, addressBook: book)
        return run(LookalikeDomainRule(), input).compactMap(\.flag)
    }

    @Test(
        "look-alikes of known domains are flagged with the domain they imitate",
        arguments: [
            ("examp1e.co.jp", "example.co.jp"), // digit one for l, of the internal domain
            ("exarnple.com", "example.com"), // rn for m
            ("examp1e.com", "example.com"),
            ("exampie.com", "example.com"), // one substitution
            ("exmaple.com", "example.com"), // adjacent letters swapped
            ("examle.com", "example.com"), // one letter missing
            ("exaample.com", "example.com"), // one letter more
            ("example.cm", "example.com"), // a typo in the suffix
            ("EXAMP1E.CO.JP", "example.co.jp"), // case does not hide it
            ("mail.examp1e.co.jp", "example.co.jp"), // the registrable part is compared
            ("partnr.co.jp", "partner.co.jp"),
            ("accountingfirm.jp", "accounting-firm.jp"), // long label: up to 2 edits
            ("acounting-frm.jp", "accounting-firm.jp"),
            ("c1inic.or.jp", "mail.clinic.or.jp"), // skeleton equal to a known domain
            ("vvork.jp", "work.jp"), // vv for w
            ("1bm.com", "ibm.com"), // short label: 1, l, I and i look alike
            ("lbm.com", "ibm.com"), // lBM.com reads as IBM.com
            ("client-c0rp.jp", "client-corp.jp"), // from the address book
            ("exampl\u{435}.com", "example.com"), // Cyrillic е
            ("\u{0435}x\u{0430}mple.com", "example.com"), // Cyrillic е and а
            ("examp\u{03BF}le.com", "example.com"), // Greek ο inserted: mixed script, 1 edit
            ("g\u{043E}\u{043E}gle.com", "google.com") // mixed script with nothing to compare: what it reads as
        ])
    func positive(domain: String, target: String) throws {
        let ascii = try IDNA.toASCII(domain)
        #expect(try Self.flagged(ascii) == ["LOOK-ALIKE OF \(target)"])
    }

    @Test(
        "known domains, other organisations and short labels are not flagged",
        arguments: [
            "example.com", // in the history
            "EXAMPLE.COM",
            "example.co.jp", // internal (the sender's domain)
            "sales.example.co.jp", // same registrable part as the internal domain
            "www.example.com",
            "example.org", // a different organisation: new-domain asks about it
            "example.jp",
            "example.ne.jp",
            "unrelated.jp",
            "abd.jp", // 3-letter labels: too many real neighbours
            "IBM.com", // the known domain itself, in capitals
            "ibn.com",
            "日本語.jp",
            "xn--wgv71a119e.jp",
            "日本.jp",
            "client-corp.jp", // in the address book
            "partners.com",
            "company.jp"
        ])
    func negative(domain: String) throws {
        #expect(try Self.flagged(try IDNA.toASCII(domain)).isEmpty)
    }

    @Test("a domain that is itself in the history is never flagged")
    func knownLookalike() throws {
        var h = Self.history
        h.domains.insert("examp1e.co.jp")
        let input = PolicyInput(from: try mailbox(sender), to: [try mailbox("a@examp1e.co.jp")], history: h)
        #expect(run(LookalikeDomainRule(), input).isEmpty)
    }

    @Test("internal patterns are references, and internal domains are never flagged")
    func internalPatterns() throws {
        let c = try internalConfig(["*.example-group.jp", "examp1e.jp"])
        let input = PolicyInput(from: try mailbox(sender), to: try mailboxes("a@example-gruop.jp, b@examp1e.jp, c@x.example-group.jp"))
        let findings = run(LookalikeDomainRule(), input, c)
        #expect(findings.compactMap(\.flag) == ["LOOK-ALIKE OF example-group.jp"])
        #expect(findings.first?.message == "example-gruop.jp looks like example-group.jp (an internal domain): 'uo' in place of 'ou'")
    }

    @Test(
        "messages name the known domain, why it is known, and the difference",
        arguments: [
            ("examp1e.co.jp", "examp1e.co.jp looks like example.co.jp (an internal domain): '1' in place of 'l'"),
            ("exarnple.com", "exarnple.com looks like example.com (a domain you have written to): 'rn' reads as 'm'"),
            ("exmaple.com", "exmaple.com looks like example.com (a domain you have written to): 'ma' in place of 'am'"),
            ("examle.com", "examle.com looks like example.com (a domain you have written to): one character less"),
            ("client-c0rp.jp", "client-c0rp.jp looks like client-corp.jp (a domain in your address book): '0' in place of 'o'"),
            ("acounting-frm.jp", "acounting-frm.jp looks like accounting-firm.jp (a domain you have written to): 2 characters differ")
        ])
    func messages(domain: String, message: String) throws {
        let input = PolicyInput(
            from: try mailbox(sender), to: [try mailbox(local: "a", domain: domain)],
            history: Self.history, addressBook: Self.book)
        let f = try #require(run(LookalikeDomainRule(), input).first)
        #expect(f.message == message)
        #expect(f.severity == .block)
        #expect(f.subjects == [.domain(domain), .recipient("a@" + domain)])
    }

    @Test("a Cyrillic letter is shown with the A-label, and the mixed scripts are named")
    func cyrillicMessage() throws {
        let ascii = try IDNA.toASCII("exampl\u{435}.com")
        let input = PolicyInput(from: try mailbox(sender), to: [try mailbox(local: "a", domain: ascii)], history: Self.history)
        let f = try #require(run(LookalikeDomainRule(), input).first)
        #expect(
            f.message == "exampl\u{435}.com (\(ascii)) looks like example.com (a domain you have written to): mixes Latin and Cyrillic letters in one label")
        let alone = PolicyInput(from: try mailbox(sender), to: [try mailbox(local: "a", domain: try IDNA.toASCII("g\u{43E}\u{43E}gle.com"))])
        let g = try #require(run(LookalikeDomainRule(), alone).first)
        #expect(g.message.hasSuffix("mixes Latin and Cyrillic letters in one label: it reads as google.com"))
    }

    @Test("one finding per domain, for every field including Bcc")
    func perDomain() throws {
        let input = PolicyInput(
            from: try mailbox(sender), to: try mailboxes("a@exarnple.com"),
            cc: try mailboxes("b@exarnple.com"), bcc: try mailboxes("c@examp1e.co.jp"),
            history: Self.history)
        let findings = run(LookalikeDomainRule(), input)
        #expect(findings.compactMap(\.flag) == ["LOOK-ALIKE OF example.com", "LOOK-ALIKE OF example.co.jp"])
        #expect(findings.first?.subjects == [.domain("exarnple.com"), .recipient("a@exarnple.com"), .recipient("b@exarnple.com")])
    }

    @Test(
        "the edit distance is bounded and counts adjacent swaps as one",
        arguments: [
            ("example", "example", 2, 0),
            ("example", "exmaple", 2, 1),
            ("example", "examle", 2, 1),
            ("example", "exampel", 2, 1),
            ("example", "elpmaxe", 2, 3),
            ("abc", "", 5, 3),
            ("", "", 1, 0),
            ("accounting", "acounting", 2, 1),
            ("日本語", "日本詰", 1, 1)
        ])
    func distance(a: String, b: String, limit: Int, expected: Int) {
        #expect(Confusables.distance(a, b, limit: limit) == expected)
    }

    @Test(
        "skeletons read confusable characters as the Latin letters they imitate",
        arguments: [
            ("examp1e.co.jp", "example.co.jp"),
            ("exarnple.com", "example.com"),
            ("vvork.jp", "work.jp"),
            ("c1inic.jp", "dlnlc.jp"), // 1, i and l all read as l; then cl as d
            ("IBM.com", "lbm.com"),
            ("g00gle.com", "google.com"),
            ("\u{0440}\u{0430}y\u{0440}\u{0430}l.com", "paypal.com"),
            ("\u{03BD}\u{03B9}\u{03C1}.jp", "vlp.jp"),
            ("日本語.jp", "日本語.jp")
        ])
    func skeleton(domain: String, expected: String) {
        #expect(Confusables.skeleton(domain) == expected)
    }

    @Test(
        "registrable parts know the common two-label suffixes",
        arguments: [
            ("mail.example.co.jp", "example", "co.jp"),
            ("example.co.jp", "example", "co.jp"),
            ("a.b.example.com", "example", "com"),
            ("example.com", "example", "com"),
            ("co.jp", "co", "jp"),
            ("clinic.or.jp", "clinic", "or.jp"),
            ("shop.example.co.uk", "example", "co.uk")
        ])
    func registrable(domain: String, label: String, suffix: String) {
        let r = DomainName.registrable(domain, ascii: domain)
        #expect(r.label == label && r.suffix == suffix)
    }
}
