import Testing
@testable import Policy

@Suite("sensitive-data")
struct SensitiveDataTests {
    static func findings(
        body: String = "", attachments: [AttachmentFacts] = [],
        _ c: PolicyConfig = .defaults
    ) throws -> [Finding] {
        run(SensitiveDataRule(), try input(to: "a@client.jp", body: body, attachments: attachments), c)
    }

    // MARK: My Number

    @Test(
        "the check digit follows the official algorithm",
        arguments: [
            ("12345678901", 8), // the published sample 123456789018
            ("00000000000", 0),
            ("00000000001", 9), // r = 2 → 11 − 2
            ("00000000010", 8), // weight 3 → r = 3
            ("10000000000", 5), // weight 6
            ("00000100000", 4), // weight 7
            ("00000000005", 1), // r = 10 → 1
            ("00000000006", 0), // r = 12 mod 11 = 1 → 0
            ("98765432109", -1), // computed below
            ("31415926535", -1)
        ])
    func checkDigit(first11: String, expected: Int) {
        let digits = first11.compactMap(\.wholeNumberValue)
        let want = expected >= 0 ? expected : myNumberCheckDigit(first11)
        #expect(SensitiveScanner.myNumberCheckDigit(digits) == want)
        #expect(myNumberCheckDigit(first11) == want)
    }

    static let valid = [
        validMyNumber("12345678901"), validMyNumber("98765432109"), validMyNumber("31415926535"),
        validMyNumber("27182818284"), validMyNumber("50505050505")
    ]

    @Test(
        "valid My Numbers are found, in any common format",
        arguments: [
            "マイナンバー: \(valid[0])",
            "個人番号 \(grouped(valid[1], "-"))",
            "個人番号 \(grouped(valid[2], " "))",
            "個人番号：\(fullWidth(valid[3]))",
            "番号（\(grouped(valid[4], "－"))）です",
            "No.\(valid[0])",
            "\(valid[1]),山田太郎,東京都",
            "\t\(valid[2])\t"
        ])
    func myNumberFound(body: String) throws {
        let f = try Self.findings(body: "ご確認ください\n" + body)
        #expect(f.map(\.message) == ["1 My Number (個人番号, valid check digit), first at body line 2"])
        #expect(f.first?.subjects == [.body])
    }

    @Test(
        "numbers that are not My Numbers are ignored",
        arguments: [
            "\(invalid(valid[0]))", // wrong check digit
            "000000000000", // passes the check digit but is a placeholder
            "\(validTimestamp())", // yyyyMMddHHmm with a passing check digit
            "INV\(valid[0])", // part of an identifier
            "\(valid[0])A",
            "3.\(valid[0])", // decimals
            "+\(valid[0])", // an international phone number
            "\(valid[0])0", // 13 digits
            "1\(valid[0])",
            "123-\(valid[0].dropFirst(3))", // not 4-4-4
            "\(grouped(valid[0], "  "))", // two spaces between groups
            "2024-01-15 10:30",
            "2024年1月15日",
            "請求書番号 2024-0001-2345"
        ])
    func myNumberIgnored(body: String) throws {
        #expect(try Self.findings(body: body).isEmpty, "\(body)")
    }

    // MARK: Cards

    @Test(
        "Luhn-valid card numbers with a known prefix are found",
        arguments: [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "3782 822463 10005",
            "3530111333300000",
            "6011111111111117",
            "4222222222222",
            luhnComplete("622126000000000000"), // 19 digits
            "カード番号：４１１１－１１１１－１１１１－１１１１"
        ])
    func cardFound(body: String) throws {
        let f = try Self.findings(body: body)
        #expect(f.map(\.message) == ["1 card number (Luhn-valid), first at body line 1"])
    }

    @Test(
        "numbers that are not cards are ignored",
        arguments: [
            "4111111111111112", // Luhn fails
            luhnComplete("123456781234567"), // Luhn passes, no card starts with 1
            luhnComplete("700000000000000"),
            luhnComplete("41111111111"), // 12 digits: too short
            "4111 1111 1111 111A",
            "41 11 11 11 11 11 11 11", // groups too small
            "請求書番号 4111-1111-1111-1112",
            "1111111111111111"
        ])
    func cardIgnored(body: String) throws {
        #expect(try Self.findings(body: body).isEmpty, "\(body)")
    }

