// JournalCommand.swift — `guardmail journal`: the incident-response view of the send journal.
//
// `guardmail journal [--since DATE] [--domain D] [--to ADDRESS] [--limit N] [--json]` lists the
// messages newest first; `guardmail journal show MESSAGE-ID [--json]` prints one message's full
// record. Read-only in intent: a missing journal is "no messages yet", and the data folder is not
// created just to look. Times are shown in the local time zone.

import ArgumentParser
import Delivery
import Journal
import MailCore
import Store
import TUI
#if canImport(Glibc)
    import Glibc
#endif

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "List the messages in the send journal, or show one in full.",
        discussion: """
            The journal ($XDG_DATA_HOME/guardmail/journal.sqlite) records every confirmed message: \
            its recipients, attachments, findings and every event up to its outcome (see docs/journal.md). \
            Exit codes: 0 fine (also when nothing matches), 64 usage, 66 no such message, \
            74 the journal cannot be read, 75 the journal is busy.
            """,
        subcommands: [List.self, Show.self, Export.self],
        defaultSubcommand: List.self
    )
}

// MARK: - guardmail journal [list]

extension JournalCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List messages, newest first (the default).",
            discussion: """
                --since takes YYYY-MM-DD, "YYYY-MM-DD HH:MM" (local time) or a time back from now: \
                7d, 24h, 30m. --domain matches a recipient's domain exactly, in Unicode or A-label \
                form (日本語.jp = xn--wgv71a119e.jp), not its subdomains. --to matches a recipient's \
                address, case-insensitively, with or without a display name.
                """
        )

        @Option(help: ArgumentHelp("Only messages confirmed at or after this time.", valueName: "date"))
        var since: String?
        @Option(help: ArgumentHelp("Only messages with a recipient at this domain.", valueName: "domain"))
        var domain: String?
        @Option(help: ArgumentHelp("Only messages with this recipient.", valueName: "address"))
        var to: String?
        @Option(help: ArgumentHelp("At most this many messages.", valueName: "n"))
        var limit: Int?
        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            var sinceTime: Int64?
            if let since {
                guard let parsed = JournalTime.parseSince(since, now: Int64(time(nil))) else {
                    report("invalid --since '\(since)': use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' (local time), or a time back from now such as 7d, 24h, 30m")
                    throw ExitCode(Exit.usage)
                }
                sinceTime = parsed
            }
            var domainFilter: String?
            if let domain {
                var text = Substring(domain.trimmingSpaces)
                if text.first == "@" { text.removeFirst() } // "@example.com" is meant as the domain
                guard !text.isEmpty, !text.contains("@") else {
                    report("invalid --domain '\(domain)': give a domain such as example.co.jp or 日本語.jp")
                    throw ExitCode(Exit.usage)
                }
                domainFilter = String(text)
            }
            var toFilter: String?
            if let to {
                let text = to.trimmingSpaces
                guard !text.isEmpty else {
                    report("invalid --to '': give an address such as hanako@example.jp")
                    throw ExitCode(Exit.usage)
                }
                toFilter = text
            }
            if let limit, limit < 1 {
                report("invalid --limit '\(limit)': give a number of messages, 1 or more")
                throw ExitCode(Exit.usage)
            }
            let filtered = sinceTime != nil || domainFilter != nil || toFilter != nil

            let paths = DataPaths.fromEnvironment()
            let path = paths.journalFile
            var summaries: [JournalSummary] = []
            if FileSystem.exists(path) {
                do {
                    let journal = try SendJournal(path: path)
                    defer { journal.close() }
                    JournalCommand.catchUp(journal, paths: paths)
                    summaries = try journal.list(since: sinceTime, domain: domainFilter, to: toFilter, limit: limit)
                } catch {
                    throw JournalCommand.fail(error)
                }
            }
            let outbox = JournalCommand.outboxDiffers(summaries.map { ($0.messageID, $0.outcome) }, paths: paths)

            if json {
                Console.output(JournalOutput.listJSON(summaries, path: path, outbox: outbox))
            } else if summaries.isEmpty {
                Console.output(filtered ? "no messages match\n" : "no messages yet\n")
            } else {
                Console.output(JournalOutput.listText(summaries, outbox: outbox))
            }
        }
    }
}

