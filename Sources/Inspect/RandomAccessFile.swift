#if canImport(Glibc)
    import Glibc
#endif
import Store

/// A regular file opened for reading at any offset (pread), so that previews read only the
/// parts they need: a head, a tail, a ZIP central directory.
final class RandomAccessFile {
    let path: String
    let size: Int64
    private var fd: Int32

    /// Opens `path` for reading. Directories, FIFOs and devices are refused (a FIFO would block
    /// the reader; a device has no size), with the system's words for it.
    init(path: String) throws(FileError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore the flag.
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FileError(action: "open", path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = close(fd)
            throw FileError(action: "open", path: path, errno: code)
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            _ = close(fd)
            fd = -1
            throw FileError(action: "attach", path: path, errno: kind == S_IFDIR ? EISDIR : EINVAL)
        }
        size = Int64(info.st_size)
    }

    deinit { if fd >= 0 { _ = close(fd) } }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws(FileError) -> [UInt8] {
        guard count > 0, offset >= 0, offset < size else { return [] }
        let wanted = Int(min(Int64(count), size - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        let result = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(FileError) -> Int in try read(at: offset, into: buffer) }
        }
        let got = try result.get()
        if got < wanted { bytes.removeLast(wanted - got) }
        return bytes
    }

    /// Fills `buffer` from `offset` as far as the file goes; returns the number of bytes read.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw FileError(action: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// The whole file, piece by piece, through one reused buffer of `chunkSize` bytes.
    func stream(chunkSize: Int, _ body: (UnsafeRawBufferPointer) -> Void) throws(FileError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let n = try read(at: offset, into: buffer)
            if n == 0 { break }
            body(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            offset += Int64(n)
            if n < chunkSize { break }
        }
    }
}
