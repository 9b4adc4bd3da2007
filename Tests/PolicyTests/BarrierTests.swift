import MailCore
import Testing
@testable import Policy

@Suite("Information barriers and groups")
struct BarrierTests {
    let org = """
        internal_domains = ["agency.example"]

        [groups]
        insurer-a = ["*.insurer-a.example", "insurer-a.example"]
        insurer-b = ["insurer-b.example", "agent-*@partners.example"]
        insurers = ["group:insurer-a", "group:insurer-b"]

        [[barrier]]
        id = "insurers"
        groups = ["insurer-a", "insurer-b"]
        message = "保険会社A と B の担当者を同じメールに入れないでください"
        """

    @Test("groups that never meet: To, Cc and Bcc all count; the finding names both groups")
    func barrierBlocks() throws {
        let c = try madeConfig(organisation: org)
        for (to, cc, bcc) in [("a@sales.insurer-a.example", "b@insurer-b.example", ""), ("a@insurer-a.example", "", "agent-7@partners.example")] {
            let f = tableFindings(try input(to: to, cc: cc, bcc: bcc), c)
            #expect(f.count == 1)
            #expect(f.first?.ruleID == "insurers" && f.first?.severity == .block)
            #expect(f.first?.message.contains("insurer-a: ") == true && f.first?.message.contains("; insurer-b: ") == true)
            #expect(f.first?.flag == "BARRIER insurers")
            #expect(Set(f.first?.subjectFlags.values.map { $0 } ?? []) == ["BARRIER insurers: insurer-a", "BARRIER insurers: insurer-b"])
        }
        for (to, cc) in [
            ("a@insurer-a.example, x@agency.example", ""), ("a@insurer-a.example", "other@partners.example"), ("a@insurer-a.example", "b@uninsurer-b.example")
        ] {
            // Not two groups (a look-alike is not a member): only the info that names the group.
            let f = tableFindings(try input(to: to, cc: cc), c)
            #expect(f.map(\.ruleID) == ["barrier-groups"] && f[0].severity == .info)
            #expect(f[0].subjectFlags == ["a@insurer-a.example": "GROUP insurer-a"])
        }
        #expect(tableFindings(try input(to: "x@client.example"), c).isEmpty)
    }

    @Test("the decision names each recipient's group for the screen")
    func recipientGroups() throws {
        let c = try madeConfig(organisation: org)
        let d = PolicyEngine.evaluate(try input(to: "a@insurer-a.example", cc: "b@insurer-b.example, c@client.example"), config: c)
        #expect(d.isBlocked)
        #expect(d.recipientGroups == ["a@insurer-a.example": ["insurer-a"], "b@insurer-b.example": ["insurer-b"]])
    }

    @Test("a data tag lets tagged data go only to the groups it names")
    func dataTags() throws {
        let c = try madeConfig(
            organisation: org + """

                [[barrier.tag]]
                regex = "a-[0-9]{6}"
                only_to = ["insurer-a"]
                """)
        let f = tableFindings(try input(to: "b@insurer-b.example", body: "証券番号 A-123456 について"), c)
        #expect(f.count == 1)
        #expect(f.first?.message.contains("body line 1 matches /a-[0-9]{6}/ may go only to insurer-a, but b@insurer-b.example is outside") == true)
        #expect(tableFindings(try input(to: "a@insurer-a.example", body: "証券番号 A-123456 について"), c).map(\.ruleID) == ["barrier-groups"])
    }

    @Test("group list files: one pattern a line, '#' comments, errors name the file's line")
    func listFiles() throws {
        let entries = try PolicyGroups.parseListFile(
            "# partners of insurer A\n*.insurer-a.example\n\nagent@x.example  # the agent\n", file: "insurer-a.txt", layer: .organisation)
        #expect(entries.map(\.entry.description) == ["*.insurer-a.example", "agent@x.example"])
        #expect(entries.map(\.origin.line) == [2, 4])
        #expect(throws: PolicyConfigError.self) { try PolicyGroups.parseListFile("ok.example\nbad..example\n", file: "g.txt", layer: .organisation) }
        do {
            _ = try PolicyGroups.parseListFile("ok.example\nbad..example\n", file: "g.txt", layer: .organisation)
        } catch {
            #expect(error.description == "g.txt:2: invalid pattern: 'bad..example' has an empty label")
        }
        var layer = try PolicyConfig.parseOrganisationFile("[groups]\npartners = \"partners.txt\"\n", file: "policy.toml")
        #expect(layer.groupFiles == ["partners.txt"])
        #expect(throws: PolicyConfigError.self) { try PolicyConfig.make(user: nil, organisations: [layer]) }
        layer = try layer.readingGroupFiles { def throws(PolicyConfigError) in ("p.example\n", def.file ?? "") }
        let c = try PolicyConfig.make(user: nil, organisations: [layer])
        #expect(c.groups.patterns["partners"]?.map(\.text) == ["p.example"])
    }

