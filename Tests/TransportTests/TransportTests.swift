import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import Transport

@Suite("SMTP URLs")
struct SMTPServerTests {
    @Test(
        "URLs give host, port and security",
        arguments: [
            ("smtp://mail.example.jp", false, "mail.example.jp", 587, SMTPServer.Security.startTLS),
            ("smtp://mail.example.jp:2525", false, "mail.example.jp", 2525, .startTLS),
            ("smtps://mail.example.jp", false, "mail.example.jp", 465, .implicitTLS),
            ("smtps://mail.example.jp", true, "mail.example.jp", 465, .implicitTLS), // insecure never weakens smtps
            ("smtp://127.0.0.1:1025", true, "127.0.0.1", 1025, .plaintextAllowed),
            ("smtp://[::1]:1025/client.example", false, "::1", 1025, .startTLS)
        ])
    func parse(url: String, insecure: Bool, host: String, port: Int, security: SMTPServer.Security) throws {
        let server = try SMTPServer(url: url, insecure: insecure, username: nil, password: nil, caFile: nil)
        #expect(server.host == host)
        #expect(server.port == port)
        #expect(server.security == security)
    }

    @Test(
        "bad URLs are refused with the URL in the message",
        arguments: [
            "http://mail.example.jp", "mail.example.jp:587", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://[::1:25"
        ])
    func refuse(url: String) {
        #expect {
            _ = try SMTPServer(url: url, insecure: false, username: nil, password: nil, caFile: nil)
        } throws: { error in
            (error as? TransportError)?.kind == .badURL && "\(error)".contains(url)
        }
    }
}

@Suite("Reading the SMTP dialogue")
struct SessionTests {
    func feed(_ session: Session, _ dialogue: [(Bool, String)]) {
        for (outgoing, line) in dialogue {
            if outgoing {
                session.commandSent(line + "\r\n")
            } else {
                Array((line + "\r\n").utf8).withUnsafeBytes { session.replyBytes($0) }
            }
        }
    }

    @Test("each RCPT TO is paired with its own reply, and the final reply is kept")
    func pairsRecipients() {
        let session = Session(fd: -1, credentialsRequired: true, progress: nil)
        feed(
            session,
            [
                (false, "220 mx ESMTP"),
                (true, "EHLO client"), (false, "250-mx"), (false, "250-STARTTLS"), (false, "250 SIZE 1000"),
                (true, "STARTTLS"), (false, "220 go ahead"),
                (true, "EHLO client"), (false, "250-mx"), (false, "250-AUTH PLAIN LOGIN"), (false, "250 SIZE 1000"),
                (true, "AUTH PLAIN dGFybwB0YXJvAHMzY3JldA=="), (false, "235 2.7.0 Authentication successful"),
                (true, "MAIL FROM:<taro@example.jp>"), (false, "250 OK"),
                (true, "RCPT TO:<a@example.com>"), (false, "250 OK"),
                (true, "RCPT TO:<c@example.org>"), (false, "550-5.1.1 No such user"), (false, "550 5.1.1 (second line)"),
                (true, "RCPT TO:<b@example.net>"), (false, "250 OK"),
                (true, "DATA"), (false, "354 End data with <CR><LF>.<CR><LF>"),
                (false, "250 2.0.0 queued as 12345")
            ])
        #expect(session.serverOffersAuth)
        #expect(session.authSent)
        #expect(session.authReply == SMTPReply(code: 235, text: "2.7.0 Authentication successful"))
        #expect(session.recipientReplies.map(\.address) == ["a@example.com", "c@example.org", "b@example.net"])
        #expect(session.recipientReplies[1].reply == SMTPReply(code: 550, text: "5.1.1 No such user 5.1.1 (second line)"))
        #expect(session.dataReply?.code == 354)
        #expect(session.finalReply == SMTPReply(code: 250, text: "2.0.0 queued as 12345"))
        #expect(session.firstRefusal() == nil)
    }

    @Test("replies split across callback calls are joined before parsing")
    func splitReplies() {
        let session = Session(fd: -1, credentialsRequired: false, progress: nil)
        session.commandSent("RCPT TO:<a@example.com>\r\n")
        for piece in ["45", "2 4.5.3 Too many", " recipients\r", "\n"] {
            Array(piece.utf8).withUnsafeBytes { session.replyBytes($0) }
        }
        #expect(session.recipientReplies.first?.reply == SMTPReply(code: 452, text: "4.5.3 Too many recipients"))
        #expect(session.recipientReplies.first?.reply.isTemporary == true)
    }

