import Foundation
import Testing
@testable import MailCore

/// A case for every strictness: what each gives (nil = refused).
private struct Base64Case: Sendable, CustomTestStringConvertible {
    var input: String
    var strict: String?
    var paddingOptional: String?
    var lenient: String
    var testDescription: String { "\"\(input)\"" }
}

private func utf8(_ bytes: [UInt8]?) -> String? {
    bytes.map { String(decoding: $0, as: UTF8.self) }
}

@Suite("Base64.decode at each strictness")
struct Base64DecodeTests {
    @Test(
        "each strictness gives what the decoder it replaced gave",
        arguments: [
            // Well-formed: all three agree.
            Base64Case(input: "", strict: "", paddingOptional: "", lenient: ""),
            Base64Case(input: "QUJD", strict: "ABC", paddingOptional: "ABC", lenient: "ABC"),
            Base64Case(input: "SGVsbG8=", strict: "Hello", paddingOptional: "Hello", lenient: "Hello"),
            Base64Case(input: "SGVsbA==", strict: "Hell", paddingOptional: "Hell", lenient: "Hell"),
            // Padding left out: only the strict decoder (drafts) refuses; encoded-words accept it.
            Base64Case(input: "SGVsbA", strict: nil, paddingOptional: "Hell", lenient: "Hell"),
            Base64Case(input: "SGVsbG8", strict: nil, paddingOptional: "Hello", lenient: "Hello"),
            // Padding that is there but wrong.
            Base64Case(input: "SGVsbA=", strict: nil, paddingOptional: nil, lenient: "Hell"),
            Base64Case(input: "SGVsbA===", strict: nil, paddingOptional: nil, lenient: "Hell"),
            Base64Case(input: "SGVsbG8==", strict: nil, paddingOptional: nil, lenient: "Hello"),
            Base64Case(input: "QUJD=", strict: nil, paddingOptional: nil, lenient: "ABC"),
            Base64Case(input: "====", strict: nil, paddingOptional: nil, lenient: ""),
            Base64Case(input: "==", strict: nil, paddingOptional: nil, lenient: ""),
            // A length of 1 mod 4 (the encoded-word test "5bGx5"): the odd character gives no byte.
            Base64Case(input: "SGVsb", strict: nil, paddingOptional: nil, lenient: "Hel"),
            // `=` inside the data: the lenient decoder stops there, the others refuse.
            Base64Case(input: "SG=Vs", strict: nil, paddingOptional: nil, lenient: "H"),
            Base64Case(input: "SGVs=bG8=", strict: nil, paddingOptional: nil, lenient: "Hel"),
            // Whitespace and junk: skipped by the lenient decoder only.
            Base64Case(input: "SGVs\r\nbG8=", strict: nil, paddingOptional: nil, lenient: "Hello"),
            Base64Case(input: " SGVs\r\nbG8\t=\r\n", strict: nil, paddingOptional: nil, lenient: "Hello"),
            Base64Case(input: "SGVs bG8=", strict: nil, paddingOptional: nil, lenient: "Hello"),
            Base64Case(input: "SGVs*bG8=", strict: nil, paddingOptional: nil, lenient: "Hello"),
            Base64Case(input: "!!!!", strict: nil, paddingOptional: nil, lenient: ""),
            Base64Case(input: "SGVsbG8=\n", strict: nil, paddingOptional: nil, lenient: "Hello"),
            // URL-safe alphabet is not base64.
            Base64Case(input: "-_-_", strict: nil, paddingOptional: nil, lenient: "")
        ])
    fileprivate func table(_ c: Base64Case) {
        #expect(utf8(Base64.decode(c.input, strictness: .strict)) == c.strict)
        #expect(utf8(Base64.decode(c.input, strictness: .paddingOptional)) == c.paddingOptional)
        #expect(utf8(Base64.decode(c.input, strictness: .lenient)) == c.lenient)
    }

    @Test("bytes that are not UTF-8 come out whole")
    func binary() {
        #expect(Base64.decode("/w==", strictness: .strict) == [0xFF])
        #expect(Base64.decode("/w", strictness: .paddingOptional) == [0xFF])
        #expect(Base64.decode("+/+/", strictness: .strict) == [0xFB, 0xFF, 0xBF])
    }

