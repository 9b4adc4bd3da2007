import Testing
@testable import TUI

/// `PasteSplitter.splitOutside` as it was written first, a character at a time: what the byte
/// and slice versions must give.
func splitOutsideByCharacter(_ line: String, at separator: Character) -> [String] {
    var parts: [String] = []
    var current = ""
    var quoted = false, escaped = false
    var angle = 0, comment = 0
    for char in line {
        defer { escaped = !escaped && char == "\\" && (quoted || comment > 0) }
        if escaped {
            current.append(char)
            continue
        }
        switch char {
        case "\"" where comment == 0: quoted.toggle()
        case "<" where !quoted && comment == 0: angle += 1
        case ">" where !quoted && comment == 0: angle = max(0, angle - 1)
        case "(" where !quoted: comment += 1
        case ")" where !quoted: comment = max(0, comment - 1)
        case separator where !quoted && angle == 0 && comment == 0:
            parts.append(current)
            current = ""
            continue
        default: break
        }
        current.append(char)
    }
    parts.append(current)
    return parts
}

/// What spreadsheets, address books and other clients put on the clipboard, read as entries.
@Suite("Paste splitter: spreadsheet rows, columns and Outlook lists")
struct PasteSplitterTests {
    @Test(
        "one pasted line gives these entries",
        arguments: [
            ("田中 一郎\tichiro@tanaka-kensetsu.co.jp", ["田中 一郎 <ichiro@tanaka-kensetsu.co.jp>"]),
            ("ichiro@tanaka-kensetsu.co.jp\t田中 一郎", ["田中 一郎 <ichiro@tanaka-kensetsu.co.jp>"]),
            ("田中\t一郎\tichiro@tanaka-kensetsu.co.jp", ["田中 一郎 <ichiro@tanaka-kensetsu.co.jp>"]),
            ("田中 一郎    ichiro@tanaka-kensetsu.co.jp", ["田中 一郎 <ichiro@tanaka-kensetsu.co.jp>"]),
            ("田中 一郎\u{3000}ichiro@tanaka-kensetsu.co.jp", ["田中 一郎 <ichiro@tanaka-kensetsu.co.jp>"]),
            ("J. Smith\tj@example.com", ["\"J. Smith\" <j@example.com>"]),
            ("a@example.jp\tb@example.jp", ["a@example.jp", "b@example.jp"]),
            ("Tanaka Ichiro <t@example.jp>; Suzuki <s@example.jp>", ["Tanaka Ichiro <t@example.jp>", "Suzuki <s@example.jp>"]),
            ("\"Sato; Jiro\" <j@example.jp>; k@example.jp;", ["\"Sato; Jiro\" <j@example.jp>", "k@example.jp"]),
            ("team: a@example.jp, b@example.jp;", ["team: a@example.jp, b@example.jp;"]),
            ("田中 一郎 <ichiro@example.jp>", ["田中 一郎 <ichiro@example.jp>"]),
            ("Tanaka Ichiro t@example.jp", ["Tanaka Ichiro t@example.jp"]),
            ("a@example.jp\tnot an address\tb@example.jp", ["a@example.jp", "not an address", "b@example.jp"]),
            ("   ", [])
        ])
    func line(_ pasted: String, _ expected: [String]) {
        #expect(PasteSplitter.entries(pasted) == expected)
    }

