#if canImport(Glibc)
    import Glibc
#endif
import Config
import CursesTerminal
import Delivery
import Dispatch
import Inspect
import MailCore
import Outbox
import Policy
import Store
import Synchronization
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

/// Runs the composer over a terminal: keys and the clock become events for the pure
/// `ComposerReducer`, whose effects it carries out (drafts, the dispatcher, the screen) and
/// answers with events. Every clock and ID comes from its `Environment`.
public final class ComposerSession {
    /// The account the message goes out from: the configured one, or a resumed draft's.
    var account: AccountConfig
    /// Looks an account up by name in the config (for the outbox, and a resumed draft's account).
    let accounts: (String) throws(DeliveryError) -> AccountConfig
    let environment: Environment
    var paths: DataPaths { environment.paths }
    let theme: Theme
    let policy: PolicyConfig
    /// The screens: which one shows, the message, the held messages (see `ComposerReducer`).
    /// Changed only through `send`.
    public private(set) var state: ComposerState
    /// The message being written.
    var model: ComposeModel { state.model }
    /// The message the confirmation screen is about, and its inspected attachments.
    var reviewed: OutgoingMessage?
    var reviewedInspections: [Inspection] = []
    /// The outbox, the journal and the server; nil when the journal cannot be opened (then
    /// nothing can be sent, and `dispatcherProblem` says why). Opened by `run` before the first
    /// key is read: after the first frame when the outbox is empty (see `startDispatcher`).
    var dispatcher: Dispatcher?
    var dispatcherProblem: String?
    /// The terminal of the running loop.
    var terminal: (any Terminal)?
    let drafts: DraftStore
    let detector = ContentTypeDetector()
    /// A new draft id for a message started at the given instant.
    let newDraftID: (Instant) -> String
    var draftID: String
    var savedRevision: Int
    var lastChange: Double
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
    /// The Message-ID this message answers and the thread's identifiers (a reply), carried into
    /// the message built from the screen.
    /// A resumed draft brings its own In-Reply-To and References (its thread facts are not
    /// kept: the thread rules check a reply in the session that started it).
    var threading: (inReplyTo: String?, references: [String], thread: ThreadFacts?)
    /// When the confirmation screen now shown appeared (`environment.monotonic`), for the time
    /// to confirm the journal records.
    var confirmShownAt: Double?
    /// The findings of the confirmation screen the sender last went back from (`q`), until the
    /// next screen for the message: what the next check no longer has "led to a change".
    var leftFindings: [Finding]?
    /// The findings of this message's earlier checks that led to a change (see `leftFindings`).
    var changedFindings: [Finding] = []
    /// The check of the message running on another thread (`review`), if any.
    var pendingCheck: PendingCheck?
    /// Runs a check of the message: on another thread, so that the screen stays responsive
    /// while attachments are read (up to 2 s each for documents). Tests pass one that runs it at
    /// once, or when they choose.
    var runCheck: @Sendable (@escaping @Sendable () -> Void) -> Void = { work in
        DispatchQueue.global(qos: .userInitiated).async(execute: work)
    }
    /// The draft save `y` owes (`review`): by this instant (`environment.monotonic`) at the
    /// latest, and earlier when the check's answer is drawn (`deliverCheck`).
    var draftSaveOwedBy: Double?
    /// The address picker's candidates, made in the background after the first frame.
    var pickerCandidates = PickerCandidates()
    /// The open picker waits for candidates made for this (see `deliverPicker`).
    var pickerWaitingFor: PickerCandidates.Key?
    /// Seconds of quiet before a change is written to the drafts folder.
    static let draftDelay = 0.5
    /// While changes keep coming (continuous typing), a draft is still written this often.
    static let draftMaximumDelay = 2.0
    /// After a failed save, how long before trying again in the background.
    static let draftRetryDelay = 2.0

