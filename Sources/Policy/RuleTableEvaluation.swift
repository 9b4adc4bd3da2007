// RuleTableEvaluation.swift — running the written rules and the barriers over a message.
//
// A rule reports when every condition it states holds; its finding quotes the admin's message,
// then the evidence of each condition (the keyword and its line, the pattern and the address,
// the attachment), then the layer and the place it was written. Rules run in order (the
// organisation's files first, then the user's); the first block that matches is the only block
// reported from the rule tables. Every barrier that two of its groups meet in is reported.
//
// - SeeAlso: docs/policy.md "Rule tables", "Information barriers".

import MailCore

/// The message's text folded once for every rule of one evaluation: a thousand rules must not
/// fold a large body a thousand times.
final class FoldedText {
    let input: PolicyInput
    let index: KeywordIndex?
    let regexIndex: KeywordIndex?
    init(_ input: PolicyInput, index: KeywordIndex? = nil, regexIndex: KeywordIndex? = nil, body: BodyText? = nil) {
        self.input = input
        self.index = index
        self.regexIndex = regexIndex
        self.body = body ?? BodyText(input.body)
    }

    private var scopes: [Int: RecipientIndex] = [:]

    /// The distinct recipients a rule's recipient conditions look at, worked out once per kind.
    func scope(onlyVisible: Bool, onlyExternal: Bool, _ context: PolicyContext) -> [Mailbox] {
        recipients(onlyVisible: onlyVisible, onlyExternal: onlyExternal, context).mailboxes
    }

    /// The same recipients grouped by domain, for matching the rules' pattern sets.
    func recipients(onlyVisible: Bool, onlyExternal: Bool, _ context: PolicyContext) -> RecipientIndex {
        let key = (onlyVisible ? 1 : 0) + (onlyExternal ? 2 : 0)
        if let done = scopes[key] { return done }
        var out: [Mailbox] = []
        if onlyExternal {
            // The context made these already (each once by key, in message order; a recipient
            // in To or Cc and again in Bcc is visible, as here).
            out = onlyVisible ? context.externalVisibleRecipients : context.externalRecipients
        } else {
            let source = onlyVisible ? input.visibleRecipients : input.allRecipients
            var seen = Set<String>(minimumCapacity: source.count)
            for m in source where seen.insert(m.key.text).inserted { out.append(m) }
        }
        let index = RecipientIndex(out)
        scopes[key] = index
        return index
    }

    /// The body's own lines, split and folded once per evaluation (shared with
    /// `forgotten-attachment` through the context).
    let body: BodyText

    /// The own lines folded (`TextFolding.fold`) and joined by LF, as UTF-8, and where each line
    /// starts.
    var ownBytes: (bytes: [UInt8], starts: [(offset: Int, number: Int)]) {
        let folded = body.folded
        return (folded.bytes, folded.starts)
    }

    /// Own line `i` folded: its bytes in `ownBytes`.
    func foldedLine(_ i: Int) -> String {
        let (bytes, starts) = ownBytes
        let end = i + 1 < starts.count ? starts[i + 1].offset - 1 : bytes.count - 1
        return String(decoding: bytes[starts[i].offset..<end], as: UTF8.self)
    }

    /// Keyword number → first byte offset in `ownBytes`, for every body keyword of the index.
    private(set) lazy var bodyHits: [Int: Int] = index?.firstOccurrences(in: ownBytes.bytes) ?? [:]

