import Testing
@testable import Transport

@Suite struct RecipientPairingTests {
    @Test("a reply to RCPT TO:<Bob@X.example> pairs with our recipient when the line is spelled in another case")
    func otherCase() {
        let session = Session(fd: -1, credentialsRequired: false, progress: nil)
        for (outgoing, line) in [
            (true, "MAIL FROM:<taro@example.jp>"), (false, "250 OK"),
            (true, "RCPT TO:<bob@x.example>"), (false, "250 2.1.5 <BOB@X.EXAMPLE> ok"),
            (true, "RCPT TO:<c@example.org>"), (false, "550 5.1.1 No such user")
        ] {
            if outgoing {
                session.commandSent(line + "\r\n")
            } else {
                Array((line + "\r\n").utf8).withUnsafeBytes { session.replyBytes($0) }
            }
        }
        let results = RecipientResult.paired(requested: ["Bob@X.example", "c@example.org"], sent: session.recipientReplies)
        #expect(
            results == [
                RecipientResult(address: "Bob@X.example", reply: SMTPReply(code: 250, text: "2.1.5 <BOB@X.EXAMPLE> ok")),
                RecipientResult(address: "c@example.org", reply: SMTPReply(code: 550, text: "5.1.1 No such user"))
            ])
    }

    @Test("the domain in A-labels on the line pairs with our Unicode spelling")
    func idn() {
        let ok = SMTPReply(code: 250, text: "OK")
        #expect(
            RecipientResult.paired(requested: ["user@例え.jp"], sent: [("user@xn--r8jz45g.jp", ok)])
                == [RecipientResult(address: "user@例え.jp", reply: ok)])
    }

    @Test("a line whose address could not be read goes to the next recipient without a reply, in order")
    func unread() {
        let ok = SMTPReply(code: 250, text: "OK"), no = SMTPReply(code: 550, text: "no")
        let results = RecipientResult.paired(
            requested: ["a@x.example", "b@x.example", "c@x.example"],
            sent: [("", ok), ("B@X.example", no)])
        #expect(results.map(\.reply) == [ok, no, nil])
    }

    @Test("a line for another recipient never pairs; a recipient with no line was not tried")
    func stranger() {
        let ok = SMTPReply(code: 250, text: "OK")
        let results = RecipientResult.paired(requested: ["bob@x.example"], sent: [("bob2@x.example", ok)])
        #expect(results == [RecipientResult(address: "bob@x.example", reply: nil)])
    }
}