    @Test("a pasted column of addresses gives one entry each; rows of a sheet one entry each")
    func columns() {
        #expect(
            LineEditor.addressPaste("a@example.jp\r\nb@example.jp\r\nc@example.jp\r\n", before: "", after: "")
                == "a@example.jp, b@example.jp, c@example.jp")
        #expect(
            LineEditor.addressPaste("田中 一郎\tichiro@tanaka.example\n鈴木 花子\thanako@suzuki.example\n", before: "", after: "")
                == "田中 一郎 <ichiro@tanaka.example>, 鈴木 花子 <hanako@suzuki.example>")
        #expect(LineEditor.addressPaste("A <a@x.jp>; B <b@y.jp>", before: "", after: "") == "A <a@x.jp>, B <b@y.jp>")
    }

    @Test("a spreadsheet row pasted into To is one valid recipient")
    func intoTo() {
        var m = ComposeModel(from: "taro@example.jp", accountName: "a")
        _ = m.handle(.paste("田中 一郎\tichiro@tanaka-kensetsu.co.jp\n"), width: 80, bodyHeight: 10)
        #expect(m.to.text == "田中 一郎 <ichiro@tanaka-kensetsu.co.jp>")
        _ = m.handle(.tab, width: 80, bodyHeight: 10)
        #expect(m.fieldErrors[.to] == nil)
        #expect(m.parsedRecipients()?.to.mailboxes.count == 1)
    }

    @Test("splitting outside quotes, brackets and comments by slices gives the parts of the character-by-character split")
    func splitOutsideBySlices() {
        let lines = [
            "", ",", ",,", "a", "a,b", "a, b ,c", "田中 <a@b.jp>, 山田 <c@d.jp>", "\"Tanaka, Ichiro\" <a@b.jp>, c@d.jp",
            "a (comment, with comma) b, c", "a (nested (comment, x), y), z", "\"quoted \\\" still, quoted\", x", "(esc \\) still), x",
            "<a,b>, c", "a>b, <c", "\\, x", "\"\\\\\", y", "e\u{301},\u{301}x", "👨‍👩‍👧, 👍🏽", "a;b;c", "team: a, b; c", "ｶﾞ、ﾊﾟ,ｶﾞ",
            "\"unterminated, a, b", "((a, b", "a\r\n,b", "　全角,　ｓｐａｃｅ "
        ]
        for line in lines {
            for separator: Character in [",", ";", ":"] {
                #expect(
                    PasteSplitter.splitOutside(line, at: separator) == splitOutsideByCharacter(line, at: separator),
                    "\(line.debugDescription) at \(separator)")
            }
        }
        let many = (0..<500).map { "顧客 \($0)号 <user\($0)@customer\($0 % 50).example>" }.joined(separator: ", ")
        #expect(PasteSplitter.splitOutside(many, at: ",") == splitOutsideByCharacter(many, at: ","))
        #expect(PasteSplitter.splitOutside(many, at: ",").count == 500)
    }

    @Test("splitting on the bytes gives the parts of the character-by-character split, or leaves the line to it")
    func splitOutsideByBytes() {
        let lines = [
            "", ",", ",,", "a", "a,b", "a, b ,c", "田中 <a@b.jp>, 山田 <c@d.jp>", "\"Tanaka, Ichiro\" <a@b.jp>, c@d.jp",
            "a (comment, with comma) b, c", "a (nested (comment, x), y), z", "\"quoted \\\" still, quoted\", x", "(esc \\) still), x",
            "<a,b>, c", "a>b, <c", "\\, x", "\"\\\\\", y", "a;b;c", "team: a, b; c", "\"unterminated, a, b", "((a, b", "a\r\n,b",
            "a\\\r\n,b", "(a\\\r\n,b), c", "顧客 1号 <user1@example.jp>, 顧客 2号 <user2@example.jp>",
            "\"x\\y\", (a\\)b), c", "<<a>>, >b<, c", "\"(\", a, (\"), b"
        ]
        // Lines whose special characters touch non-ASCII text: left to the character split.
        let left = [
            "e\u{301},\u{301}x", ",\u{301}", "\"\u{301}a, b\"", "\u{600},a", "\\\u{301}, x", "\"山田 太郎\" <a@b.jp>, c", "田中<a@b.jp>",
            "👨‍👩‍👧, 👍🏽", "　全角,　ｓｐａｃｅ ", "ｶﾞ、ﾊﾟ, ｶﾞ"
        ]
        var compared = 0
        for line in lines + left {
            for separator: Character in [",", ";", ":"] {
                let bytes = PasteSplitter.splitOutsideByBytes(line, at: separator)
                if let bytes {
                    #expect(bytes == splitOutsideByCharacter(line, at: separator), "\(line.debugDescription) at \(separator)")
                    if lines.contains(line) { compared += 1 }
                }
                #expect(PasteSplitter.splitOutside(line, at: separator) == splitOutsideByCharacter(line, at: separator))
            }
        }
        #expect(compared == lines.count * 3)
        for line in left { #expect(PasteSplitter.splitOutsideByBytes(line, at: ",") == nil, "\(line.debugDescription)") }
        #expect(PasteSplitter.splitOutsideByBytes("a\r\nb", at: "\r\n") == nil)
        #expect(PasteSplitter.splitOutsideByBytes("a、b", at: "、") == nil)
        let many = (0..<500).map { "顧客 \($0)号 <user\($0)@customer\($0 % 50).example>" }.joined(separator: ", ")
        #expect(PasteSplitter.splitOutsideByBytes(many, at: ",") == splitOutsideByCharacter(many, at: ","))
    }
}
