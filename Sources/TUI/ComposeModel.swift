import MailCore

/// The composer's fields, in Tab order.
public enum ComposeField: String, CaseIterable, Sendable, Equatable {
    case to, cc, bcc, subject, body

    public var label: String {
        switch self {
        case .to: return "To"
        case .cc: return "Cc"
        case .bcc: return "Bcc"
        case .subject: return "Subject"
        case .body: return "Body"
        }
    }

    public var isAddressField: Bool { self == .to || self == .cc || self == .bcc }
    var next: ComposeField { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
    var previous: ComposeField {
        Self.allCases[(Self.allCases.firstIndex(of: self)! + Self.allCases.count - 1) % Self.allCases.count]
    }
}

/// An attached file as the composer lists it (checked by the I/O layer before it gets here).
public struct AttachmentItem: Equatable, Sendable {
    public var path: String
    public var name: String
    public var size: Int64
    public var contentType: String
    /// Why the file can no longer be attached (a resumed draft's file that was moved or
    /// removed), or nil. Such an attachment stays listed, and in the draft, until the user
    /// removes it: nothing is dropped silently, and `y` refuses while it is there.
    public var problem: String?
    public init(path: String, name: String, size: Int64, contentType: String, problem: String? = nil) {
        self.path = path
        self.name = name
        self.size = size
        self.contentType = contentType
        self.problem = problem
    }
}

/// What the user is doing right now.
public enum ComposeMode: Equatable, Sendable {
    /// Typing into a field (the initial mode).
    case editing(ComposeField)
    /// Command keys (t c b s i a D e y u o P q ?).
    case command
    /// A one-line prompt: the attachment path.
    case attachPrompt(LineEditor)
    /// `q`: save the draft (the default, Enter too), discard it, or go back.
    case quitPrompt
    /// `d` at the quit prompt of a long draft: only a second, different key (`y`) discards it.
    case discardConfirm
    /// Ctrl-T in To, Cc or Bcc: the address picker over the whole screen.
    case picker(AddressPicker)
    case help
    /// An unsent draft was found at start.
    case resumeOffer(DraftSummary)
}

/// A slip in one entry of an address field and its correction, offered under the field.
public struct AddressFixOffer: Equatable, Sendable {
    /// The entry as typed (between the commas, trimmed).
    public var entry: String
    /// 1-based position of the entry's error in the field's text: which occurrence is meant.
    public var position: Int
    public var fix: AddressSlips.Fix

    /// The field's text with this entry replaced by its correction, or nil when the entry is
    /// no longer in it.
    public func applied(to text: String) -> String? {
        let chars = Array(text), needle = Array(entry)
        guard !needle.isEmpty, needle.count <= chars.count else { return nil }
        var starts: [Int] = []
        for start in 0...(chars.count - needle.count) where chars[start..<start + needle.count].elementsEqual(needle) {
            starts.append(start)
        }
        guard let first = starts.first else { return nil }
        let start = starts.first { $0 <= position - 1 && position - 1 < $0 + needle.count } ?? first
        return String(chars[..<start]) + fix.corrected + String(chars[(start + needle.count)...])
    }
}

/// The newest draft found at start, as offered to the user.
public struct DraftSummary: Equatable, Sendable {
    public var id: String
    public var subject: String
    /// The draft's To, Cc and Bcc fields as typed: the offer shows each under its own label.
    public var to: String
    public var cc: String
    public var bcc: String
    public var savedAt: String
    public init(id: String, subject: String, to: String, cc: String = "", bcc: String = "", savedAt: String) {
        self.id = id
        self.subject = subject
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.savedAt = savedAt
    }
    /// A draft with only To recipients.
    public init(id: String, subject: String, recipients: String, savedAt: String) {
        self.init(id: id, subject: subject, to: recipients, savedAt: savedAt)
    }
}

/// A line for the status bar.
public struct StatusMessage: Equatable, Sendable {
    public var text: String
    public var isError: Bool
    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// What a key does in the composer. The key tables (`ComposeModel.commandBindings`,
/// `editingBindings`) map keys to these; the handler performs them and the legend and the help
/// are drawn from the same tables, so what is shown is what the keys do.
public enum ComposeAction: Equatable, Sendable {
    case edit(ComposeField)
    case attach, detach
    /// ↑ ↓ (k j): the previous or next attachment, by the key.
    case selectAttachment
    case externalEditor, send, undoHeld, openOutbox, postpone, quit, help
    /// F: apply the fix offered under an address field (`AddressSlips`).
    case applyFix
    /// A key that is bound to do nothing (Esc in command mode), so it is not reported as unknown.
    case nothing
    // While typing:
    case nextField, previousField, stopEditing
    /// Enter in a header field (in the body Enter is a new line).
    case finishField
    /// Ctrl-C, anywhere: leave at once, keeping the draft.
    case leaveKeepingDraft
    /// Ctrl-T in To, Cc, Bcc: the address picker.
    case openPicker
}

/// One row of a key table: the keys, how the legend and the help name them, and what they do.
public struct KeyBinding: Equatable, Sendable {
    public let keys: [Key]
    /// How the key is written in the legend and the help ("t", "Tab", "↑ ↓").
    public let name: String
    /// The legend's word for it; empty for a key that is only in the help.
    public let label: String
    /// The help's line for it.
    public let help: String
    public let action: ComposeAction

