import ArgumentParser
import Config
import Delivery
import MailCore
import Policy
import Store
#if canImport(Glibc)
    import Glibc
#endif

/// Where the original message comes from: a file, `-` (standard input), or a Maildir and a
/// Message-ID.
struct OriginalOptions: ParsableArguments {
    @Argument(help: "The message to answer: an .eml or Maildir file, or - for standard input.")
    var file: String?
    @Option(name: .long, help: "A Maildir to find the message in (with --message-id).")
    var maildir: String?
    @Option(name: .customLong("message-id"), help: "The Message-ID of the message in --maildir.")
    var messageID: String?
    @Option(name: .long, help: "Language of the attribution line: ja or en (default: from LANG).")
    var language: String?

    func validate() throws {
        switch (file, maildir, messageID) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("Give either FILE or --maildir DIR --message-id ID, not both")
        case (nil, .some, nil): throw ValidationError("--maildir needs --message-id ID")
        case (nil, nil, .some): throw ValidationError("--message-id needs --maildir DIR")
        case (nil, nil, nil): throw ValidationError("Give the message to answer: FILE, - for standard input, or --maildir DIR --message-id ID")
        }
        if let language, language != "ja", language != "en" {
            throw ValidationError("--language '\(language)' is not ja or en")
        }
    }

    var replyLanguage: ReplyLanguage {
        if let language { return ReplyLanguage(rawValue: language) ?? .english }
        let lang = FileSystem.environment("LC_ALL") ?? FileSystem.environment("LC_MESSAGES") ?? FileSystem.environment("LANG") ?? ""
        return lang.hasPrefix("ja") ? .japanese : .english
    }
}

/// Options a reply and a forward share with `compose` and `send` (a file to attach is
/// `--attach-file`: `forward --attach` attaches the original).
struct AnswerOptions: ParsableArguments {
    @Option(name: .long, help: "More recipients (comma-separated addresses; repeatable).")
    var to: [String] = []
    @Option(name: .long, help: "More carbon-copy recipients (repeatable).")
    var cc: [String] = []
    @Option(name: .long, help: "Blind-copy recipients (repeatable).")
    var bcc: [String] = []
    @Option(name: .long, help: "A subject instead of the one made from the original's.")
    var subject: String = ""
    @Option(name: .customLong("body-file"), help: "Text to put above the quote (UTF-8); - for standard input.")
    var bodyFile: String?
    @Option(name: .customLong("attach-file"), help: "A file to attach (repeatable).")
    var attach: [String] = []
    @Option(name: .long, help: "Account from the config to send with (default: default_account).")
    var account: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?
    @Flag(name: .customLong("no-compose"), help: "Do not open the composer: send like `guardmail send` (--body-file is the text above the quote).")
    var noCompose = false
    @Flag(name: .customLong("dry-run"), help: "With --no-compose: write the message to standard output; send nothing.")
    var dryRun = false
    @Option(name: .customLong("accept"), help: "With --no-compose: accept a finding that needs confirmation, by rule id (repeatable).")
    var accept: [String] = []
    @Flag(name: .customLong("no-drafts"), help: "Do not offer to resume an unsent draft.")
    var noDrafts = false
}

struct ReplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Answer a message: the composer opens with the recipients, the subject and the quote.",
        discussion: """
            The recipients are the original's Reply-To (else From); with --all also its To (in To) and \
            Cc (in Cc), or its Mail-Followup-To. Your own addresses (every account's from and the \
            config's alternates) are left out. The cursor starts above the quote. See docs/replies.md.
            Exit codes: as `compose` (or `send` with --no-compose); 66 the original cannot be read.
            """
    )

    @OptionGroup var original: OriginalOptions
    @Flag(name: .customLong("all"), help: "Reply to everyone on the message.")
    var all = false
    @OptionGroup var answer: AnswerOptions

    func run() throws {
        try runAnswer(kind: all ? .replyAll : .reply, original: original, answer: answer)
    }
}

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Forward a message: inline (its text and attachments) or attached whole.",
        discussion: """
            --inline (the default) puts the original's header block and text in the body and \
            attaches its attachments again; --attach attaches the whole original (message/rfc822). \
            Either way each attachment is inspected and ticked like any other. See docs/replies.md.
            """
    )

    @OptionGroup var original: OriginalOptions
    @Flag(name: .customLong("attach"), help: "Attach the original whole.")
    var attachWhole = false
    @Flag(name: .customLong("inline"), help: "Put the original's text in the body, its attachments attached (the default).")
    var inline = false
    @OptionGroup var answer: AnswerOptions

    func validate() throws {
        if attachWhole && inline { throw ValidationError("Give --attach or --inline, not both") }
    }

    func run() throws {
        try runAnswer(kind: attachWhole ? .forwardAttached : .forwardInline, original: original, answer: answer)
    }
}

