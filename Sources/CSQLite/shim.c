#include "CSQLite.h"

int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int length) {
    if (text == NULL) {
        text = "";
        length = 0;
    }
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

int csqlite_constraint_trigger(void) {
    return SQLITE_CONSTRAINT_TRIGGER;
}

int csqlite_is_unique_violation(int extended_code) {
    return extended_code == SQLITE_CONSTRAINT_UNIQUE || extended_code == SQLITE_CONSTRAINT_PRIMARYKEY;
}
