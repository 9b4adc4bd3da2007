import Testing
import MailCore
@testable import Policy

@Suite struct ZZPerfProbe {
    @Test func probe() throws {
        var domains = Set<String>()
        for i in 0..<3000 { domains.insert("company\(i)-corp.co.jp") }
        let history = SendHistory(addresses: [], domains: domains)
        var to: [Mailbox] = []
        for i in 0..<5000 { to.append(try mailbox("u\(i)@newfirm\(i % 800)-group.jp")) }
        let input = PolicyInput(from: try mailbox(sender), bcc: to, history: history)
        let clock = ContinuousClock()
        let t = clock.measure { _ = PolicyEngine.evaluate(input, config: .defaults) }
        print("PERF evaluate:", t)
        let t2 = clock.measure { _ = run(LookalikeDomainRule(), input) }
        print("PERF lookalike:", t2, run(LookalikeDomainRule(), input).count)
    }
}
