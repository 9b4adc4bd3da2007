#if canImport(Glibc)
    import Glibc
#endif

/// What the organisation's log pipeline gets of one send outcome: who sent which message to how
/// many recipients at which domains, with which attachments (names and SHA-256) and which findings
/// accepted, and how it ended. Never a body, a subject, an address's local part or a password.
/// docs/journal.md, "Into the log pipeline (syslog)".
public struct SendOutcomeRecord: Sendable, Equatable {
    public var messageID: String
    public var account: String
    /// "sent", "partially-sent", "failed", "failed-temporarily", "unknown" (`JournalEventKind`).
    public var outcome: String
    /// Recipients per domain (A-label form, lowercased), in the order first seen.
    public var domains: [(domain: String, count: Int)]
    public var to: Int
    public var cc: Int
    public var bcc: Int
    public var attachments: [(name: String, sha256: String)]
    /// The rule ids of the findings the sender accepted.
    public var findingsAccepted: [String]
    /// The outbox id.
    public var outboxID: String

    public init(
        messageID: String, account: String, outcome: String, domains: [(domain: String, count: Int)], to: Int, cc: Int, bcc: Int,
        attachments: [(name: String, sha256: String)], findingsAccepted: [String], outboxID: String
    ) {
        self.messageID = messageID
        self.account = account
        self.outcome = outcome
        self.domains = domains
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.attachments = attachments
        self.findingsAccepted = findingsAccepted
        self.outboxID = outboxID
    }

    public static func == (a: SendOutcomeRecord, b: SendOutcomeRecord) -> Bool {
        a.messageID == b.messageID && a.account == b.account && a.outcome == b.outcome
            && a.domains.map(\.domain) == b.domains.map(\.domain) && a.domains.map(\.count) == b.domains.map(\.count)
            && (a.to, a.cc, a.bcc) == (b.to, b.cc, b.bcc) && a.attachments.map(\.name) == b.attachments.map(\.name)
            && a.attachments.map(\.sha256) == b.attachments.map(\.sha256) && a.findingsAccepted == b.findingsAccepted
            && a.outboxID == b.outboxID
    }

    /// The syslog message (RFC 5424 §6): facility mail (2); severity informational (6) for
    /// "sent", warning (4) for anything else; APP-NAME `guardmail`, MSGID `send`; one
    /// structured-data element `guardmail@32473` (32473 is the private enterprise number RFC 5612
    /// reserves for documentation: an organisation may map it to its own). A parameter repeats
    /// for each domain (`domain="partner.example:2"`), attachment (`attachment="a.pdf"` with
    /// `sha256="…"` after it) and accepted finding (`accepted="new-domain"`). The free-text MSG
    /// says it once more in words.
    /// - SeeAlso: RFC 5424 §6.2 (header), §6.3 (structured data, escaping of `"`, `\` and `]`).
    public func rfc5424(at seconds: Int64, hostname: String, pid: Int32) -> String {
        let severity = outcome == "sent" ? 6 : 4
        let priority = 2 * 8 + severity
        var data = "[guardmail@32473"
        func param(_ name: String, _ value: String) { data += " \(name)=\"\(Self.escape(value))\"" }
        param("message_id", messageID)
        param("account", account)
        param("outcome", outcome)
        param("outbox_id", outboxID)
        param("rcpt_total", "\(to + cc + bcc)")
        param("rcpt_to", "\(to)")
        param("rcpt_cc", "\(cc)")
        param("rcpt_bcc", "\(bcc)")
        param("domains", "\(domains.count)")
        for entry in domains { param("domain", "\(entry.domain):\(entry.count)") }
        param("attachments", "\(attachments.count)")
        for attachment in attachments {
            param("attachment", attachment.name)
            param("sha256", attachment.sha256)
        }
        for rule in findingsAccepted { param("accepted", rule) }
        data += "]"
        let host = hostname.isEmpty ? "-" : String(hostname.filter { $0.isASCII && $0 > " " }.prefix(255))
        let words =
            "\(outcome) \(messageID) account \(account): \(to + cc + bcc) recipient\(to + cc + bcc == 1 ? "" : "s") at "
            + domains.map(\.domain).joined(separator: ", ") + (attachments.isEmpty ? "" : ", \(attachments.count) attachment(s)")
        return "<\(priority)>1 \(Self.timestamp(seconds)) \(host) guardmail \(pid) send \(data) \(words)"
    }

    /// `"`, `\` and `]` escaped with a backslash inside a PARAM-VALUE (RFC 5424 §6.3.3).
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { out.append("\\") }
            // A line break would end the record for many receivers: spaces instead.
            out.append(character.isNewline ? " " : character)
        }
        return out
    }

    /// `2026-12-07T06:30:00Z` (RFC 5424 §6.2.3, UTC).
    static func timestamp(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

/// The local syslog socket (a Unix datagram socket: `/dev/log`, where journald and rsyslog
/// listen). One datagram per record; a failure is returned as words, never thrown: the log
/// pipeline is a copy, and a message is never held back because it is down.
public final class SyslogSocket: @unchecked Sendable {
    public let path: String
    /// Why records could not be written, since the last `takeFailures` (for a warning line).
    private var failures: [String] = []

    public init(path: String) { self.path = path }

    /// Sends a record; a failure is kept for `takeFailures`.
    public func write(_ record: String) {
        if let failure = send(record) { failures.append(failure) }
    }

    /// The failures since the last call.
    public func takeFailures() -> [String] {
        defer { failures = [] }
        return failures
    }

    /// Sends one record; nil when it was handed to the socket, else why not.
    public func send(_ record: String) -> String? {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return "cannot open a socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return "the syslog socket path '\(path)' is too long" }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let payload = Array(record.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, socketAddress, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        guard sent == payload.count else { return "cannot write to the syslog socket '\(path)': \(String(cString: strerror(errno)))" }
        return nil
    }
}
