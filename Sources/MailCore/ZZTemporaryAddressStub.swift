// TEMPORARY: replaced by the real address parser.
public struct Mailbox: Hashable, Sendable {
    public var displayName: String?
    public var localPart: String
    public var domain: String
    public var asciiDomain: String
    public init(displayName: String?, localPart: String, domain: String) {
        self.displayName = displayName; self.localPart = localPart; self.domain = domain; self.asciiDomain = domain
    }
    public var address: String { "\(localPart)@\(domain)" }
    public var envelopeAddress: String { "\(localPart)@\(asciiDomain)" }
}
public enum AddressListEntry: Hashable, Sendable { case mailbox(Mailbox); case group(name: String, members: [Mailbox]) }
extension Array where Element == AddressListEntry {
    public var mailboxes: [Mailbox] { flatMap { e -> [Mailbox] in switch e { case .mailbox(let m): return [m]; case .group(_, let ms): return ms } } }
}
public struct AddressError: Error, Sendable, CustomStringConvertible { public var description: String }
public enum AddressParser {
    public static func parseList(_ text: String) throws(AddressError) -> [AddressListEntry] { try text.split(separator: ",").map { s throws(AddressError) in .mailbox(try parseMailbox(String(s))) } }
    public static func parseMailbox(_ text: String) throws(AddressError) -> Mailbox {
        let t = text.split(separator: "<").last.map { $0.replacingOccurrences(of: ">", with: "") } ?? text
        let parts = t.split(separator: "@"); guard parts.count == 2 else { throw AddressError(description: "bad '\(text)'") }
        return Mailbox(displayName: nil, localPart: String(parts[0]).trimmingCharacters(in: .whitespaces), domain: String(parts[1]))
    }
}
import Foundation
