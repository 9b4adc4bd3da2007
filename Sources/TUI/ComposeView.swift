import MailCore

/// Draws the composer. A function from the model and the size to a grid; no ncurses, no theme
/// (cells carry roles, the terminal maps roles to the theme's styles).
public enum ComposeView {
    public static let minimumWidth = 60
    public static let minimumHeight = 16
    static let labelWidth = 10

    /// Where things go at a given size.
    public struct Layout: Equatable, Sendable {
        public var bodyTop: Int
        public var bodyHeight: Int
        public var width: Int
    }

    public static func layout(_ model: ComposeModel, width: Int, height: Int) -> Layout {
        let legend = legendRows(model, width: width).count
        let header = headerRows(model, width: width).count
        // title + header rows + rule ... body ... rule + status + legend
        let bodyTop = 1 + header + 1
        let bodyHeight = max(1, height - bodyTop - 2 - legend)
        return Layout(bodyTop: bodyTop, bodyHeight: bodyHeight, width: width)
    }

    public static func render(_ model: ComposeModel, width: Int, height: Int) -> Grid {
        var grid = Grid(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            return tooSmall(width: width, height: height)
        }
        let layout = layout(model, width: width, height: height)

        // Title line.
        grid.fill(row: 0, with: " ", role: .title)
        grid.put(" guardmail — new message", row: 0, column: 0, role: .title)
        let account = "account: \(model.accountName) "
        grid.put(account, row: 0, column: width - DisplayWidth.of(account), role: .title)

        // Header fields.
        var row = 1
        let nameWidth = attachmentNameWidth(model, width: width)
        for headerRow in headerRows(model, width: width) {
            switch headerRow {
            case .from:
                label(&grid, row, "From:")
                grid.put(model.from, row: row, column: labelWidth + 1, role: .field)
            case .field(let field):
                let active = model.mode == .editing(field)
                label(&grid, row, field.label + ":", active: active)
                let editor = model.lineEditor(field)
                let available = width - labelWidth - 2
                let view = editor.viewport(width: available)
                let role: Role = model.fieldErrors[field] != nil ? .danger : (active ? .fieldActive : .field)
                if active { grid.paint(row: row, column: labelWidth + 1, count: available, role: .fieldActive) }
                grid.put(view.text, row: row, column: labelWidth + 1, role: role, limit: available)
                if active { grid.cursor = GridPoint(row: row, column: labelWidth + 1 + view.cursorColumn) }
            case .error(let text):
                grid.put(text, row: row, column: labelWidth + 1, role: .danger)
            case .attachment(let index):
                if index == 0 { label(&grid, row, "Attach:") }
                let item = model.attachments[index]
                let selected = model.selectedAttachment == index && model.mode == .command
                let type = item.contentType.split(separator: ";").first.map(String.init) ?? item.contentType
                let name = DisplayWidth.displayable(item.name)
                var shown = String(DisplayWidth.prefix(name, fitting: nameWidth).text)
                if shown.count < name.count { shown = String(DisplayWidth.prefix(name, fitting: nameWidth - 1).text) + "…" }
                let role: Role = selected ? .selected : .field
                var x = labelWidth + 1
                x += grid.put("\(index + 1)".padding(toWidth: 3), row: row, column: x, role: role)
                x += grid.put(shown.padding(toWidth: nameWidth), row: row, column: x, role: role)
                x += grid.put("  " + formatBytes(item.size).leftPadding(toWidth: 9), row: row, column: x, role: selected ? .selected : .label)
                grid.put("  " + type, row: row, column: x, role: selected ? .selected : .label)
            case .noAttachments:
                label(&grid, row, "Attach:")
                grid.put("none  (a to attach a file)", row: row, column: labelWidth + 1, role: .placeholder)
            case .moreAttachments(let count):
                grid.put("… and \(count) more", row: row, column: labelWidth + 1, role: .label)
            }
            row += 1
        }

        // Body between two rules.
        grid.fill(row: layout.bodyTop - 1, with: "─", role: .border)
        let bodyActive = model.mode == .editing(.body)
        let visible = model.body.visibleRows(width: width, height: layout.bodyHeight)
        for (index, visibleRow) in visible.rows.enumerated() {
            grid.put(visibleRow.text, row: layout.bodyTop + index, column: 0, role: .normal)
        }
        if bodyActive, let cursor = visible.cursor {
            grid.cursor = GridPoint(row: layout.bodyTop + cursor.row, column: min(width - 1, cursor.column))
        }
        if model.body.isEmpty && !bodyActive {
            grid.put("(empty body: i to write here, e for your editor)", row: layout.bodyTop, column: 0, role: .placeholder)
        }
        let statusRow = layout.bodyTop + layout.bodyHeight + 1
        grid.fill(row: statusRow - 1, with: "─", role: .border)

        // Status line and legend.
        if let status = model.status {
            grid.put(" " + DisplayWidth.displayable(status.text), row: statusRow, column: 0, role: status.isError ? .danger : .status)
        } else if let held = model.heldLine {
            // Held messages are worth more than the mode hint, never more than a status.
            grid.put(" " + DisplayWidth.displayable(held), row: statusRow, column: 0, role: .warning)
        } else {
            grid.put(" " + modeHint(model), row: statusRow, column: 0, role: .status)
        }
        for (index, legendRow) in legendRows(model, width: width).enumerated() {
            var x = 1
            for (key, text) in legendRow {
                x += grid.put(key, row: statusRow + 1 + index, column: x, role: .legendKey)
                x += grid.put(" \(text)  ", row: statusRow + 1 + index, column: x, role: .legend)
            }
        }

        switch model.mode {
        case .attachPrompt(let editor):
            let prompt = " Attach file: "
            grid.fill(row: statusRow, with: " ", role: .status)
            let x = grid.put(prompt, row: statusRow, column: 0, role: .label)
            let view = editor.viewport(width: width - x - 1)
            grid.put(view.text, row: statusRow, column: x, role: .fieldActive)
            grid.cursor = GridPoint(row: statusRow, column: x + view.cursorColumn)
        case .quitPrompt:
            drawBox(&grid, lines: ["Leave the composer?", "", "(s) save the draft and leave", "(d) discard the message", "(b) back to the message"], title: "Quit", role: .normal)
            grid.cursor = nil
        case .help:
            drawBox(&grid, lines: helpLines(), title: "Keys", role: .help)
            grid.cursor = nil
        case .resumeOffer(let draft):
            drawBox(&grid, lines: [
                "Resume the unsent draft?", "",
                "Saved:    \(draft.savedAt)",
                "To:       \(draft.recipients.isEmpty ? "(none)" : draft.recipients)",
                "Subject:  \(draft.subject.isEmpty ? "(none)" : draft.subject)", "",
                "(r) resume   (n) new message, keep the draft   (d) discard the draft",
            ], title: "Draft", role: .normal)
            grid.cursor = nil
        case .command:
            grid.cursor = nil
        case .editing:
            break
        }
        return grid
    }

