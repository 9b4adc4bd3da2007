// BulkRunner.swift — submits a frozen job: windows, batches, 452 splits, retries, the journal.
//
// Work is cut into units: one message (individual mode) or one batch of envelope recipients
// of the one message (bcc mode). Units go out in windows. For each window:
//   1. one journal transaction marks its recipients `submitting` (nothing goes out before);
//   2. each unit: the progress log gets `start`, the server gets the unit, the log gets the
//      replies; a 452 "too many recipients" sends the rest again at once in smaller batches;
//   3. one journal transaction records every reply and an outcome event per message.
// The connection is reused across units and windows. A dropped connection is reopened and the
// unit tried again (it had not been accepted); after three failures in a row the run stops and
// what is left waits for `--resume`. A message lost after its data was sent is never resent.

import Bulk
import Delivery
import Journal
import Transport
import Workflow

public struct BulkRunOptions: Sendable {
    /// Also send to recipients whose outcome is unknown (they may get it twice).
    public var resendUnknown = false
    /// Also send to recipients the server refused for good (5xx).
    public var retryRefused = false
    /// Messages (individual) or recipients (bcc) per minute.
    public var ratePerMinute: Int?
    /// Recipients per transaction in bcc mode.
    public var batchSize = 100
    /// Largest window, in units.
    public var maxWindow = 500
    /// How long a window should take, for sizing the next one.
    public var windowSeconds = 2.0
    /// Waits before the 2nd and 3rd try of a unit whose connection failed.
    public var retryDelays: [Double] = [0.5, 2.0]

    public init() {}
}

/// Counts for progress lines, over the units this run sends.
public struct BulkProgress: Sendable {
    /// Recipients to send to in this run.
    public var total: Int
    public var delivered = 0
    public var refused = 0
    public var unknown = 0
    public var elapsed = 0.0

    public var remaining: Int { max(0, total - delivered - refused - unknown) }
    /// Recipients per second so far.
    public var rate: Double { elapsed > 0 ? Double(delivered + refused + unknown) / elapsed : 0 }
}

/// How a run ended.
public struct BulkRunResult: Sendable {
    /// Why the run stopped before everything was tried (nil: it went through the whole plan).
    public var stopReason: String?
    /// For a stop the user must fix (login denied, TLS, configuration): the exit status.
    public var fatalExitStatus: Int32?
    /// Problems recording to the journal (the progress log still has the replies).
    public var warnings: [String] = []
}

public final class BulkRunner {
    let job: BulkJob
    let journal: SendJournal
    let transport: BulkTransport
    let log: BulkProgressLog?
    let clock: BulkClock
    let options: BulkRunOptions
    /// The run id in journal details and the progress log.
    public let runID: String

    /// Called after each unit.
    public var onProgress: ((BulkProgress) -> Void)?
    /// Polled between units (Ctrl-C): true stops the run after the unit on the wire.
    public var shouldStop: () -> Bool = { false }

    private var pacer: BulkPacer
    private var progress = BulkProgress(total: 0)
    private var started = 0.0
    private var unitCounter = 0
    /// The server's recipients-per-transaction limit, learned from 452 replies.
    private var learnedCap: Int?
    /// Units in a row that got nothing through (transaction refused, connection failed).
    private var failuresInARow = 0
    private var deliveredSoFar = 0

    public init(
        job: BulkJob, journal: SendJournal, transport: BulkTransport, log: BulkProgressLog?, runID: String,
        clock: BulkClock = SystemBulkClock(), options: BulkRunOptions
    ) {
        self.job = job
        self.journal = journal
        self.transport = transport
        self.log = log
        self.runID = runID
        self.clock = clock
        self.options = options
        pacer = BulkPacer(perMinute: options.ratePerMinute)
    }

    /// The same, with the run's time from `environment` (the program passes the one it gives the
    /// dispatcher, `Environment.system(paths:)`).
    public convenience init(
        job: BulkJob, journal: SendJournal, transport: BulkTransport, log: BulkProgressLog?, runID: String,
        environment: Environment, options: BulkRunOptions
    ) {
        self.init(
            job: job, journal: journal, transport: transport, log: log, runID: runID,
            clock: EnvironmentClock(environment), options: options)
    }

    // MARK: Planning

    struct Unit {
        var message: Int
        /// Indexes into the job's recipients.
        var recipients: [Int]
        /// Tries of this unit so far after a failed connection.
        var tries = 0
    }

    /// The recipients this run sends to, in file order.
    public static func selection(_ status: BulkStatus, options: BulkRunOptions) -> [Int] {
        status.states.indices.filter { i in
            switch status.states[i] {
            case .pending: return true
            case .delivered: return false
            case .refused(_, let permanent): return !permanent || options.retryRefused
            case .unknown: return options.resendUnknown
            }
        }
    }

