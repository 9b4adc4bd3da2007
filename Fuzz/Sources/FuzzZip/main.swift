// The ZIP reader as the attachment inspector uses it: the central directory (ZIP64, prepended
// data, Unicode names), an .xlsx's workbook entry (stored or deflated) and its sheet names.
// RandomAccessFile reads a file by pread, so each input is written to one temporary file.
#if canImport(Glibc)
    import Glibc
#endif
@testable import Inspect
import CFuzzerDriver

enum Scratch {
    static let path: String = {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return "\(directory)/guardmail-fuzz-zip-\(getpid()).zip"
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = Scratch.path
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot write \(path)")
    var done = 0
    while done < size {
        let n = write(fd, data! + done, size - done)
        precondition(n > 0, "cannot write \(path)")
        done += n
    }
    close(fd)
    guard let file = try? RandomAccessFile(path: path) else { return 0 }
    // The type file(1) would give; the inspector does not run it when the type is given.
    _ = try? AttachmentInspector().inspect(file, contentType: "application/zip", fingerprint: false)
    if let listing = try? ZipReader.list(file), let workbook = listing.workbook {
        _ = try? ZipReader.read(file, workbook, limit: 1 << 20)
    }
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzZip)