    public init(_ keys: [Key], _ name: String, _ label: String, _ help: String, _ action: ComposeAction) {
        self.keys = keys
        self.name = name
        self.label = label
        self.help = help
        self.action = action
    }

    public var inLegend: Bool { !label.isEmpty }
}

/// What the event loop must do after a key: the I/O the pure model cannot do itself.
public enum ComposeEffect: Equatable, Sendable {
    /// Check the file and add it (answer with `attachmentAdded` or `attachmentRefused`).
    case attach(path: String)
    case openExternalEditor
    /// Open the confirmation screen for this message (the user pressed `y`).
    case review
    /// Leave the composer; keep or delete the draft.
    case leave(keepDraft: Bool)
    case resumeDraft(id: String)
    case discardDraft(id: String)
    /// Take back the newest held message (before it is sent).
    case undoHeld
    /// Show the outbox: held, failed and interrupted messages.
    case openOutbox
    /// Read the address books and the send history and open the picker for this field
    /// (answer with `openPicker(_:)`).
    case openPicker(ComposeField)
}

/// The composer's state and its key handling. Pure: no I/O, no clock.
public struct ComposeModel: Equatable, Sendable {
    public var from: String
    public var accountName: String
    public var to: LineEditor
    public var cc: LineEditor
    public var bcc: LineEditor
    public var subject: LineEditor
    public var body: TextEditor
    public var attachments: [AttachmentItem]
    public var selectedAttachment: Int?
    public var mode: ComposeMode
    /// Parse errors of address fields, each invalid entry's reason in the order of the entries
    /// (at most `addressErrorLimit`), shown under the field.
    public private(set) var addressErrors: [ComposeField: [String]] = [:]
    /// The fix offered for each address field's first entry that has one (`AddressSlips`),
    /// shown under its errors and applied on F only.
    public private(set) var fixOffers: [ComposeField: AddressFixOffer] = [:]
    /// The first parse error of each address field.
    public var fieldErrors: [ComposeField: String] { addressErrors.compactMapValues(\.first) }
    /// The first line of the help box on screen (the help scrolls at small sizes).
    public var helpTop = 0
    public var status: StatusMessage?
    /// Messages held in the outbox, for the status line ("1 held: sends in 42 s — u undo · o outbox");
    /// set by the loop every second, shown when there is no status to show.
    public var heldLine: String?
    /// Goes up on every change to the message; the loop saves the draft when it moves.
    public private(set) var revision = 0

    /// An address field parsed, with the text it was parsed from: thousands of pasted
    /// addresses are parsed once, not on every look.
    struct ParsedField: Equatable, Sendable {
        var text: String
        var result: AddressListParse
        /// `fixOffer(text)` once worked out (`validate`); nil until then.
        var fixOffer: AddressFixOffer??
    }
    /// At most this many reasons per field: the screen shows a few, the count says the rest.
    static let addressErrorLimit = 20
    private var parsedFields: [ComposeField: ParsedField] = [:]

