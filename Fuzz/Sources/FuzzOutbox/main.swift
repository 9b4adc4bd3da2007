// The outbox's readers of record.toml and state.toml, as `outbox list`, `show`, `release` and
// the composer's start use them (Outbox.list → load): files a user, a sync tool or a bad disk
// can change. The input is record.toml, a NUL byte, then state.toml (without a NUL, both get the
// whole input); they are written into one entry `e1` of a temporary outbox, next to a message.eml
// of 100 bytes.
#if canImport(Glibc)
    import Glibc
#endif
@testable import Outbox
import CFuzzerDriver

enum Scratch {
    static let root: String = {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let root = "\(directory)/guardmail-fuzz-outbox-\(getpid())"
        mkdir(root, 0o700)
        mkdir(root + "/e1", 0o700)
        write(Array(repeating: UInt8(ascii: "x"), count: 100), to: root + "/e1/" + Outbox.messageName)
        return root
    }()

    static func write(_ bytes: some Collection<UInt8>, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        let data = Array(bytes)
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, data.count - done) }
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
        close(fd)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOutbox(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let root = Scratch.root
    let cut = bytes.firstIndex(of: 0)
    Scratch.write(cut.map { bytes[..<$0] } ?? bytes[...], to: root + "/e1/" + Outbox.recordName)
    Scratch.write(cut.map { bytes[($0 + 1)...] } ?? bytes[...], to: root + "/e1/" + Outbox.stateName)
    _ = Outbox(directory: root).list()
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOutbox)
