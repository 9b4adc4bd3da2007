import CursesTerminal
import Store
import TUI
#if canImport(Glibc)
    import Glibc
#endif

/// The confirmation screen of `guardmail sendmail` and `guardmail outbox confirm`: the
/// composer's screen for a message another program wrote (mutt, git send-email, a script).
/// What carries risk is ticked as in the composer (every external recipient and attachment
/// with `confirmation.always_full`); a message with nothing to confirm has no screen; the fixes
/// that rewrite the message (move to Bcc, one message each) are not offered, since guardmail
/// does not own the message: the sender leaves (`q`) and fixes it in the program that wrote it.
/// Returns the screen as confirmed when the sender pressed `y` with everything ticked; nil when
/// they left. The process's standard input and output must be the terminal.
public enum SendmailConfirmSession {
    /// A message with nothing to confirm (`ConfirmationScreen.none`: no finding above info, no
    /// external recipient) is confirmed without a screen: the hold is its check.
    public static func run(_ model: ConfirmModel, theme: Theme) throws(TerminalError) -> ConfirmModel? {
        if model.screenKind == .none { return model }
        var screen = model
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        // The ticks are measured from the first frame (`ConfirmPace`).
        screen.startPace(shownAt: MonotonicClock.now())
        while true {
            let size = terminal.size
            terminal.draw(ConfirmView.render(screen, width: size.width, height: size.height))
            if terminal.takeSignal() != nil { return nil }
            guard let key = terminal.readKey(timeoutMilliseconds: 200) else {
                // A terminal borrowed from a mail client (not this process's controlling one)
                // sends no SIGHUP when it closes: its reads fail at once instead, for ever.
                if terminalClosed() { return nil }
                continue
            }
            if key == .control("c") { return nil }
            switch apply(key, to: &screen, height: ConfirmView.listHeight(terminal.size.height), at: MonotonicClock.now()) {
            case .some(true): return screen
            case .some(false): return nil
            case .none: break
            }
        }
    }

    /// The terminal on standard input hung up (its window closed).
    static func terminalClosed() -> Bool {
        var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) >= 0 else { return false }
        return descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
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
                screen.status = StatusMessage(
                    "Not available here: the message comes from another program. Press q and change it there.", isError: true)
            }
        }
        return nil
    }
}
