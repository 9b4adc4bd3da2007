// MessageParser.swift — reads an existing RFC 5322 / MIME message (an .eml file's bytes) into
// what the send policy looks at: the recipients, the subject, the body text and the attachments.
//
// Tolerant by design: LF or CRLF line endings, folded headers, RFC 2047 encoded-words, raw
// ISO-2022-JP / Shift_JIS / EUC-JP header bytes, address headers that do not parse (recorded,
// not fatal), multipart nesting with missing close delimiters, lenient base64 and
// quoted-printable. Only input with no header section at all is refused.
// Linear in the size of the message: parts are byte ranges into the input, never copies of it.
// - SeeAlso: RFC 5322, RFC 2045–2047, RFC 2183, RFC 2231.

/// A message as read from bytes.
public struct ParsedMessage: Sendable {
    /// Every header field of the top-level section in order: unfolded, not RFC 2047-decoded.
    public var headers: [(name: String, value: String)]
    public var from: [Mailbox]
    public var to: [AddressListEntry]
    public var cc: [AddressListEntry]
    public var bcc: [AddressListEntry]
    /// One entry per address that did not parse, as "Cc: <reason>". What could be read of such a
    /// header (the addresses between the commas that do parse) is still in its field.
    public var addressProblems: [String]
    /// RFC 2047-decoded; "" when there is none.
    public var subject: String
    /// As written, e.g. `<abc@example.jp>`.
    public var messageID: String?
    /// The text the policy reads: the first text/plain part that is not an attachment, decoded
    /// (transfer encoding and charset), with LF line endings; else the first text/html part as
    /// plain text; else "".
    public var body: String
    public var attachments: [ParsedAttachment]
    /// One sentence per thing that could not be read exactly as labelled ("Subject: charset
    /// \"x-foo\" is unknown: …", "body: the text is not valid ISO-2022-JP; …"): the text is still
    /// there, with what could be read, and this says what was not.
    public var readingProblems: [String] = []

    public init(
        headers: [(name: String, value: String)] = [], from: [Mailbox] = [], to: [AddressListEntry] = [],
        cc: [AddressListEntry] = [], bcc: [AddressListEntry] = [], addressProblems: [String] = [],
        subject: String = "", messageID: String? = nil, body: String = "", attachments: [ParsedAttachment] = []
    ) {
        self.headers = headers
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.addressProblems = addressProblems
        self.subject = subject
        self.messageID = messageID
        self.body = body
        self.attachments = attachments
    }

    /// The first header field with this name (case-insensitive), RFC 2047-decoded; nil if absent.
    public func header(_ name: String) -> String? {
        guard let field = headers.first(where: { $0.name.caseInsensitiveEquals(name) }) else { return nil }
        return EncodedWordDecoder.decode(field.value)
    }

    /// Every mailbox in To, Cc and Bcc, groups flattened, in that order.
    public var recipients: [Mailbox] { to.mailboxes + cc.mailboxes + bcc.mailboxes }
}

/// One attachment of a parsed message.
public struct ParsedAttachment: Sendable, Hashable {
    /// The name given by the sender (RFC 2231 `filename*`, then `filename=`, then `name=`), or
    /// `message.eml` for an unnamed forwarded message, or `attachment-N` (N counting from 1).
    /// Control characters are removed, nothing else: it is not safe to use as a path as it is.
    public var fileName: String
    /// `type/subtype`, lowercased, without parameters.
    public var contentType: String
    /// The content with its transfer encoding undone (empty when the message was parsed with
    /// `attachmentContent: false`: `decodeContent` then gives it a piece at a time).
    public var content: [UInt8]
    /// Where the encoded content is in the bytes the message was parsed from, and its
    /// Content-Transfer-Encoding (lowercased).
    public var encodedRange: Range<Int> = 0..<0
    public var transferEncoding = "7bit"

    public init(fileName: String, contentType: String, content: [UInt8]) {
        self.fileName = fileName
        self.contentType = contentType
        self.content = content
    }

