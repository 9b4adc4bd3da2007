// ConfirmChallenges.swift — the typed challenges of the confirmation screen: the ones high-risk
// findings bring, the one rushed ticks bring (`ConfirmPace`), their forms, how an answer is
// judged, and what is said about a wrong one. Pure.
//
// - SeeAlso: docs/policy.md, "Challenges".

import MailCore
import Policy

extension ConfirmModel {
    /// Why a finding of a high-risk kind always brings a challenge about its risky detail (a
    /// look-alike, a namesake, a barrier, another party's attachment), whatever its severity
    /// short of block; nil for other findings.
    public static func highRiskReason(_ finding: Finding) -> String? {
        switch finding.ruleID {
        case "lookalike-domain": return "look-alike domain"
        case "namesake": return "namesake"
        case "attachment-other-party": return "the file names another party"
        default: return finding.flag?.hasPrefix("BARRIER ") == true ? "information barrier" : nil
        }
    }

    /// Why the pace's challenge is asked.
    public static let rushedReason = "ticked faster than the items can be read"

    /// One challenge for each high-risk finding that has none of its own (`highRiskReason`).
    mutating func addHighRiskChallenges() {
        for (index, finding) in findings.enumerated() where finding.severity != .block && finding.challenges.isEmpty {
            guard let reason = Self.highRiskReason(finding) else { continue }
            guard let challenge = highRiskChallenge(finding) else { continue }
            if let known = challenges.firstIndex(of: challenge) {
                challengeFindings[known].insert(index)
                continue
            }
            challenges.append(challenge)
            challengeReasons.append(reason)
            challengeFindings.append([index])
        }
    }

    /// The risky detail of a high-risk finding as a challenge: the look-alike domain; the domain
    /// of one of a namesake's or a barrier's recipients; for a file that names another party,
    /// one of the file's forms (`attachmentForms`), picked by `variant`. A recipient is found by
    /// its `RecipientKey` (`recipientPlaces`), whatever spelling the finding names it by (a
    /// barrier names keys, other rules the address as typed).
    func highRiskChallenge(_ finding: Finding) -> Challenge? {
        var domains: [String] = []
        var attachment: Int?
        for subject in finding.subjects {
            switch subject {
            case .domain(let domain): if finding.ruleID == "lookalike-domain" { return .typeDomain(domain) }
            case .recipient(let address):
                for (g, _) in recipientPlaces.rows(of: RecipientKey(address: address)) where !domains.contains(groups[g].domain) {
                    domains.append(groups[g].domain)
                }
            case .attachment(let index): if attachment == nil, attachments.indices.contains(index) { attachment = index }
            case .body: break
            }
        }
        if let attachment {
            let forms = attachmentForms(attachment)
            return forms[Self.pick(variant, forms.count)]
        }
        // External domains first: the namesake's or the barrier's outsider.
        let external = domains.filter { d in groups.contains { $0.domain == d && !$0.isInternal } }
        let pool = external.isEmpty ? domains : external
        return pool.isEmpty ? nil : .typeDomain(pool[Self.pick(variant, pool.count)])
    }

    /// `variant` as an index into `count` things (never negative).
    static func pick(_ variant: Int, _ count: Int) -> Int { count <= 0 ? 0 : ((variant % count) + count) % count }

    /// The forms a challenge about attachment `index` can take: the first word of its title (when
    /// text was read from it and shown in its preview), which of the recipients it is for (two or more external
    /// recipients), part of its name (always).
    func attachmentForms(_ index: Int) -> [Challenge] {
        let name = attachments[index].name
        var forms: [Challenge] = []
        if let word = Self.titleWord(preview: attachments[index].preview, document: attachments[index].document) {
            forms.append(.typeTitleWord(attachment: index, fileName: name, word: word))
        }
        if let choose = recipientChoice(index) { forms.append(choose) }
        forms.append(.typeFileNamePart(attachment: index, fileName: name))
        return forms
    }

    /// The most recipients a "which recipient is it for" challenge lists.
    static let choiceLimit = 9

    /// "Which of the recipients is this file for": the external recipients, numbered. A right
    /// answer is a recipient whose company (address book) or display name the file's text names;
    /// when the text names none of them, or all, nothing tells, and any choice goes (the one
    /// chosen is recorded). Nil with fewer than two or more than `choiceLimit` external recipients.
    func recipientChoice(_ index: Int) -> Challenge? {
        let external = groups.filter { !$0.isInternal }.flatMap { group in group.recipients.map { (group, $0) } }
        guard external.count >= 2, external.count <= Self.choiceLimit else { return nil }
        let text = Self.squeezed(attachments[index].document.map(Self.withoutPlace).joined(separator: " "))
        var right: [Int] = []
        for (position, (group, recipient)) in external.enumerated() {
            let names = [group.company, recipient.mailbox.displayName].compactMap { $0 }.map(Self.squeezed).filter { $0.count >= 2 }
            if names.contains(where: { text.contains($0) }) { right.append(position) }
        }
        if right.count == external.count { right = [] }
        return .chooseRecipient(
            attachment: index, fileName: attachments[index].name, choices: external.map { $0.1.mailbox.envelopeAddress }, right: right)
    }

