// Template.swift — subject and body text with `{{column}}` placeholders for individual mode.
//
// Syntax: `{{name}}` or `{{ name }}` (spaces around the name are ignored, spaces inside it are
// part of it: `{{ 会社 名 }}` is the column "会社 名"). A `{{` that does not start a well-formed
// placeholder (no `}}` on the same line, an empty name, or a brace inside) is literal text:
// announcements quote code and templates of their own, and failing on them would be worse
// than sending them as written.

public struct Template: Sendable, Hashable {
    public enum Segment: Sendable, Hashable {
        case text(String)
        case placeholder(String)
    }

    /// The text as it was given.
    public let source: String
    /// Literal text and placeholders, in order; adjacent text is merged.
    public let segments: [Segment]

    public init(_ source: String) {
        self.source = source
        self.segments = Self.parse(source)
    }

    /// The field names used, each once.
    public var placeholders: Set<String> { Set(orderedPlaceholders) }

    /// The field names in order of first use, for messages that follow the text.
    public var orderedPlaceholders: [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for case .placeholder(let name) in segments where seen.insert(name).inserted { result.append(name) }
        return result
    }

    /// The text with each placeholder replaced by its field value, as is. A field that is
    /// absent leaves `{{name}}` in the text, so a message sent without checking `missing`
    /// shows `{{name}}` rather than silently reading "Dear ,".
    /// Values may contain line breaks (quoted CSV cells): fine in a body; a row whose subject
    /// would get one is refused first (`RecipientList.refusingLineBreaks(inSubject:)`), and a
    /// message whose subject still has one is never written (`MIMEWriter`).
    public func render(fields: [String: String]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text): out += text
            case .placeholder(let name): out += fields[name] ?? "{{\(name)}}"
            }
        }
        return out
    }

    /// Every recipient that lacks a used field or has it empty (white space counts as empty),
    /// in file order and, per recipient, in order of use: checked before anything is sent,
    /// because one "Dear ," in thousands of messages cannot be called back.
    public func missing(in list: RecipientList) -> [(line: Int, address: String, field: String)] {
        let names = orderedPlaceholders
        guard !names.isEmpty else { return [] }
        var result: [(line: Int, address: String, field: String)] = []
        for recipient in list.recipients {
            for name in names {
                let value = recipient.fields[name].map(DelimitedText.trim) ?? ""
                if value.isEmpty { result.append((recipient.line, recipient.mailbox.address, name)) }
            }
        }
        return result
    }

    /// The placeholders that name no column of the list at all, in order of use: one message
    /// ("no column 'company'; the columns are …") instead of one line per recipient.
    public func unknownPlaceholders(in list: RecipientList) -> [String] {
        let columns = Set(list.columns)
        return orderedPlaceholders.filter { !columns.contains($0) }
    }

    // MARK: - Parsing

    static func parse(_ source: String) -> [Segment] {
        let scalars = Array(source.unicodeScalars)
        var segments: [Segment] = []
        var text = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{",
                let (name, end) = placeholder(scalars, from: i + 2)
            {
                if !text.isEmpty { segments.append(.text(String(text))) }
                text = String.UnicodeScalarView()
                segments.append(.placeholder(name))
                i = end
            } else {
                text.append(scalars[i])
                i += 1
            }
        }
        if !text.isEmpty { segments.append(.text(String(text))) }
        return segments
    }

    /// The trimmed name between `{{` (ending at `start`) and the next `}}`, and the index after
    /// the `}}`; nil if the name is empty or a brace or line break comes first.
    private static func placeholder(_ scalars: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var j = start
        while j + 1 < scalars.count {
            let c = scalars[j]
            if c == "}" {
                guard scalars[j + 1] == "}" else { return nil }
                var raw = String.UnicodeScalarView()
                raw.append(contentsOf: scalars[start..<j])
                let name = DelimitedText.trim(String(raw))
                return name.isEmpty ? nil : (name, j + 2)
            }
            if c == "{" || c == "\n" || c == "\r" { return nil }
            j += 1
        }
        return nil
    }
}
