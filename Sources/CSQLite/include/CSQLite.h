// CSQLite — Debian's libsqlite3 for the send journal.
//
// Why this shim exists: most of the SQLite C API imports into Swift as is, and this header
// re-exports <sqlite3.h> for it. What Swift cannot import is wrapped below, each wrapper with
// the reason. Every symbol of our own is prefixed `csqlite_`.
#ifndef CSQLITE_H
#define CSQLITE_H

#include <sqlite3.h>
#include <stddef.h>

/// Binds `length` bytes of UTF-8 text to parameter `index`; SQLite copies the bytes.
/// Exists because the copy is requested with SQLITE_TRANSIENT, a macro that casts -1 to a
/// function pointer type, which Swift cannot import. A NULL `text` binds the empty string
/// (not SQL NULL): an empty Swift string may hand over no base address at all.
int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int length);

/// SQLITE_CONSTRAINT_TRIGGER: the extended result code of RAISE(ABORT, ...) in a trigger.
/// Exists because the macro is an expression over another macro, which Swift does not import.
int csqlite_constraint_trigger(void);

/// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY, for "this Message-ID is already
/// in the journal". Exists for the same reason as csqlite_constraint_trigger.
int csqlite_is_unique_violation(int extended_code);

#endif
