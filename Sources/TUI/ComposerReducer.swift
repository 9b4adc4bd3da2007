import Policy

/// Which screen the composer shows, and that screen's own state. One value, not several
/// optionals: the outbox view goes over the hold screen and gives it back when it closes.
public enum ComposerScreen: Equatable, Sendable {
    /// The message being written (`ComposerState.model`), in whatever mode it is.
    case compose
    /// The confirmation screen for the message just reviewed.
    case confirm(ConfirmModel)
    /// The countdown of the messages in `ComposerState.holding`.
    case hold
    /// The outbox view: held, failed and interrupted messages.
    case outbox(OutboxScreen)

    /// The screen's name, for comparisons that ignore its state.
    public var kind: Kind {
        switch self {
        case .compose: return .compose
        case .confirm: return .confirm
        case .hold: return .hold
        case .outbox: return .outbox
        }
    }

    public enum Kind: Equatable, Sendable {
        case compose, confirm, hold, outbox
    }
}

/// A message the composer's dispatcher runs, as far as the screens' decisions need it.
public struct OwnedMessage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Counting down; `u` can still take it back.
        case holding
        /// Handed to the server; too late to undo.
        case sending
        /// A temporary failure; tried again later.
        case retrying
        /// Waiting for the user (failed, interrupted, unknown).
        case waiting
    }

    public var id: String
    public var kind: Kind

    public init(id: String, kind: Kind) {
        self.id = id
        self.kind = kind
    }
}

/// What became of a held message when the clock or `S` moved it on (the session's form of a
/// dispatch report).
public struct DeliveryNote: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Handed to the submission thread; a later note says how it went.
        case sending
        /// Accepted for every recipient.
        case sent
        /// Anything else: refused, failed, undone elsewhere, interrupted.
        case other
    }

    public var id: String
    public var outcome: Outcome
    /// The lines to print for it (per-recipient results).
    public var lines: [String]
    /// The status line that tells the user.
    public var status: StatusMessage

    public init(id: String, outcome: Outcome, lines: [String], status: StatusMessage) {
        self.id = id
        self.outcome = outcome
        self.lines = lines
        self.status = status
    }
}

/// Everything the composer's screens decide on. Pure data: the session changes it only by
/// passing events to `ComposerReducer.reduce`.
public struct ComposerState: Equatable, Sendable {
    public var screen: ComposerScreen
    /// The message being written.
    public var model: ComposeModel
    /// The messages the hold screen shows (more than one after "send individually").
    public var holding: [String] = []
    /// The hold screen's status line.
    public var holdStatus: StatusMessage?
    /// Why the message on the hold screen had no confirmation screen (`ConfirmationScreen.none`);
    /// nil when it was confirmed on one.
    public var holdNote: String?
    /// The messages this composer's dispatcher runs (newest last).
    public var owned: [OwnedMessage] = []
    /// The dispatcher is open (the outbox and the journal). False with no `outboxProblem`: not
    /// opened yet (the composer opens it after its first frame when the outbox is empty).
    public var outboxOpen = false
    /// Why the dispatcher could not be opened.
    public var outboxProblem: String?
    /// The terminal's size.
    public var width: Int
    public var height: Int
    /// The second of the last frame, so that countdowns redraw once a second.
    public var lastDrawnSecond = -1
    /// Which domains are internal for the message on the confirmation screen (for `B`).
    public var classifier: DomainClassifier?
    /// A check of the message is running (asked for by `review`): the message's revision when it
    /// started. Its answer shows only if it is still this check's and the message did not change.
    public var checking: Int?
    /// What the ticks of the screen last confirmed (`y`) were about.
    public var confirmedTicks: Set<TickedItem> = []
    /// When the event being handled came (seconds, the session's monotonic clock), set by the
    /// session before each event: the confirmation screen measures the pace of its ticks with it
    /// (`ConfirmPace`). Nil: not measured.
    public var clock: Double?
    /// After an undo: those ticks, kept for the next screen of the message (the items that did
    /// not change keep their tick there); nil otherwise.
    public var ticksAfterUndo: Set<TickedItem>?

    public init(model: ComposeModel, width: Int, height: Int) {
        screen = .compose
        self.model = model
        self.width = width
        self.height = height
    }

