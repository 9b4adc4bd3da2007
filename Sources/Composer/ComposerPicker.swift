import Config
import Delivery
import Dispatch
import Journal
import MailCore
import Policy
import Store
import Synchronization
import TUI

extension ComposerSession {
    /// What the picker's candidates are made from now: the files' stamps, the sender (internal or
    /// external is said against it) and the thread's parties.
    func pickerKey() -> PickerCandidates.Key {
        PickerCandidates.Key(
            stamps: PolicySetup.pickerSourceStamps(policy, paths: paths), sender: account.from.addressKey,
            thread: threading.thread?.parties.map(\.addressKey) ?? [])
    }

    /// Starts making the picker's candidates on another thread unless they are made (or being
    /// made) from the files as they are now: after the composer's first frame, and on ^T when a
    /// file changed since (a message sent meanwhile went into the journal).
    @discardableResult
    func preparePicker() -> PickerCandidates.Key {
        let key = pickerKey()
        let (policy, paths, sender, parties) = (policy, paths, account.from, threading.thread?.parties ?? [])
        pickerCandidates.prepare(key) { Self.makePickerIndex(policy: policy, paths: paths, sender: sender, thread: parties) }
        return key
    }

    /// ^T: the picker opens at once. With the candidates made from the files as they are, it
    /// lists them; else it lists what was made before (nothing the first time), says it is
    /// reading the address books, and `deliverPicker` fills them in when they are made.
    func loadPicker(_ field: ComposeField) {
        let key = preparePicker()
        let made = pickerCandidates.made
        if let made, made.key == key {
            pickerWaitingFor = nil
            send(.pickerLoaded(field: field, index: made.index, note: made.note, loading: false))
        } else {
            pickerWaitingFor = key
            send(.pickerLoaded(field: field, index: made?.index ?? .empty, note: nil, loading: true))
            deliverPicker()
        }
    }

    /// The candidates an open picker waits for, once they are made (the loop looks every 20 ms
    /// while it waits).
    func deliverPicker() {
        guard let key = pickerWaitingFor else { return }
        guard case .picker(let picker) = model.mode, picker.loading else {
            pickerWaitingFor = nil
            return
        }
        guard let made = pickerCandidates.made, made.key == key else { return }
        pickerWaitingFor = nil
        send(.pickerFilled(index: made.index, note: made.note))
        render()
    }

    /// The address books (as `PolicySetup` reads them for the policy: cached, the organisation's
    /// and the user's), everyone the journal says a message was delivered to, and the thread's
    /// parties (a reply or a forward; not the sender), made ready for the picker. A book or a
    /// journal that cannot be read is the note; what could be read is still offered.
    static func makePickerIndex(policy: PolicyConfig, paths: DataPaths, sender: Mailbox, thread: [Mailbox]) -> (PickerIndex, note: String?) {
        let (book, warnings) = PolicySetup.addressBook(policy, paths: paths)
        let (sent, journalWarning) = PolicySetup.correspondents(paths: paths)
        let note = journalWarning ?? warnings.first
        let classifier = policy.classifier(sender: sender)
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
        let fromThread = thread.filter { $0.key != sender.key }.map {
            PickerCandidate(name: $0.displayName ?? "", address: $0.address, isInternal: isInternal($0.address), source: .thread)
        }
        return (PickerIndex(PickerCandidate.merged(book: fromBook, history: fromHistory, thread: fromThread)), note)
    }
}

/// The address picker's candidates, made on another thread so that ^T finds them ready (making
/// 70,000 takes a good part of a second), with what they were made from.
final class PickerCandidates: Sendable {
    struct Key: Equatable, Sendable {
        var stamps: [FileStamp]
        var sender: String
        var thread: [String]
    }

    struct Made: Sendable {
        var key: Key
        var index: PickerIndex
        var note: String?
    }

    private struct State {
        var made: Made?
        var madeGeneration = 0
        var building: Key?
        var generation = 0
    }

    private let state = Mutex(State())
    /// Runs the making; tests pass one that runs it at once.
    let run: @Sendable (@escaping @Sendable () -> Void) -> Void

    init(run: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { DispatchQueue.global(qos: .userInitiated).async(execute: $0) }) {
        self.run = run
    }

    /// The candidates made last (perhaps from files that changed since: compare the key).
    var made: Made? { state.withLock { $0.made } }

    /// Makes the candidates for `key` with `make`, unless they are made or being made for it. A
    /// making that ends after a newer one started does not replace the newer one's candidates.
    func prepare(_ key: Key, make: @escaping @Sendable () -> (PickerIndex, note: String?)) {
        let generation: Int? = state.withLock { state in
            if state.building == key || (state.building == nil && state.made?.key == key) { return nil }
            state.generation += 1
            state.building = key
            return state.generation
        }
        guard let generation else { return }
        run { [self] in
            let (index, note) = make()
            self.state.withLock { state in
                guard generation > state.madeGeneration else { return }
                state.made = Made(key: key, index: index, note: note)
                state.madeGeneration = generation
                if state.generation == generation { state.building = nil }
            }
        }
    }
}
