import Testing
@testable import TUI

// MARK: - LineEditor

@Suite struct LineEditorTests {
    @Test(
        "init puts the cursor at the end or clamps it",
        arguments: [
            ("山田", nil, 2), ("山田", 1, 1), ("山田", 9, 2), ("山田", -3, 0), ("", nil, 0), ("が", nil, 1)
        ] as [(String, Int?, Int)])
    func initCursor(_ text: String, _ cursor: Int?, _ expected: Int) {
        let editor = LineEditor(text, cursor: cursor)
        #expect(editor.text == text)
        #expect(editor.cursor == expected)
    }

    @Test("typing inserts at the cursor and moves past the text")
    func typing() {
        var e = LineEditor()
        e.insert("山田")
        e.insert(" ")
        e.insert("太郎")
        #expect(e.text == "山田 太郎")
        #expect(e.cursor == 5)
        e.moveHome()
        e.moveRight()
        e.insert("ｱ")
        #expect(e.text == "山ｱ田 太郎")
        #expect(e.cursor == 2)
    }

    @Test("a combining mark typed after its base joins it and the cursor stays after the cluster")
    func combiningTyped() {
        var e = LineEditor("xか", cursor: 2)
        e.insert("\u{3099}")
        #expect(e.text == "xか\u{3099}")
        #expect(e.text.count == 2)
        #expect(e.cursor == 2)
        e.insert("🇯")
        e.insert("🇵")
        #expect(e.text == "xか\u{3099}🇯🇵")
        #expect(e.cursor == 3)
    }

    @Test(
        "Backspace and Delete remove one whole grapheme",
        arguments: [
            // text, cursor, after Backspace, cursor after, after Delete, cursor after
            ("山田か\u{3099}", 3, "山田", 2, "山田か\u{3099}", 3),
            ("e\u{301}x", 1, "x", 0, "e\u{301}", 1),
            ("a👩‍👩‍👧b", 2, "ab", 1, "a👩‍👩‍👧", 2),
            ("🇯🇵🇺🇸", 1, "🇺🇸", 0, "🇯🇵", 1),
            ("ｶﾞｷ", 1, "ｷ", 0, "ｶﾞ", 1),
            ("", 0, "", 0, "", 0)
        ])
    func deleting(_ text: String, _ cursor: Int, _ back: String, _ backCursor: Int, _ forward: String, _ forwardCursor: Int) {
        var b = LineEditor(text, cursor: cursor)
        b.deleteBackward()
        #expect(b.text == back)
        #expect(b.cursor == backCursor)
        var f = LineEditor(text, cursor: cursor)
        f.deleteForward()
        #expect(f.text == forward)
        #expect(f.cursor == forwardCursor)
    }

    @Test("moving steps over whole clusters and stops at the ends")
    func moving() {
        var e = LineEditor("a漢か\u{3099}👍", cursor: 0)
        e.moveLeft()
        #expect(e.cursor == 0)
        var seen: [Int] = []
        for _ in 0..<6 {
            e.moveRight()
            seen.append(e.cursor)
        }
        #expect(seen == [1, 2, 3, 4, 4, 4])
        e.moveLeft()
        #expect(e.cursor == 3)
        e.moveHome()
        #expect(e.cursor == 0)
        e.moveEnd()
        #expect(e.cursor == 4)
    }

    @Test(
        "pasted newlines and tabs become single spaces",
        arguments: [
            ("a\r\nb", "a b"), ("a\nb", "a b"), ("a\rb", "a b"), ("a\tb", "a b"), ("a\r\n\r\nb", "a  b"),
            ("taro@example.jp,\r\nbob@example.com\n", "taro@example.jp, bob@example.com "),
            ("山田\n太郎", "山田 太郎")
        ])
    func paste(_ pasted: String, _ expected: String) {
        var e = LineEditor()
        e.insert(pasted)
        #expect(e.text == expected)
        #expect(e.cursor == expected.count)
    }

    @Test(
        "Ctrl-W deletes spaces then a word",
        arguments: [
            ("hello world", 11, "hello ", 6),
            ("hello world  ", 13, "hello ", 6),
            ("hello world", 8, "hello rld", 6),
            ("お世話になっております", 11, "", 0),
            ("件名 お見積り", 7, "件名 ", 3),
            ("山田　太郎", 5, "山田　", 3),
            ("  ", 2, "", 0),
            ("abc", 0, "abc", 0)
        ])
    func deleteWord(_ text: String, _ cursor: Int, _ expected: String, _ expectedCursor: Int) {
        var e = LineEditor(text, cursor: cursor)
        e.deleteWordBackward()
        #expect(e.text == expected)
        #expect(e.cursor == expectedCursor)
    }

    @Test("Ctrl-K deletes to the end, Ctrl-U to the start")
    func killLine() {
        var e = LineEditor("山田 太郎 <taro@example.jp>", cursor: 5)
        e.deleteToEnd()
        #expect(e.text == "山田 太郎")
        #expect(e.cursor == 5)
        e.deleteToEnd()
        #expect(e.text == "山田 太郎")
        e.moveLeft()
        e.moveLeft()
        e.deleteToStart()
        #expect(e.text == "太郎")
        #expect(e.cursor == 0)
    }

