#if canImport(Glibc)
    import Glibc
#endif
import Store
import Testing
import Workflow
@testable import Outbox

/// A fresh folder under /tmp for one test (mkdtemp), removed with everything in it at the end.
final class TemporaryFolder {
    let path: String

    init() {
        var template = Array("/tmp/gm-outbox-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: \(String(cString: strerror(errno)))")
        path = String(cString: made!)
    }

    deinit { Self.removeAll(path) }

    var outbox: Outbox { Outbox(directory: path + "/outbox") }

    static func removeAll(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            _ = chmod(path, 0o700)
            for name in FileSystem.listDirectory(path) { removeAll(path + "/" + name) }
            _ = rmdir(path)
        } else {
            _ = unlink(path)
        }
    }
}

/// Writes `bytes` to a new file, fsynced, as the spool writer does.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let sink = try FileSink(creating: path)
    try bytes.withUnsafeBytes { try sink.write($0) }
    try sink.finish(sync: true)
}

func writeFile(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }

func readFile(_ path: String) throws -> [UInt8] { try FileSystem.readBytes(path) }

func mode(_ path: String) -> mode_t {
    var info = stat()
    guard stat(path, &info) == 0 else { return 0 }
    return info.st_mode & 0o7777
}

/// A spool file as Delivery writes it: a Bcc header kept for the sent copy, then the message.
struct Spool {
    let bytes: [UInt8]
    let offset: Int64
    var size: Int64 { Int64(bytes.count) - offset }

    static let sample: Spool = {
        let bcc = Array("Bcc: =?UTF-8?B?55uj5p+7?= <audit@example.jp>\r\n".utf8)
        let message =
            Array(
                ("From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro@example.co.jp>\r\nTo: hanako@example.jp\r\n"
                    + "Subject: =?UTF-8?B?44GK6KaL56mN5pu4?=\r\nMessage-ID: <m1@example.co.jp>\r\n\r\n本文です。\r\n").utf8)
            + (0..<300).map { UInt8($0 % 256) }
        return Spool(bytes: bcc + message, offset: Int64(bcc.count))
    }()
}

/// A record with text that TOML has to escape: Japanese, quotes, backslashes, newlines, tabs,
/// control characters, decomposed kana (which Swift's `==` would equate with the composed form).
func sampleRecord(
    id: String, spool: Spool = .sample, confirmedAt: Double = 1_795_950_123.456, extraRecipients: [String] = [],
    messageSHA256: String? = String(repeating: "5a", count: 32)
) -> OutboxRecord {
    OutboxRecord(
        id: id,
        messageID: "<20261129.\(id)@example.co.jp>",
        account: "work \"main\"",
        from: "山田 太郎 <taro@example.co.jp>",
        mailFrom: "taro@example.co.jp",
        recipients: [
            OutboxRecipient(address: "hanako@example.jp", displayName: "佐藤 \"花子\" \\ 様", field: "to"),
            OutboxRecipient(address: "bob@xn--wgv71a119e.jp", displayName: nil, field: "cc"),
            OutboxRecipient(address: "audit@example.jp", displayName: "", field: "bcc")
        ] + extraRecipients.map { OutboxRecipient(address: $0, field: "to") },
        subject: "【至急】お見積書の件\n二行目\r\n\t\"引用\" \\ が か\u{3099} \u{0}\u{7F}\u{1B}[0m 🎌",
        attachments: [
            OutboxAttachment(
                name: "見積書 (改訂版).pdf", size: 123_456, sha256: String(repeating: "ab", count: 32),
                contentType: "application/pdf"),
            OutboxAttachment(name: "a\"b\\c\n.txt", size: 0, sha256: String(repeating: "0", count: 64), contentType: "text/plain")
        ],
        confirmation: ConfirmationRecord(
            confirmedBy: "taro@workstation", via: "composer",
            tickedRecipients: ["hanako@example.jp", "bob@xn--wgv71a119e.jp", "audit@example.jp"],
            tickedAttachments: ["見積書 (改訂版).pdf", "a\"b\\c\n.txt"],
            findings: [
                OutboxFinding(ruleID: "external-domain", severity: "warn", message: "社外の宛先 \"bob\" があります\n確認してください", accepted: true),
                OutboxFinding(ruleID: "lookalike", severity: "block", message: "", accepted: false)
            ],
            challenges: ["lookalike"]),
        confirmedAt: confirmedAt,
        holdSeconds: 60,
        messageOffset: spool.offset,
        messageSize: spool.size,
        messageSHA256: messageSHA256)
}

/// Freezes `sampleRecord(id:)` from a freshly written spool file.
@discardableResult
func freezeSample(
    _ folder: TemporaryFolder, id: String, state: SendState? = nil, draft: DraftRecord? = nil, extraRecipients: [String] = []
) throws -> OutboxEntry {
    let spool = folder.path + "/spool-\(id).eml"
    try writeFile(spool, Spool.sample.bytes)
    let state = state ?? .holding(releaseAt: Instant(seconds: 1_795_950_183.456), recipients: ["hanako@example.jp"])
    return try folder.outbox.freeze(sampleRecord(id: id, extraRecipients: extraRecipients), state: state, spoolFile: spool, draft: draft)
}

/// The same text, scalar for scalar (String's `==` equates canonically equivalent text).
func sameScalars(_ a: String?, _ b: String?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return Array(a.unicodeScalars) == Array(b.unicodeScalars)
}

/// Runs a program and waits: its exit status, or nil when killed by a signal.
func run(_ arguments: [String]) throws -> Int32? {
    try Subprocess.run(arguments).status
}

/// Starts a program without waiting for it, in a process group of its own (pgid == pid) so that
/// `kill(-pid, …)` also reaches what it starts.
func spawn(_ arguments: [String]) -> pid_t {
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    var pid: pid_t = 0
    let result = posix_spawn(&pid, arguments[0], nil, &attributes, argv, environ)
    precondition(result == 0, "posix_spawn \(arguments[0]) failed: \(result)")
    return pid
}

/// Whether someone holds an exclusive flock on `path` (probed with a shared lock, let go at once).
func isLocked(_ path: String) -> Bool {
    let lock: @convention(c) (Int32, Int32) -> Int32 = flock
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { _ = close(fd) }
    return lock(fd, LOCK_SH | LOCK_NB) != 0
}

/// Whether someone holds an exclusive or shared flock on `path` (probed with an exclusive lock).
func isLockedShared(_ path: String) -> Bool {
    let lock: @convention(c) (Int32, Int32) -> Int32 = flock
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { _ = close(fd) }
    return lock(fd, LOCK_EX | LOCK_NB) != 0
}

extension String {
    /// `self` with the first `old` replaced by `new` (no Foundation here).
    func replacingFirst(_ old: String, _ new: String) -> String {
        let parts = split(separator: old, maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? parts[0] + new + parts[1] : self
    }
}

/// Waits for a child; its exit status, or nil when killed by a signal.
func wait(_ pid: pid_t) -> Int32? {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil
}

/// The error a call throws, or a recorded issue when it throws none.
func outboxError<T>(_ body: () throws(OutboxError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> OutboxError? {
    do {
        _ = try body()
        Issue.record("expected an OutboxError, got none", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A repeatable generator for ids.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}
