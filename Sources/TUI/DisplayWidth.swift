// Display width of text in a terminal, decided per grapheme cluster (Swift `Character`).
//
// Pure Swift, independent of the locale (no wcwidth): Unicode scalar properties from the standard
// library plus an explicit table of East Asian Wide / Fullwidth ranges (Unicode 16).
// East Asian *Ambiguous* characters (○, ①, Greek, Cyrillic, …) count as one column.

/// Terminal columns a character occupies: 0, 1 or 2.
public enum DisplayWidth {
    /// Columns of one grapheme cluster.
    ///
    /// - 0: clusters made only of zero-width scalars (combining marks, ZWJ, ZWSP, variation
    ///   selectors, other format characters, Hangul medial/final jamo).
    /// - 2: the first non-zero-width scalar is East Asian Wide or Fullwidth, or has
    ///   Emoji_Presentation (this covers flags), or an emoji-capable base is followed by VS16.
    /// - half-width katakana with a half-width voiced mark (ｶﾞ, one cluster) is 2: the mark has a
    ///   cell of its own.
    /// - 1: everything else, including control characters (drawn as U+FFFD, see `displayable`)
    ///   and a tab (a single column here; the body editor expands tabs itself).
    public static func of(_ character: Character) -> Int {
        let utf8 = character.utf8
        if utf8.count == 1 || (utf8.count == 2 && utf8.first == 0x0D) { return 1 } // ASCII, CR LF
        var scalars = character.unicodeScalars.makeIterator()
        if let first = scalars.next(), scalars.next() == nil {
            // A single scalar: the common case, with fast paths for the scripts of a Japanese mail.
            switch first.value {
            case 0x0080..<0x0300: return 1
            case 0x3000...0x3029, 0x3041...0x3096, 0x30A0...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7A3,
                0xFF01...0xFF60, 0xFFE0...0xFFE6:
                return 2
            case 0xFF61...0xFFDC: return 1 // half-width katakana and hangul
            default:
                if isZeroWidth(first) { return 0 }
                return isWide(first) ? 2 : 1
            }
        }
        var base: Unicode.Scalar?
        var hasVS16 = false
        var halfWidthMarks = 0
        for scalar in character.unicodeScalars {
            if scalar.value == 0xFE0F {
                hasVS16 = true
            } else if base == nil {
                if !isZeroWidth(scalar) { base = scalar }
            } else if scalar.value == 0xFF9E || scalar.value == 0xFF9F {
                // Half-width (semi-)voiced sound marks extend the cluster but get a cell of their own.
                halfWidthMarks += 1
            }
        }
        guard let base else { return 0 }
        if isWide(base) { return 2 }
        if hasVS16 && base.properties.isEmoji { return 2 }
        return 1 + halfWidthMarks
    }

