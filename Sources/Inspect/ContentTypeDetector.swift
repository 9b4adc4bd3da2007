import Store

/// What files really are, from their content (libmagic), not from their names.
///
/// libmagic runs in a child process: Debian's `file(1)`, its command-line front end, which
/// confines itself with seccomp. Attachments come from outside and libmagic's parsers have had
/// memory-safety bugs, so they stay out of the process that holds the SMTP password; and the
/// 6 MiB of its magic database never enters guardmail's own memory.
public struct ContentTypeDetector: Sendable {
    public let program: String

    public init(program: String = "/usr/bin/file") {
        self.program = program
    }

    /// One MIME type per path, in order: `application/pdf`; text keeps its charset
    /// (`text/csv; charset=utf-8`). Unrecognised content is `application/octet-stream`.
    public func contentTypes(ofFiles paths: [String]) throws(InspectError) -> [String] {
        guard !paths.isEmpty else { return [] }
        // -b: no file names; -E: fail on unreadable files; 1 MiB read per file, whatever its size.
        let arguments = [program, "-b", "-E", "--mime-type", "--mime-encoding", "-P", "bytes=1048576", "--"] + paths
        let output: Subprocess.Output
        do {
            output = try Subprocess.run(arguments)
        } catch {
            throw InspectError(message: "cannot inspect attachments: \(error) (install Debian's 'file' package)")
        }
        let lines = output.standardOutput.split(separator: 10).map { String(decoding: $0, as: UTF8.self) }
        guard output.succeeded, lines.count == paths.count else {
            throw InspectError(message: "cannot inspect attachments: '\(program)' failed on \(paths.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return lines.map(Self.contentType(fromMagic:))
    }

    /// `text/csv; charset=utf-8` stays; `application/pdf; charset=binary` becomes `application/pdf`.
    static func contentType(fromMagic line: String) -> String {
        let parts = line.split(separator: ";").map { String($0).trimmingCharacters(in: " ") }
        guard let type = parts.first, type.contains("/"), !type.contains(" ") else { return "application/octet-stream" }
        let charset = parts.dropFirst().first { $0.hasPrefix("charset=") }
        if type.hasPrefix("text/"), let charset, charset != "charset=binary" {
            return "\(type); \(charset)"
        }
        return type
    }
}

public struct InspectError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
