import MailCore
import Workflow

/// How to reach the submission server. Built by the caller from the account configuration.
public struct SMTPServer: Sendable, Equatable {
    public enum Security: Sendable, Equatable {
        /// `smtp://`: STARTTLS is required; the send fails if the server does not offer it.
        case startTLS
        /// `smtps://`: TLS from the first byte.
        case implicitTLS
        /// `smtp://` with `insecure = true`: STARTTLS when offered, plaintext otherwise.
        case plaintextAllowed
    }

    public var url: String
    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    /// The secret, obtained by the caller from `password_command`; never logged.
    public var password: String?
    /// Extra CA certificates to trust (PEM), on top of the system's.
    public var caFile: String?
    /// How long each wait may take (docs/outbox.md, "Timeouts and cancellation").
    public var timeouts = SMTPTimeouts()

    /// Parses `smtp://host[:port][/ehlo-name]` or `smtps://…`; `insecure` only relaxes `smtp://`.
    public init(url: String, insecure: Bool, username: String?, password: String?, caFile: String?) throws(TransportError) {
        let scheme: String
        let rest: Substring
        if url.hasPrefix("smtp://") {
            scheme = "smtp"
            rest = url.dropFirst("smtp://".count)
        } else if url.hasPrefix("smtps://") {
            scheme = "smtps"
            rest = url.dropFirst("smtps://".count)
        } else {
            throw TransportError(.badURL, "the SMTP URL '\(url)' must start with smtp:// (STARTTLS) or smtps:// (TLS)")
        }
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var hostPart = Substring(authority)
        var port = scheme == "smtps" ? 465 : 587
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                throw TransportError(.badURL, "the SMTP URL '\(url)' has an unclosed '['")
            }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw TransportError(.badURL, "the SMTP URL '\(url)' has an invalid port")
                }
                port = p
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            guard let p = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(p) else {
                throw TransportError(.badURL, "the SMTP URL '\(url)' has an invalid port")
            }
            port = p
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw TransportError(.badURL, "the SMTP URL '\(url)' has no host") }
        self.url = url
        self.host = String(hostPart)
        self.port = port
        self.security = scheme == "smtps" ? .implicitTLS : (insecure ? .plaintextAllowed : .startTLS)
        self.username = username
        self.password = password
        self.caFile = caFile
    }

    /// `host:port` for messages.
    public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// How long each wait of a submission may take, in seconds. A wait that runs out fails the
/// submission as a timeout: before the end of the data nothing was delivered (a temporary
/// failure); after it the server may have the message (unknown, never resent on its own).
///
/// RFC 5321 §4.5.3.2 gives a relaying client 5 minutes for the greeting, MAIL and RCPT,
/// 2 for DATA, 3 per block of data and 10 for the end of data. A submission server answers a
/// person waiting at a screen in well under a second unless something is wrong, so these are
/// shorter: long enough for a slow or busy server (a content filter scanning a large
/// attachment after the dot), short enough that a broken one is reported while the user still
/// waits. docs/outbox.md lists them with what state a timeout leaves.
public struct SMTPTimeouts: Sendable, Equatable {
    /// Everything before MAIL FROM on a new connection: TCP connect, TLS handshake, the
    /// greeting, EHLO, STARTTLS and AUTH.
    public var connect: Double = 30
    /// Each reply to MAIL, RCPT and DATA (and to the commands of the connection phase).
    public var reply: Double = 60
    /// Sending the message: it fails when no byte could be handed to the server for this long.
    public var stall: Double = 60
    /// The reply after the end of data ("250 queued"): `finalBase` plus `finalPerMiB` for each
    /// MiB of the message (a large message takes longer to scan), at most `finalMaximum`.
    public var finalBase: Double = 60
    public var finalPerMiB: Double = 2
    public var finalMaximum: Double = 600

    public init() {}

    /// The wait for the final reply to a message of `bytes` bytes.
    public func finalReply(forSize bytes: Int64) -> Double {
        let mib = Double(max(0, bytes)) / 1_048_576
        return min(finalMaximum, max(finalBase, finalBase + finalPerMiB * mib))
    }

    /// The names `parse` accepts, in the order documented.
    public static let keys = ["connect", "reply", "stall", "final", "final_per_mib", "final_max"]

    /// Reads `connect=2,reply=2,final=3` (the `GUARDMAIL_SMTP_TIMEOUTS` environment variable):
    /// any of `keys`, in seconds (decimals allowed), separated by commas; the rest keep their
    /// defaults. Anything else is an error that names the part and why.
    public static func parse(_ text: String) throws(TransportError) -> SMTPTimeouts {
        var timeouts = SMTPTimeouts()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingSpaces()
            guard let equals = item.firstIndex(of: "=") else {
                throw TransportError(.other, "the timeout setting '\(item)' in '\(text)' is not NAME=SECONDS (names: \(keys.joined(separator: ", ")))")
            }
            let name = String(item[..<equals]).trimmingSpaces()
            let valueText = String(item[item.index(after: equals)...]).trimmingSpaces()
            guard let value = Double(valueText), value.isFinite,
                name == "final_per_mib" ? value >= 0 : value > 0, value <= 86_400
            else {
                throw TransportError(
                    .other,
                    "the timeout '\(name)' in '\(text)' must be a number of seconds "
                        + "\(name == "final_per_mib" ? "from 0" : "above 0") up to 86400, not '\(valueText)'")
            }
            switch name {
            case "connect": timeouts.connect = value
            case "reply": timeouts.reply = value
            case "stall": timeouts.stall = value
            case "final": timeouts.finalBase = value
            case "final_per_mib": timeouts.finalPerMiB = value
            case "final_max": timeouts.finalMaximum = value
            default:
                throw TransportError(.other, "unknown timeout '\(name)' in '\(text)' (names: \(keys.joined(separator: ", ")))")
            }
        }
        if timeouts.finalMaximum < timeouts.finalBase {
            throw TransportError(.other, "the timeout 'final_max' (\(timeouts.finalMaximum) s) in '\(text)' is shorter than 'final' (\(timeouts.finalBase) s)")
        }
        return timeouts
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// One reply from the server: the code and its text (continuation lines joined by spaces). The
/// transport reads it; the one verdict on a transaction (Workflow's `TransactionVerdict`) judges it.
public typealias SMTPReply = ServerReply

/// What happened to one envelope recipient.
public struct RecipientResult: Sendable, Equatable {
    public var address: String
    /// The reply to `RCPT TO`; nil when the session ended before this recipient was tried.
    public var reply: SMTPReply?
    public var accepted: Bool { reply?.isPositive ?? false }

