import Testing

@testable import MailCore

/// `AddressParser.parseMailbox` decides plain addresses on bytes (`plainAddrSpec`) and sends
/// everything else through the careful parser. The shortcut must never change an answer: for
/// every input, the mailbox or the error is the careful parser's.
@Suite struct PlainAddrSpecTests {
    /// The careful parser's answer, as a value to compare.
    static func careful(_ text: String) -> Result<Mailbox, AddressError> {
        do throws(AddressError) {
            return .success(try AddressParser.parseMailboxCarefully(text))
        } catch {
            return .failure(error)
        }
    }

    static func parsed(_ text: String) -> Result<Mailbox, AddressError> {
        do throws(AddressError) {
            return .success(try AddressParser.parseMailbox(text))
        } catch {
            return .failure(error)
        }
    }

    /// Inputs at the edges of the shortcut's rules.
    static let edges: [String] = [
        "a@example.jp", "Taro.Yamada@Example.JP", "user00001@example.org", "a.b.c@x-y.example.jp",
        "!#$%&'*+-/=?^_`{|}~@x.jp", "a@x.jp.", ".a@x.jp", "a.@x.jp", "a..b@x.jp", "a@.x.jp", "a@x..jp",
        "a@x", "a@1.2", "a@x.123", "a@123.jp", "a@x-.jp", "a@-x.jp", "a@xn--bcher-kva.example", "a@ab--c.jp",
        "a@abc--d.jp", "@x.jp", "a@", "a", "", " a@x.jp", "a@x.jp ", "a @x.jp", "a@x.jp,", "a@x.jp, b@y.jp",
        "a@b@x.jp", "\"a\"@x.jp", "\"a b\"@x.jp", "<a@x.jp>", "Taro <a@x.jp>", "a@x.jp (note)", "(c)a@x.jp",
        "a@[1.2.3.4]", "a@bücher.example", "日本@x.jp", "ａ@x.jp", "a@x.jp\n", "a\r\n@x.jp", "a\u{200B}@x.jp",
        "a@x.jp\u{301}", "a\u{301}@x.jp", "a@x_y.jp", "a@x.j_p", "A@X.JP", "a@X-Y.Z9.jp",
        String(repeating: "l", count: 64) + "@x.jp", String(repeating: "l", count: 65) + "@x.jp",
        "a@" + String(repeating: "d", count: 63) + ".jp", "a@" + String(repeating: "d", count: 64) + ".jp",
        String(repeating: "l", count: 64) + "@" + [String](repeating: String(repeating: "d", count: 61), count: 3).joined(separator: ".")
            + ".jp",
        String(repeating: "l", count: 60) + "@" + [String](repeating: String(repeating: "d", count: 62), count: 3).joined(separator: ".")
            + ".jpx"
    ]

    @Test("every edge input gets the careful parser's mailbox or error")
    func edgesAgree() {
        for text in Self.edges {
            #expect(Self.parsed(text) == Self.careful(text), "\(text.debugDescription)")
        }
    }

    @Test("random strings over the characters that matter get the careful parser's answer")
    func randomAgree() {
        let alphabet: [Character] = ["a", "B", "z", "0", "9", ".", "@", "-", "_", "+", "\"", " ", "<", ">", ",", "(", "x", "n", "ü", "＠"]
        var rng = SeededGenerator(state: 11)
        var checked = 0
        var shortcut = 0
        for _ in 0..<4000 {
            let length = 1 + Int(rng.next() % 16)
            var text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            // Half of them get the shape of an address, so that the shortcut is taken often.
            if rng.next() % 2 == 0, !text.contains("@") { text += "@ex.jp" }
            if AddressParser.plainAddrSpec(text) != nil { shortcut += 1 }
            #expect(Self.parsed(text) == Self.careful(text), "\(text.debugDescription)")
            checked += 1
        }
        #expect(checked == 4000)
        #expect(shortcut > 100) // the comparison covered the shortcut, not only the careful path
    }

