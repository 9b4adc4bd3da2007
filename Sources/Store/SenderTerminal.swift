#if canImport(Glibc)
    import Glibc
#endif

/// The terminal of the person sending, for a program whose standard input is the message
/// (`guardmail sendmail`): where the confirmation screen and the hold can be shown.
/// docs/sendmail.md, "Which clients show the screen".
public enum SenderTerminal {
    /// How the terminal was found.
    public enum Source: Sendable, Equatable {
        /// `/dev/tty`: the process's controlling terminal (git send-email, a script in a shell).
        case controlling
        /// The terminal of the program that started this one's session: mutt and neomutt start
        /// sendmail in a new session (`setsid`), without a controlling terminal, and wait for it.
        case sessionParent(pid: Int32)
    }

    /// The variable that turns the search off (`none`): cron, CI and tests that must run as if
    /// no terminal existed whatever their parents have.
    public static let variable = "GUARDMAIL_SENDMAIL_TERMINAL"

    /// Opens the sender's terminal for reading and writing, or nil when there is none:
    /// `/dev/tty`; else, when this process was started in a session it does not lead (a mail
    /// client detached it with `setsid` and then started it), the terminal on the standard input
    /// of the process that started that session's leader — only a terminal device owned by this
    /// user. A process that leads its own session (cron's jobs, `setsid cmd`, a test's child) has
    /// no such parent to borrow from: it has no terminal.
    public static func open() -> (fd: Int32, source: Source)? {
        if FileSystem.environment(variable) == "none" { return nil }
        let fd = Glibc.open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        if fd >= 0 { return (fd, .controlling) }
        let me = getpid()
        let session = getsid(0)
        guard session > 0, session != me, let leaderParent = parentPID(of: session), leaderParent > 1 else { return nil }
        guard let path = link("/proc/\(leaderParent)/fd/0"), path.hasPrefix("/dev/pts/") || path.hasPrefix("/dev/tty") else { return nil }
        let opened = Glibc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard opened >= 0 else { return nil }
        var info = stat()
        guard isatty(opened) == 1, fstat(opened, &info) == 0, info.st_uid == getuid() else {
            close(opened)
            return nil
        }
        return (opened, .sessionParent(pid: leaderParent))
    }

    /// The parent process id from `/proc/PID/stat` (the field after the command name, which may
    /// itself hold spaces and parentheses: read after the last ')').
    static func parentPID(of pid: Int32) -> Int32? {
        guard let bytes = try? FileSystem.readBytes("/proc/\(pid)/stat", limit: 4096),
            let close = bytes.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        let fields = String(decoding: bytes[(close + 1)...], as: UTF8.self).split(separator: " ")
        guard fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    private static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
