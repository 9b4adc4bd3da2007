import Testing
@testable import MailCore

@Suite struct PrebuiltMessageTests {
    private func prepare(_ text: String) -> PrebuiltMessage {
        PrebuiltMessage.prepare(Array(text.utf8), date: "Mon, 7 Dec 2026 06:00:00 +0000", messageID: "<new@example.jp>")
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("Bcc and Resent-Bcc leave the transmitted bytes, folded lines and all, and are kept for the copy")
    func bccRemoved() {
        let prepared = prepare(
            "From: a@example.jp\nTo: b@example.jp\nBcc: secret@other.example,\n  hidden@other.example\nSubject: hi\n"
                + "Resent-Bcc: r@other.example\nDate: x\nMessage-ID: <own@example.jp>\n\nbody Bcc: stays in the body\n")
        let out = text(prepared.transmitted)
        #expect(!out.contains("secret@"))
        #expect(!out.contains("hidden@"))
        #expect(!out.contains("r@other.example"))
        #expect(out.contains("body Bcc: stays in the body"))
        #expect(out.hasPrefix("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: hi\r\n"))
        #expect(text(prepared.bccFields) == "Bcc: secret@other.example,\r\n  hidden@other.example\r\nResent-Bcc: r@other.example\r\n")
        #expect(prepared.messageID == "<own@example.jp>")
    }

    @Test("every line ends in CRLF, whether it came with LF or CRLF")
    func crlf() {
        let out = prepare("Subject: a\r\nDate: x\nMessage-ID: <m@x>\n\nline one\r\nline two\n").transmitted
        for (index, byte) in out.enumerated() where byte == 0x0A {
            #expect(index > 0 && out[index - 1] == 0x0D, "bare LF at \(index)")
        }
        #expect(text(out).hasSuffix("\r\n\r\nline one\r\nline two\r\n"))
    }

    @Test("a message without Date or Message-ID gets them at the top; one with them keeps its own")
    func dateAndMessageID() {
        let bare = prepare("To: b@example.jp\n\nhi\n")
        #expect(text(bare.transmitted).hasPrefix("Date: Mon, 7 Dec 2026 06:00:00 +0000\r\nMessage-ID: <new@example.jp>\r\nTo: b@example.jp\r\n"))
        #expect(bare.messageID == "<new@example.jp>")
        let own = prepare("date: Sun, 6 Dec 2026 01:02:03 +0900\nMESSAGE-ID:  <own@x> \n\nhi\n")
        #expect(!text(own.transmitted).contains("new@example.jp"))
        #expect(!text(own.transmitted).contains("Mon, 7 Dec"))
        #expect(own.messageID == "<own@x>")
    }

    @Test("a Bcc field name is matched whole and in any case; Bccx is another field")
    func fieldNames() {
        let out = text(prepare("BCC : a@x\nBccx: keep@x\nDate: d\nMessage-ID: <m@x>\n\n").transmitted)
        #expect(!out.contains("a@x"))
        #expect(out.contains("Bccx: keep@x"))
    }

    @Test("without -i a line with a single dot ends the message; a dot inside a line does not")
    func dotLine() {
        #expect(text(PrebuiltMessage.cutAtDotLine(Array("A: b\n\n.x\n..\n.\nafter\n".utf8))) == "A: b\n\n.x\n..\n")
        #expect(text(PrebuiltMessage.cutAtDotLine(Array("A: b\r\n\r\n.\r\nafter".utf8))) == "A: b\r\n\r\n")
        #expect(text(PrebuiltMessage.cutAtDotLine(Array("A: b\n\nno dot".utf8))) == "A: b\n\nno dot")
    }
}
