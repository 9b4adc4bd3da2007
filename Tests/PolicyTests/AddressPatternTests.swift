import MailCore
import Testing
@testable import Policy

@Suite("Address patterns: the one matcher")
struct AddressPatternTests {
    @Test(
        "patterns match addresses by wildcards, subdomains, local parts, case and IDN form",
        arguments: [
            // pattern, address, matches?
            ("example.com", "a@example.com", true),
            ("example.com", "a@EXAMPLE.COM", true),
            ("EXAMPLE.com.", "a@example.com", true),
            ("example.com", "a@sub.example.com", false),
            ("example.com", "a@unexample.com", false),
            ("example.com", "a@example.com.evil.jp", false),
            ("*.example.co.jp", "a@sales.example.co.jp", true),
            ("*.example.co.jp", "a@a.b.example.co.jp", true),
            ("*.example.co.jp", "a@example.co.jp", false),
            ("*.example.co.jp", "a@unexample.co.jp", false),
            ("*.example.co.jp", "a@sales.unexample.co.jp", false),
            ("*example.com", "a@unexample.com", true),
            ("mail?.example.com", "a@mail1.example.com", true),
            ("mail?.example.com", "a@mail12.example.com", false),
            ("mail?.example.com", "a@mail.example.com", false),
            ("@example.com", "a@example.com", true),
            ("*@example.com", "a@example.com", true),
            ("sales-*@example.com", "sales-tokyo@example.com", true),
            ("sales-*@example.com", "Sales-Osaka@Example.com", true),
            ("sales-*@example.com", "support@example.com", false),
            ("sales-*@example.com", "sales-tokyo@sub.example.com", false),
            ("taro@example.com", "TARO@example.com", true),
            ("taro@example.com", "taro2@example.com", false),
            ("???@example.com", "abc@example.com", true),
            ("???@example.com", "abcd@example.com", false),
            ("日本語.jp", "a@xn--wgv71a119e.jp", true),
            ("xn--wgv71a119e.jp", "a@日本語.jp", true),
            ("*.日本語.jp", "a@mail.xn--wgv71a119e.jp", true),
            ("*.日本語.jp", "a@日本語.jp", false),
            ("日本語.jp", "a@日本.jp", false),
            ("*.gmail.com", "a@gmail.com", false),
            ("gmail.com", "a@gmail.com", true),
            ("*", "a@anything.example", true),
            ("*.example.*", "a@mail.example.org", true)
        ])
    func matching(pattern: String, address: String, expected: Bool) throws {
        #expect(try AddressPattern(pattern).matches(try mailbox(address)) == expected)
    }

    @Test(
        "bad patterns are refused with the reason and the value",
        arguments: [
            ("", "is empty"),
            ("a@", "'a@' has no domain: write e.g. '*@example.co.jp' or 'example.co.jp'"),
            ("example..com", "'example..com' has an empty label"),
            ("a@b@example.com", "'a@b@example.com' has more than one '@'"),
            ("Taro <taro@example.com>", "'Taro <taro@example.com>' is not an address pattern: write it as 'local@domain', without a name or brackets"),
            ("*.日本*.jp", "'*.日本*.jp': a label with '*' or '?' may hold only ASCII letters, digits and '-' (write an internationalised label in full)"),
            ("exa mple.com", "'exa mple.com' is not a valid domain"),
            ("-bad.com", "'-bad.com' is not a valid domain")
        ])
    func refused(text: String, message: String) {
        #expect(throws: DomainPatternError(message)) { try AddressPattern(text) }
    }

    @Test("internal domains match through the same matcher")
    func internalDomainsUseIt() throws {
        let p = try DomainPattern("*.example.co.jp")
        #expect(p.pattern == (try AddressPattern("*.example.co.jp")))
        #expect(p.matches(asciiDomain: "a.example.co.jp"))
        #expect(!p.matches(asciiDomain: "unexample.co.jp"))
    }

    /// Patterns of every kind the set sorts: literal domains, `*.` bases, other wildcards and
    /// local parts, in both IDN forms, any case, with trailing dots.
    static let setPatterns = [
        "example.com", "EXAMPLE.com.", "*.example.co.jp", "*.EXAMPLE.CO.JP.", "*.co.jp", "*.jp", "*.com",
        "日本語.jp", "*.日本語.jp", "xn--wgv71a119e.jp", "*.XN--WGV71A119E.jp", "例え.テスト", "@example.org", "*@example.net",
        "*@*.example.net", "sales-*@example.com", "Taro@Example.COM", "taro@*.example.com", "mail?.example.com", "*example.com",
        "*.*.example.org", "*.example.*", "*", "*.b.example.co.jp", "b.example.co.jp"
    ]