    public static func == (a: ComposerState, b: ComposerState) -> Bool {
        a.screen == b.screen && a.model == b.model && a.holding == b.holding && a.holdStatus == b.holdStatus && a.holdNote == b.holdNote && a.owned == b.owned
            && a.outboxOpen == b.outboxOpen && a.outboxProblem == b.outboxProblem && a.width == b.width && a.height == b.height
            && a.lastDrawnSecond == b.lastDrawnSecond && a.checking == b.checking
    }

    /// Messages this composer would send on its own if it kept running, or is sending now.
    public var hasPendingHolds: Bool { owned.contains { $0.kind != .waiting } }

    /// The message on the hold screen is being sent (the hold is over).
    public var holdIsSending: Bool { owned.contains { holding.contains($0.id) && $0.kind == .sending } }

    /// The composer itself is taking text (a field or the attachment prompt), with no other
    /// screen over it: where a burst of input may be taken for a paste.
    public var acceptsText: Bool {
        guard screen == .compose else { return false }
        switch model.mode {
        case .editing, .attachPrompt: return true
        default: return false
        }
    }
}

/// What happens to the composer: keys, the clock, the dispatcher's answers, the terminal.
public enum ComposerEvent: Sendable {
    case key(Key)
    /// The terminal has this size now.
    case resize(width: Int, height: Int)
    /// The loop's turn: time to move held messages on (`now`: seconds since 1970).
    case tick(now: Double)
    /// No key came: `statusChanged` when something meanwhile changed the status line.
    case idle(now: Double, statusChanged: Bool)
    /// A frame was drawn at `now`.
    case drew(now: Double)
    /// The composer's own frame is about to be drawn, with this summary of the held messages.
    case composeFrame(heldLine: String?)
    /// The dispatcher opened (or could not: `problem`).
    case dispatcherOpened(problem: String?)
    /// The messages the dispatcher runs now.
    case owned([OwnedMessage])
    /// Held messages moved on (the clock, `S`).
    case delivered([DeliveryNote])
    /// The check that started at `revision` is done: the message's confirmation screen, and
    /// which domains are internal.
    case reviewed(ConfirmModel, classifier: DomainClassifier, revision: Int)
    /// The check that started at `revision` found the message cannot be sent as it is.
    case checkFailed(StatusMessage, revision: Int)
    /// Something to tell the user in the composer's status line (a check that failed, a draft
    /// that could not be saved, the editor's trouble).
    case say(StatusMessage)
    /// Frozen into the outbox: the ids, held now. `problem` when not all of them were.
    case frozen(ids: [String], problem: StatusMessage?)
    /// The composer has a new message (a resumed draft, a fresh one, an undone one); `status`
    /// replaces its status line.
    case replaceMessage(ComposeModel, status: StatusMessage?)
    /// The file checked for `a`: added, or refused with the reason.
    case attachmentChecked(Result<AttachmentItem, AttachmentRefusal>)
    /// The external editor returned this body.
    case bodyEdited(String)
    /// The address books and the send history, read for the picker of `field` (`note`: a book
    /// or the journal that could not be read). `loading`: they were not ready yet, so the
    /// picker opens with what was (perhaps nothing) and `pickerFilled` brings the rest.
    case pickerLoaded(field: ComposeField, index: PickerIndex, note: String?, loading: Bool)
    /// The candidates the open picker was waiting for are ready.
    case pickerFilled(index: PickerIndex, note: String?)
    /// Leaving with the draft kept failed: why.
    case leaveRefused(problem: String)
    /// Undo done: whether the message came back, why not, and the last line when too late.
    case undone(restored: Bool, problems: [String], tooLateLine: String?)
    /// The outbox was opened with these rows.
    case outboxOpened(OutboxScreen.Purpose, rows: [OutboxRow], status: StatusMessage?)
    /// New rows for the outbox view.
    case outboxRows([OutboxRow])
    /// An action on the outbox view was carried out: what to say, and the message it took off
    /// the hold screen (if any). `close` when the view gives way to the composer.
    case outboxActed(status: StatusMessage?, leftHold: String?, close: Bool)
}

