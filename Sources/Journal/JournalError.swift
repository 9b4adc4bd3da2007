// JournalError.swift — what went wrong with the send journal, naming its file.

#if canImport(Glibc)
    import Glibc
#endif
import CSQLite

public struct JournalError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file or its folder cannot be created or opened (missing folder, permissions).
        case cannotOpen
        /// The file is not a SQLite database, or it is damaged.
        case corrupt
        /// The file, its folder or the file system is read-only for us.
        case readOnly
        /// Another process held the journal locked for longer than the busy timeout.
        case busy
        /// The disk is full.
        case diskFull
        /// An attempt to change or delete a past row (the append-only triggers refused it).
        case appendOnly
        /// `recordMessage` with a Message-ID that is already in the journal.
        case duplicateMessage
        /// An event or result for a Message-ID that the journal has no message for.
        case unknownMessage
        /// A recipient result for an address that is not among the message's recipients.
        case unknownRecipient
        /// The journal was written by a newer guardmail (its schema version is higher than ours).
        case newerSchema
        /// The connection was closed.
        case closed
        case other
    }

    public let kind: Kind
    /// The journal file.
    public let path: String
    /// What happened, in plain words (without the path).
    public let reason: String
    /// SQLite's extended result code, or 0 when the error did not come from SQLite.
    public let code: Int32

    public init(_ kind: Kind, path: String, _ reason: String, code: Int32 = 0) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.code = code
    }

    /// From a SQLite result code and message; `action` says what was being done ("record the message").
    init(sqlite code: Int32, extended: Int32, message: String?, action: String, path: String) {
        let primary = code & 0xFF
        let detail = message ?? (sqlite3_errstr(code).map { String(cString: $0) } ?? "SQLite error \(code)")
        let kind: Kind
        let reason: String
        switch primary {
        case SQLITE_CANTOPEN:
            kind = .cannotOpen
            reason = "cannot \(action): the file cannot be opened or created (\(Self.systemReason(path)))"
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            kind = .corrupt
            reason = "cannot \(action): it is not a SQLite database or it is damaged (\(detail)); move it aside to start a new journal"
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH:
            kind = .readOnly
            reason = "cannot \(action): the file is read-only (\(detail))"
        case SQLITE_BUSY, SQLITE_LOCKED:
            kind = .busy
            reason = "cannot \(action): another guardmail is using the journal (\(detail))"
        case SQLITE_FULL:
            kind = .diskFull
            reason = "cannot \(action): the disk is full"
        case SQLITE_CONSTRAINT where extended == csqlite_constraint_trigger():
            kind = .appendOnly
            reason = "cannot \(action): \(detail)"
        case SQLITE_CONSTRAINT where csqlite_is_unique_violation(extended) != 0:
            kind = .duplicateMessage
            reason = "cannot \(action): \(detail)"
        case SQLITE_IOERR:
            kind = .other
            reason = "cannot \(action): input/output error (\(detail))"
        default:
            kind = .other
            reason = "cannot \(action): \(detail)"
        }
        self.init(kind, path: path, reason, code: extended)
    }

    /// Why the file or its folder cannot be used, from the file system's point of view.
    /// `code`, when given, is the errno of the failed call, for the reasons not checked here.
    static func systemReason(_ path: String, errno code: Int32? = nil) -> String {
        let folder: String
        if let slash = path.lastIndex(of: "/") {
            folder = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            folder = "."
        }
        var info = stat()
        if stat(folder, &info) != 0 { return "its folder '\(folder)' does not exist" }
        if (info.st_mode & S_IFMT) != S_IFDIR { return "'\(folder)' is not a folder" }
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { return "it is a folder" }
            if access(path, R_OK | W_OK) != 0 { return "permission denied" }
        } else if access(folder, W_OK | X_OK) != 0 {
            return "permission denied on the folder '\(folder)'"
        }
        if let code { return String(cString: strerror(code)).lowercased() }
        return "the system refused it"
    }

    public var description: String { "send journal '\(path)': \(reason)" }
}