    public init(address: String, reply: SMTPReply?) {
        self.address = address
        self.reply = reply
    }

    /// Each requested recipient (spelled as we asked, and so reported) with the reply to its
    /// `RCPT TO`, from the dialogue as seen (`sent`: the address of each RCPT line and the reply,
    /// in order). Lines pair by `RecipientKey`, each used once, in order: curl or a proxy may
    /// spell a line differently from our request (another case, the domain in A-labels). A line
    /// whose address could not be read (empty) goes to the first recipient still without a
    /// reply, in order; a line with another recipient's key never does. A recipient with no line
    /// was not tried (nil reply).
    public static func paired(requested: [String], sent: [(address: String, reply: SMTPReply)]) -> [RecipientResult] {
        var replies = [SMTPReply?](repeating: nil, count: requested.count)
        var waiting: [RecipientKey: [Int]] = [:]
        for (index, address) in requested.enumerated().reversed() {
            waiting[RecipientKey(address: address), default: []].append(index)
        }
        var unread: [SMTPReply] = []
        for line in sent {
            if line.address.isEmpty {
                unread.append(line.reply)
            } else if let index = waiting[RecipientKey(address: line.address)]?.popLast() {
                replies[index] = line.reply
            }
        }
        for reply in unread {
            guard let index = replies.firstIndex(where: { $0 == nil }) else { break }
            replies[index] = reply
        }
        return zip(requested, replies).map { RecipientResult(address: $0, reply: $1) }
    }
}

/// The outcome of a submission the server took (possibly for only some recipients).
public struct SubmissionResult: Sendable, Equatable {
    public var recipients: [RecipientResult]
    /// The reply after the message data (`250 … queued as …`).
    public var dataReply: SMTPReply?
    public var bytesSent: Int64
    public var accepted: [RecipientResult] { recipients.filter(\.accepted) }

    /// For other submitters (and their tests): the same shape as `SMTPSubmitter` returns.
    public init(recipients: [RecipientResult], dataReply: SMTPReply?, bytesSent: Int64) {
        self.recipients = recipients
        self.dataReply = dataReply
        self.bytesSent = bytesSent
    }
    public var refused: [RecipientResult] { recipients.filter { !$0.accepted } }
}

/// What to send: the envelope and the path of the finished message (CRLF line endings).
public struct SubmissionRequest: Sendable {
    public var mailFrom: String
    public var recipients: [String]
    public var messagePath: String
    /// Where the message starts in the file (the sender's copy keeps a Bcc header before it).
    public var messageOffset: Int64
    public var messageSize: Int64
    public init(mailFrom: String, recipients: [String], messagePath: String, messageOffset: Int64 = 0, messageSize: Int64) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.messagePath = messagePath
        self.messageOffset = messageOffset
        self.messageSize = messageSize
    }
}

/// A submission that failed as a whole, in a sentence the user can act on.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badURL
        case connectionRefused
        case cannotConnect
        case cannotResolve
        case timeout
        case connectionLost
        case certificateUntrusted
        case hostnameMismatch
        case caFileUnreadable
        case tlsFailed
        case startTLSNotOffered
        case authNotOffered
        case loginDenied
        /// The server refused a command (MAIL, DATA, end of data) or every recipient.
        case rejected
        case messageUnreadable
        /// The caller stopped it (`SMTPSubmitter.submit`'s `proceed` said no).
        case stopped
        case other
    }

    public var kind: Kind
    public var message: String
    /// The server's reply that caused it, when there was one.
    public var reply: SMTPReply?
    /// Per-recipient results known at the time of failure (e.g. all refused).
    public var recipients: [RecipientResult]
    /// The whole message had been handed over when the connection broke or went silent, with no
    /// answer to the end of the data: the server may have it. Never retry such a send on its own.
    public var afterData = false

    public init(_ kind: Kind, _ message: String, reply: SMTPReply? = nil, recipients: [RecipientResult] = []) {
        self.kind = kind
        self.message = message
        self.reply = reply
        self.recipients = recipients
    }

    /// Worth retrying later without changing anything (4xx replies, timeouts, dropped connections).
    public var isTemporary: Bool {
        switch kind {
        case .timeout, .connectionLost: return true
        case .rejected: return reply?.isTemporary ?? false
        default: return false
        }
    }

    public var description: String { message }
}

/// Where a submission asks its caller whether to go on (see `SMTPSubmitter.submit`).
public enum SubmissionCheckpoint: Sendable, Equatable {
    /// While the dialogue runs and the message goes out. Stopping here closes the connection
    /// before the final dot: the server cannot deliver the message.
    case running
    /// The whole message was read; the final dot comes next. Once this is answered with true
    /// the server may have the message whatever happens to the connection afterwards.
    case endOfMessage
}
