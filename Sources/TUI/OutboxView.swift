/// Draws the outbox: held, failed and interrupted messages, two rows each (subject and id;
/// recipients and status), what to decide when guardmail stopped or the user is leaving, and a
/// legend of what the selected message allows.
public enum OutboxView {
    /// Screen rows per message: subject, recipients and status, a blank.
    static let rowHeight = 3

    /// The text under the title bar, by purpose (none when browsing).
    public static func explanation(_ purpose: OutboxScreen.Purpose) -> String? {
        switch purpose {
        case .browse:
            return nil
        case .restart:
            return "guardmail stopped while these messages were waiting — nothing was sent. Decide for each: "
                + "S send · e edit · d discard (q: decide later; they stay in the outbox and are not sent)"
        case .leaving:
            return "Messages are still held. Decide for each before leaving: S send now · e edit · d discard · u undo "
                + "(q: back to the composer). One being sent is waited for (Ctrl-C leaves now; it stays in the outbox)."
        }
    }

    static let maxExplanationRows = 3

    /// Rows the list has at a given height, at least: title, up to three rows of explanation,
    /// two rules, the status and the legend. The model pages by it; the view shows as many
    /// messages as really fit.
    public static func listHeight(_ height: Int) -> Int { max(1, height - 5 - maxExplanationRows) }

    public static func render(_ s: OutboxScreen, width: Int, height: Int) -> Grid {
        guard width >= ComposeView.minimumWidth, height >= ComposeView.minimumHeight else {
            return ComposeView.tooSmall(width: width, height: height)
        }
        var grid = Grid(width: width, height: height)
        grid.fill(row: 0, with: " ", role: .title)
        let titleWidth = grid.put(" guardmail — Outbox", row: 0, column: 0, role: .title)
        let count = s.rows.isEmpty ? "empty " : "\(s.rows.count) message\(s.rows.count == 1 ? "" : "s") "
        if titleWidth + 2 + DisplayWidth.of(count) <= width {
            grid.put(count, row: 0, column: width - DisplayWidth.of(count), role: .title)
        }

        var row = 1
        if let text = explanation(s.purpose) {
            var lines = ScreenParts.wrap(text, width: width - 2)
            if lines.count > maxExplanationRows {
                lines = Array(lines.prefix(maxExplanationRows))
                lines[maxExplanationRows - 1] = ScreenParts.fit(lines[maxExplanationRows - 1] + " …", width - 2)
            }
            for line in lines {
                grid.put(line, row: row, column: 1, role: .header)
                row += 1
            }
        }
        grid.fill(row: row, with: "─", role: .border)
        let listTop = row + 1

        let legend = ScreenParts.legendRows(legendEntries(s), width: width)
        let legendTop = height - legend.count
        let statusRow = legendTop - 1
        let ruleRow = statusRow - 1
        // What the selected message's rows cut (a server's long reply, many recipients) is shown
        // whole above the rule, wrapped, so nothing is lost at any width.
        var detail = s.selected.map { detailLines($0, width: width) } ?? []
        let maxDetail = max(0, ruleRow - listTop - rowHeight)
        if detail.count > maxDetail { detail = Array(detail.prefix(maxDetail)) }
        let detailTop = ruleRow - detail.count
        let listRows = max(1, detailTop - listTop)
        ScreenParts.drawLegend(legend, into: &grid, top: legendTop)
        grid.fill(row: ruleRow, with: "─", role: .border)
        for (index, line) in detail.enumerated() { ScreenParts.put(line, into: &grid, row: detailTop + index, column: 0, limit: width) }

        if s.rows.isEmpty {
            grid.put("The outbox is empty.", row: listTop + 1, column: 2, role: .placeholder)
        } else {
            let perPage = OutboxScreen.rowsPerPage(listRows)
            let top = visibleTop(s, perPage: perPage)
            for index in top..<min(s.rows.count, top + perPage) {
                let y = listTop + (index - top) * rowHeight
                draw(s.rows[index], selected: index == s.cursor, into: &grid, row: y, lastRow: detailTop - 1)
            }
            if s.rows.count > perPage {
                let position = " \(s.cursor + 1)/\(s.rows.count) "
                grid.put(position, row: ruleRow, column: width - DisplayWidth.of(position) - 2, role: .label)
            }
        }

        if let status = s.status {
            let role: Role = s.pendingDiscard != nil ? .warning : (status.isError ? .danger : .status)
            grid.put(" " + DisplayWidth.displayable(status.text), row: statusRow, column: 0, role: role)
        }
        return grid
    }

