/// A key as the composer sees it, independent of ncurses.
public enum Key: Equatable, Hashable, Sendable {
    /// Typed text: one or more Unicode scalars (a combining mark may arrive alone, an input
    /// method may commit a whole word).
    case text(String)
    /// Pasted text, whole: tabs and newlines (LF) in it are text, never keys. From the terminal's
    /// bracketed paste, or a burst of input that can only be a paste (`KeyBurst`).
    case paste(String)
    /// Ctrl plus a letter: `.control("c")` is Ctrl-C.
    case control(Character)
    case escape, enter, tab, backTab, backspace, delete
    case left, right, up, down, home, end, pageUp, pageDown
    /// The terminal changed size.
    case resize
    case unknown

    /// A single printable character key, e.g. `Key.char("y")`.
    public static func char(_ c: Character) -> Key { .text(String(c)) }
}

/// A point on the screen.
public struct GridPoint: Equatable, Hashable, Sendable {
    public var row: Int
    public var column: Int
    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }
}