    @Test("the shortcut takes plain addresses and leaves the rest to the careful parser")
    func shortcutScope() {
        #expect(AddressParser.plainAddrSpec("Taro@Example.JP")?.envelopeAddress == "Taro@example.jp")
        #expect(AddressParser.plainAddrSpec("user00001@example.org")?.domain == "example.org")
        for text in ["Taro <a@x.jp>", "a@bücher.example", "a@xn--bcher-kva.example", " a@x.jp", "\"a\"@x.jp", "a@x"] {
            #expect(AddressParser.plainAddrSpec(text) == nil, "\(text)")
        }
    }
}

/// `AddressSyntax.quotedDisplayName` decides names of ASCII, kana and ideographs on scalars; the
/// answer must be the one the Characters give.
@Suite struct PlainDisplayNameTests {
    static let names: [String] = [
        "", " ", "利用者00001", "山田 太郎", "山田  太郎", " 山田", "山田 ", "Taro Yamada", "Taro.Yamada", "Taro, Yamada",
        "=?UTF-8?B?5aSq?=", "a=?b", "a= ?b", "=", "?", "タロウ ヤマダ", "たろう", "ー", "山田々", "ｶﾞ", "が", "か\u{3099}",
        "e\u{301}", " \u{301}", "a\u{301} b", "山田\t太郎", "山田　太郎", "Ta\"ro", "Ta\\ro", "O'Brien", "株式会社ＡＢＣ", "𠮷野",
        "a\r\nb", "山田\u{200B}太郎", "x\u{FE0F}"
    ]

    @Test("every name is written as the Character-by-Character decision writes it")
    func namesAgree() {
        for name in Self.names {
            #expect(AddressSyntax.quotedDisplayName(name) == AddressSyntax.quotedDisplayNameCarefully(name), "\(name.debugDescription)")
        }
        var rng = SeededGenerator(state: 5)
        let alphabet: [String] = ["a", "Z", "9", " ", "=", "?", ".", "\"", "山", "田", "タ", "た", "ー", "\u{3099}", "\u{301}", "　", "々"]
        var decided = 0
        for _ in 0..<3000 {
            let name = (0..<(Int(rng.next() % 8))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            if AddressSyntax.plainDisplayName(name) != nil { decided += 1 }
            #expect(AddressSyntax.quotedDisplayName(name) == AddressSyntax.quotedDisplayNameCarefully(name), "\(name.debugDescription)")
        }
        #expect(decided > 300) // the shortcut was compared, not only the careful path
    }

    @Test("names of kana, ideographs and ASCII words are decided without the Characters")
    func scope() {
        #expect(AddressSyntax.plainDisplayName("利用者00001") == true)
        #expect(AddressSyntax.plainDisplayName("山田  太郎") == false)
        #expect(AddressSyntax.plainDisplayName("a=?b") == false)
        #expect(AddressSyntax.plainDisplayName("Taro.Yamada") == nil)
        #expect(AddressSyntax.plainDisplayName("か\u{3099}") == nil)
    }
}

@Suite struct DotAtomBytesTests {
    @Test("an ASCII local part is a dot-atom on bytes exactly when it is one on Characters")
    func agrees() {
        let samples = [
            "", ".", "a", "a.b", ".a", "a.", "a..b", "a b", "a\"b", "a\r\nb", "a\tb", "!#$%&'*+-/=?^_`{|}~", "a(b)", "a,b", "a@b"
        ]
        for text in samples {
            #expect(AddressSyntax.isDotAtom(asciiBytes: text.utf8) == AddressSyntax.isDotAtom(text), "\(text.debugDescription)")
        }
        #expect(AddressSyntax.isDotAtom(asciiBytes: "日本".utf8) == nil)
        #expect(AddressSyntax.quotedLocalPart("a b") == "\"a b\"")
        #expect(AddressSyntax.quotedLocalPart("taro.yamada") == "taro.yamada")
    }
}
