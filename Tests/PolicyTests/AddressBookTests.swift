import Testing
@testable import Policy

@Suite("Address book")
struct AddressBookTests {
    @Test("entries, company sections, suffixes and comments")
    func parse() throws {
        let text = """
            # clients
            [株式会社サンプル]
            山田 太郎 <taro@example.co.jp>
            "Suzuki, Hanako" <hanako@example.co.jp> ; Suzuki Trading

            []
            Jiro Sato <jiro@日本語.jp>
              # indented comment
            \u{3000}佐藤　花子 <hanako.sato@xn--wgv71a119e.jp>\u{3000}
            """
        let book = try AddressBook.parse(text, file: "addressbook.txt")
        #expect(
            book.entries == [
                AddressBookEntry(name: "山田 太郎", address: "taro@example.co.jp", company: "株式会社サンプル"),
                AddressBookEntry(name: "Suzuki, Hanako", address: "hanako@example.co.jp", company: "Suzuki Trading"),
                AddressBookEntry(name: "Jiro Sato", address: "jiro@日本語.jp", company: nil),
                AddressBookEntry(name: "佐藤　花子", address: "hanako.sato@日本語.jp", company: nil)
            ])
    }

    @Test("a reading after a second ';': with the line's company, or with the section's (an empty company)")
    func reading() throws {
        let text = """
            [田中建設]
            田中 一郎 <ichiro@tanaka-kensetsu.example> ; ; たなか いちろう
            田中 次郎 <jiro@tanaka-shoji.example> ; 田中商事 ; タナカ ジロウ
            田中 三郎 <saburo@tanaka-kensetsu.example> ; 田中建設 ;
            """
        let book = try AddressBook.parse(text, file: "addressbook.txt")
        #expect(
            book.entries == [
                AddressBookEntry(name: "田中 一郎", address: "ichiro@tanaka-kensetsu.example", company: "田中建設", reading: "たなか いちろう"),
                AddressBookEntry(name: "田中 次郎", address: "jiro@tanaka-shoji.example", company: "田中商事", reading: "タナカ ジロウ"),
                AddressBookEntry(name: "田中 三郎", address: "saburo@tanaka-kensetsu.example", company: "田中建設", reading: nil)
            ])
    }

    @Test("CRLF line endings and a byte-order mark count lines correctly")
    func crlf() throws {
        let text = "\u{FEFF}# x\r\nA <a@example.jp>\r\nbroken\r\n"
        #expect(throws: PolicyConfigError.self) { try AddressBook.parse(text, file: "ab.txt") }
        do {
            _ = try AddressBook.parse(text, file: "ab.txt")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("ab.txt:3: not 'Name <address>': "))
        }
    }

    @Test(
        "errors name the file and the line",
        arguments: [
            ("a <x@example.jp>\n[Company\n", "ab.txt:2: a company header must end with ']': '[Company'"),
            ("taro@example.jp\n", "ab.txt:1: 'taro@example.jp' has no name: write 'Name <address>'"),
            ("\n\nTaro <taro@example>\n", "ab.txt:3: not 'Name <address>': "),
            ("Taro <taro＠example.jp>\n", "ab.txt:1: not 'Name <address>': full-width")
        ])
    func errors(text: String, expected: String) {
        do {
            _ = try AddressBook.parse(text, file: "ab.txt")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
            #expect(error.kind == .addressBook)
        }
    }

    @Test("books merge in order")
    func merge() {
        let a = AddressBook(entries: [AddressBookEntry(name: "A", address: "a@x.jp")])
        let b = AddressBook(entries: [AddressBookEntry(name: "B", address: "b@y.jp")])
        #expect(AddressBook.merged([a, b]).entries.map(\.name) == ["A", "B"])
    }
}
