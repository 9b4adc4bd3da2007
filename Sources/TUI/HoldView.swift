/// Recipients of one domain, as the hold screen lists them.
public struct HoldDomain: Equatable, Sendable {
    public var domain: String
    public var count: Int
    public var isInternal: Bool

    public init(domain: String, count: Int, isInternal: Bool) {
        self.domain = domain
        self.count = count
        self.isInternal = isInternal
    }
}

/// The hold is over and the message is being sent (on the submission thread: the screen and the
/// keys go on while the server takes its time).
public struct HoldSending: Equatable, Sendable {
    /// "sending… 42 %", "sent; waiting for the server's answer…".
    public var words: String
    /// Bytes of the message handed over so far, of `total` (0 of 0: not known yet).
    public var sent: Int64
    public var total: Int64

    public init(words: String, sent: Int64 = 0, total: Int64 = 0) {
        self.words = words
        self.sent = sent
        self.total = total
    }
}

/// What the hold screen shows: the message the user just confirmed, counting down to its send.
public struct HoldScreen: Equatable, Sendable {
    /// Outbox id, e.g. "20261129-110203-k3f9".
    public var id: String
    public var subject: String
    public var from: String
    public var secondsLeft: Int
    public var holdSeconds: Int
    /// External domains first.
    public var domains: [HoldDomain]
    public var recipientCount: Int
    public var bccCount: Int
    /// One per attachment: "見積書.pdf (1.2 MiB)".
    public var attachments: [String]
    /// Other messages held at the same time.
    public var otherHeld: Int
    public var status: StatusMessage?
    /// Set once the hold is over and the message is being sent: the countdown gives way to it.
    public var sending: HoldSending?
    /// Why no confirmation screen was shown ("No confirmation needed: internal only, nothing to
    /// confirm"); nil when the message was confirmed on one.
    public var note: String?

    public init(
        id: String, subject: String, from: String, secondsLeft: Int, holdSeconds: Int, domains: [HoldDomain],
        recipientCount: Int, bccCount: Int, attachments: [String], otherHeld: Int, status: StatusMessage? = nil,
        sending: HoldSending? = nil, note: String? = nil
    ) {
        self.note = note
        self.id = id
        self.subject = subject
        self.from = from
        self.secondsLeft = secondsLeft
        self.holdSeconds = holdSeconds
        self.domains = domains
        self.recipientCount = recipientCount
        self.bccCount = bccCount
        self.attachments = attachments
        self.otherHeld = otherHeld
        self.status = status
        self.sending = sending
    }
}

/// Draws the countdown after the user confirmed a send: what is held, to whom, the seconds left
/// in large digits, and how to undo. Pure: the loop handles the keys in `keys`.
public enum HoldView {
    /// The keys of the hold screen, as the legend shows them.
    public static let keys: [(key: String, label: String)] = [
        ("u", "Undo"), ("c", "Write another (it keeps counting)"), ("o", "Outbox"), ("S", "Send now")
    ]
    /// The keys once the hold is over and the message is being sent.
    public static let sendingKeys: [(key: String, label: String)] = [
        ("c", "Write another (this one is sent meanwhile)"), ("o", "Outbox")
    ]

    /// Below this the screen says "terminal too small".
    public static let minimumWidth = 40
    public static let minimumHeight = 8
    /// From this size on the countdown is drawn in large digits; below it, as one line ("12 s").
    public static let bigDigitsWidth = 40
    public static let bigDigitsHeight = 16

