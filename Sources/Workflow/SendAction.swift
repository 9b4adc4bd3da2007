/// What the caller must do after a transition, in the order given. The new state is
/// `SendStateMachine.state`; actions that write "the state" write that one.
///
/// There are no timer actions: a hold's release time and a retry's time are in the state
/// (`SendState.deadline`), written with it, and the caller's loop passes `tick(now:)`; leaving the
/// state leaves its deadline behind, so there is nothing to start, stop, schedule or cancel.
public enum SendAction: Hashable, Sendable {
    /// Freeze the message in the outbox, durably, with the state (`holding`, its release time).
    case writeOutbox
    /// Reopen the composer with the frozen message, intact. Always first (the caller may fail to
    /// keep it, and then the transition does not happen) and before `removeFromOutbox`, so a
    /// crash in between leaves a copy in the outbox rather than none anywhere.
    case restoreComposer
    /// The message leaves the outbox (sent to everyone, taken back into the composer, discarded).
    case removeFromOutbox
    /// Write the state (`submitting`) to the outbox durably, then to the journal. Always
    /// immediately before `submit`: a restart that finds it marks the message `unknown` instead
    /// of sending it again. When the outbox cannot be written the caller does not submit and
    /// handles `markFailed` instead.
    case markSubmittingDurably
    /// Hand the message to the server for exactly these envelope recipients.
    case submit(recipients: [String])
    /// Write the state to the journal: an outcome, what a restart found, or that the message was
    /// taken back into the composer or discarded (then always before `removeFromOutbox`, so the
    /// journal says why it left).
    case recordState
}
