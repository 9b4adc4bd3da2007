import CursesTerminal
import Store
import TUI

/// The confirmation screen of `guardmail bulk` on a terminal: the same screen as the composer's
/// (recipients grouped by domain, attachments with previews, findings, `/` to search), with
/// every external recipient ticked one by one and internal domains ticked per domain
/// (docs/bulk.md, "Before anything is sent"). Returns the screen as confirmed (its ticks say what was accepted) when the sender
/// ticked everything and pressed `y`; nil when they left.
public enum BulkConfirmSession {
    public static func run(_ model: ConfirmModel, theme: Theme) throws(TerminalError) -> ConfirmModel? {
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        return run(model, on: terminal, clock: MonotonicClock.now)
    }

    /// The same on `terminal`; `clock` (a monotonic one, in seconds) measures the pace of the
    /// ticks (`ConfirmPace`), nil: not measured.
    public static func run(_ model: ConfirmModel, on terminal: any Terminal, clock: (() -> Double)? = nil) -> ConfirmModel? {
        var screen = model
        if let clock { screen.startPace(shownAt: clock()) }
        while true {
            let size = terminal.size
            terminal.draw(ConfirmView.render(screen, width: size.width, height: size.height))
            if terminal.takeSignal() != nil { return nil }
            guard let first = terminal.readKey(timeoutMilliseconds: 200) else { continue }
            // Everything already typed is handled before drawing again: ticking 3,000 recipients
            // is 3,000 Spaces, and a frame for each would only lag behind the keys.
            var key: Key? = first
            var handled = 0
            while let current = key {
                if current == .control("c") { return nil }
                switch apply(current, to: &screen, height: ConfirmView.listHeight(terminal.size.height), at: clock?()) {
                case .some(true): return screen
                case .some(false): return nil
                case .none: break
                }
                handled += 1
                key = handled < 4096 ? terminal.readKey(timeoutMilliseconds: 0) : nil
            }
        }
    }

    /// One key: true when it sends, false when it leaves, nil to go on.
    /// `now`: when the key came (a monotonic clock), for the pace of the ticks.
    static func apply(_ key: Key, to screen: inout ConfirmModel, height: Int, at now: Double? = nil) -> Bool? {
        if key == .resize { return nil }
        for effect in screen.handle(key, height: height, at: now) {
            switch effect {
            case .send: return true
            case .back: return false
            case .moveToBcc, .reviewOneEach:
                // A bulk message shows no recipient to another: no fix applies (and none is offered).
                screen.status = StatusMessage("Not available for a bulk announcement.", isError: true)
            }
        }
        return nil
    }
}
