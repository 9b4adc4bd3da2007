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

#endif
