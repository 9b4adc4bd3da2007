import ArgumentParser
import Config
import Store
import TUI
#if canImport(Glibc)
    import Glibc
#endif

/// `guardmail themes`: the built-in and user themes, the one in use marked; `--show NAME` draws
/// every role of one theme in its style.
struct Themes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "List the colour themes, or show one.",
        discussion: """
            Built-in themes: \(ThemeLoader.builtinNames.joined(separator: ", ")). Your own are files \
            themes/NAME.toml in the config folder ($XDG_CONFIG_HOME/guardmail/themes); one with a built-in's \
            name replaces it. Choose one with theme = "NAME" in config.toml. NO_COLOR (set and not empty) \
            drops the colours and keeps bold, underline, reverse and dim. \
            Exit codes: 0 fine, 64 no such theme, 78 a broken theme or config.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Draw every role of a theme in its style.", valueName: "name"))
    var show: String?
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/guardmail/config.toml).")
    var config: String?

    func run() throws {
        let paths = DataPaths.fromEnvironment()
        let noColor = ThemeLoader.noColor(environmentValue: FileSystem.environment("NO_COLOR"))
        if let show {
            try showTheme(show, paths: paths, noColor: noColor)
        } else {
            try list(paths: paths, noColor: noColor)
        }
    }

    private func list(paths: DataPaths, noColor: Bool) throws {
        let configFile = config ?? paths.configFile
        var problems: [String] = []
        let configured: String?
        switch configuredThemeName(configFile) {
        case .success(let name): configured = name ?? "default"
        case .failure(let error):
            configured = nil
            problems.append("cannot tell which theme is in use: \(error.message)")
        }

        struct Row {
            var name: String
            var from: String
            var about: String
            var error: String?
        }
        var rows: [Row] = ThemeLoader.builtinNames.map { name in
            Row(name: name, from: "built-in", about: ThemeLoader.builtin(name)?.description ?? "", error: nil)
        }
        let directory = userThemesDirectory(paths)
        for file in FileSystem.listDirectory(directory) where file.hasSuffix(".toml") && !file.hasPrefix(".") {
            let path = directory + "/" + file
            let name = String(file.dropLast(".toml".count))
            var row = Row(name: name, from: path, about: "", error: nil)
            switch readThemeFile(path) {
            case .text(let text):
                do {
                    row.about = try ThemeLoader.parse(text, file: path).description
                } catch {
                    row.error = error.description
                }
            case .missing:
                continue // gone since the listing
            case .unreadable(let error):
                row.error = error.description
            }
            if let error = row.error { row.about = "error: " + error }
            if let index = rows.firstIndex(where: { $0.name == name }) {
                if row.error == nil { row.about += row.about.isEmpty ? "(replaces the built-in)" : "  (replaces the built-in)" }
                rows[index] = row
            } else {
                rows.append(row)
            }
        }

        let nameWidth = rows.map(\.name.count).max() ?? 0
        let fromWidth = rows.map(\.from.count).max() ?? 0
        var out = ""
        for row in rows {
            let mark = row.name == configured ? "*" : " "
            out +=
                "\(mark) \(pad(row.name, nameWidth))  \(pad(row.from, fromWidth))  \(row.about)"
                .trimmingTrailingSpaces() + "\n"
        }
        out += "\n* in use: theme = \"NAME\" in \(configFile)\nyour own themes: \(directory)/NAME.toml\n"
        if noColor { out += "NO_COLOR is set: colours are dropped, attributes kept\n" }
        Console.output(out)

        if let configured {
            if let row = rows.first(where: { $0.name == configured }) {
                if let error = row.error { problems.append("the theme in use, '\(configured)', is broken: \(error)") }
            } else {
                problems.append(
                    "\(configFile): theme '\(configured)': "
                        + "no such theme (built-in or \(directory)/\(configured).toml)")
            }
        }
        if !problems.isEmpty {
            problems.forEach(report)
            throw ExitCode(Exit.config)
        }
    }

    private func showTheme(_ name: String, paths: DataPaths, noColor: Bool) throws {
        let theme: Theme
        do {
            theme = try resolveTheme(named: name, paths: paths, noColor: noColor)
        } catch {
            report(error.description)
            throw ExitCode(error.kind == .unknownTheme ? Exit.usage : Exit.config)
        }
        let userFile = ThemeLoader.userThemePath(name, in: userThemesDirectory(paths))
        let from = FileSystem.exists(userFile) ? userFile : "built-in"
        let styled = isatty(1) == 1 && !noColor
        let width = Role.allCases.map(\.rawValue.count).max() ?? 0
        var out = "\(theme.name): \(theme.description.isEmpty ? "(no description)" : theme.description)  [\(from)]\n"
        for role in Role.allCases {
            let style = theme.style(role)
            let label = styled ? style.sgr + role.rawValue + Style.sgrReset : role.rawValue
            let padding = String(repeating: " ", count: width - role.rawValue.count)
            let inherits = role != .normal && style == theme.style(.normal) ? "  (as normal)" : ""
            out += "  \(label)\(padding)  \(style)\(inherits)\n"
        }
        if noColor { out += "NO_COLOR is set: colours are dropped, attributes kept\n" }
        Console.output(out)
    }
}

/// `<config folder>/themes`.
func userThemesDirectory(_ paths: DataPaths) -> String { paths.configDirectory + "/themes" }

/// The theme `name` as the composer should use it: the user's `themes/NAME.toml`, else the built-in.
/// A user theme file that exists but cannot be read is an error (not a silent fall back to the
/// built-in of the same name).
func resolveTheme(named name: String, paths: DataPaths, noColor: Bool) throws(ThemeError) -> Theme {
    var failure: ThemeError?
    let readFile: (String) -> String? = { path in
        switch readThemeFile(path) {
        case .text(let text): return text
        case .missing: return nil
        case .unreadable(let error):
            failure = error
            return nil
        }
    }
    let theme: Theme
    do {
        theme = try ThemeLoader.load(
            named: name, userThemesDirectory: userThemesDirectory(paths), readFile: readFile,
            noColor: noColor)
    } catch {
        throw failure ?? error
    }
    if let failure { throw failure }
    return theme
}

enum ThemeFile {
    case text(String)
    case missing
    case unreadable(ThemeError)
}

func readThemeFile(_ path: String) -> ThemeFile {
    do {
        guard let text = try FileSystem.readTrustedUTF8(path) else {
            return .unreadable(ThemeError(kind: .invalid, file: path, line: nil, key: "", message: "not UTF-8 text"))
        }
        return .text(text)
    } catch {
        switch error.kind {
        case .notFound: return .missing
        case .isDirectory:
            return .unreadable(ThemeError(kind: .invalid, file: path, line: nil, key: "", message: "a folder, not a theme file"))
        case .untrusted:
            return .unreadable(ThemeError(kind: .invalid, file: path, line: nil, key: "", message: "refused: \(error.reason)"))
        default:
            return .unreadable(ThemeError(kind: .invalid, file: path, line: nil, key: "", message: "\(error)"))
        }
    }
}

/// The `theme` key of the config file: nil when the file or the key is absent.
func configuredThemeName(_ path: String) -> Result<String?, ConfigError> {
    let text: String?
    do {
        text = try FileSystem.readTrustedUTF8(path)
    } catch {
        if error.kind == .notFound { return .success(nil) }
        if error.kind == .untrusted { return .failure(ConfigError("refusing the config file: \(error)")) }
        return .failure(ConfigError("cannot read the config: \(error)"))
    }
    guard let text else { return .failure(ConfigError("'\(path)' is not UTF-8 text")) }
    do {
        return .success(try ConfigLoader.parse(text, file: path).theme)
    } catch {
        return .failure(error)
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
