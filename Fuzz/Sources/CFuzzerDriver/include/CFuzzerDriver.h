// libFuzzer's driver, started from a Swift `main`: SwiftPM renames an executable's entry point
// and links `main` to it, so libFuzzer's own `main` is never used; the targets call this instead.
#include <stddef.h>
#include <stdint.h>

typedef int (*guardmail_fuzz_target)(const uint8_t *data, size_t size);

/// Runs libFuzzer with the process's arguments (corpus directories, -max_total_time=…) on
/// `target`, then exits with its status.
__attribute__((noreturn)) void guardmail_fuzz_run(int argc, char **argv, guardmail_fuzz_target target);
