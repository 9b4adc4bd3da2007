/// `/` on the confirmation screen: find a recipient or a domain among thousands (docs/bulk.md,
/// "Before anything is sent"). Enter jumps to the next recipient or domain row containing the query, `n` to
/// the one after; matching ignores case and full-width/half-width forms, so `ＳＡＴＯ`, `sato`
/// and `佐藤` find what a reader would expect.
extension ConfirmModel {
    /// What the `/` prompt shows, while it is open.
    public var searchText: String? { searchPrompt?.text }

    /// A key while the `/` prompt is open: typing edits the query, Enter finds, Esc cancels.
    mutating func searchKey(_ key: Key) {
        guard var editor = searchPrompt else { return }
        switch key {
        case .enter:
            searchPrompt = nil
            let query = editor.text.trimmingSpaces
            guard !query.isEmpty else { return }
            lastSearch = query
            findNext(query)
        case .escape:
            searchPrompt = nil
        default:
            ComposeModel.edit(&editor, key)
            searchPrompt = editor
        }
    }

    /// Moves the cursor to the next recipient or domain row after it (wrapping) that contains
    /// `query`, and says how many rows match. The row may be one that carries no tick (an
    /// internal recipient, a domain): the cursor rests there until the next move.
    mutating func findNext(_ query: String) {
        let needle = Self.searchFolded(query)
        let matches = rows.indices.filter { rowText($0).map { Self.searchFolded($0).contains(needle) } ?? false }
        guard let next = matches.first(where: { $0 > cursor }) ?? matches.first else {
            status = StatusMessage("Not found: '\(query)'", isError: true)
            return
        }
        cursor = next
        let position = (matches.firstIndex(of: next) ?? 0) + 1
        status = StatusMessage("'\(query)': \(position) of \(matches.count) (n: next)")
    }

    /// The searchable text of a row: a domain (with its company) or a recipient (name and
    /// address); nil for the other rows.
    func rowText(_ index: Int) -> String? {
        switch rows[index] {
        case .domain(let g):
            return groups[g].domain + " " + (groups[g].company ?? "")
        case .recipient(let g, let i):
            let mailbox = groups[g].recipients[i].mailbox
            return (mailbox.displayName ?? "") + " " + mailbox.address
        default:
            return nil
        }
    }

    /// Lowercased, full-width ASCII and the ideographic space read as ASCII.
    static func searchFolded(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: scalars.append(Unicode.Scalar(scalar.value - 0xFEE0) ?? scalar)
            case 0x3000: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars).lowercased()
    }
}
