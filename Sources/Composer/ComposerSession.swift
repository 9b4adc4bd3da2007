#if canImport(Glibc)
    import Glibc
#endif
import Config
import CursesTerminal
import Delivery
import Inspect
import MailCore
import Outbox
import Policy
import Store
import TUI
import Transport
import Workflow

/// How the composer ended.
public enum ComposerOutcome: Sendable, Equatable {
    /// Submitted; the lines to print (per-recipient results).
    case sent(lines: [String], refused: Int)
    /// Left without sending (P, q then s, Ctrl-C); what became of the message.
    case postponed(DraftOutcome)
    case discarded
    /// A signal (SIGHUP, SIGTERM, SIGINT) ended it; what became of the message.
    case interrupted(signal: Int32, draft: DraftOutcome)
}

/// What became of the message being written when the composer ended without sending it: the
/// user is told the truth, never "saved" after a failed save.
public enum DraftOutcome: Sendable, Equatable {
    /// In the drafts folder.
    case saved
    /// Nothing had been written, so there is no draft.
    case empty
    /// The message is in the outbox (held, or waiting for the user), which keeps it.
    case inOutbox
    /// The draft could not be written: why (with the path), and the file the text was written
    /// to instead (nil when that failed too, `fallbackProblem` says why).
    case notSaved(reason: String, fallback: String?, fallbackProblem: String?)
}

/// Runs the composer: keys → model → drafts and delivery → screen. Owns all the I/O the pure
/// `ComposeModel` asks for through its effects.
public final class ComposerSession {
    /// The account the message goes out from: the configured one, or a resumed draft's.
    var account: AccountConfig
    /// Looks an account up by name in the config (for the outbox, and a resumed draft's account).
    let accounts: (String) throws(DeliveryError) -> AccountConfig
    let paths: DataPaths
    let theme: Theme
    let policy: PolicyConfig
    /// The confirmation screen, while it is open, and the message it is about.
    var confirm: ConfirmModel?
    var reviewed: OutgoingMessage?
    var reviewedInspections: [Inspection] = []
    /// The outbox, the journal and the server; nil when the journal cannot be opened (then
    /// nothing can be sent, and `dispatcherProblem` says why). Opened by `run` before the first
    /// key is read: after the first frame when the outbox is empty (see `startDispatcher`).
    var dispatcher: Dispatcher?
    var dispatcherProblem: String?
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
    /// When the first change not yet in the drafts folder was seen (nil: all saved).
    var unsavedSince: Double?
    /// Why the last draft save failed, while it keeps failing.
    var draftProblem: String?
    var lastFailedSave: Double?
    /// The message on screen was frozen into the outbox and not changed since: the outbox
    /// keeps it, so it must not also be saved as a draft (it would be offered again after it
    /// was sent).
    var messageInOutbox = false
    /// Messages that were being sent when the composer ended, and what became of each (see
    /// `Dispatcher.withdrawSubmissions`): for the lines printed after the terminal is restored.
    public private(set) var stoppedSubmissions: [DispatchReport] = []
    /// Seconds of quiet before a change is written to the drafts folder.
    static let draftDelay = 0.5
    /// While changes keep coming (continuous typing), a draft is still written this often.
    static let draftMaximumDelay = 2.0
    /// After a failed save, how long before trying again in the background.
    static let draftRetryDelay = 2.0