/// Reads the original, computes the answer (`MailCore.Reply`) and hands it to `compose` (or to
/// `send` with --no-compose) as their own options: the same composer, drafts, hold and outbox.
func runAnswer(kind: ReplyKind, original: OriginalOptions, answer: AnswerOptions) throws {
    let paths = DataPaths.fromEnvironment()
    let config: GuardmailConfig
    do {
        config = try loadConfig(answer.config ?? paths.configFile)
        _ = try config.account(named: answer.account)
    } catch {
        report(error.message)
        throw ExitCode(Exit.config)
    }
    let work = paths.dataDirectory + "/forwarded/\(getpid())-\(time(nil))"
    let loaded: LoadedOriginal
    do {
        loaded = try LoadedOriginal(original, paths: paths, work: work)
    } catch let error as DeliveryError {
        throw fail(error)
    }
    defer { if loaded.temporary { FileSystem.remove(loaded.path) } }
    let parsed = loaded.message
    for problem in parsed.addressProblems + parsed.readingProblems {
        report("the original could not be read fully: \(problem)")
    }
    let draft = Reply.draft(to: parsed, kind: kind, own: config.ownAddresses, language: original.replyLanguage)

    var attachments: [String] = []
    do {
        switch kind {
        case .forwardAttached:
            attachments.append(try copy(loaded.path, into: work, name: "forwarded.eml"))
        case .forwardInline:
            // Decoded from the mapped original a piece at a time: a 100 MiB attachment is
            // never whole in memory.
            for (index, attachment) in parsed.attachments.enumerated() {
                let folder = work + "/\(index + 1)"
                try FileSystem.makeDirectories(folder)
                let path = folder + "/" + safeFileName(attachment.fileName)
                let sink = try FileSink(creating: path)
                try loaded.mapped.withBytes { bytes in
                    try attachment.decodeContent(from: bytes) { piece in try sink.write(UnsafeRawBufferPointer(piece)) }
                }
                try sink.finish(sync: false)
                attachments.append(path)
            }
        case .reply, .replyAll:
            break
        }
    } catch {
        throw fail(DeliveryError(.io, "cannot keep the original's attachments for the forward: \(error)"))
    }

    // The user's own text (--body-file) goes above the quote.
    var body = draft.body
    if let bodyFile = answer.bodyFile {
        do {
            let text = try readBodyFile(bodyFile, standardInput: original.file != "-")
            body = text + (text.hasSuffix("\n") ? "" : "\n") + body
        } catch {
            throw fail(error)
        }
    }
    let bodyPath: String
    do {
        bodyPath = try write(Array(body.utf8), into: work, name: "body.txt")
    } catch {
        throw fail(DeliveryError(.io, "cannot write the reply's text: \(error)"))
    }
    defer { FileSystem.remove(bodyPath) }

    var arguments: [String] = []
    let m = answer
    for address in draft.to.map(\.formatted) + m.to { arguments += ["--to", address] }
    for address in draft.cc.map(\.formatted) + m.cc { arguments += ["--cc", address] }
    for address in m.bcc { arguments += ["--bcc", address] }
    arguments += ["--subject", m.subject.isEmpty ? draft.subject : m.subject, "--body-file", bodyPath]
    for path in attachments + m.attach { arguments += ["--attach", path] }
    if let account = m.account { arguments += ["--account", account] }
    if let file = m.config { arguments += ["--config", file] }
    if let id = draft.inReplyTo { arguments += ["--in-reply-to", id] }
    for id in draft.references { arguments += ["--references", id] }
    // The thread rules read the original again (mapped, without its attachments).
    let threadKind: String
    switch kind {
    case .reply: threadKind = "reply"
    case .replyAll: threadKind = "reply-all"
    case .forwardInline: threadKind = "forward-inline"
    case .forwardAttached: threadKind = "forward-attach"
    }
    arguments += ["--thread-original", loaded.path, "--thread-kind", threadKind]
    if answer.noCompose {
        if answer.dryRun { arguments.append("--dry-run") }
        for id in answer.accept { arguments += ["--accept", id] }
        let send = try Send.parse(arguments)
        try send.run()
    } else {
        if answer.noDrafts { arguments.append("--no-drafts") }
        let compose = try Compose.parse(arguments)
        try compose.run()
    }
}

