// DispatcherBackground.swift — the Dispatcher's side of `Submissions.background`.
//
// The Dispatcher stays a single-threaded class: it is only ever called from the composer's
// loop. With a worker, `submit` posts a self-contained `SubmissionJob` instead of waiting for the
// server; the machine stays `submitting` (written durably before the post, as always); `tick`
// collects the outcomes the worker left in its mailbox and records each exactly as an inline
// submission is recorded (`recordAttempt`). Only the mailbox is shared with the worker.

import Workflow

extension Dispatcher {
    /// Hands the job to the worker. The message stays `submitting` until `tick` collects its
    /// outcome.
    func post(_ job: SubmissionJob) -> DispatchReport? {
        guard let worker, let entry = owned[job.id] else { return nil }
        inFlight[job.id] = worker.post(job)
        return DispatchReport(id: job.id, messageID: entry.record.messageID, ending: .handedOver(recipients: job.request.recipients.count))
    }

    /// Records every outcome the worker finished since the last call (oldest first).
    func collectSubmissions() -> [DispatchReport] {
        guard let worker else { return [] }
        return worker.mailbox.collect().compactMap { finished in
            // A ticket this dispatcher no longer waits for (withdrawn) is not recorded twice.
            guard inFlight[finished.job.id] == finished.ticket else { return nil }
            inFlight[finished.job.id] = nil
            return recordAttempt(finished.job.id, to: finished.job.request.recipients, outcome: finished.outcome, at: finished.at)
        }
    }

    /// How far the message's submission on the worker is; nil when it is not on the worker.
    func submissionProgress(_ id: String) -> SubmissionProgress? {
        guard let worker, let ticket = inFlight[id] else { return nil }
        // Finished but not collected yet: still "sending" until the next tick records it.
        return worker.mailbox.progress(ticket) ?? .awaitingReply
    }

    /// Messages whose submission is under way on the worker.
    public var submissionsInFlight: Int { inFlight.count }

    /// guardmail is closing while submissions are under way. Each is taken back from the worker
    /// and recorded as what is true at this instant (decided by the mailbox, under the lock the
    /// worker's transport takes before the final dot, so the answer cannot go stale):
    /// - not started, or stopped before the end of the message: nothing was delivered. The
    ///   attempt failed (`failure`, temporary) and, as for any retry this process will not make,
    ///   the message becomes `interrupted` (`restarted`): it waits for the user.
    /// - the whole message was handed over: the server may have it (`lost`): `unknown`, never
    ///   resent on its own.
    /// - the answer had come: recorded as it is.
    /// Nothing is resent and nothing leaves the outbox but a message the server took. Returns a
    /// report for each message.
    public func withdrawSubmissions(now: Instant) -> [DispatchReport] {
        guard let worker else { return [] }
        var reports = collectSubmissions()
        for (id, ticket) in inFlight.sorted(by: { $0.key < $1.key }) {
            inFlight[id] = nil
            switch worker.mailbox.withdraw(ticket) {
            case .finished(let finished):
                if let report = recordAttempt(id, to: finished.job.request.recipients, outcome: finished.outcome, at: finished.at) {
                    reports.append(report)
                }
            case .notStarted:
                reports.append(settleStopped(id, reason: "guardmail was closed before it was sent; nothing was delivered", now: now))
            case .stoppedBeforeEnd:
                reports.append(
                    settleStopped(
                        id, reason: "guardmail was closed while it was sent, before the end of the message; nothing was delivered",
                        now: now))
            case .mayHaveArrived:
                reports.append(
                    settleLost(
                        id, reason: "guardmail was closed while waiting for the server's answer; the server may have it", now: now))
            case .unknownTicket:
                break
            }
        }
        return reports
    }

    /// Nothing was delivered: `submitting` → `failedTemporarily` → `interrupted`, recorded once.
    private func settleStopped(_ id: String, reason: String, now: Instant) -> DispatchReport {
        let messageID = owned[id]?.record.messageID ?? ""
        let verdict = withdrawn(id, reason: reason, afterData: false, now: now)
        if var machine = owned[id]?.machine {
            _ = try! machine.handle(verdict.event)
            let actions = try! machine.handle(.restarted)
            owned[id]?.machine = machine
            owned[id]?.reason = reason
            perform(actions, id: id, now: now, detail: reason)
        }
        return DispatchReport(id: id, messageID: messageID, ending: .withdrawn(reason: reason, mayHaveArrived: false))
    }

    /// The server may have it: `submitting` → `unknown`.
    private func settleLost(_ id: String, reason: String, now: Instant) -> DispatchReport {
        let messageID = owned[id]?.record.messageID ?? ""
        let verdict = withdrawn(id, reason: reason, afterData: true, now: now)
        if var machine = owned[id]?.machine {
            let actions = try! machine.handle(verdict.event)
            owned[id]?.machine = machine
            owned[id]?.reason = reason
            perform(actions, id: id, now: now, detail: reason)
        }
        return DispatchReport(id: id, messageID: messageID, ending: .withdrawn(reason: reason, mayHaveArrived: true))
    }

    /// What a submission taken back from the worker means (`TransactionVerdict`, as for any
    /// other outcome): before the end of the message a temporary failure, after it `lost`; 75.
    private func withdrawn(_ id: String, reason: String, afterData: Bool, now: Instant) -> TransactionVerdict {
        let envelope = owned[id]?.machine.state.pendingRecipients ?? []
        let failure = TransactionFailure(kind: .withdrawn, message: reason, afterData: afterData)
        return TransactionVerdict.judge(TransactionOutcome(envelope: envelope, ending: .failed(failure)), at: now)
    }
}