/// Why a file typed at the `a` prompt was not attached: the whole sentence, naming the file.
public struct AttachmentRefusal: Error, Equatable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// What the session must do (I/O); its answers come back as events.
public enum ComposerEffect: Equatable, Sendable {
    /// Draw the current screen.
    case draw
    /// Move held messages on (the dispatcher's clock), answer with `delivered`.
    case advanceHolds
    /// Check and attach a file (answer: `attachmentChecked`).
    case attach(path: String)
    case openExternalEditor
    /// Read the candidates of the address picker for this field (answer: `pickerLoaded`).
    case loadPicker(ComposeField)
    /// Check the message and build its confirmation screen, on another thread: the composer
    /// stays responsive meanwhile (answer: `reviewed` or `checkFailed`).
    case review(SendMode)
    /// Forget the running check: its answer, when it comes, is not shown (Esc while checking).
    case cancelCheck
    /// Freeze the reviewed message into the outbox and start its countdown (answer: `frozen`).
    case freeze(ConfirmModel)
    /// Take these held messages back into the composer (answer: `undone`).
    case undo([String])
    /// End the hold now: hand these messages to the server (answer: `delivered`).
    case release([String])
    /// Save the message as a draft, then start a fresh one (answer: `replaceMessage`, or
    /// `say` when it could not be saved). `status` is then shown either way.
    case startNewMessage(status: StatusMessage?)
    case resumeDraft(id: String)
    case deleteDraft(id: String)
    /// Open the outbox view (answer: `outboxOpened`, or `say`).
    case openOutbox(OutboxScreen.Purpose, status: StatusMessage?)
    /// Read the outbox again (answer: `outboxRows`).
    case refreshOutbox
    /// Actions on one message of the outbox view (answer: `outboxActed`).
    case outboxEdit(String)
    case outboxRelease(String)
    case outboxDiscard(String)
    /// Leave: keep the draft (P, q then s; answer `leaveRefused` when it cannot be saved) or
    /// delete it (q then d).
    case leave(keepDraft: Bool)
    /// Ctrl-C: leave at once, keeping the draft or writing the text elsewhere.
    case leaveNow
    /// The messages on the hold screen went to everyone and nothing else waits: end with these lines.
    case finishSent(lines: [String])
}

/// The composer as a function: `(state, event) -> (state, [effect])`. No clock, no files, no
/// terminal: the session passes the time and the dispatcher's answers in as events and carries
/// out the effects (docs/architecture.md, "A screen").
public enum ComposerReducer {
    public static func reduce(_ state: ComposerState, _ event: ComposerEvent) -> (ComposerState, [ComposerEffect]) {
        var next = state
        let effects = reduce(&next, event)
        return (next, effects)
    }

