/// Digits drawn large with block characters, for the hold countdown: every glyph is
/// `BigText.height` rows high and 3–4 columns wide, with one blank column between glyphs.
/// "█" is one column wide everywhere (East Asian Ambiguous counts as one here).
public enum BigText {
    public static let height = 5
    /// Blank columns between two glyphs.
    public static let gap = 1

    /// The glyphs of 0–9, `height` rows each; every row of a glyph has the same width.
    public static let digits: [[String]] = [
        [
            "████",
            "█  █",
            "█  █",
            "█  █",
            "████"
        ],
        [
            "██ ",
            " █ ",
            " █ ",
            " █ ",
            "███"
        ],
        [
            "████",
            "   █",
            "████",
            "█   ",
            "████"
        ],
        [
            "████",
            "   █",
            " ███",
            "   █",
            "████"
        ],
        [
            "█  █",
            "█  █",
            "████",
            "   █",
            "   █"
        ],
        [
            "████",
            "█   ",
            "████",
            "   █",
            "████"
        ],
        [
            "████",
            "█   ",
            "████",
            "█  █",
            "████"
        ],
        [
            "████",
            "   █",
            "  █ ",
            " █  ",
            " █  "
        ],
        [
            "████",
            "█  █",
            "████",
            "█  █",
            "████"
        ],
        [
            "████",
            "█  █",
            "████",
            "   █",
            "████"
        ]
    ]

    /// The glyph of one digit (0–9).
    public static func glyph(_ digit: Int) -> [String] { digits[max(0, min(9, digit))] }

    /// `text` as `height` rows of equal width, or nil when it holds anything but 0–9 (or nothing).
    public static func rows(_ text: String) -> [String]? {
        guard !text.isEmpty else { return nil }
        var glyphs: [[String]] = []
        for character in text {
            guard let value = character.wholeNumberValue, character.isASCII else { return nil }
            glyphs.append(glyph(value))
        }
        let spacer = String(repeating: " ", count: gap)
        return (0..<height).map { row in glyphs.map { $0[row] }.joined(separator: spacer) }
    }

    /// Columns `text` takes when drawn large, or nil when it cannot be.
    public static func width(_ text: String) -> Int? {
        rows(text).map { DisplayWidth.of($0[0]) }
    }
}