    /// The content decoded from `message` (the same bytes the message was parsed from), handed
    /// to `body` in pieces of about `chunkSize` encoded bytes: a forward writes a 100 MiB
    /// attachment to a file without holding it in memory.
    public func decodeContent(
        from message: UnsafeBufferPointer<UInt8>, chunkSize: Int = 1 << 20, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        let range = encodedRange.clamped(to: 0..<message.count)
        try TransferDecoding.decode(UnsafeBufferPointer(rebasing: message[range]), encoding: transferEncoding, chunkSize: chunkSize, body)
    }
}

/// The input is not a mail message at all.
public struct MessageParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

public enum MessageParser {
    /// Multipart nesting deeper than this is kept as one opaque attachment.
    static let maximumDepth = 40

    /// Parses a whole message. Throws only when there is no header section at all (empty input,
    /// or a first line that is not a header field, such as a PDF given by mistake).
    public static func parse(_ bytes: [UInt8]) throws(MessageParseError) -> ParsedMessage {
        let result: Result<ParsedMessage, MessageParseError> = bytes.withUnsafeBufferPointer { b in
            Result { () throws(MessageParseError) in try parse(buffer: b) }
        }
        return try result.get()
    }

    /// The same over bytes the caller holds (a mapped file: a huge original is never copied).
    /// With `attachmentContent` false the attachments are listed with empty content, so what
    /// a reply reads stays small however large the attachments are.
    public static func parse(buffer b: UnsafeBufferPointer<UInt8>, attachmentContent: Bool = true) throws(MessageParseError)
        -> ParsedMessage
    {
        let result: Result<ParsedMessage, MessageParseError> = {
            var start = 0
            // A UTF-8 byte order mark, then an mbox "From " separator line, are not part of the message.
            if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { start = 3 }
            if b.count - start >= 5, Array(b[start..<(start + 5)]) == Array("From ".utf8) {
                var k = start + 5
                while k < b.count, MIMEBytes.isWSP(b[k]) { k += 1 }
                if k < b.count, b[k] != UInt8(ascii: ":") { // not the obsolete "From : …" field
                    start = min(MIMEBytes.lineFeed(b, from: start, to: b.count) + 1, b.count)
                }
            }
            guard start < b.count else { return .failure(MessageParseError("not a mail message: the input is empty")) }
            guard let section = HeaderSection.parse(b, from: start, to: b.count, lenient: true),
                !section.fields.isEmpty
            else {
                let lf = MIMEBytes.lineFeed(b, from: start, to: b.count)
                var end = min(lf, start + 60)
                if end > start && b[end - 1] == 13 { end -= 1 } // the CR of a CRLF line end
                let line = TextDecoding.headerText(Array(b[start..<end]))
                    .unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined()
                return .failure(
                    MessageParseError(
                        line.isEmpty
                            ? "not a mail message: it starts with an empty line, so it has no header fields"
                            : "not a mail message: the first line '\(line)' is not a header field (Name: value)"))
            }
            var message = ParsedMessage(headers: section.fields)
            readHeaders(into: &message)
            var walker = PartWalker(b: b)
            walker.keepContent = attachmentContent
            walker.entity(section, end: b.count, depth: 0, inDigest: false)
            let (body, note) = walker.bodyTextNoting()
            message.body = body
            if let note { message.readingProblems.append("body: \(note)") }
            message.attachments = walker.attachments
            return .success(message)
        }()
        return try result.get()
    }

    // MARK: Headers

    static func readHeaders(into message: inout ParsedMessage) {
        for (name, value) in message.headers {
            let field: String
            switch name.lowercased() {
            case "from": field = "From"
            case "to": field = "To"
            case "cc": field = "Cc"
            case "bcc": field = "Bcc"
            default: continue
            }
            // Every occurrence counts: a second To header still sends to its addresses.
            let (entries, errors) = addressList(value)
            for error in errors { message.addressProblems.append("\(field): \(error.description)") }
            switch field {
            case "From": message.from += entries.mailboxes
            case "To": message.to += entries
            case "Cc": message.cc += entries
            default: message.bcc += entries
            }
        }
        if let field = message.headers.first(where: { $0.name.caseInsensitiveEquals("Subject") }) {
            let (text, notes) = EncodedWordDecoder.decodeNoting(field.value)
            message.subject = text
            message.readingProblems += notes.map { "Subject: \($0)" }
        }
        if let id = message.headers.first(where: { $0.name.caseInsensitiveEquals("Message-ID") })?.value, !id.isEmpty {
            message.messageID = id
        }
    }

