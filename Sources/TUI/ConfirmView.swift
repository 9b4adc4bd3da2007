import MailCore
import Policy

/// Draws the confirmation screen: the envelope truth line, the findings, recipients grouped by
/// domain, attachments with previews, and the legend. Only the visible rows are drawn, so it
/// stays fast with thousands of recipients.
public enum ConfirmView {
    public static let legend: [(String, String)] = [
        ("Space", "Tick"), ("↑↓", "Move"), ("/", "Search"), ("n", "Next"), ("y", "Send"), ("B", "Fix: to Bcc"),
        ("I", "Fix: one each"), ("v", "View text"), ("q", "Back")
    ]
    /// The legend while an attachment's text is shown.
    public static let pagerLegend: [(String, String)] = [("↑↓", "Scroll"), ("PgUp PgDn", "Page"), ("q", "Close")]
    /// The legend while the `/` prompt is open: every other key is typed into it.
    public static let searchLegend: [(String, String)] = [("Enter", "Find"), ("Esc", "Cancel")]

    /// Rows available for the list at a given height (title, truth line, rule … rule, status, legend).
    public static func listHeight(_ height: Int) -> Int { max(1, height - 6) }

    public static func render(_ model: ConfirmModel, width: Int, height: Int) -> Grid {
        guard width >= ComposeView.minimumWidth, height >= ComposeView.minimumHeight else {
            return ComposeView.tooSmall(width: width, height: height)
        }
        if let pager = model.pager { return renderPager(model, pager, width: width, height: height) }
        var grid = Grid(width: width, height: height)
        grid.fill(row: 0, with: " ", role: .title)
        let title = grid.put(" guardmail — check before sending", row: 0, column: 0, role: .title)
        if let thread = model.thread {
            grid.put("  " + DisplayWidth.displayable(thread.line), row: 0, column: title, role: .title)
        }
        grid.put(truthLine(model), row: 1, column: 1, role: .header)
        grid.fill(row: 2, with: "─", role: .border)

        let listTop = 3
        let listHeight = listHeight(height)
        let top = visibleTop(model, listHeight: listHeight)
        for offset in 0..<listHeight {
            let index = top + offset
            guard index < model.rows.count else { break }
            draw(model, row: model.rows[index], selected: index == model.cursor, into: &grid, at: listTop + offset)
        }
        let statusRow = height - 2
        grid.fill(row: statusRow - 1, with: "─", role: .border)
        if let position = model.rows.count > listHeight ? "\(min(model.rows.count, top + listHeight))/\(model.rows.count)" : nil {
            grid.put(" \(position) ", row: statusRow - 1, column: width - DisplayWidth.of(position) - 3, role: .label)
        }
        if let search = model.searchPrompt {
            let x = grid.put(" Search: ", row: statusRow, column: 0, role: .label)
            let view = search.viewport(width: width - x - 1)
            grid.put(view.text, row: statusRow, column: x, role: .fieldActive)
            grid.cursor = GridPoint(row: statusRow, column: min(width - 1, x + view.cursorColumn))
        } else if let status = model.status {
            grid.put(" " + DisplayWidth.displayable(status.text), row: statusRow, column: 0, role: status.isError ? .danger : .status)
        } else if let blocker = model.sendBlocker {
            grid.put(" " + blocker, row: statusRow, column: 0, role: model.blockingFindings.isEmpty ? .warning : .danger)
        } else {
            grid.put(" Everything is ticked: y sends", row: statusRow, column: 0, role: .ok)
        }
        var x = 1
        for (key, label) in model.searchPrompt == nil ? legend : searchLegend {
            x += grid.put(key, row: height - 1, column: x, role: .legendKey)
            x += grid.put(" \(label)  ", row: height - 1, column: x, role: .legend)
        }
        if model.searchPrompt != nil {
            return grid
        }
        if case .challenge(let index) = model.rows[model.cursor], let editor = model.answers[index] {
            let row = listTop + model.cursor - top
            let start = challengeColumn(model, index)
            grid.cursor = GridPoint(row: row, column: min(width - 1, start + editor.viewport(width: width - start - 1).cursorColumn))
        } else if case .challenge(let index) = model.rows[model.cursor] {
            grid.cursor = GridPoint(row: listTop + model.cursor - top, column: challengeColumn(model, index))
        }
        return grid
    }

