import ArgumentParser
import Composer
import Config
import Delivery
import Policy
import Store
import TUI

struct Compose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Write a message in the full-screen composer (the default command).",
        discussion: """
            No address is ever completed or suggested. See docs/composer.md for the keys.
            Exit codes: 0 sent or left (draft kept), 64 usage or no terminal, 65 bad input, 69 a recipient \
            refused, 74 the draft could not be saved (the text is written to $TMPDIR instead), \
            78 configuration, 128+N ended by signal N.
            """
    )

    @OptionGroup var message: MessageOptions
    @Flag(name: .customLong("no-drafts"), help: "Do not offer to resume an unsent draft.")
    var noDrafts = false

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let config: GuardmailConfig
        let account: AccountConfig
        let theme: Theme
        let policy: PolicyConfig
        do {
            config = try loadConfig(message.config ?? paths.configFile)
            account = try config.account(named: message.account)
            theme = try loadTheme(config.theme, paths: paths)
            policy = try PolicySetup.load(user: config.policy)
            configureSyslog(config)
        } catch let error as ConfigError {
            report(error.message)
            throw ExitCode(Exit.config)
        } catch {
            report("\(error)")
            throw ExitCode(Exit.config)
        }
        var body = ""
        if let bodyFile = message.bodyFile {
            do {
                body = try readBodyFile(bodyFile, standardInput: false)
            } catch {
                throw fail(error)
            }
        }
        let initial: DraftInput
        do {
            initial = try message.draftInput(body: body)
        } catch {
            throw fail(error)
        }
        let session = ComposerSession(
            account: account, paths: paths, theme: theme, policy: policy, initial: initial, offerDrafts: !noDrafts,
            accounts: { (name: String) throws(DeliveryError) -> AccountConfig in
                do throws(ConfigError) { return try config.account(named: name) } catch { throw DeliveryError(.config, error.message) }
            })
        let outcome: ComposerOutcome
        do {
            outcome = try session.run()
        } catch {
            report("\(error)")
            throw ExitCode(Exit.usage)
        }
        for report in session.stoppedSubmissions {
            for line in report.lines { Console.error("guardmail: \(line)\n") }
        }
        let left = session.messagesLeftInOutbox
        if left > 0 {
            Console.error(
                "guardmail: \(left) message\(left == 1 ? "" : "s") in the outbox \(left == 1 ? "was" : "were") not sent; "
                    + "the next start asks about \(left == 1 ? "it" : "them") (or see guardmail outbox)\n")
        }
        switch outcome {
        case .sent(let lines, let refused):
            for line in lines { Console.output(line + "\n") }
            if refused > 0 { throw ExitCode(Exit.unavailable) }
        case .postponed(let draft):
            if !tell(draft, prefix: "") { throw ExitCode(Exit.ioError) }
        case .discarded:
            Console.output("Discarded.\n")
        case .interrupted(let signal, let draft):
            Console.error("guardmail: stopped by signal \(signal).\n")
            _ = tell(draft, prefix: "guardmail: ")
            throw ExitCode(128 + signal)
        }
    }

    /// Says what became of the message; false when its draft could not be saved (then on
    /// standard error, with the reason and where the text went instead).
    func tell(_ draft: DraftOutcome, prefix: String) -> Bool {
        switch draft {
        case .saved:
            Console.output(prefix + "The draft is saved; run guardmail again to resume it.\n")
        case .empty:
            Console.output(prefix + "Nothing was written, so no draft was saved.\n")
        case .inOutbox:
            break // the outbox line above says it
        case .notSaved(let reason, let fallback, let fallbackProblem):
            report("the draft could NOT be saved: \(reason)")
            if let fallback {
                report("the message (fields and body) was written to \(fallback) instead")
            } else {
                report("nor could it be written to a file instead (\(fallbackProblem ?? "unknown error")): the message is lost")
            }
            return false
        }
        return true
    }
}

/// The config file; every failure is a ConfigError naming the file. A config others can write
/// is refused (its password_command is run by the shell): see `FileTrust`.
func loadConfig(_ path: String) throws(ConfigError) -> GuardmailConfig {
    let text: String?
    do {
        text = try FileSystem.readTrustedUTF8(path)
    } catch {
        if error.kind == .notFound {
            throw ConfigError("no config file at '\(path)': write one with `guardmail init` (or by hand: docs/config.md)")
        }
        if error.kind == .untrusted { throw ConfigError("refusing the config file: \(error)") }
        throw ConfigError("cannot read the config: \(error)")
    }
    guard let text else { throw ConfigError("'\(path)' is not UTF-8 text") }
    return try ConfigLoader.parse(text, file: path)
}

/// The configured theme (built in or from the config folder's themes/), without colour under NO_COLOR.
func loadTheme(_ name: String?, paths: DataPaths) throws(ThemeError) -> Theme {
    try resolveTheme(
        named: name ?? "default", paths: paths,
        noColor: ThemeLoader.noColor(environmentValue: FileSystem.environment("NO_COLOR")))
}
