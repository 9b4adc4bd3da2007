#if canImport(Glibc)
    import Glibc
#endif
import Config
import Inspect
import MailCore
import Policy
import Store
import Transport
import Workflow

/// What the user asked to send, as typed: address lists, subject, body, attachment paths.
public struct DraftInput: Sendable, Equatable {
    public var to: [String]
    public var cc: [String]
    public var bcc: [String]
    public var subject: String
    public var body: String
    public var attachmentPaths: [String]
    /// For a reply: the Message-ID it answers and the thread's identifiers (see `MailCore.Reply`).
    public var inReplyTo: String?
    public var references: [String] = []
    /// For a reply or a forward: the original's facts, for the thread rules.
    public var thread: ThreadFacts?

    public init(to: [String] = [], cc: [String] = [], bcc: [String] = [], subject: String = "", body: String = "", attachmentPaths: [String] = []) {
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.body = body
        self.attachmentPaths = attachmentPaths
    }
}

/// A message's address fields, parsed: the lists its headers carry as written (groups, and a
/// recipient given twice, stay as typed), and what could not be parsed. Who the message goes to
/// is derived from them once: one typed `Recipient` per `RecipientKey` (`recipients`), which is
/// the envelope, the outbox record, the journal and the RCPT TO lines.
public struct AddressFields: Sendable, Equatable {
    public var to: [AddressListEntry]
    public var cc: [AddressListEntry]
    public var bcc: [AddressListEntry]
    /// One line per list that did not parse: the field, then the parser's error with its position.
    public var problems: [String]

    public init(to: [AddressListEntry] = [], cc: [AddressListEntry] = [], bcc: [AddressListEntry] = []) {
        self.to = to
        self.cc = cc
        self.bcc = bcc
        problems = []
    }

    /// Each field's lists as typed (`--to` may be given more than once), parsed; a list that
    /// does not parse is left out and named in `problems`.
    public init(parsing to: [String], cc: [String] = [], bcc: [String] = []) {
        var problems: [String] = []
        func parse(_ lists: [String], _ field: String) -> [AddressListEntry] {
            var entries: [AddressListEntry] = []
            for list in lists {
                do {
                    entries += try AddressParser.parseList(list)
                } catch {
                    problems.append("\(field): \(error)")
                }
            }
            return entries
        }
        self.init(to: parse(to, "To"), cc: parse(cc, "Cc"), bcc: parse(bcc, "Bcc"))
        self.problems = problems
    }

    /// Every recipient once, To before Cc before Bcc, the first spelling and field kept.
    public var recipients: [Recipient] { Recipient.unique(to: to, cc: cc, bcc: bcc) }
}

/// Why a message could not be built or sent, with the exit status it maps to.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Bad input: an address, an attachment, no recipients (sysexits EX_DATAERR).
        case data
        /// The account or its password command (EX_CONFIG).
        case config
        /// The local disk (EX_CANTCREAT / EX_IOERR).
        case io
        /// The server, as described by the transport.
        case transport(TransportError.Kind, temporary: Bool)
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// A message written to a spool file, ready to submit. The file is the sender's own copy: a Bcc
/// header (when there are Bcc recipients) and then, from `messageOffset`, exactly the bytes
/// that go out. Once sent, the file becomes the sent copy by a rename.
public struct SpooledMessage: Sendable {
    public var path: String
    /// Where the transmitted message starts in the file (after the Bcc header).
    public var messageOffset: Int64
    /// The size of the transmitted message.
    public var size: Int64
    public var envelope: Envelope
    public var messageID: String
    /// SHA-256 of each attachment's content as it was read into the message (lowercase hex).
    public var attachmentSHA256: [String] = []
    /// SHA-256 of the transmitted bytes (`size` bytes from `messageOffset`), taken as they were
    /// written (lowercase hex): the outbox checks the file against it before each submission.
    public var sha256: String = ""
}

/// Why a file cannot be attached, in the three forms its readers need.
public struct AttachmentProblem: Error, CustomStringConvertible, Sendable {
    /// Naming the file: "cannot attach '/a/b.pdf': no such file or directory".
    public var sentence: String
    /// For a row that already shows the file: "no such file or directory".
    public var reason: String
    let prefix: String
    /// Among the problems of a whole message (`send`, `bulk`).
    public var description: String { prefix + sentence }
}

