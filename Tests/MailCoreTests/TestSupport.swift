import Foundation
@testable import MailCore

/// Opens attachments from an in-memory table keyed by `Attachment.source`.
struct MemoryOpener: AttachmentOpener {
    var files: [String: [UInt8]]
    func open(_ attachment: MailCore.Attachment) throws -> any ByteSource {
        MemorySource(files[attachment.source] ?? [])
    }
}

/// A generator with a fixed sequence, so stamps are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
}

func mailbox(_ name: String?, _ local: String, _ domain: String) -> Mailbox {
    // swiftlint:disable:next force_try — fixtures are valid by construction
    try! Mailbox(displayName: name, localPart: local, domain: domain)
}

/// Splits raw message bytes into lines, asserting nothing about them.
func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    var start = 0
    for i in 0..<bytes.count where bytes[i] == 10 {
        result.append(bytes[start...i])
        start = i + 1
    }
    if start < bytes.count { result.append(bytes[start...]) }
    return result
}

/// Decodes RFC 2047 "B" encoded-words (test oracle, independent of the encoder).
func decodeBWords(_ text: String) -> String? {
    var bytes: [UInt8] = []
    for token in text.split(whereSeparator: \.isWhitespace) {
        guard token.hasPrefix("=?UTF-8?B?"), token.hasSuffix("?="),
            let data = Data(base64Encoded: String(token.dropFirst(10).dropLast(2)))
        else { return nil }
        bytes += data
    }
    return String(validating: bytes, as: UTF8.self)
}

/// Decodes quoted-printable (test oracle).
func decodeQP(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "=") {
            if i + 2 < bytes.count && bytes[i + 1] == 13 && bytes[i + 2] == 10 {
                i += 3
                continue
            }
            let hex = String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self)
            out.append(UInt8(hex, radix: 16)!)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return out
}

func percentDecode(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    var i = text.startIndex
    while i < text.endIndex {
        if text[i] == "%" {
            let hexEnd = text.index(i, offsetBy: 3)
            bytes.append(UInt8(text[text.index(after: i)..<hexEnd], radix: 16)!)
            i = hexEnd
        } else {
            bytes += Array(String(text[i]).utf8)
            i = text.index(after: i)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
typealias MailAttachment = MailCore.Attachment

extension String {
    /// The string without its final CRLF. (In Swift "\r\n" is one Character, so dropLast(2)
    /// would take one character too many.)
    var withoutCRLF: String { hasSuffix("\r\n") ? String(decoding: utf8.dropLast(2), as: UTF8.self) : self }
}
