import ArgumentParser
import Transport

@main
struct Guardmail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guardmail",
        abstract: "A terminal mail composer that stops mail going to the wrong people.",
        discussion: """
            Configuration: $XDG_CONFIG_HOME/guardmail/config.toml (see docs/config.md).
            Exit codes: 0 sent, 64 usage, 65 bad input, 66 no such file or message, 69 server \
            unavailable or refused, 74 I/O error (disk full, read-only or unreadable data folder, broken \
            send journal: nothing sent), 75 temporary failure, 77 login denied, 78 configuration.
            """,
        version: "guardmail 0.1.0 (libcurl \(SMTPSubmitter.curlVersion))",
        subcommands: [Compose.self, Send.self, BulkCommand.self, Check.self, PolicyCommand.self, Themes.self, JournalCommand.self, OutboxCommand.self],
        defaultSubcommand: Compose.self
    )
}