    public init(
        account: AccountConfig, paths: DataPaths, theme: Theme, policy: PolicyConfig, initial: DraftInput, offerDrafts: Bool = true,
        accounts: @escaping (String) throws(DeliveryError) -> AccountConfig
    ) {
        self.account = account
        self.accounts = accounts
        self.paths = paths
        self.theme = theme
        self.policy = policy
        drafts = DraftStore(directory: paths.draftsDirectory)
        draftID = Self.newDraftID()
        model = ComposeModel(
            from: account.from.formatted, accountName: account.name, to: initial.to.joined(separator: ", "),
            cc: initial.cc.joined(separator: ", "), bcc: initial.bcc.joined(separator: ", "), subject: initial.subject,
            body: initial.body)
        savedRevision = model.revision
        if offerDrafts, let newest = drafts.list().first {
            model.mode = .resumeOffer(
                DraftSummary(
                    id: newest.id, subject: newest.subject, to: newest.to, cc: newest.cc, bcc: newest.bcc,
                    savedAt: MailDate(secondsSince1970: newest.savedAt, utcOffsetSeconds: Self.localOffset()).rfc5322))
        }
        let missing = attachListed(initial.attachmentPaths)
        if !missing.isEmpty { model.status = StatusMessage(Self.missingSummary(missing), isError: true) }
        // What came from the command line is the starting point, not an edit; it is saved as a
        // draft on leaving (see saveDraft(force:)).
        savedRevision = model.revision
    }

    public func run() throws(TerminalError) -> ComposerOutcome {
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        // Fail closed: messages a previous run left held or half-done wait for the user, on the
        // first frame. An empty outbox costs one readdir here: the journal is then opened (and
        // the outbox checked again) after the first frame, still before the first key is read.
        let checkedFirst = Outbox(directory: paths.outboxDirectory).mayHoldEntries
        if checkedFirst { startDispatcher() }
        render(terminal)
        if !checkedFirst && startDispatcher() { render(terminal) }
        // While the user writes, the address books and the history are read for the first `y`.
        PolicySetup.prefetch(policy, paths: paths)
        let outcome = loop(terminal)
        // Leaving while a message is being sent (Ctrl-C, a signal, `q` then `s`): it is taken
        // back from the submission thread and recorded as what is true now — interrupted when
        // nothing was delivered, unknown when the server may have it. Never sent again on its own.
        stoppedSubmissions = dispatcher?.withdrawSubmissions(now: Dispatcher.wallClock()) ?? []
        return outcome
    }

    /// Opens the outbox and the journal, takes over the messages no live process runs, and opens
    /// the outbox screen when any wait for the user. Returns true when that screen was opened.
    @discardableResult
    func startDispatcher() -> Bool {
        do {
            // Submissions run on a thread of their own: a slow server never stops the keys,
            // the screen or the draft saves (docs/composer.md, "Sending").
            dispatcher = try Dispatcher(paths: paths, submissions: .background, accounts: accounts)
        } catch {
            dispatcherProblem = error.message
            return false
        }
        guard let dispatcher else { return false }
        // Damaged entries too: the user sees them (path and reason) rather than wondering.
        let abandoned = dispatcher.adoptAbandoned(now: Dispatcher.wallClock())
        guard !abandoned.isEmpty || !dispatcher.outbox.list().problems.isEmpty else { return false }
        openOutbox(.restart)
        return true
    }

    /// Keys → model → drafts and delivery → screen, until the composer ends.
    func loop(_ terminal: CursesTerminal) -> ComposerOutcome {
        while true {
            if let signal = terminal.takeSignal() {
                return .interrupted(signal: signal, draft: leaveKeepingDraft())
            }
            let statusBefore = model.status
            if let outcome = tickHolds(terminal) { return outcome }
            // Keys already waiting were typed while the last key was handled; a key that had to
            // be waited for starts a fresh burst (see KeyBurst).
            var waited = false
            var first = terminal.readKey(timeoutMilliseconds: 0)
            if first == nil {
                waited = true
                first = terminal.readKey(timeoutMilliseconds: 200)
            }
            guard let first else {
                saveDraftIfQuiet()
                // What happened meanwhile (a failed background save, a held message sent) is
                // shown at once, not at the next key.
                if model.status != statusBefore { render(terminal) } else { redrawIfSecondChanged(terminal) }
                continue
            }
            // Handle everything already typed or pasted before drawing again.
            var keys = [first]
            while keys.count < 4096, let next = terminal.readKey(timeoutMilliseconds: 0) { keys.append(next) }
            if waited && !terminal.sawBracketedPaste && acceptsText { keys = KeyBurst.coalesce(keys) }
            for key in keys {
                if let outcome = handle(key, terminal) { return outcome }
            }
            render(terminal)
            saveDraftIfQuiet()
        }
    }

