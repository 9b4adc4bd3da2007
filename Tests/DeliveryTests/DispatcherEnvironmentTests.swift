import Config
import Glibc
import Inspect
import Journal
import Outbox
import Store
import Testing
import Workflow
@testable import Delivery

/// The dispatcher takes its clocks and outbox ids from the `Environment` it is given, not from
/// the system: what it writes to the journal carries the environment's time.
@Suite("Dispatcher: time and ids come from its Environment", .serialized)
struct DispatcherEnvironmentTests {
    final class Folder {
        let path: String
        init() {
            var template = Array("/tmp/gm-dispatcher-env-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        }
        deinit { _ = system("rm -rf '\(path)'") }
    }

    /// Always the same numbers: the ids it gives can be computed again by the test.
    struct CountingGenerator: RandomNumberGenerator {
        var state: UInt64 = 7
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    static func environment(paths: DataPaths, now: Double) -> Environment {
        Environment(
            paths: paths, now: { Instant(seconds: now) }, monotonic: { 5 },
            newOutboxID: { at in
                var generator = CountingGenerator()
                return Outbox.newID(now: at.seconds, random: &generator)
            }, sleep: { _ in })
    }

    @Test("a frozen message gets the environment's id; a failed attempt is journalled at the environment's time")
    func clockAndIDs() throws {
        let folder = Folder()
        let paths = DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data")
        let config = try ConfigLoader.parse(
            "[accounts.a]\nfrom = \"taro@example.jp\"\nsmtp_url = \"smtp://127.0.0.1:1\"\n",
            file: "config.toml")
        let account = try config.account(named: "a")
        // Years before any real clock: a time read from the system could not match.
        let answerAt = 1_000_000.0
        let frozenAt = Instant(seconds: answerAt - 60)
        let dispatcher = try Dispatcher(environment: Self.environment(paths: paths, now: answerAt)) {
            (name: String) throws(DeliveryError) -> AccountConfig in
            throw DeliveryError(.config, "no account named '\(name)' in this test")
        }
        let message = try Delivery.buildMessage(
            AddressFields(parsing: ["bob@example.com"]), subject: "Hello", body: "Hi.\n", attachmentPaths: [], account: account,
            detector: ContentTypeDetector())
        let stamp = Delivery.stamp(for: message)
        let id = try dispatcher.freeze(
            message, stamp: stamp, account: account, holdSeconds: 0,
            confirmation: ConfirmationRecord(confirmedBy: "test", via: "test"), inspections: [], draft: nil, now: frozenAt)
        var generator = CountingGenerator()
        #expect(id == Outbox.newID(now: frozenAt.seconds, random: &generator))

        let reports = dispatcher.tick(now: frozenAt)
        let report = try #require(reports.first)
        #expect(report.outcome == .failedPermanently)
        #expect(report.exitStatus == 78)
        dispatcher.relinquish(now: Instant(seconds: answerAt))

        let journal = try SendJournal.open(paths: paths)
        defer { journal.close() }
        let entry = try #require(try journal.show(messageID: stamp.messageID))
        let failed = try #require(entry.events.last)
        #expect(failed.kind == .failed)
        #expect(failed.at == Int64(answerAt))
    }
}
