import MailCore
import Policy
import Testing
@testable import TUI

@Suite("Confirmation screen: information barriers")
struct ConfirmBarrierTests {
    typealias F = ConfirmFixture

    static let organisation = """
        [groups]
        insurer-a = ["insurer-a.example"]
        insurer-b = ["insurer-b.example"]

        [[barrier]]
        id = "insurers"
        groups = ["insurer-a", "insurer-b"]
        """

    func flags(_ m: ConfirmModel) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for group in m.groups { for r in group.recipients { out[r.mailbox.address] = r.flags } }
        return out
    }

    @Test("each recipient shows its own group; the barrier blocks sending")
    func groupsShown() throws {
        let config = try PolicyConfig.make(
            user: nil, organisations: [try PolicyConfig.parseOrganisationFile(Self.organisation, file: "policy.toml")])
        var m = F.screen(F.input(to: ["a@insurer-a.example"], bcc: ["b@insurer-b.example"]), config: config)
        #expect(flags(m)["a@insurer-a.example"]?.contains("BARRIER insurers: insurer-a") == true)
        #expect(flags(m)["b@insurer-b.example"]?.contains("BARRIER insurers: insurer-b") == true)
        F.tickEverything(&m)
        #expect(m.handle(.char("y"), height: 20).isEmpty)
        #expect(m.status?.text.hasPrefix("Blocked by insurers") == true)
        let alone = F.screen(F.input(to: ["a@insurer-a.example"]), config: config)
        #expect(flags(alone)["a@insurer-a.example"]?.contains("GROUP insurer-a") == true)
    }
}
