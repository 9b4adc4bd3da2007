// BulkReport.swift — the summary at the end of a run (and of `--status`): delivered, refused
// with the reasons, unknown, remaining; and the exit status it maps to.

public enum BulkReport {
    /// The final summary, from the journal's state of the job.
    public static func text(job: BulkJob, status: BulkStatus, limit: Int = 20) -> String {
        var out: [String] = []
        let recipients = job.index.recipients
        out.append(
            "bulk job \(job.id) (\(job.record.mode), \(status.total) recipient\(status.total == 1 ? "" : "s")): "
                + "delivered \(status.delivered), refused \(status.refusedPermanently + status.refusedTemporarily), "
                + "unknown \(status.unknown), remaining \(status.remaining)")
        if status.cancelled {
            out.append("cancelled during the hold: nothing was sent")
        }
        if status.missingMessages > 0 {
            out.append("warning: \(status.missingMessages) message\(status.missingMessages == 1 ? " is" : "s are") not in the journal")
        }
        // Refusals, grouped by the server's reply.
        var byReply: [String: [Int]] = [:]
        var replyOrder: [String] = []
        var unknown: [(Int, String)] = []
        for (i, state) in status.states.enumerated() {
            switch state {
            case .refused(let reply, let permanent):
                let key = (permanent ? "refused: " : "refused for now (retried by --resume): ") + reply
                if byReply[key] == nil { replyOrder.append(key) }
                byReply[key, default: []].append(i)
            case .unknown(let reason):
                unknown.append((i, reason))
            default:
                break
            }
        }
        for key in replyOrder {
            let list = byReply[key]!
            out.append("\(key) — \(list.count) recipient\(list.count == 1 ? "" : "s"):")
            for i in list.prefix(limit) { out.append("  #\(recipients[i].number) \(recipients[i].display) (line \(recipients[i].line))") }
            if list.count > limit { out.append("  … \(list.count - limit) more") }
        }
        if !unknown.isEmpty {
            out.append(
                "unknown — the server may or may not have these; not resent unless you run "
                    + "`guardmail bulk resume \(job.id) --resend-unknown` (they may get it twice):")
            for (i, reason) in unknown.prefix(limit) {
                out.append("  #\(recipients[i].number) \(recipients[i].display): \(reason)")
            }
            if unknown.count > limit { out.append("  … \(unknown.count - limit) more") }
        }
        if status.remaining > 0 && !status.cancelled {
            out.append(
                "\(status.remaining) not delivered yet: `guardmail bulk resume \(job.id)` sends them "
                    + "(never to anyone already delivered)")
        }
        if status.refusedPermanently > 0 {
            out.append("refused recipients are not retried unless you add --retry-refused")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// 0 everyone delivered; 75 some remain or are unknown; 69 the rest were refused for good.
    public static func exitStatus(_ status: BulkStatus) -> Int32 {
        if status.cancelled && status.delivered == 0 { return 0 }
        if status.remaining > 0 || status.unknown > 0 { return 75 }
        if status.refusedPermanently > 0 { return 69 }
        return 0
    }
}
