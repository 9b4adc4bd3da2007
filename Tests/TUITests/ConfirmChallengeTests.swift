import MailCore
import Policy
import Testing
@testable import TUI

/// Issue 15, item 4: rushed ticks and high-risk findings turn the confirmation into a challenge
/// about the risky detail, in forms that change from one message to the next.
@Suite("Confirmation screen: challenges")
struct ConfirmChallengeTests {
    typealias F = ConfirmFixture

    /// A partner and a client, one attachment, one confirm finding; nothing high-risk.
    static func plain(variant: Int = 0, attachments: [ConfirmAttachment] = [F.quote], book: [String: String] = [:]) -> ConfirmModel {
        ConfirmModel(
            from: "taro@example.co.jp",
            recipients: [(F.mb("鈴木 花子 <hanako@partner.example>"), .to), (F.mb("bob@client.example"), .to)],
            isInternal: { $0 == "example.co.jp" }, companies: book, attachments: attachments,
            findings: [Finding(ruleID: "new-domain", severity: .confirm, message: "2 domains you have never written to")],
            holdSeconds: 60, variant: variant)
    }

    /// Space on every tick at `start`, `start + step`, …; returns the time after the last one.
    @discardableResult
    static func tickAll(_ m: inout ConfirmModel, start: Double, step: Double) -> Double {
        var now = start
        for index in m.rows.indices {
            guard let id = m.tickID(of: m.rows[index]), !m.isTicked(id) else { continue }
            m.cursor = index
            now += step
            _ = m.handle(.char(" "), height: 20, at: now)
        }
        return now
    }

    static func type(_ m: inout ConfirmModel, _ text: String) {
        for character in text { _ = m.handle(.text(String(character)), height: 20, at: nil) }
    }

