import Testing
@testable import Bulk

struct BatchCase: Sendable, CustomTestStringConvertible {
    let count: Int
    let limit: Int
    let sizes: [Int]
    var testDescription: String { "\(count) by \(limit)" }
}

@Suite("Batch plans")
struct BatchPlanTests {
    @Test(arguments: [
        BatchCase(count: 0, limit: 100, sizes: []),
        BatchCase(count: 1, limit: 100, sizes: [1]),
        BatchCase(count: 100, limit: 100, sizes: [100]),
        BatchCase(count: 101, limit: 100, sizes: [100, 1]),
        BatchCase(count: 250, limit: 100, sizes: [100, 100, 50]),
        BatchCase(count: 3000, limit: 1000, sizes: [1000, 1000, 1000]),
        BatchCase(count: 5, limit: 1, sizes: [1, 1, 1, 1, 1]),
        BatchCase(count: 7, limit: 3, sizes: [3, 3, 1])
    ])
    func cutsIntoBatches(_ c: BatchCase) {
        let recipients = (0..<c.count).map { "user\($0)@example.jp" }
        let plan = BatchPlan(recipients, limit: c.limit)
        #expect(plan.limit == c.limit)
        #expect(plan.batches.map(\.count) == c.sizes)
        #expect(plan.batches.flatMap { $0 } == recipients)
    }

    @Test func defaultLimitIs100() {
        let plan = BatchPlan(Array(0..<350))
        #expect(plan.limit == 100)
        #expect(BatchPlan<Int>.defaultLimit == 100)
        #expect(plan.batches.map(\.count) == [100, 100, 100, 50])
    }

    @Test func splitHalvesABatch() throws {
        let halves = try #require(BatchPlan.split([1, 2, 3, 4, 5]))
        #expect(halves.first == [1, 2, 3])
        #expect(halves.second == [4, 5])
        let even = try #require(BatchPlan.split(Array(0..<100)))
        #expect(even.first == Array(0..<50))
        #expect(even.second == Array(50..<100))
        let two = try #require(BatchPlan.split(["a", "b"]))
        #expect(two.first == ["a"] && two.second == ["b"])
    }

    @Test func batchOfOneCannotSplit() {
        #expect(BatchPlan.split(["only@example.jp"]) == nil)
        #expect(BatchPlan<String>.split([]) == nil)
    }

    @Test func repeatedSplitsReachSingleRecipients() {
        // What the sender does on repeated 452s: split until the server takes the batch or one is left.
        var pending = [Array(0..<7)]
        var sent: [[Int]] = []
        while let batch = pending.popLast() {
            if let halves = BatchPlan.split(batch) {
                pending.append(halves.second)
                pending.append(halves.first)
            } else {
                sent.append(batch)
            }
        }
        #expect(sent == (0..<7).map { [$0] })
    }
}
