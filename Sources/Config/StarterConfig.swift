import GuardTOML
import MailCore

/// The commented config file that `guardmail init` writes: one account with the sender and the
/// server, the login and the `password_command` choices commented out (a password is never asked
/// for nor written), and the most used policy keys with their defaults.
/// - SeeAlso: docs/config.md (every key), README.md ("Quick start").
public enum StarterConfig {
    /// The ways to give the password that the file shows, each a command that prints it.
    public static let passwordCommands: [(command: String, what: String)] = [
        ("pass show mail/ACCOUNT", "pass, the standard Unix password manager"),
        ("secret-tool lookup service mail account ACCOUNT", "the desktop keyring (GNOME Keyring, KWallet)"),
        ("gpg --quiet --decrypt ~/.config/guardmail/ACCOUNT.gpg", "a file encrypted with your GPG key")
    ]

    /// The file's text. `from` is written as `Mailbox.formatted`, every value as a TOML string,
    /// so the text always parses (`ConfigLoader.parse`) when `smtpURL` starts with smtp:// or smtps://.
    /// `login`, a username and its password command, is written as set; without it the lines
    /// are there commented out, with the address as the username.
    public static func text(account: String, from: Mailbox, smtpURL: String, login: (username: String, passwordCommand: String)? = nil) -> String {
        let name = TOML.quoted(account)
        let key =
            account.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
            ? account : name
        var lines = [
            "# guardmail's configuration, written by `guardmail init`.",
            "# Every key: `man guardmail-config` (docs/config.md); the sending policy: `man guardmail-policy`.",
            "# This file may run a command (password_command): keep it writable by you only (chmod 600).",
            "",
            "default_account = \(name)",
            "",
            "[accounts.\(key)]",
            "# The sender, as recipients see it.",
            "from = \(TOML.quoted(from.formatted))",
            "# The submission server: smtp://host:587 (STARTTLS, required) or smtps://host:465 (TLS).",
            "smtp_url = \(TOML.quoted(smtpURL))",
            "",
            "# The login, when the server asks for one (most do). guardmail never stores a password:",
            "# password_command is run by /bin/sh and the first line it prints is the password."
        ]
        if let login {
            lines.append("username = \(TOML.quoted(login.username))")
            lines.append("password_command = \(TOML.quoted(login.passwordCommand))")
            lines.append("# Other ways to give the password:")
        } else {
            lines.append("# Uncomment username and one password_command:")
            lines.append("# username = \(TOML.quoted(from.address))")
        }
        for (command, what) in passwordCommands {
            lines.append("# password_command = \(TOML.quoted(command.replacingOccurrences(of: "ACCOUNT", with: account)))  # \(what)")
        }
        lines += [
            "",
            "# A company CA to trust as well as the system's (certificates are always verified):",
            "# ca_file = \"/usr/local/share/ca-certificates/company.crt\"",
            "# The largest attachment accepted, in MiB (1 to 10240):",
            "# max_attachment_mib = 25",
            "",
            "# The colour theme: default, light, high-contrast or monochrome (`guardmail themes`).",
            "# theme = \"default\"",
            "",
            "[policy]",
            "# Your organisation's domains: mail only to these is internal. Without this line the",
            "# domain of your address (\(from.domain)) is the only internal one.",
            "# internal_domains = [\(TOML.quoted(from.domain)), \(TOML.quoted("*." + from.domain))]",
            "# The countdown before a message leaves, during which it can be undone (0 to 3600 s):",
            "# hold_internal_seconds = 10",
            "# hold_external_seconds = 60",
            ""
        ]
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