    public init(
        from: String, accountName: String, to: String = "", cc: String = "", bcc: String = "", subject: String = "",
        body: String = "", attachments: [AttachmentItem] = []
    ) {
        self.from = from
        self.accountName = accountName
        self.to = LineEditor(to)
        self.cc = LineEditor(cc)
        self.bcc = LineEditor(bcc)
        self.subject = LineEditor(subject)
        self.body = TextEditor(body)
        self.attachments = attachments
        self.selectedAttachment = attachments.isEmpty ? nil : 0
        // A message started with recipients goes straight to the body.
        mode = to.isEmpty ? .editing(.to) : (subject.isEmpty ? .editing(.subject) : .editing(.body))
        for field in [ComposeField.to, .cc, .bcc] where !lineEditor(field).text.isEmpty { validate(field) }
    }

    // MARK: Keys

    /// The command-mode keys, in legend order. The handler looks keys up here, and the legend
    /// and the help are drawn from here.
    public static let commandBindings: [KeyBinding] = [
        KeyBinding([.char("t")], "t", "To", "edit the To field", .edit(.to)),
        KeyBinding([.char("c")], "c", "Cc", "edit the Cc field", .edit(.cc)),
        KeyBinding([.char("b")], "b", "Bcc", "edit the Bcc field", .edit(.bcc)),
        KeyBinding([.char("s")], "s", "Subject", "edit the subject", .edit(.subject)),
        KeyBinding([.char("i"), .enter], "i", "Body", "edit the body here (Enter too)", .edit(.body)),
        KeyBinding([.char("a")], "a", "Attach", "attach a file (type or paste its path)", .attach),
        KeyBinding([.char("D")], "D", "Detach", "remove the selected attachment (↑ ↓ select)", .detach),
        KeyBinding([.char("e")], "e", "Editor", "edit the body in $VISUAL / $EDITOR / vi", .externalEditor),
        KeyBinding([.char("y")], "y", "Send", "check recipients and attachments, then send", .send),
        KeyBinding([.char("u")], "u", "Undo", "take back the newest held message (before it is sent)", .undoHeld),
        KeyBinding([.char("o")], "o", "Outbox", "held, failed and interrupted messages", .openOutbox),
        KeyBinding([.char("F")], "F", "", "apply the fix offered under an address field", .applyFix),
        KeyBinding([.char("P")], "P", "Postpone", "save the draft and leave", .postpone),
        KeyBinding([.char("q")], "q", "Quit", "leave; asks: save draft (Enter) / discard / back", .quit),
        KeyBinding([.char("?")], "?", "Help", "this help", .help),
        KeyBinding([.tab], "Tab", "", "start typing in the To field", .edit(.to)),
        KeyBinding([.up, .char("k"), .down, .char("j")], "↑ ↓", "", "select an attachment (k j too)", .selectAttachment),
        KeyBinding([.escape], "Esc", "", "after y, while the message is checked: stop waiting", .nothing)
    ]

    /// The keys that are not text while a field is being typed in, in legend order.
    public static let editingBindings: [KeyBinding] = [
        KeyBinding([.tab], "Tab", "Next field", "next field: To → Cc → Bcc → Subject → Body; nothing is completed", .nextField),
        KeyBinding([.backTab], "S-Tab", "Previous", "previous field", .previousField),
        KeyBinding([.escape], "Esc", "Commands", "stop typing, back to the command keys", .stopEditing),
        KeyBinding([.enter], "Enter", "", "in a header field: stop typing (in the body: a new line)", .finishField),
        KeyBinding([.control("t")], "^T", "", "in To, Cc, Bcc: search the address book and sent mail to pick", .openPicker),
        KeyBinding([.control("c")], "^C", "Leave, keep draft", "leave now, anywhere; the draft is kept", .leaveKeepingDraft)
    ]

    /// The command-mode legend as (key, label, help), from `commandBindings`.
    public static var commandKeys: [(key: String, label: String, help: String)] {
        commandBindings.filter(\.inLegend).map { ($0.name, $0.label, $0.help) }
    }

    static func binding(for key: Key, in table: [KeyBinding]) -> KeyBinding? {
        table.first { $0.keys.contains(key) }
    }

