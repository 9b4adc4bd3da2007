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
    public init(path: String, name: String, size: Int64, contentType: String) {
        self.path = path
        self.name = name
        self.size = size
        self.contentType = contentType
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
    case quitPrompt
    case help
    /// An unsent draft was found at start.
    case resumeOffer(DraftSummary)
}

/// The newest draft found at start, as offered to the user.
public struct DraftSummary: Equatable, Sendable {
    public var id: String
    public var subject: String
    public var recipients: String
    public var savedAt: String
    public init(id: String, subject: String, recipients: String, savedAt: String) {
        self.id = id
        self.subject = subject
        self.recipients = recipients
        self.savedAt = savedAt
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
    /// Parse errors of address fields, shown under the field.
    public private(set) var fieldErrors: [ComposeField: String] = [:]
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
        var result: Result<[AddressListEntry], AddressError>
    }
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

    /// The command-mode bindings: the legend and the help screen are drawn from this table.
    public static let commandKeys: [(key: String, label: String, help: String)] = [
        ("t", "To", "edit the To field"),
        ("c", "Cc", "edit the Cc field"),
        ("b", "Bcc", "edit the Bcc field"),
        ("s", "Subject", "edit the subject"),
        ("i", "Body", "edit the body here"),
        ("a", "Attach", "attach a file (type or paste its path)"),
        ("D", "Detach", "remove the selected attachment (↑ ↓ select)"),
        ("e", "Editor", "edit the body in $VISUAL / $EDITOR / vi"),
        ("y", "Send", "check recipients and attachments, then send"),
        ("u", "Undo", "take back the newest held message (before it is sent)"),
        ("o", "Outbox", "held, failed and interrupted messages"),
        ("P", "Postpone", "save the draft and leave"),
        ("q", "Quit", "leave (asks: save draft / discard / back)"),
        ("?", "Help", "this help"),
    ]

