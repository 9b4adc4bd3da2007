import Foundation
import Testing
@testable import TUI

/// What a user sees of a style: colours after `reverse` has swapped them, and the other attributes.
private struct Appearance: Hashable, CustomStringConvertible {
    enum Ink: Hashable {
        case terminalForeground, terminalBackground
        case colour(UInt8)
    }
    var foreground: Ink
    var background: Ink
    var bold, underline, dim: Bool

    init(_ style: Style) {
        var fg: Ink = if case .ansi(let n) = style.foreground { .colour(n) } else { .terminalForeground }
        var bg: Ink = if case .ansi(let n) = style.background { .colour(n) } else { .terminalBackground }
        if style.reverse { swap(&fg, &bg) }
        foreground = fg
        background = bg
        bold = style.bold
        underline = style.underline
        dim = style.dim
    }

    var description: String { "\(foreground) on \(background) bold:\(bold) underline:\(underline) dim:\(dim)" }
}

private func themeError(_ text: String, file: String = "themes/mine.toml") -> ThemeError? {
    do {
        _ = try ThemeLoader.parse(text, file: file)
        return nil
    } catch {
        return error
    }
}

/// The repository's Themes/ folder, found from this file's path.
private let themesDirectory: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Tests/TUITests/ThemeTests.swift
    return parts.joined(separator: "/") + "/Themes"
}()

/// The roles that must never look alike: the address classes, the problems, and the selection.
private let criticalRoles: [Role] = [.normal, .internal, .external, .new, .lookalike, .danger, .warning, .selected]

@Suite struct ThemeParsingTests {
    @Test(
        "Colour names, bright names, default and indexes",
        arguments: [
            ("\"default\"", Color.default), ("\"black\"", .ansi(0)), ("\"red\"", .ansi(1)), ("\"white\"", .ansi(7)),
            ("\"bright-black\"", .ansi(8)), ("\"bright-red\"", .ansi(9)), ("\"bright-white\"", .ansi(15)),
            ("\"Bright-Cyan\"", .ansi(14)), ("0", .ansi(0)), ("208", .ansi(208)), ("255", .ansi(255))
        ])
    func colours(written: String, expected: Color) throws {
        let theme = try ThemeLoader.parse("[roles]\nnormal = { fg = \(written), bg = \(written) }\n", file: "t.toml")
        #expect(theme.style(.normal).foreground == expected)
        #expect(theme.style(.normal).background == expected)
    }

    @Test(
        "Each role's table becomes its style",
        arguments: [
            ("{}", Style()),
            ("{ bold = true }", Style(bold: true)),
            ("{ underline = true, dim = true }", Style(underline: true, dim: true)),
            ("{ reverse = true }", Style(reverse: true)),
            ("{ fg = \"red\", bold = true }", Style(foreground: .red, bold: true)),
            ("{ fg = \"white\", bg = \"red\", bold = true }", Style(foreground: .white, background: .red, bold: true)),
            ("{ fg = 208, bg = \"bright-black\" }", Style(foreground: .ansi(208), background: .ansi(8))),
            ("{ bold = false, fg = \"default\" }", Style())
        ])
    func roleStyles(table: String, expected: Style) throws {
        let theme = try ThemeLoader.parse("[roles]\nexternal = \(table)\n", file: "t.toml")
        #expect(theme.style(.external) == expected)
    }

    @Test("The whole format: name, description, inline tables, [roles.x] tables and dotted keys")
    func wholeFile() throws {
        let theme = try ThemeLoader.parse(
            """
            # a comment
            name = "mine"
            description = "Mine — 日本語も"

            [roles]
            normal = {}
            title = { bold = true }
            danger.fg = "red"
            danger.reverse = true

            [roles.selected]
            reverse = true
            underline = true
            """, file: "/home/u/.config/guardmail/themes/mine.toml")
        #expect(theme.name == "mine")
        #expect(theme.description == "Mine — 日本語も")
        #expect(theme.style(.title) == Style(bold: true))
        #expect(theme.style(.danger) == Style(foreground: .red, reverse: true))
        #expect(theme.style(.selected) == Style(underline: true, reverse: true))
        #expect(theme.style(.external) == Style())
    }

