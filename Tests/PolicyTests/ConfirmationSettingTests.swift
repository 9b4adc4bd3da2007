import Testing
@testable import Policy

/// `[confirmation] always_full` (issue 15): the full confirmation screen for every message. The
/// organisation's `true` is locked; a user may turn it on for themselves.
@Suite("confirmation.always_full: the organisation's switch to the full screen")
struct ConfirmationSettingTests {
    static func value(_ c: PolicyConfig) -> Bool { c.alwaysFullConfirmation.value }

    static func line(_ c: PolicyConfig) -> PolicyExplanation? {
        c.explanations().first { $0.key == "confirmation.always_full" }
    }

    @Test("off by default, shown as the default")
    func byDefault() throws {
        let c = try config()
        #expect(!Self.value(c))
        #expect(Self.line(c)?.value == "false")
        #expect(Self.line(c)?.layer == "default")
    }

    @Test("on in the organisation file: the user's false is ignored, with a note")
    func lockedByOrganisation() throws {
        let c = try config(
            organisation: "hold_external_seconds = 60\n\n[confirmation]\nalways_full = true\n",
            user: "[policy.confirmation]\nalways_full = false\n")
        #expect(Self.value(c))
        #expect(Self.line(c)?.layer == "organisation (policy.toml:4)")
        #expect(Self.line(c)?.note == "the user's false (config.toml:2) is ignored: the organisation's value is stricter")
    }

    @Test("the user may turn it on for themselves, also where the organisation says false")
    func userTurnsOn() throws {
        let alone = try config(user: "[policy.confirmation]\nalways_full = true\n")
        #expect(Self.value(alone))
        #expect(Self.line(alone)?.layer == "user (config.toml:2)")
        let over = try config(organisation: "[confirmation]\nalways_full = false\n", user: "[policy.confirmation]\nalways_full = true\n")
        #expect(Self.value(over))
        #expect(Self.line(over)?.layer == "user (config.toml:2)")
        #expect(Self.line(over)?.note == "stricter than the organisation's false (policy.toml:2)")
    }

    @Test("a drop-in cannot turn off what the policy file turned on")
    func dropIn() throws {
        let main = try PolicyConfig.parseOrganisationFile("[confirmation]\nalways_full = true\n", file: "policy.toml")
        let later = try PolicyConfig.parseOrganisationFile("[confirmation]\nalways_full = false\n", file: "policy.d/10.toml")
        let c = PolicyConfig(user: nil, organisations: [main, later])
        #expect(Self.value(c))
        #expect(Self.line(c)?.layer == "organisation (policy.toml:2)")
        let turnsOn = PolicyConfig(user: nil, organisations: [later, main])
        #expect(Self.value(turnsOn))
    }

    @Test(
        "wrong values and unknown keys name the file, the line and the key",
        arguments: [
            ("[policy.confirmation]\nalways_full = \"yes\"\n", "config.toml:2: 'policy.confirmation.always_full' must be a boolean, found a string"),
            ("[policy.confirmation]\nalways_ful = true\n", "config.toml:2: unknown key 'always_ful' in [policy.confirmation]"),
            ("[policy]\nconfirmation = true\n", "config.toml:2: 'policy.confirmation' must be a table, found a boolean")
        ])
    func userErrors(text: String, expected: String) {
        do {
            _ = try userLayer(text)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("the organisation file's errors too")
    func organisationErrors() {
        do {
            _ = try PolicyConfig.parseOrganisationFile("[confirmation]\nalways_full = 1\n", file: "policy.toml")
            Issue.record("no error")
        } catch {
            #expect(error.description == "policy.toml:2: 'confirmation.always_full' must be a boolean, found an integer")
        }
    }
}
