/// What the composer needs from a terminal. The ncurses implementation lives in
/// `CursesTerminal`; tests use a recording one.
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
}
