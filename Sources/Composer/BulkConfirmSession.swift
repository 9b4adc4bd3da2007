import CursesTerminal
import TUI

/// The confirmation screen of `guardmail bulk` on a terminal: the same screen as the composer's
/// (recipients grouped by domain, attachments with previews, findings), with external recipients
/// ticked domain by domain. Returns true when the sender ticked everything and pressed `y`.
public enum BulkConfirmSession {
    public static func run(_ model: ConfirmModel, theme: Theme) throws(TerminalError) -> Bool {
        var screen = model
        let terminal = try CursesTerminal(theme: theme)
        defer { terminal.stop() }
        while true {
            let size = terminal.size
            terminal.draw(ConfirmView.render(screen, width: size.width, height: size.height))
            if terminal.takeSignal() != nil { return false }
            guard let key = terminal.readKey(timeoutMilliseconds: 200) else { continue }
            if key == .control("c") { return false }
            if key == .resize { continue }
            for effect in screen.handle(key, height: ConfirmView.listHeight(terminal.size.height)) {
                switch effect {
                case .send: return true
                case .back: return false
                case .fix:
                    // A bulk message shows no recipient to another: no fix applies (and none is offered).
                    screen.status = StatusMessage("Not available for a bulk announcement.", isError: true)
                }
            }
        }
    }
}