    /// Lowercased, without white space: "Yamada Shoji" is found in "YAMADA  SHOJI".
    static func squeezed(_ text: String) -> String { String(text.lowercased().filter { !$0.isWhitespace }) }

    /// A document line without its place ("page 1, line 3: text" → "text").
    static func withoutPlace(_ line: String) -> String {
        var previous: Character?
        for index in line.indices {
            if previous == ":" && line[index] == " " { return String(line[line.index(after: index)...]) }
            previous = line[index]
        }
        return line
    }

    /// The first word of a file's title, as the screen shows it: its first preview line with
    /// text (a document's title metadata, else its first line; not a warning or a sheet's
    /// header): letters up to the first space or punctuation, at most 10 characters. Nil when no
    /// text was read from the file (`document` empty): a binary file's preview has no title.
    public static func titleWord(preview: [String], document: [String]) -> String? {
        guard !document.isEmpty else { return nil }
        for line in preview where !line.hasPrefix("! ") && !line.hasPrefix("sheet '") {
            let text = (line.hasPrefix("title: ") ? line.dropFirst(7) : line[...]).drop { $0.isWhitespace || $0.isPunctuation || $0.isSymbol }
            let word = String(text.prefix { !$0.isWhitespace && !$0.isPunctuation && !$0.isSymbol }.prefix(10))
            if !word.isEmpty { return word }
        }
        return nil
    }

    // MARK: Answers

    /// Whether a typed answer satisfies a challenge.
    public func isAnswered(_ index: Int) -> Bool {
        let typed = (answers[index]?.text ?? "").lowercased().trimmingSpaces
        switch challenges[index] {
        case .typeDomain(let domain):
            return !typed.isEmpty && (typed == domain.lowercased() || (try? IDNA.toASCII(typed)) == (try? IDNA.toASCII(domain)))
        case .typeFileNamePart(_, let fileName):
            return Self.isPartOfName(typed, fileName.lowercased())
        case .chooseRecipient(_, _, let choices, let right):
            guard let number = chosen(index), number >= 1, number <= choices.count else { return false }
            return right.isEmpty || right.contains(number - 1)
        case .typeTitleWord(_, _, let word):
            return !typed.isEmpty && typed == word.lowercased()
        }
    }

