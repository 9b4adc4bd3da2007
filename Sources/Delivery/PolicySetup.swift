import Config
import Inspect
import Journal
import MailCore
import Policy
import Store

/// Everything the policy needs from the outside world, gathered in one place for `send`,
/// `compose` and `check`: the organisation's file, the address books, the record of sent mail,
/// and what the attachments really are.
public enum PolicySetup {
    /// `$GUARDMAIL_POLICY`, else `/etc/guardmail/policy.toml`.
    public static var organisationFile: String { FileSystem.environment("GUARDMAIL_POLICY") ?? "/etc/guardmail/policy.toml" }

    /// The effective policy: defaults < the user's `[policy]` < the organisation's file.
    /// A missing organisation file is fine; an unreadable or invalid one is an error (an admin's
    /// policy must never be silently skipped).
    public static func load(user: PolicyLayerSettings?) throws(ConfigError) -> PolicyConfig {
        let path = organisationFile
        guard FileSystem.exists(path) else { return PolicyConfig(user: user) }
        let text: String?
        do {
            text = try FileSystem.readUTF8(path)
        } catch {
            throw ConfigError("cannot read the organisation policy: \(error)")
        }
        guard let text else { throw ConfigError("the organisation policy '\(path)' is not UTF-8 text") }
        do {
            let organisation = try PolicyConfig.parseOrganisationFile(text, file: path)
            return PolicyConfig(user: user, organisation: organisation)
        } catch {
            throw ConfigError(error.description)
        }
    }

    /// The address books the policy names (`~` expanded), merged; unreadable ones are warnings.
    public static func addressBook(_ config: PolicyConfig, paths: DataPaths) -> (AddressBook, warnings: [String]) {
        var books: [AddressBook] = []
        var warnings: [String] = []
        var files = config.addressBooks.map(\.value).map(FileSystem.expandTilde)
        let standard = paths.configDirectory + "/addressbook.txt"
        if files.isEmpty && FileSystem.exists(standard) { files = [standard] }
        for file in files {
            do {
                guard let text = try FileSystem.readUTF8(file) else {
                    warnings.append("the address book '\(file)' is not UTF-8 text; namesakes are not checked against it")
                    continue
                }
                books.append(try AddressBook.parse(text, file: file))
            } catch let error as FileError {
                warnings.append("cannot read the address book: \(error); namesakes are not checked against it")
            } catch {
                warnings.append("\(error); namesakes are not checked against this address book")
            }
        }
        return (AddressBook.merged(books), warnings)
    }

    /// Who has been written to before: the recipients the send journal records as accepted.
    /// While the journal holds no message yet (a first start, or mail sent by a version without
    /// the journal), the sent folder's headers. A journal that cannot be read is a warning, and
    /// the history is then empty: every recipient counts as new, which asks more, never less.
    public static func history(paths: DataPaths) -> (SendHistory, warning: String?) {
        func sentFolder() -> SendHistory {
            let record = SentFolder(directory: paths.sentDirectory).history()
            return SendHistory(addresses: record.addresses, domains: record.domains)
        }
        guard FileSystem.exists(paths.journalFile) else { return (sentFolder(), nil) }
        do {
            let journal = try SendJournal(path: paths.journalFile)
            defer { journal.close() }
            if try journal.list(limit: 1).isEmpty { return (sentFolder(), nil) }
            let record = try journal.history()
            return (SendHistory(addresses: record.addresses, domains: record.domains), nil)
        } catch {
            return (SendHistory(addresses: [], domains: []), "\(error); every recipient is treated as new")
        }
    }

    public static func input(
        _ message: OutgoingMessage, inspections: [Inspection], history: SendHistory, addressBook: AddressBook
    ) -> PolicyInput {
        PolicyInput(
            from: message.from, to: message.to.mailboxes, cc: message.cc.mailboxes, bcc: message.bcc.mailboxes,
            subject: message.subject, body: message.body,
            attachments: inspections.map { AttachmentFacts(name: $0.name, size: $0.size, contentType: $0.contentType, text: $0.text) },
            history: history, addressBook: addressBook)
    }
}
