// Numbers, dates and times: checking the bare tokens the parser collects.

// MARK: - Numbers

enum NumberParser {
    static func parse(_ t: [Unicode.Scalar], text: String, at position: TOMLPosition) throws(TOMLError) -> TOMLValue {
        func fail(_ message: String) -> TOMLError { TOMLError(position: position, message: message) }
        let invalid = fail("invalid number '\(text)'")

        if t.count >= 2, t[0] == "0", let radix = ["x": 16, "o": 8, "b": 2][Character(t[1])] {
            var k = 2
            guard digitRun(t, &k, radix: radix), k == t.count else { throw invalid }
            guard let value = accumulate(t[2...], radix: radix), value <= UInt64(Int64.max) else {
                throw fail("'\(text)' is out of range for a 64-bit integer")
            }
            return .integer(Int64(value))
        }

        var k = 0
        let negative = t.first == "-"
        if t.first == "-" || t.first == "+" { k += 1 }
        let intStart = k
        guard digitRun(t, &k, radix: 10) else { throw invalid }
        if t[intStart] == "0" && k - intStart > 1 { throw fail("leading zeros are not allowed in '\(text)'") }
        let intEnd = k
        var isFloat = false
        if k < t.count && t[k] == "." {
            k += 1
            guard digitRun(t, &k, radix: 10) else { throw invalid }
            isFloat = true
        }
        if k < t.count && (t[k] == "e" || t[k] == "E") {
            k += 1
            if k < t.count && (t[k] == "+" || t[k] == "-") { k += 1 }
            guard digitRun(t, &k, radix: 10) else { throw invalid }
            isFloat = true
        }
        guard k == t.count else { throw invalid }

        if isFloat {
            let cleaned = String(String.UnicodeScalarView(t.filter { $0 != "_" }))
            guard let value = Double(cleaned) else { throw invalid }
            guard value.isFinite else { throw fail("'\(text)' is out of range for a 64-bit float") }
            return .float(value)
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard let magnitude = accumulate(t[intStart..<intEnd], radix: 10), magnitude <= limit else {
            throw fail("'\(text)' is out of range for a 64-bit integer")
        }
        return .integer(negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude))
    }

    /// Digits in `radix` with single underscores only between digits. Advances `k`.
    private static func digitRun(_ t: [Unicode.Scalar], _ k: inout Int, radix: Int) -> Bool {
        var sawDigit = false
        while k < t.count {
            if digit(t[k], radix: radix) != nil {
                sawDigit = true
                k += 1
            } else if t[k] == "_" && sawDigit && k + 1 < t.count && digit(t[k + 1], radix: radix) != nil {
                k += 1
            } else {
                break
            }
        }
        return sawDigit && (k == t.count || t[k] != "_")
    }

    private static func digit(_ c: Unicode.Scalar, radix: Int) -> UInt64? {
        guard let d = Int(String(c), radix: 16), d < radix else { return nil }
        return UInt64(d)
    }

    private static func accumulate(_ t: ArraySlice<Unicode.Scalar>, radix: Int) -> UInt64? {
        var value: UInt64 = 0
        for c in t where c != "_" {
            let (m, o1) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (a, o2) = m.addingReportingOverflow(digit(c, radix: radix)!)
            if o1 || o2 { return nil }
            value = a
        }
        return value
    }
}

// MARK: - Dates and times

enum DateCheck {
    /// `YYYY-…` or `HH:…` — the token is meant as a date or time, not a number.
    static func looksLikeDate(_ t: [Unicode.Scalar]) -> Bool {
        func isDigits(_ r: Range<Int>) -> Bool { r.upperBound <= t.count && r.allSatisfy { ("0"..."9").contains(t[$0]) } }
        return (isDigits(0..<4) && t.count > 4 && t[4] == "-") || (isDigits(0..<2) && t.count > 2 && t[2] == ":")
    }

    static func isValid(_ t: [Unicode.Scalar]) -> Bool {
        var k = 0
        func number(_ n: Int) -> Int? {
            guard k + n <= t.count else { return nil }
            var v = 0
            for c in t[k..<(k + n)] {
                guard ("0"..."9").contains(c) else { return nil }
                v = v * 10 + Int(c.value - 48)
            }
            k += n
            return v
        }
        func expect(_ c: Unicode.Scalar) -> Bool {
            guard k < t.count, t[k] == c else { return false }
            k += 1
            return true
        }
        func time() -> Bool {
            guard let h = number(2), expect(":"), let m = number(2), expect(":"), let sec = number(2),
                h < 24, m < 60, sec <= 60
            else { return false }
            if expect(".") {
                guard number(1) != nil else { return false }
                while number(1) != nil {}
            }
            return true
        }
        if t.count > 4 && t[4] == "-" {
            guard let y = number(4), expect("-"), let mo = number(2), expect("-"), let d = number(2),
                (1...12).contains(mo), d >= 1
            else { return false }
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
            guard d <= days else { return false }
            if k == t.count { return true }
            guard expect("T") || expect("t") || expect(" "), time() else { return false }
            if k == t.count || expect("Z") || expect("z") { return k == t.count }
            guard expect("+") || expect("-"), let oh = number(2), expect(":"), let om = number(2),
                oh < 24, om < 60
            else { return false }
            return k == t.count
        }
        return time() && k == t.count
    }
}