    @Test(
        "short text is not scrolled",
        arguments: [
            ("", 0, "", 0), ("abc", 3, "abc", 3), ("山田", 1, "山田", 2), ("あいうえ", 4, "あいうえ", 8),
            ("a\tb\u{1}", 4, "a b\u{FFFD}", 4)
        ])
    func viewportShort(_ text: String, _ cursor: Int, _ shown: String, _ column: Int) {
        let v = LineEditor(text, cursor: cursor).viewport(width: 10)
        #expect(v.text == shown)
        #expect(v.cursorColumn == column)
    }

    @Test("viewport examples with wide characters at the edges")
    func viewportExamples() {
        // Ten kana are 20 columns; width 7 (margin 1, step 3). Cursor at the end (column 20):
        // the view starts at column 15, the middle of く, which is skipped.
        let kana = "あいうえおかきくけこ"
        let end = LineEditor(kana).viewport(width: 7)
        #expect(end.text == "けこ")
        #expect(end.cursorColumn == 4)
        // Cursor at the start: no scrolling, and お (columns 6–7) does not fit in 7 columns.
        let start = LineEditor(kana, cursor: 0).viewport(width: 7)
        #expect(start.text == "あいう")
        #expect(start.cursorColumn == 0)
        // A line that exactly fits with the cursor at the end still needs a cell for the cursor.
        let full = LineEditor("あいう").viewport(width: 6)
        #expect(full.cursorColumn < 6)
        #expect(full.text.hasSuffix("う"))
    }

    @Test("viewport keeps the cursor visible at every position and width")
    func viewportExhaustive() {
        let samples = [
            "山田 太郎 <taro@example.jp>, 鈴木 花子 <hanako@example.jp>",
            "【ご案内】お見積書の送付について（2026年度）",
            "ｶﾞｷﾞｸﾞ a\u{301}b 👩‍👩‍👧 🇯🇵 x"
        ]
        for text in samples {
            let characters = Array(text)
            for width in 1...24 {
                for cursor in 0...characters.count {
                    let v = LineEditor(text, cursor: cursor).viewport(width: width)
                    let label = "width \(width) cursor \(cursor) in \(text)"
                    #expect(DisplayWidth.of(v.text) <= width, "\(label)")
                    #expect((0..<width).contains(v.cursorColumn), "\(label)")
                    // The view is a run of whole characters; the cursor sits where its character is.
                    let shown = Array(v.text)
                    guard
                        let start = (0...characters.count).first(where: { s in
                            s <= cursor && characters[s...].starts(with: shown)
                                && DisplayWidth.of(String(characters[s..<cursor])) == v.cursorColumn
                        })
                    else {
                        Issue.record("view \(v) does not match \(label)")
                        continue
                    }
                    // Margin: when scrolled, text remains to the right of the cursor only beyond it.
                    if width >= 10 && start + shown.count < characters.count {
                        #expect(v.cursorColumn <= width - 3, "\(label)")
                    }
                    if width >= 10 && start > 0 {
                        #expect(v.cursorColumn >= 2, "\(label)")
                    }
                }
            }
        }
    }

    @Test("viewport of printable ASCII and Japanese text from its bytes: the same as character by character, for every width and cursor")
    func viewportSimpleTextMatchesCharacters() {
        let texts = [
            "", "a", "ab", "hanako@example.jp", "Hanako Yamada <hanako@example.jp>, taro@example.co.jp",
            String(repeating: "user@example.com, ", count: 40), " ~!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}",
            "山田", "山田 <yamada@example.jp>", String(repeating: "顧客 1号 <other1@customer1.example>, ", count: 30),
            "　、。〆〩ぁゖ゠ヿ一鿿！｠￠￦", "ｱｲｳｴｵﾝ ｶｷｰ", "ＡＢＣ ａｂｃ", "a山b田c", "全角　スペース、句読点。カタカナー"
        ]
        var compared = 0
        for text in texts {
            for width in [1, 2, 3, 4, 5, 7, 8, 10, 17, 40, 79, 80, 200] {
                for cursor in Set([0, 1, 2, text.count / 3, text.count / 2, text.count - 1, text.count].filter { $0 >= 0 }) {
                    let editor = LineEditor(text, cursor: cursor)
                    let fast = editor.simpleViewport(width: width)
                    let slow = editor.viewportByCharacters(width: width)
                    #expect(fast?.text == slow.text, "\(text.prefix(20)) width \(width) cursor \(cursor)")
                    #expect(fast?.cursorColumn == slow.cursorColumn, "\(text.prefix(20)) width \(width) cursor \(cursor)")
                    #expect(editor.viewport(width: width) == slow)
                    compared += 1
                }
            }
        }
        #expect(compared > 1000)
        // Anything else is left to the character-by-character path (nil here): tabs and controls,
        // combining marks (also the voicing marks of half-width katakana, and a Hangul syllable
        // that takes a trailing jamo), accented Latin, emoji.
        for text in [
            "a\tb", "e\u{301}", "a\u{7F}", "caf\u{E9}", "a\r\nb", "ｶﾞ", "か\u{3099}", "한", "😀", "〪", "ㄱ"
        ] {
            #expect(LineEditor(text).simpleViewport(width: 10) == nil, "\(text)")
        }
    }
}

// MARK: - TextEditor editing

@Suite struct TextEditorEditingTests {
    @Test(
        "text round-trips through init",
        arguments: [
            "", "\n", "\n\n", "a", "a\n", "a\nb", "a\n\nb\n", "鈴木様\n\nお世話になっております。\n", "\t\u{1}\n か\u{3099}"
        ])
    func roundTrip(_ text: String) {
        let editor = TextEditor(text)
        #expect(editor.text == text)
        #expect(editor.lines.count == text.filter { $0 == "\n" }.count + 1)
    }

