// Outbox.swift — frozen messages, one folder each, durable across crashes.
//
// An outbox entry is a message the user confirmed: it waits for its countdown hold to end, or
// for the user after a failure or a crash. Everything sent later is read from these files only,
// never from the composer's memory, so what leaves is what was confirmed.
//
//   <outbox>/<id>/message.eml   the spool file: Bcc header, then from `messageOffset` the bytes to send
//   <outbox>/<id>/record.toml   what was confirmed (written once)
//   <outbox>/<id>/state.toml    the SendState and `release_requested` (replaced atomically)
//   <outbox>/<id>/draft.eml     optional composer snapshot (DraftStore's format), for undo and edit
//   <outbox>/<id>/owner.lock    flock: held by the process that is holding or submitting the message
//   <outbox>/<id>/state.lock    flock: held briefly around read-decide-write of state.toml
//   <outbox>/<id>/damaged       written when message.eml failed its checksum before a submission:
//                               the reason; from then on the entry reads as damaged
//
// Names starting with "." are never entries: `.tmp-<id>` is an entry being frozen (renamed to
// `<id>` only once complete, so a named entry is always whole) and `.trash-<id>-<pid>` one being
// removed. `.temporary.lock` is held shared by every freeze (see `TemporaryFilesLock`), so that
// `list()` removes the `.tmp-` folders of freezes that were killed, and only those.

#if canImport(Glibc)
    import Glibc
#endif
import Store
import Workflow

public struct Outbox: Sendable {
    public let directory: String

    static let messageName = "message.eml"
    static let recordName = "record.toml"
    static let stateName = "state.toml"
    static let draftName = "draft.eml"
    static let ownerLockName = "owner.lock"
    static let stateLockName = "state.lock"
    static let damagedName = "damaged"

    /// Test hook: makes `freeze` fail at one of its steps, to check that every failure puts the
    /// spool file back and leaves nothing behind.
    var injectedFailure: FreezeStep?

    enum FreezeStep: CaseIterable, Sendable {
        case writeFiles, moveMessage, syncEntry, publish, syncOutbox
    }

    public init(directory: String) {
        self.directory = directory
    }

    /// The folder of entry `id` (whether or not it exists).
    public func entryDirectory(id: String) -> String { directory + "/" + id }
    /// The frozen message of an entry (see `OutboxEntry.messagePath`).
    public func messagePath(id: String) -> String { entryDirectory(id: id) + "/" + Self.messageName }

    // MARK: Ids

    /// A new entry id: short enough to type in `guardmail outbox release <id>`, sorted by time as
    /// text (so "oldest first" is a sort by name), unique enough with 36⁴ suffixes per second.
    /// `now` in seconds since 1970; the date and time are UTC: "20261129-110203-k3f9".
    public static func newID(now: Double, random: inout some RandomNumberGenerator) -> String {
        precondition(now.isFinite, "Outbox.newID: now must be finite, got \(now)")
        var seconds = time_t(now.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let date = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        let time = pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<4).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
        return "\(date)-\(time)-\(suffix)"
    }

    /// Ids name folders: refuse anything that could point elsewhere or hide as a dot-name.
    func checkID(_ id: String) throws(OutboxError) {
        guard !id.isEmpty, !id.hasPrefix("."), !id.contains("/"), !id.utf8.contains(0) else {
            throw OutboxError(
                kind: .notFound, path: directory,
                message: "'\(id)' is not a message id of the outbox '\(directory)'")
        }
    }