    public static func reduce(_ state: inout ComposerState, _ event: ComposerEvent) -> [ComposerEffect] {
        let effects: [ComposerEffect]
        switch event {
        case .key(let key):
            effects = handle(key, &state)
        case .resize(let width, let height):
            // The loop draws after the keys it read; the next frame has the new size.
            state.width = width
            state.height = height
            effects = []
        case .tick:
            effects = state.outboxOpen ? [.advanceHolds] : []
        case .idle(let now, let statusChanged):
            if statusChanged {
                effects = [.draw]
            } else if state.outboxOpen, !state.owned.isEmpty || state.screen.kind == .outbox, Int(now.rounded(.down)) != state.lastDrawnSecond {
                effects = state.screen.kind == .outbox ? [.refreshOutbox, .draw] : [.draw]
            } else {
                effects = []
            }
        case .drew(let now):
            state.lastDrawnSecond = Int(now.rounded(.down))
            effects = []
        case .composeFrame(let heldLine):
            // What the composer's frame shows decides its layout: the held line takes a row,
            // and the body scrolls to keep the cursor in view.
            state.model.heldLine = heldLine
            let layout = ComposeView.layout(state.model, width: state.width, height: state.height)
            state.model.body.scrollToCursor(width: state.width, height: layout.bodyHeight)
            effects = []
        case .dispatcherOpened(let problem):
            state.outboxOpen = problem == nil
            state.outboxProblem = problem
            effects = []
        case .owned(let owned):
            state.owned = owned
            effects = []
        case .delivered(let notes):
            effects = delivered(notes, &state)
        case .reviewed(let screen, let classifier, let revision):
            // Only the check asked for last, and only while its message is on screen unchanged:
            // a screen about a message that has changed since would confirm the wrong message.
            if state.checking == revision {
                state.checking = nil
                if state.screen != .compose {
                    effects = [] // another screen was opened meanwhile: y checks again from the message
                } else if state.model.revision == revision {
                    var screen = screen
                    if screen.screenKind == .none {
                        // Nothing above info and no one outside: the hold itself is the check.
                        state.confirmedTicks = []
                        state.ticksAfterUndo = nil
                        state.classifier = classifier
                        state.model.mode = .command
                        state.holdNote = "No confirmation needed: \(ConfirmationScreen.none.reason ?? "")"
                        // What the check could not read (the address book, the history) is said
                        // on the hold screen, where the screen that is skipped would have said it.
                        if let warning = screen.status, warning.isError { state.holdStatus = warning }
                        return finishReduce(&state, [.freeze(screen)])
                    }
                    if let kept = state.ticksAfterUndo {
                        state.ticksAfterUndo = nil
                        let count = screen.keepTicks(kept)
                        if count > 0 {
                            screen.status = StatusMessage("\(count) tick\(count == 1 ? "" : "s") kept from before the undo: the items that did not change")
                        }
                    }
                    if let shown = state.clock { screen.startPace(shownAt: shown) }
                    state.screen = .confirm(screen)
                    state.classifier = classifier
                    effects = [.draw]
                } else {
                    state.model.status = StatusMessage("The message changed while it was being checked; y checks it again.")
                    effects = [.draw]
                }
            } else {
                effects = []
            }
        case .checkFailed(let status, let revision):
            if state.checking == revision {
                state.checking = nil
                state.model.status = status
                effects = [.draw]
            } else {
                effects = []
            }
        case .say(let status):
            state.model.status = status
            effects = []
        case .frozen(let ids, let problem):
            if let problem { state.model.status = problem }
            if ids.isEmpty {
                state.holdNote = nil
                effects = []
            } else {
                state.holding = ids
                state.screen = .hold
                effects = [.draw]
            }
        case .replaceMessage(let model, let status):
            // Another message: no tick of the last one carries over.
            state.ticksAfterUndo = nil
            state.model = model
            state.model.status = status
            effects = []
        case .attachmentChecked(.success(let item)):
            state.model.attachmentAdded(item)
            effects = []
        case .attachmentChecked(.failure(let refusal)):
            state.model.attachmentRefused("\(refusal.reason); not attached")
            effects = []
        case .bodyEdited(let text):
            state.model.bodyEdited(text)
            effects = []
        case .pickerLoaded(let field, let index, let note, let loading):
            state.model.openPicker(field, index: index, note: note, loading: loading)
            effects = []
        case .pickerFilled(let index, let note):
            state.model.fillPicker(index, note: note)
            effects = []
        case .leaveRefused(let problem):
            state.model.mode = .command
            state.model.status = StatusMessage(
                "Not left: the draft could NOT be saved (\(problem)). The message is still here; "
                    + "fix that and press P again, or q then d to discard it.", isError: true)
            effects = []
        case .undone(let restored, let problems, let tooLateLine):
            if restored {
                state.holding = []
                state.ticksAfterUndo = state.confirmedTicks
                state.model.status = StatusMessage("Undone: nothing was sent. The message is back as it was.")
            } else if !problems.isEmpty {
                let still = Set(state.owned.map(\.id))
                state.holding.removeAll { !still.contains($0) }
                state.holdStatus = StatusMessage("Cannot undo: \(problems[0]); the message stays held.", isError: true)
            } else {
                state.holding = []
                state.model.status = StatusMessage("Too late to undo: the hold had ended. " + (tooLateLine ?? ""), isError: true)
            }
            effects = []
        case .outboxOpened(let purpose, let rows, let status):
            var screen = OutboxScreen(purpose: purpose, rows: rows)
            screen.status = status
            state.screen = .outbox(screen)
            effects = []
        case .outboxRows(let rows):
            if case .outbox(var screen) = state.screen {
                screen.update(rows: rows)
                state.screen = .outbox(screen)
            }
            effects = []
        case .outboxActed(let status, let leftHold, let close):
            if let leftHold { state.holding.removeAll { $0 == leftHold } }
            if close {
                state.screen = .compose
                if let status { state.model.status = status }
            } else if case .outbox(var screen) = state.screen {
                screen.status = status
                state.screen = .outbox(screen)
            }
            effects = []
        }
        return finishReduce(&state, effects)
    }

    /// What every event's effects end with: a new check replaces any running one, and the
    /// screens settle.
    static func finishReduce(_ state: inout ComposerState, _ effects: [ComposerEffect]) -> [ComposerEffect] {
        // A new check replaces any running one.
        if effects.contains(where: { if case .review = $0 { return true } else { return false } }) {
            state.checking = state.model.revision
        }
        settle(&state)
        return effects
    }