    public init(
        account: AccountConfig, environment: Environment, theme: Theme, policy: PolicyConfig, initial: DraftInput, offerDrafts: Bool = true,
        newDraftID: @escaping (Instant) -> String = ComposerSession.systemDraftID,
        accounts: @escaping (String) throws(DeliveryError) -> AccountConfig
    ) {
        self.account = account
        self.accounts = accounts
        self.environment = environment
        self.theme = theme
        self.policy = policy
        self.newDraftID = newDraftID
        threading = (initial.inReplyTo, initial.references, initial.thread)
        drafts = DraftStore(directory: environment.paths.draftsDirectory)
        draftID = newDraftID(environment.now())
        lastChange = environment.monotonic()
        var model = ComposeModel(
            from: account.from.formatted, accountName: account.name, to: initial.to.joined(separator: ", "),
            cc: initial.cc.joined(separator: ", "), bcc: initial.bcc.joined(separator: ", "), subject: initial.subject,
            body: initial.body)
        if offerDrafts, let newest = drafts.list().first {
            model.mode = .resumeOffer(
                DraftSummary(
                    id: newest.id, subject: newest.subject, to: newest.to, cc: newest.cc, bcc: newest.bcc,
                    savedAt: MailDate(secondsSince1970: newest.savedAt, utcOffsetSeconds: Self.localOffset(at: environment.now())).rfc5322))
        }
        state = ComposerState(model: model, width: 80, height: 24)
        savedRevision = model.revision
        let missing = attachListed(initial.attachmentPaths, to: &model)
        if !missing.isEmpty { model.status = StatusMessage(Self.missingSummary(missing), isError: true) }
        state.model = model
        // What came from the command line is the starting point, not an edit; it is saved as a
        // draft on leaving (see saveDraft(force:)).
        savedRevision = model.revision
    }

    /// The same with the real clocks and `paths`.
    public convenience init(
        account: AccountConfig, paths: DataPaths, theme: Theme, policy: PolicyConfig, initial: DraftInput, offerDrafts: Bool = true,
        accounts: @escaping (String) throws(DeliveryError) -> AccountConfig
    ) {
        self.init(
            account: account, environment: .system(paths: paths), theme: theme, policy: policy, initial: initial, offerDrafts: offerDrafts,
            accounts: accounts)
    }

    /// Runs the composer on the real terminal (ncurses) until it ends.
    public func run() throws(TerminalError) -> ComposerOutcome {
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        return run(on: terminal)
    }

    /// Runs the composer on `terminal` until it ends.
    public func run(on terminal: any Terminal) -> ComposerOutcome {
        self.terminal = terminal
        defer { self.terminal = nil }
        syncSize()
        // Fail closed: messages a previous run left held or half-done wait for the user, on the
        // first frame. An empty outbox costs one readdir here: the journal is then opened (and
        // the outbox checked again) after the first frame, still before the first key is read.
        let checkedFirst = Outbox(directory: paths.outboxDirectory).mayHoldEntries
        if checkedFirst { startDispatcher() }
        render()
        if !checkedFirst && startDispatcher() { render() }
        // While the user writes, the address books and the history are read for the first `y`.
        PolicySetup.prefetch(policy, paths: paths)
        // And the address picker's candidates, for the first ^T.
        preparePicker()
        let outcome = loop(terminal)
        // Leaving while a message is being sent (Ctrl-C, a signal, `q` then `s`): it is taken
        // back from the submission thread and recorded as what is true now — interrupted when
        // nothing was delivered, unknown when the server may have it. Never sent again on its own.
        stoppedSubmissions = dispatcher?.withdrawSubmissions(now: environment.now()) ?? []
        return outcome
    }

    /// Opens the outbox and the journal, takes over the messages no live process runs, and opens
    /// the outbox screen when any wait for the user. Returns true when that screen was opened.
    @discardableResult
    func startDispatcher() -> Bool {
        do {
            // Submissions run on a thread of their own: a slow server never stops the keys,
            // the screen or the draft saves (docs/composer.md, "Sending").
            dispatcher = try Dispatcher(environment: environment, submissions: .background, accounts: accounts)
        } catch {
            dispatcherProblem = error.message
            send(.dispatcherOpened(problem: error.message))
            return false
        }
        send(.dispatcherOpened(problem: nil))
        guard let dispatcher else { return false }
        // Damaged entries too: the user sees them (path and reason) rather than wondering.
        let abandoned = dispatcher.adoptAbandoned(now: environment.now())
        guard !abandoned.isEmpty || !dispatcher.outbox.list().problems.isEmpty else { return false }
        _ = openOutbox(.restart, status: nil)
        return true
    }

