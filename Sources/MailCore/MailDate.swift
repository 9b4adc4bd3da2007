/// A point in time as the message's `Date:` header needs it: seconds since the epoch and the
/// sender's UTC offset. Formatting is done here, in English, never with the user's locale.
/// - SeeAlso: RFC 5322 §3.3.
public struct MailDate: Sendable, Hashable {
    public var secondsSince1970: Int64
    public var utcOffsetSeconds: Int

    public init(secondsSince1970: Int64, utcOffsetSeconds: Int) {
        self.secondsSince1970 = secondsSince1970
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"] // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 29 Nov 2026 17:16:36 +0900`
    public var rfc5322: String {
        let local = secondsSince1970 + Int64(utcOffsetSeconds)
        let dayNumber = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - dayNumber * 86_400)
        let (y, m, d) = Self.civil(fromDays: dayNumber)
        let weekday = Self.days[Int(((dayNumber % 7) + 7) % 7)]
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        let offsetMinutes = abs(utcOffsetSeconds) / 60
        return "\(weekday), \(d) \(Self.months[m - 1]) \(y) "
            + "\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60)) "
            + "\(sign)\(pad(offsetMinutes / 60))\(pad(offsetMinutes % 60))"
    }

    private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Gregorian date from days since 1970-01-01 (Howard Hinnant's days-to-civil algorithm).
    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// The per-message identifiers that must be unique: the Message-ID and the MIME boundary.
/// Made from an injected random generator, so tests can fix them.
public struct MessageStamp: Sendable, Hashable {
    public var date: MailDate
    public var messageID: String
    public var boundary: String

    public init(date: MailDate, messageID: String, boundary: String) {
        self.date = date
        self.messageID = messageID
        self.boundary = boundary
    }

    /// A stamp with a fresh Message-ID `<time.random@domain>` and boundary.
    public static func make(date: MailDate, domain: String, random: inout some RandomNumberGenerator) -> MessageStamp {
        func token(_ count: Int) -> String {
            let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
            return String((0..<count).map { _ in chars[Int(random.next() % UInt64(chars.count))] })
        }
        let id = "<\(String(date.secondsSince1970, radix: 36)).\(token(16))@\(domain)>"
        // "=_" cannot occur in base64 or quoted-printable output, so the boundary never collides.
        let boundary = "=_guardmail_\(token(24))"
        return MessageStamp(date: date, messageID: id, boundary: boundary)
    }
}
