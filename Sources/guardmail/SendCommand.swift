import ArgumentParser
import Config
import Delivery
import Inspect
import Policy
import MailCore
import Store
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by the commands that compose a message (`send`, later `compose`).
struct MessageOptions: ParsableArguments {
    @Option(name: .long, help: "Recipients (comma-separated addresses; repeatable).")
    var to: [String] = []
    @Option(name: .long, help: "Carbon-copy recipients (repeatable).")
    var cc: [String] = []
    @Option(name: .long, help: "Blind-copy recipients: in the envelope only, never in the headers sent.")
    var bcc: [String] = []
    @Option(name: .long, help: "Subject line.")
    var subject: String = ""
    @Option(name: .customLong("body-file"), help: "File holding the body text (UTF-8); - for standard input.")
    var bodyFile: String?
    @Option(name: .long, help: "A file to attach (repeatable).")
    var attach: [String] = []
    @Option(name: .long, help: "Account from the config to send with (default: default_account).")
    var account: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?
}

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a message without the composer.",
        discussion: "Exit codes: 0 sent to every recipient, 65 bad input (nothing sent), 69 refused or unreachable, 75 temporary failure, 77 login denied, 78 configuration."
    )

    @OptionGroup var message: MessageOptions
    @Flag(name: .customLong("dry-run"), help: "Write the message to standard output and the envelope to standard error; send nothing.")
    var dryRun = false
    @Option(name: .customLong("accept"), help: "Accept a finding that needs confirmation, by rule id (repeatable).")
    var accept: [String] = []

    func validate() throws {
        let known = Set(PolicyEngine.rules.map(\.id))
        for id in accept where !known.contains(id) {
            throw ValidationError("Unknown rule '\(id)' for --accept (rules: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let account: AccountConfig
        let policy: PolicyConfig
        do {
            let config = try loadConfig(message.config ?? paths.configFile)
            account = try config.account(named: message.account)
            policy = try PolicySetup.load(user: config.policy)
        } catch {
            report(error.message)
            throw ExitCode(Exit.config)
        }
        do {
            let input = try readInput()
            let outgoing = try Delivery.buildMessage(input, account: account, detector: ContentTypeDetector())
            try applyPolicy(outgoing, policy: policy, paths: paths)
            let stamp = Delivery.stamp(for: outgoing)
            if dryRun {
                let spooled = try Delivery.spool(outgoing, stamp: stamp, directory: paths.spoolDirectory, sync: false)
                defer { FileSystem.remove(spooled.path) }
                try copyToStandardOutput(spooled.path, from: spooled.messageOffset)
                Console.error(spooled.envelope.transcript + "\n")
                return
            }
            let server = try Delivery.server(for: account)
            let progress = ProgressLine(enabled: isatty(2) == 1)
            let spooled = try Delivery.spool(outgoing, stamp: stamp, directory: paths.spoolDirectory, sync: false)
            defer { FileSystem.remove(spooled.path) }
            let submitter: SMTPSubmitter
            do {
                submitter = try SMTPSubmitter(server: server)
            } catch {
                throw DeliveryError(.transport(error.kind, temporary: false), error.message)
            }
            let result = try Delivery.submit(spooled, through: submitter) { sent, total in progress.update(sent, total) }
            progress.finish()
            if let warning = Delivery.keepSentCopy(spooled, folder: SentFolder(directory: paths.sentDirectory)) {
                report(warning)
            }
            try finish(result, messageID: spooled.messageID)
        } catch let error as DeliveryError {
            throw fail(error)
        }
    }

    /// The same policy as the confirmation screen: blocks stop the send; findings that need
    /// confirmation stop it unless accepted with --accept. Findings go to standard error.
    private func applyPolicy(_ outgoing: OutgoingMessage, policy: PolicyConfig, paths: DataPaths) throws {
        let inspections: [Inspection]
        do {
            // The types came from file(1) while building the message; the fingerprint is not
            // needed to decide, and would read every file once more.
            inspections = try AttachmentInspector().inspect(
                outgoing.attachments.map(\.source), contentTypes: outgoing.attachments.map(\.contentType), fingerprint: false)
        } catch {
            throw DeliveryError(.data, error.message)
        }
        let (book, warnings) = PolicySetup.addressBook(policy, paths: paths)
        for warning in warnings { report(warning) }
        let decision = PolicyEngine.evaluate(
            PolicySetup.input(outgoing, inspections: inspections, history: PolicySetup.history(paths: paths), addressBook: book),
            config: policy)
        for finding in decision.findings { report(PolicyReport.line(finding)) }
        if dryRun { return }
        if let block = decision.findings.first(where: { $0.severity == .block }) {
            let fixes = block.fixes.isEmpty ? "" : " (in the composer: \(block.fixes.map(\.rawValue).joined(separator: " or ")))"
            report("blocked by \(block.ruleID); nothing was sent\(fixes)")
            throw ExitCode(Exit.policy)
        }
        let accepted = Set(accept)
        let open = Set(decision.findings.filter { $0.severity == .confirm && !accepted.contains($0.ruleID) }.map(\.ruleID)).sorted()
        if !open.isEmpty {
            report("needs confirmation; nothing was sent. After checking the findings above, run again with "
                + open.map { "--accept \($0)" }.joined(separator: " "))
            throw ExitCode(Exit.policy)
        }
    }

    private func readInput() throws(DeliveryError) -> DraftInput {
        var body = ""
        if let bodyFile = message.bodyFile {
            let path = bodyFile == "-" ? "/dev/stdin" : bodyFile
            do {
                guard let text = try FileSystem.readUTF8(path) else {
                    throw DeliveryError(.data, "the body file '\(bodyFile)' is not UTF-8 text")
                }
                body = text
            } catch let error as FileError {
                throw DeliveryError(.data, "body: \(error)")
            } catch let error as DeliveryError {
                throw error
            } catch {
                throw DeliveryError(.data, "body: \(error)")
            }
        }
        return DraftInput(to: message.to, cc: message.cc, bcc: message.bcc, subject: message.subject, body: body, attachmentPaths: message.attach)
    }

    /// Prints each recipient's outcome; a refusal makes the exit status non-zero.
    private func finish(_ result: SubmissionResult, messageID: String) throws {
        for recipient in result.accepted {
            Console.output("accepted: \(recipient.address)\n")
        }
        let refused = result.refused
        for recipient in refused {
            report("refused: \(recipient.address): \(recipient.reply?.description ?? "not tried")")
        }
        if refused.isEmpty {
            Console.output("sent \(messageID) to \(result.accepted.count) recipient\(result.accepted.count == 1 ? "" : "s")\n")
            return
        }
        report("sent \(messageID) to \(result.accepted.count) of \(result.recipients.count) recipients; \(refused.count) refused")
        let allTemporary = refused.allSatisfy { $0.reply?.isTemporary ?? true }
        throw ExitCode(allTemporary ? Exit.tempFail : Exit.unavailable)
    }
}

/// Loads the config file and picks the account.
func loadAccount(_ path: String, name: String?) throws(ConfigError) -> AccountConfig {
    try loadConfig(path).account(named: name)
}

func copyToStandardOutput(_ path: String, from offset: Int64) throws(DeliveryError) {
    do {
        let source = try FileSource(path: path)
        try source.skip(offset)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { Console.output(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
    } catch {
        throw DeliveryError(.io, "cannot read the spooled message: \(error)")
    }
}

/// `sending… 45% (12.3 of 27.1 MiB)` on a terminal, redrawn in place at most every 1%.
final class ProgressLine {
    private let enabled: Bool
    private var lastPercent = -1
    init(enabled: Bool) { self.enabled = enabled }
    func update(_ sent: Int64, _ total: Int64) {
        guard enabled, total > 1 << 20 else { return }
        let percent = Int(sent * 100 / max(total, 1))
        guard percent != lastPercent else { return }
        lastPercent = percent
        Console.error("\rsending… \(percent)% (\(formatBytes(sent)) of \(formatBytes(total)))\u{1B}[K")
    }
    func finish() {
        if lastPercent >= 0 { Console.error("\r\u{1B}[K") }
    }
}
