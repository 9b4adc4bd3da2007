#if canImport(Glibc)
    import Glibc
#endif
import ArgumentParser
import Config
import Delivery
import Journal
import MailCore
import Policy
import Store

/// `guardmail policy replay`: the rule tables and barriers of the effective (or a proposed)
/// policy over the messages of the sent folder and the journal.
struct PolicyReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the policy's rule tables and barriers over the mail already sent, before they go live.",
        discussion:
            "Reads the sent folder and the send journal (Bcc recipients come from the journal) and prints, per rule table and barrier, how many messages it would have stopped or asked about, with examples: message id, time and evidence, never the body. Built-in rules are not replayed."
    )

    @Option(help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    @Option(help: ArgumentHelp("Only messages of this last period: 90d, 12h, 4w, 30m.", valueName: "period"))
    var since: String?

    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp("A proposed organisation policy file to replay in place of the installed one.", valueName: "file"))
    var rulesFile: String?

    @Option(help: "Examples shown per rule.")
    var examples: Int = 3

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        var cutoff: Int64? = nil
        if let since {
            guard let seconds = PolicyReplay.duration(since) else {
                report("--since '\(since)' is not a period such as 90d, 12h, 4w or 30m")
                throw ExitCode(Exit.usage)
            }
            cutoff = Int64(time(nil)) - seconds
        }
        let policy: PolicyConfig
        do {
            let configPath = config ?? paths.configFile
            let userConfig: GuardmailConfig? = FileSystem.exists(configPath) || config != nil ? try loadConfig(configPath) : nil
            if let rulesFile {
                let layer = try PolicySetup.organisationLayer(rulesFile, trusted: false)
                do {
                    policy = try PolicyConfig.make(user: userConfig?.policy, organisations: [layer])
                } catch {
                    throw ConfigError(error.description)
                }
            } else {
                policy = try PolicySetup.load(user: userConfig?.policy)
            }
        } catch let error as ConfigError {
            report(error.message)
            throw ExitCode(Exit.config)
        } catch {
            report("\(error)")
            throw ExitCode(Exit.config)
        }
        let messages: [ReplayMessage]
        do {
            messages = try ReplaySources.messages(paths: paths, since: cutoff)
        } catch {
            report("cannot read the send journal: \(error)")
            throw ExitCode(Exit.ioError)
        }
        let (counts, total) = PolicyReplay.run(messages, config: policy, examples: max(0, examples))
        Console.output(PolicyReplay.text(counts, total: total, time: JournalTime.iso))
    }
}

/// The sent mail as the policy would have seen it: every message of the journal that went out
/// (sent or partly sent), its body and attachments from the sent folder's copy when there is
/// one, its Bcc recipients from the journal; and copies in the sent folder the journal does not
/// know (mail sent before it existed), dated by their file.
enum ReplaySources {
    static func messages(paths: DataPaths, since: Int64?) throws -> [ReplayMessage] {
        var copies: [String: (parsed: ParsedMessage, time: Int64)] = [:]
        var copyOrder: [String] = []
        for sub in ["cur", "new"] {
            let folder = "\(paths.sentDirectory)/\(sub)"
            for name in FileSystem.listDirectory(folder) {
                let path = "\(folder)/\(name)"
                guard let bytes = try? FileSystem.readBytes(path), let parsed = try? MessageParser.parse(bytes) else { continue }
                var info = stat()
                let time = stat(path, &info) == 0 ? Int64(info.st_mtim.tv_sec) : 0
                let id = bare(parsed.messageID ?? name)
                if copies[id] == nil { copyOrder.append(id) }
                copies[id] = (parsed, time)
            }
        }
        var out: [ReplayMessage] = []
        var done = Set<String>()
        if FileSystem.exists(paths.journalFile) {
            let journal = try SendJournal(path: paths.journalFile)
            defer { journal.close() }
            for summary in try journal.list(since: since) where summary.outcome == .sent || summary.outcome == .partiallySent {
                guard let entry = try journal.show(messageID: summary.messageID) else { continue }
                let id = bare(entry.message.messageID)
                done.insert(id)
                let journalRecipients = entry.message.recipients.compactMap { r -> (Mailbox, RecipientField)? in
                    guard let m = try? AddressParser.parseMailbox(r.address) else { return nil }
                    return (m, r.field)
                }
                let from = (try? AddressParser.parseMailbox(entry.message.from)) ?? journalRecipients.first?.0
                guard let from else { continue }
                var input: PolicyInput
                if let copy = copies[id] {
                    input = self.input(copy.parsed, from: from)
                    input.bcc = journalRecipients.filter { $0.1 == .bcc }.map(\.0)
                } else {
                    input = PolicyInput(
                        from: from, to: journalRecipients.filter { $0.1 == .to }.map(\.0), cc: journalRecipients.filter { $0.1 == .cc }.map(\.0),
                        bcc: journalRecipients.filter { $0.1 == .bcc }.map(\.0), subject: entry.message.subject,
                        attachments: entry.message.attachments.map { AttachmentFacts(name: $0.name, size: $0.size, contentType: $0.contentType) })
                }
                out.append(ReplayMessage(id: "<\(id)>", time: entry.confirmedAt, input: input))
            }
        }
        for id in copyOrder where !done.contains(id) {
            guard let copy = copies[id], since.map({ copy.time >= $0 }) ?? true else { continue }
            guard let from = copy.parsed.from.first else { continue }
            out.append(ReplayMessage(id: "<\(id)>", time: copy.time, input: input(copy.parsed, from: from)))
        }
        return out
    }

    static func input(_ parsed: ParsedMessage, from: Mailbox) -> PolicyInput {
        PolicyInput(
            from: parsed.from.first ?? from, to: parsed.to.mailboxes, cc: parsed.cc.mailboxes, bcc: parsed.bcc.mailboxes, subject: parsed.subject,
            body: parsed.body,
            attachments: parsed.attachments.map { part in
                let text = part.contentType.hasPrefix("text/") ? String(decoding: part.content.prefix(2 << 20), as: UTF8.self) : nil
                return AttachmentFacts(name: part.fileName, size: Int64(part.content.count), contentType: part.contentType, text: text)
            })
    }

    static func bare(_ id: String) -> String {
        var s = Substring(id)
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        return String(s)
    }
}
