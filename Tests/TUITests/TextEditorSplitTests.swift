import Testing
@testable import TUI

/// The body is split into lines before the composer's first frame, in one pass over its UTF-8
/// bytes: the lines must be exactly what splitting the text at every LF gives.
@Suite struct TextEditorSplitTests {
    @Test(
        "lines are the text between LFs, empty ones kept, with multi-byte text and CR LF or CR normalised",
        arguments: [
            "", "\n", "\n\n", "a", "a\n", "\na", "a\n\nb", "いつも\nお世話に\n", "é\u{301}\n👍🏽x",
            "a\r\nb\rc\r\n\r\n", "\r", "tab\there\n\u{0}nul"
        ])
    func split(text: String) {
        // Scalar by scalar: CR LF, CR and LF each end a line.
        var expected = [""]
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = scalar == "\r"
            if scalar == "\r" || scalar == "\n" {
                expected.append("")
            } else {
                expected[expected.count - 1].unicodeScalars.append(scalar)
            }
        }
        let editor = TextEditor(text)
        #expect(editor.lines == expected)
        #expect(editor.text == expected.joined(separator: "\n"))
    }

    @Test("5,000 lines of Japanese and ASCII come back line by line")
    func longBody() {
        let lines = (0..<5000).map { "\($0) いつもお世話になっております。The quick brown fox." }
        #expect(TextEditor(lines.joined(separator: "\n") + "\n").lines == lines + [""])
    }
}
