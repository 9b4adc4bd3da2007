import Testing
@testable import Bulk
import MailCore

// MARK: - Tables

struct TableCase: Sendable, CustomTestStringConvertible {
    let label: String
    let text: String
    let format: RecipientFileFormat
    let columns: [String]
    let rows: [Expected]
    var testDescription: String { label }
}

let tableCases: [TableCase] = [
    TableCase(
        label: "quoted comma", text: "name,email\n\"Yamada, Taro\",taro@example.jp\n",
        format: .csv, columns: ["name", "email"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: "Yamada, Taro")]),
    TableCase(
        label: "doubled quotes", text: "name,email\n\"Taro \"\"Boss\"\" Yamada\",boss@example.jp\n",
        format: .csv, columns: ["name", "email"],
        rows: [Expected(line: 2, envelope: "boss@example.jp", name: "Taro \"Boss\" Yamada")]),
    TableCase(
        label: "quoted newline moves the next row's line",
        text: "name,email,note\nTaro,taro@example.jp,\"line one\nline two\"\nHanako,hanako@example.jp,x\n",
        format: .csv, columns: ["name", "email", "note"],
        rows: [
            Expected(line: 2, envelope: "taro@example.jp", name: "Taro", fields: ["note": "line one\nline two"]),
            Expected(line: 4, envelope: "hanako@example.jp", name: "Hanako", fields: ["note": "x"])
        ]),
    TableCase(
        label: "quoted CRLF inside a CRLF file",
        text: "email,note\r\na@example.jp,\"1\r\n2\r\n3\"\r\nb@example.jp,z\r\n",
        format: .csv, columns: ["email", "note"],
        rows: [
            Expected(line: 2, envelope: "a@example.jp", name: nil, fields: ["note": "1\r\n2\r\n3"]),
            Expected(line: 5, envelope: "b@example.jp", name: nil)
        ]),
    TableCase(
        label: "CRLF line endings", text: "name,email\r\nTaro,taro@example.jp\r\nHanako,hanako@example.jp\r\n",
        format: .csv, columns: ["name", "email"],
        rows: [
            Expected(line: 2, envelope: "taro@example.jp", name: "Taro"),
            Expected(line: 3, envelope: "hanako@example.jp", name: "Hanako")
        ]),
    TableCase(
        label: "old Mac line endings (lone CR)", text: "email\rtaro@example.jp\rhanako@example.jp",
        format: .csv, columns: ["email"],
        rows: [
            Expected(line: 2, envelope: "taro@example.jp", name: nil),
            Expected(line: 3, envelope: "hanako@example.jp", name: nil)
        ]),
    TableCase(
        label: "space before an opening quote; a quote inside an unquoted value",
        text: "email,name,note\ntaro@example.jp, \"Yamada, Taro\",5\" floppy\n",
        format: .csv, columns: ["email", "name", "note"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: "Yamada, Taro", fields: ["note": "5\" floppy"])]),
    TableCase(
        label: "no final line break", text: "email\ntaro@example.jp",
        format: .csv, columns: ["email"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: nil)]),
    TableCase(
        label: "BOM, blank lines, Excel's empty rows, trailing empty line",
        text: "\u{FEFF}Email,Name\n\ntaro@example.jp,Taro\n,\n  \nhanako@example.jp,Hanako\n\n",
        format: .csv, columns: ["email", "name"],
        rows: [
            Expected(line: 3, envelope: "taro@example.jp", name: "Taro"),
            Expected(line: 6, envelope: "hanako@example.jp", name: "Hanako")
        ]),
    TableCase(
        label: "blank lines before the header",
        text: "\n\n E-Mail , 会社 \ntaro@example.jp, サンプル株式会社 \n",
        format: .csv, columns: ["email", "会社"],
        rows: [Expected(line: 4, envelope: "taro@example.jp", name: nil, fields: ["会社": "サンプル株式会社"])]),
    TableCase(
        label: "TSV with Japanese headers",
        text: "名前\tメールアドレス\t会社\n山田 太郎\ttaro@example.jp\tサンプル株式会社, 営業部\n",
        format: .tsv, columns: ["name", "email", "会社"],
        rows: [
            Expected(
                line: 2, envelope: "taro@example.jp", name: "山田 太郎",
                fields: ["会社": "サンプル株式会社, 営業部"])
        ]),
    TableCase(
        label: "TSV whose header has a comma in a column name",
        text: "email\tcity, ward\ntaro@example.jp\tTokyo, Minato\n",
        format: .tsv, columns: ["email", "city, ward"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: nil, fields: ["city, ward": "Tokyo, Minato"])]),
    TableCase(
        label: "氏名 column with a full-width space in the name",
        text: "氏名,メール\n山田　太郎,yamada@example.jp\n鈴木 花子,hanako@例え.jp\n",
        format: .csv, columns: ["name", "email"],
        rows: [
            Expected(line: 2, envelope: "yamada@example.jp", name: "山田　太郎"),
            Expected(line: 3, envelope: "hanako@xn--r8jz45g.jp", name: "鈴木 花子")
        ]),
    TableCase(
        label: "quoted header cells and an address column named 'address'",
        text: "\"Address\",\"Full Name\"\ntaro@example.jp,Taro Yamada\n",
        format: .csv, columns: ["email", "Full Name"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: nil, fields: ["Full Name": "Taro Yamada"])]),
    TableCase(
        label: "Name <addr> in the email cell gives the name when there is no name column",
        text: "email\n山田 太郎 <taro@example.jp>\n",
        format: .csv, columns: ["email", "name"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: "山田 太郎")]),
    TableCase(
        label: "the name column wins over a name in the email cell",
        text: "name,email\nTaro,Someone <taro@example.jp>\n",
        format: .csv, columns: ["name", "email"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: "Taro")]),
    TableCase(
        label: "a second address-like column is an ordinary field",
        text: "email,mail\ntaro@example.jp,old@example.jp\n",
        format: .csv, columns: ["email", "mail"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: nil, fields: ["mail": "old@example.jp"])]),
    TableCase(
        label: "an empty name cell leaves an empty name field",
        text: "name,email\n,taro@example.jp\n",
        format: .csv, columns: ["name", "email"],
        rows: [Expected(line: 2, envelope: "taro@example.jp", name: nil, fields: ["name": ""])]),
    TableCase(
        label: "one address a line with comments and names",
        text: "# staff\ntaro@example.jp\n\n  # old list\n山田 花子 <hanako@example.jp>\n\"Suzuki, Ichiro\" <ichiro@example.jp>\n",
        format: .lines, columns: ["email", "name"],
        rows: [
            Expected(line: 2, envelope: "taro@example.jp", name: nil),
            Expected(line: 5, envelope: "hanako@example.jp", name: "山田 花子"),
            Expected(line: 6, envelope: "ichiro@example.jp", name: "Suzuki, Ichiro")
        ]),
    TableCase(
        label: "one address a line without names, CRLF",
        text: "taro@example.jp\r\nhanako@example.jp\r\n",
        format: .lines, columns: ["email"],
        rows: [
            Expected(line: 1, envelope: "taro@example.jp", name: nil),
            Expected(line: 2, envelope: "hanako@example.jp", name: nil)
        ])
]

