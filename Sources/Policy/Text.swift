// Text.swift — lines of a body, the sender's own text, and character folding shared by rules.

import Synchronization

/// A body or attachment text split into lines, numbered from 1.
struct TextLines {
    let lines: [Substring]

    /// Splits on LF, CRLF and CR. Found on the UTF-8 bytes: LF and CR are always characters of
    /// their own (CR LF one character), so these are the places splitting on the characters
    /// "\n", "\r\n" and "\r" finds (PreparedMatchingTests compares the two).
    init(_ text: String) {
        var lines: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var i = start
        while i != utf8.endIndex {
            let b = utf8[i]
            guard b == 0x0A || b == 0x0D else {
                i = utf8.index(after: i)
                continue
            }
            lines.append(text[start..<i])
            var next = utf8.index(after: i)
            if b == 0x0D, next != utf8.endIndex, utf8[next] == 0x0A { next = utf8.index(after: next) }
            start = next
            i = next
        }
        lines.append(text[start..<utf8.endIndex])
        self.lines = lines
    }

    /// Lines the sender wrote: not quoted (`>` or `＞` first, after spaces), not in the signature
    /// (after a line that is exactly "-- "), not below a forwarded/original-message separator.
    /// Each with its 1-based number.
    var ownLines: [(number: Int, text: Substring)] {
        var out: [(number: Int, text: Substring)] = []
        for (i, line) in lines.enumerated() {
            if line.utf8.elementsEqual(Self.signatureSeparator) || Self.isOriginalMessageSeparator(line) { break }
            if Self.isQuoted(line) { continue }
            out.append((i + 1, line))
        }
        return out
    }

    /// "-- " (its characters have no other spelling: the bytes are equal exactly when the text is).
    private static let signatureSeparator = Array("-- ".utf8)

    static func isQuoted(_ line: Substring) -> Bool {
        // A line whose first scalar is none of ' ', tab, U+3000, '>' and '＞' starts with a
        // character that is none of them (no other character is equal to one of them): it is
        // not quoted.
        if let first = line.unicodeScalars.first, ![0x20, 0x09, 0x3000, 0x3E, 0xFF1E].contains(first.value) { return false }
        let first = line.first { $0 != " " && $0 != "\t" && $0 != "\u{3000}" }
        return first == ">" || first == "＞"
    }

    /// True when the line's bytes hold five '-' or five '－' in a row.
    static func holdsDashes(_ line: Substring) -> Bool {
        line.utf8.withContiguousStorageIfAvailable(holdsDashes) ?? Array(line.utf8).withUnsafeBufferPointer(holdsDashes)
    }

    /// The same on a line's UTF-8 bytes.
    static func holdsDashes(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var dashes = 0
        var wide = 0
        var i = 0
        while i < p.count {
            if p[i] == 0x2D {
                dashes += 1
                wide = 0
                if dashes == 5 { return true }
                i += 1
            } else if p[i] == 0xEF && i + 2 < p.count && p[i + 1] == 0xBC && p[i + 2] == 0x8D {
                wide += 1
                dashes = 0
                if wide == 5 { return true }
                i += 3
            } else {
                dashes = 0
                wide = 0
                i += 1
            }
        }
        return false
    }