    public static func tooSmall(width: Int, height: Int) -> Grid {
        var grid = Grid(width: width, height: height)
        let message = "terminal too small (needs \(minimumWidth)×\(minimumHeight))"
        let row = max(0, height / 2)
        grid.put(message, row: row, column: max(0, (width - DisplayWidth.of(message)) / 2), role: .warning)
        return grid
    }

    // MARK: Parts

    enum HeaderRow: Equatable {
        case from, field(ComposeField), error(String), attachment(Int), noAttachments, moreAttachments(Int)
    }

    static let maxAttachmentRows = 4

    /// The attachment name column: as wide as the longest name, within what the row leaves.
    static func attachmentNameWidth(_ model: ComposeModel, width: Int) -> Int {
        let longest = model.attachments.map { DisplayWidth.of(DisplayWidth.displayable($0.name)) }.max() ?? 0
        // index (3) + size (11) + type (2 + ~24)
        return max(8, min(longest, width - labelWidth - 1 - 3 - 11 - 26))
    }

    static func headerRows(_ model: ComposeModel, width: Int) -> [HeaderRow] {
        var rows: [HeaderRow] = [.from]
        for field in [ComposeField.to, .cc, .bcc, .subject] {
            rows.append(.field(field))
            if let error = model.fieldErrors[field] {
                // The whole reason, on up to two rows.
                var rest = Substring(DisplayWidth.displayable("✗ " + error))
                for _ in 0..<2 where !rest.isEmpty {
                    let part = DisplayWidth.prefix(rest, fitting: width - labelWidth - 2).text
                    rows.append(.error(String(part)))
                    rest = rest.dropFirst(part.count)
                    while rest.first == " " { rest = rest.dropFirst() }
                }
            }
        }
        if model.attachments.isEmpty {
            rows.append(.noAttachments)
        } else {
            let shown = model.attachments.count > maxAttachmentRows ? maxAttachmentRows - 1 : model.attachments.count
            // Keep the selected attachment in view.
            let start = max(0, min((model.selectedAttachment ?? 0) - shown + 1, model.attachments.count - shown))
            for index in start..<(start + shown) { rows.append(.attachment(index)) }
            if shown < model.attachments.count { rows.append(.moreAttachments(model.attachments.count - shown)) }
        }
        return rows
    }

