import MailCore
import Testing
@testable import Policy

@Suite("Sensitive data next to CSV commas")
struct SensitiveCSVTests {
    @Test(
        "a My Number between CSV fields is found, whatever the neighbouring fields hold",
        arguments: [
            "山田 一郎,314159265352,03-1234-5678", "x,314159265352,03", "314159265352,x", "03,314159265352"
        ])
    func csvNeighbours(line: String) {
        let lines = Array(line.unicodeScalars)
        let found = SensitiveScanner.chains(in: lines, separators: [" ", "-"], maxSeparatorRun: 1, allowPlus: false)
            .contains { chain in SensitiveScanner.isMyNumber(chain.groups[...]) != nil }
        #expect(found)
    }
}
