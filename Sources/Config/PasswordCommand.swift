import Store

/// Runs an account's `password_command` and returns the first line it prints.
/// Like msmtp's `passwordeval`: the secret lives in a password manager, never in the config.
public enum PasswordCommand {
    public static func run(_ command: String, account: String) throws(ConfigError) -> String {
        let output: Subprocess.Output
        do {
            output = try Subprocess.run(["/bin/sh", "-c", command], limit: 65_536)
        } catch {
            throw ConfigError("cannot run password_command of account '\(account)': \(error)")
        }
        guard output.succeeded else {
            let how = output.status.map { "exit status \($0)" } ?? "killed by a signal"
            throw ConfigError("password_command of account '\(account)' failed (\(how)); nothing was sent")
        }
        let firstLine = output.standardOutput.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        var password = String(decoding: firstLine, as: UTF8.self)
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else {
            throw ConfigError("password_command of account '\(account)' printed nothing; nothing was sent")
        }
        return password
    }
}
