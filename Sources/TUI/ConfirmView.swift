import MailCore
import Policy

/// Draws the confirmation screen: the envelope truth line, the findings, recipients grouped by
/// domain, attachments with previews, and the legend. Only the visible rows are drawn, so it
/// stays fast with thousands of recipients.
public enum ConfirmView {
    /// The legend in order of importance: what a sender needs first comes first, so that a
    /// narrow terminal shows it and `?` shows the rest (`? More keys`).
    public static let legend: [(String, String)] = [
        ("Space", "Tick"), ("y", "Send"), ("q", "Back"), ("B", "Fix: to Bcc"), ("I", "Fix: one each"), ("↑↓", "Move"),
        ("Enter", "Open/close"), ("v", "View text"), ("/", "Search"), ("n", "Next"), ("?", "Fewer keys")
    ]

    /// The legend entries that do something on this screen: the fixes only when a finding
    /// offers them, `v` only when an attachment's text was read, Enter only with a group of
    /// findings.
    static func legendEntries(_ model: ConfirmModel) -> [(key: String, label: String)] {
        let fixes = model.mode == .asWritten ? Set(model.findings.flatMap(\.fixes)) : []
        return legend.filter { key, _ in
            switch key {
            // Nothing to tick (the one-key screen): Space would do nothing.
            case "Space": return !model.requiredTicks.isEmpty
            case "B": return fixes.contains(.moveExternalToBcc)
            case "I": return fixes.contains(.sendIndividually)
            case "v": return model.attachments.contains { !$0.document.isEmpty }
            case "Enter": return !model.findingGroups.isEmpty
            default: return true
            }
        }
        .map { (key: $0.0, label: $0.1) }
    }
    /// The legend entry that stands for the keys left out.
    static let moreKeys = (key: "?", label: "More keys")
    /// The legend while an attachment's text is shown.
    public static let pagerLegend: [(String, String)] = [("↑↓", "Scroll"), ("PgUp PgDn", "Page"), ("q", "Close")]
    /// The legend while the `/` prompt is open: every other key is typed into it.
    public static let searchLegend: [(String, String)] = [("Enter", "Find"), ("Esc", "Cancel")]

    /// Rows available for the list at a given height (title, truth line, rule … rule, status,
    /// legend), at least. The model pages by it; the view shows as many rows as really fit once
    /// the truth line, the status and the legend are wrapped.
    public static func listHeight(_ height: Int) -> Int { max(1, height - 6) }

    /// What the bottom of the screen says, top to bottom: a block's reason (always, while a
    /// block holds: nothing covers it), then the search prompt, a status message, or what is
    /// still to do.
    static func statusLines(_ model: ConfirmModel, width: Int) -> [[Span]] {
        var lines: [[Span]] = []
        let blocked = !model.blockingFindings.isEmpty
        if blocked, let blocker = model.sendBlocker {
            lines += ScreenParts.wrap([Span(" " + blocker, .danger)], width: width, indent: 1)
        }
        if model.searchPrompt != nil { return lines }
        if let status = model.status, !(blocked && status.text == model.sendBlocker) {
            lines += ScreenParts.wrap([Span(" " + DisplayWidth.displayable(status.text), status.isError ? .danger : .status)], width: width, indent: 1)
        } else if !blocked {
            if let blocker = model.sendBlocker {
                lines += ScreenParts.wrap([Span(" " + blocker, .warning)], width: width, indent: 1)
            } else {
                // A screen that asks for no tick (the one-key screen) does not say "ticked".
                lines.append([Span(model.requiredTicks.isEmpty ? " Nothing to tick: y sends" : " Everything is ticked: y sends", .ok)])
            }
        }
        return lines
    }

    /// The legend rows: what fits of the legend in order of importance and `? More keys`, or
    /// (after `?`) every key over as many rows as it takes.
    static func legendRows(_ model: ConfirmModel, width: Int) -> [[(key: String, label: String)]] {
        if model.searchPrompt != nil { return ScreenParts.legendRows(searchLegend.map { (key: $0.0, label: $0.1) }, width: width) }
        let all = legendEntries(model)
        if model.showsAllKeys { return ScreenParts.legendRows(all, width: width) }
        let first = ScreenParts.legendFirstRow(all.filter { $0.key != "?" }, width: width, more: moreKeys)
        return [first.row]
    }

