/// Writes an `OutgoingMessage` as RFC 5322 / MIME bytes into a `ByteSink`, streaming each
/// attachment through a fixed buffer, so memory stays flat however large the files are.
///
/// The output uses CRLF everywhere and no line passes 998 octets. A message whose subject or a
/// display name holds a CR or LF is refused (`HeaderTextError`), not encoded. The transmitted form never has
/// a Bcc header; `includeBccHeader` exists for the sender's own copy (the sent folder).
/// - SeeAlso: RFC 5322, RFC 2045–2047, RFC 2183, RFC 2231.
public struct MIMEWriter {
    public struct Options: Sendable {
        /// Only for the sender's own copy: the recipients of that copy are not told.
        public var includeBccHeader = false
        public var userAgent = "guardmail"
        /// Input bytes per encoding round; a multiple of 57 so that every round ends on a line.
        public var chunkSize = Base64.bytesPerLine * 2048
        public init(includeBccHeader: Bool = false, userAgent: String = "guardmail") {
            self.includeBccHeader = includeBccHeader
            self.userAgent = userAgent
        }
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Progress while writing attachments: bytes of attachment content read so far.
    public typealias Progress = (_ attachmentBytesRead: Int64) -> Void
    /// Every piece of attachment content as it is read for encoding, with the attachment's
    /// index: a digest taken here is of exactly the bytes in the message.
    public typealias ContentObserver = (_ attachment: Int, _ bytes: UnsafeRawBufferPointer) -> Void

    public func write(
        _ message: OutgoingMessage, stamp: MessageStamp, opener: any AttachmentOpener,
        to sink: inout some ByteSink, progress: Progress? = nil, content: ContentObserver? = nil
    ) throws {
        // The last guard: every input path refuses these first, with its own words; a message
        // that still has one is never written, so it can never be sent.
        let problems = message.headerTextProblems
        guard problems.isEmpty else { throw HeaderTextError(problems: problems) }
        try sink.write(headerBlock(message, stamp: stamp))
        let body = BodyEncoding.canonicalLines(message.body)
        let encoding = BodyEncoding.choose(for: body)
        let textHeaders = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: \(encoding.rawValue)\r\n"
        if message.attachments.isEmpty {
            try sink.write(textHeaders + "\r\n")
            try writeBody(body, encoding, to: &sink)
            return
        }
        let boundary = stamp.boundary
        try sink.write(
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n"
                + "This is a multi-part message in MIME format.\r\n\r\n--\(boundary)\r\n" + textHeaders + "\r\n")
        try writeBody(body, encoding, to: &sink)
        // The CRLF before a boundary belongs to the delimiter (RFC 2046 §5.1.1): one more keeps
        // the body's own final line break.
        try sink.write("\r\n")

        var buffer = EncodingBuffer(chunkSize: options.chunkSize)
        var readSoFar: Int64 = 0
        for (index, attachment) in message.attachments.enumerated() {
            try sink.write("--\(boundary)\r\n" + Self.attachmentHeaders(attachment) + "\r\n")
            var source = try opener.open(attachment)
            try buffer.encode(from: &source, to: &sink) { chunk in
                readSoFar += Int64(chunk.count)
                progress?(readSoFar)
                content?(index, chunk)
            }
        }
        try sink.write("--\(boundary)--\r\n")
    }

    /// The top-level header fields, up to (not including) the MIME content headers.
    public func headerBlock(_ message: OutgoingMessage, stamp: MessageStamp) -> String {
        var out = "Date: \(stamp.date.rfc5322)\r\n"
        out += HeaderEncoding.addressList("From", [.mailbox(message.from)])
        if !message.to.isEmpty {
            out += HeaderEncoding.addressList("To", message.to)
        } else if message.cc.isEmpty {
            // Bcc only: say so rather than leave To out (RFC 5322 §3.6.3's "undisclosed" group).
            out += "To: undisclosed-recipients:;\r\n"
        }
        if !message.cc.isEmpty { out += HeaderEncoding.addressList("Cc", message.cc) }
        if options.includeBccHeader && !message.bcc.isEmpty { out += HeaderEncoding.addressList("Bcc", message.bcc) }
        out += HeaderEncoding.unstructured("Subject", message.subject)
        out += "Message-ID: \(stamp.messageID)\r\n"
        if let id = message.inReplyTo, Self.isMessageID(id) { out += "In-Reply-To: \(id)\r\n" }
        let references = message.references.filter(Self.isMessageID)
        if !references.isEmpty { out += "References: " + references.joined(separator: "\r\n ") + "\r\n" }
        out += "User-Agent: \(options.userAgent)\r\n"
        out += "MIME-Version: 1.0\r\n"
        return out
    }