    /// The entry's folder, or `.notFound` in the words the user needs.
    private func existingEntry(_ id: String) throws(OutboxError) -> String {
        try checkID(id)
        let path = entryDirectory(id: id)
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT {
                throw OutboxError(
                    kind: .notFound, path: path,
                    message: "there is no message '\(id)' in the outbox '\(directory)'")
            }
            throw OutboxError("open the outbox message", path: path, SystemFailure(errno, "reading", path))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .corrupt(path, "it is not a folder") }
        return path
    }

    // MARK: Freezing

    /// Freezes a confirmed message: creates `.tmp-<id>` with record.toml, state.toml and draft.eml
    /// (when given), moves the spool file in as message.eml (a rename: the caller's file must be on
    /// the same file system and already fsynced), fsyncs each file and the folder, renames the
    /// folder to `<id>` and fsyncs the outbox. Only that last rename makes the entry visible, so a
    /// crash leaves either nothing or a whole entry (or a `.tmp-` folder nobody reads).
    ///
    /// On any failure the spool file is put back where it was, the temporary folder is removed and
    /// the error says why; if the spool file cannot be put back the error says where it is.
    /// The record is read back from its own text before anything is written, and the spool file
    /// must be exactly `messageOffset + messageSize` bytes.
    public func freeze(_ record: OutboxRecord, state: SendState, spoolFile: String, draft: DraftRecord?) throws(OutboxError) -> OutboxEntry {
        try freeze(record, state: state, spoolFile: spoolFile, draft: draft, claim: false).entry
    }

    /// `freeze`, with the entry's owner lock taken on its temporary folder before it is published:
    /// no other process (a guardmail starting and adopting what it finds) can claim the message
    /// between its appearance and its owner's claim.
    public func freezeClaimed(_ record: OutboxRecord, state: SendState, spoolFile: String, draft: DraftRecord?) throws(OutboxError) -> (
        entry: OutboxEntry, lock: OwnerLock
    ) {
        let (entry, lock) = try freeze(record, state: state, spoolFile: spoolFile, draft: draft, claim: true)
        return (entry, lock!)
    }

    private func freeze(_ record: OutboxRecord, state: SendState, spoolFile: String, draft: DraftRecord?, claim: Bool) throws(OutboxError) -> (
        entry: OutboxEntry, lock: OwnerLock?
    ) {
        let action = "freeze the message in the outbox"
        try checkID(record.id)
        let recordText = OutboxFormat.encodeRecord(record)
        let stateText = OutboxFormat.encodeState(state, releaseRequested: false)
        do {
            let readBack = try OutboxFormat.decodeRecord(recordText, file: Self.recordName)
            _ = try OutboxFormat.decodeState(stateText, file: Self.stateName)
            // Everything `record.toml` keeps must come back (the answered challenges' facts are
            // carried to the journal only: `ConfirmationRecord.answeredChallenges`).
            guard readBack == record.asWritten else {
                throw OutboxError(
                    kind: .corrupt, path: directory,
                    message: "cannot \(action) '\(directory)': the record of '\(record.id)' does not read back as written")
            }
        } catch let error as OutboxError {
            throw error
        } catch {
            throw OutboxError(
                kind: .corrupt, path: directory,
                message: "cannot \(action) '\(directory)': the record of '\(record.id)' does not read back (\(error))")
        }

        var info = stat()
        guard stat(spoolFile, &info) == 0 else {
            throw OutboxError(action, path: directory, SystemFailure(errno, "reading the spool file", spoolFile))
        }
        guard OutboxFormat.Limits.bytes.contains(record.messageOffset), OutboxFormat.Limits.bytes.contains(record.messageSize),
            Int64(info.st_size) == record.messageOffset + record.messageSize
        else {
            throw OutboxError(
                kind: .corrupt, path: directory,
                message:
                    "cannot \(action) '\(directory)': the spool file '\(spoolFile)' is \(info.st_size) bytes, "
                    + "but the record says \(record.messageOffset) + \(record.messageSize)")
        }
        let final = entryDirectory(id: record.id)
        if FileSystem.exists(final) {
            throw OutboxError(
                kind: .io, path: directory,
                message: "cannot \(action) '\(directory)': a message '\(record.id)' is already there")
        }

        // Held until the end of this function: `list()` in another process removes this
        // `.tmp-` folder only once no freeze holds the lock (this one was killed).
        let writing: TemporaryFilesLock
        do {
            writing = try TemporaryFilesLock.writing(in: directory)
        } catch {
            throw OutboxError(action, path: directory, SystemFailure(error, "locking"))
        }
        defer { writing.release() }
        let temporary = directory + "/.tmp-" + record.id
        var createdTemporary = false
        // Where the entry's folder is now, and whether the spool file is inside it.
        var location = temporary
        var moved = false
        var lockFD: Int32 = -1
        func step(_ point: FreezeStep) throws(SystemFailure) {
            if injectedFailure == point { throw SystemFailure(EIO, "testing", temporary) }
        }
        do throws(SystemFailure) {
            try makeDirectories(directory)
            try makeDirectory(temporary)
            createdTemporary = true
            try step(.writeFiles)
            try writeFile(temporary + "/" + Self.recordName, recordText)
            try writeFile(temporary + "/" + Self.stateName, stateText)
            if let draft { try writeFile(temporary + "/" + Self.draftName, DraftStore.encode(draft)) }
            try writeFile(temporary + "/" + Self.ownerLockName, "")
            try writeFile(temporary + "/" + Self.stateLockName, "")
            if claim {
                // A new file nobody else has opened: the lock cannot be refused.
                let path = temporary + "/" + Self.ownerLockName
                lockFD = open(path, O_RDWR | O_CLOEXEC)
                let call: @convention(c) (Int32, Int32) -> Int32 = flock
                guard lockFD >= 0, call(lockFD, LOCK_EX | LOCK_NB) == 0 else { throw SystemFailure(errno, "locking", path) }
            }
            try step(.moveMessage)
            try rename(spoolFile, to: temporary + "/" + Self.messageName)
            moved = true
            try step(.syncEntry)
            try syncDirectory(temporary)
            try step(.publish)
            try rename(temporary, to: final)
            location = final
            try step(.syncOutbox)
            try syncDirectory(directory)
        } catch {
            var note = ""
            if location == final {
                do throws(SystemFailure) {
                    try rename(final, to: temporary)
                    location = temporary
                } catch {}
            }
            if moved {
                do throws(SystemFailure) {
                    try rename(location + "/" + Self.messageName, to: spoolFile)
                    moved = false
                } catch {
                    note = "; the message could not be put back and is in '\(location)/\(Self.messageName)'"
                }
            }
            if createdTemporary && !moved { removeTree(location) }
            if lockFD >= 0 { _ = close(lockFD) }
            throw OutboxError(action, path: directory, error, note: note)
        }
        // The spool folder lost a name; the outbox fsync above already made the move durable on
        // journalling file systems, this is for the others. Nothing to undo if it fails.
        if let slash = spoolFile.lastIndex(of: "/") {
            let parent = String(spoolFile[..<slash])
            do throws(SystemFailure) { try syncDirectory(parent.isEmpty ? "/" : parent) } catch {}
        }
        let entry = OutboxEntry(record: record, state: state, releaseRequested: false, directory: final, hasDraft: draft != nil)
        let lock = claim ? OwnerLock(id: record.id, path: final + "/" + Self.ownerLockName, fd: lockFD) : nil
        return (entry, lock)
    }

    // MARK: Reading

    /// One entry, checked: both TOML files read strictly (every number in its range), the record's
    /// id matches the folder, every recipient state.toml names is one the record says was
    /// confirmed, the entry was not marked damaged, and message.eml is there with exactly the
    /// size the record says. (Its bytes are checked against the record's SHA-256 before each
    /// submission, not here: that is a whole read of the message.)
    public func load(id: String) throws(OutboxError) -> OutboxEntry {
        let path = try existingEntry(id)
        let damagedFile = path + "/" + Self.damagedName
        if FileSystem.exists(damagedFile) {
            let reason = (try? readText(damagedFile)).map { $0.trimmingTrailingNewlines } ?? "(the reason could not be read)"
            throw .corrupt(path, "it was marked damaged: \(reason)")
        }
        let recordFile = path + "/" + Self.recordName
        let record: OutboxRecord
        do {
            record = try OutboxFormat.decodeRecord(try readText(recordFile), file: recordFile)
        } catch {
            throw readFailure(path, recordFile, error)
        }
        guard record.id == id else { throw .corrupt(path, "\(recordFile) is for the message '\(record.id)'") }
        let stateFile = path + "/" + Self.stateName
        let state: (state: SendState, releaseRequested: Bool)
        do {
            state = try OutboxFormat.decodeState(try readText(stateFile), file: stateFile)
        } catch {
            throw readFailure(path, stateFile, error)
        }
        // What is sent goes to recipients the user confirmed, whatever state.toml says.
        let confirmed = Set(record.recipients.map(\.address))
        for (key, addresses) in Self.recipientLists(state.state) {
            if let stranger = addresses.first(where: { !confirmed.contains($0) }) {
                throw .corrupt(
                    path,
                    "\(stateFile): '\(key)' names '\(stranger)', who is not among the recipients "
                        + "confirmed in \(Self.recordName)")
            }
        }
        let messageFile = path + "/" + Self.messageName
        var info = stat()
        guard stat(messageFile, &info) == 0 else {
            if errno == ENOENT {
                throw .corrupt(path, "\(Self.messageName) is missing (after a crash it may already be in the sent folder)")
            }
            throw OutboxError("read the outbox message", path: path, SystemFailure(errno, "reading", messageFile))
        }
        let expected = record.messageOffset + record.messageSize
        guard Int64(info.st_size) == expected else {
            throw .corrupt(path, "\(Self.messageName) is \(info.st_size) bytes, but \(Self.recordName) says \(expected)")
        }
        return OutboxEntry(
            record: record, state: state.state, releaseRequested: state.releaseRequested, directory: path,
            hasDraft: FileSystem.exists(path + "/" + Self.draftName))
    }

    /// The recipient lists a state carries, by their key in state.toml.
    static func recipientLists(_ state: SendState) -> [(key: String, addresses: [String])] {
        switch state {
        case .editing, .confirming, .discarded, .sent: return []
        case let .partiallySent(refused, _): return [("refused", refused)]
        case let .awaitingConfirmation(recipients), let .holding(_, recipients), let .submitting(_, recipients),
            let .failedTemporarily(_, _, _, recipients), let .failedPermanently(_, recipients), let .unknown(recipients), let .interrupted(recipients):
            return [("recipients", recipients)]
        }
    }

    /// Marks the entry damaged (its message failed its checksum): writes `damaged` with the reason
    /// (fsynced), after which `load` reports the entry as damaged and nothing sends it.
    public func markDamaged(id: String, reason: String) throws(OutboxError) {
        let path = try existingEntry(id)
        let file = path + "/" + Self.damagedName
        _ = unlink(file)
        do throws(SystemFailure) {
            try writeFile(file, reason + "\n")
            try syncDirectory(path)
        } catch {
            throw OutboxError("mark the outbox message damaged", path: path, error)
        }
    }

    /// An unreadable file of an entry: I/O errors keep their kind; anything else is `.corrupt`.
    private func readFailure(_ entry: String, _ file: String, _ error: any Error) -> OutboxError {
        if let failure = error as? SystemFailure {
            if failure.code == ENOENT { return .corrupt(entry, "\(file) is missing") }
            if failure.code == EILSEQ { return .corrupt(entry, "\(file) is not UTF-8 text") }
            return OutboxError("read the outbox message", path: entry, failure)
        }
        return .corrupt(entry, "\(error)")
    }

    /// Whether the outbox may hold an entry, for one `readdir` instead of reading every entry:
    /// false only when the folder does not exist or holds nothing but dot-names (entries being
    /// frozen or removed, which `list` skips too). A folder that cannot be read counts as
    /// holding entries, so the caller does the full check (`list`) and meets the real error.
    public var mayHoldEntries: Bool {
        guard let folder = opendir(directory) else { return errno != ENOENT }
        defer { closedir(folder) }
        while let entry = readdir(folder) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0.first ?? 0 }
            if first != UInt8(ascii: ".") { return true }
        }
        return false
    }

    /// Every entry, oldest first (ids sort by time). Entries that cannot be read are returned as
    /// damaged with the reason, never deleted: the user decides what to do with them. Dot-names
    /// are skipped; leftover `.trash-*` folders (a crash during `remove`) and the `.tmp-*` folders
    /// of freezes that were killed (no live freeze holds the lock) are cleaned up here.
    public func list() -> (entries: [OutboxEntry], problems: [DamagedEntry]) {
        var entries: [OutboxEntry] = []
        var problems: [DamagedEntry] = []
        TemporaryFiles.removeAbandoned(in: directory, .freezingFolders)
        for name in FileSystem.listDirectory(directory) {
            if name.hasPrefix(".trash-") {
                removeTree(directory + "/" + name)
                continue
            }
            if name.hasPrefix(".") { continue }
            do {
                entries.append(try load(id: name))
            } catch {
                problems.append(DamagedEntry(id: name, path: entryDirectory(id: name), kind: error.kind, reason: error.message))
            }
        }
        return (entries, problems)
    }

    /// The composer snapshot kept with the entry, or nil when none was kept.
    public func draft(id: String) throws(OutboxError) -> DraftRecord? {
        let path = try existingEntry(id) + "/" + Self.draftName
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(path)
        } catch {
            if error.errno == ENOENT { return nil }
            throw OutboxError("read the composer snapshot", path: path, SystemFailure(error, "reading"))
        }
        guard let draft = DraftStore.decode(bytes, fallbackID: id) else {
            throw .corrupt(entryDirectory(id: id), "\(path) is not a draft guardmail wrote")
        }
        return draft
    }

    // MARK: Changing

    /// Replaces state.toml atomically (write a temporary file, fsync, rename, fsync the folder):
    /// a crash leaves the old state or the new one, never a mix. Callers that decide on the
    /// current state first do so inside `withStateLock`.
    public func write(id: String, state: SendState, releaseRequested: Bool = false) throws(OutboxError) {
        let path = try existingEntry(id)
        var random = SystemRandomNumberGenerator()
        let temporary = "\(path)/.state-\(getpid())-\(random.next() as UInt32).tmp"
        do throws(SystemFailure) {
            try writeFile(temporary, OutboxFormat.encodeState(state, releaseRequested: releaseRequested))
            try rename(temporary, to: path + "/" + Self.stateName)
            try syncDirectory(path)
        } catch {
            _ = unlink(temporary)
            throw OutboxError("record the state of the outbox message", path: path, error)
        }
    }

    /// Removes the entry: renames its folder to `.trash-<id>-<pid>` and fsyncs the outbox (from then
    /// on the entry is gone), then deletes the files. A crash in between leaves only a dot-name,
    /// which `list()` cleans up.
    public func remove(id: String) throws(OutboxError) {
        // No `existingEntry`: an entry that is not even a folder must still be removable.
        try checkID(id)
        let path = entryDirectory(id: id)
        let trash = "\(directory)/.trash-\(id)-\(getpid())"
        removeTree(trash)
        do throws(SystemFailure) {
            try rename(path, to: trash)
            try syncDirectory(directory)
        } catch {
            if error.code == ENOENT && error.path == path {
                throw OutboxError(kind: .notFound, path: path, message: "there is no message '\(id)' in the outbox '\(directory)'")
            }
            throw OutboxError("remove the message from the outbox", path: path, error)
        }
        removeTree(trash)
    }

    /// After a successful send: moves message.eml into the sent Maildir as `cur/<id>:2,S` (a
    /// rename, so the sent copy is byte for byte the spool file, Bcc header included), then
    /// removes the entry. A crash in between leaves an entry whose message is missing, which
    /// `load` reports rather than resending.
    public func moveToSent(id: String, folder: SentFolder) throws(OutboxError) {
        let message = try existingEntry(id) + "/" + Self.messageName
        do {
            try folder.store(message, name: id)
        } catch {
            throw OutboxError(
                "move the message '\(id)' to the sent folder", path: folder.directory,
                SystemFailure(error, error.path == message ? "moving" : "at"))
        }
        do {
            try remove(id: id)
        } catch {
            throw OutboxError(
                kind: error.kind, path: error.path,
                message: error.message + "; the sent copy is already in '\(folder.directory)/cur'")
        }
    }
}

