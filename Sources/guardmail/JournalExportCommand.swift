// JournalExportCommand.swift — `guardmail journal export`: the journal as JSON Lines for a SIEM.

import ArgumentParser
import Journal
import Store
#if canImport(Glibc)
    import Glibc
#endif

extension JournalCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the journal's messages as JSON Lines (one message a line, oldest first) for a SIEM.",
            discussion: """
                Each line is the object `guardmail journal show --json` prints, on one line: Message-ID, \
                account, sender, subject, every event, every recipient with the server's reply, the \
                attachments with their SHA-256, the findings and who accepted them. Never a body or \
                a password (the journal holds neither). --since as for `guardmail journal` (a date, \
                'YYYY-MM-DD HH:MM', or 7d, 24h, 30m). See docs/journal.md.
                Exit codes: 0 fine (also when nothing matches), 64 usage, 74 the journal cannot be read, 75 busy.
                """
        )

        @Option(help: ArgumentHelp("Only messages confirmed at or after this time.", valueName: "date"))
        var since: String?
        @Option(help: ArgumentHelp("The output format: jsonl (the only one).", valueName: "format"))
        var format: String = "jsonl"

        func run() throws {
            guard format == "jsonl" else {
                report("invalid --format '\(format)': the export is written as jsonl (JSON Lines)")
                throw ExitCode(Exit.usage)
            }
            var sinceTime: Int64?
            if let since {
                guard let parsed = JournalTime.parseSince(since, now: Int64(time(nil))) else {
                    report("invalid --since '\(since)': use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' (local time), or a time back from now such as 7d, 24h, 30m")
                    throw ExitCode(Exit.usage)
                }
                sinceTime = parsed
            }
            let paths = DataPaths.fromEnvironment()
            let path = paths.journalFile
            guard FileSystem.exists(path) else { return }
            do {
                let journal = try SendJournal(path: path)
                defer { journal.close() }
                JournalCommand.catchUp(journal, paths: paths)
                for summary in try journal.list(since: sinceTime).reversed() {
                    guard let entry = try journal.show(messageID: summary.messageID) else { continue }
                    Console.output(Self.line(JournalOutput.showJSON(entry, path: path)) + "\n")
                }
            } catch {
                throw JournalCommand.fail(error)
            }
        }

        /// The pretty JSON of `show --json` on one line: its line breaks and indents are all
        /// between tokens (strings escape their own line breaks), so they can go.
        static func line(_ pretty: String) -> String {
            pretty.split(separator: "\n").map { $0.drop(while: { $0 == " " }) }.joined()
        }
    }
}
