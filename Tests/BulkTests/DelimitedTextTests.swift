import Testing
@testable import Bulk

@Suite struct DelimitedTextSpaceTests {
    @Test("white space in ASCII is answered as Unicode's White_Space property answers it, for every ASCII scalar")
    func asciiSpacesAgreeWithUnicode() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            #expect(DelimitedText.isSpace(scalar) == scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
        }
        #expect(DelimitedText.isSpace("\u{3000}"))
        #expect(DelimitedText.isSpace("\u{A0}"))
        #expect(DelimitedText.isSpace("\u{85}"))
        #expect(DelimitedText.isSpace("\u{FEFF}"))
        #expect(!DelimitedText.isSpace("a"))
    }

    @Test("trim removes white space at both ends only, and gives back a cell with none unchanged")
    func trim() {
        #expect(DelimitedText.trim("taro@example.jp") == "taro@example.jp")
        #expect(DelimitedText.trim("  taro@example.jp\t") == "taro@example.jp")
        #expect(DelimitedText.trim("\u{3000}山田 太郎\u{3000}") == "山田 太郎")
        #expect(DelimitedText.trim("\u{FEFF}email") == "email")
        #expect(DelimitedText.trim("a b") == "a b")
        #expect(DelimitedText.trim(" \r\n\u{A0}") == "")
        #expect(DelimitedText.trim("") == "")
        #expect(DelimitedText.trim("x") == "x")
    }
}

@Suite struct DelimitedTextFirstLineTests {
    @Test("the first non-blank line is the first non-blank of all the lines, whatever ends them")
    func sameAsSplittingEveryLine() {
        let samples = ["", "\n\n", "email,name\nb@x,B\n", "\r\n \t\r\nemail\r\nx", "\r\r\u{3000}\rmail\n", "  only  ", "a\rb", "\n\n\n  x"]
        for text in samples {
            let scalars = Array(text.unicodeScalars)
            let expected = DelimitedText.lines(scalars).first { !DelimitedText.trim($0.text).isEmpty }?.text
            #expect(DelimitedText.firstNonBlankLine(scalars) == expected, "\(text.debugDescription)")
        }
    }
}
