import Foundation
import Testing
@testable import Config
import MailCore

@Suite("Config file")
struct ConfigTests {
    static let valid = """
        default_account = "work"

        [accounts.work]
        from = "山田 太郎 <taro@example.co.jp>"
        smtp_url = "smtp://mail.example.co.jp:587"
        username = "taro"
        password_command = "pass show mail/work"
        ca_file = "/etc/ssl/company-ca.pem"
        max_attachment_mib = 10

        [accounts.home]
        from = "taro@example.jp"
        smtp_url = "smtps://smtp.example.jp"
        """

    @Test("accounts are read with every field, and the default is chosen")
    func valid() throws {
        let config = try ConfigLoader.parse("theme = \"light\"\n" + Self.valid, file: "config.toml")
        #expect(config.theme == "light")
        #expect(config.accounts.map(\.name) == ["work", "home"])
        let work = try config.account(named: nil)
        #expect(work.name == "work")
        #expect(work.from.displayName == "山田 太郎")
        #expect(work.from.envelopeAddress == "taro@example.co.jp")
        #expect(work.username == "taro")
        #expect(work.passwordCommand == "pass show mail/work")
        #expect(work.caFile == "/etc/ssl/company-ca.pem")
        #expect(work.insecure == false)
        #expect(work.maxAttachmentBytes == 10 << 20)
        let home = try config.account(named: "home")
        #expect(home.username == nil && home.passwordCommand == nil)
        #expect(home.maxAttachmentBytes == ConfigLoader.defaultMaxAttachmentBytes)
    }

    @Test(
        "errors name the file, the line and the key",
        arguments: [
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\npasword_command = \"x\"\n",
                "config.toml:4: unknown key 'pasword_command' in [accounts.a]"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\ninsecure = \"yes\"\n",
                "config.toml:4: 'accounts.a.insecure' must be a boolean, found a string"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\npassword = \"hunter2\"\n",
                "config.toml:4: 'accounts.a.password' a password does not belong in the config file"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"http://h\"\n",
                "config.toml:3: 'accounts.a.smtp_url' 'http://h' must start with smtp://"
            ),
            ("[accounts.a]\nsmtp_url = \"smtp://h\"\n", "missing key 'from' in [accounts.a]"),
            (
                "default_account = \"b\"\n[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\n",
                "config.toml:1: default_account 'b' names no [accounts.b] table"
            ),
            ("[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nusername = \"u\"\n", "has a username but no password_command"),
            ("theme = 3\n", "config.toml:1: 'theme' must be a string, found an integer"),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nmax_attachment_mib = 9223372036854775807\n",
                "config.toml:4: 'accounts.a.max_attachment_mib' is 9223372036854775807: it must be a whole number of MiB from 1 to 10240"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nmax_attachment_mib = 8796093022208\n",
                "'accounts.a.max_attachment_mib' is 8796093022208: it must be a whole number of MiB from 1 to 10240"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nmax_attachment_mib = 10241\n",
                "'accounts.a.max_attachment_mib' is 10241: it must be"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nmax_attachment_mib = 0\n",
                "'accounts.a.max_attachment_mib' is 0: it must be"
            ),
            (
                "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nmax_attachment_mib = -1\n",
                "'accounts.a.max_attachment_mib' is -1: it must be"
            ),
            ("colour = \"red\"\n", "config.toml:1: unknown key 'colour'"),
            ("[accounts.a\n", "config.toml:1:")
        ])
    func errors(text: String, expected: String) {
        #expect {
            _ = try ConfigLoader.parse(text, file: "config.toml")
        } throws: { error in
            let message = "\(error)"
            let matches = message.contains(expected)
            if !matches { Issue.record("got: \(message)") }
            return matches
        }
    }

    @Test("alternates and every account's from are our own addresses; a bad alternate is refused with its line")
    func alternates() throws {
        let config = try ConfigLoader.parse("alternates = [\"Old <Taro.Old@Example.jp>\", \"t@example.com\"]\n" + Self.valid, file: "c")
        #expect(config.alternates.map(\.address) == ["Taro.Old@example.jp", "t@example.com"])
        let own = config.ownAddresses
        #expect(own.contains(RecipientKey(address: "taro.old@example.jp")))
        #expect(own.contains(RecipientKey(address: "t@example.com")))
        for account in config.accounts { #expect(own.contains(account.from.key)) }
        #expect(own.count == config.accounts.count + 2)
        #expect(throws: ConfigError.self) { _ = try ConfigLoader.parse("alternates = [\"not an address\"]\n" + Self.valid, file: "c") }
        do {
            _ = try ConfigLoader.parse("alternates = [\"nope\"]\n" + Self.valid, file: "c")
        } catch {
            #expect(error.message.hasPrefix("c:1: alternates: 'nope' is not an address"))
        }
    }

    @Test("the largest max_attachment_mib gives 10 GiB, never a wrapped limit")
    func attachmentLimitRange() throws {
        let text = "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\nmax_attachment_mib = 10240\n"
        let account = try ConfigLoader.parse(text, file: "c").account(named: nil)
        #expect(account.maxAttachmentBytes == 10 << 30)
    }

    @Test("the password never appears in the error about it")
    func secretNotEchoed() {
        let text = "[accounts.a]\nfrom = \"a@example.jp\"\nsmtp_url = \"smtp://h\"\npassword = \"hunter2\"\n"
        #expect { _ = try ConfigLoader.parse(text, file: "c") } throws: { !"\($0)".contains("hunter2") }
    }

    @Test("choosing an account: unknown name, several without a default")
    func choosing() throws {
        let two = try ConfigLoader.parse(Self.valid.replacingFirst("default_account = \"work\"", ""), file: "c")
        #expect { _ = try two.account(named: nil) } throws: { "\($0)".contains("several accounts and no default_account") }
        #expect { _ = try two.account(named: "nope") } throws: { "\($0)".contains("no account named 'nope' (accounts: 'work', 'home')") }
    }

    @Test(
        "password_command: first line of its output; a failing command is an error",
        arguments: [
            ("printf 's3cret\\nsecond line\\n'", "s3cret"), ("printf 'with space\\r\\n'", "with space")
        ])
    func passwordCommand(command: String, expected: String) throws {
        #expect(try PasswordCommand.run(command, account: "a") == expected)
    }

    @Test("a failing or silent password_command is refused", arguments: ["exit 3", "true", "kill -9 $$"])
    func passwordCommandFails(command: String) {
        #expect(throws: ConfigError.self) { try PasswordCommand.run(command, account: "a") }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
