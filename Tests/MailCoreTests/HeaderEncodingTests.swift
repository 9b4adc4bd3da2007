import Foundation
import Testing
@testable import MailCore

@Suite("Header encoding (RFC 2047, RFC 5322 folding, RFC 2231)")
struct HeaderEncodingTests {
    static let texts = [
        "【重要】お見積りのご送付について — 2026年度版",
        "山田 太郎",
        "が\u{3099}ぱ\u{309A}が", // combining voiced marks stay with their base
        String(repeating: "日本語の件名がとても長い場合でも正しく分割されること。", count: 4),
        "👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦 family", // graphemes of 25 bytes each
        "Grüße aus München",
        "a  b  " // runs of spaces survive
    ]

    @Test("encoded-words decode to the exact text, are at most 75 characters, and split only between characters", arguments: texts)
    func encodedWordsRoundTrip(text: String) throws {
        let words = HeaderEncoding.encodedWords(text)
        #expect(words.allSatisfy { $0.utf8.count <= 75 })
        #expect(decodeBWords(words.joined(separator: " ")) == text)
        var rebuilt = ""
        for word in words {
            // Each word alone must be valid UTF-8: no sequence is split between words.
            let single = try #require(decodeBWords(word))
            rebuilt += single
        }
        #expect(rebuilt == text)
        // And no grapheme is split when it fits in one word.
        let graphemes = Array(text)
        var count = 0
        for word in words { count += decodeBWords(word)!.count }
        #expect(count == graphemes.count)
    }

    @Test("a Japanese subject is encoded and folded with every line at most 76 characters")
    func subjectFolding() throws {
        let subject = String(repeating: "お見積りのご送付について", count: 5)
        let header = HeaderEncoding.unstructured("Subject", subject)
        #expect(header.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(header.hasSuffix("\r\n"))
        let physical = header.withoutCRLF.components(separatedBy: "\r\n")
        #expect(physical.count > 1)
        #expect(physical.allSatisfy { $0.utf8.count <= 76 })
        #expect(physical.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(decodeBWords(String(header.withoutCRLF.dropFirst("Subject: ".count))) == subject)
        #expect(header.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test(
        "plain ASCII subjects stay readable and fold at spaces",
        arguments: [
            ("Hello", "Subject: Hello\r\n"),
            ("", "Subject:\r\n"),
            (
                String(repeating: "word ", count: 20) + "end",
                "Subject: word word word word word word word word word word word word word\r\n word word word word word word word end\r\n"
            )
        ])
    func asciiSubject(value: String, expected: String) {
        #expect(HeaderEncoding.unstructured("Subject", value) == expected)
    }

    @Test("text that looks like an encoded-word, or has control characters, is encoded", arguments: ["=?UTF-8?B?abc?=", "tab\tok but bell\u{7}"])
    func lookalikesAreEncoded(value: String) {
        let header = HeaderEncoding.unstructured("Subject", value)
        #expect(header.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(decodeBWords(String(header.withoutCRLF.dropFirst(9))) == value)
    }

    @Test("address lists: Japanese names encoded, specials quoted, IDN domains in A-labels, folded")
    func addressList() throws {
        let entries: [AddressListEntry] = [
            .mailbox(mailbox("山田 花子", "hanako", "example.co.jp")),
            .mailbox(mailbox("Yamada, Taro", "taro", "example.jp")),
            .mailbox(mailbox(nil, "plain", "example.org")),
            .mailbox(mailbox("O'Brien \"Bob\"", "bob", "example.com"))
        ]
        let folded = HeaderEncoding.addressList("To", entries)
        #expect(folded.utf8.allSatisfy { $0 < 0x80 })
        #expect(folded.withoutCRLF.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        let header = folded.replacingOccurrences(of: "\r\n ", with: " ")
        #expect(header.contains("\"Yamada, Taro\" <taro@example.jp>,"))
        #expect(header.contains("plain@example.org,"))
        #expect(header.contains("\"O'Brien \\\"Bob\\\"\" <bob@example.com>"))
        #expect(header.contains("=?UTF-8?B?5bGx55SwIOiKseWtkA==?= <hanako@example.co.jp>,"))
    }

    @Test("groups are written with their members and a closing semicolon")
    func groups() {
        let header = HeaderEncoding.addressList(
            "To",
            [
                .group(name: "Team", members: [mailbox(nil, "a", "x.example"), mailbox(nil, "b", "y.example")]),
                .group(name: "undisclosed-recipients", members: [])
            ])
        #expect(header == "To: Team: a@x.example, b@y.example;, undisclosed-recipients:;\r\n")
    }

    @Test(
        "file names: plain ASCII quoted; others as RFC 2231 continuations that decode to the original",
        arguments: ["report.pdf", "見積書_2026年度.pdf", String(repeating: "長いファイル名", count: 8) + ".xlsx", "a b;c\".txt"])
    func fileNames(name: String) {
        let segments = HeaderEncoding.fileNameParameter("filename", name)
        #expect(segments.allSatisfy { $0.utf8.count <= 78 && $0.utf8.allSatisfy { $0 < 0x80 } })
        if segments.count == 1 && segments[0].hasPrefix("filename=\"") {
            #expect(segments[0] == "filename=\"\(name)\"")
            return
        }
        var joined = ""
        for (index, segment) in segments.enumerated() {
            let prefix = segments.count == 1 ? "filename*=" : "filename*\(index)*="
            #expect(segment.hasPrefix(prefix))
            joined += segment.dropFirst(prefix.count)
        }
        #expect(joined.hasPrefix("UTF-8''"))
        #expect(percentDecode(joined.dropFirst(7)) == name)
    }

    @Test("the legacy name= form carries the same name in encoded-words")
    func legacyName() {
        let parameter = HeaderEncoding.legacyNameParameter("見積書.pdf")
        #expect(parameter.hasPrefix("name=\"=?UTF-8?B?"))
        let inner = parameter.dropFirst(6).dropLast()
        #expect(decodeBWords(String(inner)) == "見積書.pdf")
        #expect(HeaderEncoding.legacyNameParameter("a.pdf") == "name=\"a.pdf\"")
    }
}
