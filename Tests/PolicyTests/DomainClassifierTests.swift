import MailCore
import Testing
@testable import Policy

@Suite("Internal domains")
struct DomainClassifierTests {
    @Test(
        "patterns match exactly, by whole labels, in any case and IDN form",
        arguments: [
            // pattern, domain, internal?
            ("example.com", "example.com", true),
            ("example.com", "EXAMPLE.COM", true),
            ("Example.COM", "example.com", true),
            ("example.com.", "example.com", true),
            ("example.com", "example.com.", true),
            ("example.com", "sub.example.com", false),
            ("example.com", "unexample.com", false),
            ("example.com", "example.com.evil.jp", false),
            ("example.com", "example.co", false),
            ("*.example.com", "sub.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "SUB.Example.Com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "unexample.com", false),
            ("*.example.com", "sub.unexample.com", false),
            ("*.example.com.", "sub.example.com", true),
            ("日本語.jp", "日本語.jp", true),
            ("日本語.jp", "xn--wgv71a119e.jp", true),
            ("xn--wgv71a119e.jp", "日本語.jp", true),
            ("*.日本語.jp", "mail.xn--wgv71a119e.jp", true),
            ("*.日本語.jp", "日本語.jp", false),
            ("日本語.jp", "日本.jp", false),
            ("café.example", "cafe\u{301}.example", true), // NFD input, NFC pattern
            ("cafe\u{301}.example", "café.example", true),
            ("café.example", "cafe.example", false),
            ("例え.テスト", "xn--r8jz45g.xn--zckzah", true)
        ])
    func matching(pattern: String, domain: String, expected: Bool) throws {
        let classifier = DomainClassifier(patterns: [try DomainPattern(pattern)])
        #expect(classifier.isInternal(domain: domain) == expected)
    }

    @Test(
        "a mailbox is classified by its domain",
        arguments: [
            ("a@example.co.jp", true),
            ("a@EXAMPLE.co.jp", true),
            ("a@sales.example.co.jp", true),
            ("a@example.jp", false),
            ("a@unexample.co.jp", false),
            ("a@xn--wgv71a119e.jp", true),
            ("a@日本語.jp", true)
        ])
    func mailboxes(address: String, expected: Bool) throws {
        let classifier = DomainClassifier(patterns: try ["example.co.jp", "*.example.co.jp", "日本語.jp"].map { try DomainPattern($0) })
        #expect(classifier.isInternal(try mailbox(address)) == expected)
        #expect(classifier.isExternal(try mailbox(address)) == !expected)
    }

    @Test(
        "bad patterns are refused with a reason",
        arguments: [
            ("", "is empty"),
            ("  ", "is empty"),
            ("ex*ample.com", "'ex*ample.com': '*' may only start a pattern, as in '*.example.co.jp'"),
            ("*.*.example.com", "'*.*.example.com': '*' may only start a pattern, as in '*.example.co.jp'"),
            ("taro@example.com", "'taro@example.com' is an address; internal_domains lists domains: write 'example.com'"),
            (
                "*example.com",
                "'*example.com' would also match look-alikes such as 'unexample.com': write '*.example.com' for its subdomains and 'example.com' for the domain itself"
            ),
            (".example.com", "'.example.com': write 'example.com' for the domain and '*.example.com' for its subdomains"),
            ("ex?mple.com", "'ex?mple.com': '*' may only start a pattern, as in '*.example.co.jp'"),
            ("example..com", "'example..com' has an empty label"),
            ("*.", "'*.' has an empty label"),
            ("localhost", "'localhost' needs a dot: write the full domain, e.g. example.co.jp"),
            ("*.jp", "'*.jp' needs a dot: write the full domain, e.g. example.co.jp"),
            ("*.co.jp", "'*.co.jp' is a public suffix shared by many organisations"),
            ("co.jp", "'co.jp' is a public suffix shared by many organisations"),
            ("exa mple.com", "'exa mple.com' is not a valid domain"),
            ("-example.com", "'-example.com' is not a valid domain (string start/ends with forbidden hyphen)"),
            ("example.com..", "'example.com..' has an empty label"),
            ("ｅｘａｍｐｌｅ.com", "'ｅｘａｍｐｌｅ.com' stands for 'example.com'; write that")
        ])
    func badPatterns(text: String, message: String) {
        #expect(throws: DomainPatternError.self) { try DomainPattern(text) }
        do {
            _ = try DomainPattern(text)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test("spellings pasted from other tools, '@example.com' and '*@example.com', mean the domain")
    func pastedSpellings() throws {
        for text in ["@example.com", "*@example.com", "@Example.COM."] {
            let p = try DomainPattern(text)
            #expect(p.description == "example.com")
            #expect(p.matches(asciiDomain: "example.com"))
            #expect(!p.matches(asciiDomain: "unexample.com"))
        }
    }

    @Test("patterns print as written, in Unicode")
    func description() throws {
        #expect(try DomainPattern("*.XN--WGV71A119E.jp.").description == "*.日本語.jp")
        #expect(try DomainPattern("Example.co.jp").description == "example.co.jp")
    }

    @Test(
        "coverage: which patterns another pattern includes",
        arguments: [
            ("*.example.com", "sub.example.com", true),
            ("*.example.com", "*.sub.example.com", true),
            ("*.example.com", "*.example.com", true),
            ("*.example.com", "example.com", false),
            ("example.com", "example.com", true),
            ("example.com", "*.example.com", false),
            ("example.com", "sub.example.com", false),
            ("*.sub.example.com", "*.example.com", false)
        ])
    func covers(outer: String, inner: String, expected: Bool) throws {
        #expect(try DomainPattern(outer).covers(try DomainPattern(inner)) == expected)
    }

    @Test("with no internal_domains anywhere the sender's domain alone is internal")
    func senderDefault() throws {
        let from = try mailbox(sender)
        let classifier = PolicyConfig.defaults.classifier(sender: from)
        #expect(classifier.isInternal(domain: "example.co.jp"))
        #expect(!classifier.isInternal(domain: "sales.example.co.jp"))
        #expect(!classifier.isInternal(domain: "example.jp"))
        let configured = try internalConfig(["other.jp"]).classifier(sender: from)
        #expect(!configured.isInternal(domain: "example.co.jp"), "the sender's domain is not internal unless listed")
        #expect(configured.isInternal(domain: "other.jp"))
    }
}
