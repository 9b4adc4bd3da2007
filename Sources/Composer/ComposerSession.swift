#if canImport(Glibc)
import Glibc
#endif
import Config
import CursesTerminal
import Delivery
import Inspect
import MailCore
import Policy
import Store
import TUI
import Transport
import Workflow

/// How the composer ended.
public enum ComposerOutcome: Sendable, Equatable {
    /// Submitted; the lines to print (per-recipient results).
    case sent(lines: [String], refused: Int)
    case postponed
    case discarded
    /// A signal (SIGHUP, SIGTERM, SIGINT) ended it; the draft was saved.
    case interrupted(signal: Int32)
}

/// Runs the composer: keys → model → drafts and delivery → screen. Owns all the I/O the pure
/// `ComposeModel` asks for through its effects.
public final class ComposerSession {
    let account: AccountConfig
    let paths: DataPaths
    let theme: Theme
    let policy: PolicyConfig
    /// The confirmation screen, while it is open, and the message it is about.
    var confirm: ConfirmModel?
    var reviewed: OutgoingMessage?
    var reviewedInspections: [Inspection] = []
    /// The outbox, the journal and the server; nil when the journal cannot be opened (then
    /// nothing can be sent, and `dispatcherProblem` says why).
    let dispatcher: Dispatcher?
    let dispatcherProblem: String?
    /// The messages the hold screen shows (more than one after "send individually").
    var holding: [String] = []
    var holdStatus: StatusMessage?
    var outboxScreen: OutboxScreen?
    /// The second shown on the last frame, so the countdowns redraw once a second.
    var lastDrawnSecond = -1
    let drafts: DraftStore
    let detector = ContentTypeDetector()
    var model: ComposeModel
    var draftID: String
    var savedRevision: Int
    var lastChange = MonotonicClock.now()
    /// Seconds of quiet before a change is written to the drafts folder.
    static let draftDelay = 0.5

    public init(
        account: AccountConfig, paths: DataPaths, theme: Theme, policy: PolicyConfig, initial: DraftInput, offerDrafts: Bool = true,
        accounts: @escaping (String) throws(DeliveryError) -> AccountConfig
    ) {
        self.account = account
        self.paths = paths
        self.theme = theme
        self.policy = policy
        do {
            dispatcher = try Dispatcher(paths: paths, accounts: accounts)
            dispatcherProblem = nil
        } catch {
            dispatcher = nil
            dispatcherProblem = error.message
        }
        drafts = DraftStore(directory: paths.draftsDirectory)
        draftID = Self.newDraftID()
        model = ComposeModel(
            from: account.from.formatted, accountName: account.name, to: initial.to.joined(separator: ", "),
            cc: initial.cc.joined(separator: ", "), bcc: initial.bcc.joined(separator: ", "), subject: initial.subject,
            body: initial.body)
        savedRevision = model.revision
        if offerDrafts, let newest = drafts.list().first {
            model.mode = .resumeOffer(DraftSummary(
                id: newest.id, subject: newest.subject, recipients: [newest.to, newest.cc, newest.bcc].filter { !$0.isEmpty }.joined(separator: ", "),
                savedAt: MailDate(secondsSince1970: newest.savedAt, utcOffsetSeconds: Self.localOffset()).rfc5322))
        }
        for path in initial.attachmentPaths { attach(path) }
        // What came from the command line is the starting point, not an edit; it is saved as a
        // draft on leaving (see saveDraft(force:)).
        savedRevision = model.revision
    }

    public func run() throws(TerminalError) -> ComposerOutcome {
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        // Fail closed: messages a previous run left held or half-done wait for the user.
        if let dispatcher, !dispatcher.adoptAbandoned(now: Dispatcher.wallClock()).isEmpty {
            openOutbox(.restart)
        }
        render(terminal)
        while true {
            if let signal = terminal.takeSignal() {
                saveDraft(force: true)
                return .interrupted(signal: signal)
            }
            if let outcome = tickHolds(terminal) { return outcome }
            guard let first = terminal.readKey(timeoutMilliseconds: 200) else {
                saveDraftIfQuiet()
                redrawIfSecondChanged(terminal)
                continue
            }
            // Handle everything already typed or pasted before drawing again.
            var key: Key? = first
            var handled = 0
            while let current = key {
                if let outcome = handle(current, terminal) { return outcome }
                handled += 1
                key = handled < 4096 ? terminal.readKey(timeoutMilliseconds: 0) : nil
            }
            render(terminal)
            saveDraftIfQuiet()
        }
    }