    @Test("undefined groups and loops of references are errors with file, line and key")
    func groupErrors() {
        #expect(
            configError(organisation: "[groups]\na = [\"group:b\"]\nb = [\"x.example\", \"group:a\"]\n")
                == "policy.toml:3: groups refer to each other in a loop: a → b → a")
        #expect(
            configError(organisation: "[groups]\na = [\"group:c\"]\n")
                == "policy.toml:2: 'groups.a' refers to group 'c', which is not defined; groups: a")
        #expect(
            configError(organisation: "[groups]\na = [\"x.example\"]\n[[barrier]]\nid = \"b\"\ngroups = [\"a\", \"z\"]\n")
                == "policy.toml:4: 'barrier.groups' refers to group 'z', which is not defined; groups: a")
        #expect(
            configError(organisation: "[[barrier]]\nid = \"b\"\ngroups = [\"a\"]\n")
                == "policy.toml:3: 'barrier[1].groups' must name at least two different groups")
    }
}

@Suite("Layering of rule tables, barriers and groups")
struct RuleTableLayeringTests {
    let org = """
        [groups]
        insurer-a = ["insurer-a.example"]
        insurer-b = ["insurer-b.example"]

        [[barrier]]
        id = "insurers"
        groups = ["insurer-a", "insurer-b"]

        [[rule]]
        id = "confidential"
        severity = "block"
        message = "社外秘"
        subject_keywords = ["社外秘"]
        """

    @Test("the user cannot redefine an organisation group (that would open a barrier)")
    func groupRedefinition() {
        let e = configError(organisation: org, user: "[policy.groups]\ninsurer-b = [\"nobody.example\"]\n")
        #expect(e == "config.toml:2: group 'insurer-b' is already defined at policy.toml:3 (organisation); a group is defined once: choose another name")
    }

    @Test("the user cannot replace, weaken or shadow an organisation rule or barrier by its id")
    func ruleReplacement() {
        let rule = configError(
            organisation: org,
            user: "[[policy.rule]]\nid = \"confidential\"\nseverity = \"info\"\nmessage = \"ok\"\nsubject_keywords = [\"社外秘\"]\n")
        #expect(rule?.hasPrefix("config.toml:2: rule 'confidential' is already defined by the organisation (policy.toml:10)") == true)
        let barrier = configError(
            organisation: org, user: "[[policy.barrier]]\nid = \"insurers\"\nseverity = \"info\"\ngroups = [\"insurer-a\", \"insurer-b\"]\n")
        #expect(barrier?.hasPrefix("config.toml:2: barrier 'insurers' is already defined by the organisation (policy.toml:6)") == true)
    }

    @Test("the user's own rules add to the organisation's and run after them; a user block never hides the organisation's")
    func userAdds() throws {
        let c = try madeConfig(
            organisation: org,
            user: "[[policy.rule]]\nid = \"mine\"\nseverity = \"block\"\nmessage = \"mine\"\nsubject_keywords = [\"見積\"]\n")
        #expect(c.tableRules.map(\.id) == ["confidential", "mine"])
        #expect(c.tableRules.map(\.origin.layer) == [.organisation, .user])
        let f = tableFindings(try input(to: "a@x.example", subject: "社外秘 見積"), c)
        #expect(f.map(\.ruleID) == ["confidential"])
        // The user's barriers may use the organisation's groups.
        let stricter = try madeConfig(
            organisation: org, user: "[[policy.barrier]]\nid = \"mine\"\ngroups = [\"insurer-a\", \"insurer-b\"]\n")
        #expect(stricter.barriers.map(\.id) == ["insurers", "mine"])
    }

    @Test("drop-ins are merged in order and cannot loosen the files before them")
    func dropIns() throws {
        let c = try madeConfig(
            organisation: "hold_external_seconds = 120\n[rules.new-domain]\nseverity = \"block\"\n" + org,
            dropIns: [
                "hold_external_seconds = 30\n[rules.new-domain]\nseverity = \"info\"\n[[rule]]\nid = \"late\"\nmessage = \"m\"\nhas_attachments = true\n",
                "hold_external_seconds = 600\n"
            ])
        #expect(c.holdExternalSeconds.value == 600)
        #expect(c.severity(of: "new-domain") == .block)
        #expect(c.tableRules.map(\.id) == ["confidential", "late"])
        #expect(c.tableRules[1].origin.file == "policy.d/1.toml")
        let clash = configError(organisation: org, dropIns: ["[[rule]]\nid = \"confidential\"\nmessage = \"m\"\nhas_attachments = true\n"])
        #expect(clash?.hasPrefix("policy.d/1.toml:2: rule 'confidential' is already defined by the organisation (policy.toml:10)") == true)
    }

    @Test("a config built with a broken table blocks every message instead of running without it")
    func failClosed() throws {
        let layer = try PolicyConfig.parseOrganisationFile("[[barrier]]\nid = \"b\"\ngroups = [\"x\", \"y\"]\n", file: "policy.toml")
        let c = PolicyConfig(user: nil, organisations: [layer])
        let d = PolicyEngine.evaluate(try input(to: "a@x.example"), config: c)
        #expect(d.isBlocked)
        #expect(d.findings.first?.ruleID == "policy-error")
    }
}
