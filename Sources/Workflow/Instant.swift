/// A point in time from an injected clock: seconds since that clock's origin.
///
/// The workflow never reads a clock. Callers pass `now` in; tests pass numbers. Use the wall
/// clock (seconds since 1970) in the program so that instants written to the journal still mean
/// something after a restart.
public struct Instant: Comparable, Hashable, Sendable, Codable {
    public let seconds: Double

    public init(seconds: Double) {
        precondition(seconds.isFinite, "an Instant must be finite, got \(seconds)")
        self.seconds = seconds
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.seconds < rhs.seconds }

    /// This instant moved `seconds` later (earlier when negative).
    public static func + (lhs: Instant, seconds: Double) -> Instant { Instant(seconds: lhs.seconds + seconds) }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    public func seconds(until later: Instant) -> Double { later.seconds - seconds }
}
