import GuardTOML
import Testing

@Suite struct TableReaderTests {
    static let config = """
        name = "Ada"
        editor = "vim"

        [accounts.work]
        from = "ada@work.example"
        insecure = "yes"
        port = 587
        pasword_command = "pass work"
        tags = ["a", "b"]

        [accounts.home]
        from = "ada@home.example"
        timeout = 30
        ports = [25, 587]
        """

    private func root(_ text: String = TableReaderTests.config, file: String = "config.toml") throws -> TOMLTableReader {
        TOMLTableReader(try TOML.parse(text), path: "", file: file)
    }

    @Test("Reads typed values, nested tables in source order, and arrays")
    func happyPath() throws {
        var reader = try root()
        #expect(try reader.required("name") == "Ada")
        #expect(try reader.optional("editor", as: String.self) == "vim")
        #expect(try reader.optional("pager", as: String.self) == nil)
        let accounts = try reader.tables("accounts")
        try reader.finish()
        #expect(accounts.map(\.name) == ["work", "home"])
        #expect(accounts.map(\.reader.path) == ["accounts.work", "accounts.home"])

        var work = accounts[0].reader
        #expect(try work.required("from", as: String.self) == "ada@work.example")
        #expect(try work.required("port", as: Int.self) == 587)
        #expect(try work.required("port", as: Int64.self) == 587)
        #expect(try work.required("tags", as: [String].self) == ["a", "b"])
        #expect(work.position(of: "port") == TOMLPosition(line: 7, column: 1))
        #expect(work.position(of: "nope") == nil)

        var home = accounts[1].reader
        #expect(try home.required("from", as: String.self) == "ada@home.example")
        #expect(try home.required("timeout", as: Double.self) == 30) // an integer is a fine Double
        #expect(try home.required("ports", as: [Int].self) == [25, 587])
        #expect(try home.optional("tags", as: [String].self) == nil)
        try home.finish()
    }

    @Test("A missing key names the table and the line of its header")
    func missingKey() throws {
        var top = try root()
        var home = try #require(try top.tables("accounts").last?.reader)
        let error = try #require(schemaError { () throws(TOMLSchemaError) in _ = try home.required("smtp", as: String.self) })
        #expect(error.kind == .missingKey)
        #expect(error.key == "accounts.home.smtp")
        #expect(error.line == 11)
        #expect(error.description == "config.toml:11: missing key 'smtp' in [accounts.home]")
    }

    @Test("A missing key at the top level has no line")
    func missingTopLevelKey() throws {
        var reader = try root()
        let error = try #require(schemaError { () throws(TOMLSchemaError) in _ = try reader.required("version", as: Int.self) })
        #expect(error.line == nil)
        #expect(error.description == "config.toml: missing key 'version' at the top level")
    }

    @Test("A wrong type names the dotted key, its line, and both types")
    func wrongType() throws {
        var top = try root()
        var work = try #require(try top.tables("accounts").first?.reader)
        let error = try #require(schemaError { () throws(TOMLSchemaError) in _ = try work.required("insecure", as: Bool.self) })
        #expect(error.kind == .wrongType)
        #expect(error.key == "accounts.work.insecure")
        #expect(error.line == 6)
        #expect(error.description == "config.toml:6: 'accounts.work.insecure' must be a boolean, found a string")
    }

    enum ReadAs: String, Sendable, CaseIterable { case string, int, int64, double, bool, strings, ints, table }

    @Test(
        "Type checks for every readable type",
        arguments: [
            ("v = 1", ReadAs.string, "must be a string, found an integer"),
            ("v = 'x'", .int, "must be an integer, found a string"),
            ("v = 1.5", .int64, "must be an integer, found a float"),
            ("v = true", .double, "must be a number, found a boolean"),
            ("v = 1979-05-27", .bool, "must be a boolean, found a date"),
            ("v = ['a', 1]", .strings, "must be an array of strings, found an array"),
            ("v = 'a'", .ints, "must be an array of integers, found a string"),
            ("v = [1]", .table, "must be a table, found an array"),
            ("v = 's'", .string, ""), ("v = 1", .int, ""), ("v = -1", .int64, ""), ("v = 1.5", .double, ""),
            ("v = false", .bool, ""), ("v = []", .strings, ""), ("v = [1, 2]", .ints, ""), ("v = {}", .table, "")
        ])
    func types(source: String, readAs: ReadAs, message: String) throws {
        var reader = try root(source)
        let error = schemaError { () throws(TOMLSchemaError) in
            switch readAs {
            case .string: _ = try reader.required("v", as: String.self)
            case .int: _ = try reader.required("v", as: Int.self)
            case .int64: _ = try reader.required("v", as: Int64.self)
            case .double: _ = try reader.required("v", as: Double.self)
            case .bool: _ = try reader.required("v", as: Bool.self)
            case .strings: _ = try reader.required("v", as: [String].self)
            case .ints: _ = try reader.required("v", as: [Int].self)
            case .table: _ = try reader.table("v")
            }
        }
        if message.isEmpty {
            #expect(error == nil)
        } else {
            #expect(error?.description == "config.toml:1: 'v' \(message)")
        }
    }

