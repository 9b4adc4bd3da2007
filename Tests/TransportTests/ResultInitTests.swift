import Testing
@testable import Transport

@Suite("Submission results built outside the submitter")
struct ResultInitTests {
    @Test("the public initialisers give the same accepted/refused split as the submitter's results")
    func publicInitialisers() {
        let ok = RecipientResult(address: "a@example.org", reply: SMTPReply(code: 250, text: "2.1.5 OK"))
        let full = RecipientResult(address: "b@example.org", reply: SMTPReply(code: 452, text: "4.5.3 Too many recipients"))
        let untried = RecipientResult(address: "c@example.org", reply: nil)
        let result = SubmissionResult(recipients: [ok, full, untried], dataReply: SMTPReply(code: 250, text: "queued"), bytesSent: 10)
        #expect(result.accepted.map(\.address) == ["a@example.org"])
        #expect(result.refused.map(\.address) == ["b@example.org", "c@example.org"])
        #expect(full.reply?.isTemporary == true)
        #expect(untried.accepted == false)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Reading the message to send")
struct MessageReadTests {
    @Test("only messageSize bytes from the offset are read, even when the file goes on (a bulk spool)")
    func stopsAtTheMessageSize() throws {
        var template = Array("/tmp/gm-transport-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer {
            close(fd)
            unlink(path)
        }
        let content = Array("first message|second message|third".utf8)
        #expect(content.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } == content.count)
        #expect(lseek(fd, 14, SEEK_SET) == 14)
        let session = Session(fd: fd, credentialsRequired: false, progress: nil, limit: 15)
        var buffer = [UInt8](repeating: 0, count: 4)
        var read: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { session.readMessage(into: $0.baseAddress!, capacity: $0.count) }
            #expect(n >= 0)
            if n <= 0 { break }
            read += buffer[0..<n]
        }
        #expect(String(decoding: read, as: UTF8.self) == "second message|")
        #expect(session.bytesRead == 15)
    }
}
