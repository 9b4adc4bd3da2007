// ReportCommand.swift — `guardmail report`: per policy rule, how often it fired and how senders
// answered it, from the send journal; rules waved through in under a second nearly every time
// are marked as noise for the admin to tune (docs/journal.md, "guardmail report").

import ArgumentParser
import Journal
import Store
#if canImport(Glibc)
    import Glibc
#endif

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per policy rule: fired, accepted, challenged, changed the message, median time to accept.",
        discussion: """
            Counts messages in the send journal confirmed since --since (default 30d). A rule is \
            marked noise when it fired at least 5 times and at least 90% of its firings were \
            accepted in under a second (see docs/journal.md). Exit codes: 0 fine (also with no \
            journal yet), 64 usage, 74 the journal cannot be read, 75 the journal is busy.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Only messages confirmed at or after this time: YYYY-MM-DD, 'YYYY-MM-DD HH:MM', 7d, 24h, 30m, or 'all'.", valueName: "date"))
    var since = "30d"
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var sinceTime: Int64?
        if since != "all" {
            guard let parsed = JournalTime.parseSince(since, now: Int64(time(nil))) else {
                report(
                    "invalid --since '\(since)': use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' (local time), a time back from now such as 30d, 24h, 30m, or all")
                throw ExitCode(Exit.usage)
            }
            sinceTime = parsed
        }
        let paths = DataPaths.fromEnvironment()
        let path = paths.journalFile
        var rows: [JournalReviewRow] = []
        if FileSystem.exists(path) {
            do {
                let journal = try SendJournal(path: path)
                defer { journal.close() }
                JournalCommand.catchUp(journal, paths: paths)
                rows = try journal.reviewRows(since: sinceTime)
            } catch {
                throw JournalCommand.fail(error)
            }
        }
        let tallies = JournalReport.tally(rows)
        let screens = JournalReport.screens(rows)
        let rushed = JournalReport.rushed(rows)
        if json {
            Console.output(ReportOutput.json(tallies, messages: rows.count, since: sinceTime, path: path, screens: screens, rushed: rushed))
        } else {
            Console.output(ReportOutput.text(tallies, messages: rows.count, since: sinceTime, screens: screens, rushed: rushed))
        }
    }
}

enum ReportOutput {
    /// `2.4 s`, `0.6 s`, `-` when nothing was measured.
    static func seconds(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "-" }
        let tenths = (milliseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// `confirmation: 12 held without a screen (nothing to confirm), 5 one-key, 3 full screen`,
    /// or nil when no message recorded its confirmation.
    static func screensLine(_ screens: [String: Int]) -> String? {
        guard !screens.isEmpty else { return nil }
        let parts = [
            ("none", "held without a screen (nothing to confirm)"), ("one-key", "one-key screen (nothing to tick)"),
            ("full", "full screen")
        ].compactMap { key, words in screens[key].map { "\($0) \(words)" } }
        return "confirmation: " + parts.joined(separator: ", ")
    }

    /// `rushed: 2 confirmations ticked faster than the items can be read (a challenge was asked)`,
    /// or nil when none was.
    static func rushedLine(_ rushed: Int) -> String? {
        guard rushed > 0 else { return nil }
        return "rushed: \(rushed) confirmation\(rushed == 1 ? "" : "s") ticked faster than the items can be read (a challenge was asked)"
    }

    static func text(_ tallies: [RuleTally], messages: Int, since: Int64?, screens: [String: Int] = [:], rushed: Int = 0) -> String {
        let period = since.map { "since \(JournalTime.minutes($0))" } ?? "in the whole journal"
        var out = "\(messages) message\(messages == 1 ? "" : "s") confirmed \(period)\n"
        if let line = screensLine(screens) { out += line + "\n" }
        if let line = rushedLine(rushed) { out += line + "\n" }
        guard !tallies.isEmpty else { return out + "no rule fired\n" }
        let width = max(24, tallies.map { JournalOutput.clean($0.ruleID).count }.max() ?? 0)
        out += JournalOutput.pad("RULE", width) + "  FIRED  ACCEPTED  CHALLENGED  CHANGED  MEDIAN\n"
        for tally in tallies {
            var line = JournalOutput.pad(JournalOutput.clean(tally.ruleID), width)
            line += "  " + JournalOutput.padLeft("\(tally.fired)", 5)
            line += "  " + JournalOutput.padLeft("\(tally.accepted)", 8)
            line += "  " + JournalOutput.padLeft("\(tally.challenged)", 10)
            line += "  " + JournalOutput.padLeft("\(tally.changed)", 7)
            line += "  " + JournalOutput.padLeft(seconds(tally.medianAcceptMilliseconds), 6)
            if tally.isNoise { line += "  noise" }
            out += line + "\n"
        }
        if tallies.contains(where: \.isNoise) {
            out +=
                "\nnoise: fired at least \(JournalReport.noiseMinimumFirings) times and accepted in under 1 s in at least "
                + "\(JournalReport.noiseTenths * 10)% of them; senders no longer read it: tune the rule or lower its severity (docs/policy.md)\n"
        }
        return out
    }

    static func json(_ tallies: [RuleTally], messages: Int, since: Int64?, path: String, screens: [String: Int] = [:], rushed: Int = 0) -> String {
        var out = "{\n  \"journal\": \(JournalOutput.string(path)),\n"
        out += "  \"since\": \(since.map { JournalOutput.string(JournalTime.iso($0)) } ?? "null"),\n"
        out += "  \"since_unix\": \(since.map { "\($0)" } ?? "null"),\n"
        out += "  \"messages\": \(messages),\n"
        out +=
            "  \"confirmation_screens\": {\"none\": \(screens["none"] ?? 0), \"one_key\": \(screens["one-key"] ?? 0), \"full\": \(screens["full"] ?? 0)},\n"
        out += "  \"rushed_confirmations\": \(rushed),\n"
        out +=
            "  \"noise_rule\": {\"quick_milliseconds\": \(JournalReport.quickMilliseconds), \"share_percent\": \(JournalReport.noiseTenths * 10), "
            + "\"minimum_fired\": \(JournalReport.noiseMinimumFirings)},\n"
        out += "  \"rules\": ["
        for (index, tally) in tallies.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out +=
                "    {"
                + [
                    "\"rule\": \(JournalOutput.string(tally.ruleID))",
                    "\"fired\": \(tally.fired)",
                    "\"accepted\": \(tally.accepted)",
                    "\"challenged\": \(tally.challenged)",
                    "\"changed\": \(tally.changed)",
                    "\"timed\": \(tally.timed)",
                    "\"median_accept_ms\": \(tally.medianAcceptMilliseconds.map { "\($0)" } ?? "null")",
                    "\"quick_accepts\": \(tally.quickAccepts)",
                    "\"noise\": \(tally.isNoise)"
                ].joined(separator: ", ") + "}"
        }
        out += tallies.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }
}