    @Test("a refused sender, all recipients refused, or a refused message are reported as refusals")
    func refusals() {
        let mail = Session(fd: -1, credentialsRequired: false, progress: nil)
        feed(mail, [(true, "MAIL FROM:<x@example.jp>"), (false, "553 5.7.1 Sender not allowed")])
        #expect(mail.firstRefusal()?.command == "MAIL")

        let all = Session(fd: -1, credentialsRequired: false, progress: nil)
        feed(
            all,
            [
                (true, "MAIL FROM:<x@example.jp>"), (false, "250 OK"),
                (true, "RCPT TO:<a@example.com>"), (false, "550 no"), (true, "RCPT TO:<b@example.com>"), (false, "551 no")
            ])
        #expect(all.firstRefusal()?.reply.code == 550)

        let some = Session(fd: -1, credentialsRequired: false, progress: nil)
        feed(
            some,
            [
                (true, "MAIL FROM:<x@example.jp>"), (false, "250 OK"),
                (true, "RCPT TO:<a@example.com>"), (false, "550 no"), (true, "RCPT TO:<b@example.com>"), (false, "250 OK"),
                (true, "DATA"), (false, "354 go"), (false, "554 5.6.0 Message rejected as spam")
            ])
        #expect(some.firstRefusal()?.command == "DATA")
        #expect(some.firstRefusal()?.reply.code == 554)
    }

    @Test("AUTH LOGIN continuation lines are not mistaken for commands, and no secret is kept")
    func authLogin() {
        let session = Session(fd: -1, credentialsRequired: true, progress: nil)
        feed(
            session,
            [
                (true, "EHLO client"), (false, "250-mx"), (false, "250 AUTH LOGIN"),
                (true, "AUTH LOGIN"), (false, "334 VXNlcm5hbWU6"),
                (true, "dGFybw=="), (false, "334 UGFzc3dvcmQ6"),
                (true, "czNjcmV0"), (false, "535 5.7.8 Authentication credentials invalid")
            ])
        #expect(session.authReply == SMTPReply(code: 535, text: "5.7.8 Authentication credentials invalid"))
    }

    @Test("a server without AUTH in EHLO is noticed")
    func noAuth() {
        let session = Session(fd: -1, credentialsRequired: true, progress: nil)
        feed(session, [(true, "EHLO client"), (false, "250-mx"), (false, "250-8BITMIME"), (false, "250 SIZE")])
        #expect(!session.serverOffersAuth)
        #expect(!session.authSent)
    }
}

@Suite("Timeouts")
struct TimeoutTests {
    @Test("the defaults: 30 s to connect, 60 s per reply and stall, the final reply 60 s + 2 s per MiB up to 10 minutes")
    func defaults() {
        let t = SMTPTimeouts()
        #expect(t.connect == 30 && t.reply == 60 && t.stall == 60)
        #expect(t.finalReply(forSize: 0) == 60)
        #expect(t.finalReply(forSize: 25 << 20) == 110)
        #expect(t.finalReply(forSize: 1 << 40) == 600)
    }

    @Test("GUARDMAIL_SMTP_TIMEOUTS sets any of the waits; the rest keep their defaults")
    func parse() throws {
        let t = try SMTPTimeouts.parse("connect=2, reply=1.5,final=3,final_per_mib=0,stall=4,final_max=9")
        #expect(t.connect == 2 && t.reply == 1.5 && t.stall == 4)
        #expect(t.finalReply(forSize: 100 << 20) == 3)
        #expect(t.finalMaximum == 9)
        #expect(try SMTPTimeouts.parse("reply=5").connect == 30)
    }

