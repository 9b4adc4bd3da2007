// Concurrently.swift — independent jobs run side by side on the processors, their results in order.

import Dispatch
import Synchronization

public enum Concurrently {
    /// `(0..<count).map(job)`, the jobs run on up to one thread per processor
    /// (`DispatchQueue.concurrentPerform`, which hands out the indices in order as threads come
    /// free: the jobs expected to take longest go first). Each job must only read what it shares
    /// with the others. On one processor the jobs run one after the other, in order.
    public static func map<T: Sendable>(_ count: Int, _ job: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(job) }
        let results = Results<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in results.set(index, job(index)) }
        return results.all()
    }

    /// `(first(), second())`, the two run side by side: `second` on a thread of the global
    /// queue, `first` on the calling thread (so that a `map` inside `first` still gets every
    /// processor: `concurrentPerform` inside another runs its jobs one after the other).
    public static func pair<A, B: Sendable>(_ first: () -> A, _ second: @escaping @Sendable () -> B) -> (A, B) {
        let result = Results<B>(count: 1)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) { result.set(0, second()) }
        let a = first()
        done.wait()
        return (a, result.all()[0])
    }

    /// Each job's result, written once by the job.
    private final class Results<T: Sendable>: Sendable {
        private let slots: Mutex<[T?]>

        init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

        func set(_ index: Int, _ value: T) { slots.withLock { $0[index] = value } }

        /// Every result, in order (after `concurrentPerform` returned, every job has set its own).
        func all() -> [T] { slots.withLock { $0.map { $0! } } }
    }
}
