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
