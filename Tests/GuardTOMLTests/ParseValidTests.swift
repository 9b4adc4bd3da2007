import GuardTOML
import Testing

@Suite struct ScalarValueTests {
    @Test(
        "Strings: basic with every escape, literal, and non-ASCII",
        arguments: [
            (#""hello""#, "hello"),
            (#""""#, ""),
            (#""a\bb\tc\nd\fe\rf\"g\\h""#, "a\u{08}b\tc\nd\u{0C}e\rf\"g\\h"),
            (#""caf\u00e9 \U0001F600""#, "café 😀"),
            ("\"tab\tinside\"", "tab\tinside"),
            (#"'C:\Users\nodejs\templates'"#, #"C:\Users\nodejs\templates"#),
            (#"'<\i\c*\s*>'"#, #"<\i\c*\s*>"#),
            (#"'quoted "inside"'"#, #"quoted "inside""#),
            (#""日本語のテキスト""#, "日本語のテキスト"),
            (#"'件名: こんにちは'"#, "件名: こんにちは"),
            (##""# not a comment""##, "# not a comment")
        ])
    func strings(source: String, expected: String) throws {
        #expect(try parseValue(source) == .string(expected))
    }

    @Test(
        "Multi-line strings: first newline trimmed, line-ending backslash, quotes near the end",
        arguments: [
            ("\"\"\"\nRoses are red\nViolets are blue\"\"\"", "Roses are red\nViolets are blue"),
            ("\"\"\"\r\nOne\r\nTwo\"\"\"", "One\nTwo"),
            ("\"\"\"\nThe quick brown \\\n\n\n  fox jumps \\\n    over the lazy dog.\"\"\"", "The quick brown fox jumps over the lazy dog."),
            ("\"\"\"\\\n       The quick \\   \n       brown.\\\n       \"\"\"", "The quick brown."),
            ("\"\"\"Here are two quotation marks: \"\". Simple.\"\"\"", "Here are two quotation marks: \"\". Simple."),
            ("\"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"", "\"This,\" she said, \"is just a pointless statement.\""),
            ("\"\"\"tab\\tand \\u3042\"\"\"", "tab\tand あ"),
            (
                "'''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''",
                "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"
            ),
            ("'''I [dw]on't need \\d{2} apples'''", "I [dw]on't need \\d{2} apples"),
            ("''''That,' she said, 'is still pointless.'''''", "'That,' she said, 'is still pointless.''"),
            ("'''\n日本語\n'''", "日本語\n")
        ])
    func multiline(source: String, expected: String) throws {
        #expect(try parseValue(source) == .string(expected))
    }

    @Test(
        "Integers in every base, with signs and underscores",
        arguments: [
            ("42", 42), ("+17", 17), ("-17", -17), ("0", 0), ("+0", 0), ("-0", 0),
            ("1_000", 1000), ("5_349_221", 5_349_221), ("1_2_3_4_5", 12345),
            ("0xDEADBEEF", 0xDEADBEEF), ("0xdead_beef", 0xDEADBEEF), ("0x00FF", 255),
            ("0o755", 0o755), ("0o01234567", 0o01234567), ("0b11010110", 0b11010110),
            ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
            ("0x7FFFFFFFFFFFFFFF", Int64.max)
        ] as [(String, Int64)])
    func integers(source: String, expected: Int64) throws {
        #expect(try parseValue(source) == .integer(expected))
    }

    @Test(
        "Floats: fractions, exponents, underscores, infinities",
        arguments: [
            ("1.0", 1.0), ("+1.0", 1.0), ("3.1415", 3.1415), ("-0.01", -0.01),
            ("5e+22", 5e+22), ("1e06", 1e06), ("-2E-2", -2e-2), ("6.626e-34", 6.626e-34),
            ("224_617.445_991_228", 224_617.445_991_228), ("0.0", 0.0), ("-0.0", -0.0), ("0e0", 0),
            ("inf", .infinity), ("+inf", .infinity), ("-inf", -.infinity)
        ] as [(String, Double)])
    func floats(source: String, expected: Double) throws {
        #expect(try parseValue(source) == .float(expected))
    }

    @Test("nan, +nan and -nan are NaN floats", arguments: ["nan", "+nan", "-nan"])
    func nan(source: String) throws {
        guard case .float(let d)? = try parseValue(source) else {
            Issue.record("not a float")
            return
        }
        #expect(d.isNaN)
    }

    @Test("Booleans", arguments: [("true", true), ("false", false)])
    func booleans(source: String, expected: Bool) throws {
        #expect(try parseValue(source) == .bool(expected))
    }

    @Test(
        "Dates and times are kept as written",
        arguments: [
            ("1979-05-27T07:32:00Z", "a date-time"),
            ("1979-05-27T00:32:00.999999-07:00", "a date-time"),
            ("1979-05-27 07:32:00Z", "a date-time"),
            ("1979-05-27t07:32:00z", "a date-time"),
            ("1979-05-27T07:32:00", "a date-time"),
            ("2000-02-29", "a date"),
            ("1979-05-27", "a date"),
            ("07:32:00", "a time"),
            ("00:32:00.999999", "a time"),
            ("23:59:60", "a time")
        ])
    func dates(source: String, typeName: String) throws {
        let node = try TOML.parse("v = \(source) # comment")["v"]
        #expect(node?.value == .dateTime(source))
        #expect(node?.typeName == typeName)
    }

    @Test(
        "Type names used in messages",
        arguments: [
            ("\"s\"", "a string"), ("1", "an integer"), ("1.5", "a float"), ("true", "a boolean"),
            ("[1]", "an array"), ("{a = 1}", "a table")
        ])
    func typeNames(source: String, expected: String) throws {
        #expect(try TOML.parse("v = \(source)")["v"]?.typeName == expected)
    }
}

@Suite struct DocumentTests {
    @Test(
        "Whole documents parse to the expected structure",
        arguments: [
            // comments and blank lines
            ("# top\n\n  # indented comment\na = 1 # trailing\n\n", "{a = 1}"),
            // bare, quoted, empty and number-like keys
            (
                "bare_key = 1\nbare-key = 2\n1234 = 3\n\"127.0.0.1\" = 4\n\"ʎǝʞ\" = 5\n'quoted \"value\"' = 6\n\"\" = 7",
                #"{bare_key = 1, bare-key = 2, 1234 = 3, "127.0.0.1" = 4, "ʎǝʞ" = 5, "quoted \"value\"" = 6, "" = 7}"#
            ),
            // dotted keys, with spaces around the dots, sharing a parent
            (
                "name = \"Orange\"\nphysical.color = \"orange\"\nphysical . shape = \"round\"\nsite.\"google.com\" = true\n3.14159 = \"pi\"",
                #"{name = "Orange", physical = {color = "orange", shape = "round"}, site = {"google.com" = true}, 3 = {14159 = "pi"}}"#
            ),
            // tables and nested tables, header with spaces and quoted parts
            (
                "[table-1]\nkey1 = \"some string\"\n[table-2]\nkey2 = 456\n[ dog . \"tater.man\" ]\ntype.name = \"pug\"",
                #"{table-1 = {key1 = "some string"}, table-2 = {key2 = 456}, dog = {"tater.man" = {type = {name = "pug"}}}}"#
            ),
            // implicit parent defined later, once
            ("[x.y.z.w]\na = 1\n[x]\nb = 2", "{x = {y = {z = {w = {a = 1}}}, b = 2}}"),
            // a sub-table declared under a table made by dotted keys
            (
                "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true",
                #"{fruit = {apple = {color = "red", taste = {sweet = true}, texture = {smooth = true}}}}"#
            ),
            // arrays of tables, with sub-tables and nested arrays of tables
            (
                "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits.varieties]]\nname = \"granny smith\"\n[[fruits]]\nname = \"banana\"\n[[fruits.varieties]]\nname = \"plantain\"",
                #"{fruits = [{name = "apple", physical = {color = "red"}, varieties = [{name = "red delicious"}, {name = "granny smith"}]}, {name = "banana", varieties = [{name = "plantain"}]}]}"#
            ),
            (
                "[[products]]\nname = \"Hammer\"\n[[products]]\n[[products]]\ncolor = \"gray\"",
                #"{products = [{name = "Hammer"}, {}, {color = "gray"}]}"#
            ),
            // arrays: empty, nested, mixed, multi-line with comments and a trailing comma
            (
                "a = []\nb = [ [ 1, 2 ], [\"x\", 'y'] ]\nc = [0.1, \"s\", true, { k = 1 }]\nd = [\n  1, # one\n  # nothing\n  2,\n]",
                #"{a = [], b = [[1, 2], ["x", "y"]], c = [0.1, "s", true, {k = 1}], d = [1, 2]}"#
            ),
            // inline tables, nested and with dotted keys
            (
                "name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = {x=1,y=2}\nempty = {}\nanimal = { type.name = \"pug\", type.size = 3, inner = { a = [1] } }",
                #"{name = {first = "Tom", last = "Preston-Werner"}, point = {x = 1, y = 2}, empty = {}, animal = {type = {name = "pug", size = 3}, inner = {a = [1]}}}"#
            ),
            // Japanese keys and values
            (
                "[\"宛先\"]\n\"名前\" = \"山田太郎\"\n'メール' = \"taro@example.jp\"\n\"署名\".\"一行目\" = \"よろしく\"",
                #"{"宛先" = {"名前" = "山田太郎", "メール" = "taro@example.jp", "署名" = {"一行目" = "よろしく"}}}"#
            ),
            // CRLF line endings throughout, including in arrays and multi-line strings
            (
                "a = 1\r\n[t]\r\nb = [\r\n  1,\r\n  2,\r\n]\r\nc = \"\"\"\r\nx\r\ny \\\r\n  z\"\"\"\r\n",
                #"{a = 1, t = {b = [1, 2], c = "x\ny z"}}"#
            ),
            // a byte-order mark and a file without a final newline
            ("\u{FEFF}a = 1\nb = 2", "{a = 1, b = 2}"),
            ("", "{}")
        ])
    func documents(source: String, expected: String) throws {
        #expect(render(try TOML.parse(source)) == expected)
    }

    @Test("Keys keep their source order")
    func order() throws {
        let table = try TOML.parse("zeta = 1\nalpha = 2\n[mid]\n[beta]")
        #expect(table.keys == ["zeta", "alpha", "mid", "beta"])
        #expect(table.count == 4)
        #expect(table.contains("mid"))
        #expect(!table.contains("gamma"))
    }

    @Test("node(at:) follows a key path through tables")
    func nodeAtPath() throws {
        let table = try TOML.parse("[accounts.work]\nfrom = \"a@b\"")
        #expect(table.node(at: ["accounts", "work", "from"])?.stringValue == "a@b")
        #expect(table.node(at: ["accounts", "home"]) == nil)
        #expect(table.node(at: ["accounts", "work", "from", "x"]) == nil)
    }

    @Test(
        "keyPath quotes only keys that are not bare",
        arguments: [
            (["accounts", "work"], "accounts.work"),
            (["servers", "mail.example.org"], #"servers."mail.example.org""#),
            (["名前"], #""名前""#),
            (["say \"hi\"", ""], #""say \"hi\""."""#)
        ])
    func keyPath(parts: [String], expected: String) {
        #expect(TOML.keyPath(parts) == expected)
    }
}

@Suite struct PositionTests {
    static let document = """
        # guardmail config
        name = "Ada"

        [accounts.work]
          from = "ada@work.example"
        port = 587
        "日本" = "語", x = 1
        [[rule]]
        list = [
          "a",
            "日本", "b"
        ]
        inline = { k = true }
        s = \"\"\"
        two
        lines\"\"\"
        after = 1
        """

    @Test(
        "Key and value positions (line, column in Unicode scalars)",
        arguments: [
            (["name"], 2, 1, 2, 8),
            (["accounts", "work", "from"], 5, 3, 5, 10),
            (["accounts", "work", "port"], 6, 1, 6, 8),
            (["rule"], 8, 3, 8, 1),
            (["rule", "inline"], 13, 1, 13, 10),
            (["rule", "s"], 14, 1, 14, 5),
            (["rule", "after"], 17, 1, 17, 9)
        ])
    func positions(path: [String], keyLine: Int, keyColumn: Int, line: Int, column: Int) throws {
        // Line 7 is deliberately broken ("x = 1" after a value); parse the rest without it.
        let text = PositionTests.document.replacingLine(7, with: "\"日本\" = \"語\"")
        var node = try #require(try TOML.parse(text)[path[0]])
        for key in path.dropFirst() { // through arrays of tables, take the last element
            let table = try #require(node.tableValue ?? node.arrayValue?.last?.tableValue)
            node = try #require(table[key])
        }
        #expect(node.keyPosition == TOMLPosition(line: keyLine, column: keyColumn))
        #expect(node.position == TOMLPosition(line: line, column: column))
    }

    @Test("Columns count Unicode scalars, so Japanese text is one column per character")
    func japaneseColumns() throws {
        let error = try #require(parseError(PositionTests.document))
        #expect(error.position == TOMLPosition(line: 7, column: 11))
        #expect(error.message.hasPrefix("expected a new line after the value"))
    }

    @Test("Array elements and table headers keep their own positions")
    func elementsAndTables() throws {
        let text = PositionTests.document.replacingLine(7, with: "")
        let root = try TOML.parse(text)
        let work = try #require(root.node(at: ["accounts", "work"]))
        #expect(work.position == TOMLPosition(line: 4, column: 1))
        #expect(work.keyPosition == TOMLPosition(line: 4, column: 11))
        #expect(work.tableValue?.position == TOMLPosition(line: 4, column: 1))
        // The implicit parent [accounts] is placed at the header that created it.
        #expect(root["accounts"]?.position == TOMLPosition(line: 4, column: 1))
        let rule = try #require(root["rule"]?.arrayValue?.first?.tableValue)
        let list = try #require(rule["list"]?.arrayValue)
        #expect(
            list.map(\.position) == [
                TOMLPosition(line: 10, column: 3), TOMLPosition(line: 11, column: 5), TOMLPosition(line: 11, column: 11)
            ])
        #expect(list.allSatisfy { $0.keyPosition == nil })
        #expect(rule["inline"]?.tableValue?["k"]?.position == TOMLPosition(line: 13, column: 16))
    }

    @Test("CRLF line endings count as one line break")
    func crlf() throws {
        let root = try TOML.parse("a = 1\r\n\r\n  b = 2\r\n")
        #expect(root["b"]?.keyPosition == TOMLPosition(line: 3, column: 3))
        let error = try #require(parseError("a = 1\r\nb = \r\n"))
        #expect(error.position == TOMLPosition(line: 2, column: 5))
    }

    @Test("Dotted keys place each implied table at its own part of the key")
    func dotted() throws {
        let root = try TOML.parse("\n  a.b.c = 1")
        #expect(root["a"]?.keyPosition == TOMLPosition(line: 2, column: 3))
        #expect(root.node(at: ["a", "b"])?.keyPosition == TOMLPosition(line: 2, column: 5))
        #expect(root.node(at: ["a", "b", "c"])?.keyPosition == TOMLPosition(line: 2, column: 7))
        #expect(root.node(at: ["a", "b", "c"])?.position == TOMLPosition(line: 2, column: 11))
    }
}

extension String {
    func replacingLine(_ number: Int, with replacement: String) -> String {
        var lines = split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[number - 1] = replacement
        return lines.joined(separator: "\n")
    }
}