    /// Handles one key and returns what the loop must do.
    public mutating func handle(_ key: Key, width: Int, bodyHeight: Int) -> [ComposeEffect] {
        if key == .control("c") {
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
            default:
                Self.edit(&editor, key)
                mode = .attachPrompt(editor)
            }
            return []
        case .quitPrompt:
            switch key {
            case .char("s"), .char("S"), .char("P"): return [.leave(keepDraft: true)]
            case .char("d"), .char("D"): return [.leave(keepDraft: false)]
            default:
                mode = .command
                return []
            }
        case .help:
            mode = .command
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

    private mutating func handleEditing(_ field: ComposeField, _ key: Key, width: Int, bodyHeight: Int) -> [ComposeEffect] {
        switch key {
        case .tab:
            leaveField()
            mode = .editing(field.next)
            return []
        case .backTab:
            leaveField()
            mode = .editing(field.previous)
            return []
        case .escape:
            leaveField()
            mode = .command
            return []
        default:
            break
        }
        if field == .body {
            // Cheap change detection: joining a 5,000-line body on every key would cost more
            // than the whole redraw.
            let beforeCount = body.lines.count, beforeCursor = body.cursor, beforeLine = body.lines[body.cursor.line]
            switch key {
            case .enter: body.insertNewline()
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
            case .enter: bodyChanged = true
            case .text(let text): bodyChanged = !text.isEmpty
            case .backspace, .delete:
                bodyChanged = body.lines.count != beforeCount || body.cursor != beforeCursor || body.lines[body.cursor.line] != beforeLine
            default: bodyChanged = false
            }
            if bodyChanged { changed() }
            body.scrollToCursor(width: width, height: bodyHeight)
            return []
        }
        if key == .enter {
            leaveField()
            mode = .command
            return []
        }
        var editor = lineEditor(field)
        let before = editor.text
        Self.edit(&editor, key)
        setLineEditor(field, editor)
        if editor.text != before {
            changed()
            // The old verdict no longer applies to what is being typed.
            fieldErrors[field] = nil
        }
        return []
    }

    private mutating func handleCommand(_ key: Key) -> [ComposeEffect] {
        status = nil
        switch key {
        case .char("t"): mode = .editing(.to)
        case .char("c"): mode = .editing(.cc)
        case .char("b"): mode = .editing(.bcc)
        case .char("s"): mode = .editing(.subject)
        case .char("i"), .enter: mode = .editing(.body)
        case .tab: mode = .editing(.to)
        case .char("a"): mode = .attachPrompt(LineEditor())
        case .char("D"):
            guard let index = selectedAttachment, attachments.indices.contains(index) else {
                status = StatusMessage("No attachment to detach.", isError: true)
                return []
            }
            let removed = attachments.remove(at: index)
            selectedAttachment = attachments.isEmpty ? nil : min(index, attachments.count - 1)
            status = StatusMessage("Detached \(removed.name).")
            changed()
        case .up, .char("k"):
            if let index = selectedAttachment, index > 0 { selectedAttachment = index - 1 }
        case .down, .char("j"):
            if let index = selectedAttachment, index + 1 < attachments.count { selectedAttachment = index + 1 }
        case .char("e"): return [.openExternalEditor]
        case .char("y"):
            if let problem = sendBlocker() {
                status = StatusMessage(problem, isError: true)
            } else {
                return [.review]
            }
        case .char("u"): return [.undoHeld]
        case .char("o"): return [.openOutbox]
        case .char("P"): return [.leave(keepDraft: true)]
        case .char("q"): mode = .quitPrompt
        case .char("?"): mode = .help
        case .escape: break
        default:
            status = StatusMessage("No command on that key; press ? for help.", isError: true)
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

    /// The field's addresses, parsed once per text.
    mutating func parsed(_ field: ComposeField) -> Result<[AddressListEntry], AddressError> {
        let text = lineEditor(field).text
        if let cached = parsedFields[field], cached.text == text { return cached.result }
        let result: Result<[AddressListEntry], AddressError>
        do {
            result = .success(try AddressParser.parseList(text))
        } catch {
            result = .failure(error)
        }
        parsedFields[field] = ParsedField(text: text, result: result)
        return result
    }

    /// Parses an address field and records its error (or clears it).
    public mutating func validate(_ field: ComposeField) {
        switch parsed(field) {
        case .success: fieldErrors[field] = nil
        case .failure(let error): fieldErrors[field] = error.description
        }
    }

    /// Why `y` cannot proceed, or nil.
    public mutating func sendBlocker() -> String? {
        for field in [ComposeField.to, .cc, .bcc] { validate(field) }
        if let field = [ComposeField.to, .cc, .bcc].first(where: { fieldErrors[$0] != nil }) {
            return "Fix the \(field.label) field first: \(fieldErrors[field]!)"
        }
        guard let recipients = parsedRecipients(), !(recipients.to + recipients.cc + recipients.bcc).mailboxes.isEmpty else {
            return "No recipients: press t to type an address."
        }
        return nil
    }

    /// To, Cc and Bcc parsed, or nil when one of them does not parse.
    public mutating func parsedRecipients() -> (to: [AddressListEntry], cc: [AddressListEntry], bcc: [AddressListEntry])? {
        guard case .success(let to) = parsed(.to), case .success(let cc) = parsed(.cc), case .success(let bcc) = parsed(.bcc) else {
            return nil
        }
        return (to, cc, bcc)
    }

    /// Anything worth keeping as a draft.
    public var hasContent: Bool {
        ![to.text, cc.text, bcc.text, subject.text].allSatisfy(\.isEmpty) || !body.isEmpty || !attachments.isEmpty
    }

    /// The confirmation screen's first fix: external recipients leave To and Cc for Bcc; internal
    /// ones stay where they were.
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
        bcc = LineEditor(([bcc.text.trimmingSpaces].filter { !$0.isEmpty } + moved.map(\.formatted)).joined(separator: ", "))
        fieldErrors = [:]
        status = StatusMessage("Moved \(moved.count) external recipient\(moved.count == 1 ? "" : "s") to Bcc.")
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
