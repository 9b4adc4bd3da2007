#if canImport(Glibc)
    import Glibc
#endif
import ArgumentParser
import Composer
import Config
import Delivery
import Inspect
import Journal
import MailCore
import Outbox
import Policy
import Store
import TUI
import Workflow

struct Sendmail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendmail",
        abstract: "The sendmail interface for mail clients and scripts: the message on standard input.",
        discussion: """
            Options as sendmail reads them: -t (recipients from To, Cc and Bcc; Bcc never leaves), \
            -i or -oi (a line with a single dot does not end the message), -f ADDRESS (envelope \
            sender; picks the account with that address), -F NAME (for a From field when the \
            message has none), -- then recipients. -oem, -odb, -om and the like are ignored with a \
            note; an unknown option is refused. Also run as `sendmail` through a symlink. The \
            message goes through the same policy, confirmation, hold, outbox and journal as \
            `guardmail send`. With a terminal (/dev/tty, or the one a mail client such as mutt was \
            started on) the confirmation screen and the hold are shown there and the caller waits. \
            Without one, a message that needs a confirmation is frozen in the outbox as "needs \
            confirmation" (confirm it later with `guardmail outbox confirm ID`), and exit 75. See \
            docs/sendmail.md.
            Exit codes: 0 sent (or cancelled), 1 blocked by the policy or not confirmed on the \
            screen, 64 usage (an unknown option), 65 bad input (unreadable message or address, no \
            recipients), 69 refused or unreachable, 74 I/O error, 75 needs confirmation (frozen in \
            the outbox), temporary failure or unknown outcome, 77 login denied, 78 configuration.
            """
    )

    @Argument(parsing: .captureForPassthrough, help: "sendmail options, then recipients.")
    var arguments: [String] = []

    func run() throws {
        // The arguments are sendmail's (all captured): `--help` before any `--` still means help.
        if arguments.prefix(while: { $0 != "--" }).contains("--help") {
            Console.output(Self.helpMessage() + "\n")
            return
        }
        let request: SendmailRequest
        do {
            request = try SendmailArguments.parse(arguments)
        } catch {
            report(error.description)
            throw ExitCode(Exit.usage)
        }
        for note in request.notes { report(note) }
        let paths = DataPaths.fromEnvironment()
        let config: GuardmailConfig
        let policy: PolicyConfig
        do {
            config = try loadConfig(paths.configFile)
            policy = try PolicySetup.load(user: config.policy)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        configureSyslog(config)
        defer { reportSyslogFailures() }
        var bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes("/dev/stdin", limit: 1 << 30)
        } catch {
            report("cannot read the message on standard input: \(error)")
            throw ExitCode(Exit.ioError)
        }
        if !request.ignoreDots { bytes = PrebuiltMessage.cutAtDotLine(bytes) }
        let parsed: ParsedMessage
        do {
            parsed = try MessageParser.parse(bytes)
        } catch {
            report("the message on standard input cannot be read: \(error); nothing was sent")
            throw ExitCode(Exit.data)
        }
        if !parsed.addressProblems.isEmpty {
            for problem in parsed.addressProblems { report(problem) }
            report("an address in the message cannot be read; nothing was sent")
            throw ExitCode(Exit.data)
        }
        let account: AccountConfig
        do {
            account = try Self.account(config, envelopeFrom: request.envelopeFrom, from: parsed.from.first)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        let recipients: [Recipient]
        do {
            recipients = try Self.recipients(request, parsed)
        } catch {
            report(error.message)
            throw ExitCode(Exit.data)
        }
        var from = parsed.from.first ?? account.from
        if parsed.from.isEmpty, let name = request.fullName { from.displayName = name }
        let review: SendmailReview
        do {
            review = try SendmailReview.make(parsed: parsed, recipients: recipients, from: from, policy: policy, paths: paths)
        } catch {
            throw fail(error)
        }
        for finding in review.decision.findings { report(PolicyReport.line(finding)) }
        if review.decision.isBlocked {
            let block = review.decision.findings.first { $0.severity == .block }!
            report("blocked by \(block.ruleID); nothing was sent")
            throw ExitCode(Exit.policy)
        }
        // What goes out: the bytes as written, Bcc removed, CRLF, with a Date, a Message-ID and
        // (when the message had none) a From field.
        let stampNow = Dispatcher.wallClock()
        var random = SystemRandomNumberGenerator()
        var offset = tm()
        var seconds = time_t(stampNow.seconds)
        localtime_r(&seconds, &offset)
        let stamp = MessageStamp.make(
            date: MailDate(secondsSince1970: Int64(stampNow.seconds), utcOffsetSeconds: offset.tm_gmtoff),
            domain: account.from.asciiDomain, random: &random)
        var input = bytes
        if parsed.from.isEmpty {
            input = Array(HeaderEncoding.addressList("From", [AddressListEntry.mailbox(from)]).utf8) + input
        }
        let prebuilt = PrebuiltMessage.prepare(input, date: stamp.date.rfc5322, messageID: stamp.messageID)
        let outgoing = PrebuiltOutgoing(
            message: prebuilt, from: from.formatted, mailFrom: request.envelopeFrom.map(Self.bareAddress) ?? account.from.envelopeAddress,
            recipients: recipients, subject: parsed.subject,
            attachments: review.inspections.map {
                OutboxAttachment(name: $0.name, size: $0.size, sha256: $0.sha256, contentType: $0.contentType)
            })
        let dispatcher: Dispatcher
        do {
            dispatcher = try Dispatcher(paths: paths) { (name: String) throws(DeliveryError) -> AccountConfig in
                do throws(ConfigError) { return try config.account(named: name) } catch { throw DeliveryError(.config, error.message) }
            }
            try dispatcher.prepare(account: account)
        } catch {
            throw fail(error)
        }
        let hold = review.decision.holdSeconds
        if let terminal = SenderTerminal.open() {
            let session = TerminalSession(fd: terminal.fd)
            defer { session.end() }
            let confirmed: ConfirmModel?
            do {
                confirmed = try SendmailConfirmSession.run(
                    review.screen(variant: dispatcher.journalMessageCount()), theme: loadTheme(config.theme, paths: paths))
            } catch {
                session.end()
                report("\(error)")
                throw ExitCode(Exit.usage)
            }
            guard let confirmed else {
                session.end()
                report("not confirmed on the confirmation screen; nothing was sent")
                throw ExitCode(Exit.policy)
            }
            if let reason = confirmed.screenKind.reason, confirmed.screenKind == .none {
                report("no confirmation needed: \(reason)")
            }
            let confirmation = review.confirmation(confirmed, via: "sendmail")
            let outcome: DispatchReport
            do {
                let id = try dispatcher.freeze(
                    outgoing, account: account, holdSeconds: hold, confirmation: confirmation, awaitingConfirmation: false,
                    inspections: review.inspections, now: Dispatcher.wallClock())
                outcome = HoldCountdown(dispatcher: dispatcher, id: id, holdSeconds: hold).run()
            } catch {
                session.end()
                throw fail(error)
            }
            dispatcher.relinquish(now: Dispatcher.wallClock())
            session.end()
            try Self.finish(outcome)
            return
        }
        // No terminal: findings that need a confirmation park the message for `outbox confirm`.
        if review.decision.needsConfirmation {
            let id: String
            do {
                id = try dispatcher.freeze(
                    outgoing, account: account, holdSeconds: hold,
                    confirmation: review.confirmation(nil, via: "sendmail"), awaitingConfirmation: true,
                    inspections: review.inspections, now: Dispatcher.wallClock())
            } catch {
                throw fail(error)
            }
            dispatcher.relinquish(now: Dispatcher.wallClock())
            report(
                "needs confirmation; nothing was sent. Frozen in the outbox as \(id): `guardmail outbox confirm \(id)` in a "
                    + "terminal shows the confirmation screen and sends it; `guardmail outbox cancel \(id)` drops it")
            throw ExitCode(Exit.tempFail)
        }
        let outcome: DispatchReport
        do {
            let id = try dispatcher.freeze(
                outgoing, account: account, holdSeconds: hold, confirmation: review.confirmation(nil, via: "sendmail"),
                awaitingConfirmation: false, inspections: review.inspections, now: Dispatcher.wallClock())
            outcome = HoldCountdown(dispatcher: dispatcher, id: id, holdSeconds: hold).run()
        } catch {
            throw fail(error)
        }
        dispatcher.relinquish(now: Dispatcher.wallClock())
        try Self.finish(outcome)
    }

    /// The account whose address is the envelope sender (`-f`), else the From field's; else the
    /// default account.
    static func account(_ config: GuardmailConfig, envelopeFrom: String?, from: Mailbox?) throws(ConfigError) -> AccountConfig {
        for wanted in [envelopeFrom.map(bareAddress), from?.address].compactMap({ $0 }) {
            let key = RecipientKey(address: wanted)
            if let match = config.accounts.first(where: { RecipientKey(address: $0.from.address) == key }) { return match }
        }
        return try config.account(named: nil)
    }

    /// `-f '<a@b>'` and `-f a@b` alike.
    static func bareAddress(_ text: String) -> String {
        var value = Substring(text)
        if value.hasPrefix("<") && value.hasSuffix(">") { value = value.dropFirst().dropLast() }
        return String(value)
    }

    /// The envelope: with `-t` the message's To, Cc and Bcc, then the arguments; without, the
    /// arguments (each in the field the message names it in, else Bcc: it is in no header).
    /// Each recipient once.
    static func recipients(_ request: SendmailRequest, _ parsed: ParsedMessage) throws(DeliveryError) -> [Recipient] {
        var fields: [RecipientKey: RecipientField] = [:]
        var fromHeaders: [Recipient] = []
        for (entries, field) in [(parsed.to, RecipientField.to), (parsed.cc, .cc), (parsed.bcc, .bcc)] {
            for mailbox in entries.mailboxes {
                if fields[mailbox.key] == nil { fields[mailbox.key] = field }
                fromHeaders.append(Recipient(mailbox, field: field))
            }
        }
        var problems: [String] = []
        var fromArguments: [Recipient] = []
        for argument in request.recipients {
            do {
                for mailbox in try AddressParser.parseList(argument).mailboxes {
                    fromArguments.append(Recipient(mailbox, field: fields[mailbox.key] ?? .bcc))
                }
            } catch {
                problems.append("recipient argument '\(argument)': \(error)")
            }
        }
        guard problems.isEmpty else { throw DeliveryError(.data, problems.joined(separator: "\n") + "\nnothing was sent") }
        var seen = Set<RecipientKey>()
        let all = (request.recipientsFromHeaders ? fromHeaders : []) + fromArguments
        let unique = all.filter { seen.insert($0.key).inserted }
        guard !unique.isEmpty else {
            throw DeliveryError(
                .data,
                request.recipientsFromHeaders
                    ? "no recipients: the message has no To, Cc or Bcc and none were given; nothing was sent"
                    : "no recipients: give them as arguments, or -t to take them from the message; nothing was sent")
        }
        return unique
    }

    /// Prints what happened (lines to standard error, as sendmail does) and exits with its status.
    static func finish(_ outcome: DispatchReport) throws {
        for line in outcome.lines { report(line) }
        switch outcome.outcome {
        case .sent: return
        case .cancelledElsewhere, .undone, .discarded:
            if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
        default:
            throw ExitCode(outcome.exitStatus == 0 ? Exit.unavailable : outcome.exitStatus)
        }
    }
}

