// BulkLedger.swift — where every recipient of a job stands, read from the send journal.
//
// The journal is the source of truth. A job's messages are journal messages (individual: one
// per recipient; bcc: one with every recipient). While sending, guardmail records, per window
// of submissions, first a `submitting` event naming the recipients about to go out
// ("bulk job ID run R: recipients #1-500"), then — after the server answered — each recipient's
// reply and an outcome event, in one transaction. So:
//   - a recipient whose latest reply is an acceptance was delivered;
//   - a `submitting` event with no outcome event after it means guardmail stopped while that
//     window was out: its recipients may or may not have the message (unknown), unless the
//     progress log proves otherwise (see BulkRecovery);
//   - an `unknown` outcome names the recipients whose message was lost after its data was sent;
//   - otherwise a recipient's latest reply decides: 5xx refused for good, 4xx refused for now,
//     none: not yet sent.

import Journal

/// Where one recipient stands.
public enum BulkRecipientState: Sendable, Hashable {
    /// Not sent yet (or nothing got through): the next run sends it.
    case pending
    /// The server accepted it.
    case delivered(reply: String)
    /// The server refused it: for good (5xx) or for now (4xx, retried on resume).
    case refused(reply: String, permanent: Bool)
    /// The server may or may not have it: never resent without `--resend-unknown`.
    case unknown(reason: String)

    public var isDelivered: Bool { if case .delivered = self { return true } else { return false } }
}

/// A job's state: one entry per recipient (same order as the index).
public struct BulkStatus: Sendable {
    public var states: [BulkRecipientState]
    /// The sender cancelled the job during its hold: nothing is ever sent.
    public var cancelled: Bool
    /// Messages of the job the journal does not have (a crash while freezing).
    public var missingMessages: Int
    /// Windows that were out when guardmail stopped: (run id, message index, recipient indexes).
    public var inFlight: [(run: String?, message: Int, recipients: [Int])]

    public var total: Int { states.count }
    public var delivered: Int { states.count { $0.isDelivered } }
    public var refusedPermanently: Int { states.count { if case .refused(_, true) = $0 { true } else { false } } }
    public var refusedTemporarily: Int { states.count { if case .refused(_, false) = $0 { true } else { false } } }
    public var unknown: Int { states.count { if case .unknown = $0 { true } else { false } } }
    public var pending: Int { states.count { $0 == .pending } }
    /// What a plain `--resume` would send: pending and temporarily refused.
    public var remaining: Int { pending + refusedTemporarily }
}

/// The text of a bulk job's journal event details, and how ranges of recipient numbers are
/// read back from them.
public enum BulkDetail {
    /// "bulk job 20261129-110203-k3f9 run k2f0a1: recipients #1-100,205"
    public static func submitting(job: String, run: String, numbers: [Int]) -> String {
        "\(prefix(job: job, run: run)): recipients #\(ranges(numbers))"
    }

    /// "bulk job … run …: unknown #12; the connection broke after …"
    public static func unknown(job: String, run: String, numbers: [Int], reason: String) -> String {
        "\(prefix(job: job, run: run)): unknown #\(ranges(numbers)); \(reason)"
    }

    public static func note(job: String, run: String, _ text: String) -> String { "\(prefix(job: job, run: run)): \(text)" }

    static func prefix(job: String, run: String) -> String { "bulk job \(job) run \(run)" }

