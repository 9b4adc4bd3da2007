// ConfirmPace.swift — whether the confirmation screen's items were ticked faster than they could
// be read, and which challenge to ask then. Pure: the times come in (`ConfirmModel.handle(_:height:at:)`
// from the session's monotonic clock); `y` after rushed ticks asks a challenge first
// (`ConfirmModel.askAfterRushedTicks`). The tmux tests answer it as a user would (tui.py,
// `Pane.confirm_everything`).

import Policy

/// The ticks given on one confirmation screen, each with the time since the previous one (or since
/// the screen was shown) and the length of the item's text, against the time it takes to read it.
public struct ConfirmPace: Equatable, Sendable {
    /// One tick: how wide the item's text is (display columns) and how long the sender took.
    public struct Tick: Equatable, Sendable {
        public var columns: Int
        public var seconds: Double
    }

    /// Seconds a reader needs at least for an item `columns` wide: 0.3 s to find the row, then
    /// 25 columns a second (about 12 Japanese characters or 25 Latin letters: skimming, not reading).
    public static func readingSeconds(columns: Int) -> Double { 0.3 + Double(max(0, columns)) / 25 }
    /// At least this many ticks faster than their reading time before the pace says anything.
    public static let minimumRushed = 2

    public private(set) var ticks: [Tick] = []
    /// When the screen was shown, then the time of the latest tick.
    private var last: Double

    public init(shownAt: Double) { last = shownAt }

    /// A tick on an item `columns` wide at `now` (seconds, any monotonic clock).
    public mutating func ticked(columns: Int, at now: Double) {
        ticks.append(Tick(columns: columns, seconds: max(0, now - last)))
        last = max(last, now)
    }

    /// The ticks given in less than their item's reading time.
    public var rushedTicks: Int { ticks.filter { $0.seconds < Self.readingSeconds(columns: $0.columns) }.count }

    /// Ticked faster than the items could be read: at least `minimumRushed` ticks, and at least
    /// half of all ticks, each under its item's reading time.
    public var isRushed: Bool { rushedTicks >= Self.minimumRushed && rushedTicks * 2 >= ticks.count }

    /// The challenge to ask when the ticks were rushed: one of `forms` (the message's challenges
    /// grouped by form: its external domains, its files' names, their titles' first words, which
    /// recipient a file is for), not one already asked (`asked`). `variant` picks the form, then
    /// (moved on by the number of forms) its subject: the caller passes something that moves on
    /// from one message to the next (how many messages the journal holds), so that two messages
    /// in a row get different forms wherever more than one applies. Nil when nothing is left.
    public static func challenge(forms: [[Challenge]], asked: [Challenge], variant: Int) -> Challenge? {
        let left = forms.map { $0.filter { !asked.contains($0) } }.filter { !$0.isEmpty }
        guard !left.isEmpty else { return nil }
        let v = max(0, variant == Int.min ? 0 : abs(variant))
        let form = left[v % left.count]
        return form[(v / left.count) % form.count]
    }
}
