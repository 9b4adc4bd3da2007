import ArgumentParser
import Transport
#if canImport(Glibc)
    import Glibc
#endif

@main
struct Guardmail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guardmail",
        abstract: "A terminal mail composer that stops mail going to the wrong people.",
        discussion: """
            Configuration: $XDG_CONFIG_HOME/guardmail/config.toml (see docs/config.md).
            First use: `guardmail init` writes a starter config.
            Exit codes: 0 sent, 1 blocked by the policy or findings not accepted, 64 usage, \
            65 bad input (also an argument that is not UTF-8), \
            66 no such file or message, 69 server unavailable or refused, 74 I/O error (disk full, \
            read-only or unreadable data folder, broken send journal: nothing sent), 75 temporary \
            failure, 77 login denied, 78 configuration (also a config or policy file others can write), \
            130 cancelled with Ctrl-C during the hold.
            """,
        version: versionText,
        subcommands: [
            Compose.self, Send.self, Sendmail.self, ReplyCommand.self, ForwardCommand.self, BulkCommand.self, Check.self, PolicyCommand.self, Themes.self,
            JournalCommand.self, ReportCommand.self, OutboxCommand.self, InitCommand.self
        ],
        defaultSubcommand: Compose.self
    )

    /// `--version` names libcurl's version, which means opening libcurl (see Sources/CCurl):
    /// only when `--version` was asked for, not on every start (ArgumentParser reads the
    /// configuration, version included, whatever the command).
    static var versionText: String {
        CommandLine.arguments.contains("--version") ? "guardmail 0.1.0 (libcurl \(SMTPSubmitter.curlVersion))" : "guardmail 0.1.0"
    }

    /// Refuses an argument that is not valid UTF-8 before ArgumentParser sees it: Swift's
    /// `CommandLine.arguments` repairs such bytes into U+FFFD, so `--to $'\xff <a@b.jp>'`
    /// would send to a display name of replacement characters, and `--attach` would look for
    /// another file than the one named. The raw bytes come from `CommandLine.unsafeArgv`.
    static func main() {
        var arguments: [[UInt8]] = []
        for index in 0..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { break }
            arguments.append(
                Array(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                        count: strlen(pointer))))
        }
        if let problem = ArgumentBytes.firstInvalidUTF8(arguments) {
            report(problem)
            Glibc.exit(Exit.data)
        }
        // Started as `sendmail` (a symlink): the sendmail interface, with sendmail's arguments.
        if let program = CommandLine.arguments.first?.split(separator: "/").last, program == "sendmail" {
            Sendmail.main(Array(CommandLine.arguments.dropFirst()))
            return
        }
        main(nil)
    }
}

/// The command line as the kernel passed it: bytes.
enum ArgumentBytes {
    /// "argument 4 (the value of --to) is not valid UTF-8: byte 0xFF at byte 3 of 'Ta\xFFro <taro@example.jp>'; …",
    /// for the first argument (after the program name) that is not valid UTF-8; nil when all are.
    static func firstInvalidUTF8(_ arguments: [[UInt8]]) -> String? {
        for (index, bytes) in arguments.enumerated().dropFirst() {
            guard let offset = invalidOffset(bytes) else { continue }
            var which = "argument \(index)"
            if index > 1, let previous = String(validating: arguments[index - 1], as: UTF8.self),
                previous.hasPrefix("-"), !previous.contains("=")
            {
                which += " (the value of \(previous))"
            }
            return "\(which) is not valid UTF-8: byte 0x\(hex(bytes[offset])) at byte \(offset + 1) of '\(shown(bytes))'; "
                + "guardmail reads arguments as UTF-8: check the encoding of the terminal or the script that ran it"
        }
        return nil
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence, or nil.
    static func invalidOffset(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The bytes as text, every byte of an invalid sequence and every control character as `\xNN`.
    static func shown(_ bytes: [UInt8]) -> String {
        var out = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .emptyInput:
                return out
            case .error(let length):
                for byte in bytes[offset..<offset + length] { out += "\\x" + hex(byte) }
                offset += length
            }
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
