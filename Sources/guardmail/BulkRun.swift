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

/// What every `guardmail bulk` subcommand starts from: the config, the policy and the job store.
struct BulkSetup {
    let paths: DataPaths
    let config: GuardmailConfig
    let policy: PolicyConfig
    let store: BulkStore

    /// Exit 78 when the config or the policy cannot be loaded.
    static func load(configFile: String?) throws -> BulkSetup {
        let paths = DataPaths.fromEnvironment()
        do {
            let config = try loadConfig(configFile ?? paths.configFile)
            let policy = try PolicySetup.load(user: config.policy)
            let store = BulkStore(directory: paths.bulkDirectory)
            // `.tmp-` folders of freezes that were killed (none a live freeze holds).
            TemporaryFiles.removeAbandoned(in: store.directory, .freezingFolders)
            return BulkSetup(paths: paths, config: config, policy: policy, store: store)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
    }
}

/// The arguments of a new job, whichever spelling gave them.
struct BulkNewArguments {
    var recipients: String
    var subject: String?
    var bodyFile: String?
    var attach: [String]
    var mode: BulkMode
    var toHeader: BulkToHeader
    var strict: Bool
    var accept: [String]
    var dryRun: Bool
    var account: String?
    var noScreen: Bool
    var rate: Int?
    var batchSize: Int?
}

/// The shell around BulkSend: prints, asks on the screen, holds with Ctrl-C, sends, maps to exit codes.
enum BulkRun {
    static let exitCodes =
        "Exit codes: 0 all delivered (or cancelled), 1 policy, 64 usage, 65 bad input (nothing sent), "
        + "69 some refused, 74 the disk or the journal, 75 some remaining or unknown (resume later), 77 login denied, "
        + "78 configuration, 130 cancelled with Ctrl-C during the hold."

    // MARK: A new job

