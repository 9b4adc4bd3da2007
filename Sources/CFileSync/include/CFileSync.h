// CFileSync — start writing a file's dirty pages to disk without waiting for them.
//
// Why this shim exists: Linux's sync_file_range(2) needs _GNU_SOURCE, so Swift's Glibc module
// does not declare it. guardmail fsyncs every message before its hold starts; kicking off the
// write-back while the message is still being encoded lets the disk work at the same time as
// the encoder, so the final fsync waits only for the tail.
#ifndef CFILESYNC_H
#define CFILESYNC_H

/// Starts write-back of [offset, offset + length) of `fd` and returns at once (no waiting, no
/// durability promise: fsync still decides that). 0 on success, -1 with errno set; a no-op
/// returning 0 where the call does not exist.
int cfilesync_start_writeback(int fd, long long offset, long long length);

/// pipe(2) with both ends close-on-exec from the start: pipe2(O_CLOEXEC), which also needs
/// _GNU_SOURCE. Setting FD_CLOEXEC afterwards leaves a window in which a program started by
/// another thread inherits the ends (the composer runs the password command on its submission
/// thread while the UI thread may start an editor). 0 on success, -1 with errno set.
int cfilesync_pipe_cloexec(int fds[2]);

#endif