    @Test("ticks at machine speed: y does not send but asks a challenge saying why; the right answer, then y sends")
    func rushedTicksAsk() throws {
        var m = Self.plain()
        m.startPace(shownAt: 100)
        let now = Self.tickAll(&m, start: 100, step: 0.05)
        #expect(m.sendBlocker == nil)
        #expect(m.handle(.char("y"), height: 20, at: now + 0.1) == [])
        #expect(m.challenges.count == 1)
        #expect(m.challengeReasons == ["ticked faster than the items can be read"])
        #expect(
            m.status?.text
                == "Not sent: ticked faster than the items can be read (4 of 4). Type the domain partner.example in its row to confirm it, Enter, then y")
        #expect(m.rows[m.cursor] == .challenge(0))
        // Variant 0: the first form, the first external domain.
        #expect(m.challenges[0] == .typeDomain("partner.example"))
        // A wrong answer: said what was wrong, counted, the challenge kept.
        Self.type(&m, "partner.exampel")
        #expect(m.handle(.enter, height: 20, at: now + 1) == [])
        #expect(m.status?.text == "'partner.exampel' is not the domain partner.example: type it letter by letter as shown.")
        #expect(m.wrongAnswers == [0: 1])
        for _ in 0..<2 { _ = m.handle(.backspace, height: 20) }
        Self.type(&m, "le")
        #expect(m.isAnswered(0))
        // On the challenge's row y is a letter of the answer; Enter takes the answer and moves on.
        _ = m.handle(.enter, height: 20, at: now + 2)
        #expect(m.status?.text == "Answered. y sends.")
        #expect(m.rows[m.cursor] != .challenge(0))
        #expect(m.handle(.char("y"), height: 20, at: now + 3) == [.send])
        #expect(m.answerRecord(0) == "typed the domain partner.example [ticked faster than the items can be read], after 1 wrong answer")
        // The same as facts, for the journal: the pace's challenge is marked rushed.
        #expect(
            m.answeredChallenges == [
                AnsweredChallenge(
                    form: "domain", subject: "partner.example", reason: ConfirmModel.rushedReason, rushed: true, wrongAnswers: 1)
            ])
        // Asked once a screen: it does not come back.
        #expect(m.paceChallenge == 0)
    }

    @Test("ticks at a reader's pace (each longer than 0.3 s + its columns / 25): y sends at once")
    func carefulTicksSend() {
        var m = Self.plain()
        m.startPace(shownAt: 0)
        let now = Self.tickAll(&m, start: 0, step: 4)
        #expect(m.pace?.isRushed == false)
        #expect(m.handle(.char("y"), height: 20, at: now + 1) == [.send])
        #expect(m.challenges.isEmpty)
    }

    @Test("without times (a screen not measured) rushed ticks cannot be told: y sends as before")
    func unmeasured() {
        var m = Self.plain()
        F.tickEverything(&m)
        #expect(m.handle(.char("y"), height: 20) == [.send])
    }

    @Test("one rushed tick of two is not enough; two of three are (at least 2 and at least half)")
    func threshold() {
        var m = Self.plain(attachments: [])
        m.startPace(shownAt: 0)
        // Recipient, recipient, finding: one quick, two slow.
        var now = 0.0
        for (index, step) in zip(m.rows.indices.filter { m.tickID(of: m.rows[$0]) != nil }, [0.05, 5, 5]) {
            m.cursor = index
            now += step
            _ = m.handle(.char(" "), height: 20, at: now)
        }
        #expect(m.pace?.rushedTicks == 1)
        #expect(m.handle(.char("y"), height: 20, at: now + 1) == [.send])
    }

    @Test("the pace's form changes from one message to the next (variant), when more than one form applies")
    func variantRotates() {
        let text = ConfirmAttachment(
            name: "quote.txt", size: 40, summary: "text, 2 lines", sha256: "00", warning: nil, preview: ["Estimate for Client Inc.", "total 1,000"],
            document: ["line 1: Estimate for Client Inc.", "line 2: total 1,000"])
        var forms: [String] = []
        for variant in 0..<4 {
            var m = Self.plain(variant: variant, attachments: [text])
            m.startPace(shownAt: 0)
            let now = Self.tickAll(&m, start: 0, step: 0.01)
            _ = m.handle(.char("y"), height: 20, at: now)
            switch m.challenges.last {
            case .typeDomain: forms.append("domain")
            case .typeFileNamePart: forms.append("name")
            case .typeTitleWord(_, _, let word): forms.append("title " + word)
            case .chooseRecipient: forms.append("choose")
            case nil: forms.append("none")
            }
        }
        #expect(forms == ["domain", "name", "title Estimate", "choose"])
        for index in forms.indices.dropLast() { #expect(forms[index].prefix(4) != forms[index + 1].prefix(4)) }
    }

    @Test("the title word: typed right it answers; wrong, the status says where to look; Japanese titles too")
    func titleWord() {
        #expect(ConfirmModel.titleWord(preview: ["title: 見積書（2026年度）"], document: ["page 1, line 1: x"]) == "見積書")
        #expect(ConfirmModel.titleWord(preview: ["! named .pdf but is text", "「ご請求書」 3月分"], document: ["line 1: x"]) == "ご請求書")
        #expect(ConfirmModel.titleWord(preview: ["PK\u{3}\u{4} binary"], document: []) == nil)
        let text = ConfirmAttachment(
            name: "見積書.txt", size: 40, summary: "text", sha256: "00", warning: nil, preview: ["御見積書 2026年度"],
            document: ["line 1: 御見積書 2026年度"])
        var m = Self.plain(variant: 2, attachments: [text])
        m.startPace(shownAt: 0)
        let now = Self.tickAll(&m, start: 0, step: 0.01)
        _ = m.handle(.char("y"), height: 20, at: now)
        #expect(m.challenges.last == .typeTitleWord(attachment: 0, fileName: "見積書.txt", word: "御見積書"))
        // Enter with nothing typed says what to type; it is not a wrong answer.
        _ = m.handle(.enter, height: 20, at: now)
        #expect(m.status?.text == "Type the first word of the title of 見積書.txt in its row")
        #expect(m.wrongAnswers.isEmpty)
        Self.type(&m, "見積書")
        _ = m.handle(.enter, height: 20)
        #expect(
            m.status?.text == "'見積書' is not the first word of the title of 見積書.txt: its first line is in the preview (v shows the text).")
        for _ in 0..<3 { _ = m.handle(.backspace, height: 20) }
        Self.type(&m, "御見積書")
        _ = m.handle(.enter, height: 20)
        #expect(m.status?.text == "Answered. y sends.")
        #expect(m.handle(.char("y"), height: 20, at: now + 9) == [.send])
        // The word typed is not recorded, only what was asked.
        #expect(m.answerRecord(0) == "typed the first word of the title of 見積書.txt [ticked faster than the items can be read], after 1 wrong answer")
        #expect(
            m.answerFacts(0) == AnsweredChallenge(form: "title-word", subject: "見積書.txt", reason: ConfirmModel.rushedReason, rushed: true, wrongAnswers: 1))
    }

    @Test("which recipient the file is for: the one whose company its text names is right, another is wrong; with none named any goes")
    func chooseRecipient() throws {
        let text = ConfirmAttachment(
            name: "quote.txt", size: 40, summary: "text", sha256: "00", warning: nil, preview: ["For Client Inc."],
            document: ["line 1: For Client Inc."])
        var m = Self.plain(variant: 3, attachments: [text], book: ["client.example": "Client Inc."])
        m.startPace(shownAt: 0)
        let now = Self.tickAll(&m, start: 0, step: 0.01)
        _ = m.handle(.char("y"), height: 20, at: now)
        #expect(
            m.challenges.last
                == .chooseRecipient(attachment: 0, fileName: "quote.txt", choices: ["hanako@partner.example", "bob@client.example"], right: [1]))
        #expect(m.challengeText(0) == "Which recipient is quote.txt for? 1 hanako@partner.example · 2 bob@client.example — its number: ")
        Self.type(&m, "3")
        _ = m.handle(.enter, height: 20)
        #expect(m.status?.text == "Type the number of one recipient, 1 to 2.")
        _ = m.handle(.backspace, height: 20)
        Self.type(&m, "1")
        _ = m.handle(.enter, height: 20)
        #expect(m.status?.text == "hanako@partner.example is not the recipient the text of quote.txt names: look at its text (v).")
        _ = m.handle(.backspace, height: 20)
        Self.type(&m, "２") // full-width digits are digits
        #expect(m.isAnswered(0))
        #expect(m.answerRecord(0).hasPrefix("chose bob@client.example as the recipient of quote.txt (its text names them)"))
        #expect(m.answerFacts(0).form == "recipient-choice")
        #expect(m.answerFacts(0).subject == "quote.txt")
        #expect(m.answerFacts(0).chosen == "bob@client.example")
        #expect(m.answerFacts(0).wrongAnswers == 2)
        // Nothing in the text names a recipient: any choice goes, and is recorded as such.
        var open = Self.plain(variant: 3, attachments: [text])
        open.startPace(shownAt: 0)
        _ = open.handle(.char("y"), height: 20, at: Self.tickAll(&open, start: 0, step: 0.01))
        guard case .chooseRecipient(_, _, _, let right) = try #require(open.challenges.last) else {
            Issue.record("not a choice")
            return
        }
        #expect(right.isEmpty)
        #expect(open.unverifiedChoices == nil)
        Self.type(&open, "1")
        #expect(open.isAnswered(0))
        #expect(open.unverifiedChoices == "You said quote.txt is for hanako@partner.example (its text does not tell): u takes it back")
        // A choice the text confirms needs no such word.
        #expect(m.unverifiedChoices == nil)
        #expect(open.answerRecord(0).hasPrefix("chose hanako@partner.example as the recipient of quote.txt (nothing in its text tells)"))
    }

    @Test("a look-alike whose rule is set to confirm brings a challenge: type the look-alike domain; the finding is recorded as challenged")
    func lookalikeConfirm() throws {
        let config = PolicyConfig(
            organisation: try PolicyConfig.parseOrganisationFile("[rules.lookalike-domain]\nseverity = \"confirm\"\n", file: "policy.toml"))
        var m = F.screen(F.input(to: ["bob@examp1e.jp"], attachments: []), attachments: [], config: config)
        let lookalike = try #require(m.findings.firstIndex { $0.ruleID == "lookalike-domain" })
        #expect(m.findings[lookalike].severity == .confirm)
        let asked = try #require(m.challenges.firstIndex(of: .typeDomain("examp1e.jp")))
        #expect(m.challengeReasons[asked] == "look-alike domain")
        #expect(m.challengeFindings[asked].contains(lookalike))
        F.tickEverything(&m)
        _ = m.handle(.char("y"), height: 20)
        #expect(m.status?.text == "Type the domain examp1e.jp in its row to confirm it")
        #expect(m.rows[m.cursor] == .challenge(asked))
        #expect(!m.isChallenged(lookalike))
        Self.type(&m, "example.jp")
        _ = m.handle(.enter, height: 20)
        #expect(m.status?.text == "'example.jp' is not the domain examp1e.jp: type it letter by letter as shown.")
        for _ in 0..<10 { _ = m.handle(.backspace, height: 20) }
        Self.type(&m, "examp1e.jp")
        _ = m.handle(.enter, height: 20)
        #expect(m.handle(.char("y"), height: 20) == [.send])
        #expect(m.isChallenged(lookalike))
    }

    @Test("a namesake asks for its recipient's domain; a block look-alike asks nothing (it cannot be sent anyway)")
    func namesakeAndBlock() throws {
        let m = ConfirmTests.mixed()
        #expect(m.findings[0].ruleID == "lookalike-domain" && m.findings[0].severity == .block)
        #expect(m.challenges == [.typeDomain("examp1e.jp")])
        #expect(m.challengeReasons == ["namesake"])
        let namesake = try #require(m.findings.firstIndex { $0.ruleID == "namesake" })
        #expect(m.challengeFindings == [[namesake]])
    }

    @Test("a barrier of confirm severity asks for the domain of one of its recipients")
    func barrier() {
        var finding = Finding(
            ruleID: "deals", severity: .confirm, message: "groups that must never meet are in one message",
            subjects: [.recipient("hanako@partner.example"), .recipient("bob@client.example")], flag: "BARRIER deals")
        finding.subjectFlags = [:]
        let m = ConfirmModel(
            from: "taro@example.co.jp",
            recipients: [(F.mb("hanako@partner.example"), .to), (F.mb("bob@client.example"), .to)],
            isInternal: { _ in false }, companies: [:], attachments: [], findings: [finding], holdSeconds: 60, variant: 1)
        #expect(m.challenges == [.typeDomain("client.example")])
        #expect(m.challengeReasons == ["information barrier"])
    }

    /// `highRiskChallenge` worked out by searching every group's recipients for each key (what the
    /// model's `recipientPlaces` must give).
    static func searchedChallenge(_ m: ConfirmModel, _ finding: Finding) -> Challenge? {
        var domains: [String] = []
        for subject in finding.subjects {
            switch subject {
            case .domain(let domain): if finding.ruleID == "lookalike-domain" { return .typeDomain(domain) }
            case .recipient(let address):
                let key = RecipientKey(address: address)
                for group in m.groups where group.recipients.contains(where: { $0.mailbox.key == key }) && !domains.contains(group.domain) {
                    domains.append(group.domain)
                }
            default: break
            }
        }
        let external = domains.filter { d in m.groups.contains { $0.domain == d && !$0.isInternal } }
        let pool = external.isEmpty ? domains : external
        return pool.isEmpty ? nil : .typeDomain(pool[ConfirmModel.pick(m.variant, pool.count)])
    }

    @Test("a high-risk finding's challenge is the same with the recipients' groups looked up by key as searched group by group")
    func groupIndexAgrees() {
        let addresses = [
            "hanako@partner.example", "bob@client.example", "hanako@例え.jp", "jiro@example.co.jp", "Ann@Partner.example", "x@sub.client.example",
            "山田 <yamada@client.example>", "z@other.example", "hanako@partner.example"
        ]
        let keys = addresses.map { F.mb($0).key.text } + ["nobody@nowhere.example", ""]
        var compared = 0
        var answered = 0
        for size in 1...addresses.count {
            let recipients = addresses.prefix(size).enumerated().map { (F.mb($1), $0 % 3 == 2 ? RecipientField.cc : .to) }
            for rotation in 0..<keys.count {
                let subjects = (keys[rotation...] + keys[..<rotation]).prefix(1 + rotation % 5).map(FindingSubject.recipient)
                for (ruleID, flag) in [("namesake", nil), ("deals", "BARRIER deals"), ("lookalike-domain", nil)] as [(String, String?)] {
                    for variant in 0..<4 {
                        var finding = Finding(ruleID: ruleID, severity: .confirm, message: "m", subjects: subjects, flag: flag)
                        finding.subjectFlags = [:]
                        let m = ConfirmModel(
                            from: "taro@example.co.jp", recipients: recipients, isInternal: { $0 == "example.co.jp" }, companies: [:],
                            attachments: [], findings: [finding], holdSeconds: 60, variant: variant)
                        let searched = Self.searchedChallenge(m, finding)
                        #expect(m.highRiskChallenge(finding) == searched, "\(size) \(subjects) \(variant)")
                        compared += 1
                        if searched != nil { answered += 1 }
                    }
                }
            }
        }
        #expect(compared > 500 && answered > 100 && answered < compared, "\(answered) of \(compared)")
    }

    @Test("the rows of a recipient key are every row of that recipient, in group order, whatever its spelling")
    func recipientPlacesAgree() {
        // 40 at one domain, 3 at another, one spelled with capitals, one written twice.
        let addresses = (0..<40).map { "user\($0)@big.example" } + ["a@small.example", "B@small.example", "c@small.example", "b@Small.example"]
        let recipients = addresses.map { (F.mb($0), RecipientField.to) }
        let m = ConfirmModel(
            from: "taro@example.co.jp", recipients: recipients, isInternal: { _ in false }, companies: [:], attachments: [],
            findings: [], holdSeconds: 60)
        let keys = addresses.map { F.mb($0).addressKey } + ["nobody@big.example", "b@small.example", "user1@small.example", "x", "@big.example"]
        for key in keys {
            let k = RecipientKey(address: key)
            let searched = m.groups.indices.flatMap { g in m.groups[g].recipients.indices.filter { m.groups[g].recipients[$0].mailbox.key == k }.map { (g, $0) }
            }
            #expect(m.recipientPlaces.rows(of: k).map { [$0.group, $0.index] } == searched.map { [$0.0, $0.1] }, "\(key)")
        }
        #expect(m.recipientPlaces.rows(of: RecipientKey(address: "user7@big.example")).count == 1)
        #expect(m.recipientPlaces.rows(of: RecipientKey(address: "B@small.example")).count == 2)
    }

    @Test("a barrier naming its recipients by key finds a recipient typed with capitals: the challenge asks its domain")
    func barrierKeyInAnotherCase() {
        var finding = Finding(
            ruleID: "deals", severity: .confirm, message: "groups that must never meet are in one message",
            subjects: [.recipient(F.mb("Bob@Client.example").key.text)], flag: "BARRIER deals")
        finding.subjectFlags = [:]
        let m = ConfirmModel(
            from: "taro@example.co.jp", recipients: [(F.mb("Bob@Client.example"), .to)], isInternal: { _ in false }, companies: [:],
            attachments: [], findings: [finding], holdSeconds: 60)
        #expect(m.challenges == [.typeDomain("client.example")])
        #expect(m.groups[0].recipients[0].flags == ["BARRIER deals"])
    }

    @Test("another party's attachment: the form follows the variant (title word, which recipient, part of the name)")
    func otherPartyForms() {
        let text = ConfirmAttachment(
            name: "見積書.pdf", size: 40, summary: "PDF, 1 page", sha256: "00", warning: nil, preview: ["田中建設株式会社 御中"],
            document: ["page 1, line 1: 田中建設株式会社 御中"])
        let finding = Finding(
            ruleID: "attachment-other-party", severity: .confirm, message: "'見積書.pdf' names 田中建設株式会社", subjects: [.attachment(0)])
        let forms = (0..<3).map { variant in
            ConfirmModel(
                from: "taro@example.co.jp",
                recipients: [(F.mb("hanako@partner.example"), .to), (F.mb("bob@client.example"), .to)],
                isInternal: { _ in false }, companies: [:], attachments: [text], findings: [finding], holdSeconds: 60, variant: variant
            ).challenges
        }
        #expect(forms[0] == [.typeTitleWord(attachment: 0, fileName: "見積書.pdf", word: "田中建設株式会社")])
        #expect(
            forms[1] == [
                .chooseRecipient(attachment: 0, fileName: "見積書.pdf", choices: ["hanako@partner.example", "bob@client.example"], right: [])
            ])
        #expect(forms[2] == [.typeFileNamePart(attachment: 0, fileName: "見積書.pdf")])
    }
}
