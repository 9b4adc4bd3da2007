import Foundation
import Testing
@testable import Policy

/// Address books as organisations keep them: vCard 3 and 4, and CSV (UTF-8 or Shift_JIS), each
/// a real-looking export written by hand after the format's specification.
@Suite("Address book: vCard and CSV")
struct AddressBookFormatsTests {
    /// vCard 3.0 as Android and iOS export it: CRLF, folded lines (a folded EMAIL, a folded
    /// base64 PHOTO), groups, escaped commas and semicolons, phonetic names.
    static let vcard3 = [
        "BEGIN:VCARD", "VERSION:3.0", "N:田中;一郎;;;", "FN:田中 一郎", "X-PHONETIC-FIRST-NAME:いちろう", "X-PHONETIC-LAST-NAME:たなか",
        "ORG:田中建設;営業部", "EMAIL;TYPE=INTERNET;TYPE=WORK:ichiro@tanaka-kensetsu.example",
        "EMAIL;TYPE=INTERNET;TYPE=HOME:ichiro.tanaka@home.example", "TEL;TYPE=CELL:090-0000-0000",
        "NOTE:長いメモ長いメモ長いメモ長いメモ長いメモ長いメモ", " 続き", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Suzuki\\, Hanako", "N:Suzuki;Hanako;;;", "ORG:Suzuki Trading\\; Ltd.",
        "item1.EMAIL;type=INTERNET;type=pref:hana", " ko@suzuki.example", "item1.X-ABLabel:_$!<Work>!$_",
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR",
        "\toeHx4aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/", "END:VCARD", ""
    ].joined(separator: "\r\n")

    /// vCard 4.0 (RFC 6350): SORT-AS on N, a card named only by N (Japanese order), a card
    /// with only a company, a card without an e-mail, a Japanese phone's SOUND;X-IRMC-N.
    static let vcard4 = """
        BEGIN:VCARD
        VERSION:4.0
        N;SORT-AS="タナカ,イチロウ":田中;一郎;;;
        FN:田中 一郎
        ORG:田中商事
        EMAIL;TYPE=work;PREF=1:ichiro@tanaka-shoji.example
        END:VCARD
        BEGIN:VCARD
        VERSION:4.0
        N:佐藤;花子;;;
        SOUND;X-IRMC-N:サトウ;ハナコ;;;
        EMAIL:hanako@sato.example
        END:VCARD
        BEGIN:VCARD
        VERSION:4.0
        N:Smith;John;;;
        EMAIL;VALUE=text:john@smith.example
        END:VCARD
        BEGIN:VCARD
        VERSION:4.0
        ORG:Example Inc.
        EMAIL:info@example.com
        END:VCARD
        BEGIN:VCARD
        VERSION:4.0
        FN:No Mail
        TEL:+81-3-0000-0000
        END:VCARD

        """