/// An entry that cannot be read as one (see `Outbox.load`): shown with its path and the reason,
/// never sent, never deleted without the user.
public struct DamagedEntry: Sendable, Equatable {
    /// The folder's name (the id it would have).
    public var id: String
    /// The entry's folder.
    public var path: String
    /// `.corrupt` (damaged files), or `.io` when it could not be read at all (permissions, I/O error).
    public var kind: OutboxError.Kind
    /// The whole sentence, naming the path, the file and line, the key and the value.
    public var reason: String

    public init(id: String, path: String, kind: OutboxError.Kind, reason: String) {
        self.id = id
        self.path = path
        self.kind = kind
        self.reason = reason
    }

    /// The reason for a row that already shows the folder: without "the outbox entry '…' cannot
    /// be read: ", files named relative to the folder ("state.toml:3: 'release_at' must be …").
    public var problem: String {
        var text = Substring(reason)
        let prefix = "the outbox entry '\(path)' cannot be read: "
        if text.hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
        return text.split(separator: path + "/", omittingEmptySubsequences: false).joined()
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return String(text)
    }
}

// MARK: - File-system steps, each failing with the errno and the path it was about

extension Outbox {
    func makeDirectories(_ path: String) throws(SystemFailure) {
        do {
            try FileSystem.makeDirectories(path, mode: 0o700)
        } catch {
            throw SystemFailure(error, "creating the folder")
        }
    }