    @Test("Without a name the file's name is the theme's; an empty file is a plain theme")
    func nameFromFile() throws {
        let theme = try ThemeLoader.parse("", file: "/x/themes/quiet.toml")
        #expect(theme.name == "quiet")
        #expect(theme.description == "")
        for role in Role.allCases { #expect(theme.style(role) == .plain) }
        #expect(theme == Theme(name: "quiet", styles: [:]))
    }

    @Test("A role not listed looks like normal")
    func unlistedRolesInheritNormal() throws {
        let theme = try ThemeLoader.parse(
            """
            [roles]
            normal = { fg = "bright-white", bg = "black", underline = true }
            danger = { fg = "red" }
            """, file: "t.toml")
        let normal = Style(foreground: .ansi(15), background: .black, underline: true)
        #expect(theme.style(.normal) == normal)
        for role in Role.allCases where role != .danger {
            #expect(theme.style(role) == normal, "\(role)")
        }
    }

    @Test("A listed role takes from normal what it does not set, and can switch attributes off")
    func listedRolesInheritUnsetFields() throws {
        let theme = try ThemeLoader.parse(
            """
            [roles]
            normal = { fg = "bright-white", bg = "black", bold = true }
            danger = { fg = "red", reverse = true }
            ok = { bold = false, bg = "default" }
            """, file: "t.toml")
        #expect(theme.style(.danger) == Style(foreground: .red, background: .black, bold: true, reverse: true))
        #expect(theme.style(.ok) == Style(foreground: .ansi(15)))
    }

    @Test("Theme(styles:) fills the missing roles with normal's style")
    func initFillsFromNormal() {
        let theme = Theme(name: "x", styles: [.normal: Style(dim: true), .danger: Style(bold: true)])
        #expect(theme.style(.warning) == Style(dim: true))
        #expect(theme.style(.danger) == Style(bold: true))
        #expect(Theme.plain.style(.danger) == .plain)
    }

    @Test("A style's description is the file syntax and reads back as the same style")
    func descriptionRoundTrip() throws {
        for name in ThemeLoader.builtinNames {
            let theme = try #require(ThemeLoader.builtin(name))
            let text = "[roles]\n" + Role.allCases.map { "\($0.rawValue) = \(theme.style($0))" }.joined(separator: "\n")
            #expect(
                try ThemeLoader.parse(text, file: "\(name).toml")
                    == Theme(
                        name: name,
                        styles: Dictionary(
                            uniqueKeysWithValues: Role.allCases.map { ($0, theme.style($0)) })))
        }
        #expect(
            Style(foreground: .ansi(9), background: .ansi(200), bold: true, dim: true).description
                == #"{ fg = "bright-red", bg = 200, bold = true, dim = true }"#)
        #expect(Style().description == "{}")
    }

    @Test(
        "SGR sequences",
        arguments: [
            (Style(), "\u{1B}[0m"),
            (Style(foreground: .red, bold: true), "\u{1B}[0;1;31m"),
            (Style(foreground: .ansi(9), background: .ansi(12)), "\u{1B}[0;91;104m"),
            (Style(foreground: .ansi(208), background: .ansi(236)), "\u{1B}[0;38;5;208;48;5;236m"),
            (Style(bold: true, underline: true, reverse: true, dim: true), "\u{1B}[0;1;2;4;7m"),
            (Style(foreground: .white, background: .black), "\u{1B}[0;37;40m")
        ])
    func sgr(style: Style, expected: String) {
        #expect(style.sgr == expected)
    }
}

