import CNcurses
#if canImport(Glibc)
    import Glibc
#endif
import TUI

/// The real terminal, through ncursesw. Draws grids with the theme's styles and reads keys.
/// One per process; not thread-safe.
public final class CursesTerminal: Terminal {
    private let theme: Theme
    private var pairs: [PairKey: Int32] = [:]
    private var started = false
    /// The terminal changed size: the next frame repaints every cell, not only what changed
    /// (a terminal that shrank may keep characters ncurses no longer knows about).
    private var repaintPending = false

    struct PairKey: Hashable {
        var foreground: Int32
        var background: Int32
    }

    /// Starts curses on the process's terminal, or explains why it cannot.
    public init(theme: Theme) throws(TerminalError) {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw TerminalError("the composer needs a terminal; use 'guardmail send' in scripts")
        }
        guard cnc_setup_locale() == 1 else {
            throw TerminalError("no UTF-8 locale is available (set LANG=C.UTF-8)")
        }
        cnc_install_signal_handlers()
        guard cnc_start() == 1 else {
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw TerminalError("the terminal type TERM='\(term)' is unknown to ncurses")
        }
        started = true
        self.theme = cnc_has_colors() == 1 ? theme : theme.withoutColour()
    }

    deinit { stop() }

    /// Restores the terminal. Safe to call twice.
    public func stop() {
        guard started else { return }
        cnc_stop()
        started = false
    }

    public var size: (width: Int, height: Int) { (Int(cnc_columns()), Int(cnc_lines())) }

    /// The signal (SIGHUP, SIGTERM, SIGINT) caught since the last call, or nil.
    public func takeSignal() -> Int32? {
        let number = cnc_take_signal()
        return number == 0 ? nil : number
    }

    public func draw(_ grid: Grid) {
        cnc_erase()
        var run: [wchar_t] = []
        for row in 0..<grid.height {
            var column = 0
            while column < grid.width {
                let role = grid[row, column].role
                let start = column
                run.removeAll(keepingCapacity: true)
                var combined: [(column: Int, scalars: [wchar_t])] = []
                while column < grid.width && grid[row, column].role == role {
                    let cell = grid[row, column]
                    if !cell.isContinuation {
                        let scalars = cell.text.unicodeScalars
                        if scalars.count > 1 {
                            // Drawn on its own below; a placeholder keeps the run's columns.
                            combined.append((column, scalars.prefix(5).map { wchar_t(bitPattern: $0.value) }))
                            run.append(32)
                            if column + 1 < grid.width && grid[row, column + 1].isContinuation { run.append(32) }
                        } else if let scalar = scalars.first {
                            run.append(wchar_t(bitPattern: scalar.value))
                        }
                    }
                    column += 1
                }
                // The bottom-right cell cannot be written without scrolling on some terminals.
                if row == grid.height - 1 && column == grid.width, let last = run.last, last == 32 { run.removeLast() }
                let (attributes, pair) = style(role)
                run.withUnsafeBufferPointer { cnc_draw(Int32(row), Int32(start), $0.baseAddress, Int32($0.count), attributes, pair) }
                for cell in combined {
                    cell.scalars.withUnsafeBufferPointer {
                        cnc_draw_cell(Int32(row), Int32(cell.column), $0.baseAddress, Int32($0.count), attributes, pair)
                    }
                }
            }
        }
        if let cursor = grid.cursor {
            cnc_cursor(Int32(cursor.row), Int32(cursor.column))
        } else {
            cnc_cursor(-1, -1)
        }
        if repaintPending {
            cnc_clear_ok()
            repaintPending = false
        }
        cnc_refresh()
    }

    private func style(_ role: Role) -> (UInt32, Int32) {
        let style = theme.style(role)
        var attributes: UInt32 = 0
        if style.bold { attributes |= cnc_attr_bold() }
        if style.underline { attributes |= cnc_attr_underline() }
        if style.reverse { attributes |= cnc_attr_reverse() }
        if style.dim { attributes |= cnc_attr_dim() }
        let key = PairKey(foreground: Self.number(style.foreground), background: Self.number(style.background))
        if key.foreground == -1 && key.background == -1 { return (attributes, 0) }
        if let pair = pairs[key] { return (attributes, pair) }
        let pair = Int32(pairs.count + 1)
        _ = cnc_init_pair(pair, key.foreground, key.background)
        pairs[key] = pair
        return (attributes, pair)
    }

    private static func number(_ color: Color) -> Int32 {
        switch color {
        case .default: return -1
        case .ansi(let n): return Int32(n)
        }
    }

    /// True once the terminal has sent a bracketed paste: it marks pastes itself, so bursts of
    /// input need no guessing (see `KeyBurst`).
    public private(set) var sawBracketedPaste = false

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        var ch: UInt32 = 0
        switch cnc_read_key(Int32(timeoutMilliseconds), &ch) {
        case 0: return Self.character(ch)
        case 1:
            if Int32(ch) == CNC_KEY_PASTE_START {
                sawBracketedPaste = true
                return readPaste()
            }
            // A stray end marker (its start was lost) is not a key.
            if Int32(ch) == CNC_KEY_PASTE_END { return .unknown }
            if Int32(ch) == KEY_RESIZE { repaintPending = true }
            return Self.functionKey(Int32(ch))
        default: return nil
        }
    }

    /// Everything up to the end marker, as one `.paste`. A terminal that never sends the end
    /// marker ends the paste after a second without input, so the composer cannot hang.
    private func readPaste() -> Key {
        var collector = PasteCollector()
        var ch: UInt32 = 0
        while true {
            switch cnc_read_key(1000, &ch) {
            case 0:
                collector.add(ch)
            case 1:
                if Int32(ch) == CNC_KEY_PASTE_END { return .paste(collector.text) }
                // Bytes of the paste that happen to spell a function key (e.g. DEL as
                // KEY_BACKSPACE) are not text: left out.
                if Int32(ch) == KEY_RESIZE { repaintPending = true }
            default:
                return .paste(collector.text)
            }
        }
    }

    static func character(_ ch: UInt32) -> Key {
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(ch + 96)!))
        case 0..<32: return .unknown
        default:
            guard let scalar = Unicode.Scalar(ch) else { return .unknown }
            return .text(String(scalar))
        }
    }

    static func functionKey(_ code: Int32) -> Key {
        switch code {
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        case KEY_RESIZE: return .resize
        default: return .unknown
        }
    }

    /// The next draw repaints every cell, not only what changed.
    public func repaintAll() { repaintPending = true }

    public func suspend() { cnc_suspend() }
    public func resume() { cnc_resume() }
}

public struct TerminalError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
