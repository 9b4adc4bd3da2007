import Testing
@testable import Delivery

@Suite struct SendmailArgumentsTests {
    @Test("mutt's call: -oem -oi, --, then recipients; -oem is ignored with a note")
    func mutt() throws {
        let request = try SendmailArguments.parse(["-oem", "-oi", "--", "a@example.jp", "B <b@example.com>"])
        #expect(request.ignoreDots)
        #expect(!request.recipientsFromHeaders)
        #expect(request.recipients == ["a@example.jp", "B <b@example.com>"])
        #expect(request.notes == ["ignoring the sendmail option '-oem': it has no effect here"])
    }

    @Test("git send-email's call: -i, -f ADDRESS, recipients without --")
    func gitSendEmail() throws {
        let request = try SendmailArguments.parse(["-i", "-f", "taro@example.jp", "x@example.com", "-y@example.com"])
        #expect(request.ignoreDots)
        #expect(request.envelopeFrom == "taro@example.jp")
        // After the first recipient everything is a recipient, even what looks like an option.
        #expect(request.recipients == ["x@example.com", "-y@example.com"])
    }

    @Test("-t, -fADDRESS and -FNAME written together, -F with a separate value")
    func joinedValues() throws {
        let request = try SendmailArguments.parse(["-t", "-ftaro@example.jp", "-F", "山田 太郎", "-odb"])
        #expect(request.recipientsFromHeaders)
        #expect(request.envelopeFrom == "taro@example.jp")
        #expect(request.fullName == "山田 太郎")
        #expect(request.recipients.isEmpty)
        #expect(request.notes.count == 1)
        let joined = try SendmailArguments.parse(["-FTaro", "-r", "t@x"])
        #expect(joined.fullName == "Taro")
        #expect(joined.envelopeFrom == "t@x")
    }

    @Test("ignored options that take a value consume it: -B 8BITMIME, -N never")
    func ignoredWithValues() throws {
        let request = try SendmailArguments.parse(["-B", "8BITMIME", "-N", "never", "-bm", "a@x"])
        #expect(request.recipients == ["a@x"])
        #expect(
            request.notes == [
                "ignoring the sendmail option '-B 8BITMIME': it has no effect here",
                "ignoring the sendmail option '-N never': it has no effect here"
            ])
    }

    @Test(
        "unknown options and other modes are refused, naming the option",
        arguments: [
            (["-k"], "unknown sendmail option '-k'"),
            (["-ozz"], "unknown sendmail option '-ozz'"),
            (["-bs"], "the sendmail mode '-bs' is not supported"),
            (["-bp"], "the sendmail mode '-bp' is not supported"),
            (["-q"], "'-q' (run the queue) is not supported"),
            (["-f"], "the sendmail option '-f' needs a value"),
            (["-tx"], "unknown sendmail option '-tx'")
        ])
    func refused(_ arguments: [String], _ message: String) {
        #expect {
            _ = try SendmailArguments.parse(arguments)
        } throws: { error in
            (error as? SendmailUsageError)?.description.hasPrefix(message) == true
        }
    }
}