@Suite struct ThemeErrorTests {
    @Test(
        "Errors name the file, the line and the key",
        arguments: [
            // Unknown role, with a suggestion when it looks like a typo.
            (
                "name = \"mine\"\n[roles]\nnormal = {}\nexteral = { fg = \"red\" }\n",
                "themes/mine.toml:4: unknown role 'exteral' in [roles]; did you mean 'external'?"
            ),
            ("[roles]\nNormal = {}\n", "themes/mine.toml:2: unknown role 'Normal' in [roles]; did you mean 'normal'?"),
            (
                "[roles]\nsparkle = {}\n",
                "themes/mine.toml:2: unknown role 'sparkle' in [roles] (roles: normal, title, label, field, fieldActive, "
                    + "placeholder, internal, external, new, lookalike, danger, warning, ok, selected, header, border, "
                    + "status, help, legend, legendKey, cursorLine)"
            ),
            (
                "[roles]\n\n[roles.exteral]\nbold = true\n",
                "themes/mine.toml:3: unknown role 'exteral' in [roles]; did you mean 'external'?"
            ),
            // Colours.
            (
                "[roles]\ndanger = { fg = \"rde\" }\n",
                "themes/mine.toml:2: 'roles.danger.fg' 'rde' is not a colour (black, red, …, bright-white, default, or 0–255)"
            ),
            (
                "[roles]\ndanger = { bg = \"bright-orange\" }\n",
                "themes/mine.toml:2: 'roles.danger.bg' 'bright-orange' is not a colour (black, red, …, bright-white, default, or 0–255)"
            ),
            (
                "[roles]\n[roles.danger]\nbold = true\nfg = 256\n",
                "themes/mine.toml:4: 'roles.danger.fg' 256 is not a colour (black, red, …, bright-white, default, or 0–255)"
            ),
            (
                "[roles]\ndanger = { fg = -1 }\n",
                "themes/mine.toml:2: 'roles.danger.fg' -1 is not a colour (black, red, …, bright-white, default, or 0–255)"
            ),
            (
                "[roles]\ndanger = { fg = true }\n",
                "themes/mine.toml:2: 'roles.danger.fg' must be a colour name or a number 0–255, found a boolean"
            ),
            (
                "[roles]\ndanger = { fg = 1.5 }\n",
                "themes/mine.toml:2: 'roles.danger.fg' must be a colour name or a number 0–255, found a float"
            ),
            // Attributes.
            ("[roles]\ntitle = { bold = \"yes\" }\n", "themes/mine.toml:2: 'roles.title.bold' must be a boolean, found a string"),
            ("roles.title.dim = 1\n", "themes/mine.toml:1: 'roles.title.dim' must be a boolean, found an integer"),
            (
                "[roles]\ntitle = { italic = true }\n",
                "themes/mine.toml:2: unknown attribute 'italic' in [roles.title] (attributes: fg, bg, bold, underline, reverse, dim)"
            ),
            (
                "[roles.title]\nbold = true\nunderlined = true\n",
                "themes/mine.toml:3: unknown attribute 'underlined' in [roles.title] (did you mean 'underline'? attributes: "
                    + "fg, bg, bold, underline, reverse, dim)"
            ),
            // Shapes.
            (
                "[roles]\ntitle = \"bold\"\n",
                "themes/mine.toml:2: 'roles.title' must be a table such as { fg = \"red\", bold = true }, found a string"
            ),
            ("roles = 3\n", "themes/mine.toml:1: 'roles' must be a table, found an integer"),
            ("name = \"mine\"\ncolours = {}\n", "themes/mine.toml:2: unknown key 'colours' at the top level"),
            ("name = 3\n", "themes/mine.toml:1: 'name' must be a string, found an integer"),
            ("description = [\"a\"]\n", "themes/mine.toml:1: 'description' must be a string, found an array"),
            (
                "\n\nname = \"default\"\n",
                "themes/mine.toml:3: 'name' is 'default' but the file is named 'mine.toml': a theme's name is its file name, "
                    + "so make them the same (or leave 'name' out)"
            ),
            // TOML syntax.
            ("name = \"mine\"\n[roles\n", "themes/mine.toml:2:7: expected ']' to close the table header, found end of line")
        ])
    func errors(text: String, expected: String) throws {
        let error = try #require(themeError(text))
        #expect(error.description == expected)
        #expect(error.kind == .invalid)
        #expect(error.file == "themes/mine.toml")
    }

    @Test("The error keeps the dotted key and the line apart")
    func errorFields() throws {
        let error = try #require(themeError("[roles]\n\ndanger = { fg = \"rde\", bold = true }\n"))
        #expect(error.key == "roles.danger.fg")
        #expect(error.line == 3)
        #expect(error.column == nil)
        #expect(error.message == "'roles.danger.fg' 'rde' is not a colour (black, red, …, bright-white, default, or 0–255)")
    }
}

@Suite struct ThemeLoadingTests {
    static let userDirectory = "/home/u/.config/guardmail/themes"

    /// A fake file system holding the given files.
    static func files(_ files: [String: String]) -> (String) -> String? { { files[$0] } }

