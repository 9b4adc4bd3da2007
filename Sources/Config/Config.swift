import GuardTOML
import MailCore
import Policy

/// One sending identity and the server it submits through.
public struct AccountConfig: Sendable, Equatable {
    public var name: String
    public var from: Mailbox
    /// `smtp://host:587` (STARTTLS required) or `smtps://host:465` (implicit TLS).
    public var smtpURL: String
    public var username: String?
    /// Run by `/bin/sh -c`; the first line of its output is the password. Never a literal secret.
    public var passwordCommand: String?
    public var caFile: String?
    /// Allows plaintext `smtp://` (a local test server). Certificates are verified regardless.
    public var insecure: Bool
    /// The largest attachment this account accepts, in bytes.
    public var maxAttachmentBytes: Int64
}

/// The user's configuration file.
/// - SeeAlso: `docs/config.md`.
public struct GuardmailConfig: Sendable, Equatable {
    public var file: String
    public var defaultAccount: String?
    public var accounts: [AccountConfig]
    /// A theme name: built in (default, light, high-contrast, monochrome) or a file
    /// `themes/NAME.toml` in the config folder.
    public var theme: String?
    /// The user's `[policy]` table (the organisation's file is layered on top elsewhere).
    public var policy: PolicyLayerSettings?
    /// `alternates`: other addresses that are the user's own (aliases, old addresses). With every
    /// account's `from`, they are left out of the recipients of a reply.
    public var alternates: [Mailbox] = []

    /// Our own addresses: every account's `from` and the alternates.
    public var ownAddresses: Set<RecipientKey> { Set(accounts.map(\.from.key) + alternates.map(\.key)) }

    /// `[journal]`: where the send records go besides the journal (docs/journal.md).
    public var journal = JournalSettings()

    /// The named account, or the default one, or the only one.
    public func account(named name: String?) throws(ConfigError) -> AccountConfig {
        if let name {
            guard let account = accounts.first(where: { $0.name == name }) else {
                let known = accounts.map { "'\($0.name)'" }.joined(separator: ", ")
                throw ConfigError("\(file): no account named '\(name)' (accounts: \(known.isEmpty ? "none" : known))")
            }
            return account
        }
        if let defaultAccount { return try account(named: defaultAccount) }
        if accounts.count == 1 { return accounts[0] }
        if accounts.isEmpty { throw ConfigError("\(file): no [accounts.NAME] table; see docs/config.md") }
        throw ConfigError("\(file): several accounts and no default_account; set default_account or pass --account")
    }
}

/// The `[journal]` table.
public struct JournalSettings: Sendable, Equatable {
    /// `syslog = true`: one RFC 5424 record per send outcome to the local syslog socket.
    public var syslog = false
    /// `syslog_socket`: the Unix datagram socket to write to (default `/dev/log`); for a relay
    /// listening elsewhere, and for tests.
    public var syslogSocket = "/dev/log"

    public init(syslog: Bool = false, syslogSocket: String = "/dev/log") {
        self.syslog = syslog
        self.syslogSocket = syslogSocket
    }
}

