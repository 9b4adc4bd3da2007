import Foundation
import Testing
@testable import MailCore

// `AddressParser.parseListRecovering`: every entry of a list read, every error with its
// position, so the composer needs no lexer of its own.

private func firstError(_ text: String) -> AddressError? {
    do {
        _ = try AddressParser.parseList(text)
        return nil
    } catch {
        return error
    }
}

/// The 1-based character position of the first `needle` in `text`.
private func position(of needle: String, in text: String) -> Int {
    let range = text.range(of: needle)!
    return text.distance(from: text.startIndex, to: range.lowerBound) + 1
}

/// True when `new` is `old`, or both say that a comment is never closed at the same position
/// and `new` quotes the entry that holds the '(': the old parser quoted the entry before it
/// (the one it had parsed last), which has nothing wrong with it.
private func sameMessage(_ new: String, _ old: String?) -> Bool {
    guard let old, new != old else { return true }
    let prefix = "comment '(' is never closed at position "
    guard new.hasPrefix(prefix), old.hasPrefix(prefix),
        let newQuote = new.range(of: " in '"), let oldQuote = old.range(of: " in '")
    else { return false }
    return new[..<newQuote.lowerBound] == old[..<oldQuote.lowerBound]
        && new[newQuote.upperBound...].hasPrefix("(")
        && new.hasSuffix("': add the closing ')'") && old.hasSuffix("': add the closing ')'")
}

@Suite struct AddressListRecoveryTests {
    @Test("a list with several bad entries gives each error with its position and entry, and the good mailboxes in order")
    func severalBadEntries() throws {
        let text = "taro, a@x.jp, b＠y.jp, \"Yamada, Taro\" <t@x.jp>, c@d, (note) e@x.jp"
        let result = AddressParser.parseListRecovering(text)
        #expect(result.mailboxes.map(\.envelopeAddress) == ["a@x.jp", "t@x.jp", "e@x.jp"])
        #expect(result.failures.map(\.entry) == ["taro", "b＠y.jp", "c@d"])
        #expect(result.failures.map(\.error.kind) == [.missingAt, .fullWidthCharacter, .invalidDomain])
        #expect(result.failures.map(\.position) == [1, position(of: "＠", in: text), position(of: "d,", in: text)])
        // Each error is the one the throwing parse gives for that entry alone, and quotes it.
        for failure in result.failures {
            let alone = try #require(firstError(failure.entry))
            #expect(alone.kind == failure.error.kind)
            #expect(alone.offending == failure.error.offending)
            #expect(failure.error.description.contains("position \(failure.position) in '\(failure.entry)'"), "\(failure.error.description)")
        }
        // The throwing parse stops at the first of them.
        #expect(firstError(text) == result.failures.first?.error)
    }

    @Test("commas inside quoted strings, comments and angle brackets do not split an entry")
    func quotedCommas() {
        let good = "\"Yamada, Taro\" <t@x.jp>, (a, b) c@x.jp, d@x.jp (e, f), \"q,x\"@x.jp"
        let ok = AddressParser.parseListRecovering(good)
        #expect(ok.failures.isEmpty)
        #expect(ok.mailboxes.map(\.envelopeAddress) == ["t@x.jp", "c@x.jp", "d@x.jp", "\"q,x\"@x.jp"])

        let bad = "\"Yamada, Taro\" <t@x.jp>, (a, b) bad, \"Sato, Ji\" nope, ok@x.jp"
        let result = AddressParser.parseListRecovering(bad)
        #expect(result.failures.map(\.entry) == ["(a, b) bad", "\"Sato, Ji\" nope"])
        #expect(result.failures.map(\.position) == [position(of: "bad", in: bad), position(of: "\"Sato", in: bad)])
        #expect(result.mailboxes.map(\.envelopeAddress) == ["t@x.jp", "ok@x.jp"])

        // An angle bracket never closed holds the rest of the text: nothing after it is read.
        let open = "<a@x.jp, b@x.jp, c"
        let unclosed = AddressParser.parseListRecovering(open)
        #expect(unclosed.failures.map(\.error.kind) == [.unterminatedAngle])
        #expect(unclosed.entries.isEmpty)
    }

    @Test("groups parse as they always did; an error inside a group ends the parse, one outside it does not")
    func groups() throws {
        let empty = AddressParser.parseListRecovering("undisclosed-recipients:;")
        #expect(empty.failures.isEmpty)
        #expect(empty.entries == [.group(name: "undisclosed-recipients", members: [])])

        let team = AddressParser.parseListRecovering("team: a@x.jp, b@y.jp;")
        #expect(team.failures.isEmpty)
        #expect(team.entries == [.group(name: "team", members: [mailbox(nil, "a", "x.jp"), mailbox(nil, "b", "y.jp")])])

        // Inside a group ',' separates members: the first error is the only one.
        let inside = "team: a@x.jp, bad, b@y.jp; c＠x.jp"
        let insideResult = AddressParser.parseListRecovering(inside)
        #expect(insideResult.failures.map(\.error) == [try #require(firstError(inside))])
        #expect(insideResult.failures.first?.position == position(of: "bad", in: inside))
        #expect(insideResult.entries.isEmpty)

        // An unclosed group: the error names the group, nothing after it is invented.
        let unclosed = AddressParser.parseListRecovering("team: a@x.jp, b@y.jp")
        #expect(unclosed.failures.map(\.error.kind) == [.unterminatedGroup])

        // Before and after a group the list reads on.
        let around = "bad, team: a@x.jp, b@y.jp;, c@x.jp, worse"
        let aroundResult = AddressParser.parseListRecovering(around)
        #expect(aroundResult.failures.map(\.entry) == ["bad", "worse"])
        #expect(aroundResult.failures.map(\.position) == [1, position(of: "worse", in: around)])
        #expect(aroundResult.mailboxes.map(\.envelopeAddress) == ["a@x.jp", "b@y.jp", "c@x.jp"])
    }

