import ArgumentParser
import Policy
import Store

/// `guardmail policy import`: FlexConfirmMail's or OutlookOkan's settings as a policy file.
struct PolicyImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert FlexConfirmMail's exported settings (JSON) or OutlookOkan's CSV files into a policy file.",
        discussion:
            "The policy file goes to standard output (review it, then install it as the organisation policy or a drop-in); every setting that does not map is listed on standard error. OutlookOkan's files are known by their names (AlertKeywordAndMessageList.csv, AlertAddressList.csv, …)."
    )

    enum Source: String, ExpressibleByArgument, CaseIterable {
        case flexconfirmmail, outlookokan
    }

    @Option(name: .customLong("from"), help: "flexconfirmmail or outlookokan.")
    var source: Source

    @Argument(help: "The exported JSON file (FlexConfirmMail), or the CSV files (OutlookOkan).")
    var files: [String]

    func run() throws {
        var texts: [(name: String, text: String)] = []
        for file in files {
            do {
                guard let text = try FileSystem.readUTF8(file) else {
                    report("'\(file)' is not UTF-8 text")
                    throw ExitCode(Exit.data)
                }
                texts.append((file, text))
            } catch let error as FileError {
                report("cannot read '\(file)': \(error)")
                throw ExitCode(Exit.noInput)
            }
        }
        let result: PolicyImport
        do {
            switch source {
            case .flexconfirmmail:
                guard texts.count == 1 else {
                    report("FlexConfirmMail settings are one JSON file; \(texts.count) given")
                    throw ExitCode(Exit.usage)
                }
                result = try PolicyImport.flexConfirmMail(texts[0].text, file: texts[0].name)
            case .outlookokan:
                result = try PolicyImport.outlookOkan(texts)
            }
        } catch let error as PolicyImportError {
            report(error.description)
            throw ExitCode(Exit.data)
        }
        Console.output("# Imported from \(source.rawValue): \(files.joined(separator: ", "))\n" + result.toml)
        for line in result.notMapped { report("not mapped: \(line)") }
    }
}
