// OutboxLocks.swift — who is on a message, and who may change its state.
//
// Both locks are flock(2) locks on empty files inside the entry. flock locks belong to an open
// file description, not to a process: a second open() of the same file in the same process
// conflicts just like another process would, and the kernel drops the lock when the last
// descriptor closes — including when the owner is killed with SIGKILL. That last property is
// the point: after a restart, an entry whose owner lock is free was abandoned (interrupted),
// while a held one belongs to a live guardmail in another terminal.

#if canImport(Glibc)
    import Glibc
#endif

/// The claim on an entry: while this object lives (or until `release()`), no other process or
/// descriptor can claim the same entry.
public final class OwnerLock: @unchecked Sendable {
    // @unchecked: `fd` is only read or changed with `mutex` held.
    public let id: String
    /// The entry's owner.lock file.
    public let path: String
    private var fd: Int32
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(id: String, path: String, fd: Int32) {
        self.id = id
        self.path = path
        self.fd = fd
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        release()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Whether this object still holds the claim.
    public var isHeld: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return fd >= 0
    }

    /// Gives the claim up (closing the descriptor releases the flock). Safe to call twice.
    public func release() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }
}

extension Outbox {
    /// Claims the entry for this process: flock(LOCK_EX|LOCK_NB) on `<id>/owner.lock`, held until
    /// the returned lock is released or deinitialised. Returns nil when someone else holds it (a
    /// live process holding or submitting the message — or this process through another claim).
    ///
    /// A failed try is repeated a few times over ~10 ms, because `isClaimed` probes by taking the
    /// lock for an instant and must not make a real claim fail; a real owner holds it for far longer.
    public func claim(id: String) throws(OutboxError) -> OwnerLock? {
        let entry = entryDirectory(id: id)
        let path = entry + "/" + Self.ownerLockName
        let fd = try openLockFile(id: id, path: path, action: "claim the outbox message")
        for attempt in 0..<6 {
            if lockFile(fd, LOCK_EX | LOCK_NB) == 0 {
                // The entry may have been removed (its folder renamed away) between open and
                // flock: then this lock is on a file no one else will look at.
                var opened = stat(), current = stat()
                guard fstat(fd, &opened) == 0, stat(path, &current) == 0,
                    opened.st_ino == current.st_ino, opened.st_dev == current.st_dev
                else {
                    _ = close(fd)
                    throw OutboxError(
                        kind: .notFound, path: entry,
                        message: "there is no message '\(id)' in the outbox '\(directory)'")
                }
                return OwnerLock(id: id, path: path, fd: fd)
            }
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else {
                _ = close(fd)
                throw OutboxError("claim the outbox message", path: entry, SystemFailure(code, "locking", path))
            }
            if attempt < 5 { usleep(2_000) }
        }
        _ = close(fd)
        return nil
    }

    /// Whether someone holds the entry's claim: another process, or this one through a claim
    /// (flock locks are per open file description, so a fresh descriptor sees our own claim too).
    /// False when the entry does not exist. Probes with a shared lock, which two probes can both
    /// take and which `claim`'s retries wait out.
    public func isClaimed(id: String) -> Bool {
        guard (try? checkID(id)) != nil else { return false }
        let fd = open(entryDirectory(id: id) + "/" + Self.ownerLockName, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        while lockFile(fd, LOCK_SH | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return errno == EWOULDBLOCK
        }
        return false
    }

    /// Runs `body` with the current entry while holding an exclusive flock on `<id>/state.lock`
    /// (blocking until it is free), so that two processes cannot both act on the same state —
    /// "cancel from another terminal" and "the hold ended, submit" cannot both win. The entry is
    /// read inside the lock, so `body` sees the latest state; it calls `write` to change it.
    /// Keep the body short (no network), and do not nest it for the same entry: a second flock
    /// through a new descriptor would wait for the first forever.
    public func withStateLock<T>(id: String, _ body: (OutboxEntry) throws(OutboxError) -> T) throws(OutboxError) -> T {
        let path = entryDirectory(id: id) + "/" + Self.stateLockName
        let fd = try openLockFile(id: id, path: path, action: "lock the state of the outbox message")
        defer { _ = close(fd) }
        while lockFile(fd, LOCK_EX) != 0 {
            let code = errno
            if code == EINTR { continue }
            throw OutboxError(
                "lock the state of the outbox message", path: entryDirectory(id: id),
                SystemFailure(code, "locking", path))
        }
        // Read after locking: the entry may have changed, or been removed, while we waited.
        let entry = try load(id: id)
        return try body(entry)
    }

    /// Opens (creating if an older entry lacks it) a lock file inside an existing entry.
    private func openLockFile(id: String, path: String, action: String) throws(OutboxError) -> Int32 {
        try checkID(id)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw OutboxError(
                    kind: .notFound, path: entryDirectory(id: id),
                    message: "there is no message '\(id)' in the outbox '\(directory)'")
            }
            throw OutboxError(action, path: entryDirectory(id: id), SystemFailure(code, "opening", path))
        }
        return fd
    }

    /// flock(2). Glibc also exports `struct flock` (for fcntl), and a plain call resolves to its
    /// initialiser; the function type picks the function.
    private func lockFile(_ fd: Int32, _ operation: Int32) -> Int32 {
        let call: @convention(c) (Int32, Int32) -> Int32 = flock
        return call(fd, operation)
    }
}
