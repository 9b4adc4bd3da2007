// PersonName.swift — comparing display names the way people read them (for `namesake`).

enum PersonName {
    /// The forms under which two names count as the same person's name:
    /// - Unicode canonical equivalence (Swift compares and hashes strings that way: NFC-ish);
    /// - full-width ASCII read as ASCII, case folded;
    /// - spaces of every kind (including U+3000), `・`, `･` and `,` removed:
    ///   `山田 太郎` = `山田　太郎` = `山田太郎`;
    /// - a trailing honorific (`様`, `さま`, `殿`, `さん`) and a trailing "(…)" / "（…）" dropped;
    /// - two-word names also in the other order: `Taro Yamada` = `Yamada, Taro`.
    /// Empty when nothing is left.
    static func keys(_ name: String) -> Set<String> {
        var s = String(name.map(CharacterFolding.halfWidth)).lowercased()
        s = PolicyText.trimmed(s)
        // A trailing parenthesised remark: "山田 太郎 (営業部)".
        if s.hasSuffix(")"), let open = s.lastIndex(of: "("), open != s.startIndex {
            s = PolicyText.trimmed(String(s[..<open]))
        }
        var words = s.split(whereSeparator: { CharacterFolding.isSpace($0) || $0 == "・" || $0 == "･" || $0 == "," })
            .map(String.init)
        for honorific in ["様", "さま", "殿", "さん"] {
            guard var last = words.last else { break }
            if last == honorific {
                words.removeLast()
                break
            }
            if last.hasSuffix(honorific) && last.count > honorific.count {
                last.removeLast(honorific.count)
                words[words.count - 1] = last
                break
            }
        }
        guard !words.isEmpty else { return [] }
        var keys: Set<String> = [words.joined()]
        if words.count == 2 { keys.insert(words[1] + words[0]) }
        return keys
    }
}
