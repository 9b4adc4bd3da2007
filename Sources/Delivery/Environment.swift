// Environment.swift — what the dispatcher reads from the world, passed in once.
//
// The dispatcher's decisions take time and identity from here rather than reading the system
// clock or a random generator deep inside: the program passes `Environment.system(paths:)`;
// a test passes a fixed clock and ID source and can then say exactly what was written when.

import Outbox
import Store
import Workflow
#if canImport(Glibc)
    import Glibc
#endif

public struct Environment: Sendable {
    /// Where guardmail keeps its files.
    public var paths: DataPaths
    /// The wall clock (seconds since 1970): instants written to the outbox and the journal, the
    /// time an answer came from the server.
    public var now: @Sendable () -> Instant
    /// A monotonic clock in seconds, for intervals that must not jump with the wall clock.
    public var monotonic: @Sendable () -> Double
    /// A new outbox id for a message frozen at the given instant (`Outbox.newID`).
    public var newOutboxID: @Sendable (Instant) -> String
    /// Waits this many seconds (a signal may end the wait early: Ctrl-C during a bulk run's pause).
    public var sleep: @Sendable (Double) -> Void

    public init(
        paths: DataPaths, now: @escaping @Sendable () -> Instant, monotonic: @escaping @Sendable () -> Double,
        newOutboxID: @escaping @Sendable (Instant) -> String, sleep: @escaping @Sendable (Double) -> Void
    ) {
        self.paths = paths
        self.now = now
        self.monotonic = monotonic
        self.newOutboxID = newOutboxID
        self.sleep = sleep
    }

    /// The real clocks and the system's random generator.
    public static func system(paths: DataPaths) -> Environment {
        Environment(
            paths: paths, now: { Dispatcher.wallClock() }, monotonic: { MonotonicClock.now() },
            newOutboxID: { now in
                var random = SystemRandomNumberGenerator()
                return Outbox.newID(now: now.seconds, random: &random)
            },
            sleep: systemSleep)
    }

    /// nanosleep(2) for `seconds`; returns early when a signal interrupts it.
    @Sendable public static func systemSleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { return }
    }
}
