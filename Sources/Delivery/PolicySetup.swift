#if canImport(Glibc)
    import Glibc
#endif
import Config
import Dispatch
import Inspect
import Journal
import MailCore
import Policy
import Store
import Synchronization

/// Everything the policy needs from the outside world, gathered in one place for `send`,
/// `compose` and `check`: the organisation's file, the address books, the record of sent mail,
/// and what the attachments really are.
public enum PolicySetup {
    /// `$GUARDMAIL_POLICY`, else `/etc/guardmail/policy.toml`.
    public static var organisationFile: String { FileSystem.environment("GUARDMAIL_POLICY") ?? "/etc/guardmail/policy.toml" }

    /// The organisation's drop-ins: `$GUARDMAIL_POLICY_D`, else `policy.d` beside the
    /// organisation file (`/etc/guardmail/policy.d`); its `*.toml` files in name order.
    public static var organisationDropIns: [String] {
        let folder = FileSystem.environment("GUARDMAIL_POLICY_D") ?? directory(of: organisationFile) + "/policy.d"
        return FileSystem.listDirectory(folder).filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.map { folder + "/" + $0 }
    }

    /// The effective policy: defaults < the user's `[policy]` < the organisation's file, then its
    /// drop-ins in order (none loosening the one before). A missing organisation file is fine; an
    /// unreadable or invalid one is an error (an admin's policy must never be silently skipped):
    /// the error says how to see it again, and nothing is composed or sent meanwhile.
    public static func load(user: PolicyLayerSettings?) throws(ConfigError) -> PolicyConfig {
        var files: [String] = []
        if FileSystem.exists(organisationFile) { files.append(organisationFile) }
        files += organisationDropIns
        var organisations: [PolicyLayerSettings] = []
        for file in files {
            do {
                organisations.append(try organisationLayer(file, trusted: true))
            } catch {
                throw ConfigError("\(error.message)\n\(brokenHint(file))")
            }
        }
        var userLayer = user
        if let user {
            userLayer = try readingGroupFiles(user, trusted: true)
        }
        do {
            return try PolicyConfig.make(user: userLayer, organisations: organisations)
        } catch {
            if let user, error.file == user.file { throw ConfigError(error.description) }
            throw ConfigError("\(error.description)\n\(brokenHint(error.file))")
        }
    }

    private static func brokenHint(_ file: String) -> String {
        "the organisation policy is broken, so nothing is composed or sent until it is fixed; see the error with 'guardmail policy --check \(file)'"
    }

    /// One organisation file read as a layer of its own, its groups' list files included: what
    /// `guardmail policy --check FILE` checks. `trusted`: refuse a file others can write.
    public static func organisationLayer(_ path: String, trusted: Bool) throws(ConfigError) -> PolicyLayerSettings {
        let text: String?
        do {
            // Refused when others can write it, as the config is: a policy anyone can loosen is none.
            text = trusted ? try FileSystem.readTrustedUTF8(path) : try FileSystem.readUTF8(path)
        } catch {
            if error.kind == .untrusted { throw ConfigError("refusing the organisation policy: \(error)") }
            throw ConfigError("cannot read the organisation policy: \(error)")
        }
        guard let text else { throw ConfigError("the organisation policy '\(path)' is not UTF-8 text") }
        let layer: PolicyLayerSettings
        do {
            layer = try PolicyConfig.parseOrganisationFile(text, file: path)
        } catch {
            throw ConfigError(error.description)
        }
        return try readingGroupFiles(layer, trusted: trusted)
    }