    /// The units: one per recipient's message (individual) or batches (bcc). With a rate limit a
    /// bcc batch is at most ten seconds' worth of recipients, so the pace stays even.
    func units(for selection: [Int]) -> [Unit] {
        switch job.record.mode {
        case .individual:
            return selection.map { Unit(message: job.index.recipients[$0].message, recipients: [$0]) }
        case .bcc:
            var size = max(1, options.batchSize)
            if let rate = options.ratePerMinute { size = max(1, min(size, rate / 6)) }
            var units: [Unit] = []
            var byMessage: [Int: [Int]] = [:]
            var order: [Int] = []
            for i in selection {
                let m = job.index.recipients[i].message
                if byMessage[m] == nil { order.append(m) }
                byMessage[m, default: []].append(i)
            }
            for m in order {
                units += BatchPlan(byMessage[m]!, limit: size).batches.map { Unit(message: m, recipients: $0) }
            }
            return units
        }
    }

    // MARK: Running

    public func run(status: BulkStatus) -> BulkRunResult {
        let selected = Self.selection(status, options: options)
        var queue = units(for: selected)[...]
        progress = BulkProgress(total: selected.count)
        deliveredSoFar = status.delivered
        started = clock.monotonic()
        var result = BulkRunResult()
        var windowSize = 20
        if let rate = options.ratePerMinute {
            let weight = job.record.mode == .bcc ? Double(max(1, min(options.batchSize, rate / 6))) : 1
            windowSize = Int(Double(rate) / 60 * options.windowSeconds / weight)
        }
        windowSize = max(1, min(windowSize, options.maxWindow))
        while !queue.isEmpty {
            if shouldStop() {
                result.stopReason = "interrupted with Ctrl-C"
                break
            }
            let window = Array(queue.prefix(windowSize))
            queue = queue.dropFirst(window.count)
            let windowStart = clock.monotonic()
            let outcome = runWindow(window)
            result.warnings += outcome.warnings
            if let reason = outcome.stopReason {
                result.stopReason = reason
                result.fatalExitStatus = outcome.fatalExitStatus
                break
            }
            // Size the next window to take about `windowSeconds`.
            let perUnit = (clock.monotonic() - windowStart) / Double(max(1, window.count))
            if perUnit > 0 {
                windowSize = max(1, min(options.maxWindow, Int(options.windowSeconds / perUnit)))
            } else {
                windowSize = min(options.maxWindow, windowSize * 2)
            }
            if let rate = options.ratePerMinute {
                let weight = job.record.mode == .bcc ? Double(max(1, min(options.batchSize, rate / 6))) : 1
                windowSize = max(1, min(windowSize, Int(Double(rate) / 60 * options.windowSeconds / weight)))
            }
        }
        return result
    }

    /// Per-window bookkeeping, by message.
    struct MessageLedger {
        var results: [Int: (accepted: Bool, reply: String)] = [:]
        var resultOrder: [Int] = []
        var unknown: [Int: String] = [:]
        var attempted = false
        /// The reason the last attempt got nothing through (connection, transaction refusal).
        var failure: String?
        var failurePermanent = false

        mutating func record(_ i: Int, accepted: Bool, reply: String) {
            if results[i] == nil { resultOrder.append(i) }
            results[i] = (accepted, reply)
            // A later reply settles an earlier "unknown" for the same recipient.
            unknown[i] = nil
        }
    }

    struct WindowOutcome {
        var stopReason: String?
        var fatalExitStatus: Int32?
        var warnings: [String] = []
    }

