// Themes: semantic roles mapped to colours and attributes, so views never name a colour.
//
// A view paints cells with a `Role`; the terminal asks the theme for the role's `Style`.
// Theme files are TOML (see `Themes/default.toml`):
//
//   name = "mine"                      # optional; must match the file name when present
//   description = "…"
//   [roles]
//   normal = {}
//   external = { fg = "red", bold = true }
//
// A role that is not listed takes `normal`'s style; a listed role takes from `normal` whatever
// it does not set itself (so `normal = { bg = "black" }` gives every role a black background,
// and `bold = false` switches off a `bold` set on `normal`).

import GuardTOML

/// What a piece of the screen is, never what colour it is.
public enum Role: String, CaseIterable, Sendable {
    /// Everything without a role of its own; what the other roles inherit from.
    case normal
    /// The top line: "guardmail — new message".
    case title
    /// A field's label: "From:", "To:".
    case label
    /// A field's text.
    case field
    /// The field being edited.
    case fieldActive
    /// Hint text in an empty field.
    case placeholder
    /// An address in the sender's own organisation.
    case `internal`
    /// An address outside it.
    case external
    /// A recipient never written to before.
    case new
    /// A domain that looks like a known one (examp1e.co.jp for example.co.jp).
    case lookalike
    /// Errors, invalid addresses, what blocks sending.
    case danger
    /// What deserves a second look but does not block.
    case warning
    /// A check that passed; "sent".
    case ok
    /// The selected item of a list (an attachment).
    case selected
    /// A section heading (confirmation screen, help).
    case header
    /// Separator lines and box borders.
    case border
    /// The status line: the last message.
    case status
    /// Help text.
    case help
    /// The key legend at the bottom.
    case legend
    /// The keys inside the legend.
    case legendKey
    /// The line the cursor is on.
    case cursorLine
}

/// A terminal colour: the terminal's own, or one of the 256 indexed colours
/// (0–7 the basic eight, 8–15 their bright variants).
public enum Color: Sendable, Hashable, CustomStringConvertible {
    /// The terminal's default foreground or background.
    case `default`
    case ansi(UInt8)

    /// The eight basic colours, in index order.
    public static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)

    /// "default", a basic name ("red"), or "bright-" and a basic name ("bright-red"); case is ignored.
    public init?(name: String) {
        let lower = name.lowercased()
        if lower == "default" {
            self = .default
            return
        }
        var base = Substring(lower)
        var offset: UInt8 = 0
        if base.hasPrefix("bright-") {
            base = base.dropFirst("bright-".count)
            offset = 8
        }
        guard let index = Color.names.firstIndex(of: String(base)) else { return nil }
        self = .ansi(UInt8(index) + offset)
    }

    /// As it would be written in a theme file: `"red"`, `"bright-red"`, `"default"` or `208`.
    public var description: String {
        switch self {
        case .default: return "\"default\""
        case .ansi(let n) where n < 8: return "\"\(Color.names[Int(n)])\""
        case .ansi(let n) where n < 16: return "\"bright-\(Color.names[Int(n) - 8])\""
        case .ansi(let n): return "\(n)"
        }
    }
}

/// How one role is drawn.
public struct Style: Sendable, Hashable, CustomStringConvertible {
    public var foreground: Color
    public var background: Color
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool
    public var dim: Bool

    public init(
        foreground: Color = .default, background: Color = .default,
        bold: Bool = false, underline: Bool = false, reverse: Bool = false, dim: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
        self.dim = dim
    }

    /// The terminal's own colours, no attributes.
    public static let plain = Style()

    /// The same attributes in the terminal's own colours.
    public func withoutColour() -> Style {
        var copy = self
        copy.foreground = .default
        copy.background = .default
        return copy
    }

    public var hasColour: Bool { foreground != .default || background != .default }

    /// As it would be written in a theme file: `{ fg = "red", bold = true }`, or `{}`.
    public var description: String {
        var parts: [String] = []
        if foreground != .default { parts.append("fg = \(foreground)") }
        if background != .default { parts.append("bg = \(background)") }
        if bold { parts.append("bold = true") }
        if underline { parts.append("underline = true") }
        if reverse { parts.append("reverse = true") }
        if dim { parts.append("dim = true") }
        return parts.isEmpty ? "{}" : "{ " + parts.joined(separator: ", ") + " }"
    }

    /// The ANSI SGR sequence that selects exactly this style (it starts by resetting):
    /// `{ fg = "red", bold = true }` gives "ESC[0;1;31m".
    public var sgr: String {
        var codes = ["0"]
        if bold { codes.append("1") }
        if dim { codes.append("2") }
        if underline { codes.append("4") }
        if reverse { codes.append("7") }
        if case .ansi(let n) = foreground {
            codes.append(n < 8 ? "\(30 + Int(n))" : n < 16 ? "\(90 + Int(n) - 8)" : "38;5;\(n)")
        }
        if case .ansi(let n) = background {
            codes.append(n < 8 ? "\(40 + Int(n))" : n < 16 ? "\(100 + Int(n) - 8)" : "48;5;\(n)")
        }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    /// Back to the terminal's defaults.
    public static let sgrReset = "\u{1B}[0m"
}

/// A complete mapping from every role to its style.
public struct Theme: Sendable, Equatable {
    public let name: String
    public let description: String
    private let styles: [Role: Style]