    /// The number typed on a "which recipient" challenge (digits only, ASCII or full-width).
    func chosen(_ index: Int) -> Int? {
        let typed = (answers[index]?.text ?? "").trimmingSpaces
        let digits = typed.unicodeScalars.map { scalar -> UInt32? in
            switch scalar.value {
            case 0x30...0x39: return scalar.value - 0x30
            case 0xFF10...0xFF19: return scalar.value - 0xFF10
            default: return nil
            }
        }
        guard !digits.isEmpty, digits.count <= 3, !digits.contains(nil) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1!) }
    }

    /// Enter on a challenge (or `y` elsewhere with its answer typed): a right answer moves the
    /// cursor on, off the challenge, so that the next `y` is a key and not a letter of the
    /// answer; a wrong one is counted, kept for editing, and the status says what was wrong.
    mutating func checkAnswer(_ index: Int) {
        cursor = rows.firstIndex(of: .challenge(index)) ?? cursor
        if (answers[index]?.text ?? "").trimmingSpaces.isEmpty {
            status = StatusMessage(challengeBlocker(index), isError: true)
            return
        }
        if isAnswered(index) {
            status = StatusMessage(sendBlocker == nil ? "Answered. y sends." : "Answered.")
            var next = cursor + 1
            while next < rows.count && !isStop(rows[next]) { next += 1 }
            if next < rows.count {
                cursor = next
            } else if let other = rows.indices.first(where: { isSelectable(rows[$0]) && !isChallengeRow(rows[$0]) }) {
                cursor = other
            }
            return
        }
        wrongAnswers[index, default: 0] += 1
        status = StatusMessage(wrongAnswerText(index), isError: true)
    }

    func isChallengeRow(_ row: Row) -> Bool {
        if case .challenge = row { return true }
        return false
    }

    /// What was wrong with the answer typed.
    func wrongAnswerText(_ index: Int) -> String {
        let typed = (answers[index]?.text ?? "").trimmingSpaces
        switch challenges[index] {
        case .typeDomain(let domain):
            return "'\(typed)' is not the domain \(domain): type it letter by letter as shown."
        case .typeFileNamePart(_, let name):
            return "'\(typed)' is not part of the name \(name): type at least 4 letters of it (the extension alone is not enough)."
        case .chooseRecipient(_, let name, let choices, _):
            guard let number = chosen(index), number >= 1, number <= choices.count else {
                return "Type the number of one recipient, 1 to \(choices.count)."
            }
            return "\(choices[number - 1]) is not the recipient the text of \(name) names: look at its text (v)."
        case .typeTitleWord(_, let name, _):
            return "'\(typed)' is not the first word of the title of \(name): its first line is in the preview (v shows the text)."
        }
    }

    /// The status when `y` meets challenge `index` unanswered (nothing typed yet).
    func challengeBlocker(_ index: Int) -> String {
        switch challenges[index] {
        case .typeDomain(let domain): return "Type the domain \(domain) in its row to confirm it"
        case .typeFileNamePart(_, let name): return "Type part of the file name \(name) in its row to confirm it"
        case .chooseRecipient(_, let name, _, _): return "Type the number of the recipient \(name) is for in its row"
        case .typeTitleWord(_, let name, _): return "Type the first word of the title of \(name) in its row"
        }
    }

    /// The words of a challenge's row, after its reason.
    public func challengeText(_ index: Int) -> String {
        switch challenges[index] {
        case .typeDomain(let domain): return "Type the domain \(domain) to confirm it: "
        case .typeFileNamePart(_, let name): return "Type part of the name of \(name): "
        case .typeTitleWord(_, let name, _): return "Type the first word of the title of \(name) (its first line): "
        case .chooseRecipient(_, let name, let choices, _):
            let listed = choices.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: " · ")
            return "Which recipient is \(name) for? \(listed) — its number: "
        }
    }

    /// How challenge `index` was answered, as facts for the journal (`answerRecord` is the same
    /// in words, for the outbox record): never the title word typed.
    public func answerFacts(_ index: Int) -> AnsweredChallenge {
        let reason = challengeReasons[index]
        let rushed = reason == Self.rushedReason
        let wrong = wrongAnswers[index] ?? 0
        switch challenges[index] {
        case .typeDomain(let domain):
            return AnsweredChallenge(form: "domain", subject: domain, reason: reason, rushed: rushed, wrongAnswers: wrong)
        case .typeFileNamePart(_, let fileName):
            return AnsweredChallenge(form: "file-name", subject: fileName, reason: reason, rushed: rushed, wrongAnswers: wrong)
        case .typeTitleWord(_, let fileName, _):
            return AnsweredChallenge(form: "title-word", subject: fileName, reason: reason, rushed: rushed, wrongAnswers: wrong)
        case .chooseRecipient(_, let fileName, let choices, _):
            let choice = chosen(index).flatMap { choices.indices.contains($0 - 1) ? choices[$0 - 1] : nil }
            return AnsweredChallenge(form: "recipient-choice", subject: fileName, chosen: choice, reason: reason, rushed: rushed, wrongAnswers: wrong)
        }
    }

    /// Every answered challenge, in the order the screen asked them (`answerFacts`).
    public var answeredChallenges: [AnsweredChallenge] { challenges.indices.filter { isAnswered($0) }.map(answerFacts) }

    /// How challenge `index` was answered, for the outbox and the journal: its form, its
    /// subject (a domain, a file name, the recipient chosen; never the title word typed), why it
    /// was asked and the wrong answers before the right one.
    public func answerRecord(_ index: Int) -> String {
        var words: String
        switch challenges[index] {
        case .typeDomain(let domain): words = "typed the domain \(domain)"
        case .typeFileNamePart(_, let fileName): words = "typed part of the file name \(fileName)"
        case .typeTitleWord(_, let fileName, _): words = "typed the first word of the title of \(fileName)"
        case .chooseRecipient(_, let fileName, let choices, let right):
            let choice = chosen(index).flatMap { choices.indices.contains($0 - 1) ? choices[$0 - 1] : nil } ?? "?"
            words = "chose \(choice) as the recipient of \(fileName)" + (right.isEmpty ? " (nothing in its text tells)" : " (its text names them)")
        }
        if let reason = challengeReasons[index] { words += " [\(reason)]" }
        let wrong = wrongAnswers[index] ?? 0
        if wrong > 0 { words += ", after \(wrong) wrong answer\(wrong == 1 ? "" : "s")" }
        return words
    }

    /// For the hold screen: the recipients the sender chose for files whose text could not tell
    /// (any choice was taken, so only the sender's word says it is right), or nil.
    public var unverifiedChoices: String? {
        let notes = challenges.indices.compactMap { index -> String? in
            guard case .chooseRecipient(_, let name, let choices, let right) = challenges[index], right.isEmpty, isAnswered(index),
                let number = chosen(index)
            else { return nil }
            return "\(name) is for \(choices[number - 1])"
        }
        return notes.isEmpty ? nil : "You said " + notes.joined(separator: "; ") + " (its text does not tell): u takes it back"
    }

    /// Whether finding `index` was accepted by answering every challenge about it.
    public func isChallenged(_ index: Int) -> Bool {
        let about = challenges.indices.filter { challengeFindings[$0].contains(index) }
        return !about.isEmpty && about.allSatisfy(isAnswered)
    }

    // MARK: The pace

    /// The screen is shown at `shownAt` (seconds, a monotonic clock): from now on the ticks
    /// given with a time (`handle(_:height:at:)`) are measured against their reading time.
    public mutating func startPace(shownAt: Double) { pace = ConfirmPace(shownAt: shownAt) }

    /// How wide an item's text is, for its reading time: the address and its flags, the domain
    /// and its company, the file's name and what is in it, the finding's rule and words.
    func columns(of id: TickID) -> Int {
        switch id {
        case .recipient(let key):
            for (g, index) in recipientPlaces.rows(of: RecipientKey(address: key)) where groups[g].recipients[index].key == key {
                let recipient = groups[g].recipients[index]
                return DisplayWidth.of(recipient.mailbox.formatted + " " + recipient.flags.joined(separator: " "))
            }
            return 0
        case .domain(let domain):
            let company = groups.first { $0.domain == domain }?.company ?? ""
            return DisplayWidth.of(domain + " " + company)
        case .attachment(let index):
            guard attachments.indices.contains(index) else { return 0 }
            let file = attachments[index]
            return DisplayWidth.of(file.name + " " + file.summary + " " + (file.warning ?? ""))
        case .finding(let index):
            guard findings.indices.contains(index) else { return 0 }
            return DisplayWidth.of(findings[index].ruleID + ": " + findings[index].message)
        }
    }

    /// What the pace may ask about, by form: the external domains, and each attachment's forms.
    func paceForms() -> [[Challenge]] {
        let domains = groups.filter { !$0.isInternal }.map { Challenge.typeDomain($0.domain) }
        var titles: [Challenge] = [], choices: [Challenge] = [], names: [Challenge] = []
        for index in attachments.indices {
            for form in attachmentForms(index) {
                switch form {
                case .typeTitleWord: titles.append(form)
                case .chooseRecipient: choices.append(form)
                default: names.append(form)
                }
            }
        }
        return [domains, names, titles, choices]
    }

    /// `y` after rushed ticks: adds the pace's challenge (once a screen) and says why; true when
    /// it did (then `y` does not send).
    mutating func askAfterRushedTicks() -> Bool {
        guard paceChallenge == nil, let pace, pace.isRushed,
            let challenge = ConfirmPace.challenge(forms: paceForms(), asked: challenges, variant: variant)
        else { return false }
        challenges.append(challenge)
        challengeReasons.append(Self.rushedReason)
        challengeFindings.append([])
        paceChallenge = challenges.count - 1
        rows = buildRows()
        cursor = rows.firstIndex(of: .challenge(challenges.count - 1)) ?? cursor
        status = StatusMessage(
            "Not sent: ticked faster than the items can be read (\(pace.rushedTicks) of \(pace.ticks.count)). "
                + challengeBlocker(challenges.count - 1) + ", Enter, then y", isError: true)
        return true
    }
}

/// One answered challenge as facts (`ConfirmModel.answerFacts`): what the journal keeps.
public struct AnsweredChallenge: Sendable, Hashable {
    /// "domain", "file-name", "title-word" or "recipient-choice".
    public var form: String
    /// The domain, or the file's name.
    public var subject: String
    /// The recipient chosen ("recipient-choice" only).
    public var chosen: String?
    /// Why it was asked: nil for a finding's own challenge.
    public var reason: String?
    /// The pace's challenge (`ConfirmModel.rushedReason`).
    public var rushed: Bool
    public var wrongAnswers: Int

    public init(form: String, subject: String, chosen: String? = nil, reason: String? = nil, rushed: Bool = false, wrongAnswers: Int = 0) {
        self.form = form
        self.subject = subject
        self.chosen = chosen
        self.reason = reason
        self.rushed = rushed
        self.wrongAnswers = wrongAnswers
    }
}
