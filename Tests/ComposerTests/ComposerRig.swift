import Config
import Delivery
import Glibc
import Outbox
import Policy
import Store
import Synchronization
import TUI
import Workflow
@testable import Composer

/// A composer's world for unit tests: a real drafts folder, outbox and journal in a temporary
/// folder, a wall clock the test moves, and a `RecordingTerminal` that plays the keys. Nothing
/// is sent: the account's server is a closed port, and no test here lets a hold end.
final class ComposerRig {
    let folder: String
    let paths: DataPaths
    let clock: TestClock
    let account: AccountConfig
    let environment: Environment
    var outbox: Outbox { Outbox(directory: paths.outboxDirectory) }
    var drafts: DraftStore { DraftStore(directory: paths.draftsDirectory) }

    /// Years before any real clock: an instant read from the system could not pass for one of these.
    static let start = 1_000_000.0

    init() throws {
        var template = Array("/tmp/gm-composer-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        paths = DataPaths(configDirectory: folder + "/config", dataDirectory: folder + "/data")
        let clock = TestClock(Self.start)
        self.clock = clock
        let config = try ConfigLoader.parse(
            "[accounts.a]\nfrom = \"taro@example.jp\"\nsmtp_url = \"smtp://127.0.0.1:1\"\n", file: "config.toml")
        account = try config.account(named: "a")
        let ids = Mutex(UInt64(0))
        environment = Environment(
            paths: paths, now: { clock.now }, monotonic: { clock.now.seconds },
            newOutboxID: { at in
                ids.withLock {
                    $0 += 1
                    return "t\(Int(at.seconds))-\($0)"
                }
            }, sleep: { _ in })
    }

    deinit { _ = system("rm -rf '\(folder)'") }

    /// A composer on this rig with `initial` filled in (no draft offered at start).
    func session(_ initial: DraftInput, policy: PolicyConfig = .defaults) -> ComposerSession {
        let account = self.account
        let drafts = Mutex(0)
        let session = ComposerSession(
            account: account, environment: environment, theme: Theme.plain,
            policy: policy, initial: initial, offerDrafts: false,
            newDraftID: { at in
                drafts.withLock {
                    $0 += 1
                    return "d\(Int(at.seconds)).\($0)"
                }
            },
            accounts: { (name: String) throws(DeliveryError) -> AccountConfig in
                guard name == account.name else { throw DeliveryError(.config, "no account named '\(name)' in this test") }
                return account
            })
        // Checks run at once, so that a key after `y` finds the confirmation screen (the tests of
        // a check still running set their own).
        session.runCheck = { $0() }
        return session
    }
}

/// The wall clock of a test: it says what the test last set, and never moves on its own.
final class TestClock: Sendable {
    private let seconds: Mutex<Double>
    init(_ seconds: Double) { self.seconds = Mutex(seconds) }
    var now: Instant { Instant(seconds: seconds.withLock { $0 }) }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

extension Grid {
    var text: String { textLines.joined(separator: "\n") }
}
