// PolicyReplay.swift — a policy run over messages already sent, before its rules go live:
// per rule table and barrier, how many messages it would have stopped or asked about, with a
// few examples (message id, time, evidence — never the body).
//
// - SeeAlso: docs/policy.md "Replay before going live".

/// One message of the record, as the policy would have seen it.
public struct ReplayMessage: Sendable {
    public var id: String
    /// Seconds since 1970 (when it was confirmed or stored).
    public var time: Int64
    public var input: PolicyInput

    public init(id: String, time: Int64, input: PolicyInput) {
        self.id = id
        self.time = time
        self.input = input
    }
}

public struct ReplayExample: Sendable, Equatable {
    public var messageID: String
    public var time: Int64
    /// The finding's message: the rule's sentence and its evidence.
    public var evidence: String
}

/// What one rule table or barrier would have done.
public struct ReplayCount: Sendable, Equatable {
    public var ruleID: String
    public var kind: String
    public var severity: String
    public var layer: PolicyOrigin
    /// Messages it reported on.
    public var messages: Int
    public var examples: [ReplayExample]
}

public enum PolicyReplay {
    /// Runs the rule tables and barriers of `config` over `messages`; one count per rule table
    /// and barrier, in the policy's order (a rule that never matched counts 0).
    public static func run(_ messages: some Sequence<ReplayMessage>, config: PolicyConfig, examples: Int = 3) -> (counts: [ReplayCount], total: Int) {
        var counts: [ReplayCount] = config.barriers.map {
            ReplayCount(ruleID: $0.id, kind: "barrier", severity: $0.severity.rawValue, layer: $0.origin, messages: 0, examples: [])
        }
        counts += config.tableRules.map {
            ReplayCount(ruleID: $0.id, kind: "rule", severity: $0.severity.rawValue, layer: $0.origin, messages: 0, examples: [])
        }
        var index: [String: Int] = [:]
        for (i, c) in counts.enumerated() { index["\(c.kind):\(c.ruleID)"] = i }
        var total = 0
        for message in messages {
            total += 1
            let context = PolicyContext(input: message.input, config: config)
            var seen = Set<Int>()
            for finding in PolicyEngine.evaluateTables(message.input, context) {
                let key = config.barriers.contains { $0.id == finding.ruleID } ? "barrier:\(finding.ruleID)" : "rule:\(finding.ruleID)"
                guard let i = index[key], seen.insert(i).inserted else { continue }
                counts[i].messages += 1
                if counts[i].examples.count < examples {
                    counts[i].examples.append(ReplayExample(messageID: message.id, time: message.time, evidence: finding.message))
                }
            }
        }
        return (counts, total)
    }

    /// The report as text; `time` formats a time for the examples.
    public static func text(_ counts: [ReplayCount], total: Int, time: (Int64) -> String) -> String {
        var out = "\(PolicyText.count(total, "message")) replayed\n"
        if counts.isEmpty { return out + "no rule tables or barriers in this policy\n" }
        for c in counts {
            out += "\(c.kind) \(c.ruleID) (\(c.severity), \(c.layer)): \(c.messages) of \(total) message\(total == 1 ? "" : "s")\n"
            for e in c.examples { out += "    \(e.messageID)  \(time(e.time))  \(e.evidence)\n" }
        }
        return out
    }

    /// "90d", "12h", "4w", "30m" → seconds; nil when not of that form.
    public static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, let n = Int64(text.dropLast()), n >= 0 else { return nil }
        switch unit {
        case "m": return n * 60
        case "h": return n * 3600
        case "d": return n * 86400
        case "w": return n * 7 * 86400
        default: return nil
        }
    }
}
