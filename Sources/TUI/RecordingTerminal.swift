/// A terminal for tests: plays a script of keys and records every frame drawn. Pure: no
/// terminal, no clock. A `nil` in the script is a moment with no key (the loop's timeout
/// passes: `whenIdle` runs, e.g. to move a test clock on); when the script is over, the
/// terminal reports `endSignal` once, as a real one reports SIGTERM, so that a loop ends.
public final class RecordingTerminal: Terminal {
    public var size: (width: Int, height: Int)
    /// What is left of the script.
    public private(set) var script: [Key?]
    /// Every frame drawn, in order.
    public private(set) var frames: [Grid] = []
    /// Runs each time the script has no key for a read (a `nil` entry).
    public var whenIdle: (() -> Void)?
    /// Runs after each key is read, with the key (e.g. to check the state the key led to).
    public var afterKey: ((Key) -> Void)?
    /// Reported once the script has run out.
    public var endSignal: Int32 = 15
    public private(set) var suspensions = 0
    public let sawBracketedPaste: Bool
    private var ended = false

    public init(width: Int = 80, height: Int = 24, script: [Key?], bracketedPaste: Bool = true) {
        size = (width, height)
        self.script = script
        sawBracketedPaste = bracketedPaste
    }

    public func draw(_ grid: Grid) { frames.append(grid) }

    /// Drops what is left of the script: the next read ends it (e.g. once a condition a test
    /// waited for holds).
    public func finishScript() { script.removeAll() }

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        guard !script.isEmpty else {
            ended = true
            return nil
        }
        let next = script.removeFirst()
        if let next {
            if next == .resize, !resizes.isEmpty { size = resizes.removeFirst() }
            afterKey?(next)
            return next
        }
        whenIdle?()
        return nil
    }

    public func takeSignal() -> Int32? {
        guard ended else { return nil }
        defer { ended = false }
        return endSignal
    }

    public func suspend() { suspensions += 1 }
    public func resume() {}

    /// The last frame's text, one string per row (trailing blanks removed).
    public var screenLines: [String] { frames.last?.textLines ?? [] }
    /// The last frame as one string.
    public var screenText: String { screenLines.joined(separator: "\n") }

    /// Each `.resize` key in the script takes the next of these sizes (a terminal reports
    /// `KEY_RESIZE` after its size changed).
    public var resizes: [(width: Int, height: Int)] = []
}