// MARK: - guardmail journal show

extension JournalCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print everything the journal has about one message.",
            discussion:
                "Message-ID, account, sender, subject, every event with its time, every recipient with the server's reply, the attachments with their SHA-256, and the policy findings."
        )

        @Argument(help: ArgumentHelp("The message's Message-ID (angle brackets optional).", valueName: "message-id"))
        var messageID: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let paths = DataPaths.fromEnvironment()
            let path = paths.journalFile
            let id = JournalNames.messageID(messageID)
            var entry: JournalEntry?
            if FileSystem.exists(path) {
                do {
                    let journal = try SendJournal(path: path)
                    defer { journal.close() }
                    JournalCommand.catchUp(journal, paths: paths)
                    entry = try journal.show(messageID: id)
                } catch {
                    throw JournalCommand.fail(error)
                }
            }
            guard let entry else {
                report("no message <\(id)> in the journal '\(path)'")
                throw ExitCode(Exit.noInput)
            }
            let outbox = JournalCommand.outboxDiffers([(entry.message.messageID, entry.outcome)], paths: paths)[entry.message.messageID]
            Console.output(json ? JournalOutput.showJSON(entry, path: path, outbox: outbox) : JournalOutput.showText(entry, outbox: outbox))
        }
    }
}

extension JournalCommand {
    /// Writes what waits in the journal backlog (writes made while the journal was locked or
    /// full) before reading, so the listing shows them. Best effort: a journal still busy keeps
    /// them waiting, and the outbox column below still tells the truth.
    static func catchUp(_ journal: SendJournal, paths: DataPaths) {
        let backlog = JournalBacklog(paths: paths)
        guard !backlog.isEmpty else { return }
        let replay = backlog.replay(into: journal)
        for problem in replay.problems { report(problem) }
    }

    /// The messages whose outcome in the outbox is not what the journal says (a kill -9 during
    /// the hold: the journal says held, the outbox interrupted). Finished messages are left alone.
    static func outboxDiffers(_ outcomes: [(messageID: String, outcome: JournalEventKind)], paths: DataPaths) -> [String: JournalEventKind] {
        guard outcomes.contains(where: { !$0.outcome.isFinal }) else { return [:] }
        let outbox = Dispatcher.outboxOutcomes(paths: paths)
        var differs: [String: JournalEventKind] = [:]
        for (id, outcome) in outcomes where !outcome.isFinal {
            if let truth = outbox[JournalNames.messageID(id)], truth != outcome { differs[id] = truth }
        }
        return differs
    }

    /// Reports a journal error; the status for it (busy: try again later; anything else: I/O).
    static func fail(_ error: JournalError) -> ExitCode {
        report(error.description)
        return ExitCode(error.kind == .busy ? Exit.tempFail : Exit.ioError)
    }
}

// MARK: - Time