    /// The entries of an address header. When the whole list does not parse, each element
    /// (between top-level `,` or `;`) is tried alone, so one bad address does not hide the others.
    static func addressList(_ value: String) -> ([AddressListEntry], [AddressError]) {
        do {
            return (try AddressParser.parseList(value), [])
        } catch {
            // Every element that fails is reported, not only the first; when each element parses
            // on its own, the list itself (its separators) was the problem.
            var entries: [AddressListEntry] = []
            var errors: [AddressError] = []
            var repaired = false
            for element in topLevelElements(value) {
                do {
                    entries += try AddressParser.parseList(element)
                } catch let elementError {
                    if let quoted = quotingDisplayName(element), let read = try? AddressParser.parseList(quoted) {
                        entries += read
                        repaired = true
                    } else {
                        errors.append(elementError)
                    }
                }
            }
            return (entries, errors.isEmpty && !repaired ? [error] : errors)
        }
    }

    /// `氏名@所属 <mail@example.com>` — a display name with an unquoted `@`, a form Japanese
    /// offices use — as `"氏名@所属" <mail@example.com>`, so that it reads as a display name
    /// rather than as a second address; nil when the element is not of that shape.
    static func quotingDisplayName(_ element: String) -> String? {
        guard let open = element.lastIndex(of: "<"), element[open...].contains(">") else { return nil }
        var phrase = Substring(element[..<open])
        while let f = phrase.first, f.isWhitespace { phrase.removeFirst() }
        while let l = phrase.last, l.isWhitespace { phrase.removeLast() }
        guard phrase.contains("@"), !phrase.contains(where: { "\"\\<>()".contains($0) || $0.isNewline }) else { return nil }
        return "\"\(phrase)\" " + element[open...]
    }

    /// Splits an address list at commas and semicolons (ASCII or full-width, and `、`) that are
    /// outside quotes, comments, angle brackets and groups.
    static func topLevelElements(_ value: String) -> [String] {
        var elements: [String] = []
        var current = ""
        var quoted = false, escaped = false, inGroup = false
        var commentDepth = 0, angleDepth = 0
        for ch in value {
            if escaped {
                escaped = false
                current.append(ch)
                continue
            }
            if quoted {
                if ch == "\\" { escaped = true } else if ch == "\"" { quoted = false }
                current.append(ch)
                continue
            }
            if commentDepth > 0 {
                if ch == "\\" { escaped = true } else if ch == "(" { commentDepth += 1 } else if ch == ")" { commentDepth -= 1 }
                current.append(ch)
                continue
            }
            switch ch {
            case "\"": quoted = true
            case "(": commentDepth = 1
            case "<": angleDepth += 1
            case ">": angleDepth = max(angleDepth - 1, 0)
            case ":" where angleDepth == 0: inGroup = true
            case ";" where angleDepth == 0 && inGroup:
                inGroup = false
                current.append(ch)
                elements.append(current)
                current = ""
                continue
            case ",", ";", "、", "，", "；": // the full-width ones are typing slips, still separators
                if angleDepth == 0 && !inGroup {
                    elements.append(current)
                    current = ""
                    continue
                }
            default: break
            }
            current.append(ch)
        }
        elements.append(current)
        return elements.filter { !$0.allSatisfy(\.isWhitespace) }
    }
}

// MARK: - The part tree

/// Walks the MIME tree in document order, collecting the body candidates and the attachments.
struct PartWalker {
    let b: UnsafeBufferPointer<UInt8>
    var attachments: [ParsedAttachment] = []
    /// False: attachments are listed without their content (see `MessageParser.parse(buffer:)`).
    var keepContent = true
    /// The first text/plain body part, decoded.
    var plain: String?
    /// What could not be read of the body part chosen (see `ParsedMessage.readingProblems`).
    var plainNote: String?
    /// The first text/html body part, decoded only if there is no text/plain one.
    var html: (range: Range<Int>, encoding: String, charset: String?)?

    init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