    /// A layer with its groups' list files read: a relative path is relative to the folder of
    /// the file that names it.
    static func readingGroupFiles(_ layer: PolicyLayerSettings, trusted: Bool) throws(ConfigError) -> PolicyLayerSettings {
        do {
            return try layer.readingGroupFiles { def throws(PolicyConfigError) in
                let written = FileSystem.expandTilde(def.file ?? "")
                let path = written.hasPrefix("/") ? written : directory(of: def.origin.file ?? layer.file) + "/" + written
                func failure(_ why: String) -> PolicyConfigError {
                    PolicyConfigError(
                        kind: .invalidValue, file: def.origin.file ?? layer.file, line: def.origin.line, key: "groups.\(def.name)", message: why)
                }
                do {
                    guard let text = trusted ? try FileSystem.readTrustedUTF8(path) : try FileSystem.readUTF8(path) else {
                        throw failure("the list file '\(path)' of group '\(def.name)' is not UTF-8 text")
                    }
                    return (text, path)
                } catch let error as PolicyConfigError {
                    throw error
                } catch {
                    throw failure("cannot read the list file of group '\(def.name)': \(error)")
                }
            }
        } catch {
            throw ConfigError(error.description)
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The address books the policy names (`~` expanded), merged; unreadable ones are warnings.
    /// Read again only when one of the files changed (the composer asks on every confirmation).
    public static func addressBook(_ config: PolicyConfig, paths: DataPaths) -> (AddressBook, warnings: [String]) {
        let files = addressBookFiles(config, paths: paths)
        return PolicySourceCache.shared.addressBook(for: files.map(FileStamp.init)) { readAddressBooks(files) }
    }

    private static func addressBookFiles(_ config: PolicyConfig, paths: DataPaths) -> [String] {
        let files = config.addressBooks.map(\.value).map(FileSystem.expandTilde)
        // Without a configured book: the standard ones in the config folder, text, vCard, CSV.
        guard files.isEmpty else { return files }
        return ["addressbook.txt", "addressbook.vcf", "addressbook.csv"].map { paths.configDirectory + "/" + $0 }.filter(FileSystem.exists)
    }

    /// The files the address picker's candidates come from (the address books and the journal)
    /// as they are now: a few `stat`s, compared to see whether candidates made before are still
    /// those the files give.
    public static func pickerSourceStamps(_ config: PolicyConfig, paths: DataPaths) -> [FileStamp] {
        (addressBookFiles(config, paths: paths) + [paths.journalFile, paths.journalFile + "-wal"]).map(FileStamp.init)
    }

    private static func readAddressBooks(_ files: [String]) -> (AddressBook, warnings: [String]) {
        var books: [AddressBook] = []
        var warnings: [String] = []
        for file in files {
            do {
                // vCard and CSV books (UTF-8 or Shift_JIS) are read by their extension.
                let lower = file.lowercased()
                if lower.hasSuffix(".vcf") || lower.hasSuffix(".vcard") || lower.hasSuffix(".csv") {
                    books.append(try AddressBook.read(bytes: try FileSystem.readTrusted(file), file: file))
                    continue
                }
                // One that others can write is not used, like an unreadable one: a warning.
                guard let text = try FileSystem.readTrustedUTF8(file) else {
                    warnings.append("the address book '\(file)' is not UTF-8 text; namesakes are not checked against it")
                    continue
                }
                books.append(try AddressBook.parse(text, file: file))
            } catch let error as FileError where error.kind == .untrusted {
                warnings.append("the address book is not used: \(error); namesakes are not checked against it")
            } catch let error as FileError {
                warnings.append("cannot read the address book: \(error); namesakes are not checked against it")
            } catch {
                warnings.append("\(error); namesakes are not checked against this address book")
            }
        }
        return (AddressBook.merged(books), warnings)
    }

    /// Who has been written to before: the recipients the send journal records as accepted.
    /// While the journal holds no message yet (a first start, or mail sent by a version without
    /// the journal), the sent folder's headers. A journal that cannot be read is a warning, and
    /// the history is then empty: every recipient counts as new, which asks more, never less.
    /// Read again only when the journal or the sent folder changed.
    public static func history(paths: DataPaths) -> (SendHistory, warning: String?) {
        let key = [paths.journalFile, paths.journalFile + "-wal", paths.sentDirectory + "/cur", paths.sentDirectory + "/new"]
            .map(FileStamp.init)
        return PolicySourceCache.shared.history(for: key) { readHistory(paths: paths) }
    }

    /// Reads the address books and the history on another thread, so that the first
    /// confirmation finds them ready: the composer calls this once its first frame is drawn.
    /// A confirmation asked for while this runs waits for it rather than reading twice.
    public static func prefetch(_ config: PolicyConfig, paths: DataPaths) {
        DispatchQueue.global(qos: .utility).async {
            let (known, _) = history(paths: paths)
            let (book, _) = addressBook(config, paths: paths)
            // lookalike-domain's comparison forms of the known domains (about 10 ms for a
            // few thousand): the same for every message of this history and book.
            LookalikeDomainRule.prepare(history: known, addressBook: book)
            // For the address picker (Ctrl-T): reading 50,000 recipients takes about 0.1 s.
            _ = correspondents(paths: paths)
        }
    }

    /// Everyone the journal says a message was delivered to, with the newest name, time and
    /// count (`SendJournal.correspondents`), for the composer's address picker. No journal yet:
    /// none. A journal that cannot be read is a warning (and is tried again next time). Read
    /// again only when the journal changed.
    public static func correspondents(paths: DataPaths) -> ([SendJournal.Correspondent], warning: String?) {
        let key = [paths.journalFile, paths.journalFile + "-wal"].map(FileStamp.init)
        return PolicySourceCache.shared.correspondents(for: key) {
            guard FileSystem.exists(paths.journalFile) else { return ([], nil) }
            do {
                let journal = try SendJournal(path: paths.journalFile)
                defer { journal.close() }
                return (try journal.correspondents(), nil)
            } catch {
                return ([], "the send history cannot be read: \(error)")
            }
        }
    }

    private static func readHistory(paths: DataPaths) -> (SendHistory, warning: String?) {
        func sentFolder() -> SendHistory {
            let folder = SentFolder(directory: paths.sentDirectory)
            let record = folder.history()
            return SendHistory(addresses: record.addresses, domains: record.domains, visibleDomainGroups: folder.visibleDomainGroups())
        }
        guard FileSystem.exists(paths.journalFile) else { return (sentFolder(), nil) }
        do {
            let journal = try SendJournal(path: paths.journalFile)
            defer { journal.close() }
            if try journal.list(limit: 1).isEmpty { return (sentFolder(), nil) }
            let record = try journal.history()
            let groups = try journal.visibleDomainGroups()
            return (SendHistory(addresses: record.addresses, domains: record.domains, visibleDomainGroups: groups), nil)
        } catch {
            return (SendHistory(addresses: [], domains: []), "\(error); every recipient is treated as new")
        }
    }

    /// The one way a message is checked: the address books and the history read (from the
    /// cache when their files did not change), `input` builds what the policy looks at from them
    /// (each caller has its own kind of message: composed, parsed from a file, a bulk sample),
    /// and the policy decides. The address book comes back for the confirmation screen's
    /// companies; the warnings (an unreadable address book or journal) are for the caller to
    /// show, in order.
    public static func evaluate(
        _ config: PolicyConfig, paths: DataPaths, input: (_ history: SendHistory, _ addressBook: AddressBook) -> PolicyInput
    ) -> PolicyEvaluation {
        let (book, warnings) = addressBook(config, paths: paths)
        let (history, historyWarning) = history(paths: paths)
        let decision = PolicyEngine.evaluate(input(history, book), config: config)
        return PolicyEvaluation(decision: decision, addressBook: book, addressBookWarnings: warnings, historyWarning: historyWarning)
    }

    /// `evaluate` for a message built by guardmail (`send`, the composer) and its attachments'
    /// inspections; `thread` for a reply or a forward (the thread rules).
    public static func evaluate(
        _ message: OutgoingMessage, inspections: [Inspection], thread: ThreadFacts? = nil, config: PolicyConfig, paths: DataPaths
    ) -> PolicyEvaluation {
        evaluate(config, paths: paths) { history, book in
            var input = input(message, inspections: inspections, history: history, addressBook: book)
            input.thread = thread
            return input
        }
    }

    public static func input(
        _ message: OutgoingMessage, inspections: [Inspection], history: SendHistory, addressBook: AddressBook
    ) -> PolicyInput {
        PolicyInput(
            from: message.from, to: message.to.mailboxes, cc: message.cc.mailboxes, bcc: message.bcc.mailboxes,
            subject: message.subject, body: message.body,
            attachments: inspections.map { AttachmentFacts($0) },
            history: history, addressBook: addressBook)
    }
}

/// What `PolicySetup.evaluate` found.
public struct PolicyEvaluation: Sendable {
    public var decision: PolicyDecision
    /// The address books it read, merged (the confirmation screen names companies from it).
    public var addressBook: AddressBook
    /// Address books it could not use, as sentences.
    public var addressBookWarnings: [String]
    /// Why the history is empty (the journal could not be read), if it is.
    public var historyWarning: String?
    /// Every source it could not use, as sentences: the address books, then the history.
    public var warnings: [String] { addressBookWarnings + (historyWarning.map { [$0] } ?? []) }
}

/// What a file looked like when it was read: enough to see that it changed since (a write, a
/// replacement, an entry added to a directory). Modification times come from the kernel's
/// coarse clock (a few milliseconds): a change of the same size within that window of the last
/// read would go unseen, which no one confirming messages by hand can do.
public struct FileStamp: Equatable, Sendable {
    var path: String
    var exists = false
    var inode: UInt64 = 0
    var size: Int64 = 0
    var modifiedSeconds = 0
    var modifiedNanoseconds = 0

    init(_ path: String) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        exists = true
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}

/// The last address books and history read, with the stamps of the files they came from. The
/// composer checks a message on every `y`; with thousands of known addresses, parsing them all
/// again each time was most of the wait for the confirmation screen.
final class PolicySourceCache: Sendable {
    static let shared = PolicySourceCache()

    private struct Entries {
        var addressBook: (key: [FileStamp], value: (AddressBook, warnings: [String]))?
        var history: (key: [FileStamp], value: (SendHistory, warning: String?))?
        var correspondents: (key: [FileStamp], value: ([SendJournal.Correspondent], warning: String?))?
    }

    private let entries = Mutex(Entries())

    /// The cached books when `key` still describes their files; else `read()`, kept. The lock is
    /// held while reading, so a second caller waits for the first read instead of repeating it.
    func addressBook(
        for key: [FileStamp], read: () -> (AddressBook, warnings: [String])
    ) -> (AddressBook, warnings: [String]) {
        entries.withLock { entries in
            if let cached = entries.addressBook, cached.key == key { return cached.value }
            let value = read()
            entries.addressBook = (key, value)
            return value
        }
    }

    /// As `addressBook`; a history read with a warning (the journal could not be read) is not
    /// kept: the next confirmation tries again.
    /// As `history`, for the picker's list of correspondents.
    func correspondents(
        for key: [FileStamp], read: () -> ([SendJournal.Correspondent], warning: String?)
    ) -> ([SendJournal.Correspondent], warning: String?) {
        entries.withLock { entries in
            if let cached = entries.correspondents, cached.key == key { return cached.value }
            let value = read()
            entries.correspondents = value.warning == nil ? (key, value) : nil
            return value
        }
    }

    func history(for key: [FileStamp], read: () -> (SendHistory, warning: String?)) -> (SendHistory, warning: String?) {
        entries.withLock { entries in
            if let cached = entries.history, cached.key == key { return cached.value }
            let value = read()
            entries.history = value.warning == nil ? (key, value) : nil
            return value
        }
    }
}