    /// The composer itself is taking text (a field or the attachment prompt), with no other
    /// screen over it: where a burst of input may be taken for a paste.
    var acceptsText: Bool {
        guard outboxScreen == nil, holding.isEmpty, confirm == nil else { return false }
        switch model.mode {
        case .editing, .attachPrompt: return true
        default: return false
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
            // Leave at once, whatever is on screen; a failed save is reported on the way out.
            return .postponed(leaveKeepingDraft())
        }
        if case .paste = key, outboxScreen != nil || !holding.isEmpty || confirm != nil {
            // Pasted text never runs keys: not on these screens either (a `y`, an `S`).
            if confirm != nil { confirm?.status = StatusMessage("Pasted text is ignored on this screen.", isError: true) }
            return nil
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
        let effects = model.handle(key, width: size.width, bodyHeight: layout.bodyHeight, height: size.height)
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
                    // P, or q then s: leave only once the draft is safely written. A failed save
                    // keeps the composer open with the message, and says why.
                    guard saveDraft(force: true) else {
                        model.mode = .command
                        model.status = StatusMessage(
                            "Not left: the draft could NOT be saved (\(draftProblem ?? "unknown error")). The message is still here; "
                                + "fix that and press P again, or q then d to discard it.", isError: true)
                        return nil
                    }
                    return .postponed(draftOutcome())
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

    /// `a`: the typed path (`~` expanded) is checked as `send` checks it
    /// (`Delivery.checkAttachment`: a readable regular file within the account's limit) and
    /// attached, or refused with the reason.
    func attach(_ typed: String) {
        switch check(FileSystem.expandTilde(typed)) {
        case .success(let item):
            model.attachmentAdded(item)
            lastChange = MonotonicClock.now()
        case .failure(let problem):
            model.attachmentRefused("\(problem.reason); not attached")
        }
    }

    /// Attachments the message already had (a resumed draft, the command line): each one that
    /// can no longer be attached stays listed with its problem, and in the draft, until the
    /// user removes it. Returns the problems.
    func attachListed(_ paths: [String]) -> [String] {
        var problems: [String] = []
        for typed in paths {
            let path = FileSystem.expandTilde(typed)
            switch check(path) {
            case .success(let item):
                model.attachmentAdded(item)
            case .failure(let problem):
                model.attachmentMissing(path: path, problem: problem.short)
                problems.append(problem.reason)
            }
        }
        return problems
    }

    struct AttachProblem: Error {
        /// The whole sentence, naming the file.
        var reason: String
        /// For the attachment's row, which already shows the name.
        var short: String
    }

    /// The checks `send` makes (`Delivery.checkAttachment`), then the real type.
    func check(_ path: String) -> Result<AttachmentItem, AttachProblem> {
        switch Delivery.checkAttachment(path, account: account) {
        case .failure(let problem):
            return .failure(AttachProblem(reason: problem.sentence, short: problem.reason))
        case .success(let size):
            do {
                let type = try detector.contentTypes(ofFiles: [path])[0]
                let name = path.split(separator: "/").last.map(String.init) ?? path
                return .success(AttachmentItem(path: path, name: name, size: size, contentType: type))
            } catch {
                return .failure(AttachProblem(reason: error.message, short: error.message))
            }
        }
    }

    /// One status line naming every file that could not be attached.
    static func missingSummary(_ problems: [String]) -> String {
        let count = problems.count
        return "\(count) attachment\(count == 1 ? "" : "s") cannot be attached (kept in the list; D removes): "
            + problems.joined(separator: "; ")
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
    /// confirmation screen. With `.oneEach` (after `I`) the screen is about one message to each
    /// recipient: the policy runs as for those messages (`OneMessageEach.policyInput`), and the
    /// screen starts with nothing ticked, like any rebuilt screen.
    func review(_ terminal: CursesTerminal, mode: SendMode = .asWritten) {
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
            let classifier = policy.classifier(sender: message.from)
            var input = PolicySetup.input(message, inspections: inspections, history: history, addressBook: book)
            if mode == .oneEach { input = OneMessageEach.policyInput(input, isInternal: { classifier.isInternal($0) }) }
            let decision = PolicyEngine.evaluate(input, config: policy)
            var companies: [String: String] = [:]
            for entry in book.entries {
                if let company = entry.company, let domain = entry.address.split(separator: "@").last { companies[String(domain).lowercased()] = company }
            }
            // One message each: every recipient is the To of its own message.
            let recipients = message.envelope.recipients.map { ($0.mailbox, mode == .oneEach ? RecipientField.to : $0.field) }
            var screen = ConfirmModel(
                from: message.from.formatted, recipients: recipients, isInternal: { classifier.isInternal(domain: $0) },
                companies: companies,
                attachments: inspections.map {
                    ConfirmAttachment(
                        name: $0.name, size: $0.size, summary: $0.kindDescription, sha256: $0.sha256, warning: $0.extensionWarning,
                        preview: $0.previewLines(limit: 4))
                },
                findings: decision.findings, holdSeconds: decision.holdSeconds, mode: mode)
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
            case .moveToBcc:
                let classifier = policy.classifier(sender: message.from)
                model.moveToBcc(isInternal: { classifier.isInternal($0) })
                lastChange = MonotonicClock.now()
                confirm = nil
                review(terminal)
            case .reviewOneEach:
                // Only the mode changes: the one-each messages are checked and ticked on their
                // own screen before `y` may send them (`q` there drops the mode).
                confirm = nil
                review(terminal, mode: .oneEach)
            case .send:
                let messages = screen.mode == .oneEach ? OneMessageEach.messages(message) : [message]
                freeze(messages, screen: screen, inspections: reviewedInspections, terminal)
            }
        }
        return nil
    }

    // MARK: Drafts

    /// Saves the draft after half a second without changes, and at least every two seconds
    /// while changes keep coming (continuous typing is never without a recent draft). After a
    /// failure it tries again every two seconds, and the status says why it fails.
    func saveDraftIfQuiet() {
        guard model.revision != savedRevision else {
            unsavedSince = nil
            return
        }
        let now = MonotonicClock.now()
        let since = unsavedSince ?? lastChange
        unsavedSince = since
        if let failed = lastFailedSave, now - failed < Self.draftRetryDelay { return }
        if now - lastChange >= Self.draftDelay || now - since >= Self.draftMaximumDelay { saveDraft(force: false) }
    }

    /// Writes the draft when anything changed since the last save; `force` (leaving, sending)
    /// also writes a message that has content but no draft file yet (e.g. filled from options).
    /// Returns false when the draft could not be written (`draftProblem` says why, and so does
    /// the status line); true when it was written or nothing needed writing.
    @discardableResult
    func saveDraft(force: Bool) -> Bool {
        // On the hold screen the composer still has the frozen message, whose copy (and snapshot)
        // is in the outbox: a second copy as a draft would offer it twice after a restart.
        guard holding.isEmpty else { return true }
        let changed = model.revision != savedRevision
        guard changed || (force && !messageInOutbox && model.hasContent && drafts.load(id: draftID) == nil) else { return true }
        let record = currentDraftRecord()
        do {
            try drafts.save(record)
            savedRevision = model.revision
            unsavedSince = nil
            draftProblem = nil
            lastFailedSave = nil
            messageInOutbox = false
            return true
        } catch {
            draftProblem = "\(error)"
            lastFailedSave = MonotonicClock.now()
            model.status = StatusMessage(
                "The draft could NOT be saved: \(error). The message is only on this screen until that is fixed.", isError: true)
            return false
        }
    }

    /// Ctrl-C or a signal: the composer ends now. The draft is saved if it can be; if not, the
    /// text goes to a file in $TMPDIR so that it is not lost, and the outcome says so.
    func leaveKeepingDraft() -> DraftOutcome {
        if saveDraft(force: true) { return draftOutcome() }
        let reason = draftProblem ?? "unknown error"
        do {
            return .notSaved(reason: reason, fallback: try writeFallback(), fallbackProblem: nil)
        } catch {
            return .notSaved(reason: reason, fallback: nil, fallbackProblem: "\(error)")
        }
    }

    /// After a successful save (or none needed): what became of the message.
    func draftOutcome() -> DraftOutcome {
        if !holding.isEmpty || messageInOutbox { return .inOutbox }
        return model.hasContent ? .saved : .empty
    }

    /// The message as plain text (headers as typed, then the body) in a new file in $TMPDIR
    /// (else /tmp), readable only by the user. Returns its path.
    func writeFallback() throws(FileError) -> String {
        let directory = FileSystem.environment("TMPDIR") ?? "/tmp"
        let path = "\(directory)/guardmail-unsaved-\(draftID).txt"
        FileSystem.remove(path)
        let sink = try FileSink(creating: path)
        var text = "From: \(model.from)\nTo: \(model.to.text)\nCc: \(model.cc.text)\nBcc: \(model.bcc.text)\n"
        text += "Subject: \(model.subject.text)\n"
        for item in model.attachments { text += "Attach: \(item.path)\n" }
        text += "\n" + model.body.text
        do {
            try sink.write(text)
            try sink.finish(sync: true)
        } catch let error as FileError {
            try? sink.finish(sync: false)
            throw error
        } catch {
            try? sink.finish(sync: false)
            throw FileError(action: "write", path: path, errno: EIO)
        }
        return path
    }

    /// Makes the draft `id` the composer's message: fields, body, cursor, the attachments (those
    /// that cannot be attached now stay listed with their problem) and its account when that is
    /// still configured.
    func resume(_ id: String) {
        guard let record = drafts.load(id: id) else {
            model.status = StatusMessage("The draft could not be read; starting a new message.", isError: true)
            return
        }
        draftID = id
        messageInOutbox = false
        let accountNote = restoreAccount(record.account)
        var resumed = ComposeModel(
            from: account.from.formatted, accountName: account.name, to: record.to, cc: record.cc, bcc: record.bcc,
            subject: record.subject, body: record.body)
        resumed.body = TextEditor(record.body, cursor: TextPosition(line: record.bodyLine, column: record.bodyColumn))
        resumed.mode = record.field.flatMap(ComposeField.init(rawValue:)).map { .editing($0) } ?? .command
        model = resumed
        let missing = attachListed(record.attachmentPaths)
        let notes = [accountNote, missing.isEmpty ? nil : Self.missingSummary(missing)].compactMap { $0 }
        model.status = notes.isEmpty ? StatusMessage("Draft resumed.") : StatusMessage("Draft resumed. " + notes.joined(separator: " "), isError: true)
        savedRevision = model.revision
    }

    /// Switches to the draft's account when it differs and is still in the config. Returns what
    /// to tell the user when it is not (nil when nothing needs saying).
    func restoreAccount(_ name: String?) -> String? {
        guard let name, name != account.name else { return nil }
        do throws(DeliveryError) {
            account = try accounts(name)
            return nil
        } catch {
            return "It was written with the account '\(name)', which is no longer configured; it now goes from '\(account.name)'."
        }
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

extension String.UTF8View {
    /// The positions just after each occurrence of `marker` (no Foundation here).
    func indices(of marker: String) -> [String.Index] {
        let needle = Array(marker.utf8)
        guard !needle.isEmpty else { return [] }
        var found: [String.Index] = []
        var index = startIndex
        while index < endIndex {
            if self[index...].starts(with: needle) { found.append(self.index(index, offsetBy: needle.count)) }
            index = self.index(after: index)
        }
        return found
    }
}
