import CursesTerminal
import TUI

/// The confirmation screen of `guardmail sendmail` and `guardmail outbox confirm`: the
/// composer's screen for a message another program wrote (mutt, git send-email, a script).
/// Every external recipient, attachment and finding is ticked as in the composer; the fixes
/// that rewrite the message (move to Bcc, one message each) are not offered, since guardmail
/// does not own the message: the sender leaves (`q`) and fixes it in the program that wrote it.
/// Returns the screen as confirmed when the sender pressed `y` with everything ticked; nil when
/// they left. The process's standard input and output must be the terminal.
public enum SendmailConfirmSession {
    public static func run(_ model: ConfirmModel, theme: Theme) throws(TerminalError) -> ConfirmModel? {
        var screen = model
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        while true {
            let size = terminal.size
            terminal.draw(ConfirmView.render(screen, width: size.width, height: size.height))
            if terminal.takeSignal() != nil { return nil }
            guard let key = terminal.readKey(timeoutMilliseconds: 200) else { continue }
            if key == .control("c") { return nil }
            switch apply(key, to: &screen, height: ConfirmView.listHeight(terminal.size.height)) {
            case .some(true): return screen
            case .some(false): return nil
            case .none: break
            }
        }
    }

    /// One key: true when it sends, false when it leaves, nil to go on.
    static func apply(_ key: Key, to screen: inout ConfirmModel, height: Int) -> Bool? {
        if key == .resize { return nil }
        for effect in screen.handle(key, height: height) {
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
