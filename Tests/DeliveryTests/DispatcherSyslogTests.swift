import Glibc
import Journal
import Testing
import Workflow
@testable import Delivery

/// `[journal] syslog = true`: one record per send outcome (docs/journal.md, "Into the log pipeline").
@Suite struct DispatcherSyslogTests {
    /// A bound Unix datagram socket in the rig's folder; `records()` reads what arrived.
    final class Receiver {
        let path: String
        let fd: Int32
        init(folder: String) {
            path = folder + "/log.sock"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in Array(path.utf8).enumerated() { buffer[index] = byte }
            }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        deinit { close(fd) }
        func records() -> [String] {
            var out: [String] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count <= 0 { return out }
                out.append(String(decoding: buffer[..<count], as: UTF8.self))
            }
        }
    }

    @Test("a send writes one record, at its outcome: none for the freeze, the hold or the submission")
    func oneRecordPerOutcome() throws {
        let rig = try DispatcherRig()
        let receiver = Receiver(folder: rig.folder)
        let dispatcher = try rig.dispatcher()
        dispatcher.syslog = SyslogSocket(path: receiver.path)
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com", "carol@partner.example"], hold: 10)
        #expect(receiver.records().isEmpty)
        rig.server.then(ScriptedServer.accepted)
        #expect(dispatcher.tick(now: frozen.releaseAt).map(\.outcome) == [.sent])
        let records = receiver.records()
        #expect(records.count == 1)
        let line = try #require(records.first)
        #expect(line.hasPrefix("<22>1 "))
        #expect(line.contains("message_id=\"\(frozen.messageID)\" account=\"a\" outcome=\"sent\" outbox_id=\"\(frozen.id)\""))
        #expect(line.contains("rcpt_total=\"2\" rcpt_to=\"2\""))
        #expect(line.contains("domain=\"example.com:1\" domain=\"partner.example:1\""))
        // Never the subject, the body or a local part.
        #expect(!line.contains("Quarterly figures"))
        #expect(!line.contains("Attached below"))
        #expect(!line.contains("bob@"))
        #expect(dispatcher.syslog?.takeFailures().isEmpty == true)
    }

    @Test("a failed send is a warning record with its outcome; a syslog that is down never stops the send")
    func failureAndDownSocket() throws {
        let rig = try DispatcherRig()
        let receiver = Receiver(folder: rig.folder)
        let dispatcher = try rig.dispatcher()
        dispatcher.syslog = SyslogSocket(path: receiver.path)
        let frozen = try rig.freeze(dispatcher, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.refusing(["bob@example.com"]))
        _ = dispatcher.tick(now: frozen.releaseAt)
        let records = receiver.records()
        #expect(records.count == 1)
        #expect(records.first?.hasPrefix("<20>1 ") == true)
        #expect(records.first?.contains("outcome=\"failed\"") == true)

        let down = try rig.dispatcher()
        down.syslog = SyslogSocket(path: rig.folder + "/nobody-listens.sock")
        let second = try rig.freeze(down, to: ["bob@example.com"], hold: 0)
        rig.server.then(ScriptedServer.accepted)
        #expect(down.tick(now: second.releaseAt).map(\.outcome) == [.sent])
        #expect(down.syslog?.takeFailures().count == 1)
    }
}