    static func newJob(_ arguments: BulkNewArguments, setup: BulkSetup) throws {
        let account: AccountConfig
        do {
            account = try setup.config.account(named: arguments.account)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        let body: String
        do {
            body = try arguments.bodyFile.map { file throws(DeliveryError) in try readBodyFile(file, standardInput: true) } ?? ""
        } catch {
            throw fail(error)
        }
        let request = BulkJobRequest(
            recipientFile: arguments.recipients, mode: arguments.mode, subject: arguments.subject ?? "", body: body,
            attachments: arguments.attach, toHeader: arguments.toHeader, strict: arguments.strict, accepted: Set(arguments.accept),
            ratePerMinute: arguments.rate, batchSize: arguments.batchSize ?? BulkJobRequest.defaultBatchSize,
            fingerprintAttachments: !arguments.dryRun)
        let plan: BulkJobPlan
        do {
            plan = try BulkJobPlanner.prepare(request, account: account, policy: setup.policy, paths: setup.paths)
        } catch {
            report(error.message)
            throw ExitCode(Exit.data)
        }
        for warning in plan.warnings { report(warning) }
        var accepted = request.accepted
        Console.output(plan.summary(accepted: accepted).text)

        if arguments.dryRun {
            let bytes: [UInt8]
            do {
                bytes = try plan.renderSample(stamp: Delivery.stamp(for: plan.sample))
            } catch {
                report(error.message)
                throw ExitCode(Exit.data)
            }
            Console.output(
                "\n--- \(plan.mode == .individual ? "the first rendered message" : "the message") as it will be sent "
                    + "(dry run: nothing was sent) ---\n")
            bytes.withUnsafeBytes { Console.output($0) }
            return
        }
        if !arguments.noScreen && isatty(0) == 1 && isatty(1) == 1 {
            accepted.formUnion(try confirmOnScreen(plan, setup: setup))
        }
        try PolicyReport.enforce(plan.decision, accepted: accepted, checked: "the summary above", composerFixes: false)

        // The server settings (and the password command) before anything is frozen.
        let server: SMTPServer
        let journal: SendJournal
        do throws(DeliveryError) {
            server = try Delivery.server(for: account)
            do {
                journal = try SendJournal.open(paths: setup.paths)
            } catch {
                throw DeliveryError(.io, "\(error); nothing can be sent without the send journal")
            }
        } catch {
            throw fail(error)
        }
        defer { journal.close() }

        // Freeze: every message rendered once, fsynced; the journal gets them all in one transaction.
        let job: BulkJob
        let lock: BulkJobLock
        do {
            (job, lock) = try plan.freeze(
                store: setup.store, journal: journal, now: Dispatcher.wallClock().seconds,
                confirmedBy: Delivery.confirmer(), stamp: { Delivery.stamp(for: $0) })
        } catch {
            report(error.message)
            throw ExitCode(error.kind == .io ? Exit.ioError : Exit.data)
        }
        defer { lock.release() }
        let count = job.index.messages.count
        Console.error(
            "guardmail: bulk job \(job.id): \(count) message\(count == 1 ? "" : "s") "
                + "for \(job.index.recipients.count) recipients frozen in \(job.directory)\n")

        // The hold.
        if !holdCountdown(id: job.id, seconds: plan.holdSeconds) {
            do {
                try journal.record(job.cancelledDuringHold("with Ctrl-C during the hold"), at: Int64(Dispatcher.wallClock().seconds))
            } catch {
                report("warning: the journal could not record the cancellation: \(error)")
            }
            report("cancelled bulk job \(job.id) with Ctrl-C; nothing was sent")
            throw ExitCode(130)
        }
        let status = BulkLedger.status(of: job, progress: (try? journal.progress(of: job.index.messages.map(\.messageID))) ?? [:])
        try send(
            job, status: status, server: server, journal: journal, environment: .system(paths: setup.paths),
            options: BulkRunOptions(), rate: request.ratePerMinute, batch: request.batchSize)
    }

    /// On a terminal: the confirmation screen. Every external recipient (one by one), every
    /// internal domain, every attachment and every finding that needs confirmation is ticked
    /// there; a block cannot be. In individual mode the truth line says one message to each
    /// recipient. Returns the rule ids the sender ticked.
    private static func confirmOnScreen(_ plan: BulkJobPlan, setup: BulkSetup) throws -> [String] {
        let theme: Theme
        do {
            theme = try loadTheme(setup.config.theme, paths: setup.paths)
        } catch {
            report("\(error)")
            throw ExitCode(Exit.config)
        }
        let classifier = plan.classifier
        let screen = ConfirmModel(
            from: plan.account.from.formatted, recipients: plan.mailboxes.map { ($0, plan.mode == .bcc ? RecipientField.bcc : .to) },
            isInternal: { classifier.isInternal(domain: $0) }, companies: [:],
            attachments: plan.inspections.map {
                ConfirmAttachment(
                    name: $0.name, size: $0.size, summary: $0.kindDescription, sha256: $0.sha256,
                    warning: $0.extensionWarning, preview: $0.previewLines(limit: 4))
            },
            findings: plan.decision.findings, holdSeconds: plan.holdSeconds, preTickInternal: false, ticksInternalByDomain: true,
            mode: plan.mode == .individual ? .oneEach : .asWritten)
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
        return confirmed.findings.indices.filter { confirmed.isAccepted($0) }.map { confirmed.findings[$0].ruleID }
    }

    /// The countdown on standard error; false when Ctrl-C cancelled it.
    private static func holdCountdown(id: String, seconds: Int) -> Bool {
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

    private static func send(
        _ job: BulkJob, status: BulkStatus, server: SMTPServer, journal: SendJournal, environment: Environment,
        options: BulkRunOptions, rate: Int?, batch: Int
    ) throws {
        // What goes out is what was confirmed: every frozen message checked before the first is sent.
        do {
            try BulkStore.verifyMessages(of: job)
        } catch {
            report("\(error.message); nothing was sent now")
            throw ExitCode(error.kind == .io ? Exit.ioError : Exit.data)
        }
        var options = options
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
        let runner = BulkRunner(
            job: job, journal: journal, transport: transport, log: log, runID: runID, environment: environment,
            options: options)
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
    private static func loadJob(_ id: String, store: BulkStore, journal: SendJournal, recover: Bool) throws -> (BulkJob, BulkStatus) {
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
                let records = BulkRecovery.records(
                    job: job, status: status, runs: BulkProgressLog.read(path: job.directory + "/progress.log"),
                    bootID: BulkProgressLog.bootID())
                if !records.isEmpty {
                    try journal.record(records, at: Int64(Dispatcher.wallClock().seconds))
                    status = BulkLedger.status(of: job, progress: try journal.progress(of: ids))
                    report("recorded what the progress log knows about the submissions guardmail was making when it stopped")
                }
            }
            if status.missingMessages == job.index.messages.count {
                report(
                    "bulk job \(id) was never recorded in the send journal (guardmail stopped while freezing it): "
                        + "nothing was sent; start it again with guardmail bulk new --recipients …")
                throw ExitCode(Exit.data)
            }
            return (job, status)
        } catch let error as JournalError {
            report("\(error)")
            throw ExitCode(Exit.ioError)
        }
    }

    /// `rate` and `batchSize`, when given, override what the job was frozen with.
    static func resume(_ id: String, setup: BulkSetup, options: BulkRunOptions, rate: Int?, batchSize: Int?) throws {
        let store = setup.store
        let journal: SendJournal
        do {
            journal = try SendJournal.open(paths: setup.paths)
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
        let toSend = BulkRunner.selection(status, options: options)
        guard !toSend.isEmpty else {
            Console.output(BulkReport.text(job: job, status: status))
            let code = BulkReport.exitStatus(status)
            if code != 0 { throw ExitCode(code) }
            return
        }
        let account: AccountConfig
        let server: SMTPServer
        do {
            account = try setup.config.account(named: job.record.account)
            server = try Delivery.server(for: account)
        } catch let error as ConfigError {
            report(error.message)
            throw ExitCode(Exit.config)
        } catch let error as DeliveryError {
            throw fail(error)
        }
        Console.error(
            "guardmail: resuming bulk job \(id): \(toSend.count) of \(status.total) recipients to send "
                + "(\(status.delivered) already delivered)\n")
        try send(
            job, status: status, server: server, journal: journal, environment: .system(paths: setup.paths),
            options: options, rate: rate ?? job.record.ratePerMinute, batch: batchSize ?? job.record.batchSize)
    }

    static func status(_ id: String, setup: BulkSetup) throws {
        let paths = setup.paths
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
        let (job, status) = try loadJob(id, store: setup.store, journal: journal, recover: false)
        Console.output(BulkReport.text(job: job, status: status))
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
