import MailCore
import Testing

@testable import Config

@Suite("The starter config of guardmail init")
struct StarterConfigTests {
    @Test("it parses back to the account it was written from, awkward names and accounts included")
    func roundTrip() throws {
        let cases: [(name: String?, address: String, account: String)] = [
            ("山田 太郎", "taro@example.co.jp", "main"),
            ("Sato, \"Jiro\" \\ Sales", "jiro@日本語.jp", "work-2"),
            (nil, "hanako@example.jp", "会社")
        ]
        for (name, address, account) in cases {
            let bare = try AddressParser.parseMailbox(address)
            let from = try Mailbox(displayName: name, localPart: bare.localPart, domain: bare.domain)
            let text = StarterConfig.text(account: account, from: from, smtpURL: "smtps://mail.example.jp:465")
            let config = try ConfigLoader.parse(text, file: "config.toml")
            let parsed = try config.account(named: nil)
            #expect(parsed.name == account)
            #expect(parsed.from == from)
            #expect(parsed.smtpURL == "smtps://mail.example.jp:465")
            #expect(parsed.username == nil && parsed.passwordCommand == nil)
        }
    }

    @Test("it never holds a password: the login lines are commented out unless a password command is given")
    func noPassword() throws {
        let from = try AddressParser.parseMailbox("山田 太郎 <taro@example.co.jp>")
        let text = StarterConfig.text(account: "main", from: from, smtpURL: "smtp://mail.example.co.jp:587")
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(!line.contains("password"), "\(line)")
        }
        for choice in StarterConfig.passwordCommands {
            #expect(
                text.contains(
                    "# password_command = \"\(choice.command.split(separator: "ACCOUNT", omittingEmptySubsequences: false).joined(separator: "main"))\""))
        }
        let withLogin = StarterConfig.text(
            account: "main", from: from, smtpURL: "smtp://mail.example.co.jp:587", login: ("taro", "pass show mail/main"))
        let account = try ConfigLoader.parse(withLogin, file: "config.toml").account(named: "main")
        #expect(account.username == "taro" && account.passwordCommand == "pass show mail/main")
    }
}