    @Test("a card number is not also read as a My Number, nor its parts")
    func cardNotMyNumber() throws {
        let f = try Self.findings(body: "4111 1111 1111 1111 and \(grouped(Self.valid[0], " "))")
        #expect(
            f.map(\.message) == [
                "1 My Number (個人番号, valid check digit), first at body line 1",
                "1 card number (Luhn-valid), first at body line 1"
            ])
    }

    @Test("several numbers in one space-separated row are each found")
    func row() throws {
        let f = try Self.findings(body: "\(grouped(Self.valid[0], " ")) 4111 1111 1111 1111 \(grouped(Self.valid[1], " "))")
        #expect(
            f.map(\.message) == [
                "2 My Numbers (個人番号, valid check digit), first at body line 1",
                "1 card number (Luhn-valid), first at body line 1"
            ])
    }

    // MARK: Emails and phones

    @Test(
        "email addresses are read from text",
        arguments: [
            ("taro@example.co.jp", ["taro@example.co.jp"]),
            ("連絡先: Taro.Y+tag@Example.JP まで", ["taro.y+tag@example.jp"]),
            ("taro＠example.jp", ["taro@example.jp"]),
            ("<a@b.jp>, mailto:c@d.jp.", ["a@b.jp", "c@d.jp"]),
            ("a@b", []),
            ("@example.com", []),
            ("a@b.c", []),
            ("x @ y.jp", [])
        ])
    func emails(text: String, expected: [String]) {
        #expect(SensitiveScanner.emails(in: SensitiveScanner.fold(Substring(text))) == expected)
    }

    @Test(
        "Japanese phone numbers are read from text",
        arguments: [
            ("03-1234-5678", ["0312345678"]),
            ("TEL 090-1234-5678", ["09012345678"]),
            ("0120-123-456", ["0120123456"]),
            ("0800-123-4567", ["08001234567"]),
            ("(03) 1234-5678", ["0312345678"]),
            ("03(1234)5678", ["0312345678"]),
            ("+81 3-1234-5678", ["0312345678"]),
            ("+81-90-1234-5678", ["09012345678"]),
            ("+819012345678", ["09012345678"]),
            ("09012345678", ["09012345678"]),
            ("０３－１２３４－５６７８", ["0312345678"]),
            ("03ー1234ー5678", ["0312345678"]),
            ("06-1234-5678 06-8765-4321", ["0612345678", "0687654321"]),
            ("2024-01-15", []),
            ("03-1234-567", []),
            ("+1 212 555 0100", []),
            ("ID0312345678", [])
        ])
    func phones(text: String, expected: [String]) {
        #expect(SensitiveScanner.phones(in: SensitiveScanner.fold(Substring(text))) == expected)
    }

    static func emailList(_ n: Int) -> String {
        (1...n).map { "user\($0)@example\($0 % 3).jp" }.joined(separator: "\n")
    }

    static func phoneList(_ n: Int) -> String {
        (1...n).map { "顧客\($0): 03-1234-\(1000 + $0)" }.joined(separator: "\n")
    }

    @Test(
        "more than 20 distinct email addresses or phone numbers",
        arguments: [
            (emailList(20), [String]()),
            (emailList(21), ["21 email addresses (more than 20), first at body line 2"]),
            (emailList(20) + "\n" + emailList(20).uppercased(), []), // the same addresses twice
            (phoneList(20), []),
            (phoneList(21), ["21 phone numbers (more than 20), first at body line 2"]),
            (phoneList(15) + "\n" + emailList(15), [])
        ])
    func counts(list: String, expected: [String]) throws {
        #expect(try Self.findings(body: "宛先一覧\n" + list).map(\.message) == expected)
    }

    @Test("attachment texts are scanned and named; counts add up across body and attachments")
    func attachments() throws {
        let csv = "name,mynumber\n山田,\(Self.valid[0])\n佐藤,\(Self.valid[1])\n"
        let f = try Self.findings(
            body: Self.emailList(10),
            attachments: [
                attachment("報告書.pdf"), attachment("顧客一覧.csv", text: csv + Self.emailList(25))
            ])
        #expect(
            f.map(\.message) == [
                "2 My Numbers (個人番号, valid check digit), first at attachment '顧客一覧.csv' line 2",
                "25 email addresses (more than 20), first at body line 1"
            ])
        try #require(f.count == 2)
        #expect(f[0].subjects == [.attachment(1)])
        #expect(f[1].subjects == [.body, .attachment(1)])
    }

    @Test("messages never contain the values")
    func noValues() throws {
        let body = "\(Self.valid[0]) 4111111111111111\n" + Self.emailList(30) + "\n" + Self.phoneList(30)
        let messages = try Self.findings(body: body).map(\.message)
        #expect(messages.count == 4)
        for m in messages {
            #expect(!m.contains(Self.valid[0]) && !m.contains("4111") && !m.contains("@") && !m.contains("1234"))
        }
    }

    @Test("limits come from the config; 0 reports any")
    func configured() throws {
        let c = try config(user: "[policy.rules.sensitive-data]\nmax_email_addresses = 0\nmax_phone_numbers = 1\n")
        #expect(try Self.findings(body: "a@b.jp", c).map(\.message) == ["1 email address (more than 0), first at body line 1"])
        #expect(try Self.findings(body: "03-1234-5678", c).isEmpty)
        #expect(try Self.findings(body: "03-1234-5678 / 090-1234-5678", c).map(\.message) == ["2 phone numbers (more than 1), first at body line 1"])
    }
}

func grouped(_ digits: String, _ separator: String) -> String {
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && i % 4 == 0 { out += separator }
        out.append(c)
    }
    return out
}

func fullWidth(_ digits: String) -> String {
    String(digits.unicodeScalars.map { Character(Unicode.Scalar($0.value + 0xFEE0)!) })
}

/// The same number with a wrong check digit.
func invalid(_ number: String) -> String {
    let last = number.last?.wholeNumberValue ?? 0
    return String(number.dropLast()) + String((last + 1) % 10)
}

/// A yyyyMMddHHmm timestamp whose last digit happens to be a valid My Number check digit.
func validTimestamp() -> String {
    for hour in 10...23 {
        for minute in 10...59 {
            let t = "20240115\(hour)\(minute)"
            if myNumberCheckDigit(String(t.prefix(11))) == t.last?.wholeNumberValue { return t }
        }
    }
    preconditionFailure("no timestamp found")
}
