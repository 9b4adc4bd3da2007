// TransactionVerdict.swift — what one SMTP transaction's outcome means, decided once.
//
// `guardmail send`, the composer (both through `Dispatcher`) and `guardmail bulk` (`BulkRunner`)
// all ask the same questions of a finished transaction: which recipients have the message, which
// were refused (for good or for now), which may have it (the connection broke after the data),
// which were never reached; what the send state machine is told; what `send` exits with. The
// answers live here, in one pure function, `TransactionVerdict.judge`.
//
// Why here and with its own input type: Workflow is pure, while the transport's
// `SubmissionResult`/`TransportError` live in Transport, an I/O module built on libcurl. So the
// transaction is described by `TransactionOutcome`, a plain value that holds only what the
// decision needs (the replies — `ServerReply`, which Transport uses as its own reply type — the
// failure's kind, whether the data had gone); Delivery converts the transport's results into it
// (`TransactionOutcome(_:envelope:)`), and both callers judge that. The verdict needs the state machine's `SendEvent`, which is
// Workflow's own, so Workflow is the natural home, and it is unit-tested without a server.

/// A server's reply, as much of it as a verdict needs.
public struct ServerReply: Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var text: String
    public init(code: Int, text: String) {
        self.code = code
        self.text = text
    }
    public var isPositive: Bool { (200..<400).contains(code) }
    public var isTemporary: Bool { (400..<500).contains(code) }
    /// 4xx or 5xx: the server said no, for now or for good. (A 1xx, an unexpected 2xx/3xx or a
    /// code past 5xx is neither yes nor no.)
    public var isNegative: Bool { (400..<600).contains(code) }
    /// As the transport prints it: "550 5.1.1 no such user" (the code alone without text).
    public var description: String { text.isEmpty ? "\(code)" : "\(code) \(text)" }

    /// 452 with 4.5.3 (or saying "too many recipients", or without an enhanced code): the
    /// transaction has too many recipients, not this recipient a problem (452 4.2.2 mailbox full).
    public var isTooManyRecipients: Bool {
        guard code == 452 else { return false }
        let lowered = text.lowercased()
        if lowered.hasPrefix("4.5.3") || lowered.contains("too many recipients") { return true }
        let first = lowered.split(separator: " ").first.map(String.init) ?? ""
        let isEnhanced = first.split(separator: ".").count == 3 && first.allSatisfy { $0.isNumber || $0 == "." }
        return !isEnhanced
    }
}

/// One envelope recipient and the server's reply to its `RCPT TO` (nil: not reached).
public struct RecipientReply: Hashable, Sendable {
    public var address: String
    public var reply: ServerReply?
    public init(address: String, reply: ServerReply?) {
        self.address = address
        self.reply = reply
    }
}

/// A transaction that failed as a whole.
public struct TransactionFailure: Hashable, Sendable {
    /// What went wrong, as far as the verdict cares (Delivery maps the transport's kinds).
    public enum Kind: Hashable, Sendable, CaseIterable {
        /// A wait ran out.
        case timeout
        /// The connection broke during the dialogue.
        case connectionLost
        /// No connection: refused, unreachable, the name did not resolve.
        case unreachable
        /// The server refused a command (MAIL, DATA, the end of data) or every recipient.
        case rejected
        /// The login was refused.
        case loginDenied
        /// The server's URL is wrong.
        case badURL
        /// The message file could not be read.
        case messageUnreadable
        /// Anything else: TLS, certificates, missing STARTTLS or AUTH, stopped by guardmail.
        case other
        /// guardmail was closed while the submission was under way and took it back: nothing
        /// more happens to it in this process. Temporary: it waits for the user, who may send it.
        case withdrawn
    }

    public var kind: Kind
    /// The transport's sentence for the user.
    public var message: String
    /// The reply that ended the transaction, when there was one.
    public var reply: ServerReply?
    /// Replies known when it failed, in envelope order (may be empty: a timeout, a stop).
    public var recipients: [RecipientReply]
    /// The whole message had been handed over and no answer to the end of data came.
    public var afterData: Bool