    @Test(
        "CR LF and CR are normalised to LF",
        arguments: [
            ("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\n\r\nb\r\n", "a\n\nb\n"), ("\r", "\n"), ("a\r\r\nb", "a\n\nb")
        ])
    func normalise(_ input: String, _ expected: String) {
        #expect(TextEditor(input).text == expected)
        var e = TextEditor("xy", cursor: TextPosition(line: 0, column: 1))
        e.insert(input)
        #expect(e.text == "x" + expected + "y")
    }

    @Test("init clamps the cursor")
    func clamp() {
        #expect(TextEditor("ab\ncde", cursor: TextPosition(line: 9, column: 9)).cursor == TextPosition(line: 1, column: 3))
        #expect(TextEditor("ab\ncde", cursor: TextPosition(line: 0, column: 9)).cursor == TextPosition(line: 0, column: 2))
        #expect(TextEditor("ab", cursor: TextPosition(line: -1, column: -1)).cursor == TextPosition(line: 0, column: 0))
        #expect(TextEditor("ab").cursor == TextPosition(line: 0, column: 0))
        #expect(TextEditor("").lines == [""])
    }

    @Test("typing, newline and paste split lines at the cursor")
    func insertAcrossLines() {
        var e = TextEditor("鈴木様お世話に", cursor: TextPosition(line: 0, column: 3))
        e.insertNewline()
        #expect(e.lines == ["鈴木様", "お世話に"])
        #expect(e.cursor == TextPosition(line: 1, column: 0))
        e.insertNewline()
        #expect(e.lines == ["鈴木様", "", "お世話に"])
        e.insert("x\ny\nz")
        #expect(e.lines == ["鈴木様", "", "x", "y", "zお世話に"])
        #expect(e.cursor == TextPosition(line: 4, column: 1))
        e.insert("\n")
        #expect(e.lines == ["鈴木様", "", "x", "y", "z", "お世話に"])
        e.insert("")
        #expect(e.cursor == TextPosition(line: 5, column: 0))
    }

    @Test("Backspace at column 0 joins with the previous line; Delete at the end joins the next")
    func joining() {
        var e = TextEditor("山田\n太郎\n様", cursor: TextPosition(line: 1, column: 0))
        e.deleteBackward()
        #expect(e.lines == ["山田太郎", "様"])
        #expect(e.cursor == TextPosition(line: 0, column: 2))
        e.moveEnd()
        e.deleteForward()
        #expect(e.lines == ["山田太郎様"])
        #expect(e.cursor == TextPosition(line: 0, column: 4))
        e.moveEnd()
        e.deleteForward() // at the very end: nothing
        #expect(e.lines == ["山田太郎様"])
        e.moveHome()
        e.deleteBackward() // at the very start: nothing
        #expect(e.lines == ["山田太郎様"])
        #expect(e.cursor == TextPosition(line: 0, column: 0))
    }

    @Test("joining lines whose ends merge into one cluster puts the cursor after it")
    func joinMerging() {
        var e = TextEditor("e\n\u{301}x", cursor: TextPosition(line: 1, column: 0))
        e.deleteBackward()
        #expect(e.lines == ["e\u{301}x"])
        #expect(e.cursor == TextPosition(line: 0, column: 1))
        var f = TextEditor("🇯\n🇵!", cursor: TextPosition(line: 0, column: 1))
        f.deleteForward()
        #expect(f.lines == ["🇯🇵!"])
        #expect(f.cursor == TextPosition(line: 0, column: 1))
    }

    @Test(
        "Backspace, or Left then Delete, removes one whole cluster",
        arguments: [
            ("漢か\u{3099}👩‍👩‍👧ｶﾞ", 4, "漢か\u{3099}👩‍👩‍👧"),
            ("漢か\u{3099}👩‍👩‍👧ｶﾞ", 2, "漢👩‍👩‍👧ｶﾞ"),
            ("漢か\u{3099}👩‍👩‍👧ｶﾞ", 3, "漢か\u{3099}ｶﾞ"),
            ("e\u{301}e\u{301}", 1, "e\u{301}"),
            ("🇯🇵🇯🇵", 1, "🇯🇵"),
            ("あ\u{200B}い", 2, "あい")
        ])
    func clusters(_ line: String, _ column: Int, _ expected: String) {
        var e = TextEditor(line, cursor: TextPosition(line: 0, column: column))
        e.deleteBackward()
        #expect(e.lines == [expected])
        #expect(e.cursor == TextPosition(line: 0, column: column - 1))
        var f = TextEditor(line, cursor: TextPosition(line: 0, column: column))
        f.moveLeft()
        #expect(f.cursor.column == column - 1)
        f.deleteForward()
        #expect(f.lines == [expected])
        #expect(f.cursor == TextPosition(line: 0, column: column - 1))
    }

    @Test("left and right cross line ends")
    func leftRight() {
        var e = TextEditor("あい\nう", cursor: TextPosition(line: 0, column: 1))
        e.moveRight()
        #expect(e.cursor == TextPosition(line: 0, column: 2))
        e.moveRight()
        #expect(e.cursor == TextPosition(line: 1, column: 0))
        e.moveRight()
        e.moveRight()
        #expect(e.cursor == TextPosition(line: 1, column: 1))
        e.moveHome()
        e.moveLeft()
        #expect(e.cursor == TextPosition(line: 0, column: 2))
        e.moveHome()
        e.moveLeft()
        #expect(e.cursor == TextPosition(line: 0, column: 0))
    }

