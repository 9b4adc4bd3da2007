#if canImport(Glibc)
    import Glibc
#endif
import Delivery
import Inspect
import MailCore
import Outbox
import Policy
import Store
import TUI
import Workflow

/// The composer's side of the hold: freezing a confirmed message, the countdown screen, the
/// outbox view, undo, and what the clock brings (a hold ending, a retry, a failure).
extension ComposerSession {
    // MARK: Freezing

    /// `y` on a fully ticked confirmation screen: every message goes into the outbox and the
    /// countdown starts. The composer's draft is now the outbox's snapshot.
    func freeze(_ messages: [OutgoingMessage], screen: ConfirmModel, inspections: [Inspection]) -> ComposerOutcome? {
        guard let dispatcher else {
            return send(.frozen(ids: [], problem: StatusMessage("Not sent: \(dispatcherProblem ?? "the outbox is not available")", isError: true)))
        }
        let snapshot = currentDraftRecord()
        if let earlier = leftFindings {
            // Frozen with no confirmation screen after going back from one (the edit left
            // nothing to confirm): what `noteConfirmation` does when the next screen shows.
            let seen = Set(changedFindings.map { [$0.ruleID, $0.message] })
            changedFindings += Finding.goneOrChanged(earlier, in: screen.findings).filter { !seen.contains([$0.ruleID, $0.message]) }
            leftFindings = nil
        }
        var confirmation = ConfirmationRecord(
            confirmedBy: Delivery.confirmer(), via: "composer",
            tickedRecipients: screen.groups.flatMap(\.recipients).filter { screen.isTicked(.recipient($0.key)) }
                .map(\.mailbox.envelopeAddress),
            tickedAttachments: screen.attachments.indices.filter { screen.isTicked(.attachment($0)) }.map { screen.attachments[$0].name },
            // Accepted is what the sender ticked, never a finding's severity alone.
            findings: screen.findings.indices.map { index in
                let finding = screen.findings[index]
                // Challenged: accepted by answering every challenge about it.
                let challenged = screen.isChallenged(index)
                return OutboxFinding(
                    ruleID: finding.ruleID, severity: finding.severity.rawValue, message: finding.message,
                    accepted: screen.isAccepted(index), challenged: challenged)
            },
            challenges: screen.challenges.indices.filter { screen.isAnswered($0) }.map(screen.answerRecord))
        confirmation.changedFindings = changedFindings.map {
            OutboxFinding(ruleID: $0.ruleID, severity: $0.severity.rawValue, message: $0.message, accepted: false)
        }
        confirmation.screen = screen.screenKind.rawValue
        confirmation.answeredChallenges = screen.answeredChallenges.map(OutboxChallenge.init)
        if let shown = confirmShownAt {
            confirmation.confirmMilliseconds = Int64((max(0, environment.monotonic() - shown) * 1000).rounded())
        }
        var ids: [String] = []
        var problem: StatusMessage?
        let now = environment.now()
        // Messages confirmed together (one to each recipient) are held together, for the hold
        // the screen showed: `u` then takes every one of them back.
        let holdSeconds = screen.holdSeconds
        for message in messages {
            do throws(DeliveryError) {
                let id = try dispatcher.freeze(
                    message, stamp: Delivery.stamp(for: message), account: account,
                    holdSeconds: holdSeconds, confirmation: confirmation,
                    inspections: inspections, draft: snapshot, now: now)
                ids.append(id)
            } catch {
                // Those frozen so far stay held (the user sees them counting and can undo them).
                problem = StatusMessage(
                    "Not sent: \(error.message.replacingNewlines)" + (ids.isEmpty ? "" : " (\(ids.count) other message(s) are held)"),
                    isError: true)
                break
            }
        }
        if !ids.isEmpty {
            // The outbox holds the message now (with this exact snapshot for undo).
            drafts.delete(id: draftID)
            savedRevision = model.revision
            messageInOutbox = true
            forgetChecks()
        }
        return send(.frozen(ids: ids, problem: problem))
    }

    /// The draft as it is now: fields, body, attachment paths, cursor.
    func currentDraftRecord() -> DraftRecord {
        var record = DraftRecord(id: draftID, account: account.name)
        record.to = model.to.text
        record.cc = model.cc.text
        record.bcc = model.bcc.text
        record.subject = model.subject.text
        record.body = model.body.text
        record.attachmentPaths = model.attachments.map(\.path)
        if case .editing(let field) = model.mode { record.field = field.rawValue }
        record.bodyLine = model.body.cursor.line
        record.bodyColumn = model.body.cursor.column
        record.savedAt = Int64(environment.now().seconds.rounded(.down))
        record.inReplyTo = threading.inReplyTo
        record.references = threading.references
        return record
    }

    // MARK: The hold screen

