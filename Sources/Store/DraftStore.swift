#if canImport(Glibc)
    import Glibc
#endif
import MailCore

/// An unsent message exactly as the user left it: every field as typed (even an invalid
/// address), the attachments by path, the body and the cursor.
public struct DraftRecord: Equatable, Sendable {
    public var id: String
    public var account: String?
    public var to: String
    public var cc: String
    public var bcc: String
    public var subject: String
    public var body: String
    public var attachmentPaths: [String]
    /// The field being edited (`to`, `cc`, `bcc`, `subject`, `body`) or nil in command mode.
    public var field: String?
    public var bodyLine: Int
    public var bodyColumn: Int
    public var savedAt: Int64
    /// A reply's threading headers, kept so that a resumed reply is still one (written as
    /// In-Reply-To and References, which other mail programs read too).
    public var inReplyTo: String?
    public var references: [String] = []

    public init(
        id: String, account: String? = nil, to: String = "", cc: String = "", bcc: String = "", subject: String = "",
        body: String = "", attachmentPaths: [String] = [], field: String? = nil, bodyLine: Int = 0, bodyColumn: Int = 0,
        savedAt: Int64 = 0
    ) {
        self.id = id
        self.account = account
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.body = body
        self.attachmentPaths = attachmentPaths
        self.field = field
        self.bodyLine = bodyLine
        self.bodyColumn = bodyColumn
        self.savedAt = savedAt
    }
}