    /// An attachment's whole text, a screen at a time: each line with its place in the file.
    static func renderPager(_ model: ConfirmModel, _ pager: DocumentPager, width: Int, height: Int) -> Grid {
        var grid = Grid(width: width, height: height)
        let attachment = model.attachments[pager.attachment]
        grid.fill(row: 0, with: " ", role: .title)
        grid.put(" guardmail — text of \(DisplayWidth.displayable(attachment.name))", row: 0, column: 0, role: .title)
        grid.put(attachment.summary, row: 1, column: 1, role: .header)
        grid.fill(row: 2, with: "─", role: .border)
        let listHeight = listHeight(height)
        let lines = attachment.document
        for offset in 0..<listHeight {
            let index = pager.top + offset
            guard index < lines.count else { break }
            grid.put(" " + DisplayWidth.displayable(lines[index]), row: 3 + offset, column: 0, role: .normal)
        }
        let statusRow = height - 2
        grid.fill(row: statusRow - 1, with: "─", role: .border)
        let shownEnd = min(lines.count, pager.top + listHeight)
        grid.put(" lines \(lines.isEmpty ? 0 : pager.top + 1)–\(shownEnd) of \(lines.count)", row: statusRow, column: 0, role: .status)
        var x = 1
        for (key, label) in pagerLegend {
            x += grid.put(key, row: height - 1, column: x, role: .legendKey)
            x += grid.put(" \(label)  ", row: height - 1, column: x, role: .legend)
        }
        return grid
    }

    /// The first visible row: the cursor stays inside the window, a few rows from its edges.
    static func visibleTop(_ model: ConfirmModel, listHeight: Int) -> Int {
        let maxTop = max(0, model.rows.count - listHeight)
        var top = min(model.top, maxTop)
        if model.cursor < top + 1 { top = max(0, model.cursor - 1) }
        if model.cursor >= top + listHeight - 1 { top = min(maxTop, model.cursor - listHeight + 2) }
        return top
    }

    /// `To 3 · Cc 1 · Bcc 0 · external 3 in 2 domains · attachments 1 (1.2 MiB) · hold 60 s · from …`
    /// (docs/policy.md, "The confirmation screen"). One message each starts `One message to each of 4 recipients` instead of
    /// the field counts: every message then shows its recipient alone. The sender is last: it is
    /// the longest and the least likely to be wrong.
    static func truthLine(_ model: ConfirmModel) -> String {
        let external = model.groups.filter { !$0.isInternal }
        let externalCount = external.reduce(0) { $0 + $1.recipients.count }
        let size = model.attachments.reduce(Int64(0)) { $0 + $1.size }
        let total = model.counts.to + model.counts.cc + model.counts.bcc
        let fields =
            model.mode == .oneEach
            ? "One message to each of \(total) recipient\(total == 1 ? "" : "s")"
            : "To \(model.counts.to) · Cc \(model.counts.cc) · Bcc \(model.counts.bcc)"
        return fields + " · external \(externalCount) in \(external.count) domain\(external.count == 1 ? "" : "s") · "
            + "attachments \(model.attachments.count)\(model.attachments.isEmpty ? "" : " (\(formatBytes(size)))") · "
            + holdText(model.holdSeconds) + " · from \(model.from)"
    }

    /// How long the message waits in the outbox after `y`: `hold 60 s`, or `no hold`.
    static func holdText(_ seconds: Int) -> String {
        seconds > 0 ? "hold \(seconds) s" : "no hold"
    }

    static func tickBox(_ model: ConfirmModel, _ id: TickID?) -> String {
        guard let id else { return "    " }
        return model.isTicked(id) ? "[x] " : "[ ] "
    }

    static func challengeColumn(_ model: ConfirmModel, _ index: Int) -> Int {
        2 + DisplayWidth.of(challengePrompt(model.challenges[index]))
    }

    static func challengePrompt(_ challenge: Challenge) -> String {
        switch challenge {
        case .typeDomain(let domain): return "    Type the domain \(domain) to confirm it: "
        case .typeFileNamePart(_, let name): return "    Type part of the name of \(name): "
        }
    }