    public init(kind: Kind, message: String, reply: ServerReply? = nil, recipients: [RecipientReply] = [], afterData: Bool = false) {
        self.kind = kind
        self.message = message
        self.reply = reply
        self.recipients = recipients
        self.afterData = afterData
    }

    /// Worth trying again later without changing anything: timeouts, dropped connections, 4xx.
    public var isTemporary: Bool {
        switch kind {
        case .timeout, .connectionLost, .withdrawn: return true
        case .rejected: return reply?.isTemporary ?? false
        default: return false
        }
    }
}

/// The outcome of one SMTP transaction, independent of the transport that ran it.
public struct TransactionOutcome: Hashable, Sendable {
    public enum Ending: Hashable, Sendable {
        /// The server took the message; `recipients` are the replies to RCPT TO in envelope order.
        case taken(recipients: [RecipientReply])
        /// The transaction failed.
        case failed(TransactionFailure)
        /// Nothing was tried: the account could not be set up. `configuration` is true for the
        /// account's configuration (an unknown account, its URL, its password command failing,
        /// the timeouts: exit 78); false for the rest (libcurl could not be set up: exit 69).
        case notStarted(configuration: Bool, message: String)
    }

    /// The envelope recipients the transaction was for, in order.
    public var envelope: [String]
    public var ending: Ending

    public init(envelope: [String], ending: Ending) {
        self.envelope = envelope
        self.ending = ending
    }
}

/// What a transaction means: per recipient, for the state machine, for the exit status.
public struct TransactionVerdict: Hashable, Sendable {
    /// What became of one recipient.
    public enum Fate: Hashable, Sendable {
        /// The server took the message for this recipient.
        case accepted
        /// Refused with a 5xx (or a reply that is neither positive nor 4xx): do not retry unchanged.
        case refusedPermanently
        /// Refused with a 4xx: may be retried later.
        case refusedTemporarily
        /// The connection failed after the whole message was handed over and this recipient had
        /// not been refused: the server may have it. Never resent on its own.
        case unknown
        /// The transaction ended before it came to this recipient's delivery (no RCPT reply, or
        /// an accepted RCPT of a transaction that failed before the end of the data without the
        /// server refusing it): nothing was delivered, it may be tried again.
        case notTried
    }

    public struct Recipient: Hashable, Sendable {
        public var address: String
        public var fate: Fate
        /// The server's reply to this recipient's RCPT TO (nil: not reached).
        public var rcptReply: ServerReply?
        /// The reply that decided the fate: the RCPT reply, or the transaction's when the server
        /// accepted the recipient and then refused the message (DATA or the end of data).
        public var reply: ServerReply?
        /// Refused by its own RCPT reply (not by the transaction).
        public var refusedAtRCPT: Bool { rcptReply.map { !$0.isPositive } ?? false }
        public var isRefused: Bool { fate == .refusedPermanently || fate == .refusedTemporarily }

        public init(address: String, fate: Fate, rcptReply: ServerReply?, reply: ServerReply?) {
            self.address = address
            self.fate = fate
            self.rcptReply = rcptReply
            self.reply = reply
        }
    }

    /// Every envelope recipient: those the transport reported, in its order, then any envelope
    /// address it did not (a failure before any RCPT reply).
    public var recipients: [Recipient]
    /// What the send state machine is told.
    public var event: SendEvent
    /// The exit status of `guardmail send` for this attempt (sysexits.h): 0 every recipient
    /// accepted; 75 temporary (a 4xx, a timeout, a dropped connection, the outcome unknown after
    /// the data); 69 refused for good; 77 login denied; 78 configuration; 74 unreadable message.
    public var exitStatus: Int32
    /// The failure's sentence, for the user and the outbox's reason (nil when the server took it).
    public var reason: String?

    /// The server refused the message itself after accepting recipients (DATA, the end of data).
    public var messageRefused: Bool