    /// Keys → reducer → effects → screen, until the composer ends.
    func loop(_ terminal: any Terminal) -> ComposerOutcome {
        while true {
            if let signal = terminal.takeSignal() {
                return .interrupted(signal: signal, draft: leaveKeepingDraft())
            }
            let statusBefore = model.status
            deliverCheck()
            saveOwedDraft(dueOnly: true)
            deliverPicker()
            if let outcome = send(.tick(now: environment.now().seconds)) { return outcome }
            // Keys already waiting were typed while the last key was handled; a key that had to
            // be waited for starts a fresh burst (see KeyBurst).
            var waited = false
            var first = terminal.readKey(timeoutMilliseconds: 0)
            if first == nil {
                waited = true
                // While a check runs its answer is looked for every millisecond (it is drawn that
                // much after it is ready, at most; a wake-up costs microseconds), the picker's
                // candidates every 20 ms.
                first = terminal.readKey(timeoutMilliseconds: pendingCheck != nil ? 1 : pickerWaitingFor != nil ? 20 : 200)
            }
            guard let first else {
                saveDraftIfQuiet()
                // What happened meanwhile (a failed background save, a held message sent) is
                // shown at once, not at the next key; countdowns move once a second.
                send(.idle(now: environment.now().seconds, statusChanged: model.status != statusBefore))
                continue
            }
            // Handle everything already typed or pasted before drawing again.
            var keys = [first]
            while keys.count < 4096, let next = terminal.readKey(timeoutMilliseconds: 0) { keys.append(next) }
            if waited && !terminal.sawBracketedPaste && state.acceptsText { keys = KeyBurst.coalesce(keys) }
            for key in keys {
                syncSize()
                if let outcome = send(.key(key)) { return outcome }
            }
            render()
            saveDraftIfQuiet()
        }
    }

    /// Passes one event to the reducer and carries out its effects; returns an outcome when the
    /// composer should end.
    @discardableResult
    func send(_ event: ComposerEvent) -> ComposerOutcome? {
        syncOwned()
        let before = state.model.revision
        let screenBefore = state.screen
        state.clock = environment.monotonic()
        let effects = ComposerReducer.reduce(&state, event)
        if state.model.revision != before { lastChange = environment.monotonic() }
        // After the effects: `y`'s freeze reads the time the screen was shown.
        defer { noteConfirmation(from: screenBefore, to: state.screen) }
        for effect in effects {
            if let outcome = perform(effect) { return outcome }
        }
        return nil
    }

    /// What the journal's report needs from the screens' changes: when a confirmation screen
    /// appeared, and the findings of one the sender went back from to edit.
    func noteConfirmation(from before: ComposerScreen, to after: ComposerScreen) {
        switch (before, after) {
        case (.confirm, .confirm):
            break
        case (_, .confirm(let screen)):
            confirmShownAt = environment.monotonic()
            if let earlier = leftFindings {
                let seen = Set(changedFindings.map { [$0.ruleID, $0.message] })
                changedFindings += Finding.goneOrChanged(earlier, in: screen.findings).filter { !seen.contains([$0.ruleID, $0.message]) }
                leftFindings = nil
            }
        case (.confirm(let screen), .compose):
            confirmShownAt = nil
            leftFindings = screen.findings
        case (.confirm, _):
            confirmShownAt = nil
        default:
            break
        }
    }

    /// A new message (after a send, another draft): nothing of the last one's checks carries over.
    func forgetChecks() {
        leftFindings = nil
        changedFindings = []
        confirmShownAt = nil
    }