    /// "first|" + a CR LF paste → "first" / "third 三|" / "second"; ↓ keeps the display column
    /// (8), past the end of "second", so the cursor goes to its end; "!" there; then `moves` × ←
    /// and one Backspace.
    @Test(
        "text is exactly the edited content",
        arguments: [
            (0, "first\nthird 三\nsecond", 6),
            (1, "first\nthird 三\nsecon!", 5),
            (2, "first\nthird 三\nsecod!", 4),
            (3, "first\nthird 三\nsecnd!", 3)
        ])
    func textAfterEdits(_ moves: Int, _ expected: String, _ column: Int) {
        var e = TextEditor("first\nsecond")
        e.moveEnd()
        e.insert("\r\nthird 三")
        #expect(e.lines == ["first", "third 三", "second"])
        #expect(e.cursor == TextPosition(line: 1, column: 7))
        e.moveDown(width: 40)
        e.insert("!")
        for _ in 0..<moves { e.moveLeft() }
        e.deleteBackward()
        #expect(e.text == expected)
        #expect(e.cursor == TextPosition(line: 2, column: column))
        #expect(TextEditor(e.text).lines == e.lines)
    }
}

// MARK: - Wrapping

struct WrapCase: Sendable, CustomTestStringConvertible {
    let line: String
    let width: Int
    let rows: [Range<Int>]
    let note: String
    var testDescription: String { "\(note) at \(width)" }
}

private func wrap(_ line: String, _ width: Int, _ rows: [Range<Int>], _ note: String) -> WrapCase {
    WrapCase(line: line, width: width, rows: rows, note: note)
}

@Suite struct TextEditorWrappingTests {
    @Test(
        "wrapping tables",
        arguments: [
            wrap("", 10, [0..<0], "empty line"),
            wrap("abc", 10, [0..<3], "short"),
            // Japanese exactly filling the width: an empty row follows for the cursor at the end.
            wrap("あいうえお", 10, [0..<5, 5..<5], "kana exactly filling"),
            wrap("あいうえお", 4, [0..<2, 2..<4, 4..<5], "kana, even width"),
            // A wide character at the last column moves to the next row.
            wrap("あいうえお", 5, [0..<2, 2..<4, 4..<5], "kana, odd width"),
            wrap("aあいう", 4, [0..<2, 2..<4, 4..<4], "wide char pushed, then exact fill"),
            wrap("お世話になっております。", 20, [0..<10, 10..<12], "sentence"),
            wrap("お世話になっております。", 21, [0..<10, 10..<12], "sentence, odd"),
            wrap("か\u{3099}か\u{3099}", 4, [0..<2, 2..<2], "decomposed, exact"),
            wrap("か\u{3099}か\u{3099}き", 5, [0..<2, 2..<3], "decomposed"),
            // Latin: break after the last space in the last third.
            wrap("hello world foo", 8, [0..<6, 6..<12, 12..<15], "words"),
            wrap("hello world foo", 12, [0..<12, 12..<15], "words, wider"),
            wrap("the quick brown fox", 10, [0..<10, 10..<19], "fox"),
            wrap("the quick brown fox", 12, [0..<10, 10..<19], "fox, wider"),
            wrap("one two three four", 10, [0..<8, 8..<18, 18..<18], "words, then exact fill"),
            // No space in the last third: break anywhere.
            wrap("ab cdefghij", 8, [0..<8, 8..<11], "space too early"),
            // Spaces that do not fit hang at the end of the row.
            wrap("hello world", 5, [0..<6, 6..<11, 11..<11], "hanging space"),
            wrap("abcd   efgh", 4, [0..<7, 7..<11, 11..<11], "several hanging spaces"),
            // Japanese and Latin mixed.
            wrap("見積書 quotation", 8, [0..<4, 4..<12, 12..<13], "mixed"),
            wrap("見積書の件 quotation", 8, [0..<4, 4..<11, 11..<15], "mixed, space too early"),
            // Tabs advance to the next multiple of 8 within the row, at most to the edge.
            wrap("\tx", 20, [0..<2], "leading tab"),
            wrap("a\tb", 8, [0..<2, 2..<3], "tab to the edge"),
            wrap("abc\tdefgh", 10, [0..<6, 6..<9], "tab clipped at the edge"),
            wrap("abcdefgh\tx", 8, [0..<8, 8..<9, 9..<10], "tab at the start of a row"),
            wrap("a\tb\tc", 20, [0..<5], "two tabs"),
            // Degenerate width: a wide character alone on a row.
            wrap("あい", 1, [0..<1, 1..<2, 2..<2], "width 1")
        ])
    func table(_ c: WrapCase) {
        let editor = TextEditor(c.line)
        #expect(editor.rows(ofLine: 0, width: c.width) == c.rows)
    }

