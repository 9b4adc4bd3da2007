import Foundation
import Testing
@testable import BulkSend

/// job.toml is read back from disk before a job is sent or resumed: a number a user, a sync tool
/// or a bad disk changed out of range is reported with its key, never trapped on later.
@Suite struct BulkRecordRangeTests {
    static let record: BulkJobRecord = {
        var record = BulkJobRecord(
            id: "20261207-050000-abcd", mode: .bcc, account: "test", from: "差出人 <sender@example.jp>", mailFrom: "sender@example.jp",
            subject: "ご案内", recipientFile: "list.csv", recipientCount: 3, messageCount: 1, invalidCount: 0, duplicateCount: 0,
            toHeader: .sender,
            attachments: [
                BulkAttachmentRecord(
                    name: "a.pdf", size: 10, sha256: String(repeating: "a", count: 64),
                    contentType: "application/pdf")
            ],
            findings: [], confirmedBy: "tester@host", confirmedAt: 1_790_000_000, holdSeconds: 60, ratePerMinute: 600, batchSize: 100)
        record.indexSHA256 = String(repeating: "b", count: 64)
        return record
    }()

    @Test("a job.toml guardmail wrote reads back the same")
    func roundTrip() throws {
        let decoded = try BulkFormat.decodeRecord(BulkFormat.encodeRecord(Self.record), file: "job.toml")
        #expect(decoded == Self.record)
    }

    @Test(
        "a number out of range is damage, named by its key",
        arguments: [
            ("hold_seconds = 60", "hold_seconds = 9223372036854775807", "'hold_seconds'"),
            ("confirmed_at = 1790000000", "confirmed_at = 9223372036854775807", "'confirmed_at'"),
            ("confirmed_at = 1790000000", "confirmed_at = -1", "'confirmed_at'"),
            ("recipients = 3", "recipients = -3", "'recipients'"),
            ("messages = 1", "messages = 9223372036854775807", "'messages'"),
            ("rate_per_minute = 600", "rate_per_minute = 0", "'rate_per_minute'"),
            ("size = 10", "size = 9223372036854775807", "'attachments[1].size'")
        ])
    func outOfRange(original: String, damaged: String, key: String) throws {
        let text = BulkFormat.encodeRecord(Self.record)
        #expect(text.contains(original + "\n"), "the fixture writes '\(original)'")
        let error = #expect(throws: (any Error).self) {
            try BulkFormat.decodeRecord(text.replacingOccurrences(of: original + "\n", with: damaged + "\n"), file: "job.toml")
        }
        #expect(error.map { "\($0)" }?.contains(key) == true, "\(String(describing: error))")
    }
}
