#if canImport(Glibc)
import Glibc
#endif

/// Runs an account's `password_command` and returns the first line it prints.
/// Like msmtp's `passwordeval`: the secret lives in a password manager, never in the config.
public enum PasswordCommand {
    public static func run(_ command: String, account: String) throws(ConfigError) -> String {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw ConfigError("cannot run password_command of account '\(account)': no pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
        close(pipeFDs[1])
        guard spawned == 0 else {
            close(pipeFDs[0])
            throw ConfigError("cannot run password_command of account '\(account)': \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while output.count < 65_536 {
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let exitCode = (status >> 8) & 0xff
        guard exited && exitCode == 0 else {
            throw ConfigError(
                "password_command of account '\(account)' failed (\(exited ? "exit status \(exitCode)" : "killed by a signal")); nothing was sent")
        }
        let firstLine = output.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        var password = String(decoding: firstLine, as: UTF8.self)
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else {
            throw ConfigError("password_command of account '\(account)' printed nothing; nothing was sent")
        }
        return password
    }
}