    private func runWindow(_ window: [Unit]) -> WindowOutcome {
        var outcome = WindowOutcome()
        let recipients = job.index.recipients
        // 1. Mark the window: its recipients are out from now on.
        var marks: [JournalBatchRecord] = []
        var messagesInOrder: [Int] = []
        var members: [Int: [Int]] = [:]
        for unit in window {
            if members[unit.message] == nil { messagesInOrder.append(unit.message) }
            members[unit.message, default: []] += unit.recipients
        }
        for m in messagesInOrder {
            marks.append(
                JournalBatchRecord(
                    messageID: job.index.messages[m].messageID, event: .submitting,
                    detail: BulkDetail.submitting(job: job.id, run: runID, numbers: members[m]!.map { recipients[$0].number })))
        }
        do {
            try journal.record(marks, at: clock.wall())
        } catch {
            outcome.stopReason = "the journal could not record the start of the next submissions, so nothing more was sent: \(error)"
            outcome.fatalExitStatus = 74
            return outcome
        }

        // 2. Submit.
        var ledgers: [Int: MessageLedger] = [:]
        var queue = window[...]
        var stop: (reason: String, status: Int32?)? = nil
        while let unit = queue.first {
            queue = queue.dropFirst()
            if let cap = learnedCap, unit.recipients.count > cap {
                // The server told us its limit: no more batches it would cut short.
                queue = ArraySlice(BatchPlan(unit.recipients, limit: cap).batches.map { Unit(message: unit.message, recipients: $0) }) + queue
                continue
            }
            if shouldStop() {
                stop = ("interrupted with Ctrl-C", nil)
                queue = [unit] + queue
                break
            }
            if let log, log.broken {
                stop = ("the progress log '\(log.path)' cannot be written", 74)
                queue = [unit] + queue
                break
            }
            // The rate limit: wait, but not past a Ctrl-C.
            let weight = job.record.mode == .bcc ? unit.recipients.count : 1
            var wait = pacer.delay(weight: weight, now: clock.monotonic())
            while wait > 0 && !shouldStop() {
                let slice = min(wait, 0.2)
                clock.sleep(slice)
                wait -= slice
            }
            if shouldStop() {
                pacer.giveBack(weight)
                stop = ("interrupted with Ctrl-C", nil)
                queue = [unit] + queue
                break
            }
            let step = submit(unit, ledger: &ledgers[unit.message, default: MessageLedger()])
            switch step {
            case .done:
                break
            case .again(let units):
                queue = units[...] + queue
            case .stop(let reason, let status):
                stop = (reason, status)
            }
            reportProgress()
            if stop != nil { break }
        }

        // 3. Record what happened, one transaction.
        var records: [JournalBatchRecord] = []
        for m in messagesInOrder {
            let ledger = ledgers[m] ?? MessageLedger()
            records.append(record(message: m, members: members[m]!, ledger: ledger, stop: stop?.reason))
        }
        do {
            try journal.record(records, at: clock.wall())
        } catch {
            outcome.warnings.append(
                "the journal could not record the replies of the last submissions (\(error)); "
                    + "the progress log has them and `guardmail bulk resume \(job.id)` will record them")
            outcome.stopReason = "the journal could not record the replies: \(error)"
            outcome.fatalExitStatus = 74
            return outcome
        }
        if let stop {
            outcome.stopReason = stop.reason
            outcome.fatalExitStatus = stop.status
        }
        return outcome
    }

    /// The outcome event (and replies) of one message for the window.
    private func record(message m: Int, members: [Int], ledger: MessageLedger, stop: String?) -> JournalBatchRecord {
        let recipients = job.index.recipients
        let results = ledger.resultOrder.map { i in
            JournalResultInput(address: recipients[i].envelopeAddress, reply: ledger.results[i]!.reply, accepted: ledger.results[i]!.accepted)
        }
        let id = job.index.messages[m].messageID
        let event: JournalEventKind
        let detail: String
        if !ledger.unknown.isEmpty {
            event = .unknown
            let reason = ledger.unknown.values.first!
            detail = BulkDetail.unknown(job: job.id, run: runID, numbers: ledger.unknown.keys.map { recipients[$0].number }, reason: reason)
        } else if !ledger.attempted {
            event = .interrupted
            detail = BulkDetail.note(job: job.id, run: runID, "not submitted: \(stop ?? "the run ended")")
        } else if job.record.mode == .individual || job.index.messages[m].recipients.count == 1 {
            if let (accepted, reply) = ledger.results.values.first {
                event = accepted ? .sent : (BulkLedger.isTemporary(reply) ? .failedTemporarily : .failed)
                detail = BulkDetail.note(job: job.id, run: runID, reply)
            } else {
                event = ledger.failurePermanent ? .failed : .failedTemporarily
                detail = BulkDetail.note(job: job.id, run: runID, "not sent: \(ledger.failure ?? stop ?? "no reply")")
            }
        } else {
            let accepted = ledger.results.values.count { $0.accepted }
            let refused = ledger.results.count - accepted
            let total = job.index.messages[m].recipients.count
            let untried = members.count - ledger.results.count
            var text = "\(accepted) accepted, \(refused) refused"
            if untried > 0 { text += ", \(untried) not sent (\(ledger.failure ?? stop ?? "not reached"))" }
            text += " in this window; \(deliveredSoFar) of \(total) delivered so far"
            detail = BulkDetail.note(job: job.id, run: runID, text)
            if deliveredSoFar == total {
                event = .sent
            } else if accepted > 0 {
                event = .partiallySent
            } else if refused > 0 && ledger.results.values.allSatisfy({ !BulkLedger.isTemporary($0.reply) }) && untried == 0 {
                event = .failed
            } else {
                event = .failedTemporarily
            }
        }
        return JournalBatchRecord(messageID: id, results: results, event: event, detail: detail)
    }

