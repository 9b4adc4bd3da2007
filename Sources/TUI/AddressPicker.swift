/// The address picker (Ctrl-T in To, Cc, Bcc): a search over the address books and the send
/// history, never a completion. Nothing is preselected; only Enter on a row the user moved to
/// with ↓ ↑ chooses it; people who share a name (namesakes) are listed together, marked.
public struct PickerCandidate: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        /// `thread`: only on the thread (a party of the message answered or forwarded).
        case addressBook, history, both, thread
    }

    public var name: String
    public var address: String
    public var company: String?
    /// The name's reading (kana or romaji), when the book gives one.
    public var reading: String?
    /// Inside the sender's organisation; nil when not known.
    public var isInternal: Bool?
    /// When the newest message to it was sent (seconds since 1970); nil: never.
    public var lastSent: Int64?
    /// How many messages went to it.
    public var count: Int
    public var source: Source
    /// A party of the message being answered or forwarded (`ThreadFacts.parties`): marked, and
    /// listed before the others when nothing is searched.
    public var onThread: Bool

    /// Folded search keys (see `SearchFold`) as UTF-8, made once when the candidate is: the
    /// search compares bytes (a String's `contains` costs several times more).
    let nameKey: [UInt8]
    let readingKey: [UInt8]
    let companyKey: [UInt8]
    let addressKey: [UInt8]

    public init(
        name: String, address: String, company: String? = nil, reading: String? = nil, isInternal: Bool? = nil, lastSent: Int64? = nil,
        count: Int = 0, source: Source = .addressBook, onThread: Bool = false
    ) {
        self.name = name
        self.address = address
        self.company = company
        self.reading = reading
        self.isInternal = isInternal
        self.lastSent = lastSent
        self.count = count
        self.source = source
        self.onThread = onThread
        nameKey = Array(SearchFold.fold(name).utf8)
        readingKey = Array(SearchFold.fold(reading ?? "").utf8)
        companyKey = Array(SearchFold.fold(company ?? "").utf8)
        addressKey = Array(SearchFold.fold(address).utf8)
    }

    /// What is inserted into the field: `Name <address>` (the name quoted when it holds a
    /// special), or the address alone when there is no name.
    public var formatted: String {
        name.isEmpty ? address : PasteSplitter.entry(name: name, address: address)
    }

    /// The entries of the address books and the addresses of the send history as one list: an
    /// address in both is one candidate (the book's name and company, the history's time and
    /// count). Addresses are compared ignoring case. The thread's parties (a reply or a forward)
    /// are marked on the candidate with their address, or added (with the name the message gave).
    public static func merged(book: [PickerCandidate], history: [PickerCandidate], thread: [PickerCandidate] = []) -> [PickerCandidate] {
        var byAddress: [String: PickerCandidate] = [:]
        for entry in history { byAddress[entry.address.lowercased()] = entry }
        var out: [PickerCandidate] = []
        var used = Set<String>()
        for var entry in book {
            let key = entry.address.lowercased()
            if let sent = byAddress[key] {
                entry.lastSent = sent.lastSent
                entry.count = sent.count
                entry.source = .both
                used.insert(key)
            }
            out.append(entry)
        }
        out += history.filter { !used.contains($0.address.lowercased()) }
        guard !thread.isEmpty else { return out }
        var place: [String: Int] = [:]
        for (index, candidate) in out.enumerated() where place[candidate.address.lowercased()] == nil { place[candidate.address.lowercased()] = index }
        for party in thread {
            let key = party.address.lowercased()
            if let index = place[key] {
                out[index].onThread = true
            } else {
                var added = party
                added.onThread = true
                place[key] = out.count
                out.append(added)
            }
        }
        return out
    }
}

/// Folding for the picker's search: full-width ASCII to ASCII, half-width katakana to
/// full-width, hiragana to katakana (a reading typed in either matches), lowercase, and blanks
/// (ASCII and ideographic) dropped, so `たなか`, `ﾀﾅｶ` and `タナカ` are one key, and `田中一郎`
/// matches `田中 一郎`.
public enum SearchFold {
    /// U+FF66…U+FF9D in order.
    static let halfWidthKatakana = Array("ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン".unicodeScalars)