    @Test("rows cover the line, never split clusters, and fit the width")
    func invariants() {
        let lines = [
            "鈴木様\tいつもお世話になっております。山田です。 Please find the quotation attached, thanks!",
            "ｶﾞｷﾞ e\u{301}e\u{301} 👩‍👩‍👧👩‍👩‍👧 🇯🇵🇯🇵 \u{1}\u{7F} end"
        ]
        for line in lines {
            let characters = Array(line)
            let editor = TextEditor(line)
            for width in 2...40 {
                let rows = editor.rows(ofLine: 0, width: width)
                #expect(rows.first?.lowerBound == 0)
                #expect(rows.last?.upperBound == characters.count)
                for i in 1..<rows.count {
                    #expect(rows[i - 1].upperBound == rows[i].lowerBound)
                }
                for (i, row) in rows.enumerated() where i < rows.count - 1 {
                    #expect(!row.isEmpty, "width \(width)")
                    // Drawn width (hanging spaces aside) fits.
                    var drawn = Array(characters[row])
                    while drawn.last == " " { drawn.removeLast() }
                    let w = drawn.contains("\t") ? 0 : DisplayWidth.of(String(drawn))
                    #expect(w <= width, "width \(width) row \(i)")
                }
            }
        }
    }

    @Test("visible rows expand tabs and replace control characters")
    func drawnText() {
        var e = TextEditor("a\tb\u{1}\n\t\tx")
        e.scrollToCursor(width: 20, height: 5)
        let (rows, cursor) = e.visibleRows(width: 20, height: 5)
        #expect(
            rows == [
                VisibleRow(text: "a       b\u{FFFD}", line: 0, isContinuation: false),
                VisibleRow(text: "                x", line: 1, isContinuation: false)
            ])
        #expect(cursor?.row == 0)
        #expect(cursor?.column == 0)
    }

    @Test("a wrapped line is drawn as continuation rows, hanging spaces clipped")
    func continuationRows() {
        let e = TextEditor("hello world\nあいうえお")
        let (rows, _) = e.visibleRows(width: 5, height: 10)
        #expect(
            rows == [
                VisibleRow(text: "hello", line: 0, isContinuation: false),
                VisibleRow(text: "world", line: 0, isContinuation: true),
                VisibleRow(text: "", line: 0, isContinuation: true),
                VisibleRow(text: "あい", line: 1, isContinuation: false),
                VisibleRow(text: "うえ", line: 1, isContinuation: true),
                VisibleRow(text: "お", line: 1, isContinuation: true)
            ])
    }
}

// MARK: - Vertical movement and scrolling

