import GuardTOML
import Testing

@Suite struct InvalidDocumentTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let source: String
        let line: Int
        let column: Int
        let fragment: String
        init(_ source: String, _ line: Int, _ column: Int, _ fragment: String) {
            (self.source, self.line, self.column, self.fragment) = (source, line, column, fragment)
        }
        var testDescription: String { source.debugDescription }
    }

    @Test(
        "Duplicate keys and redefined tables",
        arguments: [
            Case("a = 1\na = 2", 2, 1, "duplicate key 'a' (first defined at line 1)"),
            Case("[t]\nname = 1\n  name = 2", 3, 3, "duplicate key 't.name' (first defined at line 2)"),
            Case("p = { x = 1, x = 2 }", 1, 14, "duplicate key 'p.x'"),
            Case("[a.b]\n[a]\nb = 1", 3, 1, "duplicate key 'a.b' (first defined at line 1)"),
            Case("[a]\nx = 1\n[a]", 3, 1, "cannot define [a]: table [a] was already defined (line 1)"),
            Case("[a]\n[b]\n[a.c]\n[a]", 4, 1, "table [a] was already defined (line 1)"),
            Case("a.b = 1\n[a]", 2, 1, "table 'a' was already defined by dotted keys (line 1)"),
            Case("[a]\nb.c = 1\n[a.b]", 3, 1, "table 'a.b' was already defined by dotted keys (line 2)"),
            Case("[[a]]\nb.c = 1\n[a.b]", 3, 1, "table 'a.b' was already defined by dotted keys (line 2)"),
            Case("[[a]]\n[a]", 2, 1, "cannot define [a]: 'a' is already an array of tables (line 1)"),
            Case("[a]\n[[a]]", 2, 1, "cannot define [[a]]: table [a] was already defined (line 1)"),
            Case("a = [1]\n[[a]]", 2, 1, "cannot define [[a]]: 'a' is already an array (line 1)"),
            Case("a = {x = 1}\n[a]", 2, 1, "'a' is already a table (line 1)"),
            Case("a = {x = 1}\na.y = 2", 2, 1, "'a' is already a table (line 1) and cannot be extended with dotted keys"),
            Case("[a.b]\nx = 1\n[a]\nb.y = 2", 4, 1, "table [a.b] was already defined (line 1) and cannot be extended with dotted keys"),
            Case("a = 1\n[a.b]", 2, 1, "cannot define [a.b]: 'a' is already an integer (line 1)"),
            Case("a = 1\na.b = 2", 2, 1, "'a' is already an integer (line 1)"),
            Case("[a]\nb = \"s\"\n[a.b.c]", 3, 1, "cannot define [a.b.c]: 'a.b' is already a string (line 2)")
        ])
    func redefinitions(_ c: Case) { check(c) }

    @Test(
        "Strings: escapes, termination and control characters",
        arguments: [
            Case(#"s = "a\qb""#, 1, 7, #"invalid escape '\q'"#),
            Case(#"s = "\e""#, 1, 6, #"invalid escape '\e'"#),
            Case(#"s = "x\ y""#, 1, 7, #"invalid escape '\' followed by U+0020"#),
            Case(#"s = "\u12G4""#, 1, 6, #"invalid escape '\u12': expected 4 hexadecimal digits"#),
            Case(#"s = "\U0001F60""#, 1, 6, "expected 8 hexadecimal digits"),
            Case(#"s = "\uD800""#, 1, 6, #"invalid escape '\uD800': not a Unicode character"#),
            Case(#"s = "\U00110000""#, 1, 6, "not a Unicode character"),
            Case("s = \"\"\"\n\\x\"\"\"", 2, 1, #"invalid escape '\x'"#),
            Case(#"s = "abc"#, 1, 5, "unterminated string: missing closing '\"'"),
            Case("s = \"abc\nt = 1", 1, 5, "unterminated string"),
            Case("s = 'abc", 1, 5, "unterminated string: missing closing \"'\""),
            Case("x = 1\ns = \"\"\"abc\n\nx", 2, 5, "unterminated multi-line string: missing closing \"\"\""),
            Case("s = '''abc''", 1, 5, "unterminated multi-line string: missing closing '''"),
            Case("s = \"a\u{01}b\"", 1, 7, "control character U+0001 must be escaped in a string"),
            Case("s = 'a\u{7F}'", 1, 7, "control character U+007F is not allowed in a literal string"),
            Case("s = '''\na\u{01}'''", 2, 2, "control character U+0001 is not allowed in a string"),
            Case("s = \"\"\"a\rb\"\"\"", 1, 9, "control character U+000D"),
            Case("# comment \u{07}", 1, 11, "control character U+0007 is not allowed in a comment"),
            Case("\"\"\"k\"\"\" = 1", 1, 1, "a multi-line string cannot be used as a key")
        ])
    func strings(_ c: Case) { check(c) }

    @Test(
        "Numbers, booleans and dates",
        arguments: [
            Case("n = 0123", 1, 5, "leading zeros are not allowed in '0123'"),
            Case("n = -01.5", 1, 5, "leading zeros are not allowed"),
            Case("n = 1__2", 1, 5, "invalid number '1__2'"),
            Case("n = 1_", 1, 5, "invalid number '1_'"),
            Case("n = _1", 1, 5, "invalid number '_1'"),
            Case("n = 1.", 1, 5, "invalid number '1.'"),
            Case("n = .5", 1, 5, "invalid number '.5'"),
            Case("n = 1.e5", 1, 5, "invalid number '1.e5'"),
            Case("n = 1e", 1, 5, "invalid number '1e'"),
            Case("n = 1.5.3", 1, 5, "invalid number '1.5.3'"),
            Case("n = 0x", 1, 5, "invalid number '0x'"),
            Case("n = 0xG1", 1, 5, "invalid number '0xG1'"),
            Case("n = 0o8", 1, 5, "invalid number '0o8'"),
            Case("n = 0b102", 1, 5, "invalid number '0b102'"),
            Case("n = +0x10", 1, 5, "invalid number '+0x10'"),
            Case("n = 0X10", 1, 5, "invalid number '0X10'"),
            Case("n = 9223372036854775808", 1, 5, "'9223372036854775808' is out of range for a 64-bit integer"),
            Case("n = -9223372036854775809", 1, 5, "out of range for a 64-bit integer"),
            Case("n = 0x8000000000000000", 1, 5, "out of range for a 64-bit integer"),
            Case("n = 1e400", 1, 5, "'1e400' is out of range for a 64-bit float"),
            Case("b = True", 1, 5, "invalid value 'True' (strings must be quoted)"),
            Case("name = bob", 1, 8, "invalid value 'bob' (strings must be quoted)"),
            Case("name = ボブ", 1, 8, "expected a value, found 'ボ' (strings must be quoted)"),
            Case("d = 1979-13-01", 1, 5, "invalid date or time '1979-13-01'"),
            Case("d = 1979-02-29", 1, 5, "invalid date or time"),
            Case("d = 1979-05-27T", 1, 5, "invalid date or time"),
            Case("d = 1979-05-27T07:32:00+25:00", 1, 5, "invalid date or time"),
            Case("t = 24:00:00", 1, 5, "invalid date or time '24:00:00'"),
            Case("t = 07:32", 1, 5, "invalid date or time '07:32'"),
            Case("t = 07:32:00Z", 1, 5, "invalid date or time")
        ])
    func scalars(_ c: Case) { check(c) }

    @Test(
        "Structure: keys, '=', headers, arrays, inline tables, line ends",
        arguments: [
            Case("a =\nb = 1", 1, 4, "expected a value, found end of line"),
            Case("a = ", 1, 5, "expected a value, found end of file"),
            Case("a = 1 b = 2", 1, 7, "expected a new line after the value, found 'b'"),
            Case("a = \"x\" \"y\"", 1, 9, "expected a new line after the value"),
            Case("a = 1\rb = 2", 1, 6, "expected a new line after the value, found control character U+000D"),
            Case("a b = 1", 1, 3, "expected '=' after key, found 'b'"),
            Case("key", 1, 4, "expected '=' after key, found end of file"),
            Case("key\n= 1", 1, 4, "expected '=' after key, found end of line"),
            Case("= 1", 1, 1, "expected a key, found '='"),
            Case("a. = 1", 1, 4, "expected a key, found '='"),
            Case("名前 = 1", 1, 1, "expected a key, found '名'"),
            Case("[a", 1, 3, "expected ']' to close the table header, found end of file"),
            Case("[[a]", 1, 4, "expected ']]' to close the array-of-tables header"),
            Case("[[a] ]", 1, 4, "expected ']]'"),
            Case("[]", 1, 2, "expected a key, found ']'"),
            Case("[a] x = 1", 1, 5, "expected a new line after the table header, found 'x'"),
            Case("a = [1, 2", 1, 5, "unterminated array: missing ']'"),
            Case("a = [\n  1,\n  2\n", 1, 5, "unterminated array"),
            Case("a = [1 2]", 1, 8, "expected ',' or ']' after an array element, found '2'"),
            Case("a = [1,,2]", 1, 8, "expected a value, found ','"),
            Case("a = [,]", 1, 6, "expected a value, found ','"),
            Case("a = {x = 1,}", 1, 12, "a trailing comma is not allowed in an inline table"),
            Case("a = {x = 1\n}", 1, 11, "an inline table must be on a single line"),
            Case("a = {x = 1, \ny = 2}", 1, 13, "an inline table must be on a single line"),
            Case("a = {x = 1", 1, 5, "unterminated inline table: missing '}'"),
            Case("a = {x = 1 y = 2}", 1, 12, "expected ',' or '}' in inline table, found 'y'"),
            Case("a = {x 1}", 1, 8, "expected '=' after key, found '1'"),
            Case("s = \"\"\"\nline\n\"\"\"\nx = ", 4, 5, "expected a value, found end of file"),
            Case("# ok\r\n\r\n[t]\r\nv = 1 2\r\n", 4, 7, "expected a new line after the value, found '2'")
        ])
    func structure(_ c: Case) { check(c) }

    private func check(_ c: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = parseError(c.source) else {
            Issue.record("expected an error for \(c.source.debugDescription)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.position == TOMLPosition(line: c.line, column: c.column), "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(c.fragment), "\(error)", sourceLocation: sourceLocation)
    }

    @Test("Errors describe themselves with line and column, or with the file name")
    func descriptions() throws {
        let error = try #require(parseError("a = 1\n\nport 587"))
        #expect(error.description == "line 3, column 6: expected '=' after key, found '5'")
        #expect(error.description(file: "config.toml") == "config.toml:3:6: expected '=' after key, found '5'")
    }
}

/// Values are parsed and tables frozen by recursion: nesting is limited so that hostile input
/// gets an error instead of overflowing the stack (a crash found by fuzzing, docs/fuzzing.md).
@Suite struct NestingLimitTests {
    static let limit = 100
    static func arrays(_ n: Int) -> String { "v = " + String(repeating: "[", count: n) + String(repeating: "]", count: n) }
    static func inlineTables(_ n: Int) -> String {
        "v = " + String(repeating: "{a = ", count: n) + "1" + String(repeating: "}", count: n)
    }

    @Test("Arrays and inline tables nested up to the limit still parse")
    func atTheLimit() throws {
        let arrays = try TOML.parse(Self.arrays(Self.limit))
        var node = try #require(arrays["v"])
        var depth = 1
        while case .array(let items) = node.value, let first = items.first {
            node = first
            depth += 1
        }
        #expect(depth == Self.limit)
        #expect(throws: Never.self) { try TOML.parse(Self.inlineTables(Self.limit)) }
        let dotted = (1...Self.limit).map { "k\($0)" }.joined(separator: ".")
        #expect(throws: Never.self) { try TOML.parse("[\(dotted)]\nx = 1") }
        #expect(throws: Never.self) { try TOML.parse("\(dotted) = 1") }
    }

    @Test("One level past the limit is refused at the opening bracket, with its line and column")
    func pastTheLimit() throws {
        let array = try #require(parseError("a = 1\n" + Self.arrays(Self.limit + 1)))
        #expect(array.position == TOMLPosition(line: 2, column: 5 + Self.limit))
        #expect(
            array.description(file: "config.toml")
                == "config.toml:2:\(5 + Self.limit): tables and arrays are nested more than 100 levels deep")
        let inline = try #require(parseError(Self.inlineTables(Self.limit + 1)))
        // The 101st `{`: "v = " then 100 times "{a = ".
        #expect(inline.position == TOMLPosition(line: 1, column: 5 + 5 * Self.limit))
        #expect(inline.message == "tables and arrays are nested more than 100 levels deep")
        // Arrays of inline tables count both.
        let mixed = try #require(parseError("v = " + String(repeating: "[{a = ", count: 60)))
        #expect(mixed.message.contains("nested more than 100 levels deep"))
    }

    @Test("Key paths longer than the limit are refused: headers, dotted keys, keys inside nested tables")
    func longKeyPaths() throws {
        let parts = (1...(Self.limit + 2)).map { "k\($0)" }
        let header = try #require(parseError("x = 1\n\n[[\(parts[...Self.limit].joined(separator: "."))]]"))
        #expect(header.position == TOMLPosition(line: 3, column: 1))
        #expect(header.message.contains("nested more than 100 levels deep"))
        // A dotted key of 102 parts makes 101 tables.
        let dotted = try #require(parseError(parts.joined(separator: ".") + " = 1"))
        #expect(dotted.position.line == 1)
        #expect(dotted.message.contains("nested more than 100 levels deep"))
        let underHeader = try #require(parseError("[" + parts[..<50].joined(separator: ".") + "]\n" + parts[50...].joined(separator: ".") + " = 1"))
        #expect(underHeader.position.line == 2)
    }

    @Test(
        "The inputs that overflowed the stack (about 26,000 arrays, 14,000 inline tables) are refused",
        arguments: [NestingLimitTests.arrays(26_000), NestingLimitTests.inlineTables(14_000), NestingLimitTests.arrays(1_000_000)])
    func hostileDepth(_ text: String) throws {
        let error = try #require(parseError(text))
        #expect(error.message == "tables and arrays are nested more than 100 levels deep")
        #expect(error.position.line == 1)
    }
}
