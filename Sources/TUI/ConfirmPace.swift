// ConfirmPace.swift — whether the confirmation screen's items were ticked faster than they could
// be read, and which challenge to ask then. Pure: the times come in. Not used by the screen yet:
// wiring it in turns every scripted tick-and-send (the tmux tests tick at machine speed) into a
// challenge, so it waits for a shared test helper that answers challenges.

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

    /// The challenge to ask when the ticks were rushed: one of the message's external domains or
    /// attachments, not one already asked (`asked`), picked by `variant` so that its form and its
    /// subject change from one message to the next (the caller passes something that moves on,
    /// such as how many messages the journal holds). Nil when there is nothing left to ask.
    public static func challenge(externalDomains: [String], attachments: [String], asked: [Challenge], variant: Int) -> Challenge? {
        var candidates: [Challenge] = []
        // Alternate the forms (domain, file, domain, …) so that neighbouring variants differ in form.
        let domains = externalDomains.map { Challenge.typeDomain($0) }
        let files = attachments.enumerated().map { Challenge.typeFileNamePart(attachment: $0.offset, fileName: $0.element) }
        for index in 0..<max(domains.count, files.count) {
            if index < domains.count { candidates.append(domains[index]) }
            if index < files.count { candidates.append(files[index]) }
        }
        candidates.removeAll { asked.contains($0) }
        guard !candidates.isEmpty else { return nil }
        let count = candidates.count
        return candidates[((variant % count) + count) % count]
    }
}