    /// Handles one key and returns what the loop must do. `height` is the screen's (the help
    /// box scrolls by its page).
    public mutating func handle(_ key: Key, width: Int, bodyHeight: Int, height: Int = 24) -> [ComposeEffect] {
        if let binding = Self.binding(for: key, in: Self.editingBindings), binding.action == .leaveKeepingDraft {
            leaveField()
            return [.leave(keepDraft: true)]
        }
        switch mode {
        case .editing(let field):
            return handleEditing(field, key, width: width, bodyHeight: bodyHeight)
        case .command:
            return handleCommand(key)
        case .attachPrompt(var editor):
            switch key {
            case .enter:
                let path = editor.text.trimmingSpaces
                mode = .command
                if path.isEmpty { return [] }
                return [.attach(path: path)]
            case .escape:
                mode = .command
                status = StatusMessage("No file attached.")
            case .paste(let text):
                // A path copied with its line break: the path alone, never an Enter.
                editor.insert(LineEditor.joinPastedLines(text, separator: " "))
                mode = .attachPrompt(editor)
            default:
                Self.edit(&editor, key)
                mode = .attachPrompt(editor)
            }
            return []
        case .quitPrompt:
            switch key {
            case .char("s"), .char("S"), .char("P"), .enter: return [.leave(keepDraft: true)]
            case .char("d"), .char("D"):
                if isLongDraft {
                    mode = .discardConfirm
                    return []
                }
                return [.leave(keepDraft: false)]
            case .paste: return []
            default:
                mode = .command
                return []
            }
        case .discardConfirm:
            switch key {
            case .char("y"), .char("Y"): return [.leave(keepDraft: false)]
            case .paste: return []
            default:
                // Not discarded: back to the question, where Enter still saves.
                mode = .quitPrompt
                return []
            }
        case .help:
            handleHelp(key, height: height)
            return []
        case .picker(var picker):
            switch picker.handle(key, rows: AddressPickerView.rows(height: height)) {
            case .stay: mode = .picker(picker)
            case .cancel:
                mode = .editing(picker.field)
                status = StatusMessage("Nothing inserted.")
            case .choose(let candidate): insertPicked(candidate, into: picker.field)
            }
            return []
        case .resumeOffer(let draft):
            switch key {
            case .char("r"), .char("R"), .enter:
                mode = .editing(.to)
                return [.resumeDraft(id: draft.id)]
            case .char("d"), .char("D"):
                mode = .editing(.to)
                status = StatusMessage("Draft discarded.")
                return [.discardDraft(id: draft.id)]
            case .char("n"), .char("N"), .escape:
                mode = .editing(.to)
                status = StatusMessage("The draft is kept; starting a new message.")
                return []
            default:
                return []
            }
        }
    }

    /// ↑ ↓ PgUp PgDn Home End scroll the help; any other key closes it (a paste does nothing).
    private mutating func handleHelp(_ key: Key, height: Int) {
        let page = max(1, ComposeView.helpWindow(height: height))
        let last = max(0, ComposeView.helpLines().count - page)
        switch key {
        case .up, .char("k"): helpTop = max(0, helpTop - 1)
        case .down, .char("j"): helpTop = min(last, helpTop + 1)
        case .pageUp: helpTop = max(0, helpTop - page)
        case .pageDown, .char(" "): helpTop = min(last, helpTop + page)
        case .home: helpTop = 0
        case .end: helpTop = last
        case .paste, .resize: break
        default:
            mode = .command
            helpTop = 0
        }
    }