    /// "-----Original Message-----", "---------- Forwarded message ---------", "-----元のメッセージ-----"…
    static func isOriginalMessageSeparator(_ line: Substring) -> Bool {
        // The trimmed line can start with five '-' or five '－' only if the line holds their bytes.
        guard holdsDashes(line) else { return false }
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

/// Text whose every character is one "simple" scalar, searched as UTF-8 bytes with the answers
/// of the character-by-character search. A simple scalar is a tab, printable ASCII, CJK symbols
/// and punctuation (U+3000–U+3029, U+3030–U+303F), kana (U+3041–U+3096, U+309B–U+30FF), CJK
/// ideographs (U+3400–U+4DBF, U+4E00–U+9FFF) or full- and half-width forms (U+FF01–U+FF9D): none
/// is a combining mark or joins a neighbour into one grapheme, each is its own NFC form (so two
/// such characters are equal exactly when their bytes are), and none but the ASCII and
/// full-width letters changes when lowercased. Text with any other scalar is left to the
/// character search.
enum SimpleText {
    static func isSimple(_ s: Unicode.Scalar) -> Bool { isSimple(s.value) }

    static func isSimple(_ v: UInt32) -> Bool {
        switch v {
        case 0x09, 0x20...0x7E, 0x3000...0x3029, 0x3030...0x303F, 0x3041...0x3096, 0x309B...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xFF01...0xFF9D:
            return true
        default:
            return false
        }
    }

    static func isSimple(_ characters: [Character]) -> Bool {
        characters.allSatisfy { $0.unicodeScalars.count == 1 && isSimple($0.unicodeScalars.first!) }
    }

    /// `String(line.map(CharacterFolding.halfWidth)).lowercased()` as UTF-8, when every scalar
    /// of the line is simple; else nil.
    static func foldedBytes(_ line: Substring) -> [UInt8]? {
        fold(line, ideographicSpace: false, halfWidthKana: true)
    }

    /// Simple text folded on its UTF-8 bytes: full-width ASCII to ASCII, ASCII to lower case,
    /// U+3000 to a space when `ideographicSpace`; nil when a scalar is not simple, or is
    /// half-width katakana and `halfWidthKana` is false. Every simple scalar but ASCII is
    /// three bytes long.
    static func fold(_ text: some StringProtocol, ideographicSpace: Bool, halfWidthKana: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        return fold(text, ideographicSpace: ideographicSpace, halfWidthKana: halfWidthKana, into: &out) ? out : nil
    }

    /// The same, appended to `out`; false (and `out` as it was) when the text is not simple.
    static func fold(_ text: some StringProtocol, ideographicSpace: Bool, halfWidthKana: Bool, into out: inout [UInt8]) -> Bool {
        let before = out.count
        func run(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b < 0x80 {
                    guard b == 0x09 || (b >= 0x20 && b < 0x7F) else { return false }
                    out.append(b >= 0x41 && b <= 0x5A ? b + 0x20 : b)
                    i += 1
                    continue
                }
                guard b >= 0xE0 && b < 0xF0, i + 2 < n else { return false }
                let v = UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                guard isSimple(v), halfWidthKana || v < 0xFF61 else { return false }
                if v == 0x3000 && ideographicSpace {
                    out.append(0x20)
                } else if v >= 0xFF01 && v <= 0xFF5E {
                    let a = UInt8(v - 0xFEE0)
                    out.append(a >= 0x41 && a <= 0x5A ? a + 0x20 : a)
                } else {
                    out.append(b)
                    out.append(bytes[i + 1])
                    out.append(bytes[i + 2])
                }
                i += 3
            }
            return true
        }
        let done = text.utf8.withContiguousStorageIfAvailable(run) ?? Array(text.utf8).withUnsafeBufferPointer(run)
        if !done { out.removeSubrange(before...) }
        return done
    }
}

/// A body's own lines (`TextLines.ownLines`), split once and folded once for every rule of one
/// evaluation that reads them: the rule tables and `forgotten-attachment` (a 1 MiB body was split
/// and folded once for each). Worked out on first use.
final class BodyText: Sendable {
    struct Folded: Sendable {
        /// The own lines as written, with their 1-based numbers.
        let lines: [(number: Int, text: Substring)]
        /// The own lines folded as the rule tables fold them (`TextFolding.fold`: full-width ASCII
        /// to ASCII, lower case, U+3000 to a space, half-width katakana to full width), each
        /// followed by LF, as UTF-8.
        let bytes: [UInt8]
        /// Where each own line starts in `bytes`, with its number.
        let starts: [(offset: Int, number: Int)]
        /// Own line `i` was folded on its bytes (`SimpleText.fold` with `ideographicSpace: true,
        /// halfWidthKana: false`: every scalar simple, none half-width katakana); false for the
        /// lines `TextFolding.foldScalars` folded.
        let simple: [Bool]
    }

    let text: String
    private let done = Mutex<Folded?>(nil)

    init(_ text: String) { self.text = text }

    var folded: Folded {
        done.withLock { done in
            if let done { return done }
            let made = Self.fold(text)
            done = made
            return made
        }
    }

    /// `TextLines(text).ownLines`, each folded (`SimpleText.fold` with `ideographicSpace: true,
    /// halfWidthKana: false`, else `TextFolding.foldScalars`) and followed by LF, in one pass over
    /// the UTF-8 bytes: lines are found, and the signature, quoted lines and separators decided,
    /// on the bytes (each with the same test as `TextLines`, which is asked whenever the bytes do
    /// not settle it), and a simple line is folded straight into the buffer. A 1 MiB body was
    /// split on `String.Index`es, folded a byte at a time through `Array.append` and scanned for
    /// dashes separately (`SharedBodyTests` compares this with that).
    static func fold(_ text: String) -> Folded {
        if let made = text.utf8.withContiguousStorageIfAvailable({ fold(text, $0) }) { return made }
        var copy = text
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable { fold(copy, $0) }!
    }