@Suite struct TextEditorScrollingTests {
    @Test("a line exactly filling the width has an empty row that up and down visit")
    func fullLineRow() {
        var e = TextEditor("abcdefgh\nxyz", cursor: TextPosition(line: 0, column: 3))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 0, column: 8))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 1, column: 3))
        e.moveUp(width: 8)
        e.moveUp(width: 8)
        #expect(e.cursor == TextPosition(line: 0, column: 3))
        e.moveEnd()
        e.scrollToCursor(width: 8, height: 5)
        #expect(e.visibleRows(width: 8, height: 5).cursor! == (1, 0))
    }

    @Test("up and down keep a sticky goal column across short lines")
    func stickyGoal() {
        var e = TextEditor("abcdefghij\nxy\nabcdefghij", cursor: TextPosition(line: 0, column: 8))
        e.moveDown(width: 40)
        #expect(e.cursor == TextPosition(line: 1, column: 2))
        e.moveDown(width: 40)
        #expect(e.cursor == TextPosition(line: 2, column: 8))
        e.moveUp(width: 40)
        e.moveUp(width: 40)
        #expect(e.cursor == TextPosition(line: 0, column: 8))
        // Any other movement forgets the goal.
        e.moveDown(width: 40)
        e.moveLeft()
        e.moveDown(width: 40)
        #expect(e.cursor == TextPosition(line: 2, column: 1))
    }

    @Test("up and down move by wrapped row and land on wide characters by display column")
    func wrappedRows() {
        // Line 0: 10 kana = 20 columns; at width 8 its rows are [0..<4, 4..<8, 8..<10].
        var e = TextEditor("あいうえおかきくけこ\nabcdefghijk", cursor: TextPosition(line: 0, column: 1))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 0, column: 5))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 0, column: 9))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 1, column: 2))
        e.moveUp(width: 8)
        #expect(e.cursor == TextPosition(line: 0, column: 9))
        // Display column 3 falls in the right half of a kana: the cursor goes before it, and the
        // goal (3, not 2) survives the trip.
        var f = TextEditor("abcdefghij\nあいうえお\nabcdefghij", cursor: TextPosition(line: 0, column: 3))
        f.moveDown(width: 40)
        #expect(f.cursor == TextPosition(line: 1, column: 1))
        f.moveDown(width: 40)
        #expect(f.cursor == TextPosition(line: 2, column: 3))
    }

    @Test("down from a goal beyond a short wrapped row stays on that row")
    func shortRow() {
        // "hello world foo" at width 8: rows "hello ", "world ", "foo".
        var e = TextEditor("abcdefg\nhello world foo", cursor: TextPosition(line: 0, column: 7))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 1, column: 5)) // the space ending row 0
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 1, column: 11))
        e.moveDown(width: 8)
        #expect(e.cursor == TextPosition(line: 1, column: 15)) // end of the last row
    }

    @Test("up on the first row goes to the start; down on the last row to the end")
    func ends() {
        var e = TextEditor("abc\ndef", cursor: TextPosition(line: 0, column: 2))
        e.moveUp(width: 10)
        #expect(e.cursor == TextPosition(line: 0, column: 0))
        e.moveDown(width: 10)
        e.moveDown(width: 10)
        #expect(e.cursor == TextPosition(line: 1, column: 3))
    }

    /// 200 short lines, then a 30-kana line (60 columns: three rows at width 20 plus the empty row).
    private func longDocument() -> TextEditor {
        var text = (0..<200).map { "line \($0)" }.joined(separator: "\n")
        text += "\n" + String(repeating: "あいうえおかきくけこ", count: 3)
        return TextEditor(text)
    }

    @Test("at the end of a long document the cursor is on a continuation row")
    func endOfDocument() {
        var e = longDocument()
        for _ in 0..<500 { e.moveDown(width: 20) }
        #expect(e.cursor == TextPosition(line: 200, column: 30))
        e.scrollToCursor(width: 20, height: 10)
        let (rows, cursor) = e.visibleRows(width: 20, height: 10)
        #expect(rows.count == 10)
        #expect(rows.last == VisibleRow(text: "", line: 200, isContinuation: true))
        #expect(rows[6] == VisibleRow(text: "あいうえおかきくけこ", line: 200, isContinuation: false))
        #expect(rows[5] == VisibleRow(text: "line 199", line: 199, isContinuation: false))
        #expect(cursor?.row == 9)
        #expect(cursor?.column == 0)
        #expect(e.scroll == ScrollPosition(line: 194, row: 0))
        // One step back: the cursor is at the end of a continuation row, no scrolling.
        e.moveLeft()
        e.scrollToCursor(width: 20, height: 10)
        let again = e.visibleRows(width: 20, height: 10)
        #expect(e.scroll == ScrollPosition(line: 194, row: 0))
        #expect(e.cursor == TextPosition(line: 200, column: 29))
        #expect(again.cursor?.row == 8)
        #expect(again.cursor?.column == 18)
        #expect(again.rows[8] == VisibleRow(text: "あいうえおかきくけこ", line: 200, isContinuation: true))
        // And one row up, same display column.
        e.moveUp(width: 20)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 200, column: 19))
        #expect(e.visibleRows(width: 20, height: 10).cursor! == (7, 18))
    }

    @Test("scrolling is minimal in both directions")
    func minimalScrolling() {
        var e = longDocument()
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.scroll == ScrollPosition(line: 0, row: 0))
        for _ in 0..<9 { e.moveDown(width: 20) }
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.scroll == ScrollPosition(line: 0, row: 0))
        e.moveDown(width: 20)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.scroll == ScrollPosition(line: 1, row: 0))
        #expect(e.visibleRows(width: 20, height: 10).cursor?.row == 9)
        for _ in 0..<9 { e.moveUp(width: 20) }
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.scroll == ScrollPosition(line: 1, row: 0))
        e.moveUp(width: 20)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.scroll == ScrollPosition(line: 0, row: 0))
        #expect(e.visibleRows(width: 20, height: 10).cursor?.row == 0)
    }

    @Test("the scroll anchor can sit on a continuation row")
    func anchorOnContinuation() {
        var e = longDocument()
        for _ in 0..<500 { e.moveDown(width: 20) }
        e.scrollToCursor(width: 20, height: 2)
        #expect(e.scroll == ScrollPosition(line: 200, row: 2))
        let (rows, cursor) = e.visibleRows(width: 20, height: 2)
        #expect(
            rows == [
                VisibleRow(text: "あいうえおかきくけこ", line: 200, isContinuation: true),
                VisibleRow(text: "", line: 200, isContinuation: true)
            ])
        #expect(cursor?.row == 1)
    }

    @Test("a cursor outside the window is not reported")
    func cursorOutside() {
        var e = longDocument()
        e.scrollToCursor(width: 20, height: 10)
        for _ in 0..<50 { e.moveDown(width: 20) }
        #expect(e.visibleRows(width: 20, height: 10).cursor == nil)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.visibleRows(width: 20, height: 10).cursor?.row == 9)
    }

    @Test("edits above the window keep the same text on screen")
    func anchorFollowsEdits() {
        var e = longDocument()
        for _ in 0..<100 { e.moveDown(width: 20) }
        e.scrollToCursor(width: 20, height: 10)
        let before = e.visibleRows(width: 20, height: 10).rows.map(\.text)
        #expect(e.scroll == ScrollPosition(line: 91, row: 0))
        // Splitting and joining lines at the cursor (on screen) must not shift the top row.
        e.insertNewline()
        e.deleteBackward()
        #expect(e.visibleRows(width: 20, height: 10).rows.map(\.text) == before)
        e.moveHome()
        e.insert("x\ny")
        #expect(e.scroll == ScrollPosition(line: 91, row: 0))
        e.deleteBackward()
        e.deleteBackward()
        e.deleteBackward()
        #expect(e.visibleRows(width: 20, height: 10).rows.map(\.text) == before)
    }

    @Test("splitting and joining lines above the window keeps the window on the same text")
    func editsAboveWindow() {
        var e = longDocument()
        for _ in 0..<100 { e.moveDown(width: 20) }
        e.scrollToCursor(width: 20, height: 10)
        let before = e.visibleRows(width: 20, height: 10).rows.map(\.text)
        #expect(before.first == "line 91")
        // The cursor goes far above the window without scrolling, then edits there.
        for _ in 0..<50 { e.moveUp(width: 20) }
        e.moveEnd()
        e.insert("\nnew\nlines")
        #expect(e.scroll == ScrollPosition(line: 93, row: 0))
        #expect(e.visibleRows(width: 20, height: 10).rows.map(\.text) == before)
        for _ in 0..<12 { e.deleteBackward() }
        #expect(e.scroll == ScrollPosition(line: 91, row: 0))
        #expect(e.visibleRows(width: 20, height: 10).rows.map(\.text) == before)
        e.deleteForward()
        #expect(e.scroll == ScrollPosition(line: 90, row: 0))
        #expect(e.visibleRows(width: 20, height: 10).rows.map(\.text) == before)
        // Joining the window's first line onto the one before keeps the joined text at the top.
        var f = longDocument()
        for _ in 0..<100 { f.moveDown(width: 20) }
        f.scrollToCursor(width: 20, height: 10)
        for _ in 0..<9 { f.moveUp(width: 20) }
        #expect(f.cursor.line == 91)
        f.moveHome()
        f.deleteBackward()
        f.scrollToCursor(width: 20, height: 10)
        let joined = f.visibleRows(width: 20, height: 10)
        #expect(joined.rows.first == VisibleRow(text: "line 90line 91", line: 90, isContinuation: false))
        #expect(joined.cursor! == (0, 7))
    }

    @Test("joining the window's first line onto a wrapped line keeps the join at the top")
    func joinOntoWrappedLine() {
        var lines = (0..<60).map { "line \($0)" }
        lines[30] = "あいうえおかきくけこさしすせそ" // two rows at width 20
        var e = TextEditor(lines.joined(separator: "\n"), cursor: TextPosition(line: 50, column: 0))
        e.scrollToCursor(width: 20, height: 10)
        while e.cursor.line > 31 {
            e.moveUp(width: 20)
            e.scrollToCursor(width: 20, height: 10)
        }
        #expect(e.scroll == ScrollPosition(line: 31, row: 0))
        e.deleteBackward()
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 30, column: 15))
        #expect(e.scroll == ScrollPosition(line: 30, row: 1))
        let (rows, cursor) = e.visibleRows(width: 20, height: 10)
        #expect(rows.first == VisibleRow(text: "さしすせそline 31", line: 30, isContinuation: true))
        #expect(cursor! == (0, 10))
    }

    @Test("page down and page up move a window and scroll with the cursor")
    func paging() {
        var e = longDocument()
        e.scrollToCursor(width: 20, height: 10)
        e.pageDown(width: 20, height: 10)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 9, column: 0))
        #expect(e.scroll == ScrollPosition(line: 9, row: 0))
        e.moveRight()
        e.moveRight()
        e.moveRight()
        e.pageDown(width: 20, height: 10)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 18, column: 3))
        #expect(e.scroll == ScrollPosition(line: 18, row: 0))
        e.pageUp(width: 20, height: 10)
        e.pageUp(width: 20, height: 10)
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 0, column: 3))
        #expect(e.scroll == ScrollPosition(line: 0, row: 0))
        e.pageUp(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 0, column: 0))
        // Near the end the window stops with the last row at the bottom.
        for _ in 0..<30 { e.pageDown(width: 20, height: 10) }
        e.scrollToCursor(width: 20, height: 10)
        #expect(e.cursor == TextPosition(line: 200, column: 30))
        #expect(e.scroll == ScrollPosition(line: 194, row: 0))
    }

    @Test("a narrower window after a resize keeps the anchor valid")
    func resize() {
        var e = longDocument()
        for _ in 0..<500 { e.moveDown(width: 20) }
        e.scrollToCursor(width: 20, height: 2)
        #expect(e.scroll == ScrollPosition(line: 200, row: 2))
        e.scrollToCursor(width: 80, height: 2)
        #expect(e.scroll == ScrollPosition(line: 200, row: 0))
        let (rows, cursor) = e.visibleRows(width: 80, height: 2)
        #expect(rows.count == 1)
        #expect(cursor?.row == 0)
        #expect(cursor?.column == 60)
    }
}