    mutating func entity(_ section: HeaderSection, end: Int, depth: Int, inDigest: Bool) {
        let range = section.bodyStart..<max(section.bodyStart, end)
        var contentType =
            section.value("Content-Type").flatMap(MIMEContentType.init)
            ?? (inDigest ? MIMEContentType(type: "message", subtype: "rfc822") : MIMEContentType(type: "text", subtype: "plain"))
        let encoding = section.value("Content-Transfer-Encoding").map { MIMEParameterizedValue($0).value } ?? "7bit"
        let disposition = section.value("Content-Disposition").map(MIMEParameterizedValue.init)

        if contentType.type == "multipart" && depth < MessageParser.maximumDepth {
            let boundary =
                contentType.parameters.parameter("boundary").map { Array($0.utf8) }
                ?? Multipart.guessBoundary(b, range)
            if let boundary, let parts = Multipart.parts(b, range, boundary: boundary) {
                for part in parts {
                    let partSection =
                        HeaderSection.parse(b, from: part.lowerBound, to: part.upperBound, lenient: false)
                        ?? HeaderSection(fields: [], bodyStart: part.lowerBound)
                    entity(partSection, end: part.upperBound, depth: depth + 1, inDigest: contentType.subtype == "digest")
                }
                return
            }
            // No delimiter anywhere: keep the content readable as text rather than lose it.
            contentType = MIMEContentType(type: "text", subtype: "plain")
        }
        leaf(contentType, encoding: encoding, disposition: disposition, range: range)
    }

    mutating func leaf(_ type: MIMEContentType, encoding: String, disposition: MIMEParameterizedValue?, range: Range<Int>) {
        let fileName = Self.fileName(disposition, type)
        let isBodyType = type.mimeType == "text/plain" || type.mimeType == "text/html"
        let isAttachment = disposition?.value == "attachment" || fileName != nil || !isBodyType
        let buffer = b
        func content() -> [UInt8] { TransferDecoding.decode(UnsafeBufferPointer(rebasing: buffer[range]), encoding: encoding) }
        if isAttachment {
            let name =
                fileName
                ?? (type.type == "message" && (type.subtype == "rfc822" || type.subtype == "global")
                    ? "message.eml" : "attachment-\(attachments.count + 1)")
            var attachment = ParsedAttachment(fileName: name, contentType: type.mimeType, content: keepContent ? content() : [])
            attachment.encodedRange = range
            attachment.transferEncoding = encoding
            attachments.append(attachment)
        } else if type.subtype == "plain" {
            if plain == nil {
                let (text, note) = TextDecoding.read(content(), charset: type.parameters.parameter("charset"))
                plain = TextDecoding.normalizedLines(text)
                plainNote = note
            }
        } else if html == nil {
            html = (range, encoding, type.parameters.parameter("charset"))
        }
    }

    /// RFC 2231 `filename*` (or its continuations), then `filename=`, then the same for `name`.
    /// Encoded-words in a plain value (Outlook's `name="=?ISO-2022-JP?B?…?="`) are decoded and
    /// control characters left out; nothing else is changed, so the name is as the sender wrote
    /// it, not one safe to use as a path. Nil when there is no usable name.
    static func fileName(_ disposition: MIMEParameterizedValue?, _ type: MIMEContentType) -> String? {
        for (value, parameter) in [(disposition, "filename"), (type.parameters, "name")] {
            guard let found = value?.parameters[parameter] else { continue }
            let decoded = found.isPlain ? EncodedWordDecoder.decode(found.value) : found.value
            var scalars = String.UnicodeScalarView()
            for scalar in decoded.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
                scalars.append(scalar)
            }
            let name = String(scalars).trimming(" \t")
            if !name.isEmpty { return name }
        }
        return nil
    }

    /// The body the policy reads, and a sentence when it could not be read exactly as labelled.
    func bodyTextNoting() -> (text: String, note: String?) {
        if let plain { return (plain, plainNote) }
        guard let html else { return ("", nil) }
        let bytes = TransferDecoding.decode(UnsafeBufferPointer(rebasing: b[html.range]), encoding: html.encoding)
        let charset = html.charset ?? HTMLText.metaCharset(bytes)
        let (text, note) = TextDecoding.read(bytes, charset: charset)
        return (HTMLText.plainText(TextDecoding.normalizedLines(text)), note)
    }
}
