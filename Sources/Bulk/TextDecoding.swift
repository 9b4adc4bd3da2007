// TextDecoding.swift — the bytes of a recipient file to text: UTF-8, else Shift_JIS, else a refusal.

import MailCore

enum TextDecoding {
    /// UTF-8 (a leading BOM is dropped) is tried first: valid UTF-8 is almost never Shift_JIS
    /// that happens to decode. Then CP932, the Shift_JIS that Excel writes on Japanese Windows.
    /// Anything that would need guessing beyond that is refused: garbled names in thousands of
    /// personalised messages are worse than asking the user to save the file again.
    static func decode(_ bytes: [UInt8], fileName: String) throws(RecipientFileError) -> (String, RecipientFileEncoding) {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw RecipientFileError(.utf16, fileName: fileName)
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw RecipientFileError(.spreadsheet, fileName: fileName)
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let bomLength = bytes.count - body.count
        if let nul = body.firstIndex(of: 0) {
            throw RecipientFileError(
                .binary(offset: nul + bomLength, line: lineNumber(at: nul, in: body)),
                fileName: fileName)
        }
        guard let bad = firstInvalidUTF8(body) else {
            return (String(decoding: body, as: UTF8.self), .utf8)
        }
        if bomLength == 0, let text = Iconv.decode(body, from: "CP932") ?? Iconv.decode(body, from: "SHIFT_JIS"),
            // Lead bytes F0–F9 are CP932's user-defined area (private-use characters): real
            // recipient files do not use it, other encodings often land in it.
            !text.unicodeScalars.contains(where: { (0xE000...0xF8FF).contains($0.value) })
        {
            if let sample = halfWidthKatakana(in: text), Iconv.decode(body, from: "EUC-JP") != nil {
                throw RecipientFileError(.ambiguousEncoding(sample: sample), fileName: fileName)
            }
            return (text, .shiftJIS)
        }
        throw RecipientFileError(
            .undecodable(offset: bad + bomLength, line: lineNumber(at: bad, in: body)),
            fileName: fileName)
    }

    /// The 0-based offset of the first byte that does not start or continue a valid UTF-8
    /// sequence (overlong forms, surrogates and values past U+10FFFF are invalid), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// 1-based line of the byte at `offset`, counting CRLF, LF and a lone CR as one line break
    /// each, as the row scanner does.
    static func lineNumber(at offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        var i = 0
        while i < offset {
            if bytes[i] == 0x0A || (bytes[i] == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A)) { line += 1 }
            i += 1
        }
        return line
    }

    /// The first run of half-width katakana (U+FF61–U+FF9F), up to 10 characters, or nil.
    static func halfWidthKatakana(in text: String) -> String? {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: isHalfWidthKana) else { return nil }
        var run = String.UnicodeScalarView()
        for s in scalars[start...].prefix(while: isHalfWidthKana).prefix(10) { run.append(s) }
        return String(run)
    }

    private static func isHalfWidthKana(_ s: Unicode.Scalar) -> Bool { (0xFF61...0xFF9F).contains(s.value) }
}
