// Submitting.swift — where the dispatcher's inline submissions go.
//
// The dispatcher decides what to send and when; handing the frozen bytes to a server is the one
// step it cannot take without a network. `Submitting` is that step: `SMTPSubmissions` (libcurl,
// one connection per account) in the program, a scripted server in the dispatcher's unit tests.
// The composer's submission thread (`Submissions.background`) keeps its own libcurl connections
// (SubmissionWorker.swift).

import Config
import Transport

/// Hands a frozen message to the account's server and says what came of it.
public protocol Submitting: AnyObject {
    /// Sets the account's connection up now (its password command runs here), so that a
    /// configuration mistake shows before a message is frozen.
    func prepare(_ account: AccountConfig) throws(DeliveryError)
    /// One submission. `progress` is told the bytes handed over; `proceed` may stop it (see
    /// `SMTPSubmitter.submit`).
    func submit(
        _ job: SubmissionJob, progress: ((Int64, Int64) -> Void)?,
        proceed: ((SubmissionCheckpoint) -> Bool)?
    ) -> SubmissionOutcome
}

/// The real server: a libcurl connection per account, set up on first use and reused while this
/// process runs (a connection that failed is not reused). One thread only.
public final class SMTPSubmissions: Submitting {
    private var submitters: [String: SMTPSubmitter] = [:]

    public init() {}

    public func prepare(_ account: AccountConfig) throws(DeliveryError) {
        guard submitters[account.name] == nil else { return }
        submitters[account.name] = try SubmissionWorker.connection(for: account)
    }

    public func submit(
        _ job: SubmissionJob, progress: ((Int64, Int64) -> Void)?,
        proceed: ((SubmissionCheckpoint) -> Bool)?
    ) -> SubmissionOutcome {
        SubmissionWorker.submit(job, submitters: &submitters, progress: progress, proceed: proceed)
    }
}