    /// Recipients on both sides of every pattern's edge: the base domain itself, look-alikes,
    /// deeper subdomains, other case and IDN form, local parts that match and do not.
    static let setMailboxes = [
        "a@example.com", "A@EXAMPLE.COM", "a@sub.example.com", "a@a.b.sub.example.com", "a@unexample.com", "a@example.com.evil.jp",
        "a@example.co.jp", "a@sales.example.co.jp", "a@a.b.example.co.jp", "a@b.example.co.jp", "a@unexample.co.jp",
        "a@sales.unexample.co.jp", "a@co.jp", "a@日本語.jp", "a@xn--wgv71a119e.jp", "a@mail.日本語.jp", "a@MAIL.XN--WGV71A119E.JP",
        "a@日本.jp", "a@例え.テスト", "a@xn--r8jz45g.xn--zckzah", "a@sub.例え.テスト", "a@example.org", "a@x.example.org",
        "a@x.y.example.org", "a@example.net", "a@x.example.net", "Bob@X.Example.Net", "sales-tokyo@example.com",
        "Sales-Osaka@Example.com", "support@example.com", "sales-tokyo@sub.example.com", "taro@example.com", "TARO@example.com",
        "taro@mail.example.com", "taro2@example.com", "a@mail1.example.com", "a@mail12.example.com", "a@mail.example.com",
        "\"a b\"@example.com", "a@example.org.jp", "a@gmail.com", "a@anything.example"
    ]

    @Test("a PatternSet matches exactly when one of its patterns does, pattern by pattern and all together")
    func patternSetAgreesWithPatterns() throws {
        let patterns = try Self.setPatterns.map { try AddressPattern($0) }
        let boxes = try Self.setMailboxes.map { try mailbox($0) }
        // Each pattern alone, each pair (a literal beside a base, a base beside a local part…), and all.
        var lists = patterns.map { [$0] }
        for i in patterns.indices { for j in patterns.indices where j > i { lists.append([patterns[i], patterns[j]]) } }
        lists.append(patterns)
        lists.append([])
        var agreed = 0
        var matched = 0
        for list in lists {
            let set = PatternSet(list)
            for m in boxes {
                let expected = list.contains { $0.matches(m) }
                #expect(set.matches(m) == expected, "\(list.map(\.text)) vs \(m.address)")
                agreed += 1
                if expected { matched += 1 }
            }
        }
        // The table is varied enough to mean something: both answers occur often.
        #expect(matched > 1000 && agreed - matched > 1000)
        // And the hash sets are really used, not only the one-by-one path.
        let all = PatternSet(patterns)
        #expect(all.paths.literal == 6 && all.paths.bases == 7 && all.paths.others == 8)
        #expect(PatternSet([]).isEmpty && !all.isEmpty)
    }

    @Test(
        "a PatternSet's hash-set paths give the expected answers",
        arguments: [
            // patterns, address, matches?
            (["*.example.co.jp"], "a@example.co.jp", false),
            (["*.example.co.jp"], "a@x.example.co.jp", true),
            (["*.EXAMPLE.co.jp."], "a@X.Y.Example.Co.Jp", true),
            (["*.example.co.jp"], "a@unexample.co.jp", false),
            (["example.com."], "a@EXAMPLE.COM", true),
            (["example.com"], "a@sub.example.com", false),
            (["*.日本語.jp"], "a@mail.xn--wgv71a119e.jp", true),
            (["xn--wgv71a119e.jp"], "a@日本語.jp", true),
            (["@example.com", "*.example.org"], "a@example.org", false),
            (["sales-*@example.com"], "support@example.com", false),
            (["*@*.example.net"], "a@example.net", false)
        ])
    func patternSetAnswers(patterns: [String], address: String, expected: Bool) throws {
        #expect(PatternSet(try patterns.map { try AddressPattern($0) }).matches(try mailbox(address)) == expected)
    }

    @Test("the glob backtracks correctly and stays linear on long runs of stars")
    func glob() {
        #expect(Glob.matches("*a*b*c", name: "xxaxxbxxc"))
        #expect(!Glob.matches("*a*b*c", name: "xxaxxcxxb"))
        #expect(Glob.matches("*.XLSX", name: "顧客一覧.xlsx"))
        #expect(Glob.matches("顧客?覧.*", name: "顧客一覧.csv"))
        let long = String(repeating: "a", count: 5000)
        #expect(!Glob.matches(String(repeating: "*a", count: 50) + "b", name: long))
    }
}
