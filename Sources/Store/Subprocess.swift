#if canImport(Glibc)
    import Glibc
#endif
import CFileSync

/// Runs a program and collects what it prints, without a shell unless asked for one.
public enum Subprocess {
    public struct Output: Sendable {
        /// The exit status, or nil when the program was killed by a signal.
        public var status: Int32?
        public var standardOutput: [UInt8]
        public var succeeded: Bool { status == 0 }
    }

    /// Runs `arguments[0]` (an absolute path) with the given arguments; standard error is
    /// inherited so the user sees the program's own complaints. Output beyond `limit` is dropped.
    public static func run(_ arguments: [String], limit: Int = 1 << 20) throws(FileError) -> Output {
        var pipeFDs: [Int32] = [0, 0]
        // Neither end may leak into other children; the child gets the write end as fd 1 via dup2.
        // Close-on-exec from the start (pipe2), not set afterwards: the composer's submission
        // thread runs the password command while the UI thread may start another program, and
        // a write end leaked into that one would keep this read waiting until it exits.
        guard cfilesync_pipe_cloexec(&pipeFDs) == 0 else { throw FileError(action: "run", path: arguments[0], errno: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = withCleanSignals { posix_spawn(&pid, arguments[0], &actions, &$0, argv, environ) }
        close(pipeFDs[1])
        guard spawned == 0 else {
            close(pipeFDs[0])
            throw FileError(action: "run", path: arguments[0], errno: spawned)
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if output.count < limit { output += buffer[0..<min(n, limit - output.count)] }
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return Output(status: exited ? (status >> 8) & 0xff : nil, standardOutput: output)
    }
}

extension Subprocess {
    /// Runs a program on the user's terminal (standard input, output and error inherited), as
    /// for an external editor. Returns the exit status, or nil when killed by a signal.
    public static func runInteractive(_ arguments: [String]) throws(FileError) -> Int32? {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = withCleanSignals { posix_spawn(&pid, arguments[0], nil, &$0, argv, environ) }
        guard spawned == 0 else { throw FileError(action: "run", path: arguments[0], errno: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil
    }
}

extension Subprocess {
    /// Spawn attributes that give a child a clean start. A signal mask is inherited across exec,
    /// and the composer's submission thread blocks the terminal's signals (they belong to the UI
    /// thread): a password command started there could then not be stopped with Ctrl-C or
    /// SIGTERM, and would outlive guardmail. So the child starts with nothing blocked, and with
    /// the default action for the signals guardmail catches or ignores.
    static func withCleanSignals<T>(_ body: (inout posix_spawnattr_t) -> T) -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var nothing = sigset_t()
        sigemptyset(&nothing)
        posix_spawnattr_setsigmask(&attributes, &nothing)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return body(&attributes)
    }
}

/// A monotonic clock in seconds, for debouncing (never for dates).
public enum MonotonicClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

extension Subprocess {
    /// What a bounded run ended with.
    public struct BoundedOutput: Sendable {
        /// The exit status, or nil when the program was killed by a signal (ours included).
        public var status: Int32?
        public var standardOutput: [UInt8]
        /// The program was killed because it ran past its time.
        public var timedOut: Bool
        /// The program was killed because it printed more than the limit (`standardOutput`
        /// holds the first `limit` bytes).
        public var overLimit: Bool
    }

    /// Runs a program on input from outside (a file's contents) with bounds: it is killed when
    /// it runs longer than `seconds` or prints more than `limit` bytes; its standard error goes
    /// to /dev/null (a parser's complaints about a damaged file are not for the user's terminal);
    /// `memoryKiB` caps its address space (`ulimit -v`, through /bin/sh, since posix_spawn
    /// cannot set limits).
    public static func runBounded(_ arguments: [String], limit: Int, seconds: Double, memoryKiB: Int? = nil) throws(FileError) -> BoundedOutput {
        var argumentsToRun = arguments
        if let memoryKiB {
            // "$0" "$@" pass the arguments through untouched: nothing is interpreted by the shell.
            argumentsToRun = ["/bin/sh", "-c", "ulimit -v \(memoryKiB) && exec \"$0\" \"$@\""] + arguments
        }
        var pipeFDs: [Int32] = [0, 0]
        guard cfilesync_pipe_cloexec(&pipeFDs) == 0 else { throw FileError(action: "run", path: arguments[0], errno: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = argumentsToRun.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = withCleanSignals { posix_spawn(&pid, argumentsToRun[0], &actions, &$0, argv, environ) }
        close(pipeFDs[1])
        guard spawned == 0 else {
            close(pipeFDs[0])
            throw FileError(action: "run", path: argumentsToRun[0], errno: spawned)
        }
        let deadline = MonotonicClock.now() + seconds
        var output: [UInt8] = []
        var timedOut = false
        var overLimit = false
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 {
                timedOut = true
                break
            }
            var poller = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left * 1000 + 1, 60_000)))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<min(n, limit - output.count)]
            if output.count >= limit {
                overLimit = true
                break
            }
        }
        if timedOut || overLimit { kill(pid, SIGKILL) }
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return BoundedOutput(status: exited ? (status >> 8) & 0xff : nil, standardOutput: output, timedOut: timedOut, overLimit: overLimit)
    }
}
