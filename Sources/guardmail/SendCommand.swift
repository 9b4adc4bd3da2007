import ArgumentParser
import Config
import Delivery
import Inspect
import Policy
import MailCore
import Store
import Transport
import Outbox
import Workflow
#if canImport(Glibc)
    import Glibc
#endif

/// Options shared by the commands that compose a message (`send`, later `compose`).
struct MessageOptions: ParsableArguments {
    @Option(name: .long, help: "Recipients (comma-separated addresses; repeatable).")
    var to: [String] = []
    @Option(name: .long, help: "Carbon-copy recipients (repeatable).")
    var cc: [String] = []
    @Option(name: .long, help: "Blind-copy recipients: in the envelope only, never in the headers sent.")
    var bcc: [String] = []
    @Option(name: .long, help: "Subject line.")
    var subject: String = ""
    @Option(name: .customLong("body-file"), help: "File holding the body text (UTF-8); - for standard input.")
    var bodyFile: String?
    @Option(name: .long, help: "A file to attach (repeatable).")
    var attach: [String] = []
    @Option(name: .long, help: "Account from the config to send with (default: default_account).")
    var account: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?
    @Option(name: .customLong("in-reply-to"), help: "The Message-ID (<…>) this message answers (written as In-Reply-To).")
    var inReplyTo: String?
    @Option(name: .customLong("references"), help: "A Message-ID of the thread, oldest first (repeatable; written as References).")
    var references: [String] = []

    @Option(name: .customLong("thread-original"), help: .hidden)
    var threadOriginal: String?
    @Option(name: .customLong("thread-kind"), help: .hidden)
    var threadKind: String?

