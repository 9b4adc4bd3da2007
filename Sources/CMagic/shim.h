// libmagic: the file's real type from its content (magic_open, magic_load, magic_file).
// Plain C functions that import directly; MAGIC_* flags are macros that import as constants.
#include <magic.h>