    /// The line number holding a byte offset of `ownBytes`.
    func lineNumber(at offset: Int) -> Int {
        let starts = ownBytes.starts
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid].offset <= offset { lo = mid } else { hi = mid - 1 }
        }
        return starts.isEmpty ? 0 : starts[lo].number
    }

    /// The first line with one of `keywords`, through the index when it holds them all.
    func firstBodyKeyword(_ keywords: [RuleKeyword]) -> (line: Int, keyword: String)? {
        if let index, keywords.allSatisfy({ index.ids[$0.foldedText] != nil }) {
            var best: (offset: Int, keyword: String)? = nil
            for k in keywords {
                if let o = bodyHits[index.ids[k.foldedText]!], best == nil || o < best!.offset { best = (o, k.written) }
            }
            return best.map { (lineNumber(at: $0.offset), $0.keyword) }
        }
        return TableRule.firstKeyword(keywords, in: ownLineCharacters)
    }

    /// Literal number (in `regexIndex`) → the indices of the own lines holding it.
    private(set) lazy var literalLines: [Int: [Int]] =
        regexIndex?.linesHolding(in: ownBytes.bytes, lineStarts: ownBytes.starts.map(\.offset)) ?? [:]

    /// Regular expression as written → the index in `ownLines` of the first line it matches, -1
    /// for none: each distinct expression runs once per evaluation.
    private var regexLines: [String: Int] = [:]

    /// The number of the first own line `rx` matches. Only lines holding the expression's
    /// required literal are given to the engine (`RegexLiteral`); the first of them that matches
    /// is the first line that matches.
    func firstBodyRegexLine(_ rx: RuleRegex) -> Int? {
        let starts = ownBytes.starts
        if let done = regexLines[rx.written] { return done < 0 ? nil : starts[done].number }
        var found = -1
        if let literal = rx.requiredLiteral, let regexIndex, let id = regexIndex.ids[String(decoding: literal, as: UTF8.self)] {
            for i in literalLines[id] ?? [] where rx.firstMatch(in: foldedLine(i)) != nil {
                found = i
                break
            }
        } else {
            found = starts.indices.first { rx.firstMatch(in: foldedLine($0)) != nil } ?? -1
        }
        regexLines[rx.written] = found
        return found < 0 ? nil : starts[found].number
    }

    private(set) lazy var subject: (folded: String, chars: [Character]) = {
        let f = TextFolding.fold(input.subject)
        return (f, Array(f))
    }()

    /// The sender's own lines (not quoted, not the signature), folded.
    private(set) lazy var ownLines: [(number: Int, folded: String)] = ownBytes.starts.indices.map {
        (ownBytes.starts[$0].number, foldedLine($0))
    }

    /// The same as characters, for keywords the index does not hold.
    private(set) lazy var ownLineCharacters: [(number: Int, folded: String, chars: [Character])] = ownLines.map {
        ($0.number, $0.folded, Array($0.folded))
    }
}

extension TableRule {
    /// The finding when every condition holds, else nil.
    func evaluate(_ input: PolicyInput, _ context: PolicyContext, groups: PolicyGroups) -> Finding? {
        evaluate(input, context, groups: groups, text: FoldedText(input))
    }

    /// `sets`: the rule's recipient lists prepared with the policy (`PolicyConfig`); made here
    /// when not given.
    func evaluate(
        _ input: PolicyInput, _ context: PolicyContext, groups: PolicyGroups, text: FoldedText, sets given: RuleRecipientSets? = nil
    ) -> Finding? {
        var evidence: [String] = []
        var subjects: [FindingSubject] = []
        let sets = given ?? RuleRecipientSets(self, groups: groups)

        // Recipients in scope: To/Cc (only_visible) or all; external only (only_external).
        var scope = RecipientIndex([])
        if recipientsAny != nil || recipientsAll != nil || recipientsNone != nil || minRecipients != nil {
            scope = text.recipients(onlyVisible: onlyVisible, onlyExternal: onlyExternal, context)
        }
        let count = scope.mailboxes.count
        if let n = minRecipients {
            guard count >= n else { return nil }
            evidence.append("\(PolicyText.count(count, onlyExternal ? "external recipient" : "recipient")) (at least \(n))")
        }
        if let list = recipientsAny, let set = sets.any {
            let matching = set.matchingIndices(in: scope)
            guard !matching.isEmpty else { return nil }
            var hits: [String] = []
            // The entry that matched, for the evidence.
            let lists = groups.patterns(of: list)
            for i in matching {
                let m = scope.mailboxes[i]
                if let hit = lists.first(where: { $0.patterns.contains { $0.matches(m) } }) {
                    hits.append("\(m.address) (\(hit.entry))")
                    subjects.append(.recipient(m.key.text))
                }
            }
            guard !hits.isEmpty else { return nil }
            evidence.append("recipients matching: \(PolicyText.listing(hits))")
        }
        if let list = recipientsAll, let set = sets.all {
            guard count > 0, set.matchingIndices(in: scope).count == count else { return nil }
            evidence.append("every recipient matches \(PolicyText.listing(list.lazy.map(\.entry.description)))")
        }
        if let list = recipientsNone, let set = sets.none {
            guard set.matchingIndices(in: scope).isEmpty else { return nil }
            evidence.append("no recipient matches \(PolicyText.listing(list.lazy.map(\.entry.description)))")
        }
        if let has = hasAttachments {
            guard has != input.attachments.isEmpty else { return nil }
            evidence.append(has ? PolicyText.count(input.attachments.count, "attachment") : "no attachment")
        }
        if hasAttachmentCondition {
            guard let (index, why) = matchingAttachment(input) else { return nil }
            evidence.append(why)
            subjects.append(.attachment(index))
        }
        if !subjectKeywords.isEmpty || subjectRegex != nil {
            let (folded, chars) = text.subject
            if !subjectKeywords.isEmpty {
                guard let k = subjectKeywords.first(where: { $0.find(in: chars) != nil }) else { return nil }
                evidence.append("the subject says '\(k.written)'")
            }
            if let rx = subjectRegex {
                guard rx.firstMatch(in: folded) != nil else { return nil }
                evidence.append("the subject matches /\(rx.written)/")
            }
        }
        if !bodyKeywords.isEmpty || bodyRegex != nil || companyMustMatch {
            if !bodyKeywords.isEmpty {
                guard let hit = text.firstBodyKeyword(bodyKeywords) else { return nil }
                evidence.append("line \(hit.line) says '\(hit.keyword)'")
                subjects.append(.body)
            }
            if let rx = bodyRegex {
                guard let number = text.firstBodyRegexLine(rx) else { return nil }
                evidence.append("line \(number) matches /\(rx.written)/")
                subjects.append(.body)
            }
            if companyMustMatch {
                // Each own line as a string of its own only for this condition.
                guard let why = companyMismatch(text.ownLines.map { ($0.number, $0.folded) }, input) else { return nil }
                evidence.append(why)
            }
        }
        var challenges: [Challenge] = []
        if let required = requiresRecipients, let set = sets.requires {
            let present = input.visibleRecipients.contains { set.matches($0) }
            guard !present else { return nil }
            evidence.append("no To/Cc recipient matches \(PolicyText.listing(required.lazy.map(\.entry.description)))")
        }
        if severity == .challenge {
            // The sender types what the rule is about: the attachment's name, else the domains.
            for case .attachment(let i) in subjects { challenges.append(.typeFileNamePart(attachment: i, fileName: input.attachments[i].name)) }
            if challenges.isEmpty {
                let recipients = subjects.compactMap { s -> Mailbox? in
                    if case .recipient(let key) = s { return input.allRecipients.first { $0.key.text == key } }
                    return nil
                }
                let domains = PolicyContext.domains(of: recipients.isEmpty ? context.externalRecipients : recipients)
                challenges = domains.map { .typeDomain($0.unicode) }
            }
        }
        return Finding(
            ruleID: id, severity: severity.severity,
            message: "\(message) — \(evidence.joined(separator: "; ")) [\(origin)]",
            subjects: subjects, challenges: challenges, flag: id.uppercased(), layer: origin)
    }

