import ArgumentParser
import BulkSend
import Policy

/// `guardmail bulk new|resume|status`. The old spellings (`bulk --recipients …`, `bulk --resume ID`,
/// `bulk --status ID`) still work through the hidden default subcommand `BulkLegacy`, with a
/// deprecation line on standard error.
struct BulkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk",
        abstract: "Send an announcement to a list of recipients (bcc batches or one message each).",
        discussion: """
            guardmail bulk new --recipients FILE --subject S --body-file F [--attach F]… [--mode bcc|individual] [--rate N/min]
            guardmail bulk resume ID [--resend-unknown] [--retry-refused]
            guardmail bulk status ID

            The job is frozen in $XDG_DATA_HOME/guardmail/bulk/ID, held (Ctrl-C cancels), then sent \
            over one reused connection; every reply goes to the send journal, so `resume` never sends \
            twice (see docs/bulk.md). `guardmail bulk --recipients …`, `--resume ID` and `--status ID` \
            still work and say so on standard error.
            \(BulkRun.exitCodes)
            """,
        subcommands: [BulkNewCommand.self, BulkResumeCommand.self, BulkStatusCommand.self, BulkLegacyCommand.self],
        defaultSubcommand: BulkLegacyCommand.self
    )
}

// ArgumentParser lists the choices when a value is not one of them (exit 64).
extension BulkMode: ExpressibleByArgument {}
extension BulkToHeader: ExpressibleByArgument {}

/// The options every subcommand that sends shares.
struct BulkRateOptions: ParsableArguments {
    @Option(name: .long, help: "At most N messages (individual) or recipients (bcc) a minute: N/min or N.")
    var rate: String?
    @Option(name: .customLong("batch-size"), help: "Recipients per transaction in bcc mode (default 100).")
    var batchSize: Int?

    func validate() throws {
        _ = try ratePerMinute()
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func ratePerMinute() throws -> Int? {
        guard let rate else { return nil }
        guard let value = BulkJobRequest.ratePerMinute(rate) else {
            throw ValidationError("--rate must be a positive number per minute, like 600/min (got '\(rate)')")
        }
        return value
    }
}

/// `--resend-unknown` and `--retry-refused`: what a resumed run sends besides the remaining.
struct BulkResumeOptions: ParsableArguments {
    @Flag(name: .customLong("resend-unknown"), help: "Also send to recipients whose outcome is unknown (they may get it twice).")
    var resendUnknown = false
    @Flag(name: .customLong("retry-refused"), help: "Also retry recipients the server refused for good (5xx).")
    var retryRefused = false

    var runOptions: BulkRunOptions {
        var options = BulkRunOptions()
        options.resendUnknown = resendUnknown
        options.retryRefused = retryRefused
        return options
    }
}

/// Rule ids for `--accept`, checked against the policy engine's rules.
func validateAccepted(_ accept: [String]) throws {
    let known = Set(PolicyEngine.rules.map(\.id))
    for id in accept where !known.contains(id) {
        throw ValidationError("Unknown rule '\(id)' for --accept (rules: \(known.sorted().joined(separator: ", ")))")
    }
}

/// The spellings before `new|resume|status`: one command with `--resume ID` and `--status ID`
/// options. Same options, checks and exit codes as then; it says the new spelling on stderr.
struct BulkLegacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy", abstract: "The old spellings of bulk new, resume and status.",
        usage: "guardmail bulk new --recipients FILE --body-file F [<options>] | resume ID | status ID", shouldDisplay: false)

    @Option(name: .long, help: "The recipient file (CSV/TSV with an email column, or one address a line).")
    var recipients: String?
    @Option(name: .long, help: "Subject line ({{column}} fields in individual mode).")
    var subject: String?
    @Option(name: .customLong("body-file"), help: "File holding the body text (UTF-8); - for standard input.")
    var bodyFile: String?
    @Option(name: .long, help: "A file to attach (repeatable).")
    var attach: [String] = []
    @Option(name: .long, help: "bcc (default): one message, recipients in the envelope only; individual: one message each.")
    var mode: BulkMode = .bcc
    @OptionGroup var rate: BulkRateOptions
    @Option(name: .customLong("to-header"), help: "bcc mode: what To shows: sender (default) or undisclosed.")
    var toHeader: BulkToHeader = .sender
    @Flag(name: .long, help: "Refuse the file if any row is invalid.")
    var strict = false
    @Option(name: .customLong("accept"), help: "Accept a finding that needs confirmation, by rule id (repeatable).")
    var accept: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print the summary and the first rendered message; send nothing.")
    var dryRun = false
    @Option(name: .long, help: "Account from the config to send with (default: default_account).")
    var account: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?
    @Option(name: .long, help: "Continue the job ID with the recipients not yet delivered.")
    var resume: String?
    @OptionGroup var resumeOptions: BulkResumeOptions
    @Option(name: .long, help: "Print where the job ID stands; send nothing.")
    var status: String?
    @Flag(name: .customLong("no-screen"), help: "On a terminal too: print the summary and use --accept.")
    var noScreen = false

    func validate() throws {
        try validateAccepted(accept)
        if resume != nil || status != nil {
            guard resume == nil || status == nil else { throw ValidationError("give --resume or --status, not both") }
            guard recipients == nil, subject == nil, bodyFile == nil, attach.isEmpty else {
                throw ValidationError("--resume and --status take a job id only: the job's recipients and message are frozen")
            }
        } else {
            guard recipients != nil else { throw ValidationError("--recipients FILE is required (or --resume ID)") }
            guard bodyFile != nil else { throw ValidationError("--body-file is required") }
            guard !resumeOptions.resendUnknown, !resumeOptions.retryRefused else {
                throw ValidationError("--resend-unknown and --retry-refused go with --resume")
            }
        }
    }

    func run() throws {
        if let id = status {
            report("'guardmail bulk --status ID' is deprecated: use 'guardmail bulk status \(id)'")
            let setup = try BulkSetup.load(configFile: config)
            return try BulkRun.status(id, setup: setup)
        }
        if let id = resume {
            report("'guardmail bulk --resume ID' is deprecated: use 'guardmail bulk resume \(id)'")
            let setup = try BulkSetup.load(configFile: config)
            return try BulkRun.resume(
                id, setup: setup, options: resumeOptions.runOptions, rate: try rate.ratePerMinute(),
                batchSize: rate.batchSize)
        }
        guard let recipients else { throw ValidationError("--recipients FILE is required (or --resume ID)") } // checked by validate()
        report("'guardmail bulk --recipients …' is deprecated: use 'guardmail bulk new --recipients …'")
        let setup = try BulkSetup.load(configFile: config)
        try BulkRun.newJob(
            BulkNewArguments(
                recipients: recipients, subject: subject, bodyFile: bodyFile, attach: attach, mode: mode,
                toHeader: toHeader, strict: strict, accept: accept, dryRun: dryRun, account: account,
                noScreen: noScreen, rate: try rate.ratePerMinute(), batchSize: rate.batchSize),
            setup: setup)
    }
}
