import Testing
@testable import Bulk
import MailCore

/// Parses UTF-8 text as a recipient file.
func parse(_ text: String, file: String = "list.csv") throws(RecipientFileError) -> RecipientList {
    try RecipientFile.parse(bytes: Array(text.utf8), fileName: file)
}

/// The error a file gives, or nil when it parses.
func fileError(_ bytes: [UInt8], file: String = "list.csv") -> RecipientFileError? {
    do {
        _ = try RecipientFile.parse(bytes: bytes, fileName: file)
        return nil
    } catch {
        return error
    }
}

/// One expected recipient: line, envelope address, display name, and other fields to check.
struct Expected: Sendable, CustomStringConvertible {
    let line: Int
    let envelope: String
    let name: String?
    var fields: [String: String] = [:]
    var description: String { "\(line): \(envelope)" }
}

func mailbox(_ text: String) -> Mailbox {
    // Fixtures are valid by construction.
    try! AddressParser.parseMailbox(text)
}

func recipient(_ line: Int, _ address: String, _ fields: [String: String] = [:]) -> BulkRecipient {
    let m = mailbox(address)
    var all = fields
    all["email"] = m.address
    return BulkRecipient(line: line, mailbox: m, fields: all)
}
