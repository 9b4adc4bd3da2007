// Confusables.swift — how alike two domains look: confusable skeletons, mixed scripts and a
// bounded edit distance. Used by `lookalike-domain`.

enum Confusables {
    /// Characters that look like a Latin letter: digits, Cyrillic, Greek and Latin variants.
    static let singles: [Unicode.Scalar: Character] = [
        "0": "o", "1": "l",
        // Cyrillic
        "\u{0430}": "a", "\u{0435}": "e", "\u{0451}": "e", "\u{043E}": "o", "\u{0440}": "p", "\u{0441}": "c",
        "\u{0443}": "y", "\u{0445}": "x", "\u{0456}": "i", "\u{0457}": "i", "\u{0458}": "j", "\u{0455}": "s",
        "\u{0501}": "d", "\u{04BB}": "h", "\u{04CF}": "l", "\u{051B}": "q", "\u{051D}": "w", "\u{043A}": "k",
        "\u{0433}": "r",
        // Greek
        "\u{03BF}": "o", "\u{03C1}": "p", "\u{03BD}": "v", "\u{03B1}": "a", "\u{03B9}": "i", "\u{03BA}": "k",
        "\u{03C5}": "u", "\u{03C7}": "x", "\u{03B5}": "e", "\u{03C4}": "t", "\u{03C9}": "w", "\u{03B7}": "n",
        // Latin variants
        "\u{0131}": "i", "\u{0251}": "a", "\u{0261}": "g", "\u{01C0}": "l", "\u{0269}": "i"
    ]

    /// Letter pairs that read as one letter: "rn" → "m", "vv" → "w", "cl" → "d".
    static let pairs: [(String, String)] = [("rn", "m"), ("vv", "w"), ("cl", "d")]

    /// The Latin string a domain looks like: lowercased, confusable characters replaced by the
    /// letter they imitate (i, I and 1 by l), then "rn"/"vv"/"cl" read as "m"/"w"/"d".
    static func skeleton(_ s: String) -> String {
        var out = ""
        for scalar in s.lowercased().unicodeScalars {
            let latin = singles[scalar] ?? Character(scalar)
            // 1, l, I and i are one letter here: domains are compared lowercased, so a capital I
            // ("IBM") arrives as i, and I beside l is the oldest look-alike there is.
            out.append(latin == "i" ? "l" : latin)
        }
        for (pair, letter) in pairs {
            out = replacing(out, pair, with: letter)
        }
        return out
    }

    private static func replacing(_ s: String, _ target: String, with replacement: String) -> String {
        let chars = Array(s), t = Array(target)
        var out = ""
        var i = 0
        while i < chars.count {
            if i + t.count <= chars.count && Array(chars[i..<i + t.count]) == t {
                out += replacement
                i += t.count
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    enum Script: String { case latin = "Latin", cyrillic = "Cyrillic", greek = "Greek" }

    static func script(_ s: Unicode.Scalar) -> Script? {
        switch s.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: return .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: return .greek
        case 0x400...0x52F: return .cyrillic
        default: return nil
        }
    }

    /// The scripts (Latin, Cyrillic, Greek) of the first label that mixes two or more, or nil.
    static func mixedScripts(in domain: String) -> [Script]? {
        for label in domain.split(separator: ".") {
            var scripts: [Script] = []
            for s in label.unicodeScalars {
                if let sc = script(s), !scripts.contains(sc) { scripts.append(sc) }
            }
            if scripts.count >= 2 { return scripts }
        }
        return nil
    }

    /// Restricted Damerau–Levenshtein distance (optimal string alignment: insertions, deletions,
    /// substitutions and swaps of adjacent characters each count 1), or `limit + 1` when it is
    /// more than `limit`.
    static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        var scratch = DistanceScratch()
        return scratch.distance(Array(a.unicodeScalars), Array(b.unicodeScalars), limit: limit)
    }

    /// True when `a` becomes `b` by swapping two adjacent characters.
    static func isSwap(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        guard x.count == y.count else { return false }
        let diff = x.indices.filter { x[$0] != y[$0] }
        return diff.count == 2 && diff[1] == diff[0] + 1 && x[diff[0]] == y[diff[1]] && x[diff[1]] == y[diff[0]]
    }
}

/// Reusable rows for the edit distance, so comparing thousands of domain pairs allocates once.
struct DistanceScratch {
    private var prev2: [Int] = []
    private var prev: [Int] = []
    private var cur: [Int] = []

    /// See `Confusables.distance(_:_:limit:)`.
    mutating func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar], limit: Int) -> Int {
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty || y.isEmpty { return min(max(x.count, y.count), limit + 1) }
        let width = y.count + 1
        if prev.count < width {
            prev2 = [Int](repeating: 0, count: width)
            prev = prev2
            cur = prev2
        }
        for j in 0...y.count { prev[j] = j }
        for i in 1...x.count {
            cur[0] = i
            var rowMin = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d = min(d, prev2[j - 2] + 1)
                }
                cur[j] = d
                rowMin = min(rowMin, d)
            }
            if rowMin > limit { return limit + 1 }
            swap(&prev2, &prev)
            swap(&prev, &cur)
        }
        return min(prev[y.count], limit + 1)
    }

    /// A 64-bit set of the characters of a string (hashed). One edit changes at most two bits,
    /// so strings whose sets differ in more than 2×limit bits cannot be within `limit` edits.
    static func signature(_ x: [Unicode.Scalar]) -> UInt64 {
        var mask: UInt64 = 0
        for s in x { mask |= 1 << UInt64((s.value &* 2654435761) >> 26 & 63) }
        return mask
    }
}
