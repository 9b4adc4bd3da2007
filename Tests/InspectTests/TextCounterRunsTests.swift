import Testing

@testable import Inspect

/// The line and record counter takes runs of ordinary bytes at once; it must count exactly what
/// looking at every byte counts, for any text and wherever the file's chunks are cut.
@Suite("Text counter: runs of ordinary bytes")
struct TextCounterRunsTests {
    /// Pieces the texts are made of: the bytes that matter, and others (ASCII, UTF-8 and
    /// Shift_JIS kana, whose trail bytes are ordinary).
    static let pieces: [[UInt8]] = [
        Array("a".utf8), Array("株式会社".utf8), [0x83, 0x41, 0x83, 0x43], Array(",".utf8), Array("\t".utf8), Array(";".utf8),
        Array("\"".utf8), Array("\"\"".utf8), Array("\r".utf8), Array("\n".utf8), Array("\r\n".utf8), Array(" ".utf8)
    ]

    struct Counts: Equatable {
        var lines, rows, columns: Int
    }

    static func count(_ bytes: [UInt8], encoding: TextEncoding, delimiter: UInt32?, chunk: Int, runs: Bool) -> Counts {
        var counter = TextCounter(encoding: encoding, delimiter: delimiter)
        counter.runs = runs
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            bytes[start..<end].withUnsafeBytes { counter.consume($0) }
            start = end
        }
        counter.finish()
        return Counts(lines: counter.lineCount, rows: counter.rows, columns: counter.columns)
    }

    @Test("the same counts as byte by byte: random texts, three delimiters and none, every chunk size from 1 to 9 and large")
    func sameCounts() {
        var generator = SplitMix(state: 0x6775_6172_646d_6169) // fixed: a failure can be run again
        for round in 0..<400 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0...60, using: &generator) { text += Self.pieces.randomElement(using: &generator)! }
            for encoding in [TextEncoding.utf8, .shiftJIS, .utf8BOM] {
                let bytes = (encoding == .utf8BOM ? [0xEF, 0xBB, 0xBF] : []) + text
                for delimiter: UInt32? in [nil, 44, 9, 59] {
                    let reference = Self.count(bytes, encoding: encoding, delimiter: delimiter, chunk: 1 << 20, runs: false)
                    for chunk in Array(1...9) + [1 << 20] {
                        let counted = Self.count(bytes, encoding: encoding, delimiter: delimiter, chunk: chunk, runs: true)
                        #expect(counted == reference, "round \(round), \(encoding), delimiter \(String(describing: delimiter)), chunk \(chunk): \(bytes)")
                        if counted != reference { return }
                    }
                }
            }
        }
    }

    @Test("a customer list: rows, columns and lines as written")
    func customerList() {
        let text = Array("会社名,担当者,メール\r\n\"株式会社A, 東京\",田中 様,a@example.jp\r\n\"改行\nのある\"\"欄\"\"\",佐藤 様,b@example.jp\r\n".utf8)
        let counts = Self.count(text, encoding: .utf8, delimiter: 44, chunk: 7, runs: true)
        #expect(counts == Counts(lines: 4, rows: 3, columns: 3))
    }
}

/// SplitMix64: a fixed sequence, so a failing round is the same on every run.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Which attachments have their text read")
struct TextExtractedDocumentTests {
    @Test("PDF and the Office formats the inspector reads, in any case; not text, images or legacy Office")
    func names() {
        for name in ["見積書.pdf", "/home/taro/a.PDF", "a.docx", "a.docm", "a.dotx", "b.xlsx", "b.XLSM", "b.xltx", "c.pptx", "c.potx"] {
            #expect(isTextExtractedDocument(named: name), "\(name)")
        }
        for name in ["a.csv", "a.txt", "a.doc", "a.xls", "a.png", "pdf", "/tmp/x.pdf/readme", "a.zip"] {
            #expect(!isTextExtractedDocument(named: name), "\(name)")
        }
    }
}
