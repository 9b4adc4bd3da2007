import Testing
@testable import TUI

struct WidthCase: Sendable, CustomTestStringConvertible {
    let character: Character
    let width: Int
    let note: String
    var testDescription: String { "\(note) → \(width)" }
}

private func w(_ character: Character, _ width: Int, _ note: String) -> WidthCase {
    WidthCase(character: character, width: width, note: note)
}

@Suite struct DisplayWidthTests {
    @Test(
        "ASCII is one column",
        arguments: [
            w("a", 1, "a"), w("Z", 1, "Z"), w(" ", 1, "space"), w("~", 1, "tilde"), w("@", 1, "at sign")
        ])
    func ascii(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "kana, kanji and hangul are two columns",
        arguments: [
            w("あ", 2, "hiragana a"), w("ア", 2, "katakana a"), w("ー", 2, "prolonged sound mark"),
            w("ん", 2, "hiragana n"), w("漢", 2, "kanji"), w("髙", 2, "IBM extension kanji"),
            w("𠮷", 2, "CJK extension B"), w("、", 2, "ideographic comma"), w("「", 2, "corner bracket"),
            w("한", 2, "hangul syllable"), w("\u{1112}\u{1161}\u{11AB}", 2, "hangul jamo L V T"),
            w("\u{3000}", 2, "ideographic space")
        ])
    func wide(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "half-width katakana are one column, full-width forms two",
        arguments: [
            w("ｱ", 1, "half-width a"), w("ﾞ", 1, "half-width voiced mark"), w("ｰ", 1, "half-width prolonged"),
            w("＠", 2, "full-width at"), w("Ａ", 2, "full-width A"), w("１", 2, "full-width 1"),
            w("！", 2, "U+FF01"), w("｠", 2, "U+FF60"), w("￠", 2, "U+FFE0"), w("￦", 2, "U+FFE6"),
            w("￨", 1, "U+FFE8 half-width forms light vertical")
        ])
    func halfAndFullWidth(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "combining sequences take the width of their base",
        arguments: [
            w("か\u{3099}", 2, "decomposed ga"), w("ハ\u{309A}", 2, "decomposed pa"),
            w("e\u{0301}", 1, "decomposed e acute"), w("a\u{0300}\u{0323}", 1, "two marks"),
            w("\u{0301}", 0, "lone combining acute"), w("\u{3099}", 0, "lone combining voiced mark"),
            w("ｶ\u{FF9E}", 2, "half-width ka + half-width voiced mark: one cluster, two cells"),
            w("ﾊ\u{FF9F}", 2, "half-width ha + half-width semi-voiced mark")
        ])
    func combining(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "emoji and flags",
        arguments: [
            w("👍", 2, "thumbs up"), w("👍🏽", 2, "with skin tone"), w("👩‍👩‍👧", 2, "ZWJ family"),
            w("❤️", 2, "heart with VS16"), w("❤", 1, "heart without VS16"), w("🇯🇵", 2, "flag of Japan"),
            w("🏳️‍🌈", 2, "rainbow flag"), w("1️⃣", 2, "keycap with VS16"), w("⌚", 2, "watch (emoji presentation)"),
            w("☺", 1, "text-presentation smiley"), w("a\u{FE0F}", 1, "VS16 after a non-emoji")
        ])
    func emoji(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "zero-width characters",
        arguments: [
            w("\u{200D}", 0, "zero width joiner"), w("\u{200B}", 0, "zero width space"),
            w("\u{2060}", 0, "word joiner"), w("\u{FEFF}", 0, "BOM / ZWNBSP"), w("\u{FE0F}", 0, "lone VS16"),
            w("\u{FE0E}", 0, "lone VS15"), w("\u{200E}", 0, "LRM")
        ])
    func zeroWidth(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "control characters are one column (drawn as U+FFFD)",
        arguments: [
            w("\u{00}", 1, "NUL"), w("\u{01}", 1, "SOH"), w("\u{1B}", 1, "ESC"), w("\t", 1, "tab"),
            w("\u{7F}", 1, "DEL"), w("\u{85}", 1, "NEL"), w("\u{9F}", 1, "APC"), w("\r\n", 1, "CR LF")
        ])
    func controls(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
        #expect(DisplayWidth.isControl(c.character))
    }

