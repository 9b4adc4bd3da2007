#if canImport(Glibc)
    import Glibc
#endif
import ArgumentParser
import Config
import Delivery
import Inspect
import MailCore
import Policy
import Store

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the sending policy on an existing message (.eml).",
        discussion:
            "Exit status: 0 clean, 1 needs confirmation, 2 blocked; 64 usage, 65 not a message, 66 no such file, 74 I/O error (the attachments cannot be written to a temporary folder or inspected), 78 configuration."
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

        let attachments: [AttachmentFacts]
        do {
            attachments = try Self.inspect(message.attachments)
        } catch {
            report("'\(file)': cannot inspect the attachments: \(error)")
            throw ExitCode(Exit.ioError)
        }
        let evaluation = PolicySetup.evaluate(policy, paths: paths) { history, book in
            PolicyInput(
                from: from, to: message.to.mailboxes, cc: message.cc.mailboxes, bcc: message.bcc.mailboxes, subject: message.subject,
                body: message.body, attachments: attachments, history: history, addressBook: book)
        }
        for warning in evaluation.warnings { report(warning) }
        var decision = evaluation.decision
        // An address that cannot be read is a recipient the policy never saw: guardmail would not
        // send this message, so it cannot be called clean.
        let unreadable = message.addressProblems
        if !unreadable.isEmpty { decision.exitCode = 2 }
        if json {
            Console.output(PolicyReport.json(file: file, decision: decision, unreadableAddresses: unreadable, attachments: attachments))
        } else {
            for problem in unreadable { Console.output("\("UNREADABLE".padded(8)) \(problem)\n") }
            for finding in decision.findings { Console.output(PolicyReport.line(finding) + "\n") }
            let verdict = String(PolicyReport.verdict(decision, unreadableAddresses: unreadable).map { $0 == "-" ? " " : $0 })
            var counts = "\(decision.findings.count) finding\(decision.findings.count == 1 ? "" : "s")"
            if !unreadable.isEmpty { counts += ", \(unreadable.count) unreadable address\(unreadable.count == 1 ? "" : "es")" }
            Console.output("\(file): \(verdict) (\(counts))\n")
        }
        if decision.exitCode != 0 { throw ExitCode(decision.exitCode) }
    }

    /// The attachments as the policy sees them when sending: each decoded part is written to a
    /// private temporary folder and inspected like a file given to `send` (libmagic's type, the
    /// text of text and CSV files), whatever type the message declared for it.
    static func inspect(_ parts: [ParsedAttachment]) throws -> [AttachmentFacts] {
        guard !parts.isEmpty else { return [] }
        var template = Array("\(FileSystem.environment("TMPDIR") ?? "/tmp")/guardmail-check-XXXXXX".utf8CString)
        guard let folder = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            throw FileError(action: "create a temporary folder in", path: FileSystem.environment("TMPDIR") ?? "/tmp", errno: errno)
        }
        var paths: [String] = []
        defer {
            paths.forEach(FileSystem.remove)
            _ = rmdir(folder)
        }
        // Parts with the same bytes and extension are the same file to the inspector: each is
        // written and inspected once (a message of 20,000 copies of one part costs one).
        struct Content: Hashable {
            let suffix: String
            let bytes: [UInt8]
        }
        var firstOf: [Content: Int] = [:]
        var inspected: [Int] = [] // for each part, its index in `paths`
        inspected.reserveCapacity(parts.count)
        for part in parts {
            // The sender's name is not a safe path; only its extension is kept (libmagic and the
            // CSV reader look at it).
            let name = part.fileName.split(separator: "/").last.map(String.init) ?? ""
            let suffix = name.split(separator: ".").count > 1 ? "." + (name.split(separator: ".").last.map(String.init) ?? "") : ""
            let kept = suffix.count <= 16 ? suffix : ""
            let key = Content(suffix: kept, bytes: part.content)
            if let first = firstOf[key] {
                inspected.append(first)
                continue
            }
            let path = "\(folder)/\(paths.count + 1)\(kept)"
            firstOf[key] = paths.count
            inspected.append(paths.count)
            paths.append(path)
            let sink = try FileSink(creating: path)
            try part.content.withUnsafeBytes { try sink.write($0) }
            try sink.finish(sync: false)
        }
        let inspections = try AttachmentInspector(detector: ContentTypeDetector()).inspect(paths, fingerprint: false)
        return zip(parts, inspected).map { part, index in
            let inspection = inspections[index]
            return AttachmentFacts(inspection, name: part.fileName)
        }
    }
}

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Print the effective policy and which layer set each value.",
        discussion:
            "Layers: built-in defaults < your config's [policy] < the organisation's file ($GUARDMAIL_POLICY or /etc/guardmail/policy.toml); where both you and the organisation set a value, the stricter wins.",
        subcommands: [PolicyReplayCommand.self, PolicyImportCommand.self]
    )

    @Option(help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    @Option(
        name: .customLong("check"),
        help: ArgumentHelp(
            "Check an organisation policy file (and its groups' list files) on its own before installing it; exit 0 when it is valid, 78 with the file, line and key when not.",
            valueName: "file"))
    var checkFile: String?

    func run() throws {
        if let checkFile {
            do {
                let layer = try PolicySetup.organisationLayer(checkFile, trusted: false)
                let checked = try PolicyConfig.make(user: nil, organisations: [layer])
                Console.output(
                    "\(checkFile): valid: \(checked.tableRules.count) rules, \(checked.barriers.count) barriers, \(checked.groups.names.count) groups\n")
                return
            } catch let error as PolicyConfigError {
                report(error.description)
            } catch {
                report("\(error)")
            }
            throw ExitCode(Exit.config)
        }
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
        for dropIn in PolicySetup.organisationDropIns { Console.output("organisation drop-in: \(dropIn)\n") }
    }
}