    /// "1-3,7,9-10" for [1, 2, 3, 7, 9, 10] (sorted, duplicates dropped).
    public static func ranges(_ numbers: [Int]) -> String {
        let sorted = Array(Set(numbers)).sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The numbers after `marker` ("recipients #" or "unknown #") in a detail, or nil when the
    /// detail has none or they do not parse.
    public static func numbers(in detail: String?, after marker: String) -> [Int]? {
        guard let detail, let rest = after(marker, in: detail) else { return nil }
        let text = rest.prefix { $0 != ";" && $0 != " " }
        var out: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1)
            guard let low = Int(bounds[0]) else { return nil }
            let high = bounds.count == 2 ? Int(bounds[1]) : low
            guard let high, high >= low, high - low < 10_000_000 else { return nil }
            out.append(contentsOf: low...high)
        }
        return out.isEmpty ? nil : out
    }

    /// The run id of a detail written by `submitting`/`unknown`/`note`, or nil.
    public static func run(in detail: String?) -> String? {
        guard let detail, detail.hasPrefix("bulk job "), let rest = after(" run ", in: detail) else { return nil }
        let text = rest.prefix { $0 != ":" && $0 != " " }
        return text.isEmpty ? nil : String(text)
    }

    /// The free text after "; " in an unknown detail.
    static func reason(in detail: String?) -> String? {
        guard let detail, let rest = after("; ", in: detail) else { return nil }
        return String(rest)
    }

    /// The text after the first occurrence of `marker`, or nil.
    static func after(_ marker: String, in text: String) -> Substring? {
        let t = Array(text.unicodeScalars), m = Array(marker.unicodeScalars)
        guard !m.isEmpty, t.count >= m.count else { return nil }
        for start in 0...(t.count - m.count) where t[start] == m[0] && Array(t[start..<(start + m.count)]) == m {
            let scalars = text.unicodeScalars
            let index = scalars.index(scalars.startIndex, offsetBy: start + m.count)
            return Substring(text.unicodeScalars[index...])
        }
        return nil
    }
}

public enum BulkLedger {
    /// The reason shown for recipients whose window was out when guardmail stopped.
    public static let stoppedWhileSending = "guardmail stopped while this was being sent; the server may have it"

    /// Every recipient's state from the journal's record of the job's messages.
    public static func status(of job: BulkJob, progress: [String: JournalProgress]) -> BulkStatus {
        let index = job.index
        var states = [BulkRecipientState](repeating: .pending, count: index.recipients.count)
        var cancelled = false
        var missing = 0
        var inFlight: [(run: String?, message: Int, recipients: [Int])] = []
        // Recipient numbers are 1-based and equal to index + 1.
        func indexes(_ numbers: [Int], within range: Range<Int>) -> Set<Int> {
            Set(numbers.map { $0 - 1 }.filter { range.contains($0) })
        }
        for (m, message) in index.messages.enumerated() {
            guard let record = progress[message.messageID] else {
                missing += 1
                continue
            }
            let all = message.recipients
            var unknown: [Int: String] = [:]
            var flying: (run: String?, set: Set<Int>)? = nil
            for event in record.events {
                switch event.kind {
                case .submitting:
                    if let previous = flying {
                        for i in previous.set { unknown[i] = stoppedWhileSending }
                    }
                    let numbers = BulkDetail.numbers(in: event.detail, after: "recipients #")
                    flying = (BulkDetail.run(in: event.detail), numbers.map { indexes($0, within: all) } ?? Set(all))
                case .unknown:
                    if let previous = flying {
                        for i in previous.set { unknown[i] = nil }
                    }
                    let numbers = BulkDetail.numbers(in: event.detail, after: "unknown #")
                    let reason = BulkDetail.reason(in: event.detail) ?? "the server may or may not have it"
                    for i in numbers.map({ indexes($0, within: all) }) ?? flying?.set ?? Set(all) { unknown[i] = reason }
                    flying = nil
                case .undone, .discarded:
                    cancelled = true
                    flying = nil
                case .confirmed, .held, .released, .edited:
                    break
                case .sent, .partiallySent, .failedTemporarily, .failed, .interrupted:
                    // The window was answered: its recipients' replies (or their absence) tell.
                    if let previous = flying {
                        for i in previous.set { unknown[i] = nil }
                    }
                    flying = nil
                }
            }
            if let flying {
                for i in flying.set { unknown[i] = stoppedWhileSending }
                inFlight.append((flying.run, m, flying.set.sorted()))
            }
            for i in all {
                let key = index.recipients[i].journalKey
                if let result = record.latestResults[key], result.accepted {
                    states[i] = .delivered(reply: result.reply)
                } else if let reason = unknown[i] {
                    states[i] = .unknown(reason: reason)
                } else if let result = record.latestResults[key] {
                    states[i] = .refused(reply: result.reply, permanent: !isTemporary(result.reply))
                }
            }
        }
        return BulkStatus(states: states, cancelled: cancelled, missingMessages: missing, inFlight: inFlight)
    }

    /// A reply that starts with 4xx (or that has no code, such as "not tried"): worth another try.
    static func isTemporary(_ reply: String) -> Bool {
        guard let first = reply.first, first.isNumber else { return true }
        return first == "4"
    }
}
