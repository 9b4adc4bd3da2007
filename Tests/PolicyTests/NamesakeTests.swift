import Testing
@testable import Policy

@Suite("namesake")
struct NamesakeTests {
    static let book = AddressBook(entries: [
        AddressBookEntry(name: "山田 太郎", address: "taro@client.co.jp", company: "株式会社クライアント"),
        AddressBookEntry(name: "Hanako Suzuki", address: "hanako@partner.jp", company: nil),
        AddressBookEntry(name: "佐藤　花子", address: "sato@日本語.jp", company: "日本語商事"),
        AddressBookEntry(name: "Jiro Tanaka", address: "jiro@a.jp", company: "A"),
        AddressBookEntry(name: "Jiro Tanaka", address: "tanaka@b.jp", company: "B")
    ])

    @Test(
        "the same name at another address is a NAMESAKE",
        arguments: [
            "山田 太郎 <taro@other.co.jp>",
            "山田　太郎 <taro@other.co.jp>", // full-width space
            "山田太郎 <taro@other.co.jp>", // no space
            "\"山田  太郎\" <taro@other.co.jp>", // two spaces
            "山田太郎様 <taro@other.co.jp>", // honorific
            "山田 太郎 様 <taro@other.co.jp>",
            "\"山田 太郎 (営業部)\" <taro@other.co.jp>",
            "山田 太郎 <yamada@client.co.jp>", // same domain, other address
            "hanako suzuki <hanako@partner.co.jp>", // case
            "HANAKO SUZUKI <h@x.jp>",
            "ＨａｎａｋｏＳｕｚｕｋｉ <h@x.jp>", // full-width letters
            "\"Suzuki, Hanako\" <h@x.jp>", // family name first
            "Suzuki Hanako <h@x.jp>",
            "佐藤 花子 <sato@日本.jp>",
            "佐藤花子 <sato@example.jp>",
            "Jiro Tanaka <jiro@c.jp>"
        ])
    func positive(recipient: String) throws {
        let findings = run(NamesakeRule(), try input(to: recipient, addressBook: Self.book))
        #expect(findings.compactMap(\.flag) == ["NAMESAKE"])
        #expect(findings.first?.severity == .confirm)
        #expect(findings.first?.subjects == [.recipient(try mailbox(recipient).addressKey)])
    }

    @Test(
        "the address-book address itself, other names and nameless recipients are fine",
        arguments: [
            "山田 太郎 <taro@client.co.jp>",
            "山田太郎 <TARO@CLIENT.CO.JP>",
            "Taro Yamada <taro@other.co.jp>", // a name not in the book
            "山田 次郎 <jiro@other.co.jp>",
            "taro@other.co.jp", // no display name
            "佐藤 花子 <sato@xn--wgv71a119e.jp>", // the same address in A-label form
            "Jiro Tanaka <tanaka@b.jp>", // one of two people with that name
            "Hanako <hanako@x.jp>", // part of a name
            "様 <x@x.jp>"
        ])
    func negative(recipient: String) throws {
        #expect(run(NamesakeRule(), try input(to: recipient, addressBook: Self.book)).isEmpty)
    }

    @Test(
        "the message names the known address, the company, and how the address differs",
        arguments: [
            (
                "山田　太郎 <taro@other.co.jp>",
                "'山田　太郎' is taro@client.co.jp (株式会社クライアント) in the address book, but this recipient is taro@other.co.jp: a different address in another domain"
            ),
            (
                "山田太郎 <yamada@client.co.jp>",
                "'山田太郎' is taro@client.co.jp (株式会社クライアント) in the address book, but this recipient is yamada@client.co.jp: a different address in the same domain"
            ),
            (
                "Hanako Suzuki <hanako@partner.co.jp>",
                "'Hanako Suzuki' is hanako@partner.jp in the address book, but this recipient is hanako@partner.co.jp: a different address in another domain"
            ),
            (
                "Jiro Tanaka <jiro@c.jp>",
                "'Jiro Tanaka' is jiro@a.jp (A) and 1 more with that name in the address book, but this recipient is jiro@c.jp: a different address in another domain"
            )
        ])
    func message(recipient: String, expected: String) throws {
        let f = try #require(run(NamesakeRule(), try input(cc: recipient, addressBook: Self.book)).first)
        #expect(f.message == expected)
    }

    @Test("each recipient is reported once, in every field")
    func fields() throws {
        let findings = run(
            NamesakeRule(),
            try input(
                to: "山田 太郎 <t@x.jp>", cc: "山田 太郎 <t@x.jp>",
                bcc: "Hanako Suzuki <h@y.jp>", addressBook: Self.book))
        #expect(findings.count == 2)
    }

    @Test("no address book, no findings")
    func emptyBook() throws {
        #expect(run(NamesakeRule(), try input(to: "山田 太郎 <t@x.jp>")).isEmpty)
    }

    @Test(
        "name keys fold width, case, spaces and order",
        arguments: [
            ("山田 太郎", ["山田太郎", "太郎山田"]),
            ("山田　太郎", ["山田太郎", "太郎山田"]),
            ("Taro YAMADA", ["taroyamada", "yamadataro"]),
            ("ジョン・スミス", ["ジョンスミス", "スミスジョン"]),
            ("山田太郎様", ["山田太郎"]),
            ("A B C", ["abc"]),
            ("", [])
        ])
    func keys(name: String, expected: [String]) {
        #expect(PersonName.keys(name) == Set(expected))
    }
}
