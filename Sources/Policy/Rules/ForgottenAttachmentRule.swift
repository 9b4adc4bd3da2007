// forgotten-attachment — the text says something is attached, and nothing is.
//
// Only the sender's own lines count: not quoted lines (`>`), not the signature (after a line
// that is exactly "-- "), not below an "-----Original Message-----" separator. Keywords match
// case-insensitively; keywords made of ASCII letters and digits match as whole words
// ("attach" does not match "attachment"), others (Japanese) anywhere in the line.

public struct ForgottenAttachmentRule: PolicyRule {
    public let id = "forgotten-attachment"
    public let defaultSeverity = Severity.confirm
    public let summary = "the message says something is attached but nothing is"

    public static let keywords = RuleOption.words(
        "keywords",
        default: [
            "attach", "attached", "attaching", "attachment", "attachments", "enclosed", "enclosure", "添付", "別添", "同封",
            "送付します", "送付いたします", "資料をお送り", "お送りします", "お送りいたします"
        ],
        "words that mean an attachment (ASCII ones match as whole words)")
    public var options: [RuleOption] { [Self.keywords] }

    public init() {}

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        guard input.attachments.isEmpty else { return [] }
        let keywords = context.config.words(Self.keywords, of: id)
            .map { Array(String($0.map(CharacterFolding.halfWidth)).lowercased()) }
            .filter { !$0.isEmpty }
        guard !keywords.isEmpty else { return [] }
        // The keywords as bytes, when every character of every one is a simple scalar.
        let bytewise = keywords.allSatisfy(SimpleText.isSimple)
        // Every keyword in one pass over a line's bytes; whole words for ASCII ones, as `find`.
        let index = bytewise ? KeywordIndex(keywords.map { String($0) }) : nil
        var text: [UInt8] = []
        for (number, line) in TextLines(input.body).ownLines {
            var best: (position: Int, keyword: [Character])? = nil
            text.removeAll(keepingCapacity: true)
            if let index, SimpleText.fold(line, ideographicSpace: false, halfWidthKana: true, into: &text) {
                // The same search on bytes: each character is one scalar, so byte offsets keep
                // the order of character positions.
                let hits = index.firstOccurrences(in: text)
                if !hits.isEmpty {
                    for keyword in keywords {
                        if let p = index.ids[String(keyword)].flatMap({ hits[$0] }), best == nil || p < best!.position {
                            best = (p, keyword)
                        }
                    }
                }
            } else {
                // `SimpleText.foldedBytes` is this, for simple lines.
                let text = Array(String(line.map(CharacterFolding.halfWidth)).lowercased())
                for keyword in keywords {
                    if let p = Self.find(keyword, in: text), best == nil || p < best!.position {
                        best = (p, keyword)
                    }
                }
            }
            if let best {
                return [
                    Finding(
                        ruleID: id, severity: context.severity(of: self),
                        message: "line \(number) says '\(String(best.keyword))' but nothing is attached",
                        subjects: [.body])
                ]
            }
        }
        return []
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    /// The first position of `keyword` in `text`; whole words only for ASCII keywords.
    static func find(_ keyword: [Character], in text: [Character]) -> Int? {
        guard keyword.count <= text.count else { return nil }
        let asWord = keyword.allSatisfy(isWordCharacter)
        var i = 0
        while i + keyword.count <= text.count {
            if text[i] == keyword[0] && Array(text[i..<i + keyword.count]) == keyword {
                let before = i > 0 ? text[i - 1] : nil
                let after = i + keyword.count < text.count ? text[i + keyword.count] : nil
                if !asWord || (!(before.map(isWordCharacter) ?? false) && !(after.map(isWordCharacter) ?? false)) {
                    return i
                }
            }
            i += 1
        }
        return nil
    }
}
