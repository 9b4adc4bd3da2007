/// Back-off between automatic retries after temporary failures: 30 s, 60 s, 120 s, … doubling,
/// never more than 15 minutes.
public struct RetryPolicy: Hashable, Sendable {
    /// The wait after the first failed attempt, in seconds.
    public let firstDelay: Double
    /// The longest wait, in seconds.
    public let maximumDelay: Double

    public static let standard = RetryPolicy(firstDelay: 30, maximumDelay: 15 * 60)

    public init(firstDelay: Double, maximumDelay: Double) {
        precondition(firstDelay > 0 && firstDelay.isFinite, "RetryPolicy: firstDelay must be positive, got \(firstDelay)")
        precondition(
            maximumDelay >= firstDelay && maximumDelay.isFinite,
            "RetryPolicy: maximumDelay (\(maximumDelay)) must be at least firstDelay (\(firstDelay))")
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
    }

    /// Seconds to wait after attempt `n` (1, 2, …) failed temporarily before attempt `n + 1`.
    public func delay(afterAttempt n: Int) -> Double {
        precondition(n >= 1, "RetryPolicy: attempts count from 1, got \(n)")
        var delay = firstDelay
        var doublings = n - 1
        while doublings > 0 && delay < maximumDelay {
            delay *= 2
            doublings -= 1
        }
        return min(delay, maximumDelay)
    }

    /// `standard.delay(afterAttempt:)`.
    public static func delay(afterAttempt n: Int) -> Double { standard.delay(afterAttempt: n) }
}
