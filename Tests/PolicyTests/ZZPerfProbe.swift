import Testing
@testable import Policy

@Suite struct ZZPerfProbe {
    @Test func probe() throws {
        var text = ""
        var i = 0
        while text.utf8.count < 2 << 20 {
            text += "山田 太郎,090-1234-\(1000 + i % 9000),taro\(i)@example.jp,東京都千代田区1-2-3,2024-01-15,\(100000 + i)\n"
            i += 1
        }
        let clock = ContinuousClock()
        let t = clock.measure { _ = SensitiveScan(text) }
        print("PERF scan:", t, i)
    }
}