    public static func render(_ s: HoldScreen, width: Int, height: Int) -> Grid {
        guard width >= minimumWidth, height >= minimumHeight else {
            return ScreenParts.tooSmall(width: width, height: height, minimumWidth: minimumWidth, minimumHeight: minimumHeight)
        }
        var grid = Grid(width: width, height: height)
        let textWidth = width - 2

        // Title line, the outbox id on the right when there is room.
        grid.fill(row: 0, with: " ", role: .title)
        let title = s.sending == nil ? " guardmail — held, not sent yet" : " guardmail — sending"
        let titleWidth = grid.put(title, row: 0, column: 0, role: .title)
        let idText = "outbox \(DisplayWidth.displayable(s.id)) "
        if DisplayWidth.of(idText) + titleWidth + 2 <= width {
            grid.put(idText, row: 0, column: width - DisplayWidth.of(idText), role: .title)
        }

        // Bottom: status (when there is one) above the legend.
        let legend = ScreenParts.legendRows(s.sending == nil ? keys : sendingKeys, width: width)
        let legendTop = height - legend.count
        ScreenParts.drawLegend(legend, into: &grid, top: legendTop)
        var bottom = legendTop
        if let status = s.status {
            bottom -= 1
            grid.put(
                " " + DisplayWidth.displayable(status.text), row: bottom, column: 0, role: status.isError ? .danger : .status,
                limit: width)
        }

        // The middle: blocks by priority; the least important go first when space is short.
        let seconds = max(0, s.secondsLeft)
        let big = BigText.rows(String(seconds)).flatMap { rows in
            width >= bigDigitsWidth && height >= bigDigitsHeight && DisplayWidth.of(rows[0]) <= textWidth ? rows : nil
        }
        let available = bottom - 1
        var blocks: [Block] = []
        blocks.append(Block(priority: 1, lines: [.blank]))
        let subject = s.subject.isEmpty ? Span("(no subject)", .placeholder) : Span(DisplayWidth.displayable(s.subject), .field)
        blocks.append(Block(priority: 10, lines: [.left([Span("Held: ", .header), subject])]))
        if let note = s.note {
            blocks.append(
                Block(priority: 9, lines: ScreenParts.wrap([Span(DisplayWidth.displayable(note), .ok)], width: textWidth, indent: 0).map { .left($0) }))
        }
        // The domains on two rows while there is room; on one ("and 2 more") when it is short.
        let toOneRow = recipientRows(s, width: textWidth, maxRows: 1).map { Line.left($0) }
        let toTwoRows = recipientRows(s, width: textWidth, maxRows: 2).map { Line.left($0) }
        blocks.append(
            toTwoRows.count > toOneRow.count
                ? Block(priority: 4, lines: toTwoRows, fallback: (8, toOneRow)) : Block(priority: 8, lines: toOneRow))
        blocks.append(Block(priority: 3, lines: [.left([Span("from ", .label), Span(DisplayWidth.displayable(s.from), .field)])]))
        blocks.append(Block(priority: 5, lines: attachmentRows(s, width: textWidth).map { .left($0) }))
        blocks.append(Block(priority: 2, lines: [.blank]))
        let words = seconds == 0 ? "— sending now" : "— then it is sent"
        let countdown: [Line]
        if let sending = s.sending {
            // The hold is over: what is happening now instead of the digits.
            countdown = [.centred([Span(DisplayWidth.displayable(sending.words), .header)])]
        } else if let big {
            countdown = big.map { .digits($0) } + [.centred([Span("\(seconds == 1 ? "second" : "seconds") \(words)", .header)])]
        } else {
            // One line, the bar after it when there is room.
            var line = [Span("\(seconds) s", .warning), Span(" \(words)", .header)]
            let barWidth = min(30, textWidth - line.reduce(0) { $0 + $1.width } - 2)
            if s.holdSeconds > 0 && barWidth >= 10 {
                line += [Span("  ", .normal)] + bar(seconds: seconds, of: s.holdSeconds, width: barWidth)
            }
            countdown = [.left(line)]
        }
        blocks.append(Block(priority: 10, lines: countdown, isCountdown: true))
        if let sending = s.sending {
            if sending.total > 0 {
                let done = Int(min(sending.sent, sending.total) * 1000 / sending.total)
                blocks.append(Block(priority: 2, lines: [.centred(bar(seconds: done, of: 1000, width: min(40, textWidth)))]))
            }
        } else if s.holdSeconds > 0 && big != nil {
            blocks.append(Block(priority: 2, lines: [.centred(bar(seconds: seconds, of: s.holdSeconds, width: min(40, textWidth)))]))
        }
        blocks.append(Block(priority: 1, lines: [.blank]))
        let undo = [Span("Press ", .header), Span("u", .legendKey), Span(" to undo.", .header)]
        let nothingSent = Span(" Nothing has been sent yet.", .header)
        if s.sending != nil {
            blocks.append(
                Block(
                    priority: 10,
                    lines: [
                        .left([
                            Span("Too late to undo: the hold is over. ", .header), Span("c", .legendKey),
                            Span(" writes another message meanwhile.", .header)
                        ])
                    ]))
        } else if undo.reduce(nothingSent.width, { $0 + $1.width }) <= textWidth {
            blocks.append(Block(priority: 10, lines: [.left(undo + [nothingSent])]))
        } else {
            // Narrow: on two rows rather than cut.
            blocks.append(Block(priority: 10, lines: [.left(undo), .left([Span("Nothing has been sent yet.", .header)])]))
        }
        if s.otherHeld > 0 {
            let others = s.otherHeld == 1 ? "1 other message" : "\(s.otherHeld) other messages"
            blocks.append(
                Block(
                    priority: 6,
                    lines: [
                        .left([
                            Span("Also held: \(others) — ", .label), Span("o", .legendKey), Span(" shows the outbox", .label)
                        ])
                    ]))
        }
        while blocks.reduce(0, { $0 + $1.lines.count }) > available,
            let least = blocks.map(\.priority).filter({ $0 < 10 }).min(),
            let drop = blocks.lastIndex(where: { $0.priority == least })
        {
            // Among equals, the lowest one on the screen goes first; a block with a smaller form
            // takes it instead of going.
            if let (priority, lines) = blocks[drop].fallback {
                blocks[drop] = Block(priority: priority, lines: lines)
            } else {
                blocks.remove(at: drop)
            }
        }

        // Spare rows: half above the countdown, the rest below everything.
        let used = blocks.reduce(0) { $0 + $1.lines.count }
        let spare = max(0, available - used)
        var row = 1
        for block in blocks {
            if block.isCountdown { row += spare / 2 }
            for line in block.lines where row < bottom {
                draw(line, into: &grid, row: row, textWidth: textWidth, digitsRole: .header)
                row += 1
            }
        }
        return grid
    }