    /// Countdowns on screen (the hold screen, the status line, the outbox view) move once a second.
    func redrawIfSecondChanged(_ terminal: CursesTerminal) {
        guard let dispatcher, !dispatcher.ownedItems.isEmpty || outboxScreen != nil else { return }
        let second = Int(Dispatcher.wallClock().seconds)
        if second != lastDrawnSecond {
            if outboxScreen != nil { refreshOutbox() }
            render(terminal)
        }
    }

    /// Applies one key; returns an outcome when the composer should end.
    func handle(_ key: Key, _ terminal: CursesTerminal) -> ComposerOutcome? {
        let size = terminal.size
        if key == .control("c") {
            saveDraft(force: true)
            return .postponed
        }
        if outboxScreen != nil { return handleOutbox(key, terminal) }
        if !holding.isEmpty { return handleHold(key, terminal) }
        if confirm != nil { return handleConfirm(key, terminal) }
        if key == .char("q"), model.mode == .command, hasPendingHolds {
            // Leaving with held messages: decide for each first (send now, edit, discard, undo).
            openOutbox(.leaving)
            return nil
        }
        let layout = ComposeView.layout(model, width: size.width, height: size.height)
        if key == .resize { return nil }
        let before = model.revision
        let effects = model.handle(key, width: size.width, bodyHeight: layout.bodyHeight)
        if model.revision != before { lastChange = MonotonicClock.now() }
        for effect in effects {
            switch effect {
            case .attach(let path):
                attach(path)
            case .openExternalEditor:
                editExternally(terminal)
            case .review:
                review(terminal)
            case .leave(let keepDraft):
                if keepDraft {
                    saveDraft(force: true)
                    return .postponed
                }
                drafts.delete(id: draftID)
                return .discarded
            case .resumeDraft(let id):
                resume(id)
            case .discardDraft(let id):
                drafts.delete(id: id)
            case .undoHeld:
                let newest = dispatcher?.ownedItems.filter { $0.state.kind == .holding }.last
                if let newest {
                    undo([newest.id], terminal)
                } else {
                    model.status = StatusMessage("No message is held; nothing to undo.", isError: true)
                }
            case .openOutbox:
                openOutbox(.browse)
            }
        }
        return nil
    }

    func render(_ terminal: CursesTerminal) {
        let size = terminal.size
        let now = Dispatcher.wallClock()
        lastDrawnSecond = Int(now.seconds)
        if let outboxScreen {
            terminal.draw(OutboxView.render(outboxScreen, width: size.width, height: size.height))
            return
        }
        if let hold = holdScreen(now: now) {
            terminal.draw(HoldView.render(hold, width: size.width, height: size.height))
            return
        }
        if let confirm {
            terminal.draw(ConfirmView.render(confirm, width: size.width, height: size.height))
            return
        }
        model.heldLine = heldSummary(now: now)
        let layout = ComposeView.layout(model, width: size.width, height: size.height)
        model.body.scrollToCursor(width: size.width, height: layout.bodyHeight)
        terminal.draw(ComposeView.render(model, width: size.width, height: size.height))
    }

    // MARK: Attachments

    func attach(_ typed: String) {
        let path = FileSystem.expandTilde(typed)
        do {
            let size = try FileSystem.regularFileSize(path)
            if size > account.maxAttachmentBytes {
                model.attachmentRefused(
                    "'\(typed)' is \(formatBytes(size)), over the limit of \(formatBytes(account.maxAttachmentBytes)) for account '\(account.name)'; not attached")
                return
            }
            let type = try detector.contentTypes(ofFiles: [path])[0]
            let name = path.split(separator: "/").last.map(String.init) ?? path
            model.attachmentAdded(AttachmentItem(path: path, name: name, size: size, contentType: type))
            lastChange = MonotonicClock.now()
        } catch let error as FileError {
            model.attachmentRefused("\(error); not attached")
        } catch {
            model.attachmentRefused("\(error); not attached")
        }
    }

