import ArgumentParser
import Config
import Delivery
import MailCore
import Policy
import Store

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the sending policy on an existing message (.eml).",
        discussion: "Exit status: 0 clean, 1 needs confirmation, 2 blocked; 64 and above for usage, input and configuration errors."
    )

    @Argument(help: "An RFC 5322 message file.")
    var file: String
    @Flag(help: "Print the findings as JSON.")
    var json = false
    @Option(help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml); optional for check.")
    var config: String?

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let policy: PolicyConfig
        var fallbackSender: Mailbox?
        do {
            let configPath = config ?? paths.configFile
            let userConfig: GuardmailConfig? = FileSystem.exists(configPath) || config != nil ? try loadConfig(configPath) : nil
            fallbackSender = (try? userConfig?.account(named: nil))?.from
            policy = try PolicySetup.load(user: userConfig?.policy)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(file, limit: 512 << 20)
        } catch {
            report("\(error)")
            throw ExitCode(Exit.noInput)
        }
        let message: ParsedMessage
        do {
            message = try MessageParser.parse(bytes)
        } catch {
            report("'\(file)': \(error)")
            throw ExitCode(Exit.data)
        }
        guard let from = message.from.first ?? fallbackSender else {
            report("'\(file)' has no From header and no account is configured to stand in for the sender")
            throw ExitCode(Exit.data)
        }
        for problem in message.addressProblems { report("'\(file)': \(problem)") }

        let (book, warnings) = PolicySetup.addressBook(policy, paths: paths)
        for warning in warnings { report(warning) }
        let (history, historyWarning) = PolicySetup.history(paths: paths)
        if let historyWarning { report(historyWarning) }
        let input = PolicyInput(
            from: from, to: message.to.mailboxes, cc: message.cc.mailboxes, bcc: message.bcc.mailboxes, subject: message.subject,
            body: message.body,
            attachments: message.attachments.map { attachment in
                let isText = attachment.contentType.hasPrefix("text/") || attachment.fileName.lowercased().hasSuffix(".csv")
                return AttachmentFacts(
                    name: attachment.fileName, size: Int64(attachment.content.count), contentType: attachment.contentType,
                    text: isText ? String(decoding: attachment.content.prefix(2 << 20), as: UTF8.self) : nil)
            },
            history: history, addressBook: book)
        let decision = PolicyEngine.evaluate(input, config: policy)
        if json {
            Console.output(PolicyReport.json(file: file, decision: decision))
        } else {
            for finding in decision.findings { Console.output(PolicyReport.line(finding) + "\n") }
            let verdict = decision.isBlocked ? "blocked" : (decision.needsConfirmation ? "needs confirmation" : "clean")
            Console.output("\(file): \(verdict) (\(decision.findings.count) finding\(decision.findings.count == 1 ? "" : "s"))\n")
        }
        if decision.exitCode != 0 { throw ExitCode(decision.exitCode) }
    }
}

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Print the effective policy and which layer set each value.",
        discussion: "Layers: built-in defaults < your config's [policy] < the organisation's file ($GUARDMAIL_POLICY or /etc/guardmail/policy.toml); where both you and the organisation set a value, the stricter wins."
    )

    @Option(help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let policy: PolicyConfig
        do {
            let configPath = config ?? paths.configFile
            let userConfig: GuardmailConfig? = FileSystem.exists(configPath) || config != nil ? try loadConfig(configPath) : nil
            policy = try PolicySetup.load(user: userConfig?.policy)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        let rows = policy.explain()
        let keyWidth = rows.map(\.key.count).max() ?? 10
        for row in rows {
            var line = "\(row.key.padded(keyWidth))  = \(row.value)    [\(row.layer)]"
            if let note = row.note { line += "  — \(note)" }
            Console.output(line + "\n")
        }
        for note in policy.notes { Console.output("note: \(note)\n") }
        Console.output("organisation file: \(PolicySetup.organisationFile)\(FileSystem.exists(PolicySetup.organisationFile) ? "" : " (none)")\n")
    }
}
