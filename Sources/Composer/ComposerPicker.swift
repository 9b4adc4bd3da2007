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
        // Read in the background after the first frame (`PolicySetup.prefetch`), and again
        // only when the journal changed.
        let (sent, journalWarning) = PolicySetup.correspondents(paths: paths)
        let note = journalWarning ?? warnings.first
        let classifier = policy.classifier(sender: account.from)
        // One look (an IDNA conversion) per domain, not per address: 70,000 addresses share a few thousand.
        var seen: [Substring: Bool] = [:]
        func isInternal(_ address: String) -> Bool? {
            guard let at = address.lastIndex(of: "@") else { return nil }
            let domain = address[address.index(after: at)...].lowercased()[...]
            if let known = seen[domain] { return known }
            let verdict = classifier.isInternal(domain: String(domain))
            seen[domain] = verdict
            return verdict
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
