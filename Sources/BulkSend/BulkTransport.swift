// BulkTransport.swift — the server side of a bulk run, the clock, and the rate limit.

#if canImport(Glibc)
    import Glibc
#endif
import Delivery
import Store
import Transport

/// What a bulk run needs from the SMTP server: submit on the open connection (opening one when
/// there is none), and drop the connection.
public protocol BulkTransport: AnyObject {
    func submit(_ request: SubmissionRequest) throws(TransportError) -> SubmissionResult
    /// Closes the connection; the next submit opens a new one.
    func reset()
}

/// libcurl through one `SMTPSubmitter`: every message and batch of the run goes over the same
/// connection, opened once (TLS handshake and AUTH once), until the server or a failure ends it.
public final class CurlBulkTransport: BulkTransport {
    public let server: SMTPServer
    private var submitter: SMTPSubmitter?

    public init(server: SMTPServer) { self.server = server }

    public func submit(_ request: SubmissionRequest) throws(TransportError) -> SubmissionResult {
        if submitter == nil { submitter = try SMTPSubmitter(server: server) }
        return try submitter!.submit(request)
    }

    public func reset() {
        submitter?.close()
        submitter = nil
    }
}

/// Time for the run: a monotonic clock for pacing and progress, the wall clock for the journal.
public protocol BulkClock {
    /// Seconds on a monotonic clock.
    func monotonic() -> Double
    /// Seconds since 1970.
    func wall() -> Int64
    func sleep(_ seconds: Double)
}

public struct SystemBulkClock: BulkClock {
    public init() {}
    public func monotonic() -> Double { MonotonicClock.now() }
    public func wall() -> Int64 { Int64(time(nil)) }
    public func sleep(_ seconds: Double) { Environment.systemSleep(seconds) }
}

/// The run's time from an `Environment` (the one the dispatcher takes): its monotonic clock, its
/// wall clock in whole seconds, its sleep.
public struct EnvironmentClock: BulkClock {
    public let environment: Environment
    public init(_ environment: Environment) { self.environment = environment }
    public func monotonic() -> Double { environment.monotonic() }
    public func wall() -> Int64 { Int64(environment.now().seconds.rounded(.down)) }
    public func sleep(_ seconds: Double) { environment.sleep(seconds) }
}

/// `--rate N/min`: units (messages, or recipients in bcc mode) are spread evenly, the first at
/// once and the k-th no earlier than (units before it) × 60/N seconds after the first.
public struct BulkPacer: Sendable {
    public let perMinute: Int?
    private var start: Double?
    private var used: Double = 0

    public init(perMinute: Int?) {
        precondition(perMinute.map { $0 > 0 } ?? true, "rate must be positive")
        self.perMinute = perMinute
    }

    /// How long to wait before sending `weight` units at `now`; the units count as sent.
    public mutating func delay(weight: Int, now: Double) -> Double {
        guard let perMinute else { return 0 }
        guard let start else {
            self.start = now
            used = Double(weight)
            return 0
        }
        let due = start + used * 60 / Double(perMinute)
        used += Double(weight)
        return max(0, due - now)
    }

    /// Units not sent after all (a submission that did not happen): they free their slot.
    public mutating func giveBack(_ weight: Int) { used = max(0, used - Double(weight)) }
}
