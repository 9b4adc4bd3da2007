// Text.swift — lines of a body, the sender's own text, and character folding shared by rules.

/// A body or attachment text split into lines, numbered from 1.
struct TextLines {
    let lines: [Substring]

    /// Splits on LF, CRLF and CR.
    init(_ text: String) {
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    /// Lines the sender wrote: not quoted (`>` or `＞` first, after spaces), not in the signature
    /// (after a line that is exactly "-- "), not below a forwarded/original-message separator.
    /// Each with its 1-based number.
    var ownLines: [(number: Int, text: Substring)] {
        var out: [(number: Int, text: Substring)] = []
        for (i, line) in lines.enumerated() {
            if line == "-- " || Self.isOriginalMessageSeparator(line) { break }
            if Self.isQuoted(line) { continue }
            out.append((i + 1, line))
        }
        return out
    }

    static func isQuoted(_ line: Substring) -> Bool {
        let first = line.first { $0 != " " && $0 != "\t" && $0 != "\u{3000}" }
        return first == ">" || first == "＞"
    }

    /// "-----Original Message-----", "---------- Forwarded message ---------", "-----元のメッセージ-----"…
    static func isOriginalMessageSeparator(_ line: Substring) -> Bool {
        let t = PolicyText.trimmed(String(line))
        guard t.hasPrefix("-----") || t.hasPrefix("－－－－－") else { return false }
        let lower = t.lowercased()
        return ["original message", "forwarded message", "元のメッセージ", "転送されたメッセージ", "転送メッセージ"]
            .contains { lower.contains($0) }
    }
}

enum CharacterFolding {
    /// Full-width ASCII (U+FF01–U+FF5E) to ASCII; other characters unchanged.
    static func halfWidth(_ c: Character) -> Character {
        guard c.unicodeScalars.count == 1, let s = c.unicodeScalars.first,
            (0xFF01...0xFF5E).contains(s.value), let ascii = Unicode.Scalar(s.value - 0xFEE0)
        else { return c }
        return Character(ascii)
    }

    /// ASCII digit value, also for full-width digits (０–９).
    static func digit(_ c: Character) -> Int? {
        guard c.unicodeScalars.count == 1, let s = c.unicodeScalars.first else { return nil }
        switch s.value {
        case 0x30...0x39: return Int(s.value - 0x30)
        case 0xFF10...0xFF19: return Int(s.value - 0xFF10)
        default: return nil
        }
    }

    /// Any kind of space: ASCII, U+3000, other Unicode spaces.
    static func isSpace(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\u{3000}" || c == "\u{00A0}" || (c.isWhitespace && !c.isNewline)
    }
}