    /// The hold screen shows while messages are held on it, and only then; when the outbox
    /// view is left for the purpose of leaving and nothing is pending any more, the quit prompt.
    static func settle(_ state: inout ComposerState) {
        switch state.screen {
        case .compose where !state.holding.isEmpty: state.screen = .hold
        case .hold where state.holding.isEmpty: state.screen = .compose
        case .outbox(let screen) where screen.purpose == .leaving && !state.hasPendingHolds:
            // Every held message has been decided: carry on leaving.
            state.screen = state.holding.isEmpty ? .compose : .hold
            state.model.mode = .quitPrompt
        default: break
        }
    }

    // MARK: Keys

    static func handle(_ key: Key, _ state: inout ComposerState) -> [ComposerEffect] {
        if key == .control("c") {
            // Leave at once, whatever is on screen; a failed save is reported on the way out.
            return [.leaveNow]
        }
        if case .paste = key, state.screen != .compose {
            // Pasted text never runs keys: not on these screens either (a `y`, an `S`).
            if case .confirm(var screen) = state.screen {
                screen.status = StatusMessage("Pasted text is ignored on this screen.", isError: true)
                state.screen = .confirm(screen)
            }
            return []
        }
        if key == .resize {
            // A key like any other for the hold screen: its status line goes.
            if state.screen == .hold, state.outboxOpen { state.holdStatus = nil }
            return []
        }
        switch state.screen {
        case .outbox(let screen): return handleOutbox(key, screen, &state)
        case .hold: return handleHold(key, &state)
        case .confirm(let screen): return handleConfirm(key, screen, &state)
        case .compose: return handleCompose(key, &state)
        }
    }

    static func handleCompose(_ key: Key, _ state: inout ComposerState) -> [ComposerEffect] {
        if key == .escape, state.model.mode == .command, state.checking != nil {
            // The check of a large attachment can take seconds: Esc stops waiting for it.
            state.checking = nil
            state.model.status = StatusMessage("Check stopped; nothing was sent.")
            return [.cancelCheck]
        }
        if key == .char("q"), state.model.mode == .command, state.hasPendingHolds {
            // Leaving with held messages: decide for each first (send now, edit, discard, undo).
            return [.openOutbox(.leaving, status: nil)]
        }
        let layout = ComposeView.layout(state.model, width: state.width, height: state.height)
        var effects: [ComposerEffect] = []
        for effect in state.model.handle(key, width: state.width, bodyHeight: layout.bodyHeight, height: state.height) {
            switch effect {
            case .attach(let path): effects.append(.attach(path: path))
            case .openExternalEditor: effects.append(.openExternalEditor)
            case .review:
                if state.checking == state.model.revision {
                    state.model.status = StatusMessage("Still checking the message… (Esc stops)")
                } else {
                    effects.append(.review(.asWritten))
                }
            case .leave(let keepDraft): effects.append(.leave(keepDraft: keepDraft))
            case .resumeDraft(let id): effects.append(.resumeDraft(id: id))
            case .discardDraft(let id): effects.append(.deleteDraft(id: id))
            case .undoHeld:
                if let newest = state.owned.last(where: { $0.kind == .holding }) {
                    effects.append(.undo([newest.id]))
                } else {
                    state.model.status = StatusMessage("No message is held; nothing to undo.", isError: true)
                }
            case .openOutbox: effects.append(.openOutbox(.browse, status: nil))
            case .openPicker(let field): effects.append(.loadPicker(field))
            }
        }
        return effects
    }

    static func handleConfirm(_ key: Key, _ screen: ConfirmModel, _ state: inout ComposerState) -> [ComposerEffect] {
        var screen = screen
        let confirmEffects = screen.handle(key, height: ConfirmView.listHeight(state.height), at: state.clock)
        state.screen = .confirm(screen)
        var effects: [ComposerEffect] = []
        for effect in confirmEffects {
            switch effect {
            case .back:
                state.screen = .compose
                state.model.mode = .command
                state.model.status = StatusMessage("Not sent; back to the message.")
            case .moveToBcc:
                let classifier = state.classifier
                state.model.moveToBcc(isInternal: { classifier?.isInternal($0) ?? false })
                state.screen = .compose
                effects.append(.review(.asWritten))
            case .reviewOneEach:
                // Only the mode changes: the one-each messages are checked and ticked on their
                // own screen before `y` may send them (`q` there drops the mode).
                state.screen = .compose
                effects.append(.review(.oneEach))
            case .send:
                state.holdNote = nil
                // A recipient chosen for a file that nothing could check is said on the hold screen.
                if let note = screen.unverifiedChoices { state.holdStatus = StatusMessage(note) }
                state.confirmedTicks = screen.tickedItems
                state.ticksAfterUndo = nil
                state.screen = .compose
                state.model.mode = .command
                effects.append(.freeze(screen))
            }
        }
        return effects
    }

