import Testing
@testable import Config

@Suite struct JournalSettingsTests {
    private let account = "\n[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\n"

    @Test("without [journal] nothing goes to syslog; syslog = true uses /dev/log unless syslog_socket names another")
    func settings() throws {
        #expect(try ConfigLoader.parse(account, file: "c").journal == JournalSettings(syslog: false, syslogSocket: "/dev/log"))
        let on = try ConfigLoader.parse("[journal]\nsyslog = true\n" + account, file: "c")
        #expect(on.journal == JournalSettings(syslog: true, syslogSocket: "/dev/log"))
        let socket = try ConfigLoader.parse("[journal]\nsyslog = true\nsyslog_socket = \"/run/test/log\"\n" + account, file: "c")
        #expect(socket.journal.syslogSocket == "/run/test/log")
    }

    @Test(
        "a wrong [journal] key or value is refused with the line and the value",
        arguments: [
            ("[journal]\nsyslog = \"yes\"\n", "c:2"),
            ("[journal]\nsyslog_socket = \"log\"\n", "'log' must be an absolute path"),
            ("[journal]\nsyslogg = true\n", "unknown key 'syslogg'")
        ])
    func errors(_ text: String, _ expected: String) {
        #expect {
            _ = try ConfigLoader.parse(text + account, file: "c")
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}
