import ArgumentParser
import BulkSend

/// `guardmail bulk new`: prepare, confirm, freeze, hold and send a new job.
struct BulkNewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Freeze, hold and send a new announcement to the recipients in a file.",
        discussion: """
            FILE is CSV or TSV with a header naming an `email` column (optional `name` and other \
            columns, usable as {{name}} in individual mode) or one address a line; UTF-8 or Shift_JIS. \
            Without a terminal the summary is printed and findings that need confirmation must be \
            accepted with --accept RULE. The job is frozen in $XDG_DATA_HOME/guardmail/bulk/ID, held \
            (Ctrl-C cancels), then sent over one reused connection; `guardmail bulk resume ID` continues \
            it after a stop (see docs/bulk.md).
            \(BulkRun.exitCodes)
            """
    )

    @Option(name: .long, help: "The recipient file (CSV/TSV with an email column, or one address a line).")
    var recipients: String
    @Option(name: .long, help: "Subject line ({{column}} fields in individual mode).")
    var subject: String?
    @Option(name: .customLong("body-file"), help: "File holding the body text (UTF-8); - for standard input.")
    var bodyFile: String
    @Option(name: .long, help: "A file to attach (repeatable).")
    var attach: [String] = []
    @Option(name: .long, help: "bcc: one message, recipients in the envelope only; individual: one message each.")
    var mode: BulkMode = .bcc
    @OptionGroup var rate: BulkRateOptions
    @Option(name: .customLong("to-header"), help: "bcc mode: what To shows.")
    var toHeader: BulkToHeader = .sender
    @Flag(name: .long, help: "Refuse the file if any row is invalid (default: skip invalid rows, listed in the summary).")
    var strict = false
    @Option(name: .customLong("accept"), help: "Accept a finding that needs confirmation, by rule id (repeatable).")
    var accept: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print the summary and the first rendered message; send nothing.")
    var dryRun = false
    @Option(name: .long, help: "Account from the config to send with (default: default_account).")
    var account: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?
    @Flag(name: .customLong("no-screen"), help: "On a terminal too: print the summary and use --accept instead of the confirmation screen.")
    var noScreen = false

    func validate() throws {
        try validateAccepted(accept)
    }

    func run() throws {
        let setup = try BulkSetup.load(configFile: config)
        try BulkRun.newJob(
            BulkNewArguments(
                recipients: recipients, subject: subject, bodyFile: bodyFile, attach: attach, mode: mode,
                toHeader: toHeader, strict: strict, accept: accept, dryRun: dryRun, account: account,
                noScreen: noScreen, rate: try rate.ratePerMinute(), batchSize: rate.batchSize),
            setup: setup)
    }
}
