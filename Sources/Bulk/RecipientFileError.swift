// RecipientFileError.swift — why a whole recipient file cannot be read.
//
// Problems with single rows are not errors: they go to `RecipientList.invalid`. These are the
// problems that leave no row trustworthy (the wrong encoding garbles every name; an unclosed
// quote swallows every row after it).

public struct RecipientFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A UTF-16 or UTF-32 byte order mark.
        case utf16
        /// An Excel workbook (.xlsx is a ZIP file, .xls an OLE2 file) instead of a CSV export.
        case spreadsheet
        /// A NUL byte: a binary file, or UTF-16 without a byte order mark. `offset` is 0-based.
        case binary(offset: Int, line: Int)
        /// Neither valid UTF-8 nor valid Shift_JIS. `offset` (0-based) is the first byte that is
        /// not valid UTF-8.
        case undecodable(offset: Int, line: Int)
        /// Valid both as Shift_JIS and as EUC-JP, with text that Shift_JIS reads as half-width
        /// katakana: the classic garbling, so guardmail does not guess.
        case ambiguousEncoding(sample: String)
        /// A `"` opening a value on `line` is never closed.
        case unterminatedQuote(line: Int)
        /// Two header cells with the same name on `line`.
        case duplicateColumn(name: String, line: Int)
    }

    public let kind: Kind
    public let fileName: String
    /// A sentence naming the file, the place and what to do, e.g. "'list.csv' is UTF-16 …".
    public let description: String

    init(_ kind: Kind, fileName: String) {
        self.kind = kind
        self.fileName = fileName
        self.description = Self.describe(kind, fileName)
    }

    private static func describe(_ kind: Kind, _ file: String) -> String {
        switch kind {
        case .utf16:
            return "'\(file)' is UTF-16 or UTF-32 (it starts with a byte order mark): save it as UTF-8 "
                + "(in Excel: \"CSV UTF-8 (Comma delimited)\")"
        case .spreadsheet:
            return "'\(file)' is an Excel workbook, not a text file: save it as \"CSV UTF-8 (Comma delimited)\""
        case .binary(let offset, let line):
            return "'\(file)' has a NUL byte at byte offset \(offset) (line \(line)): it is not a text file, "
                + "or it is UTF-16 without a byte order mark; save it as UTF-8"
        case .undecodable(let offset, let line):
            return "'\(file)' is neither UTF-8 nor Shift_JIS: the byte at offset \(offset) (line \(line)) "
                + "is not valid UTF-8, and the file does not read as Shift_JIS either; save it as UTF-8"
        case .ambiguousEncoding(let sample):
            return "'\(file)' reads both as Shift_JIS and as EUC-JP, and as Shift_JIS it has half-width "
                + "katakana such as '\(sample)' that are likely garbled EUC-JP: save it as UTF-8"
        case .unterminatedQuote(let line):
            return "'\(file)': the '\"' that opens a value on line \(line) is never closed: add the closing '\"' "
                + "(a '\"' inside a quoted value is written '\"\"')"
        case .duplicateColumn(let name, let line):
            return "'\(file)': the header on line \(line) has two columns named '\(name)': rename one"
        }
    }
}
