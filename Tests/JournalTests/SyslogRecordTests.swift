import Glibc
import Testing
@testable import Journal

@Suite struct SyslogRecordTests {
    private let record = SendOutcomeRecord(
        messageID: "<abc@example.jp>", account: "work", outcome: "sent",
        domains: [("partner.example", 2), ("xn--r8jz45g.jp", 1)], to: 1, cc: 1, bcc: 1,
        attachments: [("見積書 \"最終\"].pdf", String(repeating: "a", count: 64))], findingsAccepted: ["new-domain"],
        outboxID: "20261207-063000-k3f9")

    @Test("an RFC 5424 line: mail facility, info for sent, one structured-data element with every field")
    func format() {
        let line = record.rfc5424(at: 1_796_625_000, hostname: "desk12", pid: 4242)
        #expect(line.hasPrefix("<22>1 2026-12-07T06:30:00Z desk12 guardmail 4242 send [guardmail@32473 "))
        #expect(line.contains("message_id=\"<abc@example.jp>\" account=\"work\" outcome=\"sent\" outbox_id=\"20261207-063000-k3f9\""))
        #expect(line.contains("rcpt_total=\"3\" rcpt_to=\"1\" rcpt_cc=\"1\" rcpt_bcc=\"1\" domains=\"2\""))
        #expect(line.contains("domain=\"partner.example:2\" domain=\"xn--r8jz45g.jp:1\""))
        #expect(line.contains("attachments=\"1\" attachment=\"見積書 \\\"最終\\\"\\].pdf\" sha256=\"\(String(repeating: "a", count: 64))\""))
        #expect(line.contains("accepted=\"new-domain\"]"))
        #expect(!line.contains("\n"))
    }

    @Test("anything but sent is a warning (severity 4)")
    func severity() {
        var failed = record
        failed.outcome = "failed"
        #expect(failed.rfc5424(at: 0, hostname: "h", pid: 1).hasPrefix("<20>1 1970-01-01T00:00:00Z h guardmail 1 send "))
    }

    @Test("a record reaches a Unix datagram socket whole; a missing socket is a failure in words, not a trap")
    func socket() throws {
        let path = "/tmp/gm-syslog-test-\(getpid()).sock"
        unlink(path)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in Array(path.utf8).enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        defer {
            close(fd)
            unlink(path)
        }
        let sink = SyslogSocket(path: path)
        let line = record.rfc5424(at: 0, hostname: "h", pid: 1)
        sink.write(line)
        #expect(sink.takeFailures().isEmpty)
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(count > 0)
        #expect(String(decoding: buffer[..<max(count, 0)], as: UTF8.self) == line)

        let missing = SyslogSocket(path: path + ".missing")
        missing.write(line)
        let failures = missing.takeFailures()
        #expect(failures.count == 1)
        #expect(failures.first?.contains("cannot write to the syslog socket '\(path).missing'") == true)
    }
}