/// The send path, in steps the CLI and the composer share:
/// `buildMessage` (parse and check) → `spool` (MIME into a file) → `submit`.
/// Policy, confirmation and the hold plug in between `buildMessage` and `submit`.
public enum Delivery {
    /// Builds the message from its parsed address fields (and, for a reply, the threading
    /// headers), checking every attachment. Reports
    /// every problem at once — the fields' parse errors, the attachments', no recipient at all,
    /// a line break in a header — so the user can fix them in one go.
    public static func buildMessage(
        _ fields: AddressFields, subject: String, body: String, attachmentPaths: [String], account: AccountConfig,
        detector: ContentTypeDetector, inReplyTo: String? = nil, references: [String] = []
    ) throws(DeliveryError) -> OutgoingMessage {
        var problems = fields.problems
        let attachments = loadAttachments(attachmentPaths, account: account, detector: detector, problems: &problems)
        if problems.isEmpty && !fields.to.hasMailbox && !fields.cc.hasMailbox && !fields.bcc.hasMailbox {
            problems.append("no recipients: give at least one address with --to, --cc or --bcc")
        }
        var message = OutgoingMessage(
            from: account.from, to: fields.to, cc: fields.cc, bcc: fields.bcc, subject: subject, body: body, attachments: attachments)
        message.inReplyTo = inReplyTo
        message.references = references
        // A line break in the subject or a display name would become a header line of its own
        // in the recipient's client (MIMEWriter refuses it too; here the user sees it with the rest).
        problems += message.headerTextProblems
        guard problems.isEmpty else { throw DeliveryError(.data, problems.joined(separator: "\n")) }
        return message
    }

    /// `buildMessage` from a draft as typed; `parsed` are the fields when the caller already
    /// parsed them (the composer). The same as `buildMessage(AddressFields(parsing:…), …)`.
    public static func buildMessage(
        _ input: DraftInput, account: AccountConfig, detector: ContentTypeDetector,
        parsed: (to: [AddressListEntry], cc: [AddressListEntry], bcc: [AddressListEntry])? = nil
    ) throws(DeliveryError) -> OutgoingMessage {
        let fields =
            parsed.map { AddressFields(to: $0.to, cc: $0.cc, bcc: $0.bcc) }
            ?? AddressFields(parsing: input.to, cc: input.cc, bcc: input.bcc)
        return try buildMessage(
            fields, subject: input.subject, body: input.body, attachmentPaths: input.attachmentPaths, account: account,
            detector: detector, inReplyTo: input.inReplyTo, references: input.references)
    }

    /// Checks each attachment (a regular file, within the account's size limit) and asks file(1)
    /// what they really are, in one call. Problems are added to `problems` (all of them, so the
    /// user fixes them in one go); the types are looked up only when there are none.
    public static func loadAttachments(
        _ paths: [String], account: AccountConfig, detector: ContentTypeDetector, problems: inout [String]
    ) -> [Attachment] {
        var attachments: [Attachment] = []
        let before = problems.count
        for path in paths {
            switch checkAttachment(path, account: account) {
            case .success(let size):
                let name = path.split(separator: "/").last.map(String.init) ?? path
                attachments.append(Attachment(source: path, fileName: name, contentType: "", size: size))
            case .failure(let problem):
                problems.append(problem.description)
            }
        }
        if problems.count == before && !attachments.isEmpty {
            do {
                let types = try detector.contentTypes(ofFiles: attachments.map(\.source))
                for index in attachments.indices { attachments[index].contentType = types[index] }
            } catch {
                problems.append(error.message)
            }
        }
        return attachments
    }

    /// The size of a file that may be attached from `account`: a readable regular file within
    /// the account's limit; else why not.
    public static func checkAttachment(_ path: String, account: AccountConfig) -> Result<Int64, AttachmentProblem> {
        let size: Int64
        do {
            size = try FileSystem.regularFileSize(path)
        } catch {
            return .failure(AttachmentProblem(sentence: "\(error)", reason: error.reason, prefix: "attachment: "))
        }
        guard size <= account.maxAttachmentBytes else {
            let reason = "is \(formatBytes(size)), over the limit of \(formatBytes(account.maxAttachmentBytes)) for account '\(account.name)'"
            return .failure(AttachmentProblem(sentence: "attachment '\(path)' \(reason)", reason: reason, prefix: ""))
        }
        return .success(size)
    }

    /// Writes the sender's copy to a new file in `directory`: the Bcc header, then the
    /// transmitted form (which has no Bcc header).
    public static func spool(
        _ message: OutgoingMessage, stamp: MessageStamp, directory: String, sync: Bool,
        progress: MIMEWriter.Progress? = nil
    ) throws(DeliveryError) -> SpooledMessage {
        let path = "\(directory)/\(stamp.date.secondsSince1970)-\(stamp.boundary.suffix(12)).eml"
        do {
            try FileSystem.makeDirectories(directory)
            // A message that will be fsynced goes to the disk while it is encoded (8 MiB steps):
            // for a 100 MiB attachment the final fsync then waits for the tail, not 133 MiB.
            let sink = try FileSink(creating: path, writeBehind: sync ? 8 << 20 : 0)
            // The transmitted bytes are fingerprinted as they are written (not read back).
            var hashing = HashingSink(sink)
            let bccHeader = message.bcc.isEmpty ? "" : HeaderEncoding.addressList("Bcc", message.bcc)
            // The fingerprints are taken from the very bytes encoded, in the same pass: no second
            // read, and no way for a file changed in between to be sent under an older digest.
            let hashers = message.attachments.map { _ in SHA256Hasher() }
            do {
                try sink.write(bccHeader)
                try MIMEWriter().write(
                    message, stamp: stamp, opener: FileAttachmentOpener(), to: &hashing, progress: progress,
                    content: { index, bytes in hashers[index].update(bytes) })
                try sink.finish(sync: sync)
            } catch {
                try? sink.finish(sync: false)
                FileSystem.remove(path)
                throw error
            }
            let offset = Int64(bccHeader.utf8.count)
            return SpooledMessage(
                path: path, messageOffset: offset, size: sink.bytesWritten - offset, envelope: message.envelope, messageID: stamp.messageID,
                attachmentSHA256: hashers.map { $0.finalize() }, sha256: hashing.hasher.finalize())
        } catch let error as HeaderTextError {
            throw DeliveryError(.data, error.description)
        } catch let error as FileError where error.path == path || error.kind == .diskFull {
            throw DeliveryError(.io, "cannot write the message: \(error)")
        } catch let error as FileError {
            throw DeliveryError(.data, "attachment: \(error)")
        } catch {
            throw DeliveryError(.io, "cannot write the message: \(error)")
        }
    }

