/// The address picker drawn over the whole composer:
///
/// ```
///  guardmail — pick an address for To
///  Search: たなか▏
///    name              company           address                         where  last sent   sent
///  * 田中 一郎          田中建設          ichiro@tanaka-kensetsu.co.jp    ext    2026-11-02     5
///  * 田中 一郎          田中商事          ichiro@tanaka-shoji.co.jp       ext    —              0
///  ...
///  * namesakes: the same name at another address — check company and domain
///  ↓ ↑ move to a row  Enter insert it  Esc back
/// ```
public enum AddressPickerView {
    /// The result rows between the header lines and the foot.
    public static func rows(height: Int) -> Int { max(1, height - 6) }

    public static func render(_ picker: AddressPicker, width: Int, height: Int, now: Int64? = nil) -> Grid {
        var grid = Grid(width: width, height: height)
        grid.fill(row: 0, with: " ", role: .title)
        grid.put(" guardmail — pick an address for \(picker.field.label)", row: 0, column: 0, role: .title)
        let count = "\(picker.results.count) of \(picker.candidates.count) "
        grid.put(count, row: 0, column: max(0, width - DisplayWidth.of(count)), role: .title)

        let label = " Search: "
        var x = grid.put(label, row: 1, column: 0, role: .label)
        let view = picker.query.viewport(width: width - x - 1)
        grid.put(view.text, row: 1, column: x, role: .fieldActive)
        grid.cursor = GridPoint(row: 1, column: x + view.cursorColumn)
        if picker.query.text.isEmpty {
            x += grid.put(" name, reading, company, address or domain", row: 1, column: x, role: .placeholder)
        }

        // The whole address shows (it is what tells namesakes apart); name and company share the rest.
        let shown = picker.results.dropFirst(picker.top).prefix(rows(height: height)).map { picker.candidates[$0] }
        let columns = Columns(width: width, longestAddress: shown.map { DisplayWidth.of($0.address) }.max() ?? 0)
        columns.header(&grid, row: 2)
        let rows = rows(height: height)
        for line in 0..<rows {
            let position = picker.top + line
            guard position < picker.results.count else { break }
            let candidate = picker.candidates[picker.results[position]]
            columns.draw(
                candidate, namesake: picker.isNamesake(candidate), selected: picker.selected == position, into: &grid, row: 3 + line)
        }
        if picker.results.isEmpty {
            let empty =
                picker.loading
                ? "  Reading the address books…"
                : picker.candidates.isEmpty ? "  No address book and no sent mail yet: type the address in the field." : "  Nothing matches."
            grid.put(empty, row: 3, column: 0, role: .placeholder)
        }

        let foot = height - 3
        grid.fill(row: foot, with: "─", role: .border)
        if let note = picker.note {
            grid.put(ScreenParts.fit(" " + note, width - 1), row: foot + 1, column: 0, role: .danger)
        } else if picker.loading {
            // The rows may change when the rest come: then no row stays moved to.
            grid.put(
                ScreenParts.fit(" reading the address books… (the list is filled in when they are read)", width - 1), row: foot + 1, column: 0, role: .warning)
        } else if picker.showsNamesakes && picker.showsThread {
            grid.put(
                ScreenParts.fit(" * namesakes — check company and domain   t on the thread", width - 1), row: foot + 1, column: 0, role: .warning)
        } else if picker.showsNamesakes {
            grid.put(
                ScreenParts.fit(" * namesakes: the same name at another address — check company and domain", width - 1), row: foot + 1,
                column: 0, role: .warning)
        } else if picker.showsThread {
            grid.put(
                ScreenParts.fit(" t on the thread: from, to, cc or reply-to of the message answered or forwarded", width - 1), row: foot + 1,
                column: 0, role: .label)
        }
        ScreenParts.drawLegend(
            ScreenParts.legendRows(
                [("↓ ↑", "move to a row"), ("Enter", "insert it"), ("Esc", "back"), ("", "(no row is chosen until you move to it)")],
                width: width
            ).prefix(1).map { $0 }, into: &grid, top: foot + 2)
        return grid
    }

    /// The widths of the row's columns for the screen's width.
    struct Columns {
        let name, company, address: Int
        static let whereWidth = 5, lastWidth = 10, countWidth = 5

        init(width: Int, longestAddress: Int) {
            let rest = max(24, width - 2 - Self.whereWidth - Self.lastWidth - Self.countWidth - 5)
            address = min(max(longestAddress, "address".count, rest * 40 / 100), rest - 16)
            name = (rest - address) * 55 / 100
            company = rest - address - name
        }

        func header(_ grid: inout Grid, row: Int) {
            var x = 2
            for (text, width) in [("name", name), ("company", company), ("address", address), ("where", Self.whereWidth), ("last sent", Self.lastWidth)] {
                grid.put(text, row: row, column: x, role: .header)
                x += width + 1
            }
            grid.put(ScreenParts.fit("sent", Self.countWidth), row: row, column: x, role: .header)
        }

        func draw(_ c: PickerCandidate, namesake: Bool, selected: Bool, into grid: inout Grid, row: Int) {
            if selected { grid.fill(row: row, with: " ", role: .selected) }
            let base: Role = selected ? .selected : .normal
            var x = 0
            grid.put(namesake ? "*" : " ", row: row, column: x, role: namesake ? .warning : base)
            // t: on the thread (a reply's or a forward's parties).
            grid.put(c.onThread ? "t" : " ", row: row, column: x + 1, role: selected ? .selected : c.onThread ? .label : base)
            x += 2
            grid.put(ScreenParts.fit(DisplayWidth.displayable(c.name.isEmpty ? "(no name)" : c.name), name), row: row, column: x, role: base)
            x += name + 1
            grid.put(ScreenParts.fit(DisplayWidth.displayable(c.company ?? ""), company), row: row, column: x, role: base)
            x += company + 1
            // The domain stands out: it is what tells two namesakes apart.
            let text = ScreenParts.fit(DisplayWidth.displayable(c.address), address)
            if let at = text.lastIndex(of: "@") {
                let local = grid.put(text[..<at], row: row, column: x, role: base)
                let domainRole: Role = selected ? .selected : c.isInternal == true ? .internal : c.isInternal == false ? .external : .header
                grid.put(text[at...], row: row, column: x + local, role: domainRole)
            } else {
                grid.put(text, row: row, column: x, role: base)
            }
            x += address + 1
            let place = c.isInternal.map { $0 ? "int" : "ext" } ?? "?"
            grid.put(place, row: row, column: x, role: selected ? .selected : c.isInternal == true ? .internal : .external)
            x += Self.whereWidth + 1
            grid.put(c.lastSent.map(Self.date) ?? "—", row: row, column: x, role: base)
            x += Self.lastWidth + 1
            let count = String(c.count)
            grid.put(count, row: row, column: x + max(0, Self.countWidth - count.count), role: base)
        }

        /// YYYY-MM-DD (UTC) of seconds since 1970 (Howard Hinnant's days-to-civil algorithm).
        static func date(_ seconds: Int64) -> String {
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let d = doy - (153 * mp + 2) / 5 + 1
            let m = mp < 10 ? mp + 3 : mp - 9
            let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
            func pad(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return "\(y)-\(pad(m))-\(pad(d))"
        }
    }
}