    func holdScreen(now: Instant) -> HoldScreen? {
        let holding = state.holding
        guard let dispatcher, let first = holding.first else { return nil }
        let items = dispatcher.ownedItems.filter { holding.contains($0.id) }
        guard let lead = items.first(where: { $0.id == first }) ?? items.first else { return nil }
        var secondsLeft = 0
        if case let .holding(releaseAt, _) = lead.state {
            secondsLeft = Int(max(0, now.seconds(until: releaseAt)).rounded(.up))
        }
        let recipients = items.flatMap(\.record.recipients)
        let classifier = policy.classifier(sender: account.from)
        var counts: [String: (count: Int, isInternal: Bool)] = [:]
        for recipient in recipients {
            let domain = recipient.shownDomain
            counts[domain, default: (0, classifier.isInternal(domain: domain))].count += 1
        }
        let domains = counts.map { HoldDomain(domain: $0.key, count: $0.value.count, isInternal: $0.value.isInternal) }
            .sorted { ($0.isInternal ? 1 : 0, -$0.count, $0.domain) < ($1.isInternal ? 1 : 0, -$1.count, $1.domain) }
        let otherHeld = dispatcher.ownedItems.filter { !holding.contains($0.id) && $0.state.kind == .holding }.count
        return HoldScreen(
            id: lead.id, subject: lead.record.subject, from: lead.record.from, secondsLeft: secondsLeft,
            holdSeconds: lead.record.holdSeconds, domains: domains, recipientCount: recipients.count,
            bccCount: recipients.filter { $0.field == "bcc" }.count,
            attachments: lead.record.attachments.map { "\($0.name) (\(formatBytes($0.size)))" }, otherHeld: otherHeld,
            status: state.holdStatus, sending: Self.sending(lead), note: state.holdNote)
    }

    /// The hold is over and the submission thread is sending it: what the hold screen says.
    static func sending(_ item: OutboxItem) -> HoldSending? {
        guard item.state.kind == .submitting else { return nil }
        let progress = item.progress ?? .sending(sent: 0, total: 0)
        if case let .sending(sent, total) = progress {
            return HoldSending(words: "Sending to the server…" + (progress.percent.map { " \($0) %" } ?? ""), sent: sent, total: total)
        }
        return HoldSending(words: progress.words.prefix(1).uppercased() + progress.words.dropFirst())
    }

    /// `S` on the hold screen: the hold ends now for these messages.
    func release(_ ids: [String]) -> ComposerOutcome? {
        guard let dispatcher else { return nil }
        var reports: [DispatchReport] = []
        for id in ids {
            if let report = dispatcher.release(id, now: environment.now()) { reports.append(report) }
        }
        return send(.delivered(reports.map(note)))
    }

    /// Takes held messages back into the composer: the current message (if it has anything in
    /// it) is saved as a draft first, then the held one's snapshot becomes the composer.
    func undo(_ ids: [String]) -> ComposerOutcome? {
        guard let dispatcher, !ids.isEmpty else { return nil }
        let now = environment.now()
        var restored = false
        var problems: [String] = []
        var reports: [DispatchReport] = []
        for id in ids {
            let result = dispatcher.undo(id, now: now) { snapshot in
                // One composer snapshot for all the messages of one confirmation (send individually).
                if restored { return }
                try self.restore(snapshot)
                restored = true
            }
            switch result {
            case .restored: break
            case .tooLate(let report): if let report { reports.append(report) }
            case .notRestored(let why): problems.append(why)
            }
        }
        return send(.undone(restored: restored, problems: problems, tooLateLine: reports.first?.lines.last))
    }

    /// Makes `snapshot` the composer's message. The current one, if it has content and is not
    /// the same message, is saved as a draft first; the snapshot is saved as a draft before the
    /// caller removes it from the outbox (throws when that fails).
    func restore(_ snapshot: DraftRecord?) throws {
        // The message on screen is replaced below: it must be safe in the drafts folder first.
        guard saveDraft(force: true) else { throw DraftNotSaved(reason: draftProblem ?? "unknown error") }
        guard let snapshot else {
            throw DraftMissing()
        }
        try drafts.save(snapshot)
        guard let (model, _) = resumed(snapshot.id) else { throw DraftMissing() }
        replaceMessage(model, status: nil)
    }

    struct DraftMissing: Error, CustomStringConvertible {
        var description: String { "the composer snapshot of this message is missing" }
    }

    struct DraftNotSaved: Error, CustomStringConvertible {
        var reason: String
        var description: String { "the message being written could not be saved as a draft first (\(reason))" }
    }