    private mutating func handleEditing(_ field: ComposeField, _ key: Key, width: Int, bodyHeight: Int) -> [ComposeEffect] {
        if case .paste(let text) = key {
            paste(text, into: field, width: width, bodyHeight: bodyHeight)
            return []
        }
        if field == .body, key == .enter {
            body.insertNewline()
            changed()
            body.scrollToCursor(width: width, height: bodyHeight)
            return []
        }
        if let binding = Self.binding(for: key, in: Self.editingBindings) {
            switch binding.action {
            case .nextField:
                leaveField()
                mode = .editing(field.next)
            case .previousField:
                leaveField()
                mode = .editing(field.previous)
            case .stopEditing, .finishField:
                leaveField()
                mode = .command
            case .openPicker:
                guard field.isAddressField else {
                    status = StatusMessage("^T picks addresses: in To, Cc and Bcc.", isError: true)
                    return []
                }
                return [.openPicker(field)]
            default:
                break
            }
            return []
        }
        if field == .body {
            // Cheap change detection: joining a 5,000-line body on every key would cost more
            // than the whole redraw.
            let beforeCount = body.lines.count, beforeCursor = body.cursor, beforeLine = body.lines[body.cursor.line]
            switch key {
            case .text(let text): body.insert(text)
            case .backspace: body.deleteBackward()
            case .delete: body.deleteForward()
            case .left: body.moveLeft()
            case .right: body.moveRight()
            case .up: body.moveUp(width: width)
            case .down: body.moveDown(width: width)
            case .home, .control("a"): body.moveHome()
            case .end, .control("e"): body.moveEnd()
            case .pageUp: body.pageUp(width: width, height: bodyHeight)
            case .pageDown: body.pageDown(width: width, height: bodyHeight)
            default: break
            }
            let bodyChanged: Bool
            switch key {
            case .text(let text): bodyChanged = !text.isEmpty
            case .backspace, .delete:
                bodyChanged = body.lines.count != beforeCount || body.cursor != beforeCursor || body.lines[body.cursor.line] != beforeLine
            default: bodyChanged = false
            }
            if bodyChanged { changed() }
            body.scrollToCursor(width: width, height: bodyHeight)
            return []
        }
        // No address starts with @: typed where an entry starts, it opens the picker, as ^T.
        if field.isAddressField, key == .char("@") || key == .char("＠"), Self.atEmptyEntry(lineEditor(field)) {
            return [.openPicker(field)]
        }
        var editor = lineEditor(field)
        let before = editor.text
        Self.edit(&editor, key)
        setLineEditor(field, editor)
        if editor.text != before {
            changed()
            // The old verdict no longer applies to what is being typed.
            addressErrors[field] = nil
            fixOffers[field] = nil
        }
        return []
    }

    /// The cursor is in an address entry with nothing in it yet: the field is empty, or only
    /// blanks are between the cursor and the commas or semicolons around it.
    static func atEmptyEntry(_ editor: LineEditor) -> Bool {
        let characters = Array(editor.text)
        let before = characters[..<editor.cursor].reversed().prefix { $0 != "," && $0 != ";" }
        let after = characters[editor.cursor...].prefix { $0 != "," && $0 != ";" }
        return before.allSatisfy(\.isWhitespace) && after.allSatisfy(\.isWhitespace)
    }

    /// Pasted text goes into the field being edited and nowhere else: into the body exactly as
    /// pasted (newlines and tabs kept); into an address field with each line (or tab-separated
    /// cell) as one more address, joined by ", "; into the subject on one line. Nothing in it is
    /// ever a key (a newline does not leave the field, a tab does not move on).
    private mutating func paste(_ text: String, into field: ComposeField, width: Int, bodyHeight: Int) {
        guard !text.isEmpty else { return }
        if field == .body {
            body.insert(text)
            changed()
            body.scrollToCursor(width: width, height: bodyHeight)
            return
        }
        var editor = lineEditor(field)
        let before = editor.text
        if field.isAddressField {
            let chars = Array(before)
            let head = String(chars[..<editor.cursor]), tail = String(chars[editor.cursor...])
            editor.insert(LineEditor.addressPaste(text, before: head, after: tail))
        } else {
            editor.insert(LineEditor.joinPastedLines(text, separator: " "))
        }
        setLineEditor(field, editor)
        if editor.text != before {
            changed()
            addressErrors[field] = nil
            fixOffers[field] = nil
        }
    }

