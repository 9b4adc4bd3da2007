#if canImport(Glibc)
    import Glibc
#endif
import Journal
import MailCore
import Outbox
import Workflow

extension Dispatcher {
    /// The syslog socket of this process (`[journal] syslog = true` in the config the command
    /// loaded), for every dispatcher it opens, the composer's included; a dispatcher's own
    /// `syslog` wins.
    nonisolated(unsafe) public static var processSyslog: SyslogSocket?

    /// The journal kinds that are a send's outcome: one syslog record each.
    static let syslogOutcomes: Set<JournalEventKind> = [.sent, .partiallySent, .failed, .failedTemporarily, .unknown]

    /// Writes one RFC 5424 record for an outcome to the syslog socket, when `[journal] syslog`
    /// is on (docs/journal.md, "Into the log pipeline"). Built from the outbox record: counts and
    /// domains, attachment names and SHA-256, the findings accepted; no body, subject or password.
    func syslogOutcome(_ record: OutboxRecord, _ kind: JournalEventKind, now: Instant) {
        guard let syslog = syslog ?? Self.processSyslog, Self.syslogOutcomes.contains(kind) else { return }
        syslog.write(Self.syslogRecord(record, outcome: kind).rfc5424(at: Int64(now.seconds), hostname: Self.hostName, pid: getpid()))
    }

    static func syslogRecord(_ record: OutboxRecord, outcome: JournalEventKind) -> SendOutcomeRecord {
        var domains: [(domain: String, count: Int)] = []
        var index: [String: Int] = [:]
        for recipient in record.recipients {
            let domain = String(RecipientKey(address: recipient.address).text.split(separator: "@").last ?? "")
            if let at = index[domain] {
                domains[at].count += 1
            } else {
                index[domain] = domains.count
                domains.append((domain, 1))
            }
        }
        func count(_ field: RecipientField) -> Int { record.recipients.filter { $0.recipientField == field }.count }
        return SendOutcomeRecord(
            messageID: record.messageID, account: record.account, outcome: outcome.rawValue, domains: domains,
            to: count(.to), cc: count(.cc), bcc: count(.bcc), attachments: record.attachments.map { ($0.name, $0.sha256) },
            findingsAccepted: record.confirmation.findings.filter(\.accepted).map(\.ruleID), outboxID: record.id)
    }

    static var hostName: String {
        var host = [CChar](repeating: 0, count: 256)
        guard gethostname(&host, host.count - 1) == 0 else { return "-" }
        return host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