    public static func render(_ model: ConfirmModel, width: Int, height: Int) -> Grid {
        guard width >= ComposeView.minimumWidth, height >= ComposeView.minimumHeight else {
            return ComposeView.tooSmall(width: width, height: height)
        }
        if let pager = model.pager { return renderPager(model, pager, width: width, height: height) }
        var grid = Grid(width: width, height: height)
        grid.fill(row: 0, with: " ", role: .title)
        let title = grid.put(" guardmail — check before sending", row: 0, column: 0, role: .title)
        // What a reply or forward answers: on the title row when it fits, else wrapped above the
        // truth line. The truth line wraps too (the sender is last and must not fall off).
        var header: [[Span]] = []
        if let thread = model.thread {
            let line = DisplayWidth.displayable(thread.line)
            if title + 2 + DisplayWidth.of(line) <= width {
                grid.put("  " + line, row: 0, column: title, role: .title)
            } else {
                header = ScreenParts.wrap([Span(line, .label)], width: width - 2, indent: 2)
                if header.count > 2 { header = Array(header.prefix(2)) }
            }
        }
        var truth = truthLines(model, width: width - 2)
        if truth.count > 4 { truth = Array(truth.prefix(4)) }
        header += truth
        for (index, line) in header.enumerated() { ScreenParts.put(line, into: &grid, row: 1 + index, column: 1, limit: width - 2) }
        grid.fill(row: 1 + header.count, with: "─", role: .border)

        let legend = legendRows(model, width: width)
        var status = statusLines(model, width: width)
        if model.searchPrompt != nil { status.append([]) }
        // The status may take what leaves the list three rows.
        let statusLimit = max(2, height - legend.count - header.count - 3 - 3)
        if status.count > statusLimit { status = Array(status.prefix(statusLimit)) }
        let legendTop = height - legend.count
        let statusTop = legendTop - status.count
        let ruleRow = statusTop - 1
        let listTop = 2 + header.count
        let listHeight = max(1, ruleRow - listTop)

        let layout = visibleRows(model, width: width, listHeight: listHeight)
        var y = listTop
        var cursorRow: Int?
        for (index, lines) in layout {
            if index == model.cursor { cursorRow = y }
            for line in lines where y < listTop + listHeight {
                ScreenParts.put(line, into: &grid, row: y, column: 0, limit: width)
                y += 1
            }
            if case .challenge(let challenge) = model.rows[index] { drawAnswer(model, challenge, into: &grid, at: y - 1) }
        }
        grid.fill(row: ruleRow, with: "─", role: .border)
        if let first = layout.first?.index, let last = layout.last?.index, first > 0 || last < model.rows.count - 1 {
            let position = "\(last + 1)/\(model.rows.count)"
            grid.put(" \(position) ", row: ruleRow, column: width - DisplayWidth.of(position) - 3, role: .label)
        }
        for (index, line) in status.enumerated() { ScreenParts.put(line, into: &grid, row: statusTop + index, column: 0, limit: width) }
        ScreenParts.drawLegend(legend, into: &grid, top: legendTop)
        if let search = model.searchPrompt {
            let row = statusTop + status.count - 1
            let x = grid.put(" Search: ", row: row, column: 0, role: .label)
            let view = search.viewport(width: width - x - 1)
            grid.put(view.text, row: row, column: x, role: .fieldActive)
            grid.cursor = GridPoint(row: row, column: min(width - 1, x + view.cursorColumn))
            return grid
        }
        if let row = cursorRow, case .challenge(let index) = model.rows[model.cursor] {
            let place = answerPlace(model, index, width: width)
            let lastLine = row + (layout.first { $0.index == model.cursor }?.lines.count ?? 1) - 1
            let column = place.column + (model.answers[index]?.viewport(width: width - place.column - 4).cursorColumn ?? 0)
            grid.cursor = GridPoint(row: min(lastLine, listTop + listHeight - 1), column: min(width - 1, column))
        }
        return grid
    }

