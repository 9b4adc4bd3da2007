/// Address lists built from good and bad entries, joined by good and bad separators, from a
/// seeded generator: the same seed gives the same lists on every run and every machine.
enum AddressListCorpus {
    /// Entries `AddressParser.parseList` accepts on their own.
    static let accepted: [String] = [
        "a@example.jp", "Taro <taro@example.jp>", "\"Yamada, Taro\" <taro@example.jp>",
        "(comment, with comma) b@x.jp", "c@x.jp (note, here)", "=?UTF-8?B?5aSq6YOO?= <t@x.jp>",
        "山田 <yamada@例え.jp>", "\"q,uoted\"@x.jp", "undisclosed-recipients:;", "team: a@x.jp, b@y.jp;",
        "Bob@Example.JP", "", "  ", "　d@x.jp", "<e@x.jp>", "\"a (b\" <f@x.jp>", "(x\\) y) g@x.jp"
    ]
    /// Entries it refuses (or that refuse the entry after them).
    static let refused: [String] = [
        "taro", "taro＠example.jp", "a@b", "a@@b.jp", "<a@b.jp", "\"open", "(open", "a b@x.jp",
        "a@x.jp b@y.jp", "a@[1.2.3.4]", ".a@x.jp", "a..b@x.jp", "a@x.jp>", "taro@home <t@x.jp>", "<>",
        "team: a@x.jp", "team: bad, b@y.jp;", "a@x.jp\nb", "ｔａｒｏ@example.jp", "a@exa mple.jp",
        "a@x.jp　b@y.jp", "a@-x.jp", "<@route:a@x.jp>", "日本@x.jp", "a@x.jp;", "Name: <a@x.jp>", ":",
        "a@x..jp", "Taro <taro@example.jp", "x <a@b.jp, c@d.jp>", "a@x.jp、b@y.jp", "a@x.jp，b@y.jp",
        "@x.jp", "a@", "a@x.jp\r\n b", "g: h: i@x.jp;;", "a\u{200B}b@x.jp", "a@x.jp)", "Ta,ro <t@x.jp>"
    ]
    static let separators: [String] = [", ", ",", " , ", ", , ", "，", "、", "; ", " ", ",\t"]

    static func inputs(count: Int, seed: UInt64) -> [String] {
        var rng = SeededGenerator(state: seed)
        var result: [String] = []
        for _ in 0..<count {
            let n = 1 + Int(rng.next() % 5)
            var text = ""
            for i in 0..<n {
                if i > 0 {
                    // Mostly ',' so that lists have several entries; now and then a slip.
                    text += rng.next() % 4 == 0 ? separators[Int(rng.next() % UInt64(separators.count))] : ", "
                }
                let pool = rng.next() % 4 == 0 ? refused : accepted
                text += pool[Int(rng.next() % UInt64(pool.count))]
            }
            result.append(text)
        }
        return result
    }
}
