// OriginalMessage.swift — the message a reply or a forward answers, read from a file, from
// standard input, or found in a Maildir by its Message-ID.
//
// A file is mapped, not read: a 100 MiB original with attachments costs address space and the
// page cache, not the heap, and a reply reads only its headers and text (the parser lists the
// attachments without decoding them). Standard input cannot be mapped: it is copied into a
// temporary file first (in `<data>/spool`), then mapped like any file.

#if canImport(Glibc)
    import Glibc
#endif

/// A file mapped read-only; unmapped when the value goes away.
public final class MappedFile {
    public let path: String
    public let count: Int
    private let base: UnsafeMutableRawPointer?

    public init(path: String) throws(FileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(action: "open", path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(action: "read", path: path, errno: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(action: "read", path: path, errno: EISDIR) }
        if let what = FileSystem.notRegularFile(mode: info.st_mode) { throw FileError(action: "read", path: path, notRegularFile: what) }
        count = Int(info.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw FileError(action: "read", path: path, errno: errno) }
        base = mapped
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The bytes, valid while this object lives.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard let base else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
    }
}

public enum OriginalMessage {
    /// Standard input copied into a new file in `folder` (the caller removes it); its path.
    public static func copyStandardInput(into folder: String) throws(FileError) -> String {
        try FileSystem.makeDirectories(folder)
        var template = Array((folder + "/original-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(action: "create", path: folder, errno: errno) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(action: "read", path: "standard input", errno: errno)
            }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, n - written) }
                if w < 0 {
                    if errno == EINTR { continue }
                    throw FileError(action: "write", path: path, errno: errno)
                }
                written += w
            }
        }
        return path
    }

    /// The file in the Maildir `directory` (its `cur` and `new`) whose Message-ID is `messageID`
    /// (with or without the angle brackets); nil when none has it. Only each file's header
    /// section is read (at most 256 KiB of it).
    public static func find(messageID: String, inMaildir directory: String) throws(FileError) -> String? {
        var wanted = messageID.trimmedBlanks()
        if !wanted.hasPrefix("<") { wanted = "<" + wanted + ">" }
        var sawFolder = false
        for sub in ["cur", "new"] {
            let folder = directory + "/" + sub
            guard FileSystem.exists(folder) else { continue }
            sawFolder = true
            for name in FileSystem.listDirectory(folder).sorted() where !name.hasPrefix(".") {
                let path = folder + "/" + name
                guard let head = try? headerSection(path) else { continue }
                if Self.messageID(inHeaders: head) == wanted { return path }
            }
        }
        if !sawFolder { throw FileError(action: "read the Maildir", path: directory, errno: ENOENT) }
        return nil
    }

    /// The header section of a file: up to the first empty line, at most 256 KiB.
    static func headerSection(_ path: String) throws(FileError) -> [UInt8] {
        let source = try FileSource(path: path)
        defer { source.close() }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while out.count < 256 << 10 {
            let n = (try? chunk.withUnsafeMutableBytes { try source.read(into: $0) }) ?? 0
            if n == 0 { break }
            let start = max(0, out.count - 3)
            out += chunk[0..<n]
            var i = start
            while i + 1 < out.count {
                if out[i] == 10, out[i + 1] == 10 { return Array(out[..<i]) }
                if out[i] == 10, out[i + 1] == 13, i + 2 < out.count, out[i + 2] == 10 { return Array(out[..<i]) }
                i += 1
            }
        }
        return out
    }

    /// The Message-ID field's `<…>` in a header section (unfolded), or nil.
    static func messageID(inHeaders bytes: [UInt8]) -> String? {
        // Split on the LF byte: in a String, CR LF is one Character and would not split.
        var lines: [String] = []
        for raw in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            let line = String(decoding: raw.last == 13 ? raw.dropLast() : raw, as: UTF8.self)
            if let first = line.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1] += line
            } else {
                lines.append(line)
            }
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            guard line[..<colon].trimmedBlanks().lowercased() == "message-id" else { continue }
            let value = line[line.index(after: colon)...]
            guard let open = value.firstIndex(of: "<"), let close = value[open...].firstIndex(of: ">") else { return nil }
            return String(value[open...close])
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmedBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
