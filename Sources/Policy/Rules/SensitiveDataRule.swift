// sensitive-data — personal data in the body or in text attachments: My Numbers (12 digits with
// a valid check digit), card numbers (13–19 digits, Luhn-valid, starting with 3, 4, 5 or 6), and
// more email addresses or phone numbers than a letter needs. Findings give counts and the first
// place; never the values.

public struct SensitiveDataRule: PolicyRule {
    public let id = "sensitive-data"
    public let defaultSeverity = Severity.confirm
    public let summary = "My Numbers, card numbers, or many email addresses or phone numbers in the text"

    public static let maxEmailAddresses = RuleOption.threshold(
        "max_email_addresses", default: 20, minimum: 0, "report more distinct email addresses than this")
    public static let maxPhoneNumbers = RuleOption.threshold(
        "max_phone_numbers", default: 20, minimum: 0, "report more distinct phone numbers than this")
    public var options: [RuleOption] { [Self.maxEmailAddresses, Self.maxPhoneNumbers] }

    public init() {}

    /// Where a text comes from.
    enum Source: Equatable {
        case body
        case attachment(Int, String)

        var subject: FindingSubject {
            switch self {
            case .body: return .body
            case .attachment(let i, _): return .attachment(i)
            }
        }

        /// "body line 3", "attachment 'a.csv' line 3", "attachment '顧客.xlsx' sheet '顧客' cell C4",
        /// "attachment '見積書.pdf' page 1, line 3".
        func place(line: Int, in attachments: [AttachmentFacts]) -> String {
            switch self {
            case .body: return "body line \(line)"
            case .attachment(let index, let name):
                let location = attachments.indices.contains(index) ? attachments[index].location(ofLine: line) : "line \(line)"
                return "attachment '\(name)' \(location)"
            }
        }
    }

    /// Distinct values of one kind across every source, with the first place and the sources.
    struct Tally {
        var values = Set<String>()
        var first: String? = nil
        var sources: [Source] = []

        mutating func add(_ hits: [(value: String, line: Int)], from source: Source, _ attachments: [AttachmentFacts]) {
            for hit in hits {
                values.insert(hit.value)
                if first == nil { first = source.place(line: hit.line, in: attachments) }
                if !sources.contains(source) { sources.append(source) }
            }
        }
    }

    public func evaluate(_ input: PolicyInput, _ context: PolicyContext) -> [Finding] {
        var texts: [(Source, String)] = [(.body, input.body)]
        for (i, a) in input.attachments.enumerated() {
            if let text = a.text { texts.append((.attachment(i, a.name), text)) }
        }
        var myNumbers = Tally(), cards = Tally(), emails = Tally(), phones = Tally()
        for (source, text) in texts {
            let scan = SensitiveScan(text)
            myNumbers.add(scan.myNumbers, from: source, input.attachments)
            cards.add(scan.cards, from: source, input.attachments)
            emails.add(scan.emails, from: source, input.attachments)
            phones.add(scan.phones, from: source, input.attachments)
        }
        let severity = context.severity(of: self)
        var findings: [Finding] = []
        func report(_ tally: Tally, _ what: String) {
            findings.append(
                Finding(
                    ruleID: id, severity: severity,
                    message: "\(what), first at \(tally.first ?? "?")",
                    subjects: tally.sources.map(\.subject)))
        }
        if !myNumbers.values.isEmpty {
            report(myNumbers, PolicyText.count(myNumbers.values.count, "My Number") + " (個人番号, valid check digit)")
        }
        if !cards.values.isEmpty {
            report(cards, PolicyText.count(cards.values.count, "card number") + " (Luhn-valid)")
        }
        let maxEmails = context.config.integer(Self.maxEmailAddresses, of: id)
        if emails.values.count > maxEmails {
            report(emails, PolicyText.count(emails.values.count, "email address", "email addresses") + " (more than \(maxEmails))")
        }
        let maxPhones = context.config.integer(Self.maxPhoneNumbers, of: id)
        if phones.values.count > maxPhones {
            report(phones, PolicyText.count(phones.values.count, "phone number") + " (more than \(maxPhones))")
        }
        return findings
    }
}