/// The sender's terminal as the process's standard input, output and error while the screen and
/// the hold run there; `end` gives them back (the caller's pipes and log file).
final class TerminalSession {
    private var saved: [Int32] = []
    private let fd: Int32

    init(fd: Int32) {
        self.fd = fd
        for standard in Int32(0)...2 {
            saved.append(dup(standard))
            dup2(fd, standard)
        }
    }

    func end() {
        guard !saved.isEmpty else { return }
        for (standard, copy) in saved.enumerated() {
            dup2(copy, Int32(standard))
            close(copy)
        }
        saved = []
        close(fd)
    }

    deinit { end() }
}

/// A message read whole (sendmail, `outbox confirm`) as the policy and the confirmation screen
/// see it: its recipients, its attachments inspected as files, the findings.
struct SendmailReview {
    var recipients: [Recipient]
    var from: Mailbox
    var inspections: [Inspection]
    var decision: PolicyDecision
    var classifier: DomainClassifier
    var companies: [String: String]
    /// Which ticks the screen asks for (`confirmation.always_full`: every one).
    var scope: TickScope = .riskOnly

    static func make(
        parsed: ParsedMessage, recipients: [Recipient], from: Mailbox, policy: PolicyConfig, paths: DataPaths
    ) throws(DeliveryError) -> SendmailReview {
        let inspections = try inspect(parsed.attachments)
        func mailboxes(_ field: RecipientField) -> [Mailbox] { recipients.filter { $0.field == field }.map(\.mailbox) }
        // The one way a message is checked (as send and the composer): the documents' text too.
        let evaluation = PolicySetup.evaluate(policy, paths: paths) { history, book in
            PolicyInput(
                from: from, to: mailboxes(.to), cc: mailboxes(.cc), bcc: mailboxes(.bcc), subject: parsed.subject, body: parsed.body,
                attachments: inspections.map { AttachmentFacts($0) }, history: history, addressBook: book)
        }
        for warning in evaluation.warnings { report(warning) }
        let book = evaluation.addressBook
        var companies: [String: String] = [:]
        for entry in book.entries {
            if let company = entry.company, let domain = entry.address.split(separator: "@").last { companies[String(domain).lowercased()] = company }
        }
        return SendmailReview(
            recipients: recipients, from: from, inspections: inspections, decision: evaluation.decision,
            classifier: policy.classifier(sender: from), companies: companies,
            scope: policy.alwaysFullConfirmation.value ? .everything : .riskOnly)
    }

