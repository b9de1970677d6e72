import Foundation

/// `body(0) ... body(count - 1)` on up to `jobs` threads, results in index order, so what is
/// reported never depends on the number of jobs. Each query owns its Z3 context, so bodies
/// share nothing mutable.
public func parallelMap<T>(_ count: Int, jobs: Int, _ body: @escaping (Int) -> T) -> [T] {
    let workers = min(jobs, count)
    if workers <= 1 { return (0..<count).map(body) }
    let slots = Slots<T>(count)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let i = slots.take() { slots.put(i, body(i)) }
    }
    return slots.results.map { $0! }
}

/// The work queue and result slots of one `parallelMap`, behind a lock.
/// `@unchecked Sendable`: `next` and `results` are read and written only under `lock`.
private final class Slots<T>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [T?]

    init(_ count: Int) { results = Array(repeating: nil, count: count) }

    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < results.count else { return nil }
        next += 1
        return next - 1
    }

    func put(_ i: Int, _ value: T) {
        lock.lock(); defer { lock.unlock() }
        results[i] = value
    }
}