    @Test("Built-in themes load by name, default first")
    func builtins() throws {
        #expect(ThemeLoader.builtinNames == ["default", "high-contrast", "light", "monochrome"])
        for name in ThemeLoader.builtinNames {
            let theme = try #require(ThemeLoader.builtin(name))
            #expect(theme.name == name)
            #expect(!theme.description.isEmpty)
            let loaded = try ThemeLoader.load(named: name, userThemesDirectory: nil, readFile: { _ in nil }, noColor: false)
            #expect(loaded == theme)
        }
        #expect(ThemeLoader.builtin("nope") == nil)
    }

    @Test("A user theme is read from <dir>/NAME.toml and overrides a built-in of the same name")
    func userThemes() throws {
        var asked: [String] = []
        let files = Self.files([
            Self.userDirectory + "/default.toml": "description = \"my default\"\n[roles]\nnormal = { fg = 33 }\n",
            Self.userDirectory + "/mine.toml": "name = \"mine\"\n[roles]\nexternal = { reverse = true }\n"
        ])
        let reader: (String) -> String? = {
            asked.append($0)
            return files($0)
        }
        let overridden = try ThemeLoader.load(
            named: "default", userThemesDirectory: Self.userDirectory,
            readFile: reader, noColor: false)
        #expect(overridden.description == "my default")
        #expect(overridden.style(.danger) == Style(foreground: .ansi(33)))
        let mine = try ThemeLoader.load(
            named: "mine", userThemesDirectory: Self.userDirectory + "/", readFile: reader,
            noColor: false)
        #expect(mine.style(.external) == Style(reverse: true))
        let light = try ThemeLoader.load(
            named: "light", userThemesDirectory: Self.userDirectory, readFile: reader,
            noColor: false)
        #expect(light == ThemeLoader.builtin("light"))
        #expect(
            asked == [
                Self.userDirectory + "/default.toml", Self.userDirectory + "/mine.toml",
                Self.userDirectory + "/light.toml"
            ])
    }

    @Test("A broken user theme is an error, not a silent fallback to the built-in")
    func brokenUserTheme() throws {
        let path = Self.userDirectory + "/default.toml"
        let files = Self.files([path: "[roles]\nexternal = { fg = \"rde\" }\n"])
        do {
            _ = try ThemeLoader.load(named: "default", userThemesDirectory: Self.userDirectory, readFile: files, noColor: false)
            Issue.record("loaded a broken theme")
        } catch {
            #expect(error.kind == .invalid)
            #expect(
                error.description == path + ":2: 'roles.external.fg' 'rde' is not a colour "
                    + "(black, red, …, bright-white, default, or 0–255)")
        }
    }

    @Test("An unknown name is an error listing the built-in themes and where user themes go")
    func unknownName() throws {
        do {
            _ = try ThemeLoader.load(
                named: "solarized", userThemesDirectory: Self.userDirectory, readFile: { _ in nil },
                noColor: false)
            Issue.record("loaded a theme that does not exist")
        } catch {
            #expect(error.kind == .unknownTheme)
            #expect(error.file == nil)
            #expect(
                error.description == "no theme named 'solarized': the built-in themes are default, high-contrast, "
                    + "light, monochrome; your own are files NAME.toml in /home/u/.config/guardmail/themes")
        }
        do {
            _ = try ThemeLoader.load(named: "ligth", userThemesDirectory: nil, readFile: { _ in nil }, noColor: false)
            Issue.record("loaded a theme that does not exist")
        } catch {
            #expect(
                error.description == "no theme named 'ligth' (did you mean 'light'?): the built-in themes are "
                    + "default, high-contrast, light, monochrome")
        }
    }

    @Test(
        "A name that is not a plain file name is refused before any file is read",
        arguments: [
            "../../etc/passwd", "a/b", ".hidden", ""
        ])
    func pathNames(name: String) throws {
        var read = false
        do {
            _ = try ThemeLoader.load(
                named: name, userThemesDirectory: Self.userDirectory,
                readFile: { _ in
                    read = true
                    return ""
                }, noColor: false)
            Issue.record("loaded '\(name)'")
        } catch {
            #expect(error.kind == .unknownTheme)
            #expect(error.description.hasPrefix("'\(name)' is not a theme name"))
        }
        #expect(!read)
    }

    @Test(
        "NO_COLOR: set and non-empty",
        arguments: [
            (nil as String?, false), ("", false), ("1", true), ("0", true), ("yes", true)
        ])
    func noColorEnvironment(value: String?, expected: Bool) {
        #expect(ThemeLoader.noColor(environmentValue: value) == expected)
    }

    @Test("NO_COLOR drops every colour and keeps every attribute, for built-in and user themes")
    func noColorDropsColours() throws {
        let user = "[roles]\nnormal = { fg = \"white\", bg = \"black\" }\ndanger = { fg = 196, bold = true, reverse = true }\n"
        for name in ThemeLoader.builtinNames + ["mine"] {
            let read = Self.files([Self.userDirectory + "/mine.toml": user])
            let coloured = try ThemeLoader.load(named: name, userThemesDirectory: Self.userDirectory, readFile: read, noColor: false)
            let plain = try ThemeLoader.load(named: name, userThemesDirectory: Self.userDirectory, readFile: read, noColor: true)
            #expect(plain == coloured.withoutColour())
            #expect(plain.name == coloured.name)
            for role in Role.allCases {
                let c = coloured.style(role), p = plain.style(role)
                #expect(p.foreground == .default && p.background == .default, "\(name).\(role)")
                #expect(!p.hasColour)
                #expect((p.bold, p.underline, p.reverse, p.dim) == (c.bold, c.underline, c.reverse, c.dim), "\(name).\(role)")
            }
        }
    }
}