    // MARK: External editor

    func editExternally(_ terminal: CursesTerminal) {
        let editor = FileSystem.environment("VISUAL") ?? FileSystem.environment("EDITOR") ?? "vi"
        let path = "\(paths.dataDirectory)/edit-\(draftID).txt"
        do {
            try FileSystem.makeDirectories(paths.dataDirectory)
            FileSystem.remove(path)
            let sink = try FileSink(creating: path)
            try sink.write(model.body.text)
            try sink.finish(sync: false)
        } catch {
            model.status = StatusMessage("Cannot prepare the body for the editor: \(error)", isError: true)
            return
        }
        defer { FileSystem.remove(path) }
        terminal.suspend()
        let status: Int32?
        do {
            // Through the shell, so that EDITOR="vim -u NONE" works; the path is an argument.
            status = try Subprocess.runInteractive(["/bin/sh", "-c", editor + " \"$1\"", "guardmail-editor", path])
        } catch {
            terminal.resume()
            model.status = StatusMessage("Cannot run the editor '\(editor)': \(error); the body is unchanged", isError: true)
            return
        }
        terminal.resume()
        guard status == 0 else {
            let how = status.map { "status \($0)" } ?? "a signal"
            model.status = StatusMessage("The editor exited with \(how); the body is unchanged ('\(editor)').", isError: true)
            return
        }
        do {
            guard let text = try FileSystem.readUTF8(path) else {
                model.status = StatusMessage("The edited body is not UTF-8 text; the body is unchanged.", isError: true)
                return
            }
            let before = model.revision
            model.bodyEdited(text)
            if model.revision != before { lastChange = MonotonicClock.now() }
        } catch {
            model.status = StatusMessage("Cannot read the edited body: \(error); the body is unchanged", isError: true)
        }
    }

    // MARK: Confirmation and sending

    /// Builds the message, inspects the attachments, runs the policy and opens the
    /// confirmation screen.
    func review(_ terminal: CursesTerminal) {
        // The draft is saved after the screen is drawn (below): it must not delay the screen.
        defer {
            if confirm != nil { render(terminal) }
            saveDraft(force: true)
        }
        let input = DraftInput(
            to: [model.to.text], cc: [model.cc.text], bcc: [model.bcc.text], subject: model.subject.text, body: model.body.text,
            attachmentPaths: model.attachments.map(\.path))
        if model.attachments.reduce(0, { $0 + $1.size }) > 8 << 20 {
            // Hashing and previewing big files takes a moment: say so.
            model.status = StatusMessage("Checking recipients and attachments…")
            render(terminal)
        }
        do {
            let message = try Delivery.buildMessage(input, account: account, detector: detector, parsed: model.parsedRecipients())
            let inspections = try AttachmentInspector(detector: detector).inspect(
                message.attachments.map(\.source), contentTypes: message.attachments.map(\.contentType))
            let (book, warnings) = PolicySetup.addressBook(policy, paths: paths)
            let (history, historyWarning) = PolicySetup.history(paths: paths)
            let decision = PolicyEngine.evaluate(
                PolicySetup.input(message, inspections: inspections, history: history, addressBook: book),
                config: policy)
            let classifier = policy.classifier(sender: message.from)
            var companies: [String: String] = [:]
            for entry in book.entries {
                if let company = entry.company, let domain = entry.address.split(separator: "@").last { companies[String(domain).lowercased()] = company }
            }
            let recipients = message.envelope.recipients.map { ($0.mailbox, $0.field) }
            let external = recipients.contains { !classifier.isInternal($0.0) }
            var screen = ConfirmModel(
                from: message.from.formatted, recipients: recipients, isInternal: { classifier.isInternal(domain: $0) },
                companies: companies,
                attachments: inspections.map {
                    ConfirmAttachment(
                        name: $0.name, size: $0.size, summary: $0.kindDescription, sha256: $0.sha256, warning: $0.extensionWarning,
                        preview: $0.previewLines(limit: 4))
                },
                findings: decision.findings, holdSeconds: policy.holdSeconds(hasExternalRecipients: external))
            if let warning = historyWarning ?? warnings.first { screen.status = StatusMessage(warning, isError: true) }
            confirm = screen
            reviewed = message
            reviewedInspections = inspections
        } catch let error as DeliveryError {
            model.status = StatusMessage("Cannot send: \(error.message.replacingNewlines)", isError: true)
        } catch {
            model.status = StatusMessage("Cannot send: \(error)", isError: true)
        }
    }

