import Delivery
import Journal
import Store
import Synchronization
import Testing
import Workflow
@testable import BulkSend

/// A bulk run takes its time from the `Environment` the dispatcher takes: the journal's events
/// carry the environment's wall clock, and the pauses between retries are its sleeps.
@Suite("Bulk runs: time from the Environment")
struct BulkRunnerEnvironmentTests {
    @Test("the journal's events are at the environment's time; retry pauses go to its sleep")
    func timeFromEnvironment() throws {
        let folder = try TemporaryFolder()
        let people = try recipients(2)
        let (job, journal) = try makeJob(.individual, people, in: folder)
        let server = FakeServer()
        // The first submission meets a dropped connection: a retry after the first delay.
        server.script = { $0 == 1 ? .connectionLost : .normal }
        let slept = Mutex<[Double]>([])
        let wallClock = 1_000_000.75
        let environment = Environment(
            paths: DataPaths(configDirectory: folder.path + "/config", dataDirectory: folder.path + "/data"),
            now: { Instant(seconds: wallClock) }, monotonic: { 42 }, newOutboxID: { _ in "unused" },
            sleep: { seconds in slept.withLock { $0.append(seconds) } })
        var options = BulkRunOptions()
        options.retryDelays = [0.5, 2.0]
        let run = BulkRunner(
            job: job, journal: journal, transport: server, log: nil, runID: "r1", environment: environment,
            options: options)
        let result = run.run(status: try status(job, journal))
        #expect(result.stopReason == nil)
        for person in people { #expect(server.count(person.mailbox.envelopeAddress) == 1) }
        #expect(slept.withLock { $0 }.reduce(0, +) >= 0.5)
        for message in job.index.messages {
            let entry = try #require(try journal.show(messageID: message.messageID))
            let sent = try #require(entry.events.last)
            #expect(sent.kind == .sent)
            #expect(sent.at == 1_000_000)
        }
    }
}
