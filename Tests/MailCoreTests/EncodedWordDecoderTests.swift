import Testing
@testable import MailCore

@Suite struct EncodedWordDecoderTests {
    @Test(
        "single encoded-words decode in each charset",
        arguments: [
            ("=?UTF-8?B?5bGx55Sw?=", "山田"),
            ("=?utf-8?b?5bGx55Sw?=", "山田"),
            ("=?UTF-8?Q?=E5=B1=B1=E7=94=B0?=", "山田"),
            ("=?utf-8?q?=e5=b1=b1=e7=94=b0?=", "山田"),
            ("=?UTF-8?Q?Yamada_Taro?=", "Yamada Taro"),
            ("=?UTF-8*ja?B?5bGx55Sw?=", "山田"),
            ("=?ISO-8859-1?Q?M=FCller?=", "Müller"),
            ("=?iso-8859-1?B?TfxsbGVy?=", "Müller"),
            ("=?us-ascii?Q?hello_world?=", "hello world"),
            ("=?windows-1252?Q?=80?=", "€"),
            ("=?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?=", "山田太郎"),
            ("=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=", "日本語"),
            ("=?Shift_JIS?B?jlKTYw==?=", "山田"),
            ("=?shift_jis?Q?=8E=52=93=63?=", "山田"),
            ("=?EUC-JP?B?u7PFxI6x?=", "山田ｱ"),
            ("=?EUC-JP?B?j7Cw?=", "乁"), // JIS X 0212 (three-byte EUC-JP), through iconv
            ("=?Shift_JIS?B?h0A=?=", "①"), // CP932 extension
            ("=?EUC-JP?B?/w==?=", "=?EUC-JP?B?/w==?="), // an invalid byte leaves the word as it is
            ("=?euc-jp?Q?=C6=FC=CB=DC?=", "日本"),
            ("=?UTF-8?B?5bGx55Sw?", "=?UTF-8?B?5bGx55Sw?"),
            ("=?UTF-8?B??=", "")
        ])
    func single(_ input: String, _ expected: String) {
        #expect(EncodedWordDecoder.decode(input) == expected)
    }

    @Test(
        "whitespace between adjacent encoded-words is dropped",
        arguments: [
            ("=?UTF-8?B?5bGx55Sw?= =?UTF-8?B?5aSq6YOO?=", "山田太郎"),
            ("=?UTF-8?B?5bGx55Sw?=  \t =?UTF-8?B?5aSq6YOO?=", "山田太郎"),
            ("=?UTF-8?B?5bGx55Sw?=\r\n =?UTF-8?B?5aSq6YOO?=", "山田太郎"),
            ("=?UTF-8?B?5bGx55Sw?==?UTF-8?B?5aSq6YOO?=", "山田太郎"),
            ("=?UTF-8?B?5bGx55Sw?= =?ISO-8859-1?Q?M=FCller?=", "山田Müller")
        ])
    func adjacent(_ input: String, _ expected: String) {
        #expect(EncodedWordDecoder.decode(input) == expected)
    }

    @Test(
        "whitespace between an encoded-word and plain text is kept",
        arguments: [
            ("=?UTF-8?B?5bGx55Sw?= and =?UTF-8?B?5aSq6YOO?=", "山田 and 太郎"),
            ("Hello =?UTF-8?B?5bGx55Sw?= san", "Hello 山田 san"),
            ("山田 =?UTF-8?B?5aSq6YOO?=", "山田 太郎"),
            ("=?UTF-8?Q?a?= b", "a b")
        ])
    func mixedWithText(_ input: String, _ expected: String) {
        #expect(EncodedWordDecoder.decode(input) == expected)
    }

    @Test(
        "a character split across two words is decoded from the joined bytes",
        arguments: [
            ("=?UTF-8?B?5bE=?= =?UTF-8?B?seeUsA==?=", "山田"),
            ("=?UTF-8?B?5bE=?==?UTF-8?B?seeUsA==?=", "山田"),
            ("=?UTF-8?Q?=E5=B1?= =?utf-8?q?=B1?=", "山"),
            ("=?ISO-2022-JP?B?GyRCOzNFREJA?= =?ISO-2022-JP?B?TzobKEI=?=", "山田太郎")
        ])
    func split(_ input: String, _ expected: String) {
        #expect(EncodedWordDecoder.decode(input) == expected)
    }

    @Test(
        "malformed encoded-words are left as they are",
        arguments: [
            "=?UTF-8?B?5bGx55Sw", // no terminator
            "=?UTF-8?X?abc?=", // unknown encoding
            "=?UTF-8?B?5bGx55S?=", // bytes not valid UTF-8 (truncated character)
            "=?UTF-8?B?!!!!?=", // not Base64
            "=?UTF-8?B?5bGx5?=", // Base64 length 1 mod 4
            "=?UTF-8?Q?=ZZ?=", // bad Q escape
            "=?UTF-8?Q?=E?=", // truncated Q escape
            "=?UTF-8?B?/w==?=", // 0xFF is never UTF-8
            "=?us-ascii?Q?=FF?=", // not ASCII
            "=??B?abc?=", // empty charset
            "a =? b ?= c",
            "Plain text, no words",
            ""
        ])
    func malformed(_ input: String) {
        #expect(EncodedWordDecoder.decode(input) == input)
    }

    @Test("a malformed word keeps the whitespace next to a good one")
    func malformedNextToGood() {
        #expect(EncodedWordDecoder.decode("=?UTF-8?B?/w==?= =?UTF-8?B?5bGx55Sw?=") == "=?UTF-8?B?/w==?= 山田")
        #expect(EncodedWordDecoder.decode("=?UTF-8?B?5bGx55Sw?= =?X-NONE?B?/w==?=") == "山田\u{FFFD}")
    }

    @Test("folded header lines are unfolded")
    func unfolding() {
        #expect(EncodedWordDecoder.decode("Hello\r\n World") == "Hello World")
        #expect(EncodedWordDecoder.decode("=?UTF-8?Q?a?=\r\n\t=?UTF-8?Q?b?=") == "ab")
    }
}