// MARK: - Large documents

/// A reference for the logical content: the edit is applied at the editor's cursor.
private struct ModelBody {
    var lines: [[Character]]

    mutating func insert(_ character: Character, at p: TextPosition) {
        lines[p.line].insert(character, at: p.column)
    }
    mutating func newline(at p: TextPosition) {
        let tail = Array(lines[p.line][p.column...])
        lines[p.line].removeSubrange(p.column...)
        lines.insert(tail, at: p.line + 1)
    }
    mutating func deleteBackward(at p: TextPosition) {
        if p.column > 0 {
            lines[p.line].remove(at: p.column - 1)
        } else if p.line > 0 {
            let line = lines.remove(at: p.line)
            lines[p.line - 1].append(contentsOf: line)
        }
    }
    mutating func deleteForward(at p: TextPosition) {
        if p.column < lines[p.line].count {
            lines[p.line].remove(at: p.column)
        } else if p.line < lines.count - 1 {
            let line = lines.remove(at: p.line + 1)
            lines[p.line].append(contentsOf: line)
        }
    }
    var text: String { lines.map { String($0) }.joined(separator: "\n") }
}

private struct LCG {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

private func largeBody(lines count: Int) -> String {
    let samples = [
        "お世話になっております。株式会社サンプルの山田です。",
        "Please find attached the quotation for fiscal year 2026.",
        "",
        "\t・納期：2026年4月1日（水）",
        "見積書_2026年度.pdf を添付いたします。ご確認のほどよろしくお願いいたします。何卒よろしくお願い申し上げます。",
        "> quoted text from the previous message, which is long enough to wrap at eighty columns at least once",
        "ｶﾞｷﾞｸﾞ e\u{301} 👩‍👩‍👧 🇯🇵"
    ]
    return (0..<count).map { "\($0): " + samples[$0 % samples.count] }.joined(separator: "\n")
}

@Suite struct TextEditorLargeDocumentTests {
    @Test("5,000 lines: 1,000 mixed edits in the middle with redraws stay consistent")
    func largeDocument() {
        let body = largeBody(lines: 5_000)
        var editor = TextEditor(body, cursor: TextPosition(line: 2_500, column: 3))
        var model = ModelBody(lines: editor.lines.map { Array($0) })
        #expect(editor.lines.count == 5_000)
        var random = LCG(state: 42)
        let typed: [Character] = ["a", "b", " ", "日", "本", "語", "ア", "。", "x"]
        let (width, height) = (80, 24)
        editor.scrollToCursor(width: width, height: height)
        for step in 0..<1_000 {
            let p = editor.cursor
            switch random.next(12) {
            case 0, 1, 2, 3:
                let c = typed[random.next(typed.count)]
                model.insert(c, at: p)
                editor.insert(String(c))
            case 4:
                model.newline(at: p)
                editor.insertNewline()
            case 5:
                model.deleteBackward(at: p)
                editor.deleteBackward()
            case 6:
                model.deleteForward(at: p)
                editor.deleteForward()
            case 7: editor.moveUp(width: width)
            case 8: editor.moveDown(width: width)
            case 9: editor.moveLeft()
            case 10: editor.moveRight()
            default:
                if random.next(2) == 0 { editor.pageDown(width: width, height: height) } else { editor.pageUp(width: width, height: height) }
            }
            editor.scrollToCursor(width: width, height: height)
            let (rows, cursor) = editor.visibleRows(width: width, height: height)
            #expect(cursor != nil, "step \(step): cursor off screen")
            #expect(rows.count == height, "step \(step)")
            if let cursor {
                #expect(rows[cursor.row].line == editor.cursor.line, "step \(step)")
                #expect((0..<width).contains(cursor.column), "step \(step)")
            }
            for row in rows where DisplayWidth.of(row.text) > width {
                Issue.record("step \(step): row too wide: \(row.text)")
            }
            if step % 100 == 0 {
                #expect(editor.lines.map { Array($0) } == model.lines, "step \(step)")
            }
        }
        #expect(editor.text == model.text)
        #expect(editor.cursor.line > 2_000 && editor.cursor.line < 3_000)
    }

