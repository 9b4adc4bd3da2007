import ArgumentParser
import Composer
import TUI
import Bulk
import BulkSend
import Config
import Delivery
import Inspect
import Journal
import MailCore
import Policy
import Store
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT while `bulk` holds or sends a job.

struct BulkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk",
        abstract: "Send an announcement to a list of recipients (bcc batches or one message each).",
        discussion: """
            guardmail bulk --recipients FILE --subject S --body-file F [--attach F]… [--mode bcc|individual] [--rate N/min]
            guardmail bulk --resume ID [--resend-unknown] [--retry-refused]
            guardmail bulk --status ID

            FILE is CSV or TSV with a header naming an `email` column (optional `name` and other \
            columns, usable as {{name}} in individual mode) or one address a line; UTF-8 or Shift_JIS. \
            Without a terminal the summary is printed and findings that need confirmation must be \
            accepted with --accept RULE. The job is frozen in $XDG_DATA_HOME/guardmail/bulk/ID, held \
            (Ctrl-C cancels), then sent over one reused connection. Every reply goes to the send journal: \
            --resume continues with the recipients not yet delivered and never sends twice (see docs/bulk.md).
            Exit codes: 0 all delivered (or cancelled), 1 policy, 65 bad input (nothing sent), 69 some \
            refused, 74 I/O error (disk full, the job, the journal or the progress log cannot be \
            written: sending stopped), 75 some remaining or unknown (resume later), 77 login denied, \
            78 configuration.
            """
    )

    @Option(name: .long, help: "The recipient file (CSV/TSV with an email column, or one address a line).")
    var recipients: String?
    @Option(name: .long, help: "Subject line ({{column}} fields in individual mode).")
    var subject: String?
    @Option(name: .customLong("body-file"), help: "File holding the body text (UTF-8); - for standard input.")
    var bodyFile: String?
    @Option(name: .long, help: "A file to attach (repeatable).")
    var attach: [String] = []
    @Option(name: .long, help: "bcc (default): one message, recipients in the envelope only; individual: one message each.")
    var mode: String = "bcc"
    @Option(name: .long, help: "At most N messages (individual) or recipients (bcc) a minute: N/min or N.")
    var rate: String?
    @Option(name: .customLong("batch-size"), help: "Recipients per transaction in bcc mode (default 100).")
    var batchSize: Int?
    @Option(name: .customLong("to-header"), help: "bcc mode: what To shows: sender (default) or undisclosed.")
    var toHeader: String = "sender"
    @Flag(name: .long, help: "Refuse the file if any row is invalid (default: skip invalid rows, listed in the summary).")
    var strict = false
    @Option(name: .customLong("accept"), help: "Accept a finding that needs confirmation, by rule id (repeatable).")
    var accept: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print the summary and the first rendered message; send nothing.")
    var dryRun = false
    @Option(name: .long, help: "Account from the config to send with (default: default_account).")
    var account: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?
    @Option(name: .long, help: "Continue the job ID with the recipients not yet delivered.")
    var resume: String?
    @Flag(name: .customLong("resend-unknown"), help: "With --resume: also send to recipients whose outcome is unknown (they may get it twice).")
    var resendUnknown = false
    @Flag(name: .customLong("retry-refused"), help: "With --resume: also retry recipients the server refused for good (5xx).")
    var retryRefused = false
    @Option(name: .long, help: "Print where the job ID stands; send nothing.")
    var status: String?
    @Flag(name: .customLong("no-screen"), help: "On a terminal too: print the summary and use --accept instead of the confirmation screen.")
    var noScreen = false

    func validate() throws {
        let known = Set(PolicyEngine.rules.map(\.id))
        for id in accept where !known.contains(id) {
            throw ValidationError("Unknown rule '\(id)' for --accept (rules: \(known.sorted().joined(separator: ", ")))")
        }
        guard BulkMode(rawValue: mode) != nil else { throw ValidationError("--mode must be bcc or individual, not '\(mode)'") }
        guard BulkToHeader(rawValue: toHeader) != nil else { throw ValidationError("--to-header must be sender or undisclosed") }
        if let rate { _ = try Self.parseRate(rate) }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if resume != nil || status != nil {
            guard resume == nil || status == nil else { throw ValidationError("give --resume or --status, not both") }
            guard recipients == nil, subject == nil, bodyFile == nil, attach.isEmpty else {
                throw ValidationError("--resume and --status take a job id only: the job's recipients and message are frozen")
            }
        } else {
            guard recipients != nil else { throw ValidationError("--recipients FILE is required (or --resume ID)") }
            guard bodyFile != nil else { throw ValidationError("--body-file is required") }
            guard !resendUnknown, !retryRefused else { throw ValidationError("--resend-unknown and --retry-refused go with --resume") }
        }
    }

    /// "600/min", "600/m", "600" → 600.
    static func parseRate(_ text: String) throws -> Int {
        var number = Substring(text)
        for suffix in ["/min", "/m", "/minute"] where number.hasSuffix(suffix) { number = number.dropLast(suffix.count) }
        guard let value = Int(number), value >= 1 else {
            throw ValidationError("--rate must be a positive number per minute, like 600/min (got '\(text)')")
        }
        return value
    }

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let loaded: GuardmailConfig
        let policy: PolicyConfig
        do {
            loaded = try loadConfig(config ?? paths.configFile)
            policy = try PolicySetup.load(user: loaded.policy)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        let store = BulkStore(directory: paths.bulkDirectory)
        // `.tmp-` folders of freezes that were killed (none a live freeze holds).
        TemporaryFiles.removeAbandoned(in: store.directory, .freezingFolders)
        if let id = status { return try showStatus(id, store: store, paths: paths) }
        if let id = resume { return try resumeJob(id, store: store, paths: paths, config: loaded) }
        try newJob(store: store, paths: paths, config: loaded, policy: policy)
    }

    // MARK: A new job

    private func newJob(store: BulkStore, paths: DataPaths, config: GuardmailConfig, policy: PolicyConfig) throws {
        let account: AccountConfig
        do {
            account = try config.account(named: self.account)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        let mode = BulkMode(rawValue: mode)!
        let recipientFile = recipients!
        // The recipients.
        var list: RecipientList
        do {
            let bytes = try FileSystem.readBytes(recipientFile, limit: 256 << 20)
            list = try RecipientFile.parse(bytes: bytes, fileName: recipientFile)
        } catch let error as FileError {
            report("recipients: \(error)")
            throw ExitCode(Exit.data)
        } catch {
            report("\(error)")
            throw ExitCode(Exit.data)
        }
        // A row whose field would put a line break into its subject is an invalid row like any other.
        if mode == .individual { list = list.refusingLineBreaks(inSubject: Template(subject ?? "")) }
        if strict && !list.invalid.isEmpty {
            report("'\(recipientFile)' has \(list.invalid.count) invalid row\(list.invalid.count == 1 ? "" : "s") and --strict was given; nothing was sent:")
            for row in list.invalid { report("  line \(row.line): \(row.text.isEmpty ? "(empty)" : row.text) — \(row.reason)") }
            throw ExitCode(Exit.data)
        }
        guard !list.recipients.isEmpty else {
            report("'\(recipientFile)' has no valid recipient; nothing was sent")
            for row in list.invalid.prefix(50) { report("  line \(row.line): \(row.text) — \(row.reason)") }
            throw ExitCode(Exit.data)
        }
        // The message.
        let body = try readBody()
        let subjectTemplate = Template(subject ?? "")
        let bodyTemplate = Template(body)
        let problems = BulkPreflight.templateProblems(mode: mode, subject: subjectTemplate, body: bodyTemplate, list: list)
        guard problems.isEmpty else {
            report("the message cannot be filled in for every recipient; nothing was sent:")
            for line in problems { report("  " + line) }
            throw ExitCode(Exit.data)
        }
        let attachments: [Attachment]
        let inspections: [Inspection]
        let sample: OutgoingMessage
        do throws(BulkError) {
            attachments = try BulkAttachments.load(attach, account: account, detector: ContentTypeDetector())
            do {
                inspections = try AttachmentInspector().inspect(attachments.map(\.source), contentTypes: attachments.map(\.contentType),
                                                                fingerprint: !dryRun)
            } catch {
                throw BulkError(.data, error.message)
            }
            sample = mode == .bcc
                ? try BulkMessages.bcc(from: account.from, subject: subject ?? "", body: body, attachments: attachments,
                                       toHeader: BulkToHeader(rawValue: toHeader)!)
                : try BulkMessages.individual(from: account.from, recipient: list.recipients[0], subject: subjectTemplate,
                                              body: bodyTemplate, attachments: attachments)
        } catch {
            report(error.message)
            throw ExitCode(Exit.data)
        }
        // The policy, on a representative message.
        let (book, warnings) = PolicySetup.addressBook(policy, paths: paths)
        for warning in warnings { report(warning) }
        let (history, historyWarning) = PolicySetup.history(paths: paths)
        if let historyWarning { report(historyWarning) }
        let mailboxes = list.recipients.map(\.mailbox)
        let decision = PolicyEngine.evaluate(
            BulkPolicy.input(mode: mode, sample: sample, recipients: mailboxes, inspections: inspections, history: history,
                             addressBook: book),
            config: policy)
        let classifier = policy.classifier(sender: account.from)
        let hold = decision.holdSeconds
        let rateLimit = try rate.map(Self.parseRate)
        let batch = batchSize ?? 100
        var accepted = Set(accept)
        let summary = BulkSummary(
            recipientFile: recipientFile, list: list, mode: mode, account: account.name, isInternal: { classifier.isInternal($0) },
            inspections: inspections, findings: decision.findings, accepted: accepted, sample: sample, batchSize: batch,
            ratePerMinute: rateLimit, holdSeconds: hold)
        Console.output(summary.text)

        if dryRun {
            let stamp = Delivery.stamp(for: sample)
            var sink = MemorySink()
            do {
                try MIMEWriter().write(sample, stamp: stamp, opener: FileAttachmentOpener(), to: &sink)
            } catch {
                report("cannot render the message: \(error)")
                throw ExitCode(Exit.data)
            }
            Console.output("\n--- \(mode == .individual ? "the first rendered message" : "the message") as it will be sent "
                + "(dry run: nothing was sent) ---\n")
            sink.bytes.withUnsafeBytes { Console.output($0) }
            return
        }
        if !noScreen && isatty(0) == 1 && isatty(1) == 1 {
            // On a terminal: the confirmation screen. Every external recipient (one by one),
            // every internal domain, every attachment and every finding that needs confirmation
            // is ticked there; a block cannot be. In individual mode the truth line says one
            // message to each recipient.
            let theme: Theme
            do {
                theme = try loadTheme(config.theme, paths: paths)
            } catch {
                report("\(error)")
                throw ExitCode(Exit.config)
            }
            let screen = ConfirmModel(
                from: account.from.formatted, recipients: mailboxes.map { ($0, mode == .bcc ? RecipientField.bcc : .to) },
                isInternal: { classifier.isInternal(domain: $0) }, companies: [:],
                attachments: inspections.map {
                    ConfirmAttachment(name: $0.name, size: $0.size, summary: $0.kindDescription, sha256: $0.sha256,
                                      warning: $0.extensionWarning, preview: $0.previewLines(limit: 4))
                },
                findings: decision.findings, holdSeconds: hold, preTickInternal: false, ticksInternalByDomain: true,
                mode: mode == .individual ? .oneEach : .asWritten)
            let confirmed: ConfirmModel?
            do {
                confirmed = try BulkConfirmSession.run(screen, theme: theme)
            } catch {
                report("\(error)")
                throw ExitCode(Exit.usage)
            }
            guard let confirmed else {
                report("not confirmed; nothing was sent")
                throw ExitCode(Exit.policy)
            }
            // What the sender ticked is what was accepted.
            accepted.formUnion(confirmed.findings.indices.filter { confirmed.isAccepted($0) }.map { confirmed.findings[$0].ruleID })
        }
        try PolicyReport.enforce(decision, accepted: accepted, checked: "the summary above", composerFixes: false)

        // The server settings (and the password command) before anything is frozen.
        let server: SMTPServer
        let journal: SendJournal
        do throws(DeliveryError) {
            server = try Delivery.server(for: account)
            do {
                journal = try SendJournal.open(paths: paths)
            } catch {
                throw DeliveryError(.io, "\(error); nothing can be sent without the send journal")
            }
        } catch {
            throw fail(error)
        }
        defer { journal.close() }

        // Freeze: every message rendered once, fsynced; the journal gets them all in one transaction.
        let now = Dispatcher.wallClock()
        let id = BulkStore.newID(now: now.seconds)
        let confirmer = Delivery.confirmer()
        let findings = decision.findings.map {
            BulkFinding(ruleID: $0.ruleID, severity: $0.severity.rawValue, message: $0.message, accepted: $0.severity == .confirm)
        }
        let attachmentRecords = attachments.enumerated().map { i, a in
            BulkAttachmentRecord(name: a.fileName, size: a.size ?? inspections[i].size, sha256: inspections[i].sha256,
                                 contentType: a.contentType)
        }
        let record = BulkJobRecord(
            id: id, mode: mode, account: account.name, from: account.from.formatted, mailFrom: account.from.envelopeAddress,
            subject: subject ?? "", recipientFile: recipientFile, recipientCount: list.recipients.count,
            messageCount: mode == .bcc ? 1 : list.recipients.count, invalidCount: list.invalid.count,
            duplicateCount: list.duplicateCount, toHeader: BulkToHeader(rawValue: toHeader)!, attachments: attachmentRecords,
            findings: findings, confirmedBy: confirmer, confirmedAt: Int64(now.seconds), holdSeconds: hold,
            ratePerMinute: rateLimit, batchSize: batch)
        let journalFindings = findings.map {
            JournalFinding(ruleID: $0.ruleID, severity: $0.severity, message: $0.message, accepted: $0.accepted,
                           acceptedBy: $0.accepted ? confirmer : nil)
        }
        let journalAttachments = attachmentRecords.map {
            JournalAttachment(name: $0.name, size: $0.size, sha256: $0.sha256, contentType: $0.contentType)
        }
        let job: BulkJob
        let journalMessages: [JournalMessage]
        do {
            let content = BulkContent(from: account.from, subject: subjectTemplate, body: bodyTemplate, attachments: attachments,
                                      toHeader: BulkToHeader(rawValue: toHeader)!)
            (job, journalMessages) = try BulkFreezer.freeze(
                store: store, record: record, recipients: list.recipients, content: content, attachments: journalAttachments,
                findings: journalFindings, stamp: { Delivery.stamp(for: $0) })
        } catch {
            report("\(error.message); nothing was sent")
            throw ExitCode(error.kind == .io ? Exit.ioError : Exit.data)
        }
        guard let lock = try? store.lock(id: id) else {
            report("cannot lock the new bulk job \(id); nothing was sent")
            throw ExitCode(Exit.ioError)
        }
        defer { lock.release() }
        do {
            try journal.recordMessages(journalMessages, at: Int64(now.seconds), then: .held,
                                       detail: "bulk job \(id): \(mode), \(list.recipients.count) recipients; hold \(hold) s")
        } catch {
            store.remove(id: id)
            report("\(error); nothing was sent")
            throw ExitCode(Exit.ioError)
        }
        Console.error("guardmail: bulk job \(id): \(job.index.messages.count) message\(job.index.messages.count == 1 ? "" : "s") "
            + "for \(job.index.recipients.count) recipients frozen in \(job.directory)\n")

        // The hold.
        if !holdCountdown(id: id, seconds: hold) {
            let records = job.index.messages.map {
                JournalBatchRecord(messageID: $0.messageID, event: .undone, detail: "bulk job \(id): cancelled with Ctrl-C during the hold")
            }
            do {
                try journal.record(records, at: Int64(Dispatcher.wallClock().seconds))
            } catch {
                report("warning: the journal could not record the cancellation: \(error)")
            }
            report("cancelled bulk job \(id) with Ctrl-C; nothing was sent")
            throw ExitCode(130)
        }
        let status = BulkLedger.status(of: job, progress: (try? journal.progress(of: job.index.messages.map(\.messageID))) ?? [:])
        try send(job, status: status, server: server, journal: journal, rate: rateLimit, batch: batch)
    }

    /// The countdown on standard error; false when Ctrl-C cancelled it.
    private func holdCountdown(id: String, seconds: Int) -> Bool {
        guard seconds > 0 else { return true }
        // The handler stays installed after the hold: a Ctrl-C between the end of the hold and the
        // first submission stops the run cleanly (send() installs it again) instead of killing it.
        catchInterrupt()
        Console.error("guardmail: bulk job \(id) held: sending starts in \(seconds) s. Ctrl-C cancels.\n")
        let releaseAt = Dispatcher.wallClock().seconds + Double(seconds)
        var line = CountdownLine()
        defer { line.clear() }
        while interruptRequested == 0 {
            let left = Int((releaseAt - Dispatcher.wallClock().seconds).rounded(.up))
            if left <= 0 { return true }
            line.show(left)
            usleep(100_000)
        }
        return false
    }

    // MARK: Sending (new job or resume)

    private func send(_ job: BulkJob, status: BulkStatus, server: SMTPServer, journal: SendJournal, rate: Int?, batch: Int) throws {
        // What goes out is what was confirmed: every frozen message checked before the first is sent.
        do {
            try BulkStore.verifyMessages(of: job)
        } catch {
            report("\(error.message); nothing was sent now")
            throw ExitCode(error.kind == .io ? Exit.ioError : Exit.data)
        }
        var options = BulkRunOptions()
        options.resendUnknown = resendUnknown
        options.retryRefused = retryRefused
        options.ratePerMinute = rate
        options.batchSize = batch
        let runID = Self.runID()
        let log: BulkProgressLog?
        do {
            log = try BulkProgressLog(job: job, runID: runID)
        } catch {
            report("\(error); nothing was sent")
            throw ExitCode(Exit.ioError)
        }
        let transport = CurlBulkTransport(server: server)
        let runner = BulkRunner(job: job, journal: journal, transport: transport, log: log, runID: runID, options: options)
        let display = BulkProgressDisplay(terminal: isatty(2) == 1)
        runner.onProgress = { display.update($0) }
        let previous = catchInterrupt(reset: false)
        runner.shouldStop = { interruptRequested != 0 }
        let result = runner.run(status: status)
        signal(SIGINT, previous)
        transport.reset()
        log?.close()
        display.finish()
        for warning in result.warnings { report("warning: \(warning)") }
        if let reason = result.stopReason { report("stopped: \(reason)") }
        let after: BulkStatus
        do {
            after = BulkLedger.status(of: job, progress: try journal.progress(of: job.index.messages.map(\.messageID)))
        } catch {
            report("cannot read the journal for the summary: \(error)")
            throw ExitCode(Exit.tempFail)
        }
        Console.output(BulkReport.text(job: job, status: after))
        let code = result.fatalExitStatus ?? BulkReport.exitStatus(after)
        if code != 0 { throw ExitCode(code) }
    }

    static func runID() -> String {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<6).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }

    // MARK: Resume and status

    /// The job and its state, after settling what the progress log can prove about a crash.
    private func loadJob(_ id: String, store: BulkStore, journal: SendJournal, recover: Bool) throws -> (BulkJob, BulkStatus) {
        let job: BulkJob
        do {
            job = try store.load(id: id)
        } catch {
            report(error.message)
            throw ExitCode(error.kind == .notFound ? Exit.noInput : Exit.data)
        }
        let ids = job.index.messages.map(\.messageID)
        do {
            var status = BulkLedger.status(of: job, progress: try journal.progress(of: ids))
            if recover && !status.inFlight.isEmpty {
                let records = BulkRecovery.records(job: job, status: status, runs: BulkProgressLog.read(path: job.directory + "/progress.log"),
                                                   bootID: BulkProgressLog.bootID())
                if !records.isEmpty {
                    try journal.record(records, at: Int64(Dispatcher.wallClock().seconds))
                    status = BulkLedger.status(of: job, progress: try journal.progress(of: ids))
                    report("recorded what the progress log knows about the submissions guardmail was making when it stopped")
                }
            }
            if status.missingMessages == job.index.messages.count {
                report("bulk job \(id) was never recorded in the send journal (guardmail stopped while freezing it): "
                    + "nothing was sent; start it again with guardmail bulk --recipients …")
                throw ExitCode(Exit.data)
            }
            return (job, status)
        } catch let error as JournalError {
            report("\(error)")
            throw ExitCode(Exit.ioError)
        }
    }

    private func resumeJob(_ id: String, store: BulkStore, paths: DataPaths, config: GuardmailConfig) throws {
        let journal: SendJournal
        do {
            journal = try SendJournal.open(paths: paths)
        } catch {
            report("\(error); nothing can be sent without the send journal")
            throw ExitCode(Exit.ioError)
        }
        defer { journal.close() }
        let lock: BulkJobLock?
        do {
            lock = try store.lock(id: id)
        } catch {
            report(error.message)
            throw ExitCode(error.kind == .notFound ? Exit.noInput : Exit.ioError)
        }
        guard let lock else {
            report("bulk job \(id) is being sent by another guardmail; nothing was done")
            throw ExitCode(Exit.tempFail)
        }
        defer { lock.release() }
        let (job, status) = try loadJob(id, store: store, journal: journal, recover: true)
        if status.cancelled {
            Console.output(BulkReport.text(job: job, status: status))
            return
        }
        let toSend = BulkRunner.selection(status, options: {
            var o = BulkRunOptions()
            o.resendUnknown = resendUnknown
            o.retryRefused = retryRefused
            return o
        }())
        guard !toSend.isEmpty else {
            Console.output(BulkReport.text(job: job, status: status))
            let code = BulkReport.exitStatus(status)
            if code != 0 { throw ExitCode(code) }
            return
        }
        let account: AccountConfig
        let server: SMTPServer
        do {
            account = try config.account(named: job.record.account)
            server = try Delivery.server(for: account)
        } catch let error as ConfigError {
            report(error.message)
            throw ExitCode(Exit.config)
        } catch let error as DeliveryError {
            throw fail(error)
        }
        Console.error("guardmail: resuming bulk job \(id): \(toSend.count) of \(status.total) recipients to send "
            + "(\(status.delivered) already delivered)\n")
        let rateLimit = try rate.map(Self.parseRate) ?? job.record.ratePerMinute
        try send(job, status: status, server: server, journal: journal, rate: rateLimit, batch: batchSize ?? job.record.batchSize)
    }

    private func showStatus(_ id: String, store: BulkStore, paths: DataPaths) throws {
        guard FileSystem.exists(paths.journalFile) else {
            report("there is no send journal in '\(paths.dataDirectory)'")
            throw ExitCode(Exit.noInput)
        }
        let journal: SendJournal
        do {
            journal = try SendJournal(path: paths.journalFile)
        } catch {
            report("\(error)")
            throw ExitCode(Exit.ioError)
        }
        defer { journal.close() }
        let (job, status) = try loadJob(id, store: store, journal: journal, recover: false)
        Console.output(BulkReport.text(job: job, status: status))
    }

    // MARK: Input

    private func readBody() throws -> String {
        guard let bodyFile else { return "" }
        do {
            return try readBodyFile(bodyFile, standardInput: true)
        } catch {
            throw fail(error)
        }
    }
}

