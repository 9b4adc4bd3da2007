import Config
import Inspect
import Journal
import MailCore
import Outbox
import Store
import Workflow

/// A message that arrived whole (the sendmail interface), with what the outbox record says of it.
public struct PrebuiltOutgoing: Sendable {
    public var message: PrebuiltMessage
    /// The From field as the sender sees it.
    public var from: String
    /// The envelope sender (`MAIL FROM`).
    public var mailFrom: String
    /// Every envelope recipient with the field it is in (an address given only as an argument
    /// is in none: it is recorded as Bcc, which it is in effect).
    public var recipients: [Recipient]
    public var subject: String
    /// The attachments as the policy saw them, with the SHA-256 of each one's decoded content.
    public var attachments: [OutboxAttachment]

    public init(
        message: PrebuiltMessage, from: String, mailFrom: String, recipients: [Recipient], subject: String,
        attachments: [OutboxAttachment]
    ) {
        self.message = message
        self.from = from
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.subject = subject
        self.attachments = attachments
    }
}

extension Delivery {
    /// Writes a ready-made message to a new spool file in `directory`: its Bcc fields (the
    /// sender's copy keeps them), then exactly the bytes to transmit, fingerprinted as written.
    public static func spool(_ outgoing: PrebuiltOutgoing, name: String, directory: String, sync: Bool) throws(DeliveryError) -> SpooledMessage {
        let path = "\(directory)/\(name).eml"
        do {
            try FileSystem.makeDirectories(directory)
            let sink = try FileSink(creating: path)
            let hasher = SHA256Hasher()
            do {
                try outgoing.message.bccFields.withUnsafeBytes { try sink.write($0) }
                try outgoing.message.transmitted.withUnsafeBytes { try sink.write($0) }
                try sink.finish(sync: sync)
            } catch {
                try? sink.finish(sync: false)
                FileSystem.remove(path)
                throw error
            }
            hasher.update(outgoing.message.transmitted)
            return SpooledMessage(
                path: path, messageOffset: Int64(outgoing.message.bccFields.count), size: Int64(outgoing.message.transmitted.count),
                envelope: Envelope(mailFrom: outgoing.mailFrom, recipients: outgoing.recipients), messageID: outgoing.message.messageID,
                attachmentSHA256: outgoing.attachments.map(\.sha256), sha256: hasher.finalize())
        } catch {
            throw DeliveryError(.io, "cannot write the message: \(error)")
        }
    }
}

extension Dispatcher {
    /// Freezes a ready-made message (the sendmail interface) as `freeze` freezes a composed one:
    /// spooled (synced), moved into the outbox with its record, owned here, journaled. With
    /// `awaitingConfirmation` it is parked instead of held: no hold starts, and nothing sends it
    /// until `confirmParked` (docs/states.md, "Waiting for a confirmation"); the journal then
    /// says "interrupted" with the reason, the word it has for "waiting for the user".
    /// `inspections` are of its attachments, in order: the parties they name go to the journal.
    public func freeze(
        _ outgoing: PrebuiltOutgoing, account: AccountConfig, holdSeconds: Int, confirmation: ConfirmationRecord,
        awaitingConfirmation: Bool, inspections: [Inspection] = [], now: Instant
    ) throws(DeliveryError) -> String {
        let id = environment.newOutboxID(now)
        let writing: TemporaryFilesLock
        do {
            writing = try TemporaryFilesLock.writing(in: paths.spoolDirectory)
        } catch {
            throw DeliveryError(.io, "cannot write the message: \(error)")
        }
        defer { writing.release() }
        let spooled = try Delivery.spool(outgoing, name: id, directory: paths.spoolDirectory, sync: true)
        let record = OutboxRecord(
            id: id, messageID: outgoing.message.messageID, account: account.name, from: outgoing.from, mailFrom: outgoing.mailFrom,
            recipients: outgoing.recipients.map(OutboxRecipient.init), subject: outgoing.subject, attachments: outgoing.attachments,
            confirmation: confirmation, confirmedAt: now.seconds, holdSeconds: holdSeconds,
            messageOffset: spooled.messageOffset, messageSize: spooled.size, messageSHA256: spooled.sha256)
        var machine = SendStateMachine(state: .confirming, retryPolicy: retryPolicy)
        let addresses = outgoing.recipients.map(\.address)
        let event: SendEvent =
            awaitingConfirmation ? .park(recipients: addresses) : .freeze(recipients: addresses, holdSeconds: holdSeconds, now: now)
        let actions = try! machine.handle(event)
        precondition(actions.first == .writeOutbox)
        let lock: OwnerLock
        do {
            lock = try outbox.freezeClaimed(record, state: machine.state, spoolFile: spooled.path, draft: nil).lock
        } catch {
            FileSystem.remove(spooled.path)
            throw DeliveryError(.io, "\(error); nothing was sent")
        }
        owned[id] = Owned(machine: machine, record: record, lock: lock)
        do {
            if awaitingConfirmation {
                try journal.recordMessages(
                    [journalMessage(record, findings: confirmation.findings, parties: Self.journalParties(inspections))], at: Int64(now.seconds),
                    then: .interrupted, detail: "needs confirmation: `guardmail outbox confirm \(id)` in a terminal; outbox \(id)")
            } else {
                try journal.recordMessages(
                    [journalMessage(record, findings: confirmation.findings, parties: Self.journalParties(inspections))], at: Int64(now.seconds),
                    then: .held, detail: "hold \(holdSeconds) s; outbox \(id)")
            }
        } catch {
            owned[id] = nil
            lock.release()
            try? outbox.remove(id: id)
            throw DeliveryError(.io, "\(error); nothing was sent")
        }
        return id
    }

    /// `guardmail outbox confirm ID`, after the confirmation screen: the parked message's hold
    /// starts now (the machine's `confirmed`), decided and written under the entry's state lock
    /// so that a cancel from another terminal either came first or finds it held. The journal
    /// gets "confirmed" (who, and the findings accepted) and then "held". The entry must be owned
    /// here (`adopt`). Returns why not when it is not waiting for a confirmation.
    public func confirmParked(_ id: String, holdSeconds: Int, confirmedBy: String, accepted: [String], now: Instant) -> DispatchRefusal? {
        guard let entry = owned[id] else { return DispatchRefusal("\(id) is not in this outbox") }
        guard entry.machine.isLegal(.confirmed(holdSeconds: holdSeconds, now: now)) else {
            return DispatchRefusal("\(id) is not waiting for a confirmation (it is \(entry.machine.state.kind.rawValue))")
        }
        do {
            return try outbox.withStateLock(id: id) { (disk: OutboxEntry) throws(OutboxError) -> DispatchRefusal? in
                guard disk.state.kind == .awaitingConfirmation else {
                    return DispatchRefusal("\(id) is not waiting for a confirmation any more")
                }
                var machine = entry.machine
                let actions = try! machine.handle(.confirmed(holdSeconds: holdSeconds, now: now))
                owned[id]?.machine = machine
                let findings = accepted.isEmpty ? "" : "; accepted: " + accepted.joined(separator: ", ")
                journalWrite(
                    .event(
                        messageID: entry.record.messageID, kind: .confirmed, at: Int64(now.seconds),
                        detail: "with guardmail outbox confirm by \(confirmedBy)\(findings)"),
                    what: JournalEventKind.confirmed.label)
                perform(actions, id: id, now: now, detail: nil)
                return nil
            }
        } catch {
            if error.kind == .notFound { return DispatchRefusal("\(id) left the outbox (cancelled?); nothing was sent") }
            return DispatchRefusal("\(error)")
        }
    }
}
