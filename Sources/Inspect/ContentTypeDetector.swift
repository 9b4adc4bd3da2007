#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
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
    ///
    /// Many files (a message with thousands of parts, for `guardmail check`) are split into runs
    /// of at most `Self.filesPerRun`, up to one per processor at a time: libmagic spends ~0.35 ms
    /// on each small text file (its soft magic), so 20,000 parts take 7 s in one run; and one run's
    /// output and argument list stay bounded.
    public func contentTypes(ofFiles paths: [String]) throws(InspectError) -> [String] {
        guard !paths.isEmpty else { return [] }
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let perRun = min(Self.filesPerRun, max(Self.smallestRun, (paths.count + processors - 1) / processors))
        guard paths.count > perRun else { return try run(paths) }
        let runs = stride(from: 0, to: paths.count, by: perRun).map { Array(paths[$0..<min($0 + perRun, paths.count)]) }
        let results = RunResults(count: runs.count)
        let detector = self
        DispatchQueue.concurrentPerform(iterations: runs.count) { index in
            let result = Result { () throws(InspectError) -> [String] in try detector.run(runs[index]) }
            results.set(index, result)
        }
        var types: [String] = []
        types.reserveCapacity(paths.count)
        for result in results.all() { types += try result.get() }
        return types
    }

    /// The most files given to one run of file(1).
    static let filesPerRun = 2048
    /// Fewer files than this are not split over processors (a run costs ~10 ms to start).
    static let smallestRun = 256

    /// One run of file(1) over `paths`.
    private func run(_ paths: [String]) throws(InspectError) -> [String] {
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

/// The results of concurrent runs, each written once by its own run.
private final class RunResults: @unchecked Sendable {
    // @unchecked: `results` is only touched with `mutex` held.
    private var results: [Result<[String], InspectError>?]
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(count: Int) {
        results = Array(repeating: nil, count: count)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func set(_ index: Int, _ result: Result<[String], InspectError>) {
        pthread_mutex_lock(mutex)
        results[index] = result
        pthread_mutex_unlock(mutex)
    }

    /// Every result, in order (after `concurrentPerform` returned, all are set).
    func all() -> [Result<[String], InspectError>] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return results.map { $0 ?? .failure(InspectError(message: "cannot inspect attachments: a run of file(1) did not finish")) }
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
