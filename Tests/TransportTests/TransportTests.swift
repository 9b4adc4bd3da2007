import Testing
@testable import Transport

@Suite("SMTP URLs")
struct SMTPServerTests {
    @Test("URLs give host, port and security", arguments: [
        ("smtp://mail.example.jp", false, "mail.example.jp", 587, SMTPServer.Security.startTLS),
        ("smtp://mail.example.jp:2525", false, "mail.example.jp", 2525, .startTLS),
        ("smtps://mail.example.jp", false, "mail.example.jp", 465, .implicitTLS),
        ("smtps://mail.example.jp", true, "mail.example.jp", 465, .implicitTLS),  // insecure never weakens smtps
        ("smtp://127.0.0.1:1025", true, "127.0.0.1", 1025, .plaintextAllowed),
        ("smtp://[::1]:1025/client.example", false, "::1", 1025, .startTLS),
    ])
    func parse(url: String, insecure: Bool, host: String, port: Int, security: SMTPServer.Security) throws {
        let server = try SMTPServer(url: url, insecure: insecure, username: nil, password: nil, caFile: nil)
        #expect(server.host == host)
        #expect(server.port == port)
        #expect(server.security == security)
    }

    @Test("bad URLs are refused with the URL in the message", arguments: [
        "http://mail.example.jp", "mail.example.jp:587", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://[::1:25",
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
        feed(session, [
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
            (false, "250 2.0.0 queued as 12345"),
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
        feed(all, [
            (true, "MAIL FROM:<x@example.jp>"), (false, "250 OK"),
            (true, "RCPT TO:<a@example.com>"), (false, "550 no"), (true, "RCPT TO:<b@example.com>"), (false, "551 no"),
        ])
        #expect(all.firstRefusal()?.reply.code == 550)

        let some = Session(fd: -1, credentialsRequired: false, progress: nil)
        feed(some, [
            (true, "MAIL FROM:<x@example.jp>"), (false, "250 OK"),
            (true, "RCPT TO:<a@example.com>"), (false, "550 no"), (true, "RCPT TO:<b@example.com>"), (false, "250 OK"),
            (true, "DATA"), (false, "354 go"), (false, "554 5.6.0 Message rejected as spam"),
        ])
        #expect(some.firstRefusal()?.command == "DATA")
        #expect(some.firstRefusal()?.reply.code == 554)
    }

    @Test("AUTH LOGIN continuation lines are not mistaken for commands, and no secret is kept")
    func authLogin() {
        let session = Session(fd: -1, credentialsRequired: true, progress: nil)
        feed(session, [
            (true, "EHLO client"), (false, "250-mx"), (false, "250 AUTH LOGIN"),
            (true, "AUTH LOGIN"), (false, "334 VXNlcm5hbWU6"),
            (true, "dGFybw=="), (false, "334 UGFzc3dvcmQ6"),
            (true, "czNjcmV0"), (false, "535 5.7.8 Authentication credentials invalid"),
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
