// BulkRecovery.swift — after a crash: what the progress log proves about the windows the
// journal still shows as out (see BulkProgressLog for when the log is believed).

import Journal

public enum BulkRecovery {
    /// Journal records that settle the in-flight windows of `status` from the progress log:
    /// replies the server gave (and the log kept), `unknown` for the one submission that was on
    /// the wire, and `interrupted` for what never started. Windows of runs the log does not have,
    /// or of another boot, are left alone (they stay unknown). Write the records in one
    /// transaction, then read the status again.
    public static func records(
        job: BulkJob, status: BulkStatus, runs: [String: BulkProgressLog.Run],
        bootID: String?
    ) -> [JournalBatchRecord] {
        var out: [JournalBatchRecord] = []
        let recipients = job.index.recipients
        for window in status.inFlight {
            guard let runID = window.run, let run = runs[runID], let boot = run.bootID, boot == bootID else { continue }
            let members = Set(window.recipients)
            var results: [Int: (accepted: Bool, reply: String)] = [:]
            var unknown: [Int: String] = [:]
            for unitNumber in run.units.keys.sorted() {
                guard let unit = run.units[unitNumber] else { continue }
                let touched = unit.numbers.map { $0 - 1 }.filter { members.contains($0) }
                guard !touched.isEmpty else { continue }
                guard let answer = unit.answer else {
                    for i in touched { unknown[i] = BulkLedger.stoppedWhileSending }
                    continue
                }
                for i in touched { unknown[i] = nil }
                for result in answer.results where members.contains(result.number - 1) {
                    results[result.number - 1] = (result.accepted, result.reply)
                }
                for number in answer.unknown where members.contains(number - 1) {
                    unknown[number - 1] = answer.reason
                }
            }
            let message = job.index.messages[window.message]
            let inputs = results.keys.sorted().map { i in
                JournalResultInput(address: recipients[i].envelopeAddress, reply: results[i]!.reply, accepted: results[i]!.accepted)
            }
            let event: JournalEventKind
            let detail: String
            if !unknown.isEmpty {
                event = .unknown
                let reason = Set(unknown.values).count == 1 ? unknown.values.first! : BulkLedger.stoppedWhileSending
                detail = BulkDetail.unknown(
                    job: job.id, run: runID, numbers: unknown.keys.map { recipients[$0].number },
                    reason: reason + " (from the progress log)")
            } else if message.recipients.count == 1, let only = results.values.first {
                if only.accepted {
                    event = .sent
                } else {
                    event = BulkLedger.isTemporary(only.reply) ? .failedTemporarily : .failed
                }
                detail = BulkDetail.note(job: job.id, run: runID, "\(only.reply) (from the progress log)")
            } else {
                event = .interrupted
                let accepted = results.values.count { $0.accepted }
                detail = BulkDetail.note(
                    job: job.id, run: runID,
                    "guardmail stopped during this window; \(results.count) replies (\(accepted) accepted) recovered from the "
                        + "progress log; the other recipients were not submitted")
            }
            out.append(JournalBatchRecord(messageID: message.messageID, results: inputs, event: event, detail: detail))
        }
        return out
    }
}
