// DispatcherRecord.swift — what came of an attempt, fed back into the machine: judged once
// (`TransactionVerdict`), the per-recipient results journalled, the sent copy kept, the report
// worded (`DispatchReport.summary`).

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
    /// Feeds what came of an attempt into the machine and performs what follows: the journal's
    /// per-recipient results, the state, the sent copy. `at` is when the answer came.
    func recordAttempt(_ id: String, to recipients: [String], outcome: SubmissionOutcome, at: Instant) -> DispatchReport? {
        guard let entry = owned[id] else { return nil }
        let record = entry.record
        // What the outcome means is decided once, for send, the composer and bulk alike.
        let verdict = TransactionVerdict.judge(TransactionOutcome(outcome, envelope: recipients), at: at)
        var results: [JournalResultInput] = []
        for recipient in verdict.recipients {
            if case .submitted = verdict.event {
                results.append(
                    JournalResultInput(
                        address: recipient.address, reply: recipient.rcptReply?.description ?? "not tried",
                        accepted: recipient.fate == .accepted))
            } else if recipient.refusedAtRCPT {
                // Only refusals: an accepted RCPT means nothing when the message itself did not go.
                results.append(JournalResultInput(address: recipient.address, reply: recipient.rcptReply!.description, accepted: false))
            }
        }
        if let reason = verdict.reason { owned[id]?.reason = reason }
        if !results.isEmpty {
            journalWrite(.results(messageID: record.messageID, results: results, at: Int64(at.seconds)), what: "the recipients' results")
        }
        guard var machine = owned[id]?.machine else { return nil }
        let actions: [SendAction]
        do {
            actions = try machine.handle(verdict.event)
        } catch {
            // The server named a recipient we did not send to: treat the attempt as failed.
            let failure = SendEvent.failure(temporary: false, reason: error.description, now: at)
            actions = try! machine.handle(failure)
        }
        owned[id]?.machine = machine
        let state = machine.state
        if case .partiallySent = state { keepPartialCopy(id) }
        perform(actions, id: id, now: at, detail: owned[id]?.reason)
        return DispatchReport(
            id: id, messageID: record.messageID, ending: .attempt(verdict, after: state, envelope: recipients),
            warnings: takeJournalWarnings())
    }

    /// Some recipients have the message: the sender's copy goes to the sent folder now (copied;
    /// the outbox keeps its file to retry the refused).
    func keepPartialCopy(_ id: String) {
        let folder = SentFolder(directory: paths.sentDirectory)
        guard !FileSystem.exists(folder.path(named: id)) else { return }
        let temporary = "\(paths.spoolDirectory)/\(id).partial"
        do {
            let writing = try TemporaryFilesLock.writing(in: paths.spoolDirectory)
            defer { writing.release() }
            try FileSystem.copy(outbox.messagePath(id: id), to: temporary)
            try folder.store(temporary, name: id)
        } catch {
            FileSystem.remove(temporary)
            owned[id]?.reason = "partly sent, but the sent copy could not be kept: \(error)"
        }
    }
}
