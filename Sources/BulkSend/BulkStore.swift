// BulkStore.swift — bulk jobs on disk, one folder each, frozen once.
//
//   <data>/bulk/<id>/job.toml         what was confirmed (written once)
//   <data>/bulk/<id>/messages.spool   every rendered message, concatenated: exactly the bytes sent
//   <data>/bulk/<id>/index.tsv        recipient → message, offset, size, Message-ID
//   <data>/bulk/<id>/job.lock         flock: held by the process sending the job
//   <data>/bulk/<id>/progress.log     appended while sending (see BulkProgressLog)
//
// A job is written into `.tmp-<id>`, every file fsynced, then renamed to `<id>` and the bulk
// folder fsynced (as the outbox does): a crash leaves a whole job or a dot-folder nobody reads.
// What goes out later is read from these files only.

#if canImport(Glibc)
    import Glibc
#endif
import Inspect
import Journal
import MailCore
import Outbox
import Store

extension DataPaths {
    /// `$XDG_DATA_HOME/guardmail/bulk`: one folder per bulk job.
    public var bulkDirectory: String { dataDirectory + "/bulk" }
}

public struct BulkStore: Sendable {
    public let directory: String

    static let recordName = "job.toml"
    static let spoolName = "messages.spool"
    static let indexName = "index.tsv"
    static let lockName = "job.lock"
    static let progressName = "progress.log"

    public init(directory: String) { self.directory = directory }

    /// A new job id, in the outbox's form ("20261129-110203-k3f9"): sorted by time as text.
    public static func newID(now: Double) -> String {
        var random = SystemRandomNumberGenerator()
        return Outbox.newID(now: now, random: &random)
    }

    public func jobDirectory(id: String) -> String { directory + "/" + id }

    /// Ids name folders: nothing that could point elsewhere.
    func checkID(_ id: String) throws(BulkError) {
        guard !id.isEmpty, !id.hasPrefix("."), !id.contains("/"), !id.utf8.contains(0) else {
            throw BulkError(.notFound, "'\(id)' is not a bulk job id")
        }
    }

    // MARK: Freezing

    /// Writes a new job: `render` writes every message through the writer it is given (in
    /// recipient order), then the index and the record are written, everything is fsynced, and the
    /// folder is published by a rename. On any failure nothing is left behind.
    public func freeze(_ record: BulkJobRecord, render: (inout BulkSpoolWriter) throws -> Void) throws(BulkError) -> BulkJob {
        try checkID(record.id)
        let final = jobDirectory(id: record.id)
        let temporary = directory + "/.tmp-" + record.id
        guard !FileSystem.exists(final) else { throw BulkError(.io, "a bulk job '\(record.id)' already exists in '\(directory)'") }
        // Held until the job is published or removed: a `guardmail bulk` starting meanwhile
        // (`removeAbandoned`) leaves this `.tmp-` folder alone; a killed freeze's is removed.
        let writing: TemporaryFilesLock
        do {
            writing = try TemporaryFilesLock.writing(in: directory)
        } catch {
            throw BulkError(.io, "cannot freeze the bulk job: \(error)")
        }
        defer { writing.release() }
        guard mkdir(temporary, 0o700) == 0 else {
            throw BulkError(.io, "cannot freeze the bulk job: cannot create the folder '\(temporary)': \(String(cString: strerror(errno)))")
        }
        do {
            return try writeJob(record, temporary: temporary, final: final, render: render)
        } catch {
            removeTree(temporary)
            throw error
        }
    }

    private func writeJob(
        _ record: BulkJobRecord, temporary: String, final: String,
        render: (inout BulkSpoolWriter) throws -> Void
    ) throws(BulkError) -> BulkJob {
        let sink: FileSink
        do {
            sink = try FileSink(creating: temporary + "/" + Self.spoolName, bufferSize: 1 << 20)
        } catch {
            throw BulkError(.io, "cannot freeze the bulk job: \(error)")
        }
        var writer = BulkSpoolWriter(sink: sink)
        do {
            try render(&writer)
            try sink.finish(sync: true)
        } catch let error as BulkError {
            try? sink.finish(sync: false)
            throw error
        } catch let error as FileError {
            try? sink.finish(sync: false)
            throw BulkError(
                error.path == sink.path || error.kind == .diskFull ? .io : .data,
                error.path == sink.path ? "cannot write the messages: \(error)" : "attachment: \(error)")
        } catch {
            try? sink.finish(sync: false)
            throw BulkError(.data, "cannot write the messages: \(error)")
        }
        var record = record
        record.messageCount = writer.index.messages.count
        record.recipientCount = writer.index.recipients.count
        let indexText = BulkFormat.encodeIndex(writer.index)
        record.indexSHA256 = SHA256Hasher.hex(Array(indexText.utf8))
        try writeFile(temporary + "/" + Self.indexName, indexText)
        try writeFile(temporary + "/" + Self.recordName, BulkFormat.encodeRecord(record))
        // Empty: no content to sync (the folder's sync below keeps its name, and `lock` creates it
        // again if it were ever missing).
        try writeFile(temporary + "/" + Self.lockName, "", sync: false)
        try sync(temporary)
        guard Glibc.rename(temporary, final) == 0 else {
            throw BulkError(.io, "cannot freeze the bulk job: cannot rename '\(temporary)': \(String(cString: strerror(errno)))")
        }
        do {
            try sync(directory)
        } catch {
            _ = Glibc.rename(final, temporary)
            throw error
        }
        return BulkJob(record: record, index: writer.index, directory: final)
    }