/// The drafts folder: a Maildir whose messages carry the D (draft) flag, one file per draft,
/// replaced atomically on every save (write to tmp/, fsync, rename into cur/, fsync the folder).
/// Other mail programs can read these files; guardmail's own fields ride in X-Guardmail headers.
/// - SeeAlso: https://cr.yp.to/proto/maildir.html
public struct DraftStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    private func path(_ id: String) -> String { "\(directory)/cur/\(id).guardmail:2,D" }

    public func save(_ draft: DraftRecord) throws(FileError) {
        for sub in ["tmp", "new", "cur"] { try FileSystem.makeDirectories("\(directory)/\(sub)") }
        let temporary = "\(directory)/tmp/\(draft.id).\(getpid()).tmp"
        FileSystem.remove(temporary)
        let sink = try FileSink(creating: temporary)
        do {
            try sink.write(Self.encode(draft))
            try sink.finish(sync: true)
        } catch {
            try? sink.finish(sync: false)
            FileSystem.remove(temporary)
            throw (error as? FileError) ?? FileError(action: "write", path: temporary, errno: EIO)
        }
        try FileSystem.rename(temporary, to: path(draft.id))
        try FileSystem.syncDirectory("\(directory)/cur")
    }

    /// Every readable draft, newest first. Unreadable files are skipped, never deleted.
    public func list() -> [DraftRecord] {
        FileSystem.listDirectory("\(directory)/cur")
            .filter { $0.hasSuffix(":2,D") || $0.contains(":2,") && $0.split(separator: ",").last?.contains("D") == true }
            .compactMap { name -> DraftRecord? in
                guard let bytes = try? FileSystem.readBytes("\(directory)/cur/\(name)") else { return nil }
                return Self.decode(bytes, fallbackID: String(name.prefix { $0 != ":" }))
            }
            .sorted { $0.savedAt > $1.savedAt }
    }

    public func load(id: String) -> DraftRecord? {
        guard let bytes = try? FileSystem.readBytes(path(id)) else { return nil }
        return Self.decode(bytes, fallbackID: id)
    }

    public func delete(id: String) {
        FileSystem.remove(path(id))
        _ = try? FileSystem.syncDirectory("\(directory)/cur")
    }

    // MARK: Format

    /// The draft as a message file. Public because the outbox keeps its composer snapshot
    /// (`draft.eml`) in this same format, so one decoder reads both.
    public static func encode(_ draft: DraftRecord) -> String {
        var out = "Date: \(MailDate(secondsSince1970: draft.savedAt, utcOffsetSeconds: 0).rfc5322)\r\n"
        out += "X-Guardmail-Draft: 1\r\n"
        out += "X-Guardmail-Draft-ID: \(draft.id)\r\n"
        out += "X-Guardmail-Saved: \(draft.savedAt)\r\n"
        if let account = draft.account { out += HeaderEncoding.unstructured("X-Guardmail-Account", account) }
        // Fields as typed, encoded so that any text (even an invalid address) survives exactly.
        out += HeaderEncoding.unstructured("To", draft.to)
        out += HeaderEncoding.unstructured("Cc", draft.cc)
        out += HeaderEncoding.unstructured("Bcc", draft.bcc)
        out += HeaderEncoding.unstructured("Subject", draft.subject)
        for path in draft.attachmentPaths {
            out += "X-Guardmail-Attach: =?UTF-8?B?\(Base64.encode(Array(path.utf8)))?=\r\n"
        }
        if let id = draft.inReplyTo, Self.isPlainMessageID(id) { out += "In-Reply-To: \(id)\r\n" }
        let references = draft.references.filter(Self.isPlainMessageID)
        if !references.isEmpty { out += "References: " + references.joined(separator: "\r\n ") + "\r\n" }
        out += "X-Guardmail-Cursor: field=\(draft.field ?? "none") line=\(draft.bodyLine) column=\(draft.bodyColumn)\r\n"
        out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        // base64 of the exact bytes: line endings and trailing spaces survive untouched.
        var lines = [UInt8](repeating: 0, count: Base64.encodedLineSize(draft.body.utf8.count))
        let body = Array(draft.body.utf8)
        let written = body.withUnsafeBytes { input in lines.withUnsafeMutableBytes { Base64.encodeLines(input, into: $0) } }
        out += String(decoding: lines[..<written], as: UTF8.self)
        return out
    }

    /// `<…>` of printable ASCII without spaces: safe to write as a header as it is.
    static func isPlainMessageID(_ id: String) -> Bool {
        id.hasPrefix("<") && id.hasSuffix(">") && id.utf8.count >= 3 && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
            && Reply.messageIDs(in: id) == [id]
    }

    /// The draft in a file written by `encode`, or nil when it is not one (no X-Guardmail-Draft
    /// header, no header/body separator, a body that is not base64 of UTF-8).
    public static func decode(_ bytes: [UInt8], fallbackID: String) -> DraftRecord? {
        // The header section ends at the first empty line.
        var end: Int?
        if bytes.count >= 4 {
            for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                end = i
                break
            }
        }
        guard let end else { return nil }
        let headerText = String(decoding: bytes[..<end], as: UTF8.self)
        var headers: [(String, String)] = []
        for line in headerText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init) {
            if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += line
            } else if let colon = line.firstIndex(of: ":") {
                var value = line[line.index(after: colon)...]
                if value.first == " " { value = value.dropFirst() }
                headers.append((line[..<colon].lowercased(), String(value)))
            }
        }
        func value(_ name: String) -> String? {
            headers.first { $0.0 == name }.map { EncodedWordDecoder.decode($0.1) }
        }
        guard value("x-guardmail-draft") == "1" else { return nil }
        var record = DraftRecord(id: value("x-guardmail-draft-id") ?? fallbackID)
        record.account = value("x-guardmail-account")
        record.to = value("to") ?? ""
        record.cc = value("cc") ?? ""
        record.bcc = value("bcc") ?? ""
        record.subject = value("subject") ?? ""
        record.attachmentPaths = headers.filter { $0.0 == "x-guardmail-attach" }.map { EncodedWordDecoder.decode($0.1) }
        record.savedAt = Int64(value("x-guardmail-saved") ?? "") ?? 0
        record.inReplyTo = headers.first { $0.0 == "in-reply-to" }.flatMap { Reply.messageIDs(in: $0.1).first }
        record.references = headers.first { $0.0 == "references" }.map { Reply.messageIDs(in: $0.1) } ?? []
        if let cursor = value("x-guardmail-cursor") {
            for part in cursor.split(separator: " ") {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { continue }
                switch pair[0] {
                case "field": record.field = pair[1] == "none" ? nil : pair[1]
                case "line": record.bodyLine = Int(pair[1]) ?? 0
                case "column": record.bodyColumn = Int(pair[1]) ?? 0
                default: break
                }
            }
        }
        let encodedBody = String(decoding: bytes[(end + 4)...].filter { $0 != 13 && $0 != 10 && $0 != 32 }, as: UTF8.self)
        guard let body = Base64.decode(encodedBody, strictness: .strict), let bodyText = String(validating: body, as: UTF8.self) else { return nil }
        record.body = bodyText
        return record
    }
}
