// DispatcherTick.swift — the clock: holds that end, retries that are due, and what other
// processes asked (a release, a cancel) noticed at each tick.

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
    /// Moves every owned message on: ends holds whose time has come, runs due retries, and
    /// notices what other processes did (cancelled it, asked to release it). Returns a report for
    /// each message that finished an attempt or left the outbox; with a submission thread, also
    /// the attempts it finished since the last tick, and `.sending` for each one handed to it now.
    public func tick(now: Instant) -> [DispatchReport] {
        var reports = collectSubmissions()
        for id in owned.keys.sorted() {
            guard let entry = owned[id] else { continue }
            let kind = entry.machine.state.kind
            guard kind == .holding || kind == .failedTemporarily else { continue }
            // What other processes did (a release asked for) is read under the state lock, and the
            // decision to submit is made and written under it, so a cancel cannot slip between.
            let rest: [SendAction]
            var detail: String?
            do {
                let done = try transitionLocked(id, now: now) { disk in
                    disk.releaseRequested ? (.release, "released from another terminal") : (.tick(now: now), nil)
                }
                if let refused = done.report {
                    reports.append(refused)
                    continue
                }
                (rest, detail) = (done.rest, done.detail)
            } catch {
                switch error.kind {
                case .notFound:
                    reports.append(forgetCancelled(id, messageID: entry.record.messageID))
                case .corrupt:
                    // Its files were changed during the hold: never sent, and said so once
                    // (not a countdown standing at 0 s for ever).
                    if let report = refuseDamaged(id, Problem(damaged: true, reason: "its files changed during the hold: \(error)")) {
                        reports.append(report)
                    }
                case .io, .diskFull:
                    break // read again at the next tick
                }
                continue
            }
            if let report = perform(rest, id: id, now: now, detail: detail) {
                reports.append(report)
            }
        }
        return reports
    }
}
