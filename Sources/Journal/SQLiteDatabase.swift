// SQLiteDatabase.swift — the sqlite3 handle as a class: open, check, scoped statements, close.
//
// Only prepared statements with bound parameters touch values; `execute` runs fixed SQL
// (schema, pragmas, transactions) and takes no values at all.

#if canImport(Glibc)
    import Glibc
#endif
import CSQLite

/// A value bound to a statement parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case text(String)

    static func optional(_ text: String?) -> SQLiteValue { text.map { .text($0) } ?? .null }
    static func optional(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
    static func bool(_ value: Bool?) -> SQLiteValue { value.map { .integer($0 ? 1 : 0) } ?? .null }
}

/// One open SQLite database file. Not `Sendable`: a connection belongs to the code that opened it.
final class SQLiteDatabase {
    let path: String
    private var handle: OpaquePointer?

    /// Opens (creating when `create`) the file read-write, with extended result codes and a
    /// busy timeout so that a second process waits for a writer instead of failing at once.
    init(path: String, create: Bool = true, busyTimeoutMilliseconds: Int32 = 5_000) throws(JournalError) {
        self.path = path
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        if rc != SQLITE_OK {
            let error = JournalError(
                sqlite: rc, extended: db.map { sqlite3_extended_errcode($0) } ?? rc,
                message: db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) },
                action: "open the journal", path: path)
            close()
            throw error
        }
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { close() }

    /// Closes the connection, finalizing nothing: every statement is finalized by the scope that
    /// prepared it. Safe to call twice.
    func close() {
        guard let db = handle else { return }
        handle = nil
        // sqlite3_close_v2 defers the close if a statement were still alive, instead of failing.
        _ = sqlite3_close_v2(db)
    }

    var isOpen: Bool { handle != nil }

    /// The open handle, or an error when `close()` was called.
    private func db(_ action: String) throws(JournalError) -> OpaquePointer {
        guard let handle else {
            throw JournalError(.closed, path: path, "cannot \(action): the journal is closed")
        }
        return handle
    }

    /// Turns a result code into a `JournalError` (anything but OK, ROW and DONE is one).
    /// Returns the code so that callers can tell ROW from DONE.
    @discardableResult
    func check(_ code: Int32, _ action: String) throws(JournalError) -> Int32 {
        switch code {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
            return code
        default:
            let extended = handle.map { sqlite3_extended_errcode($0) } ?? code
            let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            throw JournalError(sqlite: code, extended: extended, message: message, action: action, path: path)
        }
    }

    /// Runs fixed SQL without values: schema statements, pragmas without results, BEGIN/COMMIT.
    func execute(_ sql: String, _ action: String) throws(JournalError) {
        let db = try db(action)
        try check(sqlite3_exec(db, sql, nil, nil, nil), action)
    }

    /// Prepares `sql`, hands the statement to `body`, and finalizes it when `body` returns or throws.
    /// The statement is noncopyable and only borrowed, so it cannot outlive this call.
    func withStatement<T>(
        _ sql: String, _ action: String, _ body: (borrowing SQLiteStatement) throws(JournalError) -> T
    ) throws(JournalError) -> T {
        let db = try db(action)
        var raw: OpaquePointer?
        try check(sqlite3_prepare_v2(db, sql, -1, &raw, nil), action)
        guard let raw else {
            throw JournalError(.other, path: path, "cannot \(action): empty SQL statement")
        }
        defer { sqlite3_finalize(raw) }
        let statement = SQLiteStatement(raw: raw, database: self, action: action)
        return try body(statement)
    }

    /// One statement run with `values`, each result row turned into a `T`.
    func rows<T>(
        _ sql: String, _ values: [SQLiteValue], _ action: String, _ row: (borrowing SQLiteStatement) throws(JournalError) -> T
    ) throws(JournalError) -> [T] {
        try withStatement(sql, action) { (statement: borrowing SQLiteStatement) throws(JournalError) -> [T] in
            try statement.bind(values)
            var result: [T] = []
            while try statement.step() { result.append(try row(statement)) }
            return result
        }
    }

    /// Runs a statement that returns no rows (INSERT) with `values`.
    func run(_ sql: String, _ values: [SQLiteValue], _ action: String) throws(JournalError) {
        try withStatement(sql, action) { (statement: borrowing SQLiteStatement) throws(JournalError) in
            try statement.bind(values)
            while try statement.step() {}
        }
    }

    /// The first column of the first row as an integer (PRAGMA user_version, COUNT(*)), nil when no row.
    func scalarInteger(_ sql: String, _ values: [SQLiteValue] = [], _ action: String) throws(JournalError) -> Int64? {
        try rows(sql, values, action) { (statement: borrowing SQLiteStatement) in statement.optionalInteger(0) }.first ?? nil
    }

    /// The first column of the first row as text (PRAGMA journal_mode), nil when no row.
    func scalarText(_ sql: String, _ values: [SQLiteValue] = [], _ action: String) throws(JournalError) -> String? {
        try rows(sql, values, action) { (statement: borrowing SQLiteStatement) in statement.optionalText(0) }.first ?? nil
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT (the write lock is taken at the start, so a
    /// concurrent writer waits on the busy timeout rather than failing half way); rolls back when
    /// `body` throws.
    func transaction<T>(_ action: String, _ body: () throws(JournalError) -> T) throws(JournalError) -> T {
        try execute("BEGIN IMMEDIATE", action)
        let result: T
        do {
            result = try body()
        } catch {
            if let db = handle { _ = sqlite3_exec(db, "ROLLBACK", nil, nil, nil) }
            throw error
        }
        do {
            try execute("COMMIT", action)
        } catch {
            if let db = handle, sqlite3_get_autocommit(db) == 0 { _ = sqlite3_exec(db, "ROLLBACK", nil, nil, nil) }
            throw error
        }
        return result
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 {
        handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }
}

/// A prepared statement, valid only inside `SQLiteDatabase.withStatement`.
struct SQLiteStatement: ~Copyable {
    fileprivate let raw: OpaquePointer
    fileprivate let database: SQLiteDatabase
    fileprivate let action: String

    /// Binds `values` to parameters 1…n after clearing the previous bindings and resetting.
    func bind(_ values: [SQLiteValue]) throws(JournalError) {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(raw, index)
            case .integer(let number):
                rc = sqlite3_bind_int64(raw, index, number)
            case .text(let text):
                var copy = text
                rc = copy.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        csqlite_bind_text(raw, index, chars.baseAddress, Int32(chars.count))
                    }
                }
            }
            try database.check(rc, action)
        }
    }

    /// Steps once: true when a row is available, false when done.
    func step() throws(JournalError) -> Bool {
        let rc = sqlite3_step(raw)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        // After a failed step, sqlite3_reset returns the same code; the message is the database's.
        try database.check(rc, action)
        return false
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }

    func optionalInteger(_ column: Int32) -> Int64? { isNull(column) ? nil : integer(column) }

    func bool(_ column: Int32) -> Bool? { isNull(column) ? nil : integer(column) != 0 }

    func text(_ column: Int32) -> String { optionalText(column) ?? "" }

    func optionalText(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(raw, column) else { return nil }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}