public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum ConfigLoader {
    /// Keys that would hold a secret in the file: refused, with a pointer to `password_command`.
    static let secretKeys: Set<String> = ["password", "pass", "passwd", "secret", "token", "oauth_token"]
    public static let defaultMaxAttachmentBytes: Int64 = 25 << 20
    /// The values `max_attachment_mib` may have: 1 MiB to 10 GiB. No mail server takes more
    /// (the common limits are 10 to 150 MB), and range-checking it here keeps `maxMiB << 20`
    /// from wrapping to a negative or zero limit for a huge value.
    public static let maxAttachmentMiB: ClosedRange<Int64> = 1...10_240

    public static func parse(_ text: String, file: String) throws(ConfigError) -> GuardmailConfig {
        do {
            var root = try TOMLTableReader.parse(text, file: file)
            let defaultAccount = try root.optional("default_account", as: String.self)
            let theme = try root.optional("theme", as: String.self)
            var alternates: [Mailbox] = []
            for text in try root.optional("alternates", as: [String].self) ?? [] {
                do {
                    alternates.append(try AddressParser.parseMailbox(text))
                } catch {
                    let line = root.position(of: "alternates").map { ":\($0.line)" } ?? ""
                    throw ConfigError("\(file)\(line): alternates: '\(text)' is not an address: \(error.description)")
                }
            }
            var policy: PolicyLayerSettings? = nil
            if var policyReader = try root.table("policy") {
                do {
                    policy = try PolicyConfig.parse(&policyReader, layer: .user)
                } catch {
                    throw ConfigError(error.description)
                }
            }
            var journal = JournalSettings()
            if var journalReader = try root.table("journal") {
                journal.syslog = try journalReader.optional("syslog", as: Bool.self) ?? false
                if let socket = try journalReader.optional("syslog_socket", as: String.self) {
                    guard socket.hasPrefix("/") else { throw journalReader.invalid("syslog_socket", "'\(socket)' must be an absolute path") }
                    journal.syslogSocket = socket
                }
                try journalReader.finish()
            }
            var accounts: [AccountConfig] = []
            for (name, var reader) in try root.tables("accounts") {
                accounts.append(try account(name: name, &reader, file: file))
            }
            try root.finish()
            var config = GuardmailConfig(file: file, defaultAccount: defaultAccount, accounts: accounts, theme: theme, policy: policy)
            config.alternates = alternates
            config.journal = journal
            if let defaultAccount, !accounts.contains(where: { $0.name == defaultAccount }) {
                let line = root.position(of: "default_account").map { ":\($0.line)" } ?? ""
                throw ConfigError("\(file)\(line): default_account '\(defaultAccount)' names no [accounts.\(defaultAccount)] table")
            }
            return config
        } catch let error as TOMLSchemaError {
            throw ConfigError(error.description)
        } catch let error as PolicyConfigError {
            throw ConfigError(error.description)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError("\(file): \(error)")
        }
    }

    private static func account(name: String, _ reader: inout TOMLTableReader, file: String) throws -> AccountConfig {
        for key in reader.table.keys where secretKeys.contains(key.lowercased()) {
            throw reader.invalid(
                key,
                "a password does not belong in the config file: remove '\(key)' and set password_command "
                    + "(a command that prints it, e.g. password_command = \"pass show mail/\(name)\")")
        }
        // Read every key first and report unknown ones (typos) before judging the values.
        let fromText = try reader.required("from", as: String.self)
        let url = try reader.required("smtp_url", as: String.self)
        let username = try reader.optional("username", as: String.self)
        let passwordCommand = try reader.optional("password_command", as: String.self)
        let caFile = try reader.optional("ca_file", as: String.self)
        let insecure = try reader.optional("insecure", as: Bool.self) ?? false
        let maxMiB = try reader.optional("max_attachment_mib", as: Int64.self)
        try reader.finish()

        let from: Mailbox
        do {
            from = try AddressParser.parseMailbox(fromText)
        } catch {
            throw reader.invalid("from", "\(error)")
        }
        if !url.hasPrefix("smtp://") && !url.hasPrefix("smtps://") {
            throw reader.invalid("smtp_url", "'\(url)' must start with smtp:// (STARTTLS) or smtps:// (TLS)")
        }
        if username != nil && passwordCommand == nil {
            throw TOMLSchemaError(
                kind: .missingKey, file: file, line: reader.table.position.line, key: reader.fullKey("password_command"),
                message: "[\(reader.path)] has a username but no password_command (a command that prints the password)")
        }
        if let maxMiB, !maxAttachmentMiB.contains(maxMiB) {
            throw reader.invalid(
                "max_attachment_mib",
                "is \(maxMiB): it must be a whole number of MiB from \(maxAttachmentMiB.lowerBound) to \(maxAttachmentMiB.upperBound)")
        }
        return AccountConfig(
            name: name, from: from, smtpURL: url, username: username, passwordCommand: passwordCommand, caFile: caFile,
            insecure: insecure, maxAttachmentBytes: maxMiB.map { $0 << 20 } ?? defaultMaxAttachmentBytes)
    }
}