    /// The reducer sees the messages the dispatcher runs as they are now.
    func syncOwned() {
        guard let dispatcher else { return }
        let owned = dispatcher.ownedItems.map { item -> OwnedMessage in
            switch item.state.kind {
            case .holding: return OwnedMessage(id: item.id, kind: .holding)
            case .submitting: return OwnedMessage(id: item.id, kind: .sending)
            case .failedTemporarily: return OwnedMessage(id: item.id, kind: .retrying)
            default: return OwnedMessage(id: item.id, kind: .waiting)
            }
        }
        if owned != state.owned { _ = ComposerReducer.reduce(&state, .owned(owned)) }
    }

    /// The reducer lays screens out for the terminal's size as it is now.
    func syncSize() {
        guard let size = terminal?.size, size.width != state.width || size.height != state.height else { return }
        send(.resize(width: size.width, height: size.height))
    }

    /// Carries out one effect; returns an outcome when the composer should end.
    func perform(_ effect: ComposerEffect) -> ComposerOutcome? {
        switch effect {
        case .draw: render()
        case .advanceHolds: return advanceHolds()
        case .attach(let path): attach(path)
        case .openExternalEditor: editExternally()
        case .loadPicker(let field): loadPicker(field)
        case .review(let mode): review(mode: mode)
        case .cancelCheck: pendingCheck = nil
        case .freeze(let screen):
            guard let message = reviewed else { return nil }
            let messages = screen.mode == .oneEach ? OneMessageEach.messages(message) : [message]
            return freeze(messages, screen: screen, inspections: reviewedInspections)
        case .undo(let ids): return undo(ids)
        case .release(let ids): return release(ids)
        case .startNewMessage(let status):
            forgetChecks()
            return startNewMessage(then: status)
        case .resumeDraft(let id):
            forgetChecks()
            return resume(id)
        case .deleteDraft(let id): drafts.delete(id: id)
        case .openOutbox(let purpose, let status): return openOutbox(purpose, status: status)
        case .refreshOutbox: return refreshOutbox()
        case .outboxEdit(let id): return outboxEdit(id)
        case .outboxRelease(let id): return outboxRelease(id)
        case .outboxDiscard(let id): return outboxDiscard(id)
        case .leave(let keepDraft):
            if keepDraft {
                // P, or q then s: leave only once the draft is safely written. A failed save
                // keeps the composer open with the message, and says why.
                guard saveDraft(force: true) else { return send(.leaveRefused(problem: draftProblem ?? "unknown error")) }
                return .postponed(draftOutcome())
            }
            drafts.delete(id: draftID)
            return .discarded
        case .leaveNow:
            return .postponed(leaveKeepingDraft())
        case .finishSent(let lines):
            drafts.delete(id: draftID)
            return .sent(lines: lines, refused: 0)
        }
        return nil
    }

    func render() {
        guard let terminal else { return }
        syncSize()
        let size = terminal.size
        let now = environment.now()
        send(.drew(now: now.seconds))
        switch state.screen {
        case .outbox(let screen):
            terminal.draw(OutboxView.render(screen, width: size.width, height: size.height))
            return
        case .confirm(let screen):
            terminal.draw(ConfirmView.render(screen, width: size.width, height: size.height))
            return
        case .hold:
            if let hold = holdScreen(now: now) {
                terminal.draw(HoldView.render(hold, width: size.width, height: size.height))
                return
            }
        case .compose:
            break
        }
        send(.composeFrame(heldLine: heldSummary(now: now)))
        terminal.draw(ComposeView.render(model, width: size.width, height: size.height))
    }

    // MARK: Attachments

    /// `a`: the typed path (`~` expanded) is checked as `send` checks it
    /// (`Delivery.checkAttachment`: a readable regular file within the account's limit) and
    /// attached, or refused with the reason.
    func attach(_ typed: String) {
        switch check(FileSystem.expandTilde(typed)) {
        case .success(let item): send(.attachmentChecked(.success(item)))
        case .failure(let problem): send(.attachmentChecked(.failure(AttachmentRefusal(reason: problem.reason))))
        }
    }