    /// The first attachment meeting every attachment condition, with the evidence.
    func matchingAttachment(_ input: PolicyInput) -> (Int, String)? {
        for (i, a) in input.attachments.enumerated() {
            var why: [String] = []
            if !attachmentNames.isEmpty {
                guard let p = attachmentNames.first(where: { Glob.matches($0, name: a.name) }) else { continue }
                why.append("matches '\(p)'")
            }
            if !attachmentTypes.isEmpty {
                guard attachmentTypes.contains(where: { Glob.matches($0, name: a.contentType) }) else { continue }
                why.append("is \(a.contentType)")
            }
            if let min = attachmentMinBytes {
                guard a.size >= min else { continue }
                why.append("has \(a.size) bytes (at least \(min))")
            }
            if let enc = attachmentEncrypted {
                guard a.encrypted == enc else { continue }
                why.append(enc ? "is encrypted" : "is not encrypted")
            }
            if !attachmentKeywords.isEmpty {
                guard let text = a.text else { continue }
                let lines = TextLines(text).lines.enumerated().map {
                    let f = TextFolding.fold($0.element)
                    return (number: $0.offset + 1, folded: f, chars: Array(f))
                }
                guard let hit = Self.firstKeyword(attachmentKeywords, in: lines) else { continue }
                why.append("says '\(hit.keyword)' on line \(hit.line)")
            }
            return (i, "attachment '\(a.name)' \(why.joined(separator: ", "))")
        }
        return nil
    }

    static func firstKeyword(_ keywords: [RuleKeyword], in lines: [(number: Int, folded: String, chars: [Character])]) -> (line: Int, keyword: String)? {
        for line in lines {
            if let k = keywords.first(where: { $0.find(in: line.chars) != nil }) { return (line.number, k.written) }
        }
        return nil
    }

    /// A company of the address book named in the sender's text while no recipient is at one of
    /// that company's domains.
    func companyMismatch(_ lines: [(number: Int, folded: String)], _ input: PolicyInput) -> String? {
        var domainsByCompany: [String: (name: String, domains: Set<String>)] = [:]
        for entry in input.addressBook.entries {
            guard let company = entry.company, let at = entry.address.lastIndex(of: "@") else { continue }
            let core = Self.companyCore(company)
            guard core.count >= 2 else { continue }
            let domain = DomainName.ascii(String(entry.address[entry.address.index(after: at)...]))
            domainsByCompany[core, default: (company, [])].domains.insert(domain)
        }
        guard !domainsByCompany.isEmpty else { return nil }
        let recipientDomains = Set(input.allRecipients.map(\.asciiDomain))
        for line in lines {
            let text = Self.companyCore(line.folded)
            for (core, company) in domainsByCompany where text.contains(core) {
                if company.domains.isDisjoint(with: recipientDomains) {
                    return "line \(line.number) names '\(company.name)', but no recipient is at \(PolicyText.listing(company.domains.sorted()))"
                }
            }
        }
        return nil
    }