    // MARK: Reading

    /// The job, checked: the record reads strictly, the index is consistent, and the spool file
    /// is exactly as long as the index says.
    public func load(id: String) throws(BulkError) -> BulkJob {
        try checkID(id)
        let path = jobDirectory(id: id)
        guard FileSystem.exists(path) else { throw BulkError(.notFound, "there is no bulk job '\(id)' in '\(directory)'") }
        let recordFile = path + "/" + Self.recordName
        let record: BulkJobRecord
        do {
            guard let text = try FileSystem.readUTF8(recordFile) else { throw BulkError(.corrupt, "'\(recordFile)' is not UTF-8 text") }
            record = try BulkFormat.decodeRecord(text, file: recordFile)
        } catch let error as BulkError {
            throw error
        } catch let error as FileError {
            throw BulkError(error.kind == .notFound ? .corrupt : .io, "cannot read the bulk job '\(id)': \(error)")
        } catch {
            throw BulkError(.corrupt, "cannot read the bulk job '\(id)': \(error)")
        }
        guard record.id == id else { throw BulkError(.corrupt, "'\(recordFile)' is for the job '\(record.id)'") }
        let indexFile = path + "/" + Self.indexName
        let index: BulkIndex
        do {
            let bytes = try FileSystem.readBytes(indexFile, limit: 1 << 30)
            // Who gets which bytes is what was confirmed: the index must be the one frozen.
            if let expected = record.indexSHA256 {
                let actual = SHA256Hasher.hex(bytes)
                guard actual == expected else {
                    throw BulkError(
                        .corrupt,
                        "'\(indexFile)' changed after the job was confirmed (SHA-256 \(actual.prefix(12))…, "
                            + "job.toml says \(expected.prefix(12))…); nothing is sent from this job")
                }
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw BulkError(.corrupt, "'\(indexFile)' is not UTF-8 text")
            }
            index = try BulkFormat.decodeIndex(text)
        } catch let error as BulkError {
            throw error
        } catch let error as BulkFormat.IndexProblem {
            throw BulkError(.corrupt, "'\(indexFile)' line \(error.line): \(error.reason)")
        } catch {
            throw BulkError(.corrupt, "cannot read the bulk job '\(id)': \(error)")
        }
        guard index.messages.count == record.messageCount, index.recipients.count == record.recipientCount else {
            throw BulkError(
                .corrupt,
                "'\(indexFile)' has \(index.messages.count) messages and \(index.recipients.count) recipients, "
                    + "but job.toml says \(record.messageCount) and \(record.recipientCount)")
        }
        let spool = path + "/" + Self.spoolName
        var info = stat()
        guard stat(spool, &info) == 0 else { throw BulkError(.corrupt, "'\(spool)' is missing") }
        let expected = index.messages.last.map { $0.offset + $0.size } ?? 0
        guard Int64(info.st_size) == expected else {
            throw BulkError(.corrupt, "'\(spool)' is \(info.st_size) bytes, but the index says \(expected)")
        }
        return BulkJob(record: record, index: index, directory: path)
    }

    /// Checks, before anything of the job is sent, that every message in messages.spool is the one
    /// frozen: its bytes have the SHA-256 the index took while they were written. One read of
    /// the spool. Throws `.corrupt` naming the message (nothing may be sent), also for a job an
    /// older guardmail froze without checksums.
    public static func verifyMessages(of job: BulkJob) throws(BulkError) {
        guard job.record.indexSHA256 != nil, job.index.messages.allSatisfy({ $0.sha256 != nil }) else {
            throw BulkError(
                .corrupt,
                "bulk job \(job.id) was frozen by an older guardmail, without checksums of its messages, "
                    + "so what would go out cannot be checked against what was confirmed; nothing is sent from it (start a new job)")
        }
        for (number, message) in job.index.messages.enumerated() {
            let actual: String?
            do {
                actual = try SHA256Hasher.hex(ofFile: job.spoolPath, from: message.offset, count: message.size)
            } catch {
                throw BulkError(.io, "cannot check the messages of bulk job \(job.id): \(error)")
            }
            guard actual == message.sha256 else {
                throw BulkError(
                    .corrupt,
                    "message \(number + 1) of bulk job \(job.id) (<\(message.messageID)>) in '\(job.spoolPath)' "
                        + "changed after the job was confirmed (SHA-256 \(actual.map { String($0.prefix(12)) + "…" } ?? "of a shorter file"), "
                        + "the index says \(message.sha256!.prefix(12))…)")
            }
        }
    }

