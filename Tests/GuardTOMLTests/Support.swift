import GuardTOML

/// A position-free rendering of a value, so whole documents can be compared in one string.
func render(_ value: TOMLValue) -> String {
    switch value {
    case .string(let s): return s.debugDescription
    case .integer(let i): return "\(i)"
    case .float(let d): return "\(d)"
    case .bool(let b): return "\(b)"
    case .dateTime(let s): return "date(\(s))"
    case .array(let items): return "[" + items.map { render($0.value) }.joined(separator: ", ") + "]"
    case .table(let table): return render(table)
    }
}

func render(_ table: TOMLTable) -> String {
    "{" + table.entries.map { TOML.keyPath([$0.key]) + " = " + render($0.node.value) }.joined(separator: ", ") + "}"
}

/// The value of `v = …` in a one-line document.
func parseValue(_ source: String) throws -> TOMLValue? {
    try TOML.parse("v = " + source)["v"]?.value
}

func parseError(_ text: String) -> TOMLError? {
    do {
        _ = try TOML.parse(text)
        return nil
    } catch {
        return error
    }
}

func schemaError(_ body: () throws(TOMLSchemaError) -> Void) -> TOMLSchemaError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
