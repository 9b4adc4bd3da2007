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
        /// The status message's rows (one, or up to three for a long one: an error's path and
        /// reason are never cut off while the body keeps at least two rows).
        public var statusRows: [String] = [""]
    }

    public static func layout(_ model: ComposeModel, width: Int, height: Int) -> Layout {
        let legend = legendRows(model, width: width).count
        let header = headerRows(model, width: width).count
        // title + header rows + rule ... body ... rule + status + legend
        let bodyTop = 1 + header + 1
        var status = [""]
        if let message = model.status {
            let room = max(1, min(maxStatusRows, height - bodyTop - 1 - legend - 2))
            status = ScreenParts.wrap(DisplayWidth.displayable(message.text), width: width - 1)
            if status.isEmpty { status = [""] }
            if status.count > room {
                status = Array(status.prefix(room))
                status[room - 1] = ScreenParts.fit(status[room - 1] + " …", width - 1)
            }
        }
        let bodyHeight = max(1, height - bodyTop - 1 - status.count - legend)
        return Layout(bodyTop: bodyTop, bodyHeight: bodyHeight, width: width, statusRows: status)
    }

    /// A long status message wraps over at most this many rows.
    static let maxStatusRows = 3

    public static func render(_ model: ComposeModel, width: Int, height: Int) -> Grid {
        var grid = Grid(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            return tooSmall(width: width, height: height)
        }
        if case .picker(let picker) = model.mode { return AddressPickerView.render(picker, width: width, height: height) }
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
            case .fix(let field):
                if let offer = model.fixOffers[field] {
                    var x = labelWidth + 1
                    let key = model.mode == .command ? "F" : "Esc F"
                    x += grid.put(key, row: row, column: x, role: .legendKey)
                    let text = " fix (\(offer.fix.description)): \(offer.fix.corrected)"
                    grid.put(ScreenParts.fit(DisplayWidth.displayable(text), width - x - 1), row: row, column: x, role: .legend)
                }
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
                if let problem = item.problem {
                    // Kept in the list (and the draft) until removed: say why it cannot go.
                    grid.put(ScreenParts.fit("  ✗ " + DisplayWidth.displayable(problem), width - x), row: row, column: x, role: .danger)
                    break
                }
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
        let legendTop = statusRow + layout.statusRows.count
        grid.fill(row: statusRow - 1, with: "─", role: .border)

        // Status line and legend.
        if let status = model.status {
            for (index, text) in layout.statusRows.enumerated() {
                grid.put(" " + text, row: statusRow + index, column: 0, role: status.isError ? .danger : .status)
            }
        } else if let held = model.heldLine {
            // Held messages are worth more than the mode hint, never more than a status.
            grid.put(" " + ScreenParts.fit(DisplayWidth.displayable(held), width - 1), row: statusRow, column: 0, role: .warning)
        } else {
            grid.put(" " + modeHint(model), row: statusRow, column: 0, role: .status)
        }
        for (index, legendRow) in legendRows(model, width: width).enumerated() {
            var x = 1
            for (key, text) in legendRow {
                x += grid.put(key, row: legendTop + index, column: x, role: .legendKey)
                x += grid.put(" \(text)  ", row: legendTop + index, column: x, role: .legend)
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
            let long = model.isLongDraft
            drawBox(
                &grid,
                lines: [
                    long ? "Leave the composer? The draft has \(model.draftWords) words." : "Leave the composer?", "",
                    "(s) save the draft and leave (Enter)", long ? "(d) discard the message (then y to confirm)" : "(d) discard the message",
                    "(b) back to the message"
                ], title: "Quit", role: .normal)
            grid.cursor = nil
        case .discardConfirm:
            drawBox(
                &grid,
                lines: ["Discard this draft of \(model.draftWords) words for good?", "", "(y) yes, discard the message", "any other key: back to the question"],
                title: "Discard", role: .danger)
            grid.cursor = nil
        case .help:
            drawHelp(&grid, top: model.helpTop)
            grid.cursor = nil
        case .resumeOffer(let draft):
            let choices = wrapChoices(
                ["(r) resume", "(n) new message, keep the draft", "(d) discard the draft"], width: boxTextWidth(gridWidth: width))
            drawBox(
                &grid,
                lines: ["Resume the unsent draft?", "", "Saved:    \(draft.savedAt)", "To:       \(draft.to.isEmpty ? "(none)" : draft.to)"]
                    + (draft.cc.isEmpty ? [] : ["Cc:       \(draft.cc)"]) + (draft.bcc.isEmpty ? [] : ["Bcc:      \(draft.bcc)"])
                    + ["Subject:  \(draft.subject.isEmpty ? "(none)" : draft.subject)", ""] + choices, title: "Draft", role: .normal)
            grid.cursor = nil
        case .command:
            grid.cursor = nil
        case .editing, .picker:
            break
        }
        return grid
    }

    /// "terminal too small (needs 60×16)", wrapped over lines when narrow so the size needed
    /// always shows.
    public static func tooSmall(width: Int, height: Int) -> Grid {
        ScreenParts.tooSmall(width: width, height: height, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
    }

    // MARK: Parts

    enum HeaderRow: Equatable {
        case from, field(ComposeField), error(String), attachment(Int), noAttachments, moreAttachments(Int)
        /// The one-key fix offered for an address field: the corrected text, applied on F only.
        case fix(ComposeField)
    }

    static let maxAttachmentRows = 4
    /// Rows of reasons under one address field with several invalid entries.
    static let maxErrorRows = 3

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
            // The fix offer's row also without an error: `a@example.jp様` parses, yet is a slip.
            defer { if model.fixOffers[field] != nil { rows.append(.fix(field)) } }
            guard let errors = model.addressErrors[field], let first = errors.first else { continue }
            let available = width - labelWidth - 2
            if errors.count == 1 {
                // The whole reason, on up to two rows.
                var rest = Substring(DisplayWidth.displayable("✗ " + first))
                for _ in 0..<2 where !rest.isEmpty {
                    let part = DisplayWidth.prefix(rest, fitting: available).text
                    rows.append(.error(String(part)))
                    rest = rest.dropFirst(part.count)
                    while rest.first == " " { rest = rest.dropFirst() }
                }
            } else {
                // One row for each invalid entry, the rest counted.
                let shown = errors.count <= maxErrorRows ? errors.count : maxErrorRows - 1
                for error in errors.prefix(shown) {
                    rows.append(.error(ScreenParts.fit(DisplayWidth.displayable("✗ " + error), available)))
                }
                if shown < errors.count {
                    rows.append(.error("✗ … and \(errors.count - shown) more invalid addresses"))
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
        case .editing(let field) where field.isAddressField:
            return "Editing \(field.label) — Tab next field, Esc for commands, ^T pick (no autocomplete)"
        case .editing(let field): return "Editing \(field.label) — Tab next field, Esc for commands (no autocomplete: type or paste)"
        default: return "Ready — y to send, ? for help"
        }
    }

    /// The legend: the command key table, or the editing key table while typing (the tables
    /// the keys are handled from); wrapped to the width.
    static func legendRows(_ model: ComposeModel, width: Int) -> [[(String, String)]] {
        let table: [KeyBinding]
        if case .editing = model.mode {
            table = ComposeModel.editingBindings
        } else {
            table = ComposeModel.commandBindings
        }
        let entries = table.filter(\.inLegend).map { ($0.name, $0.label) }
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

    /// The line-editing keys of the one-line fields and prompts (`ComposeModel.edit`), for the help.
    static let lineEditingHelp: [(name: String, help: String)] = [
        ("^A ^E", "the start / the end of the line (also Home End)"),
        ("^K", "delete from the cursor to the end of the line"),
        ("^U", "delete the whole line"),
        ("^W", "delete the word before the cursor")
    ]

    /// The help, from the key tables the keys are handled from.
    static func helpLines() -> [String] {
        func line(_ binding: KeyBinding) -> String { "  \(binding.name.padding(toWidth: 5)) \(binding.help)" }
        var lines = ["Command keys (after Esc):"]
        lines += ComposeModel.commandBindings.filter { !$0.help.isEmpty }.map(line)
        lines += ["", "While typing:"]
        for binding in ComposeModel.editingBindings where !binding.help.isEmpty {
            lines.append(line(binding))
            if binding.action == .openPicker { lines.append("  @     at the start of an empty entry in To, Cc, Bcc: the same") }
        }
        lines += ["", "In To, Cc, Bcc and Subject:"] + lineEditingHelp.map { "  \($0.name.padding(toWidth: 5)) \($0.help)" }
        lines += [
            "", "A paste is text, never keys: the body keeps its tabs and line",
            "breaks; in To, Cc and Bcc each pasted line is one address."
        ]
        return lines
    }

    /// Help lines shown at once at a screen height: the box has a border above and below and
    /// a footer line.
    static func helpWindow(height: Int) -> Int {
        max(1, min(helpLines().count, height - 3))
    }

    /// The help box from line `top`; when it does not all fit, the footer says where it is and
    /// how to scroll (↑ ↓ PgUp PgDn).
    static func drawHelp(_ grid: inout Grid, top: Int) {
        let lines = helpLines()
        let window = helpWindow(height: grid.height)
        let first = min(max(0, top), lines.count - window)
        let footer: String
        if window < lines.count {
            footer = "\(first + 1)–\(first + window) of \(lines.count) · ↑ ↓ PgUp PgDn scroll · other keys close"
        } else {
            footer = "Any other key closes this help."
        }
        drawBox(&grid, lines: Array(lines[first..<(first + window)]) + [footer], title: "Keys", role: .help, widthLines: lines + [footer])
    }

    /// The columns a box's line may use at this screen width (inside the border, after the
    /// leading space).
    static func boxTextWidth(gridWidth: Int) -> Int { gridWidth - 5 }

    /// Choices like "(r) resume" on one line separated by three spaces, or on as many lines as
    /// the width needs.
    static func wrapChoices(_ choices: [String], width: Int) -> [String] {
        var lines: [String] = []
        for choice in choices {
            if let last = lines.last, DisplayWidth.of(last) + 3 + DisplayWidth.of(choice) <= width {
                lines[lines.count - 1] = last + "   " + choice
            } else {
                lines.append(choice)
            }
        }
        return lines
    }

    /// A framed box in the middle of the screen. Lines wider than the box end in "…"; lines
    /// beyond the screen's height are left out (the help scrolls instead, see `drawHelp`).
    /// `widthLines` sizes the box (the help keeps one width while it scrolls).
    static func drawBox(_ grid: inout Grid, lines: [String], title: String, role: Role, widthLines: [String]? = nil) {
        let widest = (widthLines ?? lines).map { DisplayWidth.of(DisplayWidth.displayable($0)) }.max() ?? 0
        let innerWidth = min(grid.width - 4, max(DisplayWidth.of(title) + 4, widest) + 2)
        let innerHeight = min(grid.height - 2, lines.count)
        let left = (grid.width - innerWidth - 2) / 2
        let top = max(0, (grid.height - innerHeight - 2) / 2)
        let horizontal = String(repeating: "─", count: innerWidth)
        grid.put("┌" + horizontal + "┐", row: top, column: left, role: .border)
        grid.put(" \(title) ", row: top, column: left + 2, role: .title)
        for index in 0..<innerHeight {
            grid.put("│" + String(repeating: " ", count: innerWidth) + "│", row: top + 1 + index, column: left, role: .border)
            let text = ScreenParts.fit(DisplayWidth.displayable(lines[index]), innerWidth - 1)
            grid.put(" " + text, row: top + 1 + index, column: left + 1, role: role, limit: innerWidth)
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
