import Delivery
import Store
import Workflow
#if canImport(Glibc)
    import Glibc
#endif

/// Set by SIGINT while `send` or `bulk` holds or sends: Ctrl-C during the hold is the
/// command-line undo, and during a bulk run a clean stop.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

/// Routes SIGINT to `interruptRequested`; returns the previous handler. `reset: false` keeps a
/// Ctrl-C already caught (a bulk run after its hold must still stop for it).
@discardableResult
func catchInterrupt(reset: Bool = true) -> sighandler_t? {
    if reset { interruptRequested = 0 }
    return signal(SIGINT) { _ in interruptRequested = 1 }
}

/// The countdown of a hold on standard error: redrawn in place on a terminal, otherwise one
/// line every 10 s and in the last 3 s.
struct CountdownLine {
    let terminal = isatty(2) == 1
    private(set) var lastShown = -1

    mutating func show(_ left: Int) {
        guard left != lastShown, left > 0 else { return }
        lastShown = left
        if terminal {
            Console.error("\rsending in \(left) s (Ctrl-C cancels)\u{1B}[K")
        } else if left % 10 == 0 || left <= 3 {
            Console.error("guardmail: sending in \(left) s\n")
        }
    }

    /// Removes the line (on a terminal) once something was drawn.
    func clear() {
        if terminal && lastShown >= 0 { Console.error("\r\u{1B}[K") }
    }
}

/// The hold of `guardmail send`: the countdown on standard error, Ctrl-C to cancel, and
/// `guardmail outbox cancel|release ID` from another terminal; then the submission.
struct HoldCountdown {
    let dispatcher: Dispatcher
    let id: String
    let holdSeconds: Int

    /// Runs until the message was submitted (whatever the outcome) or cancelled.
    func run() -> DispatchReport {
        // The handler first: a Ctrl-C right after the line below must cancel, not kill.
        let previous = catchInterrupt()
        defer { signal(SIGINT, previous) }
        if holdSeconds > 0 {
            Console.error(
                "guardmail: held as \(id): sending in \(holdSeconds) s. Ctrl-C or `guardmail outbox cancel \(id)` cancels; "
                    + "`guardmail outbox release \(id)` sends it now.\n")
        }
        var line = CountdownLine()
        while true {
            let now = Dispatcher.wallClock()
            if interruptRequested != 0 {
                interruptRequested = 0
                if case .restored = dispatcher.undo(id, now: now, restore: { _ in }) {
                    line.clear()
                    return DispatchReport(id: id, messageID: "", ending: .cancelledByInterrupt)
                }
            }
            if let left = dispatcher.ownedItems.first(where: { $0.id == id }).flatMap({ item -> Int? in
                guard case let .holding(releaseAt, _) = item.state else { return nil }
                return Int(max(0, now.seconds(until: releaseAt)).rounded(.up))
            }) {
                line.show(left)
            }
            let reports = dispatcher.tick(now: now)
            if let report = reports.first(where: { $0.id == id }) {
                line.clear()
                return report
            }
            // A message that is no longer ours and not reported (cannot happen) ends the wait.
            guard dispatcher.ownedItems.contains(where: { $0.id == id }) else {
                return DispatchReport(id: id, messageID: "", ending: .leftOutbox)
            }
            usleep(100_000)
        }
    }
}
