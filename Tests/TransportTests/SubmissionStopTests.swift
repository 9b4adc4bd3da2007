import Dispatch
import Synchronization
import Testing
@testable import Transport
#if canImport(Glibc)
    import Glibc
#endif

/// `submit(_:progress:proceed:)` asks before the last bytes of the message (after which curl
/// sends the final dot on its own). Stopped there, the server gets the message without its end
/// and can deliver nothing — the promise the composer's "interrupted: nothing was delivered"
/// rests on. Against a small SMTP server on 127.0.0.1 (plaintext, no AUTH) in this process.
@Suite("Stopping a submission before the final dot", .serialized)
struct SubmissionStopTests {
    /// One connection's dialogue: what the server saw.
    struct Seen: Sendable {
        var commands: [String] = []
        var dataBytes = 0
        var dotArrived = false
    }

    /// Accepts one connection and answers like a well-behaved server; records what came.
    final class LoopbackServer: Sendable {
        let port: UInt16
        private let listener: Int32
        let seen = Mutex(Seen())
        private let done = DispatchSemaphore(value: 0)

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0 && listen(fd, 1) == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            listener = fd
            port = UInt16(bigEndian: address.sin_port)
            DispatchQueue(label: "loopback-smtp").async { [self] in
                serve()
                done.signal()
            }
        }

        /// Waits until the connection ended (the client closed it).
        func finished() -> Seen {
            _ = done.wait(timeout: .now() + 30)
            close(listener)
            return seen.withLock { $0 }
        }

        private func serve() {
            // A client stopped before it connected never comes: give up after a few seconds.
            var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 5000) == 1 else { return }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            func say(_ line: String) { _ = (line + "\r\n").withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
            say("220 loopback ESMTP")
            var pending: [UInt8] = []
            var inData = false
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return }
                pending += buffer[0..<n]
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingSuffix("\r")
                    pending.removeSubrange(...newline)
                    if inData {
                        if line == "." {
                            inData = false
                            seen.withLock { $0.dotArrived = true }
                            say("250 2.0.0 queued")
                        } else {
                            seen.withLock { $0.dataBytes += line.utf8.count + 2 }
                        }
                        continue
                    }
                    let verb = String(line.prefix { $0 != " " && $0 != ":" }).uppercased()
                    seen.withLock { $0.commands.append(verb) }
                    switch verb {
                    case "EHLO": say("250-loopback\r\n250 8BITMIME")
                    case "DATA":
                        inData = true
                        say("354 go ahead")
                    case "QUIT":
                        say("221 bye")
                        return
                    default: say("250 OK")
                    }
                }
            }
        }
    }

    /// A message file of `size` bytes (lines of text, CRLF).
    static func messageFile(size: Int) throws -> String {
        var template = Array("/tmp/gm-stop-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        defer { close(fd) }
        let line = Array("Subject: x\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 76) + [13, 10]
        var bytes: [UInt8] = []
        while bytes.count < size { bytes += line.dropFirst(bytes.isEmpty ? 0 : 12) }
        bytes = Array(bytes.prefix(size - 2)) + [13, 10]
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } == bytes.count)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static func submit(size: Int, proceed: @escaping (SubmissionCheckpoint) -> Bool) throws -> (Result<SubmissionResult, TransportError>, Seen) {
        let server = try LoopbackServer()
        let path = try messageFile(size: size)
        defer { unlink(path) }
        let submitter = try SMTPSubmitter(
            server: SMTPServer(
                url: "smtp://127.0.0.1:\(server.port)", insecure: true, username: nil, password: nil, caFile: nil))
        let request = SubmissionRequest(
            mailFrom: "taro@example.jp", recipients: ["hanako@example.jp"], messagePath: path,
            messageSize: Int64(size))
        let result: Result<SubmissionResult, TransportError>
        do {
            result = .success(try submitter.submit(request, proceed: proceed))
        } catch {
            result = .failure(error)
        }
        submitter.close()
        return (result, server.finished())
    }

    @Test("asked before the end: going on sends the whole message and its dot")
    func goesOn() throws {
        final class Asked { var checkpoints: [SubmissionCheckpoint] = [] }
        let asked = Asked()
        let (result, seen) = try Self.submit(size: 300_000) { checkpoint in
            asked.checkpoints.append(checkpoint)
            return true
        }
        #expect(throws: Never.self) { try result.get() }
        #expect(seen.dotArrived)
        #expect(seen.dataBytes == 300_000)
        let checkpoints = asked.checkpoints
        #expect(checkpoints.contains(.running))
        #expect(checkpoints.contains(.endOfMessage))
        // Once at the end, never "running" again: the end is final.
        if let end = checkpoints.firstIndex(of: .endOfMessage) {
            #expect(!checkpoints[end...].contains(.running))
        }
    }

    @Test("stopped at the end: the server has every byte but the dot, and the error says stopped (not after the data)")
    func stoppedAtTheEnd() throws {
        let (result, seen) = try Self.submit(size: 300_000) { $0 != .endOfMessage }
        guard case .failure(let error) = result else {
            Issue.record("the submission was not stopped")
            return
        }
        #expect(error.kind == .stopped)
        #expect(!error.afterData)
        #expect(!seen.dotArrived)
        #expect(seen.commands.contains("DATA"))
        #expect(seen.dataBytes > 0 && seen.dataBytes < 300_000)
    }

    @Test("stopped while the dialogue runs: no message at all")
    func stoppedEarly() throws {
        let (result, seen) = try Self.submit(size: 1000) { _ in false }
        guard case .failure(let error) = result else {
            Issue.record("the submission was not stopped")
            return
        }
        #expect(error.kind == .stopped)
        #expect(!seen.dotArrived)
        #expect(seen.dataBytes == 0)
    }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> String { last == suffix ? String(dropLast()) : self }
}