    private func reportProgress() {
        progress.elapsed = clock.monotonic() - started
        onProgress?(progress)
    }

    // MARK: One unit

    enum Step {
        case done
        /// Submit these now, before the rest of the window (452 splits, a retry).
        case again([Unit])
        case stop(String, Int32?)
    }

    /// What one submission said, before it is applied to the window's ledger.
    struct UnitReport {
        var results: [(index: Int, accepted: Bool, reply: String)] = []
        var unknown: [(index: Int, reason: String)] = []
        var failure: String?
        var failurePermanent = false
    }

    private func submit(_ unit: Unit, ledger: inout MessageLedger) -> Step {
        let recipients = job.index.recipients
        unitCounter += 1
        let unitNumber = unitCounter
        if let log, !log.started(unit: unitNumber, numbers: unit.recipients.map { recipients[$0].number }) {
            return .stop("the progress log '\(log.path)' cannot be written", 74)
        }
        ledger.attempted = true
        var report = UnitReport()
        let (step, kind, reason) = attempt(unit, report: &report)
        if let log {
            log.finished(
                unit: unitNumber, kind: kind, unknown: report.unknown.map { recipients[$0.index].number }, reason: reason,
                results: report.results.map { (recipients[$0.index].number, $0.accepted, $0.reply) })
        }
        for r in report.results {
            ledger.record(r.index, accepted: r.accepted, reply: r.reply)
        }
        for u in report.unknown { ledger.unknown[u.index] = u.reason }
        if let failure = report.failure {
            ledger.failure = failure
            ledger.failurePermanent = report.failurePermanent
        }
        return step
    }