@Suite struct BuiltinThemeTests {
    @Test(
        "internal, external, new, lookalike, danger, warning and selected look different from each other and from normal",
        arguments: ThemeLoader.builtinNames, [false, true])
    func distinguishable(name: String, noColor: Bool) throws {
        let theme = try ThemeLoader.load(named: name, userThemesDirectory: nil, readFile: { _ in nil }, noColor: noColor)
        var seen: [Appearance: Role] = [:]
        for role in criticalRoles {
            let look = Appearance(theme.style(role))
            if let other = seen[look] {
                Issue.record("\(name)\(noColor ? " under NO_COLOR" : ""): '\(role.rawValue)' looks like '\(other.rawValue)' (\(look))")
            }
            seen[look] = role
        }
    }

    @Test("monochrome has no colour at all")
    func monochromeHasNoColour() throws {
        let theme = try #require(ThemeLoader.builtin("monochrome"))
        #expect(theme == theme.withoutColour())
    }

    @Test("high-contrast dims nothing")
    func highContrastDimsNothing() throws {
        let theme = try #require(ThemeLoader.builtin("high-contrast"))
        for role in Role.allCases { #expect(!theme.style(role).dim, "\(role)") }
    }

    @Test("Every built-in theme file sets every role, so each file shows the whole list")
    func everyRoleListed() {
        for file in BuiltinThemes.files {
            let keys = Set(
                file.text.split(separator: "\n").compactMap { line -> String? in
                    guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { return nil }
                    return line[..<equals].trimmingCharacters(in: .whitespaces)
                })
            for role in Role.allCases { #expect(keys.contains(role.rawValue), "\(file.name).toml does not set '\(role)'") }
        }
    }

    @Test("Themes/*.toml and the texts embedded in BuiltinThemes.swift are byte for byte the same (run scripts/embed-themes.sh)")
    func embeddedMatchesFiles() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: themesDirectory)
            .filter { $0.hasSuffix(".toml") }
            .map { String($0.dropLast(".toml".count)) }
        #expect(Set(onDisk) == Set(BuiltinThemes.files.map(\.name)), "files in \(themesDirectory)")
        #expect(BuiltinThemes.files.map(\.name) == ["default"] + onDisk.filter { $0 != "default" }.sorted())
        for file in BuiltinThemes.files {
            let path = themesDirectory + "/" + file.name + ".toml"
            let bytes = try #require(FileManager.default.contents(atPath: path), "cannot read \(path)")
            guard Array(bytes) != Array(file.text.utf8) else { continue }
            let onDiskLines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let embeddedLines = file.text.split(separator: "\n", omittingEmptySubsequences: false)
            let first =
                Array(zip(onDiskLines, embeddedLines)).firstIndex { $0 != $1 }
                ?? min(onDiskLines.count, embeddedLines.count)
            Issue.record("\(path) differs from BuiltinThemes.swift from line \(first + 1) on: run scripts/embed-themes.sh")
        }
    }
}
