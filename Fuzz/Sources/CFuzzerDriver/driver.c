#include <stdlib.h>
#include "CFuzzerDriver.h"

// In libclang_rt.fuzzer, linked by -sanitize=fuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

void guardmail_fuzz_run(int argc, char **argv, guardmail_fuzz_target target) {
    exit(LLVMFuzzerRunDriver(&argc, &argv, target));
}