@Suite("Recipient files")
struct RecipientFileTests {
    @Test(arguments: tableCases)
    func parsesTable(_ c: TableCase) throws {
        let list = try parse(c.text)
        #expect(list.format == c.format)
        #expect(list.encoding == .utf8)
        #expect(list.columns == c.columns)
        #expect(list.invalid.isEmpty, "\(list.invalid)")
        #expect(list.recipients.map(\.line) == c.rows.map(\.line))
        #expect(list.recipients.map(\.mailbox.envelopeAddress) == c.rows.map(\.envelope))
        for (r, e) in zip(list.recipients, c.rows) {
            #expect(r.mailbox.displayName == e.name, "line \(e.line)")
            #expect(r.fields["email"] == r.mailbox.address)
            if let name = e.name { #expect(r.fields["name"] == name) }
            for (key, value) in e.fields { #expect(r.fields[key] == value, "line \(e.line), field \(key)") }
        }
    }

    // MARK: Encodings

    @Test func readsShiftJIS() throws {
        // "氏名,メールアドレス\r\n山田,yamada@example.jp\r\n" in CP932, as Excel saves it.
        let bytes: [UInt8] = [
            0x8E, 0x81, 0x96, 0xBC, 0x2C, 0x83, 0x81, 0x81, 0x5B, 0x83, 0x8B, 0x83, 0x41, 0x83, 0x68, 0x83,
            0x8C, 0x83, 0x58, 0x0D, 0x0A, 0x8E, 0x52, 0x93, 0x63, 0x2C, 0x79, 0x61, 0x6D, 0x61, 0x64, 0x61,
            0x40, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x2E, 0x6A, 0x70, 0x0D, 0x0A
        ]
        let list = try RecipientFile.parse(bytes: bytes, fileName: "名簿.csv")
        #expect(list.encoding == .shiftJIS)
        #expect(list.encoding.description == "Shift_JIS")
        #expect(list.format == .csv)
        #expect(list.columns == ["name", "email"])
        #expect(list.recipients == [recipient(2, "山田 <yamada@example.jp>", ["name": "山田"])])
    }

    @Test func readsShiftJISOneAddressALine() throws {
        // "山田 太郎 <taro@example.jp>\n" in CP932.
        let bytes: [UInt8] = [0x8E, 0x52, 0x93, 0x63, 0x20, 0x91, 0xBE, 0x98, 0x59] + Array(" <taro@example.jp>\n".utf8)
        let list = try RecipientFile.parse(bytes: bytes, fileName: "list.txt")
        #expect(list.encoding == .shiftJIS)
        #expect(list.format == .lines)
        #expect(list.recipients.first?.mailbox.displayName == "山田 太郎")
    }

    @Test func utf8WithBOMIsUTF8() throws {
        let list = try RecipientFile.parse(
            bytes: [0xEF, 0xBB, 0xBF] + Array("email\n山田 <a@example.jp>\n".utf8),
            fileName: "list.csv")
        #expect(list.encoding == .utf8)
        #expect(list.format == .csv)
        #expect(list.recipients.first?.fields["name"] == "山田")
    }

    @Test(arguments: [
        [0xFF, 0xFE] as [UInt8] + Array("email\n".utf8).flatMap { [$0, 0] },
        [0xFE, 0xFF] as [UInt8] + Array("email\n".utf8).flatMap { [0, $0] },
        [0xFF, 0xFE, 0x00, 0x00] as [UInt8]
    ])
    func refusesUTF16(_ bytes: [UInt8]) {
        let error = fileError(bytes, file: "members.csv")
        #expect(error?.kind == .utf16)
        #expect(error?.fileName == "members.csv")
        #expect(error?.description.contains("'members.csv'") == true)
        #expect(error?.description.contains("save it as UTF-8") == true)
    }

    @Test func refusesUTF16WithoutBOM() {
        let bytes: [UInt8] = Array("email\n".utf8).flatMap { [$0, 0] }
        let error = fileError(bytes)
        #expect(error?.kind == .binary(offset: 1, line: 1))
        #expect(error?.description.contains("UTF-16") == true)
    }

    @Test func refusesAWorkbook() {
        let error = fileError([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00], file: "members.xlsx")
        #expect(error?.kind == .spreadsheet)
        #expect(error?.description == "'members.xlsx' is an Excel workbook, not a text file: save it as \"CSV UTF-8 (Comma delimited)\"")
    }

    @Test func refusesBytesInvalidInBoth() {
        // Line 3 has 0x80 0xFF: not UTF-8, and 0xFF is no Shift_JIS byte.
        let bytes = Array("email\ntaro@example.jp\nab".utf8) + [0x80, 0xFF] + Array("@example.jp\n".utf8)
        let error = fileError(bytes, file: "list.csv")
        #expect(error?.kind == .undecodable(offset: 24, line: 3))
        #expect(
            error?.description == "'list.csv' is neither UTF-8 nor Shift_JIS: the byte at offset 24 (line 3) "
                + "is not valid UTF-8, and the file does not read as Shift_JIS either; save it as UTF-8")
    }

    @Test func refusesBOMFollowedByInvalidUTF8() {
        // A UTF-8 BOM says UTF-8: bytes that are not are not reread as Shift_JIS. Offsets count the BOM.
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("email\n".utf8) + [0x8E, 0x52]
        #expect(fileError(bytes)?.kind == .undecodable(offset: 9, line: 2))
    }

    @Test func refusesShiftJISThatMayBeEUCJP() {
        // "山田 太郎" in EUC-JP reads as half-width katakana "ｻｳﾅﾄ ﾂﾀﾏｺ" in Shift_JIS.
        let bytes =
            Array("name,email\n".utf8) + [0xBB, 0xB3, 0xC5, 0xC4, 0x20, 0xC2, 0xC0, 0xCF, 0xBA]
            + Array(",taro@example.jp\n".utf8)
        let error = fileError(bytes)
        #expect(error?.kind == .ambiguousEncoding(sample: "ｻｳﾅﾄ"))
        #expect(error?.description.contains("EUC-JP") == true)
    }

    @Test func refusesShiftJISUserDefinedCharacters() {
        // 0xF0 0x40 is CP932's user-defined area: not text anyone means.
        let bytes = Array("email\n".utf8) + [0xF0, 0x40] + Array("@example.jp\n".utf8)
        #expect(fileError(bytes)?.kind == .undecodable(offset: 6, line: 2))
    }

    // MARK: Invalid rows

    @Test func collectsInvalidLinesWithTheirNumbers() throws {
        let text = """
            # staff
            taro@example.jp
            hanako＠example.jp
            Jiro <jiro@example>

            saburo@example.jp、shiro@example.jp
            山田 太郎 <yamada@example.jp>
            goro@example。jp
            """
        let list = try parse(text, file: "staff.txt")
        #expect(list.format == .lines)
        #expect(list.recipients.map(\.line) == [2, 7])
        #expect(list.invalid.map(\.line) == [3, 4, 6, 8])
        #expect(
            list.invalid.map(\.text) == [
                "hanako＠example.jp", "Jiro <jiro@example>",
                "saburo@example.jp、shiro@example.jp", "goro@example。jp"
            ])
        let reasons = list.invalid.map(\.reason)
        #expect(reasons[0] == "full-width '＠' (U+FF20) at position 7 in 'hanako＠example.jp': type the ASCII '@'")
        #expect(reasons[1].contains("needs a dot"))
        #expect(reasons[2].contains("'、'"))
        #expect(reasons[3].contains("'。'"))
    }

