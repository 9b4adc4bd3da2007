import ArgumentParser
import Composer
import Config
import Delivery
import MailCore
import Outbox
import Policy
import Store
import TUI
import Workflow

extension OutboxCommand {
    /// `guardmail outbox confirm ID`: the confirmation screen for a message `guardmail sendmail`
    /// froze without one (no terminal, findings that need a confirmation); `y` starts its hold
    /// and sends it once, as `guardmail send` does.
    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Show the confirmation screen for a message that needs confirmation, then hold and send it.",
            discussion: """
                For messages `guardmail sendmail` froze without a terminal ("needs confirmation" in \
                `guardmail outbox list`). The policy runs again on the frozen message; the screen \
                asks for every tick as the composer does. Needs a terminal.
                Exit codes: 0 sent, 1 blocked, not confirmed (it stays in the outbox) or not waiting \
                for a confirmation, 64 no terminal, 65 damaged, 66 no such message, 69/74/75/77/78 as for send.
                """)
        @OptionGroup var common: Common
        @Argument(help: "The outbox id.")
        var id: String

        func run() throws {
            let paths = DataPaths.fromEnvironment()
            let configPath = common.config ?? paths.configFile
            let config: GuardmailConfig
            let policy: PolicyConfig
            do {
                config = try loadConfig(configPath)
                policy = try PolicySetup.load(user: config.policy)
            } catch {
                report(error.message)
                throw ExitCode(Exit.config)
            }
            let dispatcher = try openDispatcher(common)
            let adopted: Bool
            do {
                adopted = try dispatcher.adopt(id, now: Dispatcher.wallClock())
            } catch {
                switch error.kind {
                case .notFound: try refuse("confirm", id, .notFound, outbox: dispatcher.outbox)
                case .corrupt:
                    let entry = DamagedEntry(id: id, path: dispatcher.outbox.entryDirectory(id: id), kind: .corrupt, reason: error.message)
                    try refuse("confirm", id, .damaged(entry), outbox: dispatcher.outbox)
                case .io, .diskFull: try refuse("confirm", id, .failed(error.message), outbox: dispatcher.outbox)
                }
            }
            guard adopted, let item = dispatcher.ownedItems.first(where: { $0.id == id }) else {
                report("cannot confirm \(id): another guardmail has it open")
                throw ExitCode(Exit.policy)
            }
            guard item.state.kind == .awaitingConfirmation else {
                report("cannot confirm \(id): it is not waiting for a confirmation (\(item.describe(now: Dispatcher.wallClock())))")
                throw ExitCode(Exit.policy)
            }
            let record = item.record
            let account: AccountConfig
            do {
                account = try config.account(named: record.account)
                try dispatcher.prepare(account: account)
            } catch let error as ConfigError {
                report(error.message)
                throw ExitCode(Exit.config)
            } catch let error as DeliveryError {
                throw fail(error)
            }
            // The frozen bytes (what will be transmitted), and the recipients as recorded: the
            // Bcc recipients are in the record, not in those bytes.
            let parsed: ParsedMessage
            var recipients: [Recipient] = []
            do {
                let bytes = try FileSystem.readBytes(dispatcher.outbox.messagePath(id: id), limit: 1 << 30)
                let start = Int(record.messageOffset)
                parsed = try MessageParser.parse(Array(bytes[start..<min(bytes.count, start + Int(record.messageSize))]))
                for recipient in record.recipients {
                    guard let field = recipient.recipientField, var mailbox = try AddressParser.parseList(recipient.address).mailboxes.first else {
                        continue
                    }
                    mailbox.displayName = recipient.displayName
                    recipients.append(Recipient(mailbox, field: field))
                }
            } catch {
                report("cannot read \(id) from the outbox: \(error); nothing was sent")
                throw ExitCode(Exit.data)
            }
            let review: SendmailReview
            do {
                review = try SendmailReview.make(
                    parsed: parsed, recipients: recipients, from: parsed.from.first ?? account.from, policy: policy, paths: paths)
            } catch {
                throw fail(error)
            }
            if let block = review.decision.findings.first(where: { $0.severity == .block }) {
                report(PolicyReport.line(block))
                report("blocked by \(block.ruleID); nothing was sent (it stays in the outbox: `guardmail outbox cancel \(id)` drops it)")
                throw ExitCode(Exit.policy)
            }
            guard let terminal = SenderTerminal.open() else {
                report("`guardmail outbox confirm` shows the confirmation screen: run it in a terminal; nothing was sent")
                throw ExitCode(Exit.usage)
            }
            let session = TerminalSession(fd: terminal.fd)
            defer { session.end() }
            let confirmed: ConfirmModel?
            do {
                confirmed = try SendmailConfirmSession.run(
                    review.screen(variant: dispatcher.journalMessageCount()), theme: loadTheme(config.theme, paths: paths))
            } catch {
                session.end()
                report("\(error)")
                throw ExitCode(Exit.usage)
            }
            guard let confirmed else {
                session.end()
                report("not confirmed; \(id) stays in the outbox and nothing was sent")
                throw ExitCode(Exit.policy)
            }
            let accepted = confirmed.findings.indices.filter { confirmed.isAccepted($0) }.map { confirmed.findings[$0].ruleID }
            let hold = review.decision.holdSeconds
            if let refusal = dispatcher.confirmParked(
                id, holdSeconds: hold, confirmedBy: Delivery.confirmer(), accepted: accepted, now: Dispatcher.wallClock())
            {
                session.end()
                report("cannot confirm \(id): \(refusal.description); nothing was sent")
                throw ExitCode(Exit.policy)
            }
            let outcome = HoldCountdown(dispatcher: dispatcher, id: id, holdSeconds: hold).run()
            dispatcher.relinquish(now: Dispatcher.wallClock())
            session.end()
            try Sendmail.finish(outcome)
        }
    }
}