    /// The one decision: `outcome` of a transaction whose answer came at `now`.
    public static func judge(_ outcome: TransactionOutcome, at now: Instant) -> TransactionVerdict {
        switch outcome.ending {
        case .taken(let replies):
            let recipients = complete(replies, envelope: outcome.envelope).map { r in
                Recipient(address: r.address, fate: fate(ofRCPT: r.reply), rcptReply: r.reply, reply: r.reply)
            }
            let refused = recipients.filter { $0.fate != .accepted }
            var status: Int32 = 0
            if !refused.isEmpty {
                // Not tried counts as temporary: nothing said no to it.
                status = refused.allSatisfy { $0.fate != .refusedPermanently } ? 75 : 69
            }
            return TransactionVerdict(
                recipients: recipients, event: .submitted(refused: refused.map(\.address), now: now),
                exitStatus: status, reason: nil, messageRefused: false)

        case .failed(let failure):
            let messageRefused =
                !failure.afterData && failure.kind == .rejected && failure.reply != nil
                && failure.recipients.contains { $0.reply?.isPositive ?? false }
            let recipients = complete(failure.recipients, envelope: outcome.envelope).map { r -> Recipient in
                if let own = r.reply, !own.isPositive {
                    return Recipient(address: r.address, fate: fate(ofRCPT: own), rcptReply: own, reply: own)
                }
                if failure.afterData {
                    return Recipient(address: r.address, fate: .unknown, rcptReply: r.reply, reply: r.reply)
                }
                if messageRefused, let reply = failure.reply {
                    return Recipient(address: r.address, fate: fate(ofRCPT: reply), rcptReply: r.reply, reply: reply)
                }
                return Recipient(address: r.address, fate: .notTried, rcptReply: r.reply, reply: r.reply)
            }
            if failure.afterData {
                return TransactionVerdict(
                    recipients: recipients, event: .lost(reason: failure.message, now: now),
                    exitStatus: 75, reason: failure.message, messageRefused: false)
            }
            return TransactionVerdict(
                recipients: recipients, event: .failure(temporary: failure.isTemporary, reason: failure.message, now: now),
                exitStatus: exitStatus(failure.kind, temporary: failure.isTemporary), reason: failure.message,
                messageRefused: messageRefused)

        case .notStarted(let configuration, let message):
            // The password command or the account: fix the config, then release it again.
            let recipients = outcome.envelope.map { Recipient(address: $0, fate: .notTried, rcptReply: nil, reply: nil) }
            return TransactionVerdict(
                recipients: recipients, event: .failure(temporary: false, reason: message, now: now),
                exitStatus: configuration ? 78 : 69, reason: message, messageRefused: false)
        }
    }

    /// The exit status for a transaction that failed before the end of its data (sysexits.h):
    /// 75 temporary, 77 login denied, 78 a bad URL, 74 an unreadable message file, 69 the rest.
    public static func exitStatus(_ kind: TransactionFailure.Kind, temporary: Bool) -> Int32 {
        if temporary { return 75 }
        switch kind {
        case .loginDenied: return 77
        case .badURL: return 78
        case .messageUnreadable: return 74
        default: return 69
        }
    }

    private static func fate(ofRCPT reply: ServerReply?) -> Fate {
        guard let reply else { return .notTried }
        if reply.isPositive { return .accepted }
        return reply.isTemporary ? .refusedTemporarily : .refusedPermanently
    }

    /// The reported replies, then the envelope addresses they do not name (without a reply).
    private static func complete(_ replies: [RecipientReply], envelope: [String]) -> [RecipientReply] {
        let named = Set(replies.map(\.address))
        return replies + envelope.filter { !named.contains($0) }.map { RecipientReply(address: $0, reply: nil) }
    }

    public init(recipients: [Recipient], event: SendEvent, exitStatus: Int32, reason: String?, messageRefused: Bool) {
        self.recipients = recipients
        self.event = event
        self.exitStatus = exitStatus
        self.reason = reason
        self.messageRefused = messageRefused
    }
}