    private mutating func handleCommand(_ key: Key) -> [ComposeEffect] {
        status = nil
        if case .paste = key {
            status = StatusMessage(
                "Pasted text is never run as commands: press t, c, b, s or i to choose a field, then paste.", isError: true)
            return []
        }
        guard let binding = Self.binding(for: key, in: Self.commandBindings) else {
            status = StatusMessage("No command on that key; press ? for help.", isError: true)
            return []
        }
        switch binding.action {
        case .edit(let field): mode = .editing(field)
        case .attach: mode = .attachPrompt(LineEditor())
        case .detach:
            guard let index = selectedAttachment, attachments.indices.contains(index) else {
                status = StatusMessage("No attachment to detach.", isError: true)
                return []
            }
            let removed = attachments.remove(at: index)
            selectedAttachment = attachments.isEmpty ? nil : min(index, attachments.count - 1)
            status = StatusMessage("Detached \(removed.name).")
            changed()
        case .selectAttachment:
            guard let index = selectedAttachment else { break }
            let delta = key == .up || key == .char("k") ? -1 : 1
            selectedAttachment = min(max(0, index + delta), attachments.count - 1)
        case .externalEditor: return [.openExternalEditor]
        case .send:
            if let problem = sendBlocker() {
                status = StatusMessage(problem, isError: true)
            } else {
                return [.review]
            }
        case .applyFix: applyFix()
        case .undoHeld: return [.undoHeld]
        case .openOutbox: return [.openOutbox]
        case .postpone: return [.leave(keepDraft: true)]
        case .quit:
            // Nothing written: nothing to save or lose, so no question.
            if isEmptyMessage { return [.leave(keepDraft: true)] }
            mode = .quitPrompt
        case .help:
            mode = .help
            helpTop = 0
        case .nothing, .nextField, .previousField, .stopEditing, .finishField, .leaveKeepingDraft, .openPicker:
            break
        }
        return []
    }

    static func edit(_ editor: inout LineEditor, _ key: Key) {
        switch key {
        case .text(let text): editor.insert(text)
        case .backspace: editor.deleteBackward()
        case .delete: editor.deleteForward()
        case .left: editor.moveLeft()
        case .right: editor.moveRight()
        case .home, .control("a"): editor.moveHome()
        case .end, .control("e"): editor.moveEnd()
        case .control("k"): editor.deleteToEnd()
        case .control("w"): editor.deleteWordBackward()
        case .control("u"):
            editor.moveHome()
            editor.deleteToEnd()
        default: break
        }
    }

    // MARK: Results from the loop

    public mutating func attachmentAdded(_ item: AttachmentItem) {
        attachments.append(item)
        selectedAttachment = attachments.count - 1
        status = StatusMessage("Attached \(item.name).")
        changed()
    }

    public mutating func attachmentRefused(_ reason: String) {
        status = StatusMessage(reason, isError: true)
    }

    /// A file the message had (a resumed draft, the command line) that cannot be attached now:
    /// listed with its problem and kept in the draft until the user removes it (`D`).
    public mutating func attachmentMissing(path: String, problem: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        attachments.append(AttachmentItem(path: path, name: name, size: 0, contentType: "", problem: problem))
        selectedAttachment = attachments.count - 1
    }

    /// The body came back from the external editor.
    public mutating func bodyEdited(_ text: String) {
        guard text != body.text else {
            status = StatusMessage("The body is unchanged.")
            return
        }
        body = TextEditor(text)
        status = StatusMessage("Body updated from the editor.")
        changed()
    }

    // MARK: Validation

    public func lineEditor(_ field: ComposeField) -> LineEditor {
        switch field {
        case .to: return to
        case .cc: return cc
        case .bcc: return bcc
        case .subject, .body: return subject
        }
    }

    private mutating func setLineEditor(_ field: ComposeField, _ editor: LineEditor) {
        switch field {
        case .to: to = editor
        case .cc: cc = editor
        case .bcc: bcc = editor
        case .subject: subject = editor
        case .body: break
        }
    }

    private mutating func leaveField() {
        if case .editing(let field) = mode, field.isAddressField { validate(field) }
    }

    /// The field's addresses and the error of each invalid entry, parsed once per text.
    mutating func parsed(_ field: ComposeField) -> AddressListParse {
        let text = lineEditor(field).text
        if let cached = parsedFields[field], cached.text == text { return cached.result }
        let result = AddressParser.parseListRecovering(text)
        parsedFields[field] = ParsedField(text: text, result: result)
        return result
    }

