import Config
import Foundation
import Glibc
import Inspect
import Journal
import MailCore
import Outbox
import Store
import Synchronization
import Testing
import Transport
import Workflow
@testable import Delivery

/// A dispatcher's world for unit tests: a real outbox, journal and sent folder in a temporary
/// folder; a clock the test sets; a scripted server in place of the network. Every `Dispatcher`
/// made from one rig shares the data folder, as two guardmail processes on one machine do (the
/// outbox's flock locks hold between two dispatchers of one process as between two processes).
final class DispatcherRig {
    let folder: String
    let paths: DataPaths
    let clock: FakeClock
    let server: ScriptedServer
    let account: AccountConfig
    let environment: Environment
    var outbox: Outbox { Outbox(directory: paths.outboxDirectory) }

    /// Years before any real clock: an instant read from the system could not pass for one of these.
    static let start = 1_000_000.0

    /// `repeatingIDs`: every freeze gets the same outbox id (the second finds it taken).
    init(repeatingIDs: Bool = false) throws {
        var template = Array("/tmp/gm-dispatcher-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        paths = DataPaths(configDirectory: folder + "/config", dataDirectory: folder + "/data")
        let clock = FakeClock(Self.start)
        self.clock = clock
        server = ScriptedServer(outbox: Outbox(directory: paths.outboxDirectory))
        let config = try ConfigLoader.parse(
            "[accounts.a]\nfrom = \"taro@example.jp\"\nsmtp_url = \"smtp://127.0.0.1:1\"\n", file: "config.toml")
        account = try config.account(named: "a")
        let ids = Mutex(CountingGenerator())
        environment = Environment(
            paths: paths, now: { clock.now }, monotonic: { clock.now.seconds },
            newOutboxID: { at in
                if repeatingIDs {
                    var fresh = CountingGenerator()
                    return Outbox.newID(now: at.seconds, random: &fresh)
                }
                return ids.withLock { Outbox.newID(now: at.seconds, random: &$0) }
            }, sleep: { _ in })
    }

    deinit { _ = system("rm -rf '\(folder)'") }

    /// A guardmail process on this rig's data: submissions inline, to the scripted server.
    func dispatcher() throws -> Dispatcher {
        let account = self.account
        return try Dispatcher(environment: environment, submitting: server) { (name: String) throws(DeliveryError) -> AccountConfig in
            guard name == account.name else { throw DeliveryError(.config, "no account named '\(name)' in this test") }
            return account
        }
    }

    struct Frozen {
        var id: String
        var messageID: String
        var releaseAt: Instant
        var draft: DraftRecord
    }

    /// Confirms and freezes a message to `to` (and `cc`) at the clock's time, held `hold` seconds.
    func freeze(_ dispatcher: Dispatcher, to: [String], cc: [String] = [], hold: Int = 10) throws -> Frozen {
        let message = try Delivery.buildMessage(
            AddressFields(parsing: to, cc: cc), subject: "Quarterly figures", body: "Attached below.\n", attachmentPaths: [],
            account: account, detector: ContentTypeDetector())
        let stamp = Delivery.stamp(for: message)
        let draft = DraftRecord(
            id: "draft-1", account: account.name, to: to.joined(separator: ", "),
            cc: cc.joined(separator: ", "), subject: "Quarterly figures", body: "Attached below.\n")
        let now = clock.now
        let id = try dispatcher.freeze(
            message, stamp: stamp, account: account, holdSeconds: hold,
            confirmation: ConfirmationRecord(confirmedBy: "test", via: "test"), inspections: [], draft: draft, now: now)
        return Frozen(id: id, messageID: stamp.messageID, releaseAt: now + Double(hold), draft: draft)
    }

    /// The state in the entry's state.toml; nil when the entry is gone.
    func diskState(_ id: String) -> SendState? {
        guard FileSystem.exists(outbox.entryDirectory(id: id)) else { return nil }
        return try? outbox.load(id: id).state
    }

    /// A hand edit of one of the entry's files: `from` (which must be there) becomes `to`.
    func replace(_ from: String, with to: String, in file: String, of id: String) throws {
        let path = outbox.entryDirectory(id: id) + "/" + file
        let text = try #require(try FileSystem.readUTF8(path))
        try #require(text.contains(from), "no \(from) in \(file):\n\(text)")
        let sink = try FileSink(creating: path + ".edit")
        try sink.write(text.replacingOccurrences(of: from, with: to))
        try sink.finish(sync: false)
        try FileSystem.rename(path + ".edit", to: path)
    }

    /// Swaps the one recipient `from` for `to` in record.toml and state.toml alike (the two files agree).
    func swapRecipient(_ from: String, for to: String, of id: String) throws {
        try replace("address = \"\(from)\"", with: "address = \"\(to)\"", in: "record.toml", of: id)
        try replace("recipients = [\"\(from)\"]", with: "recipients = [\"\(to)\"]", in: "state.toml", of: id)
    }

    /// The journal's record of the message (opened afresh: what another process would read).
    func journal(_ messageID: String) throws -> JournalEntry {
        let journal = try SendJournal.open(paths: paths)
        defer { journal.close() }
        return try #require(try journal.show(messageID: messageID))
    }

    /// The kinds of the journal's events for the message, oldest first.
    func events(_ messageID: String) throws -> [JournalEventKind] { try journal(messageID).events.map(\.kind) }

    func hasSentCopy(_ id: String) -> Bool { FileSystem.exists(SentFolder(directory: paths.sentDirectory).path(named: id)) }

    /// No process holds the entry's owner lock. A child that another test in this process spawns
    /// at this instant shares every descriptor, the released lock's too, until its exec closes
    /// them (close-on-exec), so a released lock can look held for that moment: asked again for up
    /// to a second before it counts as held.
    func isReleased(_ id: String) -> Bool {
        for _ in 0..<100 {
            if !outbox.isClaimed(id: id) { return true }
            usleep(10_000)
        }
        return false
    }
}

/// The wall clock of a test: it says what the test last set, and never moves on its own.
final class FakeClock: Sendable {
    private let seconds: Mutex<Double>
    init(_ seconds: Double) { self.seconds = Mutex(seconds) }
    var now: Instant { Instant(seconds: seconds.withLock { $0 }) }
    func set(_ instant: Instant) { seconds.withLock { $0 = instant.seconds } }
}

/// Always the same numbers, so that ids are the same in every run.
struct CountingGenerator: RandomNumberGenerator {
    var state: UInt64 = 11
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
}

/// A server that answers each submission as the test scripted it, in order, and remembers what it
/// was given and what the outbox said at that moment. A submission nobody scripted is a test
/// failure (the dispatcher sent something it should not have).
final class ScriptedServer: Submitting {
    typealias Answer = (SubmissionJob) -> SubmissionOutcome
    private let outbox: Outbox
    private var answers: [Answer] = []
    /// Every submission, in order.
    private(set) var jobs: [SubmissionJob] = []
    /// The entry's state on disk when each submission began (nil: unreadable).
    private(set) var statesOnDisk: [SendState?] = []
    /// The bytes each submission would have put on the wire.
    private(set) var messages: [[UInt8]] = []
    /// Runs inside each submission, before the answer (another terminal acting meanwhile, the
    /// clock moving while the server takes its time).
    var during: ((SubmissionJob) -> Void)?
    private(set) var prepared: [String] = []

