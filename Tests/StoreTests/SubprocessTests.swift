import Foundation
import Testing
@testable import Store

@Suite struct SubprocessTests {
    /// The signals blocked in /proc/self/status of the program `Subprocess.run` started.
    static func childBlockedSignals() throws -> UInt64 {
        let output = try Subprocess.run(["/bin/cat", "/proc/self/status"])
        let text = String(decoding: output.standardOutput, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("SigBlk:") })
        return try #require(UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16))
    }

    @Test("a program started from a thread that blocks signals starts with none blocked")
    func childSignalMask() throws {
        // As the composer's submission thread does before it runs the password command.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, signal) }
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        #expect(try Self.childBlockedSignals() == 0)
    }
}
