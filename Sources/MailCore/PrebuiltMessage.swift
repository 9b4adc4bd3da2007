// PrebuiltMessage.swift — a whole message written by another program (the sendmail interface:
// mutt, git send-email, scripts), made ready to transmit.
// - SeeAlso: RFC 5322 §3.6.3 (Bcc), §3.6 (Date and Message-ID), RFC 5321 §2.3.8 (CRLF).

/// A message handed over ready-made, as it will be transmitted and as the sender keeps it.
public struct PrebuiltMessage: Sendable, Equatable {
    /// The bytes to transmit: every line ends in CRLF, no `Bcc` or `Resent-Bcc` field, and a
    /// `Date` and `Message-ID` field (added at the top when the message had none).
    public var transmitted: [UInt8]
    /// The removed Bcc fields as they were written (CRLF line ends), for the sender's copy only;
    /// empty when there were none.
    public var bccFields: [UInt8]
    /// The Message-ID the message goes out with (its own, or the one added).
    public var messageID: String

    /// Prepares `bytes` for submission. `date` (an RFC 5322 date) and `messageID` (with its angle
    /// brackets) are used only when the message lacks the field. Bytes are otherwise kept as
    /// they are: the body is not re-encoded, and header values are not rewritten.
    public static func prepare(_ bytes: [UInt8], date: String, messageID: String) -> PrebuiltMessage {
        var headers: [[UInt8]] = [] // one entry per field, continuation lines included, CRLF-terminated
        var bcc: [UInt8] = []
        var body: [UInt8] = []
        var inHeaders = true
        var droppingField = false
        var ownMessageID: String?
        var hasDate = false
        var start = 0
        body.reserveCapacity(bytes.count + bytes.count / 40)
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let line = bytes[start..<contentEnd]
            start = end < bytes.count ? end + 1 : end
            if !inHeaders {
                body += line
                body += [0x0D, 0x0A]
                continue
            }
            if line.isEmpty {
                inHeaders = false
                continue
            }
            if line.first == 0x20 || line.first == 0x09, !headers.isEmpty || droppingField {
                if droppingField { bcc += line + [0x0D, 0x0A] } else { headers[headers.count - 1] += line + [0x0D, 0x0A] }
                continue
            }
            let name = fieldName(line)
            droppingField = name == "bcc" || name == "resent-bcc"
            if droppingField {
                bcc += line + [0x0D, 0x0A]
                continue
            }
            if name == "date" { hasDate = true }
            if name == "message-id" {
                let value = line.drop(while: { $0 != 0x3A }).dropFirst()
                ownMessageID = String(decoding: value, as: UTF8.self).trimmingWhitespace
            }
            headers.append(Array(line) + [0x0D, 0x0A])
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 40 + 128)
        if !hasDate { out += Array("Date: \(date)\r\n".utf8) }
        if ownMessageID == nil { out += Array("Message-ID: \(messageID)\r\n".utf8) }
        for field in headers { out += field }
        out += [0x0D, 0x0A]
        out += body
        return PrebuiltMessage(transmitted: out, bccFields: bcc, messageID: ownMessageID ?? messageID)
    }

    /// The message as a traditional sendmail reads it without `-i`: up to (not including) the
    /// first line that holds a single dot.
    public static func cutAtDotLine(_ bytes: [UInt8]) -> [UInt8] {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let length = end - start
            if (length == 1 && bytes[start] == 0x2E) || (length == 2 && bytes[start] == 0x2E && bytes[start + 1] == 0x0D) {
                return Array(bytes[..<start])
            }
            start = end + 1
        }
        return bytes
    }

    /// The lowercased field name of a header line (`"Bcc: x"` → `"bcc"`), or nil when the line is
    /// not a field.
    static func fieldName(_ line: ArraySlice<UInt8>) -> String? {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else { return nil }
        var nameEnd = colon
        while nameEnd > line.startIndex, line[nameEnd - 1] == 0x20 || line[nameEnd - 1] == 0x09 { nameEnd -= 1 }
        return String(decoding: line[line.startIndex..<nameEnd], as: UTF8.self).lowercased()
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
