import ArgumentParser

/// `guardmail bulk status ID`: where a job stands, reading only.
struct BulkStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print where a bulk job stands; send nothing.",
        discussion: """
            The same summary as the end of a run: delivered, refused (with the replies), unknown, \
            remaining. Reads the send journal only (see docs/bulk.md).
            Exit codes: 0 printed, 65 the job's files are not what guardmail wrote, 66 no such job \
            or no send journal, 74 the journal cannot be read, 78 configuration.
            """
    )

    @Argument(help: "The job id (as printed when it was frozen, e.g. 20261129-110203-k3f9).")
    var id: String
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    func run() throws {
        let setup = try BulkSetup.load(configFile: config)
        try BulkRun.status(id, setup: setup)
    }
}