    public static func fold(_ text: String) -> String {
        // Plain lowercase ASCII without blanks (most addresses) is its own key.
        if text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !(0x41...0x5A).contains($0) }) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            var value = scalar.value
            switch value {
            case 0x20, 0x09, 0x3000: continue
            case 0xFF01...0xFF5E: value -= 0xFEE0
            case 0xFF66...0xFF9D: value = halfWidthKatakana[Int(value - 0xFF66)].value
            case 0xFF9E, 0x3099, 0x309B:
                // Dakuten: カ + ﾞ = ガ (ウ → ヴ).
                if let last = out.last, let voiced = voiced(last.value) {
                    out.removeLast()
                    out.append(Unicode.Scalar(voiced)!)
                }
                continue
            case 0xFF9F, 0x309A, 0x309C:
                // Handakuten: ハ + ﾟ = パ.
                if let last = out.last, (0x30CF...0x30DB).contains(last.value), (last.value - 0x30CF) % 3 == 0 {
                    out.removeLast()
                    out.append(Unicode.Scalar(last.value + 2)!)
                }
                continue
            default: break
            }
            if (0x3041...0x3096).contains(value) { value += 0x60 }
            if (0x41...0x5A).contains(value) { value += 0x20 }
            let folded = Unicode.Scalar(value)!
            if value < 0x80 || !folded.properties.changesWhenLowercased {
                // Kana and kanji have no case: no String to make for them (most of a Japanese book).
                out.append(folded)
            } else {
                out.append(contentsOf: String(Character(folded)).lowercased().unicodeScalars)
            }
        }
        return String(out)
    }

    /// The voiced katakana of `value`, if it has one.
    static func voiced(_ value: UInt32) -> UInt32? {
        switch value {
        case 0x30A6: return 0x30F4
        case 0x30AB...0x30C2 where (value - 0x30AB) % 2 == 0: return value + 1
        case 0x30C4...0x30C8 where (value - 0x30C4) % 2 == 0: return value + 1
        case 0x30CF...0x30DB where (value - 0x30CF) % 3 == 0: return value + 1
        default: return nil
        }
    }
}

/// The candidates made ready for searching: who has a namesake, and the order with nothing
/// searched. Making it for 70,000 candidates takes a good part of a second, so the composer makes
/// it in the background after its first frame (see `ComposerSession`), not when ^T is pressed.
public struct PickerIndex: Sendable {
    public let candidates: [PickerCandidate]
    /// Name keys that more than one address has: those rows carry the namesake mark.
    let namesakeKeys: Set<[UInt8]>
    /// Each candidate's place when nothing is searched (the thread's parties, then the most
    /// written to, then the newest, then the books' order): the tie-break of every search.
    let basePosition: [Int32]
    /// Every candidate in that order, namesakes grouped: the list before anything is typed.
    let baseResults: [Int]

    public static let empty = PickerIndex([])

    public init(_ candidates: [PickerCandidate]) {
        self.candidates = candidates
        var addressesByName: [[UInt8]: Set<String>] = [:]
        for candidate in candidates where !candidate.nameKey.isEmpty {
            addressesByName[candidate.nameKey, default: []].insert(candidate.address.lowercased())
        }
        namesakeKeys = Set(addressesByName.filter { $0.value.count > 1 }.keys)
        let order = candidates.indices.sorted { a, b in
            let x = candidates[a], y = candidates[b]
            if x.onThread != y.onThread { return x.onThread }
            if x.count != y.count { return x.count > y.count }
            if (x.lastSent ?? 0) != (y.lastSent ?? 0) { return (x.lastSent ?? 0) > (y.lastSent ?? 0) }
            return a < b
        }
        var position = [Int32](repeating: 0, count: candidates.count)
        for (place, index) in order.enumerated() { position[index] = Int32(place) }
        basePosition = position
        baseResults = AddressPicker.grouped(order, candidates, namesakeKeys)
    }
}