    private static func fold(_ text: String, _ p: UnsafeBufferPointer<UInt8>) -> Folded {
        let n = p.count
        let utf8 = text.utf8
        var lines: [(number: Int, text: Substring)] = []
        var bytes: [UInt8] = []
        bytes.reserveCapacity(n + 1)
        var starts: [(offset: Int, number: Int)] = []
        var simple: [Bool] = []
        var start = 0
        var number = 0
        while true {
            // The line [start, end) and where the next one starts.
            var end = start
            while end < n && p[end] != 0x0A && p[end] != 0x0D { end += 1 }
            var next = end + 1
            if end < n && p[end] == 0x0D && next < n && p[next] == 0x0A { next += 1 }
            number += 1
            let line = UnsafeBufferPointer(rebasing: p[start..<end])
            func substring() -> Substring { text[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)] }
            // "-- " (TextLines.signatureSeparator): its bytes are equal exactly when the text is.
            if line.count == 3 && line[0] == 0x2D && line[1] == 0x2D && line[2] == 0x20 { break }
            let first = line.first ?? 0
            // Only a line starting with ' ', tab, '>', U+3000 (E3 80 80) or '＞' (EF BC 9E) can be
            // quoted (`TextLines.isQuoted` looks at the first scalar first).
            let mayBeQuoted =
                first == 0x20 || first == 0x09 || first == 0x3E
                || (line.count >= 3
                    && ((first == 0xE3 && line[1] == 0x80 && line[2] == 0x80) || (first == 0xEF && line[1] == 0xBC && line[2] == 0x9E)))
            let quoted = mayBeQuoted && TextLines.isQuoted(substring())
            let before = bytes.count
            var foldedSimply = false
            var mayBeSeparator = true
            if !quoted {
                // Room for the line folded on its bytes (never longer than the line) and its LF.
                bytes.append(contentsOf: repeatElement(0, count: line.count + 1))
                let written = bytes.withUnsafeMutableBufferPointer { out in
                    foldSimple(line, into: UnsafeMutableBufferPointer(rebasing: out[before...]))
                }
                if let written {
                    bytes.removeLast(line.count + 1 - written.count)
                    foldedSimply = true
                    mayBeSeparator = written.dashOrWide
                } else {
                    bytes.removeLast(line.count + 1)
                }
            }
            if mayBeSeparator && TextLines.holdsDashes(line) && TextLines.isOriginalMessageSeparator(substring()) {
                bytes.removeSubrange(before...)
                break
            }
            if !quoted {
                let text = substring()
                starts.append((before, number))
                lines.append((number, text))
                if foldedSimply {
                    simple.append(true)
                } else {
                    bytes += TextFolding.foldScalars(text).utf8
                    bytes.append(0x0A)
                    simple.append(false)
                }
            }
            guard end < n else { break }
            start = next
        }
        return Folded(lines: lines, bytes: bytes, starts: starts, simple: simple)
    }

    /// `SimpleText.fold(line, ideographicSpace: true, halfWidthKana: false)` written to `out`
    /// (at least as long as the line), with a final LF: how many bytes, and whether the line
    /// holds a '-' or a byte 0xEF (else it cannot hold five '-' or '－' in a row); nil when a
    /// scalar is not simple or is half-width katakana.
    private static func foldSimple(
        _ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>
    ) -> (count: Int, dashOrWide: Bool)? {
        var i = 0
        var o = 0
        var dashOrWide = false
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                guard b == 0x09 || (b >= 0x20 && b < 0x7F) else { return nil }
                if b == 0x2D { dashOrWide = true }
                out[o] = b >= 0x41 && b <= 0x5A ? b + 0x20 : b
                o += 1
                i += 1
                continue
            }
            guard b >= 0xE0 && b < 0xF0, i + 2 < n else { return nil }
            if b == 0xEF { dashOrWide = true }
            let v = UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
            guard SimpleText.isSimple(v), v < 0xFF61 else { return nil }
            if v == 0x3000 {
                out[o] = 0x20
                o += 1
            } else if v >= 0xFF01 && v <= 0xFF5E {
                let a = UInt8(v - 0xFEE0)
                out[o] = a >= 0x41 && a <= 0x5A ? a + 0x20 : a
                o += 1
            } else {
                out[o] = b
                out[o + 1] = bytes[i + 1]
                out[o + 2] = bytes[i + 2]
                o += 3
            }
            i += 3
        }
        out[o] = 0x0A
        return (o + 1, dashOrWide)
    }
}
