#if canImport(Glibc)
    import Glibc
#endif
import Store
import Testing
import Workflow
@testable import Outbox

let allStates: [SendState] = [
    .editing,
    .confirming,
    .holding(releaseAt: Instant(seconds: 1_700_000_000.5), recipients: ["hanako@example.jp", "bob@xn--wgv71a119e.jp"]),
    .submitting(attempt: 3, recipients: ["hanako@example.jp"]),
    .sent(at: Instant(seconds: 0.1 + 0.2)),
    .partiallySent(refused: ["bob@example.com", "\"odd local\"@example.jp"], at: Instant(seconds: 1_795_950_123.000_001)),
    .failedTemporarily(
        reason: "421 4.7.0 混雑しています \"later\"\nsecond line\\", attempt: 2,
        retryAt: Instant(seconds: .leastNonzeroMagnitude), recipients: []),
    .failedPermanently(reason: "550 5.1.1 <bob@example.com>: no such user", recipients: ["bob@example.com"]),
    .unknown(recipients: ["hanako@example.jp"]),
    .interrupted(recipients: ["a@example.jp", "b@example.jp"]),
    .discarded
]

@Suite("Outbox")
struct OutboxTests {
    // MARK: Formats

    @Test("a record with Japanese, quotes, backslashes, newlines and control characters round-trips exactly")
    func recordRoundTrip() throws {
        let folder = TemporaryFolder()
        let record = sampleRecord(id: "20261129-110203-k3f9")
        let text = OutboxFormat.encodeRecord(record)
        let decoded = try OutboxFormat.decodeRecord(text, file: "record.toml")
        #expect(decoded == record)
        try freezeSample(folder, id: record.id)
        let loaded = try folder.outbox.load(id: record.id).record
        #expect(loaded == record)
        #expect(sameScalars(loaded.subject, record.subject))
        #expect(sameScalars(loaded.from, record.from))
        #expect(sameScalars(loaded.account, record.account))
        for (a, b) in zip(loaded.recipients, record.recipients) { #expect(sameScalars(a.displayName, b.displayName)) }
        #expect(loaded.recipients[1].displayName == nil && loaded.recipients[2].displayName == "")
        for (a, b) in zip(loaded.confirmation.findings, record.confirmation.findings) { #expect(sameScalars(a.message, b.message)) }
        #expect(loaded.confirmedAt.bitPattern == record.confirmedAt.bitPattern)
    }

    @Test(
        "the measures for the report round-trip: a challenged finding, the findings that led to a change, the time to confirm; a record without them has none of their keys"
    )
    func measuresRoundTrip() throws {
        var record = sampleRecord(id: "20261129-110203-k3f9")
        let plain = OutboxFormat.encodeRecord(record)
        #expect(!plain.contains("challenged") && !plain.contains("changed_findings") && !plain.contains("confirm_milliseconds"))
        record.confirmation.findings[0].challenged = true
        record.confirmation.changedFindings = [OutboxFinding(ruleID: "new-domain", severity: "confirm", message: "例.jp \"x\"", accepted: false)]
        record.confirmation.confirmMilliseconds = 2345
        let decoded = try OutboxFormat.decodeRecord(OutboxFormat.encodeRecord(record), file: "record.toml")
        #expect(decoded == record)
        #expect(decoded.confirmation.findings.map(\.challenged) == [true, false])
        #expect(decoded.confirmation.confirmMilliseconds == 2345)
    }

    @Test("every send state survives write and load, with release_requested", arguments: allStates)
    func stateRoundTrip(state: SendState) throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-st01"
        // Changed with the cross-check: the record confirms every recipient the state names.
        let named = Outbox.recipientLists(state).flatMap(\.addresses)
        try freezeSample(folder, id: id, extraRecipients: named)
        for requested in [false, true] {
            try folder.outbox.write(id: id, state: state, releaseRequested: requested)
            let entry = try folder.outbox.load(id: id)
            #expect(entry.state == state)
            #expect(entry.releaseRequested == requested)
            #expect(entry.state.deadline?.seconds.bitPattern == state.deadline?.seconds.bitPattern)
            if case let .failedTemporarily(reason, _, _, _) = entry.state, case let .failedTemporarily(original, _, _, _) = state {
                #expect(sameScalars(reason, original))
            }
        }
        #expect(mode(folder.outbox.entryDirectory(id: id) + "/state.toml") == 0o600)
        // No temporary state files are left next to it.
        #expect(FileSystem.listDirectory(folder.outbox.entryDirectory(id: id)).filter { $0.hasPrefix(".") }.isEmpty)
    }

    // Changed with the range checks: instants outside 1970…9999 are now refused (next test), so
    // the random bit patterns are folded into that range instead of taken whole.
    @Test("instants come back to the bit, whatever their magnitude within 1970 to 9999")
    func doublesRoundTrip() throws {
        var random = SeededGenerator(state: 42)
        var values: [Double] = [
            0, -0.0, 1, 0.1, 1e-5, 1e11, 253_402_300_799, 253_402_300_798.99997,
            .leastNonzeroMagnitude, .leastNormalMagnitude, 1_700_000_000.25
        ]
        for _ in 0..<2000 {
            let value = abs(Double(bitPattern: random.next()))
            if value.isFinite {
                // Every magnitude from 1e-300 to 1e11, mantissa bits as they came.
                let folded = value.significand * pow(2.0, Double(Int(value.exponent) % 37))
                if folded <= 253_402_300_799 { values.append(folded) }
            }
        }
        for value in values {
            let state = SendState.sent(at: Instant(seconds: value))
            let text = OutboxFormat.encodeState(state, releaseRequested: false)
            let decoded = try OutboxFormat.decodeState(text, file: "state.toml")
            guard case let .sent(at) = decoded.state else {
                Issue.record("\(text) read back as \(decoded.state)")
                continue
            }
            #expect(at.seconds.bitPattern == value.bitPattern, "\(text)")
        }
    }

    @Test(
        "numbers out of range are damage, naming file, line, key and value (a trap before)",
        arguments: [
            ("release_at = 1e300", "'release_at' must be a time between 0 and 253402300799 seconds since 1970", "'1e+300'"),
            ("release_at = -1.0", "'release_at' must be a time between", "'-1.0'"),
            ("release_at = 253402300800", "'release_at' must be a time between", "'253402300800.0'")
        ])
    func instantsOutOfRange(line: String, words: String, value: String) throws {
        let text = "format = 1\nstate = \"holding\"\n\(line)\nrecipients = [\"a@example.jp\"]\nrelease_requested = false\n"
        do {
            _ = try OutboxFormat.decodeState(text, file: "state.toml")
            Issue.record("\(line) was read")
        } catch {
            #expect(error.description.hasPrefix("state.toml:3: "), "\(error)")
            #expect(error.description.contains(words) && error.description.contains(value), "\(error)")
        }
    }

    @Test(
        "every number of record.toml and state.toml is range-checked",
        arguments: [
            ("record", "message_offset = ", "9223372036854775807", "'message_offset' must be between 0 and 1099511627776 bytes, found '9223372036854775807'"),
            ("record", "message_offset = ", "-1", "'message_offset' must be between 0 and 1099511627776 bytes, found '-1'"),
            ("record", "message_size = ", "1099511627777", "'message_size' must be between 0 and 1099511627776 bytes, found '1099511627777'"),
            ("record", "hold_seconds = ", "9223372036854775807", "'hold_seconds' must be between 0 and 31536000 seconds, found '9223372036854775807'"),
            ("record", "confirmed_at = ", "1e308", "'confirmed_at' must be a time between"),
            ("record", "size = ", "-123456", "'attachments[1].size' must be between 0 and 1099511627776 bytes, found '-123456'"),
            ("record", "message_sha256 = ", "\"ABC\"", "'message_sha256' must be 64 lowercase hexadecimal digits, found 'ABC'"),
            ("state", "attempt = ", "0", "'attempt' must be between 1 and 1000000, found '0'"),
            ("state", "attempt = ", "9223372036854775807", "'attempt' must be between 1 and 1000000, found '9223372036854775807'"),
            ("state", "retry_at = ", "9.2e18", "'retry_at' must be a time between")
        ])
    func numbersOutOfRange(file: String, prefix: String, value: String, expected: String) throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-rng1"
        try freezeSample(
            folder, id: id,
            state: .failedTemporarily(
                reason: "421", attempt: 2, retryAt: Instant(seconds: 1_795_950_300), recipients: ["hanako@example.jp"]))
        let path = folder.outbox.entryDirectory(id: id) + "/\(file).toml"
        let lines = String(decoding: try readFile(path), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let index = lines.firstIndex(where: { $0.hasPrefix(prefix) }) else {
            Issue.record("no \(prefix) in \(path)")
            return
        }
        var changed = lines
        changed[index] = Substring(prefix + value)
        FileSystem.remove(path)
        try writeFile(path, changed.joined(separator: "\n"))
        let error = outboxError { () throws(OutboxError) in try folder.outbox.load(id: id) }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("\(path):\(index + 1): \(expected)") == true, "\(error?.message ?? "")")
        // Listed as damaged, with the path; never a trap, never hiding the others.
        try freezeSample(folder, id: "20261129-110204-ok01")
        let (entries, problems) = folder.outbox.list()
        #expect(entries.map(\.id) == ["20261129-110204-ok01"])
        #expect(problems == [DamagedEntry(id: id, path: folder.outbox.entryDirectory(id: id), kind: .corrupt, reason: error?.message ?? "")])
        // For a row that shows the folder already: the file, line, key and value first.
        #expect(problems.first?.problem.hasPrefix("\(file).toml:\(index + 1): \(expected)") == true, "\(problems.first?.problem ?? "")")
    }