    /// The rows shown and their wrapped lines. The cursor's row is whole on the screen with a row
    /// of context around it where there is room; only the rows near the window are wrapped, so
    /// thousands of recipients cost nothing.
    static func visibleRows(_ model: ConfirmModel, width: Int, listHeight: Int) -> [(index: Int, lines: [[Span]])] {
        guard !model.rows.isEmpty else { return [] }
        let cursor = min(model.cursor, model.rows.count - 1)
        var cache: [Int: [[Span]]] = [:]
        func lines(_ index: Int) -> [[Span]] {
            if let known = cache[index] { return known }
            let wrapped = rowLines(model, index, width: width)
            cache[index] = wrapped
            return wrapped
        }
        // Every row takes at least one line: the top is never more than a screen above the cursor.
        var top = max(min(model.top, model.rows.count - 1), cursor + 2 - listHeight, 0)
        if cursor < top + 1 { top = max(0, cursor - 1) }
        let through = min(cursor + 1, model.rows.count - 1)
        var used = (top...through).reduce(0) { $0 + lines($1).count }
        while used > listHeight && top < cursor {
            used -= lines(top).count
            top += 1
        }
        var shown: [(index: Int, lines: [[Span]])] = []
        var total = 0
        var index = top
        while index < model.rows.count && total < listHeight {
            let rowLines = lines(index)
            shown.append((index, rowLines))
            total += rowLines.count
            index += 1
        }
        return shown
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

    /// `To 3 · Cc 1 · Bcc 0 · external 3 in 2 domains · attachments 1 (1.2 MiB) · hold 60 s · from …`
    /// (docs/policy.md, "The confirmation screen"). One message each starts `One message to each of 4 recipients` instead of
    /// the field counts: every message then shows its recipient alone. The sender is last: it is
    /// the longest and the least likely to be wrong.
    static func truthLine(_ model: ConfirmModel) -> String { truthSegments(model).joined(separator: " · ") }

    /// The truth line over as many lines as it takes: its parts (`To 1`, `hold 60 s`, `from …`)
    /// are kept whole on a line where they fit, so the sender's name and address stay together.
    static func truthLines(_ model: ConfirmModel, width: Int) -> [[Span]] {
        var lines: [[Span]] = []
        var line = ""
        for (index, segment) in truthSegments(model).enumerated() {
            let piece = index == 0 ? segment : " · " + segment
            if DisplayWidth.of(line + piece) <= width {
                line += piece
                continue
            }
            if !line.isEmpty { lines.append([Span(line + (index == 0 ? "" : " ·"), .header)]) }
            if DisplayWidth.of(segment) <= width {
                line = segment
            } else {
                let wrapped = ScreenParts.wrap([Span(segment, .header)], width: width, indent: 0)
                lines += wrapped.dropLast()
                line = wrapped.last?.map(\.text).joined() ?? ""
            }
        }
        if !line.isEmpty { lines.append([Span(line, .header)]) }
        return lines
    }

    static func truthSegments(_ model: ConfirmModel) -> [String] {
        let external = model.groups.filter { !$0.isInternal }
        let externalCount = external.reduce(0) { $0 + $1.recipients.count }
        let size = model.attachments.reduce(Int64(0)) { $0 + $1.size }
        let total = model.counts.to + model.counts.cc + model.counts.bcc
        let fields =
            model.mode == .oneEach
            ? "One message to each of \(total) recipient\(total == 1 ? "" : "s")"
            : "To \(model.counts.to) · Cc \(model.counts.cc) · Bcc \(model.counts.bcc)"
        return [
            fields, "external \(externalCount) in \(external.count) domain\(external.count == 1 ? "" : "s")",
            "attachments \(model.attachments.count)\(model.attachments.isEmpty ? "" : " (\(formatBytes(size)))")", holdText(model.holdSeconds),
            "from \(model.from)"
        ]
    }

    /// How long the message waits in the outbox after `y`: `hold 60 s`, or `no hold`.
    static func holdText(_ seconds: Int) -> String {
        seconds > 0 ? "hold \(seconds) s" : "no hold"
    }

    static func tickBox(_ model: ConfirmModel, _ id: TickID?) -> String {
        guard let id else { return "    " }
        return model.isTicked(id) ? "[x] " : "[ ] "
    }

    /// A challenge's row: why it is asked (when it is not a finding's own), then what to type.
    static func challengePrompt(_ model: ConfirmModel, _ index: Int) -> String {
        "    " + (model.challengeReasons[index].map { "(\($0)) " } ?? "") + model.challengeText(index)
    }

    /// Where a challenge's answer field starts, and whether it has a line of its own (when the
    /// prompt and a field of 16 columns do not fit on one line).
    static func answerPlace(_ model: ConfirmModel, _ index: Int, width: Int) -> (column: Int, ownLine: Bool) {
        let promptWidth = DisplayWidth.of(challengePrompt(model, index))
        return promptWidth + 20 <= width ? (promptWidth, false) : (6, true)
    }

    /// The text of the answer typed into a challenge's row, on its last line.
    static func drawAnswer(_ model: ConfirmModel, _ index: Int, into grid: inout Grid, at y: Int) {
        let width = grid.width
        let x = answerPlace(model, index, width: width).column
        let editor = model.answers[index] ?? LineEditor()
        grid.paint(row: y, column: x, count: width - x - 4, role: .fieldActive)
        grid.put(editor.viewport(width: width - x - 4).text, row: y, column: x, role: .fieldActive)
        grid.put(model.isAnswered(index) ? " ✓" : "", row: y, column: width - 3, role: .ok)
    }

    /// One row of the list as lines of at most `width` columns: long findings, names and flags
    /// wrap under their text rather than being cut, so nothing is lost at any width.
    static func rowLines(_ model: ConfirmModel, _ index: Int, width: Int) -> [[Span]] {
        let row = model.rows[index]
        let selected = index == model.cursor
        var spans: [Span] = []
        var indent = 0
        switch row {
        case .blank:
            return [[]]
        case .section(let title):
            spans = [Span(" " + title, .header)]
            indent = 1
        case .group(let g):
            let members = model.findingGroups[g]
            let first = model.findings[members.lowerBound]
            let closed = model.closedGroups.contains(g)
            let ticked = members.filter { model.isTicked(.finding($0)) }.count
            let role: Role = first.severity == .block ? .danger : (first.severity == .confirm ? .warning : .normal)
            spans = [
                Span(closed ? " ▸  " : " ▾  ", selected ? .selected : .normal), Span(first.severity.rawValue.uppercased().padding(toWidth: 8), role),
                Span(first.ruleID + ": ", .label),
                Span("\(members.count) findings" + (first.severity == .confirm ? ", \(ticked) ticked" : ""), .header)
            ]
            if closed { spans += [Span(" (Enter shows each) — ", .label), Span(DisplayWidth.displayable(first.message), .normal)] }
            indent = 13
        case .finding(let index):
            let finding = model.findings[index]
            let role: Role = finding.severity == .block ? .danger : (finding.severity == .confirm ? .warning : .normal)
            // A finding in a group is drawn under its header, without the rule repeated.
            let inGroup = model.group(of: index) != nil
            spans = [
                Span((inGroup ? "   " : " ") + tickBox(model, model.tickID(of: row)), selected ? .selected : .normal),
                Span(finding.severity.rawValue.uppercased().padding(toWidth: 8), role)
            ]
            if !inGroup { spans.append(Span(finding.ruleID + ": ", .label)) }
            spans.append(Span(DisplayWidth.displayable(finding.message), .normal))
            indent = inGroup ? 15 : 13
        case .challenge(let index):
            // The prompt; the answer is drawn over the end of its last line (drawAnswer).
            let prompt = challengePrompt(model, index)
            let place = answerPlace(model, index, width: width)
            let lines = ScreenParts.wrap([Span(prompt, selected ? .selected : .warning)], width: width, indent: 4)
            return place.ownLine ? lines + [[]] : lines
        case .domain(let g):
            let group = model.groups[g]
            // The cursor rests on a domain row when it is ticked by domain, or found with `/`.
            spans.append(Span(" ", selected ? .selected : .normal))
            if model.ticksInternalByDomain && group.isInternal {
                spans.append(Span(tickBox(model, model.tickID(of: row)), selected ? .selected : .normal))
            }
            let role: Role = group.isInternal ? .internal : .external
            spans += [
                Span(group.isInternal ? "INTERNAL " : "EXTERNAL ", role), Span(group.domain, role),
                Span("  \(group.recipients.count) recipient\(group.recipients.count == 1 ? "" : "s")", .label)
            ]
            if let company = group.company { spans.append(Span("  " + DisplayWidth.displayable(company), .label)) }
            for flag in group.flags { spans += [Span("  ", .normal), Span(flag, flagRole(flag))] }
            indent = 10
        case .recipient(let g, let i):
            let recipient = model.groups[g].recipients[i]
            let id = model.tickID(of: row)
            let internalGroup = model.groups[g].isInternal
            let box = internalGroup ? (model.isTicked(.recipient(recipient.key)) ? " ✓  " : "    ") : tickBox(model, id)
            let name = recipient.mailbox.displayName.map { DisplayWidth.displayable($0) + " " } ?? ""
            spans = [
                Span("   " + box, selected ? .selected : .normal), Span(recipient.field.rawValue.capitalized.padding(toWidth: 5), .label),
                Span("\(name)<\(recipient.mailbox.address)>", internalGroup ? .internal : .external)
            ]
            if let thread = model.thread, thread.parties.contains(recipient.mailbox.key) { spans.append(Span("  on the thread", .label)) }
            // Known and flagged by nothing: shown, not ticked (`TickScope.riskOnly`).
            if !internalGroup && id == nil { spans.append(Span("  written to before", .label)) }
            for flag in recipient.flags { spans += [Span("  ", .normal), Span(flag, flagRole(flag))] }
            indent = 12
        case .attachment(let index):
            let attachment = model.attachments[index]
            spans = [
                Span(" " + tickBox(model, model.tickID(of: row)), selected ? .selected : .normal),
                Span(DisplayWidth.displayable(attachment.name), .field),
                Span("  \(formatBytes(attachment.size))  \(attachment.summary)  sha256 \(attachment.sha256.prefix(12))…", .label)
            ]
            if let warning = attachment.warning { spans.append(Span("  ⚠ " + warning, .danger)) }
            indent = 5
        case .preview(let index, let line):
            spans = [Span("        │ " + DisplayWidth.displayable(model.attachments[index].preview[line]), .placeholder)]
            indent = 10
        }
        return ScreenParts.wrap(spans, width: width, indent: indent)
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