    @Test("strict agrees with Foundation's Data(base64Encoded:) on valid input of every length up to 300")
    func foundationOracle() throws {
        var generator = SeededGenerator(state: 0x9E37_79B9_7F4A_7C15)
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let encoded = Data(bytes).base64EncodedString()
            let oracle = try #require(Data(base64Encoded: encoded))
            #expect(Base64.decode(encoded, strictness: .strict) == Array(oracle))
            #expect(Base64.decode(encoded, strictness: .strict) == bytes)
            // The same text without its padding, and wrapped in lines with CRLF.
            var unpadded = encoded
            while unpadded.hasSuffix("=") { unpadded.removeLast() }
            #expect(Base64.decode(unpadded, strictness: .paddingOptional) == bytes)
            let wrapped = Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            #expect(Base64.decode(wrapped, strictness: .lenient) == bytes)
            // Our encoder's output reads back at every strictness.
            for strictness in Base64.Strictness.allCases {
                #expect(Base64.decode(Base64.encode(bytes), strictness: strictness) == bytes)
            }
        }
    }
}

private struct QPCase: Sendable, CustomTestStringConvertible {
    var input: String
    var strict: String?
    var lenient: String
    var testDescription: String { "\"\(input)\"" }
}

@Suite("QuotedPrintable.decode at each strictness")
struct QuotedPrintableDecodeTests {
    @Test(
        "each strictness gives what the decoder it replaced gave",
        arguments: [
            QPCase(input: "", strict: "", lenient: ""),
            QPCase(input: "plain", strict: "plain", lenient: "plain"),
            QPCase(input: "a=3Db=3db", strict: "a=b=b", lenient: "a=b=b"),
            QPCase(input: "=E6=97=A5", strict: "日", lenient: "日"),
            QPCase(input: "=e6=97=a5", strict: "日", lenient: "日"),
            // A `=` that starts no escape: the strict decoder (encoded-words) refuses, bodies keep it.
            QPCase(input: "=ZZ", strict: nil, lenient: "=ZZ"),
            QPCase(input: "=E", strict: nil, lenient: "=E"),
            QPCase(input: "stray = and =G1", strict: nil, lenient: "stray = and =G1"),
            // Soft line breaks and transport whitespace: bodies only.
            QPCase(input: "soft =\r\nbreak", strict: nil, lenient: "soft break"),
            QPCase(input: "soft=  \nbreak", strict: nil, lenient: "softbreak"),
            QPCase(input: "padded   \r\nline\t\nend  ", strict: "padded   \r\nline\t\nend  ", lenient: "padded\r\nline\nend"),
            QPCase(input: "keep  inner", strict: "keep  inner", lenient: "keep  inner"),
            QPCase(input: "a_b", strict: "a_b", lenient: "a_b")
        ])
    fileprivate func table(_ c: QPCase) {
        #expect(utf8(QuotedPrintable.decode(c.input, strictness: .strict)) == c.strict)
        #expect(utf8(QuotedPrintable.decode(c.input, strictness: .lenient)) == c.lenient)
    }

    @Test("underscore is a space only when asked (the Q encoding of encoded-words)")
    func underscore() {
        #expect(utf8(QuotedPrintable.decode("a_b=5F", strictness: .strict, underscoreIsSpace: true)) == "a b_")
        #expect(utf8(QuotedPrintable.decode("a_b=5F", strictness: .lenient, underscoreIsSpace: true)) == "a b_")
        #expect(utf8(QuotedPrintable.decode("a_b=5F", strictness: .strict)) == "a_b_")
    }

    @Test("the encoder's output reads back at both strictnesses")
    func roundTrip() {
        let text = "Grüße = 100 € —\ttab, trailing space \nand a line longer than seventy-six characters, which gets a soft break"
        let encoded = BodyEncoding.quotedPrintable(BodyEncoding.canonicalLines(text))
        let lenient = encoded.withUnsafeBufferPointer { QuotedPrintable.decode($0, strictness: .lenient) }
        #expect(utf8(lenient) == String(decoding: BodyEncoding.canonicalLines(text), as: UTF8.self))
    }
}