    /// Removes a job that never went out (its journal record could not be written): renamed to
    /// a dot-name first, so a crash half way leaves nothing that looks like a job.
    public func remove(id: String) {
        guard (try? checkID(id)) != nil else { return }
        let trash = directory + "/.trash-" + id
        guard Glibc.rename(jobDirectory(id: id), trash) == 0 else { return }
        try? FileSystem.syncDirectory(directory)
        removeTree(trash)
    }

    // MARK: Locking

    /// Claims the job for this process (flock on job.lock), or nil when another process has it.
    public func lock(id: String) throws(BulkError) -> BulkJobLock? {
        try checkID(id)
        guard FileSystem.exists(jobDirectory(id: id)) else {
            throw BulkError(.notFound, "there is no bulk job '\(id)' in '\(directory)'")
        }
        let path = jobDirectory(id: id) + "/" + Self.lockName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BulkError(.io, "cannot lock the bulk job '\(id)': \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = close(fd)
            if code == EWOULDBLOCK { return nil }
            throw BulkError(.io, "cannot lock the bulk job '\(id)': \(String(cString: strerror(code)))")
        }
        return BulkJobLock(fd: fd)
    }

    // MARK: Steps

    private func writeFile(_ path: String, _ text: String, sync: Bool = true) throws(BulkError) {
        do {
            let sink = try FileSink(creating: path)
            do {
                try sink.write(text)
                try sink.finish(sync: sync)
            } catch {
                try? sink.finish(sync: false)
                throw error
            }
        } catch {
            throw BulkError(.io, "cannot freeze the bulk job: \(error)")
        }
    }

    private func sync(_ path: String) throws(BulkError) {
        do {
            try FileSystem.syncDirectory(path)
        } catch {
            throw BulkError(.io, "cannot freeze the bulk job: \(error)")
        }
    }

    private func removeTree(_ path: String) {
        for name in FileSystem.listDirectory(path) { _ = unlink(path + "/" + name) }
        _ = rmdir(path)
    }
}

/// The claim on a job; released on `release()` or when the process ends.
public final class BulkJobLock {
    private var fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { release() }
    public func release() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }
}

/// Writes rendered messages one after another into messages.spool and builds the index.
public struct BulkSpoolWriter {
    let sink: FileSink
    public private(set) var index = BulkIndex()
    private var written: Int64 = 0
    private let opener = FileAttachmentOpener()

    init(sink: FileSink) { self.sink = sink }

    /// Appends one message for `recipients` (the envelope; individual mode: the one To recipient).
    /// Refuses — before writing a byte — a message whose To or Cc shows more than one mailbox or
    /// that has Bcc entries: a bulk message never shows one recipient to another.
    public mutating func append(
        _ message: OutgoingMessage, stamp: MessageStamp,
        recipients: [(mailbox: Mailbox, line: Int)]
    ) throws {
        try BulkMessages.checkHeaders(message)
        precondition(!recipients.isEmpty, "a bulk message needs a recipient")
        var counting = CountingSink(sink: sink)
        try MIMEWriter().write(message, stamp: stamp, opener: opener, to: &counting)
        let sha256 = counting.hasher.finalize()
        let offset = written
        written += counting.count
        let first = index.recipients.count
        let messageNumber = index.messages.count
        for (mailbox, line) in recipients {
            index.recipients.append(
                BulkRecipientEntry(
                    number: index.recipients.count + 1, message: messageNumber, envelopeAddress: mailbox.envelopeAddress,
                    display: mailbox.formatted, line: line))
        }
        index.messages.append(
            BulkMessageEntry(
                offset: offset, size: counting.count,
                messageID: JournalNames.messageID(stamp.messageID),
                recipients: first..<index.recipients.count, sha256: sha256))
    }
}

/// A sink that counts and fingerprints what passes through it (one message's bytes).
struct CountingSink: ByteSink {
    let sink: FileSink
    var count: Int64 = 0
    let hasher = SHA256Hasher()
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
        hasher.update(bytes)
        count += Int64(bytes.count)
    }
}