    /// Parses an address field and records the error of each invalid entry (or clears them).
    public mutating func validate(_ field: ComposeField) {
        let failures = parsed(field).failures
        addressErrors[field] = failures.isEmpty ? nil : failures.prefix(Self.addressErrorLimit).map(\.error.description)
        // Looked for once per text, like the parse (`y` validates every field again).
        if let known = parsedFields[field]?.fixOffer {
            fixOffers[field] = known
        } else {
            let offer = Self.fixOffer(lineEditor(field).text)
            parsedFields[field]?.fixOffer = .some(offer)
            fixOffers[field] = offer
        }
    }

    /// The first entry of an address list (in the order of the text) that holds a slip of
    /// `AddressSlips`. Not only entries that fail to parse: `tanaka@example.jp様` parses (`jp様`
    /// is a well-formed internationalised top-level domain) but is still a slip.
    static func fixOffer(_ text: String) -> AddressFixOffer? {
        let pieces = PasteSplitter.splitOutside(text, at: ",")
        for (index, piece) in pieces.enumerated() {
            let entry = PasteSplitter.trim(piece)
            guard !entry.isEmpty, let fix = AddressSlips.fix(entry) else { continue }
            // The characters before the entry, counted only for the entry offered (not for
            // each of thousands of entries without a slip).
            let offset = pieces[..<index].reduce(0) { $0 + $1.count + 1 }
            return AddressFixOffer(entry: entry, position: offset + piece.prefix(while: \.isWhitespace).count + 1, fix: fix)
        }
        return nil
    }

    /// F: the first offered fix (To, then Cc, then Bcc) replaces its entry, and the field is
    /// checked again (the next slip, if any, is offered next).
    mutating func applyFix() {
        guard let field = [ComposeField.to, .cc, .bcc].first(where: { fixOffers[$0] != nil }), let offer = fixOffers[field] else {
            status = StatusMessage("No fix to apply: F fixes a slip offered under an address field.", isError: true)
            return
        }
        let text = lineEditor(field).text
        guard let fixed = offer.applied(to: text) else {
            fixOffers[field] = nil
            return
        }
        setLineEditor(field, LineEditor(fixed))
        changed()
        validate(field)
        status = StatusMessage("Fixed in \(field.label): '\(offer.entry)' → '\(offer.fix.corrected)'.")
    }

    // MARK: The address picker

    /// The loop read the candidates for `field`: the picker opens over the screen.
    public mutating func openPicker(_ field: ComposeField, candidates: [PickerCandidate], note: String? = nil) {
        openPicker(field, index: PickerIndex(candidates), note: note)
    }

    /// The same with the candidates made ready beforehand; `loading`: more are coming (`fillPicker`).
    public mutating func openPicker(_ field: ComposeField, index: PickerIndex, note: String? = nil, loading: Bool = false) {
        guard case .editing(field) = mode else { return }
        mode = .picker(AddressPicker(field: field, index: index, note: note, loading: loading))
    }

    /// The candidates the open picker waited for: the search runs again over them, and no row
    /// is moved to (see `AddressPicker.fill`). Nothing when the picker was closed meanwhile.
    public mutating func fillPicker(_ index: PickerIndex, note: String?) {
        guard case .picker(var picker) = mode else { return }
        picker.fill(index, note: note)
        mode = .picker(picker)
    }

    /// The chosen candidate goes in as `Name <address>`, after what the field holds (joined by
    /// ", "), and typing goes on in the field.
    mutating func insertPicked(_ candidate: PickerCandidate, into field: ComposeField) {
        var text = lineEditor(field).text.trimmingSpaces
        while text.hasSuffix(",") { text = String(text.dropLast()).trimmingSpaces }
        text = text.isEmpty ? candidate.formatted : text + ", " + candidate.formatted
        setLineEditor(field, LineEditor(text))
        changed()
        addressErrors[field] = nil
        fixOffers[field] = nil
        mode = .editing(field)
        status = StatusMessage("Inserted into \(field.label): \(candidate.formatted)")
    }

    // MARK: Leaving

    /// More words than this in the subject and body make a long draft: discarding it at the
    /// quit prompt needs a second, different key.
    public static let longDraftWords = 5