    /// `<…>` of printable ASCII with no space, angle bracket or backslash inside: a Message-ID
    /// that can be written as it is (anything else from an original is left out, never
    /// written into a header where it could break a line).
    static func isMessageID(_ id: String) -> Bool {
        let b = Array(id.utf8)
        guard b.count >= 3, b.count <= 250, b.first == UInt8(ascii: "<"), b.last == UInt8(ascii: ">") else { return false }
        return b.dropFirst().dropLast().allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\\") }
    }

    static func attachmentHeaders(_ attachment: Attachment) -> String {
        let type = attachment.contentType.isEmpty ? "application/octet-stream" : attachment.contentType
        let typeParts = type.split(separator: ";").map { $0.trimmingSpaces() }
        let contentType = HeaderEncoding.parameterized(
            "Content-Type", typeParts[0], Array(typeParts.dropFirst()) + [HeaderEncoding.legacyNameParameter(attachment.fileName)])
        let disposition = HeaderEncoding.parameterized(
            "Content-Disposition", "attachment", HeaderEncoding.fileNameParameter("filename", attachment.fileName))
        return contentType + disposition + "Content-Transfer-Encoding: base64\r\n"
    }

    private func writeBody(_ canonical: [UInt8], _ encoding: TransferEncoding, to sink: inout some ByteSink) throws {
        switch encoding {
        case .sevenBit:
            try sink.write(canonical)
        case .quotedPrintable:
            try sink.write(BodyEncoding.quotedPrintable(canonical))
        case .base64:
            var out = [UInt8](repeating: 0, count: Base64.encodedLineSize(canonical.count))
            let written = canonical.withUnsafeBytes { input in
                out.withUnsafeMutableBytes { Base64.encodeLines(input, into: $0) }
            }
            try out.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[..<written])) }
        }
    }
}

/// A reusable pair of buffers: raw input and its base64 lines.
struct EncodingBuffer {
    private var input: UnsafeMutableRawBufferPointer
    private var output: UnsafeMutableRawBufferPointer
    private let owner: Owner

    /// Frees the buffers when the last copy goes away.
    final class Owner {
        let pointers: [UnsafeMutableRawBufferPointer]
        init(_ pointers: [UnsafeMutableRawBufferPointer]) { self.pointers = pointers }
        deinit { pointers.forEach { $0.deallocate() } }
    }

    init(chunkSize: Int) {
        precondition(chunkSize % Base64.bytesPerLine == 0, "chunk size must be whole base64 lines")
        input = .allocate(byteCount: chunkSize, alignment: 16)
        output = .allocate(byteCount: Base64.encodedLineSize(chunkSize), alignment: 16)
        owner = Owner([input, output])
    }

    /// Reads `source` to its end, writing base64 lines to `sink`.
    mutating func encode(from source: inout some ByteSource, to sink: inout some ByteSink, read: (UnsafeRawBufferPointer) -> Void) throws {
        while true {
            // Fill the whole chunk (reads may return less) so that only the final round is short.
            var filled = 0
            while filled < input.count {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[filled...]))
                if n == 0 { break }
                filled += n
            }
            if filled == 0 { return }
            let chunk = UnsafeRawBufferPointer(rebasing: input[..<filled])
            read(chunk)
            let written = Base64.encodeLines(chunk, into: output)
            try sink.write(UnsafeRawBufferPointer(rebasing: output[..<written]))
            if filled < input.count { return }
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
