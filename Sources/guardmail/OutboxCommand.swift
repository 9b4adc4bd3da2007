import ArgumentParser
import Config
import Delivery
import MailCore
import Outbox
import Store
import Workflow

/// `guardmail outbox list | show ID | cancel ID | release ID | confirm ID`: the messages that were confirmed
/// and wait for their hold to end, for a retry, or for the user.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List, show, cancel or release messages in the outbox.",
        discussion: """
            A message enters the outbox when it is confirmed and stays there until it was sent to \
            every recipient, taken back, or discarded. Nothing in it is sent without the user: \
            a hold that was interrupted (guardmail stopped) waits for `release`. An entry whose \
            files were changed or damaged is listed as damaged and never sent; \
            `cancel --damaged ID` removes it.
            Exit codes: 0 done, 1 its state does not allow it, 65 damaged (or changed since it was \
            confirmed: nothing sent), 66 no such message, 69/75/77/78 as for send, 74 I/O error \
            (the outbox cannot be read or written, e.g. read-only: nothing sent).
            """,
        subcommands: [List.self, Show.self, Cancel.self, Release.self, Confirm.self],
        defaultSubcommand: List.self
    )

    struct Common: ParsableArguments {
        @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml); needed by release.")
        var config: String?
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the messages in the outbox, oldest first.")
        @OptionGroup var common: Common

        func run() throws {
            let dispatcher = try openDispatcher(common)
            let (items, damaged) = dispatcher.items()
            if items.isEmpty && damaged.isEmpty {
                Console.output("The outbox is empty.\n")
                return
            }
            let now = Dispatcher.wallClock()
            for item in items {
                let count = item.record.recipients.count
                Console.output("\(item.id)  \(item.describe(now: now))\n")
                Console.output(
                    "    \(item.record.subject.isEmpty ? "(no subject)" : item.record.subject) — \(count) recipient\(count == 1 ? "" : "s")"
                        + ": \(domainSummary(item.record))\n")
            }
            // Damaged entries are listed with the others (one bad file never hides the rest).
            for entry in damaged {
                Console.output("\(entry.id)  damaged: \(entry.reason.oneLine)\n")
                Console.output("    nothing is sent from it; \(discardHint(entry))\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one message: envelope, confirmation, state.")
        @OptionGroup var common: Common
        @Argument(help: "The outbox id (from `guardmail outbox list`).")
        var id: String

        func run() throws {
            let dispatcher = try openDispatcher(common)
            let (items, damaged) = dispatcher.items()
            if let entry = damaged.first(where: { $0.id == id }) {
                Console.output(
                    "Outbox id:   \(id)\nState:       damaged\nFolder:      \(entry.path)\n"
                        + "Problem:     \(entry.reason.oneLine)\n")
                report("\(id) is damaged: nothing is sent from it; \(discardHint(entry))")
                throw ExitCode(entry.kind == .corrupt ? Exit.data : Exit.ioError)
            }
            guard let item = items.first(where: { $0.id == id }) else {
                report("no message \(id) in the outbox '\(dispatcher.outbox.directory)'")
                throw ExitCode(Exit.noInput)
            }
            let record = item.record
            var out = "Outbox id:   \(record.id)\nMessage-ID:  \(record.messageID)\nState:       \(item.describe(now: Dispatcher.wallClock()))\n"
            out += "Account:     \(record.account)\nFrom:        \(record.from)\nSubject:     \(record.subject)\n"
            out +=
                "Confirmed:   \(JournalTime.full(Int64(record.confirmedAt))) by \(record.confirmation.confirmedBy) (\(record.confirmation.via)); hold \(record.holdSeconds) s\n"
            out += "Size:        \(formatBytes(record.messageSize))\n"
            out += "Recipients (\(record.recipients.count)):\n"
            for recipient in record.recipients {
                let name = recipient.displayName.map { "\($0) " } ?? ""
                out += "  \(JournalOutput.pad(recipient.field == "to" ? "To" : recipient.field == "cc" ? "Cc" : "Bcc", 4))\(name)<\(recipient.shownAddress)>\n"
            }
            if !record.attachments.isEmpty {
                out += "Attachments:\n"
                for attachment in record.attachments {
                    out += "  \(attachment.name)  \(formatBytes(attachment.size))  \(attachment.contentType)  sha256 \(attachment.sha256)\n"
                }
            }
            if !record.confirmation.findings.isEmpty {
                out += "Findings:\n"
                for finding in record.confirmation.findings {
                    out += "  [\(finding.severity)] \(finding.ruleID): \(finding.message)\(finding.accepted ? " — accepted" : "")\n"
                }
            }
            Console.output(out)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel a held message (also one a `guardmail send` in another terminal is counting down).")
        @OptionGroup var common: Common
        @Flag(help: "Remove an entry that is damaged (cannot be read; nothing is ever sent from it).")
        var damaged = false
        @Argument(help: "The outbox id.")
        var id: String

        func run() throws {
            let dispatcher = try openDispatcher(common)
            let now = Dispatcher.wallClock()
            let result = damaged ? dispatcher.discardDamaged(id, now: now) : dispatcher.cancel(id, now: now)
            switch result {
            case .done:
                Console.output(damaged ? "removed the damaged entry \(id); nothing was sent from it\n" : "cancelled \(id); nothing was sent\n")
            default:
                try refuse("cancel", id, result, outbox: dispatcher.outbox)
            }
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Send a held, interrupted or failed message now (a partly sent one: only to those refused).")
        @OptionGroup var common: Common
        @Argument(help: "The outbox id.")
        var id: String

        func run() throws {
            let dispatcher = try openDispatcher(common)
            let now = Dispatcher.wallClock()
            if dispatcher.outbox.isClaimed(id: id) {
                // Another guardmail counts it down: ask it to send now.
                switch dispatcher.requestRelease(id) {
                case .done:
                    Console.output("asked the guardmail holding \(id) to send it now\n")
                    return
                case let result:
                    try refuse("release", id, result, outbox: dispatcher.outbox)
                }
            }
            let adopted: Bool
            do {
                adopted = try dispatcher.adopt(id, now: now)
            } catch {
                switch error.kind {
                case .notFound:
                    try refuse("release", id, .notFound, outbox: dispatcher.outbox)
                case .corrupt:
                    let entry = DamagedEntry(id: id, path: dispatcher.outbox.entryDirectory(id: id), kind: .corrupt, reason: error.message)
                    try refuse("release", id, .damaged(entry), outbox: dispatcher.outbox)
                case .io, .diskFull:
                    try refuse("release", id, .failed(error.message), outbox: dispatcher.outbox)
                }
                return
            }
            guard adopted else {
                report("cannot release \(id): another guardmail took it over just now; nothing was sent from here")
                throw ExitCode(Exit.policy)
            }
            guard let report = dispatcher.release(id, now: now) else {
                let state = dispatcher.ownedItems.first { $0.id == id }?.state.kind.rawValue ?? "gone"
                guardmail.report("cannot release \(id): it is \(state)")
                throw ExitCode(Exit.policy)
            }
            dispatcher.relinquish(now: Dispatcher.wallClock())
            for line in report.lines {
                if line.hasPrefix("accepted: ") || line.hasPrefix("sent ") { Console.output(line + "\n") } else { guardmail.report(line) }
            }
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }
    }
}

/// Says why `verb` (cancel, release) did not act on `id`, and exits with the matching status:
/// 66 no such message, 65 damaged (with how to discard it), 74 the outbox could not be read or
/// changed (read-only, permissions, I/O error), 1 its state does not allow it.
func refuse(_ verb: String, _ id: String, _ result: Dispatcher.RemoteResult, outbox: Outbox) throws -> Never {
    switch result {
    case .done:
        preconditionFailure("refuse called for a request that was done")
    case .notFound:
        report("no message \(id) in the outbox '\(outbox.directory)'")
        throw ExitCode(Exit.noInput)
    case .damaged(let entry):
        report("cannot \(verb) \(id): \(entry.reason.oneLine)")
        report("nothing was sent; \(discardHint(entry))")
        throw ExitCode(Exit.data)
    case .failed(let message):
        report("cannot \(verb) \(id): \(message); nothing was sent")
        throw ExitCode(Exit.ioError)
    case .tooLate(let why), .notApplicable(let why):
        report("cannot \(verb) \(id): \(why)")
        throw ExitCode(Exit.policy)
    }
}

/// How to get rid of a damaged entry.
func discardHint(_ entry: DamagedEntry) -> String {
    entry.kind == .corrupt
        ? "`guardmail outbox cancel --damaged \(entry.id)` removes it (its folder: '\(entry.path)')"
        : "check the permissions of '\(entry.path)'"
}

/// The outbox and journal of this user; accounts come from the config when a send needs one.
func openDispatcher(_ common: OutboxCommand.Common) throws -> Dispatcher {
    let paths = DataPaths.fromEnvironment()
    let configPath = common.config ?? paths.configFile
    if let config = try? loadConfig(configPath) { configureSyslog(config) }
    do {
        return try Dispatcher(paths: paths) { (name: String) throws(DeliveryError) -> AccountConfig in
            do throws(ConfigError) {
                return try loadConfig(configPath).account(named: name)
            } catch {
                throw DeliveryError(.config, error.message)
            }
        }
    } catch {
        throw fail(error)
    }
}

/// "example.com ×2, 取引先.jp" — the domains of a message, most recipients first.
func domainSummary(_ record: OutboxRecord) -> String {
    var counts: [String: Int] = [:]
    for recipient in record.recipients {
        counts[recipient.shownDomain, default: 0] += 1
    }
    let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    let shown = sorted.prefix(4).map { $0.value > 1 ? "\($0.key) ×\($0.value)" : $0.key }
    return shown.joined(separator: ", ") + (sorted.count > 4 ? ", +\(sorted.count - 4) more" : "")
}

extension String {
    /// On one line: a reason that quotes a file's text may hold line breaks.
    fileprivate var oneLine: String { split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ") }
}