/// Progress while sending: one line redrawn in place on a terminal; otherwise a line every
/// two seconds ("sent 1200 / failed 3 / remaining 1797 — 412/s, ETA 4 s").
final class BulkProgressDisplay {
    private let terminal: Bool
    private var lastShown = -1.0
    private var drawn = false
    init(terminal: Bool) { self.terminal = terminal }

    func update(_ p: BulkProgress) {
        let interval = terminal ? 0.1 : 2.0
        guard p.elapsed - lastShown >= interval || (p.remaining == 0 && terminal) else { return }
        lastShown = p.elapsed
        let failed = p.refused + p.unknown
        let rate = p.rate
        let eta = rate > 0 ? Int((Double(p.remaining) / rate).rounded(.up)) : 0
        let speed = rate >= 10 ? String(Int(rate.rounded())) : String(Double(Int(rate * 10)) / 10)
        if terminal {
            let width = 24
            let done = p.total > 0 ? (p.total - p.remaining) * width / p.total : width
            let bar = String(repeating: "#", count: done) + String(repeating: "-", count: width - done)
            Console.error("\r[\(bar)] sent \(p.delivered) / failed \(failed) / remaining \(p.remaining) — \(speed)/s, ETA \(eta) s\u{1B}[K")
            drawn = true
        } else {
            Console.error("guardmail: sent \(p.delivered) / failed \(failed) / remaining \(p.remaining) — \(speed)/s, ETA \(eta) s\n")
        }
    }

    func finish() {
        if drawn { Console.error("\r\u{1B}[K") }
    }
}
