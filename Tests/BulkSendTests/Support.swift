import Foundation
import Testing
import Bulk
import Journal
import MailCore
import Transport
@testable import BulkSend

/// A fresh folder for one test, removed at the end.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gm-bulksend-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let sender = try! AddressParser.parseMailbox("山田 太郎 <taro@example.jp>")

func recipients(_ count: Int, domain: String = "example.org") throws -> [BulkRecipient] {
    try (1...count).map { i in
        var mailbox = try AddressParser.parseMailbox("user\(i)@\(domain)")
        mailbox.displayName = "利用者\(i)"
        return BulkRecipient(line: i + 1, mailbox: mailbox, fields: ["email": mailbox.address, "name": "利用者\(i)"])
    }
}

/// A frozen job in `folder` and an open journal that has its messages.
func makeJob(
    _ mode: BulkMode, _ people: [BulkRecipient], in folder: TemporaryFolder, batchSize: Int = 100,
    subject: String = "ご案内", body: String = "お知らせです。\n"
) throws -> (BulkJob, SendJournal) {
    let store = BulkStore(directory: folder.path + "/bulk")
    let id = BulkStore.newID(now: 1_790_000_000 + Double.random(in: 0..<1000))
    let record = BulkJobRecord(
        id: id, mode: mode, account: "test", from: sender.formatted, mailFrom: sender.envelopeAddress, subject: subject,
        recipientFile: "list.csv", recipientCount: people.count, messageCount: 0, invalidCount: 0, duplicateCount: 0,
        toHeader: .sender, attachments: [], findings: [], confirmedBy: "tester@host", confirmedAt: 1_790_000_000, holdSeconds: 0,
        ratePerMinute: nil, batchSize: batchSize)
    var counter = 0
    let (job, messages) = try BulkFreezer.freeze(
        store: store, record: record, recipients: people,
        content: BulkContent(from: sender, subject: Template(subject), body: Template(body), attachments: []),
        attachments: [], findings: [],
        stamp: { _ in
            counter += 1
            return MessageStamp(
                date: MailDate(secondsSince1970: 1_790_000_000, utcOffsetSeconds: 32_400),
                messageID: "<m\(counter).\(id)@example.jp>", boundary: "=_b\(counter)")
        })
    let journal = try SendJournal(path: folder.path + "/journal.sqlite")
    try journal.recordMessages(messages, at: 1, then: .held, detail: "bulk job \(id)")
    return (job, journal)
}

func status(_ job: BulkJob, _ journal: SendJournal) throws -> BulkStatus {
    BulkLedger.status(of: job, progress: try journal.progress(of: job.index.messages.map(\.messageID)))
}

func reply(_ code: Int, _ text: String = "") -> SMTPReply { SMTPReply(code: code, text: text) }

/// A scripted SMTP server.
final class FakeServer: BulkTransport {
    enum Action {
        case normal
        /// The connection fails before anything is accepted.
        case connectionLost
        /// The data went out and no answer came; `delivered`: whether the server kept it.
        case lostAfterData(delivered: Bool)
        /// No reply within the time limit before the data (e.g. to MAIL): nothing was accepted.
        case timeout
        /// The whole message went, then no answer within the limit; the error names no recipient
        /// (as the transport built it before issue 10); `delivered`: whether the server kept it.
        case silentAfterData(delivered: Bool)
        case mailRefused(SMTPReply)
        case dataRefused(SMTPReply)
        case loginDenied
    }

    var refuse: [String: SMTPReply] = [:]
    var maxRecipients: Int?
    /// The action for the n-th submission (1-based); nil or missing: normal.
    var script: (Int) -> Action = { _ in .normal }
    /// Called with each request before it is answered.
    var onSubmit: ((SubmissionRequest) -> Void)?

    private(set) var submissions: [SubmissionRequest] = []
    /// Every (recipient, message offset) the server kept.
    private(set) var delivered: [(address: String, offset: Int64)] = []
    private(set) var resets = 0

    func count(_ address: String) -> Int { delivered.count { $0.address == address } }

    func submit(_ request: SubmissionRequest) throws(TransportError) -> SubmissionResult {
        submissions.append(request)
        onSubmit?(request)
        let action = script(submissions.count)
        switch action {
        case .connectionLost:
            throw TransportError(.connectionLost, "the server closed the connection")
        case .timeout:
            throw TransportError(.timeout, "no reply to MAIL within 60 s")
        case .mailRefused(let r):
            throw TransportError(.rejected, "the server refused the sender: \(r)", reply: r)
        case .loginDenied:
            throw TransportError(.loginDenied, "login denied")
        default:
            break
        }
        var results: [RecipientResult] = []
        var accepted = 0
        for address in request.recipients {
            if let r = refuse[address] {
                results.append(RecipientResult(address: address, reply: r))
            } else if let max = maxRecipients, accepted >= max {
                results.append(RecipientResult(address: address, reply: reply(452, "4.5.3 Too many recipients")))
            } else {
                accepted += 1
                results.append(RecipientResult(address: address, reply: reply(250, "2.1.5 OK")))
            }
        }
        guard accepted > 0 else {
            throw TransportError(.rejected, "the server refused every recipient", reply: results.first?.reply, recipients: results)
        }
        switch action {
        case .lostAfterData(let kept):
            if kept { for r in results where r.accepted { delivered.append((r.address, request.messageOffset)) } }
            var error = TransportError(.connectionLost, "the connection broke after the whole message was sent", recipients: results)
            error.afterData = true
            throw error
        case .silentAfterData(let kept):
            if kept { for r in results where r.accepted { delivered.append((r.address, request.messageOffset)) } }
            var error = TransportError(.timeout, "no answer to the end of the message within 60 s")
            error.afterData = true
            throw error
        case .dataRefused(let r):
            throw TransportError(.rejected, "the server refused the message: \(r)", reply: r, recipients: results)
        default:
            for r in results where r.accepted { delivered.append((r.address, request.messageOffset)) }
            return SubmissionResult(recipients: results, dataReply: reply(250, "2.0.0 queued"), bytesSent: request.messageSize)
        }
    }

    func reset() { resets += 1 }
}

/// Time that only moves when slept.
final class FakeClock: BulkClock {
    var now = 1000.0
    var slept: [Double] = []
    func monotonic() -> Double { now }
    func wall() -> Int64 { 1_790_000_100 + Int64(now) }
    func sleep(_ seconds: Double) {
        slept.append(seconds)
        now += seconds
    }
}

func runner(
    _ job: BulkJob, _ journal: SendJournal, _ server: FakeServer, clock: FakeClock = FakeClock(),
    log: BulkProgressLog? = nil, options: BulkRunOptions = BulkRunOptions()
) -> BulkRunner {
    BulkRunner(
        job: job, journal: journal, transport: server, log: log, runID: "r\(Int.random(in: 1000...9999))", clock: clock,
        options: options)
}