    /// Roles missing from `styles` take the style of `.normal` (or `Style.plain` if that is missing too).
    public init(name: String, description: String = "", styles: [Role: Style]) {
        self.name = name
        self.description = description
        let normal = styles[.normal] ?? .plain
        var all: [Role: Style] = [:]
        for role in Role.allCases { all[role] = styles[role] ?? normal }
        self.styles = all
    }

    /// Everything in the terminal's own colours, no attributes: a fallback that always works.
    public static let plain = Theme(name: "plain", description: "The terminal's own colours, no attributes", styles: [:])

    public func style(_ role: Role) -> Style { styles[role] ?? .plain }

    /// The same theme with every colour dropped and every attribute kept (for NO_COLOR).
    public func withoutColour() -> Theme {
        Theme(name: name, description: description, styles: styles.mapValues { $0.withoutColour() })
    }
}

/// A theme that cannot be used: "themes/mine.toml:7: unknown role 'exteral' in [roles]; did you mean 'external'?"
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No user theme file and no built-in theme has the name (or the name is not a plain name).
        case unknownTheme
        /// The file is not valid TOML, or not a valid theme.
        case invalid
    }

    public let kind: Kind
    /// The theme file, or nil when there is none (unknown theme).
    public let file: String?
    public let line: Int?
    /// Only for TOML syntax errors.
    public let column: Int?
    /// The dotted key the error is about, e.g. "roles.danger.fg" ("" when none).
    public let key: String
    /// The text after "file:line: ".
    public let message: String

    public init(kind: Kind, file: String?, line: Int?, column: Int? = nil, key: String, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    init(_ error: TOMLSchemaError) {
        self.init(
            kind: .invalid, file: error.file, line: error.line, column: error.column, key: error.key,
            message: error.message)
    }

    public var description: String {
        guard let file else { return message }
        var place = file
        if let line {
            place += ":\(line)"
            if let column { place += ":\(column)" }
        }
        return "\(place): \(message)"
    }
}

public enum ThemeLoader {
    /// The built-in themes, `default` first.
    public static let builtinNames: [String] = BuiltinThemes.files.map(\.name)

    /// The keys a role's table may hold.
    public static let attributeNames = ["fg", "bg", "bold", "underline", "reverse", "dim"]

    /// The theme `name`, from the user's `<userThemesDirectory>/NAME.toml` if `readFile` finds it,
    /// else built in. `readFile` returns nil for a file that does not exist (or cannot be read).
    /// With `noColor`, colours are dropped and attributes kept.
    public static func load(
        named name: String, userThemesDirectory: String?, readFile: (String) -> String?,
        noColor: Bool
    ) throws(ThemeError) -> Theme {
        guard isPlainName(name) else {
            throw ThemeError(
                kind: .unknownTheme, file: nil, line: nil, key: "",
                message: "'\(name)' is not a theme name: a name is a file name without '/' or a leading '.', "
                    + "such as 'default' or 'mine'")
        }
        let theme: Theme
        if let directory = userThemesDirectory, let text = readFile(userThemePath(name, in: directory)) {
            theme = try parse(text, file: userThemePath(name, in: directory))
        } else if let builtin = builtin(name) {
            theme = builtin
        } else {
            let hint = closest(to: name, among: builtinNames).map { " (did you mean '\($0)'?)" } ?? ""
            var message = "no theme named '\(name)'\(hint): the built-in themes are " + builtinNames.joined(separator: ", ")
            if let directory = userThemesDirectory {
                message += "; your own are files NAME.toml in \(directory)"
            }
            throw ThemeError(kind: .unknownTheme, file: nil, line: nil, key: "", message: message)
        }
        return noColor ? theme.withoutColour() : theme
    }

    /// Where the user's theme `name` lives: `<directory>/NAME.toml`.
    public static func userThemePath(_ name: String, in directory: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + name + ".toml"
    }

    /// Whether a NO_COLOR environment value asks for no colour (https://no-color.org: set and non-empty).
    public static func noColor(environmentValue value: String?) -> Bool {
        guard let value else { return false }
        return !value.isEmpty
    }

    /// A built-in theme by name. Only that one is parsed: the composer's start needs one theme,
    /// not all of them (`ThemeTests` parses every built-in one).
    public static func builtin(_ name: String) -> Theme? {
        guard let file = BuiltinThemes.files.first(where: { $0.name == name }) else { return nil }
        do {
            return try parse(file.text, file: "Themes/\(file.name).toml")
        } catch {
            preconditionFailure("built-in theme: \(error) (fix Themes/ and run scripts/embed-themes.sh)")
        }
    }

    /// Parses a theme file. `file` names it in errors; its name without ".toml" is the theme's name.
    public static func parse(_ text: String, file: String) throws(ThemeError) -> Theme {
        do {
            return try read(text, file: file)
        } catch {
            throw ThemeError(error)
        }
    }