    init(outbox: Outbox) { self.outbox = outbox }

    /// The answer to the next submission.
    func then(_ answer: @escaping Answer) { answers.append(answer) }

    func prepare(_ account: AccountConfig) throws(DeliveryError) { prepared.append(account.name) }

    func submit(
        _ job: SubmissionJob, progress: ((Int64, Int64) -> Void)?,
        proceed: ((SubmissionCheckpoint) -> Bool)?
    ) -> SubmissionOutcome {
        jobs.append(job)
        statesOnDisk.append(try? outbox.load(id: job.id).state)
        messages.append(Self.read(job.request))
        during?(job)
        guard !answers.isEmpty else {
            Issue.record("a submission nobody expected, to \(job.request.recipients)")
            return .failed(TransportError(.other, "no answer scripted"))
        }
        return answers.removeFirst()(job)
    }

    private static func read(_ request: SubmissionRequest) -> [UInt8] {
        guard let bytes = try? FileSystem.readHead(request.messagePath, limit: Int(request.messageOffset + request.messageSize))
        else { return [] }
        return Array(bytes.dropFirst(Int(request.messageOffset)))
    }

    // MARK: Answers

    static let ok = SMTPReply(code: 250, text: "2.1.5 OK")

    /// Every recipient accepted, the message queued.
    static func accepted(_ job: SubmissionJob) -> SubmissionOutcome {
        .submitted(
            SubmissionResult(
                recipients: job.request.recipients.map { RecipientResult(address: $0, reply: ok) },
                dataReply: SMTPReply(code: 250, text: "2.0.0 queued"), bytesSent: job.request.messageSize))
    }

    /// The message queued; the recipients in `refused` (as the server spells them) refused with `reply`.
    static func refusing(_ refused: [String], with reply: SMTPReply = SMTPReply(code: 550, text: "5.1.1 no such user"))
        -> Answer
    {
        { job in
            let named = Set(refused.map { RecipientKey(address: $0) })
            let results = job.request.recipients.map { address in
                let spelled = refused.first { RecipientKey(address: $0) == RecipientKey(address: address) }
                return named.contains(RecipientKey(address: address))
                    ? RecipientResult(address: spelled ?? address, reply: reply) : RecipientResult(address: address, reply: ok)
            }
            return .submitted(
                SubmissionResult(
                    recipients: results, dataReply: SMTPReply(code: 250, text: "2.0.0 queued"),
                    bytesSent: job.request.messageSize))
        }
    }

    /// The transaction failed as a whole.
    static func failing(_ kind: TransportError.Kind, _ message: String, reply: SMTPReply? = nil, afterData: Bool = false) -> Answer {
        { _ in
            var error = TransportError(kind, message, reply: reply)
            error.afterData = afterData
            return .failed(error)
        }
    }
}