    @Test func invalidCSVRowsKeepPhysicalLines() throws {
        let text = "name,email,note\nA,a@example.jp,\"two\nlines\"\n山田,yamada＠example.jp,x\n鈴木,,y\nB,b@example.jp,z\n"
        let list = try parse(text)
        #expect(list.recipients.map(\.line) == [2, 6])
        #expect(list.invalid.count == 2)
        #expect(list.invalid[0].line == 4)
        #expect(list.invalid[0].text == "yamada＠example.jp")
        #expect(list.invalid[0].reason.contains("full-width '＠' (U+FF20)"))
        #expect(list.invalid[1].line == 5)
        #expect(list.invalid[1].text == "鈴木,,y")
        #expect(list.invalid[1].reason == "the 'email' cell for '鈴木' is empty")
    }

    @Test func rowsWithTheWrongNumberOfCellsAreInvalid() throws {
        let text = "name,email\nYamada, Taro,taro@example.jp\nhanako@example.jp\nJiro,jiro@example.jp\n"
        let list = try parse(text)
        #expect(list.recipients.map(\.line) == [4])
        #expect(list.invalid.map(\.line) == [2, 3])
        #expect(list.invalid[0].text == "Yamada, Taro,taro@example.jp")
        #expect(
            list.invalid[0].reason == "the row has 3 cells but the header on line 1 has 2 cells: "
                + "a ',' inside a value needs the whole value in double quotes")
        #expect(list.invalid[1].reason == "the row has 1 cell but the header on line 1 has 2 cells: a cell is missing")
    }

    @Test func tsvCountMismatchNamesTheTab() throws {
        let tsv = try parse("email\tname\na@example.jp\tA\tx\n")
        #expect(tsv.format == .tsv)
        #expect(tsv.invalid.first?.reason.contains("a tab inside a value") == true)
    }

    @Test func headerlessTableGetsAHint() throws {
        let list = try parse("山田,yamada@example.jp\n")
        #expect(list.format == .lines)
        #expect(list.recipients.isEmpty)
        #expect(list.invalid.first?.reason.hasSuffix("its first line must name the columns, one of them 'email'") == true)
    }

    @Test func twoAddressesInOneCellIsInvalid() throws {
        let list = try parse("email\n\"a@example.jp, b@example.jp\"\n")
        #expect(list.invalid.first?.line == 2)
        #expect(list.invalid.first?.reason.contains("only one address is allowed here") == true)
    }

    // MARK: Whole-file errors

    @Test func unterminatedQuoteNamesItsLine() {
        let error = fileError(Array("name,email\nA,a@example.jp\n\"B,b@example.jp\nC,c@example.jp\n".utf8))
        #expect(error?.kind == .unterminatedQuote(line: 3))
        #expect(error?.description.hasPrefix("'list.csv': the '\"' that opens a value on line 3 is never closed") == true)
    }

    @Test func repeatedColumnNameIsRefused() {
        let error = fileError(Array("email,会社,会社\n".utf8))
        #expect(error?.kind == .duplicateColumn(name: "会社", line: 1))
        #expect(error?.description == "'list.csv': the header on line 1 has two columns named '会社': rename one")
    }

    @Test func emptyFilesGiveEmptyLists() throws {
        for text in ["", "\n\n", "email\n", "# nothing yet\n"] {
            let list = try parse(text)
            #expect(list.recipients.isEmpty && list.invalid.isEmpty, "\(text.debugDescription)")
        }
    }

    // MARK: Duplicates and domains

    @Test func duplicatesAcrossCaseAndIDN() throws {
        let text = """
            email
            Taro@BÜCHER.example
            taro@xn--bcher-kva.example
            TARO@bücher.example
            hanako@example.jp
            Hanako@EXAMPLE.JP
            "taro"@example.jp
            taro@example.jp
            """
        let list = try parse(text)
        #expect(
            list.recipients.map(\.mailbox.envelopeAddress) == [
                "Taro@xn--bcher-kva.example", "hanako@example.jp",
                "taro@example.jp"
            ])
        #expect(list.recipients.map(\.line) == [2, 5, 7])
        #expect(list.duplicateCount == 4)
        #expect(list.duplicates.map(\.line) == [3, 4, 6, 8])
        #expect(list.duplicates.map(\.firstLine) == [2, 2, 5, 7])
        #expect(
            list.duplicates.map(\.address) == [
                "taro@bücher.example", "TARO@bücher.example",
                "Hanako@example.jp", "taro@example.jp"
            ])
    }

    @Test func dedupKeyIgnoresCaseOfLocalPartAndIDNForm() {
        #expect(RecipientFile.dedupKey(mailbox("Taro@BÜCHER.example")) == "taro@xn--bcher-kva.example")
        #expect(RecipientFile.dedupKey(mailbox("taro@xn--bcher-kva.example")) == "taro@xn--bcher-kva.example")
    }

    @Test func domainCountsByCountThenName() throws {
        let text = "a@b.example\nb@a.example\nc@B.example\nd@c.example\ne@a.example\nf@bücher.example\n"
        let counts = try parse(text).domainCounts()
        #expect(counts.map(\.domain) == ["a.example", "b.example", "bücher.example", "c.example"])
        #expect(counts.map(\.count) == [2, 2, 1, 1])
    }

    // MARK: Volume

    @Test func threeThousandRows() throws {
        var text = "氏名,email,番号\r\n"
        for i in 1...3000 {
            let address: String
            if i % 500 == 0 {
                address = "user\(i)＠d\(i % 7).example.jp" // 6 invalid
            } else if i % 300 == 0 {
                address = "USER1@D1.example.jp" // 8 duplicates of row 1
            } else {
                address = "user\(i)@d\(i % 7).example.jp"
            }
            text += "\"利用者, \(i)\",\(address),\(i)\r\n"
        }
        let list = try parse(text)
        #expect(list.format == .csv)
        #expect(list.recipients.count == 2986)
        #expect(list.invalid.count == 6)
        #expect(list.invalid.map(\.line) == [501, 1001, 1501, 2001, 2501, 3001])
        #expect(list.duplicateCount == 8)
        #expect(list.duplicates.allSatisfy { $0.firstLine == 2 })
        #expect(list.recipients.last?.line == 3000)
        #expect(list.recipients.last?.fields == ["name": "利用者, 2999", "email": "user2999@d3.example.jp", "番号": "2999"])
        let counts = list.domainCounts()
        #expect(counts.count == 7)
        #expect(counts.reduce(0) { $0 + $1.count } == 2986)
    }
}