/// The picker's state: the query, the candidates that match it in order, and the row the
/// user moved to (none at first, and none again after every change of the query or of the
/// candidates).
public struct AddressPicker: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        case stay
        case cancel
        case choose(PickerCandidate)
    }

    /// The field the chosen address goes into.
    public let field: ComposeField
    public private(set) var index: PickerIndex
    public var candidates: [PickerCandidate] { index.candidates }
    public private(set) var query = LineEditor()
    /// Indexes into `candidates`, best first, namesakes next to each other.
    public private(set) var results: [Int] = []
    /// The row moved to with ↓ ↑ (an index into `results`); nil until the user moves.
    public private(set) var selected: Int?
    /// The first result row on screen.
    public var top = 0
    /// What the picker says (no row chosen yet; a book that could not be read).
    public var note: String?
    /// The candidates are still being made (^T came before they were ready): what is listed is
    /// what was ready, and `fill` brings the rest.
    public private(set) var loading: Bool
    var namesakeKeys: Set<[UInt8]> { index.namesakeKeys }
    /// The last search's words and the candidates that matched them (in candidate order): a
    /// search that only adds to them looks at those alone.
    var lastWords: [[UInt8]] = []
    var lastMatches: [Int]?

    public static func == (a: AddressPicker, b: AddressPicker) -> Bool {
        a.field == b.field && a.query == b.query && a.results == b.results && a.selected == b.selected && a.top == b.top && a.note == b.note
            && a.loading == b.loading && a.candidates == b.candidates
    }

    public init(field: ComposeField, candidates: [PickerCandidate], note: String? = nil) {
        self.init(field: field, index: PickerIndex(candidates), note: note)
    }

    public init(field: ComposeField, index: PickerIndex, note: String? = nil, loading: Bool = false) {
        self.field = field
        self.index = index
        self.note = note
        self.loading = loading
        results = index.baseResults
    }

    /// The candidates are ready (or changed): the same search over them. Rows may move, so no
    /// row stays moved to: Enter can never choose a row the user has not looked at.
    public mutating func fill(_ index: PickerIndex, note: String?) {
        self.index = index
        self.note = note
        loading = false
        lastWords = []
        lastMatches = nil
        search()
    }

    public func isNamesake(_ candidate: PickerCandidate) -> Bool { namesakeKeys.contains(candidate.nameKey) }

    /// The rows that have a namesake shown: the mark and the line explaining it.
    public var showsNamesakes: Bool {
        !namesakeKeys.isEmpty && results.dropFirst(top).prefix(200).contains { isNamesake(candidates[$0]) }
    }

    /// Rows of the thread's parties are shown: the mark and its word in the foot.
    public var showsThread: Bool {
        results.dropFirst(top).prefix(200).contains { candidates[$0].onThread }
    }

    /// How well `candidate` matches one folded query word: lower is better, nil is no match.
    static func rank(_ candidate: PickerCandidate, _ word: [UInt8]) -> Int? {
        if hasPrefix(candidate.nameKey, word) { return 0 }
        if hasPrefix(candidate.readingKey, word) { return 1 }
        if contains(candidate.nameKey, word) { return 2 }
        if contains(candidate.readingKey, word) { return 3 }
        if hasPrefix(candidate.addressKey, word) { return 4 }
        if contains(candidate.companyKey, word) { return 5 }
        if contains(candidate.addressKey, word) { return 6 }
        return nil
    }

    static func hasPrefix(_ key: [UInt8], _ word: [UInt8]) -> Bool {
        guard key.count >= word.count else { return false }
        for i in 0..<word.count where key[i] != word[i] { return false }
        return true
    }

    /// Byte search: folded keys are UTF-8, so a match on bytes is a match on characters.
    static func contains(_ key: [UInt8], _ word: [UInt8]) -> Bool {
        let n = key.count, m = word.count
        guard m > 0 else { return true }
        guard n >= m else { return false }
        let first = word[0]
        var i = 0
        while i <= n - m {
            if key[i] == first {
                var j = 1
                while j < m && key[i + j] == word[j] { j += 1 }
                if j == m { return true }
            }
            i += 1
        }
        return false
    }

    /// `order` with each name's rows moved up to its best one, so that namesakes are read together.
    static func grouped(_ order: [Int], _ candidates: [PickerCandidate], _ namesakeKeys: Set<[UInt8]>) -> [Int] {
        guard !namesakeKeys.isEmpty else { return order }
        var byName: [[UInt8]: [Int]] = [:]
        for index in order where namesakeKeys.contains(candidates[index].nameKey) { byName[candidates[index].nameKey, default: []].append(index) }
        guard byName.values.contains(where: { $0.count > 1 }) else { return order }
        var out: [Int] = []
        out.reserveCapacity(order.count)
        var placed = Set<[UInt8]>()
        for index in order {
            let key = candidates[index].nameKey
            if let group = byName[key] {
                if placed.insert(key).inserted { out += group }
            } else {
                out.append(index)
            }
        }
        return out
    }

    /// Every word of the query (split at blanks) must match somewhere; the ranks add up.
    /// Ties: the order with nothing searched. Then namesakes are grouped.
    mutating func search() {
        let words = query.text.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" }).map { Array(SearchFold.fold(String($0)).utf8) }.filter {
            !$0.isEmpty
        }
        defer {
            selected = nil
            top = 0
        }
        guard !words.isEmpty else {
            lastWords = []
            lastMatches = nil
            results = index.baseResults
            return
        }
        // Typing on: each old word is still there, at least as long. Then only the old matches can match.
        let narrows =
            words.count >= lastWords.count && !lastWords.isEmpty && zip(lastWords, words).allSatisfy { Self.hasPrefix($1, $0) }
        let pool = narrows ? (lastMatches ?? Array(candidates.indices)) : Array(candidates.indices)
        let candidates = index.candidates, basePosition = index.basePosition
        var scored: [(score: Int32, position: Int32, index: Int)] = []
        var matches: [Int] = []
        outer: for index in pool {
            let candidate = candidates[index]
            var score = 0
            for word in words {
                guard let rank = Self.rank(candidate, word) else { continue outer }
                score += rank
            }
            matches.append(index)
            scored.append((Int32(score), basePosition[index], index))
        }
        scored.sort { a, b in a.score != b.score ? a.score < b.score : a.position < b.position }
        lastWords = words
        lastMatches = matches
        results = Self.grouped(scored.map(\.index), candidates, namesakeKeys)
    }

    /// One key. `rows` is how many result rows the screen shows (for PgUp PgDn and scrolling).
    public mutating func handle(_ key: Key, rows: Int) -> Outcome {
        let page = max(1, rows)
        switch key {
        case .escape: return .cancel
        case .enter:
            guard let selected, results.indices.contains(selected) else {
                note =
                    results.isEmpty
                    ? "Nothing matches; change the search, or Esc to go back." : "Nothing is chosen yet: move to a row with ↓ ↑, then Enter."
                return .stay
            }
            return .choose(candidates[results[selected]])
        case .down, .control("n"):
            guard !results.isEmpty else { return .stay }
            selected = selected.map { min(results.count - 1, $0 + 1) } ?? 0
        case .up, .control("p"):
            guard let current = selected else { return .stay }
            selected = max(0, current - 1)
        case .pageDown:
            guard !results.isEmpty else { return .stay }
            selected = min(results.count - 1, (selected ?? -1) + page)
        case .pageUp:
            guard let current = selected else { return .stay }
            selected = max(0, current - page)
        case .paste(let text):
            query.insert(LineEditor.joinPastedLines(text, separator: " "))
            note = nil
            search()
            return .stay
        default:
            let before = query.text
            ComposeModel.edit(&query, key)
            if query.text != before {
                note = nil
                search()
            }
            return .stay
        }
        note = nil
        if let selected {
            if selected < top { top = selected }
            if selected >= top + page { top = selected - page + 1 }
        }
        return .stay
    }
}
