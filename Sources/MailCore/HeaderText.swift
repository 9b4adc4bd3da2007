// HeaderText.swift — the one rule for text that becomes a header value: no line break.
//
// A Subject or a display name is written as RFC 2047 encoded-words when it is not plain ASCII,
// and an encoded-word can carry any byte: a CR or LF in it reaches the recipient's client, which
// decodes it into a header of its own or a broken one. So a line break in such text is refused
// where the text comes in (arguments, the composer, recipient files, message files), with the
// field, the value and the position; `OutgoingMessage.headerTextProblems` checks a whole message
// before it is written, for every path at once.

public enum HeaderText {
    /// The first CR or LF in `text`: its 1-based character position and the character ("\r\n"
    /// is one character). Nil when there is none.
    public static func lineBreak(in text: String) -> (position: Int, character: Character)? {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return nil }
        for (index, character) in text.enumerated() where isLineBreak(character) {
            return (index + 1, character)
        }
        return nil
    }

    /// True for a character that is or holds a CR or an LF.
    public static func isLineBreak(_ c: Character) -> Bool {
        c.unicodeScalars.contains { $0.value == 0x0A || $0.value == 0x0D }
    }

    /// The text with CR and LF written as `\r` and `\n`, for messages that must stay on one line.
    public static func escapingLineBreaks(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Names a line break for messages: "line break (CR LF)", "carriage return (CR, U+000D)",
    /// "line feed (LF, U+000A)".
    public static func lineBreakName(_ c: Character) -> String {
        switch c {
        case "\r\n": return "line break (CR LF)"
        case "\r": return "carriage return (CR, U+000D)"
        default: return "line feed (LF, U+000A)"
        }
    }

    /// "the subject 'Hello\nBcc: x' has a line feed (LF, U+000A) at position 6: a header cannot
    /// hold a line break; remove it", or nil when `text` has none. `what` names the value
    /// ("the subject", "To: the name"); `owner` the address the name belongs to, if any.
    public static func lineBreakProblem(_ what: String, _ text: String, of owner: String? = nil) -> String? {
        guard let (position, character) = lineBreak(in: text) else { return nil }
        let whose = owner.map { " of '\($0)'" } ?? ""
        return "\(what) '\(escapingLineBreaks(text))'\(whose) has a \(lineBreakName(character)) at position \(position): "
            + "a header cannot hold a line break; remove it"
    }
}

/// A message whose header text holds a line break: `MIMEWriter` refuses to write it.
public struct HeaderTextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One sentence per value (see `OutgoingMessage.headerTextProblems`).
    public let problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}

extension OutgoingMessage {
    /// Every line break in the text that becomes header values — the subject, and the display
    /// name of every mailbox and group in From, To, Cc and Bcc — as sentences for the user.
    /// Empty when the message can be written.
    public var headerTextProblems: [String] {
        var problems: [String] = []
        if let p = HeaderText.lineBreakProblem("the subject", subject) { problems.append(p) }
        func check(_ mailbox: Mailbox, _ field: String) {
            guard let name = mailbox.displayName else { return }
            if let p = HeaderText.lineBreakProblem("\(field): the name", name, of: mailbox.address) { problems.append(p) }
        }
        check(from, "From")
        for (field, entries) in [("To", to), ("Cc", cc), ("Bcc", bcc)] {
            for entry in entries {
                switch entry {
                case .mailbox(let m): check(m, field)
                case .group(let name, let members):
                    if let p = HeaderText.lineBreakProblem("\(field): the group name", name) { problems.append(p) }
                    for m in members { check(m, field) }
                }
            }
        }
        return problems
    }
}
