// JournalBacklog.swift — journal writes that could not be made yet, kept to be made later.
//
// The journal can be locked by another program (a backup tool, an sqlite3 shell) or be on a
// full disk at the moment something happens to a message. What happened must still reach the
// journal: the write is kept as a small file in `journal-backlog/` next to the journal (written
// to a temporary name, synced, renamed), and replayed, oldest first, before the next write and
// whenever guardmail starts (`Dispatcher`, `guardmail journal`). Replayed in order, the journal
// ends up with the events in the order they happened, each with its own time.
//
// One file per write:
//
//     guardmail-journal-backlog 1
//     message <Message-ID>
//     event <kind> <at> <detail or ->
//   or
//     result <at> <0|1> <address> <reply>      (one line per recipient)
//
// Fields are percent-encoded (%, space, control characters), so each line splits on spaces.

#if canImport(Glibc)
    import Glibc
#endif
import Store

/// One journal write that waits in the backlog.
public enum JournalBacklogEntry: Sendable, Equatable {
    case event(messageID: String, kind: JournalEventKind, at: Int64, detail: String?)
    case results(messageID: String, results: [JournalResultInput], at: Int64)

    public var messageID: String {
        switch self {
        case .event(let id, _, _, _), .results(let id, _, _): id
        }
    }

    /// Makes the write.
    public func apply(to journal: SendJournal) throws(JournalError) {
        switch self {
        case let .event(id, kind, at, detail):
            try journal.recordEvent(messageID: id, kind, at: at, detail: detail)
        case let .results(id, results, at):
            try journal.recordRecipientResults(messageID: id, results: results.map { ($0.address, $0.reply, $0.accepted) }, at: at)
        }
    }
}

/// What `replay` did.
public struct JournalBacklogReplay: Sendable {
    /// Writes now in the journal.
    public var replayed = 0
    /// Why the replay stopped with writes still waiting (the journal is still busy), or nil.
    public var stoppedBy: String?
    /// Files that could not be read or can never be written (set aside as `<name>.bad`).
    public var problems: [String] = []
}