    /// Columns of a string: the sum over its grapheme clusters.
    public static func of(_ text: some StringProtocol) -> Int {
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    /// The longest prefix of `text` that fits in `columns`, and its width. Never splits a grapheme
    /// cluster; a wide character that does not fit is left out (and so is everything after it).
    public static func prefix(_ text: some StringProtocol, fitting columns: Int) -> (text: Substring, width: Int) {
        let whole = Substring(text)
        var used = 0
        var end = whole.startIndex
        while end < whole.endIndex {
            let w = of(whole[end])
            if used + w > columns { break }
            used += w
            end = whole.index(after: end)
        }
        return (whole[whole.startIndex..<end], used)
    }

    /// Text for a single screen line: a tab becomes one space, every other control character
    /// (U+0000–001F, U+007F–009F, CR LF, U+2028, U+2029) becomes U+FFFD. Widths are unchanged:
    /// `of(displayable(t)) == of(t)`.
    public static func displayable(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if isControl(character) {
                out.append(character == "\t" ? " " : "\u{FFFD}")
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// True for a cluster that cannot be drawn as is: C0/C1 controls, DEL, CR LF, and the line
    /// and paragraph separators.
    public static func isControl(_ character: Character) -> Bool {
        guard let lead = character.utf8.first else { return false }
        if lead < 0x20 || lead == 0x7F { return true }
        guard lead == 0xC2 || lead == 0xE2, let first = character.unicodeScalars.first else { return false }
        let v = first.value
        return (v >= 0x80 && v <= 0x9F) || v == 0x2028 || v == 0x2029
    }

    // MARK: - Scalars

    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x300 { return false } // ASCII, Latin-1 (soft hyphen drawn as 1)
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return true } // Hangul V/T jamo
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return true
        default:
            return false
        }
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x1100 { return false }
        if scalar.properties.isEmojiPresentation { return true }
        var lo = 0
        var hi = wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let range = wideRanges[mid]
            if v < range.lowerBound {
                hi = mid - 1
            } else if v > range.upperBound {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// East Asian Width W and F (Unicode 16), plus the regional indicators (drawn as wide flags).
    /// Emoji ranges are listed too so the result does not depend on the standard library's
    /// Emoji_Presentation data. Sorted, non-overlapping.
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0,
        0x23F3...0x23F3, 0x25FD...0x25FE, 0x2614...0x2615, 0x2630...0x2637, 0x2648...0x2653,
        0x267F...0x267F, 0x268A...0x268F, 0x2693...0x2693, 0x26A1...0x26A1, 0x26AA...0x26AB,
        0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
        0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705,
        0x270A...0x270B, 0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755,
        0x2757...0x2757, 0x2795...0x2797, 0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C,
        0x2B50...0x2B50, 0x2B55...0x2B55,
        0x2E80...0x2E99, 0x2E9B...0x2EF3, 0x2F00...0x2FD5, 0x2FF0...0x303E, // radicals, IDC, CJK punctuation
        0x3041...0x3096, 0x3099...0x30FF, // hiragana, katakana
        0x3105...0x312F, 0x3131...0x318E, 0x3190...0x31E5, 0x31EF...0x321E,
        0x3220...0x3247, 0x3250...0xA48C, // enclosed CJK … CJK, Yi
        0xA490...0xA4C6, 0xA960...0xA97C, 0xAC00...0xD7A3, // Yi radicals, Hangul
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE52, 0xFE54...0xFE66, 0xFE68...0xFE6B,
        0xFF01...0xFF60, 0xFFE0...0xFFE6, // full-width forms
        0x16FE0...0x16FE4, 0x16FF0...0x16FF1, 0x17000...0x187F7, 0x18800...0x18CD5,
        0x18CFF...0x18D08, 0x1AFF0...0x1AFF3, 0x1AFF5...0x1AFFB, 0x1AFFD...0x1AFFE,
        0x1B000...0x1B122, 0x1B132...0x1B132, 0x1B150...0x1B152, 0x1B155...0x1B155,
        0x1B164...0x1B167, 0x1B170...0x1B2FB, 0x1D300...0x1D356, 0x1D360...0x1D376,
        0x1F004...0x1F004, 0x1F0CF...0x1F0CF, 0x1F18E...0x1F18E, 0x1F191...0x1F19A,
        0x1F1E6...0x1F1FF, // regional indicators
        0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248, 0x1F250...0x1F251,
        0x1F260...0x1F265, 0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
        0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0,
        0x1F3F4...0x1F3F4, 0x1F3F8...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC,
        0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A...0x1F57A,
        0x1F595...0x1F596, 0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5,
        0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF,
        0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0...0x1F7F0,
        0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FA7C,
        0x1FA80...0x1FA89, 0x1FA8F...0x1FAC6, 0x1FACE...0x1FADC, 0x1FADF...0x1FAE9,
        0x1FAF0...0x1FAF8,
        0x20000...0x2FFFD, 0x30000...0x3FFFD // CJK extensions
    ]
}