    @Test(
        "state.toml may name only recipients record.toml says were confirmed",
        arguments: [
            SendState.holding(releaseAt: Instant(seconds: 5), recipients: ["hanako@example.jp", "intruder@example.org"]),
            .failedPermanently(reason: "550", recipients: ["intruder@example.org"]),
            .interrupted(recipients: ["HANAKO@example.jp"]),
            .partiallySent(refused: ["intruder@example.org"], at: Instant(seconds: 5))
        ])
    func recipientsCrossChecked(state: SendState) throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-rcp1"
        try freezeSample(folder, id: id)
        try folder.outbox.write(id: id, state: state)
        let error = outboxError { () throws(OutboxError) in try folder.outbox.load(id: id) }
        #expect(error?.kind == .corrupt)
        let key = state.kind == .partiallySent ? "refused" : "recipients"
        let stranger = state.kind == .interrupted ? "HANAKO@example.jp" : "intruder@example.org"
        #expect(
            error?.message.contains("state.toml: '\(key)' names '\(stranger)', who is not among the recipients confirmed in record.toml") == true,
            "\(error?.message ?? "")")
        // The confirmed ones are fine.
        try folder.outbox.write(id: id, state: .interrupted(recipients: ["bob@xn--wgv71a119e.jp", "audit@example.jp"]))
        #expect(try folder.outbox.load(id: id).state == .interrupted(recipients: ["bob@xn--wgv71a119e.jp", "audit@example.jp"]))
    }

    @Test("the message checksum is kept (format 2); a format 1 record reads without one; a damaged mark sticks")
    func checksumAndDamage() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-sha1"
        var record = sampleRecord(id: id)
        record.messageSHA256 = String(repeating: "5a", count: 32)
        let text = OutboxFormat.encodeRecord(record)
        #expect(text.contains("\nformat = 2\n") && text.contains("\nmessage_sha256 = \"\(record.messageSHA256!)\"\n"))
        #expect(try OutboxFormat.decodeRecord(text, file: "record.toml") == record)
        // Format 1: no checksum, and a format 1 record with one is an unknown key.
        let old = OutboxFormat.encodeRecord(sampleRecord(id: id, messageSHA256: nil))
        #expect(old.contains("\nformat = 1\n") && !old.contains("message_sha256"))
        #expect(try OutboxFormat.decodeRecord(old, file: "record.toml").messageSHA256 == nil)
        #expect(throws: (any Error).self) {
            try OutboxFormat.decodeRecord(text.replacingFirst("format = 2", "format = 1"), file: "record.toml")
        }
        #expect(throws: (any Error).self) {
            try OutboxFormat.decodeRecord(text.replacingFirst("format = 2", "format = 3"), file: "record.toml")
        }

        try freezeSample(folder, id: id)
        try folder.outbox.markDamaged(id: id, reason: "'/x/message.eml' changed after it was confirmed")
        let error = outboxError { () throws(OutboxError) in try folder.outbox.load(id: id) }
        #expect(error?.kind == .corrupt)
        #expect(
            error?.message == "the outbox entry '\(folder.outbox.entryDirectory(id: id))' cannot be read: "
                + "it was marked damaged: '/x/message.eml' changed after it was confirmed")
        #expect(folder.outbox.list().problems.map(\.id) == [id])
        try folder.outbox.remove(id: id)
        #expect(folder.outbox.list().problems.isEmpty)
    }

    @Test("the files say what they hold")
    func fileFormat() throws {
        let text = OutboxFormat.encodeState(
            .holding(releaseAt: Instant(seconds: 1_700_000_000.5), recipients: ["a@example.jp"]),
            releaseRequested: false)
        #expect(text.contains("\nformat = 1\n"))
        #expect(text.contains("\nstate = \"holding\"\nrelease_at = 1700000000.5\nrecipients = [\"a@example.jp\"]\nrelease_requested = false\n"))
        let partial = OutboxFormat.encodeState(
            .failedTemporarily(reason: "x", attempt: 1, retryAt: Instant(seconds: 2), recipients: []),
            releaseRequested: true)
        #expect(partial.contains("state = \"failed-temporarily\"\nreason = \"x\"\nattempt = 1\nretry_at = 2.0\nrecipients = []\nrelease_requested = true\n"))
        let record = OutboxFormat.encodeRecord(sampleRecord(id: "20261129-110203-k3f9"))
        #expect(record.contains("subject = \"【至急】お見積書の件\\n二行目\\u000D\\n\\t\\\"引用\\\" \\\\ が"))
        #expect(record.contains("\n[[recipients]]\naddress = \"hanako@example.jp\"\ndisplay_name = "))
        #expect(record.contains("\n[[confirmation.findings]]\nrule_id = \"external-domain\"\n"))
    }

    @Test("unknown keys, unknown states, newer formats and infinite instants are corrupt, naming file and line")
    func strictReading() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-bad1"
        try freezeSample(folder, id: id)
        let stateFile = folder.outbox.entryDirectory(id: id) + "/state.toml"
        let cases: [(String, String)] = [
            (
                "format = 1\nstate = \"holding\"\nrelease_at = 1.5\nrecipients = []\nrelease_requested = false\nsurprise = 1\n",
                "\(stateFile):6: unknown key 'surprise' at the top level"
            ),
            (
                "format = 1\nstate = \"sent\"\nat = 1.0\nrecipients = []\nrelease_requested = false\n",
                "\(stateFile):4: unknown key 'recipients'"
            ),
            ("format = 1\nstate = \"lost\"\nrelease_requested = false\n", "\(stateFile):2: 'state' must be one of"),
            ("format = 2\nstate = \"editing\"\nrelease_requested = false\n", "\(stateFile):1: 'format' is 2"),
            ("format = 1\nstate = \"sent\"\nat = inf\nrelease_requested = false\n", "\(stateFile):3: 'at' must be a finite number"),
            ("format = 1\nstate = \"editing\"\n", "missing key 'release_requested'"),
            ("format = 1\nstate = \"editing\"\nrelease_requested = false\n[x\n", "\(stateFile):4:")
        ]
        for (text, expected) in cases {
            FileSystem.remove(stateFile)
            try writeFile(stateFile, text)
            let error = outboxError { () throws(OutboxError) in try folder.outbox.load(id: id) }
            #expect(error?.kind == .corrupt, "\(text)")
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "") should contain \(expected)")
            #expect(error?.message.hasPrefix("the outbox entry '\(folder.outbox.entryDirectory(id: id))' cannot be read: ") == true)
        }
    }

    // MARK: Freezing

    @Test("freeze moves the spool file in: same bytes, private modes, draft kept, nothing temporary left")
    func freezeMovesSpool() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-a1b2"
        let spool = folder.path + "/spool.eml"
        try writeFile(spool, Spool.sample.bytes)
        let draft = DraftRecord(
            id: "d1", account: "work", to: "hanako@example.jp, 佐藤 <x@", subject: "件名\n", body: "本文\r\nです  ",
            attachmentPaths: ["/tmp/見積 書.pdf"], field: "body", bodyLine: 1, bodyColumn: 2, savedAt: 1_795_950_000)
        let state = SendState.holding(releaseAt: Instant(seconds: 1_795_950_183.25), recipients: ["hanako@example.jp"])
        let entry = try folder.outbox.freeze(sampleRecord(id: id), state: state, spoolFile: spool, draft: draft)

        #expect(!FileSystem.exists(spool))
        #expect(entry.directory == folder.outbox.entryDirectory(id: id))
        #expect(entry.messagePath == entry.directory + "/message.eml")
        #expect(try readFile(entry.messagePath) == Spool.sample.bytes)
        #expect(entry.hasDraft && entry.state == state && !entry.releaseRequested)
        #expect(try folder.outbox.draft(id: id) == draft)
        #expect(
            FileSystem.listDirectory(entry.directory)
                == ["draft.eml", "message.eml", "owner.lock", "record.toml", "state.lock", "state.toml"])
        #expect(mode(entry.directory) == 0o700)
        for name in ["draft.eml", "message.eml", "owner.lock", "record.toml", "state.lock", "state.toml"] {
            #expect(mode(entry.directory + "/" + name) == 0o600, "\(name)")
        }
        #expect(FileSystem.listDirectory(folder.path + "/outbox") == [id])

        let loaded = try folder.outbox.load(id: id)
        #expect(loaded.record == entry.record && loaded.state == state && loaded.hasDraft)
        // The transmitted bytes start at messageOffset.
        let bytes = try readFile(loaded.messagePath)
        #expect(Array(bytes[Int(loaded.record.messageOffset)...]).starts(with: Array("From: ".utf8)))
        #expect(Int64(bytes.count) == loaded.record.messageOffset + loaded.record.messageSize)
    }

    @Test("without a draft there is no draft.eml and draft(id:) is nil")
    func freezeWithoutDraft() throws {
        let folder = TemporaryFolder()
        let entry = try freezeSample(folder, id: "20261129-110203-nod1")
        #expect(!entry.hasDraft)
        #expect(try folder.outbox.draft(id: entry.id) == nil)
        #expect(try !folder.outbox.load(id: entry.id).hasDraft)
    }

    @Test("freeze into a folder that cannot be created throws with the path and leaves the spool file in place")
    func freezeUnwritable() throws {
        let folder = TemporaryFolder()
        let spool = folder.path + "/spool.eml"
        try writeFile(spool, Spool.sample.bytes)
        try writeFile(folder.path + "/not-a-folder", "x")
        var outboxes = [Outbox(directory: folder.path + "/not-a-folder/outbox")]
        if geteuid() != 0 {
            // Permissions do not stop root, so this case only runs for other users.
            try FileSystem.makeDirectories(folder.path + "/readonly")
            _ = chmod(folder.path + "/readonly", 0o500)
            outboxes.append(Outbox(directory: folder.path + "/readonly"))
        }
        for outbox in outboxes {
            let error = outboxError { () throws(OutboxError) in
                try outbox.freeze(sampleRecord(id: "20261129-110203-rw01"), state: .confirming, spoolFile: spool, draft: nil)
            }
            #expect(error?.kind == .io)
            #expect(error?.path == outbox.directory)
            #expect(error?.message.hasPrefix("cannot freeze the message in the outbox '\(outbox.directory)': ") == true, "\(error?.message ?? "")")
            #expect(try readFile(spool) == Spool.sample.bytes)
        }
    }

    @Test(
        "a failure at any step of freeze puts the spool file back and leaves no entry or temporary folder",
        arguments: Outbox.FreezeStep.allCases)
    func freezeRollsBack(step: Outbox.FreezeStep) throws {
        let folder = TemporaryFolder()
        let spool = folder.path + "/spool.eml"
        try writeFile(spool, Spool.sample.bytes)
        var outbox = folder.outbox
        outbox.injectedFailure = step
        let error = outboxError { () throws(OutboxError) in
            try outbox.freeze(
                sampleRecord(id: "20261129-110203-fail"), state: .confirming, spoolFile: spool,
                draft: DraftRecord(id: "d"))
        }
        #expect(error?.message.contains("Input/output error") == true, "\(error?.message ?? "")")
        #expect(try readFile(spool) == Spool.sample.bytes)
        #expect(FileSystem.listDirectory(outbox.directory).isEmpty)
        #expect(folder.outbox.list().entries.isEmpty && folder.outbox.list().problems.isEmpty)
    }

    @Test("freeze refuses a spool file whose size disagrees with the record, a missing spool file, and a taken id")
    func freezeRefuses() throws {
        let folder = TemporaryFolder()
        let spool = folder.path + "/spool.eml"
        try writeFile(spool, Spool.sample.bytes + [10])
        let record = sampleRecord(id: "20261129-110203-size")
        let sizeError = outboxError { () throws(OutboxError) in
            try folder.outbox.freeze(record, state: .confirming, spoolFile: spool, draft: nil)
        }
        #expect(sizeError?.kind == .corrupt)
        #expect(sizeError?.message.contains("'\(spool)' is \(Spool.sample.bytes.count + 1) bytes") == true, "\(sizeError?.message ?? "")")
        #expect(FileSystem.exists(spool))

        let missing = outboxError { () throws(OutboxError) in
            try folder.outbox.freeze(record, state: .confirming, spoolFile: folder.path + "/nope.eml", draft: nil)
        }
        #expect(missing?.kind == .notFound)
        #expect(
            missing?.message == "cannot freeze the message in the outbox '\(folder.outbox.directory)': "
                + "No such file or directory (reading the spool file '\(folder.path)/nope.eml')")

        try freezeSample(folder, id: "20261129-110203-dup1")
        let again = folder.path + "/spool-again.eml"
        try writeFile(again, Spool.sample.bytes)
        let taken = outboxError { () throws(OutboxError) in
            try folder.outbox.freeze(sampleRecord(id: "20261129-110203-dup1"), state: .confirming, spoolFile: again, draft: nil)
        }
        #expect(taken?.message.contains("already there") == true)
        #expect(FileSystem.exists(again))

        let badID = outboxError { () throws(OutboxError) in
            try folder.outbox.freeze(sampleRecord(id: "../escape"), state: .confirming, spoolFile: again, draft: nil)
        }
        #expect(badID?.kind == .notFound)
        #expect(FileSystem.exists(again))
    }

    @Test("ids are UTC date-time plus four typeable characters, and sort by time")
    func ids() {
        var random = SeededGenerator(state: 7)
        let id = Outbox.newID(now: 1_795_950_123.9, random: &random)
        #expect(id.hasPrefix("20261129-110203-"))
        #expect(id.count == 20)
        #expect(id.suffix(4).allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        #expect(Outbox.newID(now: 0, random: &random).hasPrefix("19700101-000000-"))
        #expect(Outbox.newID(now: -0.5, random: &random).hasPrefix("19691231-235959-"))
        var again = SeededGenerator(state: 7)
        #expect(Outbox.newID(now: 1_795_950_123.9, random: &again) == id)
        var times: [String] = []
        for seconds in stride(from: 1_000_000_000.0, to: 2_000_000_000, by: 33_333_333.3) {
            times.append(Outbox.newID(now: seconds, random: &random))
        }
        #expect(times == times.sorted())
        let many = Set((0..<200).map { _ in Outbox.newID(now: 1_795_950_123, random: &random) })
        #expect(many.count > 190)
    }

    // MARK: Listing and removing

    @Test("list: oldest first; unreadable entries are problems, not dropped; tmp ignored; trash cleaned")
    func listing() throws {
        let folder = TemporaryFolder()
        let outbox = folder.outbox
        for id in ["20261129-110205-cccc", "20261129-110203-aaaa", "20261130-000000-dddd", "20261129-110204-bbbb"] {
            try freezeSample(folder, id: id)
        }
        // A corrupt state file in one entry, a stray file and folders that are not entries.
        let broken = outbox.entryDirectory(id: "20261129-110204-bbbb")
        FileSystem.remove(broken + "/state.toml")
        try writeFile(broken + "/state.toml", "state = \"holding\"\nwhat = \n")
        try FileSystem.makeDirectories(outbox.directory + "/.tmp-20261129-110209-tttt")
        try writeFile(outbox.directory + "/.tmp-20261129-110209-tttt/message.eml", "half frozen")
        // A freeze in another process holds the lock: its folder is left alone.
        let writer = spawn(["/usr/bin/flock", "-s", "-o", outbox.directory, "/bin/sleep", "30"])
        defer {
            kill(-writer, SIGKILL)
            _ = wait(writer)
        }
        while !isLockedShared(outbox.directory) { usleep(1_000) }
        try FileSystem.makeDirectories(outbox.directory + "/.trash-20261129-110200-xxxx-123")
        try writeFile(outbox.directory + "/.trash-20261129-110200-xxxx-123/record.toml", "old")
        // An entry whose message was truncated.
        let truncated = outbox.entryDirectory(id: "20261130-000000-dddd") + "/message.eml"
        FileSystem.remove(truncated)
        try writeFile(truncated, "short")

        let (entries, problems) = outbox.list()
        #expect(entries.map(\.id) == ["20261129-110203-aaaa", "20261129-110205-cccc"])
        #expect(problems.map(\.id) == ["20261129-110204-bbbb", "20261130-000000-dddd"])
        #expect(problems.first?.reason.contains("\(broken)/state.toml:2:") == true, "\(problems.first?.reason ?? "")")
        #expect(problems.last?.reason.contains("message.eml is 5 bytes") == true, "\(problems.last?.reason ?? "")")
        #expect(FileSystem.exists(broken + "/state.toml") && FileSystem.exists(truncated))
        #expect(FileSystem.exists(outbox.directory + "/.tmp-20261129-110209-tttt/message.eml"))
        #expect(!FileSystem.exists(outbox.directory + "/.trash-20261129-110200-xxxx-123"))
        #expect(Outbox(directory: folder.path + "/none").list().entries.isEmpty)
        // Changed: that freeze was killed (its lock died with it): the next list removes its folder.
        kill(-writer, SIGKILL) // (-o: only flock holds the lock, not its sleep)
        _ = wait(writer)
        #expect(outbox.list().entries.count == 2)
        #expect(!FileSystem.exists(outbox.directory + "/.tmp-20261129-110209-tttt"))
        #expect(FileSystem.listDirectory(outbox.directory).filter { $0.hasPrefix(".") } == [])
    }

    @Test("remove deletes the entry; loading or removing it again is notFound")
    func removing() throws {
        let folder = TemporaryFolder()
        let outbox = folder.outbox
        try freezeSample(folder, id: "20261129-110203-rm01")
        try freezeSample(folder, id: "20261129-110203-rm02")
        try outbox.remove(id: "20261129-110203-rm01")
        #expect(FileSystem.listDirectory(outbox.directory) == ["20261129-110203-rm02"])
        let load = outboxError { () throws(OutboxError) in try outbox.load(id: "20261129-110203-rm01") }
        #expect(load?.kind == .notFound)
        #expect(load?.message == "there is no message '20261129-110203-rm01' in the outbox '\(outbox.directory)'")
        #expect(outboxError { () throws(OutboxError) in try outbox.remove(id: "20261129-110203-rm01") }?.kind == .notFound)
        #expect(outboxError { () throws(OutboxError) in try outbox.write(id: "20261129-110203-rm01", state: .discarded) }?.kind == .notFound)
        #expect(outbox.list().entries.map(\.id) == ["20261129-110203-rm02"])

        // A stray file where an entry should be is a problem, and can still be removed.
        try writeFile(outbox.entryDirectory(id: "20261129-110203-file"), "stray")
        #expect(
            outbox.list().problems.map(\.reason) == [
                "the outbox entry '\(outbox.entryDirectory(id: "20261129-110203-file"))' cannot be read: it is not a folder"
            ])
        try outbox.remove(id: "20261129-110203-file")
        #expect(FileSystem.listDirectory(outbox.directory) == ["20261129-110203-rm02"])
    }

    @Test("moveToSent: the sent copy is cur/<id>:2,S with the spool file's bytes, Bcc included; the entry is gone")
    func sent() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-snt1"
        try freezeSample(folder, id: id)
        let sentFolder = SentFolder(directory: folder.path + "/sent")
        try folder.outbox.moveToSent(id: id, folder: sentFolder)
        #expect(try readFile(folder.path + "/sent/cur/\(id):2,S") == Spool.sample.bytes)
        #expect(!FileSystem.exists(folder.outbox.entryDirectory(id: id)))
        #expect(FileSystem.listDirectory(folder.outbox.directory).isEmpty)
        #expect(sentFolder.history().addresses.contains("audit@example.jp"))

        // An entry that lost its message (a crash after the move) is reported, not resent.
        let lost = "20261129-110203-snt2"
        try freezeSample(folder, id: lost)
        FileSystem.remove(folder.outbox.entryDirectory(id: lost) + "/message.eml")
        #expect(outboxError { () throws(OutboxError) in try folder.outbox.load(id: lost) }?.message.contains("message.eml is missing") == true)
        let error = outboxError { () throws(OutboxError) in try folder.outbox.moveToSent(id: lost, folder: sentFolder) }
        #expect(error?.kind == .notFound)
        #expect(
            error?.message == "cannot move the message '\(lost)' to the sent folder '\(sentFolder.directory)': "
                + "No such file or directory (moving '\(folder.outbox.entryDirectory(id: lost))/message.eml')")
        #expect(FileSystem.exists(folder.outbox.entryDirectory(id: lost)))
    }

    // MARK: Locks

    @Test("claim: exclusive against a second claim and other processes; released on release()")
    func claiming() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-own1"
        try freezeSample(folder, id: id)
        let outbox = folder.outbox
        let lockFile = outbox.entryDirectory(id: id) + "/owner.lock"
        #expect(!outbox.isClaimed(id: id))

        let lock = try #require(try outbox.claim(id: id))
        #expect(lock.id == id && lock.isHeld)
        #expect(try outbox.claim(id: id) == nil) // a new open file description conflicts, even in-process
        #expect(outbox.isClaimed(id: id))
        #expect(try run(["/usr/bin/flock", "-n", lockFile, "true"]) == 1)

        lock.release()
        lock.release()
        #expect(!lock.isHeld)
        #expect(!outbox.isClaimed(id: id))
        #expect(try run(["/usr/bin/flock", "-n", lockFile, "true"]) == 0)
        do {
            let again = try #require(try outbox.claim(id: id))
            #expect(again.isHeld)
        }
        // The claim above was dropped with its object.
        #expect(!outbox.isClaimed(id: id))
        #expect(outboxError { () throws(OutboxError) in try outbox.claim(id: "20261129-110203-none") }?.kind == .notFound)
        #expect(!outbox.isClaimed(id: "20261129-110203-none"))
    }

    @Test("freezeClaimed: the entry appears already owned (no other process can adopt it first)")
    func frozenClaimed() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-fcl1"
        let spool = folder.path + "/spool-\(id).eml"
        try writeFile(spool, Spool.sample.bytes)
        let state = SendState.holding(releaseAt: Instant(seconds: 1_795_950_183.456), recipients: ["hanako@example.jp"])
        let (entry, lock) = try folder.outbox.freezeClaimed(sampleRecord(id: id), state: state, spoolFile: spool, draft: nil)
        #expect(entry.id == id && lock.isHeld)
        #expect(folder.outbox.isClaimed(id: id))
        #expect(try folder.outbox.claim(id: id) == nil)
        #expect(try run(["/usr/bin/flock", "-n", folder.outbox.entryDirectory(id: id) + "/owner.lock", "true"]) == 1)
        lock.release()
        #expect(try run(["/usr/bin/flock", "-n", folder.outbox.entryDirectory(id: id) + "/owner.lock", "true"]) == 0)
    }

    @Test("a claim held by another process is free once that process is killed with SIGKILL")
    func claimOfDeadProcess() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-own2"
        try freezeSample(folder, id: id)
        let outbox = folder.outbox
        // -o: flock(1) closes its descriptor in the `sleep` it runs, so the lock is held by the
        // flock process alone; it runs in its own process group so that the sleep goes too.
        let pid = spawn(["/usr/bin/flock", "-n", "-o", outbox.entryDirectory(id: id) + "/owner.lock", "/bin/sleep", "60"])
        defer { kill(-pid, SIGKILL) }
        var waited = 0
        while !outbox.isClaimed(id: id) && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        #expect(outbox.isClaimed(id: id))
        #expect(try outbox.claim(id: id) == nil)
        kill(pid, SIGKILL)
        #expect(wait(pid) == nil)
        #expect(!outbox.isClaimed(id: id))
        let lock = try outbox.claim(id: id)
        #expect(lock?.isHeld == true)
    }

    @Test("withStateLock excludes other holders while the body runs, and reads the entry inside")
    func stateLock() throws {
        let folder = TemporaryFolder()
        let id = "20261129-110203-stl1"
        try freezeSample(folder, id: id)
        let outbox = folder.outbox
        let lockFile = outbox.entryDirectory(id: id) + "/state.lock"
        try outbox.write(id: id, state: .interrupted(recipients: ["hanako@example.jp"]), releaseRequested: true)
        let status = try outbox.withStateLock(id: id) { (entry) throws(OutboxError) -> Int32? in
            #expect(entry.state == .interrupted(recipients: ["hanako@example.jp"]) && entry.releaseRequested)
            try outbox.write(id: id, state: .submitting(attempt: 1, recipients: ["hanako@example.jp"]))
            return try? run(["/usr/bin/flock", "-n", lockFile, "true"])
        }
        #expect(status == 1)
        #expect(try run(["/usr/bin/flock", "-n", lockFile, "true"]) == 0)
        #expect(try outbox.load(id: id).state == .submitting(attempt: 1, recipients: ["hanako@example.jp"]))

        // A holder in another process makes us wait until it lets go. It waits for the lock (no
        // -n), so our probing cannot make it fail; we start once it holds it.
        let pid = spawn(["/usr/bin/flock", lockFile, "/bin/sleep", "0.3"])
        defer { kill(-pid, SIGKILL) }
        var tries = 0
        while !isLocked(lockFile) && tries < 500 {
            usleep(5_000)
            tries += 1
        }
        let before = MonotonicClock.now()
        let seen = try outbox.withStateLock(id: id) { (entry) throws(OutboxError) in entry.state }
        let waitedFor = MonotonicClock.now() - before
        #expect(wait(pid) == 0)
        #expect(seen.kind == .submitting)
        #expect(waitedFor > 0.05, "waited \(waitedFor) s")

        try outbox.remove(id: id)
        #expect(outboxError { () throws(OutboxError) in try outbox.withStateLock(id: id) { (_) throws(OutboxError) in 1 } }?.kind == .notFound)
    }
}
