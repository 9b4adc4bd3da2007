import Inspect
import Policy

extension AttachmentFacts {
    /// What the policy needs of an inspected file: for a text file its decoded text; for a
    /// document its extracted lines (a line break inside a cell or paragraph made a space, so
    /// that line N of `text` is the Nth location) with where each one is, and why anything was
    /// not read, and whether it is an encrypted archive.
    /// - Parameter name: the name the recipients will see, when not the file's own.
    public init(_ inspection: Inspection, name: String? = nil) {
        var text = inspection.text
        var locations: [String] = []
        if let extracted = inspection.extracted, !extracted.lines.isEmpty {
            var joined = ""
            for (index, line) in extracted.lines.enumerated() {
                if index > 0 { joined += "\n" }
                joined += line.text.contains(where: { $0.isNewline }) ? String(line.text.map { $0.isNewline ? " " : $0 }) : line.text
            }
            // A PDF's title and author name parties too: they come first, as "title".
            var head: [String] = []
            if let title = extracted.title { head.append(title) }
            if let author = extracted.author { head.append(author) }
            text = (head + [joined]).joined(separator: "\n")
            locations = head.indices.map { $0 == 0 && extracted.title != nil ? "title" : "author" } + extracted.lines.map(\.location.description)
        }
        self.init(
            name: name ?? inspection.name, size: inspection.size, contentType: inspection.contentType, text: text, textLocations: locations,
            contentsNotRead: inspection.extracted?.notRead, encrypted: Self.isEncrypted(inspection))
    }

    /// An archive with an encrypted entry: what `attachment_encrypted` in a rule table asks about.
    public static func isEncrypted(_ inspection: Inspection) -> Bool {
        if case .archive(_, _, let encrypted) = inspection.preview { return encrypted }
        return false
    }
}