    /// A fresh message. The one on screen is saved as a draft first (unless the outbox keeps
    /// it); if that fails it stays on screen, with the reason, rather than being dropped.
    /// `status` is shown afterwards either way.
    func startNewMessage(then status: StatusMessage?) -> ComposerOutcome? {
        guard saveDraft(force: true) else {
            return send(
                .say(
                    status
                        ?? StatusMessage(
                            "Still this message: it could NOT be saved as a draft (\(draftProblem ?? "unknown error")), so it was not replaced.",
                            isError: true)))
        }
        draftID = newDraftID(environment.now())
        messageInOutbox = false
        return replaceMessage(ComposeModel(from: account.from.formatted, accountName: account.name), status: status)
    }

    // MARK: The clock

    /// Moves held messages on; returns an outcome when the composer should end (the message on
    /// the hold screen went to everyone and nothing else waits).
    func advanceHolds() -> ComposerOutcome? {
        guard let dispatcher else { return nil }
        // A hold that ends hands its message to the submission thread (`.sending`): the hold
        // screen shows it being sent; the outcome is reported by a later tick.
        let reports = dispatcher.tick(now: environment.now()).filter { $0.outcome != .sending }
        if reports.isEmpty { return nil }
        return send(.delivered(reports.map(note)))
    }

    /// A dispatch report as the reducer sees it.
    func note(_ report: DispatchReport) -> DeliveryNote {
        let outcome: DeliveryNote.Outcome
        switch report.outcome {
        case .sending: outcome = .sending
        case .sent: outcome = .sent
        default: outcome = .other
        }
        return DeliveryNote(id: report.id, outcome: outcome, lines: report.lines, status: statusLine(report))
    }

    func statusLine(_ report: DispatchReport) -> StatusMessage {
        switch report.outcome {
        case .sent: return StatusMessage(report.lines.last ?? "Sent.")
        case .cancelledElsewhere: return StatusMessage("A held message was cancelled from another terminal; nothing was sent.")
        case .undone, .discarded: return StatusMessage(report.lines.last ?? "Not sent.")
        case .failedTemporarily(let retryAt):
            let wait = Int(max(0, environment.now().seconds(until: retryAt)).rounded(.up))
            return StatusMessage("Not sent yet: \(report.lines.last ?? "temporary failure"); retrying in \(wait) s", isError: true)
        case .sending:
            return StatusMessage(report.lines.last ?? "Sending…")
        case .partiallySent, .failedPermanently, .unknown, .interrupted:
            return StatusMessage(report.lines.filter { !$0.hasPrefix("accepted: ") }.joined(separator: "; "), isError: true)
        }
    }