    func handleConfirm(_ key: Key, _ terminal: CursesTerminal) -> ComposerOutcome? {
        guard var screen = confirm, let message = reviewed else { return nil }
        if key == .resize { return nil }
        let effects = screen.handle(key, height: ConfirmView.listHeight(terminal.size.height))
        confirm = screen
        for effect in effects {
            switch effect {
            case .back:
                confirm = nil
                model.mode = .command
                model.status = StatusMessage("Not sent; back to the message.")
            case .fix(.moveExternalToBcc):
                let classifier = policy.classifier(sender: message.from)
                model.moveToBcc(isInternal: { classifier.isInternal($0) })
                lastChange = MonotonicClock.now()
                confirm = nil
                review(terminal)
            case .fix(.sendIndividually):
                let individual = message.envelope.recipients.map { recipient in
                    var single = message
                    single.to = [.mailbox(recipient.mailbox)]
                    single.cc = []
                    single.bcc = []
                    return single
                }
                freeze(individual, screen: screen, inspections: reviewedInspections, terminal)
            case .send:
                freeze([message], screen: screen, inspections: reviewedInspections, terminal)
            }
        }
        return nil
    }

    // MARK: Drafts

    func saveDraftIfQuiet() {
        if model.revision != savedRevision && MonotonicClock.now() - lastChange >= Self.draftDelay { saveDraft(force: false) }
    }

    /// Writes the draft when anything changed since the last save; `force` (leaving, sending)
    /// also writes a message that has content but no draft file yet (e.g. filled from options).
    func saveDraft(force: Bool) {
        // On the hold screen the composer still has the frozen message, whose copy (and snapshot)
        // is in the outbox: a second copy as a draft would offer it twice after a restart.
        guard holding.isEmpty else { return }
        let changed = model.revision != savedRevision
        guard changed || (force && model.hasContent && drafts.load(id: draftID) == nil) else { return }
        let record = currentDraftRecord()
        do {
            try drafts.save(record)
            savedRevision = model.revision
        } catch {
            model.status = StatusMessage("The draft could not be saved: \(error)", isError: true)
        }
    }

    func resume(_ id: String) {
        guard let record = drafts.load(id: id) else {
            model.status = StatusMessage("The draft could not be read; starting a new message.", isError: true)
            return
        }
        draftID = id
        var resumed = ComposeModel(
            from: account.from.formatted, accountName: account.name, to: record.to, cc: record.cc, bcc: record.bcc,
            subject: record.subject, body: record.body)
        resumed.body = TextEditor(record.body, cursor: TextPosition(line: record.bodyLine, column: record.bodyColumn))
        resumed.mode = record.field.flatMap(ComposeField.init(rawValue:)).map { .editing($0) } ?? .command
        model = resumed
        for path in record.attachmentPaths { attach(path) }
        model.status = StatusMessage("Draft resumed.")
        savedRevision = model.revision
    }

    static func newDraftID() -> String {
        var random = SystemRandomNumberGenerator()
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "\(time(nil))." + String((0..<12).map { _ in chars[Int(random.next() % UInt64(chars.count))] })
    }

    static func localOffset() -> Int {
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        return local.tm_gmtoff
    }
}

extension String {
    var replacingNewlines: String { split(separator: "\n").joined(separator: "; ") }
}