    static func label(_ grid: inout Grid, _ row: Int, _ text: String, active: Bool = false) {
        grid.put(" " + text, row: row, column: 0, role: active ? .fieldActive : .label)
    }

    static func modeHint(_ model: ComposeModel) -> String {
        switch model.mode {
        case .editing(.body): return "Editing the body — Esc for commands, Tab for the next field"
        case .editing(let field): return "Editing \(field.label) — Tab next field, Esc for commands (no autocomplete: type or paste)"
        default: return "Ready — y to send, ? for help"
        }
    }

    /// The legend: the live command table, or the editing keys while typing; wrapped to the width.
    static func legendRows(_ model: ComposeModel, width: Int) -> [[(String, String)]] {
        let entries: [(String, String)]
        if case .editing = model.mode {
            entries = [("Tab", "Next field"), ("S-Tab", "Previous"), ("Esc", "Commands"), ("^C", "Leave, keep draft")]
        } else {
            entries = ComposeModel.commandKeys.map { ($0.key, $0.label) }
        }
        var rows: [[(String, String)]] = [[]]
        var used = 1
        for entry in entries {
            let w = DisplayWidth.of(entry.0) + DisplayWidth.of(entry.1) + 3
            if used + w > width && !rows[rows.count - 1].isEmpty {
                rows.append([])
                used = 1
            }
            rows[rows.count - 1].append(entry)
            used += w
        }
        return rows
    }

    static func helpLines() -> [String] {
        // No blank line under the headings: with every key listed the box still fits 24 rows.
        var lines = ["Command keys (after Esc):"]
        for entry in ComposeModel.commandKeys { lines.append("  \(entry.key.padding(toWidth: 4)) \(entry.help)") }
        lines += [
            "", "While typing:",
            "  Tab / Shift-Tab  next / previous field (nothing is ever completed)",
            "  Esc              stop typing, back to the command keys",
            "  Ctrl-C           leave now; the draft is kept", "", "Any key closes this help.",
        ]
        return lines
    }

    /// A framed box in the middle of the screen.
    static func drawBox(_ grid: inout Grid, lines: [String], title: String, role: Role) {
        let innerWidth = min(grid.width - 4, max(DisplayWidth.of(title) + 4, lines.map { DisplayWidth.of($0) }.max() ?? 0) + 2)
        let innerHeight = min(grid.height - 2, lines.count)
        let left = (grid.width - innerWidth - 2) / 2
        let top = max(0, (grid.height - innerHeight - 2) / 2)
        let horizontal = String(repeating: "─", count: innerWidth)
        grid.put("┌" + horizontal + "┐", row: top, column: left, role: .border)
        grid.put(" \(title) ", row: top, column: left + 2, role: .title)
        for index in 0..<innerHeight {
            grid.put("│" + String(repeating: " ", count: innerWidth) + "│", row: top + 1 + index, column: left, role: .border)
            grid.put(" " + DisplayWidth.displayable(lines[index]), row: top + 1 + index, column: left + 1, role: role, limit: innerWidth)
        }
        grid.put("└" + horizontal + "┘", row: top + innerHeight + 1, column: left, role: .border)
    }
}

extension String {
    func leftPadding(toWidth width: Int) -> String {
        let w = DisplayWidth.of(self)
        return w >= width ? self : String(repeating: " ", count: width - w) + self
    }

    /// Pads with spaces to a display width (for columns of mixed-width text).
    func padding(toWidth width: Int) -> String {
        let w = DisplayWidth.of(self)
        return w >= width ? self : self + String(repeating: " ", count: width - w)
    }
}