public struct JournalBacklog: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `$XDG_DATA_HOME/guardmail/journal-backlog`.
    public init(paths: DataPaths) { self.init(directory: paths.dataDirectory + "/journal-backlog") }

    /// The waiting files, oldest first.
    public var pending: [String] { FileSystem.listDirectory(directory).filter { $0.hasSuffix(".entry") } }

    public var isEmpty: Bool { pending.isEmpty }

    /// Keeps `entry` durably (synced file, synced folder). Throws when even that fails (the disk
    /// is full or read-only): then the write is lost and the caller must say so.
    public func keep(_ entry: JournalBacklogEntry, now: Double) throws(FileError) {
        try FileSystem.makeDirectories(directory)
        let name = Self.name(now: now)
        let temporary = "\(directory)/.tmp-\(name)"
        let sink = try FileSink(creating: temporary, bufferSize: 4096)
        do {
            try sink.write(Self.encode(entry))
            try sink.finish(sync: true)
        } catch {
            FileSystem.remove(temporary)
            if let error = error as? FileError { throw error }
            throw FileError(action: "write", path: temporary, errno: EIO)
        }
        do {
            try FileSystem.rename(temporary, to: "\(directory)/\(name).entry")
            try FileSystem.syncDirectory(directory)
        } catch {
            FileSystem.remove(temporary)
            throw error
        }
    }

    /// Writes every waiting entry into `journal`, oldest first, removing each once written. Stops
    /// at the first the journal does not take now (busy, full), leaving it and the rest waiting.
    /// One process replays at a time (an exclusive flock on the folder): two replays that listed
    /// the same files would both apply them, and the journal's latest event for a message sent
    /// meanwhile could become its "submitting" again.
    public func replay(into journal: SendJournal) -> JournalBacklogReplay {
        var outcome = JournalBacklogReplay()
        guard !isEmpty else { return outcome }
        let lock: TemporaryFilesLock
        do {
            lock = try TemporaryFilesLock.exclusive(in: directory)
        } catch {
            outcome.stoppedBy = "\(error)"
            return outcome
        }
        defer { lock.release() }
        for name in pending {
            let path = "\(directory)/\(name)"
            guard let bytes = try? FileSystem.readBytes(path, limit: 16 << 20) else { continue } // removed meanwhile
            guard let entry = Self.decode(String(decoding: bytes, as: UTF8.self)) else {
                outcome.problems.append("the journal backlog file '\(path)' cannot be read; set aside as '\(path).bad'")
                try? FileSystem.rename(path, to: path + ".bad")
                continue
            }
            do {
                try entry.apply(to: journal)
            } catch  where error.kind == .unknownMessage || error.kind == .unknownRecipient {
                outcome.problems.append("the journal backlog file '\(path)' cannot be recorded (\(error)); set aside as '\(path).bad'")
                try? FileSystem.rename(path, to: path + ".bad")
                continue
            } catch {
                outcome.stoppedBy = "\(error)"
                return outcome
            }
            FileSystem.remove(path)
            outcome.replayed += 1
        }
        return outcome
    }

    // MARK: The file format

    private nonisolated(unsafe) static var counter = 0

    /// Sorts in the order the entries were kept: time in nanoseconds, then the process and a
    /// counter (two in the same nanosecond).
    static func name(now: Double) -> String {
        counter += 1
        let nanos = UInt64(max(0, now) * 1e9)
        var digits = String(nanos)
        while digits.count < 20 { digits = "0" + digits }
        return "\(digits)-\(getpid())-\(counter)"
    }

    static let header = "guardmail-journal-backlog 1"

    public static func encode(_ entry: JournalBacklogEntry) -> String {
        var lines = [header, "message " + field(entry.messageID)]
        switch entry {
        case let .event(_, kind, at, detail):
            lines.append("event \(kind.rawValue) \(at) " + (detail.map(field) ?? "-"))
        case let .results(_, results, at):
            for r in results {
                lines.append("result \(at) \(r.accepted ? 1 : 0) \(field(r.address)) \(field(r.reply))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func decode(_ text: String) -> JournalBacklogEntry? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.count >= 3, lines[0] == header else { return nil }
        let head = lines[1].split(separator: " ", omittingEmptySubsequences: false)
        guard head.count == 2, head[0] == "message", let id = unfield(head[1]), !id.isEmpty else { return nil }
        let first = lines[2].split(separator: " ", omittingEmptySubsequences: false)
        if first.first == "event" {
            guard lines.count == 3, first.count == 4, let kind = JournalEventKind(rawValue: String(first[1])),
                let at = Int64(first[2])
            else { return nil }
            let detail: String?
            if first[3] == "-" {
                detail = nil
            } else {
                guard let text = unfield(first[3]) else { return nil }
                detail = text
            }
            return .event(messageID: id, kind: kind, at: at, detail: detail)
        }
        var results: [JournalResultInput] = []
        var at: Int64?
        for line in lines[2...] {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0] == "result", let time = Int64(parts[1]), at == nil || at == time,
                parts[2] == "0" || parts[2] == "1", let address = unfield(parts[3]), let reply = unfield(parts[4])
            else { return nil }
            at = time
            results.append(JournalResultInput(address: address, reply: reply, accepted: parts[2] == "1"))
        }
        guard let at else { return nil }
        return .results(messageID: id, results: results, at: at)
    }

    /// Percent-encodes %, space and control characters (UTF-8 otherwise kept); "-" alone too,
    /// since it stands for "no detail".
    static func field(_ text: String) -> String {
        if text == "-" { return "%2D" }
        var bytes: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: " ") || byte < 0x20 || byte == 0x7F {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func unfield(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let high = hexValue(utf8.popFirst()!), let low = hexValue(utf8.popFirst()!) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
