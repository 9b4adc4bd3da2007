// Pasted text: how it is collected from the terminal, and how a paste is told from typing when
// the terminal does not mark it.

/// Builds the text of a bracketed paste from the characters between its markers.
///
/// Terminals send a pasted newline as CR (some as CR LF or LF); each becomes one LF. A tab stays
/// a tab. Other control characters (an ESC of some stray sequence, a NUL) are left out: a paste
/// is text, and it must not smuggle in anything the screen would have to draw as a key.
public struct PasteCollector: Sendable {
    public private(set) var text = ""
    private var previousCR = false

    public init() {}

    public mutating func add(_ code: UInt32) {
        defer { previousCR = code == 13 }
        switch code {
        case 13: text.unicodeScalars.append("\n")
        case 10: if !previousCR { text.unicodeScalars.append("\n") }
        case 9: text.unicodeScalars.append("\t")
        case 0..<32, 127: break
        default:
            if let scalar = Unicode.Scalar(code) { text.unicodeScalars.append(scalar) }
        }
    }
}

/// Tells a paste from typing when the terminal does not mark pastes (no bracketed paste mode).
///
/// A paste reaches the program as one write: many keys at once. A person cannot type two keys
/// within the same instant, but keys do pile up while the program is busy (saving a draft), and
/// those are typing. So only a burst that *arrived together while the program was waiting* can
/// be a paste, and only one that looks like pasted text: it starts with text and has a tab or a
/// line break with text after it (the part that would otherwise run as keys — Tab moving to the
/// next field, Enter leaving the field and the rest running as commands). Keys after the last
/// text (a Tab or Enter typed right after) stay keys.
public enum KeyBurst {
    /// `keys` arrived together while the program was idle. Returns them with the pasted part
    /// replaced by one `.paste`, or unchanged when they do not look like a paste.
    public static func coalesce(_ keys: [Key]) -> [Key] {
        guard keys.count >= 3, case .text = keys[0] else { return keys }
        var lastText = 0
        var separatorBeforeText = false
        var sawSeparator = false
        for (index, key) in keys.enumerated() {
            switch key {
            case .text:
                lastText = index
                if sawSeparator { separatorBeforeText = true }
            case .tab, .enter:
                sawSeparator = true
            default:
                // Arrows, Escape, control keys: not something a paste produces.
                return keys
            }
        }
        guard separatorBeforeText else { return keys }
        var text = ""
        for key in keys[...lastText] {
            switch key {
            case .text(let typed): text += typed
            case .tab: text += "\t"
            case .enter: text += "\n"
            default: break
            }
        }
        return [.paste(text)] + keys[(lastText + 1)...]
    }
}
