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

    /// The default keywords, each with a sentence it is there to catch (a test runs every one).
    /// Phrases that only announce information are left out on purpose: 「お送りします」 alone and
    /// 「ご案内」 say that something is told, not that a file comes with the mail (「ご案内をお送り
    /// します」 is the text itself); what names a file or a document is kept (docs/policy.md,
    /// "forgotten-attachment").
    public static let keywordTable: [(keyword: String, example: String)] = [
        ("attach", "I attach the minutes."),
        ("attached", "Please see the attached quote."),
        ("attaching", "I am attaching the file."),
        ("attachment", "The attachment has the details."),
        ("attachments", "Two attachments follow."),
        ("enclosed", "Please find enclosed our offer."),
        ("enclosure", "Enclosure: the invoice"),
        ("添付", "資料を添付いたしましたのでご査収ください。"),
        ("別添", "詳細は別添のとおりです。"),
        ("同封", "申込書を同封いたします。"),
        ("送付します", "契約書一式を送付します。"),
        ("送付いたします", "請求書を送付いたします。"),
        ("資料をお送り", "会議の資料をお送りします。"),
        ("書をお送り", "お見積書をお送りいたします。"),
        ("ファイルをお送り", "修正したファイルをお送りします。"),
        ("データをお送り", "売上データをお送りします。"),
        ("明細をお送り", "今月の明細をお送りいたします。")
    ]

    public static let keywords = RuleOption.words(
        "keywords", default: keywordTable.map(\.keyword), "words that mean an attachment (ASCII ones match as whole words)")
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
        // The own lines the rule tables folded (`BodyText`, shared by the evaluation) are this
        // rule's folding but for U+3000, which they make a space: the same answers for keywords
        // holding neither (a match of valid UTF-8 starts and ends at character boundaries, both
        // are no word bytes, and byte positions keep their order).
        let body = context.body.folded
        let shared = index != nil && !keywords.contains { $0.contains(" ") || $0.contains("\u{3000}") }
        var text: [UInt8] = []
        for (i, (number, line)) in body.lines.enumerated() {
            var best: (position: Int, keyword: [Character])? = nil
            text.removeAll(keepingCapacity: true)
            var hits: [Int: Int]? = nil
            if let index, shared, body.simple[i] {
                let end = i + 1 < body.starts.count ? body.starts[i + 1].offset - 1 : body.bytes.count - 1
                hits = index.firstOccurrences(in: body.bytes, body.starts[i].offset..<end)
            } else if let index, SimpleText.fold(line, ideographicSpace: false, halfWidthKana: true, into: &text) {
                hits = index.firstOccurrences(in: text)
            }
            if let index, let hits {
                // The same search on bytes: each character is one scalar, so byte offsets keep
                // the order of character positions.
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
