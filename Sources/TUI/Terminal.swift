/// What the composer needs from a terminal. The ncurses implementation lives in
/// `CursesTerminal`; tests use `RecordingTerminal`.
public protocol Terminal: AnyObject {
    /// Columns and lines right now.
    var size: (width: Int, height: Int) { get }
    /// Draws a whole grid (the implementation sends only what changed).
    func draw(_ grid: Grid)
    /// The next key, or nil when none came within the timeout (-1 waits).
    func readKey(timeoutMilliseconds: Int) -> Key?
    /// Gives the terminal to a child program (an editor) and takes it back.
    func suspend()
    func resume()
    /// A signal (SIGHUP, SIGTERM, SIGINT) that arrived since the last call, once.
    func takeSignal() -> Int32?
    /// The terminal marks pastes (bracketed paste): a burst of keys is then typing, not a paste.
    var sawBracketedPaste: Bool { get }
}
