import MailCore

/// Every invalid entry of an address list, not only the first: the parser stops at the first
/// error, so the entries before each error are blanked out (spaces keep every position the
/// same, so each reason still names the right position) and the rest is parsed again.
enum AddressErrors {
    /// At most this many reasons per field: the screen shows a few, the count says the rest.
    static let limit = 20

    static func all(_ text: String, first: AddressError) -> [String] {
        var reasons = [first.description]
        var chars = Array(text)
        // A group (`Team: a, b;`) has commas inside it: cutting there would invent errors.
        guard !hasTopLevelColon(chars) else { return reasons }
        var position = first.position
        while reasons.count < limit {
            guard let comma = topLevelComma(in: chars, atOrAfter: position - 1) else { break }
            for index in 0...comma where !chars[index].isWhitespace { chars[index] = " " }
            do {
                _ = try AddressParser.parseList(String(chars))
                break
            } catch {
                guard error.position > comma + 1 else { break }
                reasons.append(error.description)
                position = error.position
            }
        }
        return reasons
    }

    /// The index of the first ',' outside quotes, comments and angle brackets at or after
    /// `start`, scanning from the beginning so that the quoting state is right.
    static func topLevelComma(in chars: [Character], atOrAfter start: Int) -> Int? {
        var quoted = false, escaped = false, comment = 0, angle = false
        for (index, c) in chars.enumerated() {
            if escaped {
                escaped = false
                continue
            }
            if quoted {
                if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\\" where comment > 0: escaped = true
            case "\"" where comment == 0: quoted = true
            case "(": comment += 1
            case ")": comment = max(0, comment - 1)
            case "<" where comment == 0: angle = true
            case ">" where comment == 0: angle = false
            case "," where comment == 0 && !angle && index >= start: return index
            default: break
            }
        }
        return nil
    }

    static func hasTopLevelColon(_ chars: [Character]) -> Bool {
        var quoted = false, escaped = false, angle = false
        for c in chars {
            if escaped { escaped = false; continue }
            if quoted {
                if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\"": quoted = true
            case "<": angle = true
            case ">": angle = false
            case ":" where !angle: return true
            default: break
            }
        }
        return false
    }
}