    @Test("full-width '＠' and '，' are refused as before, each where it is")
    func fullWidth() throws {
        let comma = "a@x.jp，b@y.jp"
        let commaResult = AddressParser.parseListRecovering(comma)
        #expect(commaResult.failures.map(\.error) == [try #require(firstError(comma))])
        #expect(commaResult.failures.first?.error.kind == .japaneseSeparator)
        #expect(commaResult.failures.first?.position == position(of: "，", in: comma))

        let at = "taro＠example.jp, ok@x.jp, hanako＠example.jp"
        let atResult = AddressParser.parseListRecovering(at)
        #expect(atResult.failures.map(\.error.kind) == [.fullWidthCharacter, .fullWidthCharacter])
        #expect(atResult.failures.map(\.position) == [5, position(of: "hanako＠", in: at) + 6])
        #expect(atResult.failures.map(\.error.offending) == ["＠", "＠"])
        #expect(atResult.failures.first?.error == firstError(at))
        #expect(atResult.mailboxes.map(\.envelopeAddress) == ["ok@x.jp"])
    }

    @Test("a long pasted list: every bad entry is named with its own text, every good one kept in order")
    func longList() {
        let entries = (0..<600).map { n in
            switch n % 3 {
            case 0: "\"User, \(n)\" <user\(n)＠example.jp>"
            case 1: "(n, \(n)) user\(n)@example.jp"
            default: "user\(n)"
            }
        }
        let result = AddressParser.parseListRecovering(entries.joined(separator: ", "))
        #expect(result.failures.map(\.entry) == entries.enumerated().filter { $0.offset % 3 != 1 }.map(\.element))
        #expect(result.failures.map(\.error.kind) == (0..<400).map { $0 % 2 == 0 ? .fullWidthCharacter : .missingAt })
        #expect(result.mailboxes.map(\.envelopeAddress) == (0..<600).filter { $0 % 3 == 1 }.map { "user\($0)@example.jp" })
    }

    @Test("an unclosed comment after a good entry quotes its own entry, not the good one before it")
    func unclosedCommentQuotesItsEntry() throws {
        let text = "a@x.jp, (open"
        let error = try #require(firstError(text))
        #expect(error.kind == .unterminatedComment)
        #expect(error.description == "comment '(' is never closed at position 9 in '(open': add the closing ')'")
        #expect(AddressParser.parseListRecovering(text).failures.map(\.entry) == ["(open"])
    }

    @Test("a line break anywhere is the list's one error, and no entry is returned")
    func lineBreak() {
        let result = AddressParser.parseListRecovering("a@x.jp, b@x\n.jp, c")
        #expect(result.failures.map(\.error.kind) == [.lineBreak])
        #expect(result.failures.first?.entry == "b@x\\n.jp" || result.failures.first?.entry == "b@x\n.jp")
        #expect(result.entries.isEmpty)
    }

    @Test(
        "for every list of the corpus the old parser accepted, the same mailboxes and no error; for every list it refused, the same first error and the same messages in the composer"
    )
    func sameAsBefore() throws {
        struct Case: Decodable {
            var input: String
            var mailboxes: [String]?
            var kind: String?
            var position: Int?
            var first: String?
            var all: [String]?
        }
        let cases = try AddressListGolden.jsonLines.split(separator: "\n").map {
            try JSONDecoder().decode(Case.self, from: Data($0.utf8))
        }
        #expect(cases.count > 1000)
        var accepted = 0, refused = 0, several = 0
        for c in cases {
            let result = AddressParser.parseListRecovering(c.input)
            let shown = HeaderText.escapingLineBreaks(c.input)
            if let mailboxes = c.mailboxes {
                accepted += 1
                #expect(result.failures.isEmpty, "'\(shown)': \(result.failures.map(\.error.description))")
                #expect(result.mailboxes.map(\.formatted) == mailboxes, "'\(shown)'")
                continue
            }
            refused += 1
            let first = try #require(result.failures.first, "'\(shown)' was accepted")
            #expect("\(first.error.kind)" == c.kind, "'\(shown)'")
            #expect(first.position == c.position, "'\(shown)'")
            #expect(sameMessage(first.error.description, c.first), "'\(shown)'")
            #expect(firstError(c.input) == first.error, "'\(shown)'")
            let positions = result.failures.map(\.position)
            #expect(positions == positions.sorted() && Set(positions).count == positions.count, "'\(shown)': \(positions)")
            // The composer's messages: the same list, except where the old way gave up early
            // (a ':' anywhere, as in a group, stopped it after the first error).
            let messages = result.failures.prefix(20).map(\.error.description)
            if let all = c.all, all.count > 1 { several += 1 }
            let old = c.all ?? []
            if !c.input.contains(":") {
                #expect(messages.count == old.count, "'\(shown)': \(messages) against \(old)")
            } else {
                #expect(messages.count >= old.count, "'\(shown)': \(messages) against \(old)")
            }
            for (new, before) in zip(messages, old) {
                #expect(sameMessage(new, before), "'\(shown)'")
            }
        }
        #expect(accepted > 300 && refused > 300 && several > 50, "\(accepted) accepted, \(refused) refused, \(several) with several errors")
    }
}