    /// A company name without its legal form and spaces: 株式会社クライアント = クライアント株式会社 = ㈱クライアント.
    static func companyCore(_ text: String) -> String {
        var t = TextFolding.fold(text)
        for form in ["株式会社", "有限会社", "合同会社", "(株)", "(有)", "㈱", "㈲", "co., ltd.", "co.,ltd.", "inc.", "ltd."] {
            t = t.replacing(form, with: "")
        }
        return String(t.filter { !CharacterFolding.isSpace($0) })
    }
}

extension Barrier {
    /// The finding when recipients of two or more of the barrier's groups are in the message, or
    /// when tagged data goes to a group it may not reach.
    func evaluate(_ input: PolicyInput, groups: PolicyGroups) -> Finding? {
        evaluate(input, groups: groups, membership: groups.membership(of: input.allRecipients, among: self.groups))
    }

    /// `membership`: made for the recipients of `input` and (at least) this barrier's groups.
    func evaluate(_ input: PolicyInput, groups: PolicyGroups, membership: GroupMembership) -> Finding? {
        // Each group's recipients, one for each key, in message order (a group named twice in
        // the barrier lists each of them twice, as matching recipient by recipient did).
        var members: [String: [Mailbox]] = [:]
        for g in self.groups where members[g] == nil {
            let list = membership.members(of: g)
            let times = self.groups.lazy.filter { $0 == g }.count
            if !list.isEmpty { members[g] = times == 1 ? list : list.flatMap { repeatElement($0, count: times) } }
        }
        let met = self.groups.filter { members[$0] != nil }
        let head = message.map { "\($0) — " } ?? ""
        if met.count >= 2 {
            let parts = met.map { g in "\(g): \(PolicyText.listing(members[g]!.lazy.map(\.address), limit: 2))" }
            var recipients: [Mailbox] = []
            var flags: [String: String] = [:]
            for g in met {
                for m in members[g]! where flags[m.key.text] == nil {
                    recipients.append(m)
                    flags[m.key.text] = "BARRIER \(id): \(membership.groups(of: m, among: met).joined(separator: ", "))"
                }
            }
            var finding = Finding(
                ruleID: id, severity: severity,
                message: "\(head)groups that must never meet are in one message (To, Cc and Bcc): \(parts.joined(separator: "; ")) [\(origin)]",
                subjects: recipients.map { .recipient($0.key.text) }, flag: "BARRIER \(id)", layer: origin)
            finding.subjectFlags = flags
            return finding
        }
        for tag in tags {
            guard let evidence = tag.find(in: input) else { continue }
            let outside = input.allRecipients.filter { m in membership.groups(of: m, among: tag.allowed).isEmpty }
            guard !outside.isEmpty else { continue }
            return Finding(
                ruleID: id, severity: severity,
                message:
                    "\(head)\(evidence) may go only to \(tag.allowed.joined(separator: ", ")), but \(PolicyText.listing(outside.lazy.map(\.address), limit: 2)) \(outside.count == 1 ? "is" : "are") outside [\(tag.origin)]",
                subjects: outside.map { .recipient($0.key.text) }, flag: "BARRIER \(id)", layer: origin)
        }
        return nil
    }
}

extension BarrierTag {
    func find(in input: PolicyInput) -> String? {
        for a in input.attachments {
            if let p = names.first(where: { Glob.matches($0, name: a.name) }) { return "attachment '\(a.name)' (\(p))" }
        }
        guard !keywords.isEmpty || regex != nil else { return nil }
        var texts: [(String, String)] = [("body", input.body)]
        for a in input.attachments { if let t = a.text { texts.append(("attachment '\(a.name)'", t)) } }
        for (place, text) in texts {
            for (n, line) in TextLines(text).lines.enumerated() {
                let folded = TextFolding.fold(line)
                if let k = keywords.first(where: { $0.find(in: Array(folded)) != nil }) { return "\(place) line \(n + 1) says '\(k.written)'" }
                if let rx = regex, rx.firstMatch(in: folded) != nil { return "\(place) line \(n + 1) matches /\(rx.written)/" }
            }
        }
        return nil
    }
}