    /// What a role's table says; nil fields are taken from `normal`.
    private struct Spec {
        var foreground: Color?
        var background: Color?
        var bold: Bool?
        var underline: Bool?
        var reverse: Bool?
        var dim: Bool?

        func applied(to base: Style) -> Style {
            Style(
                foreground: foreground ?? base.foreground, background: background ?? base.background,
                bold: bold ?? base.bold, underline: underline ?? base.underline,
                reverse: reverse ?? base.reverse, dim: dim ?? base.dim)
        }
    }

    private static func read(_ text: String, file: String) throws(TOMLSchemaError) -> Theme {
        var root = try TOMLTableReader.parse(text, file: file)
        let stem = fileStem(file)
        let name = try root.optional("name", as: String.self)
        let description = try root.optional("description", as: String.self) ?? ""
        var specs: [Role: Spec] = [:]
        if var roles = try root.table("roles") {
            for (key, node) in roles.table.entries {
                guard let role = Role(rawValue: key) else {
                    let hint =
                        closest(to: key, among: Role.allCases.map(\.rawValue)).map { "; did you mean '\($0)'?" }
                        ?? " (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))"
                    throw TOMLSchemaError(
                        kind: .unknownKey, file: file, line: roles.position(of: key)?.line,
                        key: roles.fullKey(key), message: "unknown role '\(key)' in [roles]\(hint)")
                }
                _ = roles.node(key)
                guard let table = node.tableValue else {
                    throw TOMLSchemaError(
                        kind: .wrongType, file: file, line: node.position.line, key: roles.fullKey(key),
                        message: "'\(roles.fullKey(key))' must be a table such as { fg = \"red\", bold = true }, "
                            + "found \(node.typeName)")
                }
                var reader = TOMLTableReader(table, path: roles.fullKey(key), file: file)
                specs[role] = try spec(&reader)
            }
            try roles.finish()
        }
        try root.finish()
        if let name, name != stem {
            throw root.invalid(
                "name",
                "is '\(name)' but the file is named '\(stem).toml': a theme's name is its file "
                    + "name, so make them the same (or leave 'name' out)")
        }
        let normal = (specs[.normal] ?? Spec()).applied(to: .plain)
        var styles: [Role: Style] = [:]
        for role in Role.allCases {
            styles[role] = (specs[role] ?? Spec()).applied(to: normal)
        }
        return Theme(name: name ?? stem, description: description, styles: styles)
    }

    private static func spec(_ reader: inout TOMLTableReader) throws(TOMLSchemaError) -> Spec {
        for key in reader.table.keys where !attributeNames.contains(key) {
            let hint = closest(to: key, among: attributeNames).map { "did you mean '\($0)'? " } ?? ""
            throw TOMLSchemaError(
                kind: .unknownKey, file: reader.file, line: reader.position(of: key)?.line, key: reader.fullKey(key),
                message: "unknown attribute '\(key)' in [\(reader.path)] (\(hint)attributes: "
                    + attributeNames.joined(separator: ", ") + ")")
        }
        var spec = Spec()
        spec.foreground = try colour(&reader, "fg")
        spec.background = try colour(&reader, "bg")
        spec.bold = try reader.optional("bold", as: Bool.self)
        spec.underline = try reader.optional("underline", as: Bool.self)
        spec.reverse = try reader.optional("reverse", as: Bool.self)
        spec.dim = try reader.optional("dim", as: Bool.self)
        try reader.finish()
        return spec
    }

    private static let colourChoices = "(black, red, …, bright-white, default, or 0–255)"

    private static func colour(_ reader: inout TOMLTableReader, _ key: String) throws(TOMLSchemaError) -> Color? {
        guard let node = reader.node(key) else { return nil }
        switch node.value {
        case .string(let name):
            guard let colour = Color(name: name) else {
                throw reader.invalid(key, "'\(name)' is not a colour \(colourChoices)")
            }
            return colour
        case .integer(let n):
            guard let index = UInt8(exactly: n) else { throw reader.invalid(key, "\(n) is not a colour \(colourChoices)") }
            return .ansi(index)
        default:
            throw TOMLSchemaError(
                kind: .wrongType, file: reader.file, line: node.position.line, key: reader.fullKey(key),
                message: "'\(reader.fullKey(key))' must be a colour name or a number 0–255, found \(node.typeName)")
        }
    }

    /// "themes/mine.toml" → "mine".
    static func fileStem(_ file: String) -> String {
        let base = file.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? file
        return base.hasSuffix(".toml") ? String(base.dropLast(".toml".count)) : base
    }

    /// A name that can only mean a file directly inside the themes folder.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0")
    }

    /// The candidate nearest to `word` by edit distance, if it is close enough to be a typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let target = Array(word.lowercased().unicodeScalars)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = editDistance(target, Array(candidate.lowercased().unicodeScalars))
            if d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        guard let best, best.distance <= max(1, min(2, target.count / 3)) else { return nil }
        return best.name
    }

    /// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: "ligth" → "light" is one.
    private static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
