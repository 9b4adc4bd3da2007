import ArgumentParser
import Delivery
import Store
#if canImport(Glibc)
    import Glibc
#endif

/// Exit statuses (sysexits.h where one applies). - SeeAlso: the exit codes in README.md and
/// each command's `--help`.
enum Exit {
    /// The policy blocked the send, or findings need --accept (README.md, "Sending").
    static let policy: Int32 = 1
    static let usage: Int32 = 64
    static let data: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let cantCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let tempFail: Int32 = 75
    static let noPermission: Int32 = 77
    static let config: Int32 = 78

    static func code(for error: DeliveryError) -> Int32 {
        switch error.kind {
        case .data: return data
        case .config: return config
        case .io: return ioError
        case .transport(let kind, let temporary):
            return Delivery.exitStatus(kind: kind, temporary: temporary)
        }
    }
}

/// Writes `guardmail: message` to standard error, one line per line of the message.
func report(_ message: String) {
    for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
        Console.error("guardmail: \(line)\n")
    }
}

/// Reports the error and exits with its status.
func fail(_ error: DeliveryError) -> ExitCode {
    report(error.message)
    return ExitCode(Exit.code(for: error))
}