/// Local time for people, and `--since`.
enum JournalTime {
    /// `--since`: `YYYY-MM-DD` (local midnight), `YYYY-MM-DD HH:MM` (or with a `T`), or a time back
    /// from `now`: `7d`, `24h`, `30m`. Nil when it is none of these or not a real date.
    static func parseSince(_ text: String, now: Int64) -> Int64? {
        let value = text.trimmingSpaces
        if let unit = value.last, let seconds = ([Character("d"): Int64(86_400), "h": 3_600, "m": 60] as [Character: Int64])[unit] {
            let digits = value.dropLast()
            guard !digits.isEmpty, digits.count <= 7, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let count = Int64(digits)
            else { return nil }
            return now - count * seconds
        }
        let scalars = Array(value.unicodeScalars)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count, !range.isEmpty else { return nil }
            var result = 0
            for scalar in scalars[range] {
                guard ("0"..."9").contains(scalar) else { return nil }
                result = result * 10 + Int(scalar.value - 48)
            }
            return result
        }
        guard scalars.count >= 10, scalars[4] == "-", scalars[7] == "-",
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1970...9999).contains(year), (1...12).contains(month), (1...daysIn(month, year)).contains(day)
        else { return nil }
        var hour = 0
        var minute = 0
        if scalars.count > 10 {
            // " HH:MM" or "THH:MM"; the hour may have one digit.
            guard scalars[10] == " " || scalars[10] == "T" else { return nil }
            var rest = Array(scalars[11...])
            while rest.first == " " { rest.removeFirst() }
            guard let colon = rest.firstIndex(of: ":"), (1...2).contains(colon), rest.count - colon - 1 == 2 else { return nil }
            let hourText = String(String.UnicodeScalarView(rest[..<colon]))
            let minuteText = String(String.UnicodeScalarView(rest[(colon + 1)...]))
            guard hourText.allSatisfy({ $0.isASCII && $0.isNumber }), minuteText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let h = Int(hourText), let m = Int(minuteText), (0...23).contains(h), (0...59).contains(m)
            else { return nil }
            hour = h
            minute = m
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = 0
        parts.tm_isdst = -1 // let the time zone say whether summer time applies
        let seconds = mktime(&parts)
        guard seconds != -1 else { return nil }
        return Int64(seconds)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func parts(_ seconds: Int64) -> tm {
        var time = time_t(seconds)
        var parts = tm()
        _ = localtime_r(&time, &parts)
        return parts
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func date(_ p: tm) -> String {
        let year = Int(p.tm_year) + 1900
        let yearText = year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(yearText)-\(two(p.tm_mon + 1))-\(two(p.tm_mday))"
    }

    /// The offset from UTC: `+0900`, or with a colon for ISO 8601: `+09:00`.
    private static func offset(_ p: tm, colon: Bool) -> String {
        let total = Int(p.tm_gmtoff) / 60
        let sign = total < 0 ? "-" : "+"
        let hours = Int32(abs(total) / 60)
        let minutes = Int32(abs(total) % 60)
        return sign + two(hours) + (colon ? ":" : "") + two(minutes)
    }

    /// `2026-11-29 10:12` (lists).
    static func minutes(_ seconds: Int64) -> String {
        let p = parts(seconds)
        return "\(date(p)) \(two(p.tm_hour)):\(two(p.tm_min))"
    }

    /// `2026-11-29 10:12:31 +0900` (the full record).
    static func full(_ seconds: Int64) -> String {
        let p = parts(seconds)
        return "\(date(p)) \(two(p.tm_hour)):\(two(p.tm_min)):\(two(p.tm_sec)) \(offset(p, colon: false))"
    }

    /// `2026-11-29T10:12:31+09:00` (JSON).
    static func iso(_ seconds: Int64) -> String {
        let p = parts(seconds)
        return "\(date(p))T\(two(p.tm_hour)):\(two(p.tm_min)):\(two(p.tm_sec))\(offset(p, colon: true))"
    }
}

// MARK: - Output

enum JournalOutput {
    // The list fits 80 columns: two lines a message, the second with its Message-ID (for
    // `journal show`) and its domains; everything else is in `journal show`.
    static let lineWidth = 80
    static let whenWidth = 16
    static let outcomeWidth = JournalEventKind.allCases.map { $0.label.count }.max() ?? 18
    static let subjectWidth = lineWidth - whenWidth - outcomeWidth - 4 - 4 - 4 * 2

    /// Two header lines, then two lines per message.
    static func listText(_ summaries: [JournalSummary], outbox: [String: JournalEventKind] = [:]) -> String {
        var out = row(when: "WHEN", outcome: "OUTCOME", recipients: "RCPT", accepted: "OK", subject: "SUBJECT")
        out += "  MESSAGE-ID  DOMAINS\n"
        for summary in summaries {
            let submitted = summary.acceptedCount + summary.refusedCount > 0
            let outcome = outbox[summary.messageID].map { $0.label + "*" } ?? summary.outcome.label
            out += row(
                when: JournalTime.minutes(summary.confirmedAt), outcome: outcome,
                recipients: String(summary.recipientCount),
                accepted: submitted ? String(summary.acceptedCount) : "-",
                subject: fit(summary.subject.isEmpty ? "(no subject)" : summary.subject, width: subjectWidth))
            let id = "<" + clean(summary.messageID) + ">"
            let room = lineWidth - 2 - DisplayWidth.of(id) - 2
            out += "  " + id + (room >= 12 ? "  " + domainList(summary.domains, width: room) : "") + "\n"
        }
        if !outbox.isEmpty {
            out += "* as the outbox has it: the journal has not recorded it yet (it does when guardmail next starts)\n"
        }
        return out
    }

    private static func row(when: String, outcome: String, recipients: String, accepted: String, subject: String) -> String {
        trimEnd([pad(when, whenWidth), pad(outcome, outcomeWidth), padLeft(recipients, 4), padLeft(accepted, 4), subject].joined(separator: "  "))
            + "\n"
    }

    /// `example.co.jp, 日本語.jp +3 more`, as many domains as fit in `width` (at most three).
    static func domainList(_ domains: [String], width: Int) -> String {
        guard !domains.isEmpty else { return "-" }
        let names = domains.map(clean)
        for shown in stride(from: min(3, names.count), through: 1, by: -1) {
            var text = names.prefix(shown).joined(separator: ", ")
            if names.count > shown { text += " +\(names.count - shown) more" }
            if DisplayWidth.of(text) <= width { return text }
        }
        let more = names.count > 1 ? " +\(names.count - 1) more" : ""
        return fit(names[0], width: max(1, width - more.count)) + more
    }

    /// The full record, in sections.
    static func showText(_ entry: JournalEntry, outbox: JournalEventKind? = nil) -> String {
        let message = entry.message
        var out = ""
        func field(_ name: String, _ value: String) { out += pad(name + ":", 12) + value + "\n" }
        field("Message-ID", "<" + clean(message.messageID) + ">")
        field("Account", message.account.isEmpty ? "-" : clean(message.account))
        field("From", message.from.isEmpty ? "-" : clean(message.from))
        field("Subject", message.subject.isEmpty ? "(no subject)" : clean(message.subject))
        field("Confirmed", JournalTime.full(entry.confirmedAt))
        let last = entry.events.last
        if let outbox {
            field(
                "Outcome",
                outbox.label + " (as the outbox has it; the journal still says \(entry.outcome.label)"
                    + (last.map { " since " + JournalTime.full($0.at) } ?? "") + ")")
        } else {
            field("Outcome", entry.outcome.label + (last.map { " (" + JournalTime.full($0.at) + ")" } ?? ""))
        }

        out += "\nEvents:\n"
        let labelWidth = entry.events.map { $0.kind.label.count }.max() ?? 0
        for event in entry.events {
            var line = "  " + JournalTime.full(event.at) + "  " + pad(event.kind.label, labelWidth)
            if let detail = event.detail, !detail.isEmpty { line += "  " + clean(detail) }
            out += trimEnd(line) + "\n"
        }

        let recipients = message.recipients
        let accepted = recipients.filter { $0.accepted == true }.count
        let refused = recipients.filter { $0.accepted == false }.count
        let pending = recipients.count - accepted - refused
        var counts = ["\(accepted) accepted", "\(refused) refused"]
        if pending > 0 { counts.append("\(pending) not submitted") }
        out += "\nRecipients: \(recipients.count) (\(counts.joined(separator: ", ")))\n"
        if !recipients.isEmpty {
            let addresses = recipients.map(recipientText)
            let domains = recipients.map { $0.domain == $0.asciiDomain ? clean($0.domain) : "\(clean($0.domain)) (\($0.asciiDomain))" }
            let addressWidth = min(48, addresses.map(DisplayWidth.of).max() ?? 0)
            let domainWidth = min(40, domains.map(DisplayWidth.of).max() ?? 0)
            for (index, recipient) in recipients.enumerated() {
                let result: String
                switch recipient.accepted {
                case true?: result = "accepted  " + clean(recipient.result ?? "")
                case false?: result = "refused   " + clean(recipient.result ?? "")
                case nil: result = "not submitted"
                }
                out +=
                    trimEnd(
                        "  " + pad(fieldName(recipient.field), 3) + "  " + pad(addresses[index], addressWidth)
                            + "  " + pad(domains[index], domainWidth) + "  " + result) + "\n"
            }
        }
        // Every reply in order, when some recipient got more than one (a retry, a correction).
        let answered = recipients.filter { $0.result != nil }.count
        if entry.results.count > answered {
            out += "\nServer replies, in the order recorded:\n"
            let replyAddressWidth = min(48, entry.results.map { DisplayWidth.of(clean($0.address)) }.max() ?? 0)
            for result in entry.results {
                out +=
                    "  " + JournalTime.full(result.at) + "  " + pad(result.accepted ? "accepted" : "refused", 8)
                    + "  " + pad(clean(result.address), replyAddressWidth) + "  " + clean(result.reply) + "\n"
            }
        }

        let total = message.attachments.reduce(Int64(0)) { $0 + $1.size }
        out += "\nAttachments: \(message.attachments.count)" + (message.attachments.isEmpty ? "" : " (\(formatBytes(total)))") + "\n"
        if !message.attachments.isEmpty {
            let names = message.attachments.map { clean($0.name) }
            let nameWidth = min(48, names.map(DisplayWidth.of).max() ?? 0)
            let sizes = message.attachments.map { formatBytes($0.size) }
            let sizeWidth = sizes.map(\.count).max() ?? 0
            let types = message.attachments.map { clean($0.contentType) }
            let typeWidth = min(40, types.map(DisplayWidth.of).max() ?? 0)
            for (index, attachment) in message.attachments.enumerated() {
                out +=
                    "  " + pad(names[index], nameWidth) + "  " + padLeft(sizes[index], sizeWidth) + "  "
                    + pad(types[index], typeWidth) + "  sha256 " + (attachment.sha256.isEmpty ? "-" : clean(attachment.sha256)) + "\n"
                if !attachment.parties.isEmpty {
                    // Whose data the file held: the parties its text names, where (never the text).
                    let shown = attachment.parties.prefix(20).map { "\(clean($0.name)) (\(clean($0.place)))" }
                    let more = attachment.parties.count > shown.count ? ", and \(attachment.parties.count - shown.count) more" : ""
                    out += "    names: " + shown.joined(separator: ", ") + more + "\n"
                }
            }
        }

        out += "\nFindings: \(message.findings.count)\n"
        let severityWidth = message.findings.map { $0.severity.count }.max() ?? 0
        for finding in message.findings {
            let acceptance: String
            if finding.accepted {
                acceptance = "accepted" + (finding.acceptedBy.map { " (" + clean($0) + ")" } ?? "")
            } else {
                acceptance = "not accepted"
            }
            out +=
                "  " + pad(clean(finding.severity), severityWidth) + "  " + clean(finding.ruleID) + ": "
                + clean(finding.message) + " — " + acceptance + (finding.challenged ? ", its challenge answered" : "") + "\n"
        }
        // Schema version 4: what an edit after going back changed, and the time to confirm.
        if !message.changedFindings.isEmpty {
            out += "\nLed to a change (gone or changed after going back to edit): \(message.changedFindings.count)\n"
            for finding in message.changedFindings {
                out += "  " + clean(finding.severity) + "  " + clean(finding.ruleID) + ": " + clean(finding.message) + "\n"
            }
        }
        // Schema version 5: which confirmation the message had.
        switch message.confirmScreen {
        case "none"?: out += "\nConfirmation: held without a confirmation screen (internal only, nothing to confirm)\n"
        case "one-key"?: out += "\nConfirmation: one-key screen, nothing to tick (every external recipient written to before, no attachment)\n"
        case "full"?: out += "\nConfirmation: full screen with ticks\n"
        default: break
        }
        // Schema version 6: the typed challenges answered before y, the pace's among them.
        if !message.challenges.isEmpty {
            out += "\nChallenges: " + message.challenges.map { clean($0.words) }.joined(separator: "\n            ") + "\n"
        }
        if let milliseconds = message.confirmMilliseconds {
            out += "\nTime to confirm: \(ReportOutput.seconds(milliseconds)) (confirmation screen shown → y)\n"
        }
        return out
    }

    static func fieldName(_ field: RecipientField) -> String {
        switch field {
        case .to: "To"
        case .cc: "Cc"
        case .bcc: "Bcc"
        }
    }

    /// `鈴木 花子 <hanako@xn--wgv71a119e.jp>` or the bare envelope address.
    static func recipientText(_ recipient: JournalRecipient) -> String {
        guard let name = recipient.displayName, !name.isEmpty else { return clean(recipient.address) }
        return clean(name) + " <" + clean(recipient.address) + ">"
    }

    // MARK: JSON

    static func listJSON(_ summaries: [JournalSummary], path: String, outbox: [String: JournalEventKind] = [:]) -> String {
        var out = "{\n  \"journal\": \(string(path)),\n  \"messages\": ["
        for (index, s) in summaries.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out +=
                "    {"
                + [
                    "\"message_id\": \(string(s.messageID))",
                    "\"confirmed_at\": \(string(JournalTime.iso(s.confirmedAt)))",
                    "\"confirmed_at_unix\": \(s.confirmedAt)",
                    "\"last_event_at\": \(string(JournalTime.iso(s.lastEventAt)))",
                    "\"last_event_at_unix\": \(s.lastEventAt)",
                    "\"outcome\": \(string(s.outcome.rawValue))",
                    "\"outcome_label\": \(string(s.outcome.label))",
                    "\"outbox_outcome\": \(optional(outbox[s.messageID]?.rawValue))",
                    "\"account\": \(string(s.account))",
                    "\"from\": \(string(s.from))",
                    "\"subject\": \(string(s.subject))",
                    "\"recipients\": \(s.recipientCount)",
                    "\"accepted\": \(s.acceptedCount)",
                    "\"refused\": \(s.refusedCount)",
                    "\"domains\": [\(s.domains.map(string).joined(separator: ", "))]",
                    "\"attachments\": \(s.attachmentCount)",
                    "\"attachment_bytes\": \(s.attachmentBytes)"
                ].joined(separator: ", ") + "}"
        }
        out += summaries.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    static func showJSON(_ entry: JournalEntry, path: String, outbox: JournalEventKind? = nil) -> String {
        let message = entry.message
        func list(_ items: [String]) -> String {
            items.isEmpty ? "[]" : "[\n" + items.map { "    " + $0 }.joined(separator: ",\n") + "\n  ]"
        }
        let events = entry.events.map { event in
            "{\"kind\": \(string(event.kind.rawValue)), \"label\": \(string(event.kind.label)), "
                + "\"at\": \(string(JournalTime.iso(event.at))), \"at_unix\": \(event.at), \"detail\": \(optional(event.detail))}"
        }
        let recipients = message.recipients.map { r in
            let result = r.accepted.map { $0 ? "accepted" : "refused" } ?? "not-submitted"
            return "{\"field\": \(string(r.field.rawValue)), \"address\": \(string(r.address)), "
                + "\"display_name\": \(optional(r.displayName)), \"domain\": \(string(r.domain)), "
                + "\"domain_ascii\": \(string(r.asciiDomain)), \"result\": \(string(result)), "
                + "\"reply\": \(optional(r.result)), \"reply_at\": \(optional(r.resultAt.map(JournalTime.iso))), "
                + "\"reply_at_unix\": \(r.resultAt.map(String.init) ?? "null")}"
        }
        let replies = entry.results.map { x in
            "{\"address\": \(string(x.address)), \"accepted\": \(x.accepted), \"reply\": \(string(x.reply)), "
                + "\"at\": \(string(JournalTime.iso(x.at))), \"at_unix\": \(x.at)}"
        }
        let attachments = message.attachments.map { a in
            "{\"name\": \(string(a.name)), \"size\": \(a.size), \"content_type\": \(string(a.contentType)), "
                + "\"sha256\": \(string(a.sha256)), \"parties\": ["
                + a.parties.map { "{\"name\": \(string($0.name)), \"kind\": \(string($0.kind)), \"place\": \(string($0.place))}" }
                .joined(separator: ", ") + "]}"
        }
        let findings = message.findings.map { f in
            "{\"rule\": \(string(f.ruleID)), \"severity\": \(string(f.severity)), \"message\": \(string(f.message)), "
                + "\"accepted\": \(f.accepted), \"accepted_by\": \(optional(f.acceptedBy)), \"challenged\": \(f.challenged)}"
        }
        let challenges = message.challenges.map { c in
            "{\"form\": \(string(c.form.rawValue)), \"subject\": \(string(c.subject)), \"chosen\": \(optional(c.chosen)), "
                + "\"reason\": \(optional(c.reason)), \"rushed\": \(c.rushed), \"wrong_answers\": \(c.wrongAnswers), \"words\": \(string(c.words))}"
        }
        let changed = message.changedFindings.map { f in
            "{\"rule\": \(string(f.ruleID)), \"severity\": \(string(f.severity)), \"message\": \(string(f.message))}"
        }
        return "{\n"
            + [
                "\"journal\": \(string(path))",
                "\"message_id\": \(string(message.messageID))",
                "\"account\": \(string(message.account))",
                "\"from\": \(string(message.from))",
                "\"subject\": \(string(message.subject))",
                "\"confirmed_at\": \(string(JournalTime.iso(entry.confirmedAt)))",
                "\"confirmed_at_unix\": \(entry.confirmedAt)",
                "\"outcome\": \(string(entry.outcome.rawValue))",
                "\"outcome_label\": \(string(entry.outcome.label))",
                "\"outbox_outcome\": \(optional(outbox?.rawValue))",
                "\"events\": \(list(events))",
                "\"recipients\": \(list(recipients))",
                "\"replies\": \(list(replies))",
                "\"attachments\": \(list(attachments))",
                "\"findings\": \(list(findings))",
                "\"changed_findings\": \(list(changed))",
                "\"confirm_ms\": \(message.confirmMilliseconds.map { "\($0)" } ?? "null")",
                "\"confirmation_screen\": \(optional(message.confirmScreen))",
                "\"challenges\": \(list(challenges))"
            ].map { "  " + $0 }.joined(separator: ",\n") + "\n}\n"
    }

    /// A JSON string literal. `TOML.quoted` (through `PolicyReport.quote`) escapes `"`, `\` and
    /// every control character U+0000–001F (plus DEL) and passes other characters through as
    /// UTF-8, which RFC 8259 allows; a Swift string holds no lone surrogates.
    static func string(_ text: String) -> String { PolicyReport.quote(text) }

    static func optional(_ text: String?) -> String { text.map(string) ?? "null" }

    // MARK: Text helpers

    /// For one terminal line: control characters (newlines, escapes) become U+FFFD, so a subject
    /// or a server reply cannot break the layout or send escape sequences to the terminal.
    static func clean(_ text: String) -> String { DisplayWidth.displayable(text) }

    /// `text` cleaned and cut to `width` columns, with `…` when cut.
    static func fit(_ text: String, width: Int) -> String {
        let line = clean(text)
        if DisplayWidth.of(line) <= width { return line }
        return String(DisplayWidth.prefix(line, fitting: max(0, width - 1)).text) + "…"
    }

    /// Padded with spaces to `width` columns (display width: 日本語 is six).
    static func pad(_ text: String, _ width: Int) -> String {
        let used = DisplayWidth.of(text)
        return used >= width ? text : text + String(repeating: " ", count: width - used)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        let used = DisplayWidth.of(text)
        return used >= width ? text : String(repeating: " ", count: width - used) + text
    }

    static func trimEnd(_ text: String) -> String {
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)] == " " { end = text.index(before: end) }
        return String(text[..<end])
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