    /// "1 held: sends in 42 s — u undo · o outbox" for the composer's status line.
    func heldSummary(now: Instant) -> String? {
        guard let dispatcher else { return nil }
        let items = dispatcher.ownedItems
        let held = items.filter { $0.state.kind == .holding }
        let retrying = items.filter { $0.state.kind == .failedTemporarily }
        let sending = items.filter { $0.state.kind == .submitting }
        let waiting = items.filter { ![.holding, .failedTemporarily, .submitting].contains($0.state.kind) }
        var parts: [String] = []
        if let first = sending.first {
            // "1 sending… 42 %" while the submission thread works; keys and drafts go on.
            let words = (first.progress ?? .sending(sent: 0, total: 0)).words
            parts.append(sending.count == 1 ? "1 \(words) — o outbox" : "\(sending.count) being sent (\(words)) — o outbox")
        }
        if let next = held.compactMap({ item -> Double? in
            if case let .holding(releaseAt, _) = item.state { return now.seconds(until: releaseAt) }
            return nil
        }).min() {
            parts.append("\(held.count) held: \(held.count == 1 ? "sends" : "next sends") in \(Int(max(0, next).rounded(.up))) s — u undo · o outbox")
        }
        if let next = retrying.compactMap({ item -> Double? in
            if case let .failedTemporarily(_, _, retryAt, _) = item.state { return now.seconds(until: retryAt) }
            return nil
        }).min() {
            parts.append("\(retrying.count) not sent yet (temporary failure), retrying in \(Int(max(0, next).rounded(.up))) s — o outbox")
        }
        if !waiting.isEmpty {
            parts.append("\(waiting.count) in the outbox need\(waiting.count == 1 ? "s" : "") you — o outbox")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    // MARK: The outbox view

    func openOutbox(_ purpose: OutboxScreen.Purpose, status: StatusMessage?) -> ComposerOutcome? {
        guard let dispatcher else {
            return send(.say(StatusMessage(dispatcherProblem ?? "the outbox is not available", isError: true)))
        }
        // Messages whose process died since the start (a `send` in another terminal) wait for
        // the user too.
        dispatcher.adoptAbandoned(now: environment.now())
        return send(.outboxOpened(purpose, rows: outboxRows(), status: status))
    }

    @discardableResult
    func refreshOutbox() -> ComposerOutcome? {
        send(.outboxRows(outboxRows()))
    }

    func outboxRows() -> [OutboxRow] {
        guard let dispatcher else { return [] }
        let now = environment.now()
        let (items, problems) = dispatcher.items()
        var rows = items.map { item -> OutboxRow in
            var actions: Set<OutboxAction> = []
            if item.ownedHere {
                let kind = item.state.kind
                if SendStateMachine.isLegal(.undo, in: kind) { actions.insert(.undo) }
                if SendStateMachine.isLegal(.release, in: kind) { actions.insert(.release) }
                if SendStateMachine.isLegal(.edit, in: kind) { actions.insert(.edit) }
                if SendStateMachine.isLegal(.discard, in: kind) { actions.insert(.discard) }
            }
            let tone: OutboxTone
            switch item.state.kind {
            case .holding, .submitting: tone = .normal
            case .failedTemporarily, .interrupted: tone = .warning
            default: tone = .danger
            }
            let count = item.record.recipients.count
            return OutboxRow(
                id: item.id, subject: item.record.subject.isEmpty ? "(no subject)" : item.record.subject,
                recipients: "\(count) recipient\(count == 1 ? "" : "s"): " + Self.domainList(item.record),
                status: item.describe(now: now), tone: tone, actions: actions)
        }
        // A damaged entry: its folder and what is wrong; d removes it (nothing is sent from it).
        for entry in problems {
            rows.append(
                OutboxRow(
                    id: entry.id, subject: "(damaged: not sent)", recipients: entry.path,
                    status: "damaged: " + entry.problem, tone: .danger,
                    actions: entry.kind == .corrupt ? [.discard] : []))
        }
        return rows
    }

    static func domainList(_ record: OutboxRecord) -> String {
        var seen: [String] = []
        for recipient in record.recipients {
            let domain = recipient.shownDomain
            if !seen.contains(domain) { seen.append(domain) }
        }
        return seen.prefix(3).joined(separator: ", ") + (seen.count > 3 ? ", +\(seen.count - 3) more" : "")
    }

    /// `e` on the outbox view: the message back into the composer (nothing sent).
    func outboxEdit(_ id: String) -> ComposerOutcome? {
        guard let dispatcher else { return nil }
        if let refusal = dispatcher.edit(id, now: environment.now(), restore: { try self.restore($0) }) {
            return send(.outboxActed(status: StatusMessage(refusal.description, isError: true), leftHold: nil, close: false))
        }
        return send(
            .outboxActed(
                status: StatusMessage("Back in the composer; nothing was sent. y sends it again through the confirmation."), leftHold: id,
                close: true))
    }

    /// `S` on the outbox view: handed to the submission thread; the row shows "sending…" and
    /// then the outcome.
    func outboxRelease(_ id: String) -> ComposerOutcome? {
        guard let dispatcher else { return nil }
        let report = dispatcher.release(id, now: environment.now())
        if let outcome = refreshOutbox() { return outcome }
        return send(
            .outboxActed(status: report.map(statusLine) ?? StatusMessage("\(id) cannot be sent now.", isError: true), leftHold: id, close: false))
    }

    /// `d d` on the outbox view.
    func outboxDiscard(_ id: String) -> ComposerOutcome? {
        guard let dispatcher else { return nil }
        let now = environment.now()
        if dispatcher.discard(id, now: now) {
            if let outcome = refreshOutbox() { return outcome }
            return send(.outboxActed(status: StatusMessage("Discarded; nothing more will be sent."), leftHold: id, close: false))
        } else if case .done = dispatcher.discardDamaged(id, now: now) {
            if let outcome = refreshOutbox() { return outcome }
            return send(.outboxActed(status: StatusMessage("Removed the damaged entry; nothing was sent from it."), leftHold: nil, close: false))
        }
        return send(.outboxActed(status: StatusMessage("\(id) cannot be discarded now.", isError: true), leftHold: nil, close: false))
    }

    /// Messages this process runs in the outbox (held, retrying, waiting for the user): after it
    /// ends they wait for the user (`guardmail outbox`, or the next start asks). Those that were
    /// being sent when it ended are not counted: `stoppedSubmissions` says what became of them.
    public var messagesLeftInOutbox: Int {
        let told = Set(stoppedSubmissions.map(\.id))
        return dispatcher?.ownedItems.filter { !told.contains($0.id) }.count ?? 0
    }
}

extension OutboxChallenge {
    /// The screen's facts of an answered challenge, carried to the freeze for the journal.
    public init(_ answered: AnsweredChallenge) {
        self.init(
            form: answered.form, subject: answered.subject, chosen: answered.chosen, reason: answered.reason, rushed: answered.rushed,
            wrongAnswers: answered.wrongAnswers)
    }
}