    /// Attachments the message already had (a resumed draft, the command line): each one that
    /// can no longer be attached stays listed with its problem, and in the draft, until the
    /// user removes it. Returns the problems.
    func attachListed(_ paths: [String], to model: inout ComposeModel) -> [String] {
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

    func editExternally() {
        guard let terminal else { return }
        let editor = FileSystem.environment("VISUAL") ?? FileSystem.environment("EDITOR") ?? "vi"
        let path = "\(paths.dataDirectory)/edit-\(draftID).txt"
        do {
            try FileSystem.makeDirectories(paths.dataDirectory)
            FileSystem.remove(path)
            let sink = try FileSink(creating: path)
            try sink.write(model.body.text)
            try sink.finish(sync: false)
        } catch {
            send(.say(StatusMessage("Cannot prepare the body for the editor: \(error)", isError: true)))
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
            send(.say(StatusMessage("Cannot run the editor '\(editor)': \(error); the body is unchanged", isError: true)))
            return
        }
        terminal.resume()
        guard status == 0 else {
            let how = status.map { "status \($0)" } ?? "a signal"
            send(.say(StatusMessage("The editor exited with \(how); the body is unchanged ('\(editor)').", isError: true)))
            return
        }
        do {
            guard let text = try FileSystem.readUTF8(path) else {
                send(.say(StatusMessage("The edited body is not UTF-8 text; the body is unchanged.", isError: true)))
                return
            }
            send(.bodyEdited(text))
        } catch {
            send(.say(StatusMessage("Cannot read the edited body: \(error); the body is unchanged", isError: true)))
        }
    }

    // MARK: Confirmation and sending

    /// Builds the message (its addresses and attachments are checked here: quick), then starts
    /// the slow part on another thread (`runCheck`): inspecting the attachments (their text,
    /// up to 2 s a document), the policy, and the confirmation screen. The composer stays
    /// responsive meanwhile: Esc stops waiting, and an answer for a message that has changed
    /// since is not shown (`ComposerReducer`, `reviewed`). With `.oneEach` (after `I`) the screen
    /// is about one message to each recipient: the policy runs as for those messages
    /// (`OneMessageEach.policyInput`), and the screen starts with nothing ticked, like any
    /// rebuilt screen.
    func review(mode: SendMode = .asWritten) {
        // The draft is saved once the check's answer is drawn (`deliverCheck`): it must neither
        // delay the screen nor compete with the check for the cores. A check that takes longer
        // (documents) does not put it off beyond the usual draft delay (`saveOwedDraft`).
        let now = environment.monotonic()
        let unsaved = model.revision != savedRevision ? (unsavedSince ?? lastChange) : now
        draftSaveOwedBy = max(now, min(now + Self.draftDelay, unsaved + Self.draftMaximumDelay))
        let revision = model.revision
        var input = DraftInput(
            to: [model.to.text], cc: [model.cc.text], bcc: [model.bcc.text], subject: model.subject.text, body: model.body.text,
            attachmentPaths: model.attachments.map(\.path))
        input.inReplyTo = threading.inReplyTo
        input.references = threading.references
        let message: OutgoingMessage
        do {
            // The parse is cached in the model; a copy parses again (the key that asked already checked the fields).
            var fields = model
            message = try Delivery.buildMessage(input, account: account, detector: detector, parsed: fields.parsedRecipients())
        } catch {
            send(.checkFailed(StatusMessage("Cannot send: \(error.message.replacingNewlines)", isError: true), revision: revision))
            saveOwedDraft(dueOnly: false)
            return
        }
        let readsDocuments = model.attachments.contains { isTextExtractedDocument(named: $0.path) }
        if model.attachments.reduce(0, { $0 + $1.size }) > 8 << 20 || readsDocuments {
            // Hashing and previewing big files, and reading the text of documents (up to 2 s
            // each), takes a moment: say so, and how to stop waiting.
            send(.say(StatusMessage("Checking recipients and attachments… (Esc stops)")))
        }
        let check = PendingCheck(revision: revision)
        pendingCheck = check
        let (detector, policy, paths, thread) = (detector, policy, paths, threading.thread)
        let variant = dispatcher?.journalMessageCount() ?? 0
        runCheck {
            check.finish(
                Self.check(message, mode: mode, thread: thread, detector: detector, policy: policy, paths: paths, variant: variant))
        }
        deliverCheck()
    }

    /// Hands a finished check's answer to the reducer (which shows it only if it is still wanted).
    func deliverCheck() {
        guard let check = pendingCheck, let answer = check.answer else { return }
        pendingCheck = nil
        switch answer {
        case .reviewed(let reviewed):
            // What `y` on that screen freezes (or, with no screen needed, what is frozen at once):
            // set only when the reducer will take this answer (the check asked for last, its
            // message on screen unchanged).
            if state.checking == check.revision, state.screen == .compose, state.model.revision == check.revision {
                self.reviewed = reviewed.message
                reviewedInspections = reviewed.inspections
            }
            send(.reviewed(reviewed.screen, classifier: reviewed.classifier, revision: check.revision))
        case .failed(let status):
            send(.checkFailed(status, revision: check.revision))
        }
        saveOwedDraft(dueOnly: false)
    }

    /// The draft save `y` owes, once its answer is drawn, or (`dueOnly`) when it is due.
    func saveOwedDraft(dueOnly: Bool) {
        guard let by = draftSaveOwedBy, !dueOnly || environment.monotonic() >= by else { return }
        draftSaveOwedBy = nil
        saveDraft(force: true)
    }

    /// The slow part of `review`, on any thread: the attachments inspected, the policy, the
    /// confirmation screen. Reads files; touches nothing of the session.
    static func check(
        _ message: OutgoingMessage, mode: SendMode, thread: ThreadFacts?, detector: ContentTypeDetector, policy: PolicyConfig,
        paths: DataPaths, variant: Int = 0
    ) -> PendingCheck.Answer {
        do {
            let inspections = try AttachmentInspector(detector: detector).inspect(
                message.attachments.map(\.source), contentTypes: message.attachments.map(\.contentType))
            let classifier = policy.classifier(sender: message.from)
            // The envelope's recipients (each once, by key: thousands of keys hashed), grouped by
            // domain for the screen, are made while the policy runs. One message each: every
            // recipient is the To of its own message.
            let (evaluation, recipients) = Concurrently.pair(
                {
                    PolicySetup.evaluate(policy, paths: paths) { history, book in
                        var input = PolicySetup.input(message, inspections: inspections, history: history, addressBook: book)
                        input.thread = thread
                        return mode == .oneEach ? OneMessageEach.policyInput(input, isInternal: { classifier.isInternal($0) }) : input
                    }
                },
                {
                    ConfirmRecipients(
                        message.envelope.recipients.map { ($0.mailbox, mode == .oneEach ? RecipientField.to : $0.field) },
                        isInternal: { classifier.isInternal(domain: $0) })
                })
            let (decision, book) = (evaluation.decision, evaluation.addressBook)
            var companies: [String: String] = [:]
            for entry in book.entries {
                guard let company = entry.company else { continue }
                // The domain after the last '@' (found on the bytes: thousands of entries).
                let address = entry.address
                if let at = address.utf8.lastIndex(of: UInt8(ascii: "@")), address.utf8.index(after: at) < address.utf8.endIndex {
                    companies[String(address[address.utf8.index(after: at)...]).lowercased()] = company
                } else if let domain = address.split(separator: "@").last {
                    companies[String(domain).lowercased()] = company
                }
            }
            var screen = ConfirmModel(
                from: message.from.formatted, recipients: recipients, companies: companies,
                attachments: inspections.map {
                    ConfirmAttachment(
                        name: $0.name, size: $0.size, summary: $0.kindDescription, sha256: $0.sha256, warning: $0.extensionWarning,
                        preview: $0.confirmationPreview(limit: 6), document: $0.documentLines)
                },
                findings: decision.findings, holdSeconds: decision.holdSeconds, mode: mode,
                scope: policy.alwaysFullConfirmation.value ? .everything : .riskOnly, variant: variant)
            if let thread {
                let what = thread.kind == .forward ? "Forward of" : "Reply to"
                let from = thread.author.map { m in m.displayName.map { "\($0) <\(m.address)>" } ?? m.address } ?? "unknown sender"
                screen.thread = ConfirmModel.ThreadContext(
                    line: "\(what): \(thread.subject), \(from), \(thread.date)", parties: thread.partyKeys)
            }
            if let warning = evaluation.historyWarning ?? evaluation.addressBookWarnings.first { screen.status = StatusMessage(warning, isError: true) }
            return .reviewed(.init(screen: screen, classifier: classifier, message: message, inspections: inspections))
        } catch {
            return .failed(StatusMessage("Cannot send: \(error.description.replacingNewlines)", isError: true))
        }
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
        let now = environment.monotonic()
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
        guard state.holding.isEmpty else { return true }
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
            lastFailedSave = environment.monotonic()
            send(
                .say(
                    StatusMessage(
                        "The draft could NOT be saved: \(error). The message is only on this screen until that is fixed.", isError: true)))
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
        if !state.holding.isEmpty || messageInOutbox { return .inOutbox }
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
    @discardableResult
    func resume(_ id: String) -> ComposerOutcome? {
        guard let (resumed, status) = resumed(id) else {
            return send(.say(StatusMessage("The draft could not be read; starting a new message.", isError: true)))
        }
        return replaceMessage(resumed, status: status)
    }

    /// The draft `id` as the composer's message, and what to say about it; nil when it cannot be read.
    func resumed(_ id: String) -> (ComposeModel, StatusMessage)? {
        guard let record = drafts.load(id: id) else { return nil }
        draftID = id
        messageInOutbox = false
        if record.inReplyTo != threading.inReplyTo || record.references != threading.references {
            threading = (record.inReplyTo, record.references, nil)
        }
        let accountNote = restoreAccount(record.account)
        var resumed = ComposeModel(
            from: account.from.formatted, accountName: account.name, to: record.to, cc: record.cc, bcc: record.bcc,
            subject: record.subject, body: record.body)
        resumed.body = TextEditor(record.body, cursor: TextPosition(line: record.bodyLine, column: record.bodyColumn))
        resumed.mode = record.field.flatMap(ComposeField.init(rawValue:)).map { .editing($0) } ?? .command
        let missing = attachListed(record.attachmentPaths, to: &resumed)
        let notes = [accountNote, missing.isEmpty ? nil : Self.missingSummary(missing)].compactMap { $0 }
        let status = notes.isEmpty ? StatusMessage("Draft resumed.") : StatusMessage("Draft resumed. " + notes.joined(separator: " "), isError: true)
        return (resumed, status)
    }

    /// Makes `model` the composer's message, as saved (its revision is the saved one).
    @discardableResult
    func replaceMessage(_ model: ComposeModel, status: StatusMessage?) -> ComposerOutcome? {
        let outcome = send(.replaceMessage(model, status: status))
        savedRevision = state.model.revision
        return outcome
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

    /// "1733550000.k3f9x0a1b2c3": the second the message was started and twelve random letters
    /// and digits.
    public static func systemDraftID(_ now: Instant) -> String {
        var random = SystemRandomNumberGenerator()
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "\(Int64(now.seconds.rounded(.down)))." + String((0..<12).map { _ in chars[Int(random.next() % UInt64(chars.count))] })
    }

    /// The local time zone's offset from UTC at `instant`, in seconds.
    static func localOffset(at instant: Instant) -> Int {
        var now = time_t(instant.seconds.rounded(.down))
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

/// A check of the message running on another thread (`ComposerSession.review`): the revision of
/// the message it checks, and its answer once it is done.
final class PendingCheck: Sendable {
    enum Answer: Sendable {
        case reviewed(Reviewed)
        case failed(StatusMessage)
    }
    struct Reviewed: Sendable {
        var screen: ConfirmModel
        var classifier: DomainClassifier
        var message: OutgoingMessage
        var inspections: [Inspection]
    }

    let revision: Int
    private let result = Mutex<Answer?>(nil)

    init(revision: Int) { self.revision = revision }

    func finish(_ answer: Answer) { result.withLock { $0 = answer } }
    var answer: Answer? { result.withLock { $0 } }
}
