// OutboxError.swift — what went wrong with the outbox, as one sentence naming the path.

#if canImport(Glibc)
    import Glibc
#endif
import GuardTOML
import Store

/// An outbox failure. `message` is the whole sentence shown to the user, e.g.
/// "cannot freeze the message in the outbox '/x/outbox': No space left on device (creating '/x/outbox/.tmp-…/record.toml')".
public struct OutboxError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// There is no such entry (or no such spool file, for `freeze`).
        case notFound
        /// The file system refused (permissions, I/O error, …).
        case io
        /// An entry's files cannot be read as an outbox entry (bad TOML, unknown keys, missing or
        /// truncated message). Never deleted automatically: the user decides.
        case corrupt
        /// The disk or quota is full.
        case diskFull
    }

    public let kind: Kind
    /// The outbox, entry or file the sentence is about.
    public let path: String
    public let message: String

    public init(kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { message }

    /// "cannot <action> '<path>': <system reason> (<what failed> '<file>')".
    init(_ action: String, path: String, _ failure: SystemFailure, note: String = "") {
        let kind: Kind =
            switch failure.code {
            case ENOENT: .notFound
            case ENOSPC, EDQUOT: .diskFull
            default: .io
            }
        var text = "cannot \(action) '\(path)': \(failure.reason)"
        if failure.path != path { text += " (\(failure.doing) '\(failure.path)')" }
        self.init(kind: kind, path: path, message: text + note)
    }

    /// A file of an entry that is not what the outbox wrote.
    static func corrupt(_ path: String, _ problem: String) -> OutboxError {
        OutboxError(kind: .corrupt, path: path, message: "the outbox entry '\(path)' cannot be read: \(problem)")
    }
}

/// A failed system call inside the outbox, before it is put into a sentence by the public call
/// that knows what the user was trying to do.
struct SystemFailure: Error {
    let code: Int32
    /// "creating", "writing", "renaming to '/x'", … — what was being done to `path`.
    let doing: String
    let path: String

    init(_ code: Int32, _ doing: String, _ path: String) {
        self.code = code
        self.doing = doing
        self.path = path
    }

    init(_ error: FileError, _ doing: String) {
        self.init(error.errno, doing, error.path)
    }

    /// The system's own words ("No space left on device"), as `strerror` gives them.
    var reason: String { String(cString: strerror(code)) }
}