    /// Each attachment's decoded content written to a private temporary folder and inspected
    /// like a file given to `send` (type, previews, SHA-256 of the content); named as the
    /// message names it.
    static func inspect(_ parts: [ParsedAttachment]) throws(DeliveryError) -> [Inspection] {
        guard !parts.isEmpty else { return [] }
        let base = FileSystem.environment("TMPDIR") ?? "/tmp"
        var template = Array("\(base)/guardmail-sendmail-XXXXXX".utf8CString)
        guard let folder = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            throw DeliveryError(.io, "cannot create a temporary folder in '\(base)' to inspect the attachments: \(String(cString: strerror(errno)))")
        }
        var paths: [String] = []
        defer {
            paths.forEach(FileSystem.remove)
            _ = rmdir(folder)
        }
        do {
            for (index, part) in parts.enumerated() {
                // The sender's name is not a safe path; only its extension is kept (libmagic looks at it).
                let name = part.fileName.split(separator: "/").last.map(String.init) ?? ""
                let pieces = name.split(separator: ".")
                let suffix = pieces.count > 1 && pieces.last!.count <= 16 ? "." + pieces.last! : ""
                let path = "\(folder)/\(index + 1)\(suffix)"
                paths.append(path)
                let sink = try FileSink(creating: path)
                try part.content.withUnsafeBytes { try sink.write($0) }
                try sink.finish(sync: false)
            }
            var inspections = try AttachmentInspector(detector: ContentTypeDetector()).inspect(paths, fingerprint: true)
            for index in inspections.indices { inspections[index].name = parts[index].fileName }
            return inspections
        } catch let error as InspectError {
            throw DeliveryError(.data, "cannot inspect the attachments: \(error.message)")
        } catch {
            throw DeliveryError(.io, "cannot inspect the attachments: \(error)")
        }
    }

    /// The confirmation screen for it; `variant` moves its challenges on from one message to the
    /// next (how many messages the journal holds).
    func screen(variant: Int = 0) -> ConfirmModel {
        ConfirmModel(
            from: from.formatted, recipients: recipients.map { ($0.mailbox, $0.field) }, isInternal: { classifier.isInternal(domain: $0) },
            companies: companies,
            attachments: inspections.map {
                ConfirmAttachment(
                    name: $0.name, size: $0.size, summary: $0.kindDescription, sha256: $0.sha256, warning: $0.extensionWarning,
                    preview: $0.confirmationPreview(limit: 6), document: $0.documentLines)
            },
            findings: decision.findings, holdSeconds: decision.holdSeconds, scope: scope, variant: variant)
    }

    /// What the outbox records of the confirmation: the screen's ticks when one was shown; without
    /// a screen, nothing ticked and no finding accepted.
    func confirmation(_ screen: ConfirmModel?, via: String) -> ConfirmationRecord {
        let accepted = Set(screen.map { screen in screen.findings.indices.filter { screen.isAccepted($0) }.map { screen.findings[$0].ruleID } } ?? [])
        var record = ConfirmationRecord(
            confirmedBy: Delivery.confirmer(), via: via,
            tickedRecipients: screen == nil ? [] : recipients.filter { screen!.isTicked(.recipient($0.mailbox.addressKey)) }.map(\.address),
            tickedAttachments: screen == nil ? [] : inspections.indices.filter { screen!.isTicked(.attachment($0)) }.map { inspections[$0].name },
            findings: decision.findings.map { finding in
                // Challenged: every challenge about it answered on the screen (the screen sorts
                // the findings its own way: found again by rule and words).
                let shown = screen?.findings.firstIndex { $0.ruleID == finding.ruleID && $0.message == finding.message }
                return OutboxFinding(
                    ruleID: finding.ruleID, severity: finding.severity.rawValue, message: finding.message,
                    accepted: accepted.contains(finding.ruleID), challenged: shown.map { screen!.isChallenged($0) } ?? false)
            },
            challenges: screen.map { screen in screen.challenges.indices.filter { screen.isAnswered($0) }.map(screen.answerRecord) } ?? [],
            screen: screen?.screenKind.rawValue)
        record.answeredChallenges = screen?.answeredChallenges.map(OutboxChallenge.init) ?? []
        return record
    }
}

/// `[journal] syslog = true`: every dispatcher of this process writes its outcomes to the socket.
func configureSyslog(_ config: GuardmailConfig) {
    if config.journal.syslog { Dispatcher.processSyslog = SyslogSocket(path: config.journal.syslogSocket) }
}

/// Says once why syslog records could not be written (the send itself is not affected).
func reportSyslogFailures() {
    guard let failures = Dispatcher.processSyslog?.takeFailures(), let first = failures.first else { return }
    report("warning: \(failures.count) syslog record\(failures.count == 1 ? "" : "s") not written: \(first)")
}
