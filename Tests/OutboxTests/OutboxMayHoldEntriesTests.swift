#if canImport(Glibc)
    import Glibc
#endif
import Store
import Testing
@testable import Outbox

/// The composer's start asks this before its first frame, instead of reading every entry: it
/// must never say "empty" when `list` would find an entry (the restart offer would come late).
@Suite struct OutboxMayHoldEntriesTests {
    @Test("a missing outbox folder holds nothing")
    func missingFolder() {
        let folder = TemporaryFolder()
        #expect(!folder.outbox.mayHoldEntries)
        #expect(folder.outbox.list().entries.isEmpty)
    }

    @Test("a folder with only dot-names (an entry being frozen, one being removed) holds nothing, as list says")
    func onlyDotNames() throws {
        let folder = TemporaryFolder()
        try FileSystem.makeDirectories(folder.outbox.directory + "/.tmp-20261129-110203-aaaa")
        try FileSystem.makeDirectories(folder.outbox.directory + "/.trash-20261129-110203-bbbb-42")
        #expect(!folder.outbox.mayHoldEntries)
        #expect(folder.outbox.list().entries.isEmpty)
    }

    @Test("a frozen entry is seen")
    func entry() throws {
        let folder = TemporaryFolder()
        _ = try freezeSample(folder, id: "20261129-110203-cccc")
        #expect(folder.outbox.mayHoldEntries)
        #expect(folder.outbox.list().entries.count == 1)
    }

    @Test("a name that is not an entry still counts: list reports it as a problem, which the full check shows")
    func unreadableEntry() throws {
        let folder = TemporaryFolder()
        try FileSystem.makeDirectories(folder.outbox.directory + "/20261129-110203-dddd")
        #expect(folder.outbox.mayHoldEntries)
        #expect(folder.outbox.list().problems.count == 1)
    }

    @Test("an outbox that cannot be read counts as holding entries, so the full check meets the error")
    func unreadableFolder() throws {
        let folder = TemporaryFolder()
        try writeFile(folder.outbox.directory, "not a folder")
        #expect(folder.outbox.mayHoldEntries)
    }
}