    @Test("An unknown key names itself, its line, and its table")
    func unknownKey() throws {
        var top = try root()
        var work = try #require(try top.tables("accounts").first?.reader)
        for key in ["from", "insecure", "port", "tags"] { _ = work.node(key) }
        #expect(work.unknownKeys == ["pasword_command"])
        let error = try #require(schemaError { () throws(TOMLSchemaError) in try work.finish() })
        #expect(error.kind == .unknownKey)
        #expect(error.key == "accounts.work.pasword_command")
        #expect(error.description == "config.toml:8: unknown key 'pasword_command' in [accounts.work]")
    }

    @Test(
        "Unknown keys at the top level and in quoted tables",
        arguments: [
            ("x = 1\nextra = 2", "config.toml:2: unknown key 'extra' at the top level"),
            (
                "x = 1\n[servers.\"mail.example.org\"]\nhost = 'h'",
                "config.toml:2: unknown key 'servers' at the top level"
            )
        ])
    func unknownElsewhere(source: String, expected: String) throws {
        var reader = try root(source)
        _ = reader.node("x")
        #expect(schemaError { () throws(TOMLSchemaError) in try reader.finish() }?.description == expected)
    }

    @Test("Sub-table readers extend the path, quoting keys that are not bare")
    func nestedPaths() throws {
        var reader = try root("[servers.\"mail.example.org\".tls]\nverify = 'yes'\nextra = 1")
        var servers = try #require(try reader.table("servers"))
        var host = try #require(try servers.table("mail.example.org"))
        var tls = try #require(try host.table("tls"))
        #expect(tls.path == #"servers."mail.example.org".tls"#)
        let error = try #require(schemaError { () throws(TOMLSchemaError) in _ = try tls.required("verify", as: Bool.self) })
        #expect(error.description == #"config.toml:2: 'servers."mail.example.org".tls.verify' must be a boolean, found a string"#)
        let unknown = try #require(schemaError { () throws(TOMLSchemaError) in try tls.finish() })
        #expect(unknown.description == #"config.toml:3: unknown key 'extra' in [servers."mail.example.org".tls]"#)
        try reader.finish()
        try servers.finish()
        try host.finish()
        #expect(try reader.table("absent") == nil)
        #expect(try reader.tables("absent").isEmpty)
    }

    @Test("tables(_:) rejects a non-table entry, naming it")
    func tablesWithValue() throws {
        var reader = try root("[accounts]\ndefault = 'work'\n[accounts.work]\nfrom = 'a'")
        let error = try #require(schemaError { () throws(TOMLSchemaError) in _ = try reader.tables("accounts") })
        #expect(error.description == "config.toml:2: 'accounts.default' must be a table, found a string")
    }

    @Test("Arrays of tables get one reader each, named by 1-based index")
    func arraysOfTables() throws {
        var reader = try root("[[rule]]\nmatch = 'a'\n[[rule]]\nmatch = 'b'\nextra = 1\n", file: "policy.toml")
        var rules = try reader.tableArray("rule")
        #expect(rules.count == 2)
        #expect(try rules[0].required("match", as: String.self) == "a")
        #expect(try rules[1].required("match", as: String.self) == "b")
        try rules[0].finish()
        let error = try #require(schemaError { () throws(TOMLSchemaError) in try rules[1].finish() })
        #expect(error.description == "policy.toml:5: unknown key 'extra' in [rule[2]]")
        #expect(error.key == "rule[2].extra")

        var mixed = try root("rule = [{ match = 'a' }, 'b']")
        let wrong = try #require(schemaError { () throws(TOMLSchemaError) in _ = try mixed.tableArray("rule") })
        #expect(wrong.description == "config.toml:1: 'rule[2]' must be a table, found a string")
    }

    @Test("invalid(_:_:) makes an error at the key's line, or the table's when the key is absent")
    func invalidValue() throws {
        var top = try root()
        let work = try #require(try top.tables("accounts").first?.reader)
        let error = work.invalid("port", "must be between 1 and 65535")
        #expect(error.kind == .invalidValue)
        #expect(error.key == "accounts.work.port")
        #expect(error.description == "config.toml:7: 'accounts.work.port' must be between 1 and 65535")
        #expect(
            work.invalid("smtp", "is required when port is set").description
                == "config.toml:4: 'accounts.work.smtp' is required when port is set")
        let made = TOMLSchemaError.invalidValue(file: "config.toml", line: 4, key: "accounts.work.password", "must not be empty")
        #expect(made.description == "config.toml:4: 'accounts.work.password' must not be empty")
        let plain = TOMLSchemaError(kind: .invalidValue, file: "theme.toml", line: nil, key: "colors", message: "no colors defined")
        #expect(plain.description == "theme.toml: no colors defined")
    }

    @Test("Syntax errors convert to schema errors with line and column")
    func syntaxErrors() throws {
        let error = try #require(
            schemaError { () throws(TOMLSchemaError) in
                _ = try TOMLTableReader.parse("a = 1\n\nfrom  \"x\"", file: "config.toml")
            })
        #expect(error.kind == .syntax)
        #expect(error.description == "config.toml:3:7: expected '=' after key, found '\"'")
        let reader = try TOMLTableReader.parse("a = 1", file: "config.toml")
        #expect(reader.table.keys == ["a"])
    }
}