    /// The fields as the send path takes them.
    func draftInput(body: String) throws(DeliveryError) -> DraftInput {
        var input = DraftInput(to: to, cc: cc, bcc: bcc, subject: subject, body: body, attachmentPaths: attach)
        input.inReplyTo = inReplyTo
        input.references = references
        if let threadOriginal, let threadKind { input.thread = try threadFacts(original: threadOriginal, kind: threadKind) }
        return input
    }
}

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message without the composer.",
        discussion: """
            The message is frozen in the outbox and held first (10 s internal only, 60 s with an \
            external recipient; set by the policy): the countdown goes to standard error. Ctrl-C \
            during the hold cancels it (exit 130), and so does `guardmail outbox cancel ID` from \
            another terminal (exit 0); nothing is sent. A message that could not be sent to everyone \
            stays in the outbox: the error names its id and the commands that send it again \
            (`guardmail outbox release ID`) or delete it (`guardmail outbox cancel ID`). \
            --dry-run sends nothing and exits as the send would have: 1 when it would be blocked.
            Exit codes: 0 sent to every recipient (or cancelled from another terminal), 1 blocked by \
            the policy or findings not accepted with --accept, 65 bad input (nothing sent), \
            69 refused or unreachable, 74 I/O error (disk full, the outbox or the send journal cannot \
            be written: nothing sent), 75 temporary failure or unknown outcome, 77 login denied, \
            78 configuration, 130 cancelled with Ctrl-C during the hold.
            """
    )

    @OptionGroup var message: MessageOptions
    @Flag(
        name: .customLong("dry-run"),
        help: "Write the message to standard output and the envelope to standard error; send nothing; exit as the send would (1 when the policy would stop it)."
    )
    var dryRun = false
    @Option(name: .customLong("accept"), help: "Accept a finding that needs confirmation, by rule id (repeatable).")
    var accept: [String] = []

    func validate() throws {
        let known = Set(PolicyEngine.rules.map(\.id))
        for id in accept where !known.contains(id) {
            throw ValidationError("Unknown rule '\(id)' for --accept (rules: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let config: GuardmailConfig
        let account: AccountConfig
        let policy: PolicyConfig
        do {
            config = try loadConfig(message.config ?? paths.configFile)
            account = try config.account(named: message.account)
            policy = try PolicySetup.load(user: config.policy)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        configureSyslog(config)
        defer { reportSyslogFailures() }
        do {
            let input = try readInput()
            let outgoing = try Delivery.buildMessage(input, account: account, detector: ContentTypeDetector())
            let (decision, inspections) = try applyPolicy(outgoing, thread: input.thread, policy: policy, paths: paths)
            let stamp = Delivery.stamp(for: outgoing)
            if dryRun {
                // The spool file lives only while this runs; the lock tells a start meanwhile to leave it.
                let writing: TemporaryFilesLock
                do {
                    writing = try TemporaryFilesLock.writing(in: paths.spoolDirectory)
                } catch {
                    throw DeliveryError(.io, "cannot write the message: \(error)")
                }
                defer { writing.release() }
                let spooled = try Delivery.spool(outgoing, stamp: stamp, directory: paths.spoolDirectory, sync: false)
                defer { FileSystem.remove(spooled.path) }
                try copyToStandardOutput(spooled.path, from: spooled.messageOffset)
                Console.error(spooled.envelope.transcript + "\n")
                // The exit status the real send would have: 1 when it would be blocked or
                // stopped for findings not accepted.
                try PolicyReport.enforce(decision, accepted: Set(accept), checked: "the findings above", composerFixes: true)
                return
            }
            let dispatcher = try Dispatcher(paths: paths) { (name: String) throws(DeliveryError) -> AccountConfig in
                do throws(ConfigError) { return try config.account(named: name) } catch { throw DeliveryError(.config, error.message) }
            }
            // The password command and the server settings are checked before anything is frozen:
            // a configuration mistake should not leave a message in the outbox.
            try dispatcher.prepare(account: account)
            let hold = decision.holdSeconds
            let confirmation = ConfirmationRecord(
                confirmedBy: Delivery.confirmer(), via: "send",
                tickedRecipients: [], tickedAttachments: [],
                findings: decision.findings.map {
                    OutboxFinding(
                        ruleID: $0.ruleID, severity: $0.severity.rawValue, message: $0.message,
                        accepted: $0.severity == .confirm)
                },
                challenges: [])
            let id = try dispatcher.freeze(
                outgoing, stamp: stamp, account: account, holdSeconds: hold, confirmation: confirmation,
                inspections: inspections, draft: DraftRecord?.none, now: Dispatcher.wallClock())
            let progress = ProgressLine(enabled: isatty(2) == 1)
            dispatcher.progress = { (_: String, sent: Int64, total: Int64) in progress.update(sent, total) }
            let outcome = HoldCountdown(dispatcher: dispatcher, id: id, holdSeconds: hold).run()
            progress.finish()
            dispatcher.relinquish(now: Dispatcher.wallClock())
            try finish(outcome)
        } catch let error as DeliveryError {
            throw fail(error)
        }
    }

    /// Prints what happened and exits with its status.
    private func finish(_ report: DispatchReport) throws {
        switch report.outcome {
        case .sent:
            for line in report.lines {
                // A warning (the journal could not record it now) goes with the other messages.
                if line.hasPrefix("warning: ") { Console.error("guardmail: \(line)\n") } else { Console.output(line + "\n") }
            }
            return
        case .cancelledElsewhere, .undone, .discarded:
            for line in report.lines { Console.error("guardmail: \(line)\n") }
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
            return
        default:
            for line in report.lines {
                if line.hasPrefix("accepted: ") { Console.output(line + "\n") } else { Console.error("guardmail: \(line)\n") }
            }
            if let advice = Self.stillInOutbox(report) { Console.error("guardmail: \(advice)\n") }
            throw ExitCode(report.exitStatus == 0 ? Exit.unavailable : report.exitStatus)
        }
    }

    /// After a send that did not reach everyone: the message is still in the outbox, under
    /// which id, and the commands that send it again or drop it. Nil when the report's own
    /// lines already name both commands.
    static func stillInOutbox(_ report: DispatchReport) -> String? {
        let id = report.id
        guard !id.isEmpty else { return nil }
        let text = report.lines.joined(separator: "\n")
        if text.contains("guardmail outbox release \(id)") && text.contains("guardmail outbox cancel \(id)") { return nil }
        if report.outcome == .unknown {
            return "the message is still in the outbox as \(id) and is not sent again on its own: it may have arrived. "
                + "Ask the recipients, then `guardmail outbox release \(id)` sends it again or `guardmail outbox cancel \(id)` deletes it "
                + "(`guardmail outbox show \(id)` shows it)"
        }
        return "the message is still in the outbox as \(id): `guardmail outbox release \(id)` sends it again "
            + "(if some recipients accepted it: only to the others), `guardmail outbox cancel \(id)` deletes it"
    }

    /// The same policy as the confirmation screen: blocks stop the send; findings that need
    /// confirmation stop it unless accepted with --accept. Findings go to standard error.
    private func applyPolicy(_ outgoing: OutgoingMessage, thread: ThreadFacts?, policy: PolicyConfig, paths: DataPaths) throws -> (
        PolicyDecision, [Inspection]
    ) {
        let inspections: [Inspection]
        do {
            // The types came from file(1) while building the message. The SHA-256 for the outbox and
            // the journal is taken while the message is written (Delivery.spool), in the same read.
            inspections = try AttachmentInspector().inspect(
                outgoing.attachments.map(\.source), contentTypes: outgoing.attachments.map(\.contentType), fingerprint: false)
        } catch {
            throw DeliveryError(.data, error.message)
        }
        let evaluation = PolicySetup.evaluate(outgoing, inspections: inspections, thread: thread, config: policy, paths: paths)
        for warning in evaluation.warnings { report(warning) }
        let decision = evaluation.decision
        for finding in decision.findings { report(PolicyReport.line(finding)) }
        if dryRun { return (decision, inspections) }
        try PolicyReport.enforce(decision, accepted: Set(accept), checked: "the findings above", composerFixes: true)
        return (decision, inspections)
    }

    private func readInput() throws(DeliveryError) -> DraftInput {
        let body = try message.bodyFile.map { (file: String) throws(DeliveryError) in try readBodyFile(file, standardInput: true) } ?? ""
        return try message.draftInput(body: body)
    }

}

/// The body text from `--body-file` (with `standardInput`, `-` reads standard input), or why it
/// cannot be read: a folder, a missing or unreadable file, text that is not UTF-8.
func readBodyFile(_ bodyFile: String, standardInput: Bool) throws(DeliveryError) -> String {
    let path = standardInput && bodyFile == "-" ? "/dev/stdin" : bodyFile
    let text: String?
    do {
        text = try FileSystem.readUTF8(path)
    } catch {
        if error.kind == .isDirectory {
            throw DeliveryError(
                .data,
                "the body file '\(bodyFile)' is a folder, not a file: give the file that holds the body text"
                    + (standardInput ? " (or - for standard input)" : ""))
        }
        throw DeliveryError(.data, "cannot read the body file '\(bodyFile)': \(error.reason)")
    }
    guard let text else { throw DeliveryError(.data, "the body file '\(bodyFile)' is not UTF-8 text") }
    return text
}

/// Loads the config file and picks the account.
func loadAccount(_ path: String, name: String?) throws(ConfigError) -> AccountConfig {
    try loadConfig(path).account(named: name)
}

func copyToStandardOutput(_ path: String, from offset: Int64) throws(DeliveryError) {
    do {
        let source = try FileSource(path: path)
        try source.skip(offset)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { Console.output(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
    } catch {
        throw DeliveryError(.io, "cannot read the spooled message: \(error)")
    }
}

/// `sending… 45% (12.3 of 27.1 MiB)` on a terminal, redrawn in place at most every 1%.
final class ProgressLine {
    private let enabled: Bool
    private var lastPercent = -1
    init(enabled: Bool) { self.enabled = enabled }
    func update(_ sent: Int64, _ total: Int64) {
        guard enabled, total > 1 << 20 else { return }
        let percent = Int(sent * 100 / max(total, 1))
        guard percent != lastPercent else { return }
        lastPercent = percent
        Console.error("\rsending… \(percent)% (\(formatBytes(sent)) of \(formatBytes(total)))\u{1B}[K")
    }
    func finish() {
        if lastPercent >= 0 { Console.error("\r\u{1B}[K") }
    }
}
