import Delivery
import Journal
import Policy
import Store
import TUI

extension ComposerSession {
    /// Ctrl-T: the address books (as `PolicySetup` reads them for the policy: cached, the
    /// organisation's and the user's) and everyone the journal says a message was delivered to,
    /// as the picker's candidates. A book or a journal that cannot be read is said in the picker;
    /// what could be read is still offered.
    func loadPicker(_ field: ComposeField) {
        let (book, warnings) = PolicySetup.addressBook(policy, paths: paths)
        var note = warnings.first
        var sent: [SendJournal.Correspondent] = []
        if FileSystem.exists(paths.journalFile) {
            do {
                let journal = try SendJournal(path: paths.journalFile)
                defer { journal.close() }
                sent = try journal.correspondents()
            } catch {
                note = "the send history cannot be read: \(error)"
            }
        }
        let classifier = policy.classifier(sender: account.from)
        func isInternal(_ address: String) -> Bool? {
            guard let at = address.lastIndex(of: "@") else { return nil }
            return classifier.isInternal(domain: String(address[address.index(after: at)...]))
        }
        let fromBook = book.entries.map {
            PickerCandidate(name: $0.name, address: $0.address, company: $0.company, reading: $0.reading, isInternal: isInternal($0.address))
        }
        let fromHistory = sent.map {
            PickerCandidate(
                name: $0.displayName ?? "", address: $0.address, isInternal: isInternal($0.address), lastSent: $0.lastSent, count: $0.count,
                source: .history)
        }
        send(.pickerLoaded(field: field, candidates: PickerCandidate.merged(book: fromBook, history: fromHistory), note: note))
    }
}