    func makeDirectory(_ path: String) throws(SystemFailure) {
        guard mkdir(path, 0o700) == 0 else { throw SystemFailure(errno, "creating the folder", path) }
    }

    /// Creates `path` (mode 0600, failing if it exists), writes `text`, fsyncs and closes.
    func writeFile(_ path: String, _ text: String) throws(SystemFailure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemFailure(errno, "creating", path) }
        var bytes = Array(text.utf8)
        var offset = 0
        let written: Int32? = bytes.withUnsafeMutableBytes { buffer in
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        bytes.removeAll()
        if let code = written {
            _ = close(fd)
            _ = unlink(path)
            throw SystemFailure(code, "writing", path)
        }
        guard fsync(fd) == 0 else {
            let code = errno
            _ = close(fd)
            _ = unlink(path)
            throw SystemFailure(code, "syncing", path)
        }
        guard close(fd) == 0 else {
            let code = errno
            _ = unlink(path)
            throw SystemFailure(code, "closing", path)
        }
    }

    func rename(_ from: String, to: String) throws(SystemFailure) {
        guard Glibc.rename(from, to) == 0 else { throw SystemFailure(errno, "renaming to '\(to)'", from) }
    }

    func syncDirectory(_ path: String) throws(SystemFailure) {
        do {
            try FileSystem.syncDirectory(path)
        } catch {
            throw SystemFailure(error, "syncing the folder")
        }
    }

    func readText(_ path: String) throws(SystemFailure) -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(path, limit: 16 << 20)
        } catch {
            throw SystemFailure(error, "reading")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw SystemFailure(EILSEQ, "reading", path) }
        return text
    }

    /// Deletes a folder of plain files (an entry has no subfolders), or a plain file; best effort.
    func removeTree(_ path: String) {
        if unlink(path) == 0 { return }
        for name in FileSystem.listDirectory(path) { _ = unlink(path + "/" + name) }
        _ = rmdir(path)
    }
}
