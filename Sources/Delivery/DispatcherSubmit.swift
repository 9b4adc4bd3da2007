// DispatcherSubmit.swift — one attempt handed to the server (inline, or to the submission thread),
// after checking that what goes is what was confirmed: the recipients against record.toml and the
// send journal, the message's bytes against their checksum.

#if canImport(Glibc)
    import Glibc
#endif
import Config
import Inspect
import Journal
import MailCore
import Outbox
import Policy
import Store
import Transport
import Workflow

extension Dispatcher {
    /// One attempt: hands the frozen bytes to the server for `recipients` — here, or on the
    /// submission thread when there is one (then the answer comes back through `tick`) — and
    /// feeds the answer back into the machine.
    func submit(_ id: String, to recipients: [String], now: Instant) -> DispatchReport? {
        guard let entry = owned[id] else { return nil }
        let record = entry.record
        if let problem = unconfirmed(id, record: record, recipients: recipients) {
            return refuseDamaged(id, problem)
        }
        let account: AccountConfig
        do throws(DeliveryError) {
            account = try accounts(record.account)
        } catch {
            return recordAttempt(id, to: recipients, outcome: .notStarted(error), at: environment.now())
        }
        let job = SubmissionJob(
            id: id, account: account,
            request: SubmissionRequest(
                mailFrom: record.mailFrom, recipients: recipients, messagePath: outbox.messagePath(id: id),
                messageOffset: record.messageOffset, messageSize: record.messageSize))
        if worker != nil { return post(job) }
        let outcome = submitting.submit(
            job, progress: { [weak self] sent, total in self?.progress?(id, sent, total) }, proceed: nil)
        return recordAttempt(id, to: recipients, outcome: outcome, at: environment.now())
    }

    /// Why the frozen message may not go to `recipients`, or nil when it is what was confirmed:
    /// every recipient is in the record, and message.eml's transmitted bytes have the SHA-256 the
    /// record took while they were written. One whole read of the message before each attempt
    /// (about 0.1 s for 100 MiB here); nothing reaches the server unless it matches.
    func unconfirmed(_ id: String, record: OutboxRecord, recipients: [String]) -> Problem? {
        let confirmed = Set(record.recipients.map(\.address))
        if let stranger = recipients.first(where: { !confirmed.contains($0) }) {
            return Problem(damaged: true, reason: "'\(stranger)' is not among the recipients confirmed in its record.toml")
        }
        if let problem = unconfirmedInJournal(id, record: record, recipients: recipients) { return problem }
        guard let expected = record.messageSHA256 else {
            return Problem(
                damaged: false,
                reason:
                    "it was frozen by an older guardmail, without a checksum of its message, so what would go out cannot be "
                    + "checked against what was confirmed; e (composer) takes it back to send it again, or discard it")
        }
        let path = outbox.messagePath(id: id)
        let actual: String?
        do {
            actual = try SHA256Hasher.hex(ofFile: path, from: record.messageOffset, count: record.messageSize)
        } catch {
            return Problem(damaged: false, reason: "its message cannot be read to check it: \(error)")
        }
        guard let actual else {
            return Problem(damaged: true, reason: "'\(path)' is shorter than its record.toml says")
        }
        guard actual == expected else {
            return Problem(
                damaged: true,
                reason: "'\(path)' changed after it was confirmed (SHA-256 \(actual.prefix(12))…, "
                    + "record.toml says \(expected.prefix(12))…)")
        }
        return nil
    }

    /// The same question asked of the send journal, which recorded the recipients when the
    /// message was confirmed: `record.toml` is a plain file, and a hand edit of it and of
    /// `state.toml` alike would pass the check against the record. A journal that cannot be read
    /// now, or has no record of the message, cannot vouch for the envelope: nothing is sent
    /// (fail closed), and the reason says what to do.
    func unconfirmedInJournal(_ id: String, record: OutboxRecord, recipients: [String]) -> Problem? {
        let entry: JournalEntry?
        do {
            entry = try journal.show(messageID: record.messageID)
        } catch {
            return Problem(
                damaged: false,
                reason:
                    "the send journal cannot be read to check its recipients against what was confirmed (\(error)); "
                    + "`guardmail outbox release \(id)` sends it once the journal can be read")
        }
        guard let entry else {
            return Problem(
                damaged: false,
                reason:
                    "the send journal has no record of \(record.messageID), so its recipients cannot be checked against what was "
                    + "confirmed; e (composer) takes it back to send it again, or discard it")
        }
        let journalled = Set(entry.message.recipients.map { RecipientKey(address: $0.address) })
        guard let stranger = recipients.first(where: { !journalled.contains(RecipientKey(address: $0)) }) else { return nil }
        return Problem(
            damaged: true,
            reason:
                "'\(stranger)' is not among the recipients confirmed in the send journal (record.toml and state.toml were changed "
                + "after the confirmation); `guardmail journal show \(record.messageID)` shows who was confirmed")
    }

    struct Problem {
        /// The entry's files disagree with what was confirmed: it is marked damaged.
        var damaged: Bool
        var reason: String
    }

    /// Nothing was sent: the attempt ends as a permanent failure with the reason (state and
    /// journal), and a damaged entry is marked so and let go (from then on it is listed as damaged).
    func refuseDamaged(_ id: String, _ problem: Problem) -> DispatchReport? {
        guard var machine = owned[id]?.machine, let record = owned[id]?.record else { return nil }
        let reason = "not sent: " + problem.reason
        owned[id]?.reason = reason
        let failure = SendEvent.failure(temporary: false, reason: reason, now: environment.now())
        if machine.isLegal(failure) {
            let actions = (try? machine.handle(failure)) ?? []
            owned[id]?.machine = machine
            perform(actions, id: id, now: environment.now(), detail: reason)
        } else {
            // Found while held, not while submitting: the machine has no failure to record.
            journalEvent(id, .failed, now: environment.now(), detail: reason)
        }
        var warnings: [String] = []
        if problem.damaged {
            do {
                try outbox.markDamaged(id: id, reason: problem.reason)
            } catch {
                warnings.append("warning: the entry could not be marked damaged: \(error)")
            }
            owned[id]?.lock.release()
            owned[id] = nil
        }
        return DispatchReport(id: id, messageID: record.messageID, ending: .refusedUnconfirmed(reason: problem.reason), warnings: warnings)
    }
}
