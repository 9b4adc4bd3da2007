// TemporaryFiles.swift — temporary files a killed process left behind, and who may remove them.
//
// A message being frozen lives for a while in temporary files: the spool file in `<data>/spool`
// (tens of MiB for a large attachment), then a `.tmp-<id>` folder in the outbox or the bulk
// folder. A process killed in the middle leaves them, and nothing else would ever remove them.
// Whether their writer is still alive is not a question of age (a slow disk freezes a large
// message for a minute), so each such folder is locked (flock on the folder itself, no lock file
// to leave around): every writer holds it shared while its temporary files exist, and the
// clean-up takes it exclusively without waiting. The kernel drops a killed writer's lock, so the
// clean-up removes exactly what no live process is writing.

#if canImport(Glibc)
    import Glibc
#endif

/// A flock on a folder that holds temporary files, shared (a writer) or exclusive (the clean-up).
/// Released by `release()` or when the object goes away.
public final class TemporaryFilesLock {
    /// The folder.
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Writers: waits for a running clean-up (which is short), then holds the folder's lock
    /// shared. Creates the folder when needed.
    public static func writing(in folder: String) throws(FileError) -> TemporaryFilesLock {
        try FileSystem.makeDirectories(folder)
        return try locking(folder, LOCK_SH)
    }

    /// The folder's lock exclusively, waiting for whoever holds it: one process at a time works
    /// through the folder's files (the journal's backlog, whose replay must not apply a file
    /// twice). Throws when the folder cannot be opened.
    public static func exclusive(in folder: String) throws(FileError) -> TemporaryFilesLock {
        try locking(folder, LOCK_EX)
    }

    /// The clean-up: the folder's lock exclusively, or nil when a writer holds it (or the folder
    /// cannot be opened).
    public static func cleaning(in folder: String) -> TemporaryFilesLock? {
        try? locking(folder, LOCK_EX | LOCK_NB)
    }

    /// Opens `folder` and takes `operation` on it (retrying when a signal interrupts the wait).
    private static func locking(_ folder: String, _ operation: Int32) throws(FileError) -> TemporaryFilesLock {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(action: "open the folder", path: folder, errno: errno) }
        while lockFile(fd, operation) != 0 {
            let code = errno
            if code == EINTR { continue }
            _ = close(fd)
            throw FileError(action: "lock", path: folder, errno: code)
        }
        return TemporaryFilesLock(path: folder, fd: fd)
    }

    /// Gives the lock up. Safe to call twice.
    public func release() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }

    /// flock(2), chosen by its function type (Glibc also exports `struct flock`).
    private static func lockFile(_ fd: Int32, _ operation: Int32) -> Int32 {
        let call: @convention(c) (Int32, Int32) -> Int32 = flock
        return call(fd, operation)
    }
}

public enum TemporaryFiles {
    /// What a folder's temporary files are.
    public enum Kind: Sendable {
        /// Every file in the folder (the spool folder holds nothing else).
        case everyFile
        /// `.tmp-<id>` folders of plain files (an outbox or bulk entry being frozen).
        case freezingFolders
    }

    /// Removes the temporary files no live process is writing: when the folder's lock can be
    /// taken exclusively at once, everything of `kind` in it; otherwise nothing (a writer is at
    /// work; the next start cleans up). Best effort: what cannot be removed stays. Returns the
    /// paths removed.
    @discardableResult
    public static func removeAbandoned(in folder: String, _ kind: Kind) -> [String] {
        let names = FileSystem.listDirectory(folder)
        let candidates = names.filter { name in
            switch kind {
            case .everyFile: return true
            case .freezingFolders: return name.hasPrefix(".tmp-")
            }
        }
        guard !candidates.isEmpty, let lock = TemporaryFilesLock.cleaning(in: folder) else { return [] }
        defer { lock.release() }
        var removed: [String] = []
        // Listed again under the lock: a writer that finished just before is no longer there.
        for name in FileSystem.listDirectory(folder) where candidates.contains(name) {
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                guard kind == .freezingFolders else { continue }
                for inner in FileSystem.listDirectory(path) { _ = unlink(path + "/" + inner) }
                if rmdir(path) == 0 { removed.append(path) }
            } else if unlink(path) == 0 {
                removed.append(path)
            }
        }
        return removed
    }
}