    @Test(
        "a bad timeout setting is refused with the part that is wrong",
        arguments: [
            ("reply", "'reply' in 'reply' is not NAME=SECONDS"),
            ("reply=0", "'reply' in 'reply=0' must be a number of seconds above 0 up to 86400, not '0'"),
            ("reply=-1", "not '-1'"),
            ("reply=abc", "not 'abc'"),
            ("reply=nan", "not 'nan'"),
            ("connect=2,,reply=3", "'' in 'connect=2,,reply=3' is not NAME=SECONDS"),
            ("patience=3", "unknown timeout 'patience'"),
            ("final=100,final_max=50", "'final_max' (50.0 s) in 'final=100,final_max=50' is shorter than 'final'")
        ])
    func refuse(text: String, expected: String) {
        #expect {
            _ = try SMTPTimeouts.parse(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    var now = 100.0
}

@Suite("Deadlines of one submission")
struct DeadlineTests {
    func session(_ clock: TestClock, limit: Int64 = 10) -> Session {
        var timeouts = SMTPTimeouts()
        timeouts.reply = 5
        timeouts.stall = 7
        timeouts.finalBase = 20
        timeouts.finalPerMiB = 0
        return Session(fd: -1, credentialsRequired: false, progress: nil, limit: limit, timeouts: timeouts, now: { clock.now })
    }

    func reply(_ session: Session, _ line: String) {
        Array((line + "\r\n").utf8).withUnsafeBytes { session.replyBytes($0) }
    }

    @Test("each command has the reply limit from when it was sent; a reply ends the wait")
    func replyDeadline() {
        let clock = TestClock()
        let s = session(clock)
        reply(s, "220 mx ESMTP")
        #expect(s.overdue(now: clock.now + 1000) == nil, "nothing waits before a command is sent")
        s.commandSent("MAIL FROM:<a@b>\r\n")
        #expect(s.overdue(now: clock.now + 5) == nil)
        #expect(s.overdue(now: clock.now + 5.01)?.message == "no reply to MAIL within 5 s")
        #expect(s.overdue(now: clock.now + 5.01)?.kind == .timeout)
        clock.now += 3
        reply(s, "250 OK")
        s.commandSent("RCPT TO:<c@d>\r\n")
        #expect(s.overdue(now: clock.now + 4) == nil)
        #expect(s.overdue(now: clock.now + 6)?.message == "no reply to RCPT within 5 s")
    }

    @Test("while the message moves the stall limit applies; after its end, the final reply's")
    func dataAndFinalDeadlines() throws {
        var template = Array("/tmp/gm-deadline-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer {
            close(fd)
            unlink(path)
        }
        #expect(Array("0123456789".utf8).withUnsafeBytes { write(fd, $0.baseAddress!, 10) } == 10)
        #expect(lseek(fd, 0, SEEK_SET) == 0)
        let clock = TestClock()
        let s = Session(
            fd: fd, credentialsRequired: false, progress: nil, limit: 10,
            timeouts: session(clock).timeouts, now: { clock.now })
        reply(s, "220 mx")
        s.commandSent("DATA\r\n")
        clock.now += 1
        reply(s, "354 go ahead")
        #expect(s.overdue(now: clock.now + 7) == nil)
        #expect(s.overdue(now: clock.now + 8)?.message == "the server took no part of the message for 7 s")
        var buffer = [UInt8](repeating: 0, count: 4)
        clock.now += 6
        _ = buffer.withUnsafeMutableBytes { s.readMessage(into: $0.baseAddress!, capacity: 4) }
        #expect(s.overdue(now: clock.now + 7) == nil, "bytes moved: the stall limit starts again")
        clock.now += 2
        while buffer.withUnsafeMutableBytes({ s.readMessage(into: $0.baseAddress!, capacity: 4) }) > 0 {}
        #expect(s.dataEndedAt == clock.now)
        #expect(s.overdue(now: clock.now + 19) == nil, "the final reply has 20 s, not the stall's 7")
        let late = s.overdue(now: clock.now + 21)
        #expect(late?.message == "no answer to the end of the message within 20 s")
        reply(s, "250 queued")
        #expect(s.overdue(now: clock.now + 1000) == nil)
    }

    @Test("a 554 or 421 greeting is kept as the greeting reply")
    func greeting() {
        let clock = TestClock()
        let refused = session(clock)
        reply(refused, "554 5.3.2 No SMTP service here")
        #expect(refused.greetingReply == SMTPReply(code: 554, text: "5.3.2 No SMTP service here"))
        let busy = session(clock)
        reply(busy, "421 4.3.2 Try later")
        #expect(busy.greetingReply?.isTemporary == true)
    }
}