/// The original, mapped and parsed: the headers and the text; the attachments are listed, and
/// a forward inline decodes them from `mapped`.
struct LoadedOriginal {
    let path: String
    /// True when `path` is a copy of standard input, removed afterwards.
    let temporary: Bool
    let message: ParsedMessage
    let mapped: MappedFile

    init(_ options: OriginalOptions, paths: DataPaths, work: String) throws {
        var path: String
        var temporary = false
        if let maildir = options.maildir, let id = options.messageID {
            let found: String?
            do {
                found = try OriginalMessage.find(messageID: id, inMaildir: maildir)
            } catch {
                throw DeliveryError(.data, "cannot read the Maildir '\(maildir)': it has no cur or new folder")
            }
            guard let found else { throw DeliveryError(.data, "no message with Message-ID '\(id)' in the Maildir '\(maildir)'") }
            path = found
        } else {
            path = options.file ?? "-"
            if path == "-" {
                do {
                    path = try OriginalMessage.copyStandardInput(into: paths.spoolDirectory)
                } catch {
                    throw DeliveryError(.io, "cannot read the original from standard input: \(error)")
                }
                temporary = true
            }
        }
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch {
            if temporary { FileSystem.remove(path) }
            throw DeliveryError(.data, "cannot read the original message: \(error)")
        }
        let shown = temporary ? "standard input" : path
        do {
            message = try mapped.withBytes { (bytes: UnsafeBufferPointer<UInt8>) throws(MessageParseError) -> ParsedMessage in
                try MessageParser.parse(buffer: bytes, attachmentContent: false)
            }
        } catch {
            if temporary { FileSystem.remove(path) }
            throw DeliveryError(.data, "the original '\(shown)' is not a message that can be answered: \(error)")
        }
        self.path = path
        self.temporary = temporary
        self.mapped = mapped
    }
}

/// `bytes` written to `folder/name` (the folder made when needed; `name` made safe as a file
/// name: no '/', not hidden, not empty); the path.
func write(_ bytes: [UInt8], into folder: String, name: String) throws -> String {
    try FileSystem.makeDirectories(folder)
    let path = folder + "/" + safeFileName(name)
    let sink = try FileSink(creating: path)
    try bytes.withUnsafeBytes { try sink.write($0) }
    try sink.finish(sync: false)
    return path
}

/// A copy of the file at `source` in `folder/name`, streamed; the path.
func copy(_ source: String, into folder: String, name: String) throws -> String {
    try FileSystem.makeDirectories(folder)
    let path = folder + "/" + safeFileName(name)
    let input = try FileSource(path: source)
    defer { input.close() }
    let sink = try FileSink(creating: path)
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
        if n == 0 { break }
        try buffer.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
    }
    try sink.finish(sync: false)
    return path
}

func safeFileName(_ name: String) -> String {
    var cleaned = String(name.map { $0 == "/" || $0 == "\\" || $0.isNewline ? "_" : $0 })
    while cleaned.hasPrefix(".") { cleaned.removeFirst() }
    return cleaned.isEmpty ? "attachment" : String(cleaned.prefix(200))
}

/// The thread facts of the original at `path` for the thread rules; `kind` is reply, reply-all,
/// forward-inline (the original's attachments carried) or forward-attach (the original whole).
func threadFacts(original path: String, kind: String) throws(DeliveryError) -> ThreadFacts {
    let mapped: MappedFile
    do {
        mapped = try MappedFile(path: path)
    } catch {
        throw DeliveryError(.data, "cannot read the original message: \(error)")
    }
    let parsed: ParsedMessage
    do {
        parsed = try mapped.withBytes { (bytes: UnsafeBufferPointer<UInt8>) throws(MessageParseError) -> ParsedMessage in
            try MessageParser.parse(buffer: bytes, attachmentContent: false)
        }
    } catch {
        throw DeliveryError(.data, "the original '\(path)' is not a message that can be answered: \(error)")
    }
    switch kind {
    case "reply": return ThreadFacts(original: parsed, kind: .reply)
    case "reply-all": return ThreadFacts(original: parsed, kind: .replyAll)
    case "forward-inline": return ThreadFacts(original: parsed, kind: .forward, carriedAttachments: parsed.attachments.count)
    case "forward-attach": return ThreadFacts(original: parsed, kind: .forward, carriedAttachments: 1)
    default: throw DeliveryError(.data, "--thread-kind '\(kind)' is not reply, reply-all, forward-inline or forward-attach")
    }
}