    /// The first message shown: the model's `top`, moved as little as needed to show the cursor.
    static func visibleTop(_ s: OutboxScreen, perPage: Int) -> Int {
        let maxTop = max(0, s.rows.count - perPage)
        var top = min(max(0, s.top), maxTop)
        if s.cursor < top { top = s.cursor }
        if s.cursor >= top + perPage { top = s.cursor - perPage + 1 }
        return max(0, min(top, maxTop))
    }

    /// The legend: moving, what the selected message allows, and leaving.
    static func legendEntries(_ s: OutboxScreen) -> [(key: String, label: String)] {
        var entries: [(key: String, label: String)] = []
        if s.rows.count > 1 { entries.append(("↑↓", "Move")) }
        if let row = s.selected {
            if row.actions.contains(.undo) { entries.append(("u", "Undo")) }
            if row.actions.contains(.release) { entries.append(("S", row.isHeld ? "Send now" : "Retry")) }
            if row.actions.contains(.edit) { entries.append(("e", "Edit")) }
            if row.actions.contains(.discard) { entries.append(("d", "Discard")) }
        }
        switch s.purpose {
        case .browse: entries.append(("q", "Back"))
        case .restart: entries.append(("q", "Decide later"))
        case .leaving: entries.append(("q", "Back to the composer"))
        }
        return entries
    }

    /// The widths the second row of a message gives its recipients and its status.
    static func secondRowLimits(_ r: OutboxRow, width: Int) -> (recipients: Int, status: Int) {
        let available = width - 5 - 1
        let recipientsWidth = DisplayWidth.of(DisplayWidth.displayable(r.recipients))
        let statusWidth = DisplayWidth.of(DisplayWidth.displayable(r.status))
        // The status matters most ("retrying in 30 s" is at its end): it gives way only down to
        // leaving the recipients their count and the start of the first domain.
        let statusLimit = min(statusWidth, available - min(recipientsWidth, 16) - 3)
        return (available - statusLimit - 3, statusLimit)
    }

    /// The selected message's subject, recipients and status in full, wrapped, for each that its
    /// rows had to cut; empty when everything showed whole.
    static func detailLines(_ r: OutboxRow, width: Int) -> [[Span]] {
        let limits = secondRowLimits(r, width: width)
        let id = DisplayWidth.displayable(r.id)
        let subject = r.subject.isEmpty ? "(no subject)" : DisplayWidth.displayable(r.subject)
        let recipients = DisplayWidth.displayable(r.recipients)
        let status = DisplayWidth.displayable(r.status)
        let role: Role
        switch r.tone {
        case .normal: role = .normal
        case .warning: role = .warning
        case .danger: role = .danger
        }
        // The server's reply first: it says what went wrong.
        var lines: [[Span]] = []
        if DisplayWidth.of(status) > limits.status {
            lines += ScreenParts.wrap([Span("   Status: ", .label), Span(status, role)], width: width - 1, indent: 5)
        }
        if DisplayWidth.of(subject) > width - 3 - (DisplayWidth.of(id) + 3) {
            lines += ScreenParts.wrap([Span("   Subject: ", .label), Span(subject, .field)], width: width - 1, indent: 5)
        }
        if DisplayWidth.of(recipients) > limits.recipients {
            lines += ScreenParts.wrap([Span("   To: ", .label), Span(recipients, .label)], width: width - 1, indent: 5)
        }
        return lines
    }

    /// One message: subject (and the id on the right); recipients (and the status on the right).
    static func draw(_ r: OutboxRow, selected: Bool, into grid: inout Grid, row y: Int, lastRow: Int) {
        let width = grid.width
        let id = DisplayWidth.displayable(r.id)
        let idWidth = DisplayWidth.of(id)
        if selected { grid.put(">", row: y, column: 1, role: .selected) }
        let subject = r.subject.isEmpty ? "(no subject)" : DisplayWidth.displayable(r.subject)
        let subjectLimit = width - 3 - (idWidth + 3)
        grid.put(ScreenParts.fit(subject, subjectLimit), row: y, column: 3, role: selected ? .selected : .field)
        grid.put(id, row: y, column: width - 1 - idWidth, role: .label)

        guard y + 1 <= lastRow else { return }
        let recipients = DisplayWidth.displayable(r.recipients)
        let status = DisplayWidth.displayable(r.status)
        let (recipientsLimit, statusLimit) = secondRowLimits(r, width: width)
        grid.put(ScreenParts.fit(recipients, recipientsLimit), row: y + 1, column: 5, role: .label)
        let shownStatus = ScreenParts.fit(status, statusLimit)
        let role: Role
        switch r.tone {
        case .normal: role = .normal
        case .warning: role = .warning
        case .danger: role = .danger
        }
        grid.put(shownStatus, row: y + 1, column: width - 1 - DisplayWidth.of(shownStatus), role: role)
    }
}