    /// The server settings for an account, with the password fetched from its command.
    public static func server(for account: AccountConfig) throws(DeliveryError) -> SMTPServer {
        var password: String? = nil
        if let command = account.passwordCommand {
            do {
                password = try PasswordCommand.run(command, account: account.name)
            } catch {
                throw DeliveryError(.config, error.message)
            }
        }
        var server: SMTPServer
        do {
            server = try SMTPServer(
                url: account.smtpURL, insecure: account.insecure, username: account.username, password: password,
                caFile: account.caFile)
        } catch {
            throw DeliveryError(.config, "account '\(account.name)': \(error.message)")
        }
        if let text = getenv(timeoutsVariable).map({ String(cString: $0) }), !text.isEmpty {
            do {
                server.timeouts = try SMTPTimeouts.parse(text)
            } catch {
                throw DeliveryError(.config, "\(timeoutsVariable): \(error.message)")
            }
        }
        return server
    }

    /// The environment variable that shortens (or lengthens) the SMTP timeouts, e.g.
    /// `connect=2,reply=2,final=3`: for tests, and for a server known to be slow.
    /// docs/outbox.md, "Timeouts and cancellation".
    public static let timeoutsVariable = "GUARDMAIL_SMTP_TIMEOUTS"

    /// Submits a spooled message. Returns per-recipient results when the server took it for at
    /// least one recipient; throws otherwise.
    public static func submit(
        _ message: SpooledMessage, through submitter: SMTPSubmitter, progress: ((Int64, Int64) -> Void)? = nil
    ) throws(DeliveryError) -> SubmissionResult {
        let request = SubmissionRequest(
            mailFrom: message.envelope.mailFrom, recipients: message.envelope.recipients.map(\.address),
            messagePath: message.path, messageOffset: message.messageOffset, messageSize: message.size)
        do {
            return try submitter.submit(request, progress: progress)
        } catch {
            throw DeliveryError(.transport(error.kind, temporary: error.isTemporary), error.message)
        }
    }

    /// Moves the spool file (the sender's copy, Bcc header included) into the sent Maildir. A
    /// failure here does not undo the send: it is reported as a warning.
    public static func keepSentCopy(_ spooled: SpooledMessage, folder: SentFolder) -> String? {
        let name = spooled.path.split(separator: "/").last.map { String($0.dropLast(".eml".count)) } ?? spooled.messageID
        do {
            try folder.store(spooled.path, name: name)
            return nil
        } catch {
            return "sent, but the copy for the sent folder could not be written: \(error)"
        }
    }

    /// The exit status for a transport failure (sysexits.h): 75 temporary, 77 login denied,
    /// 78 a bad URL, 74 an unreadable message file, 69 anything else the server refused.
    /// The table is `TransactionVerdict.exitStatus`, the one shared with `send` and bulk.
    public static func exitStatus(kind: TransportError.Kind, temporary: Bool) -> Int32 {
        TransactionVerdict.exitStatus(TransactionFailure.Kind(kind), temporary: temporary)
    }

    public static func exitStatus(for error: TransportError) -> Int32 {
        exitStatus(kind: error.kind, temporary: error.isTemporary)
    }

    /// Who confirmed a message, for the journal: the login name at the host name.
    public static func confirmer() -> String {
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count) == 0 ? host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : "localhost"
        let login = getpwuid(getuid()).flatMap { $0.pointee.pw_name }.map { String(cString: $0) } ?? "uid \(getuid())"
        return "\(login)@\(hostName)"
    }

    /// A fresh stamp: the current time with the local UTC offset, a random Message-ID and boundary.
    public static func stamp(for message: OutgoingMessage) -> MessageStamp {
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        var random = SystemRandomNumberGenerator()
        return MessageStamp.make(
            date: MailDate(secondsSince1970: Int64(now), utcOffsetSeconds: local.tm_gmtoff), domain: message.from.asciiDomain,
            random: &random)
    }
}