    @Test(
        "East Asian Ambiguous characters count as one column",
        arguments: [
            w("○", 1, "white circle"), w("①", 1, "circled one"), w("α", 1, "alpha"), w("Ж", 1, "zhe"),
            w("§", 1, "section")
        ])
    func ambiguous(_ c: WidthCase) {
        #expect(DisplayWidth.of(c.character) == c.width)
    }

    @Test(
        "string width sums the clusters",
        arguments: [
            ("", 0), ("taro@example.jp", 15), ("taro＠example.jp", 16), ("山田 太郎", 9),
            ("【ご案内】お見積書の送付", 24), ("か\u{3099}ｶﾞ", 4), ("👩‍👩‍👧 ok", 5), ("a\u{200B}b", 2)
        ])
    func stringWidth(_ text: String, _ width: Int) {
        #expect(DisplayWidth.of(text) == width)
        #expect(DisplayWidth.of(text[...]) == width)
    }

    @Test("the wide table is sorted and non-overlapping")
    func tableSorted() {
        let ranges = DisplayWidth.wideRanges
        for i in 1..<ranges.count {
            #expect(ranges[i - 1].upperBound < ranges[i].lowerBound, "\(ranges[i - 1]) vs \(ranges[i])")
        }
    }

    @Test(
        "displayable replaces controls and keeps widths",
        arguments: [
            ("plain", "plain"), ("a\tb", "a b"), ("a\u{01}b", "a\u{FFFD}b"), ("x\r\ny", "x\u{FFFD}y"),
            ("\u{7F}\u{85}", "\u{FFFD}\u{FFFD}"), ("山田\u{1B}[31m", "山田\u{FFFD}[31m"), ("が", "が")
        ])
    func displayable(_ input: String, _ expected: String) {
        let shown = DisplayWidth.displayable(input)
        #expect(shown == expected)
        #expect(DisplayWidth.of(shown) == DisplayWidth.of(input))
    }
}

@Suite struct DisplayWidthPrefixTests {
    @Test(
        "prefix(fitting:) examples",
        arguments: [
            ("あいう", 5, "あい", 4), ("あいう", 6, "あいう", 6), ("あいう", 1, "", 0), ("aあ", 2, "a", 1),
            ("か\u{3099}き", 2, "か\u{3099}", 2), ("か\u{3099}き", 3, "か\u{3099}", 2),
            ("e\u{301}x", 1, "e\u{301}", 1), ("👩‍👩‍👧x", 1, "", 0), ("👩‍👩‍👧x", 3, "👩‍👩‍👧x", 3),
            ("🇯🇵🇯🇵", 3, "🇯🇵", 2), ("abc", 0, "", 0), ("abc", -1, "", 0), ("", 4, "", 0),
            ("ab\u{200D}", 2, "ab\u{200D}", 2)
        ])
    func examples(_ text: String, _ columns: Int, _ expected: String, _ width: Int) {
        let result = DisplayWidth.prefix(text, fitting: columns)
        #expect(String(result.text) == expected)
        #expect(result.width == width)
    }

    @Test("prefix(fitting:) never splits a cluster and is maximal at every budget")
    func exhaustive() {
        let text = "山田ｱ＠e\u{301}が👩‍👩‍👧🇯🇵x\u{3099}\u{200B}😀"
        let characters = Array(text)
        for columns in 0...(DisplayWidth.of(text) + 2) {
            let (prefix, width) = DisplayWidth.prefix(text, fitting: columns)
            let taken = Array(prefix)
            #expect(taken == Array(characters.prefix(taken.count)), "budget \(columns)")
            #expect(width == DisplayWidth.of(prefix))
            #expect(width <= columns)
            if taken.count < characters.count {
                #expect(width + DisplayWidth.of(characters[taken.count]) > columns, "budget \(columns) not maximal")
            }
        }
    }
}
