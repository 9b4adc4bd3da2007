import ArgumentParser
import Config
import MailCore
import Store
#if canImport(Glibc)
    import Glibc
#endif

/// `guardmail init`: the first config file, commented, from three answers (or options).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a first config file: your name, address and SMTP server.",
        discussion: """
            Asks on the terminal for what is not given as an option: your name, your address and \
            the SMTP submission server (smtp://host:587 or smtps://host:465). It never asks for a \
            password: the file lists the password_command choices (a command that prints it) to \
            uncomment. An existing config is never overwritten.
            Exit codes: 0 written, 64 an answer missing without a terminal to ask, 65 a bad name, \
            address or URL, 73 a config file is already there, 74 the file cannot be written.
            """
    )

    @Option(name: .long, help: "Your name as recipients see it, e.g. '山田 太郎'.")
    var name: String?
    @Option(name: .long, help: "Your email address.")
    var address: String?
    @Option(name: .customLong("smtp-url"), help: "The submission server: smtp://host[:port] or smtps://host[:port].")
    var smtpURL: String?
    @Option(name: .long, help: "The account's name in the file.")
    var account: String = "main"
    @Option(name: .long, help: "The login, when the server asks for one (needs --password-command).")
    var username: String?
    @Option(name: .customLong("password-command"), help: "A command that prints the password, e.g. 'pass show mail/main' (never the password).")
    var passwordCommand: String?
    @Option(name: .long, help: "Where to write it (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    func validate() throws {
        if (username == nil) != (passwordCommand == nil) {
            throw ValidationError("--username and --password-command go together: the login needs a command that prints its password")
        }
        if account.isEmpty || account.contains(where: { $0 == "." || $0 == "\n" || $0 == "\"" }) {
            throw ValidationError("The account name '\(account)' cannot be used: give a word such as 'work' (no dots or quotes)")
        }
    }

    func run() throws {
        let path = config ?? DataPaths.fromEnvironment().configFile
        if FileSystem.exists(path) {
            report("a config file is already there: '\(path)' (nothing changed); edit it, or move it away to start again")
            throw ExitCode(Exit.cantCreate)
        }
        let asking = isatty(0) == 1
        let missing = [("--name", name), ("--address", address), ("--smtp-url", smtpURL)].filter { $0.1 == nil }.map(\.0)
        if !asking && !missing.isEmpty {
            report("no terminal to ask on: give \(missing.joined(separator: ", "))")
            throw ExitCode(Exit.usage)
        }
        if asking {
            Console.output("A first config for guardmail, written to \(path).\n")
        }
        var fromName = name
        var from: Mailbox?
        var url = smtpURL
        while from == nil {
            let typedName = try fromName ?? ask("Your name (as recipients see it): ")
            let typedAddress = try address ?? ask("Your email address: ")
            do {
                from = try Self.mailbox(name: typedName, address: typedAddress)
                fromName = typedName
            } catch {
                report(error.message)
                if !asking || name != nil || address != nil { throw ExitCode(Exit.data) }
            }
        }
        var text: String?
        while text == nil {
            let typedURL = try url ?? ask("SMTP server (smtp://host:587 or smtps://host:465): ")
            if !typedURL.hasPrefix("smtp://") && !typedURL.hasPrefix("smtps://") {
                report(
                    "the SMTP server '\(typedURL)' must start with smtp:// (port 587, STARTTLS) or smtps:// (port 465, TLS), "
                        + "e.g. smtp://mail.example.jp:587")
                if !asking || smtpURL != nil { throw ExitCode(Exit.data) }
                url = nil
                continue
            }
            let candidate = StarterConfig.text(
                account: account, from: from!, smtpURL: typedURL,
                login: username.flatMap { user in passwordCommand.map { (user, $0) } })
            do {
                _ = try ConfigLoader.parse(candidate, file: path)
                text = candidate
            } catch {
                report("these answers do not make a config guardmail can read: \(error.message)")
                if !asking || smtpURL != nil { throw ExitCode(Exit.data) }
                url = nil
            }
        }
        do {
            try write(text!, to: path)
        } catch {
            report(error.message)
            throw ExitCode(error.kind == .alreadyThere ? Exit.cantCreate : Exit.ioError)
        }
        Console.output(
            """
            Wrote \(path).
            guardmail never stores a password: if the server asks for a login, uncomment `username` \
            and one `password_command` in the file (pass, the desktop keyring or a GPG file).
            Then: guardmail send --to SOMEONE --subject test --body-file - (or just guardmail).

            """)
    }

    /// `Name <address>` from the two answers, or why it is not a mailbox (the value quoted).
    static func mailbox(name: String, address: String) throws(InitError) -> Mailbox {
        let bare: Mailbox
        do {
            bare = try AddressParser.parseMailbox(address.trimmingSpaces)
        } catch {
            throw InitError(.data, "'\(address)' is not an email address: \(error)")
        }
        if bare.displayName != nil {
            throw InitError(.data, "give only the address, not '\(address)': the name is asked for separately")
        }
        do {
            let trimmed = name.trimmingSpaces
            return try Mailbox(displayName: trimmed.isEmpty ? nil : trimmed, localPart: bare.localPart, domain: bare.domain)
        } catch {
            throw InitError(.data, "the name '\(name)' cannot be used: \(error)")
        }
    }

    private func ask(_ question: String) throws -> String {
        Console.output(question)
        guard let line = readLine() else {
            report("no answer (end of input): nothing written")
            throw ExitCode(Exit.usage)
        }
        return line
    }

    /// Writes the file with mode 0600, only if nothing is there (O_EXCL), its folder 0700.
    private func write(_ text: String, to path: String) throws(InitError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            do {
                try FileSystem.makeDirectories(String(path[..<slash]))
            } catch {
                throw InitError(.io, "cannot write the config: \(error)")
            }
        }
        do {
            let sink = try FileSink(creating: path)
            try sink.write(text)
            try sink.finish(sync: true)
        } catch let error as FileError {
            if error.errno == EEXIST {
                throw InitError(.alreadyThere, "a config file is already there: '\(path)' (nothing changed)")
            }
            throw InitError(.io, "cannot write the config: \(error)")
        } catch {
            throw InitError(.io, "cannot write the config '\(path)': \(error)")
        }
    }
}

struct InitError: Error {
    enum Kind { case data, io, alreadyThere }
    let kind: Kind
    let message: String
    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
