/// Header field encoding: RFC 2047 encoded-words, RFC 5322 folding, address lists and RFC 2231
/// parameters. Every function returns ASCII only.
public enum HeaderEncoding {
    /// Longest line we produce when we have a choice: RFC 5322 §2.1.1 says 78, but RFC 2047 §2
    /// limits a line holding encoded-words to 76, so 76 for every header.
    static let preferredLineLength = 76
    /// An encoded-word may be at most 75 characters (RFC 2047 §2).
    public static let maxEncodedWordLength = 75
    /// `=?UTF-8?B?` + `?=` leave 63 characters for base64, i.e. 15 groups of 4 = 45 bytes.
    static let maxBytesPerEncodedWord = 45

    /// True when `text` cannot appear in a header as is: non-ASCII, control characters, or
    /// something a decoder would take for an encoded-word.
    public static func needsEncoding(_ text: String) -> Bool {
        for byte in text.utf8 where byte >= 0x7F || (byte < 0x20 && byte != 0x09) { return true }
        return text.contains("=?")
    }

    /// `text` as RFC 2047 "B" encoded-words, each at most 75 characters (the first at most
    /// `firstWordLength`, so that it fits after the header name). Words end on a character
    /// (grapheme) boundary where one fits, and never inside a UTF-8 sequence.
    /// - SeeAlso: RFC 2047 §5 (3): "each 'encoded-word' MUST represent an integral number of characters".
    public static func encodedWords(_ text: String, firstWordLength: Int = maxEncodedWordLength) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        // `=?UTF-8?B?` and `?=` take 12 characters; base64 carries 3 bytes per 4 characters.
        func capacity() -> Int {
            let length = words.isEmpty ? max(firstWordLength, 16) : maxEncodedWordLength
            return (length - 12) / 4 * 3
        }
        func flush() {
            if !chunk.isEmpty { words.append("=?UTF-8?B?\(Base64.encode(chunk))?=") }
            chunk.removeAll(keepingCapacity: true)
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= capacity() {
                if chunk.count + bytes.count > capacity() { flush() }
                chunk += bytes
            } else {
                // A grapheme longer than one word (a long emoji sequence): split between scalars.
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if chunk.count + scalarBytes.count > capacity() { flush() }
                    chunk += scalarBytes
                }
            }
        }
        flush()
        return words
    }

    /// Room for the first token after `Name: ` on a line of 76.
    static func firstTokenRoom(_ name: String) -> Int { preferredLineLength - name.utf8.count - 2 }

    /// An unstructured header such as Subject, folded, ending in CRLF.
    public static func unstructured(_ name: String, _ value: String) -> String {
        let tokens: [String]
        let plainWords = value.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if needsEncoding(value) || plainWords.contains(where: { $0.utf8.count > 900 }) || value.hasPrefix(" ")
            || value.hasSuffix(" ") || value.contains("  ")
        {
            // Encoding keeps every space exactly; folding plain text could not keep runs of spaces.
            tokens = encodedWords(value, firstWordLength: firstTokenRoom(name))
        } else {
            tokens = plainWords
        }
        return fold(name: name, tokens: tokens)
    }

    /// A display name as an RFC 5322 phrase: atoms as is, specials quoted, non-ASCII encoded.
    /// Returned as tokens that folding may separate with whitespace.
    static func phraseTokens(_ name: String, firstWordLength: Int = maxEncodedWordLength) -> [String] {
        if needsEncoding(name) { return encodedWords(name, firstWordLength: firstWordLength) }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ".utf8)
        if name.utf8.allSatisfy({ atext.contains($0) }) && !name.hasPrefix(" ") && !name.hasSuffix(" ") && !name.contains("  ") {
            return name.split(separator: " ").map(String.init)
        }
        var quoted = "\""
        for ch in name { quoted += (ch == "\"" || ch == "\\") ? "\\\(ch)" : String(ch) }
        return [quoted + "\""]
    }

    /// Tokens for one mailbox: the phrase tokens and then `<addr>`; or just `addr`.
    static func mailboxTokens(_ mailbox: Mailbox, firstWordLength: Int = maxEncodedWordLength) -> [String] {
        guard let name = mailbox.displayName, !name.isEmpty else { return [mailbox.envelopeAddress] }
        return phraseTokens(name, firstWordLength: firstWordLength) + ["<\(mailbox.envelopeAddress)>"]
    }

    /// An address-list header (From, To, Cc, Bcc, Reply-To), folded between tokens, ending in CRLF.
    public static func addressList(_ name: String, _ entries: [AddressListEntry]) -> String {
        var tokens: [String] = []
        for (index, entry) in entries.enumerated() {
            var entryTokens: [String]
            switch entry {
            case .mailbox(let mailbox):
                entryTokens = mailboxTokens(mailbox, firstWordLength: index == 0 ? firstTokenRoom(name) : maxEncodedWordLength)
            case .group(let groupName, let members):
                entryTokens = phraseTokens(groupName, firstWordLength: index == 0 ? firstTokenRoom(name) - 1 : maxEncodedWordLength)
                entryTokens[entryTokens.count - 1] += ":"
                for (i, member) in members.enumerated() {
                    var memberTokens = mailboxTokens(member)
                    if i < members.count - 1 { memberTokens[memberTokens.count - 1] += "," }
                    entryTokens += memberTokens
                }
                entryTokens[entryTokens.count - 1] += ";"
            }
            if index < entries.count - 1 { entryTokens[entryTokens.count - 1] += "," }
            tokens += entryTokens
        }
        return fold(name: name, tokens: tokens)
    }

    /// `Name: token token…` with CRLF SP inserted before a token whenever the line would pass
    /// 76 characters. Tokens are never broken; a single long token gets a line of its own.
    static func fold(name: String, tokens: [String]) -> String {
        var out = name + ":"
        var lineLength = out.utf8.count
        for token in tokens where !token.isEmpty {
            let length = token.utf8.count
            if lineLength + 1 + length > preferredLineLength && lineLength > name.utf8.count + 1 {
                out += "\r\n " + token
                lineLength = 1 + length
            } else {
                out += " " + token
                lineLength += 1 + length
            }
        }
        return out + "\r\n"
    }

    /// A MIME parameter for a file name, in the forms clients read: `filename="a.pdf"` for plain
    /// names; RFC 2231 `filename*0*=UTF-8''…` continuations (never splitting a character) otherwise.
    /// Returns the parameter segments; the caller joins them with `;` and folds.
    public static func fileNameParameter(_ parameter: String, _ value: String) -> [String] {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~ ()[],@:/?={}'".utf8)
        if value.utf8.count <= 60 && value.utf8.allSatisfy({ safe.contains($0) }) {
            return ["\(parameter)=\"\(value)\""]
        }
        let attrChar = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var segments: [String] = []
        var current = "UTF-8''"
        for character in value {
            var encoded = ""
            for byte in String(character).utf8 {
                if attrChar.contains(byte) {
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    encoded += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
                }
            }
            if current.utf8.count + encoded.utf8.count > 60 && !current.isEmpty && current != "UTF-8''" {
                segments.append(current)
                current = ""
            }
            current += encoded
        }
        segments.append(current)
        if segments.count == 1 { return ["\(parameter)*=\(segments[0])"] }
        return segments.enumerated().map { "\(parameter)*\($0.offset)*=\($0.element)" }
    }

    /// The RFC 2047 form of a file name inside a quoted `name=` parameter, which many clients
    /// still read although RFC 2047 §5 does not allow it there.
    public static func legacyNameParameter(_ value: String) -> String {
        if !needsEncoding(value) && !value.contains("\"") && !value.contains("\\") { return "name=\"\(value)\"" }
        return "name=\"" + encodedWords(value).joined(separator: "\r\n ") + "\""
    }

    /// `Header: value; p1; p2` with each parameter on its own continuation line when long.
    static func parameterized(_ name: String, _ value: String, _ parameters: [String]) -> String {
        var out = "\(name): \(value)"
        var lineLength = out.utf8.count
        for parameter in parameters {
            out += ";"
            lineLength += 1
            if lineLength + 1 + parameter.utf8.count > preferredLineLength {
                out += "\r\n " + parameter
                lineLength = 1 + parameter.utf8.count
            } else {
                out += " " + parameter
                lineLength += 1 + parameter.utf8.count
            }
        }
        return out + "\r\n"
    }
}