    // MARK: Parts

    enum Line {
        case blank
        /// From column 1, cut with "…" at the right edge.
        case left([Span])
        case centred([Span])
        /// A row of large digits: only the blocks are drawn (a themed space would show as a box).
        case digits(String)
    }

    struct Block {
        var priority: Int
        var lines: [Line]
        var isCountdown = false
        /// A smaller form (and its priority) to use before leaving the block out.
        var fallback: (Int, [Line])? = nil
    }

    static func draw(_ line: Line, into grid: inout Grid, row: Int, textWidth: Int, digitsRole: Role) {
        switch line {
        case .blank:
            break
        case .left(let spans):
            ScreenParts.put(spans, into: &grid, row: row, column: 1, limit: textWidth)
        case .centred(let spans):
            let w = min(textWidth, spans.reduce(0) { $0 + $1.width })
            ScreenParts.put(spans, into: &grid, row: row, column: max(1, (grid.width - w) / 2), limit: textWidth)
        case .digits(let text):
            let start = max(1, (grid.width - DisplayWidth.of(text)) / 2)
            for (offset, character) in text.enumerated() where character != " " {
                grid.put(String(character), row: row, column: start + offset, role: digitsRole)
            }
        }
    }

    /// "to 5 recipients (3 outside, 1 in Bcc) at: example.jp ×2, 取引先.jp ×1, example.co.jp ×2",
    /// external domains in the external role and internal ones in the internal role.
    static func recipientRows(_ s: HoldScreen, width: Int, maxRows: Int) -> [[Span]] {
        let outside = s.domains.filter { !$0.isInternal }.reduce(0) { $0 + $1.count }
        let lead = "to \(s.recipientCount) recipient\(s.recipientCount == 1 ? "" : "s") (\(outside) outside, \(s.bccCount) in Bcc)"
        guard !s.domains.isEmpty else { return [[Span(lead, .label)]] }
        let pieces = s.domains.enumerated().map { index, domain in
            Span(
                DisplayWidth.displayable(domain.domain) + " ×\(domain.count)" + (index < s.domains.count - 1 ? "," : ""),
                domain.isInternal ? .internal : .external)
        }
        return flow(lead: [Span(lead + " at:", .label)], pieces: pieces, noun: "domains", width: width, indent: 3, maxRows: maxRows)
    }

    /// "Attachments: 見積書.pdf (1.2 MiB), 顧客リスト.csv (2 KiB)" on one row, or "No attachments".
    static func attachmentRows(_ s: HoldScreen, width: Int) -> [[Span]] {
        guard !s.attachments.isEmpty else { return [[Span("No attachments", .label)]] }
        let pieces = s.attachments.enumerated().map { index, name in
            Span(DisplayWidth.displayable(name) + (index < s.attachments.count - 1 ? "," : ""), .field)
        }
        let lead = s.attachments.count == 1 ? "Attachment:" : "Attachments (\(s.attachments.count)):"
        return flow(lead: [Span(lead, .label)], pieces: pieces, noun: "files", width: width, indent: 3, maxRows: 1)
    }

    /// Lays `pieces` out after `lead`, a space apart, on up to `maxRows` rows of `width` columns
    /// (the rows after the first indented); when they do not all fit, the last row ends in
    /// "and N more".
    static func flow(lead: [Span], pieces: [Span], noun: String, width: Int, indent: Int, maxRows: Int) -> [[Span]] {
        var rows: [[Span]] = [lead]
        var used = lead.reduce(0) { $0 + $1.width }
        var index = 0
        while index < pieces.count {
            let piece = pieces[index]
            let left = pieces.count - index - 1
            let isLastRow = rows.count == maxRows
            let tail = left > 0 && isLastRow ? DisplayWidth.of(" and \(left) more") : 0
            let rowIsEmpty = rows.count > 1 && used == indent
            if used + 1 + piece.width + tail <= width || rowIsEmpty {
                rows[rows.count - 1].append(Span(" ", .normal))
                rows[rows.count - 1].append(piece)
                used += 1 + piece.width
                index += 1
            } else if !isLastRow {
                rows.append([Span(String(repeating: " ", count: indent - 1), .normal)])
                used = indent
            } else {
                // Nothing fitted beside the lead: say how many instead of "and N more".
                let nothingShown = index == 0 && rows.count == 1
                rows[rows.count - 1].append(Span(nothingShown ? " \(pieces.count) \(noun)" : " and \(pieces.count - index) more", .label))
                break
            }
        }
        return rows
    }

    /// A bar of the hold: the part still to wait drawn heavy, the part gone light.
    static func bar(seconds: Int, of total: Int, width: Int) -> [Span] {
        let filled = max(0, min(width, (min(seconds, total) * width + total - 1) / total))
        return [Span(String(repeating: "━", count: filled), .header), Span(String(repeating: "─", count: width - filled), .border)]
    }
}