    @Test("vCard 3: folded lines joined, groups and escapes read, one entry per EMAIL, phonetic names as the reading")
    func vcard3Export() throws {
        let book = try AddressBook.read(bytes: Array(Self.vcard3.utf8), file: "contacts.vcf")
        #expect(
            book.entries == [
                AddressBookEntry(name: "田中 一郎", address: "ichiro@tanaka-kensetsu.example", company: "田中建設", reading: "たなか いちろう"),
                AddressBookEntry(name: "田中 一郎", address: "ichiro.tanaka@home.example", company: "田中建設", reading: "たなか いちろう"),
                AddressBookEntry(name: "Suzuki, Hanako", address: "hanako@suzuki.example", company: "Suzuki Trading; Ltd.")
            ])
    }

    @Test("vCard 4: SORT-AS and X-IRMC-N readings; a name from N; a card named by its company; a card without e-mail skipped")
    func vcard4Export() throws {
        let book = try AddressBook.read(bytes: Array(Self.vcard4.utf8), file: "Export.VCF")
        #expect(
            book.entries == [
                AddressBookEntry(name: "田中 一郎", address: "ichiro@tanaka-shoji.example", company: "田中商事", reading: "タナカ イチロウ"),
                AddressBookEntry(name: "佐藤 花子", address: "hanako@sato.example", reading: "サトウ ハナコ"),
                AddressBookEntry(name: "John Smith", address: "john@smith.example"),
                AddressBookEntry(name: "Example Inc.", address: "info@example.com", company: "Example Inc.")
            ])
    }

    @Test("vCard errors name the file and the line: an EMAIL that is not an address, a card that never ends, an END without BEGIN")
    func vcardErrors() {
        func error(_ text: String) -> String? {
            do {
                _ = try AddressBook.parseVCard(text, file: "c.vcf")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(error("BEGIN:VCARD\nFN:A\nEMAIL:a＠example.jp\nEND:VCARD\n")?.contains("c.vcf:3") == true)
        #expect(error("BEGIN:VCARD\nFN:A\nEMAIL:a@example.jp\n")?.contains("no END:VCARD") == true)
        #expect(error("END:VCARD\n")?.contains("c.vcf:1") == true)
        #expect(error("BEGIN:VCARD\nFN:A\nBEGIN:VCARD\n")?.contains("c.vcf:3") == true)
    }

    static var fixtures: String { ((#filePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("../fixtures/addressbooks") }

    @Test("an Outlook (Japanese) export in Shift_JIS: family and given names joined family first, readings, company; a row without e-mail skipped")
    func outlookJapaneseShiftJIS() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/outlook-jp.csv")))
        #expect(String(validating: bytes, as: UTF8.self) == nil, "the fixture is Shift_JIS, not UTF-8")
        let book = try AddressBook.read(bytes: bytes, file: "outlook-jp.csv")
        #expect(
            book.entries == [
                AddressBookEntry(name: "田中 一郎", address: "ichiro@tanaka-kensetsu.example", company: "田中建設", reading: "たなか いちろう"),
                AddressBookEntry(name: "田中 一郎", address: "ichiro@tanaka-shoji.example", company: "田中商事", reading: "タナカ イチロウ"),
                AddressBookEntry(name: "半角 ｶﾅ", address: "kana@test.example", company: "㈱ﾃｽﾄ")
            ])
    }

    @Test("an Outlook (English) export in UTF-8 with a byte-order mark; a spreadsheet with 氏名/ふりがな/メールアドレス; a TSV")
    func utf8Exports() throws {
        let outlook =
            "\u{FEFF}\"First Name\",\"Middle Name\",\"Last Name\",\"Company\",\"Notes\",\"E-mail Address\"\r\n"
            + "\"Hanako\",\"\",\"Suzuki\",\"Suzuki Trading, Inc.\",\"line one\r\nline \"\"two\"\"\",\"hanako@suzuki.example\"\r\n"
            + "\"No\",\"\",\"Mail\",\"\",\"\",\"\"\r\n"
        #expect(
            try AddressBook.read(bytes: Array(outlook.utf8), file: "contacts.csv").entries == [
                AddressBookEntry(name: "Hanako Suzuki", address: "hanako@suzuki.example", company: "Suzuki Trading, Inc.")
            ])
        let sheet = "氏名,ふりがな,会社,メールアドレス\n佐藤 花子,さとう はなこ,自社,hanako@example.co.jp\n"
        #expect(
            try AddressBook.read(bytes: Array(sheet.utf8), file: "社員.CSV").entries == [
                AddressBookEntry(name: "佐藤 花子", address: "hanako@example.co.jp", company: "自社", reading: "さとう はなこ")
            ])
        let tsv = "Name\tEmail\tCompany\nJohn Smith\tjohn@smith.example\tSmith Co\n"
        #expect(
            try AddressBook.read(bytes: Array(tsv.utf8), file: "list.csv").entries == [
                AddressBookEntry(name: "John Smith", address: "john@smith.example", company: "Smith Co")
            ])
    }

    @Test("CSV errors: no e-mail column, an e-mail that is not an address (its line), an unclosed quote")
    func csvErrors() {
        func error(_ text: String) -> String? {
            do {
                _ = try AddressBook.parseCSV(text, file: "b.csv")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(error("Name,Phone\nA,1\n")?.contains("no e-mail column") == true)
        #expect(error("Name,Email\nA,a@example.jp\nB,\"b@@example.jp\"\n")?.contains("b.csv:3") == true)
        #expect(error("Name,Email\n\"A,a@example.jp\n")?.contains("not closed") == true)
        #expect(error("") == nil)
    }

    @Test("neither UTF-8 nor Shift_JIS is refused; the text format still needs UTF-8")
    func encodings() {
        #expect(throws: PolicyConfigError.self) { try AddressBook.read(bytes: [0x81, 0x00, 0xFF, 0xFE], file: "x.csv") }
        #expect(throws: PolicyConfigError.self) { try AddressBook.read(bytes: [0x93, 0x63, 0x92, 0x86], file: "x.txt") }
    }
}