    static func draw(_ model: ConfirmModel, row: ConfirmModel.Row, selected: Bool, into grid: inout Grid, at y: Int) {
        let width = grid.width
        switch row {
        case .blank:
            break
        case .section(let title):
            grid.put(" " + title, row: y, column: 0, role: .header)
        case .finding(let index):
            let finding = model.findings[index]
            let role: Role = finding.severity == .block ? .danger : (finding.severity == .confirm ? .warning : .normal)
            var x = grid.put(" " + tickBox(model, model.tickID(of: row)), row: y, column: 0, role: selected ? .selected : .normal)
            x += grid.put(finding.severity.rawValue.uppercased().padding(toWidth: 8), row: y, column: x, role: role)
            x += grid.put(finding.ruleID + ": ", row: y, column: x, role: .label)
            grid.put(DisplayWidth.displayable(finding.message), row: y, column: x, role: .normal)
        case .challenge(let index):
            let answered = model.isAnswered(index)
            let x = grid.put(" " + challengePrompt(model.challenges[index]).dropFirst(), row: y, column: 0, role: selected ? .selected : .warning)
            let editor = model.answers[index] ?? LineEditor()
            grid.paint(row: y, column: x, count: width - x - 4, role: .fieldActive)
            grid.put(editor.viewport(width: width - x - 4).text, row: y, column: x, role: .fieldActive)
            grid.put(answered ? " ✓" : "", row: y, column: width - 3, role: .ok)
        case .domain(let index):
            let group = model.groups[index]
            // The cursor rests on a domain row when it is ticked by domain, or found with `/`.
            var x = grid.put(" ", row: y, column: 0, role: selected ? .selected : .normal)
            if model.ticksInternalByDomain && group.isInternal {
                x += grid.put(tickBox(model, model.tickID(of: row)), row: y, column: x, role: selected ? .selected : .normal)
            }
            x += grid.put(group.isInternal ? "INTERNAL " : "EXTERNAL ", row: y, column: x, role: group.isInternal ? .internal : .external)
            x += grid.put(group.domain, row: y, column: x, role: group.isInternal ? .internal : .external)
            x += grid.put("  \(group.recipients.count) recipient\(group.recipients.count == 1 ? "" : "s")", row: y, column: x, role: .label)
            if let company = group.company { x += grid.put("  \(company)", row: y, column: x, role: .label) }
            for flag in group.flags {
                x += grid.put("  ", row: y, column: x, role: .normal)
                x += grid.put(flag, row: y, column: x, role: flagRole(flag))
            }
        case .recipient(let g, let i):
            let recipient = model.groups[g].recipients[i]
            let id = model.tickID(of: row)
            let internalGroup = model.groups[g].isInternal
            let box = internalGroup ? (model.isTicked(.recipient(recipient.key)) ? " ✓  " : "    ") : tickBox(model, id)
            var x = grid.put("   " + box, row: y, column: 0, role: selected ? .selected : .normal)
            x += grid.put(recipient.field.rawValue.capitalized.padding(toWidth: 5), row: y, column: x, role: .label)
            let name = recipient.mailbox.displayName.map { DisplayWidth.displayable($0) + " " } ?? ""
            x += grid.put("\(name)<\(recipient.mailbox.address)>", row: y, column: x, role: internalGroup ? .internal : .external)
            if let thread = model.thread, thread.parties.contains(recipient.mailbox.key) {
                x += grid.put("  on the thread", row: y, column: x, role: .label)
            }
            for flag in recipient.flags {
                x += grid.put("  ", row: y, column: x, role: .normal)
                x += grid.put(flag, row: y, column: x, role: flagRole(flag))
            }
        case .attachment(let index):
            let attachment = model.attachments[index]
            var x = grid.put(" " + tickBox(model, .attachment(index)), row: y, column: 0, role: selected ? .selected : .normal)
            x += grid.put(DisplayWidth.displayable(attachment.name), row: y, column: x, role: .field)
            x += grid.put("  \(formatBytes(attachment.size))  \(attachment.summary)  sha256 \(attachment.sha256.prefix(12))…", row: y, column: x, role: .label)
            if let warning = attachment.warning { grid.put("  ⚠ " + warning, row: y, column: x, role: .danger) }
        case .preview(let index, let line):
            grid.put("        │ " + DisplayWidth.displayable(model.attachments[index].preview[line]), row: y, column: 0, role: .placeholder)
        }
    }

    static func flagRole(_ flag: String) -> Role {
        if flag.hasPrefix("LOOK-ALIKE") { return .lookalike }
        if flag == "NEW" { return .new }
        if flag == "NAMESAKE" || flag.hasPrefix("BARRIER") { return .danger }
        return .warning
    }
}

extension String {
    var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