    /// No field holds anything but blanks and nothing is attached: `q` leaves without asking.
    public var isEmptyMessage: Bool {
        [to, cc, bcc, subject].allSatisfy { $0.text.trimmingSpaces.isEmpty } && body.text.allSatisfy(\.isWhitespace)
            && attachments.isEmpty
    }

    /// The words of the subject and the body: runs between blanks, and Japanese text (written
    /// without blanks) one word per three characters (rounded up).
    public var draftWords: Int { Self.words(subject.text) + Self.words(body.text) }

    public var isLongDraft: Bool { draftWords > Self.longDraftWords }

    static func words(_ text: String) -> Int {
        var count = 0
        for token in text.split(whereSeparator: \.isWhitespace) {
            let wide = token.filter { char in char.unicodeScalars.contains { DisplayWidth.isWide($0) } }.count
            count += wide == 0 ? 1 : max(1, (wide + 2) / 3 + (wide == token.count ? 0 : 1))
        }
        return count
    }

    /// Why `y` cannot proceed, or nil.
    public mutating func sendBlocker() -> String? {
        for field in [ComposeField.to, .cc, .bcc] { validate(field) }
        if let field = [ComposeField.to, .cc, .bcc].first(where: { addressErrors[$0] != nil }), let errors = addressErrors[field] {
            let more = errors.count > 1 ? " (and \(errors.count - 1) more invalid address\(errors.count == 2 ? "" : "es"))" : ""
            return "Fix the \(field.label) field first: \(errors[0])\(more)"
        }
        if let bad = attachments.first(where: { $0.problem != nil }) {
            return "The attachment \(bad.name) cannot be sent: \(bad.problem!). Select it (↑ ↓) and D to remove it, then a to attach a file again."
        }
        guard let recipients = parsedRecipients(), recipients.to.hasMailbox || recipients.cc.hasMailbox || recipients.bcc.hasMailbox else {
            return "No recipients: press t to type an address."
        }
        return nil
    }

    /// To, Cc and Bcc parsed, or nil when one of them does not parse.
    public mutating func parsedRecipients() -> (to: [AddressListEntry], cc: [AddressListEntry], bcc: [AddressListEntry])? {
        let (to, cc, bcc) = (parsed(.to), parsed(.cc), parsed(.bcc))
        guard to.failures.isEmpty, cc.failures.isEmpty, bcc.failures.isEmpty else { return nil }
        return (to.entries, cc.entries, bcc.entries)
    }

    /// Anything worth keeping as a draft.
    public var hasContent: Bool {
        ![to.text, cc.text, bcc.text, subject.text].allSatisfy(\.isEmpty) || !body.isEmpty || !attachments.isEmpty
    }

    /// The confirmation screen's first fix: external recipients leave To and Cc for Bcc; internal
    /// ones stay where they were. A recipient already in Bcc, or in both To and Cc, is written
    /// into Bcc once (by `RecipientKey`, the first spelling kept), as the envelope sends it.
    public mutating func moveToBcc(isInternal: (Mailbox) -> Bool) {
        var moved: [Mailbox] = []
        for field in [ComposeField.to, .cc] {
            guard let entries = try? AddressParser.parseList(lineEditor(field).text) else { continue }
            var kept: [String] = []
            for mailbox in entries.mailboxes {
                if isInternal(mailbox) { kept.append(mailbox.formatted) } else { moved.append(mailbox) }
            }
            setLineEditor(field, LineEditor(kept.joined(separator: ", ")))
        }
        guard !moved.isEmpty else { return }
        var inBcc = Set(((try? AddressParser.parseList(bcc.text)) ?? []).mailboxes.map(\.key))
        let added = moved.filter { inBcc.insert($0.key).inserted }
        bcc = LineEditor(([bcc.text.trimmingSpaces].filter { !$0.isEmpty } + added.map(\.formatted)).joined(separator: ", "))
        addressErrors = [:]
        fixOffers = [:]
        let count = moved.uniqueRecipients.count
        status = StatusMessage("Moved \(count) external recipient\(count == 1 ? "" : "s") to Bcc.")
        changed()
    }

    private mutating func changed() { revision += 1 }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}

extension TextEditor {
    /// True for an empty body, without joining its lines.
    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }
}