    /// Submits one unit and works out what its replies mean.
    private func attempt(_ unit: Unit, report: inout UnitReport) -> (Step, BulkProgressLog.Kind, String) {
        let recipients = job.index.recipients
        let message = job.index.messages[unit.message]
        let request = SubmissionRequest(
            mailFrom: job.record.mailFrom, recipients: unit.recipients.map { recipients[$0].envelopeAddress },
            messagePath: job.spoolPath, messageOffset: message.offset, messageSize: message.size)
        // Index of an envelope address in the unit.
        let position = Dictionary(unit.recipients.map { (recipients[$0].envelopeAddress, $0) }, uniquingKeysWith: { a, _ in a })
        let submitted: Result<SubmissionResult, TransportError>
        do {
            submitted = .success(try transport.submit(request))
        } catch {
            submitted = .failure(error)
        }
        // What the replies mean is decided once (`TransactionVerdict`, shared with send and the
        // composer); what follows here is bulk's own: counting, 452 splits, retries, stopping.
        let outcome = TransactionOutcome(submitted, envelope: request.recipients)
        let verdict = TransactionVerdict.judge(outcome, at: Instant(seconds: Double(clock.wall())))
        let failure: TransactionFailure
        switch outcome.ending {
        case .failed(let failed):
            failure = failed
        case .taken, .notStarted:
            failuresInARow = 0
            var tooMany: [Int] = []
            var answeredBeforeFirst452: Int? = nil
            var answered = 0
            for r in verdict.recipients {
                guard let i = position[r.address], let reply = r.rcptReply else { continue } // no reply: not tried, stays pending
                if r.fate == .accepted {
                    report.results.append((i, true, reply.description))
                    progress.delivered += 1
                    deliveredSoFar += 1
                    answered += 1
                } else if reply.isTooManyRecipients, unit.recipients.count > 1 {
                    // Too many recipients for one transaction: the rest go again right away.
                    if answeredBeforeFirst452 == nil { answeredBeforeFirst452 = answered }
                    report.results.append((i, false, reply.description))
                    tooMany.append(i)
                } else {
                    report.results.append((i, false, reply.description))
                    progress.refused += 1
                    answered += 1
                }
            }
            let reason = (try? submitted.get())?.dataReply?.description ?? ""
            guard !tooMany.isEmpty else { return (.done, .answered, reason) }
            if let cap = answeredBeforeFirst452, cap >= 1 { learnedCap = min(learnedCap ?? cap, cap) }
            let size = learnedCap ?? max(1, (tooMany.count + 1) / 2)
            let again = BatchPlan(tooMany, limit: size).batches.map { Unit(message: unit.message, recipients: $0) }
            return (.again(again), .answered, reason)
        }
        let replied = verdict.recipients.filter { $0.rcptReply != nil }

        if failure.afterData {
            // The whole message went and no answer came: every recipient of the transaction may
            // have it, except those the server refused at RCPT (the verdict's `unknown`). Every
            // recipient of the unit, not only those the error names: an error without
            // per-recipient results (a timeout) must not leave anyone "not sent yet".
            transport.reset()
            for r in verdict.recipients {
                guard let i = position[r.address] else { continue }
                if r.isRefused {
                    report.results.append((i, false, r.reply!.description))
                    progress.refused += 1
                } else {
                    report.unknown.append((i, failure.message))
                    progress.unknown += 1
                }
            }
            failuresInARow += 1
            if failure.kind == .timeout {
                // A server that goes silent after the data would do it again: stop rather than
                // wait once more per unit and make more recipients unknown.
                return (
                    .stop("the server did not answer after the whole message was sent, so nothing more was sent: \(failure.message)", nil),
                    .lost, failure.message
                )
            }
            let step: Step =
                failuresInARow >= 3
                ? .stop("the server failed \(failuresInARow) submissions in a row: \(failure.message)", nil) : .done
            return (step, .lost, failure.message)
        }

        if failure.kind == .rejected, !replied.isEmpty, replied.count == unit.recipients.count, replied.allSatisfy(\.refusedAtRCPT) {
            // Every recipient refused at RCPT: nothing went.
            for r in replied {
                guard let i = position[r.address] else { continue }
                report.results.append((i, false, r.rcptReply!.description))
            }
            let tooMany = replied.allSatisfy { $0.rcptReply!.isTooManyRecipients }
            if tooMany, let halves = BatchPlan<Int>.split(unit.recipients) {
                return (
                    .again([
                        Unit(message: unit.message, recipients: halves.first),
                        Unit(message: unit.message, recipients: halves.second)
                    ]), .answered, failure.message
                )
            }
            progress.refused += replied.count
            if tooMany {
                // "Too many recipients" for a single one: the server is not taking any now.
                failuresInARow += 1
                if failuresInARow >= 3 {
                    return (.stop("the server refuses even single recipients (\(failure.message))", nil), .answered, failure.message)
                }
            } else {
                failuresInARow = 0
            }
            return (.done, .answered, failure.message)
        }

        if verdict.messageRefused {
            // The server took the recipients, then refused the message itself (DATA): nobody got
            // it. Each is refused by its own RCPT reply or by the message's.
            for r in verdict.recipients {
                guard let i = position[r.address] else { continue }
                report.results.append((i, false, r.reply!.description))
                progress.refused += 1
            }
            failuresInARow += 1
            let step: Step =
                failuresInARow >= 3
                ? .stop("the server refused \(failuresInARow) messages in a row: \(failure.message)", nil) : .done
            return (step, .answered, failure.message)
        }

        // Nothing was accepted for anyone: the sender refused, the connection failed, the login, TLS…
        report.failure = failure.message
        switch failure.kind {
        case .timeout:
            // The server stopped answering: another try would wait as long again. Stop; what is
            // left is sent by `--resume` (nothing of this unit was accepted).
            transport.reset()
            return (.stop("the server stopped answering, so nothing more was sent: \(failure.message)", nil), .failed, failure.message)
        case .connectionLost, .unreachable:
            return retry(unit, failure.message)
        case .rejected where failure.isTemporary:
            return retry(unit, failure.message)
        case .rejected:
            // A permanent refusal of the sender or of every message: it would refuse the rest too.
            report.failurePermanent = true
            return (.stop("the server refused the submission: \(failure.message)", nil), .failed, failure.message)
        default:
            transport.reset()
            return (.stop(failure.message, verdict.exitStatus), .failed, failure.message)
        }
    }

    /// A unit that got nothing through because of the connection or a temporary refusal: a new
    /// connection and another try, a few times, then the run stops.
    private func retry(_ unit: Unit, _ message: String) -> (Step, BulkProgressLog.Kind, String) {
        transport.reset()
        failuresInARow += 1
        guard unit.tries < options.retryDelays.count else {
            return (
                .stop("the server is not taking messages now (\(message)); tried \(unit.tries + 1) times", nil),
                .failed, message
            )
        }
        var again = unit
        again.tries += 1
        var left = options.retryDelays[unit.tries]
        while left > 0 && !shouldStop() {
            clock.sleep(min(left, 0.2))
            left -= 0.2
        }
        if shouldStop() { return (.stop("interrupted with Ctrl-C", nil), .failed, message) }
        return (.again([again]), .failed, message)
    }
}
