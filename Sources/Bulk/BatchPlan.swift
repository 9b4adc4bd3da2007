// BatchPlan.swift — envelope recipients of a bcc-mode announcement in SMTP-sized batches.
//
// Servers cap the RCPT TO commands of one transaction (RFC 5321 §4.5.3.1.8 requires only 100,
// many allow more, some fewer and say so with 452 "too many recipients" partway through). The
// plan starts at a limit and halves a batch that a server refused, until it fits.

public struct BatchPlan<Recipient> {
    /// The RFC 5321 minimum every server must accept.
    public static var defaultLimit: Int { 100 }

    /// The largest batch.
    public let limit: Int
    /// The recipients in their order, cut into batches of at most `limit`; no batch is empty.
    public let batches: [[Recipient]]

    /// `limit` must be at least 1 (the configuration checks the value the user gives).
    public init(_ recipients: [Recipient], limit: Int = Self.defaultLimit) {
        precondition(limit >= 1, "BatchPlan limit must be at least 1, got \(limit)")
        self.limit = limit
        var batches: [[Recipient]] = []
        batches.reserveCapacity((recipients.count + limit - 1) / limit)
        var start = 0
        while start < recipients.count {
            let end = min(start + limit, recipients.count)
            batches.append(Array(recipients[start..<end]))
            start = end
        }
        self.batches = batches
    }

    /// The batch cut in two (the first half gets the extra one of an odd count), for a retry
    /// after the server answered 452 too many recipients; nil for a batch of one or none,
    /// where the 452 is about the server, not the batch size.
    public static func split(_ batch: [Recipient]) -> (first: [Recipient], second: [Recipient])? {
        guard batch.count >= 2 else { return nil }
        let middle = (batch.count + 1) / 2
        return (Array(batch[..<middle]), Array(batch[middle...]))
    }
}

extension BatchPlan: Sendable where Recipient: Sendable {}
extension BatchPlan: Equatable where Recipient: Equatable {}
