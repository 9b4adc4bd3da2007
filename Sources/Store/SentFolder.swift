#if canImport(Glibc)
    import Glibc
#endif
import MailCore

/// The sent Maildir: the sender's own copy of every message sent (flag S), with its Bcc header
/// kept in the copy only. Also the record of who was written to, until the send journal exists.
public struct SentFolder: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Where the copy stored under `name` is (a Maildir file marked seen).
    public func path(named name: String) -> String { "\(directory)/cur/\(name):2,S" }

    /// Moves a finished copy (the spool file: Bcc header, then the transmitted bytes) into the
    /// folder: a rename, so nothing is copied; across file systems, a copy then the removal.
    public func store(_ path: String, name: String) throws(FileError) {
        for sub in ["tmp", "new", "cur"] { try FileSystem.makeDirectories("\(directory)/\(sub)") }
        let target = self.path(named: name)
        do {
            try FileSystem.rename(path, to: target)
        } catch  where error.errno == EXDEV {
            let temporary = "\(directory)/tmp/\(name)"
            try FileSystem.copy(path, to: temporary)
            try FileSystem.rename(temporary, to: target)
            FileSystem.remove(path)
        }
        try FileSystem.syncDirectory("\(directory)/cur")
    }

    /// Every address and domain written to before (To, Cc and Bcc of the sent copies).
    /// Addresses as their `RecipientKey` text; domains in Unicode, lowercased.
    public func history() -> (addresses: Set<String>, domains: Set<String>) {
        var addresses = Set<String>()
        var domains = Set<String>()
        for sub in ["cur", "new"] {
            for name in FileSystem.listDirectory("\(directory)/\(sub)") {
                guard let head = try? FileSystem.readHead("\(directory)/\(sub)/\(name)", limit: 64 << 10) else { continue }
                for (field, value) in Self.headerFields(head) where ["to", "cc", "bcc"].contains(field) {
                    guard let entries = try? AddressParser.parseList(value) else { continue }
                    for mailbox in entries.mailboxes {
                        addresses.insert(mailbox.key.text)
                        domains.insert(mailbox.domain)
                    }
                }
            }
        }
        return (addresses, domains)
    }

    /// For each message with To/Cc recipients in two or more domains, the set of those domains
    /// (as written, lowercased): who already sees each other (`SendHistory.visibleDomainGroups`).
    public func visibleDomainGroups() -> [Set<String>] {
        var groups = Set<Set<String>>()
        for sub in ["cur", "new"] {
            for name in FileSystem.listDirectory("\(directory)/\(sub)") {
                guard let head = try? FileSystem.readHead("\(directory)/\(sub)/\(name)", limit: 64 << 10) else { continue }
                var domains = Set<String>()
                for (field, value) in Self.headerFields(head) where ["to", "cc"].contains(field) {
                    guard let entries = try? AddressParser.parseList(value) else { continue }
                    for mailbox in entries.mailboxes { domains.insert(mailbox.domain.lowercased()) }
                }
                if domains.count >= 2 { groups.insert(domains) }
            }
        }
        return Array(groups)
    }

    /// The unfolded header fields of a message's first bytes: (lowercased name, raw value).
    static func headerFields(_ bytes: [UInt8]) -> [(String, String)] {
        var fields: [(String, String)] = []
        let text = String(decoding: bytes, as: UTF8.self)
        // "\r\n" is one Character in Swift, so split on either form of line end.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.isEmpty { break }
            if let first = line.first, first == " " || first == "\t" {
                if !fields.isEmpty { fields[fields.count - 1].1 += " " + line.drop { $0 == " " || $0 == "\t" } }
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((line[..<colon].lowercased(), String(line[line.index(after: colon)...].drop { $0 == " " })))
            }
        }
        return fields
    }
}

extension FileSystem {
    /// Copies a file (synced), for moves across file systems.
    public static func copy(_ from: String, to: String) throws(FileError) {
        let source = try FileSource(path: from)
        defer { source.close() }
        let sink = try FileSink(creating: to)
        do {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            }
            try sink.finish(sync: true)
        } catch {
            try? sink.finish(sync: false)
            remove(to)
            throw (error as? FileError) ?? FileError(action: "copy to '\(to)'", path: from, errno: EIO)
        }
    }

    /// At most `limit` bytes from the start of a file.
    public static func readHead(_ path: String, limit: Int) throws(FileError) -> [UInt8] {
        let source = try FileSource(path: path)
        defer { source.close() }
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            } catch {
                throw (error as? FileError) ?? FileError(action: "read", path: path, errno: EIO)
            }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }
}

extension DataPaths {
    public var sentDirectory: String { dataDirectory + "/sent" }
    public var draftsDirectory: String { dataDirectory + "/drafts" }
}
