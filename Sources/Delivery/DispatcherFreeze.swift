// DispatcherFreeze.swift — a confirmed message into the outbox: spooled, checked against what the
// confirmation showed, frozen (`writeOutbox`) and journalled; its hold starts.

#if canImport(Glibc)
    import Glibc
#endif
import Config
import Inspect
import Journal
import MailCore
import Outbox
import Policy
import Store
import Transport
import Workflow

extension Dispatcher {
    /// Freezes a confirmed message: spools it (synced), moves it into the outbox with its record,
    /// state and the composer's snapshot, takes ownership, journals it, and starts the hold.
    /// Nothing is sent here; `tick` sends it when the hold ends.
    public func freeze(
        _ message: OutgoingMessage, stamp: MessageStamp, account: AccountConfig, holdSeconds: Int,
        confirmation: ConfirmationRecord, inspections: [Inspection], draft: DraftRecord?, now: Instant
    ) throws(DeliveryError) -> String {
        let id = environment.newOutboxID(now)
        // Held until the spool file is in the outbox (or removed): a start meanwhile leaves it be.
        let writing: TemporaryFilesLock
        do {
            writing = try TemporaryFilesLock.writing(in: paths.spoolDirectory)
        } catch {
            throw DeliveryError(.io, "cannot write the message: \(error)")
        }
        defer { writing.release() }
        let spooled = try Delivery.spool(message, stamp: stamp, directory: paths.spoolDirectory, sync: true)
        // What was confirmed must be what goes: a file changed since the confirmation screen
        // showed its fingerprint is not sent under it.
        for (index, inspection) in inspections.enumerated()
        where !inspection.sha256.isEmpty && spooled.attachmentSHA256.indices.contains(index)
            && spooled.attachmentSHA256[index] != inspection.sha256
        {
            FileSystem.remove(spooled.path)
            throw DeliveryError(
                .data,
                "'\(inspection.name)' changed after it was checked; check it again (SHA-256 was "
                    + "\(inspection.sha256.prefix(12))…, is now \(spooled.attachmentSHA256[index].prefix(12))…)")
        }
        let recipients = message.envelope.recipients
        let record = OutboxRecord(
            id: id, messageID: stamp.messageID, account: account.name, from: message.from.formatted,
            mailFrom: message.envelope.mailFrom,
            recipients: recipients.map(OutboxRecipient.init),
            subject: message.subject,
            // The inspections are of the same files, in the same order (what the confirmation showed);
            // the fingerprints are of the bytes in the message.
            attachments: message.attachments.enumerated().map { index, attachment in
                let inspection = inspections.indices.contains(index) ? inspections[index] : nil
                return OutboxAttachment(
                    name: attachment.fileName, size: attachment.size ?? inspection?.size ?? 0,
                    sha256: spooled.attachmentSHA256[index], contentType: attachment.contentType)
            },
            confirmation: confirmation, confirmedAt: now.seconds, holdSeconds: holdSeconds,
            messageOffset: spooled.messageOffset, messageSize: spooled.size, messageSHA256: spooled.sha256)
        var machine = SendStateMachine(state: .confirming, retryPolicy: retryPolicy)
        let actions = try! machine.handle(.freeze(recipients: recipients.map(\.address), holdSeconds: holdSeconds, now: now))
        let freezing = Freezing(
            record: record, spoolFile: spooled.path, draft: draft, findings: confirmation.findings, parties: Self.journalParties(inspections))
        do throws(DispatchRefusal) {
            let rest = try performBeforeCommit(actions, id: id, machine: machine, now: now, freezing: freezing)
            perform(rest, id: id, now: now, detail: nil)
        } catch {
            FileSystem.remove(spooled.path)
            throw DeliveryError(.io, "\(error); nothing was sent and the draft is kept")
        }
        return id
    }

