import GuardTOML
import MailCore
import Testing
@testable import Policy

/// A mailbox from RFC 5322 text: `山田 太郎 <taro@example.co.jp>`.
func mailbox(_ text: String) throws -> Mailbox {
    try AddressParser.parseMailbox(text)
}

/// Mailboxes from a comma-separated list ("" gives none).
func mailboxes(_ text: String) throws -> [Mailbox] {
    try AddressParser.parseList(text).mailboxes
}

/// A mailbox whose domain is given in any form (e.g. an A-label with a Cyrillic letter inside,
/// which the parser refuses in Unicode form).
func mailbox(local: String, domain: String, name: String? = nil) throws -> Mailbox {
    try Mailbox(displayName: name, localPart: local, domain: domain)
}

let sender = "山田 太郎 <taro@example.co.jp>"

func input(
    from: String = sender, to: String = "", cc: String = "", bcc: String = "",
    subject: String = "", body: String = "", attachments: [AttachmentFacts] = [],
    history: SendHistory = .empty, addressBook: AddressBook = AddressBook()
) throws -> PolicyInput {
    PolicyInput(
        from: try mailbox(from), to: try mailboxes(to), cc: try mailboxes(cc), bcc: try mailboxes(bcc),
        subject: subject, body: body, attachments: attachments, history: history, addressBook: addressBook)
}

/// The findings of one rule.
func run(_ rule: some PolicyRule, _ input: PolicyInput, _ config: PolicyConfig = .defaults) -> [Finding] {
    rule.evaluate(input, PolicyContext(input: input, config: config))
}

/// A config from an organisation file and a user config (whose policy is under `[policy]`).
func config(organisation: String? = nil, user: String? = nil) throws -> PolicyConfig {
    var layers: [PolicyLayerSettings] = []
    if let organisation {
        layers.append(try PolicyConfig.parseOrganisationFile(organisation, file: "policy.toml"))
    }
    if let user {
        layers.append(try userLayer(user))
    }
    return PolicyConfig(layers: layers)
}

/// Reads `[policy]` of a user config text the way the config loader does.
func userLayer(_ text: String, file: String = "config.toml") throws(PolicyConfigError) -> PolicyLayerSettings {
    let table: TOMLTableReader?
    do {
        var root = try TOMLTableReader.parse(text, file: file)
        table = try root.table("policy")
    } catch {
        throw PolicyConfigError(error)
    }
    guard var policy = table else { return PolicyLayerSettings(layer: .user, file: file) }
    return try PolicyConfig.parse(&policy, layer: .user)
}

/// A config with only internal_domains set (as the organisation).
func internalConfig(_ patterns: [String]) throws -> PolicyConfig {
    let list = patterns.map { "\"\($0)\"" }.joined(separator: ", ")
    return try config(organisation: "internal_domains = [\(list)]\n")
}

func attachment(_ name: String, text: String? = nil) -> AttachmentFacts {
    AttachmentFacts(name: name, size: Int64(text?.utf8.count ?? 1000), contentType: text == nil ? "application/pdf" : "text/plain", text: text)
}

/// The check digit of a My Number, computed independently of the module: left-to-right weights
/// 6 5 4 3 2 7 6 5 4 3 2 over the first 11 digits; r = sum mod 11; 0 if r ≤ 1, else 11 − r.
func myNumberCheckDigit(_ first11: String) -> Int {
    let weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    let digits = first11.compactMap(\.wholeNumberValue)
    precondition(digits.count == 11)
    let r = zip(digits, weights).map(*).reduce(0, +) % 11
    return r <= 1 ? 0 : 11 - r
}

func validMyNumber(_ first11: String) -> String { first11 + String(myNumberCheckDigit(first11)) }

/// The Luhn check digit that completes `prefix`.
func luhnComplete(_ prefix: String) -> String {
    for d in 0...9 {
        let candidate = prefix + String(d)
        var sum = 0
        for (i, c) in candidate.reversed().enumerated() {
            var v = c.wholeNumberValue ?? 0
            if i % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        if sum % 10 == 0 { return candidate }
    }
    preconditionFailure("no Luhn digit")
}