    @Test("visible rows near the middle match wrapping each line from the anchor")
    func visibleMatchesRows() {
        var editor = TextEditor(largeBody(lines: 5_000), cursor: TextPosition(line: 2_500, column: 0))
        editor.scrollToCursor(width: 60, height: 30)
        let (rows, _) = editor.visibleRows(width: 60, height: 30)
        var expected: [(Int, Range<Int>)] = []
        var line = editor.scroll.line
        var first = editor.scroll.row
        while expected.count < 30 {
            for range in editor.rows(ofLine: line, width: 60)[first...] where expected.count < 30 {
                expected.append((line, range))
            }
            line += 1
            first = 0
        }
        #expect(rows.map(\.line) == expected.map(\.0))
        for (row, (line, range)) in zip(rows, expected) {
            let characters = Array(editor.lines[line])[range]
            #expect(row.text.withoutBlanks() == String(characters).withoutBlanks())
        }
    }
}

private extension String {
    /// Tabs and spaces removed, controls as drawn, so a drawn row can be compared with its source.
    func withoutBlanks() -> String {
        String(filter { $0 != "\t" && $0 != " " }.map { DisplayWidth.isControl($0) ? "\u{FFFD}" : $0 })
    }
}

@Suite("Japanese line breaking (kinsoku)")
struct KinsokuTests {
    func rowTexts(_ text: String, width: Int) -> [String] {
        let editor = TextEditor(text)
        let characters = Array(editor.lines[0])
        // A line that exactly fills its last row gets an empty row for the cursor: leave it out.
        return editor.rows(ofLine: 0, width: width).map { String(characters[$0]) }.filter { !$0.isEmpty }
    }

    @Test(
        "no row starts with closing punctuation or a small kana; no row ends with an opening bracket",
        arguments: [
            ("あいうえお、かきくけこ", 10, ["あいうえ", "お、かきく", "けこ"]),
            ("あいうえ「かきくけこ」", 10, ["あいうえ", "「かきくけ", "こ」"]),
            ("あいうえおっと", 10, ["あいうえ", "おっと"]),
            ("あいうえおかきくけこ", 10, ["あいうえお", "かきくけこ"])
        ])
    func rules(text: String, width: Int, expected: [String]) {
        let rows = rowTexts(text, width: width)
        #expect(rows == expected)
        for row in rows.dropFirst() { #expect(!WrappedLine.noLineStart.contains(row.first!)) }
        for row in rows.dropLast() { #expect(!WrappedLine.noLineEnd.contains(row.last!)) }
    }

    @Test("a row made only of prohibited characters is still broken somewhere (no endless loop)")
    func degenerate() {
        let rows = rowTexts(String(repeating: "、", count: 30), width: 10)
        #expect(rows.joined() == String(repeating: "、", count: 30))
        #expect(rows.allSatisfy { !$0.isEmpty })
    }
}
