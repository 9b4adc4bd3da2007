import ArgumentParser
import BulkSend

/// `guardmail bulk resume ID`: send what a job has not delivered yet, never twice.
struct BulkResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a bulk job with the recipients not yet delivered.",
        discussion: """
            Reads the send journal (and, after a crash, the job's progress log) and sends to every \
            recipient not yet delivered; recipients whose outcome is unknown and those refused for good \
            are left alone unless --resend-unknown or --retry-refused is given (see docs/bulk.md).
            \(BulkRun.exitCodes) 66 there is no such job.
            """
    )

    @Argument(help: "The job id (as printed when it was frozen, e.g. 20261129-110203-k3f9).")
    var id: String
    @OptionGroup var resume: BulkResumeOptions
    @OptionGroup var rate: BulkRateOptions
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    func run() throws {
        let setup = try BulkSetup.load(configFile: config)
        try BulkRun.resume(id, setup: setup, options: resume.runOptions, rate: try rate.ratePerMinute(), batchSize: rate.batchSize)
    }
}
