// MailDateParsing.swift — reading an RFC 5322 `Date:` value (for the attribution line of a reply).

extension MailDate {
    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8,
        "pdt": -7, "jst": 9
    ]

    /// `Mon, 7 Dec 2026 10:15:00 +0900` (the day name, the seconds and the zone optional;
    /// obsolete zone names and two-digit years read as RFC 5322 §4.3 says; a comment after the
    /// zone ignored). Nil when it is not a date.
    public init?(rfc5322 text: String) {
        var tokens: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1 }
            if depth > 0 {
                if ch == ")" { depth -= 1 }
                continue
            }
            if ch == " " || ch == "\t" || ch == "," || ch == "\r" || ch == "\n" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        if let first = tokens.first, Int(first) == nil { tokens.removeFirst() } // the day name
        guard tokens.count >= 4, let day = Int(tokens[0]), (1...31).contains(day),
            let monthIndex = Self.monthNames.firstIndex(of: String(tokens[1].lowercased().prefix(3))),
            var year = Int(tokens[2])
        else { return nil }
        if tokens[2].count <= 2 { year += year < 50 ? 2000 : 1900 } else if tokens[2].count == 3 { year += 1900 }
        let time = tokens[3].split(separator: ":").map { Int($0) }
        guard time.count >= 2, time.allSatisfy({ $0 != nil }), let hour = time[0], let minute = time[1], hour < 24, minute < 60
        else { return nil }
        let second = time.count > 2 ? min(time[2] ?? 0, 60) : 0
        var offset = 0
        if tokens.count > 4 {
            let zone = tokens[4]
            if let sign = zone.first, sign == "+" || sign == "-", zone.count == 5, let value = Int(zone.dropFirst()) {
                offset = (value / 100 * 3600 + value % 100 * 60) * (sign == "-" ? -1 : 1)
            } else if let hours = Self.zones[zone.lowercased()] {
                offset = hours * 3600
            }
        }
        let days = Self.days(year: Int64(year), month: monthIndex + 1, day: day)
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(secondsSince1970: local - Int64(offset), utcOffsetSeconds: offset)
    }

    /// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's days-from-civil algorithm).
    static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date and time in the sender's own offset: year, month, day, weekday (0 = Sunday),
    /// hour, minute.
    public var localParts: (year: Int64, month: Int, day: Int, weekday: Int, hour: Int, minute: Int) {
        let local = secondsSince1970 + Int64(utcOffsetSeconds)
        let dayNumber = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - dayNumber * 86_400)
        let (y, m, d) = Self.civil(fromDays: dayNumber)
        let weekday = Int((((dayNumber + 4) % 7) + 7) % 7) // 1970-01-01 was a Thursday
        return (y, m, d, weekday, secondOfDay / 3600, secondOfDay / 60 % 60)
    }
}