    /// `writeOutbox`: the entry's files (the message moved in from the spool, its record, the
    /// state with its release time, the composer's snapshot), claimed by this process, then the
    /// journal's record of the message and its hold. The journal's record is the condition for
    /// sending: when it cannot be made the entry is taken back out.
    func writeOutbox(_ id: String, machine: SendStateMachine, _ freezing: Freezing, now: Instant) throws(DispatchRefusal) {
        let record = freezing.record
        let lock: OwnerLock
        do {
            lock = try outbox.freezeClaimed(record, state: machine.state, spoolFile: freezing.spoolFile, draft: freezing.draft).lock
        } catch {
            throw DispatchRefusal("\(error)")
        }
        owned[id] = Owned(machine: machine, record: record, lock: lock)
        do {
            // The message and its hold in one transaction: one fsync, and never one without the other.
            try journal.recordMessages(
                [journalMessage(record, findings: freezing.findings, parties: freezing.parties)], at: Int64(now.seconds),
                then: .held, detail: "hold \(record.holdSeconds) s; outbox \(id)")
        } catch {
            owned[id] = nil
            lock.release()
            try? outbox.remove(id: id)
            throw DispatchRefusal("\(error)")
        }
    }

    /// What `writeOutbox` writes: the confirmed message as `freeze` spooled it.
    struct Freezing {
        var record: OutboxRecord
        var spoolFile: String
        var draft: DraftRecord?
        var findings: [OutboxFinding]
        /// Per attachment, in order: the parties its text names.
        var parties: [[JournalParty]] = []
    }

    /// Per attachment, the parties its text names, for the journal: who, and where in the file
    /// (never the text).
    static func journalParties(_ inspections: [Inspection]) -> [[JournalParty]] {
        inspections.map { inspection in
            AttachmentFacts(inspection).namedParties.map { JournalParty(name: $0.party.name, kind: $0.party.kind.rawValue, place: $0.place) }
        }
    }

    /// - Parameter parties: per attachment, in the record's order, the parties its text names.
    func journalMessage(_ record: OutboxRecord, findings: [OutboxFinding], parties: [[JournalParty]] = []) -> JournalMessage {
        JournalMessage(
            messageID: record.messageID, account: record.account, from: record.from, subject: record.subject,
            recipients: record.recipients.map {
                JournalRecipient(address: $0.address, displayName: $0.displayName, field: RecipientField(rawValue: $0.field) ?? .to)
            },
            attachments: record.attachments.enumerated().map { index, attachment in
                JournalAttachment(
                    name: attachment.name, size: attachment.size, sha256: attachment.sha256, contentType: attachment.contentType,
                    parties: parties.indices.contains(index) ? parties[index] : [])
            },
            findings: findings.map {
                JournalFinding(
                    ruleID: $0.ruleID, severity: $0.severity, message: $0.message, accepted: $0.accepted,
                    acceptedBy: $0.accepted ? Self.acceptedWhere(record.confirmation) : nil, challenged: $0.accepted && $0.challenged)
            },
            changedFindings: record.confirmation.changedFindings.map {
                JournalFinding(ruleID: $0.ruleID, severity: $0.severity, message: $0.message, accepted: false)
            },
            confirmMilliseconds: record.confirmation.confirmMilliseconds, confirmScreen: record.confirmation.screen,
            challenges: record.confirmation.answeredChallenges.compactMap { challenge in
                JournalChallenge.Form(rawValue: challenge.form).map {
                    JournalChallenge(
                        form: $0, subject: challenge.subject, chosen: challenge.chosen, reason: challenge.reason, rushed: challenge.rushed,
                        wrongAnswers: challenge.wrongAnswers)
                }
            })
    }

    /// Where the findings were accepted, in the journal's words (docs/journal.md, "Findings"):
    /// `confirmation screen` (the composer, or `guardmail sendmail` on a terminal) or `--accept`
    /// (`guardmail send`).
    static func acceptedWhere(_ confirmation: ConfirmationRecord) -> String {
        switch confirmation.via {
        case "composer": return "confirmation screen"
        case "sendmail": return "confirmation screen (sendmail)"
        case "send": return "--accept"
        default: return confirmation.via
        }
    }
}