    static func handleHold(_ key: Key, _ state: inout ComposerState) -> [ComposerEffect] {
        guard state.outboxOpen else { return [] }
        state.holdStatus = nil
        switch key {
        case .char("u") where state.holdIsSending:
            state.holdStatus = StatusMessage("Too late to undo: the hold is over and the message is being sent.", isError: true)
        case .char("u"):
            return [.undo(state.holding)]
        case .char("c"):
            // Write another while it counts: a fresh message; the held one shows in the status line.
            state.holding = []
            return [.startNewMessage(status: nil)]
        case .char("o"):
            return [.openOutbox(.browse, status: nil)]
        case .char("S"):
            return [.release(state.holding)]
        default:
            state.holdStatus =
                state.holdIsSending
                ? StatusMessage("c write another · o outbox (the message is being sent)", isError: false)
                : StatusMessage("u undo · c write another · o outbox · S send now", isError: false)
        }
        return []
    }

    static func handleOutbox(_ key: Key, _ screen: OutboxScreen, _ state: inout ComposerState) -> [ComposerEffect] {
        guard state.outboxOpen else { return [] }
        var screen = screen
        let outboxEffects = screen.handle(key, height: OutboxView.listHeight(state.height))
        state.screen = .outbox(screen)
        var effects: [ComposerEffect] = []
        for effect in outboxEffects {
            switch effect {
            case .back:
                state.screen = .compose
                if screen.purpose == .restart && state.owned.contains(where: { $0.kind != .holding }) {
                    state.model.status = StatusMessage("Interrupted messages stay in the outbox and are not sent; o shows them.")
                }
                return effects
            case .undo(let id):
                state.screen = .compose
                return effects + [.undo([id])]
            case .edit(let id): effects.append(.outboxEdit(id))
            case .release(let id): effects.append(.outboxRelease(id))
            case .discard(let id): effects.append(.outboxDiscard(id))
            }
        }
        return effects
    }

    // MARK: Delivery

    /// Held messages moved on: those on the hold screen end it (all sent and nothing else
    /// waits: the composer ends; else a fresh message, or the outbox view with the reason);
    /// the others say what became of them in the status line.
    static func delivered(_ notes: [DeliveryNote], _ state: inout ComposerState) -> [ComposerEffect] {
        // Handed to the submission thread: not finished; the hold screen shows it being sent.
        let notes = notes.filter { $0.outcome != .sending }
        guard !notes.isEmpty else { return [] }
        let onScreen = notes.filter { state.holding.contains($0.id) }
        for note in notes where !state.holding.contains(note.id) {
            state.model.status = note.status
            if case .outbox(var screen) = state.screen {
                screen.status = note.status
                state.screen = .outbox(screen)
            }
        }
        if !onScreen.isEmpty { return finishHold(onScreen, &state) }
        return state.screen.kind == .outbox ? [.refreshOutbox] : []
    }

    static func finishHold(_ notes: [DeliveryNote], _ state: inout ComposerState) -> [ComposerEffect] {
        state.holding.removeAll { id in notes.contains { $0.id == id } }
        guard state.holding.isEmpty else { return [] }
        let allSent = notes.allSatisfy { $0.outcome == .sent }
        let lines = notes.flatMap(\.lines)
        if allSent && state.owned.isEmpty { return [.finishSent(lines: lines)] }
        if state.screen.kind == .hold { state.screen = .compose }
        if allSent { return [.startNewMessage(status: StatusMessage(lines.last ?? "Sent."))] }
        // Something needs the user: the outbox view shows each message with its reason.
        return [.startNewMessage(status: nil), .openOutbox(.browse, status: notes.first(where: { $0.outcome != .sent })?.status)]
    }
}
